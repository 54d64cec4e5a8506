//! A scripted Telphin PBX: it sends the Call Interactive requests a Telphin IVR sends, and checks
//! the answers against the structure the vendor documents.
//!
//! Facts relied on (`reference/telphin-call-interactive-ru.txt`, `reference/ivr-protocols.md`
//! §B.2–B.5):
//!
//! - The request is GET with the parameters in the query string, or POST with them in a
//!   form-encoded body (`application/x-www-form-urlencoded`). Values are percent-encoded UTF-8:
//!   `*` travels as `%2A`, `:` as `%3A`, Cyrillic names as UTF-8 bytes.
//! - Parameters: `EventType=call_interactive`, `CallID` (32 hex digits), `CallerIDNum`,
//!   `CallerIDName`, `CalledDID` (when known), `CalledExtension` (`yyyy*zzz`),
//!   `CalledExtensionID`, `CallStatus=ANSWER`, `CallFlow=IN`, `CallerExtension` and
//!   `CallerExtensionID` (internal calls only), `CalledNumber`, `CallAPIID` (`<digits>:<hex>` in
//!   the documents, `<digits>-<uuid>` in real traffic).
//! - The configured URL may carry parameters of its own: static ones, and `$var` placeholders
//!   the PBX fills with IVR variables (an unset one arrives empty). With GET the call's
//!   parameters are appended to the URL's own. Variables given to `/callback/` arrive as
//!   `cb_variable_<name>`.
//! - The answer is optional. When there is one it is `<?xml version="1.0" encoding="UTF-8"?>`
//!   and a `<Response>` root with at most 10 actions: `Hangup`, `Pause length`, `SetVar name` with
//!   the value as text, `Jump context option`, `SetCaller name number`, `PlaySound where
//!   digitvar` with the file name as text, `SimpleTransfer final timeout early_media` with the
//!   numbers as text, comma-separated without spaces.
//!
//! Where the documents are silent, this PBX is strict, so that what passes here passes a real one:
//!
//! - The encoding is the one the vendor's example shows: every byte but ASCII letters, digits and
//!   `-._~` is percent-encoded. (The WHATWG form serializer, `form_urlencoded`, would leave `*`
//!   bare, unlike the example, so it is not used.) The example has no space; a call writes one as
//!   `+` (form encoding, [`Spaces::Plus`], the default) or as `%20` ([`Spaces::Percent20`]), and
//!   the script uses both, so a receiver must read both.
//! - With POST the URL's own parameters stay in its query string; the body holds the call's.
//! - Every answer must be HTTP 200. A body, when there is one, must be UTF-8 declared as XML
//!   (`application/xml` or `text/xml`, with no `charset` but `utf-8`), and its XML declaration,
//!   when it names an encoding, must name UTF-8.
//! - Unknown elements or attributes, a missing required attribute (`SetCaller` needs both, as in
//!   the VoipNow lineage where a missing one aborts the whole answer; `Jump` needs both; `SetVar`
//!   its name; `PlaySound` its `where`), numbers that are not plain digits, a `where` other than
//!   `foreground`/`background`, `final` other than `yes`/`no`, `early_media` other than `True`,
//!   or empty items or spaces in a transfer list are each a [`PbxError::Malformed`] naming what
//!   is wrong.
//! - `Pause` without `length` is read as `length: None`: the PBX then pauses for
//!   [`DEFAULT_PAUSE_SECONDS`], the documented default.
//! - The PBX waits [`ANSWER_TIMEOUT`] for an answer (the vendor does not say how long).

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use serde::{Serialize, Serializer};

/// The most actions one answer may hold.
pub const MAX_ACTIONS: usize = 10;
/// The pause a `Pause` without `length` makes.
pub const DEFAULT_PAUSE_SECONDS: u32 = 10;
/// How long the PBX waits for an answer here (the vendor does not say; a real one is short).
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(5);

/// How the PBX sends the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Parameters in the query string.
    Get,
    /// Parameters in a form-encoded body.
    Post,
}

/// How a space in a value travels (the vendor's example has none; both are valid form encoding).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Spaces {
    /// As `+`, as form encoders write it.
    #[default]
    Plus,
    /// As `%20`, as URL-path encoders write it.
    Percent20,
}

/// One Call Interactive request as the PBX will send it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PbxCall {
    /// GET or POST.
    pub method: Method,
    /// The URL's own parameters (static values and filled-in `$var`s), in order.
    pub url_params: Vec<(String, String)>,
    /// The call's parameters, in the order the PBX writes them.
    pub params: Vec<(String, String)>,
    /// How spaces are written on the wire.
    pub spaces: Spaces,
}

fn pair(name: &str, value: &str) -> (String, String) {
    (name.to_owned(), value.to_owned())
}

/// A fresh `CallID`: 32 hex digits, as in the vendor's samples.
fn new_call_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

impl PbxCall {
    /// An external caller reaching the IVR `0003*001` through the number `did` (`""`: the PBX
    /// does not know it, so `CalledDID` is left out and the IVR's number stands as dialled).
    /// Its `CallAPIID` has the `<digits>-<uuid>` form seen in real traffic.
    pub fn external(caller_num: &str, caller_name: &str, did: &str) -> Self {
        let call_id = new_call_id();
        let mut params = vec![
            pair("EventType", "call_interactive"),
            pair("CallID", &call_id),
            pair("CallerIDNum", caller_num),
            pair("CallerIDName", caller_name),
        ];
        if !did.is_empty() {
            params.push(pair("CalledDID", did));
        }
        params.extend([
            pair("CalledExtension", "0003*001"),
            pair("CalledExtensionID", "145"),
            pair("CallStatus", "ANSWER"),
            pair("CallFlow", "IN"),
            pair("CalledNumber", if did.is_empty() { "0003*001" } else { did }),
            pair("CallAPIID", &format!("3584705175-{}", uuid::Uuid::new_v4().hyphenated())),
        ]);
        Self { method: Method::Get, url_params: Vec::new(), params, spaces: Spaces::default() }
    }

    /// An internal call from the extension `extension` (`000*306`) to the IVR by its short
    /// number: the vendor's example query, parameter for parameter and in its order (which has
    /// no `EventType`), with a fresh `CallID` and its `<digits>:<CallID>` `CallAPIID`.
    pub fn internal(extension: &str) -> Self {
        let call_id = new_call_id();
        let params = vec![
            pair("CalledExtensionID", "145"),
            pair("CalledNumber", "332"),
            pair("CallID", &call_id),
            pair("CallerIDNum", extension),
            pair("CallerExtensionID", "134"),
            pair("CallerExtension", extension),
            pair("CallFlow", "IN"),
            pair("CalledExtension", "000*332"),
            pair("CallAPIID", &format!("3584705175:{call_id}")),
            pair("CallerIDName", extension),
            pair("CallStatus", "ANSWER"),
        ];
        Self { method: Method::Get, url_params: Vec::new(), params, spaces: Spaces::default() }
    }

    /// Sends it as POST with a form body.
    pub fn post(mut self) -> Self {
        self.method = Method::Post;
        self
    }

    /// One of the configured URL's own parameters: a static one, or a `$var` as the PBX fills it
    /// in (`""` for an unset variable). They keep the order they are given in.
    pub fn var(mut self, name: &str, value: &str) -> Self {
        self.url_params.push(pair(name, value));
        self
    }

    /// A variable given when the call was started through `/callback/` (`cb_variable_<name>`).
    pub fn callback_variable(mut self, name: &str, value: &str) -> Self {
        self.params.push(pair(&format!("cb_variable_{name}"), value));
        self
    }

    /// Sets (or adds) one of the call's parameters as it is, for odd cases.
    pub fn param(mut self, name: &str, value: &str) -> Self {
        match self.params.iter_mut().find(|(n, _)| n == name) {
            Some(p) => p.1 = value.to_owned(),
            None => self.params.push(pair(name, value)),
        }
        self
    }

    /// Writes spaces as `%20` rather than `+`.
    pub fn percent_spaces(mut self) -> Self {
        self.spaces = Spaces::Percent20;
        self
    }

    /// Its `CallID`.
    pub fn call_id(&self) -> &str {
        self.value("CallID").unwrap_or("")
    }

    /// The value of one of the call's parameters.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// The URL's own parameters, percent-encoded.
    fn url_query(&self) -> String {
        encode(&self.url_params, self.spaces)
    }

    /// The call's parameters, percent-encoded.
    fn call_query(&self) -> String {
        encode(&self.params, self.spaces)
    }
}

/// `name=value&…` with every byte but ASCII letters, digits and `-._~` percent-encoded, as the
/// vendor's example shows (`*` as `%2A`, `:` as `%3A`), and a space as `spaces` says.
fn encode(params: &[(String, String)], spaces: Spaces) -> String {
    let mut out = String::new();
    let escape = |out: &mut String, text: &str| {
        for b in text.bytes() {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => out.push(char::from(b)),
                b' ' if spaces == Spaces::Plus => out.push('+'),
                _ => {
                    let _ = write!(out, "%{b:02X}");
                }
            }
        }
    };
    for (i, (name, value)) in params.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        escape(&mut out, name);
        out.push('=');
        escape(&mut out, value);
    }
    out
}

/// The calls the scripted PBX plays: GET and POST, Cyrillic names, `*` extensions, static,
/// filled and empty `$var`s, a callback variable, internal and external calls, both
/// `CallAPIID` forms, spaces as `+` and as `%20`, and a name full of XML's special characters.
pub fn script() -> Vec<PbxCall> {
    vec![
        PbxCall::external("+74951234567", "Иван Петров", "74950001122"),
        PbxCall::external("84957654321", "ООО «Ромашка»", "").post(),
        PbxCall::internal("000*306"),
        PbxCall::external("+79161112233", "Анна Смирнова", "74950001122").percent_spaces().var("lang", "ru").var("choice", "2"),
        PbxCall::external("+15550001111", "John O'Brien & Co <sales>", "74950001122").post().var("choice", ""),
        PbxCall::external("+74951234567", "Иван Петров", "74950001122").callback_variable("tag", "crm-42").post(),
        PbxCall::internal("0003*117").post().var("source", "ivr").var("agent", "117"),
    ]
}

/// One action of an answer, as the PBX reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all_fields = "camelCase")]
pub enum PbxAction {
    /// `<Hangup/>`.
    Hangup,
    /// `<Pause length="…"/>`.
    Pause {
        /// Seconds; `None` when the answer leaves `length` out, and the PBX pauses for
        /// [`DEFAULT_PAUSE_SECONDS`].
        length: Option<u32>,
    },
    /// `<SetVar name="…">value</SetVar>`.
    SetVar {
        /// The variable.
        name: String,
        /// Its value.
        value: String,
    },
    /// `<Jump context="…" option="…"/>`.
    Jump {
        /// The IVR context's id.
        context: String,
        /// The option.
        option: String,
    },
    /// `<SetCaller name="…" number="…"/>`.
    SetCaller {
        /// The caller's name.
        name: String,
        /// The caller's number.
        number: String,
    },
    /// `<PlaySound where="…" digitvar="…">file</PlaySound>`.
    PlaySound {
        /// `where="background"`: the caller's digits are collected meanwhile.
        background: bool,
        /// Where the digits go.
        digitvar: Option<String>,
        /// The sound's file name.
        file: String,
    },
    /// `<SimpleTransfer final="…" timeout="…" early_media="True">N1,N2</SimpleTransfer>`.
    SimpleTransfer {
        /// The numbers, in order.
        numbers: Vec<String>,
        /// Whether the transfer is final (the default).
        #[serde(rename = "final")]
        is_final: bool,
        /// Ring time in seconds, when given (otherwise the system's).
        timeout: Option<u32>,
        /// `early_media="True"`: early media reaches the caller.
        early_media: bool,
    },
}

impl PbxAction {
    /// How long a `Pause` pauses, the default filled in; `None` for other actions.
    pub fn pause_seconds(&self) -> Option<u32> {
        match self {
            Self::Pause { length } => Some(length.unwrap_or(DEFAULT_PAUSE_SECONDS)),
            _ => None,
        }
    }
}

/// An answer that passed the checks.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PbxAnswer {
    /// The HTTP status (always 200 here: anything else is an error).
    pub status: u16,
    /// From sending the request to the end of the answer (in JSON: `elapsedMs`, fractional).
    #[serde(rename = "elapsedMs", serialize_with = "milliseconds")]
    pub elapsed: Duration,
    /// What the IVR will do, in order (empty: it carries on as configured).
    pub actions: Vec<PbxAction>,
}

fn milliseconds<S: Serializer>(elapsed: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(elapsed.as_secs_f64() * 1000.0)
}

/// An answer as it came, unchecked ([`SimPbx::send_raw`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawAnswer {
    /// The HTTP status.
    pub status: u16,
    /// The `Content-Type` header, when there is one.
    pub content_type: Option<String>,
    /// The body as text (bytes that are not UTF-8 replaced).
    pub body: String,
}

/// Why an answer would not be taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PbxError {
    /// The request did not go through, or no answer came in time.
    #[error("no answer: {0}")]
    Http(String),
    /// The answer's status is not 200.
    #[error("HTTP {status}: {body}")]
    Status {
        /// The status.
        status: u16,
        /// The body (its first 200 characters).
        body: String,
    },
    /// The answer is not a document the PBX takes.
    #[error("malformed answer: {0}")]
    Malformed(String),
}

/// The PBX, pointed at one Call Interactive URL (`http://host:port/ci/TOKEN`, possibly with its
/// own query).
#[derive(Debug, Clone)]
pub struct SimPbx {
    /// Shared by every request, with the PBX's [`ANSWER_TIMEOUT`].
    client: reqwest::Client,
    /// The configured URL, as the PBX's administrator typed it.
    url: String,
}

impl SimPbx {
    /// A PBX calling `url`.
    pub fn new(url: &str) -> Self {
        let client = reqwest::Client::builder().timeout(ANSWER_TIMEOUT).build().unwrap_or_else(|e| {
            tracing::warn!("the simulated PBX's HTTP client has no timeout: {e}");
            reqwest::Client::new()
        });
        Self { client, url: url.to_owned() }
    }

    /// Sends `call` and checks the answer.
    pub async fn send(&self, call: &PbxCall) -> Result<PbxAnswer, PbxError> {
        let own = call.url_query();
        let started = Instant::now();
        let (status, content_type, body) = match call.method {
            Method::Get => self.exchange(Method::Get, &join(&own, &call.call_query()), None).await?,
            Method::Post => {
                let body = call.call_query();
                self.exchange(Method::Post, &own, Some((body.as_bytes(), Some("application/x-www-form-urlencoded")))).await?
            }
        };
        let elapsed = started.elapsed();
        if status != 200 {
            let body = String::from_utf8_lossy(&body).chars().take(200).collect();
            return Err(PbxError::Status { status, body });
        }
        let actions = check_answer(content_type.as_deref(), &body)?;
        Ok(PbxAnswer { status, elapsed, actions })
    }

    /// Sends whatever a test needs (a body that is not a form, a missing `CallID`, a wrong
    /// content type): `query` is appended to the URL's own, `body` is sent as it is (only with
    /// POST), with `content_type` when given. The answer comes back unchecked.
    pub async fn send_raw(&self, method: Method, query: &str, body: &str, content_type: Option<&str>) -> Result<RawAnswer, PbxError> {
        let body = (method == Method::Post).then_some((body.as_bytes(), content_type));
        let (status, content_type, body) = self.exchange(method, query, body).await?;
        Ok(RawAnswer { status, content_type, body: String::from_utf8_lossy(&body).into_owned() })
    }

    /// One request: `query` after the URL's own query, and a body with its content type.
    async fn exchange(
        &self,
        method: Method,
        query: &str,
        body: Option<(&[u8], Option<&str>)>,
    ) -> Result<(u16, Option<String>, Vec<u8>), PbxError> {
        let (base, own) = self.url.split_once('?').unwrap_or((self.url.as_str(), ""));
        let query = join(own, query);
        let url = if query.is_empty() { base.to_owned() } else { format!("{base}?{query}") };
        let mut request = match method {
            Method::Get => self.client.get(url),
            Method::Post => self.client.post(url),
        };
        if let Some((body, content_type)) = body {
            if let Some(content_type) = content_type {
                request = request.header(reqwest::header::CONTENT_TYPE, content_type);
            }
            request = request.body(body.to_vec());
        }
        let response = request.send().await.map_err(transport)?;
        let status = response.status().as_u16();
        let content_type =
            response.headers().get(reqwest::header::CONTENT_TYPE).map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let body = response.bytes().await.map_err(transport)?;
        Ok((status, content_type, body.to_vec()))
    }
}

/// A transport failure with its causes ("error sending request: … Connection refused"), and
/// without the URL, which holds the app's secret token.
fn transport(e: reqwest::Error) -> PbxError {
    let e = e.without_url();
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(cause) = source {
        let _ = write!(text, ": {cause}");
        source = cause.source();
    }
    PbxError::Http(text)
}

fn join(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_owned(),
        (_, true) => a.to_owned(),
        _ => format!("{a}&{b}"),
    }
}

fn malformed(text: impl Into<String>) -> PbxError {
    PbxError::Malformed(text.into())
}

/// Reads an answer body as the PBX does; the actions, or what is wrong. `content_type` is the
/// answer's `Content-Type` header.
pub fn check_answer(content_type: Option<&str>, body: &[u8]) -> Result<Vec<PbxAction>, PbxError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Vec::new());
    }
    let declared = content_type.unwrap_or("nothing");
    let mut parts = content_type.unwrap_or("").split(';');
    let essence = parts.next().unwrap_or("").trim().to_ascii_lowercase();
    if essence != "application/xml" && essence != "text/xml" {
        return Err(malformed(format!("the body is declared as {declared:?}, not XML")));
    }
    for parameter in parts {
        if let Some((name, value)) = parameter.split_once('=') {
            let value = value.trim().trim_matches('"');
            if name.trim().eq_ignore_ascii_case("charset") && !value.eq_ignore_ascii_case("utf-8") {
                return Err(malformed(format!("the body is declared as {declared:?}; the PBX reads UTF-8")));
            }
        }
    }
    let body = std::str::from_utf8(body).map_err(|e| malformed(format!("the body is not UTF-8: {e}")))?;
    let mut reader = Reader::from_str(body);
    let mut actions = Vec::new();
    let mut depth = 0usize;
    let mut seen_root = false;
    // The action whose text is being read: its attributes, its name, the text so far.
    let mut open: Option<(Attributes, String, String)> = None;
    loop {
        let event = reader.read_event().map_err(|e| malformed(format!("not well-formed XML: {e}")))?;
        match event {
            Event::Decl(decl) => {
                if let Some(encoding) = decl.encoding() {
                    let encoding = encoding.map_err(|e| malformed(format!("unreadable declaration: {e}")))?;
                    if !encoding.eq_ignore_ascii_case("utf-8") {
                        return Err(malformed(format!("the declaration says encoding {encoding:?}; the PBX reads UTF-8")));
                    }
                }
            }
            Event::Start(ref start) | Event::Empty(ref start) if depth == 0 => {
                if seen_root {
                    return Err(malformed("more than one root element"));
                }
                let name = element_name(start);
                if name != "Response" {
                    return Err(malformed(format!("the root element is <{name}>, not <Response>")));
                }
                if start.attributes().next().is_some() {
                    return Err(malformed("<Response> takes no attributes"));
                }
                seen_root = true;
                if matches!(event, Event::Start(_)) {
                    depth = 1;
                }
            }
            Event::Empty(start) if depth == 1 => {
                actions.push(action(&element_name(&start), attributes(&start)?, String::new())?);
            }
            Event::Start(start) if depth == 1 => {
                open = Some((attributes(&start)?, element_name(&start), String::new()));
                depth = 2;
            }
            Event::Start(start) | Event::Empty(start) => {
                return Err(malformed(format!("<{}> inside an action", element_name(&start))));
            }
            Event::Text(text) => {
                // Entities arrive as their own events; this is the text between them.
                let text: &str = &text;
                match &mut open {
                    Some((_, _, content)) => content.push_str(text),
                    None if text.trim().is_empty() => {}
                    None => return Err(malformed(format!("text {:?} outside an action", text.trim()))),
                }
            }
            Event::CData(data) => match &mut open {
                Some((_, _, content)) => content.push_str(&data.into_inner()),
                None => return Err(malformed("character data outside an action")),
            },
            Event::GeneralRef(reference) => {
                let name: &str = &reference;
                let resolved =
                    quick_xml::escape::unescape(&format!("&{name};")).map_err(|e| malformed(format!("bad escape: {e}")))?.into_owned();
                match &mut open {
                    Some((_, _, content)) => content.push_str(&resolved),
                    None => return Err(malformed("an entity outside an action")),
                }
            }
            Event::End(_) => {
                if depth == 2 {
                    if let Some((attrs, name, content)) = open.take() {
                        actions.push(action(&name, attrs, content)?);
                    }
                }
                depth = depth.saturating_sub(1);
            }
            Event::Eof => break,
            Event::Comment(_) | Event::PI(_) | Event::DocType(_) => {}
        }
        if actions.len() > MAX_ACTIONS {
            return Err(malformed(format!("more than {MAX_ACTIONS} actions")));
        }
    }
    if !seen_root {
        return Err(malformed("no <Response> element"));
    }
    Ok(actions)
}

/// An element's attributes, names and values, in order.
type Attributes = Vec<(String, String)>;

fn element_name(start: &BytesStart<'_>) -> String {
    start.name().as_ref().to_owned()
}

fn attributes(start: &BytesStart<'_>) -> Result<Attributes, PbxError> {
    let element = element_name(start);
    start
        .attributes()
        .map(|a| {
            let a = a.map_err(|e| malformed(format!("<{element}>: bad attribute: {e}")))?;
            let value = a
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|e| malformed(format!("<{element}>: bad attribute value: {e}")))?;
            Ok((a.key.as_ref().to_owned(), value.into_owned()))
        })
        .collect()
}

/// One action from its element name, attributes and text.
fn action(element: &str, attrs: Attributes, text: String) -> Result<PbxAction, PbxError> {
    let allowed: &[&str] = match element {
        "Hangup" => &[],
        "Pause" => &["length"],
        "SetVar" => &["name"],
        "Jump" => &["context", "option"],
        "SetCaller" => &["name", "number"],
        "PlaySound" => &["where", "digitvar"],
        "SimpleTransfer" => &["final", "timeout", "early_media"],
        other => return Err(malformed(format!("<{other}> is not an action the PBX knows"))),
    };
    if let Some((name, _)) = attrs.iter().find(|(n, _)| !allowed.contains(&n.as_str())) {
        return Err(malformed(format!("<{element}> has no attribute {name:?}")));
    }
    let get = |name: &str| attrs.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
    let need = |name: &str| get(name).ok_or_else(|| malformed(format!("<{element}> needs its {name:?} attribute")));
    let text_free = |what: &str| {
        if text.trim().is_empty() {
            Ok(())
        } else {
            Err(malformed(format!("<{element}> takes no text, got {:?} ({what})", text.trim())))
        }
    };
    Ok(match element {
        "Hangup" => {
            text_free("Hangup")?;
            PbxAction::Hangup
        }
        "Pause" => {
            text_free("Pause")?;
            PbxAction::Pause { length: get("length").map(|l| seconds(element, "length", &l)).transpose()? }
        }
        "SetVar" => PbxAction::SetVar { name: need("name")?, value: text },
        "Jump" => {
            text_free("Jump")?;
            PbxAction::Jump { context: need("context")?, option: need("option")? }
        }
        "SetCaller" => {
            text_free("SetCaller")?;
            // In the VoipNow lineage a SetCaller without both attributes voids the whole answer.
            let whole = |e: PbxError| match e {
                PbxError::Malformed(m) => malformed(format!("{m} (a real PBX drops the whole answer over it)")),
                other => other,
            };
            PbxAction::SetCaller { name: need("name").map_err(whole)?, number: need("number").map_err(whole)? }
        }
        "PlaySound" => {
            let background = match need("where")?.as_str() {
                "background" => true,
                "foreground" => false,
                other => return Err(malformed(format!("<PlaySound where={other:?}>: only foreground or background"))),
            };
            if text.trim().is_empty() {
                return Err(malformed("<PlaySound> needs a file name"));
            }
            PbxAction::PlaySound { background, digitvar: get("digitvar"), file: text }
        }
        _ => {
            let is_final = match get("final").as_deref() {
                None | Some("yes") => true,
                Some("no") => false,
                Some(other) => return Err(malformed(format!("<SimpleTransfer final={other:?}>: only yes or no"))),
            };
            let early_media = match get("early_media").as_deref() {
                None => false,
                Some("True") => true,
                Some(other) => return Err(malformed(format!("<SimpleTransfer early_media={other:?}>: the PBX reads only \"True\""))),
            };
            let timeout = get("timeout").map(|t| seconds(element, "timeout", &t)).transpose()?;
            if text.chars().any(char::is_whitespace) {
                return Err(malformed(format!("<SimpleTransfer> numbers {text:?} hold a space")));
            }
            let numbers: Vec<String> = text.split(',').map(str::to_owned).collect();
            if numbers.iter().any(String::is_empty) {
                return Err(malformed(format!("<SimpleTransfer> numbers {text:?} have an empty item")));
            }
            PbxAction::SimpleTransfer { numbers, is_final, timeout, early_media }
        }
    })
}

fn seconds(element: &str, attribute: &str, value: &str) -> Result<u32, PbxError> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed(format!("<{element} {attribute}={value:?}>: not plain digits")));
    }
    value.parse().map_err(|_| malformed(format!("<{element} {attribute}={value:?}>: too large")))
}

#[cfg(test)]
mod tests {
    use super::*;

    const XML: &str = "application/xml; charset=utf-8";

    fn answer(actions: &str) -> String {
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response>\n{actions}\n</Response>")
    }

    #[test]
    fn every_documented_verb_is_read() {
        let body = answer(concat!(
            "<Hangup/><Pause/><Pause length=\"15\"/><SetVar name=\"x\">Иван &amp; Co</SetVar>",
            "<Jump context=\"3\" option=\"start\"/><SetCaller name=\"Анна\" number=\"+7495\"/>",
            "<PlaySound where=\"background\" digitvar=\"d\">a.wav</PlaySound>",
            "<SimpleTransfer final=\"no\" timeout=\"20\" early_media=\"True\">101,+74951234567</SimpleTransfer>",
            "<SimpleTransfer>4012</SimpleTransfer>"
        ));
        let actions = check_answer(Some(XML), body.as_bytes()).unwrap();
        assert_eq!(
            actions,
            [
                PbxAction::Hangup,
                PbxAction::Pause { length: None },
                PbxAction::Pause { length: Some(15) },
                PbxAction::SetVar { name: "x".into(), value: "Иван & Co".into() },
                PbxAction::Jump { context: "3".into(), option: "start".into() },
                PbxAction::SetCaller { name: "Анна".into(), number: "+7495".into() },
                PbxAction::PlaySound { background: true, digitvar: Some("d".into()), file: "a.wav".into() },
                PbxAction::SimpleTransfer {
                    numbers: vec!["101".into(), "+74951234567".into()],
                    is_final: false,
                    timeout: Some(20),
                    early_media: true
                },
                PbxAction::SimpleTransfer { numbers: vec!["4012".into()], is_final: true, timeout: None, early_media: false },
            ]
        );
        assert_eq!(actions[1].pause_seconds(), Some(DEFAULT_PAUSE_SECONDS), "a Pause without length is the default 10 s");
        assert_eq!(check_answer(None, b"").unwrap(), [], "the answer is optional");
        assert_eq!(check_answer(None, b" \r\n").unwrap(), [], "white space is no answer either");
        assert_eq!(check_answer(Some(XML), answer("").as_bytes()).unwrap(), []);
        assert_eq!(check_answer(Some("text/xml"), b"<Response/>").unwrap(), []);
        assert_eq!(check_answer(Some("application/xml; charset=\"UTF-8\""), b"<Response/>").unwrap(), []);
    }

    #[test]
    fn what_the_pbx_would_reject_is_named() {
        let cases = [
            (answer(&"<Hangup/>".repeat(11)), "more than 10 actions"),
            (answer("<Dial>1</Dial>"), "<Dial> is not an action"),
            (answer("<SetCaller name=\"A\"/>"), "<SetCaller> needs its \"number\""),
            (answer("<SimpleTransfer final=\"maybe\">1</SimpleTransfer>"), "only yes or no"),
            (answer("<SimpleTransfer>101, 102</SimpleTransfer>"), "hold a space"),
            (answer("<SimpleTransfer>101,,102</SimpleTransfer>"), "empty item"),
            (answer("<SimpleTransfer timeout=\"2.5\">1</SimpleTransfer>"), "not plain digits"),
            (answer("<SimpleTransfer early_media=\"true\">1</SimpleTransfer>"), "only \"True\""),
            (answer("<Pause length=\"-1\"/>"), "not plain digits"),
            (answer("<PlaySound where=\"loud\">a.wav</PlaySound>"), "only foreground or background"),
            (answer("<Jump context=\"3\"/>"), "needs its \"option\""),
            (answer("<Hangup reason=\"x\"/>"), "no attribute \"reason\""),
            ("<Answer/>".to_owned(), "not <Response>"),
            ("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><Response/>".to_owned(), "reads UTF-8"),
            (answer("<Hangup>"), "not well-formed"),
        ];
        for (body, expected) in cases {
            let err = check_answer(Some(XML), body.as_bytes()).expect_err(&body).to_string();
            assert!(err.contains(expected), "{body}: {err}");
        }
        assert_eq!(
            check_answer(Some(XML), answer(&"<Hangup/>".repeat(MAX_ACTIONS)).as_bytes()).map(|a| a.len()),
            Ok(MAX_ACTIONS),
            "10 is allowed"
        );
        let err = check_answer(Some("text/html"), b"<Response/>").unwrap_err().to_string();
        assert!(err.contains("not XML"), "{err}");
        let err = check_answer(Some("text/xml; charset=windows-1251"), b"<Response/>").unwrap_err().to_string();
        assert!(err.contains("reads UTF-8"), "{err}");
        let err = check_answer(Some(XML), b"<Response><SetVar name=\"n\">\xc8\xe2\xe0\xed</SetVar></Response>").unwrap_err().to_string();
        assert!(err.contains("not UTF-8"), "windows-1251 bytes under a UTF-8 label: {err}");
    }

    /// The vendor's example request, decoded values as the documentation gives them.
    const VENDOR_EXAMPLE: &str = "CalledExtensionID=145&CalledNumber=332&CallID=5205dc5cc5a411e5ab9eb3691b90ea15&CallerIDNum=000%2A306&CallerExtensionID=134&CallerExtension=000%2A306&CallFlow=IN&CalledExtension=000%2A332&CallAPIID=3584705175%3A5205dc5cc5a411e5ab9eb3691b90ea15&CallerIDName=000%2A306&CallStatus=ANSWER";

    #[test]
    fn an_internal_call_is_the_vendors_example_byte_for_byte() {
        let call = PbxCall::internal("000*306");
        assert!(call.value("CallAPIID").is_some_and(|v| v == format!("3584705175:{}", call.call_id())), "<digits>:<CallID>");
        let call =
            call.param("CallID", "5205dc5cc5a411e5ab9eb3691b90ea15").param("CallAPIID", "3584705175:5205dc5cc5a411e5ab9eb3691b90ea15");
        assert_eq!(call.call_query(), VENDOR_EXAMPLE, "same names, order and encoding as the documentation's example");
    }

    #[test]
    fn calls_carry_the_documented_parameters() {
        let call = PbxCall::external("+74951234567", "Иван Петров", "74950001122");
        assert_eq!(call.call_id().len(), 32);
        assert!(call.call_id().bytes().all(|b| b.is_ascii_hexdigit()));
        let query = call.call_query();
        assert!(query.starts_with("EventType=call_interactive&CallID="), "{query}");
        assert!(query.contains("CallerIDNum=%2B74951234567"), "a `+` of the number is no space: {query}");
        assert!(query.contains("CallerIDName=%D0%98%D0%B2%D0%B0%D0%BD+%D0%9F%D0%B5%D1%82%D1%80%D0%BE%D0%B2"), "{query}");
        assert!(query.contains("CalledExtension=0003%2A001&CalledExtensionID=145&CallStatus=ANSWER&CallFlow=IN"), "{query}");
        assert!(!query.contains("CallerExtension"), "CallerExtension is for internal calls only");
        let api_id = call.value("CallAPIID").unwrap_or_default();
        let (digits, uuid) = api_id.split_once('-').unwrap();
        assert!(digits.bytes().all(|b| b.is_ascii_digit()) && uuid::Uuid::parse_str(uuid).is_ok(), "<digits>-<uuid>: {api_id}");
        let spaced = call.clone().percent_spaces().call_query();
        assert!(spaced.contains("%D0%B2%D0%B0%D0%BD%20%D0%9F"), "{spaced}");
        let unknown = PbxCall::external("1", "", "");
        assert_eq!((unknown.value("CalledDID"), unknown.value("CalledNumber")), (None, Some("0003*001")), "no DID: none sent");
        assert_eq!(encode(&[pair("x", "a~b-c.d_e'f&g=h")], Spaces::Plus), "x=a~b-c.d_e%27f%26g%3Dh");
    }

    #[test]
    fn the_script_covers_what_it_promises() {
        let calls = script();
        let any = |f: &dyn Fn(&PbxCall) -> bool| calls.iter().any(f);
        assert!(any(&|c| c.method == Method::Get) && any(&|c| c.method == Method::Post));
        assert!(any(&|c| c.value("CallerIDName") == Some("Иван Петров")) && any(&|c| c.value("CallerIDName") == Some("ООО «Ромашка»")));
        assert!(any(&|c| c.value("CallerExtension").is_some()) && any(&|c| c.value("CallerExtension").is_none()), "internal and external");
        assert!(any(&|c| c.value("CallAPIID").is_some_and(|v| v.contains(':'))));
        assert!(any(&|c| c.value("CallAPIID").is_some_and(|v| v.contains('-'))));
        assert!(any(&|c| c.url_params.iter().any(|(_, v)| v.is_empty())), "an unset $var");
        assert!(any(&|c| c.url_params.iter().any(|(_, v)| !v.is_empty())), "a filled $var");
        assert!(any(&|c| c.value("cb_variable_tag").is_some()), "a callback variable");
        assert!(
            any(&|c| c.spaces == Spaces::Plus)
                && any(&|c| c.spaces == Spaces::Percent20 && c.value("CallerIDName").is_some_and(|n| n.contains(' ')))
        );
    }
}
