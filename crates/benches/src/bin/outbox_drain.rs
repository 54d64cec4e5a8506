//! Benchmark: how long the outbox takes to drain 1,000 queued notes against the local simulator.
//!
//! Ten agents, each on a live call, type 100 notes while every call-data request fails (the
//! gateway is out): 1,000 notes wait in ten SQLite stores. The app then dies (its runtime is
//! dropped, as in a crash) and the gateway recovers. Ten fresh desks start on the same data
//! directories and sign in; the clock runs from the first sign-in until every note is confirmed
//! (set and read back). Also printed: how many `setcalldataex` requests that took — a set carries
//! every note of its call, so the outbox needs far fewer requests than notes.
//!
//! Run with `cargo run --release -p sidekick-benches --bin outbox_drain`. Figures are printed, not asserted.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sidekick_desk::clock::SystemClock;
use sidekick_desk::notes::KEY_ACCOUNT;
use sidekick_desk::secrets::{MemorySecrets, SecretStore};
use sidekick_desk::{CallState, Desk, SignInForm};
use sidekick_sim::gateway::{CallScript, GatewayControl};

const AGENTS: u32 = 10;
const NOTES_PER_CALL: usize = 100;
const FIRST_AGENT: u32 = 301;
const KEY_HEX: &str = "000102030405060708090a0b0c0d0e0f";

fn desk(dir: &Path) -> Desk {
    let secrets = Arc::new(MemorySecrets::default());
    secrets.set(KEY_ACCOUNT, KEY_HEX).expect("memory secrets");
    Desk::with_data_dir(None, Some(dir), Arc::new(SystemClock), secrets)
}

fn form(url: &str, agent: u32, force: bool) -> SignInForm {
    SignInForm {
        gateway_url: url.into(),
        agent_id: agent.to_string(),
        password: "pw".into(),
        phone_number: "40038".into(),
        remember: false,
        force,
    }
}

async fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Phase 1, in its own runtime so that dropping it kills every task at once.
fn queue_notes(url: &str, gateway: &GatewayControl, dirs: &[PathBuf]) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        for (i, dir) in dirs.iter().enumerate() {
            let agent = FIRST_AGENT + i as u32;
            let d = desk(dir);
            d.sign_in(form(url, agent, false)).await.expect("sign-in");
            gateway.play_inbound_call(
                agent,
                CallScript {
                    caller: "13500000001".into(),
                    called: "40038".into(),
                    call_id: Some(format!("drain-{agent}")),
                    ring_ms: 10,
                    talk_ms: 3_600_000,
                    auto_answer: true,
                },
            );
            wait_for("the call", Duration::from_secs(10), || {
                d.snapshot().call.is_some_and(|c| c.state == CallState::Talking)
            })
            .await;
            for n in 0..NOTES_PER_CALL {
                d.attach_note(&format!("drain-{agent}"), format!("agent {agent} note {n:03}: callback about order {}", 1000 + n))
                    .await
                    .expect("attach");
            }
            assert_eq!(d.notes_waiting(), NOTES_PER_CALL);
        }
    });
    drop(rt);
}

fn main() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let agents: Vec<(u32, String)> = (0..AGENTS).map(|i| (FIRST_AGENT + i, "pw".to_owned())).collect();
    let sim = rt.block_on(sidekick_sim::spawn(sidekick_sim::Scenario { agents, ..Default::default() })).expect("sim");
    let root = tempfile::tempdir().expect("temp dir");
    let dirs: Vec<PathBuf> = (0..AGENTS).map(|i| root.path().join(format!("agent-{i}"))).collect();

    sim.gateway.set_call_data_failure_rate(1.0);
    let queued_at = Instant::now();
    queue_notes(&sim.gateway_url, &sim.gateway, &dirs);
    let queue_time = queued_at.elapsed();
    sim.gateway.set_call_data_failure_rate(0.0);

    let (drain, sign_ins) = rt.block_on(async {
        let started = Instant::now();
        let desks: Vec<Desk> = dirs.iter().map(|d| desk(d)).collect();
        let waiting: usize = desks.iter().map(Desk::notes_waiting).sum();
        assert_eq!(waiting, AGENTS as usize * NOTES_PER_CALL, "every note is queued on disk");
        for (i, d) in desks.iter().enumerate() {
            d.sign_in(form(&sim.gateway_url, FIRST_AGENT + i as u32, true)).await.expect("sign-in");
        }
        let sign_ins = started.elapsed();
        wait_for("the outboxes to drain", Duration::from_secs(120), || desks.iter().all(|d| d.notes_waiting() == 0)).await;
        (started.elapsed(), sign_ins)
    });
    let sets: u32 = (0..AGENTS).map(|i| sim.gateway.call_data_sets(&format!("drain-{}", FIRST_AGENT + i))).sum();
    let total = AGENTS as usize * NOTES_PER_CALL;
    println!("outbox drain ({AGENTS} agents × {NOTES_PER_CALL} notes = {total} queued notes, local simulator, debug={})", cfg!(debug_assertions));
    println!("  typing and saving {total} notes (sealed, SQLite FULL sync): {:>8.1} ms ({:.2} ms per note)", ms(queue_time), ms(queue_time) / total as f64);
    println!("  restart → {AGENTS} sign-ins done:                              {:>8.1} ms", ms(sign_ins));
    println!("  restart → all {total} notes confirmed (set + read back):     {:>8.1} ms", ms(drain));
    println!("  setcalldataex requests that took:                           {sets:>8}");
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
