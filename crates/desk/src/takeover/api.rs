//! The desk's takeover API: settings and token, the connection, and the supervisor's actions on
//! a session (take control, run a component, stop it, hand back, files).

use std::sync::{Arc, Weak};

use serde_json::{Map, Value};
use sidekick_ivrapi::{Component, IvrClient, IvrConfig, IvrError, Token};
use url::Url;

use super::runtime::{Running, Takeover};
use super::{
    ComponentForm, FileLinkView, TakeoverLink, TakeoverPanel, TakeoverSession, TakeoverSettings, TakeoverView, UploadForm, UploadTarget,
    SESSIONS_SHOWN, TOKEN_ACCOUNT,
};
use crate::desk::Inner;
use crate::error::{capitalized, DeskError};
use crate::export::Role;
use crate::model::SettingsView;
use crate::Desk;

impl Desk {
    /// The takeover part of the settings page.
    pub(crate) fn takeover_view(&self) -> TakeoverView {
        let stored = self.stored_settings();
        let (_, _, demo) = self.effective_takeover(&stored.takeover);
        TakeoverView {
            allowed: allowed(&stored),
            token_saved: self.inner.secrets.contains(TOKEN_ACCOUNT).unwrap_or(false),
            settings: stored.takeover,
            demo,
        }
    }

    /// The address and token in use, and whether they are the demo's (the demo runs and no
    /// address is saved).
    fn effective_takeover(&self, saved: &TakeoverSettings) -> (Option<String>, Option<String>, bool) {
        let demo = self.takeover().demo.lock().ok().and_then(|d| d.clone()).filter(|_| saved.url.is_none());
        match demo {
            Some(d) => (Some(d.url), Some(d.token), true),
            None => (saved.url.clone(), self.inner.secrets.get(TOKEN_ACCOUNT).ok().flatten(), false),
        }
    }

    fn takeover(&self) -> &Takeover {
        &self.inner.takeover
    }

    /// Checks and saves the takeover settings, then connects, reconnects or disconnects. Nothing
    /// is saved when a field is wrong.
    pub async fn save_takeover_settings(&self, settings: TakeoverSettings) -> Result<SettingsView, DeskError> {
        let settings = checked(settings)?;
        let mut stored = self.stored_settings();
        stored.takeover = settings;
        self.save_settings(&stored)?;
        tracing::info!("IVR takeover settings saved");
        self.apply_takeover().await;
        Ok(self.settings())
    }

    /// Keeps the platform's token in the OS keychain (write-only).
    pub async fn set_era_token(&self, token: &str) -> Result<SettingsView, DeskError> {
        let token = token.trim();
        Token::new(token).map_err(|e| DeskError::Invalid(capitalized(&e.to_string())))?;
        self.inner.secrets.set(TOKEN_ACCOUNT, token).map_err(|e| DeskError::Storage(e.to_string()))?;
        tracing::info!(token_len = token.len(), "Era token saved in the keychain");
        self.apply_takeover().await;
        Ok(self.settings())
    }

    /// Removes the token from the keychain; the connection stops.
    pub async fn forget_era_token(&self) -> Result<SettingsView, DeskError> {
        self.inner.secrets.delete(TOKEN_ACCOUNT).map_err(|e| DeskError::Storage(e.to_string()))?;
        tracing::info!("Era token removed from the keychain");
        self.apply_takeover().await;
        Ok(self.settings())
    }

    /// Connects when this user may take callers over and an address and token are there;
    /// disconnects otherwise.
    pub async fn apply_takeover(&self) {
        let _op = self.takeover().op.lock().await;
        if let Ok(mut c) = self.takeover().client.lock() {
            c.take();
        }
        let stored = self.stored_settings();
        let allowed = allowed(&stored);
        let (url, token, demo) = self.effective_takeover(&stored.takeover);
        let started = match (allowed, url, token) {
            (true, Some(url), Some(token)) => {
                let mut config = IvrConfig::new(url);
                config.token_in_path = stored.takeover.token_in_path && !demo;
                match Token::new(token).and_then(|t| IvrClient::start(config, t)) {
                    Ok(client) => Some(client),
                    Err(e) => {
                        tracing::warn!("IVR takeover cannot start: {e}");
                        None
                    }
                }
            }
            _ => None,
        };
        match started {
            Some(client) => {
                tracing::info!(demo, "IVR takeover connecting");
                let pump = tokio::spawn(pump(Arc::downgrade(&self.inner), client.clone()));
                if let Ok(mut c) = self.takeover().client.lock() {
                    *c = Some(Running { client, pump });
                }
            }
            None => self.update(|s| s.takeover = None),
        }
        self.publish_takeover();
    }

    /// Puts the connection and its sessions into the snapshot.
    pub(crate) fn publish_takeover(&self) {
        let panel = self.ivr_client().map(|client| {
            let mut sessions: Vec<TakeoverSession> = client.sessions().iter().map(TakeoverSession::from).collect();
            sessions.reverse();
            sessions.truncate(SESSIONS_SHOWN);
            TakeoverPanel { link: TakeoverLink::from(&*client.status().borrow()), sessions, malformed_frames: client.malformed_frames() }
        });
        if self.snapshot().takeover != panel {
            self.update(|s| s.takeover = panel);
        }
    }

    fn ivr_client(&self) -> Option<IvrClient> {
        self.takeover().client.lock().ok().and_then(|c| c.as_ref().map(|r| r.client.clone()))
    }

    fn connected_client(&self) -> Result<IvrClient, DeskError> {
        self.ivr_client().ok_or_else(|| {
            DeskError::Invalid("IVR takeover is not set up: enter the platform's address and token in Settings".into())
        })
    }

    /// Takes control of an offered session (the first controller wins).
    pub async fn take_control(&self, ivrid: &str) -> Result<(), DeskError> {
        let client = self.connected_client()?;
        let result = client.accept(ivrid).await;
        self.ivr_audit("IVR take control", ivrid, &result);
        self.publish_takeover();
        result.map_err(ivr_error)
    }

    /// Hands the caller back to the script.
    pub async fn hand_back(&self, ivrid: &str) -> Result<(), DeskError> {
        let client = self.connected_client()?;
        let result = client.abort(ivrid).await;
        self.ivr_audit("IVR hand back", ivrid, &result);
        self.publish_takeover();
        result.map_err(ivr_error)
    }

    /// Runs a component on a session this app controls.
    pub async fn run_component(&self, ivrid: &str, form: ComponentForm) -> Result<(), DeskError> {
        let client = self.connected_client()?;
        let component = component_of(form)?;
        tracing::info!(ivrid, o_type = component.o_type(), "IVR component");
        let result = client.apply(ivrid, &component).await.map(drop);
        self.publish_takeover();
        result.map_err(ivr_error)
    }

    /// Stops the running component.
    pub async fn stop_component(&self, ivrid: &str) -> Result<(), DeskError> {
        let client = self.connected_client()?;
        let result = client.terminate(ivrid).await;
        self.publish_takeover();
        result.map_err(ivr_error)
    }

    /// A public link to a script file (valid 5 minutes).
    pub async fn ivr_file_link(&self, ivrid: &str, path: &str) -> Result<FileLinkView, DeskError> {
        let link = self.connected_client()?.file_link(ivrid, path).await.map_err(ivr_error)?;
        Ok(FileLinkView { url: link.url, expires_ms: link.expires_ms })
    }

    /// Has the platform download a file; the path to use in a component.
    pub async fn ivr_upload(&self, form: UploadForm) -> Result<String, DeskError> {
        let client = self.connected_client()?;
        let dest = form.dest.unwrap_or_default();
        let session = || form.ivrid.clone().filter(|s| !s.is_empty()).ok_or_else(|| DeskError::Invalid("Choose the session the file is for".into()));
        let result = match form.target {
            UploadTarget::Temp => client.upload_temp(&session()?, &form.url).await,
            UploadTarget::Static => client.upload_static(&session()?, &form.url, &dest).await,
            UploadTarget::Shared => client.upload_static_shared(&form.url, &dest).await,
        };
        result.map_err(ivr_error)
    }

    /// A line in the audit log (the export's, in `exports.sqlite3`).
    fn ivr_audit(&self, action: &str, ivrid: &str, result: &Result<(), IvrError>) {
        let outcome = match result {
            Ok(()) => "ok".to_owned(),
            Err(e) => capitalized(&e.to_string()),
        };
        self.export_audit_line(action, None, &format!("IVR session {ivrid}"), &outcome);
    }
}

/// Whether this user may take callers over: a supervisor, or an agent the administrator allows.
fn allowed(stored: &crate::settings::StoredSettings) -> bool {
    stored.role == Role::Supervisor || stored.takeover.agents_allowed
}

/// Republishes the panel on every event and status change, while the desk lives.
async fn pump(desk: Weak<Inner>, client: IvrClient) {
    let mut events = client.events();
    let mut status = client.status();
    drop(client);
    loop {
        let go_on = tokio::select! {
            e = events.recv() => !matches!(e, Err(tokio::sync::broadcast::error::RecvError::Closed)),
            r = status.changed() => r.is_ok(),
        };
        let Some(inner) = desk.upgrade() else { return };
        Desk { inner }.publish_takeover();
        if !go_on {
            return;
        }
    }
}


/// The platform's error as the desk's: a refusal by this app is the user's input, the platform's
/// refusal is the platform's, a timeout or lost connection is the network's.
fn ivr_error(e: IvrError) -> DeskError {
    let text = capitalized(&e.to_string());
    match e {
        IvrError::Refused { .. } => DeskError::Platform(text),
        IvrError::Timeout { .. } | IvrError::Disconnected => DeskError::Unreachable(text),
        _ => DeskError::Invalid(text),
    }
}

/// The component of a form, with its values checked.
fn component_of(form: ComponentForm) -> Result<Component, DeskError> {
    let component = match form {
        ComponentForm::HangUp => Component::HangUp,
        ComponentForm::Answer { sip_code, redirect_to } => {
            Component::Answer { sip_code, phrase: None, redirect_to: redirect_to.map(|r| r.trim().to_owned()).filter(|r| !r.is_empty()) }
        }
        ComponentForm::Transfer { number } => Component::Transfer { number: number.trim().to_owned(), reinvite_mode: 0 },
        ComponentForm::Play { file } => Component::Play { file: file.trim().to_owned() },
        ComponentForm::CollectDigits { timeout_sec, symbol_timeout_sec, max_symbols, interrupt } => Component::CollectDigits {
            timeout_sec,
            symbol_timeout_sec,
            max_symbols,
            interrupt: interrupt.map(|i| i.trim().to_owned()).filter(|i| !i.is_empty()),
        },
        ComponentForm::Record { rec_time_sec, interrupt, abort_on_silence } => Component::Record {
            rec_time_sec,
            max_symbols: None,
            interrupt: interrupt.map(|i| i.trim().to_owned()).filter(|i| !i.is_empty()),
            abort_on_silence,
        },
        ComponentForm::Raw { json } => {
            let value: Value = serde_json::from_str(&json)
                .map_err(|e| DeskError::Invalid(format!("The raw component is not valid JSON: {e}")))?;
            let Value::Object(map) = value else {
                return Err(DeskError::Invalid("The raw component must be a JSON object, like {\"oType\": 205, …}".into()));
            };
            raw_checked(map)?
        }
    };
    component.data().map_err(|e| DeskError::Invalid(capitalized(&e.to_string())))?;
    Ok(component)
}

fn raw_checked(map: Map<String, Value>) -> Result<Component, DeskError> {
    match map.get("oType").and_then(Value::as_i64) {
        Some(t) if t > 0 => Ok(Component::Raw(map)),
        _ => Err(DeskError::Invalid("The raw component needs a numeric \"oType\" (the component's type in the script)".into())),
    }
}

/// The settings, trimmed and checked.
pub(crate) fn checked(mut s: TakeoverSettings) -> Result<TakeoverSettings, DeskError> {
    s.url = s.url.map(|u| u.trim().to_owned()).filter(|u| !u.is_empty());
    if let Some(text) = &s.url {
        let url = Url::parse(text).map_err(|e| DeskError::Invalid(format!("The IVR platform's address is not a URL ({e}): use wss://host/ws/token/v1")))?;
        let local = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
        match url.scheme() {
            "wss" => {}
            "ws" if local => {}
            "ws" => return Err(DeskError::Invalid("The IVR platform's address must use wss:// (ws:// only to this computer)".into())),
            other => return Err(DeskError::Invalid(format!("The IVR platform's address must start with wss://, not {other}://"))),
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(DeskError::Invalid("The IVR platform's address takes no query or fragment: the token goes in the keychain".into()));
        }
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_checked() {
        let ok = |u: &str| checked(TakeoverSettings { url: Some(u.into()), ..Default::default() });
        assert_eq!(ok(" wss://era.example.com/ws/token/v1 ").unwrap().url.as_deref(), Some("wss://era.example.com/ws/token/v1"));
        assert!(ok("ws://127.0.0.1:9000/ws/token/v1").is_ok());
        assert!(ok("ws://era.example.com/ws/token/v1").unwrap_err().to_string().contains("wss://"));
        assert!(ok("https://era.example.com/").unwrap_err().to_string().contains("not https://"));
        assert!(ok("wss://era.example.com/ws/token/v1?token=x").unwrap_err().to_string().contains("keychain"));
        assert_eq!(checked(TakeoverSettings { url: Some("  ".into()), ..Default::default() }).unwrap().url, None);
    }

    #[test]
    fn forms_become_components_or_clear_errors() {
        let c = component_of(ComponentForm::Transfer { number: " 1002 ".into() }).unwrap();
        assert_eq!(c, Component::Transfer { number: "1002".into(), reinvite_mode: 0 });
        let e = component_of(ComponentForm::Raw { json: "{\"oType\": ".into() }).unwrap_err();
        assert!(e.to_string().contains("not valid JSON"), "{e}");
        let e = component_of(ComponentForm::Raw { json: "[1]".into() }).unwrap_err();
        assert!(e.to_string().contains("JSON object"), "{e}");
        let e = component_of(ComponentForm::Raw { json: "{\"name\": \"x\"}".into() }).unwrap_err();
        assert!(e.to_string().contains("oType"), "{e}");
        let raw = component_of(ComponentForm::Raw { json: "{\"oType\": 205, \"a\": 1}".into() }).unwrap();
        assert_eq!(raw.o_type(), 205);
        let e = component_of(ComponentForm::Answer { sip_code: 99, redirect_to: None }).unwrap_err();
        assert!(e.to_string().contains("100 and 699"), "{e}");
        let e = component_of(ComponentForm::Play { file: "".into() }).unwrap_err();
        assert!(matches!(e, DeskError::Invalid(_)), "{e}");
    }
}
