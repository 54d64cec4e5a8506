//! A bill file from CC-FS: the ZIP (inputs starting with `PK`), and the CSV inside it.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sidekick_aicc::ccfs::bill::parse_rows;
use sidekick_aicc::ccfs::parse_bill_zip;

fuzz_target!(|data: &[u8]| {
    if data.starts_with(b"PK") {
        let _ = parse_bill_zip(data);
    }
    let _ = parse_rows("tenant_call_1.csv", data, 4, 2, |fields| fields.len());
});
