//! The call-data envelope: how Sidekick seals a call's notes into the `calldata` field of the
//! CC-Gateway `setcalldataex` request, and how anyone holding the key opens them again.
//!
//! ```text
//! calldata = Base64( IV[16 random bytes] ‖ AES-128-CBC-PKCS#7(key, plaintext) )
//! ```
//!
//! The request is sent with `isDataEncoded: true`. Base64 is the standard alphabet with `=`
//! padding. Every message gets a fresh random IV, so sealing the same notes twice gives different
//! call data. The key is 16 bytes, configured per deployment as 32 hex characters or 24 Base64
//! characters.
//!
//! The vendor caps the content at "16 KB". Sidekick reads that as a cap on the decoded payload
//! (IV and ciphertext): [`MAX_PAYLOAD_BYTES`] = 16,384. The plaintext can then hold at most
//! [`MAX_PLAINTEXT_BYTES`] = 16,367 bytes, because PKCS#7 always adds 1 to 16 bytes of padding.
//! Larger notes are refused with a clear error; they are never truncated.
//!
//! The plaintext is a small versioned JSON document with all the notes of the call
//! ([`NotesDocument`]). A whole document is sent each time, because each `setcalldataex`
//! replaces the call's data.
//!
//! This crate logs nothing. Its errors never contain key material or plaintext.
//!
//! # Layout
//!
//! - [`key`]: [`Key`], parsed from hex or Base64, with a redacted `Debug`.
//! - [`envelope`]: [`seal`], [`open`], the size limits and [`EnvelopeError`].
//! - [`document`]: [`NotesDocument`], the plaintext Sidekick puts in the envelope, and the
//!   arithmetic the notes editor needs to show how much room is left.
//! - [`time`]: [`rfc3339_ms`], the fixed-width timestamps used in the document.

#![deny(missing_docs)]

pub mod document;
pub mod envelope;
pub mod key;
pub mod time;

pub use document::{json_escaped_len, DocNote, NotesDocument, DOCUMENT_VERSION};
pub use envelope::{
    open, seal, seal_with_iv, sealed_len, EnvelopeError, BLOCK_LEN, IV_LEN, MAX_PAYLOAD_BYTES,
    MAX_PLAINTEXT_BYTES,
};
pub use key::{Key, KeyError};
pub use time::rfc3339_ms;
