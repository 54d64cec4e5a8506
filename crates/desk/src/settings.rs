//! Non-secret settings, as JSON in the app's config directory. Secrets never go here: they belong
//! in the OS keychain.

use std::path::{Path, PathBuf};

use crate::error::DeskError;
use crate::model::SettingsView;

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
    pub fn load(&self) -> SettingsView {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                tracing::warn!(path = %self.path.display(), "settings file unreadable, using defaults: {e}");
                SettingsView::default()
            }),
            Err(_) => SettingsView::default(),
        }
    }

    /// Writes the settings atomically (temporary file, then rename).
    pub fn save(&self, s: &SettingsView) -> Result<(), DeskError> {
        let dir = self.path.parent().ok_or_else(|| DeskError::Storage("no settings directory".into()))?;
        std::fs::create_dir_all(dir).map_err(|e| DeskError::Storage(e.to_string()))?;
        let tmp = self.path.with_extension("json.tmp");
        let bytes = serde_json::to_vec_pretty(s).map_err(|e| DeskError::Storage(e.to_string()))?;
        std::fs::write(&tmp, bytes).map_err(|e| DeskError::Storage(e.to_string()))?;
        std::fs::rename(&tmp, &self.path).map_err(|e| DeskError::Storage(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Language;

    #[test]
    fn round_trips_and_survives_a_corrupt_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = SettingsStore::in_dir(dir.path());
        assert_eq!(store.load(), SettingsView::default(), "no file yet gives defaults");
        let s = SettingsView { gateway_url: Some("https://cc:8043/".into()), agent_id: Some(291), phone_number: Some("40038".into()), language: Language::Ru };
        store.save(&s).unwrap();
        assert_eq!(store.load(), s);
        std::fs::write(dir.path().join("settings.json"), b"{not json").unwrap();
        assert_eq!(store.load(), SettingsView::default());
    }
}
