//! A Call Interactive webhook from the PBX: the query string and the form body, split at the
//! first 0xFF byte of the input.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sidekick_interactive::request::CallInteractiveRequest;

fuzz_target!(|data: &[u8]| {
    let (query, body) = match data.iter().position(|b| *b == 0xFF) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let _ = CallInteractiveRequest::parse(query, body);
});
