//! `sidekick-sim`: the simulators as a standalone program, for UI work by hand and for E2E tests.
//!
//! ```text
//! sidekick-sim [--port N] [--agent ID:PASSWORD]... [--poll-wait-ms N] [--authmode 1|2] [--guid-interval-ms N]
//!              [--calldata-failure-rate 0..1]
//! ```
//! Prints `gateway http://127.0.0.1:PORT/` on its first line once it listens, then serves until
//! killed. Calls are played through `POST /_sim/gateway/agents/{id}/calls`.
//! `--calldata-failure-rate` makes that share of call-data requests (`setcalldataex`, `appdata`)
//! fail as HTTP 503, retcode `100-007` or a reset connection; `POST /_sim/gateway/calldata-faults`
//! changes it later.

use std::time::Duration;

fn usage() -> ! {
    eprintln!(
        "usage: sidekick-sim [--port N] [--agent ID:PASSWORD]... [--poll-wait-ms N] [--authmode 1|2] [--guid-interval-ms N] \
         [--calldata-failure-rate 0..1]"
    );
    std::process::exit(2)
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).with_writer(std::io::stderr).init();
    let mut scenario = sidekick_sim::Scenario::default();
    let mut calldata_failure_rate = 0.0;
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
            "--calldata-failure-rate" => {
                calldata_failure_rate = value().parse().ok().filter(|r| (0.0..=1.0).contains(r)).unwrap_or_else(|| usage());
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
    sim.gateway.set_call_data_failure_rate(calldata_failure_rate);
    println!("gateway {}", sim.gateway_url);
    let _ = tokio::signal::ctrl_c().await;
}
