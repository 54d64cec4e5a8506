//! Call-associated data (`setcalldataex`, `appdata`): the client against the vendor's example
//! bodies served byte for byte, and against the simulator.

use std::collections::BTreeSet;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use sidekick_sim::gateway::CallScript;

use super::*;

fn raw_fixture(name: &str) -> String {
    stub::raw_fixture("gateway", name)
}

/// A stand-in gateway answering with the vendor's example bodies exactly as the fixture files hold
/// them, recording every request.
async fn vendor_stub() -> (String, stub::Log) {
    let answer = |path_and_query: &str| {
        let name = if path_and_query.contains("/setcalldataex") {
            "calldata_set_response.json"
        } else if path_and_query.contains("/appdata") {
            "calldata_query_response.json"
        } else {
            "signin_response.json"
        };
        (200, raw_fixture(name))
    };
    stub::serve(answer, Some("JSESSIONID=stub-guid.AgentGateway1")).await
}

/// Conformance: the client sends the documented request and reads the vendor's example answers
/// (`{"result":{},"message":"success","retcode":"0"}` and `{"message":"","retcode":"0","result":"1234"}`).
#[tokio::test]
async fn vendor_example_answers_parse() {
    let (url, seen) = vendor_stub().await;
    let c = client(&url);
    c.sign_in(&request("pw")).await.unwrap();
    c.set_call_data("1456229294-1191", "MTIzMw==")
        .await
        .expect("the vendor's success envelope is success");
    assert_eq!(
        c.call_data("1456229294-1191").await.unwrap(),
        "1234",
        "appdata's result is a bare string"
    );

    let seen = seen.lock().unwrap().clone();
    let set = &seen[1];
    assert_eq!(
        (set.method.as_str(), set.path_and_query.as_str()),
        ("PUT", "/agentgateway/resource/calldata/291/setcalldataex")
    );
    assert_eq!(
        set.guid.as_deref(),
        Some("stub-guid.AgentGateway1"),
        "the Guid from sign-in goes along"
    );
    let body: Value = serde_json::from_slice(&set.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"callid": "1456229294-1191", "calldata": "MTIzMw==", "isDataEncoded": true})
    );
    let vendor = fixture("calldata_set_request.json");
    let keys = |v: &Value| {
        v.as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect::<BTreeSet<_>>()
    };
    assert_eq!(
        keys(&body),
        keys(&vendor),
        "the same fields as the vendor's example request"
    );

    let get = &seen[2];
    assert_eq!(get.method, "GET");
    assert_eq!(
        get.path_and_query,
        "/agentgateway/resource/calldata/291/appdata?isEncodeResult=true&callId=1456229294-1191"
    );
    assert_eq!(get.guid.as_deref(), Some("stub-guid.AgentGateway1"));
}

/// Signs in and plays a long call, polling until the agent is talking. Returns the call id.
pub(super) async fn in_a_call(sim: &sidekick_sim::SimHandle, c: &GatewayClient, call_id: &str) -> String {
    c.sign_in(&request("pw")).await.unwrap();
    let script = CallScript {
        caller: "13500000001".into(),
        called: "40038".into(),
        call_id: Some(call_id.into()),
        ring_ms: 10,
        talk_ms: 600_000,
        auto_answer: true,
    };
    let id = sim.gateway.play_inbound_call(291, script);
    loop {
        if let Some((_, GatewayEvent::Talking(_))) = c.poll_event().await.unwrap() {
            return id;
        }
    }
}

#[tokio::test]
async fn sets_call_data_and_reads_it_back() {
    let sim = sim(100).await;
    let c = client(&sim.gateway_url);
    let call = in_a_call(&sim, &c, "1700000000-0001").await;
    let note = STANDARD.encode("caller wants a refund; ticket 4711".as_bytes());
    c.set_call_data(&call, &note).await.unwrap();
    assert_eq!(
        c.call_data(&call).await.unwrap(),
        note,
        "what was set comes back"
    );
    assert_eq!(
        sim.gateway.call_data(&call).as_deref(),
        Some(&b"caller wants a refund; ticket 4711"[..]),
        "the gateway stores the decoded bytes"
    );

    let second = STANDARD.encode([0u8, 255, 1, 254]);
    c.set_call_data(&call, &second).await.unwrap();
    assert_eq!(
        c.call_data(&call).await.unwrap(),
        second,
        "a second set replaces the first, it does not append"
    );
    assert_eq!(sim.gateway.call_data_sets(&call), 2);

    assert_eq!(
        c.call_data("1700000000-9999").await.unwrap(),
        "",
        "a call with nothing stored reads as empty"
    );
}

#[tokio::test]
async fn setting_without_a_call_needs_a_person() {
    let sim = sim(100).await;
    let c = client(&sim.gateway_url);
    c.sign_in(&request("pw")).await.unwrap();
    let e = c
        .set_call_data("1700000000-0001", &STANDARD.encode("x"))
        .await
        .unwrap_err();
    assert_eq!(
        (e.retcode(), e.retry_kind()),
        (Some("400-001"), RetryKind::NeedsAttention),
        "retrying cannot put the agent in a call: {e}"
    );
    assert_eq!(
        e.to_string(),
        "the gateway refused (400-001): the agent is not in this call",
        "400-001 has no documented meaning, so the gateway's own message is shown"
    );
}

#[tokio::test]
async fn oversized_or_malformed_data_is_refused_before_sending() {
    let sim = sim(100).await;
    // Not signed in: a request that reached the network layer would fail with NoSession instead.
    let idle = client(&sim.gateway_url);
    let too_big = STANDARD.encode(vec![b'a'; CALL_DATA_MAX_BYTES + 1]);
    let e = idle.set_call_data("1-1", &too_big).await.unwrap_err();
    assert!(
        matches!(e, GatewayError::Invalid(_)),
        "refused locally, nothing sent: {e:?}"
    );
    assert_eq!(e.retry_kind(), RetryKind::NeedsAttention);
    assert_eq!(
        e.to_string(),
        "the call data is 16385 bytes long; the gateway keeps at most 16384 bytes (16 KB) per call",
        "the message tells a person what is wrong and what the limit is"
    );
    assert!(matches!(
        idle.set_call_data("1-1", "%%%").await,
        Err(GatewayError::Invalid(_))
    ));
    assert!(matches!(
        idle.set_call_data("", "eA==").await,
        Err(GatewayError::Invalid(_))
    ));
    assert!(matches!(
        idle.call_data("").await,
        Err(GatewayError::Invalid(_))
    ));

    let c = client(&sim.gateway_url);
    let call = in_a_call(&sim, &c, "1-1").await;
    assert!(matches!(
        c.set_call_data(&call, &too_big).await,
        Err(GatewayError::Invalid(_))
    ));
    assert_eq!(
        sim.gateway.call_data_sets(&call),
        0,
        "the gateway never saw it"
    );
    let exactly = STANDARD.encode(vec![b'a'; CALL_DATA_MAX_BYTES]);
    c.set_call_data(&call, &exactly)
        .await
        .expect("exactly 16 KB is within the limit");
}

#[tokio::test]
async fn a_refused_guid_asks_for_a_new_sign_in() {
    let sim = sim(100).await;
    let c = client(&sim.gateway_url);
    let call = in_a_call(&sim, &c, "1-1").await;
    sim.gateway.invalidate_guid(291);
    let e = c.set_call_data(&call, "eA==").await.unwrap_err();
    assert_eq!(
        (e.retcode(), e.retry_kind()),
        (Some("000-003"), RetryKind::SignInAgain),
        "{e}"
    );
    let e = c.call_data(&call).await.unwrap_err();
    assert_eq!(e.retry_kind(), RetryKind::SignInAgain, "{e}");
}

/// The vendor's example sends `"isDataEncoded": "true"` (a string) where its table says boolean;
/// the simulator must take it as the real gateway evidently does.
#[tokio::test]
async fn the_vendor_example_request_with_a_string_flag_is_accepted() {
    let sim = sim(100).await;
    let c = client(&sim.gateway_url);
    let call = in_a_call(&sim, &c, "1456229294-1191").await;
    let guid = sim.gateway.issued_guids(291).pop().unwrap();
    let resp = reqwest::Client::new()
        .put(format!(
            "{}agentgateway/resource/calldata/291/setcalldataex",
            sim.gateway_url
        ))
        .header("Content-Type", "application/json; charset=UTF-8")
        .header("Guid", guid)
        .body(raw_fixture("calldata_set_request.json"))
        .send()
        .await
        .unwrap();
    let body: Value = resp.json().await.unwrap();
    assert_eq!(
        body,
        serde_json::json!({"result": {}, "message": "success", "retcode": "0"}),
        "the vendor's success answer"
    );
    assert_eq!(
        sim.gateway.call_data(&call),
        Some(STANDARD.decode("1233").unwrap()),
        "\"true\" means Base64, as true does"
    );
    assert_eq!(c.call_data(&call).await.unwrap(), "1233");
}

/// The failure rate of the call-data routes: every request fails at 1.0, each failure is one a
/// caller retries (HTTP 503, `100-007`, a reset), and every kind occurs; none fail at 0.
#[tokio::test]
async fn injected_call_data_failures_are_all_retryable() {
    let sim = sim(100).await;
    let c = client(&sim.gateway_url);
    let call = in_a_call(&sim, &c, "1-1").await;
    sim.gateway.set_call_data_failure_rate(1.0);
    let mut kinds = BTreeSet::new();
    for i in 0..60 {
        let e = if i % 2 == 0 {
            c.set_call_data(&call, "eA==").await.unwrap_err()
        } else {
            c.call_data(&call).await.unwrap_err()
        };
        let kind = match &e {
            GatewayError::Status { status: 503, .. } => "HTTP 503",
            GatewayError::Rejected { retcode, .. } if retcode == "100-007" => "100-007",
            GatewayError::Transport(_) => "reset",
            other => panic!("only the three injected kinds may occur, got {other:?}"),
        };
        assert!(
            matches!(
                e.retry_kind(),
                RetryKind::Transient | RetryKind::NetworkFailure
            ),
            "{kind} must be retried with backoff, not shown as final: {e}"
        );
        kinds.insert(kind);
    }
    assert_eq!(
        kinds,
        BTreeSet::from(["HTTP 503", "100-007", "reset"]),
        "60 tries meet every kind"
    );
    assert_eq!(sim.gateway.call_data_sets(&call), 0);
    assert!(
        c.poll_event().await.is_ok(),
        "other routes are not affected"
    );

    sim.gateway.set_call_data_failure_rate(0.0);
    for _ in 0..20 {
        c.set_call_data(&call, "eA==")
            .await
            .expect("rate 0 fails nothing");
        c.call_data(&call).await.expect("rate 0 fails nothing");
    }
    assert_eq!(sim.gateway.call_data_sets(&call), 20);
}
