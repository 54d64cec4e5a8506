//! Era/Incoplax WebSocket Token API simulator, capabilities `ivrapi` and `subscr`, as
//! `reference/era-ivrapi-websocket.txt` and `reference/ivr-protocols.md` part A describe them.
//!
//! Routes: the WebSocket at `GET /ws/token/v1` (token in `Authorization: Bearer …`) or
//! `GET /ws/token/v1/{token}`; a wrong or missing token is HTTP 401 before the upgrade. Links
//! given by `ivrapi_file_get_path` are served at `GET /temp/{name}`.
//!
//! Behaviour kept from the reference:
//! - every frame is a JSON text frame `[<name>, {…}]`; a request's answer is `<name>_result`
//!   with the request's `qid` echoed exactly as it came (integer or float) and a `result`;
//! - `connection_info` answers the connection's site, domain, ids, time and `capabilities`;
//! - `subscribe` with `id`, `expires` (seconds; 0 deletes) and `events` naming the class
//!   (`ivrevents`, or `ivrevents.<type>`); a notification is sent once per live subscription
//!   that matches, and never after the subscription expired;
//! - [`EraControl::offer`] plays a script reaching component 224: `ivrevents.api_start` with
//!   `callid, cid, componentid, componentname, ivrid, ivrts, key, params, sm_id` (and `state`
//!   when the offer names one). Nobody taking it within the accept timeout gives `api_stop`
//!   with `reason: "timeout"`; the script ending gives `reason: "script"`, `ivrapi_abort` gives
//!   `reason: "abort"`. After `api_stop` the session is over for the API;
//! - `ivrapi_accept`: the first accept processed wins; `ivrapi_reaccept` takes control over from
//!   any connection with the key (after a dropped socket, say) while a running component goes
//!   on, its `ivrapi_component_stopped` going to the connection in control when it ends;
//! - `ivrapi_component_apply` runs one component at a time; `ivrapi_component_stopped
//!   {oId, transferKey, results}` follows when it ends; `ivrapi_component_terminate` ends it
//!   early; `ivrapi_dtmf {key, ivrid, mode: "idle"|"component", oId?, dtmf}` for each digit the
//!   caller presses ([`EraControl::press`]) while the session is controlled;
//! - the SIP-state rule: media (204 play, 206 digits, 208 record) only in `early` or `dialog`,
//!   201 (bye) and 203 (transfer) only in `dialog`, 202 (answer) only before `dialog`;
//! - files: `ivrapi_file_get_path` gives a relative `/temp/<random>.<ext>` link on this server,
//!   valid 5 minutes even after the session ended; `ivrapi_file_upload_temp` answers
//!   `:TEMP/<file name>`; `ivrapi_file_upload_static` and `file_upload_static` answer
//!   `<destpath>/<file name>`, `destpath` being one of the storage prefixes (long or short form,
//!   `:SYNC_DOMAIN_DATA` when absent). The URLs are not downloaded.
//!
//! Where the reference is silent, the simulator chooses (a real platform may differ):
//! - refusals are `{"qid", "result": "error", "error_code", "error_message"}`, the codes after
//!   the platform's REST errors: `1400` a malformed request or unknown name, `1403` a wrong key,
//!   a connection not in control or a capability the channel lacks, `1404` an unknown `ivrid`,
//!   `1409` taken by another connection, a component already running (or none to stop) or the
//!   SIP state forbidding the component, `1410` the session is over. A frame that is not
//!   `[name, object]` is answered `["error", {"result": "error", "error_code": 1400, …}]`;
//! - `oId`s count up from 1 across the simulator and are given in `ivrapi_component_apply_result`
//!   (`{"result": "ok", "oId": n}`); `ivrapi_component_stopped` names no session, as the
//!   reference's example;
//! - how components end: 204 after the play time (mode 3, background, at once), exit `transfer`;
//!   208 after the play time with `{<nameVar or "recordPath">: ":TEMP/rec-<n>.wav"}`, or at an
//!   interrupt digit; 206 with `{"dtmfBuffer"}` when an interrupt sequence is pressed (the
//!   sequence is not kept), `maxSymbolCount` digits are in, `symbolTimeoutSec` passes after a
//!   digit (exit `transfer`) or `timeoutSec` passes (default 10 s; exit `transferTimeout` with no
//!   digits, `transfer` with some); 201, 202 and 203 after 100 ms with `transfer` (202 with 180,
//!   183 or 2xx moves the state to ringing, early or dialog; 201, 203 and a 3xx–6xx answer then
//!   end the script: `api_stop` with `script`); any other `oType` at once with `transfer` and no
//!   results. A terminated component ends with `transferKey: "terminated"` and what it had;
//! - an offer without a SIP state omits `state` from `api_start` (as the reference's example)
//!   and is treated as answered (`dialog`);
//! - a component ending while its controller's connection is down is lost with it (the next
//!   controller gets no `ivrapi_component_stopped` for it); digits pressed while nobody controls
//!   the session are kept but not sent;
//! - a running component of a session that ends (`api_stop`) is cut without
//!   `ivrapi_component_stopped`.
//!
//! Controls (methods of [`EraControl`], and routes under `/_sim/era/`): offer a session, press
//! digits, hang up or stop a session, drop every connection abruptly, and read the sessions and
//! the names of the frames received.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rand::distributions::Alphanumeric;
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use tokio::sync::mpsc;

/// The WebSocket path.
pub const WS_PATH: &str = "/ws/token/v1";
/// The largest frame read from a client.
const MAX_FRAME_BYTES: usize = 1 << 20;
/// How long 201, 202 and 203 take.
const SIGNALLING_TIME: Duration = Duration::from_millis(100);
/// The default total wait of a 206.
const DEFAULT_DIGITS_TIMEOUT: Duration = Duration::from_secs(10);
/// The storage prefixes (long form, short alias) a static upload may go to. Written out here
/// again rather than taken from the client, so that a wrong entry there cannot pass its tests.
pub const STORAGE_PREFIXES: [(&str, &str); 7] = [
    (":SYNC_COMMON", ":SYN_MEDIA"),
    (":SYNC_DOMAIN_DATA", ":SYN_DOM"),
    (":SYNC_DOMAIN_COMMON", ":SYN_DOM_MEDIA"),
    (":SITESHARE_PUBLIC", ":SS_PUB"),
    (":SITESHARE_DOMAIN_DATA", ":SS_DOM"),
    (":GLOBALSHARE_PUBLIC", ":GS_PUB"),
    (":GLOBALSHARE_DOMAIN_DATA", ":GS_DOM"),
];
/// Where a static upload goes when no `destpath` is given.
pub const DEFAULT_STORAGE: &str = ":SYNC_DOMAIN_DATA";

/// Error codes of refusals.
mod code {
    pub const BAD_REQUEST: i64 = 1400;
    pub const FORBIDDEN: i64 = 1403;
    pub const UNKNOWN: i64 = 1404;
    pub const CONFLICT: i64 = 1409;
    pub const OVER: i64 = 1410;
}

/// The integration channel the simulator serves, and its timing.
#[derive(Debug, Clone, PartialEq)]
pub struct EraRules {
    /// The channel's token (`token_local`).
    pub token: String,
    /// How long an offered session waits for a taker (up to 30 s on the platform).
    pub accept_timeout: Duration,
    /// How long a 204 play or a 208 recording runs.
    pub play: Duration,
    /// The channel's capabilities, as `connection_info` lists them.
    pub capabilities: Vec<String>,
    /// How long a link from `ivrapi_file_get_path` works (5 minutes on the platform).
    pub link_lifetime: Duration,
}

impl Default for EraRules {
    /// Token `sim-era-token-0123`, 30 s to accept, plays of 1.5 s, capabilities `ivrapi`,
    /// `subscr`, `rest` and `callrecord`, links for 5 minutes.
    fn default() -> Self {
        Self {
            token: "sim-era-token-0123".into(),
            accept_timeout: Duration::from_secs(30),
            play: Duration::from_millis(1500),
            capabilities: ["ivrapi", "subscr", "rest", "callrecord"].into_iter().map(String::from).collect(),
            link_lifetime: Duration::from_secs(5 * 60),
        }
    }
}

/// A session to offer: what the script's component 224 is configured with, and the call.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OfferScript {
    /// The session key every command must carry.
    pub key: String,
    /// The component's parameter string (often JSON).
    pub params: String,
    /// The SIP state: `incoming`, `ringing`, `early` or `dialog`; `None` leaves it out of
    /// `api_start` and counts as `dialog`.
    pub state: Option<String>,
    /// The caller leg's SIP Call-ID; `None` makes one up.
    pub callid: Option<String>,
    /// The component's title; `None`: "External management via API".
    pub component_name: Option<String>,
}

impl Default for OfferScript {
    /// Key `sim-key`, parameters `{}`, no state (answered).
    fn default() -> Self {
        Self { key: "sim-key".into(), params: "{}".into(), state: None, callid: None, component_name: None }
    }
}

/// A component applied in a session, and how it ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppliedComponent {
    /// Its instance id.
    pub o_id: i64,
    /// Its `oType`.
    pub o_type: i64,
    /// The `data` object as received.
    pub data: Value,
    /// The exit branch, once it ended (absent: running, or cut by the session's end).
    pub transfer_key: Option<String>,
    /// Its results, once it ended.
    pub results: Map<String, Value>,
}

/// A session as the simulator sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EraSession {
    /// The runtime dialog id.
    pub ivrid: String,
    /// The session key.
    pub key: String,
    /// The component's parameters.
    pub params: String,
    /// The caller leg's Call-ID.
    pub callid: String,
    /// The SIP state now (`incoming`, `ringing`, `early`, `dialog`).
    pub sip_state: String,
    /// `offered`, `controlled` or `stopped`.
    pub phase: String,
    /// Why it stopped (`timeout`, `script`, `abort`, …).
    pub stop_reason: Option<String>,
    /// Whether a connection took control.
    pub controlled: bool,
    /// Whether the controlling connection is open now.
    pub controller_connected: bool,
    /// The `oType` of the running component.
    pub running: Option<i64>,
    /// The `oId` of the running component.
    pub running_o_id: Option<i64>,
    /// Every component applied, oldest first.
    pub components: Vec<AppliedComponent>,
    /// Every digit pressed, in order.
    pub dtmf: String,
}

type ConnId = u64;

/// What a connection's task is told to do.
#[derive(Debug)]
enum Out {
    Frame(String),
    /// Close the socket at once, without a close frame.
    Drop,
}

#[derive(Debug)]
struct Subscription {
    /// `ivrevents` or `ivrevents.<type>` (and whatever else was asked, matched the same way).
    events: Vec<String>,
    until: Instant,
}

#[derive(Debug)]
struct Conn {
    tx: mpsc::UnboundedSender<Out>,
    subscriptions: HashMap<String, Subscription>,
    sessionid: String,
    connectionid: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Phase {
    Offered,
    Controlled,
    Over(String),
}

#[derive(Debug)]
struct Running {
    o_id: i64,
    o_type: i64,
    /// Digits pressed while it runs (what a 206 collects).
    buffer: String,
    /// Bumped at each digit, so that an inter-digit timer knows whether it is the latest.
    generation: u64,
    interrupts: Vec<String>,
    max_digits: Option<usize>,
    symbol_timeout: Option<Duration>,
    /// The results key of a recording's path.
    record_var: String,
}

#[derive(Debug)]
struct Session {
    seq: u64,
    ivrid: String,
    key: String,
    params: String,
    callid: String,
    cid: String,
    sm_id: String,
    componentid: i64,
    componentname: String,
    ivrts: i64,
    /// Whether `api_start` named the state.
    state_given: bool,
    sip_state: String,
    phase: Phase,
    controller: Option<ConnId>,
    running: Option<Running>,
    history: Vec<AppliedComponent>,
    dtmf: String,
    /// Digits pressed since the last component (a 206 with `clearDtmfBuffer` off starts with them).
    idle_digits: String,
}

#[derive(Debug)]
struct Link {
    until: Instant,
    path: String,
}

#[derive(Debug, Default)]
struct World {
    next_conn: ConnId,
    conns: HashMap<ConnId, Conn>,
    next_seq: u64,
    sessions: HashMap<String, Session>,
    next_o_id: i64,
    next_file: u64,
    links: HashMap<String, Link>,
    requests: Vec<String>,
    malformed: u64,
    refused_tokens: u64,
}

#[derive(Debug)]
struct Inner {
    rules: EraRules,
    world: Mutex<World>,
}

/// Control handle of the Era simulator. Cheap to clone. Its methods that start timers
/// ([`offer`](Self::offer), [`press`](Self::press)) are called within the Tokio runtime.
#[derive(Debug, Clone)]
pub struct EraControl {
    inner: Arc<Inner>,
}

/// A refusal: its code and sentence.
#[derive(Debug)]
struct Refusal(i64, String);

fn refuse<T>(code: i64, message: impl Into<String>) -> Result<T, Refusal> {
    Err(Refusal(code, message.into()))
}

/// What happens after a request's answer went out, in order.
#[derive(Debug)]
enum Then {
    Stop { ivrid: String, reason: String },
    Terminate { ivrid: String },
    Timer { ivrid: String, o_id: i64, after: Duration, kind: TimerKind },
}

#[derive(Debug, Clone, Copy)]
enum TimerKind {
    /// The component's natural end.
    End,
    /// A 206's total wait.
    Total,
    /// A 206's wait after the digit of this generation.
    Symbol(u64),
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

fn random_text(len: usize) -> String {
    rand::thread_rng().sample_iter(&Alphanumeric).take(len).map(char::from).collect()
}

fn frame(name: &str, body: Value) -> String {
    Value::Array(vec![Value::String(name.to_owned()), body]).to_string()
}

fn text_field<'a>(body: &'a Map<String, Value>, field: &str) -> Result<&'a str, Refusal> {
    match body.get(field) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s),
        Some(_) => refuse(code::BAD_REQUEST, format!("{field} must be a non-empty string")),
        None => refuse(code::BAD_REQUEST, format!("{field} is missing")),
    }
}

/// A number given as a number or as a numeric string (the vendor's examples use both).
fn number(data: &Map<String, Value>, field: &str) -> Option<f64> {
    match data.get(field)? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn seconds(data: &Map<String, Value>, field: &str) -> Option<Duration> {
    number(data, field).filter(|s| s.is_finite() && *s > 0.0).map(|s| Duration::from_secs_f64(s.min(24.0 * 3600.0)))
}

fn truthy(data: &Map<String, Value>, field: &str) -> Option<bool> {
    match data.get(field)? {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => Some(n.as_f64() != Some(0.0)),
        Value::String(s) => Some(!matches!(s.trim().to_ascii_lowercase().as_str(), "" | "0" | "false" | "no")),
        _ => None,
    }
}

/// The last segment of a URL's path, or a made-up name.
fn file_name_of(url: &url::Url, n: u64) -> String {
    url.path_segments()
        .and_then(|mut s| s.next_back())
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .unwrap_or_else(|| format!("upload-{n}.bin"))
}

fn source_url(body: &Map<String, Value>) -> Result<url::Url, Refusal> {
    let text = text_field(body, "url")?;
    match url::Url::parse(text) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => Ok(u),
        _ => refuse(code::BAD_REQUEST, format!("{text:?} is not an http:// or https:// address to download from")),
    }
}

/// `destpath` checked: one of the storage prefixes (first segment), no `..`.
fn dest_path(body: &Map<String, Value>) -> Result<String, Refusal> {
    let dest = match body.get("destpath") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(_) => return refuse(code::BAD_REQUEST, "destpath must be a string"),
    };
    if dest.is_empty() {
        return Ok(DEFAULT_STORAGE.to_owned());
    }
    let head = dest.split('/').next().unwrap_or_default();
    if !STORAGE_PREFIXES.iter().any(|(long, short)| head == *long || head == *short) {
        let known: Vec<String> = STORAGE_PREFIXES.iter().map(|(l, s)| format!("{l} ({s})")).collect();
        return refuse(code::BAD_REQUEST, format!("destpath {dest:?} does not start with a storage prefix: {}", known.join(", ")));
    }
    if dest.split('/').any(|s| s == "..") || dest.contains('\\') {
        return refuse(code::BAD_REQUEST, format!("destpath {dest:?} may not hold '..' or backslashes"));
    }
    Ok(dest.trim_end_matches('/').to_owned())
}

/// A WAV file of silence, 8 kHz mono 16-bit, for the links.
fn silence_wav(millis: u32) -> Vec<u8> {
    let samples = 8 * millis;
    let data_len = samples * 2;
    let mut out = Vec::with_capacity(44 + data_len as usize);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&8000u32.to_le_bytes());
    out.extend_from_slice(&16000u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    out.resize(44 + data_len as usize, 0);
    out
}

/// Sends a frame to a connection, if it is open.
fn send_to(conns: &HashMap<ConnId, Conn>, conn: Option<ConnId>, text: String) -> bool {
    match conn.and_then(|c| conns.get(&c)) {
        Some(c) => c.tx.send(Out::Frame(text)).is_ok(),
        None => false,
    }
}

impl EraControl {
    /// A simulator with no sessions.
    pub fn new(rules: EraRules) -> Self {
        Self { inner: Arc::new(Inner { rules, world: Mutex::default() }) }
    }

    /// The rules it runs by.
    pub fn rules(&self) -> &EraRules {
        &self.inner.rules
    }

    fn world<T>(&self, f: impl FnOnce(&mut World) -> T) -> T {
        let mut w = self.inner.world.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut w)
    }

    fn has(&self, capability: &str) -> bool {
        self.inner.rules.capabilities.iter().any(|c| c == capability)
    }

    fn spawn_timer(&self, ivrid: String, o_id: i64, after: Duration, kind: TimerKind) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::error!("Era simulator: a timer was asked for outside the Tokio runtime");
            return;
        };
        let ctl = self.clone();
        runtime.spawn(async move {
            tokio::time::sleep(after).await;
            ctl.world(|w| ctl.on_timer(w, &ivrid, o_id, kind));
        });
    }

    /// Offers a session: `api_start` to every subscribed connection, and `api_stop` with
    /// `timeout` when nobody takes it within the accept timeout. Returns its `ivrid`.
    pub fn offer(&self, script: OfferScript) -> String {
        let ivrid = self.world(|w| {
            let ivrid = loop {
                let candidate = format!("rDlg-006-{}", random_text(6));
                if !w.sessions.contains_key(&candidate) {
                    break candidate;
                }
            };
            w.next_seq += 1;
            let session = Session {
                seq: w.next_seq,
                ivrid: ivrid.clone(),
                key: script.key,
                params: script.params,
                callid: script.callid.unwrap_or_else(|| format!("rB2-002-{}-01-{}@127.0.0.1", random_text(6), rand::thread_rng().gen::<u32>())),
                cid: uuid::Uuid::new_v4().to_string(),
                sm_id: uuid::Uuid::new_v4().to_string(),
                componentid: 14,
                componentname: script.component_name.unwrap_or_else(|| "External management via API".into()),
                ivrts: now_ms(),
                state_given: script.state.is_some(),
                sip_state: script.state.unwrap_or_else(|| "dialog".into()),
                phase: Phase::Offered,
                controller: None,
                running: None,
                history: Vec::new(),
                dtmf: String::new(),
                idle_digits: String::new(),
            };
            let mut data = session.identity();
            data.insert("params".into(), json!(session.params));
            if session.state_given {
                data.insert("state".into(), json!(session.sip_state));
            }
            w.sessions.insert(ivrid.clone(), session);
            w.notify("api_start", data);
            ivrid
        });
        tracing::info!(%ivrid, "Era simulator: session offered");
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let (ctl, id, wait) = (self.clone(), ivrid.clone(), self.inner.rules.accept_timeout);
            runtime.spawn(async move {
                tokio::time::sleep(wait).await;
                ctl.world(|w| {
                    if w.sessions.get(&id).is_some_and(|s| s.phase == Phase::Offered) {
                        w.stop(&id, "timeout");
                    }
                });
            });
        }
        ivrid
    }

    /// The caller presses `digits` (`0-9*#A-D`; anything else is skipped): one `ivrapi_dtmf`
    /// per digit to the controller, and each fed to the running component. False for an unknown
    /// or ended session.
    pub fn press(&self, ivrid: &str, digits: &str) -> bool {
        self.world(|w| {
            if !w.sessions.get(ivrid).is_some_and(|s| !matches!(s.phase, Phase::Over(_))) {
                return false;
            }
            for digit in digits.chars().filter(|c| c.is_ascii_digit() || matches!(c, '*' | '#' | 'A'..='D')) {
                self.press_one(w, ivrid, digit);
            }
            true
        })
    }

    /// The caller hangs up: the script ends, `api_stop` with `script`. False for an unknown or
    /// ended session.
    pub fn hangup(&self, ivrid: &str) -> bool {
        self.stop(ivrid, "script")
    }

    /// Ends a session for the API with `api_stop` and this reason. False for an unknown or ended
    /// session.
    pub fn stop(&self, ivrid: &str, reason: &str) -> bool {
        self.world(|w| w.stop(ivrid, reason))
    }

    /// Closes every open WebSocket at once, with no close frame (as a broken network would).
    /// Sessions stay. Returns how many were open.
    pub fn drop_connections(&self) -> usize {
        self.world(|w| {
            for c in w.conns.values() {
                let _ = c.tx.send(Out::Drop);
            }
            w.conns.len()
        })
    }

    /// Open WebSocket connections.
    pub fn connections(&self) -> usize {
        self.world(|w| w.conns.len())
    }

    /// Open connections with a live subscription to IVR events: the ones an offer reaches.
    pub fn subscribers(&self) -> usize {
        let now = Instant::now();
        self.world(|w| w.conns.values().filter(|c| c.subscriptions.values().any(|s| s.until > now && s.events.iter().any(|e| e.starts_with("ivrevents")))).count())
    }

    /// The names of the well-formed frames received, in order, from every connection.
    pub fn requests(&self) -> Vec<String> {
        self.world(|w| w.requests.clone())
    }

    /// Frames received that were not `[name, object]`.
    pub fn malformed(&self) -> u64 {
        self.world(|w| w.malformed)
    }

    /// Upgrades refused for a wrong or missing token.
    pub fn refused_tokens(&self) -> u64 {
        self.world(|w| w.refused_tokens)
    }

    /// Every session, oldest offer first.
    pub fn sessions(&self) -> Vec<EraSession> {
        self.world(|w| {
            let mut all: Vec<&Session> = w.sessions.values().collect();
            all.sort_by_key(|s| s.seq);
            all.into_iter()
                .map(|s| EraSession {
                    ivrid: s.ivrid.clone(),
                    key: s.key.clone(),
                    params: s.params.clone(),
                    callid: s.callid.clone(),
                    sip_state: s.sip_state.clone(),
                    phase: match &s.phase {
                        Phase::Offered => "offered",
                        Phase::Controlled => "controlled",
                        Phase::Over(_) => "stopped",
                    }
                    .into(),
                    stop_reason: match &s.phase {
                        Phase::Over(r) => Some(r.clone()),
                        _ => None,
                    },
                    controlled: s.controller.is_some(),
                    controller_connected: s.controller.is_some_and(|c| w.conns.contains_key(&c)),
                    running: s.running.as_ref().map(|r| r.o_type),
                    running_o_id: s.running.as_ref().map(|r| r.o_id),
                    components: s.history.clone(),
                    dtmf: s.dtmf.clone(),
                })
                .collect()
        })
    }

    /// One session.
    pub fn session(&self, ivrid: &str) -> Option<EraSession> {
        self.sessions().into_iter().find(|s| s.ivrid == ivrid)
    }

    fn press_one(&self, w: &mut World, ivrid: &str, digit: char) {
        let World { sessions, conns, .. } = w;
        let Some(s) = sessions.get_mut(ivrid) else { return };
        s.dtmf.push(digit);
        let mut event = json!({"key": s.key, "ivrid": s.ivrid, "mode": "idle", "dtmf": digit.to_string()});
        if let Some(r) = &s.running {
            event["mode"] = json!("component");
            event["oId"] = json!(r.o_id);
        }
        if s.phase == Phase::Controlled {
            send_to(conns, s.controller, frame("ivrapi_dtmf", event));
        }
        let Some(r) = s.running.as_mut() else {
            s.idle_digits.push(digit);
            return;
        };
        if !matches!(r.o_type, 206 | 208) {
            return;
        }
        r.buffer.push(digit);
        r.generation += 1;
        let o_id = r.o_id;
        if let Some(seq) = r.interrupts.iter().find(|seq| r.buffer.ends_with(seq.as_str())).cloned() {
            let kept = r.buffer[..r.buffer.len() - seq.len()].to_owned();
            r.buffer = kept;
            self.finish(w, ivrid, "transfer", true);
        } else if r.max_digits.is_some_and(|max| r.buffer.chars().count() >= max) {
            self.finish(w, ivrid, "transfer", true);
        } else if let (206, Some(wait)) = (r.o_type, r.symbol_timeout) {
            let generation = r.generation;
            self.spawn_timer(ivrid.to_owned(), o_id, wait, TimerKind::Symbol(generation));
        }
    }

    fn on_timer(&self, w: &mut World, ivrid: &str, o_id: i64, kind: TimerKind) {
        let Some(r) = w.sessions.get(ivrid).and_then(|s| s.running.as_ref()).filter(|r| r.o_id == o_id) else { return };
        let exit = match kind {
            TimerKind::End => "transfer",
            TimerKind::Total if r.buffer.is_empty() => "transferTimeout",
            TimerKind::Total => "transfer",
            TimerKind::Symbol(generation) if generation == r.generation => "transfer",
            TimerKind::Symbol(_) => return,
        };
        self.finish(w, ivrid, exit, true);
    }

    /// Ends the running component: its results, `ivrapi_component_stopped` to the controller,
    /// and what its end does to the call (only when it completed, `natural`).
    fn finish(&self, w: &mut World, ivrid: &str, exit: &str, natural: bool) {
        let World { sessions, conns, next_file, .. } = w;
        let Some(s) = sessions.get_mut(ivrid) else { return };
        let Some(r) = s.running.take() else { return };
        let mut results = Map::new();
        match r.o_type {
            206 => {
                results.insert("dtmfBuffer".into(), json!(r.buffer));
            }
            208 => {
                *next_file += 1;
                results.insert(r.record_var.clone(), json!(format!(":TEMP/rec-{next_file}.wav")));
            }
            _ => {}
        }
        let data = s.history.iter().find(|c| c.o_id == r.o_id).map(|c| c.data.clone()).unwrap_or(Value::Null);
        if let Some(entry) = s.history.iter_mut().find(|c| c.o_id == r.o_id) {
            entry.transfer_key = Some(exit.to_owned());
            entry.results = results.clone();
        }
        s.idle_digits.clear();
        let controller = s.controller.filter(|_| s.phase == Phase::Controlled);
        send_to(conns, controller, frame("ivrapi_component_stopped", json!({"oId": r.o_id, "transferKey": exit, "results": results})));
        if !natural {
            return;
        }
        let ends_script = match r.o_type {
            201 | 203 => true,
            202 => {
                let sip = data.get("sipCode").and_then(|v| v.as_i64().or_else(|| v.as_str().and_then(|t| t.trim().parse().ok()))).unwrap_or(0);
                match sip {
                    180 => s.sip_state = "ringing".into(),
                    183 => s.sip_state = "early".into(),
                    200..=299 => s.sip_state = "dialog".into(),
                    _ => {}
                }
                sip >= 300
            }
            _ => false,
        };
        if ends_script {
            w.stop(ivrid, "script");
        }
    }

    /// A text frame from connection `conn`.
    fn on_text(&self, conn: ConnId, text: &str) {
        let parsed: Result<(String, Map<String, Value>), String> = match serde_json::from_str::<Value>(text) {
            Err(e) => Err(format!("the frame is not JSON: {e}")),
            Ok(Value::Array(items)) if items.len() == 2 => match (&items[0], &items[1]) {
                (Value::String(name), Value::Object(body)) if !name.is_empty() => Ok((name.clone(), body.clone())),
                _ => Err("a frame is [name, object]".into()),
            },
            Ok(_) => Err("a frame is a JSON array [name, object]".into()),
        };
        self.world(|w| {
            let (name, body) = match parsed {
                Ok(p) => p,
                Err(reason) => {
                    w.malformed += 1;
                    let error = json!({"result": "error", "error_code": code::BAD_REQUEST, "error_message": reason});
                    send_to(&w.conns, Some(conn), frame("error", error));
                    return;
                }
            };
            w.requests.push(name.clone());
            let mut then = Vec::new();
            let outcome = self.handle(w, conn, &name, &body, &mut then);
            let mut answer = Map::new();
            if let Some(qid) = body.get("qid") {
                answer.insert("qid".into(), qid.clone());
            }
            match outcome {
                Ok(fields) => {
                    answer.insert("result".into(), json!("ok"));
                    answer.extend(fields);
                }
                Err(Refusal(code, message)) => {
                    tracing::debug!(%name, code, "Era simulator: refused: {message}");
                    answer.insert("result".into(), json!("error"));
                    answer.insert("error_code".into(), json!(code));
                    answer.insert("error_message".into(), json!(message));
                }
            }
            send_to(&w.conns, Some(conn), frame(&format!("{name}_result"), Value::Object(answer)));
            for t in then {
                match t {
                    Then::Stop { ivrid, reason } => {
                        w.stop(&ivrid, &reason);
                    }
                    Then::Timer { ivrid, o_id, after, kind } => self.spawn_timer(ivrid, o_id, after, kind),
                    Then::Terminate { ivrid } => self.finish(w, &ivrid, "terminated", false),
                }
            }
        });
    }

    /// A request: the answer's fields (besides `qid` and `result: "ok"`) or a refusal.
    fn handle(&self, w: &mut World, conn: ConnId, name: &str, body: &Map<String, Value>, then: &mut Vec<Then>) -> Result<Map<String, Value>, Refusal> {
        let mut out = Map::new();
        match name {
            "connection_info" => {
                let rules = &self.inner.rules;
                let c = w.conns.get(&conn).ok_or(Refusal(code::BAD_REQUEST, "the connection is closing".into()))?;
                let now = chrono::Utc::now();
                let token_hint: String = rules.token.chars().take(4).chain(std::iter::once('…')).collect();
                let info = json!({
                    "site": "main_site", "ownertype": "token", "domain": "sim.era.local",
                    "sessionid": c.sessionid, "connectionid": c.connectionid,
                    "capabilities": rules.capabilities,
                    "datetime": now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                    "timestamp": now.timestamp_millis(),
                    "integration_point_id": "c75f0231-0000-4000-8000-00000000era1", "integration_point_type": "public",
                    "roles": ["admin"], "token": token_hint,
                });
                if let Value::Object(m) = info {
                    out = m;
                }
            }
            "subscribe" | "subscr" => {
                if !self.has("subscr") {
                    return refuse(code::FORBIDDEN, "the integration channel has no subscr capability");
                }
                let id = match body.get("id") {
                    Some(Value::String(s)) if !s.is_empty() => s.clone(),
                    Some(Value::Number(n)) => n.to_string(),
                    _ => return refuse(code::BAD_REQUEST, "id (the subscription's id) is missing"),
                };
                let expires = number(body, "expires").filter(|e| e.is_finite() && *e >= 0.0).ok_or(Refusal(code::BAD_REQUEST, "expires (seconds) is missing".into()))?;
                let c = w.conns.get_mut(&conn).ok_or(Refusal(code::BAD_REQUEST, "the connection is closing".into()))?;
                if expires == 0.0 {
                    c.subscriptions.remove(&id);
                    return Ok(out);
                }
                let mut events = Vec::new();
                for field in ["events", "classpath", "class"] {
                    match body.get(field) {
                        Some(Value::String(s)) => events.push(s.clone()),
                        Some(Value::Array(a)) => events.extend(a.iter().filter_map(|v| v.as_str().map(str::to_owned))),
                        _ => {}
                    }
                }
                if events.is_empty() {
                    return refuse(code::BAD_REQUEST, "events (the classes to subscribe to, e.g. [\"ivrevents\"]) is missing");
                }
                let until = Instant::now() + Duration::from_secs_f64(expires.min(1e7));
                c.subscriptions.insert(id, Subscription { events, until });
            }
            "ivrapi_accept" | "ivrapi_reaccept" | "ivrapi_abort" | "ivrapi_component_apply" | "ivrapi_component_terminate" | "ivrapi_file_get_path"
            | "ivrapi_file_upload_temp" | "ivrapi_file_upload_static" => {
                if !self.has("ivrapi") {
                    return refuse(code::FORBIDDEN, "the integration channel has no ivrapi capability");
                }
                let ivrid = text_field(body, "ivrid")?.to_owned();
                let key = text_field(body, "key")?;
                let rules_link = self.inner.rules.link_lifetime;
                let World { sessions, next_o_id, next_file, links, .. } = w;
                let Some(s) = sessions.get_mut(&ivrid) else { return refuse(code::UNKNOWN, format!("no IVR session {ivrid}")) };
                if let Phase::Over(reason) = &s.phase {
                    return refuse(code::OVER, format!("the IVR session {ivrid} is over ({reason})"));
                }
                if key != s.key {
                    return refuse(code::FORBIDDEN, "the key does not match the session's");
                }
                let in_control = s.phase == Phase::Controlled && s.controller == Some(conn);
                match name {
                    "ivrapi_accept" => match s.controller {
                        Some(c) if c != conn => return refuse(code::CONFLICT, "another connection has taken control of the session"),
                        _ => {
                            s.controller = Some(conn);
                            s.phase = Phase::Controlled;
                        }
                    },
                    "ivrapi_reaccept" => {
                        s.controller = Some(conn);
                        s.phase = Phase::Controlled;
                    }
                    _ if !in_control => return refuse(code::FORBIDDEN, "this connection does not control the session"),
                    "ivrapi_abort" => {
                        // The script goes on with its next component; the API's part is over.
                        s.running = None;
                        then.push(Then::Stop { ivrid, reason: "abort".into() });
                    }
                    "ivrapi_component_apply" => {
                        let Some(Value::Object(data)) = body.get("data") else { return refuse(code::BAD_REQUEST, "data (the component's settings) is missing") };
                        let Some(o_type) = data.get("oType").and_then(|v| v.as_i64().or_else(|| v.as_str().and_then(|t| t.trim().parse().ok()))) else {
                            return refuse(code::BAD_REQUEST, "data.oType (the component's type) is missing");
                        };
                        if let Some(r) = &s.running {
                            return refuse(code::CONFLICT, format!("component {} (oType {}) is still running", r.o_id, r.o_type));
                        }
                        let state = s.sip_state.as_str();
                        let media = matches!(state, "early" | "dialog");
                        match o_type {
                            204 | 206 | 208 if !media => {
                                return refuse(code::CONFLICT, format!("no media in SIP state {state}: answer with 183 or 200 (202) first"));
                            }
                            201 | 203 if state != "dialog" => {
                                return refuse(code::CONFLICT, format!("the call is not answered (SIP state {state}): use a 202 answer with a 3xx–6xx code"));
                            }
                            202 if state == "dialog" => return refuse(code::CONFLICT, "the call is answered already: a 202 cannot answer it again"),
                            202 if data.get("sipCode").is_none() => return refuse(code::BAD_REQUEST, "data.sipCode is missing"),
                            _ => {}
                        }
                        *next_o_id += 1;
                        let o_id = *next_o_id;
                        let play = self.inner.rules.play;
                        let (after, kind) = match o_type {
                            201..=203 => (SIGNALLING_TIME, TimerKind::End),
                            204 if number(data, "mode") == Some(3.0) => (Duration::ZERO, TimerKind::End),
                            204 | 208 => (play, TimerKind::End),
                            206 => (seconds(data, "timeoutSec").unwrap_or(DEFAULT_DIGITS_TIMEOUT), TimerKind::Total),
                            _ => (Duration::ZERO, TimerKind::End),
                        };
                        let interrupts: Vec<String> = data
                            .get("interruptSymbols")
                            .and_then(Value::as_str)
                            .map(|t| t.split(',').map(|p| p.trim().to_owned()).filter(|p| !p.is_empty()).collect())
                            .unwrap_or_default();
                        let buffer = if o_type == 206 && truthy(data, "clearDtmfBuffer") == Some(false) { s.idle_digits.clone() } else { String::new() };
                        s.running = Some(Running {
                            o_id,
                            o_type,
                            buffer,
                            generation: 0,
                            interrupts,
                            max_digits: number(data, "maxSymbolCount").filter(|n| *n >= 1.0).map(|n| n as usize),
                            symbol_timeout: seconds(data, "symbolTimeoutSec"),
                            record_var: data.get("nameVar").and_then(Value::as_str).filter(|v| !v.is_empty()).unwrap_or("recordPath").to_owned(),
                        });
                        s.history.push(AppliedComponent { o_id, o_type, data: Value::Object(data.clone()), transfer_key: None, results: Map::new() });
                        out.insert("oId".into(), json!(o_id));
                        then.push(Then::Timer { ivrid, o_id, after, kind });
                    }
                    "ivrapi_component_terminate" => {
                        let Some(r) = &s.running else { return refuse(code::CONFLICT, "no component is running") };
                        if let Some(asked) = body.get("oId").and_then(Value::as_i64) {
                            if asked != r.o_id {
                                return refuse(code::CONFLICT, format!("component {asked} is not the one running ({})", r.o_id));
                            }
                        }
                        // It ends right behind this answer.
                        then.push(Then::Terminate { ivrid });
                    }
                    "ivrapi_file_get_path" => {
                        let path = text_field(body, "path")?;
                        if !path.starts_with(':') || path.split('/').any(|p| p == "..") {
                            return refuse(code::BAD_REQUEST, format!("{path:?} is not a script file path (:TEMP/…, :GS_PUB/…)"));
                        }
                        let ext = path.rsplit_once('.').map(|(_, e)| e).filter(|e| !e.is_empty() && e.len() <= 5 && e.chars().all(|c| c.is_ascii_alphanumeric())).unwrap_or("bin");
                        let name = format!("{}.{}", random_text(27).to_ascii_lowercase(), ext.to_ascii_lowercase());
                        let now = Instant::now();
                        links.retain(|_, l| l.until > now);
                        links.insert(name.clone(), Link { until: now + rules_link, path: path.to_owned() });
                        out.insert("result".into(), json!(format!("/temp/{name}")));
                    }
                    "ivrapi_file_upload_temp" => {
                        let url = source_url(body)?;
                        *next_file += 1;
                        out.insert("result".into(), json!(format!(":TEMP/{}", file_name_of(&url, *next_file))));
                    }
                    "ivrapi_file_upload_static" => {
                        let url = source_url(body)?;
                        let dest = dest_path(body)?;
                        *next_file += 1;
                        out.insert("result".into(), json!(format!("{dest}/{}", file_name_of(&url, *next_file))));
                    }
                    _ => {}
                }
            }
            "file_upload_static" => {
                if !self.has("ivrapi") {
                    return refuse(code::FORBIDDEN, "the integration channel has no ivrapi capability");
                }
                let url = source_url(body)?;
                let dest = dest_path(body)?;
                w.next_file += 1;
                out.insert("result".into(), json!(format!("{dest}/{}", file_name_of(&url, w.next_file))));
            }
            _ => return refuse(code::BAD_REQUEST, format!("unknown request {name:?}")),
        }
        Ok(out)
    }
}

impl Session {
    /// The fields `api_start` and `api_stop` share.
    fn identity(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("callid".into(), json!(self.callid));
        m.insert("cid".into(), json!(self.cid));
        m.insert("componentid".into(), json!(self.componentid));
        m.insert("componentname".into(), json!(self.componentname));
        m.insert("ivrid".into(), json!(self.ivrid));
        m.insert("ivrts".into(), json!(self.ivrts));
        m.insert("key".into(), json!(self.key));
        m.insert("sm_id".into(), json!(self.sm_id));
        m
    }
}

impl World {
    /// `["notify", {class: "ivrevents", type, eventts, data}]`, once per live subscription that
    /// asked for it.
    fn notify(&mut self, kind: &str, data: Map<String, Value>) {
        let text = frame("notify", json!({"class": "ivrevents", "type": kind, "eventts": now_ms(), "data": data}));
        let now = Instant::now();
        let wanted = |e: &String| e == "ivrevents" || e.strip_prefix("ivrevents.").is_some_and(|t| t == kind);
        for c in self.conns.values_mut() {
            c.subscriptions.retain(|_, s| s.until > now);
            let copies = c.subscriptions.values().filter(|s| s.events.iter().any(wanted)).count();
            for _ in 0..copies {
                let _ = c.tx.send(Out::Frame(text.clone()));
            }
        }
    }

    /// Ends a session for the API: `api_stop` with `reason`. False when unknown or over already.
    fn stop(&mut self, ivrid: &str, reason: &str) -> bool {
        let Some(s) = self.sessions.get_mut(ivrid) else { return false };
        if matches!(s.phase, Phase::Over(_)) {
            return false;
        }
        s.phase = Phase::Over(reason.to_owned());
        s.running = None;
        let mut data = s.identity();
        data.insert("reason".into(), json!(reason));
        tracing::info!(%ivrid, %reason, "Era simulator: session stopped");
        self.notify("api_stop", data);
        true
    }
}

/// The simulator's routes: the WebSocket, the file links and the controls.
pub fn router(control: EraControl) -> Router {
    Router::new()
        .route(WS_PATH, get(ws_bearer))
        .route(&format!("{WS_PATH}/{{token}}"), get(ws_in_path))
        .route("/temp/{name}", get(temp_file))
        .route("/_sim/era/offers", post(control_offer))
        .route("/_sim/era/sessions", get(control_sessions))
        .route("/_sim/era/sessions/{ivrid}/press", post(control_press))
        .route("/_sim/era/sessions/{ivrid}/hangup", post(control_hangup))
        .route("/_sim/era/sessions/{ivrid}/stop", post(control_stop))
        .route("/_sim/era/drop", post(control_drop))
        .route("/_sim/era/requests", get(control_requests))
        .with_state(control)
}

async fn ws_bearer(State(ctl): State<EraControl>, headers: HeaderMap, upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim().to_owned());
    open(ctl, token, upgrade)
}

async fn ws_in_path(State(ctl): State<EraControl>, Path(token): Path<String>, upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>) -> Response {
    open(ctl, Some(token), upgrade)
}

/// The token is checked before the upgrade: a wrong one is HTTP 401 and no WebSocket.
fn open(ctl: EraControl, token: Option<String>, upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>) -> Response {
    if token.as_deref() != Some(ctl.inner.rules.token.as_str()) {
        ctl.world(|w| w.refused_tokens += 1);
        let message = if token.is_some() { "Token not found" } else { "no token: send Authorization: Bearer <token>, or put it in the path" };
        return (StatusCode::UNAUTHORIZED, Json(json!({"error_code": 1401, "error_message": message}))).into_response();
    }
    match upgrade {
        Ok(upgrade) => upgrade.max_message_size(MAX_FRAME_BYTES).max_frame_size(MAX_FRAME_BYTES).on_upgrade(move |socket| connection(ctl, socket)),
        Err(rejection) => rejection.into_response(),
    }
}

/// One WebSocket, from the upgrade to its end.
async fn connection(ctl: EraControl, mut socket: WebSocket) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let id = ctl.world(|w| {
        w.next_conn += 1;
        let id = w.next_conn;
        let conn = Conn { tx, subscriptions: HashMap::new(), sessionid: uuid::Uuid::new_v4().to_string(), connectionid: uuid::Uuid::new_v4().to_string() };
        w.conns.insert(id, conn);
        id
    });
    tracing::debug!(connection = id, "Era simulator: connection opened");
    loop {
        tokio::select! {
            incoming = socket.recv() => match incoming {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => break,
                Some(Ok(Message::Text(text))) => ctl.on_text(id, text.as_str()),
                Some(Ok(Message::Binary(_))) => {
                    ctl.world(|w| {
                        w.malformed += 1;
                        let error = json!({"result": "error", "error_code": code::BAD_REQUEST, "error_message": "frames are JSON text, not binary"});
                        send_to(&w.conns, Some(id), frame("error", error));
                    });
                }
                // Pings are answered by the WebSocket layer.
                Some(Ok(_)) => {}
            },
            out = rx.recv() => match out {
                Some(Out::Frame(text)) => {
                    if socket.send(Message::Text(text.into())).await.is_err() {
                        break;
                    }
                }
                // Dropping the socket without a close frame.
                Some(Out::Drop) | None => break,
            },
        }
    }
    ctl.world(|w| w.conns.remove(&id));
    tracing::debug!(connection = id, "Era simulator: connection closed");
}

async fn temp_file(State(ctl): State<EraControl>, Path(name): Path<String>) -> Response {
    let found = ctl.world(|w| {
        let now = Instant::now();
        w.links.retain(|_, l| l.until > now);
        w.links.get(&name).map(|l| l.path.clone())
    });
    let Some(path) = found else { return (StatusCode::NOT_FOUND, "no such file, or its link expired").into_response() };
    let (content_type, body) = if name.ends_with(".wav") {
        ("audio/wav", silence_wav(200))
    } else if name.ends_with(".mp3") {
        ("audio/mpeg", vec![0xFF, 0xFB, 0x90, 0x00])
    } else {
        ("application/octet-stream", format!("simulated content of {path}\n").into_bytes())
    };
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

async fn control_offer(State(ctl): State<EraControl>, body: Option<Json<OfferScript>>) -> Response {
    let script = body.map(|Json(s)| s).unwrap_or_default();
    if let Some(state) = &script.state {
        if !matches!(state.as_str(), "incoming" | "ringing" | "early" | "dialog") {
            return (StatusCode::BAD_REQUEST, "state is incoming, ringing, early or dialog").into_response();
        }
    }
    if script.key.is_empty() {
        return (StatusCode::BAD_REQUEST, "key may not be empty").into_response();
    }
    Json(json!({"ivrid": ctl.offer(script)})).into_response()
}

async fn control_sessions(State(ctl): State<EraControl>) -> Json<Vec<EraSession>> {
    Json(ctl.sessions())
}

#[derive(Deserialize)]
struct PressBody {
    digits: String,
}

async fn control_press(State(ctl): State<EraControl>, Path(ivrid): Path<String>, Json(body): Json<PressBody>) -> Response {
    if body.digits.is_empty() || !body.digits.chars().all(|c| c.is_ascii_digit() || matches!(c, '*' | '#' | 'A'..='D')) {
        return (StatusCode::BAD_REQUEST, "digits are 0-9, *, # and A-D").into_response();
    }
    if ctl.press(&ivrid, &body.digits) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        (StatusCode::NOT_FOUND, "no such session, or it is over").into_response()
    }
}

async fn control_hangup(State(ctl): State<EraControl>, Path(ivrid): Path<String>) -> Response {
    if ctl.hangup(&ivrid) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        (StatusCode::NOT_FOUND, "no such session, or it is over").into_response()
    }
}

#[derive(Deserialize)]
struct StopBody {
    reason: String,
}

async fn control_stop(State(ctl): State<EraControl>, Path(ivrid): Path<String>, Json(body): Json<StopBody>) -> Response {
    if ctl.stop(&ivrid, &body.reason) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        (StatusCode::NOT_FOUND, "no such session, or it is over").into_response()
    }
}

async fn control_drop(State(ctl): State<EraControl>) -> Json<Value> {
    Json(json!({"dropped": ctl.drop_connections()}))
}

async fn control_requests(State(ctl): State<EraControl>) -> Json<Vec<String>> {
    Json(ctl.requests())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_need_a_storage_prefix() {
        let body = |d: Value| -> Map<String, Value> {
            let mut m = Map::new();
            m.insert("destpath".into(), d);
            m
        };
        assert_eq!(dest_path(&Map::new()).ok().as_deref(), Some(":SYNC_DOMAIN_DATA"));
        assert_eq!(dest_path(&body(json!(":GS_PUB/x/y/"))).ok().as_deref(), Some(":GS_PUB/x/y"));
        assert_eq!(dest_path(&body(json!(":SITESHARE_DOMAIN_DATA/a"))).ok().as_deref(), Some(":SITESHARE_DOMAIN_DATA/a"));
        for bad in [json!(":NOWHERE/a"), json!("/etc"), json!(":GS_PUB/../x"), json!(5)] {
            assert!(matches!(dest_path(&body(bad.clone())), Err(Refusal(1400, _))), "{bad}");
        }
    }

    #[test]
    fn a_silent_wav_has_its_header() {
        let wav = silence_wav(100);
        assert_eq!(&wav[..4], b"RIFF");
        assert_eq!(&wav[8..12], b"WAVE");
        assert_eq!(wav.len(), 44 + 1600);
    }

    #[test]
    fn numbers_come_as_numbers_or_text() {
        let data: Map<String, Value> = serde_json::from_value(json!({"a": 10, "b": "10", "c": "x", "d": 0})).unwrap_or_default();
        assert_eq!(number(&data, "a"), Some(10.0));
        assert_eq!(number(&data, "b"), Some(10.0));
        assert_eq!(number(&data, "c"), None);
        assert_eq!(seconds(&data, "d"), None);
        assert_eq!(truthy(&data, "d"), Some(false));
    }
}
