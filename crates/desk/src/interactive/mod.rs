//! Telphin Call Interactive inside the desk: the PBX's IVR asks this app what to do with a caller
//! (the HTTP server of `sidekick-interactive`, run here on the LAN), the agent's routing rules
//! answer, and the caller pops up on the agent's screen with what the desk already knows of them.
//!
//! - Settings: [`InteractiveSettings`] in `settings.json` (`callInteractive`): on or off, the
//!   address to listen on, the ordered rules, the number `{me}` stands for, and a relay to take
//!   screen pops from. The secret path token is in the OS keychain ([`TOKEN_ACCOUNT`]) and the
//!   relay key too ([`RELAY_KEY_ACCOUNT`]); neither reaches a snapshot, the settings file or a log.
//! - The decider evaluates the rules at the desk clock's local time of day, against the desk's
//!   call history ("spoke with me within N days"), with `{me}` = [`InteractiveSettings::transfer_number`],
//!   else the phone number of the current (or last) sign-in.
//! - A screen pop ([`IvrPop`]) goes into the snapshot: caller, what they dialled, the IVR, the
//!   answer given (rule and actions), and the agent's past calls with that number, with notes.
//!
//! Choices where nothing is written down:
//!
//! - History numbers are matched by their digits, on the last 10 when both have at least 10
//!   (`+7 495 123-45-67`, `84951234567` and `74951234567` are one caller), since the gateway and
//!   the PBX write numbers differently. Rules' own patterns still compare numbers as sent.
//! - "Spoke with" means an answered call, inbound or outbound; how long ago counts from its end
//!   (or its answer, for a call still up).
//! - A new pop replaces the previous one; the agent dismisses it, or it stays until the next.

pub mod api;
pub(crate) mod relay;
pub(crate) mod runtime;

use serde::{Deserialize, Serialize};
use sidekick_interactive::rules::Rule;
use ts_rs::TS;

use crate::notes::HistoryCall;

pub use runtime::InteractiveRuntime;

/// The keychain account of the secret path token of the Call Interactive URL.
pub const TOKEN_ACCOUNT: &str = "call-interactive token";
/// The keychain account of the key for the relay's WebSocket.
pub const RELAY_KEY_ACCOUNT: &str = "call-interactive relay key";
/// Where the server listens unless configured: every interface, so the PBX on the LAN reaches it.
pub const DEFAULT_LISTEN: &str = "0.0.0.0:8095";
/// At most this many past calls come with a pop.
pub const POP_HISTORY: usize = 5;

/// What is kept in `settings.json` under `callInteractive`. Never a secret.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct InteractiveSettings {
    /// Run the Call Interactive server in this app.
    pub enabled: bool,
    /// `address:port` to listen on; [`DEFAULT_LISTEN`] when absent.
    pub listen: Option<String>,
    /// The routing rules, first match wins.
    pub rules: Vec<Rule>,
    /// The number `{me}` stands for in a transfer; when absent, the phone number the agent signed
    /// in with.
    pub transfer_number: Option<String>,
    /// A relay (`wss://…/pops`) that forwards screen pops from a cloud PBX; absent: none.
    pub relay_url: Option<String>,
}

/// Whether the server runs.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, TS)]
#[serde(rename_all = "camelCase", tag = "state")]
pub enum ServerStatus {
    /// Turned off in settings.
    #[default]
    Off,
    /// Answering on this address.
    Listening {
        /// `address:port` it is bound to.
        address: String,
    },
    /// Turned on but not running.
    Failed {
        /// Why, in a sentence.
        reason: String,
    },
}

/// The Call Interactive part of the settings screen.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct InteractiveView {
    /// What is saved.
    pub settings: InteractiveSettings,
    /// The number `{me}` stands for now (`None`: not known, and rules using it answer nothing).
    pub my_number: Option<String>,
    /// Whether the server runs, and where.
    pub status: ServerStatus,
    /// Whether the keychain holds a relay key (never the key).
    pub relay_key_saved: bool,
}

/// How the connection to the relay stands (in the snapshot: it changes by itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase", tag = "state")]
pub enum RelayConnection {
    /// Opening the connection, or waiting for the relay's hello.
    Connecting,
    /// Screen pops arrive from the relay.
    Connected,
    /// Not connected; the app tries again by itself.
    #[serde(rename_all = "camelCase")]
    Down {
        /// Why, as a sentence (never the key).
        reason: String,
        /// How long until the next attempt.
        #[ts(type = "number")]
        retry_in_ms: u64,
    },
}

/// A sample request for the preview: what the settings screen asks for.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct SampleCall {
    /// `CallerIDNum`.
    pub caller: String,
    /// `CalledDID` / `CalledNumber`.
    pub called: String,
    /// `HH:MM`; now when empty.
    pub at: String,
}

/// The answer the PBX got for a pop's call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct IvrAnswer {
    /// The rule that chose it (`1. Back to me`), or `None` when none matched.
    pub rule: Option<String>,
    /// Each action in a few words (`SimpleTransfer 4012`), in order.
    pub actions: Vec<String>,
    /// Why the answer is empty when a rule matched but could not be used.
    pub problem: Option<String>,
}

/// A caller the IVR announced: the "incoming from IVR" card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct IvrPop {
    /// The PBX's `CallID`.
    pub call_id: String,
    /// `CallerIDNum`.
    pub caller_number: Option<String>,
    /// `CallerIDName`.
    pub caller_name: Option<String>,
    /// What the caller dialled (`CalledDID`, else `CalledNumber`).
    pub called: Option<String>,
    /// The IVR (`CalledExtension`).
    pub ivr: Option<String>,
    /// When it arrived (epoch ms).
    #[ts(type = "number")]
    pub at_ms: i64,
    /// Whether it came through the relay rather than to this app's own server.
    pub via_relay: bool,
    /// What this app answered (`None` for a relay's pop, or before the answer is made).
    pub answer: Option<IvrAnswer>,
    /// The agent's latest calls with this number, newest first, with their notes.
    pub past_calls: Vec<HistoryCall>,
}

/// The digits of a phone number, the last 10 of them when there are more: the form in which two
/// numbers are compared against the history.
pub(crate) fn number_key(number: &str) -> String {
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    if digits.len() > 10 {
        digits[digits.len() - 10..].to_owned()
    } else {
        digits
    }
}

/// Whether two numbers are the same caller (see the module docs). Numbers without digits (an
/// internal name) are compared as written.
pub(crate) fn same_number(a: &str, b: &str) -> bool {
    let (ka, kb) = (number_key(a), number_key(b));
    if ka.is_empty() || kb.is_empty() {
        return !a.trim().is_empty() && a.trim() == b.trim();
    }
    if ka.len() >= 10 || kb.len() >= 10 {
        return ka == kb;
    }
    // Short numbers (extensions) must match exactly, `*` and all.
    a.trim() == b.trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_match_across_formats_but_extensions_stay_exact() {
        assert!(same_number("+7 495 123-45-67", "84951234567"));
        assert!(same_number("74951234567", "+74951234567"));
        assert!(!same_number("+74951234567", "+74951234568"));
        assert!(same_number("000*306", "000*306"));
        assert!(!same_number("000*306", "000306"), "an internal extension is compared as written");
        assert!(!same_number("", ""));
        assert!(same_number("anonymous", "anonymous"));
    }
}
