//! Agreement with the `openssl` command line, the tool integrators are told to check with.
//!
//! Each test runs `openssl enc` as a separate process. When the binary is missing the tests say
//! so on stderr and pass, since the vectors (computed with openssl) still pin the format.

use std::io::Write as _;
use std::process::{Command, Stdio};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use sidekick_calldata::{open, seal, seal_with_iv, Key, MAX_PLAINTEXT_BYTES};

use crate::support::{test_key, vectors};

/// Whether `openssl` can be run; prints why the check is skipped when it cannot.
fn openssl_present(test: &str) -> bool {
    let found = Command::new("openssl")
        .arg("version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        eprintln!("{test}: skipped, the openssl binary was not found");
    }
    found
}

/// Runs `openssl enc -aes-128-cbc [-d] -K <key> -iv <iv>` on `input` and returns its output.
fn openssl_enc(decrypt: bool, key_hex: &str, iv_hex: &str, input: &[u8]) -> Vec<u8> {
    let mut command = Command::new("openssl");
    command.args(["enc", "-aes-128-cbc"]);
    if decrypt {
        command.arg("-d");
    }
    command.args(["-K", key_hex, "-iv", iv_hex]);
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("openssl starts");
    // Write from another thread so a large input cannot deadlock against a full stdout pipe.
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let input = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child.wait_with_output().expect("openssl runs");
    writer
        .join()
        .expect("writer thread")
        .expect("input written to openssl");
    assert!(
        output.status.success(),
        "openssl failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// Plaintexts around every padding case and the size limit.
fn plaintexts() -> Vec<Vec<u8>> {
    let mut all: Vec<Vec<u8>> = (0..=33)
        .map(|n| (0..n).map(|i| i as u8).collect())
        .collect();
    all.push(
        "Клиент просит перезвонить ☎ \"завтра\"\n"
            .as_bytes()
            .to_vec(),
    );
    all.push(vec![b'x'; MAX_PLAINTEXT_BYTES]);
    all
}

#[test]
fn openssl_encrypts_to_the_same_base64() {
    if !openssl_present("openssl_encrypts_to_the_same_base64") {
        return;
    }
    let key_hex = test_key().to_hex();
    let iv = *b"\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\xcc\xdd\xee\xff";
    for plaintext in plaintexts() {
        let mut payload = iv.to_vec();
        payload.extend(openssl_enc(false, &key_hex, &hex::encode(iv), &plaintext));
        let ours = seal_with_iv(&test_key(), iv, &plaintext).unwrap();
        assert_eq!(
            ours,
            STANDARD.encode(&payload),
            "{} bytes of plaintext",
            plaintext.len()
        );
    }
    for v in vectors() {
        let mut payload = v.iv().to_vec();
        payload.extend(openssl_enc(false, &v.key_hex, &v.iv_hex, &v.plaintext()));
        assert_eq!(
            STANDARD.encode(&payload),
            v.calldata,
            "vector {:?} must still agree with openssl",
            v.name
        );
    }
}

#[test]
fn openssl_decrypts_what_seal_produced() {
    if !openssl_present("openssl_decrypts_what_seal_produced") {
        return;
    }
    // A key given in Base64, to cover that form too.
    let key = Key::parse("AAECAwQFBgcICQoLDA0ODw==").unwrap();
    for plaintext in plaintexts() {
        let calldata = seal(&key, &plaintext).unwrap();
        let payload = STANDARD.decode(&calldata).unwrap();
        let (iv, ciphertext) = payload.split_at(16);
        let decrypted = openssl_enc(true, &key.to_hex(), &hex::encode(iv), ciphertext);
        assert_eq!(
            decrypted,
            plaintext,
            "{} bytes of plaintext",
            plaintext.len()
        );
    }
}

#[test]
fn open_reads_what_openssl_encrypted() {
    if !openssl_present("open_reads_what_openssl_encrypted") {
        return;
    }
    let key = test_key();
    let iv_hex = "0f0e0d0c0b0a09080706050403020100";
    for plaintext in plaintexts() {
        let mut payload = hex::decode(iv_hex).unwrap();
        payload.extend(openssl_enc(false, &key.to_hex(), iv_hex, &plaintext));
        assert_eq!(open(&key, &STANDARD.encode(&payload)).unwrap(), plaintext);
    }
}
