//! Properties over generated inputs: what must hold for every plaintext, key and call data.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use proptest::prelude::*;
use sidekick_calldata::{
    json_escaped_len, open, seal, DocNote, EnvelopeError, Key, NotesDocument, MAX_PAYLOAD_BYTES,
    MAX_PLAINTEXT_BYTES,
};

use crate::support::test_key;

/// Cuts `text` to at most `max` bytes, at a character boundary.
fn truncate_to(mut text: String, max: usize) -> String {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text
}

/// UTF-8 strings from empty to exactly the limit: mostly short ones, and long ones of any
/// characters cut to the limit (those land at or just under it).
fn text_within_limit() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        proptest::collection::vec(any::<char>(), 0..=MAX_PLAINTEXT_BYTES)
            .prop_map(|chars| truncate_to(chars.into_iter().collect(), MAX_PLAINTEXT_BYTES)),
        (0..=MAX_PLAINTEXT_BYTES).prop_map(|n| "a".repeat(n)),
    ]
}

fn any_key() -> impl Strategy<Value = Key> {
    any::<[u8; 16]>().prop_map(Key::from_bytes)
}

fn any_document() -> impl Strategy<Value = NotesDocument> {
    let note = (
        ".{0,12}",
        -62_167_219_200_000i64..=253_402_300_799_999,
        any::<String>(),
    )
        .prop_map(|(author, ms, text)| DocNote::new(author, ms, text));
    (
        any::<u32>(),
        any::<String>(),
        proptest::collection::vec(note, 0..8),
    )
        .prop_map(|(v, call_id, notes)| NotesDocument { v, call_id, notes })
}

proptest! {
    /// Any UTF-8 text within the limit comes back byte for byte.
    #[test]
    fn seal_then_open_round_trips_text_within_the_limit(key in any_key(), text in text_within_limit()) {
        let calldata = seal(&key, text.as_bytes()).expect("within the limit, sealing succeeds");
        prop_assert!(STANDARD.decode(&calldata).unwrap().len() <= MAX_PAYLOAD_BYTES);
        prop_assert_eq!(open(&key, &calldata).expect("opens with the same key"), text.as_bytes());
    }

    /// Anything over the limit is refused with the size error, naming its size.
    #[test]
    fn plaintext_over_the_limit_is_refused(extra in 1usize..4_096, byte in any::<u8>()) {
        let plaintext = vec![byte; MAX_PLAINTEXT_BYTES + extra];
        prop_assert_eq!(
            seal(&test_key(), &plaintext),
            Err(EnvelopeError::PlaintextTooLarge { len: MAX_PLAINTEXT_BYTES + extra })
        );
    }

    /// Any string at all gives a result or an error, never a panic.
    #[test]
    fn open_never_panics_on_any_string(text in any::<String>()) {
        let _ = open(&test_key(), &text);
    }

    /// Valid Base64 of any bytes and any length (including lengths around every check) never
    /// panics, and short or misaligned payloads get their specific errors.
    #[test]
    fn open_never_panics_on_any_base64(bytes in proptest::collection::vec(any::<u8>(), 0..=MAX_PAYLOAD_BYTES + 64)) {
        let result = open(&test_key(), &STANDARD.encode(&bytes));
        let len = bytes.len();
        if len < 32 {
            prop_assert_eq!(result, Err(EnvelopeError::TooShort { len }));
        } else if len > MAX_PAYLOAD_BYTES {
            prop_assert_eq!(result, Err(EnvelopeError::PayloadTooLarge { len }));
        } else if (len - 16) % 16 != 0 {
            prop_assert_eq!(result, Err(EnvelopeError::NotWholeBlocks { len }));
        }
    }

    /// Strings of Base64 characters of any length (mostly not valid Base64) never panic.
    #[test]
    fn open_never_panics_on_base64_alphabet_soup(text in "[A-Za-z0-9+/=]{0,120}") {
        let _ = open(&test_key(), &text);
    }

    /// A different key fails, or (when the garbage happens to end in valid padding, about one
    /// time in 256) yields bytes that are not the plaintext. Never the plaintext, never a panic.
    #[test]
    fn wrong_key_never_yields_the_plaintext(right in any_key(), wrong in any_key(), text in any::<String>()) {
        prop_assume!(right.to_hex() != wrong.to_hex());
        let calldata = seal(&right, text.as_bytes()).unwrap();
        match open(&wrong, &calldata) {
            Err(e) => prop_assert_eq!(e, EnvelopeError::WrongKeyOrDamaged),
            Ok(bytes) => prop_assert_ne!(bytes, text.as_bytes()),
        }
    }

    /// Changing any bit of the payload (IV or ciphertext) never yields the original plaintext:
    /// either the padding breaks or the plaintext changes.
    #[test]
    fn damaged_payload_never_yields_the_plaintext(
        text in any::<String>(),
        position in any::<prop::sample::Index>(),
        bit in 0u8..8,
    ) {
        let key = test_key();
        let mut payload = STANDARD.decode(seal(&key, text.as_bytes()).unwrap()).unwrap();
        let i = position.index(payload.len());
        payload[i] ^= 1 << bit;
        match open(&key, &STANDARD.encode(&payload)) {
            Err(e) => prop_assert_eq!(e, EnvelopeError::WrongKeyOrDamaged),
            Ok(bytes) => prop_assert_ne!(bytes, text.as_bytes()),
        }
    }

    /// A notes document survives sealing and opening unchanged (for the version this crate
    /// reads), or is refused for its size.
    #[test]
    fn document_round_trips_through_seal_and_open(mut doc in any_document(), key in any_key()) {
        doc.v = 1;
        match doc.seal(&key) {
            Ok(calldata) => prop_assert_eq!(NotesDocument::open(&key, &calldata).unwrap(), doc),
            Err(e) => {
                prop_assert!(doc.to_bytes().len() > MAX_PLAINTEXT_BYTES);
                prop_assert_eq!(e, EnvelopeError::PlaintextTooLarge { len: doc.to_bytes().len() });
            }
        }
    }

    /// Documents of other versions are refused by number after opening.
    #[test]
    fn other_versions_are_refused(mut doc in any_document(), v in 2u32..) {
        doc.v = v;
        doc.notes.truncate(1);
        let calldata = seal(&test_key(), &doc.to_bytes()[..]).unwrap_or_default();
        prop_assume!(!calldata.is_empty());
        prop_assert_eq!(
            NotesDocument::open(&test_key(), &calldata),
            Err(EnvelopeError::UnsupportedVersion { found: u64::from(v) })
        );
    }

    /// The arithmetic the notes editor relies on agrees with the real serialization.
    #[test]
    fn sizes_agree_with_serde_json(doc in any_document(), text in any::<String>()) {
        prop_assert_eq!(json_escaped_len(&text), serde_json::to_string(&text).unwrap().len() - 2);
        prop_assert_eq!(doc.encoded_len(), doc.to_bytes().len());
    }

    /// A new note whose escaped text is exactly `room_for_new_note` fills the document to the
    /// limit; whenever there is room at all.
    #[test]
    fn room_for_new_note_fills_exactly_to_the_limit(doc in any_document(), author in ".{0,12}", ms in any::<i64>()) {
        let room = doc.room_for_new_note(&author);
        let mut grown = doc.clone();
        grown.notes.push(DocNote::new(author, ms, "q".repeat(room)));
        if room > 0 {
            prop_assert_eq!(grown.to_bytes().len(), MAX_PLAINTEXT_BYTES);
        } else {
            prop_assert!(grown.to_bytes().len() >= MAX_PLAINTEXT_BYTES);
        }
    }
}

/// The limit exactly: 16,367 bytes seal to 16,384 decoded bytes, 16,368 are refused.
#[test]
fn limit_boundary_is_exact() {
    let key = test_key();
    let at_limit = "é".repeat(MAX_PLAINTEXT_BYTES / 2) + "x"; // 8,183 two-byte characters + 1
    assert_eq!(
        at_limit.len(),
        MAX_PLAINTEXT_BYTES,
        "counted in UTF-8 bytes, not characters"
    );
    let calldata = seal(&key, at_limit.as_bytes()).unwrap();
    assert_eq!(STANDARD.decode(&calldata).unwrap().len(), MAX_PAYLOAD_BYTES);
    assert_eq!(
        calldata.len(),
        21_848,
        "16,384 bytes are 5,462 Base64 groups of 4"
    );
    assert_eq!(open(&key, &calldata).unwrap(), at_limit.as_bytes());

    let over = at_limit + "x";
    let err = seal(&key, over.as_bytes()).unwrap_err();
    assert_eq!(err, EnvelopeError::PlaintextTooLarge { len: 16_368 });
    assert_eq!(
        err.to_string(),
        "the notes take 16,368 bytes; call data holds at most 16,367"
    );
}
