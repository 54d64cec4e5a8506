//! The agent's own recording (`recordplay/{agentid}/record`, `…/stoprecord`): the request against
//! the vendor's documented body, and the whole exchange against the simulator, where only the
//! events tell whether a recording runs.

use std::collections::BTreeSet;

use super::calldata::in_a_call;
use super::*;

/// The next recording event, skipping any other.
async fn next_recording_event(c: &GatewayClient) -> GatewayEvent {
    for _ in 0..50 {
        match c.poll_event().await.unwrap() {
            Some((_, e @ (GatewayEvent::Record(_) | GatewayEvent::RecordFail(_) | GatewayEvent::StopRecordDone(_)))) => return e,
            _ => continue,
        }
    }
    panic!("no recording event arrived")
}

/// Conformance: `record` sends the documented body (only fields of the vendor's table, with the
/// mandatory `mediaType` 5) and `stoprecord` sends none; both read the vendor's success envelope.
#[tokio::test]
async fn requests_match_the_documented_interface() {
    let answer = |path: &str| {
        let name = if path.contains("/recordplay/") { "success_empty.json" } else { "signin_response.json" };
        (200, stub::raw_fixture("gateway", name))
    };
    let (url, seen) = stub::serve(answer, Some("JSESSIONID=stub-guid.AgentGateway1")).await;
    let c = client(&url);
    c.sign_in(&request("pw")).await.unwrap();
    c.start_agent_recording().await.expect("the vendor's success envelope is success");
    c.stop_agent_recording().await.expect("the vendor's success envelope is success");

    let seen = seen.lock().unwrap().clone();
    let (start, stop) = (&seen[1], &seen[2]);
    assert_eq!((start.method.as_str(), start.path_and_query.as_str()), ("PUT", "/agentgateway/resource/recordplay/291/record"));
    assert_eq!(start.guid.as_deref(), Some("stub-guid.AgentGateway1"));
    let body: Value = serde_json::from_slice(&start.body).unwrap();
    let documented = fixture("record_request.json");
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<BTreeSet<_>>();
    assert!(keys(&body).is_subset(&keys(&documented)), "only documented fields: {body}");
    assert_eq!(body["mediaType"], documented["mediaType"], "ordinary voice, the only media type");
    assert_eq!((stop.method.as_str(), stop.path_and_query.as_str()), ("DELETE", "/agentgateway/resource/recordplay/291/stoprecord"));
    assert!(stop.body.is_empty(), "stoprecord has no body");
}

#[tokio::test]
async fn a_recording_is_confirmed_by_its_event_and_stopped_by_another() {
    let sim = sim(100).await;
    let c = client(&sim.gateway_url);
    let call = in_a_call(&sim, &c, "1700000000-0042").await;
    c.start_agent_recording().await.unwrap();
    let GatewayEvent::Record(info) = next_recording_event(&c).await else { panic!("the start must be confirmed by AgentMediaEvent_Record") };
    assert_eq!(info.call_id, call, "the event names the call being recorded");
    assert!(!info.task_id.is_empty() && !info.file_name.is_empty(), "{info:?}");
    let e = c.start_agent_recording().await.unwrap_err();
    assert_eq!((e.retcode(), e.retry_kind()), (Some("100-009"), RetryKind::NeedsAttention), "one recording at a time: {e}");
    c.stop_agent_recording().await.unwrap();
    let GatewayEvent::StopRecordDone(stop) = next_recording_event(&c).await else { panic!("the stop must be confirmed") };
    assert_eq!(stop.task_id, info.task_id, "the stop names the task it ended");
    assert!(stop.end_time >= stop.begin_time);
}

#[tokio::test]
async fn recording_without_a_call_is_refused() {
    let sim = sim(100).await;
    let c = client(&sim.gateway_url);
    c.sign_in(&request("pw")).await.unwrap();
    let e = c.start_agent_recording().await.unwrap_err();
    assert_eq!((e.retcode(), e.retry_kind()), (Some("100-009"), RetryKind::NeedsAttention), "{e}");
    let e = c.stop_agent_recording().await.unwrap_err();
    assert_eq!(e.retcode(), Some("100-009"), "nothing to stop: {e}");
}

#[tokio::test]
async fn a_failed_start_is_told_by_record_fail() {
    let sim = sim(100).await;
    let c = client(&sim.gateway_url);
    let call = in_a_call(&sim, &c, "1700000000-0043").await;
    sim.gateway.fail_next_recording(291);
    c.start_agent_recording().await.expect("the request is accepted; the failure comes as an event");
    let GatewayEvent::RecordFail(info) = next_recording_event(&c).await else { panic!("the failure must arrive as AgentMediaEvent_Record_Fail") };
    assert_eq!(info.call_id, call);
    assert!(!sim.gateway.is_recording(291));
}
