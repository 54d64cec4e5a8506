//! [`DeskError`]: what desk operations report, each with the [`ErrorCode`] the UI branches on.

use sidekick_aicc::gateway::{GatewayError, RetryKind};

use crate::model::ErrorCode;

/// An error of a desk operation. Its `Display` is a sentence for the agent.
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    /// A form field is wrong.
    #[error("{0}")]
    Invalid(String),
    /// The gateway failed or refused.
    #[error("{}", gateway_text(.0))]
    Gateway(#[from] GatewayError),
    /// The action needs a session.
    #[error("you are not signed in")]
    NotSignedIn,
    /// A sign-in or sign-out is already running.
    #[error("please wait: the previous request is still running")]
    Busy,
    /// Settings or keychain storage failed.
    #[error("{}", capitalized(.0))]
    Storage(String),
    /// A platform other than the gateway (the IVR's) refused; the sentence carries its reason.
    #[error("{0}")]
    Platform(String),
    /// A platform other than the gateway could not be reached, or did not answer in time.
    #[error("{0}")]
    Unreachable(String),
    /// The embedded demo could not start.
    #[error("the demo could not start: {0}")]
    Demo(String),
}

fn gateway_text(e: &GatewayError) -> String {
    capitalized(&e.to_string())
}

/// `s` with its first letter in upper case, for sentences built from lower-case error texts.
pub(crate) fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

impl DeskError {
    /// The closed code that crosses IPC.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Invalid(_) => ErrorCode::InvalidInput,
            Self::NotSignedIn => ErrorCode::NotSignedIn,
            Self::Busy => ErrorCode::Busy,
            Self::Storage(_) => ErrorCode::Storage,
            Self::Demo(_) => ErrorCode::Internal,
            Self::Platform(_) => ErrorCode::GatewayRefused,
            Self::Unreachable(_) => ErrorCode::GatewayUnreachable,
            Self::Gateway(g) => match (g.retcode(), g.retry_kind()) {
                (Some("100-002"), _) => ErrorCode::AlreadySignedIn,
                (_, RetryKind::NetworkFailure) => ErrorCode::GatewayUnreachable,
                (None, _) if matches!(g, GatewayError::BadAddress(_) | GatewayError::Invalid(_)) => ErrorCode::InvalidInput,
                (_, RetryKind::SignInAgain) => ErrorCode::SessionLost,
                _ => ErrorCode::GatewayRefused,
            },
        }
    }
}
