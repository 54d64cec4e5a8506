//! The client against a scripted peer (not the simulator), with the vendor's example frames:
//! every request it sends is compared with the reference's, every event of the reference is read,
//! and the session follows them; a dropped socket is reconnected, resubscribed and reaccepted;
//! hostile frames are counted and skipped.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Map, Value};
use sidekick_ivrapi::frame::{parse, Incoming};
use sidekick_ivrapi::{Component, IvrClient, IvrConfig, IvrError, IvrEvent, LinkStatus, Phase, Token};

use crate::peer::{ok, Peer, Script};

const TOKEN: &str = "a55c54b59ee6c8cfab2f83e33c2474d3";
const IVRID: &str = "rDlg-006-ZevQbP";

/// The reference's `api_start` example, verbatim.
const API_START: &str = r#"[
  "notify",
  {
    "class": "ivrevents",
    "type": "api_start",
    "eventts": 1602002803754,
    "data": {
      "callid": "rB2-002-SuDtIE-01-2582368067@192.168.0.149",
      "cid": "267278f0-0642-00af-0ac9-b80000000006",
      "componentid": 14,
"componentname": "External management 3",
      "ivrid": "rDlg-006-ZevQbP",
      "ivrts": 1602002800707,
      "key": "abc",
      "params": "{\"asdf\":\"zxcv\"}",
      "sm_id": "f9098ae9-0642-00af-0ad1-880000000006"
    }
  }
]"#;

/// The reference's `ivrapi_component_stopped` example, verbatim.
const COMPONENT_STOPPED: &str = r#"[
  "ivrapi_component_stopped",
  {
    "oId": 0,
    "transferKey": "transfer",
    "results": {
      "dtmfBuffer": "78"
    }
  }
]"#;

/// The reference's DTMF examples, with the session of `API_START`.
fn dtmf_idle() -> String {
    r#"["ivrapi_dtmf", {"key": "abc", "ivrid": "rDlg-006-WbVFRX", "mode": "idle", "dtmf":"5"}]"#.replace("rDlg-006-WbVFRX", IVRID)
}
fn dtmf_component() -> String {
    r#"["ivrapi_dtmf", {"key": "abc", "ivrid": "rDlg-006-WbVFRX", "mode": "component", "oId": 0, "dtmf": "5"}]"#.replace("rDlg-006-WbVFRX", IVRID)
}

fn api_stop(reason: &str) -> String {
    json!(["notify", {"class": "ivrevents", "type": "api_stop", "eventts": 1602002809999i64,
        "data": {"ivrid": IVRID, "key": "abc", "reason": reason}}])
    .to_string()
}

fn info(capabilities: &[&str]) -> Value {
    json!({"site": "main_site", "ownertype": "token", "domain": "test.rootdomain.ru", "sessionid": "6a0c530c", "connectionid": "b26c45b1",
        "capabilities": capabilities, "datetime": "2021-12-07T18:47:00.003Z", "timestamp": 1638902820003u64})
}

/// A platform that answers as the reference shows; `apply` decides what follows an apply.
fn platform(capabilities: &'static [&'static str]) -> Script {
    Arc::new(move |name: &str, body: &Map<String, Value>| match name {
        "connection_info" => vec![ok(name, body, info(capabilities))],
        "subscribe" | "ivrapi_accept" | "ivrapi_reaccept" => vec![ok(name, body, json!({}))],
        "ivrapi_component_apply" => {
            let o_type = body.get("data").and_then(|d| d.get("oType")).and_then(Value::as_i64);
            let mut out = vec![ok(name, body, json!({"oId": 0}))];
            // Play ends at once (right behind its answer, as fast as a platform can); a recording
            // runs until terminated.
            if o_type == Some(204) {
                out.push(COMPONENT_STOPPED.to_owned());
            }
            out
        }
        "ivrapi_component_terminate" => {
            vec![ok(name, body, json!({})), json!(["ivrapi_component_stopped", {"oId": 0, "transferKey": "terminated", "results": {}}]).to_string()]
        }
        "ivrapi_file_get_path" => vec![json!(["ivrapi_file_get_path_result", {"qid": body["qid"], "result": "/temp/7czoefb0aaefl4mnxvkltaanfzg.mp3"}]).to_string()],
        "ivrapi_file_upload_temp" => vec![json!(["ivrapi_file_upload_temp_result", {"qid": body["qid"], "result": ":TEMP/14.mp3"}]).to_string()],
        "ivrapi_file_upload_static" | "file_upload_static" => {
            vec![json!([format!("{name}_result"), {"qid": body["qid"], "result": ":GS_PUB/a/b/c/abc.wav"}]).to_string()]
        }
        "ivrapi_abort" => vec![ok(name, body, json!({})), api_stop("abort")],
        _ => vec![json!([format!("{name}_result"), {"qid": body["qid"], "result": "error", "error_code": 1400, "error_message": "unknown request"}]).to_string()],
    })
}

fn config(url: &str) -> IvrConfig {
    IvrConfig {
        first_retry: Duration::from_millis(50),
        max_retry: Duration::from_millis(200),
        refused_retry: Duration::from_secs(60),
        request_timeout: Duration::from_secs(3),
        ..IvrConfig::new(url)
    }
}

async fn connected(client: &IvrClient) {
    let mut status = client.status();
    tokio::time::timeout(Duration::from_secs(5), status.wait_for(|s| matches!(s, LinkStatus::Connected { .. })))
        .await
        .unwrap_or_else(|_| panic!("not connected: {:?}", client.status().borrow()))
        .expect("the client runs");
}

async fn until(client: &IvrClient, what: &str, pred: impl Fn(&IvrClient) -> bool) {
    for _ in 0..200 {
        if pred(client) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for {what}: {:?}", client.sessions());
}

/// A client connected to the reference platform, in control of the session `offer` offers.
async fn controlled(offer: &str) -> (Peer, IvrClient) {
    let peer = Peer::start(TOKEN, platform(&["ivrapi", "subscr"])).await;
    let client = IvrClient::start(config(&peer.url), Token::new(TOKEN).expect("token")).expect("client");
    connected(&client).await;
    peer.push(offer);
    until(&client, "the offer", |c| c.session(IVRID).is_some()).await;
    client.accept(IVRID).await.expect("accepted");
    (peer, client)
}

fn phase(client: &IvrClient) -> Phase {
    client.session(IVRID).map(|s| s.phase).unwrap_or(Phase::Offered)
}

/// A received request's object without its qid.
fn without_qid(mut body: Map<String, Value>) -> Value {
    body.remove("qid");
    Value::Object(body)
}

#[test]
fn every_event_of_the_reference_is_read() {
    let Ok(Incoming::Notify(start)) = parse(API_START) else { panic!("api_start") };
    assert_eq!((start.class.as_str(), start.kind.as_str(), start.eventts), ("ivrevents", "api_start", Some(1602002803754)));
    assert_eq!(start.data["key"], "abc");
    let Ok(Incoming::ComponentStopped(stopped)) = parse(COMPONENT_STOPPED) else { panic!("component stopped") };
    assert_eq!((stopped.o_id, stopped.transfer_key.as_str(), stopped.ivrid.as_deref()), (Some(0), "transfer", None));
    assert_eq!(stopped.results["dtmfBuffer"], "78");
    let Ok(Incoming::Dtmf(idle)) = parse(&dtmf_idle()) else { panic!("dtmf idle") };
    assert_eq!((idle.mode.as_str(), idle.o_id, idle.dtmf.as_str()), ("idle", None, "5"));
    let Ok(Incoming::Dtmf(component)) = parse(&dtmf_component()) else { panic!("dtmf component") };
    assert_eq!((component.mode.as_str(), component.o_id), ("component", Some(0)));
    for (frame, request) in [
        (r#"["ivrapi_file_upload_static_result", {"qid": 0.1234, "result": ":GS_PUB/a/b/c/abc.wav"}]"#, "ivrapi_file_upload_static"),
        (r#"[ "file_upload_static_result", { "qid": 123, "result": ":GS_PUB/a/b/c/abc.wav" } ]"#, "file_upload_static"),
        (r#"["connection_info_result", {"qid": 930293482233, "result": "ok", "capabilities": ["ivrapi"]}]"#, "connection_info"),
    ] {
        let Ok(Incoming::Result { request: name, body, .. }) = parse(frame) else { panic!("{frame}") };
        assert_eq!(name, request);
        assert!(body.contains_key("result"));
    }
}

#[tokio::test]
async fn a_whole_takeover_sends_the_references_frames_and_follows_its_events() {
    let peer = Peer::start(TOKEN, platform(&["test", "callrecord", "ccs", "ivrapi", "rest", "svcscript", "subscr"])).await;
    let client = IvrClient::start(config(&peer.url), Token::new(TOKEN).expect("token")).expect("client");
    let mut events = client.events();
    connected(&client).await;
    assert_eq!(peer.authorizations.lock().unwrap_or_else(|p| p.into_inner())[0], format!("Bearer {TOKEN}"));
    let subscribe = peer.named("subscribe");
    assert_eq!(subscribe[0]["events"], json!(["ivrevents"]));
    assert_eq!(subscribe[0]["expires"], 3600);

    // Offered, with the component's parameters and a 30 s countdown.
    peer.push(API_START);
    until(&client, "the offer", |c| c.session(IVRID).is_some()).await;
    let offered = client.session(IVRID).expect("offered");
    assert_eq!((offered.params.as_str(), offered.phase.clone()), (r#"{"asdf":"zxcv"}"#, Phase::Offered));
    assert_eq!(offered.accept_deadline_ms - offered.offered_ms, 30_000);
    assert_eq!(offered.sip_state, None, "the reference's example has no state");
    // The same notification again (a second subscription, say) changes nothing.
    peer.push(API_START);

    client.accept(IVRID).await.expect("accepted");
    assert_eq!(phase(&client), Phase::Controlled);

    // Digits between components, then a play whose end comes right behind its answer.
    peer.push(&dtmf_idle());
    let play = Component::Play { file: ":GS_PUB/x/y/14.mp3".into() };
    assert_eq!(client.apply(IVRID, &play).await.expect("applied"), Some(0));
    until(&client, "the play's end", |c| c.session(IVRID).is_some_and(|s| s.phase == Phase::Controlled && s.last_component.is_some())).await;
    let after_play = client.session(IVRID).expect("session");
    let outcome = after_play.last_component.expect("outcome");
    assert_eq!((outcome.o_type, outcome.transfer_key.as_str()), (204, "transfer"));
    assert_eq!(outcome.results["dtmfBuffer"], "78");
    assert_eq!(after_play.dtmf, "5");

    // A recording runs until stopped; meanwhile a second component is refused here.
    let record = Component::Record { rec_time_sec: 10, max_symbols: Some(3), interrupt: Some("4, 5, 6".into()), abort_on_silence: false };
    client.apply(IVRID, &record).await.expect("recording");
    peer.push(&dtmf_component());
    let second = client.apply(IVRID, &play).await.expect_err("one component at a time");
    assert!(matches!(second, IvrError::NotAllowed(ref s) if s.contains("running")), "{second}");
    client.terminate(IVRID).await.expect("terminated");
    until(&client, "the recording's end", |c| phase(c) == Phase::Controlled).await;
    assert_eq!(client.session(IVRID).expect("session").dtmf, "55");

    // Files.
    let link = client.file_link(IVRID, ":TEMP/ivr_records/ivr_000006_1602234901218.wav").await.expect("link");
    assert!(link.url.starts_with("http://127.0.0.1:") && link.url.ends_with("/temp/7czoefb0aaefl4mnxvkltaanfzg.mp3"), "{}", link.url);
    assert_eq!(client.upload_temp(IVRID, "http://192.168.0.112/14.mp3").await.expect("temp"), ":TEMP/14.mp3");
    assert_eq!(client.upload_static(IVRID, "http://192.168.0.112/14.mp3", ":GS_PUB/x/y/").await.expect("static"), ":GS_PUB/a/b/c/abc.wav");
    assert_eq!(client.upload_static_shared("http://192.168.0.12/abc.wav", ":GS_PUB/a/b/c").await.expect("shared"), ":GS_PUB/a/b/c/abc.wav");
    assert!(client.upload_static(IVRID, "http://h/a.mp3", ":NOWHERE/a").await.is_err(), "an unknown prefix is refused here");

    // Handing back: released, then stopped by the platform's api_stop; nothing is sent after it.
    client.abort(IVRID).await.expect("handed back");
    until(&client, "the stop", |c| matches!(phase(c), Phase::Stopped { .. })).await;
    assert_eq!(phase(&client), Phase::Stopped { reason: "abort".into() });
    let sent = peer.received().len();
    assert!(matches!(client.apply(IVRID, &play).await, Err(IvrError::Stopped { .. })));
    assert!(matches!(client.reaccept(IVRID).await, Err(IvrError::Stopped { .. })));
    assert_eq!(peer.received().len(), sent, "nothing is sent for a stopped session");

    // The requests, compared with the reference's examples (qid aside).
    let expect = |name: &str, index: usize, want: Value| {
        let got = peer.named(name).get(index).cloned().unwrap_or_else(|| panic!("no {name} #{index}"));
        assert_eq!(without_qid(got), want, "{name}");
    };
    expect("ivrapi_accept", 0, json!({"key": "abc", "ivrid": IVRID}));
    expect("ivrapi_component_apply", 0, json!({"key": "abc", "ivrid": IVRID, "data": {"oType": 204, "mode": 0, "file": ":GS_PUB/x/y/14.mp3"}}));
    expect("ivrapi_component_terminate", 0, json!({"key": "abc", "ivrid": IVRID}));
    expect("ivrapi_file_get_path", 0, json!({"key": "abc", "ivrid": IVRID, "path": ":TEMP/ivr_records/ivr_000006_1602234901218.wav"}));
    expect("ivrapi_file_upload_temp", 0, json!({"key": "abc", "ivrid": IVRID, "url": "http://192.168.0.112/14.mp3"}));
    expect("ivrapi_file_upload_static", 0, json!({"key": "abc", "ivrid": IVRID, "url": "http://192.168.0.112/14.mp3", "destpath": ":GS_PUB/x/y/"}));
    expect("file_upload_static", 0, json!({"url": "http://192.168.0.12/abc.wav", "destpath": ":GS_PUB/a/b/c"}));
    expect("ivrapi_abort", 0, json!({"key": "abc", "ivrid": IVRID}));
    assert_eq!(peer.named("ivrapi_accept").len(), 1, "the repeated offer was not a second session");
    // Every qid is an integer below 2^53, and none is used twice.
    let qids: Vec<u64> = peer.received().iter().filter_map(|f| f.get(1).and_then(|b| b.get("qid")).and_then(Value::as_u64)).collect();
    assert_eq!(qids.len(), peer.received().len());
    assert!(qids.iter().all(|q| *q < (1u64 << 53)));
    let mut unique = qids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), qids.len());

    // The UI's stream saw the digits.
    let mut digits = String::new();
    while let Ok(event) = events.try_recv() {
        if let IvrEvent::Dtmf { dtmf, .. } = event {
            digits.push_str(&dtmf);
        }
    }
    assert_eq!(digits, "55");
}

#[tokio::test]
async fn the_other_components_are_written_as_the_reference_writes_them() {
    let peer = Peer::start(TOKEN, platform(&["ivrapi", "subscr"])).await;
    let client = IvrClient::start(config(&peer.url), Token::new(TOKEN).expect("token")).expect("client");
    connected(&client).await;
    // In dialog, so that transfer and hang-up are allowed.
    peer.push(&API_START.replace(r#""key": "abc","#, r#""key": "abc", "state": "dialog","#));
    until(&client, "the offer", |c| c.session(IVRID).is_some()).await;
    client.accept(IVRID).await.expect("accepted");
    let components = [
        (Component::Transfer { number: "13".into(), reinvite_mode: 2 }, json!({"oType": 203, "number": "13", "reinviteMode": 2})),
        (Component::HangUp, json!({"oType": 201})),
        (Component::Play { file: ":TEMP/14.mp3".into() }, json!({"oType": 204, "mode": 0, "file": ":TEMP/14.mp3"})),
        (Component::Answer { sip_code: 200, phrase: None, redirect_to: None }, json!({"oType": 202, "sipCode": 200})),
    ];
    for (i, (component, data)) in components.iter().enumerate() {
        client.apply(IVRID, component).await.expect("applied");
        if component.o_type() != 204 {
            // Only the play ends by itself on this platform.
            client.terminate(IVRID).await.expect("terminated");
        }
        until(&client, "the end", |c| phase(c) == Phase::Controlled).await;
        let sent = peer.named("ivrapi_component_apply")[i].clone();
        assert_eq!(sent["data"], *data);
    }
}

#[tokio::test]
async fn the_sip_state_rule_is_enforced_before_sending() {
    let peer = Peer::start(TOKEN, platform(&["ivrapi", "subscr"])).await;
    let client = IvrClient::start(config(&peer.url), Token::new(TOKEN).expect("token")).expect("client");
    connected(&client).await;
    peer.push(&API_START.replace(r#""key": "abc","#, r#""key": "abc", "state": "incoming","#));
    until(&client, "the offer", |c| c.session(IVRID).is_some()).await;
    client.accept(IVRID).await.expect("accepted");
    let before = peer.named("ivrapi_component_apply").len();
    for c in [Component::HangUp, Component::Transfer { number: "101".into(), reinvite_mode: 0 }, Component::Play { file: ":TEMP/a.wav".into() }] {
        let e = client.apply(IVRID, &c).await.expect_err("refused here");
        assert!(matches!(e, IvrError::NotAllowed(ref s) if s.contains("202")), "{e}");
    }
    assert_eq!(peer.named("ivrapi_component_apply").len(), before, "nothing was sent");
    // 183 then: media is allowed once the answer's component ended.
    client.apply(IVRID, &Component::Answer { sip_code: 183, phrase: None, redirect_to: None }).await.expect("183");
    client.terminate(IVRID).await.expect("end it");
    until(&client, "early media", |c| c.session(IVRID).is_some_and(|s| s.phase == Phase::Controlled)).await;
    // The platform's terminate answer is "terminated", not "transfer": the state stays.
    assert_eq!(client.session(IVRID).and_then(|s| s.sip_state), Some(sidekick_ivrapi::SipState::Incoming));
}

#[tokio::test]
async fn a_dropped_socket_is_reconnected_resubscribed_and_the_session_reaccepted() {
    let (peer, client) = controlled(API_START).await;
    client.apply(IVRID, &Component::Record { rec_time_sec: 60, max_symbols: None, interrupt: None, abort_on_silence: true }).await.expect("recording");

    peer.drop_all();
    let mut status = client.status();
    tokio::time::timeout(Duration::from_secs(5), status.wait_for(|s| matches!(s, LinkStatus::Down { .. }))).await.expect("down").expect("runs");
    connected(&client).await;
    assert_eq!(peer.connections(), 2);
    assert_eq!(peer.named("subscribe").len(), 2, "subscribed again");
    let reaccepted = peer.named("ivrapi_reaccept");
    assert_eq!(reaccepted.len(), 1);
    assert_eq!(without_qid(reaccepted[0].clone()), json!({"key": "abc", "ivrid": IVRID}));
    assert!(matches!(phase(&client), Phase::Running { .. }), "the component still runs: {:?}", phase(&client));
    // The session goes on: the recording is stopped over the new connection.
    client.terminate(IVRID).await.expect("terminated over the new link");
    until(&client, "the end", |c| phase(c) == Phase::Controlled).await;
}

#[tokio::test]
async fn a_stop_during_a_component_ends_the_session_with_its_reason() {
    let (peer, client) = controlled(API_START).await;
    client.apply(IVRID, &Component::Record { rec_time_sec: 60, max_symbols: None, interrupt: None, abort_on_silence: true }).await.expect("recording");
    peer.push(&api_stop("script"));
    until(&client, "the stop", |c| matches!(phase(c), Phase::Stopped { .. })).await;
    assert_eq!(phase(&client), Phase::Stopped { reason: "script".into() });
    // A late component end changes nothing.
    peer.push(COMPONENT_STOPPED);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(phase(&client), Phase::Stopped { reason: "script".into() });
    assert!(matches!(client.terminate(IVRID).await, Err(IvrError::Stopped { .. })));
}

#[tokio::test]
async fn a_channel_without_ivrapi_fails_fast_and_says_so() {
    let peer = Peer::start(TOKEN, platform(&["rest", "callrecord"])).await;
    let client = IvrClient::start(config(&peer.url), Token::new(TOKEN).expect("token")).expect("client");
    let mut status = client.status();
    let down = tokio::time::timeout(Duration::from_secs(5), status.wait_for(|s| matches!(s, LinkStatus::Down { .. }))).await.expect("in time").expect("runs").clone();
    let LinkStatus::Down { reason, retry_in_ms } = down else { unreachable!() };
    assert!(reason.contains("lacks the ivrapi and subscr capabilities") && reason.contains("rest, callrecord"), "{reason}");
    assert!(retry_in_ms >= 45_000, "a missing capability is not hammered: {retry_in_ms}");
    assert!(peer.named("subscribe").is_empty());
}

#[tokio::test]
async fn a_wrong_token_is_refused_and_the_path_form_works() {
    let peer = Peer::start(TOKEN, platform(&["ivrapi", "subscr"])).await;
    let wrong = IvrClient::start(config(&peer.url), Token::new("not-the-token-0000").expect("token")).expect("client");
    let mut status = wrong.status();
    let down = tokio::time::timeout(Duration::from_secs(5), status.wait_for(|s| matches!(s, LinkStatus::Down { .. }))).await.expect("in time").expect("runs").clone();
    assert!(matches!(down, LinkStatus::Down { ref reason, .. } if reason == "the platform refused the token"), "{down:?}");
    let in_path = IvrClient::start(IvrConfig { token_in_path: true, ..config(&peer.url) }, Token::new(TOKEN).expect("token")).expect("client");
    connected(&in_path).await;
    assert_eq!(format!("{:?}", Token::new(TOKEN).expect("token")), "Token(<32 characters>)");
}

#[tokio::test]
async fn hostile_frames_are_counted_and_skipped_and_the_client_goes_on() {
    let peer = Peer::start(TOKEN, platform(&["ivrapi", "subscr"])).await;
    let client = IvrClient::start(config(&peer.url), Token::new(TOKEN).expect("token")).expect("client");
    connected(&client).await;
    let hostile = [
        "nope".to_owned(),
        "[1, 2]".to_owned(),
        r#"["notify", 5]"#.to_owned(),
        r#"["notify", {"class": "ivrevents", "type": "api_start", "data": {"key": "k"}}]"#.to_owned(),
        r#"["ivrapi_component_stopped", {"oId": "x", "results": 7}]"#.to_owned(),
        r#"["some_future_event", {"x": 1}]"#.to_owned(),
        r#"["ivrapi_accept_result", {"qid": 999999, "result": "ok"}]"#.to_owned(),
        format!("[\"notify\", {{\"class\": \"ivrevents\", \"type\": \"api_start\", \"data\": {{\"ivrid\": \"{}\"}}}}]", "x".repeat(10_000)),
    ];
    for frame in &hostile {
        peer.push(frame);
    }
    // Random frames, of random bytes and of random JSON.
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    for _ in 0..200 {
        let len = rng.gen_range(0..64);
        let junk: String = (0..len).map(|_| rng.gen_range(' '..='~')).collect();
        peer.push(&junk);
        peer.push(&json!([junk, {"qid": rng.gen::<u32>(), "result": junk}]).to_string());
    }
    peer.push(API_START);
    until(&client, "the offer after the junk", |c| c.session(IVRID).is_some()).await;
    client.accept(IVRID).await.expect("still works");
    assert!(client.malformed_frames() >= 3, "counted: {}", client.malformed_frames());
    assert_eq!(client.sessions().len(), 1, "nothing made up from the junk");
    assert!(matches!(client.status().borrow().clone(), LinkStatus::Connected { .. }));
}

#[tokio::test]
async fn a_frame_over_the_limit_drops_the_link_and_the_client_reconnects() {
    let peer = Peer::start(TOKEN, platform(&["ivrapi", "subscr"])).await;
    let client = IvrClient::start(config(&peer.url), Token::new(TOKEN).expect("token")).expect("client");
    connected(&client).await;
    peer.push(&format!("[\"notify\", {{\"pad\": \"{}\"}}]", "x".repeat(2 << 20)));
    let mut status = client.status();
    tokio::time::timeout(Duration::from_secs(5), status.wait_for(|s| matches!(s, LinkStatus::Down { .. }))).await.expect("down").expect("runs");
    connected(&client).await;
    assert_eq!(peer.connections(), 2);
}
