//! Frames of the WebSocket Token API (ivr-protocols.md §A.3): every frame is a JSON text frame
//! holding `[<name>, {…}]`. Requests carry a `qid` the server echoes in `<name>_result`; pushes
//! (`notify`, `ivrapi_component_stopped`, `ivrapi_dtmf`) carry none.
//!
//! [`parse`] is total: any text becomes an [`Incoming`] or a [`Malformed`] with the reason, never
//! a panic, so hostile or broken frames are counted and skipped by the connection.

use serde_json::{Map, Value};

/// The largest frame read from the server.
pub const MAX_FRAME_BYTES: usize = 1 << 20;

/// A request id. The vendor's examples use integers and floats (`0.1234`); this client sends
/// integers below 2^53 and matches answers by the number's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Qid(u64);

impl Qid {
    /// The largest integer a JSON number keeps exactly in a double.
    pub const MAX: u64 = (1 << 53) - 1;

    /// A qid from a counter, wrapped below 2^53.
    pub fn new(n: u64) -> Self {
        Self(n % Self::MAX + 1)
    }

    /// As sent.
    pub fn value(self) -> u64 {
        self.0
    }

    /// The qid of an answer: an integer, or a float with no fraction, within 2^53. A float with a
    /// fraction (as in the vendor's examples) cannot be one of ours.
    pub fn read(v: &Value) -> Option<Self> {
        match v {
            Value::Number(n) => {
                if let Some(u) = n.as_u64() {
                    return (u <= Self::MAX).then_some(Self(u));
                }
                let f = n.as_f64()?;
                (f.fract() == 0.0 && f >= 0.0 && f <= Self::MAX as f64).then_some(Self(f as u64))
            }
            _ => None,
        }
    }
}

/// A frame from the server.
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    /// `<request>_result` with its qid (when it has one we can read) and the whole object.
    Result {
        /// The request's name (without `_result`).
        request: String,
        /// The qid, when it is one of ours in form.
        qid: Option<Qid>,
        /// The whole object, `qid` and `result` included.
        body: Map<String, Value>,
    },
    /// `["notify", {class, type, eventts, data}]`.
    Notify(Notification),
    /// `["ivrapi_component_stopped", {oId, transferKey, results}]`.
    ComponentStopped(ComponentStopped),
    /// `["ivrapi_dtmf", {key, ivrid, mode, oId?, dtmf}]`.
    Dtmf(DtmfEvent),
    /// A well-formed frame of a name this client does not know.
    Other {
        /// Its name.
        name: String,
    },
}

/// A subscription notification.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    /// Event class (`ivrevents`).
    pub class: String,
    /// Event type (`api_start`, `api_stop`, …).
    pub kind: String,
    /// When the platform raised it (ms), if given.
    pub eventts: Option<i64>,
    /// Its data object.
    pub data: Map<String, Value>,
}

/// A component ended.
#[derive(Debug, Clone, PartialEq)]
pub struct ComponentStopped {
    /// The component instance, as `ivrapi_component_apply_result` named it.
    pub o_id: Option<i64>,
    /// The exit branch (`transfer`, `transferTimeout`, `transferError`, …).
    pub transfer_key: String,
    /// Its output values.
    pub results: Map<String, Value>,
    /// The session, when the platform names it (its example does not).
    pub ivrid: Option<String>,
}

/// A digit from the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DtmfEvent {
    /// The session key.
    pub key: String,
    /// The session.
    pub ivrid: String,
    /// `idle` (between components) or `component`.
    pub mode: String,
    /// The component, in `component` mode.
    pub o_id: Option<i64>,
    /// The digit(s).
    pub dtmf: String,
}

/// Why a frame was skipped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Malformed(pub String);

fn text(obj: &Map<String, Value>, field: &str) -> Option<String> {
    match obj.get(field)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn int(obj: &Map<String, Value>, field: &str) -> Option<i64> {
    match obj.get(field)? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Reads a text frame.
pub fn parse(frame: &str) -> Result<Incoming, Malformed> {
    if frame.len() > MAX_FRAME_BYTES {
        return Err(Malformed(format!("a frame of {} bytes (at most {MAX_FRAME_BYTES})", frame.len())));
    }
    let value: Value = serde_json::from_str(frame).map_err(|e| Malformed(format!("not JSON: {e}")))?;
    let Value::Array(mut items) = value else { return Err(Malformed("not a [name, object] array".into())) };
    if items.len() != 2 {
        return Err(Malformed(format!("an array of {} items, not [name, object]", items.len())));
    }
    let body = items.pop().unwrap_or(Value::Null);
    let Some(Value::String(name)) = items.pop() else { return Err(Malformed("the first item is not a name".into())) };
    let Value::Object(body) = body else { return Err(Malformed(format!("{name}: the second item is not an object"))) };
    if let Some(request) = name.strip_suffix("_result") {
        let qid = body.get("qid").and_then(Qid::read);
        return Ok(Incoming::Result { request: request.to_owned(), qid, body });
    }
    match name.as_str() {
        "notify" => {
            let class = text(&body, "class").ok_or_else(|| Malformed("notify without a class".into()))?;
            let kind = text(&body, "type").ok_or_else(|| Malformed("notify without a type".into()))?;
            let data = match body.get("data") {
                Some(Value::Object(d)) => d.clone(),
                None | Some(Value::Null) => Map::new(),
                Some(_) => return Err(Malformed("notify data is not an object".into())),
            };
            Ok(Incoming::Notify(Notification { class, kind, eventts: int(&body, "eventts"), data }))
        }
        "ivrapi_component_stopped" => {
            let results = match body.get("results") {
                Some(Value::Object(r)) => r.clone(),
                None | Some(Value::Null) => Map::new(),
                Some(_) => return Err(Malformed("ivrapi_component_stopped results is not an object".into())),
            };
            Ok(Incoming::ComponentStopped(ComponentStopped {
                o_id: int(&body, "oId"),
                transfer_key: text(&body, "transferKey").unwrap_or_default(),
                results,
                ivrid: text(&body, "ivrid"),
            }))
        }
        "ivrapi_dtmf" => {
            let need = |f: &str| text(&body, f).ok_or_else(|| Malformed(format!("ivrapi_dtmf without {f}")));
            Ok(Incoming::Dtmf(DtmfEvent {
                key: need("key")?,
                ivrid: need("ivrid")?,
                mode: need("mode")?,
                o_id: int(&body, "oId"),
                dtmf: need("dtmf")?,
            }))
        }
        _ => Ok(Incoming::Other { name }),
    }
}

/// Writes a request: `[name, {qid, …fields}]`.
pub fn request(name: &str, qid: Qid, fields: Map<String, Value>) -> String {
    let mut body = Map::with_capacity(fields.len() + 1);
    body.insert("qid".into(), Value::from(qid.value()));
    body.extend(fields);
    Value::Array(vec![Value::String(name.to_owned()), Value::Object(body)]).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn qids_are_integers_below_two_to_the_53() {
        assert_eq!(Qid::new(0).value(), 1);
        assert!(Qid::new(u64::MAX).value() <= Qid::MAX);
        assert_eq!(Qid::read(&serde_json::json!(12)), Some(Qid(12)));
        assert_eq!(Qid::read(&serde_json::json!(12.0)), Some(Qid(12)), "an integer written as a float");
        assert_eq!(Qid::read(&serde_json::json!(0.1234)), None, "the vendor's float examples are not ours");
        assert_eq!(Qid::read(&serde_json::json!("12")), None);
        assert_eq!(Qid::read(&serde_json::json!(9_007_199_254_740_993u64)), None);
    }

    #[test]
    fn bad_shapes_are_named() {
        for (frame, says) in [
            ("nope", "not JSON"),
            ("{}", "not a [name, object]"),
            ("[1, {}]", "not a name"),
            (r#"["a", {}, 3]"#, "3 items"),
            (r#"["notify", 5]"#, "not an object"),
            (r#"["notify", {"type": "api_start"}]"#, "without a class"),
            (r#"["ivrapi_dtmf", {"key": "k"}]"#, "without ivrid"),
        ] {
            let e = parse(frame).expect_err(frame);
            assert!(e.0.contains(says), "{frame}: {e}");
        }
        assert_eq!(parse(r#"["hello_world", {}]"#), Ok(Incoming::Other { name: "hello_world".into() }));
    }

    proptest! {
        #[test]
        fn any_text_is_read_or_refused_without_a_panic(s in ".{0,400}") {
            let _ = parse(&s);
        }

        #[test]
        fn any_json_value_is_read_or_refused_without_a_panic(
            name in "[a-z_]{0,24}",
            body in proptest::collection::btree_map("[a-zA-Z]{1,10}", prop_oneof![
                Just(Value::Null), any::<bool>().prop_map(Value::from), any::<i64>().prop_map(Value::from),
                any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
                ".{0,20}".prop_map(Value::from),
            ], 0..8),
        ) {
            let obj: Map<String, Value> = body.into_iter().collect();
            let frame = Value::Array(vec![Value::from(name), Value::Object(obj)]).to_string();
            let _ = parse(&frame);
        }
    }
}
