//! A WebSocket text frame from Era's `ivrapi` channel.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = sidekick_ivrapi::frame::parse(text);
    }
});
