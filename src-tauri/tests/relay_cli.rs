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
    let mut child = command(&["--listen", "127.0.0.1:0", "--token-file", &token, "--key-file", &key, "--rules", &rules])
        .spawn()
        .expect("the relay starts");
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
    assert!(!line.contains(TOKEN), "the token is not printed: {line}");
    let address = line.split_whitespace().nth(4).expect("the address").trim_end_matches(':').to_owned();

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
