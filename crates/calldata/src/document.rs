//! The notes document: the plaintext Sidekick seals into call data.
//!
//! Each `setcalldataex` replaces the call's data, so Sidekick always sends every note of the call
//! in one small versioned JSON document, compact and UTF-8:
//!
//! ```json
//! {"v":1,"callId":"1456229294-1191","notes":[{"author":"1001","at":"2026-11-22T08:01:02.345Z","text":"Wants a callback"}]}
//! ```
//!
//! - `v`: the document version, [`DOCUMENT_VERSION`]. A reader refuses versions it does not know.
//! - `callId`: the CC-Gateway call id the notes belong to.
//! - `notes`: oldest first. `author` is the agent id that wrote the note, `at` when it was
//!   written ([`rfc3339_ms`]: always 24 characters), `text` the note itself.
//!
//! The size limit is on the whole document in UTF-8 bytes ([`MAX_PLAINTEXT_BYTES`]), so the notes
//! editor shows the room left with [`NotesDocument::room_for_new_note`] and
//! [`json_escaped_len`].

use serde::{Deserialize, Serialize};

use crate::envelope::{self, EnvelopeError, MAX_PLAINTEXT_BYTES};
use crate::{rfc3339_ms, Key};

/// The document version this crate writes and reads.
pub const DOCUMENT_VERSION: u32 = 1;

/// All the notes of one call, as sealed into its call data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotesDocument {
    /// Document version; [`DOCUMENT_VERSION`] for documents this crate writes.
    pub v: u32,
    /// The CC-Gateway call id, so data copied elsewhere still says which call it belongs to.
    pub call_id: String,
    /// The notes, oldest first.
    pub notes: Vec<DocNote>,
}

/// One note in a [`NotesDocument`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DocNote {
    /// Id of the agent who wrote the note.
    pub author: String,
    /// When it was written: RFC 3339 UTC with milliseconds, from [`rfc3339_ms`].
    pub at: String,
    /// The note text.
    pub text: String,
}

impl DocNote {
    /// A note by `author`, written at `epoch_ms` (milliseconds since 1970 UTC).
    pub fn new(author: impl Into<String>, epoch_ms: i64, text: impl Into<String>) -> Self {
        Self {
            author: author.into(),
            at: rfc3339_ms(epoch_ms),
            text: text.into(),
        }
    }

    /// Bytes this note takes inside the document's `notes` array (not counting the comma that
    /// separates it from the note before).
    fn encoded_len(&self) -> usize {
        // {"author":"…","at":"…","text":"…"}
        r#"{"author":"","at":"","text":""}"#.len()
            + json_escaped_len(&self.author)
            + json_escaped_len(&self.at)
            + json_escaped_len(&self.text)
    }
}

impl NotesDocument {
    /// An empty document for `call_id`.
    pub fn new(call_id: impl Into<String>) -> Self {
        Self {
            v: DOCUMENT_VERSION,
            call_id: call_id.into(),
            notes: Vec::new(),
        }
    }

    /// The compact JSON, UTF-8: the exact plaintext that is sealed.
    pub fn to_bytes(&self) -> Vec<u8> {
        // Strings, an integer and a list of structs: serializing to memory cannot fail.
        serde_json::to_vec(self).expect("a notes document always serializes")
    }

    /// The size of [`to_bytes`](Self::to_bytes) in bytes, without building it. This is the
    /// figure compared with [`MAX_PLAINTEXT_BYTES`].
    pub fn encoded_len(&self) -> usize {
        // {"v":1,"callId":"…","notes":[…]}
        let notes: usize = self.notes.iter().map(DocNote::encoded_len).sum();
        let commas = self.notes.len().saturating_sub(1);
        r#"{"v":,"callId":"","notes":[]}"#.len()
            + self.v.to_string().len()
            + json_escaped_len(&self.call_id)
            + notes
            + commas
    }

    /// Reads a document from its JSON. Refuses versions other than [`DOCUMENT_VERSION`], and
    /// anything that is not a document, with a message that gives the position of the problem
    /// but never the text.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, EnvelopeError> {
        // Look at the version first, so a newer document is reported as such rather than as
        // one with the wrong fields.
        #[derive(Deserialize)]
        struct Version {
            v: Option<serde_json::Value>,
        }
        let version: Version =
            serde_json::from_slice(bytes).map_err(|e| EnvelopeError::NotADocument {
                problem: json_problem(&e),
            })?;
        match version.v {
            None => {
                return Err(EnvelopeError::NotADocument {
                    problem: "it has no version field \"v\"".to_owned(),
                });
            }
            Some(serde_json::Value::Number(n))
                if n.as_u64() == Some(u64::from(DOCUMENT_VERSION)) => {}
            Some(serde_json::Value::Number(n)) if n.as_u64().is_some() => {
                return Err(EnvelopeError::UnsupportedVersion {
                    found: n.as_u64().unwrap_or_default(),
                });
            }
            Some(_) => {
                return Err(EnvelopeError::NotADocument {
                    problem: "its version field \"v\" is not a version number".to_owned(),
                });
            }
        }
        serde_json::from_slice(bytes).map_err(|e| EnvelopeError::NotADocument {
            problem: json_problem(&e),
        })
    }

    /// Seals the document under `key` (fresh random IV). Refuses a document larger than
    /// [`MAX_PLAINTEXT_BYTES`].
    pub fn seal(&self, key: &Key) -> Result<String, EnvelopeError> {
        envelope::seal(key, &self.to_bytes())
    }

    /// Opens call data and reads the document in it.
    pub fn open(key: &Key, calldata: &str) -> Result<Self, EnvelopeError> {
        Self::from_bytes(&envelope::open(key, calldata)?)
    }

    /// How many bytes of note text `author` can still add in one new note.
    ///
    /// Exactly: [`MAX_PLAINTEXT_BYTES`] minus the size of this document with one more note
    /// appended whose author is `author`, whose `at` is a timestamp (always 24 characters) and
    /// whose text is empty; zero if even that does not fit.
    ///
    /// The figure counts the text *as it appears in the JSON*: UTF-8 bytes, with `"` and `\`
    /// and line breaks taking two bytes each and other control characters six. Compare it with
    /// [`json_escaped_len`] of the text being typed: the note fits when
    /// `json_escaped_len(text) <= room_for_new_note(author)`.
    pub fn room_for_new_note(&self, author: &str) -> usize {
        let empty_note = DocNote {
            author: author.to_owned(),
            at: rfc3339_ms(0),
            text: String::new(),
        };
        let comma = usize::from(!self.notes.is_empty());
        let with_empty_note = self.encoded_len() + comma + empty_note.encoded_len();
        MAX_PLAINTEXT_BYTES.saturating_sub(with_empty_note)
    }
}

/// Bytes `text` takes inside a JSON string in a [`NotesDocument`] (without the quotes): its
/// UTF-8 length, plus one for each `"`, `\`, backspace, form feed, line feed, carriage return and
/// tab (written as two-character escapes), plus five for each other control character below
/// U+0020 (written as `\u00XX`). This is how `serde_json` writes strings.
pub fn json_escaped_len(text: &str) -> usize {
    text.len()
        + text
            .bytes()
            .map(|b| match b {
                b'"' | b'\\' | b'\x08' | b'\x0c' | b'\n' | b'\r' | b'\t' => 1,
                0x00..=0x1f => 5,
                _ => 0,
            })
            .sum::<usize>()
}

/// Describes a JSON error by kind and position only. `serde_json`'s own messages can quote the
/// value they rejected, which here would be note text.
fn json_problem(error: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let what = match error.classify() {
        Category::Syntax => "it is not valid JSON",
        Category::Eof => "the JSON ends too early",
        Category::Data => "the JSON does not have the fields of a notes document",
        Category::Io => "it could not be read",
    };
    format!("{what} (line {}, column {})", error.line(), error.column())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> NotesDocument {
        NotesDocument {
            v: 1,
            call_id: "1456229294-1191".into(),
            notes: vec![DocNote::new(
                "1001",
                1_795_334_462_345,
                "Wants a callback \"tomorrow\"\nafter 5",
            )],
        }
    }

    #[test]
    fn serializes_compact_in_the_documented_field_order() {
        let json = String::from_utf8(sample().to_bytes()).unwrap();
        assert_eq!(
            json,
            r#"{"v":1,"callId":"1456229294-1191","notes":[{"author":"1001","at":"2026-11-22T08:01:02.345Z","text":"Wants a callback \"tomorrow\"\nafter 5"}]}"#
        );
    }

    #[test]
    fn encoded_len_matches_the_serialized_size() {
        let mut doc = NotesDocument::new("c\"1");
        assert_eq!(doc.encoded_len(), doc.to_bytes().len(), "empty document");
        doc.notes
            .push(DocNote::new("10\\01", 0, "tab\there, é and \u{1} and 😀"));
        assert_eq!(doc.encoded_len(), doc.to_bytes().len(), "one note");
        doc.notes.push(DocNote::new("1002", 1, ""));
        assert_eq!(doc.encoded_len(), doc.to_bytes().len(), "two notes");
        doc.v = 12_345;
        assert_eq!(
            doc.encoded_len(),
            doc.to_bytes().len(),
            "multi-digit version"
        );
    }

    #[test]
    fn json_escaped_len_counts_as_serde_json_writes() {
        for text in [
            "",
            "plain",
            "\"quoted\"",
            "back\\slash",
            "\u{8}\u{c}\n\r\t",
            "\u{0}\u{1f}\u{7f}",
            "é😀",
        ] {
            let written = serde_json::to_string(text).unwrap();
            assert_eq!(json_escaped_len(text), written.len() - 2, "{text:?}");
        }
    }

    #[test]
    fn room_for_new_note_is_exactly_what_fits() {
        let doc = sample();
        let room = doc.room_for_new_note("1001");
        // A note of exactly `room` bytes fills the document to the limit...
        let mut full = doc.clone();
        full.notes.push(DocNote::new("1001", 42, "x".repeat(room)));
        assert_eq!(full.to_bytes().len(), MAX_PLAINTEXT_BYTES);
        assert!(full.seal(&Key::from_bytes([3; 16])).is_ok());
        // ...and one more byte does not fit.
        full.notes.last_mut().unwrap().text.push('x');
        assert!(matches!(
            full.seal(&Key::from_bytes([3; 16])),
            Err(EnvelopeError::PlaintextTooLarge { .. })
        ));
    }

    #[test]
    fn room_for_new_note_in_an_empty_document() {
        let doc = NotesDocument::new("1456229294-1191");
        let room = doc.room_for_new_note("1001");
        let mut full = doc.clone();
        full.notes.push(DocNote::new("1001", 0, "y".repeat(room)));
        assert_eq!(
            full.to_bytes().len(),
            MAX_PLAINTEXT_BYTES,
            "no comma before the first note"
        );
    }

    #[test]
    fn room_is_zero_when_even_an_empty_note_would_not_fit() {
        let mut doc = NotesDocument::new("1");
        doc.notes
            .push(DocNote::new("1001", 0, "z".repeat(MAX_PLAINTEXT_BYTES)));
        assert_eq!(doc.room_for_new_note("1001"), 0);
    }

    #[test]
    fn reads_back_what_it_writes() {
        let doc = sample();
        assert_eq!(NotesDocument::from_bytes(&doc.to_bytes()).unwrap(), doc);
    }

    #[test]
    fn unknown_version_is_refused_by_number() {
        let err = NotesDocument::from_bytes(br#"{"v":2,"callId":"1","notes":[],"extra":true}"#)
            .unwrap_err();
        assert_eq!(err, EnvelopeError::UnsupportedVersion { found: 2 });
        assert_eq!(
            err.to_string(),
            "the notes document is version 2; this Sidekick reads version 1 only"
        );
    }

    #[test]
    fn non_documents_are_described_without_their_content() {
        let cases: [&[u8]; 6] = [
            b"secret words",
            br#"{"v":1,"callId":"1","notes":"secret words"}"#,
            br#"{"callId":"1","notes":[]}"#,
            br#"{"v":"secret words","callId":"1","notes":[]}"#,
            br#"{"v":1,"callId":"1","notes":[{"author":"1"#,
            b"\xff\xfe secret words",
        ];
        for bytes in cases {
            let err = NotesDocument::from_bytes(bytes).unwrap_err();
            assert!(matches!(err, EnvelopeError::NotADocument { .. }), "{err:?}");
            let message = err.to_string();
            assert!(
                !message.contains("secret"),
                "the text must not leak: {message}"
            );
        }
    }
}
