//! Recording the call on the card: through ODFS (`inaction` 7, packet-capture recording) or the
//! CC-Gateway's agent recording, whichever the deployment uses (an administrator's setting).
//!
//! The state shown is only ever one the platform confirmed: `recording` after ODFS answered
//! `ret` 0 with `outaction` 7, or after the gateway's `AgentMediaEvent_Record`; `failed` with the
//! platform's code otherwise. One request at a time; nothing is asked for a call that has ended.
//! Every request and its outcome goes to the audit log (see [`audit`]).

pub mod audit;
mod control;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use audit::AuditEntry;
pub use control::ODFS_SECRET_ACCOUNT;
pub(crate) use control::{on_call_changed, on_event, Recorder};

/// The system-wide hotkey that starts or stops recording, unless the settings name another.
pub const DEFAULT_RECORD_HOTKEY: &str = "CmdOrCtrl+Shift+R";

/// Which platform records calls in this deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum RecordingPath {
    /// ODFS `crs/process` with `inaction` 7: the packet-capture recording system. It has no stop
    /// request: the recording ends with the call.
    Odfs,
    /// The CC-Gateway's `recordplay/{agentid}/record` and `stoprecord`, confirmed by events.
    Gateway,
}

/// Where the recording of the call on the card stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum RecordingState {
    /// Not recording.
    Off,
    /// Asked; the platform has not confirmed yet.
    Requesting,
    /// The platform confirmed the recording.
    Recording,
    /// Asked to stop; not confirmed yet.
    Stopping,
    /// The platform refused or failed; `reason` says why, with its code.
    Failed,
}

/// The recording of the call on the card, as the window shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RecordingView {
    /// The call it is about.
    pub call_id: String,
    /// The platform that records.
    pub path: RecordingPath,
    /// Where it stands.
    pub state: RecordingState,
    /// When the platform confirmed it (epoch ms), for the elapsed time.
    #[ts(type = "number | null")]
    pub started_at_ms: Option<i64>,
    /// Why it failed (with the platform's code), or why it cannot be asked for now.
    pub reason: Option<String>,
    /// The agent may start a recording now.
    pub can_start: bool,
    /// The agent may stop it now (gateway path only: ODFS has no stop).
    pub can_stop: bool,
}
