//! The client's model of an IVR session offered for takeover, per `ivrid` (ivr-protocols.md §A.5).
//!
//! offered (`api_start`; a countdown to the acceptance timeout) → controlled (`ivrapi_accept`
//! answered ok) → running a component (one at a time, until `ivrapi_component_stopped`) →
//! controlled … → released (`ivrapi_abort`: the script goes on) or stopped (`api_stop`, with the
//! platform's reason: `script`, `timeout` or `abort`; nothing is sent for it afterwards).

use serde::Serialize;
use serde_json::{Map, Value};

use crate::component::SipState;

/// Where a session stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "phase")]
pub enum Phase {
    /// Offered by `api_start`; anyone may take it until the deadline.
    Offered,
    /// Being taken: `ivrapi_accept` sent, no answer yet.
    Accepting,
    /// This client controls it and no component runs.
    Controlled,
    /// `ivrapi_component_apply` sent, no answer yet.
    Applying {
        /// The component's `oType`.
        o_type: i64,
    },
    /// A component runs.
    Running {
        /// Its instance id, when the platform gave one.
        o_id: Option<i64>,
        /// Its `oType`.
        o_type: i64,
    },
    /// Handed back with `ivrapi_abort`, or taken by another controller.
    Released {
        /// Why, in a sentence.
        why: String,
    },
    /// Ended by `api_stop`.
    Stopped {
        /// The platform's reason: `script`, `timeout`, `abort` (or another it sends).
        reason: String,
    },
}

impl Phase {
    /// Whether this client controls the session (so it reaccepts it after a reconnect).
    pub fn is_controlled(&self) -> bool {
        matches!(self, Self::Controlled | Self::Applying { .. } | Self::Running { .. })
    }

    /// Whether the session is over for this client.
    pub fn is_over(&self) -> bool {
        matches!(self, Self::Stopped { .. })
    }
}

/// How the last component ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ComponentOutcome {
    /// Its `oType`.
    pub o_type: i64,
    /// Its instance id.
    pub o_id: Option<i64>,
    /// The exit branch.
    pub transfer_key: String,
    /// Its output values.
    pub results: Map<String, Value>,
}

/// An IVR session as this client sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IvrSession {
    /// The runtime dialog id: the address of every command.
    pub ivrid: String,
    /// The key every command must carry.
    #[serde(skip)]
    pub key: String,
    /// The component's parameter string (often JSON).
    pub params: String,
    /// SIP Call-ID of the caller's leg.
    pub callid: Option<String>,
    /// The globally unique dialog id.
    pub cid: Option<String>,
    /// The component's title in the script.
    pub component_name: Option<String>,
    /// The SIP state, when known.
    pub sip_state: Option<SipState>,
    /// When the offer arrived here (ms since the epoch).
    pub offered_ms: i64,
    /// When the platform stops waiting for a taker (ms since the epoch).
    pub accept_deadline_ms: i64,
    /// Where it stands.
    #[serde(flatten)]
    pub phase: Phase,
    /// The digits the caller pressed, in order.
    pub dtmf: String,
    /// How the last component ended.
    pub last_component: Option<ComponentOutcome>,
}

/// What an `api_start` offers, read from its data.
pub(crate) fn offered(data: &Map<String, Value>, now_ms: i64, accept_timeout_ms: i64) -> Option<IvrSession> {
    let text = |f: &str| match data.get(f) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let ivrid = text("ivrid").filter(|s| !s.is_empty())?;
    let key = text("key")?;
    Some(IvrSession {
        ivrid,
        key,
        params: text("params").unwrap_or_default(),
        callid: text("callid"),
        cid: text("cid"),
        component_name: text("componentname"),
        sip_state: SipState::read(text("state").as_deref()),
        offered_ms: now_ms,
        accept_deadline_ms: now_ms + accept_timeout_ms,
        phase: Phase::Offered,
        dtmf: String::new(),
        last_component: None,
    })
}
