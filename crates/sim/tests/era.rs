//! The Era simulator driven by Sidekick's real IVR client (`sidekick-ivrapi`) over loopback, and
//! by a bare WebSocket for what the client never sends (broken frames, float qids, refused
//! destinations, subscriptions that expire).

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use sidekick_ivrapi::{Component, IvrClient, IvrConfig, IvrError, IvrEvent, LinkStatus, Phase, Token};
use sidekick_sim::era::{EraRules, OfferScript};
use sidekick_sim::{Scenario, SimHandle};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

const TOKEN: &str = "sim-era-token-0123";

async fn sim(era: EraRules) -> SimHandle {
    let sim = sidekick_sim::spawn(Scenario { era, ..Scenario::default() }).await.expect("the simulators start");
    assert!(sim.era_url.starts_with("ws://127.0.0.1:") && sim.era_url.ends_with("/ws/token/v1"), "{}", sim.era_url);
    sim
}

fn config(sim: &SimHandle) -> IvrConfig {
    IvrConfig {
        first_retry: Duration::from_millis(100),
        max_retry: Duration::from_millis(400),
        refused_retry: Duration::from_secs(60),
        request_timeout: Duration::from_secs(3),
        accept_timeout: sim.era.rules().accept_timeout,
        ..IvrConfig::new(&sim.era_url)
    }
}

fn client(sim: &SimHandle) -> IvrClient {
    IvrClient::start(config(sim), Token::new(TOKEN).expect("token")).expect("client")
}

async fn connected(client: &IvrClient) {
    let mut status = client.status();
    tokio::time::timeout(Duration::from_secs(5), status.wait_for(|s| matches!(s, LinkStatus::Connected { .. })))
        .await
        .unwrap_or_else(|_| panic!("not connected: {:?}", client.status().borrow()))
        .expect("the client runs");
}

/// Waits (up to 5 s) until `pred` holds.
async fn until(what: &str, pred: impl Fn() -> bool) {
    for _ in 0..500 {
        if pred() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for {what}");
}

fn phase(client: &IvrClient, ivrid: &str) -> Option<Phase> {
    client.session(ivrid).map(|s| s.phase)
}

fn count(sim: &SimHandle, name: &str) -> usize {
    sim.era.requests().iter().filter(|n| *n == name).count()
}

/// A connected client in control of a fresh offer.
async fn controlled(sim: &SimHandle, offer: OfferScript) -> (IvrClient, String) {
    let client = client(sim);
    connected(&client).await;
    let ivrid = sim.era.offer(offer);
    until("the offer", || client.session(&ivrid).is_some()).await;
    client.accept(&ivrid).await.expect("accepted");
    (client, ivrid)
}

fn dtmf_of(events: &mut tokio::sync::broadcast::Receiver<IvrEvent>, ivrid: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    while let Ok(event) = events.try_recv() {
        if let IvrEvent::Dtmf { ivrid: id, mode, dtmf } = event {
            if id == ivrid {
                out.push((mode, dtmf));
            }
        }
    }
    out
}

#[tokio::test]
async fn two_clients_race_for_one_offer_and_only_the_first_accept_wins() {
    let sim = sim(EraRules::default()).await;
    let (a, b) = (client(&sim), client(&sim));
    connected(&a).await;
    connected(&b).await;
    assert_eq!(sim.era.connections(), 2);
    let ivrid = sim.era.offer(OfferScript { key: "race-key".into(), params: r#"{"queue":"vip"}"#.into(), ..OfferScript::default() });
    assert!(ivrid.starts_with("rDlg-006-") && ivrid.len() == 15, "{ivrid}");
    until("both offered", || a.session(&ivrid).is_some() && b.session(&ivrid).is_some()).await;
    assert_eq!(a.session(&ivrid).map(|s| s.params), Some(r#"{"queue":"vip"}"#.to_owned()));

    let (ra, rb) = tokio::join!(a.accept(&ivrid), b.accept(&ivrid));
    assert!(ra.is_ok() != rb.is_ok(), "exactly one wins: {ra:?} / {rb:?}");
    let (winner, loser, refusal) = match (ra, rb) {
        (Ok(()), Err(e)) => (&a, &b, e),
        (Err(e), Ok(())) => (&b, &a, e),
        other => panic!("{other:?}"),
    };
    assert!(matches!(refusal, IvrError::Refused { ref request, .. } if request == "ivrapi_accept"), "{refusal:?}");
    assert_eq!(refusal.code(), Some(1409), "{refusal}");
    assert!(refusal.to_string().contains("another connection"), "{refusal}");
    assert_eq!(phase(winner, &ivrid), Some(Phase::Controlled));
    assert!(matches!(phase(loser, &ivrid), Some(Phase::Released { ref why }) if why.contains("not taken")), "the loser sees it taken: {:?}", phase(loser, &ivrid));
    let seen = sim.era.session(&ivrid).expect("session");
    assert_eq!((seen.phase.as_str(), seen.controlled, seen.controller_connected), ("controlled", true, true));
    assert_eq!(count(&sim, "ivrapi_accept"), 2);

    // Only the controller hears the caller's digits.
    let (mut win_events, mut lose_events) = (winner.events(), loser.events());
    assert!(sim.era.press(&ivrid, "5"));
    until("the digit", || winner.session(&ivrid).is_some_and(|s| s.dtmf == "5")).await;
    assert_eq!(dtmf_of(&mut win_events, &ivrid), vec![("idle".to_owned(), "5".to_owned())]);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(dtmf_of(&mut lose_events, &ivrid).is_empty());
    assert_eq!(loser.session(&ivrid).map(|s| s.dtmf), Some(String::new()));
}

#[tokio::test]
async fn a_dropped_socket_mid_component_is_reconnected_reaccepted_and_gets_the_components_end() {
    let sim = sim(EraRules { play: Duration::from_secs(2), ..EraRules::default() }).await;
    let (client, ivrid) = controlled(&sim, OfferScript::default()).await;
    let o_id = client.apply(&ivrid, &Component::Play { file: ":GS_PUB/x/y/14.mp3".into() }).await.expect("playing").expect("an oId");
    assert!(matches!(phase(&client, &ivrid), Some(Phase::Running { o_type: 204, .. })));
    let mut events = client.events();

    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(sim.era.drop_connections(), 1);
    // The link went down, then came back: connection_info, subscribe and reaccept again.
    let mut went_down = false;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while let Ok(Ok(event)) = tokio::time::timeout_at(deadline, events.recv()).await {
        match event {
            IvrEvent::Link { status: LinkStatus::Down { .. } } => went_down = true,
            IvrEvent::Link { status: LinkStatus::Connected { .. } } if went_down => break,
            _ => {}
        }
    }
    assert!(went_down, "the client saw the link drop");
    connected(&client).await;
    assert_eq!((count(&sim, "connection_info"), count(&sim, "subscribe"), count(&sim, "ivrapi_reaccept")), (2, 2, 1), "{:?}", sim.era.requests());
    let during = sim.era.session(&ivrid).expect("session");
    assert_eq!((during.running, during.controller_connected), (Some(204), true), "the play runs on, controlled from the new socket");
    assert!(matches!(phase(&client, &ivrid), Some(Phase::Running { .. })), "{:?}", phase(&client, &ivrid));

    // The play's end reaches the new connection.
    until("the play's end", || client.session(&ivrid).is_some_and(|s| s.phase == Phase::Controlled)).await;
    let outcome = client.session(&ivrid).and_then(|s| s.last_component).expect("outcome");
    assert_eq!((outcome.o_type, outcome.o_id, outcome.transfer_key.as_str()), (204, Some(o_id), "transfer"));
    assert_eq!(sim.era.session(&ivrid).expect("session").components[0].transfer_key.as_deref(), Some("transfer"));

    // And the session goes on.
    let next = client.apply(&ivrid, &Component::Play { file: ":TEMP/14.mp3".into() }).await.expect("another component");
    assert!(next.is_some_and(|n| n > o_id));
    assert_eq!(sim.era.session(&ivrid).expect("session").components.len(), 2);
}

#[tokio::test]
async fn a_component_that_ended_while_the_link_was_down_does_not_block_the_session() {
    let sim = sim(EraRules { play: Duration::from_millis(300), ..EraRules::default() }).await;
    let client = IvrClient::start(IvrConfig { first_retry: Duration::from_millis(900), max_retry: Duration::from_millis(900), ..config(&sim) }, Token::new(TOKEN).expect("token")).expect("client");
    connected(&client).await;
    let ivrid = sim.era.offer(OfferScript::default());
    until("offered", || client.session(&ivrid).is_some()).await;
    client.accept(&ivrid).await.expect("accepted");
    client.apply(&ivrid, &Component::Play { file: ":TEMP/14.mp3".into() }).await.expect("playing");
    assert_eq!(sim.era.drop_connections(), 1);
    // The play ends while nobody is connected: its ivrapi_component_stopped goes nowhere.
    until("the play's end on the platform", || sim.era.session(&ivrid).is_some_and(|s| s.running.is_none())).await;
    until("reaccepted", || count(&sim, "ivrapi_reaccept") == 1).await;
    connected(&client).await;
    assert!(matches!(phase(&client, &ivrid), Some(Phase::Running { .. })), "the client cannot know: {:?}", phase(&client, &ivrid));
    let e = client.terminate(&ivrid).await.expect_err("nothing runs on the platform");
    assert!(matches!(e, IvrError::Refused { .. }), "{e:?}");
    assert_eq!(phase(&client, &ivrid), Some(Phase::Controlled), "the refusal frees the session");
    client.apply(&ivrid, &Component::Play { file: ":TEMP/15.mp3".into() }).await.expect("the next component runs");
}

#[tokio::test]
async fn api_stop_during_a_component_stops_the_session_with_its_reason() {
    let sim = sim(EraRules { play: Duration::from_secs(5), ..EraRules::default() }).await;
    let (client, ivrid) = controlled(&sim, OfferScript::default()).await;
    let record = Component::Record { rec_time_sec: 60, max_symbols: None, interrupt: None, abort_on_silence: true };
    client.apply(&ivrid, &record).await.expect("recording");

    assert!(sim.era.hangup(&ivrid), "the caller hangs up");
    until("the stop", || matches!(phase(&client, &ivrid), Some(Phase::Stopped { .. }))).await;
    assert_eq!(phase(&client, &ivrid), Some(Phase::Stopped { reason: "script".into() }));
    let e = client.apply(&ivrid, &Component::Play { file: ":TEMP/a.wav".into() }).await.expect_err("over");
    assert!(matches!(e, IvrError::Stopped { ref reason, .. } if reason == "script"), "{e:?}");
    let seen = sim.era.session(&ivrid).expect("session");
    assert_eq!((seen.phase.as_str(), seen.stop_reason.as_deref(), seen.running), ("stopped", Some("script"), None));
    assert_eq!(seen.components[0].transfer_key, None, "the recording was cut, not ended");
    assert!(!sim.era.hangup(&ivrid), "an ended session cannot end again");
    assert!(!sim.era.press(&ivrid, "1"));
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(client.session(&ivrid).and_then(|s| s.last_component), None, "no component end after the stop");

    // Another reason, through stop.
    let second = sim.era.offer(OfferScript::default());
    until("the second offer", || client.session(&second).is_some()).await;
    client.accept(&second).await.expect("accepted");
    client.apply(&second, &record).await.expect("recording");
    assert!(sim.era.stop(&second, "maintenance"));
    until("the second stop", || matches!(phase(&client, &second), Some(Phase::Stopped { .. }))).await;
    assert_eq!(phase(&client, &second), Some(Phase::Stopped { reason: "maintenance".into() }));
}

#[tokio::test]
async fn abort_hands_the_caller_back_and_the_session_stops_with_abort() {
    let sim = sim(EraRules::default()).await;
    let (client, ivrid) = controlled(&sim, OfferScript::default()).await;
    client.abort(&ivrid).await.expect("handed back");
    until("the stop", || matches!(phase(&client, &ivrid), Some(Phase::Stopped { .. }))).await;
    assert_eq!(phase(&client, &ivrid), Some(Phase::Stopped { reason: "abort".into() }));
    assert_eq!(sim.era.session(&ivrid).and_then(|s| s.stop_reason).as_deref(), Some("abort"));
}

#[tokio::test]
async fn collecting_digits_ends_with_the_digits_pressed_and_each_digit_is_an_event() {
    let sim = sim(EraRules::default()).await;
    let (client, ivrid) = controlled(&sim, OfferScript { state: Some("incoming".into()), ..OfferScript::default() }).await;
    let mut events = client.events();

    // Media before the answer: the client refuses a typed play, and the platform a raw one.
    let play = Component::Play { file: ":TEMP/a.wav".into() };
    assert!(matches!(client.apply(&ivrid, &play).await, Err(IvrError::NotAllowed(_))));
    let raw = serde_json::from_value(json!({"oType": 204, "mode": 0, "file": ":TEMP/a.wav"})).expect("object");
    let refused = client.apply(&ivrid, &Component::Raw(raw)).await.expect_err("no media before the answer");
    assert_eq!(refused.code(), Some(1409), "{refused}");
    assert_eq!(phase(&client, &ivrid), Some(Phase::Controlled));

    // Answered with 200: dialog.
    client.apply(&ivrid, &Component::Answer { sip_code: 200, phrase: None, redirect_to: None }).await.expect("answer");
    until("the answer's end", || client.session(&ivrid).is_some_and(|s| s.phase == Phase::Controlled)).await;
    assert_eq!(client.session(&ivrid).and_then(|s| s.sip_state), Some(sidekick_ivrapi::SipState::Dialog));
    assert_eq!(sim.era.session(&ivrid).map(|s| s.sip_state).as_deref(), Some("dialog"));

    let collect = Component::CollectDigits { timeout_sec: 10, symbol_timeout_sec: 3, max_symbols: None, interrupt: Some("#".into()) };
    let o_id = client.apply(&ivrid, &collect).await.expect("collecting");
    assert!(sim.era.press(&ivrid, "42#"));
    until("the digits", || client.session(&ivrid).is_some_and(|s| s.phase == Phase::Controlled)).await;
    let session = client.session(&ivrid).expect("session");
    let outcome = session.last_component.expect("outcome");
    assert_eq!((outcome.o_type, outcome.o_id, outcome.transfer_key.as_str()), (206, o_id, "transfer"));
    assert_eq!(outcome.results["dtmfBuffer"], "42", "the interrupt digit is not kept");
    assert_eq!(session.dtmf, "42#");
    // A digit after the component is an idle one.
    assert!(sim.era.press(&ivrid, "7"));
    until("the idle digit", || client.session(&ivrid).is_some_and(|s| s.dtmf == "42#7")).await;
    let digits = dtmf_of(&mut events, &ivrid);
    let want: Vec<(String, String)> = [("component", "4"), ("component", "2"), ("component", "#"), ("idle", "7")].iter().map(|(m, d)| (m.to_string(), d.to_string())).collect();
    assert_eq!(digits, want);

    // Nobody presses anything: the total wait ends it on transferTimeout.
    let short = Component::CollectDigits { timeout_sec: 1, symbol_timeout_sec: 1, max_symbols: Some(4), interrupt: None };
    client.apply(&ivrid, &short).await.expect("collecting");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(matches!(phase(&client, &ivrid), Some(Phase::Running { o_type: 206, .. })));
    until("the timeout", || client.session(&ivrid).is_some_and(|s| s.phase == Phase::Controlled)).await;
    let timed_out = client.session(&ivrid).and_then(|s| s.last_component).expect("outcome");
    assert_eq!((timed_out.transfer_key.as_str(), &timed_out.results["dtmfBuffer"]), ("transferTimeout", &json!("")));

    // Four digits when four are wanted end it at once.
    client.apply(&ivrid, &short).await.expect("collecting");
    assert!(sim.era.press(&ivrid, "1234"));
    until("four digits", || client.session(&ivrid).is_some_and(|s| s.phase == Phase::Controlled)).await;
    assert_eq!(client.session(&ivrid).and_then(|s| s.last_component).expect("outcome").results["dtmfBuffer"], "1234");
}

#[tokio::test]
async fn an_offer_nobody_takes_stops_on_timeout() {
    let sim = sim(EraRules { accept_timeout: Duration::from_millis(300), ..EraRules::default() }).await;
    let client = client(&sim);
    connected(&client).await;
    let ivrid = sim.era.offer(OfferScript::default());
    until("the offer", || client.session(&ivrid).is_some()).await;
    let offered = client.session(&ivrid).expect("offered");
    assert_eq!(offered.accept_deadline_ms - offered.offered_ms, 300);
    until("the timeout", || matches!(phase(&client, &ivrid), Some(Phase::Stopped { .. }))).await;
    assert_eq!(phase(&client, &ivrid), Some(Phase::Stopped { reason: "timeout".into() }));
    assert!(matches!(client.accept(&ivrid).await, Err(IvrError::Stopped { .. })));
    assert_eq!(sim.era.session(&ivrid).and_then(|s| s.stop_reason).as_deref(), Some("timeout"));
}

#[tokio::test]
async fn a_wrong_token_is_refused_before_the_upgrade_and_the_path_form_works() {
    let sim = sim(EraRules::default()).await;
    let wrong = IvrClient::start(config(&sim), Token::new("not-the-sim-token").expect("token")).expect("client");
    let mut status = wrong.status();
    let down = tokio::time::timeout(Duration::from_secs(5), status.wait_for(|s| matches!(s, LinkStatus::Down { .. }))).await.expect("in time").expect("runs").clone();
    let LinkStatus::Down { reason, retry_in_ms } = down else { unreachable!() };
    assert!(reason.contains("token"), "{reason}");
    assert!(retry_in_ms >= 45_000, "a refused token is not hammered: {retry_in_ms}");
    assert_eq!((sim.era.refused_tokens(), sim.era.connections()), (1, 0));
    assert!(sim.era.requests().is_empty());

    // Plain HTTP gets the 401 too.
    let http = sim.era_url.replacen("ws://", "http://", 1);
    let answer = reqwest::get(&http).await.expect("answer");
    assert_eq!(answer.status(), 401);

    let in_path = IvrClient::start(IvrConfig { token_in_path: true, ..config(&sim) }, Token::new(TOKEN).expect("token")).expect("client");
    connected(&in_path).await;
    assert_eq!(sim.era.connections(), 1);
}

#[tokio::test]
async fn file_links_serve_for_their_lifetime_and_uploads_answer_paths() {
    let sim = sim(EraRules { play: Duration::from_secs(30), link_lifetime: Duration::from_millis(800), ..EraRules::default() }).await;
    let (client, ivrid) = controlled(&sim, OfferScript::default()).await;

    // A recording stopped early still leaves its file.
    let record = Component::Record { rec_time_sec: 60, max_symbols: None, interrupt: None, abort_on_silence: false };
    client.apply(&ivrid, &record).await.expect("recording");
    client.terminate(&ivrid).await.expect("terminated");
    until("the recording's end", || client.session(&ivrid).is_some_and(|s| s.phase == Phase::Controlled)).await;
    let outcome = client.session(&ivrid).and_then(|s| s.last_component).expect("outcome");
    assert_eq!(outcome.transfer_key, "terminated");
    let path = outcome.results["recordPath"].as_str().expect("a path").to_owned();
    assert!(path.starts_with(":TEMP/rec-") && path.ends_with(".wav"), "{path}");

    let link = client.file_link(&ivrid, &path).await.expect("link");
    let base = sim.era_url.replacen("ws://", "http://", 1).replace("/ws/token/v1", "/temp/");
    assert!(link.url.starts_with(&base) && link.url.ends_with(".wav"), "{} vs {base}", link.url);
    let got = reqwest::get(&link.url).await.expect("download");
    assert_eq!(got.status(), 200);
    assert_eq!(got.headers()["content-type"], "audio/wav");
    let bytes = got.bytes().await.expect("body");
    assert_eq!(&bytes[..4], b"RIFF");
    tokio::time::sleep(Duration::from_millis(900)).await;
    assert_eq!(reqwest::get(&link.url).await.expect("answer").status(), 404, "the link expired");

    assert_eq!(client.upload_temp(&ivrid, "http://192.168.0.112/14.mp3").await.expect("temp"), ":TEMP/14.mp3");
    assert_eq!(client.upload_static(&ivrid, "http://192.168.0.112/14.mp3", ":GS_PUB/x/y/").await.expect("static"), ":GS_PUB/x/y/14.mp3");
    assert_eq!(client.upload_static(&ivrid, "http://h/a.wav", "").await.expect("default"), ":SYNC_DOMAIN_DATA/a.wav");
    assert_eq!(client.upload_static_shared("http://192.168.0.12/abc.wav", ":GS_PUB/a/b/c").await.expect("shared"), ":GS_PUB/a/b/c/abc.wav");
    // The client refuses an unknown prefix itself (the simulator's own refusal is in the raw test).
    let before = count(&sim, "ivrapi_file_upload_static");
    assert!(matches!(client.upload_static(&ivrid, "http://h/a.mp3", ":NOWHERE/a").await, Err(IvrError::NotAllowed(_))));
    assert_eq!(count(&sim, "ivrapi_file_upload_static"), before);
}

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn raw(sim: &SimHandle) -> Ws {
    let mut request = sim.era_url.as_str().into_client_request().expect("request");
    request.headers_mut().insert("authorization", format!("Bearer {TOKEN}").parse().expect("header"));
    tokio_tungstenite::connect_async(request).await.expect("connected").0
}

async fn send(ws: &mut Ws, text: &str) {
    ws.send(Message::Text(text.to_owned().into())).await.expect("sent");
}

/// The next text frame, as JSON.
async fn next(ws: &mut Ws) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(3), ws.next()).await.expect("a frame in time").expect("open").expect("read");
        if let Message::Text(text) = message {
            return serde_json::from_str(text.as_str()).expect("JSON");
        }
    }
}

/// Nothing arrives for a while.
async fn silent(ws: &mut Ws) {
    if let Ok(Some(Ok(Message::Text(text)))) = tokio::time::timeout(Duration::from_millis(300), ws.next()).await {
        panic!("unexpected frame {text}");
    }
}

#[tokio::test]
async fn broken_frames_and_unknown_names_do_not_break_the_server() {
    let sim = sim(EraRules::default()).await;
    let mut ws = raw(&sim).await;
    for junk in ["nope", "[1, 2]", r#"["only a name"]"#, "{}", r#"["x", {}, 3]"#, ""] {
        send(&mut ws, junk).await;
        let error = next(&mut ws).await;
        assert_eq!((error[0].as_str(), &error[1]["error_code"]), (Some("error"), &json!(1400)), "{junk}: {error}");
    }
    ws.send(Message::Binary(vec![0xff, 0x00].into())).await.expect("sent");
    assert_eq!(next(&mut ws).await[0], "error");
    assert_eq!(sim.era.malformed(), 7);

    // An unknown name is refused by name, the float qid echoed as it came.
    send(&mut ws, r#"["no_such_request", {"qid": 0.1234}]"#).await;
    let answer = next(&mut ws).await;
    assert_eq!(answer, json!(["no_such_request_result", {"qid": 0.1234, "result": "error", "error_code": 1400, "error_message": "unknown request \"no_such_request\""}]));

    // And a valid request is still answered.
    send(&mut ws, r#"["connection_info", {"qid": 930293482233}]"#).await;
    let info = next(&mut ws).await;
    assert_eq!((info[0].as_str(), &info[1]["qid"], &info[1]["result"]), (Some("connection_info_result"), &json!(930293482233u64), &json!("ok")));
    assert_eq!(info[1]["capabilities"], json!(["ivrapi", "subscr", "rest", "callrecord"]));
    assert_eq!(info[1]["ownertype"], "token");

    // The simulator refuses a destination outside the storage prefixes, with or without a session.
    send(&mut ws, r#"["file_upload_static", {"qid": 123, "url": "http://192.168.0.12/abc.wav", "destpath": ":NOWHERE/a/b"}]"#).await;
    let refused = next(&mut ws).await;
    assert_eq!((&refused[1]["qid"], &refused[1]["result"], &refused[1]["error_code"]), (&json!(123), &json!("error"), &json!(1400)), "{refused}");
    assert!(refused[1]["error_message"].as_str().is_some_and(|m| m.contains("storage prefix")), "{refused}");
    send(&mut ws, r#"["file_upload_static", {"qid": 124, "url": "http://192.168.0.12/abc.wav", "destpath": ":GS_PUB/a/b/c"}]"#).await;
    assert_eq!(next(&mut ws).await, json!(["file_upload_static_result", {"qid": 124, "result": ":GS_PUB/a/b/c/abc.wav"}]));
    assert_eq!(sim.era.connections(), 1);
}

#[tokio::test]
async fn the_platforms_refusals_and_subscriptions_as_seen_on_the_wire() {
    let sim = sim(EraRules::default()).await;
    let mut ws = raw(&sim).await;
    // Two subscriptions: each notification comes once per subscription.
    send(&mut ws, r#"["subscribe", {"qid": 1, "id": "s1", "expires": 3600, "events": ["ivrevents"]}]"#).await;
    assert_eq!(next(&mut ws).await, json!(["subscribe_result", {"qid": 1, "result": "ok"}]));
    send(&mut ws, r#"["subscribe", {"qid": 2, "id": "s2", "expires": 1, "events": ["ivrevents.api_start"]}]"#).await;
    assert_eq!(next(&mut ws).await[1]["result"], "ok");
    let ivrid = sim.era.offer(OfferScript { key: "abc".into(), state: Some("early".into()), ..OfferScript::default() });
    for _ in 0..2 {
        let start = next(&mut ws).await;
        assert_eq!((start[0].as_str(), &start[1]["class"], &start[1]["type"]), (Some("notify"), &json!("ivrevents"), &json!("api_start")));
        let data = &start[1]["data"];
        assert_eq!((&data["ivrid"], &data["key"], &data["state"], &data["params"]), (&json!(ivrid), &json!("abc"), &json!("early"), &json!("{}")));
        for field in ["callid", "cid", "componentid", "componentname", "ivrts", "sm_id"] {
            assert!(data.get(field).is_some(), "api_start without {field}: {start}");
        }
    }
    silent(&mut ws).await;

    let ask = |name: &str, qid: Value, key: &str, id: &str| json!([name, {"qid": qid, "key": key, "ivrid": id}]).to_string();
    send(&mut ws, &ask("ivrapi_accept", json!(5), "abc", "rDlg-006-NOSUCH")).await;
    assert_eq!(next(&mut ws).await[1]["error_code"], 1404);
    send(&mut ws, &ask("ivrapi_accept", json!(6), "wrong", &ivrid)).await;
    assert_eq!(next(&mut ws).await[1]["error_code"], 1403);
    send(&mut ws, r#"["ivrapi_component_apply", {"qid": 7, "key": "abc"}]"#).await;
    assert_eq!(next(&mut ws).await[1]["error_code"], 1400);
    send(&mut ws, &ask("ivrapi_component_terminate", json!(8), "abc", &ivrid)).await;
    assert_eq!(next(&mut ws).await[1]["error_code"], 1403, "not in control yet");
    send(&mut ws, &ask("ivrapi_accept", json!(0.5), "abc", &ivrid)).await;
    assert_eq!(next(&mut ws).await, json!(["ivrapi_accept_result", {"qid": 0.5, "result": "ok"}]));

    // A second connection cannot take it with accept, but can with reaccept.
    let mut other = raw(&sim).await;
    send(&mut other, &ask("ivrapi_accept", json!(1), "abc", &ivrid)).await;
    assert_eq!(next(&mut other).await[1]["error_code"], 1409);
    // In early media a transfer is refused, a play runs, and a second component is refused.
    let apply = |qid: u32, data: Value| json!(["ivrapi_component_apply", {"qid": qid, "key": "abc", "ivrid": ivrid, "data": data}]).to_string();
    send(&mut ws, &apply(9, json!({"oType": 203, "number": "13", "reinviteMode": 2}))).await;
    assert_eq!(next(&mut ws).await[1]["error_code"], 1409);
    send(&mut ws, &apply(10, json!({"oType": 204, "mode": 0, "file": ":GS_PUB/x/y/14.mp3"}))).await;
    let applied = next(&mut ws).await;
    assert_eq!((&applied[0], &applied[1]["result"]), (&json!("ivrapi_component_apply_result"), &json!("ok")));
    let o_id = applied[1]["oId"].as_i64().expect("an oId");
    send(&mut ws, &apply(11, json!({"oType": 204, "mode": 0, "file": ":TEMP/b.mp3"}))).await;
    assert_eq!(next(&mut ws).await[1]["error_code"], 1409);
    // The other connection takes control: the play's digits and end go there.
    send(&mut other, &ask("ivrapi_reaccept", json!(2), "abc", &ivrid)).await;
    assert_eq!(next(&mut other).await[1]["result"], "ok");
    sim.era.press(&ivrid, "9");
    assert_eq!(next(&mut other).await, json!(["ivrapi_dtmf", {"key": "abc", "ivrid": ivrid, "mode": "component", "oId": o_id, "dtmf": "9"}]));
    send(&mut other, &ask("ivrapi_component_terminate", json!(3), "abc", &ivrid)).await;
    assert_eq!(next(&mut other).await, json!(["ivrapi_component_terminate_result", {"qid": 3, "result": "ok"}]));
    assert_eq!(next(&mut other).await, json!(["ivrapi_component_stopped", {"oId": o_id, "transferKey": "terminated", "results": {}}]));
    send(&mut ws, &apply(12, json!({"oType": 204, "mode": 0, "file": ":TEMP/b.mp3"}))).await;
    assert_eq!(next(&mut ws).await[1]["error_code"], 1403, "the first connection lost control");

    // The second subscription expired: api_stop comes once, and only the first one asked for it
    // anyway (s2 named api_start only).
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert!(sim.era.hangup(&ivrid));
    let stop = next(&mut ws).await;
    assert_eq!((&stop[1]["type"], &stop[1]["data"]["reason"], &stop[1]["data"]["ivrid"]), (&json!("api_stop"), &json!("script"), &json!(ivrid)));
    silent(&mut ws).await;
    silent(&mut other).await;
    let second = sim.era.offer(OfferScript::default());
    let start = next(&mut ws).await;
    assert_eq!(start[1]["data"]["ivrid"], json!(second));
    silent(&mut ws).await;
    // Unsubscribed: nothing at all.
    send(&mut ws, r#"["subscribe", {"qid": 13, "id": "s1", "expires": 0}]"#).await;
    assert_eq!(next(&mut ws).await[1]["result"], "ok");
    sim.era.offer(OfferScript::default());
    silent(&mut ws).await;
    send(&mut ws, &ask("ivrapi_accept", json!(14), "abc", &ivrid)).await;
    assert_eq!(next(&mut ws).await[1]["error_code"], 1410, "over");
}

#[tokio::test]
async fn the_control_routes_drive_the_simulator() {
    let sim = sim(EraRules::default()).await;
    let client = client(&sim);
    connected(&client).await;
    let base = sim.era_url.replacen("ws://", "http://", 1).replace("/ws/token/v1", "");
    let http = reqwest::Client::new();
    let offered: Value = http
        .post(format!("{base}/_sim/era/offers"))
        .json(&json!({"key": "k-1", "params": "{\"lang\":\"ru\"}", "state": "dialog", "callid": "call-1@sim"}))
        .send()
        .await
        .expect("offer")
        .json()
        .await
        .expect("JSON");
    let ivrid = offered["ivrid"].as_str().expect("ivrid").to_owned();
    until("the offer", || client.session(&ivrid).is_some()).await;
    assert_eq!(client.session(&ivrid).and_then(|s| s.callid).as_deref(), Some("call-1@sim"));
    client.accept(&ivrid).await.expect("accepted");
    assert_eq!(http.post(format!("{base}/_sim/era/sessions/{ivrid}/press")).json(&json!({"digits": "12"})).send().await.expect("press").status(), 204);
    assert_eq!(http.post(format!("{base}/_sim/era/sessions/{ivrid}/press")).json(&json!({"digits": "x"})).send().await.expect("press").status(), 400);
    until("the digits", || client.session(&ivrid).is_some_and(|s| s.dtmf == "12")).await;
    let sessions: Value = http.get(format!("{base}/_sim/era/sessions")).send().await.expect("list").json().await.expect("JSON");
    assert_eq!((&sessions[0]["ivrid"], &sessions[0]["dtmf"], &sessions[0]["controlled"]), (&json!(ivrid), &json!("12"), &json!(true)));
    assert_eq!(http.post(format!("{base}/_sim/era/sessions/{ivrid}/hangup")).send().await.expect("hangup").status(), 204);
    until("the stop", || matches!(phase(&client, &ivrid), Some(Phase::Stopped { .. }))).await;
    assert_eq!(http.post(format!("{base}/_sim/era/sessions/{ivrid}/hangup")).send().await.expect("hangup").status(), 404);
    let dropped: Value = http.post(format!("{base}/_sim/era/drop")).send().await.expect("drop").json().await.expect("JSON");
    assert_eq!(dropped["dropped"], 1);
    connected(&client).await;
}
