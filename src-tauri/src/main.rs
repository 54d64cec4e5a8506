// Keep Windows release builds from opening a console window next to the app.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod cli;
mod relay_cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    // `sidekick calldata …` is the integrators' command line; it runs instead of the app, before
    // anything that needs a display.
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.get(1).is_some_and(|arg| arg == "calldata") {
        return cli::calldata(args);
    }
    // `sidekick relay …` is the headless Call Interactive relay, for a server with no display.
    if args.get(1).is_some_and(|arg| arg == "relay") {
        return relay_cli::relay(args);
    }
    sidekick_lib::run();
    ExitCode::SUCCESS
}
