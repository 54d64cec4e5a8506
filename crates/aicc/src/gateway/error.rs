//! Errors of the CC-Gateway client, each able to say what may help.

pub use crate::RetryKind;

/// An error talking to the CC-Gateway.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// The request never got an HTTP answer.
    #[error("{}", transport_text(.0))]
    Transport(#[source] reqwest::Error),
    /// An HTTP status other than 200.
    #[error("the gateway answered HTTP {status}")]
    Status {
        /// HTTP status code.
        status: u16,
        /// The first bytes of the body, for the log.
        body_snippet: String,
    },
    /// A 200 answer whose body is not the documented envelope.
    #[error("the gateway's answer could not be read: {source}")]
    Decode {
        /// The JSON error.
        source: serde_json::Error,
        /// The first bytes of the body, for the log.
        body_snippet: String,
    },
    /// The envelope's `retcode` was not "0".
    #[error("the gateway refused ({retcode}): {}", retcode_text(.retcode, .message))]
    Rejected {
        /// The vendor code, `NNN-NNN`.
        retcode: String,
        /// The vendor's `message`, possibly empty.
        message: String,
    },
    /// Sign-in succeeded but carried no `Set-GUID` header, so no later request can be made.
    #[error("the gateway accepted the sign-in but sent no session id (Set-GUID header)")]
    MissingGuid,
    /// A request that needs a session was made before sign-in.
    #[error("not signed in")]
    NoSession,
    /// The configured address cannot be used.
    #[error("{0}")]
    BadAddress(String),
    /// A request parameter is outside the documented range; nothing was sent.
    #[error("{0}")]
    Invalid(String),
}

fn transport_text(e: &reqwest::Error) -> String {
    crate::endpoint::transport_text(e, "the gateway")
}

use RetryKind::{NeedsAttention as Attention, SignInAgain as Resign, Transient as Retry};

/// Every result code of the CC-Gateway documents (`reference/huawei-protocols.md` §B): what it
/// means in a sentence for the agent, and what may help. Families (`101-00x`, …) are matched by
/// prefix after the exact codes. Codes listed without a meaning are in [`UNCONFIRMED`] instead.
const RETCODES: &[(&str, RetryKind, &str)] = &[
    ("000-001", Attention, "the events were fetched with the wrong method"),
    ("000-002", Attention, "a parameter was rejected"),
    ("000-003", Resign, "the session id is no longer accepted"),
    ("000-004", Retry, "the agent is being switched to the standby gateway"),
    ("000-005", Attention, "an inspector cannot inspect themselves"),
    ("000-006", Attention, "a message parameter was rejected"),
    ("000-007", Retry, "the same request is already being handled"),
    ("100-001", Attention, "the sign-in details are empty or invalid"),
    ("100-002", Attention, "this agent is already signed in elsewhere"),
    ("100-003", Retry, "the telephony platform is unavailable"),
    ("100-004", Attention, "wrong agent id or password"),
    ("100-005", Attention, "the sign-out details are invalid"),
    ("100-006", Resign, "the agent is not signed in"),
    ("100-007", Retry, "the gateway hit an internal error"),
    ("100-008", Resign, "the agent is already signed out"),
    ("100-009", Attention, "the state change was refused (wrong state or no permission)"),
    ("100-010", Attention, "this can't be done in the current state (for example during a call)"),
    ("100-011", Attention, "a sign-in parameter is invalid"),
    ("100-012", Attention, "the agent type is wrong"),
    ("100-013", Attention, "the phone number is not valid"),
    ("100-014", Attention, "the phone number is outside the configured range"),
    ("100-015", Attention, "the agent cannot be forced out"),
    ("100-016", Attention, "the sign-in IP address is invalid"),
    ("100-017", Attention, "uPortal authentication failed"),
    ("100-018", Attention, "the VDN of sign-in and playback differ"),
    ("100-019", Attention, "the skill queue query is invalid"),
    ("100-020", Attention, "the agent's password has expired"),
    ("100-021", Retry, "a sign-in for this agent is already in progress"),
    ("110-016", Attention, "the account is locked"),
    ("105-001", Retry, "the gateway is recovering from a switchover"),
    ("105-002", Retry, "the gateway is recovering from a switchover"),
    ("105-003", Retry, "the gateway is recovering from a switchover"),
    ("105-004", Retry, "the gateway is recovering from a switchover"),
    ("105-005", Resign, "the switchover ended the session"),
    ("105-006", Resign, "the switchover ended the session"),
    ("105-007", Resign, "the switchover ended the session"),
    ("500-003", Attention, "playback could not be paused or stopped"),
    ("500-009", Attention, "playback could not be paused or stopped"),
];

/// Code families, matched by prefix when no exact code matches.
const FAMILIES: &[(&str, RetryKind, &str)] = &[
    ("101-", Attention, "the conference operation failed"),
    ("104-", Attention, "the recording could not be downloaded or played"),
    ("105-", Retry, "the gateway is recovering from a switchover"),
    ("106-", Attention, "the multimedia operation failed"),
    ("900-", Attention, "the inspection operation failed"),
];

/// Codes the documents list without saying what they mean. The vendor's own message is shown
/// verbatim; this sentence only stands in when that message is empty. Like any code without a
/// known meaning, they need a person ([`RetryKind::NeedsAttention`]): retrying blindly could
/// repeat a harmful request.
///
/// `400-001` is listed for `setcalldataex` only (`reference/huawei-protocols.md` §B); most
/// likely "no such call" or "data rejected".
const UNCONFIRMED: &[(&str, &str)] = &[("400-001", "the call-data operation failed")];

/// What a retcode means and what may help; `None` for a code the documents do not list.
pub(crate) fn describe(code: &str) -> Option<(RetryKind, &'static str)> {
    RETCODES
        .iter()
        .find(|(c, _, _)| *c == code)
        .or_else(|| FAMILIES.iter().find(|(p, _, _)| code.starts_with(p)))
        .map(|(_, kind, text)| (*kind, *text))
}

/// A sentence for the agent: the table's, else the vendor's own message.
fn retcode_text(code: &str, message: &str) -> String {
    match (describe(code), message.is_empty()) {
        (Some((_, text)), _) => text.to_owned(),
        (None, false) => message.to_owned(),
        (None, true) => {
            UNCONFIRMED.iter().find(|(c, _)| *c == code).map_or("no reason given", |(_, text)| text).to_owned()
        }
    }
}

impl GatewayError {
    /// What may help; see [`RetryKind`].
    pub fn retry_kind(&self) -> RetryKind {
        match self {
            Self::Transport(_) => RetryKind::NetworkFailure,
            Self::Status { status, .. } if *status >= 500 => RetryKind::Transient,
            Self::Status { .. } | Self::Decode { .. } | Self::BadAddress(_) | Self::Invalid(_) => RetryKind::NeedsAttention,
            Self::MissingGuid | Self::NoSession => RetryKind::SignInAgain,
            // Unknown codes need a person: retrying blindly could repeat a harmful request.
            Self::Rejected { retcode, .. } => describe(retcode).map(|(k, _)| k).unwrap_or(RetryKind::NeedsAttention),
        }
    }

    /// The vendor retcode, if the gateway refused.
    pub fn retcode(&self) -> Option<&str> {
        match self {
            Self::Rejected { retcode, .. } => Some(retcode),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejected(code: &str) -> GatewayError {
        GatewayError::Rejected { retcode: code.into(), message: String::new() }
    }

    #[test]
    fn session_loss_codes_ask_for_a_new_sign_in() {
        assert_eq!(rejected("100-006").retry_kind(), RetryKind::SignInAgain);
        assert_eq!(rejected("000-003").retry_kind(), RetryKind::SignInAgain);
    }

    #[test]
    fn wrong_password_needs_the_agent_and_says_so() {
        let e = rejected("100-004");
        assert_eq!(e.retry_kind(), RetryKind::NeedsAttention);
        assert_eq!(e.to_string(), "the gateway refused (100-004): wrong agent id or password");
    }

    #[test]
    fn every_documented_code_is_mapped() {
        for code in [
            "000-001", "000-002", "000-003", "000-004", "000-005", "000-006", "000-007", "100-001", "100-002", "100-003",
            "100-004", "100-005", "100-006", "100-007", "100-008", "100-009", "100-010", "100-011", "100-012", "100-013",
            "100-014", "100-015", "100-016", "100-017", "100-018", "100-019", "100-020", "100-021", "110-016", "101-001",
            "104-001", "104-002", "104-005", "104-012", "105-001", "105-005", "105-007", "106-001", "500-003", "500-009",
            "900-001",
        ] {
            assert!(describe(code).is_some(), "{code} is in the vendor's table and must be mapped");
        }
        assert_eq!(rejected("105-002").retry_kind(), RetryKind::Transient, "DR recovery in progress: wait");
        assert_eq!(rejected("105-006").retry_kind(), RetryKind::SignInAgain, "DR ended the session");
        assert_eq!(rejected("104-005").to_string(), "the gateway refused (104-005): the recording could not be downloaded or played");
        assert_eq!(describe("400-001"), None, "UNCONFIRMED meaning: the vendor's message is kept");
    }

    #[test]
    fn an_unconfirmed_code_without_a_message_still_names_the_operation() {
        let e = rejected("400-001");
        assert_eq!(e.to_string(), "the gateway refused (400-001): the call-data operation failed");
        assert_eq!(e.retry_kind(), RetryKind::NeedsAttention, "its meaning is unknown, so a person decides");
        assert_eq!(rejected("999-999").to_string(), "the gateway refused (999-999): no reason given");
    }

    #[test]
    fn unknown_codes_keep_the_vendor_message() {
        let e = GatewayError::Rejected { retcode: "400-001".into(), message: "boom".into() };
        assert_eq!(e.to_string(), "the gateway refused (400-001): boom");
        assert_eq!(e.retry_kind(), RetryKind::NeedsAttention);
    }
}
