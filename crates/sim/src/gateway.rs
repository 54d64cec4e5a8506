//! CC-Gateway simulator: `PUT onlineagent/{agentid}`, `GET agentevent/{agentid}`,
//! `DELETE onlineagent/{agentid}/logout`, as `reference/huawei-protocols.md` §A documents them.
//!
//! Behaviour kept from the vendor documents:
//! - every answer is HTTP 200 with the `{message, retcode, result}` envelope; errors are retcodes;
//! - agent ids outside 101–999999 are refused (`000-002`), passwords over 32 and phone numbers over
//!   24 characters too (`100-001`), wrong credentials give `100-004`, a second sign-in `100-002`;
//! - the Guid goes out in `Set-GUID: JSESSIONID=<guid>` and must come back as `Guid`; a request
//!   without a session gets `100-006`, a wrong Guid for a signed-in agent `000-003`;
//! - a poll waits up to `poll_wait` (vendor: ~10 s) and answers one event at a time;
//! - sign-out is refused while a call is up;
//! - AUTHMODE 2 (the vendor default): the Guid rotates every `interval` (60 s) and each Guid is
//!   accepted for `lifetime` (120 s) after it was issued; the new one goes out in `Set-GUID` on
//!   the next answer. AUTHMODE 1 keeps one Guid for the whole session;
//! - an agent with no request for `sign_out_after` (2 minutes) is signed out by the gateway;
//! - `forcelogin` replaces an existing session (the old Guid stops working).
//!
//! Agent states and call control are in `agent_ops`, call-associated data (`setcalldataex`,
//! `appdata`) in `calldata`, the agent's own recording (`recordplay/{agentid}/record`,
//! `…/stoprecord`) in `recording`, injected faults in `faults`, and the harness the handler tests
//! share in `test_desk`.
//!
//! Bodies are the raw fixtures in `crates/aicc/tests/fixtures/gateway/`, edited as JSON values.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::Notify;
use tokio::time::Instant;

/// The vendor's default long-poll wait (100 × 100 ms).
pub const DEFAULT_POLL_WAIT: Duration = Duration::from_secs(10);

/// How the gateway hands out Guids (server setting `AUTHMODE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    /// AUTHMODE 1: one Guid for the whole session.
    Static,
    /// AUTHMODE 2: a new Guid every `interval`; each is accepted for `lifetime` after issue.
    Dynamic {
        /// `GUIDINTERVAL` (vendor default 60 s).
        interval: Duration,
        /// `GUIDTIMEOUT` (vendor default 120 s); must exceed `interval`.
        lifetime: Duration,
    },
}

/// The gateway's timing rules.
#[derive(Debug, Clone, Copy)]
pub struct GatewayRules {
    /// How long a poll waits when nothing is queued (vendor: ~10 s).
    pub poll_wait: Duration,
    /// Guid handling.
    pub auth_mode: AuthMode,
    /// An agent with no request for this long is signed out (`MAXTIME`, vendor: 120 s).
    pub sign_out_after: Duration,
}

impl Default for GatewayRules {
    fn default() -> Self {
        Self {
            poll_wait: DEFAULT_POLL_WAIT,
            auth_mode: AuthMode::Dynamic { interval: Duration::from_secs(60), lifetime: Duration::from_secs(120) },
            sign_out_after: Duration::from_secs(120),
        }
    }
}

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../aicc/tests/fixtures/gateway/", $name))
    };
}
pub(crate) use fixture;

mod agent_ops;
mod calldata;
mod callinfo;
mod faults;
mod recording;
pub use faults::Fault;
#[cfg(test)]
pub(super) mod test_desk;

fn load(text: &str) -> Value {
    // The fixtures are part of this crate's build; a broken one is a build-time mistake that the
    // `fixtures_parse` test catches.
    serde_json::from_str(text).unwrap_or(Value::Null)
}

/// A scripted call, as the control surface plays it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallScript {
    /// Calling number.
    pub caller: String,
    /// Called number (the agent's line or the hotline).
    pub called: String,
    /// Call id; generated when absent.
    #[serde(default)]
    pub call_id: Option<String>,
    /// How long the call rings before it is answered.
    #[serde(default = "default_ring_ms")]
    pub ring_ms: u64,
    /// How long the conversation lasts before the customer hangs up.
    #[serde(default = "default_talk_ms")]
    pub talk_ms: u64,
    /// Answer by itself after `ring_ms` (the default); when false the agent must answer within
    /// `ring_ms` or the caller gives up.
    #[serde(default = "default_auto_answer")]
    pub auto_answer: bool,
}

fn default_auto_answer() -> bool {
    true
}

fn default_ring_ms() -> u64 {
    3000
}
fn default_talk_ms() -> u64 {
    10_000
}

#[derive(Debug)]
struct Session {
    /// Guids still accepted, oldest first, with when each was issued; the last one is current.
    guids: Vec<(String, Instant)>,
    /// When a request last reached the gateway for this agent (the 2-minute rule).
    last_request: Instant,
    /// How many times the Guid rotated, for tests.
    rotations: u32,
    /// How many times `updateGuid` issued a new Guid, for tests.
    refreshes: u32,
    /// Longest time between two requests that reached the gateway, for tests of the 2-minute rule.
    max_gap: Duration,
    queue: VecDeque<Value>,
    /// Woken when an event is queued, so a waiting poll answers at once.
    wake: Arc<Notify>,
    /// The agent's own state (ready, not ready, rest, wrap-up).
    mode: agent_ops::AgentMode,
    /// The reason code of the last accepted `saybusy`, for tests.
    busy_reason: Option<u32>,
}

#[derive(Debug)]
struct Agent {
    password: String,
    session: Option<Session>,
    /// The agent's call. It belongs to the phone and the CTI platform, not to the app's session:
    /// it outlives a dropped session and shows up again after the next sign-in.
    call: Option<agent_ops::LiveCall>,
    /// Every Guid ever issued to this agent, so tests can look for leaks of any of them.
    issued: Vec<String>,
    /// Guids of a session that a forced sign-in replaced: the next poll with one of them is told
    /// `AgentOther_ShutdownService` (once), so the displaced client learns it was signed out.
    displaced: Vec<String>,
    /// Which sign-in paths succeeded, in order (`login`, `forcelogin`, `loginex`), for tests.
    sign_ins: Vec<&'static str>,
}

#[derive(Debug)]
struct Inner {
    agents: Mutex<HashMap<u32, Agent>>,
    rules: GatewayRules,
    faults: Mutex<faults::Faults>,
    /// Call-associated data by call id. Kept apart from the agents because it outlives calls and
    /// sessions, as the platform's does.
    call_data: Mutex<calldata::CallDataStore>,
    /// The agents' own recordings, tied to the call they record.
    recordings: Mutex<recording::Recorder>,
    /// Calls that ended, oldest first: the call history CC-FS bills.
    finished: Mutex<Vec<FinishedCall>>,
}

/// A call that ended, as the platform's billing sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinishedCall {
    /// The call id.
    pub call_id: String,
    /// The agent who had it.
    pub agent: u32,
    /// Calling number.
    pub caller: String,
    /// Called number.
    pub called: String,
    /// When it was offered (epoch ms).
    pub offered_ms: i64,
    /// When it was answered (epoch ms), if it was.
    pub answered_ms: Option<i64>,
    /// When it ended (epoch ms).
    pub ended_ms: i64,
    /// Whether the agent recorded it.
    pub recorded: bool,
}

impl Session {
    fn new(now: Instant) -> Self {
        Self {
            guids: vec![(new_guid(), now)],
            last_request: now,
            rotations: 0,
            refreshes: 0,
            max_gap: Duration::ZERO,
            queue: VecDeque::new(),
            wake: Arc::new(Notify::new()),
            mode: agent_ops::AgentMode::default(),
            busy_reason: None,
        }
    }

    fn current_guid(&self) -> &str {
        self.guids.last().map(|(g, _)| g.as_str()).unwrap_or("")
    }
}

fn new_guid() -> String {
    format!("{}.AgentGateway0", uuid::Uuid::new_v4())
}

/// Control handle of the gateway simulator. Cheap to clone.
#[derive(Debug, Clone)]
pub struct GatewayControl {
    inner: Arc<Inner>,
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

impl GatewayControl {
    /// A gateway with no agents.
    pub fn new(rules: GatewayRules) -> Self {
        Self {
            inner: Arc::new(Inner {
                agents: Mutex::new(HashMap::new()),
                rules,
                faults: Mutex::default(),
                call_data: Mutex::default(),
                recordings: Mutex::default(),
                finished: Mutex::default(),
            }),
        }
    }

    /// Every call that ended, oldest first.
    pub fn finished_calls(&self) -> Vec<FinishedCall> {
        self.inner.finished.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The longest gap between two requests of the agent's current session that reached the
    /// gateway, counting the time since the last one.
    pub fn max_request_gap(&self, id: u32) -> Option<Duration> {
        self.with_agents(|a| {
            a.get(&id).and_then(|ag| ag.session.as_ref()).map(|s| s.max_gap.max(s.last_request.elapsed()))
        })
    }

    /// The sign-in paths that succeeded for the agent, in order (`login`, `forcelogin`, `loginex`).
    pub fn sign_in_paths(&self, id: u32) -> Vec<&'static str> {
        self.with_agents(|a| a.get(&id).map(|ag| ag.sign_ins.clone()).unwrap_or_default())
    }

    /// Every Guid issued to the agent so far (sign-ins and rotations), for leak checks.
    pub fn issued_guids(&self, id: u32) -> Vec<String> {
        self.with_agents(|a| a.get(&id).map(|ag| ag.issued.clone()).unwrap_or_default())
    }

    /// How many times the agent's Guid has rotated in the current session.
    pub fn guid_rotations(&self, id: u32) -> u32 {
        self.with_agents(|a| a.get(&id).and_then(|ag| ag.session.as_ref()).map(|s| s.rotations).unwrap_or(0))
    }

    /// How many times `updateGuid` gave the agent a new Guid in the current session.
    pub fn guid_refreshes(&self, id: u32) -> u32 {
        self.with_agents(|a| a.get(&id).and_then(|ag| ag.session.as_ref()).map(|s| s.refreshes).unwrap_or(0))
    }

    /// Moves the gateway's clock `by` forward, as when its host's clock is set or the gateway
    /// was frozen (a VM paused): every session looks that much older, so Guids past their
    /// lifetime are refused and sessions silent for more than 2 minutes are signed out.
    pub fn clock_jump(&self, by: Duration) {
        self.with_agents(|a| {
            for s in a.values_mut().filter_map(|ag| ag.session.as_mut()) {
                let back = |t: Instant| t.checked_sub(by).unwrap_or(t);
                s.last_request = back(s.last_request);
                for (_, issued) in &mut s.guids {
                    *issued = back(*issued);
                }
                s.wake.notify_one();
            }
        });
    }

    /// Makes every Guid of the agent's session invalid while the session stays (what a DR
    /// switchover or a gateway restart does): the next request gets `000-003`.
    pub fn invalidate_guid(&self, id: u32) {
        self.replace_guids(id, true);
    }

    /// As [`Self::invalidate_guid`], but a poll already waiting is not answered early: it ends
    /// at its usual time and only the next request is refused, as with a gateway that keeps a
    /// connection open across a switchover. Requests sent meanwhile are refused first.
    pub fn invalidate_guid_silently(&self, id: u32) {
        self.replace_guids(id, false);
    }

    fn replace_guids(&self, id: u32, wake: bool) {
        self.with_agents(|a| {
            if let Some(s) = a.get_mut(&id).and_then(|ag| ag.session.as_mut()) {
                // Replaced by one nobody was given, so every Guid the client holds is refused.
                s.guids = vec![(new_guid(), Instant::now())];
                // A poll waiting with an old Guid answers now, as a failover drops connections.
                if wake {
                    s.wake.notify_one();
                }
            }
        });
    }

    fn with_agents<T>(&self, f: impl FnOnce(&mut HashMap<u32, Agent>) -> T) -> T {
        let mut g = self.inner.agents.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut g)
    }

    /// Registers an agent (or changes its password).
    pub fn add_agent(&self, id: u32, password: &str) {
        self.with_agents(|a| {
            a.entry(id)
                .and_modify(|ag| ag.password = password.to_owned())
                .or_insert(Agent { password: password.to_owned(), session: None, call: None, issued: Vec::new(), displaced: Vec::new(), sign_ins: Vec::new() });
        });
    }

    /// Whether the agent holds a session (applying the 2-minute rule first).
    pub fn is_signed_in(&self, id: u32) -> bool {
        let limit = self.inner.rules.sign_out_after;
        self.with_agents(|a| match a.get_mut(&id) {
            Some(ag) => {
                expire_idle(ag, limit);
                ag.session.is_some()
            }
            None => false,
        })
    }

    /// Queues one event envelope for a signed-in agent. Returns false if the agent has no session.
    pub fn push_event(&self, id: u32, envelope: Value) -> bool {
        self.with_agents(|a| match a.get_mut(&id).and_then(|ag| ag.session.as_mut()) {
            Some(s) => {
                s.queue.push_back(envelope);
                s.wake.notify_one();
                true
            }
            None => false,
        })
    }

    /// Ends the agent's session as the gateway would after a forced sign-out: later polls get
    /// `100-006`.
    pub fn kick(&self, id: u32) {
        self.with_agents(|a| {
            if let Some(s) = a.get_mut(&id).and_then(|ag| ag.session.take()) {
                // A poll waiting on this session answers now, with 100-006.
                s.wake.notify_one();
            }
        });
    }
}

fn stamp(envelope: &mut Value, agent: u32) {
    envelope["event"]["workNo"] = json!(agent.to_string());
    envelope["event"]["eventGenTime"] = json!(now_ms());
}

/// A fixture envelope, with the agent, the time and (for call events) the parties filled in.
fn event(text: &str, agent: u32, parties: Option<(&str, &str, &str)>) -> Value {
    let mut v = load(text);
    stamp(&mut v, agent);
    if let Some((caller, called, call_id)) = parties {
        let c = &mut v["event"]["content"];
        if c.is_object() {
            c["caller"] = json!(caller);
            c["called"] = json!(called);
            c["callid"] = json!(call_id);
        }
    }
    v
}

fn envelope(text: &str) -> Response {
    Json(load(text)).into_response()
}

fn param_error() -> Response {
    Json(json!({"message": "param is invalid", "retcode": "000-002", "result": {}})).into_response()
}

/// The gateway's routes plus the `/_sim/` control routes.
pub fn router(control: GatewayControl) -> Router {
    let vendor = Router::new()
        .route("/agentgateway/resource/onlineagent/{agentid}", put(sign_in))
        .route("/agentgateway/resource/onlineagent/{agentid}/forcelogin", put(force_sign_in))
        .route("/agentgateway/resource/onlineagent/{agentid}/loginex", put(sign_in_ex))
        .route("/agentgateway/resource/onlineagent/{agentid}/logout", axum::routing::delete(sign_out))
        .route("/agentgateway/resource/onlineagent/{agentid}/updateGuid", put(update_guid))
        .route("/agentgateway/resource/agentevent/{agentid}", get(poll))
        .merge(agent_ops::routes())
        .merge(calldata::routes())
        .merge(callinfo::routes())
        .merge(recording::routes())
        // Faults stand in front of the vendor routes only; the control routes always answer.
        .layer(axum::middleware::from_fn_with_state(control.clone(), faults::apply));
    Router::new()
        .merge(vendor)
        .route("/_sim/gateway/agents", post(control_add_agent))
        .route("/_sim/gateway/agents/{agentid}/calls", post(control_call))
        .route("/_sim/gateway/agents/{agentid}/kick", post(control_kick))
        .route("/_sim/gateway/agents/{agentid}/invalidate-guid", post(control_invalidate_guid))
        .route("/_sim/gateway/agents/{agentid}/issued-guids", get(control_issued_guids))
        .route("/_sim/gateway/clock-jump", post(control_clock_jump))
        .merge(calldata::control_routes())
        .merge(recording::control_routes())
        .with_state(control)
}

fn agent_id(raw: &str) -> Option<u32> {
    raw.parse::<u32>().ok().filter(|n| (101..=999_999).contains(n))
}

async fn sign_in(State(ctl): State<GatewayControl>, Path(raw): Path<String>, body: String) -> Response {
    sign_in_as(ctl, raw, body, "login")
}

async fn force_sign_in(State(ctl): State<GatewayControl>, Path(raw): Path<String>, body: String) -> Response {
    sign_in_as(ctl, raw, body, "forcelogin")
}

/// `loginex` signs in to the CTI platform only; to the simulator (voice only) it is a sign-in.
async fn sign_in_ex(State(ctl): State<GatewayControl>, Path(raw): Path<String>, body: String) -> Response {
    sign_in_as(ctl, raw, body, "loginex")
}

fn sign_in_as(ctl: GatewayControl, raw: String, body: String, kind: &'static str) -> Response {
    let force = kind == "forcelogin";
    let Some(id) = agent_id(&raw) else { return param_error() };
    let Ok(body) = serde_json::from_str::<Value>(&body) else { return param_error() };
    let password = body.get("password").and_then(Value::as_str);
    let phone = body.get("phonenum").and_then(Value::as_str).unwrap_or("");
    let Some(password) = password else { return envelope(fixture!("error_invalid_param.json")) };
    if password.chars().count() > 32 || phone.chars().count() > 24 {
        return envelope(fixture!("error_invalid_param.json"));
    }
    let limit = ctl.inner.rules.sign_out_after;
    let outcome = ctl.with_agents(|agents| {
        let Some(agent) = agents.get_mut(&id) else { return Err(fixture!("error_bad_credentials.json")) };
        if agent.password != password {
            return Err(fixture!("error_bad_credentials.json"));
        }
        expire_idle(agent, limit);
        if agent.session.is_some() && !force {
            return Err(fixture!("error_already_signed_in.json"));
        }
        let session = Session::new(Instant::now());
        let guid = session.current_guid().to_owned();
        agent.issued.push(guid.clone());
        agent.sign_ins.push(kind);
        if let Some(old) = agent.session.replace(session) {
            agent.displaced = old.guids.into_iter().map(|(g, _)| g).collect();
            old.wake.notify_one();
        }
        Ok((guid, agent.call.is_some()))
    });
    let (guid, on_call) = match outcome {
        Ok(g) => g,
        Err(text) => return envelope(text),
    };
    ctl.push_event(id, event(fixture!("event_inservice.json"), id, None));
    // Signing in again during a call: the agent is busy with it, not ready.
    let state = if on_call { fixture!("event_state_busy.json") } else { fixture!("event_state_ready.json") };
    ctl.push_event(id, event(state, id, None));
    let mut ok = load(fixture!("signin_response.json"));
    ok["result"]["workno"] = json!(id.to_string());
    ok["result"]["loginTime"] = json!(now_ms().to_string());
    let mut resp = Json(ok).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("JSESSIONID={guid}")) {
        resp.headers_mut().insert("Set-GUID", v);
    }
    resp
}

/// `updateGuid`: a request with a valid Guid gets a new one in `Set-GUID`; the old ones stay
/// accepted for their lifetime, as after a rotation. An invalid Guid gets `000-003`.
async fn update_guid(State(ctl): State<GatewayControl>, Path(raw): Path<String>, headers: HeaderMap) -> Response {
    let Some(id) = agent_id(&raw) else { return param_error() };
    if let Err(text) = check_guid(&ctl, id, &headers) {
        return envelope(text);
    }
    let fresh = ctl.with_agents(|a| {
        let ag = a.get_mut(&id)?;
        let s = ag.session.as_mut()?;
        let g = new_guid();
        s.guids.push((g.clone(), Instant::now()));
        s.refreshes += 1;
        ag.issued.push(g.clone());
        Some(g)
    });
    with_guid(Json(json!({"message": "success", "retcode": "0", "result": {}})).into_response(), fresh)
}

/// Signs the agent out if no request reached the gateway for `limit` (the 2-minute rule).
fn expire_idle(agent: &mut Agent, limit: Duration) {
    if agent.session.as_ref().is_some_and(|s| s.last_request.elapsed() > limit) {
        agent.session = None;
    }
}

impl GatewayControl {
    /// Whether the `Guid` header is one of the session's Guids (read-only: no rotation, no
    /// 2-minute bookkeeping), for a poll that waited while things changed.
    fn guid_still_accepted(&self, id: u32, headers: &HeaderMap) -> bool {
        let sent = headers.get("guid").and_then(|v| v.to_str().ok()).unwrap_or("");
        self.with_agents(|a| {
            a.get(&id).and_then(|ag| ag.session.as_ref()).is_some_and(|s| s.guids.iter().any(|(g, _)| g == sent))
        })
    }
}

/// What a request with a valid Guid gets: the wake-up of the agent's queue, and a new Guid to
/// send in `Set-GUID` when one was issued now.
struct Admitted {
    wake: Arc<Notify>,
    new_guid: Option<String>,
}

/// Checks the `Guid` header against the agent's session, applies the 2-minute rule, notes the
/// request, and rotates the Guid when AUTHMODE 2 says it is time. `Err` is the envelope to send.
fn check_guid(ctl: &GatewayControl, id: u32, headers: &HeaderMap) -> Result<Admitted, &'static str> {
    let sent = headers.get("guid").and_then(|v| v.to_str().ok()).unwrap_or("");
    let rules = ctl.inner.rules;
    ctl.with_agents(|a| {
        let Some(agent) = a.get_mut(&id) else { return Err(fixture!("error_not_signed_in.json")) };
        expire_idle(agent, rules.sign_out_after);
        let Some(s) = agent.session.as_mut() else { return Err(fixture!("error_not_signed_in.json")) };
        let now = Instant::now();
        let accepted = match rules.auth_mode {
            AuthMode::Static => s.current_guid() == sent,
            AuthMode::Dynamic { lifetime, .. } => {
                s.guids.retain(|(_, issued)| now.duration_since(*issued) < lifetime);
                s.guids.iter().any(|(g, _)| g == sent)
            }
        };
        if !accepted {
            return Err(fixture!("error_no_permission.json"));
        }
        s.max_gap = s.max_gap.max(now.duration_since(s.last_request));
        s.last_request = now;
        let mut rotated = None;
        if let AuthMode::Dynamic { interval, .. } = rules.auth_mode {
            let issued = s.guids.last().map(|(_, t)| *t).unwrap_or(now);
            if now.duration_since(issued) >= interval {
                let g = new_guid();
                s.guids.push((g.clone(), now));
                s.rotations += 1;
                rotated = Some(g);
            }
        }
        let wake = s.wake.clone();
        if let Some(g) = &rotated {
            agent.issued.push(g.clone());
        }
        Ok(Admitted { wake, new_guid: rotated })
    })
}

fn with_guid(mut resp: Response, guid: Option<String>) -> Response {
    if let Some(v) = guid.and_then(|g| HeaderValue::from_str(&format!("JSESSIONID={g}")).ok()) {
        resp.headers_mut().insert("Set-GUID", v);
    }
    resp
}

/// If `headers` carry a Guid of a session a forced sign-in replaced, forgets it and says so.
fn take_displaced(ctl: &GatewayControl, id: u32, headers: &HeaderMap) -> bool {
    let sent = headers.get("guid").and_then(|v| v.to_str().ok()).unwrap_or("");
    ctl.with_agents(|a| {
        let Some(ag) = a.get_mut(&id) else { return false };
        let found = ag.displaced.iter().any(|g| g == sent);
        if found {
            ag.displaced.clear();
        }
        found
    })
}

fn displaced_answer(id: u32) -> Response {
    Json(event(fixture!("event_shutdown.json"), id, None)).into_response()
}

async fn poll(State(ctl): State<GatewayControl>, Path(raw): Path<String>, headers: HeaderMap) -> Response {
    let Some(id) = agent_id(&raw) else { return param_error() };
    if take_displaced(&ctl, id, &headers) {
        return displaced_answer(id);
    }
    let deadline = Instant::now() + ctl.inner.rules.poll_wait;
    let admitted = match check_guid(&ctl, id, &headers) {
        Ok(a) => a,
        Err(text) => return envelope(text),
    };
    loop {
        let next = ctl.with_agents(|a| a.get_mut(&id).and_then(|ag| ag.session.as_mut()).and_then(|s| s.queue.pop_front()));
        if let Some(ev) = next {
            return with_guid(Json(ev).into_response(), admitted.new_guid);
        }
        // `notify_one` stores a permit, so an event queued between the check and this wait is not missed.
        if tokio::time::timeout_at(deadline, admitted.wake.notified()).await.is_err() {
            return with_guid(envelope(fixture!("event_none.json")), admitted.new_guid);
        }
        // Woken: the session may have ended meanwhile (kick, forced sign-in elsewhere), or its
        // Guids been invalidated.
        if take_displaced(&ctl, id, &headers) {
            return displaced_answer(id);
        }
        if !ctl.is_signed_in(id) {
            return envelope(fixture!("error_not_signed_in.json"));
        }
        if !ctl.guid_still_accepted(id, &headers) {
            return envelope(fixture!("error_no_permission.json"));
        }
    }
}

async fn sign_out(State(ctl): State<GatewayControl>, Path(raw): Path<String>, headers: HeaderMap) -> Response {
    let Some(id) = agent_id(&raw) else { return param_error() };
    if let Err(text) = check_guid(&ctl, id, &headers) {
        return envelope(text);
    }
    let refused = ctl.with_agents(|a| {
        let ag = a.get_mut(&id)?;
        if ag.call.is_some() {
            return Some(());
        }
        ag.session = None;
        None
    });
    if refused.is_some() {
        return Json(json!({"message": "agent is talking, cannot logout", "retcode": "100-010", "result": {}})).into_response();
    }
    envelope(fixture!("success_empty.json"))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewAgent {
    agent_id: u32,
    password: String,
}

async fn control_add_agent(State(ctl): State<GatewayControl>, Json(a): Json<NewAgent>) -> Response {
    ctl.add_agent(a.agent_id, &a.password);
    Json(json!({"ok": true})).into_response()
}

async fn control_call(State(ctl): State<GatewayControl>, Path(id): Path<u32>, Json(script): Json<CallScript>) -> Response {
    if !ctl.is_signed_in(id) {
        return (axum::http::StatusCode::CONFLICT, Json(json!({"error": "agent is not signed in"}))).into_response();
    }
    let call_id = ctl.play_inbound_call(id, script);
    Json(json!({"callId": call_id})).into_response()
}

async fn control_issued_guids(State(ctl): State<GatewayControl>, Path(id): Path<u32>) -> Response {
    Json(json!({"guids": ctl.issued_guids(id)})).into_response()
}

async fn control_invalidate_guid(State(ctl): State<GatewayControl>, Path(id): Path<u32>) -> Response {
    ctl.invalidate_guid(id);
    Json(json!({"ok": true})).into_response()
}

async fn control_kick(State(ctl): State<GatewayControl>, Path(id): Path<u32>) -> Response {
    ctl.kick(id);
    Json(json!({"ok": true})).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    async fn call(app: &Router, req: Request<Body>) -> (HeaderMap, Value) {
        let resp = app.clone().oneshot(req).await.unwrap();
        assert_eq!(resp.status(), 200, "the gateway answers business errors with HTTP 200");
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        (headers, serde_json::from_slice(&bytes).unwrap())
    }

    fn sign_in_req(id: &str, body: &str) -> Request<Body> {
        Request::put(format!("/agentgateway/resource/onlineagent/{id}")).body(Body::from(body.to_owned())).unwrap()
    }

    fn poll_req(id: u32, guid: &str) -> Request<Body> {
        Request::get(format!("/agentgateway/resource/agentevent/{id}")).header("Guid", guid).body(Body::empty()).unwrap()
    }

    #[test]
    fn fixtures_parse() {
        for text in [
            fixture!("signin_response.json"),
            fixture!("event_none.json"),
            fixture!("event_ringing.json"),
            fixture!("event_talking.json"),
            fixture!("event_call_release.json"),
            fixture!("event_customer_release.json"),
            fixture!("error_not_signed_in.json"),
        ] {
            assert!(serde_json::from_str::<Value>(text).is_ok(), "fixture must be JSON: {text}");
        }
    }

    #[tokio::test]
    async fn sign_in_enforces_documented_limits_and_codes() {
        let ctl = GatewayControl::new(GatewayRules { poll_wait: Duration::from_millis(50), ..Default::default() });
        ctl.add_agent(291, "pw");
        let app = router(ctl);
        let (_, b) = call(&app, sign_in_req("100", r#"{"password":"pw","phonenum":"1"}"#)).await;
        assert_eq!(b["retcode"], "000-002", "agent id below 101 is a parameter error");
        let long_pw = "x".repeat(33);
        let (_, b) = call(&app, sign_in_req("291", &format!(r#"{{"password":"{long_pw}","phonenum":"1"}}"#))).await;
        assert_eq!(b["retcode"], "100-001", "passwords are at most 32 characters");
        let (_, b) = call(&app, sign_in_req("291", &format!(r#"{{"password":"pw","phonenum":"{}"}}"#, "1".repeat(25)))).await;
        assert_eq!(b["retcode"], "100-001", "phone numbers are at most 24 characters");
        let (_, b) = call(&app, sign_in_req("291", r#"{"password":"no","phonenum":"1"}"#)).await;
        assert_eq!(b["retcode"], "100-004");
        let (h, b) = call(&app, sign_in_req("291", r#"{"password":"pw","phonenum":"1"}"#)).await;
        assert_eq!(b["retcode"], "0");
        assert_eq!(b["result"]["workno"], "291");
        let set_guid = h.get("set-guid").unwrap().to_str().unwrap();
        assert!(set_guid.starts_with("JSESSIONID=") && set_guid.ends_with(".AgentGateway0"), "{set_guid}");
        let (_, b) = call(&app, sign_in_req("291", r#"{"password":"pw","phonenum":"1"}"#)).await;
        assert_eq!(b["retcode"], "100-002", "a second sign-in is refused as already signed in");
    }

    #[tokio::test]
    async fn poll_needs_the_right_guid_and_answers_one_event_at_a_time() {
        let ctl = GatewayControl::new(GatewayRules { poll_wait: Duration::from_millis(50), ..Default::default() });
        ctl.add_agent(291, "pw");
        let app = router(ctl);
        let (_, b) = call(&app, poll_req(291, "whatever")).await;
        assert_eq!(b["retcode"], "100-006", "no session yet");
        let (h, _) = call(&app, sign_in_req("291", r#"{"password":"pw","phonenum":"1"}"#)).await;
        let guid = h.get("set-guid").unwrap().to_str().unwrap().trim_start_matches("JSESSIONID=").to_owned();
        let (_, b) = call(&app, poll_req(291, "wrong")).await;
        assert_eq!(b["retcode"], "000-003", "a wrong Guid for a signed-in agent is an auth failure");
        let (_, b) = call(&app, poll_req(291, &guid)).await;
        assert_eq!(b["event"]["eventType"], "AgentOther_InService");
        let (_, b) = call(&app, poll_req(291, &guid)).await;
        assert_eq!(b["event"]["eventType"], "AgentState_Ready");
        let (_, b) = call(&app, poll_req(291, &guid)).await;
        assert_eq!(b["retcode"], "0");
        assert!(b.get("event").is_none(), "an empty wait ends with no event: {b}");
    }

    #[tokio::test(start_paused = true)]
    async fn scripted_call_plays_in_vendor_order() {
        let ctl = GatewayControl::new(GatewayRules { poll_wait: Duration::from_secs(10), ..Default::default() });
        ctl.add_agent(291, "pw");
        let app = router(ctl.clone());
        let (h, _) = call(&app, sign_in_req("291", r#"{"password":"pw","phonenum":"1"}"#)).await;
        let guid = h.get("set-guid").unwrap().to_str().unwrap().trim_start_matches("JSESSIONID=").to_owned();
        let id = ctl.play_inbound_call(
            291,
            CallScript { caller: "5551".into(), called: "40038".into(), call_id: Some("9-9".into()), ring_ms: 1000, talk_ms: 2000, auto_answer: true },
        );
        assert_eq!(id, "9-9");
        let mut seen = Vec::new();
        for _ in 0..11 {
            let (_, b) = call(&app, poll_req(291, &guid)).await;
            seen.push(b["event"]["eventType"].as_str().unwrap().to_owned());
            if b["event"]["eventType"] == "AgentEvent_Ringing" {
                assert_eq!(b["event"]["content"]["caller"], "5551");
                assert_eq!(b["event"]["content"]["callid"], "9-9");
            }
            if b["event"]["eventType"] == "AgentEvent_Call_Release" {
                assert_eq!(b["event"]["content"], "9-9", "release carries the bare call id");
            }
        }
        assert_eq!(
            seen,
            [
                "AgentOther_InService", "AgentState_Ready", "AgentOther_PhoneAlerting", "AgentEvent_Ringing",
                "AgentOther_PhoneOffhook", "AgentState_Busy", "AgentEvent_Talking", "AgentEvent_Customer_Release",
                "AgentEvent_Call_Release", "AgentOther_PhoneRelease", "AgentState_Ready",
            ]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn sign_out_is_refused_during_a_call() {
        let ctl = GatewayControl::new(GatewayRules { poll_wait: Duration::from_millis(50), ..Default::default() });
        ctl.add_agent(291, "pw");
        let app = router(ctl.clone());
        let (h, _) = call(&app, sign_in_req("291", r#"{"password":"pw","phonenum":"1"}"#)).await;
        let guid = h.get("set-guid").unwrap().to_str().unwrap().trim_start_matches("JSESSIONID=").to_owned();
        ctl.play_inbound_call(291, CallScript { caller: "5".into(), called: "6".into(), call_id: None, ring_ms: 100, talk_ms: 1000, auto_answer: true });
        tokio::time::sleep(Duration::from_millis(200)).await;
        let out = || Request::delete("/agentgateway/resource/onlineagent/291/logout").header("Guid", &guid).body(Body::empty()).unwrap();
        let (_, b) = call(&app, out()).await;
        assert_eq!(b["retcode"], "100-010", "refused while talking");
        tokio::time::sleep(Duration::from_millis(1000)).await;
        let (_, b) = call(&app, out()).await;
        assert_eq!(b["retcode"], "0", "accepted once the customer hung up");
        assert!(!ctl.is_signed_in(291));
    }

    fn guid_of(h: &HeaderMap) -> Option<String> {
        h.get("set-guid").map(|v| v.to_str().unwrap().trim_start_matches("JSESSIONID=").to_owned())
    }

    fn quick(auth_mode: AuthMode) -> (GatewayControl, Router) {
        let rules = GatewayRules { poll_wait: Duration::from_millis(1), auth_mode, sign_out_after: Duration::from_secs(120) };
        let ctl = GatewayControl::new(rules);
        ctl.add_agent(291, "pw");
        let app = router(ctl.clone());
        (ctl, app)
    }

    #[tokio::test(start_paused = true)]
    async fn authmode_2_rotates_the_guid_and_old_ones_expire() {
        let (ctl, app) = quick(AuthMode::Dynamic { interval: Duration::from_secs(60), lifetime: Duration::from_secs(120) });
        let (h, _) = call(&app, sign_in_req("291", r#"{"password":"pw","phonenum":"1"}"#)).await;
        let g0 = guid_of(&h).unwrap();
        let (h, b) = call(&app, poll_req(291, &g0)).await;
        assert_eq!((b["retcode"].as_str(), guid_of(&h)), (Some("0"), None), "no rotation before the interval");
        tokio::time::advance(Duration::from_secs(61)).await;
        let (h, b) = call(&app, poll_req(291, &g0)).await;
        assert_eq!(b["retcode"], "0");
        let g1 = guid_of(&h).expect("after 60 s the answer carries a new Guid");
        assert_ne!(g0, g1);
        tokio::time::advance(Duration::from_secs(30)).await;
        let (_, b) = call(&app, poll_req(291, &g0)).await;
        assert_eq!(b["retcode"], "0", "the old Guid is still accepted within its 120 s lifetime");
        tokio::time::advance(Duration::from_secs(31)).await;
        let (_, b) = call(&app, poll_req(291, &g0)).await;
        assert_eq!(b["retcode"], "000-003", "past its lifetime the old Guid is refused");
        let (h, b) = call(&app, poll_req(291, &g1)).await;
        assert_eq!(b["retcode"], "0");
        assert!(guid_of(&h).is_some(), "60 s after g1 was issued, the next rotation comes");
        assert_eq!(ctl.guid_rotations(291), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn authmode_1_keeps_one_guid() {
        let (ctl, app) = quick(AuthMode::Static);
        let (h, _) = call(&app, sign_in_req("291", r#"{"password":"pw","phonenum":"1"}"#)).await;
        let g0 = guid_of(&h).unwrap();
        for _ in 0..5 {
            tokio::time::advance(Duration::from_secs(100)).await;
            let (h, b) = call(&app, poll_req(291, &g0)).await;
            assert_eq!((b["retcode"].as_str(), guid_of(&h)), (Some("0"), None));
        }
        assert_eq!(ctl.guid_rotations(291), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn an_agent_silent_for_two_minutes_is_signed_out() {
        let (ctl, app) = quick(AuthMode::Static);
        let (h, _) = call(&app, sign_in_req("291", r#"{"password":"pw","phonenum":"1"}"#)).await;
        let g = guid_of(&h).unwrap();
        tokio::time::advance(Duration::from_secs(110)).await;
        let (_, b) = call(&app, poll_req(291, &g)).await;
        assert_eq!(b["retcode"], "0", "a request within 2 minutes keeps the session");
        tokio::time::advance(Duration::from_secs(110)).await;
        assert!(ctl.is_signed_in(291), "the clock restarted at the last request");
        tokio::time::advance(Duration::from_secs(11)).await;
        assert!(!ctl.is_signed_in(291));
        let (_, b) = call(&app, poll_req(291, &g)).await;
        assert_eq!(b["retcode"], "100-006");
        let (_, b) = call(&app, sign_in_req("291", r#"{"password":"pw","phonenum":"1"}"#)).await;
        assert_eq!(b["retcode"], "0", "after the automatic sign-out a plain sign-in works again");
    }

    #[tokio::test(start_paused = true)]
    async fn forcelogin_replaces_the_session() {
        let (_, app) = quick(AuthMode::Static);
        let (h, _) = call(&app, sign_in_req("291", r#"{"password":"pw","phonenum":"1"}"#)).await;
        let old = guid_of(&h).unwrap();
        let force = Request::put("/agentgateway/resource/onlineagent/291/forcelogin")
            .body(Body::from(r#"{"password":"pw","phonenum":"1"}"#))
            .unwrap();
        let (h, b) = call(&app, force).await;
        assert_eq!(b["retcode"], "0");
        let new = guid_of(&h).unwrap();
        let (_, b) = call(&app, poll_req(291, &old)).await;
        assert_eq!(b["event"]["eventType"], "AgentOther_ShutdownService", "the replaced session is told once");
        let (_, b) = call(&app, poll_req(291, &old)).await;
        assert_eq!(b["retcode"], "000-003", "then the replaced session's Guid no longer works");
        let (_, b) = call(&app, poll_req(291, &new)).await;
        assert_eq!(b["retcode"], "0");
        let bad = Request::put("/agentgateway/resource/onlineagent/291/forcelogin").body(Body::from(r#"{"password":"no","phonenum":"1"}"#)).unwrap();
        assert_eq!(call(&app, bad).await.1["retcode"], "100-004", "forcelogin still checks the password");
    }

}

#[derive(Deserialize)]
struct ClockJump {
    secs: u64,
}

async fn control_clock_jump(State(ctl): State<GatewayControl>, Json(j): Json<ClockJump>) -> Response {
    ctl.clock_jump(Duration::from_secs(j.secs));
    Json(json!({"ok": true})).into_response()
}
