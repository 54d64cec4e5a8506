//! [`RetryKind`]: what a caller may do about an error of any client in this crate.

/// What a caller may do about an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryKind {
    /// The network failed (refused, reset, timed out): retry with backoff.
    NetworkFailure,
    /// The server had a passing problem (internal error, DR switchover, HTTP 5xx): retry with backoff.
    Transient,
    /// The session is gone or its Guid is no longer accepted: sign in again. (Gateway only; the
    /// ODFS client renews its own token and never asks for this.)
    SignInAgain,
    /// Retrying the same request cannot help: a person must act (wrong password, bad input, …).
    NeedsAttention,
}
