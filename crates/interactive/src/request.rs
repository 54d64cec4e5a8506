//! The request the PBX sends when a caller reaches an IVR option whose action is Call Interactive.
//!
//! Facts this module relies on (`reference/telphin-call-interactive-ru.txt`, "Параметры запроса";
//! `reference/ivr-protocols.md` §B.3, §B.5):
//!
//! - With GET the call's parameters travel in the query string, with POST in the body; the POST
//!   body is form-encoded (`application/x-www-form-urlencoded`), as it is for Telphin's other
//!   webhooks. Values are percent-encoded UTF-8 (`*` arrives as `%2A`, Cyrillic names as
//!   `%D0%98…`).
//! - The parameters: `EventType` (always `call_interactive`), `CallID`, `CallerIDNum`,
//!   `CallerIDName`, `CalledDID` (only when known), `CalledExtension` (the IVR in extended form,
//!   `yyyy*zzz`), `CalledExtensionID` (integer), `CallStatus` (always `ANSWER`), `CallFlow` (always
//!   `IN`), `CallerExtension` and `CallerExtensionID` (integer; both only for internal calls),
//!   `CalledNumber` (what the caller dialled: an external number, `0003*001` or a short `001`) and
//!   `CallAPIID` (kept for the whole call, across transfers; its format varies, so it is opaque).
//! - The URL configured in the IVR may carry parameters of its own: static values, and `$varname`
//!   placeholders the PBX replaces with IVR variables. With GET the call's parameters are appended
//!   after them. Variables given when a call is started through `/callback/` arrive as
//!   `cb_variable_<name>`, so they never collide with the standard names.
//!
//! Where the documents are silent, and what this module does:
//!
//! - The vendor's own example request has no `EventType`, so an absent `EventType` is accepted;
//!   one that is present must be `call_interactive` (anything else is another webhook sent to the
//!   wrong address, and is refused).
//! - `CallID` is the only parameter required: without it the call cannot be named. An empty value
//!   counts as absent, for every standard parameter.
//! - A name given twice keeps its last value. With GET the PBX appends its parameters after the
//!   URL's own, so a static `CallID=` in the URL cannot hide the real one; with POST the URL's
//!   query is read first and the body after it, for the same reason.
//! - `CalledExtensionID` and `CallerExtensionID` are documented as integers; anything but digits
//!   is refused rather than guessed at. `CallStatus` and `CallFlow` are kept as sent, unchecked:
//!   their fixed values say nothing Sidekick acts on, and refusing a call over them would only
//!   cost the caller the routing.
//! - Bytes that are not UTF-8 after percent-decoding become U+FFFD rather than a refusal: a caller
//!   name in another encoding should not cost the caller their routing, which depends on numbers.
//! - Parameter names are matched exactly as the vendor spells them; any other name, in any case,
//!   is an extra parameter. A parameter with an empty name is dropped.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The value of `EventType` on every Call Interactive request.
pub const EVENT_TYPE: &str = "call_interactive";

/// The prefix the PBX puts before variables that were given when the call was started through the
/// `/callback/` API.
pub const CALLBACK_VARIABLE_PREFIX: &str = "cb_variable_";

/// The documented `EventType` (a request that has one always has this one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventType {
    /// `call_interactive`.
    #[serde(rename = "call_interactive")]
    CallInteractive,
}

/// One Call Interactive request, decoded. Field names on the wire (and in this type's serde form,
/// which the screen pop carries) are the vendor's.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CallInteractiveRequest {
    /// `EventType`: absent in the vendor's own example, otherwise always `call_interactive`.
    #[serde(rename = "EventType", default, skip_serializing_if = "Option::is_none")]
    pub event_type: Option<EventType>,
    /// `CallID`: the call's unique id; the one parameter a request must have.
    #[serde(rename = "CallID")]
    pub call_id: String,
    /// `CallerIDNum`: the caller's number (`000*306` for an internal caller).
    #[serde(rename = "CallerIDNum", default, skip_serializing_if = "Option::is_none")]
    pub caller_id_num: Option<String>,
    /// `CallerIDName`: the caller's name, as the PBX knows it.
    #[serde(rename = "CallerIDName", default, skip_serializing_if = "Option::is_none")]
    pub caller_id_name: Option<String>,
    /// `CalledDID`: the external number dialled, when the PBX knows it.
    #[serde(rename = "CalledDID", default, skip_serializing_if = "Option::is_none")]
    pub called_did: Option<String>,
    /// `CalledExtension`: the IVR's number in extended form (`yyyy*zzz`).
    #[serde(rename = "CalledExtension", default, skip_serializing_if = "Option::is_none")]
    pub called_extension: Option<String>,
    /// `CalledExtensionID`: the IVR extension's id in the PBX.
    #[serde(rename = "CalledExtensionID", default, skip_serializing_if = "Option::is_none")]
    pub called_extension_id: Option<u64>,
    /// `CallStatus`: documented as always `ANSWER`; kept as sent.
    #[serde(rename = "CallStatus", default, skip_serializing_if = "Option::is_none")]
    pub call_status: Option<String>,
    /// `CallFlow`: documented as always `IN`; kept as sent.
    #[serde(rename = "CallFlow", default, skip_serializing_if = "Option::is_none")]
    pub call_flow: Option<String>,
    /// `CallerExtension`: the calling extension's name; internal calls only.
    #[serde(rename = "CallerExtension", default, skip_serializing_if = "Option::is_none")]
    pub caller_extension: Option<String>,
    /// `CallerExtensionID`: the calling extension's id; internal calls only.
    #[serde(rename = "CallerExtensionID", default, skip_serializing_if = "Option::is_none")]
    pub caller_extension_id: Option<u64>,
    /// `CalledNumber`: what the caller dialled (external, `0003*001`, or short `001`).
    #[serde(rename = "CalledNumber", default, skip_serializing_if = "Option::is_none")]
    pub called_number: Option<String>,
    /// `CallAPIID`: the call's id across transfers; opaque (`<digits>:<hex>` in the docs,
    /// `<digits>-<uuid>` in real traffic).
    #[serde(rename = "CallAPIID", default, skip_serializing_if = "Option::is_none")]
    pub call_api_id: Option<String>,
    /// Parameters the IVR's URL carried (static values, or `$var` placeholders the PBX filled in),
    /// by name. An unset variable may arrive empty, so empty values are kept here.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, String>,
    /// `cb_variable_<name>` parameters (variables given to `/callback/`), by `<name>` without the
    /// prefix.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub callback_variables: BTreeMap<String, String>,
}

/// Why a request was refused (HTTP 400). Each sentence is the plain-text body of the answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// No `CallID`, or an empty one.
    #[error("the request has no CallID, so the call cannot be identified")]
    MissingCallId,
    /// `EventType` is present but not `call_interactive`.
    #[error("EventType is {got:?}, but a Call Interactive request always has \"call_interactive\"")]
    WrongEventType {
        /// What was sent (shortened).
        got: String,
    },
    /// `CalledExtensionID` or `CallerExtensionID` is not a whole number.
    #[error("{parameter} must be a whole number, not {value:?}")]
    NotAnId {
        /// The parameter's name.
        parameter: &'static str,
        /// What was sent (shortened).
        value: String,
    },
    /// The POST body is larger than the handler reads.
    #[error("the request body is larger than {limit} bytes")]
    BodyTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The body could not be read to its end (the sender went away).
    #[error("the request body could not be read")]
    UnreadableBody,
    /// A body declared as something other than a form, in which no `CallID` was found.
    #[error("the request body must be a form (application/x-www-form-urlencoded), not {content_type:?}")]
    NotAForm {
        /// The `Content-Type` sent (shortened).
        content_type: String,
    },
}

/// Sent values quoted in an error are cut to this many characters: the error goes back to whoever
/// sent them, and into the log.
const QUOTE_CHARS: usize = 40;

/// `value`, cut to [`QUOTE_CHARS`] characters with `…` when it was longer.
pub(crate) fn quote(value: &str) -> String {
    match value.char_indices().nth(QUOTE_CHARS) {
        Some((cut, _)) => format!("{}…", &value[..cut]),
        None => value.to_owned(),
    }
}

impl CallInteractiveRequest {
    /// A request with only its `CallID`: a starting point for samples and tests.
    pub fn new(call_id: impl Into<String>) -> Self {
        Self { call_id: call_id.into(), ..Self::default() }
    }

    /// Decodes a GET request's query string (without the `?`).
    pub fn from_query(query: &str) -> Result<Self, RequestError> {
        Self::parse(query.as_bytes(), b"")
    }

    /// Decodes a request from the URL's query string and a form-encoded body, in that order, so a
    /// name in the body wins over the same name in the URL. A GET request has an empty body.
    pub fn parse(query: &[u8], form_body: &[u8]) -> Result<Self, RequestError> {
        let mut params: BTreeMap<String, String> = BTreeMap::new();
        for (name, value) in form_urlencoded::parse(query).chain(form_urlencoded::parse(form_body)) {
            if !name.is_empty() {
                params.insert(name.into_owned(), value.into_owned());
            }
        }
        Self::from_params(params)
    }

    fn from_params(mut params: BTreeMap<String, String>) -> Result<Self, RequestError> {
        let mut take = |name: &str| params.remove(name).filter(|value| !value.is_empty());
        let event_type = match take("EventType") {
            None => None,
            Some(value) if value == EVENT_TYPE => Some(EventType::CallInteractive),
            Some(value) => return Err(RequestError::WrongEventType { got: quote(&value) }),
        };
        let call_id = take("CallID").ok_or(RequestError::MissingCallId)?;
        let request = Self {
            event_type,
            call_id,
            caller_id_num: take("CallerIDNum"),
            caller_id_name: take("CallerIDName"),
            called_did: take("CalledDID"),
            called_extension: take("CalledExtension"),
            called_extension_id: id(take("CalledExtensionID"), "CalledExtensionID")?,
            call_status: take("CallStatus"),
            call_flow: take("CallFlow"),
            caller_extension: take("CallerExtension"),
            caller_extension_id: id(take("CallerExtensionID"), "CallerExtensionID")?,
            called_number: take("CalledNumber"),
            call_api_id: take("CallAPIID"),
            extra: BTreeMap::new(),
            callback_variables: BTreeMap::new(),
        };
        let (callback, extra): (BTreeMap<_, _>, BTreeMap<_, _>) =
            params.into_iter().partition(|(name, _)| callback_name(name).is_some());
        let callback_variables = callback
            .into_iter()
            .filter_map(|(name, value)| callback_name(&name).map(|short| (short.to_owned(), value)))
            .collect();
        Ok(Self { extra, callback_variables, ..request })
    }

    /// The request as the PBX would send it: form-encoded, the documented parameters in the
    /// documented order, then the extra parameters, then the `cb_variable_` ones. Decoding the
    /// result with [`parse`](Self::parse) gives this request back.
    pub fn to_form(&self) -> String {
        let mut form = form_urlencoded::Serializer::new(String::new());
        let ids = [self.called_extension_id, self.caller_extension_id].map(|id| id.map(|id| id.to_string()));
        let documented: [(&str, Option<&str>); 13] = [
            ("EventType", self.event_type.map(|_| EVENT_TYPE)),
            ("CallID", Some(self.call_id.as_str())),
            ("CallerIDNum", self.caller_id_num.as_deref()),
            ("CallerIDName", self.caller_id_name.as_deref()),
            ("CalledDID", self.called_did.as_deref()),
            ("CalledExtension", self.called_extension.as_deref()),
            ("CalledExtensionID", ids[0].as_deref()),
            ("CallStatus", self.call_status.as_deref()),
            ("CallFlow", self.call_flow.as_deref()),
            ("CallerExtension", self.caller_extension.as_deref()),
            ("CallerExtensionID", ids[1].as_deref()),
            ("CalledNumber", self.called_number.as_deref()),
            ("CallAPIID", self.call_api_id.as_deref()),
        ];
        for (name, value) in documented {
            if let Some(value) = value {
                form.append_pair(name, value);
            }
        }
        for (name, value) in &self.extra {
            form.append_pair(name, value);
        }
        for (name, value) in &self.callback_variables {
            form.append_pair(&format!("{CALLBACK_VARIABLE_PREFIX}{name}"), value);
        }
        form.finish()
    }

    /// The numbers this call was made to, for matching "called number" rules: `CalledDID`,
    /// `CalledNumber` and `CalledExtension`, those present.
    pub fn called_numbers(&self) -> impl Iterator<Item = &str> {
        [&self.called_did, &self.called_number, &self.called_extension].into_iter().filter_map(|n| n.as_deref())
    }
}

/// `<name>` of a `cb_variable_<name>` parameter (`None` for other names, and for the bare prefix).
fn callback_name(name: &str) -> Option<&str> {
    name.strip_prefix(CALLBACK_VARIABLE_PREFIX).filter(|short| !short.is_empty())
}

/// An integer id parameter: digits only (no sign, no spaces), within `u64`.
fn id(value: Option<String>, parameter: &'static str) -> Result<Option<u64>, RequestError> {
    let Some(value) = value else { return Ok(None) };
    let refuse = || RequestError::NotAnId { parameter, value: quote(&value) };
    if !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(refuse());
    }
    value.parse().map(Some).map_err(|_| refuse())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The vendor's example request, verbatim (it has no `EventType`).
    const VENDOR_EXAMPLE: &str = include_str!("../tests/fixtures/requests/vendor_example.query");

    #[test]
    fn reads_every_parameter_of_the_vendor_example() {
        let r = CallInteractiveRequest::from_query(VENDOR_EXAMPLE.trim()).expect("the vendor's example is valid");
        assert_eq!(r.event_type, None, "the vendor's example has no EventType");
        assert_eq!(r.call_id, "5205dc5cc5a411e5ab9eb3691b90ea15");
        assert_eq!(r.caller_id_num.as_deref(), Some("000*306"), "%2A decodes to *");
        assert_eq!(r.caller_id_name.as_deref(), Some("000*306"));
        assert_eq!(r.called_did, None);
        assert_eq!(r.called_extension.as_deref(), Some("000*332"));
        assert_eq!(r.called_extension_id, Some(145));
        assert_eq!(r.call_status.as_deref(), Some("ANSWER"));
        assert_eq!(r.call_flow.as_deref(), Some("IN"));
        assert_eq!(r.caller_extension.as_deref(), Some("000*306"));
        assert_eq!(r.caller_extension_id, Some(134));
        assert_eq!(r.called_number.as_deref(), Some("332"));
        assert_eq!(r.call_api_id.as_deref(), Some("3584705175:5205dc5cc5a411e5ab9eb3691b90ea15"), "%3A decodes to :");
        assert!(r.extra.is_empty() && r.callback_variables.is_empty());
    }

    #[test]
    fn decodes_cyrillic_names_and_plus_signs_from_a_form_body() {
        let body = "EventType=call_interactive&CallID=c1&CallerIDName=%D0%98%D0%B2%D0%B0%D0%BD+%D0%9F%D0%B5%D1%82%D1%80%D0%BE%D0%B2&CallerIDNum=%2B74951234567";
        let r = CallInteractiveRequest::parse(b"", body.as_bytes()).expect("valid");
        assert_eq!(r.event_type, Some(EventType::CallInteractive));
        assert_eq!(r.caller_id_name.as_deref(), Some("Иван Петров"), "UTF-8 percent-decoding, + is a space");
        assert_eq!(r.caller_id_num.as_deref(), Some("+74951234567"), "%2B is a plus sign");
    }

    #[test]
    fn only_call_id_is_required() {
        let r = CallInteractiveRequest::from_query("CallID=abc").expect("CallID alone is enough");
        assert_eq!(r, CallInteractiveRequest::new("abc"));
    }

    #[test]
    fn a_missing_or_empty_call_id_is_refused() {
        for query in ["", "CallerIDNum=101", "CallID=&CallerIDNum=101"] {
            assert_eq!(CallInteractiveRequest::from_query(query), Err(RequestError::MissingCallId), "{query:?}");
        }
        assert_eq!(
            RequestError::MissingCallId.to_string(),
            "the request has no CallID, so the call cannot be identified"
        );
    }

    #[test]
    fn another_event_type_is_refused_with_what_was_sent() {
        let err = CallInteractiveRequest::from_query("EventType=dial-in&CallID=1").expect_err("another webhook");
        assert_eq!(err, RequestError::WrongEventType { got: "dial-in".into() });
        assert_eq!(
            err.to_string(),
            r#"EventType is "dial-in", but a Call Interactive request always has "call_interactive""#
        );
    }

    #[test]
    fn ids_must_be_whole_numbers() {
        for bad in ["x", "-1", "+5", "1 2", "99999999999999999999999"] {
            let query = format!("CallID=1&CalledExtensionID={}", bad.replace(' ', "%20").replace('+', "%2B"));
            assert_eq!(
                CallInteractiveRequest::from_query(&query),
                Err(RequestError::NotAnId { parameter: "CalledExtensionID", value: bad.into() }),
                "{bad:?}"
            );
        }
        let err = CallInteractiveRequest::from_query("CallID=1&CallerExtensionID=abc").expect_err("not an id");
        assert_eq!(err.to_string(), r#"CallerExtensionID must be a whole number, not "abc""#);
    }

    #[test]
    fn url_parameters_and_callback_variables_are_kept_apart() {
        let q = "param1=value1&param2=&cb_variable_tag=vip&cb_variable_=x&CallID=1&callid=lower";
        let r = CallInteractiveRequest::from_query(q).expect("valid");
        let extra: Vec<_> = r.extra.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(
            extra,
            [("callid", "lower"), ("cb_variable_", "x"), ("param1", "value1"), ("param2", "")],
            "an unset $var arrives empty and is kept; names are matched exactly"
        );
        assert_eq!(r.callback_variables.get("tag").map(String::as_str), Some("vip"));
    }

    #[test]
    fn the_last_value_of_a_name_wins_and_the_body_comes_after_the_query() {
        // With GET the PBX appends its own parameters after the URL's.
        let r = CallInteractiveRequest::from_query("CallID=static&CallID=real").expect("valid");
        assert_eq!(r.call_id, "real");
        let r = CallInteractiveRequest::parse(b"CallID=url&source=url", b"CallID=body").expect("valid");
        assert_eq!((r.call_id.as_str(), r.extra["source"].as_str()), ("body", "url"));
    }

    #[test]
    fn bytes_that_are_not_utf8_become_replacement_characters() {
        let r = CallInteractiveRequest::from_query("CallID=1&CallerIDName=%C8%E2%E0%ED").expect("still answered");
        assert_eq!(r.caller_id_name.as_deref(), Some("\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}"));
    }

    #[test]
    fn to_form_round_trips_through_parse() {
        let mut r = CallInteractiveRequest::from_query(VENDOR_EXAMPLE.trim()).expect("valid");
        r.event_type = Some(EventType::CallInteractive);
        r.caller_id_name = Some("Анна & Co = 100%".into());
        r.extra.insert("lang".into(), "ru".into());
        r.callback_variables.insert("tag".into(), "a b".into());
        let form = r.to_form();
        assert!(form.starts_with("EventType=call_interactive&CallID=5205"), "documented order: {form}");
        assert_eq!(CallInteractiveRequest::parse(b"", form.as_bytes()), Ok(r));
    }

    #[test]
    fn quotes_are_cut_to_forty_characters() {
        let long = "9".repeat(100);
        let err = CallInteractiveRequest::from_query(&format!("CallID=1&CalledExtensionID={long}x")).expect_err("bad");
        assert_eq!(
            err,
            RequestError::NotAnId { parameter: "CalledExtensionID", value: format!("{}…", "9".repeat(40)) }
        );
    }
}
