//! `sidekick-sim`: the simulators as a standalone program, for UI work by hand and for E2E tests.
//!
//! ```text
//! sidekick-sim [--port N] [--agent ID:PASSWORD]... [--poll-wait-ms N] [--authmode 1|2] [--guid-interval-ms N] [--authmode 1|2] [--guid-interval-ms N]
//! ```
//! Prints `gateway http://127.0.0.1:PORT/` on its first line once it listens, then serves until
//! killed. Calls are played through `POST /_sim/gateway/agents/{id}/calls`.

use std::time::Duration;

fn usage() -> ! {
    eprintln!("usage: sidekick-sim [--port N] [--agent ID:PASSWORD]... [--poll-wait-ms N] [--authmode 1|2] [--guid-interval-ms N]");
    std::process::exit(2)
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).with_writer(std::io::stderr).init();
    let mut scenario = sidekick_sim::Scenario::default();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| usage());
        match a.as_str() {
            "--port" => scenario.port = value().parse().unwrap_or_else(|_| usage()),
            "--poll-wait-ms" => scenario.gateway.poll_wait = Duration::from_millis(value().parse().unwrap_or_else(|_| usage())),
            "--guid-interval-ms" => {
                let interval = Duration::from_millis(value().parse().unwrap_or_else(|_| usage()));
                // Each Guid lives twice the interval, as with the vendor defaults (60 s / 120 s).
                scenario.gateway.auth_mode = sidekick_sim::gateway::AuthMode::Dynamic { interval, lifetime: interval * 2 };
            }
            "--authmode" => {
                scenario.gateway.auth_mode = match value().as_str() {
                    "1" => sidekick_sim::gateway::AuthMode::Static,
                    "2" => sidekick_sim::gateway::GatewayRules::default().auth_mode,
                    _ => usage(),
                }
            }
            "--agent" => {
                let v = value();
                let (id, pw) = v.split_once(':').unwrap_or_else(|| usage());
                scenario.agents.push((id.parse().unwrap_or_else(|_| usage()), pw.to_owned()));
            }
            _ => usage(),
        }
    }
    let sim = match sidekick_sim::spawn(scenario).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("sidekick-sim: cannot listen: {e}");
            std::process::exit(1)
        }
    };
    println!("gateway {}", sim.gateway_url);
    let _ = tokio::signal::ctrl_c().await;
}
