//! Errors of the IVR client. None holds the token.

use std::time::Duration;

use serde_json::Value;

/// A request that did not succeed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum IvrError {
    /// The address or token cannot be used.
    #[error("{0}")]
    Config(String),
    /// No such session here.
    #[error("no IVR session {0} is known")]
    UnknownSession(String),
    /// The session ended (`api_stop`): nothing more is sent for it.
    #[error("the IVR session {ivrid} has ended ({reason})")]
    Stopped {
        /// The session.
        ivrid: String,
        /// The platform's reason.
        reason: String,
    },
    /// Not allowed now; the sentence says why (checked here, nothing was sent).
    #[error("{0}")]
    NotAllowed(String),
    /// The platform answered something other than `ok` (or a documented value); the whole
    /// answer is kept.
    #[error("the platform refused {request}: {}", describe(.payload))]
    Refused {
        /// The request.
        request: String,
        /// The whole answer.
        payload: Value,
    },
    /// No answer in time.
    #[error("no answer to {request} within {} s", .after.as_secs())]
    Timeout {
        /// The request.
        request: String,
        /// How long it waited.
        after: Duration,
    },
    /// Not connected now (the client reconnects by itself).
    #[error("not connected to the IVR platform")]
    Disconnected,
}

/// `error_message` / `reason` / `error_code` of a refusal, or the `result`.
fn describe(payload: &Value) -> String {
    let field = |f: &str| payload.get(f).and_then(|v| v.as_str().map(str::to_owned).or_else(|| v.as_i64().map(|n| n.to_string())));
    let message = field("error_message").or_else(|| field("reason")).or_else(|| field("result")).unwrap_or_else(|| "no reason given".into());
    match field("error_code") {
        Some(code) => format!("{message} (code {code})"),
        None => message,
    }
}

impl IvrError {
    /// The platform's `error_code`, when it gave one.
    pub fn code(&self) -> Option<i64> {
        match self {
            Self::Refused { payload, .. } => payload.get("error_code").and_then(Value::as_i64),
            _ => None,
        }
    }
}
