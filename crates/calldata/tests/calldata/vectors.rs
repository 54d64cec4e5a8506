//! The published test vectors (tests/vectors.json, also quoted in the README).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use sidekick_calldata::{open, seal_with_iv, NotesDocument};

use crate::support::vectors;

#[test]
fn seal_with_iv_reproduces_every_vector_exactly() {
    for v in vectors() {
        let sealed = seal_with_iv(&v.key(), v.iv(), &v.plaintext()).expect("vector plaintext fits");
        assert_eq!(
            sealed, v.calldata,
            "vector {:?}: same key, IV and plaintext must give the same Base64",
            v.name
        );
    }
}

#[test]
fn open_recovers_every_vector_plaintext() {
    for v in vectors() {
        let opened = open(&v.key(), &v.calldata).expect("vector opens");
        assert_eq!(opened, v.plaintext(), "vector {:?}", v.name);
    }
}

/// The NIST SP 800-38A CBC-AES128 example (F.2.1) pins the cipher itself, independently of
/// openssl: the first four ciphertext blocks are published.
#[test]
fn nist_cbc_aes128_blocks_match_the_publication() {
    let v = vectors()
        .into_iter()
        .find(|v| v.name.starts_with("NIST"))
        .expect("the NIST vector is in the file");
    let payload = STANDARD
        .decode(seal_with_iv(&v.key(), v.iv(), &v.plaintext()).unwrap())
        .unwrap();
    let published = "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2\
                     73bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7";
    assert_eq!(hex::encode(&payload[16..80]), published);
    assert_eq!(
        payload.len(),
        16 + 64 + 16,
        "64 bytes of plaintext get a whole block of padding"
    );
}

/// The README's document vector opens as a document, and the document writes back to exactly the
/// vector's plaintext, so the published JSON is exactly what Sidekick sends.
#[test]
fn document_vector_is_a_notes_document_byte_for_byte() {
    let v = vectors()
        .into_iter()
        .find(|v| v.name.starts_with("notes document"))
        .expect("document vector");
    let doc = NotesDocument::open(&v.key(), &v.calldata).expect("opens as a document");
    assert_eq!(doc.v, 1);
    assert_eq!(doc.call_id, "1456229294-1191");
    assert_eq!(doc.notes.len(), 1);
    assert_eq!(doc.notes[0].author, "1001");
    assert_eq!(doc.notes[0].at, "2026-11-22T08:01:02.345Z");
    assert_eq!(doc.notes[0].text, "Перезвонить завтра после 17:00");
    assert_eq!(doc.to_bytes(), v.plaintext());
}
