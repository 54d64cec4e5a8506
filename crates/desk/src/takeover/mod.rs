//! Taking over callers in an Era/Incoplax IVR (the WebSocket token API, `ivrapi`).
//!
//! A script that reaches its "External management via API" component offers the caller to every
//! subscribed controller. A supervisor (or an agent, when the administrator allows it) sees the
//! offer with its parameters and a countdown, takes control, runs components one at a time (play,
//! record, collect digits, transfer, answer, hang up, or any other as raw JSON), sees the digits
//! the caller presses, and hands the caller back to the script. The connection, its reconnects
//! and the reaccepts are `sidekick-ivrapi`'s; the desk starts and stops it from the settings,
//! turns its sessions into [`TakeoverPanel`] for the snapshot and writes an audit line for every
//! takeover and hand-back (in the export audit log, `exports.sqlite3`).
//!
//! Choices where the reference is silent:
//!
//! - The token (`token_local` of the integration channel) is kept in the OS keychain; the address
//!   and the token's place (header or path) in the settings.
//! - Sessions stay on the panel after they end (the newest [`SESSIONS_SHOWN`]), with how they
//!   ended; the countdown runs from the moment the offer reached this computer.
//! - While the demo runs and no address is saved, the demo's Era simulator offers a caller every
//!   so often, and presses digits when asked for them.

pub mod api;
pub(crate) mod runtime;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The keychain account of the Era token.
pub const TOKEN_ACCOUNT: &str = "era token";
/// Sessions shown on the panel (the newest).
pub const SESSIONS_SHOWN: usize = 20;

/// What is kept in `settings.json` under `takeover`. Never the token.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct TakeoverSettings {
    /// The platform's token API, `wss://host/ws/token/v1` (`ws://` only to this computer).
    pub url: Option<String>,
    /// Put the token in the path instead of an `Authorization: Bearer` header (for proxies that
    /// drop the header).
    pub token_in_path: bool,
    /// Administrator setting: agents, not only supervisors, may take callers over.
    pub agents_allowed: bool,
}

/// The takeover part of the settings page.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TakeoverView {
    /// What is saved.
    pub settings: TakeoverSettings,
    /// Whether the keychain holds the token (never the token).
    pub token_saved: bool,
    /// Whether this user may take callers over (a supervisor, or agents are allowed).
    pub allowed: bool,
    /// The demo's Era simulator is in use (the demo runs and no address is saved).
    pub demo: bool,
}

/// The connection to the platform, and the sessions it offered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TakeoverPanel {
    /// How the connection stands.
    pub link: TakeoverLink,
    /// The sessions, newest offer first (at most [`SESSIONS_SHOWN`]).
    pub sessions: Vec<TakeoverSession>,
    /// Frames from the platform that could not be read and were skipped.
    #[ts(type = "number")]
    pub malformed_frames: u64,
}

/// How the connection stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase", rename_all_fields = "camelCase", tag = "state")]
pub enum TakeoverLink {
    /// Connecting, or checking the connection's capabilities.
    Connecting,
    /// Connected and subscribed to the IVR's offers.
    Connected,
    /// Not connected; the next attempt is in `retryInMs`.
    Down {
        /// Why, in a sentence.
        reason: String,
        /// The wait before the next attempt.
        #[ts(type = "number")]
        retry_in_ms: u64,
    },
    /// Stopped.
    Stopped,
}

impl From<&sidekick_ivrapi::LinkStatus> for TakeoverLink {
    fn from(s: &sidekick_ivrapi::LinkStatus) -> Self {
        use sidekick_ivrapi::LinkStatus as L;
        match s {
            L::Connecting => Self::Connecting,
            L::Connected { .. } => Self::Connected,
            L::Down { reason, retry_in_ms } => Self::Down { reason: crate::error::capitalized(reason), retry_in_ms: *retry_in_ms },
            L::Stopped => Self::Stopped,
        }
    }
}

/// Where a session stands, for this app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum TakeoverPhase {
    /// Offered: anyone may take it until the countdown ends.
    Offered,
    /// Taking control.
    Accepting,
    /// This app controls it; no component runs.
    Controlled,
    /// A component was sent.
    Applying,
    /// A component runs.
    Running,
    /// Handed back to the script, or taken by someone else.
    Released,
    /// Ended by the platform (`api_stop`).
    Stopped,
}

/// One offered session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TakeoverSession {
    /// The platform's id of the IVR dialog.
    pub ivrid: String,
    /// The component's parameters, as the script gives them (often JSON).
    pub params: String,
    /// The caller's SIP Call-ID.
    pub callid: Option<String>,
    /// The component's title in the script.
    pub component_name: Option<String>,
    /// The SIP state: `incoming`, `ringing`, `early` or `dialog`; `None` when not given.
    pub sip_state: Option<String>,
    /// When the offer arrived (ms since the epoch).
    #[ts(type = "number")]
    pub offered_ms: i64,
    /// When the platform stops waiting for a taker (ms since the epoch).
    #[ts(type = "number")]
    pub accept_deadline_ms: i64,
    /// Where it stands.
    pub phase: TakeoverPhase,
    /// The running (or sent) component's `oType`.
    #[ts(type = "number | null")]
    pub o_type: Option<i64>,
    /// Why it was released, or the platform's reason for stopping it (`script`, `timeout`,
    /// `abort`).
    pub reason: Option<String>,
    /// The digits the caller pressed, in order.
    pub dtmf: String,
    /// How the last component ended.
    pub last_component: Option<ComponentResult>,
}

/// How a component ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ComponentResult {
    /// Its `oType`.
    #[ts(type = "number")]
    pub o_type: i64,
    /// The exit branch (`transfer`, `timeout`, `error`, `terminated`, …).
    pub transfer_key: String,
    /// Its output values, as JSON text.
    pub results: String,
}

impl From<&sidekick_ivrapi::IvrSession> for TakeoverSession {
    fn from(s: &sidekick_ivrapi::IvrSession) -> Self {
        use sidekick_ivrapi::Phase as P;
        let (phase, o_type, reason) = match &s.phase {
            P::Offered => (TakeoverPhase::Offered, None, None),
            P::Accepting => (TakeoverPhase::Accepting, None, None),
            P::Controlled => (TakeoverPhase::Controlled, None, None),
            P::Applying { o_type } => (TakeoverPhase::Applying, Some(*o_type), None),
            P::Running { o_type, .. } => (TakeoverPhase::Running, Some(*o_type), None),
            P::Released { why } => (TakeoverPhase::Released, None, Some(why.clone())),
            P::Stopped { reason } => (TakeoverPhase::Stopped, None, Some(reason.clone())),
        };
        let sip_state = s.sip_state.and_then(|st| serde_json::to_value(st).ok()).and_then(|v| v.as_str().map(str::to_owned));
        Self {
            ivrid: s.ivrid.clone(),
            params: s.params.clone(),
            callid: s.callid.clone(),
            component_name: s.component_name.clone(),
            sip_state,
            offered_ms: s.offered_ms,
            accept_deadline_ms: s.accept_deadline_ms,
            phase,
            o_type,
            reason,
            dtmf: s.dtmf.clone(),
            last_component: s.last_component.as_ref().map(|c| ComponentResult {
                o_type: c.o_type,
                transfer_key: c.transfer_key.clone(),
                results: serde_json::to_string(&c.results).unwrap_or_default(),
            }),
        }
    }
}

/// A component to run, as the panel's forms give it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum ComponentForm {
    /// 201: hang up.
    HangUp,
    /// 202: answer the INVITE with a SIP code (200 answers; 3xx moves with `redirectTo`; 4xx–6xx
    /// refuses).
    #[serde(rename_all = "camelCase")]
    Answer {
        /// 100–699.
        sip_code: u16,
        /// For a 3xx: where to.
        redirect_to: Option<String>,
    },
    /// 203: blind transfer.
    Transfer {
        /// The number.
        number: String,
    },
    /// 204: play a file.
    Play {
        /// The file, e.g. `:SYNC_DOMAIN_DATA/prompts/hello.wav` or `:TEMP/x.wav`.
        file: String,
    },
    /// 206: collect digits.
    #[serde(rename_all = "camelCase")]
    CollectDigits {
        /// Total wait, seconds.
        timeout_sec: u32,
        /// Wait between digits, seconds.
        symbol_timeout_sec: u32,
        /// Stop after this many digits.
        max_symbols: Option<u32>,
        /// Digits that end the input, e.g. `#`.
        interrupt: Option<String>,
    },
    /// 208: record the caller.
    #[serde(rename_all = "camelCase")]
    Record {
        /// Longest recording, seconds.
        rec_time_sec: u32,
        /// Digits that stop it, e.g. `#`.
        interrupt: Option<String>,
        /// Stop on silence.
        abort_on_silence: bool,
    },
    /// Any other component: a JSON object with a numeric `oType`.
    Raw {
        /// The JSON text.
        json: String,
    },
}

/// Where `upload` puts a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum UploadTarget {
    /// The script's temporary folder (`ivrapi_file_upload_temp`).
    Temp,
    /// Static storage for this session's domain (`ivrapi_file_upload_static`).
    Static,
    /// Static storage without a session (`file_upload_static`).
    Shared,
}

/// A file to have the platform download.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UploadForm {
    /// The session (not needed for `shared`).
    pub ivrid: Option<String>,
    /// `http(s)://` address the platform downloads from.
    pub url: String,
    /// Where to.
    pub target: UploadTarget,
    /// For static storage: a storage prefix and folder; empty: `:SYNC_DOMAIN_DATA`.
    pub dest: Option<String>,
}

/// A public link to a script file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FileLinkView {
    /// The address.
    pub url: String,
    /// When it stops working (ms since the epoch).
    #[ts(type = "number")]
    pub expires_ms: i64,
}
