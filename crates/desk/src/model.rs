//! What the UI sees. These types cross IPC as camelCase JSON and are mirrored in TypeScript
//! (`ui/src/lib/backend/generated.ts`, checked by a drift test in the shell).

use serde::Serialize;
use ts_rs::TS;

/// Everything the agent window shows, published whole on every change (it is small).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DeskSnapshot {
    /// Grows by one with every change. Command answers and events may reach the UI in either
    /// order; the UI keeps whichever snapshot has the higher revision.
    #[ts(type = "number")]
    pub revision: u64,
    /// The agent's session with the gateway.
    pub session: SessionView,
    /// The call on the card: the live one, or the last one once it ended; `None` before the first.
    pub call: Option<CallView>,
    /// The notes of the call on the card.
    pub notes: Option<crate::notes::CallNotes>,
    /// The recording of the call on the card; `None` when the deployment records no calls or
    /// no call is on the card.
    pub recording: Option<crate::recording::RecordingView>,
    /// The caller the PBX's IVR announced last (Call Interactive), until dismissed.
    pub ivr: Option<crate::interactive::IvrPop>,
    /// The connection to the Call Interactive relay; `None` when no relay is configured (or it
    /// has no key).
    pub relay: Option<crate::interactive::RelayConnection>,
    /// The supervisor's export jobs, newest first (at most 50); empty for an agent.
    pub exports: Vec<crate::export::ExportJobView>,
    /// The IVR takeover connection and its sessions; `None` when not set up (or not allowed).
    pub takeover: Option<crate::takeover::TakeoverPanel>,
}

/// Where the sign-in stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum SessionPhase {
    /// No session; the sign-in form is shown.
    SignedOut,
    /// A sign-in request is out.
    SigningIn,
    /// Signed in; events are being polled.
    SignedIn,
    /// A sign-out request is out.
    SigningOut,
}

/// The agent's state as the gateway reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum AgentState {
    /// Not known yet (before the first state event).
    Unknown,
    /// Idle, waiting for calls.
    Ready,
    /// Handling a call.
    Busy,
    /// Busy by choice (no calls offered).
    NotReady,
    /// On a break.
    Rest,
    /// After-call work.
    WrapUp,
}

/// Health of the connection to the gateway, shown as a dot in the status bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum Health {
    /// No session, nothing to report.
    Offline,
    /// Polls are being answered.
    Connected,
    /// Polls have been failing for 30 s or more; retrying with backoff. The session may still be
    /// alive on the gateway (it allows 2 minutes without a request).
    Reconnecting,
    /// The gateway ended the session; the agent must sign in again.
    Lost,
}

/// Error codes that cross IPC. Closed: a code exists only where the UI branches on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum ErrorCode {
    /// A form field is wrong; the message says which and why.
    InvalidInput,
    /// The gateway could not be reached (network, TLS, timeout).
    GatewayUnreachable,
    /// The gateway refused the request; the message carries the vendor code.
    GatewayRefused,
    /// The agent is signed in elsewhere.
    AlreadySignedIn,
    /// The gateway ended the session.
    SessionLost,
    /// The gateway ended the session and Sidekick signed the agent in again by itself.
    SessionRestored,
    /// The action needs a session and there is none.
    NotSignedIn,
    /// Another request of the same kind is still running.
    Busy,
    /// Settings could not be read or written.
    Storage,
    /// A bug; the message says what.
    Internal,
}

/// A problem worth a line in the window (the last one; cleared when things recover).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Notice {
    /// What kind of problem.
    pub code: ErrorCode,
    /// A sentence for the agent.
    pub message: String,
}

/// The session as shown in the status bar.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    /// Where the sign-in stands.
    pub phase: SessionPhase,
    /// The signed-in (or signing-in) agent.
    pub agent_id: Option<u32>,
    /// The agent's state.
    pub agent_state: AgentState,
    /// Connection health.
    pub health: Health,
    /// The last problem, if any.
    pub notice: Option<Notice>,
    /// True when the session runs against the embedded demo.
    pub demo: bool,
    /// Host (and port) of the gateway, for the status bar; never credentials.
    pub gateway: Option<String>,
    /// Whether the agent may change state now (signed in, and no call is up).
    pub can_change_state: bool,
    /// When the gateway last answered a poll (epoch ms), for "last contact" in the status bar.
    /// A poll answered with nothing (an idle desk's long poll running out) moves it without
    /// publishing a snapshot: a published snapshot has it as of its own change, and
    /// `get_snapshot` reads the current one.
    #[ts(type = "number | null")]
    pub last_contact_ms: Option<i64>,
    /// The not-ready reasons the agent may pick from (configured by the administrator).
    pub busy_reasons: Vec<BusyReason>,
}

/// A not-ready reason configured on the platform: a code 200–250 and the name agents know it by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BusyReason {
    /// Reason code sent with `saybusy`, 200–250.
    pub code: u8,
    /// What the agent sees, for example "Training".
    pub label: String,
}

/// Direction of a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum Direction {
    /// A customer called in.
    Inbound,
    /// The agent (or a campaign) called out.
    Outbound,
}

/// State of the call on the card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum CallState {
    /// Offered to the agent, not yet answered (or the far end rings, outbound).
    Ringing,
    /// Connected.
    Talking,
    /// On hold.
    Held,
    /// Over.
    Ended,
}

/// Who ended a call, when known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum EndedBy {
    /// The agent left (`AgentEvent_Call_Release` came first).
    Agent,
    /// The customer hung up (`AgentEvent_Customer_Release` came first).
    Customer,
}

/// One call, unified across vendors (only the CC-Gateway feeds it so far).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CallView {
    /// The platform's call id.
    pub call_id: String,
    /// Calling number.
    pub caller: String,
    /// Called number.
    pub callee: String,
    /// Inbound or outbound.
    pub direction: Direction,
    /// Ringing, talking, held or ended.
    pub state: CallState,
    /// When the call reached the agent (epoch ms).
    #[ts(type = "number")]
    pub offered_at_ms: i64,
    /// When it was connected (epoch ms); the timer counts from here.
    #[ts(type = "number | null")]
    pub answered_at_ms: Option<i64>,
    /// When it ended (epoch ms).
    #[ts(type = "number | null")]
    pub ended_at_ms: Option<i64>,
    /// Who ended it, when known.
    pub ended_by: Option<EndedBy>,
    /// What the agent may do with the call now; the UI enables exactly these buttons.
    pub actions: CallActions,
}

/// Call-control actions the desk allows in the call's current state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CallActions {
    /// The call rings for the agent.
    pub answer: bool,
    /// The call is connected.
    pub hold: bool,
    /// The call is on hold.
    pub unhold: bool,
    /// The call is connected or on hold.
    pub hang_up: bool,
}

/// A state the agent asks for. The gateway confirms it with an event; until then the shown state
/// does not change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, TS)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum StateChoice {
    /// Ready for calls.
    Ready,
    /// Not ready, optionally with a reason code 200–250 configured on the platform.
    NotReady {
        /// Reason code, 200–250.
        reason: Option<u8>,
    },
    /// A break of `minutes` (1–1439).
    Rest {
        /// Length of the break.
        minutes: u32,
    },
    /// After-call work.
    WrapUp,
}

/// Interface language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum Language {
    /// Follow the operating system.
    #[default]
    Auto,
    /// English.
    En,
    /// Russian.
    Ru,
}

/// Settings the UI reads and edits (secrets are never part of it).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SettingsView {
    /// Last gateway address used to sign in.
    pub gateway_url: Option<String>,
    /// Last agent id used to sign in.
    pub agent_id: Option<u32>,
    /// Last phone number used to sign in.
    pub phone_number: Option<String>,
    /// Interface language.
    pub language: Language,
    /// Whether the OS keychain holds a password for the remembered agent and gateway (the
    /// password itself never leaves the backend).
    pub password_saved: bool,
    /// The operating system's language as a BCP 47 tag (`ru-RU`, `en-GB`), which `auto` follows;
    /// `None` when the system does not say.
    pub system_language: Option<String>,
    /// Whether the OS keychain holds the deployment's call-data key (never the key itself).
    pub call_data_key_saved: bool,
    /// How this deployment records calls (administrator's setting); `None`: no recording.
    pub recording_path: Option<crate::recording::RecordingPath>,
    /// Whether the OS keychain holds the ODFS app secret (never the secret itself).
    pub odfs_secret_saved: bool,
    /// The system-wide hotkey that starts or stops recording; `None`: turned off.
    pub record_hotkey: Option<String>,
    /// Why that hotkey does not work (not a key combination, or another application holds it).
    pub record_hotkey_problem: Option<String>,
    /// Every system-wide hotkey: its combination (or off) and what is wrong with it.
    pub hotkeys: Vec<crate::hotkeys::HotkeyView>,
    /// Telphin Call Interactive: the settings, the server's state, the number `{me}` stands for.
    pub call_interactive: crate::interactive::InteractiveView,
    /// Agent or supervisor.
    pub role: crate::export::Role,
    /// The supervisor's export: settings, whether the SK is saved, the callback receiver.
    pub export: crate::export::ExportView,
    /// Taking over IVR callers: the settings, whether the token is saved, whether allowed.
    pub takeover: crate::takeover::TakeoverView,
    /// The administrator's policy: where, what it locks, what was wrong in it.
    pub policy: crate::policy::PolicyView,
    /// Tray, window and start-up.
    pub desktop: crate::settings::DesktopSettings,
    /// Updates of the app: off, up to date, or one to install.
    pub update: crate::update::UpdateView,
}
