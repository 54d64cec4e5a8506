//! `sidekick-sim`: the simulators as a standalone program, for UI work by hand and for E2E tests.
//!
//! ```text
//! sidekick-sim [--port N] [--agent ID:PASSWORD]... [--poll-wait-ms N] [--authmode 1|2] [--guid-interval-ms N]
//!              [--calldata-failure-rate 0..1]
//!              [--odfs-port N] [--odfs-app-key KEY] [--odfs-app-secret SECRET] [--odfs-token-lifetime-s N]
//!              [--odfs-refuse RET]
//!              [--ccfs-port N] [--ccfs-ak AK] [--ccfs-sk SK] [--ccfs-account ID] [--ccfs-tz ZONE]
//!              [--ccfs-seed N] [--ccfs-seed-agent ID] [--ccfs-callback-ca PEM-FILE] [--ccfs-callback-delay-ms N]
//!              [--ccfs-retry-interval-s N] [--ccfs-millis] [--ccfs-no-header]
//!              [--era-port N] [--era-token T] [--era-accept-timeout-ms N] [--era-play-ms N]
//! ```
//! Prints `gateway http://127.0.0.1:PORT/` on its first line once it listens,
//! `odfs http://127.0.0.1:PORT/` on its second, `ccfs http://127.0.0.1:PORT/` on its third and
//! `era ws://127.0.0.1:PORT/ws/token/v1` on its fourth, then serves until killed. Calls are played through
//! `POST /_sim/gateway/agents/{id}/calls`.
//!
//! ```text
//! sidekick-sim pbx --url URL [--caller NUM] [--name NAME] [--did NUM] [--internal EXT] [--post]
//!                  [--var NAME=VALUE]... [--script]
//! ```
//! plays the Telphin PBX instead: sends one Call Interactive request to `URL` (the app's address
//! with its token), or the whole script with `--script`, and prints each answer as one line of
//! JSON (`{"status":200,"elapsedMs":…,"actions":[{"action":"SimpleTransfer","numbers":["101"],
//! "final":true,"timeout":20,"earlyMedia":false}]}`); exit status 1 when an answer is refused
//! (the reason on standard error), 2 for a wrong command.
//!
//! `--calldata-failure-rate` makes that share of call-data requests (`setcalldataex`, `appdata`)
//! fail as HTTP 503, retcode `100-007` or a reset connection; `POST /_sim/gateway/calldata-faults`
//! changes it later.
//! ODFS knows the tenant `tenant-1` / `odfs-secret` unless told otherwise, and issues tokens for
//! an hour. CC-FS knows the developer `sim-ak` / `sim-sk-0123456789` of tenant `tenant-01` in
//! Europe/Moscow unless told otherwise; `--ccfs-seed N` bills N made-up calls of the last two days
//! besides the gateway's own, and `--ccfs-callback-ca` trusts a certificate for HTTPS callbacks.
//! `--odfs-refuse RET` makes it refuse every recording with that `ret` code (for example
//! `10000001`); `POST /_sim/odfs/refuse` with `{"ret": "…"}` or `{"ret": null}` changes it later.
//! The Era WebSocket Token API takes the token `sim-era-token-0123` unless told otherwise, waits
//! 30 s for a taker and plays for 1.5 s; sessions are offered with `POST /_sim/era/offers`
//! (`{"key", "params", "state", "callid"}`, all optional), digits pressed with
//! `POST /_sim/era/sessions/{ivrid}/press` (`{"digits": "42#"}`), the caller hangs up with
//! `POST /_sim/era/sessions/{ivrid}/hangup`, every socket is dropped with `POST /_sim/era/drop`,
//! and `GET /_sim/era/sessions` lists the sessions.

use std::time::Duration;

fn usage() -> ! {
    eprintln!(
        "usage: sidekick-sim [--port N] [--agent ID:PASSWORD]... [--poll-wait-ms N] [--authmode 1|2] [--guid-interval-ms N] \
         [--calldata-failure-rate 0..1] [--odfs-port N] [--odfs-app-key KEY] [--odfs-app-secret SECRET] \
         [--odfs-token-lifetime-s N] [--odfs-refuse RET] [--ccfs-port N] [--ccfs-ak AK] [--ccfs-sk SK] [--ccfs-account ID] \
         [--ccfs-tz ZONE] [--ccfs-seed N] [--ccfs-seed-agent ID] [--ccfs-callback-ca PEM-FILE] [--ccfs-callback-delay-ms N] \
         [--ccfs-retry-interval-s N] [--ccfs-millis] [--ccfs-no-header] [--era-port N] [--era-token T] \
         [--era-accept-timeout-ms N] [--era-play-ms N]"
    );
    std::process::exit(2)
}

fn pbx_usage() -> ! {
    eprintln!(
        "usage: sidekick-sim pbx --url URL [--caller NUM] [--name NAME] [--did NUM] [--internal EXT] [--post] \
         [--var NAME=VALUE]... [--script]"
    );
    std::process::exit(2)
}

/// `sidekick-sim pbx …`: one request (or the script) as the Telphin PBX sends it.
async fn pbx(args: impl Iterator<Item = String>) -> std::process::ExitCode {
    use sidekick_sim::telphin::{script, PbxCall, SimPbx};
    let (mut url, mut caller, mut name, mut did, mut internal) = (None, "+74951234567".to_owned(), "Иван Петров".to_owned(), String::new(), None);
    let (mut post, mut vars, mut whole) = (false, Vec::new(), false);
    let mut args = args.peekable();
    while let Some(a) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| pbx_usage());
        match a.as_str() {
            "--url" => url = Some(value()),
            "--caller" => caller = value(),
            "--name" => name = value(),
            "--did" => did = value(),
            "--internal" => internal = Some(value()),
            "--post" => post = true,
            "--script" => whole = true,
            "--var" => {
                let v = value();
                let (n, v) = v.split_once('=').unwrap_or_else(|| pbx_usage());
                vars.push((n.to_owned(), v.to_owned()));
            }
            _ => pbx_usage(),
        }
    }
    let url = url.unwrap_or_else(|| pbx_usage());
    let calls = if whole {
        script()
    } else {
        let mut call = match internal {
            Some(ext) => PbxCall::internal(&ext),
            None => PbxCall::external(&caller, &name, &did),
        };
        if post {
            call = call.post();
        }
        for (n, v) in &vars {
            call = call.var(n, v);
        }
        vec![call]
    };
    let pbx = SimPbx::new(&url);
    let mut status = std::process::ExitCode::SUCCESS;
    for call in &calls {
        match pbx.send(call).await {
            Ok(answer) => println!("{}", serde_json::to_string(&answer).unwrap_or_default()),
            Err(e) => {
                eprintln!("sidekick-sim pbx: call {}: {e}", call.call_id());
                status = std::process::ExitCode::FAILURE;
            }
        }
    }
    status
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    if std::env::args().nth(1).as_deref() == Some("pbx") {
        return pbx(std::env::args().skip(2)).await;
    }
    tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).with_writer(std::io::stderr).init();
    let mut scenario = sidekick_sim::Scenario::default();
    let mut calldata_failure_rate = 0.0;
    let mut odfs_refuse = None;
    let (mut ccfs_seed, mut ccfs_seed_agent) = (0usize, 101u32);
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
            "--ccfs-port" => scenario.ccfs_port = value().parse().unwrap_or_else(|_| usage()),
            "--ccfs-ak" => scenario.ccfs.ak = value(),
            "--ccfs-sk" => scenario.ccfs.sk = value(),
            "--ccfs-account" => scenario.ccfs.account_id = value(),
            "--ccfs-tz" => scenario.ccfs.zone = value().parse().unwrap_or_else(|_| usage()),
            "--ccfs-seed" => ccfs_seed = value().parse().unwrap_or_else(|_| usage()),
            "--ccfs-seed-agent" => ccfs_seed_agent = value().parse().unwrap_or_else(|_| usage()),
            "--ccfs-callback-ca" => {
                let path = value();
                match std::fs::read_to_string(&path) {
                    Ok(pem) => scenario.ccfs.callback_roots.push(pem),
                    Err(e) => {
                        eprintln!("sidekick-sim: cannot read {path}: {e}");
                        std::process::exit(2)
                    }
                }
            }
            "--ccfs-callback-delay-ms" => scenario.ccfs.callback_delay = Duration::from_millis(value().parse().unwrap_or_else(|_| usage())),
            "--ccfs-retry-interval-s" => scenario.ccfs.retry_interval = Duration::from_secs(value().parse().unwrap_or_else(|_| usage())),
            "--ccfs-millis" => scenario.ccfs.timestamp_millis = true,
            "--ccfs-no-header" => scenario.ccfs.csv_header = false,
            "--era-port" => scenario.era_port = value().parse().unwrap_or_else(|_| usage()),
            "--era-token" => scenario.era.token = Some(value()).filter(|t| !t.is_empty() && !t.contains('/')).unwrap_or_else(|| usage()),
            "--era-accept-timeout-ms" => scenario.era.accept_timeout = Duration::from_millis(value().parse().unwrap_or_else(|_| usage())),
            "--era-play-ms" => scenario.era.play = Duration::from_millis(value().parse().unwrap_or_else(|_| usage())),
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
    if ccfs_seed > 0 {
        sim.ccfs.seed(ccfs_seed, ccfs_seed_agent, Duration::from_secs(48 * 3600));
    }
    // Tests read the first line for the gateway; keep it first.
    // A parent that reads only the first line and closes the pipe must not kill the simulator
    // (println! panics on a closed stdout): write, and let a failure pass.
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "gateway {}", sim.gateway_url);
        let _ = writeln!(out, "odfs {}", sim.odfs_url);
        let _ = writeln!(out, "ccfs {}", sim.ccfs_url);
        let _ = writeln!(out, "era {}", sim.era_url);
        let _ = out.flush();
    }
    let _ = tokio::signal::ctrl_c().await;
    std::process::ExitCode::SUCCESS
}
