//! The agent's own voice recording: `PUT recordplay/{agentid}/record` and
//! `DELETE recordplay/{agentid}/stoprecord` (`reference/huawei-protocols.md` §C).
//!
//! Rules kept from the vendor documents:
//! - the body's `mediaType` is mandatory and only 5 (ordinary voice) is accepted; `fileName` holds
//!   at most 100 characters; `recordMode` and `recordFormat` are integers. Otherwise `000-002`;
//! - the answer only accepts the request: `AgentMediaEvent_Record` says the recording started,
//!   `AgentMediaEvent_Record_Fail` that it did not, `AgentMediaEvent_StopRecordDone` that it
//!   stopped. Their bodies are the fixtures, shaped like the vendor's examples (the stop event
//!   carries no `callId`, as in the vendor's example; the task id ties it to its start);
//! - the agent may have only one recording running.
//!
//! Where the documents are silent (no result codes are listed for these interfaces), the
//! simulator chooses: recording needs a call in the talking state, and starting with none (or
//! with a held or ringing call), starting a second time, or stopping when nothing runs is the
//! general "wrong state" refusal `100-009`, each with its own message. When the call ends, its
//! recording ends with it and no `StopRecordDone` is sent (whether the platform sends one then is
//! not documented, so a client must not wait for it).
//!
//! For tests, [`GatewayControl::fail_next_recording`] makes the agent's next accepted start end in
//! `AgentMediaEvent_Record_Fail`.

use std::collections::{HashMap, HashSet};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::agent_ops::{operate, refused, LiveCall, LiveState};
use super::{load, now_ms, param_error, stamp, GatewayControl};

/// Longest `fileName` the gateway accepts.
const FILE_NAME_MAX: usize = 100;
/// The only `mediaType` the gateway records: ordinary voice.
const MEDIA_TYPE_VOICE: i64 = 5;

/// Every agent's recording state.
#[derive(Debug, Default)]
pub(super) struct Recorder {
    /// The recording each agent started last, while it may still run (it runs only as long as
    /// the call it records is the agent's call).
    running: HashMap<u32, Running>,
    /// Agents whose next accepted start fails.
    fail_next: HashSet<u32>,
    /// The last task id handed out (the platform numbers its tasks).
    last_task: u32,
    /// Every call a recording started on, for the recording index of CC-FS.
    recorded: HashSet<String>,
}

#[derive(Debug)]
struct Running {
    call_id: String,
    task_id: u32,
    /// When it started (epoch ms), for the stop event's `beginTime`.
    begin_ms: i64,
}

impl GatewayControl {
    /// Makes the agent's next accepted `record` request end in `AgentMediaEvent_Record_Fail`
    /// instead of `AgentMediaEvent_Record` (the request itself is still answered `0`, as the
    /// platform answers before the recording system does).
    pub fn fail_next_recording(&self, agent: u32) {
        self.with_recorder(|r| r.fail_next.insert(agent));
    }

    /// Whether the agent's call is being recorded.
    pub fn is_recording(&self, agent: u32) -> bool {
        let call = self.with_agents(|a| a.get(&agent).and_then(|ag| ag.call.as_ref().map(|c| c.id.clone())));
        self.with_recorder(|r| r.running.get(&agent).is_some_and(|run| Some(&run.call_id) == call.as_ref()))
    }

    /// Whether a recording ever started on the call.
    pub(super) fn was_recorded(&self, call_id: &str) -> bool {
        self.with_recorder(|r| r.recorded.contains(call_id))
    }

    fn with_recorder<T>(&self, f: impl FnOnce(&mut Recorder) -> T) -> T {
        let mut g = self.inner.recordings.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut g)
    }
}

impl Recorder {
    /// Starts recording the call `c`: the start or failure event, or the refusal.
    fn start(&mut self, agent: u32, c: &LiveCall) -> Result<Vec<Value>, Value> {
        if self.running.get(&agent).is_some_and(|run| run.call_id == c.id) {
            return Err(refused("100-009", "a recording is already running for this agent"));
        }
        self.last_task += 1;
        let task_id = 5000 + self.last_task;
        if self.fail_next.remove(&agent) {
            self.running.remove(&agent);
            return Ok(vec![record_event(super::fixture!("event_record_fail.json"), agent, c, task_id)]);
        }
        self.running.insert(agent, Running { call_id: c.id.clone(), task_id, begin_ms: now_ms() });
        self.recorded.insert(c.id.clone());
        Ok(vec![record_event(super::fixture!("event_record.json"), agent, c, task_id)])
    }

    /// Stops the recording of the agent's call: the stop event, or the refusal.
    fn stop(&mut self, agent: u32, call: Option<&LiveCall>) -> Result<Vec<Value>, Value> {
        match (self.running.remove(&agent), call) {
            (Some(run), Some(c)) if run.call_id == c.id => {
                let mut v = load(super::fixture!("event_stop_record_done.json"));
                let content = &mut v["event"]["content"];
                content["beginTime"] = json!(run.begin_ms);
                content["endTime"] = json!(now_ms());
                content["taskId"] = json!(run.task_id);
                stamp(&mut v, agent);
                Ok(vec![v])
            }
            _ => Err(refused("100-009", "no recording is running for this agent")),
        }
    }
}

/// A start or failure event for the call `c`, from the fixture.
fn record_event(text: &str, agent: u32, c: &LiveCall, task_id: u32) -> Value {
    let mut v = load(text);
    let content = &mut v["event"]["content"];
    content["taskId"] = json!(task_id);
    content["callId"] = json!(c.id);
    content["caller"] = json!(c.caller);
    content["called"] = json!(c.called);
    content["recordID"] = json!(format!("Yc1v1a{agent}t{task_id}"));
    content["fileName"] = json!(format!("Y:/1/5/{agent}/{task_id}.V3"));
    stamp(&mut v, agent);
    v
}

/// Whether a `record` body keeps the documented rules.
fn valid_start(body: &[u8]) -> bool {
    let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(body) else { return false };
    let int = |key: &str| match fields.get(key) {
        None | Some(Value::Null) => Some(None),
        Some(Value::Number(n)) => n.as_i64().map(Some),
        Some(Value::String(s)) => s.parse().ok().map(Some),
        Some(_) => None,
    };
    let file_name_ok = match fields.get("fileName") {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.chars().count() <= FILE_NAME_MAX,
        Some(_) => false,
    };
    int("mediaType") == Some(Some(MEDIA_TYPE_VOICE)) && int("recordMode").is_some() && int("recordFormat").is_some() && file_name_ok
}

pub(super) fn routes() -> Router<GatewayControl> {
    Router::new()
        .route("/agentgateway/resource/recordplay/{agentid}/record", put(start))
        .route("/agentgateway/resource/recordplay/{agentid}/stoprecord", delete(stop))
}

/// The control routes of this module (no faults apply to them).
pub(super) fn control_routes() -> Router<GatewayControl> {
    Router::new()
        .route("/_sim/gateway/agents/{agentid}/recording-fail", post(control_fail_next))
        .route("/_sim/gateway/agents/{agentid}/recording", get(control_is_recording))
}

async fn start(State(ctl): State<GatewayControl>, Path(raw): Path<String>, headers: HeaderMap, body: Bytes) -> Response {
    if !valid_start(&body) {
        return param_error();
    }
    operate(&ctl, &raw, &headers, |_, call, agent| {
        let Some(c) = call.as_ref().filter(|c| c.state == LiveState::Talking) else {
            return Err(refused("100-009", "the agent is not in a talking call"));
        };
        ctl.with_recorder(|r| r.start(agent, c))
    })
}

async fn stop(State(ctl): State<GatewayControl>, Path(raw): Path<String>, headers: HeaderMap) -> Response {
    operate(&ctl, &raw, &headers, |_, call, agent| ctl.with_recorder(|r| r.stop(agent, call.as_ref())))
}

async fn control_fail_next(State(ctl): State<GatewayControl>, Path(agent): Path<u32>) -> Response {
    ctl.fail_next_recording(agent);
    Json(json!({"ok": true})).into_response()
}

async fn control_is_recording(State(ctl): State<GatewayControl>, Path(agent): Path<u32>) -> Response {
    Json(json!({"recording": ctl.is_recording(agent)})).into_response()
}

#[cfg(test)]
mod tests {
    use super::super::test_desk::Desk;

    const RECORD: &str = "recordplay/291/record";
    const STOP: &str = "recordplay/291/stoprecord";
    const VOICE: &str = r#"{"mediaType":5}"#;

    /// Agent 291 signed in and talking on call `7-7`, with the events so far read.
    async fn talking() -> Desk {
        let d = Desk::signed_in().await;
        d.call("7-7", 600_000).await;
        d.drain().await;
        d
    }

    #[tokio::test(start_paused = true)]
    async fn a_talking_agent_records_once_and_stops() {
        let d = talking().await;
        assert_eq!(d.retcode("PUT", RECORD, VOICE).await, "0");
        let started = d.drain_events().await;
        assert_eq!(started.len(), 1);
        let e = &started[0];
        assert_eq!((e["eventType"].as_str(), e["content"]["callId"].as_str()), (Some("AgentMediaEvent_Record"), Some("7-7")));
        assert!(d.ctl.is_recording(291));
        let refusal = d.envelope("PUT", RECORD, VOICE).await;
        assert_eq!((refusal["retcode"].as_str(), refusal["message"].as_str()), (Some("100-009"), Some("a recording is already running for this agent")));
        assert_eq!(d.retcode("DELETE", STOP, "").await, "0");
        let stopped = d.drain_events().await;
        assert_eq!(stopped[0]["eventType"], "AgentMediaEvent_StopRecordDone");
        assert_eq!(stopped[0]["content"]["taskId"], e["content"]["taskId"], "the stop names the task it ends");
        assert!(stopped[0]["content"]["endTime"].as_i64() >= stopped[0]["content"]["beginTime"].as_i64());
        assert!(!d.ctl.is_recording(291));
        assert_eq!(d.retcode("DELETE", STOP, "").await, "100-009", "nothing left to stop");
    }

    #[tokio::test(start_paused = true)]
    async fn recording_needs_a_talking_call_and_a_voice_body() {
        let d = Desk::signed_in().await;
        let refusal = d.envelope("PUT", RECORD, VOICE).await;
        assert_eq!((refusal["retcode"].as_str(), refusal["message"].as_str()), (Some("100-009"), Some("the agent is not in a talking call")));
        d.call("7-7", 600_000).await;
        for bad in ["", "{}", r#"{"mediaType":4}"#, r#"{"mediaType":"five"}"#, r#"{"mediaType":5,"recordMode":"x"}"#] {
            assert_eq!(d.retcode("PUT", RECORD, bad).await, "000-002", "{bad:?} breaks the documented body");
        }
        let long = format!(r#"{{"mediaType":5,"fileName":"{}"}}"#, "f".repeat(101));
        assert_eq!(d.retcode("PUT", RECORD, long).await, "000-002", "fileName holds at most 100 characters");
        let vendor = super::super::fixture!("record_request.json");
        assert_eq!(d.retcode("PUT", RECORD, vendor).await, "0", "every documented field at its default is accepted");
    }

    #[tokio::test(start_paused = true)]
    async fn a_forced_failure_is_told_by_event_and_the_call_end_ends_the_recording() {
        let d = talking().await;
        d.ctl.fail_next_recording(291);
        assert_eq!(d.retcode("PUT", RECORD, VOICE).await, "0", "the request is accepted; the event tells the failure");
        assert_eq!(d.drain().await, ["AgentMediaEvent_Record_Fail"]);
        assert!(!d.ctl.is_recording(291));
        assert_eq!(d.retcode("PUT", RECORD, VOICE).await, "0", "only the next start fails");
        assert_eq!(d.drain().await, ["AgentMediaEvent_Record"]);
        d.ctl.end_call(291);
        assert!(!d.ctl.is_recording(291), "the recording ends with its call");
        let after = d.drain().await;
        assert!(!after.iter().any(|t| t == "AgentMediaEvent_StopRecordDone"), "no stop event at the call's end: {after:?}");
        assert_eq!(d.retcode("DELETE", STOP, "").await, "100-009");
    }
}
