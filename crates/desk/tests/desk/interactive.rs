//! Call Interactive in the desk: the server started from settings, the rules answering over HTTP
//! with the desk's history and the agent's number, the screen pop in the snapshot.

use std::sync::Arc;

use sidekick_desk::clock::SystemClock;
use sidekick_desk::interactive::{InteractiveSettings, RelayConnection, ServerStatus};
use sidekick_desk::secrets::MemorySecrets;
use sidekick_desk::*;
use sidekick_sim::gateway::CallScript;

use super::{call_state, form, sim, until};

fn back_to_me() -> InteractiveSettings {
    InteractiveSettings {
        enabled: true,
        listen: Some("127.0.0.1:0".into()),
        rules: serde_json::from_value(serde_json::json!([
            {"name": "Back to me", "when": {"spokeWithinDays": 7},
             "actions": [{"action": "SimpleTransfer", "numbers": "{me}", "timeout": "20"}]},
            {"name": "Night", "when": {"caller": {"prefix": "+1"}}, "actions": [{"action": "Hangup"}]}
        ]))
        .unwrap(),
        ..Default::default()
    }
}

/// A desk whose settings are saved in a temporary folder (kept alive by the returned guard).
fn desk_with_settings() -> (Desk, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let desk = Desk::new(Some(dir.path()), Arc::new(SystemClock), Arc::new(MemorySecrets::default()));
    (desk, dir)
}

/// The XML without the line breaks and indentation between elements.
fn flat(xml: &str) -> String {
    xml.lines().map(str::trim).collect()
}

async fn ask(address: &str, query: &str) -> (u16, String) {
    let answer = reqwest::get(format!("{address}?{query}")).await.unwrap();
    (answer.status().as_u16(), answer.text().await.unwrap())
}

#[tokio::test]
async fn a_caller_the_agent_spoke_with_is_routed_back_and_popped_with_the_past_call() {
    let sim = sim().await;
    let (desk, _dir) = desk_with_settings();
    let settings = desk.save_call_interactive(back_to_me()).await.unwrap();
    let view = settings.call_interactive;
    assert!(matches!(view.status, ServerStatus::Listening { .. }), "{:?}", view.status);
    assert_eq!(view.my_number, None, "no sign-in yet");
    let address = desk.call_interactive_address().unwrap();
    assert!(address.starts_with("http://127.0.0.1:") && address.contains("/ci/"), "{address}");

    // Before any sign-in, the rule that needs {me} cannot answer: the IVR carries on.
    desk.sign_in(form(&sim.gateway_url, "291", "pw")).await.unwrap();
    until(&desk, "ready", |s| s.session.agent_state == AgentState::Ready).await;
    assert_eq!(desk.settings().call_interactive.my_number.as_deref(), Some("40038"));

    // A call with +7 495 123-45-67, answered and ended: the history knows the caller now.
    sim.gateway.play_inbound_call(
        291,
        CallScript { caller: "+7 495 123-45-67".into(), called: "40038".into(), call_id: Some("c-ivr".into()), ring_ms: 100, talk_ms: 200, auto_answer: true },
    );
    until(&desk, "the call ended", |s| call_state(s) == Some(CallState::Ended)).await;

    // The PBX writes the number its own way, and the caller's name in Cyrillic.
    let query = "CallID=5205dc5cc5a411e5ab9eb3691b90ea15&CallerIDNum=84951234567&CallerIDName=%D0%98%D0%B2%D0%B0%D0%BD&CalledDID=74950000000&CalledExtension=0003%2A001&EventType=call_interactive";
    let (status, xml) = ask(&address, query).await;
    assert_eq!(status, 200);
    assert!(flat(&xml).contains(r#"<Response><SimpleTransfer timeout="20">40038</SimpleTransfer></Response>"#), "{xml}");
    let popped = until(&desk, "the pop with its answer", |s| s.ivr.as_ref().is_some_and(|p| p.answer.is_some())).await;
    let pop = popped.ivr.unwrap();
    assert_eq!(pop.caller_name.as_deref(), Some("Иван"));
    assert_eq!(pop.caller_number.as_deref(), Some("84951234567"));
    assert_eq!(pop.called.as_deref(), Some("74950000000"));
    assert_eq!(pop.ivr.as_deref(), Some("0003*001"));
    assert_eq!(pop.past_calls.len(), 1, "the earlier call with this caller");
    assert_eq!(pop.past_calls[0].call_id, "c-ivr");
    let answer = pop.answer.unwrap();
    assert_eq!(answer.rule.as_deref(), Some("1. Back to me"));
    assert_eq!(answer.actions, ["SimpleTransfer 40038"]);

    // A stranger: no rule matches, the answer is empty, the pop still shows them.
    let (status, xml) = ask(&address, "CallID=feed&CallerIDNum=%2B4420000000").await;
    assert_eq!(status, 200);
    assert!(flat(&xml).ends_with("<Response/>"), "{xml}");
    let stranger = until(&desk, "the stranger's pop", |s| s.ivr.as_ref().is_some_and(|p| p.call_id == "feed" && p.answer.is_some())).await;
    let pop = stranger.ivr.unwrap();
    assert!(pop.past_calls.is_empty());
    assert_eq!(pop.answer.as_ref().unwrap().rule, None);

    // A request without CallID is refused with the reason; a wrong token is not found.
    let (status, reason) = ask(&address, "CallerIDNum=1").await;
    assert_eq!((status, reason.contains("CallID")), (400, true), "{reason}");
    let wrong = address.rsplit_once('/').unwrap().0.to_owned() + "/not-the-token-at-all";
    assert_eq!(ask(&wrong, "CallID=1").await.0, 404);

    // Dismissed, the pop is gone.
    assert!(desk.dismiss_ivr_pop("feed").ivr.is_none());
}

#[tokio::test]
async fn settings_start_move_and_stop_the_server_and_refuse_bad_rules() {
    let (desk, _dir) = desk_with_settings();
    assert_eq!(desk.settings().call_interactive.status, ServerStatus::Off);
    assert!(desk.call_interactive_address().unwrap_err().to_string().contains("Turn Call Interactive on"));

    let mut bad = back_to_me();
    bad.rules[1].actions = vec![serde_json::from_value(serde_json::json!({"action": "SimpleTransfer", "numbers": "101, 102"})).unwrap()];
    let err = desk.save_call_interactive(bad).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    assert!(err.to_string().starts_with(r#"Rule 2 ("Night"): action 1 (SimpleTransfer)"#), "{err}");
    assert_eq!(desk.settings().call_interactive.status, ServerStatus::Off, "nothing was saved or started");

    desk.save_call_interactive(back_to_me()).await.unwrap();
    let first = desk.call_interactive_address().unwrap();
    assert_eq!(ask(&first, "CallID=1").await.0, 200);

    // A new token: the old address stops working.
    desk.renew_call_interactive_token().await.unwrap();
    let second = desk.call_interactive_address().unwrap();
    assert_ne!(first, second);
    assert_eq!(ask(&second, "CallID=1").await.0, 200);

    // A port another program holds is reported, not fatal.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let busy = InteractiveSettings { listen: Some(taken.local_addr().unwrap().to_string()), ..back_to_me() };
    let view = desk.save_call_interactive(busy).await.unwrap().call_interactive;
    match view.status {
        ServerStatus::Failed { reason } => assert!(reason.contains("in use"), "{reason}"),
        other => panic!("expected a failure, got {other:?}"),
    }

    let off = InteractiveSettings { enabled: false, ..back_to_me() };
    assert_eq!(desk.save_call_interactive(off).await.unwrap().call_interactive.status, ServerStatus::Off);
    assert!(reqwest::get(format!("{second}?CallID=1")).await.is_err(), "the port is closed");
}

#[tokio::test]
async fn the_preview_shows_the_exact_answer_and_names_a_broken_rule() {
    let (desk, _dir) = desk_with_settings();
    let rules = back_to_me().rules;
    let sample = |caller: &str| interactive::SampleCall { caller: caller.into(), called: String::new(), at: "12:00".into() };
    let night = desk.preview_call_interactive(&rules, &sample("+15550001")).unwrap();
    assert_eq!(night.rule, Some(1));
    assert!(flat(&night.xml).ends_with("<Response><Hangup/></Response>"), "{}", night.xml);
    let nobody = desk.preview_call_interactive(&rules, &sample("+4420")).unwrap();
    assert_eq!(nobody.rule, None);
    let bad_time = interactive::SampleCall { at: "25:00".into(), ..sample("1") };
    assert!(desk.preview_call_interactive(&rules, &bad_time).unwrap_err().to_string().contains("HH:MM"));
}

#[tokio::test]
async fn the_demo_runs_its_own_server_with_its_rules_until_it_ends() {
    let (desk, _dir) = desk_with_settings();
    desk.start_demo().await.unwrap();
    let view = desk.settings().call_interactive;
    assert!(matches!(view.status, ServerStatus::Listening { .. }), "{:?}", view.status);
    assert!(view.settings.enabled);
    assert_eq!(view.settings.rules.len(), 2);
    assert_eq!(view.my_number.as_deref(), Some(sidekick_desk::demo::DEMO_LINE));
    // The demo's PBX announces each call before it rings: the pop shows the first caller.
    let popped = until(&desk, "the demo's first pop", |s| s.ivr.as_ref().is_some_and(|p| p.answer.is_some())).await;
    let pop = popped.ivr.unwrap();
    assert_eq!((pop.caller_number.as_deref(), pop.caller_name.as_deref()), (Some("+74951234567"), Some("Иван Петров")));
    assert_eq!(pop.answer.unwrap().rule.as_deref(), Some("2. Russian prompts"), "no history yet: not routed back");
    let address = desk.call_interactive_address().unwrap();
    let (status, xml) = ask(&address, "CallID=demo-1&CallerIDNum=%2B74951234567").await;
    assert_eq!(status, 200);
    assert!(flat(&xml).contains(r#"<SetVar name="lang">ru</SetVar>"#), "{xml}");
    desk.sign_out().await.unwrap();
    assert_eq!(desk.settings().call_interactive.status, ServerStatus::Off);
    assert!(desk.call_interactive_address().is_err());
}

/// A relay (`sidekick relay`'s server) on loopback with no rules, and its address.
async fn relay(key: &str) -> (std::net::SocketAddr, tokio::task::JoinHandle<()>) {
    use sidekick_interactive::relay::{relay_router, RelayHub, RelayRules};
    use sidekick_interactive::{serve, AccessToken, InteractiveState, ServerConfig};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let hub = RelayHub::default();
    let token = AccessToken::new("relay-pbx-token-0123").unwrap();
    let state = InteractiveState::new(ServerConfig::new(token), RelayRules::new(Vec::new()).unwrap(), hub.clone());
    let app = relay_router(state, hub, AccessToken::new(key).unwrap());
    (address, tokio::spawn(async move { serve(listener, app).await.unwrap() }))
}

#[tokio::test]
async fn a_caller_announced_by_the_relay_pops_up_marked_as_such() {
    let (relay_address, _relay) = relay("the-relay-key-0123456789").await;
    let (desk, _dir) = desk_with_settings();
    let settings = InteractiveSettings { relay_url: Some(format!("ws://{relay_address}/pops")), ..Default::default() };
    desk.save_call_interactive(settings).await.unwrap();
    assert_eq!(desk.snapshot().relay, None, "no key yet: no connection");

    // A wrong key: refused, said so, and the app keeps trying on its own.
    let view = desk.set_relay_key("not-the-key-0123456789").await.unwrap();
    assert!(view.call_interactive.relay_key_saved);
    let refused = until(&desk, "refused", |s| matches!(s.relay, Some(RelayConnection::Down { .. }))).await;
    let Some(RelayConnection::Down { reason, retry_in_ms }) = refused.relay else { unreachable!() };
    assert_eq!(reason, "The relay refused the key");
    assert!(retry_in_ms >= 30_000, "a refused key is not hammered: {retry_in_ms} ms");

    desk.set_relay_key("the-relay-key-0123456789").await.unwrap();
    until(&desk, "connected", |s| s.relay == Some(RelayConnection::Connected)).await;

    let pbx = format!("http://{relay_address}/ci/relay-pbx-token-0123?EventType=call_interactive&CallID=via-relay-1&CallerIDNum=%2B74957770011&CallerIDName=%D0%9E%D0%BB%D1%8C%D0%B3%D0%B0");
    let answer = reqwest::get(pbx).await.unwrap();
    assert_eq!(answer.status().as_u16(), 200);
    let popped = until(&desk, "the relay's pop", |s| s.ivr.is_some()).await;
    let pop = popped.ivr.unwrap();
    assert_eq!(pop.call_id, "via-relay-1");
    assert_eq!(pop.caller_name.as_deref(), Some("Ольга"));
    assert!(pop.via_relay);
    assert_eq!(pop.answer, None, "the relay answered the PBX, not this app");

    // Forgetting the key disconnects.
    desk.forget_relay_key().await.unwrap();
    until(&desk, "disconnected", |s| s.relay.is_none()).await;
    assert!(!desk.settings().call_interactive.relay_key_saved);
}
