//! Errors of the ODFS client: each has a short [`code`](OdfsError::code) to show the agent and a
//! [`RetryKind`] that says what may help. None of them holds the app secret or a token.

use crate::RetryKind::{self, NeedsAttention as Attention, Transient as Retry};

use super::record::RecordRequestError;

/// An error starting a recording through ODFS.
#[derive(Debug, thiserror::Error)]
pub enum OdfsError {
    /// The request breaks a documented limit; nothing was sent.
    #[error(transparent)]
    Invalid(#[from] RecordRequestError),
    /// The configured address or TLS settings cannot be used.
    #[error("{0}")]
    BadAddress(String),
    /// The request never got an HTTP answer.
    #[error("{}", crate::endpoint::transport_text(.0, "the recording service"))]
    Transport(#[source] reqwest::Error),
    /// An HTTP status other than 200.
    #[error("the recording service answered HTTP {status}{}", status_text(*.status))]
    Status {
        /// HTTP status code.
        status: u16,
        /// The first bytes of the body, for the log (always empty for `gettoken`, whose answers
        /// may hold a token).
        body_snippet: String,
    },
    /// A 200 answer that is not the documented JSON.
    #[error("the recording service's answer could not be read: {source}")]
    Decode {
        /// The JSON error.
        source: serde_json::Error,
        /// The first bytes of the body, for the log (always empty for `gettoken`).
        body_snippet: String,
    },
    /// `gettoken` refused the tenant's credentials (`errorCode` not 0).
    #[error("the recording service refused the tenant key and API password ({code}): {}", code_text(.code, .message))]
    TokenRefused {
        /// The OIAP `errorCode`.
        code: String,
        /// The service's `errorMsg`, possibly empty.
        message: String,
    },
    /// `crs/process` answered a `ret` other than 0 (a token error only after one renewal).
    #[error("the recording service refused ({code}): {}", code_text(.code, .message))]
    Refused {
        /// The `ret` code.
        code: String,
        /// The service's own text, possibly empty.
        message: String,
    },
    /// `ret` was 0 but `outaction` was not 7, so the capture system was not confirmed.
    #[error("the recording service answered without confirming the recording (outaction {outaction:?}, expected \"7\")")]
    NotStarted {
        /// The `outaction` received (empty when absent).
        outaction: String,
    },
}

/// What HTTP 400 and 500 mean to ODFS (§D.2).
fn status_text(status: u16) -> &'static str {
    match status {
        400 => " (the address is wrong)",
        500 => " (a business failure: a parameter value was not found)",
        _ => "",
    }
}

/// The OIAP codes the documents list (`reference/huawei-protocols.md` §D.5): what each means for
/// the agent and what may help. The list is shared by `gettoken` and `crs/process`.
const CODES: &[(&str, RetryKind, &str)] = &[
    ("900001", Retry, "there was no access token, or it had expired"),
    ("900002", Attention, "the access token failed the check"),
    ("10000001", Retry, "the service hit an internal error"),
    ("10000002", Attention, "a parameter was rejected"),
    ("10000003", Attention, "a required parameter is missing"),
    ("10000004", Attention, "the request duplicates one already made"),
    ("200800001", Attention, "the tenant key (appKey) is not known"),
    ("200800002", Attention, "the tenant key or API password is wrong"),
    ("200800003", Attention, "the account is locked"),
];

fn describe(code: &str) -> Option<(RetryKind, &'static str)> {
    CODES.iter().find(|(c, _, _)| *c == code).map(|(_, kind, text)| (*kind, *text))
}

/// A sentence for the agent: the table's, else the service's own words.
fn code_text(code: &str, message: &str) -> String {
    match describe(code) {
        Some((_, text)) => text.to_owned(),
        None if !message.is_empty() => message.to_owned(),
        None => "no reason given".to_owned(),
    }
}

impl OdfsError {
    /// A short code for the agent and the audit log: the vendor's code when the service refused
    /// (`10000002`, `200800002`), `HTTP 500` for an HTTP status, otherwise a word for where it
    /// failed (`invalid-request`, `network`, `bad-answer`, `not-started`, `bad-address`).
    pub fn code(&self) -> String {
        match self {
            Self::Invalid(_) => "invalid-request".into(),
            Self::BadAddress(_) => "bad-address".into(),
            Self::Transport(_) => "network".into(),
            Self::Status { status, .. } => format!("HTTP {status}"),
            Self::Decode { .. } => "bad-answer".into(),
            Self::TokenRefused { code, .. } | Self::Refused { code, .. } => code.clone(),
            Self::NotStarted { .. } => "not-started".into(),
        }
    }

    /// What may help; see [`RetryKind`]. ODFS documents HTTP 500 as a business failure, not an
    /// outage, so only 502–504 (a proxy in front of it) and 429 are worth retrying.
    pub fn retry_kind(&self) -> RetryKind {
        match self {
            Self::Transport(_) => RetryKind::NetworkFailure,
            Self::Status { status: 429 | 502..=504, .. } => RetryKind::Transient,
            Self::TokenRefused { code, .. } | Self::Refused { code, .. } => {
                // A code the documents do not list needs a person: retrying blindly could start
                // a second capture.
                describe(code).map_or(RetryKind::NeedsAttention, |(kind, _)| kind)
            }
            Self::Invalid(_) | Self::BadAddress(_) | Self::Status { .. } | Self::Decode { .. } | Self::NotStarted { .. } => {
                RetryKind::NeedsAttention
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(code: &str, message: &str) -> OdfsError {
        OdfsError::Refused { code: code.into(), message: message.into() }
    }

    #[test]
    fn documented_codes_read_as_sentences_and_keep_their_code() {
        let e = refused("10000003", "inparams.call_dst_id is null");
        assert_eq!(e.to_string(), "the recording service refused (10000003): a required parameter is missing");
        assert_eq!((e.code().as_str(), e.retry_kind()), ("10000003", RetryKind::NeedsAttention));
        assert_eq!(refused("10000001", "").retry_kind(), RetryKind::Transient, "an internal error may pass");
        let e = OdfsError::TokenRefused { code: "200800002".into(), message: String::new() };
        assert_eq!(e.to_string(), "the recording service refused the tenant key and API password (200800002): the tenant key or API password is wrong");
    }

    #[test]
    fn unknown_codes_keep_the_service_text_and_need_a_person() {
        let e = refused("30000001", "flow not published");
        assert_eq!(e.to_string(), "the recording service refused (30000001): flow not published");
        assert_eq!(e.retry_kind(), RetryKind::NeedsAttention);
        assert_eq!(refused("30000001", "").to_string(), "the recording service refused (30000001): no reason given");
    }

    #[test]
    fn http_500_is_a_business_failure_not_an_outage() {
        let status = |status| OdfsError::Status { status, body_snippet: String::new() };
        assert_eq!(status(500).retry_kind(), RetryKind::NeedsAttention);
        assert_eq!(status(503).retry_kind(), RetryKind::Transient);
        assert_eq!(status(500).code(), "HTTP 500");
        assert_eq!(status(400).to_string(), "the recording service answered HTTP 400 (the address is wrong)");
    }
}
