//! Non-secret settings, as JSON in the app's config directory. Secrets never go here: they belong
//! in the OS keychain.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::DeskError;
use crate::model::{BusyReason, Language};

/// What is kept on disk. Never a secret.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct StoredSettings {
    /// Last gateway address used to sign in.
    pub gateway_url: Option<String>,
    /// Last agent id used to sign in.
    pub agent_id: Option<u32>,
    /// Last phone number used to sign in.
    pub phone_number: Option<String>,
    /// Interface language.
    pub language: Language,
    /// Administrator setting: a PEM file of extra CA certificates to trust for the gateway.
    pub gateway_ca_bundle: Option<std::path::PathBuf>,
    /// Administrator setting: the SHA-256 fingerprint of the one certificate the gateway must
    /// present (64 hex digits, colons allowed).
    pub gateway_cert_pin: Option<String>,
    /// Administrator setting: sign in to the CTI platform only (`loginex`: voice, no media
    /// licence), for deployments without text chat or mail.
    pub platform_only_sign_in: bool,
    /// Administrator setting: the not-ready reasons configured on the platform (codes 200–250),
    /// offered in the state menu. Entries outside the range are skipped with a warning.
    pub busy_reasons: Vec<BusyReason>,
    /// Administrator setting: how calls are recorded, `odfs` or `gateway`; absent: no recording.
    pub recording_path: Option<crate::recording::RecordingPath>,
    /// Administrator setting: ODFS (OIAP) address, `https://host:port/`.
    pub odfs_url: Option<String>,
    /// Administrator setting: the tenant id sent as ODFS `appKey` (the secret is in the keychain).
    pub odfs_app_key: Option<String>,
    /// Administrator setting: the flow access code sent as `call_dst_id` (at most 20 characters).
    pub odfs_flow_access_code: Option<String>,
    /// Administrator setting: the VDN id, for ODFS grey routing (`crs/process/{vdnId}`).
    pub odfs_vdn_id: Option<u32>,
    /// The system-wide hotkey that starts or stops recording (`CmdOrCtrl+Shift+R` when absent;
    /// an empty string turns it off).
    pub record_hotkey: Option<String>,
    /// Telphin Call Interactive: the server in this app, its rules, a relay.
    pub call_interactive: crate::interactive::InteractiveSettings,
    /// Agent or supervisor (who sees the export page).
    pub role: crate::export::Role,
    /// The supervisor's export from CC-FS (the SK is in the keychain).
    pub export: crate::export::ExportSettings,
    /// Taking over IVR callers (the token is in the keychain).
    pub takeover: crate::takeover::TakeoverSettings,
    /// How the app lives on the desktop: tray, window, start-up.
    pub desktop: DesktopSettings,
    /// Administrator setting: where updates are published (`https://…/latest.json`, Tauri's
    /// updater format); absent: no updates (the policy's `updateEndpoint` wins).
    pub update_endpoint: Option<String>,
    /// System-wide hotkeys of the other actions (`{"answer": "Ctrl+Shift+F5", …}`; unbound: off).
    pub hotkeys: std::collections::BTreeMap<crate::hotkeys::HotkeyAction, String>,
}

/// How the app lives on the desktop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", default)]
pub struct DesktopSettings {
    /// Closing the window while signed in hides it to the tray (the session goes on).
    pub close_to_tray: bool,
    /// The window stays above the others.
    pub always_on_top: bool,
    /// The app starts when the user logs in.
    pub launch_at_login: bool,
}

impl Default for DesktopSettings {
    fn default() -> Self {
        Self { close_to_tray: true, always_on_top: false, launch_at_login: false }
    }
}

/// The settings file.
#[derive(Debug, Clone)]
pub struct SettingsStore {
    path: PathBuf,
}

impl SettingsStore {
    /// Settings in `dir/settings.json`.
    pub fn in_dir(dir: &Path) -> Self {
        Self { path: dir.join("settings.json") }
    }

    /// Reads the settings; a missing file gives the defaults, an unreadable one is reported in the
    /// log and also gives the defaults (the agent must still be able to sign in).
    pub fn load(&self) -> StoredSettings {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                tracing::warn!(path = %self.path.display(), "settings file unreadable, using defaults: {e}");
                StoredSettings::default()
            }),
            Err(_) => StoredSettings::default(),
        }
    }

    /// Writes the settings atomically (temporary file, then rename).
    pub fn save(&self, s: &StoredSettings) -> Result<(), DeskError> {
        let dir = self.path.parent().ok_or_else(|| DeskError::Storage("no settings directory".into()))?;
        let fail = |e: std::io::Error| DeskError::Storage(format!("settings could not be saved: {e}"));
        std::fs::create_dir_all(dir).map_err(fail)?;
        let tmp = self.path.with_extension("json.tmp");
        let bytes = serde_json::to_vec_pretty(s).map_err(|e| DeskError::Storage(format!("settings could not be saved: {e}")))?;
        std::fs::write(&tmp, bytes).map_err(fail)?;
        std::fs::rename(&tmp, &self.path).map_err(fail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    
    #[test]
    fn round_trips_and_survives_a_corrupt_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = SettingsStore::in_dir(dir.path());
        assert_eq!(store.load(), StoredSettings::default(), "no file yet gives defaults");
        let s = StoredSettings {
            gateway_url: Some("https://cc:8043/".into()),
            agent_id: Some(291),
            phone_number: Some("40038".into()),
            language: Language::Ru,
            gateway_ca_bundle: None,
            gateway_cert_pin: Some("ab".repeat(32)),
            platform_only_sign_in: true,
            busy_reasons: vec![BusyReason { code: 201, label: "Training".into() }],
            recording_path: Some(crate::recording::RecordingPath::Odfs),
            odfs_url: Some("https://oiap.example.com:18443/".into()),
            odfs_app_key: Some("tenant-1".into()),
            odfs_flow_access_code: Some("10086".into()),
            odfs_vdn_id: None,
            record_hotkey: Some("Alt+F9".into()),
            call_interactive: crate::interactive::InteractiveSettings {
                enabled: true,
                listen: Some("0.0.0.0:8095".into()),
                rules: serde_json::from_str(r#"[{"name": "Back to me", "when": {"spokeWithinDays": 7}, "actions": [{"action": "SimpleTransfer", "numbers": "{me}"}]}]"#).unwrap(),
                transfer_number: None,
                relay_url: None,
            },
            role: crate::export::Role::Supervisor,
            export: crate::export::ExportSettings {
                ccfs_url: Some("https://ccfs.example.com:28443/".into()),
                ak: Some("dev-ak".into()),
                ..Default::default()
            },
            takeover: crate::takeover::TakeoverSettings { url: Some("wss://era.example.com/ws/token/v1".into()), token_in_path: true, agents_allowed: false },
            desktop: DesktopSettings { close_to_tray: false, always_on_top: true, launch_at_login: true },
            hotkeys: [(crate::hotkeys::HotkeyAction::Answer, "Ctrl+Shift+F5".to_owned())].into(),
            update_endpoint: Some("https://updates.example.com/sidekick/latest.json".into()),
        };
        store.save(&s).unwrap();
        assert_eq!(store.load(), s);
        std::fs::write(dir.path().join("settings.json"), b"{not json").unwrap();
        assert_eq!(store.load(), StoredSettings::default());
    }
}
