//! Errors of the CC-FS client: each has a short [`code`](CcfsError::code) for the job list and the
//! audit log and a [`RetryKind`]. None of them holds the SK or a signature.

use crate::RetryKind;

use super::bill::BillError;
use super::query::QueryError;

/// An error asking CC-FS for files or downloading them.
#[derive(Debug, thiserror::Error)]
pub enum CcfsError {
    /// The query breaks a documented limit; nothing was sent.
    #[error(transparent)]
    Invalid(#[from] QueryError),
    /// The configured address, callback address or TLS settings cannot be used.
    #[error("{0}")]
    BadAddress(String),
    /// The request never got an HTTP answer.
    #[error("{}", crate::endpoint::transport_text(.0, "CC-FS"))]
    Transport(#[source] reqwest::Error),
    /// HTTP 401: the signature was refused.
    #[error("CC-FS refused the signature (HTTP 401): check the AK and SK, and that this computer's clock is right")]
    Unauthorized,
    /// An HTTP status other than 200 and 401.
    #[error("CC-FS answered HTTP {status}")]
    Status {
        /// HTTP status code.
        status: u16,
        /// The first bytes of the body, for the log.
        body_snippet: String,
    },
    /// A 200 answer that is not the documented JSON.
    #[error("CC-FS's answer could not be read: {reason}")]
    Decode {
        /// What was wrong.
        reason: String,
        /// The first bytes of the body, for the log.
        body_snippet: String,
    },
    /// `resultCode` other than 0.
    #[error("CC-FS refused ({code}): {}", if .message.is_empty() { "no reason given" } else { .message.as_str() })]
    Refused {
        /// The `resultCode`.
        code: String,
        /// The `resultDesc`.
        message: String,
    },
    /// The downloaded file is not a ZIP of the documented CSV files.
    #[error(transparent)]
    Bill(#[from] BillError),
}

impl CcfsError {
    /// A short code: the vendor's `resultCode` when CC-FS refused, `HTTP 503` for a status,
    /// otherwise a word (`invalid-request`, `bad-address`, `network`, `unauthorized`,
    /// `bad-answer`, `bad-file`).
    pub fn code(&self) -> String {
        match self {
            Self::Invalid(_) => "invalid-request".into(),
            Self::BadAddress(_) => "bad-address".into(),
            Self::Transport(_) => "network".into(),
            Self::Unauthorized => "unauthorized".into(),
            Self::Status { status, .. } => format!("HTTP {status}"),
            Self::Decode { .. } => "bad-answer".into(),
            Self::Refused { code, .. } => code.clone(),
            Self::Bill(_) => "bad-file".into(),
        }
    }

    /// What may help. The reference lists no CC-FS result codes beyond "0 is success", so a refusal
    /// needs a person; a network failure or a 5xx is worth retrying.
    pub fn retry_kind(&self) -> RetryKind {
        match self {
            Self::Transport(_) => RetryKind::NetworkFailure,
            Self::Status { status: 429 | 500..=599, .. } => RetryKind::Transient,
            _ => RetryKind::NeedsAttention,
        }
    }
}
