//! Sealing and opening call data.
//!
//! ```text
//! calldata = Base64( IV[16 random bytes] ‖ AES-128-CBC-PKCS#7(key, plaintext) )
//! ```
//!
//! The payload (what the Base64 decodes to) is the 16-byte IV followed by the ciphertext, a whole
//! number of 16-byte AES blocks. PKCS#7 always pads, by 1 to 16 bytes, so `n` bytes of plaintext
//! seal to `16 + 16 * (n / 16 + 1)` bytes ([`sealed_len`]).
//!
//! Sidekick caps the payload at [`MAX_PAYLOAD_BYTES`] (the vendor's "16 KB"). The largest
//! plaintext that fits is [`MAX_PLAINTEXT_BYTES`]: 16,384 − 16 (IV) − 1 (the least padding).
//!
//! [`open`] checks the shape of the payload before decrypting, so each way call data can be wrong
//! gets its own sentence. A wrong key and damaged ciphertext cannot be told apart (CBC has no
//! authentication): both usually end in bad padding, reported as
//! [`EnvelopeError::WrongKeyOrDamaged`]. About one time in 256 the padding happens to look valid
//! and [`open`] returns bytes that are not the original plaintext; the notes document's JSON
//! check ([`NotesDocument::from_bytes`](crate::NotesDocument::from_bytes)) catches that in
//! practice.

use aes::cipher::block_padding::Pkcs7;
use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use rand::RngCore as _;

use crate::Key;

type Aes128CbcEnc = cbc::Encryptor<aes::Aes128>;
type Aes128CbcDec = cbc::Decryptor<aes::Aes128>;

/// Bytes in the initialisation vector at the start of the payload.
pub const IV_LEN: usize = 16;
/// Bytes in one AES block.
pub const BLOCK_LEN: usize = 16;
/// The largest payload (IV + ciphertext, after Base64 decoding) Sidekick seals or opens.
pub const MAX_PAYLOAD_BYTES: usize = 16_384;
/// The largest plaintext that seals within [`MAX_PAYLOAD_BYTES`]: the IV takes 16 bytes and
/// PKCS#7 at least 1, so 16,384 − 16 − 1.
pub const MAX_PLAINTEXT_BYTES: usize = 16_367;

// The figure above is stated as a literal so it reads plainly; make sure it agrees with the rule.
const _: () = assert!(MAX_PLAINTEXT_BYTES == MAX_PAYLOAD_BYTES - IV_LEN - 1);

/// The smallest payload that can be valid: the IV and one block.
const MIN_PAYLOAD_BYTES: usize = IV_LEN + BLOCK_LEN;

/// The size of the payload (Base64-decoded call data: IV + ciphertext) that `plaintext_len` bytes
/// of plaintext seal to. The Base64 text is `4 * ceil(sealed_len / 3)` characters.
pub fn sealed_len(plaintext_len: usize) -> usize {
    IV_LEN + (plaintext_len / BLOCK_LEN + 1) * BLOCK_LEN
}

/// Seals `plaintext` under `key` with a fresh random IV from the operating system's generator.
pub fn seal(key: &Key, plaintext: &[u8]) -> Result<String, EnvelopeError> {
    let mut iv = [0u8; IV_LEN];
    rand::rngs::OsRng.fill_bytes(&mut iv);
    seal_with_iv(key, iv, plaintext)
}

/// Seals `plaintext` under `key` with the given IV. For test vectors and tools only: reusing an
/// IV with the same key reveals which messages share a beginning, so Sidekick itself always
/// calls [`seal`].
pub fn seal_with_iv(
    key: &Key,
    iv: [u8; IV_LEN],
    plaintext: &[u8],
) -> Result<String, EnvelopeError> {
    if plaintext.len() > MAX_PLAINTEXT_BYTES {
        return Err(EnvelopeError::PlaintextTooLarge {
            len: plaintext.len(),
        });
    }
    let ciphertext = Aes128CbcEnc::new(key.bytes().into(), &iv.into())
        .encrypt_padded_vec_mut::<Pkcs7>(plaintext);
    let mut payload = Vec::with_capacity(IV_LEN + ciphertext.len());
    payload.extend_from_slice(&iv);
    payload.extend_from_slice(&ciphertext);
    debug_assert_eq!(payload.len(), sealed_len(plaintext.len()));
    Ok(STANDARD.encode(payload))
}

/// Opens call data sealed under `key` and returns the plaintext.
///
/// `calldata` must be exactly the Base64 text (standard alphabet, `=` padding, no whitespace or
/// line breaks). Any input gives either the plaintext or an [`EnvelopeError`]; nothing panics.
pub fn open(key: &Key, calldata: &str) -> Result<Vec<u8>, EnvelopeError> {
    let payload = STANDARD
        .decode(calldata)
        .map_err(|e| EnvelopeError::NotBase64 {
            problem: base64_problem(&e),
        })?;
    let len = payload.len();
    if len < MIN_PAYLOAD_BYTES {
        return Err(EnvelopeError::TooShort { len });
    }
    if len > MAX_PAYLOAD_BYTES {
        return Err(EnvelopeError::PayloadTooLarge { len });
    }
    if (len - IV_LEN) % BLOCK_LEN != 0 {
        return Err(EnvelopeError::NotWholeBlocks { len });
    }
    let (iv, ciphertext) = payload.split_at(IV_LEN);
    // Both lengths were checked above, so these conversions cannot fail; the `?` keeps the
    // no-panic promise without relying on that.
    let iv: &[u8; IV_LEN] = iv.try_into().map_err(|_| EnvelopeError::TooShort { len })?;
    Aes128CbcDec::new(key.bytes().into(), iv.into())
        .decrypt_padded_vec_mut::<Pkcs7>(ciphertext)
        .map_err(|_| EnvelopeError::WrongKeyOrDamaged)
}

/// What went wrong sealing or opening call data, in sentences a person can act on. No message
/// contains key material, plaintext or note text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    /// The plaintext would not fit in [`MAX_PAYLOAD_BYTES`] once sealed.
    #[error(
        "the notes take {} bytes; call data holds at most {}",
        grouped(*.len),
        grouped(MAX_PLAINTEXT_BYTES)
    )]
    PlaintextTooLarge {
        /// Bytes of plaintext (UTF-8 bytes for text).
        len: usize,
    },
    /// The call data is not standard, padded Base64.
    #[error("the call data is not valid Base64: {problem}")]
    NotBase64 {
        /// What is wrong, in words (never the data itself).
        problem: String,
    },
    /// Too short to hold an IV and one block.
    #[error(
        "the call data decodes to {} bytes; it needs at least 32 (a 16-byte IV and one 16-byte block)",
        grouped(*.len)
    )]
    TooShort {
        /// Decoded bytes.
        len: usize,
    },
    /// Longer than Sidekick accepts.
    #[error(
        "the call data decodes to {} bytes; Sidekick accepts at most {}",
        grouped(*.len),
        grouped(MAX_PAYLOAD_BYTES)
    )]
    PayloadTooLarge {
        /// Decoded bytes.
        len: usize,
    },
    /// The ciphertext after the IV is not a whole number of AES blocks.
    #[error(
        "the call data decodes to {} bytes: after the 16-byte IV, {} bytes remain, which is not a \
         whole number of 16-byte blocks",
        grouped(*.len),
        grouped(.len.saturating_sub(IV_LEN))
    )]
    NotWholeBlocks {
        /// Decoded bytes.
        len: usize,
    },
    /// Decryption ended in bad padding.
    #[error("the call data could not be opened: wrong key or damaged data")]
    WrongKeyOrDamaged,
    /// The plaintext is not a notes document Sidekick can read.
    #[error("the plaintext is not a Sidekick notes document: {problem}")]
    NotADocument {
        /// Where the JSON went wrong (line and column), never its content.
        problem: String,
    },
    /// A notes document of a version this Sidekick does not know.
    #[error(
        "the notes document is version {found}; this Sidekick reads version {} only",
        crate::DOCUMENT_VERSION
    )]
    UnsupportedVersion {
        /// The `v` found in the document.
        found: u64,
    },
}

/// Describes a Base64 error in words. The `base64` crate's own messages include the offending
/// byte as a number; this keeps to positions, which are what a person can look for.
fn base64_problem(error: &base64::DecodeError) -> String {
    match error {
        base64::DecodeError::InvalidByte(offset, _) => {
            format!(
                "character {} is not in the Base64 alphabet (A-Z, a-z, 0-9, +, /, =)",
                offset + 1
            )
        }
        base64::DecodeError::InvalidLength(len) => {
            format!(
                "it has {} characters; Base64 comes in groups of 4",
                grouped(*len)
            )
        }
        base64::DecodeError::InvalidLastSymbol(offset, _) => {
            format!(
                "character {} ends the data with bits that should be zero",
                offset + 1
            )
        }
        base64::DecodeError::InvalidPadding => {
            "the = padding at the end is wrong or missing".to_owned()
        }
    }
}

/// Formats a count with thousands separators, as people read sizes: 16,367.
pub(crate) fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> Key {
        Key::from_bytes(*b"0123456789abcdef")
    }

    #[test]
    fn max_plaintext_is_the_largest_that_fits_the_payload_limit() {
        // 16,367 = 1,022 whole blocks (16,352) + 15 bytes; padding adds 1 byte to make
        // 1,023 blocks (16,368), and the IV brings it to 16,384.
        assert_eq!(MAX_PLAINTEXT_BYTES / BLOCK_LEN, 1_022);
        assert_eq!(sealed_len(MAX_PLAINTEXT_BYTES), 16 + 1_023 * 16);
        assert_eq!(sealed_len(MAX_PLAINTEXT_BYTES), MAX_PAYLOAD_BYTES);
        // One byte more fills the last block, so PKCS#7 needs a whole extra block.
        assert_eq!(
            sealed_len(MAX_PLAINTEXT_BYTES + 1),
            MAX_PAYLOAD_BYTES + BLOCK_LEN
        );
        // And no larger size can fit, since sealed_len never decreases.
        let largest = (0..=MAX_PAYLOAD_BYTES)
            .rev()
            .find(|&n| sealed_len(n) <= MAX_PAYLOAD_BYTES);
        assert_eq!(largest, Some(MAX_PLAINTEXT_BYTES));
    }

    #[test]
    fn sealed_len_counts_iv_and_padding() {
        assert_eq!(
            sealed_len(0),
            32,
            "empty plaintext is one block of padding after the IV"
        );
        assert_eq!(sealed_len(15), 32);
        assert_eq!(
            sealed_len(16),
            48,
            "a full block still gets a block of padding"
        );
    }

    #[test]
    fn boundary_plaintext_seals_to_exactly_the_limit_and_one_more_is_refused() {
        let fits = vec![b'x'; MAX_PLAINTEXT_BYTES];
        let calldata = seal(&key(), &fits).unwrap();
        assert_eq!(STANDARD.decode(&calldata).unwrap().len(), MAX_PAYLOAD_BYTES);
        assert_eq!(open(&key(), &calldata).unwrap(), fits);

        let too_big = vec![b'x'; MAX_PLAINTEXT_BYTES + 1];
        assert_eq!(
            seal(&key(), &too_big),
            Err(EnvelopeError::PlaintextTooLarge { len: 16_368 })
        );
    }

    #[test]
    fn size_error_speaks_in_bytes_and_the_limit() {
        let err = EnvelopeError::PlaintextTooLarge { len: 16_400 };
        assert_eq!(
            err.to_string(),
            "the notes take 16,400 bytes; call data holds at most 16,367"
        );
    }

    #[test]
    fn fresh_iv_each_time() {
        let a = seal(&key(), b"same").unwrap();
        let b = seal(&key(), b"same").unwrap();
        assert_ne!(a, b, "two seals of the same text must differ (random IV)");
    }

    #[test]
    fn open_reports_each_shape_problem() {
        let k = key();
        assert!(matches!(
            open(&k, "not base64!"),
            Err(EnvelopeError::NotBase64 { .. })
        ));
        assert!(
            matches!(open(&k, "QUJD\n"), Err(EnvelopeError::NotBase64 { .. })),
            "no whitespace allowed"
        );
        assert_eq!(open(&k, ""), Err(EnvelopeError::TooShort { len: 0 }));
        assert_eq!(
            open(&k, &STANDARD.encode([0u8; 31])),
            Err(EnvelopeError::TooShort { len: 31 })
        );
        assert_eq!(
            open(&k, &STANDARD.encode([0u8; 33])),
            Err(EnvelopeError::NotWholeBlocks { len: 33 })
        );
        assert_eq!(
            open(&k, &STANDARD.encode(vec![0u8; MAX_PAYLOAD_BYTES + 16])),
            Err(EnvelopeError::PayloadTooLarge { len: 16_400 })
        );
    }

    #[test]
    fn wrong_key_is_reported_as_such() {
        // Plaintext "ok" under `key()`; under another key the padding is checked against noise.
        let calldata = seal_with_iv(&key(), [7; 16], b"ok").unwrap();
        let other = Key::from_bytes([1; 16]);
        let err = open(&other, &calldata).unwrap_err();
        assert_eq!(err, EnvelopeError::WrongKeyOrDamaged);
        assert_eq!(
            err.to_string(),
            "the call data could not be opened: wrong key or damaged data"
        );
    }

    #[test]
    fn messages_name_sizes_in_plain_words() {
        assert_eq!(
            EnvelopeError::NotWholeBlocks { len: 33 }.to_string(),
            "the call data decodes to 33 bytes: after the 16-byte IV, 17 bytes remain, which is not a whole \
             number of 16-byte blocks"
        );
        assert_eq!(
            EnvelopeError::NotBase64 { problem: base64_problem(&base64::DecodeError::InvalidByte(3, b'!')) }
                .to_string(),
            "the call data is not valid Base64: character 4 is not in the Base64 alphabet (A-Z, a-z, 0-9, +, /, =)"
        );
    }

    #[test]
    fn grouped_inserts_thousands_separators() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000), "1,000");
        assert_eq!(grouped(16_367), "16,367");
        assert_eq!(grouped(1_234_567), "1,234,567");
    }
}
