//! The connection actor and its handle, [`IvrClient`].
//!
//! One task owns the WebSocket. It checks `connection_info` first (and stops trying, slowly, when
//! `ivrapi` or `subscr` is missing), subscribes to `ivrevents` and renews the subscription before
//! it expires, sends the handle's requests with integer qids and routes each `<name>_result` back
//! by qid, keeps the sessions' model, and after every reconnect subscribes again and reaccepts
//! each session it controlled, so a dropped socket never loses a caller.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use rand::Rng;
use serde_json::{json, Map, Value};
use tokio::net::TcpStream;
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{header, HeaderValue, StatusCode};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{Connector, MaybeTlsStream, WebSocketStream};
use url::Url;

use crate::component::{Component, SipState};
use crate::error::IvrError;
use crate::files;
use crate::frame::{self, ComponentStopped, DtmfEvent, Incoming, Notification, Qid, MAX_FRAME_BYTES};
use crate::session::{self, ComponentOutcome, IvrSession, Phase};

/// The integration channel's token (`token_local`). Its `Debug` is redacted.
#[derive(Clone)]
pub struct Token(String);

impl Token {
    /// A token; at least 8 characters, no spaces or slashes.
    pub fn new(text: impl Into<String>) -> Result<Self, IvrError> {
        let text = text.into().trim().to_owned();
        if text.len() < 8 || text.chars().any(|c| c.is_whitespace() || c == '/') {
            return Err(IvrError::Config("the token has at least 8 characters, with no spaces or slashes".into()));
        }
        Ok(Self(text))
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Token(<{} characters>)", self.0.len())
    }
}

/// Where and how to connect.
#[derive(Debug, Clone)]
pub struct IvrConfig {
    /// `wss://host/ws/token/v1` (`ws://` only to this computer).
    pub url: String,
    /// Put the token in the path (`…/ws/token/v1/<token>`) instead of `Authorization: Bearer`.
    pub token_in_path: bool,
    /// How long a request waits for its `_result`.
    pub request_timeout: Duration,
    /// The subscription's lifetime; it is renewed at five sixths of it.
    pub subscription_lifetime: Duration,
    /// How long the platform waits for a taker (the countdown shown).
    pub accept_timeout: Duration,
    /// First wait after a failed connection; doubles up to `max_retry`, with jitter.
    pub first_retry: Duration,
    /// Longest wait between attempts.
    pub max_retry: Duration,
    /// The wait after a refused token or a missing capability.
    pub refused_retry: Duration,
    /// A WebSocket ping this often; a link silent for two of them is dead.
    pub ping_interval: Duration,
}

impl IvrConfig {
    /// The defaults for `url`: 10 s per request, an hour's subscription, 30 s to accept, retries
    /// from 1 s to 30 s (60 s after a refusal), a ping every 20 s.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            token_in_path: false,
            request_timeout: Duration::from_secs(10),
            subscription_lifetime: Duration::from_secs(3600),
            accept_timeout: Duration::from_secs(30),
            first_retry: Duration::from_secs(1),
            max_retry: Duration::from_secs(30),
            refused_retry: Duration::from_secs(60),
            ping_interval: Duration::from_secs(20),
        }
    }
}

/// How the link stands.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase", tag = "state")]
pub enum LinkStatus {
    /// Opening the connection, or checking it.
    Connecting,
    /// Connected, subscribed, sessions reaccepted.
    Connected {
        /// The connection's capabilities.
        capabilities: Vec<String>,
    },
    /// Not connected; trying again after `retry_in_ms`.
    Down {
        /// Why, in a sentence (never the token).
        reason: String,
        /// The wait before the next attempt.
        retry_in_ms: u64,
    },
    /// Stopped for good.
    Stopped,
}

/// What happened, for the UI.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum IvrEvent {
    /// The link's status changed.
    Link {
        /// The new status.
        status: LinkStatus,
    },
    /// A session was offered, or changed.
    Session {
        /// The session now.
        session: Box<IvrSession>,
    },
    /// The caller pressed a digit.
    Dtmf {
        /// The session.
        ivrid: String,
        /// `idle` or `component`.
        mode: String,
        /// The digit(s).
        dtmf: String,
    },
}

enum Command {
    Send { name: &'static str, fields: Map<String, Value>, effect: Effect, reply: oneshot::Sender<Result<Map<String, Value>, IvrError>> },
}

/// What a request's answer does to a session, applied by the actor in frame order (so that an
/// `ivrapi_component_stopped` right after the `_result` finds the session running).
#[derive(Debug, Clone)]
enum Effect {
    None,
    Accept(String),
    Reaccept(String),
    Abort(String),
    Apply { ivrid: String, o_type: i64, sip_code: Option<u16> },
}

struct Shared {
    config: IvrConfig,
    sessions: Mutex<HashMap<String, IvrSession>>,
    /// The `oType` and SIP code of the running component, per session (for the state it leaves).
    running: Mutex<HashMap<String, (i64, Option<u16>)>>,
    events: broadcast::Sender<IvrEvent>,
    status: watch::Sender<LinkStatus>,
    malformed: AtomicU64,
    next_qid: AtomicU64,
}

/// The handle: requests, the sessions, the events. Cheap to clone; the connection stops when the
/// last clone is dropped.
#[derive(Clone)]
pub struct IvrClient {
    shared: Arc<Shared>,
    commands: mpsc::Sender<Command>,
    _stop: Arc<oneshot::Sender<()>>,
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// A link from `ivrapi_file_get_path`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileLink {
    /// The absolute URL (the platform answers a path on the server the socket is connected to).
    pub url: String,
    /// When it stops working (ms since the epoch; 5 minutes after it was given).
    pub expires_ms: i64,
}

impl IvrClient {
    /// Checks the address and starts connecting (in the current Tokio runtime).
    pub fn start(config: IvrConfig, token: Token) -> Result<Self, IvrError> {
        let target = Target::parse(&config.url)?;
        let (events, _) = broadcast::channel(256);
        let (status, _) = watch::channel(LinkStatus::Connecting);
        let shared = Arc::new(Shared {
            config,
            sessions: Mutex::default(),
            running: Mutex::default(),
            events,
            status,
            malformed: AtomicU64::new(0),
            next_qid: AtomicU64::new(1),
        });
        let (commands, command_rx) = mpsc::channel(64);
        let (stop, stop_rx) = oneshot::channel();
        let actor = Actor { shared: shared.clone(), target, token, commands: command_rx, tls: None };
        tokio::spawn(actor.run(stop_rx));
        Ok(Self { shared, commands, _stop: Arc::new(stop) })
    }

    /// The events from now on.
    pub fn events(&self) -> broadcast::Receiver<IvrEvent> {
        self.shared.events.subscribe()
    }

    /// The link's status, now and as it changes.
    pub fn status(&self) -> watch::Receiver<LinkStatus> {
        self.shared.status.subscribe()
    }

    /// Every session known, oldest offer first.
    pub fn sessions(&self) -> Vec<IvrSession> {
        let mut all: Vec<IvrSession> = lock(&self.shared.sessions).values().cloned().collect();
        all.sort_by_key(|s| s.offered_ms);
        all
    }

    /// One session.
    pub fn session(&self, ivrid: &str) -> Option<IvrSession> {
        lock(&self.shared.sessions).get(ivrid).cloned()
    }

    /// Frames that could not be read and were skipped.
    pub fn malformed_frames(&self) -> u64 {
        self.shared.malformed.load(Ordering::Relaxed)
    }

    /// Takes control of an offered session. Only the first taker wins; the others get the
    /// platform's refusal.
    pub async fn accept(&self, ivrid: &str) -> Result<(), IvrError> {
        let key = self.session_key(ivrid, |p| matches!(p, Phase::Offered), "it is not on offer")?;
        self.set_phase(ivrid, Phase::Accepting);
        let sent = self.request("ivrapi_accept", keyed(&key, ivrid), Effect::Accept(ivrid.to_owned())).await;
        match &sent {
            // The platform said no (another controller took it, or the offer is gone): it is not
            // this app's to take any more.
            Err(e @ IvrError::Refused { .. }) => {
                let why = format!("not taken: {e}");
                self.set_phase_if(ivrid, |p| matches!(p, Phase::Accepting), Phase::Released { why });
            }
            // No answer: still on offer as far as this app knows.
            Err(_) => self.set_phase_if(ivrid, |p| matches!(p, Phase::Accepting), Phase::Offered),
            Ok(_) => {}
        }
        sent.map(drop)
    }

    /// Takes control again (after a reconnect, or from another controller).
    pub async fn reaccept(&self, ivrid: &str) -> Result<(), IvrError> {
        let key = self.session_key(ivrid, |p| !p.is_over(), "")?;
        self.request("ivrapi_reaccept", keyed(&key, ivrid), Effect::Reaccept(ivrid.to_owned())).await.map(drop)
    }

    /// Hands control back; the script goes on with its next component.
    pub async fn abort(&self, ivrid: &str) -> Result<(), IvrError> {
        let key = self.session_key(ivrid, Phase::is_controlled, "this app does not control it")?;
        self.request("ivrapi_abort", keyed(&key, ivrid), Effect::Abort(ivrid.to_owned())).await.map(drop)
    }

    /// Runs a component. One at a time: a second waits until the first stopped (or was
    /// terminated). The SIP-state rule is checked here, with a sentence saying what to do instead.
    /// Returns the component's instance id when the platform gives one.
    pub async fn apply(&self, ivrid: &str, component: &Component) -> Result<Option<i64>, IvrError> {
        let session = self.session(ivrid).ok_or_else(|| IvrError::UnknownSession(ivrid.to_owned()))?;
        match &session.phase {
            Phase::Controlled => {}
            Phase::Applying { .. } | Phase::Running { .. } => {
                return Err(IvrError::NotAllowed("a component is running: wait until it stops, or stop it first".into()))
            }
            Phase::Stopped { reason } => return Err(IvrError::Stopped { ivrid: ivrid.to_owned(), reason: reason.clone() }),
            _ => return Err(IvrError::NotAllowed("take control of the session first".into())),
        }
        component.check_state(session.sip_state).map_err(|e| IvrError::NotAllowed(e.to_string()))?;
        let data = component.data().map_err(|e| IvrError::NotAllowed(e.to_string()))?;
        let o_type = component.o_type();
        let sip_code = match component {
            Component::Answer { sip_code, .. } => Some(*sip_code),
            _ => None,
        };
        self.set_phase(ivrid, Phase::Applying { o_type });
        let mut fields = keyed(&session.key, ivrid);
        fields.insert("data".into(), Value::Object(data));
        let answer = self.request("ivrapi_component_apply", fields, Effect::Apply { ivrid: ivrid.to_owned(), o_type, sip_code }).await;
        match answer {
            Ok(body) => Ok(body.get("oId").and_then(Value::as_i64)),
            Err(e) => {
                self.set_phase_if(ivrid, |p| matches!(p, Phase::Applying { .. }), Phase::Controlled);
                Err(e)
            }
        }
    }

    /// Stops the running component; its `ivrapi_component_stopped` follows.
    pub async fn terminate(&self, ivrid: &str) -> Result<(), IvrError> {
        let key = self.session_key(ivrid, |p| matches!(p, Phase::Running { .. }), "no component is running")?;
        let result = self.request("ivrapi_component_terminate", keyed(&key, ivrid), Effect::None).await.map(drop);
        if let Err(IvrError::Refused { .. }) = &result {
            // The platform runs nothing: the component ended while the link was down and its
            // `ivrapi_component_stopped` was lost. The session is free for the next one.
            self.set_phase_if(ivrid, |p| matches!(p, Phase::Running { .. }), Phase::Controlled);
        }
        result
    }

    /// A public link to a script file, valid 5 minutes.
    pub async fn file_link(&self, ivrid: &str, path: &str) -> Result<FileLink, IvrError> {
        let path = files::script_path(path).map_err(|e| IvrError::NotAllowed(e.to_string()))?;
        let key = self.session_key(ivrid, |p| !p.is_over(), "")?;
        let mut fields = keyed(&key, ivrid);
        fields.insert("path".into(), json!(path));
        let body = self.request("ivrapi_file_get_path", fields, Effect::None).await?;
        let result = result_text(&body)?;
        let base = Url::parse(&self.shared.config.url).map_err(|e| IvrError::Config(e.to_string()))?;
        let scheme = if base.scheme() == "wss" { "https" } else { "http" };
        let host = base.host_str().unwrap_or_default();
        let port = base.port().map(|p| format!(":{p}")).unwrap_or_default();
        let url = if result.starts_with("http://") || result.starts_with("https://") {
            result
        } else {
            format!("{scheme}://{host}{port}{}{}", if result.starts_with('/') { "" } else { "/" }, result)
        };
        Ok(FileLink { url, expires_ms: now_ms() + files::LINK_LIFETIME.as_millis() as i64 })
    }

    /// Has the platform download `url` into the script's temporary folder; the path to use.
    pub async fn upload_temp(&self, ivrid: &str, url: &str) -> Result<String, IvrError> {
        let url = files::source_url(url).map_err(|e| IvrError::NotAllowed(e.to_string()))?;
        let key = self.session_key(ivrid, |p| !p.is_over(), "")?;
        let mut fields = keyed(&key, ivrid);
        fields.insert("url".into(), json!(url));
        result_text(&self.request("ivrapi_file_upload_temp", fields, Effect::None).await?)
    }

    /// Has the platform download `url` into static storage under `dest` (a storage prefix
    /// and folder; empty: `:SYNC_DOMAIN_DATA`), for this session's domain; the path to use.
    pub async fn upload_static(&self, ivrid: &str, url: &str, dest: &str) -> Result<String, IvrError> {
        let url = files::source_url(url).map_err(|e| IvrError::NotAllowed(e.to_string()))?;
        let dest = files::dest_path(dest).map_err(|e| IvrError::NotAllowed(e.to_string()))?;
        let key = self.session_key(ivrid, |p| !p.is_over(), "")?;
        let mut fields = keyed(&key, ivrid);
        fields.insert("url".into(), json!(url));
        fields.insert("destpath".into(), json!(dest));
        result_text(&self.request("ivrapi_file_upload_static", fields, Effect::None).await?)
    }

    /// `file_upload_static`: the same without a session.
    pub async fn upload_static_shared(&self, url: &str, dest: &str) -> Result<String, IvrError> {
        let url = files::source_url(url).map_err(|e| IvrError::NotAllowed(e.to_string()))?;
        let dest = files::dest_path(dest).map_err(|e| IvrError::NotAllowed(e.to_string()))?;
        let mut fields = Map::new();
        fields.insert("url".into(), json!(url));
        fields.insert("destpath".into(), json!(dest));
        result_text(&self.request("file_upload_static", fields, Effect::None).await?)
    }

    fn session_key(&self, ivrid: &str, allowed: impl Fn(&Phase) -> bool, why: &str) -> Result<String, IvrError> {
        let sessions = lock(&self.shared.sessions);
        let s = sessions.get(ivrid).ok_or_else(|| IvrError::UnknownSession(ivrid.to_owned()))?;
        if let Phase::Stopped { reason } = &s.phase {
            return Err(IvrError::Stopped { ivrid: ivrid.to_owned(), reason: reason.clone() });
        }
        if !allowed(&s.phase) {
            return Err(IvrError::NotAllowed(format!("not now: {why}")));
        }
        Ok(s.key.clone())
    }

    fn set_phase(&self, ivrid: &str, phase: Phase) {
        set_phase(&self.shared, ivrid, |_| true, phase);
    }

    fn set_phase_if(&self, ivrid: &str, when: impl Fn(&Phase) -> bool, phase: Phase) {
        set_phase(&self.shared, ivrid, when, phase);
    }

    async fn request(&self, name: &'static str, fields: Map<String, Value>, effect: Effect) -> Result<Map<String, Value>, IvrError> {
        let (reply, answer) = oneshot::channel();
        self.commands.send(Command::Send { name, fields, effect, reply }).await.map_err(|_| IvrError::Disconnected)?;
        match tokio::time::timeout(self.shared.config.request_timeout, answer).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(IvrError::Disconnected),
            Err(_) => Err(IvrError::Timeout { request: name.to_owned(), after: self.shared.config.request_timeout }),
        }
    }
}

fn keyed(key: &str, ivrid: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("key".into(), json!(key));
    m.insert("ivrid".into(), json!(ivrid));
    m
}

fn result_text(body: &Map<String, Value>) -> Result<String, IvrError> {
    match body.get("result") {
        Some(Value::String(s)) if !s.is_empty() && s != "ok" => Ok(s.clone()),
        _ => Err(IvrError::Refused { request: "file".into(), payload: Value::Object(body.clone()) }),
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Changes a session's phase when `when` holds, and tells the UI.
fn set_phase(shared: &Shared, ivrid: &str, when: impl Fn(&Phase) -> bool, phase: Phase) {
    let changed = {
        let mut sessions = lock(&shared.sessions);
        match sessions.get_mut(ivrid) {
            Some(s) if when(&s.phase) && !s.phase.is_over() => {
                s.phase = phase;
                Some(s.clone())
            }
            _ => None,
        }
    };
    if let Some(session) = changed {
        let _ = shared.events.send(IvrEvent::Session { session: Box::new(session) });
    }
}

fn update(shared: &Shared, ivrid: &str, f: impl FnOnce(&mut IvrSession)) {
    let changed = {
        let mut sessions = lock(&shared.sessions);
        sessions.get_mut(ivrid).map(|s| {
            f(s);
            s.clone()
        })
    };
    if let Some(session) = changed {
        let _ = shared.events.send(IvrEvent::Session { session: Box::new(session) });
    }
}

/// Where the platform is.
struct Target {
    url: Url,
    tls: bool,
}

impl Target {
    fn parse(text: &str) -> Result<Self, IvrError> {
        let bad = || IvrError::Config(format!("{:?} is not a WebSocket address; write it like wss://era.example.com/ws/token/v1", text.trim()));
        let url = Url::parse(text.trim()).map_err(|_| bad())?;
        let loopback = match url.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
            None => return Err(bad()),
        };
        let tls = match url.scheme() {
            "wss" => true,
            "ws" if loopback => false,
            "ws" => return Err(IvrError::Config("the platform must be reached over wss:// (plain ws:// only to this computer)".into())),
            _ => return Err(bad()),
        };
        Ok(Self { url, tls })
    }
}

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

struct Pending {
    name: &'static str,
    effect: Effect,
    reply: Option<oneshot::Sender<Result<Map<String, Value>, IvrError>>>,
}

/// How a connection ended.
struct Ended {
    reason: String,
    refused: bool,
    connected_for: Option<Duration>,
}

struct Actor {
    shared: Arc<Shared>,
    target: Target,
    token: Token,
    commands: mpsc::Receiver<Command>,
    tls: Option<Arc<rustls::ClientConfig>>,
}

/// Notifications seen lately, to drop a repeat (one per subscription, or after a reconnect).
#[derive(Default)]
struct Seen {
    order: VecDeque<String>,
    set: HashSet<String>,
}

impl Seen {
    fn first_time(&mut self, key: String) -> bool {
        if self.set.contains(&key) {
            return false;
        }
        if self.order.len() == 1024 {
            if let Some(old) = self.order.pop_front() {
                self.set.remove(&old);
            }
        }
        self.order.push_back(key.clone());
        self.set.insert(key);
        true
    }
}

impl Actor {
    async fn run(mut self, mut stop: oneshot::Receiver<()>) {
        let mut failures: u32 = 0;
        let mut seen = Seen::default();
        let subscription = format!("sidekick-{:016x}", rand::thread_rng().gen::<u64>());
        loop {
            self.publish(LinkStatus::Connecting);
            let ended = tokio::select! {
                biased;
                _ = &mut stop => break,
                ended = self.connection(&subscription, &mut seen) => ended,
            };
            if ended.connected_for.is_some_and(|d| d >= self.shared.config.max_retry) {
                failures = 0;
            }
            let wait = if ended.refused {
                jitter(self.shared.config.refused_retry)
            } else {
                let doubled = self.shared.config.first_retry.saturating_mul(1 << failures.min(16));
                failures = failures.saturating_add(1);
                jitter(doubled.min(self.shared.config.max_retry))
            };
            tracing::warn!(retry_in_s = wait.as_secs_f32(), "IVR platform link down: {}", ended.reason);
            self.publish(LinkStatus::Down { reason: ended.reason, retry_in_ms: wait.as_millis() as u64 });
            let until = Instant::now() + wait;
            loop {
                tokio::select! {
                    biased;
                    _ = &mut stop => {
                        self.publish(LinkStatus::Stopped);
                        return;
                    }
                    () = tokio::time::sleep_until(until) => break,
                    command = self.commands.recv() => match command {
                        Some(Command::Send { reply, .. }) => {
                            let _ = reply.send(Err(IvrError::Disconnected));
                        }
                        None => {
                            self.publish(LinkStatus::Stopped);
                            return;
                        }
                    },
                }
            }
        }
        self.publish(LinkStatus::Stopped);
    }

    fn publish(&self, status: LinkStatus) {
        self.shared.status.send_replace(status.clone());
        let _ = self.shared.events.send(IvrEvent::Link { status });
    }

    /// One connection, from opening to its end.
    async fn connection(&mut self, subscription: &str, seen: &mut Seen) -> Ended {
        let failed = |reason: String| Ended { reason, refused: false, connected_for: None };
        let mut socket = match self.open().await {
            Ok(socket) => socket,
            Err(ended) => return ended,
        };
        let mut pending: HashMap<Qid, Pending> = HashMap::new();
        // connection_info first: fail fast without the capabilities this client needs.
        let info = match self.call(&mut socket, "connection_info", Map::new(), seen, &mut pending).await {
            Ok(body) => body,
            Err(reason) => return failed(reason),
        };
        let capabilities: Vec<String> =
            info.get("capabilities").and_then(Value::as_array).map(|a| a.iter().filter_map(|c| c.as_str().map(str::to_owned)).collect()).unwrap_or_default();
        let missing: Vec<&str> = ["ivrapi", "subscr"].into_iter().filter(|c| !capabilities.iter().any(|have| have == c)).collect();
        if !missing.is_empty() {
            return Ended {
                reason: format!(
                    "the integration channel lacks the {} capabilit{} (it has: {}); ask the platform's administrator",
                    missing.join(" and "),
                    if missing.len() == 1 { "y" } else { "ies" },
                    if capabilities.is_empty() { "none".to_owned() } else { capabilities.join(", ") }
                ),
                refused: true,
                connected_for: None,
            };
        }
        if let Err(reason) = self.subscribe(&mut socket, subscription, seen, &mut pending).await {
            return failed(reason);
        }
        // Take back every session this client controlled before the link dropped.
        let controlled: Vec<(String, String)> =
            lock(&self.shared.sessions).values().filter(|s| s.phase.is_controlled()).map(|s| (s.ivrid.clone(), s.key.clone())).collect();
        for (ivrid, key) in controlled {
            match self.call(&mut socket, "ivrapi_reaccept", keyed(&key, &ivrid), seen, &mut pending).await {
                Ok(_) => tracing::info!(%ivrid, "IVR session reaccepted after reconnecting"),
                Err(reason) => {
                    tracing::warn!(%ivrid, "IVR session could not be reaccepted: {reason}");
                    set_phase(&self.shared, &ivrid, |p| p.is_controlled(), Phase::Released { why: format!("not taken back after reconnecting: {reason}") });
                }
            }
        }
        let connected_at = Instant::now();
        self.publish(LinkStatus::Connected { capabilities });
        let config = self.shared.config.clone();
        let renew_every = (config.subscription_lifetime * 5 / 6).max(Duration::from_secs(1));
        let mut renew = tokio::time::interval_at(Instant::now() + renew_every, renew_every);
        let mut ping = tokio::time::interval_at(Instant::now() + config.ping_interval, config.ping_interval);
        let mut last_heard = Instant::now();
        let ended = |reason: String| Ended { reason, refused: false, connected_for: Some(connected_at.elapsed()) };
        let result = loop {
            tokio::select! {
                message = socket.next() => match message {
                    None => break ended("the platform closed the connection".into()),
                    Some(Err(e)) => break ended(format!("the connection broke: {e}")),
                    Some(Ok(message)) => {
                        last_heard = Instant::now();
                        if let Message::Text(text) = message {
                            self.on_frame(&text, seen, &mut pending);
                        }
                    }
                },
                command = self.commands.recv() => match command {
                    None => break ended("the app stopped".into()),
                    Some(Command::Send { name, fields, effect, reply }) => {
                        if let Err(reason) = self.send(&mut socket, name, fields, effect, Some(reply), &mut pending).await {
                            break ended(reason);
                        }
                    }
                },
                _ = renew.tick() => {
                    if let Err(reason) = self.send(&mut socket, "subscribe", subscribe_fields(subscription, config.subscription_lifetime), Effect::None, None, &mut pending).await {
                        break ended(reason);
                    }
                }
                _ = ping.tick() => {
                    if last_heard.elapsed() > config.ping_interval * 2 {
                        break ended(format!("the platform went silent for {} s", last_heard.elapsed().as_secs()));
                    }
                    if socket.send(Message::Ping(Vec::new().into())).await.is_err() {
                        break ended("the connection broke while pinging".into());
                    }
                    pending.retain(|_, p| p.reply.as_ref().is_none_or(|r| !r.is_closed()));
                }
            }
        };
        for (_, p) in pending.drain() {
            if let Some(reply) = p.reply {
                let _ = reply.send(Err(IvrError::Disconnected));
            }
        }
        result
    }

    async fn open(&mut self) -> Result<Socket, Ended> {
        let failed = |reason: String| Ended { reason, refused: false, connected_for: None };
        let mut url = self.target.url.clone();
        if self.shared.config.token_in_path {
            let path = format!("{}/{}", url.path().trim_end_matches('/'), self.token.0);
            url.set_path(&path);
        }
        let mut request = url.as_str().into_client_request().map_err(|e| failed(format!("the address cannot be used: {e}")))?;
        if !self.shared.config.token_in_path {
            let mut value = HeaderValue::from_str(&format!("Bearer {}", self.token.0)).map_err(|_| failed("the token cannot be sent".into()))?;
            value.set_sensitive(true);
            request.headers_mut().insert(header::AUTHORIZATION, value);
        }
        let connector = if self.target.tls {
            let config = match &self.tls {
                Some(c) => c.clone(),
                None => {
                    let c = tokio::task::spawn_blocking(tls_config).await.map_err(|e| failed(e.to_string()))?.map_err(failed)?;
                    self.tls = Some(c.clone());
                    c
                }
            };
            Connector::Rustls(config)
        } else {
            Connector::Plain
        };
        let ws_config = WebSocketConfig::default().max_message_size(Some(MAX_FRAME_BYTES)).max_frame_size(Some(MAX_FRAME_BYTES));
        let opening = tokio_tungstenite::connect_async_tls_with_config(request, Some(ws_config), true, Some(connector));
        match tokio::time::timeout(self.shared.config.request_timeout, opening).await {
            Err(_) => Err(failed(format!("the platform did not answer within {} s", self.shared.config.request_timeout.as_secs()))),
            Ok(Ok((socket, _))) => Ok(socket),
            Ok(Err(tungstenite::Error::Http(response))) if matches!(response.status(), StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) => {
                Err(Ended { reason: "the platform refused the token".into(), refused: true, connected_for: None })
            }
            Ok(Err(tungstenite::Error::Http(response))) => {
                Err(failed(format!("the platform answered HTTP {} instead of opening the WebSocket (the address ends in /ws/token/v1)", response.status())))
            }
            Ok(Err(e)) => Err(failed(format!("cannot reach the platform: {e}"))),
        }
    }

    /// Sends a request and reads frames until its answer comes (handling the others as usual).
    async fn call(
        &mut self,
        socket: &mut Socket,
        name: &'static str,
        fields: Map<String, Value>,
        seen: &mut Seen,
        pending: &mut HashMap<Qid, Pending>,
    ) -> Result<Map<String, Value>, String> {
        let (reply, mut answer) = oneshot::channel();
        self.send(socket, name, fields, Effect::None, Some(reply), pending).await?;
        let deadline = Instant::now() + self.shared.config.request_timeout;
        loop {
            if let Ok(result) = answer.try_recv() {
                return result.map_err(|e| e.to_string());
            }
            let message = tokio::time::timeout_at(deadline, socket.next())
                .await
                .map_err(|_| format!("no answer to {name} within {} s", self.shared.config.request_timeout.as_secs()))?;
            match message {
                None => return Err("the platform closed the connection".into()),
                Some(Err(e)) => return Err(format!("the connection broke: {e}")),
                Some(Ok(Message::Text(text))) => self.on_frame(&text, seen, pending),
                Some(Ok(_)) => {}
            }
        }
    }

    async fn subscribe(&mut self, socket: &mut Socket, id: &str, seen: &mut Seen, pending: &mut HashMap<Qid, Pending>) -> Result<(), String> {
        let lifetime = self.shared.config.subscription_lifetime;
        self.call(socket, "subscribe", subscribe_fields(id, lifetime), seen, pending).await.map(drop).map_err(|e| format!("subscribing to ivrevents failed: {e}"))
    }

    async fn send(
        &mut self,
        socket: &mut Socket,
        name: &'static str,
        fields: Map<String, Value>,
        effect: Effect,
        reply: Option<oneshot::Sender<Result<Map<String, Value>, IvrError>>>,
        pending: &mut HashMap<Qid, Pending>,
    ) -> Result<(), String> {
        let qid = Qid::new(self.shared.next_qid.fetch_add(1, Ordering::Relaxed));
        let text = frame::request(name, qid, fields);
        tracing::debug!(name, qid = qid.value(), bytes = text.len(), "IVR request");
        pending.insert(qid, Pending { name, effect, reply });
        socket.send(Message::Text(text.into())).await.map_err(|e| format!("the connection broke: {e}"))
    }

    fn on_frame(&self, text: &str, seen: &mut Seen, pending: &mut HashMap<Qid, Pending>) {
        let incoming = match frame::parse(text) {
            Ok(i) => i,
            Err(e) => {
                let n = self.shared.malformed.fetch_add(1, Ordering::Relaxed) + 1;
                // The reason only: frames hold callers' numbers.
                tracing::warn!(bytes = text.len(), skipped = n, "skipping a frame from the IVR platform: {e}");
                return;
            }
        };
        match incoming {
            Incoming::Result { request, qid, body } => self.on_result(&request, qid, body, pending),
            Incoming::Notify(n) => self.on_notify(n, seen),
            Incoming::ComponentStopped(c) => self.on_stopped(c),
            Incoming::Dtmf(d) => self.on_dtmf(d),
            Incoming::Other { name } => tracing::debug!(%name, "ignoring a frame of a name this client does not use"),
        }
    }

    fn on_result(&self, request: &str, qid: Option<Qid>, body: Map<String, Value>, pending: &mut HashMap<Qid, Pending>) {
        let Some(p) = qid.and_then(|q| pending.remove(&q)) else {
            tracing::debug!(request, "an answer to no request of ours (late, or not ours)");
            return;
        };
        let ok = match body.get("result") {
            Some(Value::String(s)) if s == "ok" => true,
            // Documented value answers: a path or link.
            Some(Value::String(s)) if VALUE_ANSWERS.contains(&p.name) && !s.is_empty() && !s.eq_ignore_ascii_case("error") => true,
            _ => false,
        };
        if request != p.name {
            tracing::warn!(expected = p.name, got = request, "an answer named for another request");
        }
        let outcome = if ok {
            self.apply_effect(&p.effect, &body);
            Ok(body)
        } else {
            Err(IvrError::Refused { request: p.name.to_owned(), payload: Value::Object(body) })
        };
        if let Some(reply) = p.reply {
            let _ = reply.send(outcome);
        }
    }

    fn apply_effect(&self, effect: &Effect, body: &Map<String, Value>) {
        let shared = &self.shared;
        match effect {
            Effect::None => {}
            Effect::Accept(ivrid) | Effect::Reaccept(ivrid) => set_phase(shared, ivrid, |p| !p.is_controlled(), Phase::Controlled),
            Effect::Abort(ivrid) => set_phase(shared, ivrid, |_| true, Phase::Released { why: "handed back to the script".into() }),
            Effect::Apply { ivrid, o_type, sip_code } => {
                lock(&shared.running).insert(ivrid.clone(), (*o_type, *sip_code));
                let o_id = body.get("oId").and_then(Value::as_i64);
                set_phase(shared, ivrid, |p| matches!(p, Phase::Applying { .. }), Phase::Running { o_id, o_type: *o_type });
            }
        }
    }

    fn on_notify(&self, n: Notification, seen: &mut Seen) {
        if n.class != "ivrevents" {
            return;
        }
        let ivrid = n.data.get("ivrid").and_then(Value::as_str).unwrap_or_default().to_owned();
        if !seen.first_time(format!("{}|{}|{}|{:?}", n.class, n.kind, ivrid, n.eventts)) {
            tracing::debug!(kind = %n.kind, "a repeated notification");
            return;
        }
        match n.kind.as_str() {
            "api_start" => {
                let accept_ms = self.shared.config.accept_timeout.as_millis() as i64;
                let Some(session) = session::offered(&n.data, now_ms(), accept_ms) else {
                    tracing::warn!("an api_start without ivrid or key");
                    return;
                };
                tracing::info!(ivrid = %session.ivrid, "IVR session offered");
                lock(&self.shared.sessions).entry(session.ivrid.clone()).or_insert_with(|| session.clone());
                let _ = self.shared.events.send(IvrEvent::Session { session: Box::new(session) });
            }
            "api_stop" => {
                let reason = n.data.get("reason").and_then(Value::as_str).unwrap_or("unknown").to_owned();
                tracing::info!(%ivrid, %reason, "IVR session stopped");
                lock(&self.shared.running).remove(&ivrid);
                update(&self.shared, &ivrid, |s| s.phase = Phase::Stopped { reason });
            }
            other => tracing::debug!(kind = other, "an ivrevents notification this client does not use"),
        }
    }

    fn on_stopped(&self, c: ComponentStopped) {
        // The vendor's example names no session: find the one running that component.
        let ivrid = c.ivrid.clone().or_else(|| {
            let sessions = lock(&self.shared.sessions);
            let running: Vec<&IvrSession> = sessions.values().filter(|s| matches!(s.phase, Phase::Running { .. } | Phase::Applying { .. })).collect();
            let exact: Vec<&&IvrSession> = running.iter().filter(|s| matches!(s.phase, Phase::Running { o_id, .. } if o_id == c.o_id)).collect();
            match (exact.as_slice(), running.as_slice()) {
                ([one], _) => Some(one.ivrid.clone()),
                (_, [one]) => Some(one.ivrid.clone()),
                _ => None,
            }
        });
        let Some(ivrid) = ivrid else {
            tracing::warn!(o_id = ?c.o_id, "a component stopped, but which session's is unclear");
            return;
        };
        let (o_type, sip_code) = lock(&self.shared.running).remove(&ivrid).unwrap_or((0, None));
        update(&self.shared, &ivrid, |s| {
            if s.phase.is_over() {
                return;
            }
            if let Some(code) = sip_code.filter(|_| c.transfer_key == "transfer") {
                s.sip_state = Some(s.sip_state.unwrap_or(SipState::Incoming).after_answer(code));
            }
            s.last_component = Some(ComponentOutcome { o_type, o_id: c.o_id, transfer_key: c.transfer_key.clone(), results: c.results.clone() });
            if matches!(s.phase, Phase::Running { .. } | Phase::Applying { .. }) {
                s.phase = Phase::Controlled;
            }
        });
    }

    fn on_dtmf(&self, d: DtmfEvent) {
        update(&self.shared, &d.ivrid, |s| s.dtmf.push_str(&d.dtmf));
        let _ = self.shared.events.send(IvrEvent::Dtmf { ivrid: d.ivrid, mode: d.mode, dtmf: d.dtmf });
    }
}

/// Requests whose documented answer is a value (a path or link) rather than `"ok"`.
const VALUE_ANSWERS: [&str; 4] = ["ivrapi_file_get_path", "ivrapi_file_upload_temp", "ivrapi_file_upload_static", "file_upload_static"];

fn subscribe_fields(id: &str, lifetime: Duration) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("id".into(), json!(id));
    m.insert("expires".into(), json!(lifetime.as_secs()));
    m.insert("events".into(), json!(["ivrevents"]));
    m
}

fn jitter(d: Duration) -> Duration {
    let factor = rand::thread_rng().gen_range(0.8..1.2);
    d.mul_f64(factor)
}

/// rustls, with ring and the OS's trusted roots only.
fn tls_config() -> Result<Arc<rustls::ClientConfig>, String> {
    let found = rustls_native_certs::load_native_certs();
    let mut roots = rustls::RootCertStore::empty();
    let (added, _) = roots.add_parsable_certificates(found.certs);
    if added == 0 {
        return Err("no trusted root certificates were found on this computer".into());
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS cannot be set up: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}
