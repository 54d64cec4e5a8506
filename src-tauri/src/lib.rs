//! The desktop shell: the only crate that knows Tauri. It builds the window, manages the
//! [`Desk`](sidekick_desk::Desk), exposes thin commands and forwards desk snapshots to the UI.
//!
//! # Layout
//!
//! - `commands/`: one file per area; each command is args → desk → `Result<_, IpcError>`.
//! - [`error`]: [`IpcError`](error::IpcError), the `{code, message}` shape errors take over IPC.
//! - [`events`]: the one place UI event names are decided.
//! - [`bindings`]: the TypeScript mirror of commands, payloads and error codes.
//! - `desktop`, `hotkeys`, `notify`: tray, window and start-up, system-wide hotkeys, desktop
//!   notifications (real runtime only).

pub mod bindings;
mod commands;
mod desktop;
mod startup;
mod webkit;
#[cfg(target_os = "linux")]
mod x11keys;
pub mod error;
pub mod events;
mod hotkeys;
mod notify;
mod updates;

use std::sync::Arc;

use sidekick_desk::clock::SystemClock;
use sidekick_desk::secrets::{OsKeychain, PresenceCache};
use sidekick_desk::Desk;
use tauri::{Manager, Runtime};

/// Options from the command line.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--demo`: start on the embedded demo.
    pub demo: bool,
}

impl Options {
    /// Reads the process arguments. Unknown ones are ignored (WebDriver and desktop launchers add
    /// their own).
    pub fn from_args(args: impl IntoIterator<Item = String>) -> Self {
        Self { demo: args.into_iter().any(|a| a == "--demo") }
    }
}

/// Registers state, commands and start-up work on a builder (any runtime, so tests can use the
/// mock runtime).
pub fn run_app<R: Runtime>(builder: tauri::Builder<R>, options: Options) -> tauri::Builder<R> {
    builder
        .invoke_handler(commands::handler())
        .setup(move |app| {
            let config_dir = app.path().app_config_dir().ok();
            let data_dir = app.path().app_data_dir().ok();
            let keychain = Arc::new(PresenceCache::new(OsKeychain::new(&app.config().identifier)));
            let desk = Desk::with_data_dir(config_dir.as_deref(), data_dir.as_deref(), Arc::new(SystemClock), keychain);
            // The settings page's "saved" marks, looked up in the keychain while WebKit starts
            // (the page asks for the settings first thing).
            {
                let desk = desk.clone();
                std::thread::spawn(move || drop(desk.settings()));
            }
            // The administrator's policy (read-only, in the system's location) sets and locks settings.
            desk.set_policy(sidekick_desk::policy::load(&sidekick_desk::policy::system_path()));
            app.manage(desk.clone());
            events::forward_snapshots(app.handle().clone(), desk.clone());
            hotkeys::register_if_available(app.handle(), &desk);
            notify::screen_pops(app.handle().clone(), &desk);
            notify::calls_and_sessions(app.handle().clone(), &desk);
            if options.demo {
                let desk = desk.clone();
                tauri::async_runtime::spawn(async move {
                    if let Err(e) = desk.start_demo().await {
                        tracing::error!("demo did not start: {e}");
                    }
                });
            }
            // The Call Interactive server, when the settings turn it on; the CC-FS callback
            // receiver for a supervisor (and the export jobs a restart interrupted); the IVR
            // takeover connection when it is set up.
            tauri::async_runtime::spawn(async move {
                desk.apply_call_interactive(false).await;
                desk.apply_export().await;
                desk.apply_takeover().await;
            });
            Ok(())
        })
}

/// The app's entry point.
pub fn run() {
    startup::begin();
    webkit::lean_environment();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SIDEKICK_LOG").unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let options = Options::from_args(std::env::args().skip(1));
    // The real app has one instance (a second launch focuses it; this plugin goes first), a tray,
    // a remembered window, start at login, system-wide hotkeys and notifications; the shell tests
    // on the mock runtime have none of these.
    // `SIDEKICK_MULTI_INSTANCE=1` lets instances run side by side: test harnesses that start apps
    // back to back (an app still quitting would otherwise absorb the next launch) and anyone
    // running two agents' desks on one machine.
    let mut builder = tauri::Builder::default();
    if std::env::var_os("SIDEKICK_MULTI_INSTANCE").is_none_or(|v| v.is_empty()) {
        builder = builder.plugin(tauri_plugin_single_instance::init(|app, args, _cwd| {
            tracing::info!(args = args.len(), "a second launch: the running window comes forward");
            desktop::focus_main(app);
        }));
    }
    let builder = builder
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_autostart::init(tauri_plugin_autostart::MacosLauncher::LaunchAgent, None))
        .plugin(hotkeys::plugin())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_updater::Builder::new().build())
        .on_window_event(desktop::on_window_event);
    let app = match run_app(builder, options).build(tauri::generate_context!()) {
        Ok(app) => app,
        Err(e) => {
            // Start-up failures (no display, broken config) end the process with a message.
            eprintln!("sidekick: {e}");
            std::process::exit(1);
        }
    };
    app.run(|handle, event| {
        let Some(desk) = handle.try_state::<Desk>().map(|d| d.inner().clone()) else { return };
        match event {
            // The setup (which puts the desk in place) runs when the event loop starts, just
            // before this event: the tray, the window options and the update checks go here.
            tauri::RunEvent::Ready => {
                webkit::lean_webview(handle);
                match desktop::tray(handle, &desk) {
                    Ok(()) => tracing::info!("tray icon in place"),
                    Err(e) => tracing::warn!("no tray icon: {e}"),
                }
                desktop::apply(handle, desk.settings().desktop);
                updates::watch(handle, &desk);
            }
            // Sign out as the app quits, so the agent is not left "ready" with nobody there.
            tauri::RunEvent::Exit => {
                tauri::async_runtime::block_on(desk.sign_out_on_quit(QUIT_SIGN_OUT_LIMIT));
            }
            _ => {}
        }
    });
}

/// How long quitting waits for the gateway to confirm the sign-out.
const QUIT_SIGN_OUT_LIMIT: std::time::Duration = std::time::Duration::from_secs(3);

#[cfg(test)]
mod tests;
