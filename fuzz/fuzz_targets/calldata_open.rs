//! Call data read back from the gateway (or written by another desk): the Base64 envelope is
//! opened with the test vectors' key (so the seed corpus opens) and the notes document read. Garbage must be an error.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sidekick_calldata::{Key, NotesDocument};

fuzz_target!(|data: &[u8]| {
    let key = Key::parse("2b7e151628aed2a6abf7158809cf4f3c").expect("the test vectors' key");
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = sidekick_calldata::open(&key, text);
        let _ = NotesDocument::open(&key, text);
    }
    // The document itself, as it would be once decrypted.
    let _ = NotesDocument::from_bytes(data);
});
