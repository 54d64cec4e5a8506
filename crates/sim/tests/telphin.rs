//! The scripted Telphin PBX on the wire: what it sends (against a recording server of this test),
//! and the conformance of both sides (its whole script against Sidekick's real endpoint).

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::Router;
use sidekick_interactive::{router, serve, AccessToken, Action, CallInteractiveRequest, InteractiveState, ServerConfig};
use sidekick_sim::telphin::{script, Method, PbxAction, PbxCall, PbxError, SimPbx};

/// What the recording server received: method, raw query, content type, raw body.
type Seen = Arc<Mutex<Vec<(String, String, Option<String>, String)>>>;

/// A server that records each request and answers `answer` as XML.
async fn recorder(answer: &'static str) -> (String, Seen) {
    let seen: Seen = Arc::default();
    let app = Router::new().fallback(record).with_state((seen.clone(), answer));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/ci/test-token", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, seen)
}

async fn record(State((seen, answer)): State<(Seen, &'static str)>, request: Request) -> impl IntoResponse {
    let (parts, body) = request.into_parts();
    let body: Bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap();
    let content_type = parts.headers.get(header::CONTENT_TYPE).map(|v| v.to_str().unwrap().to_owned());
    seen.lock().unwrap().push((
        parts.method.to_string(),
        parts.uri.query().unwrap_or("").to_owned(),
        content_type,
        String::from_utf8(body.to_vec()).unwrap(),
    ));
    ([(header::CONTENT_TYPE, "application/xml; charset=utf-8")], answer)
}

fn decoded(query: &str) -> Vec<(String, String)> {
    form_pairs(query.as_bytes())
}

fn form_pairs(bytes: &[u8]) -> Vec<(String, String)> {
    // Decoded by hand here (percent and `+`), independently of the sim's encoder.
    let text = std::str::from_utf8(bytes).unwrap();
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (n, v) = p.split_once('=').unwrap_or((p, ""));
            (unescape(n), unescape(v))
        })
        .collect()
}

fn unescape(s: &str) -> String {
    let mut out = Vec::new();
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}

#[tokio::test]
async fn get_appends_the_call_after_the_urls_own_parameters() {
    let (url, seen) = recorder("<Response/>").await;
    let pbx = SimPbx::new(&format!("{url}?source=ivr"));
    let call = PbxCall::external("+74951234567", "Иван Петров", "74950001122").var("lang", "ru").var("unset", "");
    let answer = pbx.send(&call).await.unwrap();
    assert_eq!((answer.status, answer.actions.len()), (200, 0));
    let (method, query, _, body) = seen.lock().unwrap()[0].clone();
    assert_eq!((method.as_str(), body.as_str()), ("GET", ""));
    assert!(query.contains("CallerIDName=%D0%98%D0%B2%D0%B0%D0%BD%20%D0%9F%D0%B5%D1%82%D1%80%D0%BE%D0%B2"), "{query}");
    assert!(query.contains("CalledExtension=0003%2A001"), "`*` travels as %2A: {query}");
    let pairs = decoded(&query);
    let names: Vec<&str> = pairs.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(&names[..4], ["source", "lang", "unset", "EventType"], "the URL's own first, then the call's");
    assert!(pairs.contains(&("unset".into(), String::new())), "an unset $var arrives empty");
    assert!(pairs.contains(&("CallerIDName".into(), "Иван Петров".into())));
    assert!(pairs.contains(&("CallID".into(), call.call_id().into())));
}

#[tokio::test]
async fn post_sends_a_form_body_and_keeps_url_parameters_in_the_query() {
    let (url, seen) = recorder("<Response><Hangup/></Response>").await;
    let call = PbxCall::internal("000*306").post().var("agent", "117").callback_variable("tag", "crm-42");
    let answer = SimPbx::new(&url).send(&call).await.unwrap();
    assert_eq!(answer.actions, [PbxAction::Hangup]);
    let (method, query, content_type, body) = seen.lock().unwrap()[0].clone();
    assert_eq!(method, "POST");
    assert_eq!(content_type.as_deref(), Some("application/x-www-form-urlencoded"));
    assert_eq!(query, "agent=117");
    let pairs = form_pairs(body.as_bytes());
    assert!(pairs.contains(&("CallerExtension".into(), "000*306".into())));
    assert!(pairs.contains(&("cb_variable_tag".into(), "crm-42".into())));
    assert!(pairs.iter().any(|(n, v)| n == "CallAPIID" && v.starts_with("3584705175:")));
}

#[tokio::test]
async fn a_refusal_or_a_bad_document_is_an_error() {
    let (url, _) = recorder("<Response><SimpleTransfer>101, 102</SimpleTransfer></Response>").await;
    let err = SimPbx::new(&url).send(&PbxCall::external("1", "", "")).await.unwrap_err();
    assert!(matches!(&err, PbxError::Malformed(m) if m.contains("space")), "{err}");
    let err = SimPbx::new("http://127.0.0.1:9/ci/x").send(&PbxCall::external("1", "", "")).await.unwrap_err();
    assert!(matches!(err, PbxError::Http(_)), "{err}");
}

/// Every call of the script against Sidekick's real endpoint: all answered 200, every answer
/// taken by the PBX's reader, each action as the decider chose it.
#[tokio::test]
async fn the_whole_script_is_answered_by_sidekicks_endpoint() {
    let token = AccessToken::generate();
    let received: Arc<Mutex<Vec<CallInteractiveRequest>>> = Arc::default();
    let sink = received.clone();
    let decider = |request: Arc<CallInteractiveRequest>| async move {
        let caller = request.caller_id_num.clone().unwrap_or_default();
        Ok(vec![
            Action::SetVar { name: "caller".into(), value: caller },
            Action::Pause { length: Some("2".into()) },
            Action::SetCaller { name: "Анна & Co <VIP>".into(), number: "+74951234567".into() },
            Action::PlaySound { playback: "background".into(), digitvar: Some("d".into()), file: "a.wav".into() },
            Action::Jump { context: "3".into(), option: "start".into() },
            Action::SimpleTransfer { numbers: "101,*77".into(), is_final: false, timeout: Some("20".into()), early_media: true },
            Action::Hangup,
        ])
    };
    let state = InteractiveState::new(ServerConfig::new(token.clone()), decider, move |r: Arc<CallInteractiveRequest>| {
        sink.lock().unwrap().push((*r).clone())
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}{}", listener.local_addr().unwrap(), sidekick_interactive::server::path_for(&token));
    tokio::spawn(serve(listener, router(state)));
    let pbx = SimPbx::new(&url);
    let calls = script();
    for call in &calls {
        let answer = pbx.send(call).await.unwrap_or_else(|e| panic!("{call:?}: {e}"));
        assert_eq!(answer.actions.len(), 7);
        let caller = call.params.iter().find(|(n, _)| n == "CallerIDNum").map(|(_, v)| v.clone()).unwrap();
        assert_eq!(answer.actions[0], PbxAction::SetVar { name: "caller".into(), value: caller });
        assert_eq!(answer.actions[2], PbxAction::SetCaller { name: "Анна & Co <VIP>".into(), number: "+74951234567".into() });
        assert_eq!(
            answer.actions[5],
            PbxAction::SimpleTransfer { numbers: vec!["101".into(), "*77".into()], is_final: false, timeout: Some(20), early_media: true }
        );
    }
    let received = received.lock().unwrap();
    assert_eq!(received.len(), calls.len(), "every call popped");
    for (call, got) in calls.iter().zip(received.iter()) {
        assert_eq!(got.call_id, call.call_id());
        let name = call.params.iter().find(|(n, _)| n == "CallerIDName").map(|(_, v)| v.as_str());
        assert_eq!(got.caller_id_name.as_deref(), name, "names arrive intact (Cyrillic, quotes, & and <>)");
        for (n, v) in &call.url_params {
            assert_eq!(got.extra.get(n), Some(v), "the URL's own {n} arrives");
        }
    }
    assert!(calls.iter().any(|c| c.method == Method::Post));
    assert_eq!(received[5].callback_variables.get("tag").map(String::as_str), Some("crm-42"));
}
