//! When the app may look for and install an update: never when the policy turns updates off,
//! only with an update address, and never while a call is on the card.

use std::sync::Arc;
use std::time::Duration;

use sidekick_desk::clock::SystemClock;
use sidekick_desk::policy;
use sidekick_desk::secrets::MemorySecrets;
use sidekick_desk::update::UpdateView;
use sidekick_desk::{CallState, Desk};
use sidekick_sim::gateway::CallScript;

fn desk_in(dir: &std::path::Path, settings: serde_json::Value) -> Desk {
    std::fs::write(dir.join("settings.json"), serde_json::to_vec(&settings).unwrap()).unwrap();
    Desk::with_data_dir(Some(dir), Some(dir), Arc::new(SystemClock), Arc::new(MemorySecrets::default()))
}

#[tokio::test]
async fn the_policy_wins_then_its_address_then_the_settings() {
    let dir = tempfile::tempdir().unwrap();
    let desk = desk_in(dir.path(), serde_json::json!({}));
    assert_eq!(desk.update_endpoint(), Err(UpdateView::NotConfigured));
    let desk = desk_in(dir.path(), serde_json::json!({"updateEndpoint": "http://plain.example.com/latest.json"}));
    assert_eq!(desk.update_endpoint(), Err(UpdateView::NotConfigured), "only https");
    let desk = desk_in(dir.path(), serde_json::json!({"updateEndpoint": "https://mine.example.com/latest.json"}));
    assert_eq!(desk.update_endpoint().as_deref(), Ok("https://mine.example.com/latest.json"));

    let p = tempfile::tempdir().unwrap();
    let path = p.path().join(policy::FILE_NAME);
    std::fs::write(&path, r#"{"updateEndpoint": "https://updates.example.com/sidekick/latest.json"}"#).unwrap();
    desk.set_policy(policy::load(&path));
    assert_eq!(desk.update_endpoint().as_deref(), Ok("https://updates.example.com/sidekick/latest.json"));
    std::fs::write(&path, r#"{"updateEndpoint": "https://updates.example.com/sidekick/latest.json", "updatesDisabled": true}"#).unwrap();
    desk.set_policy(policy::load(&path));
    assert_eq!(desk.update_endpoint(), Err(UpdateView::DisabledByPolicy));
    desk.set_update(UpdateView::Available { version: "0.2.0".into(), notes: None });
    let refused = desk.may_install_update().unwrap_err();
    assert!(refused.to_string().contains("policy"), "{refused}");
}

#[tokio::test]
async fn an_update_waits_for_the_call_to_end() {
    let sim = super::sim().await;
    let dir = tempfile::tempdir().unwrap();
    let desk = desk_in(dir.path(), serde_json::json!({"updateEndpoint": "https://updates.example.com/latest.json"}));
    assert!(desk.may_install_update().unwrap_err().to_string().contains("no update"));
    desk.set_update(UpdateView::Available { version: "0.2.0".into(), notes: Some("Faster".into()) });
    assert_eq!(desk.settings().update, UpdateView::Available { version: "0.2.0".into(), notes: Some("Faster".into()) });
    desk.sign_in(super::form(&sim.gateway_url, "291", "pw")).await.unwrap();
    sim.gateway.play_inbound_call(291, CallScript { caller: "+74951234567".into(), called: "40038".into(), call_id: None, ring_ms: 300, talk_ms: 600, auto_answer: true });
    super::until(&desk, "the call", |s| super::call_state(s) == Some(CallState::Talking)).await;
    let refused = desk.may_install_update().unwrap_err();
    assert!(refused.to_string().contains("between calls"), "{refused}");
    super::until(&desk, "the call's end", |s| super::call_state(s) == Some(CallState::Ended)).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    desk.may_install_update().expect("between calls it may");
}
