//! A long-poll answer's event, as the gateway (or anything pretending to be it) sends it: the JSON
//! is read into the raw event and typed. Typing never fails; it must never panic either.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sidekick_aicc::gateway::{GatewayEvent, RawEvent};

fuzz_target!(|data: &[u8]| {
    if let Ok(raw) = serde_json::from_slice::<RawEvent>(data) {
        let _ = GatewayEvent::parse(&raw);
    }
});
