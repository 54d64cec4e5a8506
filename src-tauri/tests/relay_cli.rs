//! `sidekick relay`, run as an administrator runs it: the built binary with no display, secrets in
//! files, a rules file; a PBX request answered from the rules and the caller forwarded to an app
//! connected to `/pops`; mistakes refused before it listens.

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::time::Duration;

use sidekick_interactive::relay::{connect, RelayStatus};
use sidekick_interactive::{AccessToken, CallInteractiveRequest};

const TOKEN: &str = "pbx-url-token-0123456789";
const KEY: &str = "apps-relay-key-0123456789";

fn command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sidekick"));
    command
        .arg("relay")
        .args(args)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("SIDEKICK_CI_TOKEN")
        .env_remove("SIDEKICK_RELAY_KEY")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn run(args: &[&str]) -> Output {
    command(args).output().expect("the sidekick binary runs")
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path.to_str().expect("utf-8").to_owned()
}

struct Relay(Child);

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the relay with `args`; the process, its first line, and the address it listens on.
async fn start(args: &[&str]) -> (Relay, String, String) {
    let mut child = command(args).spawn().expect("the relay starts");
    let stdout = child.stdout.take().expect("piped");
    let relay = Relay(child);
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map(|_| line)
    })
    .await
    .unwrap()
    .expect("a line");
    assert!(line.starts_with("sidekick relay listening on 127.0.0.1:"), "{line}");
    let address = line.split_whitespace().nth(4).expect("the address").trim_end_matches(':').to_owned();
    (relay, line, address)
}

#[test]
fn new_secrets_are_random_and_long_enough() {
    let one = run(&["new-secret"]);
    let two = run(&["new-secret"]);
    assert!(one.status.success() && two.status.success());
    let (one, two) = (String::from_utf8(one.stdout).unwrap(), String::from_utf8(two.stdout).unwrap());
    assert!(AccessToken::new(one.trim()).is_ok(), "{one:?} is usable as a token");
    assert_ne!(one, two);
}

#[test]
fn mistakes_are_refused_with_a_reason_before_listening() {
    let dir = tempfile::tempdir().unwrap();
    let token = write(dir.path(), "token", TOKEN);
    let key = write(dir.path(), "key", KEY);
    let history = write(dir.path(), "history.json", r#"[{"name":"Back to me","when":{"spokeWithinDays":7},"actions":[{"action":"SimpleTransfer","numbers":"4012"}]}]"#);

    let cases: [(Vec<&str>, u8, &str); 5] = [
        (vec!["--token-file", &token], 1, "the relay key is missing: give --key-file <file>, or set SIDEKICK_RELAY_KEY"),
        (vec!["--token-file", &token, "--key-file", &token], 1, "the token and the relay key are the same"),
        (vec!["--token-file", &token, "--key-file", &key, "--rules", &history], 1, "needs an agent's call history"),
        (vec!["--token-file", &token, "--key-file", &key, "--listen", "everywhere"], 1, "is not an address to listen on"),
        (vec!["--key", KEY], 2, "unknown argument \"--key\""),
    ];
    for (args, code, says) in cases {
        let output = run(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(i32::from(code)), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?} should say {says:?}; it said {stderr}");
        assert!(!stderr.contains(KEY) && !stderr.contains(TOKEN), "no secret in the message: {stderr}");
    }
}

#[tokio::test]
async fn the_relay_answers_from_its_rules_and_forwards_the_caller_to_a_connected_app() {
    let dir = tempfile::tempdir().unwrap();
    let token = write(dir.path(), "token", &format!("{TOKEN}\n"));
    let key = write(dir.path(), "key", KEY);
    let rules = write(
        dir.path(),
        "rules.json",
        r#"[{"name":"Russian prompts","when":{"caller":{"prefix":"+7"}},"actions":[{"action":"SetVar","name":"lang","value":"ru"}]}]"#,
    );
    let (relay, line, address) = start(&["--listen", "127.0.0.1:0", "--token-file", &token, "--key-file", &key, "--rules", &rules]).await;
    assert!(!line.contains(TOKEN), "the token is not printed: {line}");

    let (pops_tx, mut pops) = tokio::sync::mpsc::channel::<Arc<CallInteractiveRequest>>(4);
    let app = connect(&format!("ws://{address}/pops"), AccessToken::new(KEY).unwrap(), pops_tx).expect("loopback");
    let mut status = app.status();
    tokio::time::timeout(Duration::from_secs(10), status.wait_for(|s| *s == RelayStatus::Connected))
        .await
        .expect("connected in time")
        .expect("the client runs");

    let answer = reqwest::Client::new()
        .post(format!("http://{address}/ci/{TOKEN}"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("EventType=call_interactive&CallID=cli-1&CallerIDNum=%2B74951112233&CallerIDName=%D0%9F%D1%91%D1%82%D1%80")
        .send()
        .await
        .expect("the relay answers");
    assert_eq!(answer.status().as_u16(), 200);
    let xml = answer.text().await.unwrap();
    assert!(xml.contains(r#"<SetVar name="lang">ru</SetVar>"#), "{xml}");
    let pop = tokio::time::timeout(Duration::from_secs(10), pops.recv()).await.expect("in time").expect("open");
    assert_eq!(pop.call_id, "cli-1");
    assert_eq!(pop.caller_id_name.as_deref(), Some("Пётр"));

    // A wrong token in the URL is not a PBX of this relay.
    let stranger = reqwest::get(format!("http://{address}/ci/wrong-token-0123456789?CallID=x")).await.unwrap();
    assert_eq!(stranger.status().as_u16(), 404);

    // SIGTERM, as systemd stops it: a clean exit.
    let mut relay = relay;
    let pid = relay.0.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let exited = tokio::task::spawn_blocking(move || {
        let status = relay.0.wait();
        (status, relay)
    })
    .await
    .unwrap();
    assert_eq!(exited.0.unwrap().code(), Some(0));
}

/// Waits (bounded) for a desk snapshot that satisfies `pred`.
async fn until(desk: &sidekick_desk::Desk, what: &str, pred: impl Fn(&sidekick_desk::DeskSnapshot) -> bool) -> sidekick_desk::DeskSnapshot {
    let mut rx = desk.subscribe();
    let wait = async {
        loop {
            let snap = rx.borrow_and_update().clone();
            if pred(&snap) {
                return snap;
            }
            rx.changed().await.expect("the desk lives");
        }
    };
    tokio::time::timeout(Duration::from_secs(10), wait).await.unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

/// A supervisor's desk connected to the relay (key in its keychain), exporting from `ccfs_url`
/// with the relay's callback address.
async fn supervisor(dir: &Path, relay: &str, ccfs_url: &str) -> sidekick_desk::Desk {
    use sidekick_desk::clock::SystemClock;
    use sidekick_desk::export::{ExportSettings, Role};
    use sidekick_desk::interactive::InteractiveSettings;
    use sidekick_desk::secrets::MemorySecrets;
    let desk = sidekick_desk::Desk::with_data_dir(Some(dir), Some(dir), Arc::new(SystemClock), Arc::new(MemorySecrets::default()));
    desk.save_call_interactive(InteractiveSettings { relay_url: Some(format!("ws://{relay}/pops")), ..Default::default() }).await.unwrap();
    desk.set_relay_key(KEY).await.unwrap();
    desk.set_role(Role::Supervisor).await.unwrap();
    let settings = ExportSettings {
        ccfs_url: Some(ccfs_url.to_owned()),
        ak: Some("sim-ak".into()),
        tenant_zone: Some("Europe/Moscow".into()),
        callback_listen: Some("127.0.0.1:0".into()),
        callback_url: Some(format!("http://{relay}/ccfs/callback")),
        ..Default::default()
    };
    desk.save_export_settings(settings).await.unwrap();
    let view = desk.set_ccfs_sk("sim-sk-0123456789").await.unwrap();
    let url = format!("http://{relay}/ccfs/callback");
    assert_eq!(view.export.receiver, sidekick_desk::export::ReceiverStatus::ViaRelay { url }, "no receiver of its own: the relay takes the callbacks");
    until(&desk, "connected to the relay", |s| s.relay == Some(sidekick_desk::interactive::RelayConnection::Connected)).await;
    desk
}

#[tokio::test]
async fn the_relay_takes_cc_fs_callbacks_for_supervisors_whose_desktops_cc_fs_cannot_reach() {
    use sidekick_desk::export::{BillFilters, DataType, ExportForm, JobState, RowKind, RowQuery};
    let sim = sidekick_sim::spawn(sidekick_sim::Scenario::default()).await.expect("the simulators start");
    let now = chrono::Utc::now().timestamp_millis();
    sim.ccfs.add_calls((1..=2).map(|i| sidekick_sim::ccfs::BillCall {
        call_id: format!("relay-{i}"),
        agent_id: "101".into(),
        caller: "+74951112233".into(),
        callee: "88005553535".into(),
        offered_ms: now - i * 600_000,
        answered_ms: Some(now - i * 600_000 + 4_000),
        ended_ms: now - i * 600_000 + 60_000,
        recorded: true,
    }));
    let dir = tempfile::tempdir().unwrap();
    let token = write(dir.path(), "token", TOKEN);
    let key = write(dir.path(), "key", KEY);
    let sk = write(dir.path(), "ccfs-sk", "sim-sk-0123456789\n");
    let (_relay, line, address) =
        start(&["--listen", "127.0.0.1:0", "--token-file", &token, "--key-file", &key, "--ccfs-ak", "sim-ak", "--ccfs-sk-file", &sk]).await;
    assert!(line.contains("CC-FS callbacks /ccfs/callback (AK sim-ak)"), "{line}");
    assert!(!line.contains("sim-sk"), "the SK is not printed: {line}");

    // Unsigned: refused, and passed on to nobody.
    let unsigned = reqwest::Client::new().post(format!("http://{address}/ccfs/callback")).body("{}").send().await.unwrap();
    assert_eq!(unsigned.status().as_u16(), 401);

    let desk_dir = tempfile::tempdir().unwrap();
    let desk = supervisor(desk_dir.path(), &address, &sim.ccfs_url).await;
    let (begin, end) = {
        let zone = chrono_tz::Europe::Moscow;
        let at = |m: i64| (chrono::Utc::now() + chrono::Duration::minutes(m)).with_timezone(&zone).format("%Y-%m-%d %H:%M:%S").to_string();
        (at(-120), at(0))
    };
    desk.request_export(ExportForm { begin, end, filters: BillFilters::default(), data_type: DataType::CallRecord }).await.unwrap();
    let ready = until(&desk, "the job to be ready", |s| s.exports.iter().any(|j| j.state == JobState::Ready)).await;
    let job = &ready.exports[0];
    assert_eq!((job.calls, job.records), (2, 2));
    let attempts = sim.ccfs.callback_attempts();
    assert_eq!(attempts.len(), 1, "CC-FS called the relay once, and the relay answered a success: {attempts:?}");
    assert!(attempts[0].ok);
    let query = RowQuery { kind: RowKind::Calls, job: None, search: String::new(), sort: None, descending: false, offset: 0 };
    assert_eq!(desk.export_rows(&query).unwrap().total, 2);

    // Another supervisor's app, connecting later, is sent the kept callback and leaves it alone.
    let other_dir = tempfile::tempdir().unwrap();
    let other = supervisor(other_dir.path(), &address, &sim.ccfs_url).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(other.export_audit().unwrap().is_empty(), "{:?}", other.export_audit());
    assert!(other.snapshot().exports.is_empty());
}
