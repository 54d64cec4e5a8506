//! CC-FS's callback: the `Authorization` header (first line of the input) checked against the
//! body (the rest), then the body read as the callback message.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sidekick_aicc::ccfs::sign::{verify, SignedParts};
use sidekick_aicc::ccfs::{CallbackBody, Credentials, HeaderOrder};

fuzz_target!(|data: &[u8]| {
    let (header, body) = match data.iter().position(|b| *b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let header = String::from_utf8_lossy(header);
    let credentials = Credentials::new("sim-ak", "sim-sk-0123456789");
    let now = chrono::DateTime::from_timestamp(1_764_000_000, 0).unwrap();
    let parts = SignedParts {
        method: "POST",
        path: "/sidekick/ccfs/callback",
        query: &[],
        host: "127.0.0.1:8443",
        content_type: "application/json;charset=UTF-8",
        body,
    };
    let length = body.len().to_string();
    for order in [HeaderOrder::NamesThenHeaders, HeaderOrder::HeadersThenNames] {
        let _ = verify(Some(&header), Some(&length), &credentials, order, now, chrono::Duration::minutes(15), &parts);
    }
    let _ = serde_json::from_slice::<CallbackBody>(body);
});
