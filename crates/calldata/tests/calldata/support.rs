//! Shared test helpers: the vector file and a few keys.

use serde::Deserialize;
use sidekick_calldata::Key;

/// `tests/vectors.json`.
#[derive(Debug, Deserialize)]
pub struct VectorFile {
    pub vectors: Vec<Vector>,
}

/// One test vector. The plaintext is given as text when it is UTF-8, otherwise as hex.
#[derive(Debug, Deserialize)]
pub struct Vector {
    pub name: String,
    pub key_hex: String,
    pub iv_hex: String,
    pub plaintext: Option<String>,
    pub plaintext_hex: Option<String>,
    pub calldata: String,
}

impl Vector {
    pub fn key(&self) -> Key {
        Key::parse(&self.key_hex).expect("vector key is valid hex")
    }

    pub fn iv(&self) -> [u8; 16] {
        let mut iv = [0u8; 16];
        hex::decode_to_slice(&self.iv_hex, &mut iv).expect("vector IV is 32 hex characters");
        iv
    }

    pub fn plaintext(&self) -> Vec<u8> {
        match (&self.plaintext, &self.plaintext_hex) {
            (Some(text), None) => text.as_bytes().to_vec(),
            (None, Some(hex)) => hex::decode(hex).expect("vector plaintext_hex is hex"),
            _ => panic!(
                "vector {:?} must have exactly one of plaintext, plaintext_hex",
                self.name
            ),
        }
    }
}

pub fn vectors() -> Vec<Vector> {
    let file: VectorFile = serde_json::from_str(include_str!("../vectors.json"))
        .expect("tests/vectors.json is well formed");
    assert!(
        !file.vectors.is_empty(),
        "the vector file must not be empty"
    );
    file.vectors
}

/// A fixed key for tests that do not care which key.
pub fn test_key() -> Key {
    Key::parse("2b7e151628aed2a6abf7158809cf4f3c").expect("valid key")
}
