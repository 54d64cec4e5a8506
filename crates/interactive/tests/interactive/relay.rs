//! The relay over real loopback sockets: the PBX's request answered from the relay's rules, the
//! caller forwarded to a connected app, the key checked, and an app that comes back by itself
//! after the relay restarts.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use sidekick_interactive::relay::{connect_with, validate_for_relay, RelayClientOptions, RelayHub, RelayRules, RelayStatus};
use sidekick_interactive::rules::{Conditions, NumberPattern, Rule};
use sidekick_interactive::server::path_for;
use sidekick_interactive::{relay_router, serve, AccessToken, Action, CallInteractiveRequest, InteractiveState, ServerConfig};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

const WAIT: Duration = Duration::from_secs(10);

fn token() -> AccessToken {
    AccessToken::new("pbx-token-0123456789").expect("valid")
}

fn key() -> AccessToken {
    AccessToken::new("relay-key-abcdefghij").expect("valid")
}

fn russian() -> Rule {
    Rule {
        name: "Russian prompts".into(),
        enabled: true,
        when: Conditions { caller: Some(NumberPattern::Prefix("+7".into())), ..Conditions::default() },
        actions: vec![Action::SetVar { name: "lang".into(), value: "ru".into() }],
    }
}

/// A relay on `addr` (port 0 for any); dropping the handle stops it.
async fn relay(addr: SocketAddr, hub: RelayHub) -> (SocketAddr, JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind(addr).await.expect("bind");
    let address = listener.local_addr().expect("address");
    let rules = RelayRules::new(vec![russian()]).expect("valid for a relay");
    let state = InteractiveState::new(ServerConfig::new(token()), rules, hub.clone());
    let app = relay_router(state, hub, key());
    let task = tokio::spawn(async move {
        serve(listener, app).await.expect("served");
    });
    (address, task)
}

fn fast() -> RelayClientOptions {
    RelayClientOptions {
        first_retry: Duration::from_millis(50),
        max_retry: Duration::from_millis(200),
        refused_retry: Duration::from_millis(300),
        connect_timeout: Duration::from_secs(2),
        silence_limit: Duration::from_secs(5),
    }
}

async fn until(status: &mut watch::Receiver<RelayStatus>, what: &str, pred: impl Fn(&RelayStatus) -> bool) -> RelayStatus {
    let reached = match tokio::time::timeout(WAIT, status.wait_for(|s| pred(s))).await {
        Ok(Ok(s)) => Some(s.clone()),
        _ => None,
    };
    reached.unwrap_or_else(|| panic!("the client never became {what}; it is {:?}", *status.borrow()))
}

async fn call(address: SocketAddr, form: &str) -> String {
    let url = format!("http://{address}{}", path_for(&token()));
    let response = reqwest::Client::new()
        .post(url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form.to_owned())
        .send()
        .await
        .expect("the relay answers");
    assert_eq!(response.status(), 200);
    response.text().await.expect("a body")
}

#[tokio::test]
async fn the_relay_answers_the_pbx_and_pops_the_caller_in_the_connected_app() {
    let hub = RelayHub::default();
    let (address, _server) = relay("127.0.0.1:0".parse().expect("addr"), hub.clone()).await;
    let (pops_tx, mut pops) = mpsc::channel::<Arc<CallInteractiveRequest>>(8);
    let client = connect_with(&format!("ws://{address}/pops"), key(), pops_tx, fast()).expect("a loopback address");
    let mut status = client.status();
    until(&mut status, "connected", |s| *s == RelayStatus::Connected).await;
    assert_eq!(hub.connected(), 1);

    let name = "%D0%9C%D0%B0%D1%80%D0%B8%D1%8F+%D0%98%D0%B2%D0%B0%D0%BD%D0%BE%D0%B2%D0%B0"; // Мария Иванова
    let xml = call(address, &format!("EventType=call_interactive&CallID=r-1&CallerIDNum=%2B74952223344&CallerIDName={name}&CalledExtension=000*306")).await;
    assert!(xml.contains(r#"<SetVar name="lang">ru</SetVar>"#), "the relay's own rule answered: {xml}");

    let pop = tokio::time::timeout(WAIT, pops.recv()).await.expect("a pop in time").expect("the channel is open");
    assert_eq!(pop.call_id, "r-1");
    assert_eq!(pop.caller_id_num.as_deref(), Some("+74952223344"));
    assert_eq!(pop.caller_id_name.as_deref(), Some("Мария Иванова"));
    assert_eq!(pop.called_extension.as_deref(), Some("000*306"));

    // A caller no rule matches still reaches the app; the PBX gets an empty answer.
    let xml = call(address, "EventType=call_interactive&CallID=r-2&CallerIDNum=%2B15550001111").await;
    assert!(!xml.contains("SetVar"), "{xml}");
    let pop = tokio::time::timeout(WAIT, pops.recv()).await.expect("a pop in time").expect("open");
    assert_eq!(pop.call_id, "r-2");

    client.stop();
    until(&mut status, "stopped", |s| *s == RelayStatus::Stopped).await;
    let gone = tokio::time::timeout(WAIT, async {
        while hub.connected() > 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(gone.is_ok(), "the relay saw the app leave");
}

#[tokio::test]
async fn a_wrong_key_gets_no_pops_and_a_plain_reason() {
    let hub = RelayHub::default();
    let (address, _server) = relay("127.0.0.1:0".parse().expect("addr"), hub.clone()).await;

    // Without the WebSocket client: what a person with curl sees.
    let plain = reqwest::get(format!("http://{address}/pops")).await.expect("an answer");
    assert_eq!(plain.status(), 401);
    assert_eq!(plain.text().await.expect("text"), "This relay needs its key: send it as Authorization: Bearer <key>.");

    let (pops_tx, _pops) = mpsc::channel(8);
    let wrong = AccessToken::new("not-the-relay-key-000").expect("valid");
    let client = connect_with(&format!("ws://{address}/pops"), wrong, pops_tx, fast()).expect("loopback");
    let mut status = client.status();
    let down = until(&mut status, "down", |s| matches!(s, RelayStatus::Down { .. })).await;
    let RelayStatus::Down { reason, retry_in } = down else { unreachable!() };
    assert_eq!(reason, "the relay refused the key");
    assert!(retry_in >= Duration::from_millis(150), "a refused key is retried slowly, not at once: {retry_in:?}");
    assert_eq!(hub.connected(), 0);
}

#[tokio::test]
async fn an_app_reconnects_by_itself_when_the_relay_comes_back() {
    let hub = RelayHub::default();
    let (address, server) = relay("127.0.0.1:0".parse().expect("addr"), hub.clone()).await;
    let (pops_tx, mut pops) = mpsc::channel(8);
    let client = connect_with(&format!("ws://{address}/pops"), key(), pops_tx, fast()).expect("loopback");
    let mut status = client.status();
    until(&mut status, "connected", |s| *s == RelayStatus::Connected).await;

    // The relay stops listening. Its old connection stays open but silent (pings come every 20 s),
    // as one through a NAT box that forgot it would: the app notices by its silence limit.
    server.abort();
    drop(hub);
    let down = until(&mut status, "down", |s| matches!(s, RelayStatus::Down { .. })).await;
    assert!(down.to_string().contains("trying again in"), "{down}");

    // Back on the same port, as a restarted relay would be.
    let hub = RelayHub::default();
    let (again, _server) = relay(address, hub.clone()).await;
    assert_eq!(again, address);
    until(&mut status, "connected again", |s| *s == RelayStatus::Connected).await;
    call(address, "EventType=call_interactive&CallID=after-restart&CallerIDNum=101").await;
    let pop = tokio::time::timeout(WAIT, pops.recv()).await.expect("a pop in time").expect("open");
    assert_eq!(pop.call_id, "after-restart");
}

#[test]
fn rules_that_need_one_agent_are_refused_for_a_relay() {
    let history = Rule {
        name: "Back to me".into(),
        enabled: true,
        when: Conditions { spoke_within_days: Some(7), ..Conditions::default() },
        actions: vec![Action::transfer("4012")],
    };
    let error = validate_for_relay(&[russian(), history]).expect_err("no history on a relay");
    assert_eq!(error.number, 2);
    assert!(error.to_string().contains("needs an agent's call history"), "{error}");

    let me = Rule { name: "Me".into(), enabled: false, when: Conditions::default(), actions: vec![Action::transfer("{me}")] };
    let error = validate_for_relay(&[me]).expect_err("no {me} on a relay, even in a disabled rule");
    assert!(error.to_string().contains("write the number to transfer to"), "{error}");

    assert!(validate_for_relay(&[russian()]).is_ok());
    let from_file = RelayRules::from_json(r#"[{"name":"x","when":{"spokeWithinDays":3},"actions":[]}]"#);
    assert!(from_file.is_err(), "a rules file is checked the same way");
}
