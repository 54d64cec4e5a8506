//! `sidekick calldata open|seal`, run as integrators run it: the built binary, in a child process,
//! with no display (DISPLAY and WAYLAND_DISPLAY removed), so it proves the command starts nothing
//! graphical.

use std::io::Write as _;
use std::process::{Command, Output, Stdio};

/// The README's test vector.
const KEY_HEX: &str = "00112233445566778899aabbccddeeff";
const IV_HEX: &str = "f0e1d2c3b4a5968778695a4b3c2d1e0f";
const DOCUMENT: &str = r#"{"v":1,"callId":"1456229294-1191","notes":[{"author":"1001","at":"2026-11-22T08:01:02.345Z","text":"Перезвонить завтра после 17:00"}]}"#;
const CALLDATA: &str = "8OHSw7Sllod4aVpLPC0eDzYXM9nU7rdk9BqyzdPVbQugWTlSa2KtW9uG6enIFt/g5z0UDukv46e09JKxwoL8RPCpICCXHxVjs4udTpPynhZRy/PXio6/xaGNlJb6jYkj3oxA+wdtmGCMj2MkPe95CmmBRwMtCbmDBTW5ZC1cRduKQQIdjgH6HofNtFpgeDzun3QjRexb0lQ3WGCwK/oyq/HoIABnpmVfT3HK22DjnzA=";

/// Runs `sidekick calldata <args>` with `stdin` as standard input and `env` added to a clean
/// environment (no display, no key variable unless given).
fn sidekick(args: &[&str], stdin: &[u8], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sidekick"));
    command
        .arg("calldata")
        .args(args)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("SIDEKICK_CALLDATA_KEY")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("the sidekick binary starts");
    // A command that fails before reading its input closes the pipe; that is not this helper's
    // failure to report.
    if let Err(e) = child.stdin.take().expect("stdin is piped").write_all(stdin) {
        assert_eq!(
            e.kind(),
            std::io::ErrorKind::BrokenPipe,
            "writing stdin: {e}"
        );
    }
    child.wait_with_output().expect("sidekick runs to the end")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn assert_exit(output: &Output, code: i32, why: &str) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "{why}; stderr: {}",
        stderr(output)
    );
}

#[test]
fn seal_then_open_round_trips_text() {
    let text = "Клиент просит перезвонить \"завтра\"";
    let sealed = sidekick(&["seal", "--key", KEY_HEX, text], b"", &[]);
    assert_exit(&sealed, 0, "sealing valid text succeeds");
    let calldata = stdout(&sealed);
    assert!(calldata.ends_with('\n'), "one line of Base64");

    let opened = sidekick(&["open", "--key", KEY_HEX, calldata.trim()], b"", &[]);
    assert_exit(&opened, 0, "the same key opens it");
    assert_eq!(
        stdout(&opened),
        format!("{text}\n"),
        "plain text comes back as it went in, with a line break"
    );
}

#[test]
fn seal_with_iv_reproduces_the_readme_vector() {
    let sealed = sidekick(
        &["seal", "--key", KEY_HEX, "--iv", IV_HEX, "-"],
        DOCUMENT.as_bytes(),
        &[],
    );
    assert_exit(&sealed, 0, "sealing from stdin succeeds");
    assert_eq!(stdout(&sealed), format!("{CALLDATA}\n"));
}

#[test]
fn open_pretty_prints_a_notes_document() {
    let opened = sidekick(&["open", "--key", KEY_HEX, CALLDATA], b"", &[]);
    assert_exit(&opened, 0, "the vector opens");
    let printed = stdout(&opened);
    assert!(
        printed.contains("\n  \"callId\": \"1456229294-1191\",\n"),
        "pretty-printed JSON: {printed}"
    );
    let reparsed: serde_json::Value = serde_json::from_str(&printed).expect("still JSON");
    let original: serde_json::Value = serde_json::from_str(DOCUMENT).unwrap();
    assert_eq!(reparsed, original, "pretty-printing changes layout only");
}

#[test]
fn raw_writes_the_plaintext_bytes_exactly() {
    let opened = sidekick(
        &["open", "--raw", "--key", KEY_HEX],
        CALLDATA.as_bytes(),
        &[],
    );
    assert_exit(&opened, 0, "the vector opens");
    assert_eq!(opened.stdout, DOCUMENT.as_bytes());
}

#[test]
fn reads_stdin_with_wrapped_base64_and_the_key_from_the_environment() {
    // `base64` wraps at 76 columns; open must not mind line breaks.
    let wrapped: String = CALLDATA
        .as_bytes()
        .chunks(76)
        .map(|line| format!("{}\n", std::str::from_utf8(line).unwrap()))
        .collect();
    let opened = sidekick(
        &["open", "--raw"],
        wrapped.as_bytes(),
        &[("SIDEKICK_CALLDATA_KEY", KEY_HEX)],
    );
    assert_exit(&opened, 0, "wrapped Base64 on stdin opens");
    assert_eq!(opened.stdout, DOCUMENT.as_bytes());
}

#[test]
fn seal_reads_stdin_byte_for_byte() {
    let sealed = sidekick(&["seal", "--key", KEY_HEX], b"line one\nline two\n", &[]);
    assert_exit(&sealed, 0, "sealing stdin succeeds");
    let opened = sidekick(
        &["open", "--raw", "--key", KEY_HEX, "-"],
        &sealed.stdout,
        &[],
    );
    assert_exit(&opened, 0, "it opens");
    assert_eq!(
        opened.stdout, b"line one\nline two\n",
        "the trailing line break is part of the text"
    );
}

#[test]
fn double_dash_lets_text_start_with_a_dash() {
    let sealed = sidekick(&["seal", "--key", KEY_HEX, "--", "-5 degrees"], b"", &[]);
    assert_exit(&sealed, 0, "text after -- is text, not an option");
    let opened = sidekick(&["open", "--key", KEY_HEX], &sealed.stdout, &[]);
    assert_eq!(stdout(&opened), "-5 degrees\n");
}

#[test]
fn key_file_is_read_and_trimmed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("calldata.key");
    // Base64 form of the same key, with a line break as editors leave it.
    std::fs::write(&path, "ABEiM0RVZneImaq7zN3u/w==\n").unwrap();
    let opened = sidekick(
        &[
            "open",
            "--raw",
            "--key-file",
            path.to_str().unwrap(),
            CALLDATA,
        ],
        b"",
        &[],
    );
    assert_exit(&opened, 0, "a Base64 key in a file opens the vector");
    assert_eq!(opened.stdout, DOCUMENT.as_bytes());
}

#[test]
fn bad_key_is_a_usage_error_that_does_not_echo_the_key() {
    let bad = "0123456789abcdef0123456789abcd"; // 30 characters
    let output = sidekick(&["open", "--key", bad, CALLDATA], b"", &[]);
    assert_exit(&output, 2, "a malformed key is a usage error");
    let message = stderr(&output);
    assert!(
        message.contains("the key must be 16 bytes: 32 hex characters or 24 Base64 characters; this is 30 characters"),
        "{message}"
    );
    assert!(
        !message.contains(bad),
        "the key text must not be echoed: {message}"
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn wrong_key_is_a_failure() {
    let output = sidekick(
        &[
            "open",
            "--key",
            "ffeeddccbbaa99887766554433221100",
            CALLDATA,
        ],
        b"",
        &[],
    );
    assert_exit(
        &output,
        1,
        "a valid key that does not open the data is a failure, not a usage error",
    );
    assert!(
        stderr(&output).contains("wrong key or damaged data"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn missing_key_and_unknown_arguments_are_usage_errors() {
    let no_key = sidekick(&["open", CALLDATA], b"", &[]);
    assert_exit(&no_key, 2, "no key anywhere");
    assert!(
        stderr(&no_key).contains("SIDEKICK_CALLDATA_KEY"),
        "says where a key can come from"
    );

    assert_exit(&sidekick(&["decrypt"], b"", &[]), 2, "unknown subcommand");
    assert_exit(
        &sidekick(&["open", "--iv", IV_HEX, "--key", KEY_HEX], b"", &[]),
        2,
        "--iv is for seal only",
    );
    assert_exit(
        &sidekick(&["seal", "--key", KEY_HEX, "--iv", "abc", "x"], b"", &[]),
        2,
        "malformed IV",
    );
    assert_exit(&sidekick(&[], b"", &[]), 2, "no subcommand");
}

#[test]
fn too_much_text_is_refused_with_the_limit() {
    let output = sidekick(&["seal", "--key", KEY_HEX], &vec![b'x'; 16_368], &[]);
    assert_exit(&output, 1, "over the limit");
    assert!(
        stderr(&output).contains("the notes take 16,368 bytes; call data holds at most 16,367"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn help_warns_that_a_key_on_the_command_line_is_visible() {
    let output = sidekick(&["--help"], b"", &[]);
    assert_exit(&output, 0, "help is not an error");
    let help = stdout(&output);
    assert!(help.contains("`ps`"), "{help}");
    assert!(
        help.contains("SIDEKICK_CALLDATA_KEY") && help.contains("--key-file"),
        "{help}"
    );
}
