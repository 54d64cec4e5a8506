//! The fault matrix: an agent works a scripted shift (calls, notes, recordings), a supervisor takes
//! IVR callers over and exports CDRs, while one peer misbehaves in one way, for every pairing of
//! peer and fault that can happen. Tokio's clock is paused for the gateway, ODFS and CC-FS cells,
//! so 2-second latencies, request timeouts, a DR switchover and CC-FS's 10-minute callback retry
//! cost no real time (the simulator runs in this process on the same clock); Era's run on the
//! real clock.
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
    Era,
    Ccfs,
    Pbx,
}

impl Peer {
    fn name(self) -> &'static str {
        match self {
            Peer::Gateway => "CC-Gateway",
            Peer::Odfs => "ODFS",
            Peer::Era => "Era ivrapi",
            Peer::Ccfs => "CC-FS",
            Peer::Pbx => "Call Interactive PBX",
        }
    }
}

/// One way a peer misbehaves. `inject` returns how many faults it put in place.
struct Cell {
    peer: Peer,
    fault: &'static str,
    inject: fn(&SimHandle) -> usize,
    /// Rules the fault needs from the start (CC-FS's callback timing), if any.
    scenario: Option<fn(&mut sidekick_sim::Scenario)>,
}

fn cells() -> Vec<Cell> {
    vec![
        Cell { peer: Peer::Gateway, fault: "latency 2 s", inject: |s| inject(s, Fault::Delay(Duration::from_secs(2)), 20), scenario: None },
        Cell { peer: Peer::Gateway, fault: "HTTP 5xx burst", inject: |s| inject(s, Fault::Status(502), 6) + inject(s, Fault::Status(503), 6), scenario: None },
        Cell { peer: Peer::Gateway, fault: "connection resets", inject: |s| inject(s, Fault::Reset, 8), scenario: None },
        Cell { peer: Peer::Gateway, fault: "timeouts (no answer)", inject: |s| inject(s, Fault::Delay(Duration::from_secs(3600)), 3), scenario: None },
        Cell { peer: Peer::Gateway, fault: "internal errors (100-007)", inject: |s| inject(s, Fault::Retcode("100-007".into()), 10), scenario: None },
        Cell {
            peer: Peer::Gateway,
            fault: "Guid invalidation",
            inject: |s| {
                s.gateway.invalidate_guid(AGENT);
                1
            },
            scenario: None,
        },
        Cell { peer: Peer::Gateway, fault: "Guid expiry (000-003)", inject: |s| inject(s, Fault::Retcode("000-003".into()), 1), scenario: None },
        Cell { peer: Peer::Gateway, fault: "session dropped (100-006)", inject: |s| inject(s, Fault::Retcode("100-006".into()), 1), scenario: None },
        Cell {
            peer: Peer::Gateway,
            fault: "DR switchover (90 s)",
            inject: |s| {
                s.gateway.dr_switchover(Duration::from_secs(90));
                1
            },
            scenario: None,
        },
        Cell {
            peer: Peer::Gateway,
            fault: "clock jump (+5 min)",
            inject: |s| {
                s.gateway.clock_jump(Duration::from_secs(300));
                1
            },
            scenario: None,
        },
        Cell {
            peer: Peer::Gateway,
            fault: "call data refused 30 %",
            inject: |s| {
                s.gateway.set_call_data_failure_rate(0.3);
                1
            },
            scenario: None,
        },
        Cell {
            peer: Peer::Odfs,
            fault: "latency 2 s",
            inject: |s| {
                s.odfs.delay_recordings(Duration::from_secs(2));
                1
            },
            scenario: None,
        },
        Cell {
            peer: Peer::Odfs,
            fault: "HTTP 5xx burst",
            inject: |s| {
                s.odfs.inject_status(500, 3);
                3
            },
            scenario: None,
        },
        Cell {
            peer: Peer::Odfs,
            fault: "token expiry",
            inject: |s| {
                s.odfs.expire_tokens();
                1
            },
            scenario: None,
        },
        Cell {
            peer: Peer::Odfs,
            fault: "timeouts (no answer)",
            inject: |s| {
                s.odfs.delay_recordings(Duration::from_secs(3600));
                1
            },
            scenario: None,
        },
        Cell {
            peer: Peer::Ccfs,
            fault: "latency 2 s (callback)",
            inject: |_| 1, // per job: the rules make every callback wait
            scenario: Some(|sc| sc.ccfs.callback_delay = Duration::from_secs(2)),
        },
        Cell {
            peer: Peer::Ccfs,
            fault: "callbacks lost, retried",
            inject: |s| {
                // The next job's first two callbacks are lost on the way; CC-FS tries again every
                // 10 minutes, as the platform does (paused clock). Counted from CC-FS's side.
                s.ccfs.lose_callbacks(2);
                0
            },
            scenario: Some(|sc| sc.ccfs.retry_interval = Duration::from_secs(600)),
        },
        Cell {
            peer: Peer::Ccfs,
            fault: "callback repeated",
            inject: |_| 0,
            scenario: None,
        },
        Cell {
            peer: Peer::Era,
            fault: "socket drop",
            inject: |s| {
                s.era.drop_connections();
                1
            },
            scenario: None,
        },
        Cell { peer: Peer::Pbx, fault: "connection resets", inject: |_| 0, scenario: None },
        Cell { peer: Peer::Pbx, fault: "latency 2 s (slow sender)", inject: |_| 0, scenario: None },
        Cell { peer: Peer::Pbx, fault: "socket drop (idle connections)", inject: |_| 0, scenario: None },
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
    let mut scenario = sidekick_sim::Scenario { agents: vec![(AGENT, "pw".into())], ..Default::default() };
    if let Some(tweak) = cell.scenario {
        tweak(&mut scenario);
    }
    let sim = sidekick_sim::spawn(scenario).await.unwrap();
    match cell.peer {
        Peer::Gateway | Peer::Odfs => agent_shift(cell, &sim, calls, again_mid_shift).await,
        Peer::Era => takeover_shift(cell, &sim, calls).await,
        Peer::Ccfs => export_shift(cell, &sim, calls).await,
        Peer::Pbx => pbx_shift(cell, calls).await,
    }
}

/// A supervisor takes `calls` IVR callers over, one after another, the fault coming before each
/// offer: each offer must reach the desk, be taken, and a played prompt must end with its result.
async fn takeover_shift(cell: &Cell, sim: &SimHandle, calls: usize) -> Row {
    use sidekick_desk::export::Role;
    use sidekick_desk::takeover::{ComponentForm, TakeoverLink, TakeoverPhase, TakeoverSettings};
    let dir = tempfile::tempdir().unwrap();
    let desk = Desk::with_data_dir(Some(dir.path()), Some(dir.path()), Arc::new(SystemClock), Arc::new(MemorySecrets::default()));
    desk.set_role(Role::Supervisor).await.unwrap();
    desk.save_takeover_settings(TakeoverSettings { url: Some(sim.era_url.clone()), ..Default::default() }).await.unwrap();
    desk.set_era_token(&sim.era.rules().token).await.unwrap();
    let connected = |s: &DeskSnapshot| s.takeover.as_ref().is_some_and(|t| t.link == TakeoverLink::Connected);
    assert!(wait_for(&desk, Duration::from_secs(30), connected).await, "the Era link before the faults");
    let phase = |s: &DeskSnapshot, ivrid: &str| s.takeover.as_ref().and_then(|t| t.sessions.iter().find(|x| x.ivrid == ivrid)).map(|x| x.phase);
    let mut row = Row::default();
    for call in 0..calls {
        row.faults += (cell.inject)(sim);
        // The link comes back by itself (the supervisor does nothing) and subscribes again;
        // then a caller arrives (an offer reaches only subscribed connections, as on Era).
        row.attempted += 1;
        let deadline = Instant::now() + Duration::from_secs(5);
        while sim.era.connections() > 0 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let deadline = Instant::now() + OP_LIMIT;
        while sim.era.subscribers() == 0 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        if !wait_for(&desk, OP_LIMIT, connected).await || sim.era.subscribers() == 0 {
            row.failures.push(format!("takeover {call}: the link did not come back: {:?}", desk.snapshot().takeover.map(|t| t.link)));
            continue;
        }
        row.succeeded += 1;
        let ivrid = sim.era.offer(sidekick_sim::era::OfferScript { key: format!("k-{call}"), ..Default::default() });
        row.attempted += 1;
        if !wait_for(&desk, OP_LIMIT, |s| phase(s, &ivrid) == Some(TakeoverPhase::Offered)).await {
            row.failures.push(format!("{ivrid}: the offer never reached the desk"));
            continue;
        }
        row.succeeded += 1;
        row.attempted += 1;
        match desk.take_control(&ivrid).await {
            Ok(()) => row.succeeded += 1,
            Err(e) => {
                row.failures.push(format!("{ivrid}: take control: {e}"));
                continue;
            }
        }
        row.attempted += 1;
        let played = desk.run_component(&ivrid, ComponentForm::Play { file: ":SYNC_DOMAIN_DATA/prompts/hello.wav".into() }).await;
        let ended = played.is_ok()
            && wait_for(&desk, OP_LIMIT, |s| {
                s.takeover.as_ref().and_then(|t| t.sessions.iter().find(|x| x.ivrid == ivrid)).is_some_and(|x| x.last_component.as_ref().is_some_and(|c| c.o_type == 204))
            })
            .await;
        if ended {
            row.succeeded += 1;
        } else {
            row.failures.push(format!("{ivrid}: the prompt did not play to its end: {played:?}"));
        }
        let _ = desk.run_component(&ivrid, ComponentForm::HangUp).await;
    }
    row
}

/// A supervisor exports `calls` one-hour windows of CDRs; each must come back through CC-FS's
/// callback and be downloaded. "Callback repeated": every callback is sent once more after the
/// job is ready, and must change nothing.
async fn export_shift(cell: &Cell, sim: &SimHandle, windows: usize) -> Row {
    use sidekick_desk::export::{BillFilters, DataType, ExportForm, ExportSettings, JobState, ReceiverStatus, Role};
    let dir = tempfile::tempdir().unwrap();
    let desk = Desk::with_data_dir(Some(dir.path()), Some(dir.path()), Arc::new(SystemClock), Arc::new(MemorySecrets::default()));
    desk.set_role(Role::Supervisor).await.unwrap();
    let settings = ExportSettings {
        ccfs_url: Some(sim.ccfs_url.clone()),
        ak: Some(sim.ccfs.rules().ak.clone()),
        tenant_zone: Some("Europe/Moscow".into()),
        callback_listen: Some("127.0.0.1:0".into()),
        ..Default::default()
    };
    desk.save_export_settings(settings).await.unwrap();
    let view = desk.set_ccfs_sk(&sim.ccfs.rules().sk).await.unwrap();
    assert!(matches!(view.export.receiver, ReceiverStatus::Listening { .. }), "the receiver: {:?}", view.export.receiver);
    sim.ccfs.seed(20 * windows, AGENT, Duration::from_secs(3600 * windows as u64));
    let mut row = Row::default();
    let moscow = |minutes: i64| (chrono::Utc::now() + chrono::Duration::minutes(minutes)).with_timezone(&chrono_tz::Europe::Moscow).format("%Y-%m-%d %H:%M:%S").to_string();
    for w in 0..windows {
        row.faults += (cell.inject)(sim);
        row.attempted += 1;
        let (begin, end) = (moscow(-60 * (w as i64 + 1)), moscow(-60 * w as i64));
        let form = ExportForm { begin, end, filters: BillFilters::default(), data_type: DataType::CallRecord };
        let jobs = match desk.request_export(form).await {
            Ok(jobs) => jobs,
            Err(e) => {
                row.failures.push(format!("export {w}: refused: {e}"));
                continue;
            }
        };
        let ids: Vec<i64> = jobs.iter().map(|j| j.id).collect();
        let ready = |s: &DeskSnapshot| ids.iter().all(|id| s.exports.iter().any(|j| j.id == *id && j.state == JobState::Ready));
        if !wait_for(&desk, Duration::from_secs(3600), ready).await {
            row.failures.push(format!("export {w}: not ready: {:?}", desk.snapshot().exports.iter().map(|j| (j.state, j.reason.clone())).collect::<Vec<_>>()));
            continue;
        }
        if cell.fault == "callback repeated" {
            for job in &jobs {
                if let Some(response_id) = desk.snapshot().exports.iter().find(|j| j.id == job.id).and_then(|j| j.response_id.clone()) {
                    row.faults += usize::from(sim.ccfs.resend_callback(&response_id).await.is_some());
                }
            }
            tokio::time::sleep(Duration::from_secs(2)).await;
            if !ready(&desk.snapshot()) {
                row.failures.push(format!("export {w}: a repeated callback changed a ready job"));
                continue;
            }
        }
        row.succeeded += 1;
    }
    // Failed callbacks are faults the desk met (and CC-FS retried), counted from CC-FS's side.
    let failed = sim.ccfs.callback_attempts().iter().filter(|a| !a.ok).count();
    row.faults += failed;
    if cell.fault == "callbacks lost, retried" && failed == 0 {
        row.failures.push("no callback was lost: this cell tested nothing".into());
    }
    row
}

/// The PBX asks the desk's Call Interactive server about `calls` callers; before each, the fault:
/// a connection broken off mid-request, a sender that trickles its request over 2 s (the real
/// request must not wait behind it), or 20 connections opened and left idle. Each real request
/// must be answered 200 with the rule's actions within the PBX's 5 s.
async fn pbx_shift(cell: &Cell, calls: usize) -> Row {
    use sidekick_desk::interactive::InteractiveSettings;
    use sidekick_sim::telphin::{PbxCall, SimPbx};
    use tokio::io::AsyncWriteExt;
    let dir = tempfile::tempdir().unwrap();
    let desk = Desk::new(Some(dir.path()), Arc::new(SystemClock), Arc::new(MemorySecrets::default()));
    let settings = InteractiveSettings {
        enabled: true,
        listen: Some("127.0.0.1:0".into()),
        rules: serde_json::from_value(serde_json::json!([
            {"name": "Russian menu", "when": {"caller": {"prefix": "+7"}}, "actions": [{"action": "SetVar", "name": "lang", "value": "ru"}]}
        ]))
        .unwrap(),
        ..Default::default()
    };
    desk.save_call_interactive(settings).await.unwrap();
    let address = desk.call_interactive_address().unwrap();
    let url = url::Url::parse(&address).unwrap();
    let socket = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap());
    let pbx = SimPbx::new(&address);
    let mut row = Row::default();
    let mut idle = Vec::new();
    for call in 0..calls {
        let head = format!("POST {}?CallID=x HTTP/1.1\r\nHost: {socket}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 400\r\n\r\nCallerIDNum=%2B7495", url.path());
        let mut slow = None;
        match cell.fault {
            "connection resets" => {
                let mut s = tokio::net::TcpStream::connect(&socket).await.unwrap();
                s.write_all(head.as_bytes()).await.unwrap();
                s.set_zero_linger().unwrap(); // RST, not FIN
                drop(s);
                row.faults += 1;
            }
            "latency 2 s (slow sender)" => {
                let (socket, head) = (socket.clone(), head.clone());
                slow = Some(tokio::spawn(async move {
                    let mut s = tokio::net::TcpStream::connect(&socket).await.unwrap();
                    for chunk in head.as_bytes().chunks(8) {
                        let _ = s.write_all(chunk).await;
                        tokio::time::sleep(Duration::from_millis(2000 / (head.len() as u64 / 8 + 1))).await;
                    }
                }));
                row.faults += 1;
            }
            _ => {
                for _ in 0..20 {
                    idle.push(tokio::net::TcpStream::connect(&socket).await.unwrap());
                }
                row.faults += 20;
            }
        }
        row.attempted += 1;
        let request = PbxCall::external(&format!("+7495{call:07}"), "Иван", "74950000000");
        match pbx.send(&request).await {
            Ok(answer) if !answer.actions.is_empty() => row.succeeded += 1,
            Ok(answer) => row.failures.push(format!("PBX call {call}: answered without the rule's actions: {answer:?}")),
            Err(e) => row.failures.push(format!("PBX call {call}: {e}")),
        }
        if let Some(slow) = slow {
            let _ = slow.await;
        }
    }
    drop(idle);
    row
}

/// An agent's shift of calls: each call shown, two notes, a recording, a hang-up.
async fn agent_shift(cell: &Cell, sim: &SimHandle, calls: usize, again_mid_shift: bool) -> Row {
    let dir = tempfile::tempdir().unwrap();
    let desk = shift_desk(dir.path(), sim);
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

    let mut row = Row { faults: (cell.inject)(sim), ..Default::default() };
    for call in 0..calls {
        if again_mid_shift && call == calls / 2 && call > 0 {
            row.faults += (cell.inject)(sim);
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
    // `SIDEKICK_FAULT_CELLS=ODFS` (say) runs only the cells whose peer or fault contains it.
    let only = std::env::var("SIDEKICK_FAULT_CELLS").unwrap_or_default();
    let mut paused = true;
    for cell in cells().into_iter().filter(|c| c.peer.name().contains(only.as_str()) || c.fault.contains(only.as_str())) {
        // Era's and the PBX's cells run on the real clock: the Era simulator's signalling waits
        // are real time (a paused clock would run the desk's 10 s answer timeout out while they
        // pass), and the PBX's slow sender is timed by its own socket.
        if matches!(cell.peer, Peer::Era | Peer::Pbx) && paused {
            tokio::time::resume();
            paused = false;
        }
        let row = run_cell(&cell, calls, full).await;
        // The supervisor's and the PBX's shifts hold no agent session: no polls to measure.
        let gap = match cell.peer {
            Peer::Gateway | Peer::Odfs => format!("{:.1} s", row.longest_gap.as_secs_f64()),
            Peer::Era | Peer::Ccfs | Peer::Pbx => "—".to_owned(),
        };
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {gap} |",
            cell.peer.name(),
            cell.fault,
            row.faults,
            row.attempted,
            row.succeeded,
            row.notes_lost,
            row.silent_sign_outs,
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
