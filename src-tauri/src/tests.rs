//! Shell tests on Tauri's mock runtime: no display needed.

use std::path::PathBuf;

use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody, InvokeResponseBody};
use tauri::test::{get_ipc_response, mock_builder, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{Manager, WebviewWindowBuilder};

use crate::{bindings, run_app, Options};

fn generated_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/backend/generated.ts")
}

#[test]
fn bindings_are_current() {
    let fresh = bindings::typescript();
    let path = generated_path();
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == fresh,
        "ui/src/lib/backend/generated.ts differs from the Rust types; run \
         `UPDATE_BINDINGS=1 cargo test -p sidekick bindings_are_current` and commit the result"
    );
}

/// One app at a time: each points the process-wide XDG variables at its own directories, and the
/// command sweep calls the `forget_*` commands on the shared OS keychain.
static ONE_APP: std::sync::Mutex<()> = std::sync::Mutex::new(());

struct App {
    _app: tauri::App<tauri::test::MockRuntime>,
    webview: tauri::WebviewWindow<tauri::test::MockRuntime>,
    _dir: tempfile::TempDir,
    /// Last, so it is released after the app is gone.
    _one: std::sync::MutexGuard<'static, ()>,
}

fn app() -> App {
    let one = ONE_APP.lock().unwrap_or_else(|p| p.into_inner());
    let dir = tempfile::tempdir().unwrap();
    std::env::set_var("XDG_CONFIG_HOME", dir.path());
    std::env::set_var("XDG_DATA_HOME", dir.path());
    let mut app = run_app(mock_builder(), Options::default()).build(tauri::generate_context!(test = true)).unwrap();
    // `setup` (which manages the desk) runs when the event loop starts.
    #[allow(deprecated)]
    app.run_iteration(|_, _| {});
    // The window of tauri.conf.json exists once the loop started.
    let webview = match app.get_webview_window("main") {
        Some(w) => w,
        None => WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap(),
    };
    App { _one: one, _app: app, webview, _dir: dir }
}

fn invoke(app: &App, cmd: &str, body: Value) -> Result<Value, Value> {
    let req = InvokeRequest {
        cmd: cmd.into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        // On Linux the app's own origin is tauri://localhost; anything else counts as remote.
        url: "tauri://localhost".parse().unwrap(),
        body: InvokeBody::Json(body),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    };
    get_ipc_response(&app.webview, req).map(|r| match r {
        InvokeResponseBody::Json(s) => serde_json::from_str(&s).unwrap(),
        InvokeResponseBody::Raw(b) => serde_json::from_slice(&b).unwrap(),
    })
}

#[test]
fn every_listed_command_is_registered() {
    let app = app();
    for c in bindings::commands() {
        // Call with empty args: a registered command answers (ok, or an argument error); an
        // unregistered one is refused by name.
        let r = invoke(&app, c.name, json!({}));
        if let Err(e) = &r {
            let text = e.to_string();
            assert!(
                !text.contains("not found") && !text.contains("not managed"),
                "command {} listed in bindings but not callable: {text}",
                c.name
            );
        }
    }
    assert!(invoke(&app, "no_such_command", json!({})).is_err());
}

#[test]
fn bad_sign_in_is_an_ipc_error_with_code_and_message() {
    let app = app();
    let snap = invoke(&app, "get_snapshot", json!({})).unwrap();
    assert_eq!(snap["session"]["phase"], "signedOut");
    let form = json!({"form": {"gatewayUrl": "https://cc.example.com:8043", "agentId": "42", "password": "x", "phoneNumber": "1"}});
    let err = invoke(&app, "sign_in", form).unwrap_err();
    assert_eq!(err["code"], "invalidInput", "{err}");
    assert!(err["message"].as_str().unwrap().contains("101 to 999999"), "the message names the valid range: {err}");
    let form = json!({"form": {"gatewayUrl": "https://cc.example.com:8043", "agentId": "291", "password": "", "phoneNumber": "1"}});
    let err = invoke(&app, "sign_in", form).unwrap_err();
    assert_eq!(err, json!({"code": "invalidInput", "message": "Enter your agent password"}));
}

#[test]
fn sign_in_against_the_simulator_through_ipc() {
    let app = app();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = rt.block_on(sidekick_sim::spawn(sidekick_sim::Scenario { agents: vec![(291, "pw".into())], ..Default::default() })).unwrap();
    let form = json!({"form": {"gatewayUrl": sim.gateway_url, "agentId": "291", "password": "pw", "phoneNumber": "40038"}});
    let snap = invoke(&app, "sign_in", form).unwrap();
    assert_eq!(snap["session"]["phase"], "signedIn");
    assert_eq!(snap["session"]["agentId"], 291);
    let text = snap.to_string();
    assert!(!text.contains("pw\"") && !text.to_lowercase().contains("guid"), "no secret crosses IPC: {text}");
    // The sign-in details (not the password) are remembered for next time.
    let settings = invoke(&app, "get_settings", json!({})).unwrap();
    assert_eq!(settings["agentId"], 291);
    assert!(!settings.to_string().contains("\"pw\""));
    let _ = app._app.state::<sidekick_desk::Desk>();
    drop(rt);
}

/// A session with fast Guid rotation and a call, seen from the webview's side: neither the
/// password nor any Guid the gateway issued appears in any command answer or event payload.
#[test]
fn no_secret_crosses_ipc() {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;
    use tauri::Listener;

    const PASSWORD: &str = "Pa55-w0rd-for-ipc";
    const ODFS_SECRET: &str = "odfs-secret";
    const CALL_DATA_KEY: &str = "00112233445566778899aabbccddeeff";
    let app = app();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let rules = sidekick_sim::gateway::GatewayRules {
        poll_wait: Duration::from_millis(50),
        auth_mode: sidekick_sim::gateway::AuthMode::Dynamic {
            interval: Duration::from_millis(50),
            lifetime: Duration::from_millis(400),
        },
        ..Default::default()
    };
    let sim = rt
        .block_on(sidekick_sim::spawn(sidekick_sim::Scenario { agents: vec![(291, PASSWORD.into())], gateway: rules, ..Default::default() }))
        .unwrap();
    let payloads = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = payloads.clone();
    app._app.handle().listen_any(crate::events::SNAPSHOT, move |e| sink.lock().unwrap().push(e.payload().to_owned()));
    let answer = |cmd: &str, body: Value| {
        let r = invoke(&app, cmd, body);
        payloads.lock().unwrap().push(format!("{r:?}"));
        r
    };
    // Recording through the simulator's ODFS, with the secret and the call-data key entered
    // through IPC (they go in, and must never come back out).
    // The directory this app's desk reads (other tests change XDG_CONFIG_HOME meanwhile).
    let config = app._app.path().app_config_dir().unwrap();
    std::fs::create_dir_all(&config).unwrap();
    let settings = json!({
        "recordingPath": "odfs", "odfsUrl": sim.odfs_url, "odfsAppKey": "tenant-1", "odfsFlowAccessCode": "10086",
        "callInteractive": {"enabled": true, "listen": "127.0.0.1:0",
            "rules": [{"name": "Back to me", "when": {"spokeWithinDays": 7}, "actions": [{"action": "SimpleTransfer", "numbers": "{me}"}]}]}
    });
    std::fs::write(config.join("settings.json"), settings.to_string()).unwrap();
    // Without a keychain (a developer's machine) these fail; the test command provides one.
    let keychain = answer("set_odfs_secret", json!({"secret": ODFS_SECRET})).is_ok();
    let _ = answer("set_call_data_key", json!({"key": CALL_DATA_KEY}));
    let form = json!({"form": {"gatewayUrl": sim.gateway_url, "agentId": "291", "password": PASSWORD, "phoneNumber": "40038"}});
    answer("sign_in", form).unwrap();
    let script = sidekick_sim::gateway::CallScript {
        caller: "13500000001".into(),
        called: "40038".into(),
        call_id: None,
        ring_ms: 300,
        talk_ms: 1200,
        auto_answer: true,
    };
    rt.block_on(async { sim.gateway.play_inbound_call(291, script) });
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while invoke(&app, "get_snapshot", json!({})).unwrap()["call"]["state"] != "talking" {
        assert!(std::time::Instant::now() < deadline, "the call never connected");
        std::thread::sleep(Duration::from_millis(20));
    }
    let recorded = answer("start_recording", json!({}));
    if keychain {
        assert_eq!(recorded.unwrap()["recording"]["state"], "recording", "recording went through, so the scan covers it");
    }
    std::thread::sleep(Duration::from_millis(900));
    answer("get_snapshot", json!({})).unwrap();
    answer("get_settings", json!({})).unwrap();
    // Call Interactive: the server starts with a token from the keychain; only the address
    // command (not scanned: it exists to show the token to the person configuring the PBX) may
    // return it.
    let desk = app._app.state::<sidekick_desk::Desk>().inner().clone();
    rt.block_on(desk.apply_call_interactive(false));
    let rules = json!([{"name": "Back to me", "when": {"spokeWithinDays": 7}, "actions": [{"action": "SimpleTransfer", "numbers": "{me}"}]}]);
    answer("preview_call_interactive", json!({"rules": rules, "sample": {"caller": "13500000001"}})).unwrap();
    answer("get_settings", json!({})).unwrap();
    let ci_token = keychain.then(|| {
        sidekick_desk::secrets::SecretStore::get(
            &sidekick_desk::secrets::OsKeychain::new(&app._app.config().identifier),
            sidekick_desk::interactive::TOKEN_ACCOUNT,
        )
        .unwrap()
        .expect("the server saved its token")
    });
    if keychain {
        let address = invoke(&app, "call_interactive_address", json!({})).unwrap();
        assert!(address.as_str().unwrap().ends_with(ci_token.as_deref().unwrap()), "the token is the one in the keychain");
    }
    answer("sign_out", json!({})).unwrap();

    let guids = sim.gateway.issued_guids(291);
    let seen = payloads.lock().unwrap().clone();
    assert!(guids.len() >= 5, "the Guid rotated during the session: {} issued", guids.len());
    assert!(seen.iter().any(|p| p.contains("\"ended\"")), "the call's events reached the UI, so the scan covers them");
    let tokens = sim.odfs.issued_tokens();
    let mut secrets: Vec<&str> = vec![PASSWORD, ODFS_SECRET, CALL_DATA_KEY];
    secrets.extend(guids.iter().map(String::as_str));
    secrets.extend(tokens.iter().map(String::as_str));
    secrets.extend(ci_token.as_deref());
    let hits: Vec<&String> = seen.iter().filter(|p| secrets.iter().any(|s| p.contains(s))).collect();
    println!("IPC scan: {} payloads, {} secrets ({} ODFS tokens), {} hits", seen.len(), secrets.len(), tokens.len(), hits.len());
    assert!(hits.is_empty(), "secrets crossed IPC: {hits:?}");
}
