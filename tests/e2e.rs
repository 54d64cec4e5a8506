//! End-to-end: the real app binary in a real window (WebKitGTK under Xvfb), driven over WebDriver.

use std::time::{Duration, Instant};

use e2e::{App, Notifications, Sim};
use serde_json::json;

const PATIENCE: Duration = Duration::from_secs(10);

async fn sign_in(app: &App, gateway: &str, agent: &str, password: &str, phone: &str) {
    app.wait_attr("[data-testid=signin-form]", "data-testid", "signin-form", PATIENCE).await;
    app.fill("#gateway-url", gateway).await;
    app.fill("#agent-id", agent).await;
    app.fill("#password", password).await;
    app.fill("#phone-number", phone).await;
    app.click("#sign-in").await;
}

/// Given a simulator with agent 291, when the agent signs in through the form and the simulator
/// plays a call, the card shows the caller and moves ringing → talking → ended.
#[tokio::test]
async fn call_card_follows_a_scripted_call_from_the_simulator() {
    let sim = Sim::start(&["291:s3cret-pw"]).await;
    let app = App::launch(&[]).await;
    sign_in(&app, &sim.gateway_url, "291", "s3cret-pw", "40038").await;
    app.wait_attr("[data-testid=status-health]", "data-health", "connected", PATIENCE).await;
    app.wait_attr("[data-testid=status-state]", "data-state", "ready", PATIENCE).await;
    assert!(app.wait_text("[data-testid=status-agent]", PATIENCE).await.contains("291"));
    app.wait_text("[data-testid=no-call]", PATIENCE).await;
    app.shot("gateway-idle").await;

    sim.play_call(291, json!({"caller": "+7 495 000-11-22", "called": "40038", "callId": "1455885056-1095", "ringMs": 2500, "talkMs": 3000})).await;
    app.wait_attr("[data-testid=call-card]", "data-state", "ringing", PATIENCE).await;
    assert_eq!(app.wait_text("[data-testid=call-caller]", PATIENCE).await, "+7 495 000-11-22");
    assert_eq!(app.wait_text("[data-testid=call-id]", PATIENCE).await, "1455885056-1095");
    app.wait_attr("[data-testid=call-direction]", "data-direction", "inbound", PATIENCE).await;
    app.shot("gateway-ringing").await;

    app.wait_attr("[data-testid=call-card]", "data-state", "talking", PATIENCE).await;
    app.wait_attr("[data-testid=status-state]", "data-state", "busy", PATIENCE).await;
    // The timer runs while talking: wait until it shows at least one second.
    app.wait_text_containing("[data-testid=call-timer]", "0:01", PATIENCE).await;
    app.shot("gateway-talking").await;

    app.wait_attr("[data-testid=call-card]", "data-state", "ended", PATIENCE).await;
    app.wait_attr("[data-testid=status-state]", "data-state", "ready", PATIENCE).await;
    assert_eq!(app.wait_text("[data-testid=call-caller]", PATIENCE).await, "+7 495 000-11-22", "the ended call stays on the card");
    app.shot("gateway-ended").await;

    app.click("#sign-out").await;
    app.wait_attr("[data-testid=signin-form]", "data-testid", "signin-form", PATIENCE).await;
    app.close().await;
}

/// The agent works a call with the card's buttons and changes state from the status bar:
/// sign in → ring → answer → hold → resume → hang up → ready → not ready → ready.
#[tokio::test]
async fn agent_works_a_call_from_the_card() {
    let sim = Sim::start(&["293:pw-293"]).await;
    let app = App::launch(&[]).await;
    sign_in(&app, &sim.gateway_url, "293", "pw-293", "40040").await;
    app.wait_attr("[data-testid=status-state]", "data-state", "ready", PATIENCE).await;
    sim.play_call(293, json!({"caller": "+7 812 333-44-55", "called": "40040", "callId": "cc-1", "ringMs": 60000, "talkMs": 60000, "autoAnswer": false})).await;
    app.wait_attr("[data-testid=call-card]", "data-state", "ringing", PATIENCE).await;
    app.shot("control-ringing").await;
    app.click("#call-answer").await;
    app.wait_attr("[data-testid=call-card]", "data-state", "talking", PATIENCE).await;
    app.wait_attr("[data-testid=status-state]", "data-state", "busy", PATIENCE).await;
    app.click("#call-hold").await;
    app.wait_attr("[data-testid=call-card]", "data-state", "held", PATIENCE).await;
    app.shot("control-held").await;
    app.click("#call-unhold").await;
    app.wait_attr("[data-testid=call-card]", "data-state", "talking", PATIENCE).await;
    app.click("#call-hangup").await;
    app.wait_attr("[data-testid=call-card]", "data-state", "ended", PATIENCE).await;
    app.wait_attr("[data-testid=status-state]", "data-state", "ready", PATIENCE).await;
    app.click("#state-picker").await;
    app.wait_attr("[data-testid=state-menu] #state-not-ready", "role", "menuitemradio", PATIENCE).await;
    app.shot("control-state-menu").await;
    app.click("#state-not-ready").await;
    app.wait_attr("[data-testid=status-state]", "data-state", "notReady", PATIENCE).await;
    app.click("#state-picker").await;
    app.wait_attr("[data-testid=state-menu] #state-ready", "role", "menuitemradio", PATIENCE).await;
    app.click("#state-ready").await;
    app.wait_attr("[data-testid=status-state]", "data-state", "ready", PATIENCE).await;
    app.close().await;
}

/// The gateway invalidates the Guid in the middle of a call (as a DR switchover does): the app
/// signs in again by itself, says so in one line, and the call card carries on to its end.
#[tokio::test]
async fn recovers_from_an_invalidated_guid_mid_call_without_the_agent() {
    let sim = Sim::start(&["292:pw-292"]).await;
    let app = App::launch(&[]).await;
    sign_in(&app, &sim.gateway_url, "292", "pw-292", "40039").await;
    app.wait_attr("[data-testid=status-health]", "data-health", "connected", PATIENCE).await;
    sim.play_call(292, json!({"caller": "+44 20 7946 0958", "called": "40039", "callId": "dr-1", "ringMs": 300, "talkMs": 6000})).await;
    app.wait_attr("[data-testid=call-card]", "data-state", "talking", PATIENCE).await;
    sim.control(292, "invalidate-guid").await;
    app.wait_attr("[data-testid=notice]", "data-code", "sessionRestored", PATIENCE).await;
    app.wait_attr("[data-testid=status-health]", "data-health", "connected", PATIENCE).await;
    app.wait_attr("[data-testid=call-card]", "data-state", "talking", PATIENCE).await;
    assert_eq!(app.wait_text("[data-testid=call-id]", PATIENCE).await, "dr-1");
    app.shot("recovered-mid-call").await;
    app.wait_attr("[data-testid=call-card]", "data-state", "ended", PATIENCE).await;
    app.close().await;
}

/// Records, in the page, every payload the backend sends into it (results, errors, events) as
/// JSON text, through the UI's IPC tap.
const IPC_TAP: &str = r#"
window.__ipcSeen = [];
window.__sidekickIpcTap = (kind, name, payload) => window.__ipcSeen.push(kind + ' ' + name + ' ' + JSON.stringify(payload));
"#;

/// The secret scan: a whole shift with every secret in use — the agent's password, the call-data
/// key, the ODFS secret, the CC-FS SK and the Era token typed into Settings; Guid rotation every
/// 500 ms, a forced recovery; a call with a note (confirmed by the gateway) and a recording
/// (confirmed by ODFS). Afterwards none of the secrets, no Guid the gateway issued and no note text
/// appears in the app's log output (at debug level, stdout and stderr, where a panic would be
/// reported) or in any file it wrote (settings, SQLite stores, WebKit's caches); and no secret or
/// Guid in any payload that crossed IPC into the page. (The note text does cross IPC: the notes
/// panel shows it.)
#[tokio::test]
async fn secrets_never_reach_logs_disk_or_the_page() {
    const PASSWORD: &str = "Sup3r-Secret-pw!";
    const KEY_HEX: &str = "8f1e2d3c4b5a69788796a5b4c3d2e1f0";
    const ODFS_SECRET: &str = "Odfs-S3cret-7781";
    const CCFS_SK: &str = "Ccfs-Sk-Secret-5521";
    const ERA_TOKEN: &str = "Era-Tok3n-Secret-9902";
    const NOTE: &str = "Card ends 4242, call back at 18:00 — секретная заметка";
    let sim = Sim::start_with(
        &["294:Sup3r-Secret-pw!"],
        &["--guid-interval-ms", "500", "--odfs-app-secret", ODFS_SECRET, "--ccfs-sk", CCFS_SK, "--era-token", ERA_TOKEN],
    )
    .await;
    let app = App::launch_with_settings(json!({
        "recordingPath": "odfs", "odfsUrl": sim.odfs_url, "odfsAppKey": "tenant-1", "odfsFlowAccessCode": "10086",
        "role": "supervisor", "takeover": {"url": sim.era_url},
        "export": {"ccfsUrl": sim.ccfs_url, "ak": "sim-ak", "tenantZone": "Europe/Moscow", "callbackListen": "127.0.0.1:0"},
    }))
    .await;
    app.wait_prop_filled("#open-settings", "id", PATIENCE).await;
    app.client.execute(IPC_TAP, vec![]).await.expect("install the IPC tap");
    app.click("#open-settings").await;
    for (field, button, value) in [
        ("#call-data-key", "#save-call-data-key", KEY_HEX),
        ("#odfs-secret", "#save-odfs-secret", ODFS_SECRET),
        ("#ccfs-sk", "#save-ccfs-sk", CCFS_SK),
        ("#era-token", "#save-era-token", ERA_TOKEN),
    ] {
        app.wait_prop_filled(field, "id", PATIENCE).await;
        app.client
            .execute(&format!("document.querySelector('{field}').scrollIntoView({{block: 'center'}})"), vec![])
            .await
            .expect("scroll to the field");
        app.fill(field, value).await;
        app.click(button).await;
        app.wait_prop(field, "value", "", PATIENCE).await;
    }
    app.wait_attr("[data-testid=settings-call-data-key]", "data-saved", "true", PATIENCE).await;
    app.wait_attr("[data-testid=settings-odfs-secret]", "data-saved", "true", PATIENCE).await;
    app.wait_attr("[data-testid=export-receiver]", "data-state", "listening", PATIENCE).await;
    app.wait_attr("[data-testid=takeover-link]", "data-state", "connected", PATIENCE).await;
    app.click("#close-settings").await;

    sign_in(&app, &sim.gateway_url, "294", PASSWORD, "40041").await;
    app.wait_attr("[data-testid=status-state]", "data-state", "ready", PATIENCE).await;
    sim.play_call(294, json!({"caller": "+7 495 765-43-21", "called": "40041", "callId": "scan-1", "ringMs": 300, "talkMs": 600000})).await;
    app.wait_attr("[data-testid=call-card]", "data-state", "talking", PATIENCE).await;
    app.fill("#note-text", NOTE).await;
    app.click("#note-attach").await;
    app.wait_attr("[data-testid=note]", "data-delivery", "confirmed", PATIENCE).await;
    app.click("#record-start").await;
    app.wait_attr("[data-testid=recording]", "data-state", "recording", PATIENCE).await;
    sim.control(294, "invalidate-guid").await;
    app.wait_attr("[data-testid=notice]", "data-code", "sessionRestored", PATIENCE).await;
    app.click("#call-hangup").await;
    app.wait_attr("[data-testid=call-card]", "data-state", "ended", PATIENCE).await;
    let guids = sim.issued_guids(294).await;
    assert!(guids.len() >= 4, "rotations and the forced sign-in issued several Guids: {}", guids.len());
    app.click("#sign-out").await;
    app.wait_attr("[data-testid=signin-form]", "data-testid", "signin-form", PATIENCE).await;
    let ipc: Vec<String> = serde_json::from_value(app.client.execute("return window.__ipcSeen", vec![]).await.expect("read the tap")).expect("strings");
    let (log, files) = app.close_and_collect().await;
    assert!(log.contains("signed in again"), "the log was captured (at debug level), so the scan means something");
    assert!(ipc.iter().any(|p| p.contains("desk://snapshot") && p.contains("scan-1")), "the tap saw the call's snapshots, so the scan means something");
    assert!(ipc.iter().any(|p| p.contains(NOTE)), "the tap saw the note the panel shows");
    let sqlite = files.iter().filter(|(p, _)| p.extension().is_some_and(|e| e.to_string_lossy().starts_with("sqlite"))).count();
    assert!(sqlite > 0, "the app's SQLite stores are among the files scanned: {:?}", files.iter().map(|(p, _)| p).collect::<Vec<_>>());

    let mut secrets: Vec<(String, &str)> = vec![
        ("password".into(), PASSWORD),
        ("call-data key".into(), KEY_HEX),
        ("ODFS secret".into(), ODFS_SECRET),
        ("CC-FS SK".into(), CCFS_SK),
        ("Era token".into(), ERA_TOKEN),
    ];
    secrets.extend(guids.iter().map(|g| ("a Guid".to_owned(), g.as_str())));
    let mut hits = Vec::new();
    let mut scan = |what: &str, needle: &str, in_ipc: bool| {
        if log.contains(needle) {
            hits.push(format!("the log contains {what}"));
        }
        for (path, bytes) in &files {
            if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                hits.push(format!("{} contains {what}", path.display()));
            }
        }
        if in_ipc {
            for p in ipc.iter().filter(|p| p.contains(needle)) {
                hits.push(format!("an IPC payload contains {what}: {:.60}…", p));
            }
        }
    };
    for (what, needle) in &secrets {
        scan(what, needle, true);
    }
    scan("the note text", NOTE, false);
    println!(
        "secret scan: {} secrets and Guids + 1 note text × (log of {} bytes + {} files, {} SQLite) + {} IPC payloads → {} hits",
        secrets.len(),
        log.len(),
        files.len(),
        sqlite,
        ipc.len(),
        hits.len()
    );
    assert!(hits.is_empty(), "secrets leaked: {hits:?}");
}

/// The agent is still signed in somewhere else (100-002): the app says so and asks; only the
/// agent's click on "Sign in here anyway" sends the forced sign-in.
#[tokio::test]
async fn signed_in_elsewhere_is_taken_over_only_when_the_agent_says_so() {
    let sim = Sim::start(&["295:pw-295"]).await;
    let elsewhere = reqwest::Client::new()
        .put(format!("{}agentgateway/resource/onlineagent/295", sim.gateway_url))
        .header("content-type", "application/json; charset=UTF-8")
        .body(r#"{"password":"pw-295","phonenum":"40042"}"#)
        .send()
        .await
        .unwrap();
    assert!(elsewhere.headers().contains_key("set-guid"), "the other place is signed in");
    let app = App::launch(&[]).await;
    sign_in(&app, &sim.gateway_url, "295", "pw-295", "40042").await;
    app.wait_attr("[data-testid=form-error]", "data-code", "alreadySignedIn", PATIENCE).await;
    app.wait_text_containing("#force-sign-in", "anyway", PATIENCE).await;
    app.shot("signed-in-elsewhere").await;
    app.click("#force-sign-in").await;
    app.wait_attr("[data-testid=status-health]", "data-health", "connected", PATIENCE).await;
    app.wait_attr("[data-testid=status-state]", "data-state", "ready", PATIENCE).await;
    app.close().await;
}

/// `sidekick --demo` signs in the demo agent and a ringing call appears on its own.
#[tokio::test]
async fn demo_mode_shows_a_call() {
    let app = App::launch(&["--demo"]).await;
    let started = Instant::now();
    app.wait_attr("[data-testid=call-card]", "data-state", "ringing", PATIENCE).await;
    println!("demo: ringing call on the card {} ms after the WebDriver session opened", started.elapsed().as_millis());
    app.wait_text("[data-testid=demo-badge]", PATIENCE).await;
    assert!(!app.wait_text("[data-testid=call-caller]", PATIENCE).await.is_empty());
    app.shot("demo-ringing").await;
    app.wait_attr("[data-testid=call-card]", "data-state", "talking", PATIENCE).await;
    app.shot("demo-talking").await;
    app.close().await;
}

/// The webview lock-down, from inside the page: a script there may call Sidekick's commands and
/// nothing else — not a plugin's command (a notification of its own, the updater), not the core
/// window or app commands — and has no `eval`.
#[tokio::test]
async fn the_page_may_call_only_sidekicks_commands() {
    let app = App::launch(&["--demo"]).await;
    app.wait_attr("[data-testid=call-card]", "data-state", "ringing", PATIENCE).await;
    let probe = r#"
const [done] = arguments;
const tryCall = (cmd, args) => window.__TAURI_INTERNALS__.invoke(cmd, args || {}).then(() => 'allowed', (e) => 'refused: ' + String(e));
(async () => {
  const out = {};
  for (const cmd of ['get_snapshot', 'plugin:notification|notify', 'plugin:updater|check', 'plugin:window|close', 'plugin:webview|internal_toggle_devtools', 'plugin:app|version', 'plugin:path|resolve_directory']) {
    out[cmd] = await tryCall(cmd, cmd === 'plugin:notification|notify' ? { options: { title: 'x' } } : {});
  }
  try { out.eval = String(eval('1 + 1')); } catch (e) { out.eval = 'refused: ' + String(e); }
  try { out.newFunction = String(new Function('return 2')()); } catch (e) { out.newFunction = 'refused: ' + String(e); }
  done(out);
})();
"#;
    let out = app.client.execute_async(probe, vec![]).await.expect("run the probe");
    println!("lock-down probe: {out}");
    assert_eq!(out["get_snapshot"], "allowed", "Sidekick's own command: {out}");
    for cmd in ["plugin:notification|notify", "plugin:updater|check", "plugin:window|close", "plugin:webview|internal_toggle_devtools", "plugin:app|version", "plugin:path|resolve_directory"] {
        let verdict = out[cmd].as_str().unwrap_or_default();
        assert!(verdict.starts_with("refused") && verdict.contains("not allowed"), "{cmd} must be refused by the ACL: {verdict}");
    }
    assert!(out["eval"].as_str().unwrap_or_default().starts_with("refused"), "the CSP forbids eval: {out}");
    assert!(out["newFunction"].as_str().unwrap_or_default().starts_with("refused"), "the CSP forbids new Function: {out}");
    app.close().await;
}

/// On a Russian system the window speaks Russian from the first start ("language: auto").
#[tokio::test]
async fn a_russian_system_gets_a_russian_window() {
    let app = App::launch_with_env(&[], &[("LANG", "ru_RU.UTF-8"), ("LC_ALL", "ru_RU.UTF-8")]).await;
    app.wait_text_containing("#try-demo", "Попробовать демо", PATIENCE).await;
    app.shot("first-run-ru").await;
    app.close().await;
}

/// A first run offers the demo; the "Try the demo" button starts it.
#[tokio::test]
async fn first_run_offers_the_demo() {
    let app = App::launch(&[]).await;
    app.wait_text("#try-demo", PATIENCE).await;
    app.shot("first-run").await;
    app.click("#try-demo").await;
    app.wait_attr("[data-testid=call-card]", "data-state", "ringing", PATIENCE).await;
    app.close().await;
}

/// Bad configuration gets a clear message in the form and loses nothing the agent typed.
#[tokio::test]
async fn bad_configuration_is_explained_in_the_window() {
    let app = App::launch(&[]).await;
    // Agent id outside 101–999999.
    sign_in(&app, "https://cc.example.com:8043", "42", "pw", "40038").await;
    let msg = app.wait_text_containing("[data-testid=form-error]", "101", PATIENCE).await;
    assert!(msg.contains("999999"), "the message names the valid range: {msg}");
    let kept = app.client.find(fantoccini::Locator::Css("#agent-id")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(kept.as_deref(), Some("42"), "the typed agent id is kept for correction");
    // Empty password.
    sign_in(&app, "https://cc.example.com:8043", "291", "", "40038").await;
    app.wait_text_containing("[data-testid=form-error]", "password", PATIENCE).await;
    // A gateway nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    sign_in(&app, &format!("http://127.0.0.1:{closed}"), "291", "pw", "40038").await;
    app.wait_text_containing("[data-testid=form-error]", "connect", PATIENCE).await;
    app.shot("bad-config-unreachable").await;
    // Plain http to a remote host is refused before anything is sent.
    sign_in(&app, "http://cc.example.com:8043", "291", "pw", "40038").await;
    app.wait_text_containing("[data-testid=form-error]", "https://", PATIENCE).await;
    app.close().await;
}

/// Notes end to end, with the real OS keychain: the agent enters the deployment's call-data key
/// in Settings, signs in, types a note on a live call and sees it attached. Then the gateway goes
/// down (the simulator is frozen), two more notes are typed and wait; the gateway comes back and
/// both are delivered without a click. The call's data on the gateway opens, with the key, to the
/// three notes exactly as typed. Afterwards neither the note texts, the key, the password nor any
/// Guid is in the app's log (debug level) or in any file it wrote (the SQLite store included).
#[tokio::test]
async fn notes_are_attached_and_survive_a_gateway_outage() {
    const PASSWORD: &str = "pw-296-Notes";
    const KEY_HEX: &str = "5e1dc0ffee00112233445566778899aa";
    let notes = [
        "Customer wants a refund for order 4711 — \"urgent\"",
        "Перезвонить завтра после 10:00",
        "Promised an email with the return label ✓",
    ];
    let sim = Sim::start(&["296:pw-296-Notes"]).await;
    let app = App::launch(&[]).await;
    app.wait_attr("[data-testid=signin-form]", "data-testid", "signin-form", PATIENCE).await;
    app.click("#open-settings").await;
    app.fill("#call-data-key", KEY_HEX).await;
    app.click("#save-call-data-key").await;
    app.wait_attr("[data-testid=settings-call-data-key]", "data-saved", "true", PATIENCE).await;
    // Once saved, the field is emptied and the key is never shown back.
    app.wait_prop("#call-data-key", "value", "", PATIENCE).await;
    app.shot("notes-key-saved").await;
    app.click("#close-settings").await;

    sign_in(&app, &sim.gateway_url, "296", PASSWORD, "40043").await;
    app.wait_attr("[data-testid=status-state]", "data-state", "ready", PATIENCE).await;
    sim.play_call(296, json!({"caller": "+7 495 111-22-33", "called": "40043", "callId": "notes-1", "ringMs": 300, "talkMs": 600000})).await;
    app.wait_attr("[data-testid=call-card]", "data-state", "talking", PATIENCE).await;

    app.fill("#note-text", notes[0]).await;
    app.click("#note-attach").await;
    app.wait_attr("[data-testid=note]:nth-child(1)", "data-delivery", "confirmed", PATIENCE).await;
    app.shot("notes-attached").await;

    sim.pause();
    for text in &notes[1..] {
        app.fill("#note-text", text).await;
        app.click("#note-attach").await;
    }
    app.wait_attr("[data-testid=note]:nth-child(3)", "data-delivery", "sending", PATIENCE).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let second = app.client.find(fantoccini::Locator::Css("[data-testid=note]:nth-child(2)")).await.unwrap();
    assert_ne!(second.attr("data-delivery").await.unwrap().as_deref(), Some("confirmed"), "nothing is confirmed while the gateway is down");
    app.shot("notes-waiting").await;
    let resumed = Instant::now();
    sim.resume();
    app.wait_attr("[data-testid=note]:nth-child(3)", "data-delivery", "confirmed", Duration::from_secs(60)).await;
    app.wait_attr("[data-testid=note]:nth-child(2)", "data-delivery", "confirmed", PATIENCE).await;
    println!("notes: both waiting notes confirmed {} ms after the gateway came back", resumed.elapsed().as_millis());
    app.shot("notes-delivered").await;

    let bytes = sim.call_data("notes-1").await.expect("the call carries data");
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
    let doc = sidekick_calldata::NotesDocument::open(&sidekick_calldata::Key::parse(KEY_HEX).unwrap(), &b64).unwrap();
    let texts: Vec<&str> = doc.notes.iter().map(|n| n.text.as_str()).collect();
    assert_eq!(texts, notes, "the call carries the three notes exactly as typed");

    let guids = sim.issued_guids(296).await;
    let (log, files) = app.close_and_collect().await;
    assert!(log.contains("notes attached and confirmed"), "the log was captured, so the scan means something");
    assert!(files.iter().any(|(p, _)| p.to_string_lossy().contains("notes.sqlite3")), "the notes store was written");
    let mut needles: Vec<&str> = guids.iter().map(String::as_str).collect();
    needles.extend([PASSWORD, KEY_HEX]);
    needles.extend(notes);
    let mut hits = Vec::new();
    for n in &needles {
        if log.contains(n) {
            hits.push(format!("log contains {:.12}…", n));
        }
        for (path, bytes) in &files {
            if bytes.windows(n.len()).any(|w| w == n.as_bytes()) {
                hits.push(format!("{} contains {:.12}…", path.display(), n));
            }
        }
    }
    println!("secret scan after notes: {} needles × (log of {} bytes + {} files) → {} hits", needles.len(), log.len(), files.len(), hits.len());
    assert!(hits.is_empty(), "found in plaintext: {hits:?}");
}

/// Recording through ODFS, in a real window: the administrator's settings choose ODFS; the
/// agent enters the ODFS app secret (it goes to the OS keychain), records a live call and sees
/// "recording" only after the simulator confirmed it; on the next call ODFS refuses and the card
/// shows the reason with its code. The audit log lists both requests.
#[tokio::test]
async fn recording_shows_only_what_odfs_confirmed_and_is_audited() {
    let sim = Sim::start(&["297:pw-297"]).await;
    let app = App::launch_with_settings(json!({
        "recordingPath": "odfs",
        "odfsUrl": sim.odfs_url,
        "odfsAppKey": "tenant-1",
        "odfsFlowAccessCode": "10086",
    }))
    .await;
    app.wait_attr("[data-testid=signin-form]", "data-testid", "signin-form", PATIENCE).await;
    app.click("#open-settings").await;
    app.fill("#odfs-secret", "odfs-secret").await;
    app.click("#save-odfs-secret").await;
    app.wait_attr("[data-testid=settings-odfs-secret]", "data-saved", "true", PATIENCE).await;
    app.wait_prop("#odfs-secret", "value", "", PATIENCE).await;
    app.click("#close-settings").await;
    sign_in(&app, &sim.gateway_url, "297", "pw-297", "40044").await;
    app.wait_attr("[data-testid=status-state]", "data-state", "ready", PATIENCE).await;

    sim.play_call(297, json!({"caller": "+7 495 222-33-44", "called": "40044", "callId": "rec-e2e-1", "ringMs": 300, "talkMs": 600000})).await;
    app.wait_attr("[data-testid=call-card]", "data-state", "talking", PATIENCE).await;
    app.wait_attr("[data-testid=recording]", "data-state", "off", PATIENCE).await;
    sim.odfs_control("delay", json!({"ms": 1500})).await;
    app.click("#record-start").await;
    app.wait_attr("[data-testid=recording]", "data-state", "requesting", PATIENCE).await;
    assert!(sim.odfs_recordings().await.is_empty(), "the window says requesting while ODFS has not answered");
    app.shot("recording-requesting").await;
    app.wait_attr("[data-testid=recording]", "data-state", "recording", PATIENCE).await;
    let recorded = sim.odfs_recordings().await;
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0]["userid"], "rec-e2e-1");
    app.wait_text_containing("[data-testid=recording-elapsed]", "0:0", PATIENCE).await;
    app.shot("recording-on").await;
    app.click("#call-hangup").await;
    app.wait_attr("[data-testid=call-card]", "data-state", "ended", PATIENCE).await;

    sim.odfs_control("delay", json!({"ms": 0})).await;
    sim.odfs_control("refuse", json!({"ret": "10000001"})).await;
    sim.play_call(297, json!({"caller": "+7 495 222-33-55", "called": "40044", "callId": "rec-e2e-2", "ringMs": 300, "talkMs": 600000})).await;
    app.wait_attr("[data-testid=call-card]", "data-state", "talking", PATIENCE).await;
    app.wait_attr("[data-testid=recording]", "data-state", "off", PATIENCE).await;
    app.click("#record-start").await;
    app.wait_attr("[data-testid=recording]", "data-state", "failed", PATIENCE).await;
    let reason = app.wait_text_containing("[data-testid=recording-reason]", "10000001", PATIENCE).await;
    println!("recording refused, the card says: {reason}");
    app.shot("recording-refused").await;

    app.click("#open-settings").await;
    app.click("#open-audit").await;
    app.wait_attr("[data-testid=audit-entry]:nth-child(1)", "data-outcome", "failed", PATIENCE).await;
    app.wait_attr("[data-testid=audit-entry]:nth-child(2)", "data-outcome", "confirmed", PATIENCE).await;
    app.shot("recording-audit").await;
    let (log, files) = app.close_and_collect().await;
    let leaked = log.contains("odfs-secret") || files.iter().any(|(_, b)| b.windows(11).any(|w| w == b"odfs-secret"));
    assert!(!leaked, "the ODFS app secret reached the log or the disk");
}

/// The system-wide recording hotkey: with the demo's call connected, the configured combination pressed
/// through the X server (xdotool, as a keyboard would; the window need not have the focus)
/// starts the recording, and the card shows it once the demo's ODFS confirmed.
#[tokio::test]
async fn the_global_hotkey_starts_recording() {
    // A combination of its own (the administrator's `recordHotkey`), so an app of an earlier
    // test that is still quitting cannot be holding its X grab.
    let app = App::launch_with(&["--demo"], Some(json!({"recordHotkey": "Ctrl+Shift+F9"}))).await;
    app.wait_attr("[data-testid=call-card]", "data-state", "talking", PATIENCE).await;
    app.wait_attr("[data-testid=recording]", "data-state", "off", PATIENCE).await;
    // The hotkey registers just after start-up (retrying while an earlier instance still holds
    // it); the settings say when it is active.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        app.click("#open-settings").await;
        app.wait_attr("[data-testid=settings-recording-path]", "data-path", "odfs", PATIENCE).await;
        let ok = app.client.find(fantoccini::Locator::Css("[data-testid=settings-record-hotkey]")).await.unwrap().attr("data-ok").await.unwrap();
        app.click("#open-settings").await;
        if ok.as_deref() == Some("true") {
            break;
        }
        assert!(Instant::now() < deadline, "the recording hotkey never became active");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    app.wait_attr("[data-testid=call-card]", "data-state", "talking", PATIENCE).await;
    let status = tokio::process::Command::new("xdotool").args(["key", "ctrl+shift+F9"]).status().await.expect("xdotool on PATH");
    assert!(status.success());
    app.wait_attr("[data-testid=recording]", "data-state", "recording", PATIENCE).await;
    app.shot("recording-hotkey").await;
    // The demo deployment has its own call-data key: a note goes through as on a real gateway.
    app.fill("#note-text", "Asked for the March invoice to be re-sent by email").await;
    app.click("#note-attach").await;
    app.wait_attr("[data-testid=note]:nth-child(1)", "data-delivery", "confirmed", PATIENCE).await;
    app.shot("demo-recording-and-note").await;
    app.close().await;
}

/// Telphin Call Interactive in the real window. The app runs the server from its settings with a
/// "route back to me" rule; the agent talks with a caller through the gateway, then the same
/// caller (the PBX writes the number its own way, the name in Cyrillic) reaches the IVR: the
/// simulated PBX gets `SimpleTransfer` to the agent's number, and the window pops the caller with
/// the earlier call.
#[tokio::test]
async fn an_ivr_caller_is_popped_and_routed_back_to_the_agent() {
    let sim = Sim::start(&["296:pw-296"]).await;
    let port = e2e::free_port();
    let settings = json!({"callInteractive": {
        "enabled": true,
        "listen": format!("127.0.0.1:{port}"),
        "rules": [{"name": "Back to me", "when": {"spokeWithinDays": 7},
                   "actions": [{"action": "SimpleTransfer", "numbers": "{me}", "timeout": "20"}]}]
    }});
    let app = App::launch_with_settings(settings).await;
    sign_in(&app, &sim.gateway_url, "296", "pw-296", "40044").await;
    app.wait_attr("[data-testid=status-state]", "data-state", "ready", PATIENCE).await;
    sim.play_call(296, json!({"caller": "+7 495 222-33-44", "called": "40044", "ringMs": 500, "talkMs": 1500})).await;
    app.wait_attr("[data-testid=call-card]", "data-state", "ended", PATIENCE).await;

    // The address for the PBX, as the person configuring it reads it from Settings.
    app.click("#open-settings").await;
    app.wait_attr("[data-testid=ci-status]", "data-state", "listening", PATIENCE).await;
    app.click("[data-testid=ci-show-address]").await;
    let address = app.wait_prop_filled("[data-testid=ci-address]", "value", PATIENCE).await;
    assert!(address.starts_with(&format!("http://127.0.0.1:{port}/ci/")), "{address}");
    app.shot("ivr-settings").await;
    app.click("#close-settings").await;

    let answer = e2e::pbx(&address, &["--caller", "84952223344", "--name", "Мария Иванова", "--did", "74950001122"]).await;
    let transfer = answer["actions"].as_array().and_then(|a| a.first()).cloned().unwrap_or_default();
    assert_eq!(transfer["action"], "SimpleTransfer", "{answer}");
    assert_eq!(transfer["numbers"], json!(["40044"]), "{answer}");

    app.wait_attr("[data-testid=ivr-pop]", "data-caller", "84952223344", PATIENCE).await;
    assert_eq!(app.wait_text("[data-testid=ivr-caller-name]", PATIENCE).await, "Мария Иванова");
    app.wait_text_containing("[data-testid=ivr-answer]", "40044", PATIENCE).await;
    app.wait_text("[data-testid=ivr-past-call]", PATIENCE).await;
    app.shot("ivr-pop").await;

    // A stranger gets an empty answer: the IVR carries on as configured.
    let answer = e2e::pbx(&address, &["--caller", "+15550001111", "--post"]).await;
    assert_eq!(answer["actions"], json!([]), "{answer}");
    app.wait_attr("[data-testid=ivr-pop]", "data-caller", "+15550001111", PATIENCE).await;
    app.click("[data-testid=ivr-dismiss]").await;
    let gone = Instant::now();
    while app.client.find(fantoccini::Locator::Css("[data-testid=ivr-pop]")).await.is_ok() {
        assert!(gone.elapsed() < PATIENCE, "the dismissed pop stayed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    app.close().await;
}

/// A cloud PBX through the headless relay: the app is given the relay's address in Settings and its
/// key in the write-only field, connects, and the caller the relay answers (from its own rules)
/// pops up in the window marked as coming through the relay.
#[tokio::test]
async fn a_caller_answered_by_the_relay_pops_up_in_the_app() {
    let key = "relay-key-for-the-e2e-0123";
    let rules = json!([{"name": "Russian menu", "when": {"caller": {"prefix": "+7"}},
                        "actions": [{"action": "SetVar", "name": "lang", "value": "ru"}]}]);
    let relay = e2e::Relay::start("pbx-token-for-the-e2e-0123", key, rules).await;
    let app = App::launch_with_settings(json!({})).await;

    // Signed out: a relay's pops reach the window all the same.
    app.wait_prop_filled("#open-settings", "id", PATIENCE).await;
    app.click("#open-settings").await;
    app.wait_attr("[data-testid=ci-relay-status]", "data-state", "off", PATIENCE).await;
    app.fill("[data-testid=ci-relay-url]", &relay.pops_url).await;
    app.click("[data-testid=ci-save]").await;
    app.wait_attr("[data-testid=ci-save-state]", "data-state", "saved", PATIENCE).await;
    app.wait_attr("[data-testid=ci-relay-status]", "data-state", "noKey", PATIENCE).await;
    app.fill("#relay-key", key).await;
    app.click("#save-relay-key").await;
    app.wait_attr("[data-testid=settings-relay-key]", "data-saved", "true", PATIENCE).await;
    app.wait_attr("[data-testid=ci-relay-status]", "data-state", "connected", PATIENCE).await;
    let field = app.client.find(fantoccini::Locator::Css("#relay-key")).await.expect("the relay key field");
    assert_eq!(field.prop("value").await.unwrap().as_deref(), Some(""), "the key leaves the field once saved");
    app.client
        .execute("document.querySelector('[data-testid=ci-relay-status]').scrollIntoView({block: 'center'})", vec![])
        .await
        .expect("scroll to the relay's status");
    app.shot("relay-settings").await;
    app.click("#close-settings").await;

    let answer = e2e::pbx(&relay.pbx_url, &["--caller", "+74952223344", "--name", "Мария Иванова"]).await;
    assert_eq!(answer["actions"], json!([{"action": "SetVar", "name": "lang", "value": "ru"}]), "{answer}");
    app.wait_attr("[data-testid=ivr-pop]", "data-caller", "+74952223344", PATIENCE).await;
    assert_eq!(app.wait_text("[data-testid=ivr-caller-name]", PATIENCE).await, "Мария Иванова");
    app.wait_text_containing("[data-testid=ivr-route]", "via relay", PATIENCE).await;
    app.shot("relay-pop").await;
    app.close().await;
}

/// A supervisor sets up the CC-FS export in Settings (the SK goes to the keychain), asks for
/// yesterday and today, and the simulator calls back: the job ends ready and the table shows the
/// rows of the simulator's calls — the call the agent just had and the simulator's history. CC-FS
/// calling again with the same responseId changes nothing.
#[tokio::test]
async fn a_supervisor_exports_the_sims_calls_and_a_repeated_callback_changes_nothing() {
    let sim = Sim::start(&["298:pw-298"]).await;
    let app = App::launch_with_settings(json!({})).await;
    app.wait_prop_filled("#open-settings", "id", PATIENCE).await;
    app.click("#open-settings").await;
    app.wait_prop_filled("[data-testid=export-role]", "type", PATIENCE).await;
    app.client
        .execute("document.querySelector('[data-testid=export-role]').scrollIntoView({block: 'center'})", vec![])
        .await
        .expect("scroll to the role");
    app.click("[data-testid=export-role]").await;
    app.wait_attr("[data-testid=export-receiver]", "data-state", "off", PATIENCE).await;
    app.fill("[data-testid=export-ccfs-url]", &sim.ccfs_url).await;
    app.fill("[data-testid=export-ak]", "sim-ak").await;
    app.fill("[data-testid=export-zone]", "Europe/Moscow").await;
    app.fill("[data-testid=export-callback-listen]", "127.0.0.1:0").await;
    app.click("[data-testid=export-save]").await;
    app.wait_attr("[data-testid=export-save-state]", "data-state", "saved", PATIENCE).await;
    app.fill("#ccfs-sk", "sim-sk-0123456789").await;
    app.click("#save-ccfs-sk").await;
    app.wait_attr("[data-testid=export-receiver]", "data-state", "listening", PATIENCE).await;
    app.wait_prop("#ccfs-sk", "value", "", PATIENCE).await;
    app.client
        .execute("document.querySelector('[data-testid=export-receiver]').scrollIntoView({block: 'end'})", vec![])
        .await
        .expect("scroll to the receiver");
    app.shot("export-settings").await;
    app.click("#close-settings").await;

    // The agent side: one call through the gateway, which CC-FS bills once it ends.
    sign_in(&app, &sim.gateway_url, "298", "pw-298", "40045").await;
    app.wait_attr("[data-testid=status-state]", "data-state", "ready", PATIENCE).await;
    sim.play_call(298, json!({"caller": "+7 495 777-11-22", "called": "40045", "callId": "cdr-e2e-1", "ringMs": 300, "talkMs": 800})).await;
    app.wait_attr("[data-testid=call-card]", "data-state", "ended", PATIENCE).await;
    // And the simulator's history of the last twelve hours.
    sim.ccfs_post("seed", json!({"count": 24, "agent": 298, "hours": 12})).await;

    app.click("#open-export").await;
    app.click("[data-testid=export-request]").await;
    app.wait_attr("[data-testid=export-job]", "data-state", "ready", PATIENCE).await;
    app.wait_attr("[data-testid=export-total]", "data-total", "25", PATIENCE).await;
    app.fill("[data-testid=export-search]", "cdr-e2e-1").await;
    app.wait_attr("[data-testid=export-total]", "data-total", "1", PATIENCE).await;
    let row = app.wait_text("[data-testid=export-row]", PATIENCE).await;
    assert!(row.contains("+7 495 777-11-22") && row.contains("298"), "the agent's call, as CC-FS billed it: {row}");
    app.erase("[data-testid=export-search]").await;
    app.wait_attr("[data-testid=export-total]", "data-total", "25", PATIENCE).await;
    app.client
        .execute("document.querySelector('[data-testid=export-job]').scrollIntoView({block: 'start'})", vec![])
        .await
        .expect("scroll to the job");
    app.shot("export-page").await;

    // CC-FS calls again with the same responseId (as it does when it missed the answer).
    let queries = sim.ccfs_get("queries").await;
    assert_eq!(queries.as_array().map(Vec::len), Some(1), "{queries}");
    let id = queries[0]["responseId"].as_str().expect("a responseId").to_owned();
    let attempt: serde_json::Value = serde_json::from_str(&sim.ccfs_post(&format!("callbacks/{id}/resend"), json!({})).await).expect("JSON");
    assert_eq!(attempt["ok"], true, "the repeated callback is answered with a success: {attempt}");
    tokio::time::sleep(Duration::from_secs(1)).await;
    let jobs = app.client.find_all(fantoccini::Locator::Css("[data-testid=export-job]")).await.expect("jobs");
    assert_eq!(jobs.len(), 1, "no second job");
    app.wait_attr("[data-testid=export-job]", "data-state", "ready", PATIENCE).await;
    app.wait_attr("[data-testid=export-total]", "data-total", "25", PATIENCE).await;
    assert_eq!(sim.ccfs_get("queries").await.as_array().map(Vec::len), Some(1), "nothing asked again");

    let (log, files) = app.close_and_collect().await;
    let secret = b"sim-sk-0123456789";
    let leaked = log.contains("sim-sk-0123456789") || files.iter().any(|(_, b)| b.windows(secret.len()).any(|w| w == secret));
    assert!(!leaked, "the CC-FS SK reached the log or the disk");
}

/// A supervisor trying the demo exports from the demo's own CC-FS: the page requests yesterday
/// and today, and the table fills with the demo's history.
#[tokio::test]
async fn the_demo_lets_a_supervisor_try_the_export() {
    let app = App::launch_with(&["--demo"], Some(json!({"role": "supervisor"}))).await;
    app.wait_attr("[data-testid=call-card]", "data-state", "ringing", PATIENCE).await;
    app.click("#open-export").await;
    app.wait_text_containing("[data-testid=export-tenant-zone]", "Europe/Moscow", PATIENCE).await;
    app.click("[data-testid=export-request]").await;
    app.wait_attr("[data-testid=export-job]", "data-state", "ready", PATIENCE).await;
    app.wait_text("[data-testid=export-total]", PATIENCE).await;
    let shown = app.client.execute("return Number(document.querySelector('[data-testid=export-total]').dataset.total)", vec![]).await.expect("js");
    assert!(shown.as_u64().is_some_and(|n| n >= 150), "the demo's history is in the table: {shown}");
    app.client
        .execute("document.querySelector('[data-testid=export-job]').scrollIntoView({block: 'start'})", vec![])
        .await
        .expect("scroll to the job");
    app.shot("export-demo").await;
    app.click("#open-settings").await;
    app.wait_text("[data-testid=export-demo]", PATIENCE).await;
    app.wait_attr("[data-testid=export-receiver]", "data-state", "listening", PATIENCE).await;
    app.client
        .execute("document.querySelector('[data-testid=export-receiver]').scrollIntoView({block: 'end'})", vec![])
        .await
        .expect("scroll to the receiver");
    app.shot("export-settings-demo").await;
    app.close().await;
}

/// A supervisor takes a caller over from the IVR: the token saved in Settings, an offer from the
/// simulator with its parameters and countdown, take control, play, collect the digits the
/// simulated caller presses, transfer; the card ends with the reason, and the platform ran just
/// those components. The token reaches neither the log nor the disk.
#[tokio::test]
async fn a_supervisor_takes_an_ivr_caller_over_plays_collects_digits_and_transfers() {
    let sim = Sim::start_with(&[], &["--era-play-ms", "700"]).await;
    let app = App::launch_with_settings(json!({"role": "supervisor", "takeover": {"url": sim.era_url}})).await;
    app.wait_prop_filled("#open-settings", "id", PATIENCE).await;
    app.click("#open-settings").await;
    app.wait_attr("[data-testid=takeover-link]", "data-state", "off", PATIENCE).await;
    app.client
        .execute("document.querySelector('#era-token').scrollIntoView({block: 'center'})", vec![])
        .await
        .expect("scroll to the token");
    app.fill("#era-token", "sim-era-token-0123").await;
    app.click("#save-era-token").await;
    app.wait_attr("[data-testid=takeover-link]", "data-state", "connected", PATIENCE).await;
    app.wait_prop("#era-token", "value", "", PATIENCE).await;
    app.client
        .execute("document.querySelector('[data-testid=takeover-link]').scrollIntoView({block: 'end'})", vec![])
        .await
        .expect("scroll to the link");
    app.shot("takeover-settings").await;
    // Diagnostics for a support ticket say the token is saved, and never show it.
    app.client
        .execute("document.querySelector('[data-testid=copy-diagnostics]').scrollIntoView({block: 'center'})", vec![])
        .await
        .expect("scroll to diagnostics");
    app.click("[data-testid=copy-diagnostics]").await;
    let diagnostics = app.wait_prop_filled("[data-testid=diagnostics]", "value", PATIENCE).await;
    assert!(diagnostics.contains("Era token saved"), "{diagnostics}");
    assert!(!diagnostics.contains("sim-era-token-0123"), "the token is in the diagnostics: {diagnostics}");
    // The start-up wiring ran: the tray icon exists and the window options were applied.
    assert!(diagnostics.contains("tray icon: in place"), "{diagnostics}");
    assert!(diagnostics.contains("window: normal"), "{diagnostics}");
    app.click("#close-settings").await;

    let offered = sim.era_post("offers", json!({"key": "e2e-key", "params": "{\"menu\":\"billing\",\"caller\":\"+74951234567\"}", "state": "dialog"})).await;
    let ivrid = offered["ivrid"].as_str().expect("an ivrid").to_owned();
    app.wait_text("[data-testid=ivr-offer-banner]", PATIENCE).await;
    app.click("[data-testid=ivr-offer-open]").await;
    app.wait_attr("[data-testid=ivr-session]", "data-phase", "offered", PATIENCE).await;
    let params = app.wait_text_containing("[data-testid=ivr-params]", "billing", PATIENCE).await;
    assert!(params.contains("+74951234567"), "{params}");
    app.wait_text_containing("[data-testid=ivr-countdown] + .left", "s left", PATIENCE).await;
    app.shot("takeover-offer").await;

    app.click("[data-testid=ivr-take]").await;
    app.wait_attr("[data-testid=ivr-session]", "data-phase", "controlled", PATIENCE).await;
    app.click("[data-testid=ivr-run]").await;
    app.wait_attr("[data-testid=ivr-session]", "data-phase", "running", PATIENCE).await;
    app.wait_attr("[data-testid=ivr-last]", "data-o-type", "204", PATIENCE).await;
    app.wait_attr("[data-testid=ivr-session]", "data-phase", "controlled", PATIENCE).await;

    app.click("[data-testid=ivr-tab-collectDigits]").await;
    app.fill("[data-testid=ivr-digits-max]", "4").await;
    app.click("[data-testid=ivr-run]").await;
    app.wait_attr("[data-testid=ivr-session]", "data-phase", "running", PATIENCE).await;
    sim.era_post(&format!("sessions/{ivrid}/press"), json!({"digits": "42#"})).await;
    app.wait_attr("[data-testid=ivr-last]", "data-o-type", "206", PATIENCE).await;
    let last = app.wait_text_containing("[data-testid=ivr-last]", "42", PATIENCE).await;
    assert!(last.contains("dtmfBuffer"), "the digits, as the component collected them: {last}");
    let strip = app.wait_text_containing("[data-testid=ivr-dtmf]", "4", PATIENCE).await;
    assert!(strip.contains('2') && strip.contains('#'), "every key the caller pressed: {strip}");
    app.shot("takeover-controlled").await;

    app.click("[data-testid=ivr-tab-transfer]").await;
    app.fill("[data-testid=ivr-transfer-number]", "1002").await;
    app.click("[data-testid=ivr-run]").await;
    app.wait_attr("[data-testid=ivr-session]", "data-phase", "stopped", PATIENCE).await;
    let reason = app.wait_text("[data-testid=ivr-reason]", PATIENCE).await;
    assert!(reason.contains("script"), "{reason}");
    assert!(app.client.find(fantoccini::Locator::Css("[data-testid=ivr-run]")).await.is_err(), "no actions on an ended session");
    app.shot("takeover-ended").await;

    let sessions = sim.era_get("sessions").await;
    let session = sessions.as_array().and_then(|a| a.iter().find(|s| s["ivrid"] == ivrid.as_str())).expect("the session").clone();
    let ran: Vec<i64> = session["components"].as_array().expect("components").iter().filter_map(|c| c["oType"].as_i64()).collect();
    assert_eq!(ran, vec![204, 206, 203], "what the platform ran: {session}");
    assert_eq!(session["phase"], "stopped");

    let (log, files) = app.close_and_collect().await;
    let token = b"sim-era-token-0123";
    let leaked = log.contains("sim-era-token-0123") || files.iter().any(|(_, b)| b.windows(token.len()).any(|w| w == token));
    assert!(!leaked, "the Era token reached the log or the disk");
}

/// A second launch does not open a second window: it hands over to the running app, which
/// comes forward, and exits.
#[tokio::test]
async fn a_second_launch_focuses_the_running_app_and_exits() {
    let app = App::launch_with_env(&["--demo"], &[("SIDEKICK_MULTI_INSTANCE", "")]).await;
    app.wait_attr("[data-testid=call-card]", "data-state", "ringing", PATIENCE).await;
    let started = Instant::now();
    let second = tokio::process::Command::new(e2e::app_bin())
        .arg("--demo")
        .envs(app.env())
        .env_remove("SIDEKICK_MULTI_INSTANCE")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .status();
    let status = tokio::time::timeout(Duration::from_secs(10), second).await.expect("the second launch exits by itself").expect("it ran");
    println!("second launch: exited {status} after {} ms", started.elapsed().as_millis());
    assert!(status.success(), "{status}");
    // The first one is still there and working.
    app.wait_text("[data-testid=demo-badge]", PATIENCE).await;
    app.close().await;
}

/// A hotkey another application holds is reported in Settings, on the action it belongs to: a
/// second Sidekick (two agents' desks on one machine) cannot take the first one's combination.
#[tokio::test]
async fn a_hotkey_another_application_holds_is_reported() {
    let settings = json!({"recordHotkey": "Ctrl+Shift+F10", "hotkeys": {"answer": "Ctrl+Shift+F11"}});
    let first = App::launch_with(&[], Some(settings.clone())).await;
    first.wait_prop_filled("#open-settings", "id", PATIENCE).await;
    first.click("#open-settings").await;
    first.wait_attr("[data-testid=hotkey-record]", "data-ok", "true", Duration::from_secs(20)).await;
    first.wait_attr("[data-testid=hotkey-answer]", "data-ok", "true", PATIENCE).await;
    first.client
        .execute("document.querySelector('[data-testid=settings-desktop]').scrollIntoView({block: 'start'})", vec![])
        .await
        .expect("scroll to the desktop settings");
    first.shot("settings-desktop").await;

    let second = App::launch_with(&[], Some(settings)).await;
    second.wait_prop_filled("#open-settings", "id", PATIENCE).await;
    second.click("#open-settings").await;
    // The second one retries for ten seconds (an earlier instance may be quitting), then says so;
    // Settings reads the hotkeys again each time it opens.
    let deadline = Instant::now() + Duration::from_secs(30);
    let problem = loop {
        second.wait_attr("[data-testid=hotkey-record]", "data-ok", "false", PATIENCE).await;
        let text = second.wait_text("[data-testid=hotkey-record] [data-testid=hotkey-problem]", PATIENCE).await;
        if text.contains("could not be registered") {
            break text;
        }
        assert!(text.contains("trying again"), "{text}");
        assert!(Instant::now() < deadline, "still retrying after 30 s: {text}");
        tokio::time::sleep(Duration::from_secs(1)).await;
        second.click("#close-settings").await;
        second.click("#open-settings").await;
    };
    assert!(problem.contains("Ctrl+Shift+F10"), "{problem}");
    // The X server refused the grab (BadAccess), not something else going wrong.
    assert!(problem.contains("another application holds it"), "{problem}");
    let answer = second.wait_text("[data-testid=hotkey-answer] [data-testid=hotkey-problem]", PATIENCE).await;
    assert!(answer.contains("Ctrl+Shift+F11"), "{answer}");
    second
        .client
        .execute("document.querySelector('[data-testid=hotkey-settings]').scrollIntoView({block: 'start'})", vec![])
        .await
        .expect("scroll to the hotkeys");
    second.shot("settings-hotkey-held").await;
    second.close().await;
    first.close().await;
}

/// A click on an incoming call's notification (dunst's default action, as a mouse click runs it)
/// closes the panel the agent had open and puts the cursor in the call's notes.
#[tokio::test]
async fn clicking_the_call_notification_brings_the_call_card_forward() {
    let notifications = Notifications::start().await;
    let sim = Sim::start(&["298:pw-298"]).await;
    let app = App::launch(&[]).await;
    sign_in(&app, &sim.gateway_url, "298", "pw-298", "40045").await;
    app.wait_attr("[data-testid=status-state]", "data-state", "ready", PATIENCE).await;
    // Settings open (the call-data key saved there, so the call has a notes editor) when the call comes.
    app.click("#open-settings").await;
    app.fill("#call-data-key", "5e1dc0ffee00112233445566778899aa").await;
    app.click("#save-call-data-key").await;
    app.wait_attr("[data-testid=settings-call-data-key]", "data-saved", "true", PATIENCE).await;

    sim.play_call(298, json!({"caller": "+7 495 333-44-55", "called": "40045", "callId": "notify-e2e", "ringMs": 300, "talkMs": 600000})).await;
    let deadline = Instant::now() + PATIENCE;
    while notifications.displayed().await == 0 {
        assert!(Instant::now() < deadline, "no notification for the ringing call");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(app.client.find(fantoccini::Locator::Css("#close-settings")).await.is_ok(), "settings stay open until the click");
    notifications.click_newest().await;
    let deadline = Instant::now() + PATIENCE;
    while app.client.find(fantoccini::Locator::Css("#close-settings")).await.is_ok() {
        if Instant::now() > deadline {
            let (log, _) = app.close_and_collect().await;
            let clicks: Vec<_> = log.lines().filter(|l| l.contains("notification")).collect();
            panic!("the settings panel stayed open after the click; the app's log: {clicks:#?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.wait_attr("[data-testid=call-card]", "data-call-id", "notify-e2e", PATIENCE).await;
    let deadline = Instant::now() + PATIENCE;
    loop {
        let focused = app.client.execute("return document.activeElement && document.activeElement.id", vec![]).await.expect("script");
        if focused == json!("note-text") {
            break;
        }
        assert!(Instant::now() < deadline, "the notes editor did not get the cursor: {focused}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(app.client.find(fantoccini::Locator::Css("#close-settings")).await.is_err(), "the settings panel was closed");
    app.shot("notification-clicked").await;
}
