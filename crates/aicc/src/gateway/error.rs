//! Errors of the CC-Gateway client, each able to say what may help.

/// What a caller may do about an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryKind {
    /// The network failed (refused, reset, timed out): retry with backoff.
    NetworkFailure,
    /// The gateway had a passing problem (internal error, DR switchover, HTTP 5xx): retry with backoff.
    Transient,
    /// The session is gone or its Guid is no longer accepted: sign in again.
    SignInAgain,
    /// Retrying the same request cannot help: a person must act (wrong password, bad input, …).
    NeedsAttention,
}

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
    // rustls reports certificate problems deep in the chain ("invalid peer certificate: …").
    let mut cause: Option<&dyn std::error::Error> = Some(e);
    while let Some(c) = cause {
        let text = c.to_string();
        if text.contains("certificate") {
            return format!(
                "the gateway's certificate is not trusted ({text}); an administrator can add its CA \
                 bundle or pin its certificate"
            );
        }
        cause = c.source();
    }
    if e.is_timeout() {
        "the gateway did not answer in time".into()
    } else if e.is_connect() {
        "cannot connect to the gateway (is the address right and the server up?)".into()
    } else {
        "the connection to the gateway failed".into()
    }
}

/// A person-readable meaning for the codes an agent is likely to meet; others keep the vendor's
/// message.
fn retcode_text(code: &str, message: &str) -> String {
    let known = match code {
        "000-002" => "a parameter was rejected",
        "000-003" => "the session id is no longer accepted",
        "000-004" => "the agent is being switched to the standby gateway",
        "000-007" => "the same request is already being handled",
        "100-001" => "the sign-in details are empty or invalid",
        "100-002" => "this agent is already signed in elsewhere",
        "100-003" => "the telephony platform is unavailable",
        "100-004" => "wrong agent id or password",
        "100-006" => "the agent is not signed in",
        "100-009" => "the state change was refused (wrong state or no permission)",
        "100-010" => "this can't be done in the current state (for example during a call)",
        "100-007" => "the gateway hit an internal error",
        "100-013" => "the phone number is not valid",
        "100-014" => "the phone number is outside the configured range",
        "100-020" => "the agent's password has expired",
        "100-021" => "a sign-in for this agent is already in progress",
        "110-016" => "the account is locked",
        _ => "",
    };
    match (known.is_empty(), message.is_empty()) {
        (false, _) => known.to_owned(),
        (true, false) => message.to_owned(),
        (true, true) => "no reason given".to_owned(),
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
            Self::Rejected { retcode, .. } => match retcode.as_str() {
                "000-004" | "100-003" | "100-007" | "000-007" | "100-021" => RetryKind::Transient,
                "000-003" | "100-006" | "105-005" | "105-006" | "105-007" => RetryKind::SignInAgain,
                _ => RetryKind::NeedsAttention,
            },
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
    fn unknown_codes_keep_the_vendor_message() {
        let e = GatewayError::Rejected { retcode: "400-001".into(), message: "boom".into() };
        assert_eq!(e.to_string(), "the gateway refused (400-001): boom");
        assert_eq!(e.retry_kind(), RetryKind::NeedsAttention);
    }
}
