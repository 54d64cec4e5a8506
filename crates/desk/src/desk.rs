//! [`Desk`]: the handle the shell holds. Sign-in, sign-out and the poll actor.
//!
//! The session is an actor: after sign-in a task owns the long-poll loop and is the only writer of
//! the call model; the handle publishes [`DeskSnapshot`]s on a `watch` channel that the shell
//! forwards to the UI. The poll loop never dies silently: every failure changes the published
//! health and notice, and a session the gateway ended shows as `Lost` with a reason.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Deserialize;
use sidekick_aicc::gateway::{AgentId, GatewayClient, GatewayConfig, GatewayError, RetryKind, SignInRequest, StateRequest};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use ts_rs::TS;

use crate::call::CallBoard;
use crate::clock::Clock;
use crate::error::{capitalized, DeskError};
use crate::model::*;
use crate::secrets::{password_account, SecretStore};
use sidekick_aicc::tls::{client_config, parse_pin, TlsTrust};
use crate::settings::{SettingsStore, StoredSettings};

/// Pause between an answered poll and the next one (vendor guide: 200–500 ms).
const REPOLL_DELAY: Duration = Duration::from_millis(200);
/// How long a hang-up waits for the call's notes still on their way to the gateway.
pub const HANG_UP_NOTES_WAIT: Duration = Duration::from_secs(5);

/// How long an agent's request refused for its session waits for the poll loop to bring the
/// session back before the refusal is shown: a long poll's wait (about 10 s, when the gateway
/// dropped the session silently) plus a sign-in.
pub const RECOVERY_WAIT: Duration = Duration::from_secs(15);

/// The pause between polls: [`REPOLL_DELAY`], unless `SIDEKICK_POLL_PAUSE_MS` says otherwise (at
/// most 500). Only the benchmarks set it: with one event per poll, the vendor's pause makes a call
/// of ten events take two seconds to arrive, which bounds how fast a simulated shift can go, and
/// setting it to 0 shows how much of a latency is the app's own.
fn repoll_delay() -> Duration {
    static DELAY: std::sync::OnceLock<Duration> = std::sync::OnceLock::new();
    *DELAY.get_or_init(|| {
        std::env::var("SIDEKICK_POLL_PAUSE_MS")
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map_or(REPOLL_DELAY, |ms| Duration::from_millis(ms.min(500)))
    })
}
/// Backoff after failed polls: doubles from the first value up to the cap. The cap keeps the gap
/// between polls far below the gateway's 2-minute sign-out rule.
const BACKOFF_FIRST: Duration = Duration::from_millis(500);
const BACKOFF_CAP: Duration = Duration::from_secs(15);
/// Network failures (refused, unreachable) are retried at least this often, so a session is
/// back within seconds of the network returning (after a Wi-Fi change, a cable, a wake-up).
const NETWORK_BACKOFF_CAP: Duration = Duration::from_secs(3);
/// How often the sleep watch compares the wall clock with the monotonic clock.
const WAKE_WATCH_TICK: Duration = Duration::from_secs(1);
/// A wall-clock jump this much larger than the monotonic time between two ticks means the
/// computer slept (or its clock was set): the poll in flight is likely dead, so start over.
const WAKE_JUMP: Duration = Duration::from_secs(10);

/// The sign-in form as the agent filled it in. Every field is checked before anything is sent.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SignInForm {
    /// `https://host:8043`.
    pub gateway_url: String,
    /// Work number, as typed.
    pub agent_id: String,
    /// CTI password, never logged. Empty means "use the one in the OS keychain", if any.
    pub password: String,
    /// The agent's softphone number.
    pub phone_number: String,
    /// Keep the typed password in the OS keychain after a successful sign-in.
    #[serde(default)]
    pub remember: bool,
    /// Take the agent's session over from wherever it is signed in (`forcelogin`). Sent only
    /// after the agent confirmed, having been told that a plain sign-in met `100-002`.
    #[serde(default)]
    pub force: bool,
}

struct Validated {
    url: url::Url,
    agent_id: AgentId,
    request: SignInRequest,
}

impl SignInForm {
    /// The keychain account for this agent on this gateway, if the form names both clearly.
    fn keychain_account(&self) -> Option<String> {
        keychain_account(&self.gateway_url, self.agent_id.parse::<AgentId>().ok()?.get())
    }

    fn validate(&self) -> Result<Validated, DeskError> {
        let url = gateway_address(&self.gateway_url)?;
        let agent_id = self
            .agent_id
            .parse::<AgentId>()
            .map_err(|e| DeskError::Invalid(capitalized(&e.to_string())))?;
        if self.password.is_empty() {
            return Err(DeskError::Invalid("Enter your agent password".into()));
        }
        if self.password.chars().count() > SignInRequest::PASSWORD_MAX {
            return Err(DeskError::Invalid(format!("The password can be at most {} characters", SignInRequest::PASSWORD_MAX)));
        }
        let phone = self.phone_number.trim();
        if phone.is_empty() {
            return Err(DeskError::Invalid("Enter the phone number of your softphone".into()));
        }
        if phone.chars().count() > SignInRequest::PHONENUM_MAX {
            return Err(DeskError::Invalid(format!("The phone number can be at most {} characters", SignInRequest::PHONENUM_MAX)));
        }
        let request = SignInRequest {
            password: self.password.clone(),
            phonenum: phone.to_owned(),
            status: Some(4),
            autoanswer: Some(false),
            releasephone: Some(false),
            agenttype: Some(4),
        };
        Ok(Validated { url, agent_id, request })
    }
}

/// The gateway address as typed (or set by policy), parsed: `http` or `https` with a host.
pub(crate) fn gateway_address(raw: &str) -> Result<url::Url, DeskError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(DeskError::Invalid("Enter the gateway address, for example https://cc.example.com:8043".into()));
    }
    url::Url::parse(raw)
        .ok()
        .filter(|u| u.host().is_some() && matches!(u.scheme(), "http" | "https"))
        .ok_or_else(|| DeskError::Invalid(format!("\"{raw}\" is not a gateway address; write it like https://cc.example.com:8043")))
}

/// The keychain account of an agent's password on the gateway at `gateway_url`, if the address
/// parses: the one place the form and the remembered settings both name it from.
fn keychain_account(gateway_url: &str, agent_id: u32) -> Option<String> {
    let url = url::Url::parse(gateway_url.trim()).ok()?;
    Some(password_account(agent_id, &host_of(&url)?))
}

fn host_of(url: &url::Url) -> Option<String> {
    url.host_str().map(|h| match url.port() {
        Some(p) => format!("{h}:{p}"),
        None => h.to_owned(),
    })
}

struct Running {
    client: GatewayClient,
    poller: JoinHandle<()>,
}

pub(crate) struct Inner {
    pub(crate) snapshot: watch::Sender<DeskSnapshot>,
    running: Mutex<Option<Running>>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) secrets: Arc<dyn SecretStore>,
    settings: Option<SettingsStore>,
    /// Guards against two sign-ins or sign-outs at once (the gateway refuses them too: 100-021).
    op: tokio::sync::Mutex<()>,
    pub(crate) demo: Mutex<Option<crate::demo::DemoRuntime>>,
    pub(crate) notes: crate::notes::Notes,
    pub(crate) recorder: Mutex<Option<Arc<crate::recording::Recorder>>>,
    /// The demo's ODFS simulator, while the demo runs.
    pub(crate) demo_odfs: Mutex<Option<crate::demo::DemoOdfs>>,
    /// The demo's CC-FS, while the demo runs.
    pub(crate) demo_ccfs: Mutex<Option<crate::demo::DemoCcfs>>,
    /// Why the recording hotkey could not be registered, if it could not.
    /// What the last look for an update found.
    pub(crate) update: Mutex<crate::update::UpdateView>,
    pub(crate) hotkey_problems: Mutex<std::collections::BTreeMap<crate::hotkeys::HotkeyAction, String>>,
    /// The Call Interactive server, its rules and status.
    pub(crate) interactive: Mutex<crate::interactive::runtime::InteractiveSlot>,
    /// One start, move or stop of the Call Interactive server at a time.
    pub(crate) interactive_op: tokio::sync::Mutex<()>,
    /// The phone number of the current (or last) sign-in, for `{me}` in Call Interactive rules.
    pub(crate) session_phone: Mutex<Option<String>>,
    /// The supervisor's export: store, callback receiver.
    pub(crate) exports: crate::export::runtime::Exports,
    /// IVR takeover: the client, the demo's simulator.
    pub(crate) takeover: crate::takeover::runtime::Takeover,
    /// The administrator's policy, once the shell has read it.
    policy: std::sync::RwLock<Option<Arc<crate::policy::PolicyLoad>>>,
    /// How many times the poll loop has brought the session back (a fresh Guid or a new
    /// sign-in); an agent's click refused for its session waits for this to move.
    recoveries: std::sync::atomic::AtomicU64,
}

/// One agent's desk. Cheap to clone; clones share everything.
#[derive(Clone)]
pub struct Desk {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Desk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Desk").finish_non_exhaustive()
    }
}

fn signed_out() -> DeskSnapshot {
    DeskSnapshot {
        revision: 0,
        session: SessionView {
            phase: SessionPhase::SignedOut,
            agent_id: None,
            agent_state: AgentState::Unknown,
            health: Health::Offline,
            notice: None,
            demo: false,
            gateway: None,
            can_change_state: false,
            last_contact_ms: None,
            busy_reasons: Vec::new(),
        },
        call: None,
        notes: None,
        recording: None,
        ivr: None,
        relay: None,
        exports: Vec::new(),
        takeover: None,
    }
}

fn yes(b: bool) -> &'static str {
    if b {
        "saved"
    } else {
        "none"
    }
}

/// The settings with anything that could carry a secret cut: an address keeps its scheme, host
/// and port only (a path may hold a token), the Call Interactive rules are counted, and a field
/// whose name says key, secret, token or password is dropped.
fn redacted(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(k, _)| {
                    let k = k.to_ascii_lowercase();
                    !(k.contains("secret") || k.contains("token") || k.contains("password") || (k.contains("key") && k != "hotkeys" && !k.ends_with("hotkey")))
                })
                .map(|(k, v)| match (k.as_str(), v) {
                    ("rules", Value::Array(a)) => (k, Value::String(format!("{} rules", a.len()))),
                    (_, v) => (k, redacted(v)),
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(redacted).collect()),
        Value::String(s) => match url::Url::parse(&s) {
            Ok(u) if u.has_host() => {
                Value::String(format!("{}://{}{}/…", u.scheme(), u.host_str().unwrap_or_default(), u.port().map(|p| format!(":{p}")).unwrap_or_default()))
            }
            _ => Value::String(s),
        },
        other => other,
    }
}

/// The recording hotkey in use: `CmdOrCtrl+Shift+R` unless the settings name another; an empty
/// one is off.
fn record_hotkey(stored: &StoredSettings) -> Option<String> {
    match &stored.record_hotkey {
        None => Some(crate::recording::DEFAULT_RECORD_HOTKEY.to_owned()),
        Some(h) if h.trim().is_empty() => None,
        Some(h) => Some(h.trim().to_owned()),
    }
}

/// The administrator's not-ready reasons that the gateway accepts (200–250), in their order.
fn valid_busy_reasons(configured: &[BusyReason]) -> Vec<BusyReason> {
    configured
        .iter()
        .filter(|r| {
            let ok = (200..=250).contains(&r.code) && !r.label.trim().is_empty();
            if !ok {
                tracing::warn!(code = r.code, "busy reason skipped: codes must be 200–250 and have a label");
            }
            ok
        })
        .cloned()
        .collect()
}

impl Desk {
    /// A desk with settings in `config_dir` (`None`: settings are not persisted, as in tests).
    ///
    /// `secrets` is where a remembered password goes: [`crate::secrets::OsKeychain`] in the app.
    pub fn new(config_dir: Option<&std::path::Path>, clock: Arc<dyn Clock>, secrets: Arc<dyn SecretStore>) -> Self {
        Self::with_data_dir(config_dir, None, clock, secrets)
    }

    /// A desk with settings in `config_dir` and the notes store in `data_dir` (`None`: in
    /// memory only, as in tests).
    pub fn with_data_dir(
        config_dir: Option<&std::path::Path>,
        data_dir: Option<&std::path::Path>,
        clock: Arc<dyn Clock>,
        secrets: Arc<dyn SecretStore>,
    ) -> Self {
        let (snapshot, _) = watch::channel(signed_out());
        Self {
            inner: Arc::new(Inner {
                snapshot,
                running: Mutex::new(None),
                clock,
                secrets,
                settings: config_dir.map(SettingsStore::in_dir),
                op: tokio::sync::Mutex::new(()),
                demo: Mutex::new(None),
                notes: crate::notes::Notes::open(data_dir),
                recorder: Mutex::new(None),
                demo_odfs: Mutex::new(None),
                demo_ccfs: Mutex::new(None),
                hotkey_problems: Mutex::default(),
                update: Mutex::default(),
                interactive: Mutex::new(Default::default()),
                interactive_op: tokio::sync::Mutex::new(()),
                session_phone: Mutex::new(None),
                exports: crate::export::runtime::Exports::open(data_dir),
                takeover: Default::default(),
                policy: Default::default(),
                recoveries: std::sync::atomic::AtomicU64::new(0),
            }),
        }
    }

    /// The current snapshot.
    pub fn snapshot(&self) -> DeskSnapshot {
        self.inner.snapshot.borrow().clone()
    }

    /// Every change of the snapshot.
    pub fn subscribe(&self) -> watch::Receiver<DeskSnapshot> {
        self.inner.snapshot.subscribe()
    }

    pub(crate) fn update(&self, f: impl FnOnce(&mut DeskSnapshot)) {
        self.inner.snapshot.send_modify(|s| {
            f(s);
            // Derived here, once, so no path can publish a stale value.
            s.session.can_change_state = s.session.phase == SessionPhase::SignedIn
                && s.call.as_ref().is_none_or(|c| c.state == CallState::Ended);
            s.revision += 1;
        });
    }

    /// The session's client, while a session runs (it may be signing in again).
    pub(crate) fn session_client(&self) -> Option<GatewayClient> {
        self.inner.running.lock().ok().and_then(|r| r.as_ref().map(|r| r.client.clone()))
    }

    /// The signed-in session's client.
    fn client(&self) -> Result<GatewayClient, DeskError> {
        self.inner.running.lock().ok().and_then(|r| r.as_ref().map(|r| r.client.clone())).ok_or(DeskError::NotSignedIn)
    }

    /// Sends an agent's call-control or state request. When the gateway refuses it for its
    /// session (`000-003`, `100-006`: a failover, an expired Guid) the poll loop is bringing the
    /// session back, or will at its next answer: the request waits up to [`RECOVERY_WAIT`] for
    /// that and is sent once more, so a click in that moment is not lost (the agent would
    /// otherwise read "session lost" a moment before "signed in again", with the call still up).
    async fn agent_request<F, Fut>(&self, request: F) -> Result<(), DeskError>
    where
        F: Fn(GatewayClient) -> Fut,
        Fut: std::future::Future<Output = Result<(), GatewayError>>,
    {
        use std::sync::atomic::Ordering;
        let before = self.inner.recoveries.load(Ordering::SeqCst);
        match request(self.client()?).await {
            Err(e) if e.retry_kind() == RetryKind::SignInAgain => {
                tracing::info!("the gateway refused the request for its session; it is sent again once the session is back");
                let deadline = tokio::time::Instant::now() + RECOVERY_WAIT;
                while self.inner.recoveries.load(Ordering::SeqCst) == before && tokio::time::Instant::now() < deadline {
                    if self.client().is_err() {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                if self.inner.recoveries.load(Ordering::SeqCst) == before {
                    return Err(e.into());
                }
                Ok(request(self.client()?).await?)
            }
            other => Ok(other?),
        }
    }

    /// Asks the gateway for a new agent state. The snapshot changes when the gateway confirms it
    /// with its event, not before.
    pub async fn set_agent_state(&self, choice: StateChoice) -> Result<DeskSnapshot, DeskError> {
        self.client()?;
        let snap = self.snapshot();
        if !snap.session.can_change_state {
            return Err(DeskError::Invalid("You can change your state once the call has ended".into()));
        }
        let current = snap.session.agent_state;
        let request = match choice {
            StateChoice::Ready => match current {
                AgentState::NotReady => StateRequest::CancelBusy,
                AgentState::Rest => StateRequest::CancelRest,
                AgentState::WrapUp => StateRequest::CancelWork,
                _ => StateRequest::Ready,
            },
            StateChoice::NotReady { reason } => StateRequest::Busy { reason, prolong: current == AgentState::NotReady },
            StateChoice::Rest { minutes } => {
                if !(1..=1439).contains(&minutes) {
                    return Err(DeskError::Invalid(format!(
                        "A break can last from 1 to 1439 minutes (just under a day), not {minutes}"
                    )));
                }
                StateRequest::Rest { seconds: minutes * 60, cause: 0 }
            }
            StateChoice::WrapUp => StateRequest::Work,
        };
        self.agent_request(|client| async move { client.set_state(request).await }).await?;
        Ok(self.snapshot())
    }

    /// The live call, if the desk allows `action` on it now; otherwise a sentence saying why not.
    fn call_for(&self, allowed: impl Fn(&CallActions) -> bool, refusal: &str) -> Result<CallView, DeskError> {
        self.snapshot().call.filter(|c| allowed(&c.actions)).ok_or_else(|| DeskError::Invalid(refusal.into()))
    }

    /// Answers the ringing call.
    pub async fn answer_call(&self) -> Result<DeskSnapshot, DeskError> {
        self.client()?;
        let call = self.call_for(|a| a.answer, "There is no ringing call to answer")?;
        self.agent_request(|client| {
            let id = call.call_id.clone();
            async move { client.answer(&id).await }
        })
        .await?;
        Ok(self.snapshot())
    }

    /// Puts the connected call on hold.
    pub async fn hold_call(&self) -> Result<DeskSnapshot, DeskError> {
        self.client()?;
        self.call_for(|a| a.hold, "There is no connected call to hold")?;
        self.agent_request(|client| async move { client.hold().await }).await?;
        Ok(self.snapshot())
    }

    /// Takes the held call back.
    pub async fn unhold_call(&self) -> Result<DeskSnapshot, DeskError> {
        self.client()?;
        let call = self.call_for(|a| a.unhold, "There is no call on hold")?;
        self.agent_request(|client| {
            let id = call.call_id.clone();
            async move { client.unhold(&id).await }
        })
        .await?;
        Ok(self.snapshot())
    }

    /// Hangs up the connected or held call. Notes of the call still on their way get up to
    /// [`HANG_UP_NOTES_WAIT`] to reach the gateway first: once the call has ended the gateway
    /// refuses its call data (`400-001`), and the agent would have to read "not attached".
    pub async fn hang_up(&self) -> Result<DeskSnapshot, DeskError> {
        self.client()?;
        let call = self.call_for(|a| a.hang_up, "There is no call to hang up")?;
        self.let_notes_arrive(&call.call_id, HANG_UP_NOTES_WAIT).await;
        self.agent_request(|client| async move { client.release().await }).await?;
        Ok(self.snapshot())
    }

    /// Waits, at most `limit`, until no note of `call_id` is pending or sending, waking the
    /// outbox out of its backoff each time.
    async fn let_notes_arrive(&self, call_id: &str, limit: Duration) {
        let notes = &self.inner.notes;
        let open = || notes.with_store(|s| s.notes_of(call_id)).map(|n| n.iter().filter(|n| n.delivery.is_open()).count()).unwrap_or(0);
        let deadline = tokio::time::Instant::now() + limit;
        let waiting = open();
        if waiting == 0 {
            return;
        }
        tracing::info!(call = %call_id, notes = waiting, "hang-up waits for notes on their way");
        // Out of its backoff now, and again each second (no faster: the gateway may be failing).
        let mut next_wake = tokio::time::Instant::now();
        while open() > 0 && tokio::time::Instant::now() < deadline {
            if tokio::time::Instant::now() >= next_wake {
                notes.wake.notify_one();
                next_wake += Duration::from_secs(1);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub(crate) fn stored_settings(&self) -> StoredSettings {
        self.stored()
    }

    /// The settings as every part of the desk reads them: the user's, with the administrator's
    /// locked values in their place.
    fn stored(&self) -> StoredSettings {
        let own = self.own_settings();
        match self.policy() {
            Some(p) => p.policy.apply(own),
            None => own,
        }
    }

    /// The user's settings file as it is, without the policy.
    fn own_settings(&self) -> StoredSettings {
        self.inner.settings.as_ref().map(SettingsStore::load).unwrap_or_default()
    }

    /// Takes the administrator's policy (the shell reads it at start-up with
    /// [`crate::policy::load`]). Its problems are logged and shown in Settings.
    pub fn set_policy(&self, load: crate::policy::PolicyLoad) {
        if load.found {
            tracing::info!(path = %load.path.display(), locked = ?load.policy.locked(), "administrator's policy in force");
        }
        for problem in &load.problems {
            tracing::warn!("administrator's policy: {problem}");
        }
        if let Ok(mut p) = self.inner.policy.write() {
            *p = Some(Arc::new(load));
        }
    }

    /// The administrator's policy, if the shell gave one.
    pub(crate) fn policy(&self) -> Option<Arc<crate::policy::PolicyLoad>> {
        self.inner.policy.read().ok().and_then(|p| p.clone())
    }

    /// The policy part of the settings page.
    fn policy_view(&self) -> crate::policy::PolicyView {
        match self.policy() {
            Some(p) => p.view(),
            None => crate::policy::PolicyLoad::none(&crate::policy::system_path()).view(),
        }
    }

    /// The keychain account of the remembered agent and gateway.
    fn remembered_account(stored: &StoredSettings) -> Option<String> {
        keychain_account(stored.gateway_url.as_deref()?, stored.agent_id?)
    }

    /// The saved settings, and whether a password is remembered for them.
    pub fn settings(&self) -> SettingsView {
        let stored = self.stored();
        let password_saved = Self::remembered_account(&stored)
            .is_some_and(|a| self.inner.secrets.contains(&a).unwrap_or(false));
        let (record_hotkey, hotkeys) = (record_hotkey(&stored), self.hotkey_views(&stored));
        SettingsView {
            gateway_url: stored.gateway_url,
            agent_id: stored.agent_id,
            phone_number: stored.phone_number,
            language: stored.language,
            password_saved,
            system_language: sys_locale::get_locale(),
            call_data_key_saved: self.inner.secrets.contains(crate::notes::KEY_ACCOUNT).unwrap_or(false),
            // The session's path (the demo records through its own ODFS), else the setting.
            recording_path: self.recorder().map(|r| r.path()).or(stored.recording_path),
            odfs_secret_saved: self.inner.secrets.contains(crate::recording::ODFS_SECRET_ACCOUNT).unwrap_or(false),
            record_hotkey,
            record_hotkey_problem: self.hotkey_problem(crate::hotkeys::HotkeyAction::Record),
            hotkeys,
            call_interactive: self.interactive_view(),
            role: stored.role,
            export: self.export_view(),
            takeover: self.takeover_view(),
            policy: self.policy_view(),
            desktop: stored.desktop,
            update: self.update_state(),
        }
    }

    /// What the shell registers: the bound hotkeys, and the clashes found before registering.
    pub fn hotkey_plan(&self) -> (Vec<(crate::hotkeys::HotkeyAction, String)>, std::collections::BTreeMap<crate::hotkeys::HotkeyAction, String>) {
        let stored = self.stored();
        crate::hotkeys::plan(record_hotkey(&stored).as_deref(), &stored.hotkeys)
    }

    /// Notes what is wrong with the hotkeys (clashes, combinations another application holds),
    /// for the settings page; an empty map: all work.
    pub fn set_hotkey_problems(&self, problems: std::collections::BTreeMap<crate::hotkeys::HotkeyAction, String>) {
        if let Ok(mut p) = self.inner.hotkey_problems.lock() {
            *p = problems;
        }
    }

    fn hotkey_problem(&self, action: crate::hotkeys::HotkeyAction) -> Option<String> {
        self.inner.hotkey_problems.lock().ok().and_then(|p| p.get(&action).cloned())
    }

    fn hotkey_views(&self, stored: &StoredSettings) -> Vec<crate::hotkeys::HotkeyView> {
        use crate::hotkeys::{HotkeyAction, HotkeyView};
        HotkeyAction::ALL
            .iter()
            .map(|&action| HotkeyView {
                action,
                accelerator: if action == HotkeyAction::Record {
                    record_hotkey(stored)
                } else {
                    stored.hotkeys.get(&action).map(|a| a.trim().to_owned()).filter(|a| !a.is_empty())
                },
                problem: self.hotkey_problem(action),
            })
            .collect()
    }

    /// Saves the hotkeys (recording's included; an empty combination turns one off). The shell
    /// registers them again and reports what it could not.
    pub fn save_hotkeys(&self, hotkeys: std::collections::BTreeMap<crate::hotkeys::HotkeyAction, String>) -> Result<SettingsView, DeskError> {
        let mut stored = self.stored();
        let mut others = std::collections::BTreeMap::new();
        for (action, accel) in hotkeys {
            let accel = accel.trim().to_owned();
            if accel.chars().count() > 60 {
                return Err(DeskError::Invalid(format!("The hotkey for \"{}\" is too long to be a key combination", action.label())));
            }
            if action == crate::hotkeys::HotkeyAction::Record {
                stored.record_hotkey = Some(accel);
            } else if !accel.is_empty() {
                others.insert(action, accel);
            }
        }
        stored.hotkeys = others;
        self.save_settings(&stored)?;
        Ok(self.settings())
    }

    /// A text for a support ticket: versions and places from the shell (`about`), the session's
    /// state, the settings with every address's user part, query and path token removed, which
    /// secrets the keychain holds (yes/no, never the secret), and the problems the settings page
    /// shows. Nothing secret: no password, key, token, Guid or note.
    pub fn diagnostics(&self, about: &[(&str, String)]) -> String {
        let mut out = String::from("Sidekick diagnostics\n");
        for (k, v) in about {
            out.push_str(&format!("{k}: {v}\n"));
        }
        let snap = self.snapshot();
        out.push_str(&format!(
            "session: {:?}, agent state {:?}, link {:?}, demo {}\n",
            snap.session.phase, snap.session.agent_state, snap.session.health, snap.session.demo
        ));
        if let Some(n) = &snap.session.notice {
            out.push_str(&format!("notice: {:?} {}\n", n.code, n.message));
        }
        let view = self.settings();
        out.push_str(&format!(
            "keychain: password {}, call-data key {}, ODFS secret {}, CC-FS SK {}, Era token {}\n",
            yes(view.password_saved),
            yes(view.call_data_key_saved),
            yes(view.odfs_secret_saved),
            yes(view.export.sk_saved),
            yes(view.takeover.token_saved)
        ));
        for h in view.hotkeys.iter().filter(|h| h.problem.is_some()) {
            out.push_str(&format!("hotkey {:?}: {}\n", h.action, h.problem.as_deref().unwrap_or_default()));
        }
        for p in &view.policy.problems {
            out.push_str(&format!("policy: {p}\n"));
        }
        let settings = serde_json::to_value(self.stored()).unwrap_or_default();
        out.push_str("settings.json (addresses reduced to scheme, host and port):\n");
        out.push_str(&serde_json::to_string_pretty(&redacted(settings)).unwrap_or_default());
        out.push('\n');
        out
    }

    /// Saves how the app lives on the desktop (the shell applies it).
    pub fn save_desktop_settings(&self, desktop: crate::settings::DesktopSettings) -> Result<SettingsView, DeskError> {
        let mut stored = self.stored();
        stored.desktop = desktop;
        self.save_settings(&stored)?;
        Ok(self.settings())
    }

    /// Writes the settings (nothing, when settings are not persisted). Refused, and nothing
    /// written, when they change a value the administrator's policy locks; the file keeps the
    /// user's own values of the locked settings.
    pub(crate) fn save_settings(&self, s: &StoredSettings) -> Result<(), DeskError> {
        let policy = self.policy();
        if let Some(p) = &policy {
            p.check(s)?;
        }
        match &self.inner.settings {
            Some(store) => match &policy {
                Some(p) => store.save(&p.policy.keep_own(s.clone(), &store.load())),
                None => store.save(s),
            },
            None => Ok(()),
        }
    }

    /// Changes the interface language.
    pub fn set_language(&self, language: Language) -> Result<SettingsView, DeskError> {
        let mut s = self.stored();
        s.language = language;
        self.save_settings(&s)?;
        Ok(self.settings())
    }

    /// The administrator's TLS trust settings for the gateway, read and checked now so a broken
    /// one is reported at sign-in with the file or value named.
    fn gateway_trust(&self) -> Result<TlsTrust, DeskError> {
        let stored = self.stored();
        let ca_bundle_pem = match &stored.gateway_ca_bundle {
            Some(path) => Some(std::fs::read(path).map_err(|e| {
                DeskError::Invalid(format!("The gateway CA bundle {} could not be read: {e}", path.display()))
            })?),
            None => None,
        };
        let pin_sha256 = match &stored.gateway_cert_pin {
            Some(pin) => Some(parse_pin(pin).map_err(|e| DeskError::Invalid(format!("Gateway certificate pin: {e}")))?),
            None => None,
        };
        let trust = TlsTrust { ca_bundle_pem, pin_sha256 };
        // Parse the bundle now, so a broken file is named at sign-in rather than as a TLS failure.
        client_config(&trust).map_err(|e| DeskError::Invalid(format!("Gateway TLS settings: {e}")))?;
        Ok(trust)
    }

    /// Removes the remembered password of the remembered agent from the keychain.
    pub fn forget_password(&self) -> Result<SettingsView, DeskError> {
        if let Some(account) = Self::remembered_account(&self.stored()) {
            self.inner.secrets.delete(&account).map_err(|e| DeskError::Storage(e.to_string()))?;
            tracing::info!("remembered password removed from the keychain");
        }
        Ok(self.settings())
    }

    /// Signs in with the form's details and starts polling events. On failure the snapshot carries
    /// the reason as a notice and the error is returned; nothing is left half-running.
    pub async fn sign_in(&self, form: SignInForm) -> Result<DeskSnapshot, DeskError> {
        self.sign_in_as(form, false).await
    }

    pub(crate) async fn sign_in_as(&self, form: SignInForm, demo: bool) -> Result<DeskSnapshot, DeskError> {
        let _op = self.inner.op.try_lock().map_err(|_| DeskError::Busy)?;
        if self.snapshot().session.phase == SessionPhase::SignedIn {
            return Err(DeskError::Invalid("You are already signed in; sign out first".into()));
        }
        let mut form = form;
        let account = if demo { None } else { form.keychain_account() };
        let mut used_saved = false;
        if form.password.is_empty() {
            if let Some(saved) = account.as_deref().and_then(|a| self.inner.secrets.get(a).ok().flatten()) {
                form.password = saved;
                used_saved = true;
            }
        }
        let v = form.validate().inspect_err(|e| self.set_notice(e))?;
        let policy = if demo { None } else { self.policy() };
        if let Some(p) = policy.as_ref().filter(|p| !p.policy.allows_gateway(&v.url)) {
            let e = p.refusal("gatewayUrl");
            self.set_notice(&e);
            return Err(e);
        }
        let tls = if demo { Ok(TlsTrust::default()) } else { self.gateway_trust() };
        let tls = tls.inspect_err(|e| self.set_notice(e))?;
        let client = GatewayClient::new(GatewayConfig { base_url: v.url.clone(), agent_id: v.agent_id, tls })
            .map_err(DeskError::from)
            .inspect_err(|e| self.set_notice(e))?;
        self.update(|s| {
            s.session = SessionView {
                phase: SessionPhase::SigningIn,
                agent_id: Some(v.agent_id.get()),
                agent_state: AgentState::Unknown,
                health: Health::Offline,
                notice: None,
                demo,
                gateway: host_of(&v.url),
                can_change_state: false,
                last_contact_ms: None,
                busy_reasons: if demo { crate::demo::busy_reasons() } else { valid_busy_reasons(&self.stored().busy_reasons) },
            };
        });
        tracing::info!(agent = v.agent_id.get(), gateway = ?host_of(&v.url), password_len = form.password.len(), "signing in");
        let platform_only = !demo && self.stored().platform_only_sign_in;
        let attempt = if form.force {
            client.force_sign_in(&v.request).await
        } else if platform_only {
            client.sign_in_platform_only(&v.request).await
        } else {
            client.sign_in(&v.request).await
        };
        if let Err(e) = attempt {
            let wrong_password = e.retcode() == Some("100-004");
            let mut e = DeskError::from(e);
            if used_saved && wrong_password {
                // The password changed since it was saved: drop it and ask for the new one.
                if let Some(a) = &account {
                    let _ = self.inner.secrets.delete(a);
                }
                e = DeskError::Invalid("The saved password was refused (100-004); enter your current password".into());
            }
            tracing::warn!(agent = v.agent_id.get(), "sign-in failed: {e}");
            self.update(|s| {
                s.session.phase = SessionPhase::SignedOut;
                s.session.agent_id = None;
                s.session.gateway = None;
                s.session.demo = false;
                s.session.notice = Some(Notice { code: e.code(), message: e.to_string() });
            });
            return Err(e);
        }
        tracing::info!(agent = v.agent_id.get(), "signed in");
        if let Ok(mut phone) = self.inner.session_phone.lock() {
            *phone = Some(v.request.phonenum.clone());
        }
        // After a restart in the middle of a call, the call comes back on the card.
        let call = current_call(&client, self.now_ms()).await;
        self.update(|s| {
            s.session.phase = SessionPhase::SignedIn;
            s.session.health = Health::Connected;
            s.call = call.clone();
        });
        if let Some(c) = &call {
            if let Err(e) = self.inner.notes.with_store(|st| st.record_call(c, v.agent_id.get())) {
                tracing::warn!("call history not updated: {e}");
            }
        }
        if form.remember && !used_saved {
            if let Some(a) = &account {
                if let Err(e) = self.inner.secrets.set(a, &form.password) {
                    tracing::warn!("password not remembered: {e}");
                    let e = DeskError::Storage(format!("you are signed in, but the password could not be remembered: {e}"));
                    self.set_notice(&e);
                }
            }
        }
        if !demo {
            if let Some(store) = &self.inner.settings {
                let mut saved = store.load();
                if policy.as_ref().is_none_or(|p| p.policy.gateway_url.is_none()) {
                    saved.gateway_url = Some(v.url.to_string());
                }
                saved.agent_id = Some(v.agent_id.get());
                saved.phone_number = Some(v.request.phonenum.clone());
                if let Err(e) = store.save(&saved) {
                    tracing::warn!("sign-in details not remembered: {e}");
                }
            }
        }
        self.load_call_data_key(demo);
        self.refresh_notes();
        let demo_odfs = if demo { self.inner.demo_odfs.lock().ok().and_then(|d| d.clone()) } else { None };
        self.set_up_recording(demo_odfs.as_ref());
        let poller = tokio::spawn(poll_loop(self.clone(), client.clone(), v.request, platform_only));
        if let Ok(mut r) = self.inner.running.lock() {
            if let Some(old) = r.replace(Running { client, poller }) {
                old.poller.abort();
            }
        }
        // Notes saved before (an earlier session, a crash) go as soon as there is a session.
        crate::notes::outbox::ensure_started(self);
        self.inner.notes.wake.notify_one();
        Ok(self.snapshot())
    }

    fn set_notice(&self, e: &DeskError) {
        self.update(|s| s.session.notice = Some(Notice { code: e.code(), message: e.to_string() }));
    }

    /// Signs out. The gateway refuses while a call is up; then the session stays as it was and the
    /// error says why.
    pub async fn sign_out(&self) -> Result<DeskSnapshot, DeskError> {
        let _op = self.inner.op.try_lock().map_err(|_| DeskError::Busy)?;
        let client = self.client()?;
        let result = client.sign_out().await;
        match result {
            Err(GatewayError::Rejected { retcode, .. }) if retcode == "100-010" => {
                let e = DeskError::Invalid("You can't sign out during a call; end the call first".into());
                self.set_notice(&e);
                // The failed request cost the client its Guid copy only if it was dropped; it was
                // not (refused requests keep the session), so polling goes on.
                return Err(e);
            }
            Err(e) => tracing::warn!("sign-out answered with an error, ending the session locally: {e}"),
            Ok(()) => tracing::info!("signed out"),
        }
        self.stop_polling();
        crate::demo::stop(self);
        if let Ok(mut r) = self.inner.recorder.lock() {
            r.take();
        }
        // A pop from the IVR is about a caller, not the session: it stays. So do the supervisor's
        // export jobs, which need no session.
        self.update(|s| {
            *s = DeskSnapshot { revision: s.revision, ivr: s.ivr.take(), relay: s.relay.take(), exports: std::mem::take(&mut s.exports), takeover: s.takeover.take(), ..signed_out() }
        });
        Ok(self.snapshot())
    }

    /// Signs out as the app quits, if signed in, waiting at most `limit`. A refusal (a call is
    /// up) or a dead network must not keep the app from closing: the gateway's 2-minute rule
    /// ends the session then.
    pub async fn sign_out_on_quit(&self, limit: Duration) {
        if self.snapshot().session.phase != SessionPhase::SignedIn {
            return;
        }
        match tokio::time::timeout(limit, self.sign_out()).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::warn!("not signed out on quit: {e}"),
            Err(_) => tracing::warn!("not signed out on quit: the gateway did not answer in time"),
        }
    }

    fn stop_polling(&self) {
        if let Ok(mut r) = self.inner.running.lock() {
            if let Some(run) = r.take() {
                run.poller.abort();
            }
        }
    }

    pub(crate) fn now_ms(&self) -> i64 {
        self.inner.clock.now_ms()
    }
}

/// How long the one-line "signed in again" notice stays once polls are healthy again.
const RESTORED_NOTICE_FOR: Duration = Duration::from_secs(15);
/// Failures shorter than this stay green: a blip costs nothing (the gateway keeps the session
/// for 2 minutes and queues events), and a light that flickers teaches agents to ignore it.
const DEGRADED_AFTER: Duration = Duration::from_secs(30);

/// The poll actor: one long poll at a time, re-polled shortly after each answer, backing off on
/// failures. When the gateway ends the session (`100-006`, `000-003`: expired or replaced
/// Guid, 2-minute sign-out after sleep or network loss), it signs in again by itself with the
/// request it was started with, and keeps the call card. It ends only when signing in again is
/// refused for a reason a person must fix, when the gateway sends a sign-out event, or when the
/// handle aborts it.
///
/// `request` holds the password for the life of the session, in this task's memory only.
async fn poll_loop(desk: Desk, client: GatewayClient, request: SignInRequest, platform_only: bool) {
    let woke = Arc::new(tokio::sync::Notify::new());
    let _watch = AbortOnDrop(tokio::spawn(wake_watch(desk.inner.clock.clone(), woke.clone())));
    let mut board = CallBoard { call: desk.snapshot().call, agent_state: None };
    let mut backoff = BACKOFF_FIRST;
    let mut restored_at: Option<tokio::time::Instant> = None;
    let mut failing_since: Option<tokio::time::Instant> = None;
    loop {
        let polled = tokio::select! {
            r = client.poll_event() => r,
            () = woke.notified() => {
                tracing::info!("the computer woke up (the wall clock jumped); polling again now");
                backoff = BACKOFF_FIRST;
                continue;
            }
        };
        match polled {
            Ok(event) => {
                backoff = BACKOFF_FIRST;
                failing_since = None;
                let recovered = desk.snapshot().session.health != Health::Connected;
                let restored_notice_done = restored_at.is_some_and(|t| t.elapsed() >= RESTORED_NOTICE_FOR);
                if restored_notice_done {
                    restored_at = None;
                    desk.update(|s| {
                        if s.session.notice.as_ref().is_some_and(|n| n.code == ErrorCode::SessionRestored) {
                            s.session.notice = None;
                        }
                    });
                }
                // A long poll that ran out with nothing in it (every 10 s on an idle desk).
                let quiet = event.is_none() && !recovered;
                if let Some((raw, typed)) = event {
                    if let sidekick_aicc::gateway::GatewayEvent::Other { event_type } = &typed {
                        tracing::debug!(event_type, "event ignored");
                    } else {
                        tracing::debug!(event_type = raw.event_type, "event");
                    }
                    if matches!(typed, sidekick_aicc::gateway::GatewayEvent::ShutdownService) {
                        // Not undone automatically: a supervisor's sign-out or a deliberate
                        // take-over from another place must not turn into a tug of war.
                        end_session(
                            &desk,
                            "The gateway signed you out: this agent was signed in from another place, or by a supervisor".into(),
                        );
                        return;
                    }
                    board.apply(&typed, desk.now_ms());
                    crate::recording::on_event(&desk, &typed);
                }
                let now = desk.now_ms();
                let shown = desk.snapshot();
                let same = shown.call == board.call && board.agent_state.is_none_or(|st| st == shown.session.agent_state);
                let before = shown.call;
                if quiet && same {
                    // Only "last contact" changes: kept without publishing, so an idle desk does
                    // not wake the window every 10 s (the status bar reads it while its tooltip
                    // is open, and every snapshot published for a change carries it).
                    desk.inner.snapshot.send_if_modified(|s| {
                        s.session.last_contact_ms = Some(now);
                        false
                    });
                } else {
                    desk.update(|s| {
                        s.session.last_contact_ms = Some(now);
                        s.call = board.call.clone();
                        if let Some(st) = board.agent_state {
                            s.session.agent_state = st;
                        }
                        if recovered {
                            s.session.health = Health::Connected;
                            s.session.notice = None;
                        }
                    });
                }
                if board.call != before {
                    // A new call, or one answered or ended: the history follows, and the
                    // card shows that call's notes.
                    if let (Some(c), Some(agent)) = (&board.call, desk.snapshot().session.agent_id) {
                        if let Err(e) = desk.inner.notes.with_store(|st| st.record_call(c, agent)) {
                            tracing::warn!("call history not updated: {e}");
                        }
                    }
                    desk.refresh_notes();
                    crate::recording::on_call_changed(&desk);
                }
                if recovered {
                    // Notes held back by the outage go now, not at the end of a backoff.
                    desk.inner.notes.wake.notify_one();
                }
                tokio::time::sleep(repoll_delay()).await;
            }
            Err(e) if e.retry_kind() == RetryKind::SignInAgain => {
                let cause = e.retcode().map(str::to_owned).unwrap_or_else(|| e.to_string());
                if cause == "000-003" {
                    // "No permission": the Guid may only be stale. Asking for a fresh one costs
                    // one request and keeps the session (and its queued events); a Guid the
                    // gateway no longer knows at all is refused here too, and then only a new
                    // sign-in helps.
                    match client.update_guid().await {
                        Ok(()) => {
                            tracing::info!("the gateway refused the Guid (000-003); a fresh one was issued");
                            desk.inner.recoveries.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                            continue;
                        }
                        Err(e) => tracing::info!("refreshing the Guid failed ({e}); signing in again"),
                    }
                }
                tracing::warn!(cause, "the gateway ended the session; signing in again");
                desk.update(|s| {
                    s.session.health = Health::Reconnecting;
                    s.session.notice = Some(Notice {
                        code: ErrorCode::SessionLost,
                        message: format!("The gateway ended your session ({cause}). Signing in again…"),
                    });
                });
                match sign_in_again(&desk, &client, &request, platform_only).await {
                    Ok(()) => {
                        tracing::info!(cause, "signed in again");
                        desk.inner.recoveries.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        if board.call.as_ref().is_none_or(|c| c.state == CallState::Ended) {
                            if let Some(call) = current_call(&client, desk.now_ms()).await {
                                board.call = Some(call);
                                desk.update(|s| s.call = board.call.clone());
                                desk.refresh_notes();
                                crate::recording::on_call_changed(&desk);
                            }
                        }
                        restored_at = Some(tokio::time::Instant::now());
                        desk.update(|s| {
                            s.session.health = Health::Connected;
                            s.session.notice = Some(Notice {
                                code: ErrorCode::SessionRestored,
                                message: format!("The gateway ended your session ({cause}); Sidekick signed you in again."),
                            });
                        });
                        backoff = BACKOFF_FIRST;
                        desk.inner.notes.wake.notify_one();
                    }
                    Err(e) => {
                        tracing::warn!(cause, "signing in again failed: {e}");
                        end_session(&desk, format!("Your session ended ({cause}) and signing in again failed: {e}"));
                        return;
                    }
                }
            }
            Err(e) => {
                let e = DeskError::from(e);
                tracing::warn!(retry_in_ms = backoff.as_millis() as u64, "poll failed: {e}");
                let since = *failing_since.get_or_insert_with(tokio::time::Instant::now);
                if since.elapsed() >= DEGRADED_AFTER {
                    desk.update(|s| {
                        s.session.health = Health::Reconnecting;
                        s.session.notice = Some(Notice { code: e.code(), message: format!("{e}. Retrying…") });
                    });
                }
                let cap = if matches!(e, DeskError::Gateway(ref g) if g.retry_kind() == RetryKind::NetworkFailure) {
                    NETWORK_BACKOFF_CAP
                } else {
                    BACKOFF_CAP
                };
                tokio::select! {
                    () = tokio::time::sleep(backoff) => backoff = (backoff * 2).min(cap),
                    () = woke.notified() => backoff = BACKOFF_FIRST,
                }
            }
        }
    }
}

/// Aborts a helper task when its owner ends (or is aborted).
struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Notifies `woke` when wall-clock time moves [`WAKE_JUMP`] more (or less) than monotonic time
/// between two ticks: the computer slept, and connections opened before are probably dead.
async fn wake_watch(clock: Arc<dyn Clock>, woke: Arc<tokio::sync::Notify>) {
    let mut wall = clock.now_ms();
    let mut mono = tokio::time::Instant::now();
    loop {
        tokio::time::sleep(WAKE_WATCH_TICK).await;
        let (now_wall, now_mono) = (clock.now_ms(), tokio::time::Instant::now());
        let drift = (now_wall - wall) - now_mono.duration_since(mono).as_millis() as i64;
        if drift.unsigned_abs() > WAKE_JUMP.as_millis() as u64 {
            tracing::info!(jump_ms = drift, "wall clock jumped");
            woke.notify_one();
        }
        (wall, mono) = (now_wall, now_mono);
    }
}

/// Signs in again after the gateway dropped the session: a plain sign-in, or a forced one when
/// the gateway still holds the old session (`100-002` — it is this agent's own). Network and
/// passing gateway failures are retried with backoff for as long as it takes (the agent sees
/// `Reconnecting` meanwhile); a refusal a person must fix (password changed, account locked) is
/// returned.
async fn sign_in_again(
    desk: &Desk,
    client: &GatewayClient,
    request: &SignInRequest,
    platform_only: bool,
) -> Result<(), DeskError> {
    let mut backoff = BACKOFF_FIRST;
    loop {
        let plain = if platform_only { client.sign_in_platform_only(request).await } else { client.sign_in(request).await };
        let attempt = match plain {
            Err(e) if e.retcode() == Some("100-002") => client.force_sign_in(request).await,
            other => other,
        };
        match attempt {
            Ok(_) => return Ok(()),
            Err(e) if matches!(e.retry_kind(), RetryKind::NetworkFailure | RetryKind::Transient) => {
                let e = DeskError::from(e);
                tracing::warn!(retry_in_ms = backoff.as_millis() as u64, "signing in again failed, retrying: {e}");
                desk.update(|s| {
                    s.session.notice = Some(Notice { code: e.code(), message: format!("{e}. Signing in again…") });
                });
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(BACKOFF_CAP);
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// The call the gateway says the agent is in, as a card (`None` when idle, or when the query
/// fails: it only restores a card, and polling goes on either way).
async fn current_call(client: &GatewayClient, now_ms: i64) -> Option<CallView> {
    match client.current_call().await {
        Ok(Some(info)) => {
            tracing::info!(call = %info.callid, "the agent is in a call; it is back on the card");
            let state = if info.answered() { CallState::Talking } else { CallState::Ringing };
            // The query does not say the direction (the meaning of `callfeature` values is not
            // in our copy of the vendor docs): shown as inbound.
            let direction = Direction::Inbound;
            Some(CallView {
                call_id: info.callid,
                caller: info.caller,
                callee: info.called,
                direction,
                state,
                offered_at_ms: info.begintime.filter(|t| *t > 0).unwrap_or(now_ms),
                answered_at_ms: info.begintime.filter(|t| *t > 0),
                ended_at_ms: None,
                ended_by: None,
                actions: crate::call::actions_for(state, direction),
            })
        }
        Ok(None) => None,
        Err(e) => {
            tracing::warn!("the current call could not be read: {e}");
            None
        }
    }
}

fn end_session(desk: &Desk, message: String) {
    if let Ok(mut r) = desk.inner.running.lock() {
        r.take();
    }
    desk.update(|s| {
        s.session.phase = SessionPhase::SignedOut;
        s.session.health = Health::Lost;
        s.session.agent_state = AgentState::Unknown;
        s.session.notice = Some(Notice { code: ErrorCode::SessionLost, message });
    });
}

#[cfg(test)]
mod diagnostics_tests {
    use super::redacted;

    #[test]
    fn addresses_lose_their_paths_and_secret_fields_go() {
        let v = serde_json::json!({
            "gatewayUrl": "https://user:pw@cc.example.com:8043/agentgateway?x=1",
            "callInteractive": {"relayUrl": "wss://relay.example.com/pops/abc123", "rules": [{"a": 1}, {"b": 2}]},
            "odfsAppKey": "tenant-1",
            "recordHotkey": "Alt+F9",
            "hotkeys": {"answer": "Ctrl+Shift+F5"},
            "language": "ru"
        });
        let r = redacted(v);
        assert_eq!(r["gatewayUrl"], "https://cc.example.com:8043/…");
        assert_eq!(r["callInteractive"]["relayUrl"], "wss://relay.example.com/…");
        assert_eq!(r["callInteractive"]["rules"], "2 rules");
        assert!(r.get("odfsAppKey").is_none());
        assert_eq!(r["recordHotkey"], "Alt+F9");
        assert_eq!(r["hotkeys"]["answer"], "Ctrl+Shift+F5");
        assert_eq!(r["language"], "ru");
    }
}
