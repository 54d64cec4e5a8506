//! `sidekick-sim`: the simulators as a standalone program, for UI work by hand and for E2E tests.
//!
//! ```text
//! sidekick-sim [--port N] [--agent ID:PASSWORD]... [--poll-wait-ms N] [--authmode 1|2] [--guid-interval-ms N]
//!              [--calldata-failure-rate 0..1]
//!              [--odfs-port N] [--odfs-app-key KEY] [--odfs-app-secret SECRET] [--odfs-token-lifetime-s N]
//!              [--odfs-refuse RET]
//! ```
//! Prints `gateway http://127.0.0.1:PORT/` on its first line once it listens and
//! `odfs http://127.0.0.1:PORT/` on its second, then serves until killed. Calls are played through
//! `POST /_sim/gateway/agents/{id}/calls`.
//! `--calldata-failure-rate` makes that share of call-data requests (`setcalldataex`, `appdata`)
//! fail as HTTP 503, retcode `100-007` or a reset connection; `POST /_sim/gateway/calldata-faults`
//! changes it later.
//! ODFS knows the tenant `tenant-1` / `odfs-secret` unless told otherwise, and issues tokens for
//! an hour. `--odfs-refuse RET` makes it refuse every recording with that `ret` code (for example
//! `10000001`); `POST /_sim/odfs/refuse` with `{"ret": "…"}` or `{"ret": null}` changes it later.

use std::time::Duration;

fn usage() -> ! {
    eprintln!(
        "usage: sidekick-sim [--port N] [--agent ID:PASSWORD]... [--poll-wait-ms N] [--authmode 1|2] [--guid-interval-ms N] \
         [--calldata-failure-rate 0..1] [--odfs-port N] [--odfs-app-key KEY] [--odfs-app-secret SECRET] \
         [--odfs-token-lifetime-s N] [--odfs-refuse RET]"
    );
    std::process::exit(2)
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).with_writer(std::io::stderr).init();
    let mut scenario = sidekick_sim::Scenario::default();
    let mut calldata_failure_rate = 0.0;
    let mut odfs_refuse = None;
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
            "--odfs-port" => scenario.odfs_port = value().parse().unwrap_or_else(|_| usage()),
            "--odfs-app-key" => scenario.odfs.app_key = value(),
            "--odfs-app-secret" => scenario.odfs.app_secret = value(),
            "--odfs-token-lifetime-s" => {
                let secs = value().parse().ok().filter(|s| *s > 0).unwrap_or_else(|| usage());
                scenario.odfs.token_lifetime = Duration::from_secs(secs);
            }
            "--odfs-refuse" => odfs_refuse = Some(value()).filter(|code| !code.is_empty() && code != "0").or_else(|| usage()),
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
    sim.odfs.refuse_recordings(odfs_refuse);
    // Tests read the first line for the gateway; keep it first.
    // A parent that reads only the first line and closes the pipe must not kill the simulator
    // (println! panics on a closed stdout): write, and let a failure pass.
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "gateway {}", sim.gateway_url);
        let _ = writeln!(out, "odfs {}", sim.odfs_url);
        let _ = out.flush();
    }
    let _ = tokio::signal::ctrl_c().await;
}
