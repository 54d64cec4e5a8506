//! The AES-128 key that seals call data.
//!
//! A deployment configures one key, written either as 32 hex characters or as 24 Base64
//! characters (16 bytes either way). Sidekick stores it as hex ([`Key::to_hex`]) in the OS
//! keychain.
//!
//! A key is a secret, so nothing here ever prints it by accident: `Debug` shows
//! `Key(<redacted>)`, there is no `Display`, and [`KeyError`] describes what is wrong with a key
//! (its length, the position of a bad character) without repeating the key text.

use std::fmt;
use std::str::FromStr;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

/// Bytes in an AES-128 key.
const KEY_LEN: usize = 16;
/// Characters in a key written as hex.
const HEX_CHARS: usize = 2 * KEY_LEN;
/// Characters in a key written as padded Base64: 16 bytes are 6 groups of 4, the last ending `==`.
const BASE64_CHARS: usize = 24;

/// A 16-byte AES-128 key for the call-data envelope.
#[derive(Clone)]
pub struct Key([u8; KEY_LEN]);

impl Key {
    /// Reads a key written as exactly 32 hex characters (either case) or as standard Base64 of
    /// exactly 16 bytes (24 characters ending in `==`). Whitespace around the key is ignored, so
    /// a key pasted with a line break still works.
    pub fn parse(text: &str) -> Result<Key, KeyError> {
        let text = text.trim();
        // Counted in characters, not bytes, so the error tells a person what they can see.
        let chars = text.chars().count();
        match chars {
            0 => Err(KeyError::Empty),
            HEX_CHARS => {
                if let Some(index) = text.chars().position(|c| !c.is_ascii_hexdigit()) {
                    return Err(KeyError::NotHex {
                        position: index + 1,
                    });
                }
                let mut bytes = [0u8; KEY_LEN];
                // All 32 characters are ASCII hex digits, so this cannot fail; map the error
                // anyway rather than assume.
                hex::decode_to_slice(text, &mut bytes)
                    .map_err(|_| KeyError::NotHex { position: 1 })?;
                Ok(Key(bytes))
            }
            BASE64_CHARS => {
                let decoded = STANDARD.decode(text).map_err(|_| KeyError::NotBase64)?;
                let bytes: [u8; KEY_LEN] = decoded.try_into().map_err(|_| KeyError::NotBase64)?;
                Ok(Key(bytes))
            }
            _ => Err(KeyError::WrongLength { chars }),
        }
    }

    /// A key from its raw bytes (for example one just generated).
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Key {
        Key(bytes)
    }

    /// The key as 32 lower-case hex characters: the form Sidekick stores, and one that
    /// [`Key::parse`] reads back.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// The raw key bytes, for the cipher.
    pub(crate) fn bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Key(<redacted>)")
    }
}

impl FromStr for Key {
    type Err = KeyError;

    fn from_str(text: &str) -> Result<Key, KeyError> {
        Key::parse(text)
    }
}

/// Why a key could not be read. The messages never contain the key text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// Nothing but whitespace was given.
    #[error(
        "no key was given; the key must be 16 bytes: 32 hex characters or 24 Base64 characters"
    )]
    Empty,
    /// The length fits neither form.
    #[error(
        "the key must be 16 bytes: 32 hex characters or 24 Base64 characters; this is {}",
        characters(*.chars)
    )]
    WrongLength {
        /// How many characters were given (after trimming whitespace).
        chars: usize,
    },
    /// 32 characters, as hex needs, but one of them is not a hex digit.
    #[error(
        "the key has 32 characters, as a hex key should, but character {position} is not a hex \
         digit (0-9, a-f, A-F)"
    )]
    NotHex {
        /// 1-based position of the first character that is not a hex digit.
        position: usize,
    },
    /// 24 characters, as Base64 needs, but not standard Base64 of 16 bytes.
    #[error(
        "the key has 24 characters, as a Base64 key should, but is not standard Base64 of 16 bytes \
         (letters, digits, + and /, ending in ==)"
    )]
    NotBase64,
}

/// "1 character", "30 characters".
fn characters(n: usize) -> String {
    if n == 1 {
        "1 character".to_owned()
    } else {
        format!("{n} characters")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "000102030405060708090a0b0c0d0e0f";

    #[test]
    fn parses_hex_in_either_case_and_trims_whitespace() {
        let lower = Key::parse(HEX).unwrap();
        let upper = Key::parse(&format!("  {}\n", HEX.to_uppercase())).unwrap();
        assert_eq!(
            lower.bytes(),
            &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]
        );
        assert_eq!(upper.bytes(), lower.bytes(), "hex case must not matter");
    }

    #[test]
    fn parses_base64_of_16_bytes() {
        // The same bytes as HEX, in standard Base64.
        let key = Key::parse("AAECAwQFBgcICQoLDA0ODw==").unwrap();
        assert_eq!(key.to_hex(), HEX);
    }

    #[test]
    fn to_hex_round_trips_through_parse() {
        let key = Key::from_bytes([0xAB; 16]);
        assert_eq!(key.to_hex(), "abababababababababababababababab");
        assert_eq!(Key::parse(&key.to_hex()).unwrap().bytes(), key.bytes());
    }

    #[test]
    fn debug_redacts_the_key() {
        let key = Key::parse(HEX).unwrap();
        assert_eq!(format!("{key:?}"), "Key(<redacted>)");
    }

    #[test]
    fn wrong_length_says_what_is_needed_and_what_was_given() {
        let err = Key::parse("0123456789abcdef0123456789abcd").unwrap_err();
        assert_eq!(err, KeyError::WrongLength { chars: 30 });
        assert_eq!(
            err.to_string(),
            "the key must be 16 bytes: 32 hex characters or 24 Base64 characters; this is 30 characters"
        );
        assert!(Key::parse("a")
            .unwrap_err()
            .to_string()
            .ends_with("this is 1 character"));
    }

    #[test]
    fn empty_and_blank_keys_are_refused() {
        assert_eq!(Key::parse("").unwrap_err(), KeyError::Empty);
        assert_eq!(Key::parse(" \t\n").unwrap_err(), KeyError::Empty);
    }

    #[test]
    fn bad_hex_character_is_located_but_not_echoed() {
        let text = "000102030405060708090a0b0c0d0eZQ";
        let err = Key::parse(text).unwrap_err();
        assert_eq!(err, KeyError::NotHex { position: 31 });
        let message = err.to_string();
        assert!(message.contains("character 31"), "{message}");
        assert!(
            !message.contains("ZQ") && !message.contains(text),
            "the key text must not leak: {message}"
        );
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        // 32 characters, but "é" is two bytes in UTF-8: still a hex-length key with a bad digit.
        let text = "é00102030405060708090a0b0c0d0e0f";
        assert_eq!(text.chars().count(), 32);
        assert_eq!(
            Key::parse(text).unwrap_err(),
            KeyError::NotHex { position: 1 }
        );
    }

    #[test]
    fn base64_of_the_wrong_size_or_alphabet_is_refused() {
        // 24 Base64 characters without padding are 18 bytes.
        assert_eq!(
            Key::parse("AAECAwQFBgcICQoLDA0ODxAR").unwrap_err(),
            KeyError::NotBase64
        );
        // URL-safe alphabet is not accepted.
        assert_eq!(
            Key::parse("AAECAwQFBgcICQoLDA0OD_==").unwrap_err(),
            KeyError::NotBase64
        );
    }

    #[test]
    fn errors_never_contain_the_key_text() {
        for text in [
            "secret-key-text",
            "AAECAwQFBgcICQoLDA0OD_==",
            "000102030405060708090a0b0c0d0eZQ",
        ] {
            let message = Key::parse(text).unwrap_err().to_string();
            assert!(!message.contains(text), "{message}");
        }
    }
}
