//! The endpoint, driven with `oneshot`: token, parsing, screen pop, budget, rate limit.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, StatusCode};
use axum::Router;
use sidekick_interactive::{
    router, AccessToken, Action, CallInteractiveRequest, DecideError, InteractiveState, RateLimit, ServerConfig,
};
use tokio::sync::mpsc;

use crate::support::{get, post, request, send, Element, TOKEN};

const VENDOR_QUERY: &str = include_str!("../fixtures/requests/vendor_example.query");
const CYRILLIC_FORM: &str = include_str!("../fixtures/requests/cyrillic_post.form");
const URL_PARAMS_QUERY: &str = include_str!("../fixtures/requests/with_url_params.query");

type Pops = mpsc::Receiver<Arc<CallInteractiveRequest>>;

fn config() -> ServerConfig {
    ServerConfig::new(AccessToken::new(TOKEN).expect("a valid token"))
}

/// The endpoint with `decider`, screen pops into the returned channel.
fn app_with(config: ServerConfig, decider: impl sidekick_interactive::Decider) -> (Router, Pops) {
    let (pops, received) = mpsc::channel(16);
    (router(InteractiveState::new(config, decider, pops)), received)
}

/// A decider that transfers every caller to 101 and sets their name as a variable.
fn route_to_101() -> impl sidekick_interactive::Decider {
    |call: Arc<CallInteractiveRequest>| async move {
        let name = call.caller_id_name.clone().unwrap_or_default();
        Ok::<_, DecideError>(vec![Action::set_var("caller", name), Action::transfer("101")])
    }
}

fn set_var(name: &str, value: &str) -> Element {
    Element { name: "SetVar".into(), attributes: vec![("name".into(), name.into())], text: value.into() }
}

fn transfer_101() -> Element {
    Element { name: "SimpleTransfer".into(), attributes: vec![], text: "101".into() }
}

/// Sends `req` to an endpoint that routes everyone to 101: the answer's actions, and the pop.
async fn answer_and_pop(req: axum::http::Request<Body>) -> (Vec<Element>, Arc<CallInteractiveRequest>) {
    let (app, mut pops) = app_with(config(), route_to_101());
    let actions = send(&app, req).await.actions();
    (actions, pops.try_recv().expect("the screen pop got the request"))
}

#[tokio::test]
async fn get_with_the_vendor_example_pops_the_call_and_answers_the_deciders_actions() {
    let (actions, popped) = answer_and_pop(get(TOKEN, VENDOR_QUERY.trim())).await;
    assert_eq!(actions, [set_var("caller", "000*306"), transfer_101()]);
    assert_eq!(popped.call_id, "5205dc5cc5a411e5ab9eb3691b90ea15");
    assert_eq!(popped.caller_id_num.as_deref(), Some("000*306"));
}

#[tokio::test]
async fn post_with_a_cyrillic_name_is_decoded_as_utf8() {
    let (actions, popped) = answer_and_pop(post(TOKEN, CYRILLIC_FORM.trim())).await;
    assert_eq!(actions, [set_var("caller", "Иван Петров"), transfer_101()]);
    assert_eq!(popped.caller_id_name.as_deref(), Some("Иван Петров"));
    assert_eq!(popped.called_extension.as_deref(), Some("0003*001"));
    assert_eq!(popped.callback_variables.get("tag").map(String::as_str), Some("vip"));
}

#[tokio::test]
async fn post_reads_the_urls_own_parameters_too() {
    let (app, mut pops) = app_with(config(), route_to_101());
    let uri = format!("/ci/{TOKEN}?lang=ru&CallID=from-url");
    let req = request(
        Method::POST,
        &uri,
        Some("application/x-www-form-urlencoded; charset=UTF-8"),
        Body::from("CallID=from-body"),
    );
    assert_eq!(send(&app, req).await.actions().len(), 2);
    let popped = pops.try_recv().expect("popped");
    assert_eq!(popped.call_id, "from-body", "the PBX's body wins over a static URL parameter");
    assert_eq!(popped.extra.get("lang").map(String::as_str), Some("ru"));
}

#[tokio::test]
async fn url_parameters_reach_the_decider() {
    let decider = |call: Arc<CallInteractiveRequest>| async move {
        Ok::<_, DecideError>(vec![Action::set_var("account", call.extra["account"].clone())])
    };
    let (app, _pops) = app_with(config(), decider);
    let answer = send(&app, get(TOKEN, URL_PARAMS_QUERY.trim())).await;
    assert_eq!(answer.actions(), [set_var("account", "12345")]);
}

#[tokio::test]
async fn a_wrong_token_is_404_with_no_detail_and_no_pop() {
    let (app, mut pops) = app_with(config(), route_to_101());
    for uri in [
        format!("/ci/wrong-token-0123456789?{}", VENDOR_QUERY.trim()),
        format!("/ci/{}?CallID=1", &TOKEN[..TOKEN.len() - 1]),
        format!("/ci/{TOKEN}x?CallID=1"),
        "/ci/%FF%FE?CallID=1".to_owned(),
        "/ci/?CallID=1".to_owned(),
        format!("/other/{TOKEN}?CallID=1"),
    ] {
        let answer = send(&app, request(Method::GET, &uri, None, Body::empty())).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(answer.body, "", "a 404 says nothing about the token: {uri}");
    }
    assert!(pops.try_recv().is_err(), "nothing pops for a wrong token");
}

#[tokio::test]
async fn invalid_requests_are_400_with_a_plain_reason() {
    let (app, mut pops) = app_with(config(), route_to_101());
    let huge = format!("CallID=1&pad={}", "x".repeat(20_000));
    let cases = [
        (get(TOKEN, "CallerIDNum=101"), "the request has no CallID, so the call cannot be identified"),
        (post(TOKEN, "CallID=&CallerIDNum=101"), "the request has no CallID, so the call cannot be identified"),
        (
            get(TOKEN, "EventType=dial-in&CallID=1"),
            r#"EventType is "dial-in", but a Call Interactive request always has "call_interactive""#,
        ),
        (get(TOKEN, "CallID=1&CallerExtensionID=x1"), r#"CallerExtensionID must be a whole number, not "x1""#),
        (
            request(Method::POST, &format!("/ci/{TOKEN}"), Some("application/json"), Body::from(r#"{"CallID":"1"}"#)),
            r#"the request body must be a form (application/x-www-form-urlencoded), not "application/json""#,
        ),
        (post(TOKEN, huge), "the request body is larger than 16384 bytes"),
    ];
    for (req, reason) in cases {
        let answer = send(&app, req).await;
        assert_eq!((answer.status, answer.body.as_str()), (StatusCode::BAD_REQUEST, reason));
        assert_eq!(answer.content_type.as_deref(), Some("text/plain; charset=utf-8"));
    }
    assert!(pops.try_recv().is_err(), "nothing pops for an invalid request");
}

/// The vendor does not say which `Content-Type` the PBX declares, so any body is read as a form.
#[tokio::test]
async fn a_form_body_is_read_whatever_content_type_it_declares() {
    for content_type in [None, Some("text/plain"), Some("application/octet-stream")] {
        let req = request(Method::POST, &format!("/ci/{TOKEN}"), content_type, Body::from("CallID=42"));
        let (actions, popped) = answer_and_pop(req).await;
        assert_eq!((actions.len(), popped.call_id.as_str()), (2, "42"), "{content_type:?}");
    }
}

#[tokio::test]
async fn other_methods_are_not_allowed() {
    let (app, _pops) = app_with(config(), route_to_101());
    let answer = send(&app, request(Method::PUT, &format!("/ci/{TOKEN}?CallID=1"), None, Body::empty())).await;
    assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED);
}

/// A decider that never answers in time gets the empty answer at the budget, and the call has
/// popped already.
#[tokio::test(start_paused = true)]
async fn a_slow_decider_gets_the_empty_answer_at_the_budget() {
    let slow = |_call: Arc<CallInteractiveRequest>| async {
        tokio::time::sleep(Duration::from_secs(30)).await;
        Ok::<_, DecideError>(vec![Action::Hangup])
    };
    let (app, mut pops) = app_with(config(), slow);
    let started = tokio::time::Instant::now();
    let answer = send(&app, get(TOKEN, "CallID=1")).await;
    assert_eq!(answer.actions(), [], "empty <Response/> so the IVR carries on");
    assert_eq!(started.elapsed(), Duration::from_secs(1), "answered exactly at the 1 s default budget");
    assert_eq!(pops.try_recv().expect("popped before deciding").call_id, "1");

    let mut quick = config();
    quick.budget = Duration::from_millis(200);
    let (app, _pops) = app_with(quick, slow);
    let started = tokio::time::Instant::now();
    assert_eq!(send(&app, get(TOKEN, "CallID=1")).await.actions(), []);
    assert_eq!(started.elapsed(), Duration::from_millis(200), "the budget is configurable");
}

/// A body that trickles in past the budget gets the empty answer, without waiting for the rest.
#[tokio::test(start_paused = true)]
async fn a_body_still_arriving_at_the_budget_gets_the_empty_answer() {
    let (app, mut pops) = app_with(config(), route_to_101());
    let (sender, parts) = mpsc::channel::<Result<Vec<u8>, std::io::Error>>(1);
    sender.send(Ok(b"CallID=1&Caller".to_vec())).await.expect("the first part");
    let body = Body::from_stream(futures_util::stream::unfold(parts, |mut parts| async move {
        parts.recv().await.map(|part| (part, parts))
    }));
    let started = tokio::time::Instant::now();
    let answer = send(&app, post(TOKEN, body)).await;
    assert_eq!(answer.actions(), []);
    assert_eq!(started.elapsed(), Duration::from_secs(1));
    assert!(pops.try_recv().is_err(), "an incomplete request pops nothing");
    drop(sender);
}

#[tokio::test(start_paused = true)]
async fn a_decider_within_the_budget_is_waited_for() {
    let thoughtful = |_call: Arc<CallInteractiveRequest>| async {
        tokio::time::sleep(Duration::from_millis(900)).await;
        Ok::<_, DecideError>(vec![Action::Hangup])
    };
    let (app, _pops) = app_with(config(), thoughtful);
    let answer = send(&app, get(TOKEN, "CallID=1")).await;
    assert_eq!(answer.actions()[0].name, "Hangup");
}

#[tokio::test]
async fn a_failing_panicking_or_invalid_decider_gets_the_empty_answer() {
    async fn check(app: &Router) {
        let answer = send(app, get(TOKEN, "CallID=1")).await;
        assert_eq!(answer.actions(), [], "{}", answer.body);
    }
    let failing =
        |_call: Arc<CallInteractiveRequest>| async { Err::<Vec<Action>, DecideError>("the store is locked".into()) };
    check(&app_with(config(), failing).0).await;
    let panicking = |_call: Arc<CallInteractiveRequest>| async {
        panic!("a bug in the app's rules");
        #[allow(unreachable_code)]
        Ok::<Vec<Action>, DecideError>(vec![])
    };
    check(&app_with(config(), panicking).0).await;
    let eleven = |_call: Arc<CallInteractiveRequest>| async { Ok::<_, DecideError>(vec![Action::Hangup; 11]) };
    check(&app_with(config(), eleven).0).await;
    let spaced =
        |_call: Arc<CallInteractiveRequest>| async { Ok::<_, DecideError>(vec![Action::transfer("101, 102")]) };
    check(&app_with(config(), spaced).0).await;
}

#[tokio::test]
async fn a_panicking_screen_pop_does_not_cost_the_answer() {
    let pop = |_call: Arc<CallInteractiveRequest>| panic!("the UI is gone");
    let app = router(InteractiveState::new(config(), route_to_101(), pop));
    let answer = send(&app, get(TOKEN, "CallID=1&CallerIDName=A")).await;
    assert_eq!(answer.actions(), [set_var("caller", "A"), transfer_101()]);
}

#[tokio::test]
async fn a_full_screen_pop_channel_drops_the_pop_not_the_answer() {
    let (pops, mut received) = mpsc::channel(1);
    let app = router(InteractiveState::new(config(), route_to_101(), pops));
    for id in ["1", "2"] {
        let answer = send(&app, get(TOKEN, &format!("CallID={id}"))).await;
        assert_eq!(answer.actions().len(), 2, "answered although the channel was full");
    }
    assert_eq!(received.try_recv().expect("the first pop").call_id, "1");
    assert!(received.try_recv().is_err(), "the second was dropped, not waited for");
}

#[tokio::test(start_paused = true)]
async fn each_source_has_its_own_rate_limit() {
    let mut limited = config();
    limited.rate_limit = RateLimit { burst: 2, per_second: 1 };
    let (app, _pops) = app_with(limited, route_to_101());
    let from = |addr: SocketAddr| {
        let mut req = get(TOKEN, "CallID=1");
        req.extensions_mut().insert(ConnectInfo(addr));
        req
    };
    let pbx = SocketAddr::from(([192, 0, 2, 10], 40000));
    let other = SocketAddr::from(([192, 0, 2, 11], 40000));
    for _ in 0..2 {
        assert_eq!(send(&app, from(pbx)).await.actions().len(), 2);
    }
    let refused = send(&app, from(pbx)).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.retry_after.as_deref(), Some("1"));
    assert_eq!(refused.body, "too many requests from this address");
    assert_eq!(send(&app, from(other)).await.actions().len(), 2, "another address is not affected");
    let wrong_token = request(Method::GET, "/ci/guess-guess-guess-guess?CallID=1", None, Body::empty());
    assert_eq!(send(&app, wrong_token).await.status, StatusCode::TOO_MANY_REQUESTS, "token guesses count too");
    tokio::time::advance(Duration::from_secs(1)).await;
    assert_eq!(send(&app, from(pbx)).await.actions().len(), 2, "one request a second comes back");
}
