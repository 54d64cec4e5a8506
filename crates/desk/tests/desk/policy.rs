//! The administrator's policy through the desk: locked values win, a save that changes one is
//! refused with nothing written, other changes go through, and the problems show in Settings.

use std::sync::Arc;

use sidekick_desk::clock::SystemClock;
use sidekick_desk::export::{ExportSettings, Role};
use sidekick_desk::policy;
use sidekick_desk::secrets::MemorySecrets;
use sidekick_desk::takeover::TakeoverSettings;
use sidekick_desk::{Desk, ErrorCode, Language};

const ERA: &str = "wss://era.example.com/ws/token/v1";
const CCFS: &str = "https://ccfs.example.com:28443/";

fn settings_file(dir: &std::path::Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("settings.json")).unwrap()).unwrap()
}

/// A desk whose user saved their own Era address and was a supervisor, then got a policy.
async fn managed_desk() -> (Desk, tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let desk = Desk::with_data_dir(Some(dir.path()), Some(dir.path()), Arc::new(SystemClock), Arc::new(MemorySecrets::default()));
    desk.set_role(Role::Supervisor).await.unwrap();
    desk.save_takeover_settings(TakeoverSettings { url: Some("wss://mine.example.com/ws".into()), ..Default::default() }).await.unwrap();
    let policy_dir = tempfile::tempdir().unwrap();
    let path = policy_dir.path().join(policy::FILE_NAME);
    std::fs::write(
        &path,
        format!(
            r#"{{
                "gatewayUrl": "https://cc.example.com:8043",
                "eraUrl": "{ERA}",
                "ccfsUrl": "{CCFS}",
                "allowedRoles": ["agent"],
                "odfsFlowAccessCode": "123456789012345678901234",
                "colour": "blue"
            }}"#
        ),
    )
    .unwrap();
    desk.set_policy(policy::load(&path));
    // The policy directory may go: the policy was read.
    drop(policy_dir);
    (desk, dir, path)
}

#[tokio::test]
async fn settings_show_the_locked_values_and_the_problems() {
    let (desk, _dir, path) = managed_desk().await;
    let view = desk.settings();
    assert_eq!(view.takeover.settings.url.as_deref(), Some(ERA), "the policy's address, not the user's");
    assert_eq!(view.export.settings.ccfs_url.as_deref(), Some(CCFS));
    assert_eq!(view.gateway_url.as_deref(), Some("https://cc.example.com:8043"));
    assert_eq!(view.role, Role::Agent, "a supervisor is not allowed: the first allowed role");
    assert!(!view.takeover.allowed, "an agent may not take callers over");
    assert!(view.policy.found);
    assert_eq!(view.policy.path, path.display().to_string());
    assert_eq!(view.policy.locked, vec!["gatewayUrl", "ccfsUrl", "eraUrl", "allowedRoles"]);
    assert!(!view.policy.updates_disabled);
    assert_eq!(
        view.policy.problems,
        vec![
            "policy.json: unknown field \"colour\" — ignored".to_owned(),
            "policy.json: \"odfsFlowAccessCode\" is 24 characters; at most 20 — ignored".to_owned(),
        ]
    );
    assert_eq!(view.recording_path, None, "an ignored field sets nothing");
}

#[tokio::test]
async fn a_different_locked_value_is_refused_and_nothing_is_saved() {
    let (desk, dir, path) = managed_desk().await;
    let before = std::fs::read(dir.path().join("settings.json")).unwrap();

    let e = desk
        .save_takeover_settings(TakeoverSettings { url: Some("wss://other.example.com/ws".into()), token_in_path: true, ..Default::default() })
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput);
    assert_eq!(
        e.to_string(),
        format!("The IVR platform's address is set by your administrator's policy ({}) and cannot be changed here", path.display())
    );
    let e = desk.set_role(Role::Supervisor).await.unwrap_err();
    assert_eq!(e.to_string(), format!("The role is set by your administrator's policy ({}) and cannot be changed here", path.display()));
    let e = desk
        .save_export_settings(ExportSettings { ccfs_url: Some("https://elsewhere.example.com/".into()), ..Default::default() })
        .await
        .unwrap_err();
    assert!(e.to_string().starts_with("The CC-FS address is set by your administrator's policy"), "{e}");
    assert_eq!(std::fs::read(dir.path().join("settings.json")).unwrap(), before, "nothing was written");
    assert!(!desk.settings().takeover.settings.token_in_path);

    let form = sidekick_desk::SignInForm {
        gateway_url: "https://evil.example.com:8043".into(),
        agent_id: "291".into(),
        password: "pw".into(),
        phone_number: "40038".into(),
        remember: false,
        force: false,
    };
    let e = desk.sign_in(form).await.unwrap_err();
    assert!(e.to_string().starts_with("The gateway address is set by your administrator's policy"), "{e}");
    assert_eq!(desk.snapshot().session.phase, sidekick_desk::SessionPhase::SignedOut);
}

#[tokio::test]
async fn unlocked_changes_and_the_same_locked_value_are_saved() {
    let (desk, dir, _path) = managed_desk().await;
    let view = desk
        .save_takeover_settings(TakeoverSettings { url: Some(ERA.into()), token_in_path: true, ..Default::default() })
        .await
        .unwrap();
    assert!(view.takeover.settings.token_in_path, "the unlocked change is saved");
    assert_eq!(view.takeover.settings.url.as_deref(), Some(ERA));
    let view = desk
        .save_export_settings(ExportSettings { ccfs_url: Some(CCFS.into()), ak: Some("dev-ak".into()), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(view.export.settings.ak.as_deref(), Some("dev-ak"));
    desk.set_role(Role::Agent).await.unwrap();
    assert_eq!(desk.set_language(Language::Ru).unwrap().language, Language::Ru);

    // The file keeps the user's own value of a locked setting: it is theirs again if the policy goes.
    let file = settings_file(dir.path());
    assert_eq!(file["takeover"]["url"], "wss://mine.example.com/ws");
    assert_eq!(file["takeover"]["tokenInPath"], true);
    assert_eq!(file["export"]["ccfsUrl"], serde_json::Value::Null);
    assert_eq!(file["export"]["ak"], "dev-ak");
    assert_eq!(file["role"], "agent");
}

#[tokio::test]
async fn without_a_policy_file_nothing_is_locked() {
    let dir = tempfile::tempdir().unwrap();
    let desk = Desk::with_data_dir(Some(dir.path()), None, Arc::new(SystemClock), Arc::new(MemorySecrets::default()));
    let view = desk.settings();
    assert!(!view.policy.found);
    assert_eq!(view.policy.path, policy::system_path().display().to_string());
    desk.set_policy(policy::load(&dir.path().join("no-policy.json")));
    let view = desk.set_role(Role::Supervisor).await.unwrap();
    assert_eq!(view.role, Role::Supervisor);
    assert!(view.policy.locked.is_empty() && view.policy.problems.is_empty() && !view.policy.found);
}
