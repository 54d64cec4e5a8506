//! The recording state machine, driven only by platform answers and events.

use std::sync::Arc;
use std::time::Duration;

use sidekick_aicc::gateway::{GatewayError, GatewayEvent};
use sidekick_aicc::odfs::{AppSecret, OdfsClient, OdfsConfig, OdfsError, RecordRequest};

use super::audit::{AuditAction, AuditEntry, AuditOutcome, AUDIT_SHOWN};
use super::{RecordingPath, RecordingState, RecordingView};
use crate::desk::Desk;
use crate::error::{capitalized, DeskError};
use crate::model::{CallState, DeskSnapshot};

/// The keychain account of the ODFS app secret.
pub const ODFS_SECRET_ACCOUNT: &str = "odfs app secret";
/// How long the gateway path waits for `AgentMediaEvent_Record` (or `_StopRecordDone`) before
/// it says the platform did not confirm.
const CONFIRM_WITHIN: Duration = Duration::from_secs(15);

/// How this session records: set up at sign-in from the administrator's settings.
#[derive(Debug)]
pub(crate) struct Recorder {
    path: RecordingPath,
    /// The ODFS client and the flow access code (`call_dst_id`), on the ODFS path; or why the
    /// path cannot work (a missing setting or secret).
    odfs: Result<Option<(OdfsClient, String)>, String>,
    /// One request at a time.
    op: tokio::sync::Mutex<()>,
}

impl Recorder {
    /// The gateway's agent recording: nothing to set up.
    pub(crate) fn gateway() -> Self {
        Self { path: RecordingPath::Gateway, odfs: Ok(None), op: tokio::sync::Mutex::new(()) }
    }

    /// ODFS at `url` for the tenant `app_key`, recording through the flow `flow_access_code`.
    pub(crate) fn odfs(url: &str, app_key: &str, vdn_id: Option<u32>, flow_access_code: &str, secret: Option<String>) -> Self {
        let setup = (|| {
            let secret = secret.ok_or("The ODFS app secret is not set; an administrator enters it in Settings")?;
            if flow_access_code.trim().is_empty() {
                return Err("The ODFS flow access code (odfsFlowAccessCode) is not set".to_owned());
            }
            let base_url = url::Url::parse(url.trim()).map_err(|e| format!("The ODFS address \"{url}\" is not valid: {e}"))?;
            let config = OdfsConfig { base_url, app_key: app_key.trim().to_owned(), vdn_id, tls: Default::default() };
            let client = OdfsClient::new(config, AppSecret::new(secret)).map_err(|e| capitalized(&e.to_string()))?;
            Ok(Some((client, flow_access_code.trim().to_owned())))
        })();
        Self { path: RecordingPath::Odfs, odfs: setup, op: tokio::sync::Mutex::new(()) }
    }

    /// A recorder that cannot work, and says why (for example: ODFS chosen, but no address).
    pub(crate) fn broken(path: RecordingPath, why: String) -> Self {
        Self { path, odfs: Err(why), op: tokio::sync::Mutex::new(()) }
    }

    /// The platform that records.
    pub(crate) fn path(&self) -> RecordingPath {
        self.path
    }

    fn unavailable(&self) -> Option<&str> {
        self.odfs.as_ref().err().map(String::as_str)
    }
}

/// The view for the call on the card, keeping what is known of this call and recomputing what
/// the agent may do.
fn derive(recorder: &Recorder, snap: &DeskSnapshot) -> Option<RecordingView> {
    let call = snap.call.as_ref()?;
    let mut view = match &snap.recording {
        Some(v) if v.call_id == call.call_id => v.clone(),
        _ => RecordingView {
            call_id: call.call_id.clone(),
            path: recorder.path,
            state: RecordingState::Off,
            started_at_ms: None,
            reason: None,
            can_start: false,
            can_stop: false,
        },
    };
    let live = matches!(call.state, CallState::Talking | CallState::Held);
    if call.state == CallState::Ended && view.state != RecordingState::Failed {
        // A recording ends with its call.
        view.state = RecordingState::Off;
    }
    if let Some(why) = recorder.unavailable() {
        view.reason = Some(why.to_owned());
    }
    view.can_start = live && recorder.unavailable().is_none() && matches!(view.state, RecordingState::Off | RecordingState::Failed);
    view.can_stop = live && recorder.path == RecordingPath::Gateway && view.state == RecordingState::Recording;
    Some(view)
}

/// Recomputes the recording view after the call on the card changed (a new call, answered, ended).
pub(crate) fn on_call_changed(desk: &Desk) {
    let Some(recorder) = desk.recorder() else { return };
    desk.update(|s| s.recording = derive(&recorder, s));
}

/// Applies the gateway's recording events to the view.
pub(crate) fn on_event(desk: &Desk, ev: &GatewayEvent) {
    let Some(recorder) = desk.recorder() else { return };
    if recorder.path != RecordingPath::Gateway {
        return;
    }
    let now = desk.now_ms();
    let (state, outcome, action, reason) = match ev {
        GatewayEvent::Record(_) => (RecordingState::Recording, AuditOutcome::Confirmed, AuditAction::Start, None),
        GatewayEvent::RecordFail(_) => (
            RecordingState::Failed,
            AuditOutcome::Failed,
            AuditAction::Start,
            Some("The gateway could not start the recording (AgentMediaEvent_Record_Fail)".to_owned()),
        ),
        GatewayEvent::StopRecordDone(_) => (RecordingState::Off, AuditOutcome::Confirmed, AuditAction::Stop, None),
        _ => return,
    };
    let Some(view) = desk.snapshot().recording else { return };
    tracing::info!(call = %view.call_id, ?state, "recording event");
    desk.audit(&view.call_id, recorder.path, action, outcome, Some("0".into()).filter(|_| reason.is_none()), reason.clone());
    desk.update(|s| {
        if let Some(v) = s.recording.as_mut() {
            v.state = state;
            v.reason = reason;
            v.started_at_ms = (state == RecordingState::Recording).then_some(now);
        }
        s.recording = derive(&recorder, s);
    });
}

impl Desk {
    /// Starts recording the call on the card. The view says `recording` only once the platform
    /// confirmed it; a refusal shows as `failed` with the platform's code.
    pub async fn start_recording(&self) -> Result<DeskSnapshot, DeskError> {
        let recorder = self.recorder().ok_or_else(|| DeskError::Invalid("Recording is not set up for this deployment".into()))?;
        let _op = recorder.op.try_lock().map_err(|_| DeskError::Invalid("A recording request is already running".into()))?;
        let snap = self.snapshot();
        let (Some(call), Some(agent)) = (snap.call.clone(), snap.session.agent_id) else {
            return Err(DeskError::Invalid("There is no call to record".into()));
        };
        let view = derive(&recorder, &snap).ok_or_else(|| DeskError::Invalid("There is no call to record".into()))?;
        if call.state == CallState::Ended {
            return Err(DeskError::Invalid("The call has ended; there is nothing to record".into()));
        }
        if call.state == CallState::Ringing {
            return Err(DeskError::Invalid("Answer the call first; a call can be recorded once it is connected".into()));
        }
        if let Some(why) = recorder.unavailable() {
            return Err(DeskError::Invalid(why.to_owned()));
        }
        if !view.can_start {
            return Err(DeskError::Invalid("This call is already being recorded".into()));
        }
        self.set_recording(&call.call_id, RecordingState::Requesting, None, None);
        match (&recorder.odfs, recorder.path) {
            (Ok(Some((odfs, flow))), RecordingPath::Odfs) => {
                let request = RecordRequest {
                    call_id: call.call_id.clone(),
                    call_sor_id: Some(call.caller.clone()).filter(|c| !c.is_empty()),
                    call_dst_id: flow.clone(),
                    real_callee: Some(call.callee.clone()).filter(|c| !c.is_empty()),
                    cti_callid: Some(call.call_id.clone()),
                };
                if let Err(e) = request.validate() {
                    let why = format!("Not sent, ODFS would refuse it: {e}");
                    self.audit(&call.call_id, recorder.path, AuditAction::Start, AuditOutcome::Invalid, None, Some(why.clone()));
                    self.set_recording(&call.call_id, RecordingState::Failed, None, Some(why.clone()));
                    return Err(DeskError::Invalid(why));
                }
                tracing::info!(call = %call.call_id, agent, "asking ODFS to record the call");
                match odfs.start_recording(&request).await {
                    Ok(_) => {
                        self.audit(&call.call_id, recorder.path, AuditAction::Start, AuditOutcome::Confirmed, Some("0".into()), None);
                        self.set_recording(&call.call_id, RecordingState::Recording, Some(self.now_ms()), None);
                    }
                    Err(e) => {
                        let why = odfs_reason(&e);
                        tracing::warn!(call = %call.call_id, code = %e.code(), "ODFS did not start the recording");
                        self.audit(&call.call_id, recorder.path, AuditAction::Start, AuditOutcome::Failed, Some(e.code()), Some(why.clone()));
                        self.set_recording(&call.call_id, RecordingState::Failed, None, Some(why));
                    }
                }
            }
            _ => {
                let client = self.session_client().ok_or(DeskError::NotSignedIn)?;
                match client.start_agent_recording().await {
                    Ok(()) => {
                        self.audit(&call.call_id, recorder.path, AuditAction::Start, AuditOutcome::Accepted, Some("0".into()), None);
                        self.await_confirmation(&call.call_id, RecordingState::Requesting);
                    }
                    Err(e) => self.gateway_refused(&call.call_id, AuditAction::Start, &e, RecordingState::Failed),
                }
            }
        }
        Ok(self.snapshot())
    }

    /// Stops the recording (gateway path; ODFS recordings end with the call).
    pub async fn stop_recording(&self) -> Result<DeskSnapshot, DeskError> {
        let recorder = self.recorder().ok_or_else(|| DeskError::Invalid("Recording is not set up for this deployment".into()))?;
        let _op = recorder.op.try_lock().map_err(|_| DeskError::Invalid("A recording request is already running".into()))?;
        let snap = self.snapshot();
        let view = derive(&recorder, &snap).ok_or_else(|| DeskError::Invalid("There is no call on the card".into()))?;
        if recorder.path == RecordingPath::Odfs {
            return Err(DeskError::Invalid("A packet-capture recording ends with the call; it cannot be stopped before".into()));
        }
        if !view.can_stop {
            return Err(DeskError::Invalid("This call is not being recorded".into()));
        }
        let client = self.session_client().ok_or(DeskError::NotSignedIn)?;
        self.set_recording(&view.call_id, RecordingState::Stopping, view.started_at_ms, None);
        match client.stop_agent_recording().await {
            Ok(()) => {
                self.audit(&view.call_id, recorder.path, AuditAction::Stop, AuditOutcome::Accepted, Some("0".into()), None);
                self.await_confirmation(&view.call_id, RecordingState::Stopping);
            }
            // The recording goes on: the stop was refused.
            Err(e) => self.gateway_refused(&view.call_id, AuditAction::Stop, &e, RecordingState::Recording),
        }
        Ok(self.snapshot())
    }

    /// The hotkey's action: starts recording when the agent may, or stops it when the agent may.
    pub async fn toggle_recording(&self) -> Result<DeskSnapshot, DeskError> {
        match self.snapshot().recording {
            Some(v) if v.can_stop => self.stop_recording().await,
            _ => self.start_recording().await,
        }
    }

    /// Notes whether the shell could register the recording hotkey (shown in the settings).
    pub fn set_hotkey_problem(&self, problem: Option<String>) {
        if let Ok(mut p) = self.inner.hotkey_problems.lock() {
            match problem {
                Some(text) => p.insert(crate::hotkeys::HotkeyAction::Record, text),
                None => p.remove(&crate::hotkeys::HotkeyAction::Record),
            };
        }
    }

    /// The newest entries of the recording audit log, newest first.
    pub fn recording_audit(&self) -> Result<Vec<AuditEntry>, DeskError> {
        self.inner.notes.with_store(|s| s.audit_entries(AUDIT_SHOWN))
    }

    /// Writes the whole audit log as CSV into `dir` and returns the file's path.
    pub fn export_recording_audit(&self, dir: &std::path::Path) -> Result<std::path::PathBuf, DeskError> {
        let entries = self.inner.notes.with_store(|s| s.audit_entries(usize::MAX >> 1))?;
        let stamp = sidekick_calldata::rfc3339_ms(self.now_ms()).replace([':', '.'], "-");
        std::fs::create_dir_all(dir).map_err(|e| DeskError::Storage(format!("{}: {e}", dir.display())))?;
        let path = dir.join(format!("sidekick-recording-audit-{stamp}.csv"));
        std::fs::write(&path, super::audit::to_csv(&entries)).map_err(|e| DeskError::Storage(format!("{}: {e}", path.display())))?;
        tracing::info!(entries = entries.len(), path = %path.display(), "recording audit exported");
        Ok(path)
    }

    /// Checks and keeps the ODFS app secret in the OS keychain; used from the next sign-in on.
    pub fn set_odfs_secret(&self, secret: &str) -> Result<crate::model::SettingsView, DeskError> {
        let secret = secret.trim();
        if secret.is_empty() {
            return Err(DeskError::Invalid("Enter the ODFS app secret".into()));
        }
        self.inner.secrets.set(ODFS_SECRET_ACCOUNT, secret).map_err(|e| DeskError::Storage(e.to_string()))?;
        tracing::info!(secret_len = secret.len(), "ODFS app secret saved in the keychain");
        Ok(self.settings())
    }

    /// Removes the ODFS app secret from the keychain.
    pub fn forget_odfs_secret(&self) -> Result<crate::model::SettingsView, DeskError> {
        self.inner.secrets.delete(ODFS_SECRET_ACCOUNT).map_err(|e| DeskError::Storage(e.to_string()))?;
        Ok(self.settings())
    }

    pub(crate) fn recorder(&self) -> Option<Arc<Recorder>> {
        self.inner.recorder.lock().ok().and_then(|r| r.clone())
    }

    fn set_recording(&self, call_id: &str, state: RecordingState, started_at_ms: Option<i64>, reason: Option<String>) {
        let Some(recorder) = self.recorder() else { return };
        self.update(|s| {
            let mut view = derive(&recorder, s);
            if let Some(v) = view.as_mut().filter(|v| v.call_id == call_id) {
                v.state = state;
                v.started_at_ms = started_at_ms;
                v.reason = reason;
            }
            s.recording = view;
            s.recording = derive(&recorder, s);
        });
    }

    fn gateway_refused(&self, call_id: &str, action: AuditAction, e: &GatewayError, back_to: RecordingState) {
        let why = capitalized(&e.to_string());
        let code = e.retcode().map(str::to_owned).unwrap_or_else(|| "network".into());
        tracing::warn!(call = %call_id, code, "the gateway refused the recording request");
        self.audit(call_id, RecordingPath::Gateway, action, AuditOutcome::Failed, Some(code), Some(why.clone()));
        let started = self.snapshot().recording.and_then(|v| v.started_at_ms);
        let started = (back_to == RecordingState::Recording).then_some(started).flatten();
        self.set_recording(call_id, back_to, started, Some(why));
    }

    /// The gateway confirms with an event; if none comes in time, say so rather than wait.
    fn await_confirmation(&self, call_id: &str, waiting: RecordingState) {
        let desk = self.clone();
        let call_id = call_id.to_owned();
        tokio::spawn(async move {
            tokio::time::sleep(CONFIRM_WITHIN).await;
            let still = desk.snapshot().recording.is_some_and(|v| v.call_id == call_id && v.state == waiting);
            if still {
                let (action, back_to, why) = if waiting == RecordingState::Requesting {
                    (AuditAction::Start, RecordingState::Failed, "The gateway did not confirm the recording within 15 s")
                } else {
                    (AuditAction::Stop, RecordingState::Recording, "The gateway did not confirm the stop within 15 s")
                };
                desk.audit(&call_id, RecordingPath::Gateway, action, AuditOutcome::Failed, None, Some(why.into()));
                let started = desk.snapshot().recording.and_then(|v| v.started_at_ms);
                desk.set_recording(&call_id, back_to, started.filter(|_| back_to == RecordingState::Recording), Some(why.into()));
            }
        });
    }

    fn audit(&self, call_id: &str, path: RecordingPath, action: AuditAction, outcome: AuditOutcome, code: Option<String>, message: Option<String>) {
        let entry = AuditEntry {
            id: 0,
            at_ms: self.now_ms(),
            agent_id: self.snapshot().session.agent_id.unwrap_or_default(),
            call_id: call_id.to_owned(),
            path,
            action,
            outcome,
            code,
            message,
        };
        if let Err(e) = self.inner.notes.with_store(|s| s.audit(&entry)) {
            tracing::error!("the recording audit log could not be written: {e}");
        }
    }

    /// Sets up recording for a session from the administrator's settings (the demo records
    /// through its own ODFS simulator).
    pub(crate) fn set_up_recording(&self, demo: Option<&crate::demo::DemoOdfs>) {
        let recorder = match demo {
            Some(d) => Some(Recorder::odfs(&d.url, &d.app_key, None, &d.flow_access_code, Some(d.secret.clone()))),
            None => {
                let s = self.stored_settings();
                match s.recording_path {
                    None => None,
                    Some(RecordingPath::Gateway) => Some(Recorder::gateway()),
                    Some(RecordingPath::Odfs) => Some(match (s.odfs_url.as_deref(), s.odfs_app_key.as_deref()) {
                        (Some(url), Some(key)) => {
                            let secret = self.inner.secrets.get(ODFS_SECRET_ACCOUNT).ok().flatten();
                            Recorder::odfs(url, key, s.odfs_vdn_id, s.odfs_flow_access_code.as_deref().unwrap_or(""), secret)
                        }
                        _ => Recorder::broken(
                            RecordingPath::Odfs,
                            "ODFS recording is chosen, but its address (odfsUrl) or tenant id (odfsAppKey) is not set".into(),
                        ),
                    }),
                }
            }
        };
        if let Ok(mut r) = self.inner.recorder.lock() {
            *r = recorder.map(Arc::new);
        }
        on_call_changed(self);
    }
}

/// The agent's one line for an ODFS failure, with its code.
fn odfs_reason(e: &OdfsError) -> String {
    let (code, text) = (e.code(), e.to_string());
    if text.contains(&code) {
        format!("ODFS did not start the recording: {text}")
    } else {
        format!("ODFS did not start the recording ({code}): {text}")
    }
}
