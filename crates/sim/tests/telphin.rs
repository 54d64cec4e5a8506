//! The scripted Telphin PBX on the wire: what it sends and how it reads answers (against a small
//! recording server of this test, which answers what each test tells it to), and the conformance
//! of both sides (its whole script against Sidekick's real endpoint).

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Router;
use sidekick_interactive::{router, serve, AccessToken, Action, CallInteractiveRequest, InteractiveState, ServerConfig};
use sidekick_sim::telphin::{script, Method, PbxAction, PbxCall, PbxError, SimPbx, DEFAULT_PAUSE_SECONDS};

/// One request as the recording server received it.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    /// The raw query string, as it travelled.
    query: String,
    content_type: Option<String>,
    /// The raw body.
    body: String,
}

/// What the recording server answers: status, `Content-Type` (none when `None`), body.
#[derive(Debug, Clone)]
struct Canned {
    status: u16,
    content_type: Option<&'static str>,
    body: Vec<u8>,
}

impl Canned {
    /// HTTP 200 with `body` as `application/xml; charset=utf-8`, as Sidekick answers.
    fn xml(body: &str) -> Self {
        Self { status: 200, content_type: Some("application/xml; charset=utf-8"), body: body.as_bytes().to_vec() }
    }
}

type Shared = (Arc<Mutex<Vec<Seen>>>, Arc<Mutex<Canned>>);

/// A server that records each request and answers what its [`Canned`] says (changeable).
struct Recorder {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    canned: Arc<Mutex<Canned>>,
}

impl Recorder {
    async fn start(canned: Canned) -> Self {
        let shared: Shared = (Arc::default(), Arc::new(Mutex::new(canned)));
        let app = Router::new().fallback(record).with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/ci/test-token", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { url, seen: shared.0, canned: shared.1 }
    }

    fn answer(&self, canned: Canned) {
        *self.canned.lock().unwrap() = canned;
    }

    fn last(&self) -> Seen {
        self.seen.lock().unwrap().last().cloned().expect("a request arrived")
    }
}

async fn record(State((seen, canned)): State<Shared>, request: Request) -> impl IntoResponse {
    let (parts, body) = request.into_parts();
    let body: Bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap();
    seen.lock().unwrap().push(Seen {
        method: parts.method.to_string(),
        query: parts.uri.query().unwrap_or("").to_owned(),
        content_type: parts.headers.get(header::CONTENT_TYPE).map(|v| v.to_str().unwrap().to_owned()),
        body: String::from_utf8(body.to_vec()).expect("the PBX sends ASCII: everything else is percent-encoded"),
    });
    let canned = canned.lock().unwrap().clone();
    let mut response = (StatusCode::from_u16(canned.status).unwrap(), canned.body).into_response();
    match canned.content_type {
        Some(content_type) => response.headers_mut().insert(header::CONTENT_TYPE, content_type.parse().unwrap()),
        None => response.headers_mut().remove(header::CONTENT_TYPE),
    };
    response
}

/// `name=value&…` decoded by hand (percent escapes and `+`), independently of the sim's encoder
/// and of the endpoint's decoder.
fn decoded(form: &str) -> Vec<(String, String)> {
    form.split('&')
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

fn answer(actions: &str) -> String {
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response>\n    {actions}\n</Response>\n")
}

#[tokio::test]
async fn get_appends_the_call_after_the_urls_own_parameters() {
    let server = Recorder::start(Canned::xml("<Response/>")).await;
    let pbx = SimPbx::new(&format!("{}?source=ivr", server.url));
    let call = PbxCall::external("+74951234567", "Иван Петров", "74950001122").var("lang", "ru").var("unset", "");
    let answer = pbx.send(&call).await.unwrap();
    assert_eq!((answer.status, answer.actions.len()), (200, 0));
    let seen = server.last();
    assert_eq!((seen.method.as_str(), seen.body.as_str(), seen.content_type), ("GET", "", None));
    assert!(seen.query.contains("CallerIDName=%D0%98%D0%B2%D0%B0%D0%BD+%D0%9F%D0%B5%D1%82%D1%80%D0%BE%D0%B2"), "{}", seen.query);
    assert!(seen.query.contains("CalledExtension=0003%2A001"), "`*` travels as %2A: {}", seen.query);
    let pairs = decoded(&seen.query);
    let names: Vec<&str> = pairs.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(&names[..4], ["source", "lang", "unset", "EventType"], "the URL's own first, then the call's");
    assert!(pairs.contains(&("unset".into(), String::new())), "an unset $var arrives empty");
    assert!(pairs.contains(&("CallerIDName".into(), "Иван Петров".into())));
    assert!(pairs.contains(&("CallID".into(), call.call_id().into())));
}

#[tokio::test]
async fn post_sends_a_form_body_and_keeps_url_parameters_in_the_query() {
    let server = Recorder::start(Canned::xml("<Response><Hangup/></Response>")).await;
    let call = PbxCall::internal("000*306").post().var("agent", "117").callback_variable("tag", "crm-42");
    let answer = SimPbx::new(&server.url).send(&call).await.unwrap();
    assert_eq!(answer.actions, [PbxAction::Hangup]);
    let seen = server.last();
    assert_eq!(seen.method, "POST");
    assert_eq!(seen.content_type.as_deref(), Some("application/x-www-form-urlencoded"));
    assert_eq!(seen.query, "agent=117", "the URL's own parameters stay in the URL");
    let pairs = decoded(&seen.body);
    assert!(pairs.contains(&("CallerExtension".into(), "000*306".into())));
    assert!(pairs.contains(&("cb_variable_tag".into(), "crm-42".into())));
    assert!(pairs.iter().any(|(n, v)| n == "CallAPIID" && v.starts_with("3584705175:")));
}

/// Every call of the script decodes to exactly what it holds (Cyrillic, guillemets, `*`, `:`,
/// `+`, `&`, `<>`, quotes and both ways of writing a space), in order, and travels as ASCII.
#[tokio::test]
async fn every_script_call_arrives_exactly_as_written() {
    let server = Recorder::start(Canned::xml("")).await;
    let pbx = SimPbx::new(&server.url);
    for call in script() {
        pbx.send(&call).await.unwrap_or_else(|e| panic!("{call:?}: {e}"));
        let seen = server.last();
        let wire = format!("{}{}", seen.query, seen.body);
        assert!(
            wire.bytes().all(|b| b.is_ascii_alphanumeric() || b"%=&+-._~".contains(&b)),
            "nothing travels bare but letters, digits, -._~ and the form's own %=&+: {wire}"
        );
        match call.method {
            Method::Get => {
                let expected: Vec<_> = call.url_params.iter().chain(&call.params).cloned().collect();
                assert_eq!(decoded(&seen.query), expected, "GET: the URL's own, then the call's");
                assert_eq!((seen.body.as_str(), seen.content_type), ("", None));
            }
            Method::Post => {
                assert_eq!(decoded(&seen.query), call.url_params);
                assert_eq!(decoded(&seen.body), call.params);
                assert_eq!(seen.content_type.as_deref(), Some("application/x-www-form-urlencoded"));
            }
        }
    }
}

/// The answers the vendor's page shows, one per verb, as it prints them, are all taken.
#[tokio::test]
async fn the_vendors_sample_answers_are_read() {
    let samples = [
        ("<Hangup/>", PbxAction::Hangup),
        ("<Pause length=\"15\" />", PbxAction::Pause { length: Some(15) }),
        (
            "<SetVar name=\"transferDestination\">09897987</SetVar>",
            PbxAction::SetVar { name: "transferDestination".into(), value: "09897987".into() },
        ),
        ("<Jump context=\"3\" option=\"start\"/>", PbxAction::Jump { context: "3".into(), option: "start".into() }),
        ("<SetCaller name=\"callerName\" number=\"92992\"/>", PbxAction::SetCaller { name: "callerName".into(), number: "92992".into() }),
        (
            "<PlaySound where=\"background\" digitvar=\"transferDestination\">ae3d969ccc49e1a7746e0b1ce36ee4176190040c.wav</PlaySound>",
            PbxAction::PlaySound {
                background: true,
                digitvar: Some("transferDestination".into()),
                file: "ae3d969ccc49e1a7746e0b1ce36ee4176190040c.wav".into(),
            },
        ),
        (
            "<SimpleTransfer final=\"no\" timeout=\"20\">NUM1,NUM2</SimpleTransfer>",
            PbxAction::SimpleTransfer {
                numbers: vec!["NUM1".into(), "NUM2".into()],
                is_final: false,
                timeout: Some(20),
                early_media: false,
            },
        ),
    ];
    let server = Recorder::start(Canned::xml("")).await;
    let pbx = SimPbx::new(&server.url);
    for (xml, expected) in samples {
        server.answer(Canned { status: 200, content_type: Some("text/xml"), body: answer(xml).into_bytes() });
        let got = pbx.send(&PbxCall::external("+74951234567", "Иван Петров", "74950001122")).await;
        assert_eq!(got.map(|a| a.actions), Ok(vec![expected]), "{xml}");
    }
    server.answer(Canned::xml(&answer(
        "<Pause/><SimpleTransfer early_media=\"True\">101</SimpleTransfer><PlaySound where=\"foreground\">a.wav</PlaySound>",
    )));
    let got = pbx.send(&PbxCall::internal("000*306")).await.unwrap();
    assert_eq!(got.actions[0].pause_seconds(), Some(DEFAULT_PAUSE_SECONDS), "no length: 10 s");
    assert!(matches!(&got.actions[1], PbxAction::SimpleTransfer { is_final: true, early_media: true, timeout: None, .. }));
    assert!(matches!(&got.actions[2], PbxAction::PlaySound { background: false, digitvar: None, .. }));
    let json = serde_json::to_value(&got).unwrap();
    assert_eq!(json["actions"][1]["earlyMedia"], true, "camelCase JSON for the command line: {json}");
    assert_eq!(json["actions"][1]["final"], true, "{json}");
    assert!(json["elapsedMs"].is_f64(), "{json}");
}

/// The answer is optional: an empty 200, with or without a content type, is "no actions".
#[tokio::test]
async fn an_empty_answer_is_no_actions() {
    let server = Recorder::start(Canned { status: 200, content_type: None, body: Vec::new() }).await;
    let pbx = SimPbx::new(&server.url);
    assert_eq!(pbx.send(&PbxCall::internal("000*306")).await.map(|a| a.actions), Ok(vec![]));
    server.answer(Canned { status: 200, content_type: Some("text/plain"), body: b"\r\n".to_vec() });
    assert_eq!(pbx.send(&PbxCall::internal("000*306")).await.map(|a| a.actions), Ok(vec![]));
}

/// Each answer a real PBX would not take is refused with a sentence naming what is wrong.
#[tokio::test]
async fn each_malformed_answer_is_named() {
    let xml = |body: &str| Canned::xml(body);
    let cases: Vec<(Canned, &str)> = vec![
        (xml(&answer(&"<Hangup/>".repeat(11))), "more than 10 actions"),
        (xml(&answer("<Dial>101</Dial>")), "<Dial> is not an action the PBX knows"),
        (xml(&answer("<SetCaller name=\"Иван\"/>")), "<SetCaller> needs its \"number\" attribute"),
        (xml(&answer("<SimpleTransfer final=\"maybe\">101</SimpleTransfer>")), "final=\"maybe\">: only yes or no"),
        (xml(&answer("<SimpleTransfer>101, 102</SimpleTransfer>")), "numbers \"101, 102\" hold a space"),
        (xml(&answer("<SimpleTransfer>101,</SimpleTransfer>")), "have an empty item"),
        (xml(&answer("<SimpleTransfer timeout=\"20s\">101</SimpleTransfer>")), "timeout=\"20s\">: not plain digits"),
        (xml(&answer("<Pause length=\"+5\"/>")), "length=\"+5\">: not plain digits"),
        (xml(&answer("<SimpleTransfer early_media=\"true\">101</SimpleTransfer>")), "the PBX reads only \"True\""),
        (xml(&answer("<PlaySound digitvar=\"d\">a.wav</PlaySound>")), "<PlaySound> needs its \"where\" attribute"),
        (xml(&answer("<SetVar>1</SetVar>")), "<SetVar> needs its \"name\" attribute"),
        (xml(&answer("<Jump option=\"start\"/>")), "<Jump> needs its \"context\" attribute"),
        (xml("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Result><Hangup/></Result>"), "the root element is <Result>, not <Response>"),
        (xml("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><Response/>"), "encoding \"ISO-8859-1\"; the PBX reads UTF-8"),
        (xml(&answer("<Hangup>")), "not well-formed XML"),
        (Canned { status: 200, content_type: Some("text/html"), body: b"<Response/>".to_vec() }, "declared as \"text/html\", not XML"),
        (Canned { status: 200, content_type: None, body: b"<Response/>".to_vec() }, "declared as \"nothing\", not XML"),
        (
            Canned { status: 200, content_type: Some("text/xml; charset=windows-1251"), body: b"<Response/>".to_vec() },
            "the PBX reads UTF-8",
        ),
        (
            Canned {
                status: 200,
                content_type: Some("text/xml"),
                body: b"<Response><SetVar name=\"n\">\xc8\xe2\xe0\xed</SetVar></Response>".to_vec(),
            },
            "the body is not UTF-8",
        ),
    ];
    let server = Recorder::start(Canned::xml("")).await;
    let pbx = SimPbx::new(&server.url);
    for (canned, expected) in cases {
        let body = String::from_utf8_lossy(&canned.body).into_owned();
        server.answer(canned);
        match pbx.send(&PbxCall::external("+74951234567", "Иван Петров", "74950001122")).await {
            Err(PbxError::Malformed(reason)) => assert!(reason.contains(expected), "{body}: {reason:?} should say {expected:?}"),
            other => panic!("{body}: {other:?} instead of a malformed answer saying {expected:?}"),
        }
    }
    server.answer(Canned { status: 500, content_type: Some("text/plain"), body: b"database down".to_vec() });
    let err = pbx.send(&PbxCall::internal("000*306")).await.unwrap_err();
    assert_eq!(err, PbxError::Status { status: 500, body: "database down".into() }, "a non-200 is refused with its body");
    let err = SimPbx::new("http://127.0.0.1:9/ci/x").send(&PbxCall::external("1", "", "")).await.unwrap_err();
    assert!(matches!(err, PbxError::Http(_)), "nothing listens on port 9: {err}");
}

#[tokio::test]
async fn send_raw_sends_exactly_what_it_is_given() {
    let server = Recorder::start(Canned { status: 418, content_type: Some("text/plain"), body: "нет".as_bytes().to_vec() }).await;
    let pbx = SimPbx::new(&format!("{}?source=ivr", server.url));
    let raw = pbx.send_raw(Method::Post, "x=%zz", "{\"CallID\":1}", Some("application/json")).await.unwrap();
    assert_eq!((raw.status, raw.content_type.as_deref(), raw.body.as_str()), (418, Some("text/plain"), "нет"));
    let seen = server.last();
    assert_eq!((seen.method.as_str(), seen.query.as_str()), ("POST", "source=ivr&x=%zz"));
    assert_eq!((seen.content_type.as_deref(), seen.body.as_str()), (Some("application/json"), "{\"CallID\":1}"));
    pbx.send_raw(Method::Get, "", "ignored", None).await.unwrap();
    let seen = server.last();
    assert_eq!((seen.method.as_str(), seen.query.as_str(), seen.body.as_str()), ("GET", "source=ivr", ""), "GET has no body");
}

/// Sidekick's real endpoint, with a decider that answers `actions` and records the screen pops.
async fn sidekick(actions: Vec<Action>) -> (String, Arc<Mutex<Vec<CallInteractiveRequest>>>) {
    let token = AccessToken::generate();
    let received: Arc<Mutex<Vec<CallInteractiveRequest>>> = Arc::default();
    let sink = received.clone();
    let decider = move |_request: Arc<CallInteractiveRequest>| {
        let actions = actions.clone();
        async move { Ok(actions) }
    };
    let state = InteractiveState::new(ServerConfig::new(token.clone()), decider, move |r: Arc<CallInteractiveRequest>| {
        sink.lock().unwrap().push((*r).clone())
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}{}", listener.local_addr().unwrap(), sidekick_interactive::server::path_for(&token));
    tokio::spawn(serve(listener, router(state)));
    (url, received)
}

/// Every call of the script against Sidekick's real endpoint: all answered 200, every answer
/// taken by the PBX's reader, each action as the decider chose it, every screen pop intact.
#[tokio::test]
async fn the_whole_script_is_answered_by_sidekicks_endpoint() {
    let (url, received) = sidekick(vec![
        Action::SetVar { name: "route".into(), value: "Иван & Co".into() },
        Action::Pause { length: Some("2".into()) },
        Action::Pause { length: None },
        Action::SetCaller { name: "Анна & Co <VIP>".into(), number: "+74951234567".into() },
        Action::PlaySound { playback: "background".into(), digitvar: Some("d".into()), file: "a.wav".into() },
        Action::Jump { context: "3".into(), option: "start".into() },
        Action::SimpleTransfer { numbers: "101,*77".into(), is_final: false, timeout: Some("20".into()), early_media: true },
        Action::Hangup,
    ])
    .await;
    let pbx = SimPbx::new(&url);
    let calls = script();
    for call in &calls {
        let answer = pbx.send(call).await.unwrap_or_else(|e| panic!("{call:?}: {e}"));
        assert_eq!(
            answer.actions,
            [
                PbxAction::SetVar { name: "route".into(), value: "Иван & Co".into() },
                PbxAction::Pause { length: Some(2) },
                PbxAction::Pause { length: None },
                PbxAction::SetCaller { name: "Анна & Co <VIP>".into(), number: "+74951234567".into() },
                PbxAction::PlaySound { background: true, digitvar: Some("d".into()), file: "a.wav".into() },
                PbxAction::Jump { context: "3".into(), option: "start".into() },
                PbxAction::SimpleTransfer {
                    numbers: vec!["101".into(), "*77".into()],
                    is_final: false,
                    timeout: Some(20),
                    early_media: true
                },
                PbxAction::Hangup,
            ],
            "what Sidekick writes is what the PBX reads"
        );
    }
    let received = received.lock().unwrap();
    assert_eq!(received.len(), calls.len(), "every call popped");
    for (call, got) in calls.iter().zip(received.iter()) {
        assert_eq!(got.call_id, call.call_id());
        assert_eq!(got.caller_id_num.as_deref(), call.value("CallerIDNum"), "a `+` of a number is no space");
        assert_eq!(got.caller_id_name.as_deref(), call.value("CallerIDName"), "names arrive intact (Cyrillic, quotes, & and <>)");
        for (n, v) in &call.url_params {
            assert_eq!(got.extra.get(n), Some(v), "the URL's own {n} arrives");
        }
    }
    assert_eq!(received[5].callback_variables.get("tag").map(String::as_str), Some("crm-42"));
}

/// An empty decision is the empty answer, which the PBX takes as "carry on".
#[tokio::test]
async fn sidekicks_empty_answer_is_taken() {
    let (url, _) = sidekick(Vec::new()).await;
    let answer = SimPbx::new(&url).send(&PbxCall::external("84957654321", "ООО «Ромашка»", "").post()).await;
    assert_eq!(answer.map(|a| (a.status, a.actions)), Ok((200, vec![])));
}

/// Requests that are not Call Interactive requests get Sidekick's refusals, which the PBX's
/// strict reading reports as such.
#[tokio::test]
async fn sidekick_refuses_what_is_not_a_call_interactive_request() {
    let (url, received) = sidekick(vec![Action::Hangup]).await;
    let pbx = SimPbx::new(&url);
    let raw = pbx.send_raw(Method::Get, "CallerIDNum=%2B74951234567", "", None).await.unwrap();
    assert_eq!(raw.status, 400, "no CallID: {raw:?}");
    assert!(!raw.body.is_empty(), "the refusal says why");
    let raw = pbx.send_raw(Method::Post, "", "{\"CallID\":\"x\"}", Some("application/json")).await.unwrap();
    assert_eq!(raw.status, 400, "a JSON body: {raw:?}");
    assert!(raw.body.contains("form"), "{raw:?}");
    let wrong = SimPbx::new(&url.replace("/ci/", "/ci/not-"));
    let err = wrong.send(&PbxCall::internal("000*306")).await.unwrap_err();
    assert_eq!(err, PbxError::Status { status: 404, body: String::new() }, "a wrong token is an unknown path");
    assert!(received.lock().unwrap().is_empty(), "nothing popped");
}
