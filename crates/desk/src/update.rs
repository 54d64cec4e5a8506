//! Updates of the app: whether to look for one, and what was found. The shell does the looking
//! and installing (Tauri's updater, signed packages); the desk decides when it may, and keeps
//! what the settings page shows.
//!
//! Never during a call: a found update is only offered in Settings, installing it is refused
//! while a call is on the card, and nothing ever prompts.

use serde::Serialize;
use ts_rs::TS;

use crate::error::DeskError;
use crate::model::CallState;
use crate::Desk;

/// Where updates stand.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, TS)]
#[serde(rename_all = "camelCase", rename_all_fields = "camelCase", tag = "state")]
pub enum UpdateView {
    /// Not looked for yet.
    #[default]
    Unknown,
    /// Turned off by the administrator's policy.
    DisabledByPolicy,
    /// No update address is configured (`updateEndpoint` in the policy or the settings).
    NotConfigured,
    /// Looked at `checked_ms`: this is the newest.
    UpToDate {
        /// When (ms since the epoch).
        #[ts(type = "number")]
        checked_ms: i64,
    },
    /// A newer version can be installed.
    Available {
        /// Its version.
        version: String,
        /// What it changes, as published.
        notes: Option<String>,
    },
    /// The last look failed.
    Failed {
        /// Why.
        reason: String,
    },
}

impl Desk {
    /// The update address to look at, or why not to look: the policy's `updatesDisabled` wins,
    /// then its `updateEndpoint`, then the settings' `updateEndpoint`.
    pub fn update_endpoint(&self) -> Result<String, UpdateView> {
        let policy = self.policy();
        if policy.as_ref().is_some_and(|p| p.policy.updates_disabled == Some(true)) {
            return Err(UpdateView::DisabledByPolicy);
        }
        policy
            .and_then(|p| p.policy.update_endpoint.clone())
            .or_else(|| self.stored_settings().update_endpoint.filter(|u| u.starts_with("https://")))
            .ok_or(UpdateView::NotConfigured)
    }

    /// Keeps what the last look found, for the settings page.
    pub fn set_update(&self, view: UpdateView) {
        if let Ok(mut u) = self.inner.update.lock() {
            *u = view;
        }
    }

    /// What the last look found.
    pub fn update_state(&self) -> UpdateView {
        self.inner.update.lock().map(|u| u.clone()).unwrap_or_default()
    }

    /// Whether an update may be installed now: one is available, updates are allowed, and no
    /// call is on the card (a ringing, live or held one).
    pub fn may_install_update(&self) -> Result<(), DeskError> {
        if let Err(why) = self.update_endpoint() {
            return Err(DeskError::Invalid(match why {
                UpdateView::DisabledByPolicy => "Updates are turned off by your administrator's policy".into(),
                _ => "No update address is configured".into(),
            }));
        }
        if !matches!(self.update_state(), UpdateView::Available { .. }) {
            return Err(DeskError::Invalid("There is no update to install".into()));
        }
        if self.snapshot().call.is_some_and(|c| c.state != CallState::Ended) {
            return Err(DeskError::Invalid("Updates are installed between calls: end the call first".into()));
        }
        Ok(())
    }
}
