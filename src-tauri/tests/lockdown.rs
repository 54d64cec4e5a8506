//! The webview lock-down, read from the files that define it: a change that loosens the CSP, the
//! capability or the release build's devtools fails here, with the reason.
//!
//! What the webview may do is the union of three things, all checked below:
//! - the CSP in `tauri.conf.json` (scripts only from the app itself, no `eval`, no remote
//!   connections but Tauri's IPC),
//! - the one capability (Sidekick's own commands, listening to events, nothing else; local pages
//!   only), and
//! - the application manifest in `build.rs`, which makes every command refused unless allowed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn config() -> Value {
    let text = std::fs::read_to_string(root().join("tauri.conf.json")).expect("read tauri.conf.json");
    serde_json::from_str(&text).expect("tauri.conf.json is JSON")
}

/// The registered commands, from the `generate_handler!` list (as `build.rs` reads it).
fn handler_commands() -> Vec<String> {
    let source = std::fs::read_to_string(root().join("src-tauri/src/commands/mod.rs")).expect("read commands/mod.rs");
    let start = source.find("generate_handler![").expect("generate_handler! in commands/mod.rs") + "generate_handler![".len();
    let list = &source[start..start + source[start..].find(']').expect("end of the list")];
    list.split(',').map(str::trim).filter(|s| !s.is_empty()).map(|s| s.rsplit("::").next().unwrap().trim().to_owned()).collect()
}

/// The CSP as directive → sources.
fn csp() -> BTreeMap<String, Vec<String>> {
    let config = config();
    let csp = config["app"]["security"]["csp"].as_str().expect("a CSP string in app.security.csp (null would turn it off)");
    csp.split(';')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| {
            let mut words = d.split_whitespace().map(str::to_owned);
            let name = words.next().unwrap();
            (name, words.collect())
        })
        .collect()
}

#[test]
fn the_csp_allows_only_the_apps_own_scripts_and_no_eval() {
    let csp = csp();
    assert_eq!(csp.get("default-src").map(Vec::as_slice), Some(&["'self'".to_owned()][..]), "default-src must be 'self' alone");
    assert_eq!(csp.get("script-src").map(Vec::as_slice), Some(&["'self'".to_owned()][..]), "script-src must be 'self' alone: no remote scripts, no inline, no eval");
    // Every source of every directive, against what that directive may name.
    for (directive, sources) in &csp {
        for s in sources {
            let allowed = match (directive.as_str(), s.as_str()) {
                (_, "'self'" | "'none'") => true,
                ("style-src", "'unsafe-inline'") => true, // style attributes; never for scripts
                ("img-src", "data:") => true,
                ("connect-src", "ipc:" | "http://ipc.localhost") => true,
                _ => false,
            };
            assert!(allowed, "the CSP's {directive} allows {s}: only the app itself, and Tauri's IPC for connections");
        }
    }
    assert_eq!(csp.get("connect-src").map(Vec::as_slice), Some(&["ipc:".to_owned(), "http://ipc.localhost".to_owned()][..]), "the page talks to nothing but Tauri's IPC");
    assert_eq!(csp.get("object-src").map(Vec::as_slice), Some(&["'none'".to_owned()][..]), "no plugins/objects");
    assert_eq!(csp.get("base-uri").map(Vec::as_slice), Some(&["'none'".to_owned()][..]), "no <base> rewriting");
    let security = &config()["app"]["security"];
    assert!(security.get("dangerousDisableAssetCspModification").is_none_or(|v| v == &Value::Bool(false)), "Tauri must keep adding its nonces to the CSP");
    assert!(security.get("devCsp").is_none(), "a looser development CSP is not allowed");
    assert!(security.get("pattern").is_none_or(|p| p["use"] == "brownfield"), "the IPC pattern changed: update this test and RELIABILITY.md together");
}

#[test]
fn the_one_capability_allows_sidekicks_commands_and_event_listening_only() {
    let config = config();
    let caps = config["app"]["security"]["capabilities"].as_array().expect("capabilities inline in tauri.conf.json");
    assert_eq!(caps.len(), 1, "one capability, for the main window");
    let cap = &caps[0];
    assert_eq!(cap["windows"], serde_json::json!(["main"]), "the capability is for the main window only");
    assert!(cap.get("webviews").is_none(), "no other webviews");
    assert!(cap.get("remote").is_none(), "no remote URL gets IPC access");
    assert_ne!(cap.get("local"), Some(&Value::Bool(false)), "the capability is for the app's own pages");
    let granted: BTreeSet<String> = cap["permissions"]
        .as_array()
        .expect("a permission list")
        .iter()
        .map(|p| p.as_str().expect("plain permission identifiers, no scopes").to_owned())
        .collect();
    let mut expected: BTreeSet<String> = handler_commands().iter().map(|c| format!("allow-{}", c.replace('_', "-"))).collect();
    expected.insert("core:event:allow-listen".into());
    expected.insert("core:event:allow-unlisten".into());
    let extra: Vec<_> = granted.difference(&expected).collect();
    let missing: Vec<_> = expected.difference(&granted).collect();
    assert!(extra.is_empty(), "the capability grants more than Sidekick's commands and event listening: {extra:?}");
    assert!(missing.is_empty(), "registered commands the webview may not call (add them to the capability): {missing:?}");
    assert!(!caps.iter().any(|c| c.to_string().contains("core:default") || c.to_string().contains(":default\"")), "no default permission sets");
    assert!(!std::fs::exists(root().join("src-tauri/capabilities")).unwrap_or(false), "capabilities live in tauri.conf.json only");
}

#[test]
fn every_command_is_refused_unless_allowed_because_build_rs_lists_them() {
    let build = std::fs::read_to_string(root().join("src-tauri/build.rs")).expect("read build.rs");
    assert!(build.contains("app_manifest(") && build.contains(".commands("), "without an application manifest Tauri allows every command to every webview");
    assert!(handler_commands().len() >= 50, "the handler list was not read: {:?}", handler_commands());
}

#[test]
fn release_builds_have_no_devtools_and_no_global_tauri_object() {
    let manifest = std::fs::read_to_string(root().join("src-tauri/Cargo.toml")).expect("read Cargo.toml");
    for line in manifest.lines().filter(|l| l.trim_start().starts_with("tauri =")) {
        assert!(!line.contains("devtools"), "the devtools feature turns the inspector on in release: {line}");
    }
    let config = config();
    assert_ne!(config["app"].get("withGlobalTauri"), Some(&Value::Bool(true)), "window.__TAURI__ would hand every script the whole API");
    for window in config["app"]["windows"].as_array().unwrap() {
        assert_ne!(window.get("devtools"), Some(&Value::Bool(true)), "a window with devtools");
        assert!(window.get("url").is_none_or(|u| !u.as_str().unwrap_or("").contains("://")), "a window showing a remote page");
    }
    assert_eq!(config["app"]["security"]["freezePrototype"], Value::Bool(true), "Object.prototype is frozen against prototype pollution");
}
