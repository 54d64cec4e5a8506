//! Properties: no input crashes the parser or the endpoint, every answer is XML a parser reads
//! back, and every valid action reads back as what was meant.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, StatusCode};
use axum::Router;
use proptest::prelude::*;
use sidekick_interactive::{
    router, AccessToken, Action, CallInteractiveRequest, DecideError, InteractiveState, RateLimit, Response,
    ServerConfig,
};

use crate::support::{actions_of, request, send, Element, TOKEN};

/// The documented names, so random input often hits the real parameters.
const NAMES: &[&str] = &[
    "EventType",
    "CallID",
    "CallerIDNum",
    "CallerIDName",
    "CalledDID",
    "CalledExtension",
    "CalledExtensionID",
    "CallStatus",
    "CallFlow",
    "CallerExtension",
    "CallerExtensionID",
    "CalledNumber",
    "CallAPIID",
    "cb_variable_tag",
    "param1",
];

/// Echoes what the request carries into actions, so hostile values reach the XML writer and its
/// checks: the name as a variable and as the caller's name, the number as a transfer target,
/// every extra parameter as a variable (more than 10 of them is refused).
fn echo() -> impl sidekick_interactive::Decider {
    |call: Arc<CallInteractiveRequest>| async move {
        let mut actions = vec![
            Action::set_var("name", call.caller_id_name.clone().unwrap_or_default()),
            Action::SetCaller {
                name: call.caller_id_name.clone().unwrap_or_default(),
                number: call.caller_id_num.clone().unwrap_or_else(|| "0".into()),
            },
            Action::transfer(call.caller_id_num.clone().unwrap_or_default()),
        ];
        actions.extend(call.extra.iter().map(|(name, value)| Action::set_var(name.clone(), value.clone())));
        Ok::<_, DecideError>(actions)
    }
}

fn endpoint() -> Router {
    let mut config = ServerConfig::new(AccessToken::new(TOKEN).expect("valid"));
    config.rate_limit = RateLimit { burst: u32::MAX, per_second: u32::MAX };
    router(InteractiveState::new(config, echo(), |_call: Arc<CallInteractiveRequest>| {}))
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime")
}

/// Either an XML answer that reads back, or a 400 with a reason.
fn assert_xml_or_400(status: StatusCode, body: &str) {
    match status {
        StatusCode::OK => {
            let actions = actions_of(body);
            assert!(actions.len() <= 10, "at most 10 actions:\n{body}");
        }
        StatusCode::BAD_REQUEST => assert!(!body.is_empty(), "a 400 says why"),
        other => panic!("neither XML nor 400: {other} {body}"),
    }
}

/// Percent-encodes every byte, as a careful sender would.
fn encode_all(text: &str) -> String {
    text.bytes().map(|b| format!("%{b:02X}")).collect()
}

/// Query strings: documented or random names; values that are raw URI characters (stray `%`,
/// `+`, `=` and `&` included) or arbitrary text percent-encoded byte by byte.
fn query() -> impl Strategy<Value = String> {
    let name = prop_oneof![proptest::sample::select(NAMES).prop_map(str::to_owned), "[A-Za-z_%+=]{0,8}"];
    let value = prop_oneof![
        "[A-Za-z0-9%&=+*:$._~!'(),;@/?-]{0,30}",
        any::<String>().prop_map(|s| encode_all(&s)),
        "[0-9]{1,25}",
    ];
    proptest::collection::vec((name, value), 0..16)
        .prop_map(|pairs| pairs.iter().map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join("&"))
}

/// Text for actions: printable Unicode, or the characters XML escapes and normalises.
fn text() -> impl Strategy<Value = String> {
    prop_oneof!["\\PC{0,16}", "[<>&\"' \t\r\na-zЁё]{0,16}"]
}

fn word() -> impl Strategy<Value = String> {
    "[A-Za-z0-9*+#._-]{1,12}"
}

/// Valid actions of every kind.
fn action() -> impl Strategy<Value = Action> {
    let var = "[A-Za-z0-9_]{1,12}";
    let seconds = proptest::option::of(any::<u32>().prop_map(|n| n.to_string()));
    prop_oneof![
        Just(Action::Hangup),
        seconds.clone().prop_map(|length| Action::Pause { length }),
        (var, text()).prop_map(|(name, value)| Action::SetVar { name, value }),
        (word(), word()).prop_map(|(context, option)| Action::Jump { context, option }),
        (text(), word()).prop_map(|(name, number)| Action::SetCaller { name, number }),
        (any::<bool>(), proptest::option::of(var), word()).prop_map(|(background, digitvar, file)| {
            let playback = if background { "background" } else { "foreground" };
            Action::PlaySound { playback: playback.into(), digitvar: digitvar.filter(|_| background), file }
        }),
        (proptest::collection::vec(word(), 1..4), any::<bool>(), seconds, any::<bool>()).prop_map(
            |(numbers, is_final, timeout, early_media)| Action::SimpleTransfer {
                numbers: numbers.join(","),
                is_final,
                timeout,
                early_media
            }
        ),
    ]
}

/// What an XML parser must see for `action`: the specification of the writer, written again.
fn expected(action: &Action) -> Element {
    let attrs = |pairs: &[(&str, Option<&str>)]| {
        pairs.iter().filter_map(|(k, v)| v.map(|v| (k.to_string(), v.to_string()))).collect::<Vec<_>>()
    };
    let (attributes, text) = match action {
        Action::Hangup => (vec![], ""),
        Action::Pause { length } => (attrs(&[("length", length.as_deref())]), ""),
        Action::SetVar { name, value } => (attrs(&[("name", Some(name))]), value.as_str()),
        Action::Jump { context, option } => (attrs(&[("context", Some(context)), ("option", Some(option))]), ""),
        Action::SetCaller { name, number } => (attrs(&[("name", Some(name)), ("number", Some(number))]), ""),
        Action::PlaySound { playback, digitvar, file } => {
            (attrs(&[("where", Some(playback)), ("digitvar", digitvar.as_deref())]), file.as_str())
        }
        Action::SimpleTransfer { numbers, is_final, timeout, early_media } => (
            attrs(&[
                ("final", (!is_final).then_some("no")),
                ("timeout", timeout.as_deref()),
                ("early_media", early_media.then_some("True")),
            ]),
            numbers.as_str(),
        ),
    };
    Element { name: action.element().to_owned(), attributes, text: text.to_owned() }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn the_parser_takes_any_bytes(query in any::<Vec<u8>>(), body in any::<Vec<u8>>()) {
        if let Ok(request) = CallInteractiveRequest::parse(&query, &body) {
            prop_assert!(!request.call_id.is_empty());
            prop_assert_eq!(CallInteractiveRequest::parse(request.to_form().as_bytes(), b""), Ok(request));
        }
    }

    #[test]
    fn any_get_query_gets_xml_or_a_400(query in query()) {
        let answer = runtime().block_on(send(&endpoint(), request(Method::GET, &format!("/ci/{TOKEN}?{query}"), None, Body::empty())));
        assert_xml_or_400(answer.status, &answer.body);
    }

    #[test]
    fn any_post_body_gets_xml_or_a_400(body in prop_oneof![query().prop_map(String::into_bytes), any::<Vec<u8>>()]) {
        let req = request(Method::POST, &format!("/ci/{TOKEN}"), Some("application/x-www-form-urlencoded"), Body::from(body));
        let answer = runtime().block_on(send(&endpoint(), req));
        assert_xml_or_400(answer.status, &answer.body);
    }

    #[test]
    fn any_request_the_pbx_could_send_is_answered(
        id in "[0-9a-f]{1,32}",
        name in proptest::option::of(any::<String>()),
        number in proptest::option::of("[+*0-9]{1,15}"),
        extra in proptest::collection::btree_map("[a-z]{1,6}", any::<String>(), 0..4),
    ) {
        let mut call = CallInteractiveRequest::new(id);
        call.caller_id_name = name.filter(|n| !n.is_empty());
        call.caller_id_num = number;
        call.extra = extra;
        let req = request(Method::POST, &format!("/ci/{TOKEN}"), None, Body::from(call.to_form()));
        let answer = runtime().block_on(send(&endpoint(), req));
        prop_assert_eq!(answer.status, StatusCode::OK, "a request with a CallID is always answered: {}", answer.body);
        actions_of(&answer.body);
    }

    #[test]
    fn valid_actions_read_back_as_written(actions in proptest::collection::vec(action(), 0..=10)) {
        let response = Response::new(actions.clone()).expect("the strategy makes valid actions");
        let read = actions_of(&response.to_xml());
        prop_assert_eq!(read, actions.iter().map(expected).collect::<Vec<_>>());
    }
}
