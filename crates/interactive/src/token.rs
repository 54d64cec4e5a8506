//! The secret that makes the Call Interactive URL unguessable.
//!
//! The vendor documents no signature, header or credential on Call Interactive requests
//! (`reference/ivr-protocols.md` §B.5): the PBX only calls the URL configured in the IVR. So the
//! URL carries the secret, as a path segment (`/ci/{token}`): the IVR's URL field is all an admin
//! can set, and a path segment stays out of the query string the PBX appends to.
//!
//! Choices made here:
//!
//! - A token is at least 16 characters of `A–Z a–z 0–9 - _`, so it needs no percent-encoding in a
//!   URL and survives being copied by hand. [`AccessToken::generate`] makes 32 random letters and
//!   digits (about 190 bits).
//! - The comparison takes the same time whatever the first differing byte. It does reveal whether
//!   the lengths differ; a length is not the secret (every generated token has 32 characters).
//! - The token prints as `<redacted>` in `Debug` and is never logged.

use std::fmt;

use rand::distributions::{Alphanumeric, DistString};
use subtle::ConstantTimeEq;

/// The shortest token accepted.
pub const MIN_TOKEN_CHARS: usize = 16;

/// The length of a generated token.
const GENERATED_CHARS: usize = 32;

/// The secret path segment of the Call Interactive URL.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken(String);

/// Why a token cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Fewer than [`MIN_TOKEN_CHARS`] characters.
    #[error("the access token has {chars} characters; it needs at least 16 so that it cannot be guessed")]
    TooShort {
        /// How many it has.
        chars: usize,
    },
    /// A character that would need encoding in a URL.
    #[error("the access token may hold only Latin letters, digits, - and _ (it has {character:?})")]
    BadCharacter {
        /// The first such character.
        character: char,
    },
}

impl AccessToken {
    /// Checks and keeps `token`.
    pub fn new(token: impl Into<String>) -> Result<Self, TokenError> {
        let token = token.into();
        if let Some(character) = token.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_')) {
            return Err(TokenError::BadCharacter { character });
        }
        if token.len() < MIN_TOKEN_CHARS {
            return Err(TokenError::TooShort { chars: token.len() });
        }
        Ok(Self(token))
    }

    /// A new random token of 32 letters and digits.
    pub fn generate() -> Self {
        Self(Alphanumeric.sample_string(&mut rand::thread_rng(), GENERATED_CHARS))
    }

    /// The token itself, to build the URL an admin pastes into the IVR (and to keep in the
    /// keychain). Never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether `candidate` is this token, in constant time for equal lengths.
    pub fn matches(&self, candidate: &str) -> bool {
        self.0.as_bytes().ct_eq(candidate.as_bytes()).into()
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_are_valid_distinct_and_redacted() {
        let (a, b) = (AccessToken::generate(), AccessToken::generate());
        assert_eq!(a.expose().len(), 32);
        assert_eq!(AccessToken::new(a.expose()), Ok(a.clone()), "a generated token passes its own checks");
        assert_ne!(a, b, "190 random bits do not repeat");
        assert_eq!(format!("{a:?}"), "AccessToken(<redacted>)");
    }

    #[test]
    fn short_or_url_unsafe_tokens_are_refused() {
        assert_eq!(AccessToken::new("abc"), Err(TokenError::TooShort { chars: 3 }));
        assert_eq!(AccessToken::new("abcdefghijklmnop/q"), Err(TokenError::BadCharacter { character: '/' }));
        assert_eq!(
            AccessToken::new("short").expect_err("too short").to_string(),
            "the access token has 5 characters; it needs at least 16 so that it cannot be guessed"
        );
        assert!(AccessToken::new("abcdefgh-_123456").is_ok());
    }

    #[test]
    fn matches_only_the_same_token() {
        let token = AccessToken::new("abcdefghijklmnop").expect("valid");
        assert!(token.matches("abcdefghijklmnop"));
        assert!(!token.matches("abcdefghijklmnoq"));
        assert!(!token.matches("abcdefghijklmno"));
        assert!(!token.matches(""));
    }
}
