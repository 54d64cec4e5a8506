//! Property tests (run by the README's test command; the fuzz targets in `fuzz/` explore the same
//! parsers for longer): the gateway's event typing is total, and the bill CSV reader gives back
//! every field a CSV writer quoted, whatever it holds.

use proptest::prelude::*;
use serde_json::{json, Value};
use sidekick_aicc::ccfs::bill::parse_rows;
use sidekick_aicc::gateway::{GatewayEvent, RawEvent};

/// Any JSON value, a few levels deep.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| json!(f)),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-zA-Z]{1,10}", inner, 0..5).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

const EVENT_TYPES: [&str; 10] = [
    "AgentEvent_Ringing",
    "AgentEvent_Talking",
    "AgentEvent_Call_Release",
    "AgentEvent_Customer_Release",
    "AgentEvent_Hold",
    "AgentState_Ready",
    "AgentState_SetRest_Success",
    "AgentOther_PhoneAlerting",
    "AgentEvent_Record",
    "Something_New",
];

/// A CSV field as a writer would put it: quoted (quotes doubled) when it holds a comma, a quote
/// or a line break.
fn quoted(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Typing never fails and never panics, whatever the content and its types.
    #[test]
    fn every_event_is_typed(kind in prop::sample::select(&EVENT_TYPES[..]), content in any_json(), work_no in any_json()) {
        let raw: RawEvent = serde_json::from_value(json!({"eventType": kind, "workNo": work_no, "content": content})).unwrap();
        let _ = GatewayEvent::parse(&raw);
    }

    /// Rows written by a CSV writer come back field for field (the reader trims the spaces
    /// around a field, so the fields here have none at their ends).
    #[test]
    fn quoted_csv_rows_come_back_as_written(
        rows in prop::collection::vec(prop::collection::vec("[^\\s\"]([^\"\r]{0,10}[^\\s\"])?|\"x\"\"y\"|a,b|line\nbreak|Иван, «клиент»", 3..5), 1..6)
    ) {
        let first_time = "2026-11-24 10:00:00";
        let mut text = String::new();
        let mut want = Vec::new();
        for fields in &rows {
            // Field 0 is a time, so the first row is read as data, not as a header.
            let mut fields = fields.clone();
            fields[0] = first_time.to_owned();
            text.push_str(&fields.iter().map(|f| quoted(f)).collect::<Vec<_>>().join(","));
            text.push_str("\r\n");
            want.push(fields);
        }
        let got = parse_rows("tenant_call_1.csv", text.as_bytes(), 3, 0, |f| f.to_vec()).unwrap();
        prop_assert_eq!(got, want);
    }

    /// Arbitrary bytes are rows or an error with its line, never a panic.
    #[test]
    fn any_bytes_are_rows_or_an_error(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        match parse_rows("tenant_call_1.csv", &bytes, 4, 2, |f| f.len()) {
            Ok(rows) => prop_assert!(rows.iter().all(|n| *n >= 4)),
            Err(e) => prop_assert!(e.to_string().contains("tenant_call_1.csv"), "{}", e),
        }
    }
}
