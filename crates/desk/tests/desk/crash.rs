//! The crash test: notes survive SIGKILL.
//!
//! A harness (this test) runs the gateway simulator, failing 30% of call-data requests, and plays
//! a long call. It starts a child process — this same test binary, running only
//! [`crash_child`] — that is a desk on a data directory: it signs in (taking the session over,
//! as after a crash), finds the call on its card, and types the notes the call does not have yet,
//! one after another, while its outbox delivers them. The harness kills the child with SIGKILL
//! at a random moment, starts it again, and so on; the last child runs until its outbox is empty.
//! Then the call's data on the gateway must hold every note exactly as typed, in order, once.
//!
//! `SIDEKICK_CRASH_RUNS` sets the number of runs (20 by default, as in CI; more for a longer
//! local run). The counts are printed.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::Rng;
use sidekick_calldata::{Key, NotesDocument};
use sidekick_desk::clock::SystemClock;
use sidekick_desk::notes::KEY_ACCOUNT;
use sidekick_desk::secrets::{MemorySecrets, SecretStore};
use sidekick_desk::*;
use sidekick_sim::gateway::CallScript;

const KEY_HEX: &str = "000102030405060708090a0b0c0d0e0f";
const NOTES: usize = 50;
const AGENT: u32 = 291;
/// Kills per run before the last child is left to finish.
const KILLS_PER_RUN: usize = 3;

/// The text of note `i` of a run: varied lengths and scripts, quotes and new lines, so escaping
/// and UTF-8 counting are part of what must come through unchanged.
fn note_text(run: usize, i: usize) -> String {
    let extra = ["", " — «кавычки»", " \"quoted\"\nsecond line", " 🚀 ✓", " 日本語のメモ"][i % 5];
    format!("run {run} note {i:02}: customer asked about order {}{extra}", 4000 + i * 7)
}

/// The child: a desk that types the missing notes of the call, then waits for its outbox.
/// Runs only when the harness starts this binary with `SIDEKICK_CRASH_CHILD` set.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_child() {
    let Ok(url) = std::env::var("SIDEKICK_CRASH_CHILD") else { return };
    let data_dir = std::env::var("SIDEKICK_CRASH_DATA").unwrap();
    let call_id = std::env::var("SIDEKICK_CRASH_CALL").unwrap();
    let run: usize = std::env::var("SIDEKICK_CRASH_RUN").unwrap().parse().unwrap();
    let secrets = Arc::new(MemorySecrets::default());
    secrets.set(KEY_ACCOUNT, KEY_HEX).unwrap();
    let desk = Desk::with_data_dir(None, Some(std::path::Path::new(&data_dir)), Arc::new(SystemClock), secrets);
    let form = SignInForm { force: true, ..super::form(&url, &AGENT.to_string(), "pw") };
    desk.sign_in(form).await.expect("sign-in");
    // The call is back on the card (the gateway's current-call query), with the notes saved
    // before the last kill.
    let snap = super::until(&desk, "the call and its notes", |s| s.notes.as_ref().is_some_and(|n| n.call_id == call_id)).await;
    let typed = snap.notes.unwrap().notes.len();
    println!("CHILD resumed with {typed} notes");
    for i in typed..NOTES {
        desk.attach_note(&call_id, note_text(run, i)).await.expect("attach");
        println!("ATTACHED {i}");
        tokio::time::sleep(Duration::from_millis(rand::thread_rng().gen_range(0..15))).await;
    }
    while desk.notes_waiting() > 0 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    println!("DRAINED");
    tokio::time::sleep(Duration::from_secs(3600)).await;
}

struct ChildRun {
    child: Child,
    lines: mpsc::Receiver<String>,
}

fn start_child(url: &str, data: &std::path::Path, call_id: &str, run: usize) -> ChildRun {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "crash::crash_child", "--nocapture", "--test-threads=1"])
        .env("SIDEKICK_CRASH_CHILD", url)
        .env("SIDEKICK_CRASH_DATA", data)
        .env("SIDEKICK_CRASH_CALL", call_id)
        .env("SIDEKICK_CRASH_RUN", run.to_string())
        .env("RUST_LOG", "off")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the child");
    let out = child.stdout.take().unwrap();
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    ChildRun { child, lines }
}

/// Where a child was when it was stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reached {
    /// Before it typed a note (starting, signing in).
    Starting,
    /// While typing notes (and delivering the first ones).
    Typing,
    /// All typed, the outbox still delivering.
    Delivering,
    /// Outbox empty.
    Drained,
}

/// Reads the child's lines until `deadline` or until it says `DRAINED`.
fn watch(run: &ChildRun, deadline: Instant) -> Reached {
    let mut reached = Reached::Starting;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match run.lines.recv_timeout(left) {
            Ok(line) if line == "DRAINED" => return Reached::Drained,
            Ok(line) if line == format!("ATTACHED {}", NOTES - 1) => reached = Reached::Delivering,
            Ok(line) if line.starts_with("ATTACHED") && reached == Reached::Starting => reached = Reached::Typing,
            Ok(_) => {}
            Err(_) => return reached,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notes_survive_sigkill_while_delivering_to_a_failing_gateway() {
    if std::env::var_os("SIDEKICK_CRASH_CHILD").is_some() {
        return;
    }
    let runs: usize = std::env::var("SIDEKICK_CRASH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(20);
    let sim = sidekick_sim::spawn(sidekick_sim::Scenario { agents: vec![(AGENT, "pw".into())], ..Default::default() }).await.unwrap();
    sim.gateway.set_call_data_failure_rate(0.3);
    let key = Key::parse(KEY_HEX).unwrap();
    let mut kills: Vec<Reached> = Vec::new();
    let (mut typed, mut lost, mut duplicated, mut reordered) = (0usize, 0usize, 0usize, 0usize);
    let started = Instant::now();
    for run in 0..runs {
        let dir = tempfile::tempdir().unwrap();
        let call_id = format!("crash-{run}");
        let url = sim.gateway_url.clone();
        let (gateway, cid, path) = (sim.gateway.clone(), call_id.clone(), dir.path().to_owned());
        let run_kills = tokio::task::spawn_blocking(move || {
            let first = start_child(&url, &path, &cid, run);
            // The call starts once the first child holds the session; it outlives every kill.
            let deadline = Instant::now() + Duration::from_secs(20);
            while !gateway.is_signed_in(AGENT) {
                assert!(Instant::now() < deadline, "the first child never signed in");
                std::thread::sleep(Duration::from_millis(10));
            }
            let handle = tokio::runtime::Handle::current();
            let _guard = handle.enter();
            gateway.play_inbound_call(
                AGENT,
                CallScript { caller: "13500000001".into(), called: "40038".into(), call_id: Some(cid.clone()), ring_ms: 50, talk_ms: 3_600_000, auto_answer: true },
            );
            let mut kills = Vec::new();
            let mut current = Some(first);
            loop {
                let child = current.take().unwrap_or_else(|| start_child(&url, &path, &cid, run));
                if kills.len() < KILLS_PER_RUN {
                    let delay = Duration::from_millis(rand::thread_rng().gen_range(100..900));
                    let reached = watch(&child, Instant::now() + delay);
                    let mut c = child.child;
                    let _ = c.kill(); // SIGKILL
                    let _ = c.wait();
                    kills.push(reached);
                    if reached == Reached::Drained {
                        // It finished before the kill came: nothing more to test this run.
                        break;
                    }
                } else {
                    let reached = watch(&child, Instant::now() + Duration::from_secs(120));
                    let mut c = child.child;
                    let _ = c.kill();
                    let _ = c.wait();
                    assert!(reached == Reached::Drained, "run {run}: the last child did not drain its outbox within 120 s");
                    break;
                }
            }
            kills
        })
        .await
        .unwrap();
        kills.extend(run_kills);
        typed += NOTES;
        let bytes = sim.gateway.call_data(&call_id).unwrap_or_default();
        use base64::Engine;
        let doc = NotesDocument::open(&key, &base64::engine::general_purpose::STANDARD.encode(&bytes))
            .unwrap_or_else(|e| panic!("run {run}: the call's data does not open: {e}"));
        let got: Vec<&str> = doc.notes.iter().map(|n| n.text.as_str()).collect();
        let want: Vec<String> = (0..NOTES).map(|i| note_text(run, i)).collect();
        lost += want.iter().filter(|w| !got.contains(&w.as_str())).count();
        duplicated += got.len().saturating_sub(want.len());
        if got.len() == want.len() && got.iter().zip(&want).any(|(g, w)| g != w) {
            reordered += 1;
        }
        assert_eq!(got, want, "run {run}: the call must carry every note exactly as typed, in order, once");
        // The agent hangs up before the next run's call.
        sim.gateway.end_call(AGENT);
    }
    let at = |r: Reached| kills.iter().filter(|k| **k == r).count();
    println!(
        "crash test: {runs} runs, {} SIGKILLs ({} while starting, {} while typing, {} while delivering, {} after draining), \
         {typed} notes typed, {lost} lost, {duplicated} duplicated, {reordered} runs out of order, {:.1} s",
        kills.len(),
        at(Reached::Starting),
        at(Reached::Typing),
        at(Reached::Delivering),
        at(Reached::Drained),
        started.elapsed().as_secs_f64()
    );
    assert!(at(Reached::Typing) + at(Reached::Delivering) > 0 || runs < 3, "no kill landed while notes were in flight");
}
