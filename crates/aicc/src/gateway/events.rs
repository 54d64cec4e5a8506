//! Typed agent events, parsed from [`RawEvent`].
//!
//! Parsing never fails: an event type Sidekick does not know, or a known one whose content is not
//! shaped as documented, becomes [`GatewayEvent::Other`] so one odd event cannot stop the poll loop.
//! Field names vary in case between events (`callid` vs `callId`); both are read.
//!
//! The recording events (`AgentMediaEvent_Record`, `_Record_Fail`, `_StopRecordDone`) are the
//! exception to "misshapen becomes Other": their type alone confirms or denies a recording, which
//! must reach the agent, so a content that is missing or not an object gives empty fields instead.
//! Their numbers come as numbers or strings (`"fileMediaType":"1"` beside `"taskId":5206`); both
//! are read. The vendor lists no failure reason for `_Record_Fail`: it carries the same fields as
//! `_Record`.

use super::types::RawEvent;
use serde_json::Value;

/// The parties and identity of a call as the Ringing / Talking family of events carry them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CallParty {
    /// Gateway call id (`callid`).
    pub call_id: String,
    /// Calling number.
    pub caller: String,
    /// Called number.
    pub called: String,
    /// Call type: 0 normal inbound, 7 normal outbound, 43 predictive outbound; `None` if absent.
    pub feature: Option<i64>,
}

/// What `AgentMediaEvent_Record` and `AgentMediaEvent_Record_Fail` carry. Absent fields are empty.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RecordInfo {
    /// Gateway call id (`callId`): the call being recorded.
    pub call_id: String,
    /// The platform's recording task (`taskId`).
    pub task_id: String,
    /// Serial number of the recording (`recordID`), as CC-FS recording indexes name it.
    pub record_id: String,
    /// Where the platform stores the file (`fileName`).
    pub file_name: String,
    /// Calling number.
    pub caller: String,
    /// Called number.
    pub called: String,
    /// Central node of the recording (`locationId`).
    pub location_id: String,
    /// `fileMediaType`: 1 audio, 2 video; `None` if absent.
    pub file_media_type: Option<i64>,
}

/// What `AgentMediaEvent_StopRecordDone` carries. The vendor's example has no call id, so it is
/// optional here; the task id ties the stop to its start.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RecordStop {
    /// The platform's recording task (`taskId`), as in the start event.
    pub task_id: String,
    /// Gateway call id (`callId`), when the gateway sends one.
    pub call_id: Option<String>,
    /// When the recording began (`beginTime`, epoch ms).
    pub begin_time: Option<i64>,
    /// When it ended (`endTime`, epoch ms).
    pub end_time: Option<i64>,
    /// `recordFormat`: 0 platform default, 1 24K VOX, 2 32K VOX, 3 A-law.
    pub record_format: Option<i64>,
    /// `fileMediaType`: 1 audio, 2 video.
    pub file_media_type: Option<i64>,
}

/// One CC-Gateway agent event, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GatewayEvent {
    /// `AgentOther_InService`: sign-in accepted.
    InService,
    /// `AgentOther_ShutdownService`: the agent is signed out.
    ShutdownService,
    /// `AgentOther_PhoneAlerting`: the agent's phone is ringing (no call data is documented).
    PhoneAlerting,
    /// `AgentOther_PhoneOffhook`.
    PhoneOffhook,
    /// `AgentOther_PhoneRelease`.
    PhoneRelease,
    /// `AgentEvent_Incoming_CallInfo`: a call is arriving from a queue.
    IncomingCallInfo(CallParty),
    /// `AgentEvent_Ringing`: a call is offered and waits for the agent to answer.
    Ringing(CallParty),
    /// `AgentEvent_Auto_Answer`: a call was answered automatically.
    AutoAnswer(CallParty),
    /// `AgentEvent_Customer_Alerting`: the far end rings (outbound call).
    CustomerAlerting {
        /// Gateway call id.
        call_id: String,
        /// The number being called.
        other_phone: String,
    },
    /// `AgentEvent_Talking`: the call is connected.
    Talking(CallParty),
    /// `AgentEvent_Hold`: the call is on hold (content is the bare call id).
    Hold {
        /// Gateway call id.
        call_id: String,
    },
    /// `AgentEvent_Call_Release`: the agent left the call (content is the bare call id).
    CallRelease {
        /// Gateway call id.
        call_id: String,
    },
    /// `AgentEvent_Customer_Release`: the customer left the call.
    CustomerRelease {
        /// Gateway call id.
        call_id: String,
    },
    /// `AgentState_Ready` or `AgentState_Force_Ready` or a cancel that returns the agent to idle.
    StateReady,
    /// `AgentState_Busy`: the agent is handling a call.
    StateBusy,
    /// `AgentState_Work` / `AgentState_SetWork_Success`: wrap-up.
    StateWork,
    /// `AgentState_SetNotReady_Success` / `AgentState_Force_SetNotReady`: busy by choice.
    StateNotReady,
    /// `AgentState_SetRest_Success`: on a break.
    StateRest,
    /// `AgentMediaEvent_Record`: the agent's recording started.
    Record(RecordInfo),
    /// `AgentMediaEvent_Record_Fail`: the agent's recording did not start.
    RecordFail(RecordInfo),
    /// `AgentMediaEvent_StopRecordDone`: the agent's recording stopped.
    StopRecordDone(RecordStop),
    /// Any other event type, or a known one with unexpected content. Kept for the log.
    Other {
        /// The vendor's event type.
        event_type: String,
    },
}

fn text(v: &Value, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| match v.get(*k) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    })
}

fn party(content: &Value) -> Option<CallParty> {
    if !content.is_object() {
        return None;
    }
    Some(CallParty {
        call_id: text(content, &["callid", "callId"])?,
        caller: text(content, &["caller"]).unwrap_or_default(),
        called: text(content, &["called"]).unwrap_or_default(),
        feature: text(content, &["feature"]).and_then(|f| f.parse().ok()),
    })
}

fn number(v: &Value, key: &str) -> Option<i64> {
    text(v, &[key]).and_then(|n| n.parse().ok())
}

fn record_info(c: &Value) -> RecordInfo {
    let field = |keys: &[&str]| text(c, keys).unwrap_or_default();
    RecordInfo {
        call_id: field(&["callId", "callid"]),
        task_id: field(&["taskId"]),
        record_id: field(&["recordID", "recordId"]),
        file_name: field(&["fileName"]),
        caller: field(&["caller"]),
        called: field(&["called"]),
        location_id: field(&["locationId"]),
        file_media_type: number(c, "fileMediaType"),
    }
}

fn record_stop(c: &Value) -> RecordStop {
    RecordStop {
        task_id: text(c, &["taskId"]).unwrap_or_default(),
        call_id: text(c, &["callId", "callid"]),
        begin_time: number(c, "beginTime"),
        end_time: number(c, "endTime"),
        record_format: number(c, "recordFormat"),
        file_media_type: number(c, "fileMediaType"),
    }
}

/// The call id of events whose content is a bare string, or (tolerantly) an object with `callid`.
fn bare_call_id(content: &Value) -> Option<String> {
    match content {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Object(_) => text(content, &["callid", "callId"]),
        _ => None,
    }
}

impl GatewayEvent {
    /// Types a raw event. Never fails; see the module docs.
    pub fn parse(raw: &RawEvent) -> Self {
        let c = &raw.content;
        let parsed = match raw.event_type.as_str() {
            "AgentOther_InService" => Some(Self::InService),
            "AgentOther_ShutdownService" => Some(Self::ShutdownService),
            "AgentOther_PhoneAlerting" => Some(Self::PhoneAlerting),
            "AgentOther_PhoneOffhook" => Some(Self::PhoneOffhook),
            "AgentOther_PhoneRelease" => Some(Self::PhoneRelease),
            "AgentEvent_Incoming_CallInfo" => party(c).map(Self::IncomingCallInfo),
            "AgentEvent_Ringing" => party(c).map(Self::Ringing),
            "AgentEvent_Auto_Answer" => party(c).map(Self::AutoAnswer),
            "AgentEvent_Talking" => party(c).map(Self::Talking),
            "AgentEvent_Customer_Alerting" => text(c, &["callid", "callId"]).map(|call_id| {
                Self::CustomerAlerting { call_id, other_phone: text(c, &["otherPhone"]).unwrap_or_default() }
            }),
            "AgentEvent_Hold" => bare_call_id(c).map(|call_id| Self::Hold { call_id }),
            "AgentEvent_Call_Release" => bare_call_id(c).map(|call_id| Self::CallRelease { call_id }),
            "AgentEvent_Customer_Release" => bare_call_id(c).map(|call_id| Self::CustomerRelease { call_id }),
            "AgentState_Ready" | "AgentState_Force_Ready" | "AgentState_CancelNotReady_Success"
            | "AgentState_CancelRest_Success" | "AgentState_CancelWork_Success" => Some(Self::StateReady),
            "AgentState_Busy" => Some(Self::StateBusy),
            "AgentState_Work" | "AgentState_SetWork_Success" => Some(Self::StateWork),
            "AgentState_SetNotReady_Success" | "AgentState_Force_SetNotReady" => Some(Self::StateNotReady),
            "AgentState_SetRest_Success" => Some(Self::StateRest),
            "AgentMediaEvent_Record" => Some(Self::Record(record_info(c))),
            "AgentMediaEvent_Record_Fail" => Some(Self::RecordFail(record_info(c))),
            "AgentMediaEvent_StopRecordDone" => Some(Self::StopRecordDone(record_stop(c))),
            _ => None,
        };
        parsed.unwrap_or_else(|| Self::Other { event_type: raw.event_type.clone() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn raw(event_type: &str, content: Value) -> RawEvent {
        RawEvent { event_type: event_type.into(), work_no: None, content, event_gen_time: None }
    }

    #[test]
    fn release_and_hold_carry_a_bare_call_id() {
        assert_eq!(
            GatewayEvent::parse(&raw("AgentEvent_Call_Release", json!("1455885056-1095"))),
            GatewayEvent::CallRelease { call_id: "1455885056-1095".into() }
        );
        assert_eq!(
            GatewayEvent::parse(&raw("AgentEvent_Hold", json!("7-1"))),
            GatewayEvent::Hold { call_id: "7-1".into() }
        );
    }

    #[test]
    fn both_spellings_of_call_id_are_read() {
        let a = GatewayEvent::parse(&raw("AgentEvent_Talking", json!({"callid":"1","caller":"5","called":"6","feature":0})));
        let b = GatewayEvent::parse(&raw("AgentEvent_Incoming_CallInfo", json!({"callId":"1","caller":"5","called":"6"})));
        assert!(matches!(a, GatewayEvent::Talking(p) if p.call_id == "1" && p.feature == Some(0)));
        assert!(matches!(b, GatewayEvent::IncomingCallInfo(p) if p.call_id == "1" && p.feature.is_none()));
    }

    #[test]
    fn recording_events_read_numbers_and_strings_and_survive_odd_content() {
        let started = GatewayEvent::parse(&raw(
            "AgentMediaEvent_Record",
            json!({"taskId": 5206, "callId": "1-1", "recordID": "r1", "fileMediaType": "1"}),
        ));
        let GatewayEvent::Record(info) = started else { panic!("{started:?}") };
        assert_eq!((info.task_id.as_str(), info.call_id.as_str(), info.file_media_type), ("5206", "1-1", Some(1)));
        // A failure must reach the agent even when its content is not what the vendor shows.
        assert_eq!(
            GatewayEvent::parse(&raw("AgentMediaEvent_Record_Fail", Value::Null)),
            GatewayEvent::RecordFail(RecordInfo::default())
        );
        let stopped = GatewayEvent::parse(&raw(
            "AgentMediaEvent_StopRecordDone",
            json!({"beginTime": 1566867437000_i64, "endTime": "1566867472000", "recordFormat": "3", "taskId": 5451}),
        ));
        let GatewayEvent::StopRecordDone(stop) = stopped else { panic!("{stopped:?}") };
        assert_eq!((stop.begin_time, stop.end_time, stop.record_format), (Some(1_566_867_437_000), Some(1_566_867_472_000), Some(3)));
        assert_eq!(stop.call_id, None, "the vendor's example carries no call id");
    }

    #[test]
    fn unknown_types_and_misshapen_content_become_other() {
        assert_eq!(
            GatewayEvent::parse(&raw("AgentEvent_Something_New", json!({"x":1}))),
            GatewayEvent::Other { event_type: "AgentEvent_Something_New".into() }
        );
        // Ringing without a call id cannot drive the call card; it is kept as Other, not a panic.
        assert_eq!(
            GatewayEvent::parse(&raw("AgentEvent_Ringing", Value::Null)),
            GatewayEvent::Other { event_type: "AgentEvent_Ringing".into() }
        );
    }
}
