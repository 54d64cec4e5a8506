//! The fault matrix: an agent works a scripted shift (calls, notes, recordings) while one peer
//! misbehaves in one way, for every pairing of peer and fault that can happen. Tokio's clock is
//! paused, so 2-second latencies, request timeouts and a DR switchover cost no real time; the
//! simulator runs in this process on the same clock.
//!
//! Each cell prints one row: faults injected, operations the agent attempted, operations that
//! succeeded (after recovery, within the shift), notes lost, times the agent was signed out
//! without being told, and the longest gap between requests reaching the gateway. The test fails
//! on any lost note, any silent sign-out, any failed operation, or a gap of 2 minutes or more.
//!
//! `SIDEKICK_FAULT_MATRIX=full` runs the long form (more calls per cell, faults again mid-shift);
//! the default is the reduced form the README's test command runs.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use sidekick_calldata::{Key, NotesDocument};
use sidekick_desk::clock::SystemClock;
use sidekick_desk::notes::KEY_ACCOUNT;
use sidekick_desk::recording::{RecordingState, ODFS_SECRET_ACCOUNT};
use sidekick_desk::secrets::{MemorySecrets, SecretStore};
use sidekick_desk::*;
use sidekick_sim::gateway::{CallScript, Fault};
use sidekick_sim::SimHandle;
use tokio::time::Instant;

use super::{call_state, form};

const AGENT: u32 = 291;
const KEY_HEX: &str = "000102030405060708090a0b0c0d0e0f";
const ODFS_SECRET: &str = "odfs-secret";
/// How long an operation may take, faults included, before it counts as failed.
const OP_LIMIT: Duration = Duration::from_secs(180);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Peer {
    Gateway,
    Odfs,
}

impl Peer {
    fn name(self) -> &'static str {
        match self {
            Peer::Gateway => "CC-Gateway",
            Peer::Odfs => "ODFS",
        }
    }
}

/// One way a peer misbehaves. `inject` returns how many faults it put in place.
struct Cell {
    peer: Peer,
    fault: &'static str,
    inject: fn(&SimHandle) -> usize,
}

fn cells() -> Vec<Cell> {
    vec![
        Cell { peer: Peer::Gateway, fault: "latency 2 s", inject: |s| inject(s, Fault::Delay(Duration::from_secs(2)), 20) },
        Cell { peer: Peer::Gateway, fault: "HTTP 5xx burst", inject: |s| inject(s, Fault::Status(502), 6) + inject(s, Fault::Status(503), 6) },
        Cell { peer: Peer::Gateway, fault: "connection resets", inject: |s| inject(s, Fault::Reset, 8) },
        Cell { peer: Peer::Gateway, fault: "timeouts (no answer)", inject: |s| inject(s, Fault::Delay(Duration::from_secs(3600)), 3) },
        Cell { peer: Peer::Gateway, fault: "internal errors (100-007)", inject: |s| inject(s, Fault::Retcode("100-007".into()), 10) },
        Cell {
            peer: Peer::Gateway,
            fault: "Guid invalidation",
            inject: |s| {
                s.gateway.invalidate_guid(AGENT);
                1
            },
        },
        Cell { peer: Peer::Gateway, fault: "Guid expiry (000-003)", inject: |s| inject(s, Fault::Retcode("000-003".into()), 1) },
        Cell { peer: Peer::Gateway, fault: "session dropped (100-006)", inject: |s| inject(s, Fault::Retcode("100-006".into()), 1) },
        Cell {
            peer: Peer::Gateway,
            fault: "DR switchover (90 s)",
            inject: |s| {
                s.gateway.dr_switchover(Duration::from_secs(90));
                1
            },
        },
        Cell {
            peer: Peer::Gateway,
            fault: "clock jump (+5 min)",
            inject: |s| {
                s.gateway.clock_jump(Duration::from_secs(300));
                1
            },
        },
        Cell {
            peer: Peer::Gateway,
            fault: "call data refused 30 %",
            inject: |s| {
                s.gateway.set_call_data_failure_rate(0.3);
                1
            },
        },
        Cell {
            peer: Peer::Odfs,
            fault: "latency 2 s",
            inject: |s| {
                s.odfs.delay_recordings(Duration::from_secs(2));
                1
            },
        },
        Cell {
            peer: Peer::Odfs,
            fault: "HTTP 5xx burst",
            inject: |s| {
                s.odfs.inject_status(500, 3);
                3
            },
        },
        Cell {
            peer: Peer::Odfs,
            fault: "token expiry",
            inject: |s| {
                s.odfs.expire_tokens();
                1
            },
        },
        Cell {
            peer: Peer::Odfs,
            fault: "timeouts (no answer)",
            inject: |s| {
                s.odfs.delay_recordings(Duration::from_secs(3600));
                1
            },
        },
    ]
}

fn inject(sim: &SimHandle, fault: Fault, times: usize) -> usize {
    sim.gateway.inject(fault, times);
    times
}

#[derive(Debug, Default)]
struct Row {
    faults: usize,
    attempted: usize,
    succeeded: usize,
    notes_typed: usize,
    notes_lost: usize,
    silent_sign_outs: usize,
    longest_gap: Duration,
    failures: Vec<String>,
}

/// A desk with a notes key and ODFS recording, its files in `dir`.
fn shift_desk(dir: &std::path::Path, sim: &SimHandle) -> Desk {
    let settings = serde_json::json!({"recordingPath": "odfs", "odfsUrl": sim.odfs_url, "odfsAppKey": "tenant-1", "odfsFlowAccessCode": "10086"});
    std::fs::write(dir.join("settings.json"), serde_json::to_vec(&settings).unwrap()).unwrap();
    let secrets = Arc::new(MemorySecrets::default());
    secrets.set(KEY_ACCOUNT, KEY_HEX).unwrap();
    secrets.set(ODFS_SECRET_ACCOUNT, ODFS_SECRET).unwrap();
    Desk::with_data_dir(Some(dir), Some(dir), Arc::new(SystemClock), secrets)
}

/// Waits for `pred` on the desk's snapshots, up to `limit` (tokio time).
async fn wait_for(desk: &Desk, limit: Duration, pred: impl Fn(&DeskSnapshot) -> bool) -> bool {
    let mut rx = desk.subscribe();
    tokio::time::timeout(limit, async {
        loop {
            if pred(&rx.borrow_and_update().clone()) {
                return;
            }
            if rx.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    })
    .await
    .is_ok()
}

/// Retries `op` as an agent clicking again would, every 5 s, until it succeeds or `OP_LIMIT`.
async fn keep_trying<F, Fut>(mut op: F) -> Result<(), String>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), String>>,
{
    let deadline = Instant::now() + OP_LIMIT;
    loop {
        match op().await {
            Ok(()) => return Ok(()),
            Err(e) if Instant::now() >= deadline => return Err(e),
            Err(_) => tokio::time::sleep(Duration::from_secs(5)).await,
        }
    }
}

fn note_text(call: usize, i: usize) -> String {
    format!("call {call} note {i}: customer asked about order {} — «перезвонить»", 7000 + call * 10 + i)
}

async fn run_cell(cell: &Cell, calls: usize, again_mid_shift: bool) -> Row {
    let sim = sidekick_sim::spawn(sidekick_sim::Scenario { agents: vec![(AGENT, "pw".into())], ..Default::default() }).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let desk = shift_desk(dir.path(), &sim);
    desk.sign_in(form(&sim.gateway_url, &AGENT.to_string(), "pw")).await.expect("sign-in before the faults");
    assert!(wait_for(&desk, Duration::from_secs(10), |s| s.session.agent_state == AgentState::Ready).await, "ready");

    // Every snapshot in which the agent lost the session with nothing on screen saying so.
    let silent = Arc::new(AtomicUsize::new(0));
    let watcher = {
        let mut rx = desk.subscribe();
        let silent = silent.clone();
        tokio::spawn(async move {
            let mut was_in = true;
            while rx.changed().await.is_ok() {
                let s = rx.borrow_and_update().clone();
                let out = s.session.phase == SessionPhase::SignedOut || s.session.health == Health::Lost;
                if out && was_in && s.session.notice.is_none() {
                    silent.fetch_add(1, Ordering::Relaxed);
                }
                was_in = !out;
            }
        })
    };

    let mut row = Row { faults: (cell.inject)(&sim), ..Default::default() };
    for call in 0..calls {
        if again_mid_shift && call == calls / 2 && call > 0 {
            row.faults += (cell.inject)(&sim);
        }
        let call_id = format!("fm-{call}");
        sim.gateway.play_inbound_call(
            AGENT,
            CallScript { caller: format!("1350000{call:04}"), called: "40038".into(), call_id: Some(call_id.clone()), ring_ms: 300, talk_ms: 3_600_000, auto_answer: true },
        );
        // The call on the card.
        row.attempted += 1;
        let shown = wait_for(&desk, OP_LIMIT, |s| s.call.as_ref().is_some_and(|c| c.call_id == call_id && c.state == CallState::Talking)).await;
        if !shown {
            row.failures.push(format!("{call_id}: never shown talking ({:?})", desk.snapshot().session));
            continue;
        }
        row.succeeded += 1;
        // Two notes (saved at once, delivered by the outbox whatever the gateway does).
        for i in 0..2 {
            row.attempted += 1;
            row.notes_typed += 1;
            match desk.attach_note(&call_id, note_text(call, i)).await {
                Ok(_) => row.succeeded += 1,
                Err(e) => row.failures.push(format!("{call_id}: note {i} refused: {e}")),
            }
        }
        // The recording, started again by the agent if a request failed.
        row.attempted += 1;
        let recorded = keep_trying(|| async {
            if desk.snapshot().recording.as_ref().is_some_and(|r| r.state == RecordingState::Recording) {
                return Ok(());
            }
            desk.start_recording().await.map(|_| ()).map_err(|e| e.to_string())
        })
        .await;
        match recorded {
            Ok(()) => row.succeeded += 1,
            Err(e) => row.failures.push(format!("{call_id}: recording: {e}")),
        }
        // Hang up, clicked again if the first click failed.
        row.attempted += 1;
        let hung_up = keep_trying(|| async {
            if call_state(&desk.snapshot()) == Some(CallState::Ended) {
                return Ok(());
            }
            desk.hang_up().await.map(|_| ()).map_err(|e| e.to_string())
        })
        .await;
        if hung_up.is_ok() && wait_for(&desk, OP_LIMIT, |s| call_state(s) == Some(CallState::Ended)).await {
            row.succeeded += 1;
        } else {
            row.failures.push(format!("{call_id}: hang-up: {hung_up:?}"));
        }
    }
    // The outbox empties; then every note must be on the gateway, as typed.
    let deadline = Instant::now() + Duration::from_secs(600);
    while desk.notes_waiting() > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let key = Key::parse(KEY_HEX).unwrap();
    for call in 0..calls {
        let call_id = format!("fm-{call}");
        let texts: Vec<String> = match sim.gateway.call_data(&call_id) {
            Some(bytes) => NotesDocument::open(&key, &base64::engine::general_purpose::STANDARD.encode(&bytes))
                .map(|d| d.notes.into_iter().map(|n| n.text).collect())
                .unwrap_or_default(),
            None => Vec::new(),
        };
        let lost = (0..2).filter(|i| !texts.contains(&note_text(call, *i))).count();
        if lost > 0 {
            let history = desk.call_history().unwrap_or_default();
            let states: Vec<String> = history
                .iter()
                .filter(|h| h.call_id == call_id)
                .flat_map(|h| h.notes.iter().map(|n| format!("{:?} {:?}", n.delivery, n.reason)))
                .collect();
            row.failures.push(format!("{call_id}: {lost} notes not on the gateway ({} there); the desk says {states:?}", texts.len()));
        }
        row.notes_lost += lost;
    }
    let end = desk.snapshot();
    if end.session.phase != SessionPhase::SignedIn || !sim.gateway.is_signed_in(AGENT) {
        if end.session.notice.is_none() {
            row.silent_sign_outs += 1;
        }
        row.failures.push(format!("not signed in at the end of the shift: {:?}", end.session));
    }
    row.silent_sign_outs += silent.load(Ordering::Relaxed);
    row.longest_gap = sim.gateway.max_request_gap(AGENT).unwrap_or_default();
    watcher.abort();
    row
}

#[tokio::test(start_paused = true)]
async fn fault_matrix() {
    let full = std::env::var("SIDEKICK_FAULT_MATRIX").is_ok_and(|v| v == "full");
    let calls = if full { 6 } else { 2 };
    println!("\nfault matrix ({} form: {calls} calls per cell, each with 2 notes, a recording and a hang-up)", if full { "full" } else { "reduced" });
    println!("| peer | fault | faults injected | operations | succeeded | notes lost | silent sign-outs | longest poll gap |");
    println!("|---|---|---|---|---|---|---|---|");
    let mut totals = Row::default();
    let mut problems = Vec::new();
    for cell in cells() {
        let row = run_cell(&cell, calls, full).await;
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {:.1} s |",
            cell.peer.name(),
            cell.fault,
            row.faults,
            row.attempted,
            row.succeeded,
            row.notes_lost,
            row.silent_sign_outs,
            row.longest_gap.as_secs_f64()
        );
        for f in &row.failures {
            problems.push(format!("{} / {}: {f}", cell.peer.name(), cell.fault));
        }
        if row.longest_gap >= Duration::from_secs(120) {
            problems.push(format!("{} / {}: a {:?} gap between requests (the gateway signs out after 2 minutes)", cell.peer.name(), cell.fault, row.longest_gap));
        }
        totals.faults += row.faults;
        totals.attempted += row.attempted;
        totals.succeeded += row.succeeded;
        totals.notes_typed += row.notes_typed;
        totals.notes_lost += row.notes_lost;
        totals.silent_sign_outs += row.silent_sign_outs;
        totals.longest_gap = totals.longest_gap.max(row.longest_gap);
    }
    println!(
        "| **all** | | {} | {} | {} | {} of {} | {} | {:.1} s |",
        totals.faults,
        totals.attempted,
        totals.succeeded,
        totals.notes_lost,
        totals.notes_typed,
        totals.silent_sign_outs,
        totals.longest_gap.as_secs_f64()
    );
    assert!(problems.is_empty(), "the shift did not come through every fault:\n{}", problems.join("\n"));
    assert_eq!(totals.notes_lost, 0);
    assert_eq!(totals.silent_sign_outs, 0);
    assert_eq!(totals.attempted, totals.succeeded);
}
