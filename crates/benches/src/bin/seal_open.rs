//! Throughput of sealing and opening the largest call data Sidekick sends: a notes document of
//! exactly 16,367 bytes (16,384 once sealed).
//!
//! Prints figures; asserts nothing about speed. Run with `cargo run --release -p sidekick-benches --bin seal_open`;
//! `BENCH_ITERATIONS=N` changes the number of timed iterations (default 5,000).
//!
//! - `document seal`: serialize the document to JSON, draw a random IV, encrypt, Base64.
//! - `document open`: Base64-decode, decrypt, check padding, parse the JSON.
//! - `envelope seal` / `envelope open`: the same without the JSON step.
//!
//! MB/s counts plaintext bytes (16,367 per operation), with 1 MB = 1,000,000 bytes.

use std::hint::black_box;
use std::time::{Duration, Instant};

use sidekick_calldata::{
    json_escaped_len, open, seal, DocNote, Key, NotesDocument, MAX_PAYLOAD_BYTES,
    MAX_PLAINTEXT_BYTES,
};

const DEFAULT_ITERATIONS: u32 = 5_000;
const WARM_UP_ITERATIONS: u32 = 200;

fn main() {
    let iterations = std::env::var("BENCH_ITERATIONS")
        .ok()
        .and_then(|n| n.parse::<u32>().ok())
        .filter(|&n| n > 0)
        .unwrap_or(DEFAULT_ITERATIONS);
    let key = Key::from_bytes(*b"benchmark key 16");
    let doc = full_document();
    let plaintext = doc.to_bytes();
    assert_eq!(
        plaintext.len(),
        MAX_PLAINTEXT_BYTES,
        "the benchmark document must be exactly at the limit"
    );
    let calldata = doc.seal(&key).expect("a document at the limit seals");

    println!(
        "sidekick-calldata: {} iterations on a {}-byte document ({} bytes sealed, {} Base64 characters)",
        iterations,
        plaintext.len(),
        MAX_PAYLOAD_BYTES,
        calldata.len()
    );
    report("document seal", iterations, || {
        black_box(black_box(&doc).seal(&key).expect("seals"));
    });
    report("document open", iterations, || {
        black_box(NotesDocument::open(&key, black_box(&calldata)).expect("opens"));
    });
    report("envelope seal", iterations, || {
        black_box(seal(&key, black_box(&plaintext)).expect("seals"));
    });
    report("envelope open", iterations, || {
        black_box(open(&key, black_box(&calldata)).expect("opens"));
    });
}

/// Times `op` and prints operations per second, plaintext MB/s and the mean time per operation.
fn report(name: &str, iterations: u32, mut op: impl FnMut()) {
    for _ in 0..WARM_UP_ITERATIONS {
        op();
    }
    let start = Instant::now();
    for _ in 0..iterations {
        op();
    }
    let elapsed = start.elapsed();
    let mean = elapsed / iterations;
    let ops_per_second = f64::from(iterations) / elapsed.as_secs_f64();
    let megabytes_per_second = ops_per_second * MAX_PLAINTEXT_BYTES as f64 / 1e6;
    println!(
        "{name:<14} {ops_per_second:>10.0} ops/s  {megabytes_per_second:>8.1} MB/s  mean {:>8.2} µs/op",
        micros(mean)
    );
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// A one-note document whose JSON is exactly `MAX_PLAINTEXT_BYTES`: realistic mixed-script text,
/// topped up with ASCII to the last byte.
fn full_document() -> NotesDocument {
    let mut doc = NotesDocument::new("1456229294-1191");
    let room = doc.room_for_new_note("1001");
    let phrase = "Клиент просит перезвонить завтра после 17:00; order #A-1042 delayed. ";
    let mut text = String::new();
    while json_escaped_len(&text) + json_escaped_len(phrase) <= room {
        text.push_str(phrase);
    }
    while json_escaped_len(&text) < room {
        text.push('x');
    }
    doc.notes
        .push(DocNote::new("1001", 1_795_334_462_345, text));
    doc
}
