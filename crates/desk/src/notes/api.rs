//! The desk's notes operations: attach a note, read the history, set the call-data key.

use serde::Serialize;
use sidekick_calldata::{json_escaped_len, Key};
use ts_rs::TS;

use super::{note_view, outbox, Delivery, NoteView, StoredNote, KEY_ACCOUNT};
use crate::desk::Desk;
use crate::error::DeskError;
use crate::model::{CallState, Direction};

/// A call of the history, with its notes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct HistoryCall {
    /// The platform's call id.
    pub call_id: String,
    /// Calling number.
    pub caller: String,
    /// Called number.
    pub callee: String,
    /// Inbound or outbound.
    pub direction: Direction,
    /// When it reached the agent (epoch ms).
    #[ts(type = "number")]
    pub offered_at_ms: i64,
    /// When it was answered.
    #[ts(type = "number | null")]
    pub answered_at_ms: Option<i64>,
    /// When it ended.
    #[ts(type = "number | null")]
    pub ended_at_ms: Option<i64>,
    /// Whether it is the call on the card now. A call with no end that is not live ended unseen
    /// (Sidekick was closed or the session was lost before its end came).
    pub live: bool,
    /// Its notes, decrypted, in the order they were typed.
    pub notes: Vec<NoteView>,
}

impl Desk {
    /// Saves a note for the call `call_id` — the call on the card, or an earlier one of the
    /// history — then hands it to the outbox. The note is on disk (sealed) when this returns. On
    /// the live call it will be attached; typed after its call ended it is kept as "not
    /// attached". A note that would not fit in the call's data is refused with the numbers, and
    /// nothing is saved (the editor keeps the text).
    ///
    /// The call is named by the UI so that a draft typed for one call can never land on the next.
    pub async fn attach_note(&self, call_id: &str, text: String) -> Result<crate::model::DeskSnapshot, DeskError> {
        if text.trim().is_empty() {
            return Err(DeskError::Invalid("Type the note first".into()));
        }
        let snap = self.snapshot();
        let Some(agent_id) = snap.session.agent_id else {
            return Err(DeskError::NotSignedIn);
        };
        let on_card = snap.call.filter(|c| c.call_id == call_id);
        let ended = match &on_card {
            Some(c) => c.state == CallState::Ended,
            None if self.inner.notes.with_store(|s| s.call(call_id))?.is_some() => true,
            None => {
                return Err(DeskError::Invalid(
                    "Notes belong to a call, and that call is neither on the card nor in the history".into(),
                ))
            }
        };
        let call_id = call_id.to_owned();
        let notes = &self.inner.notes;
        let view = notes.view(&call_id, agent_id);
        if let Some(why) = view.unavailable {
            return Err(DeskError::Invalid(why));
        }
        let key = notes.key().ok_or_else(|| DeskError::Invalid("No call-data key is set".into()))?;
        let size = view.base_bytes as usize + json_escaped_len(&text);
        if size > view.max_bytes as usize {
            return Err(DeskError::Invalid(format!(
                "This note does not fit: the call's notes would take {size} bytes, and call data holds at most {}. \
                 Shorten it by {} bytes (letters outside English take 2–4 bytes each).",
                view.max_bytes,
                size - view.max_bytes as usize
            )));
        }
        let sealed = sidekick_calldata::seal(&key, text.as_bytes()).map_err(|e| DeskError::Invalid(e.to_string()))?;
        let now = self.now_ms();
        let note = StoredNote {
            id: 0,
            call_id: call_id.clone(),
            agent_id,
            created_ms: now,
            sealed,
            text_bytes: text.len(),
            delivery: if ended { Delivery::NotAttached } else { Delivery::Pending },
            reason: ended.then(|| "Not attached: typed after the call ended. Kept here.".to_owned()),
            attempts: 0,
        };
        let id = notes.with_store(|s| s.add(&note, now))?;
        tracing::info!(call = %call_id, note = id, text_bytes = text.len(), ended, "note saved");
        outbox::ensure_started(self);
        notes.wake.notify_one();
        self.refresh_notes();
        Ok(self.snapshot())
    }

    /// The last 200 calls, newest first, with their notes.
    pub fn call_history(&self) -> Result<Vec<HistoryCall>, DeskError> {
        self.history_where(|_| true, usize::MAX)
    }

    /// The latest `limit` calls with `number` (as caller or callee), newest first, with notes.
    pub(crate) fn history_with(&self, number: &str, limit: usize) -> Result<Vec<HistoryCall>, DeskError> {
        use crate::interactive::same_number;
        self.history_where(|c| same_number(&c.caller, number) || same_number(&c.callee, number), limit)
    }

    fn history_where(&self, keep: impl Fn(&super::store::StoredCall) -> bool, limit: usize) -> Result<Vec<HistoryCall>, DeskError> {
        let notes = &self.inner.notes;
        let key = notes.key();
        let calls = notes.with_store(|s| s.recent_calls())?;
        let live = self.snapshot().call.filter(|c| c.ended_at_ms.is_none()).map(|c| c.call_id);
        calls
            .into_iter()
            .filter(|c| keep(c))
            .take(limit)
            .map(|c| {
                let stored = notes.with_store(|s| s.notes_of(&c.call_id))?;
                Ok(HistoryCall {
                    live: c.ended_ms.is_none() && live.as_deref() == Some(c.call_id.as_str()),
                    notes: stored.iter().map(|n| note_view(n, key.as_deref())).collect(),
                    call_id: c.call_id,
                    caller: c.caller,
                    callee: c.callee,
                    direction: c.direction,
                    offered_at_ms: c.offered_ms,
                    answered_at_ms: c.answered_ms,
                    ended_at_ms: c.ended_ms,
                })
            })
            .collect()
    }

    /// Checks and keeps the deployment's call-data key in the OS keychain (as hex). It is used
    /// from the next sign-in on, and at once if signed in now.
    pub fn set_call_data_key(&self, text: &str) -> Result<crate::model::SettingsView, DeskError> {
        let key = Key::parse(text).map_err(|e| DeskError::Invalid(crate::error::capitalized(&e.to_string())))?;
        self.inner.secrets.set(KEY_ACCOUNT, &key.to_hex()).map_err(|e| DeskError::Storage(e.to_string()))?;
        tracing::info!("call-data key saved in the keychain");
        if self.snapshot().session.phase == crate::model::SessionPhase::SignedIn && !self.snapshot().session.demo {
            self.inner.notes.set_key(Some(key));
            self.inner.notes.wake.notify_one();
            self.refresh_notes();
        }
        Ok(self.settings())
    }

    /// Removes the call-data key from the keychain.
    pub fn forget_call_data_key(&self) -> Result<crate::model::SettingsView, DeskError> {
        self.inner.secrets.delete(KEY_ACCOUNT).map_err(|e| DeskError::Storage(e.to_string()))?;
        tracing::info!("call-data key removed from the keychain");
        Ok(self.settings())
    }

    /// The key for a session: the demo's, or the one in the keychain (none: notes are off, and
    /// the card says why).
    pub(crate) fn load_call_data_key(&self, demo: bool) {
        let key = if demo {
            Key::parse(super::DEMO_KEY_HEX).ok()
        } else {
            match self.inner.secrets.get(KEY_ACCOUNT) {
                Ok(Some(hex)) => Key::parse(&hex)
                    .inspect_err(|_| tracing::warn!("the call-data key in the keychain is not a valid key"))
                    .ok(),
                Ok(None) => None,
                Err(e) => {
                    tracing::warn!("the call-data key could not be read from the keychain: {e}");
                    None
                }
            }
        };
        self.inner.notes.set_key(key);
    }

    /// Publishes the notes of the call on the card (after a note was added, a delivery state
    /// changed, or the card moved to another call).
    pub(crate) fn refresh_notes(&self) {
        let notes = &self.inner.notes;
        // Computed inside the send, so two refreshes racing cannot publish a stale list last.
        self.inner.snapshot.send_if_modified(|s| {
            let view = match (&s.call, s.session.agent_id) {
                (Some(c), Some(agent)) => Some(notes.view(&c.call_id, agent)),
                _ => None,
            };
            if view == s.notes {
                return false;
            }
            s.notes = view;
            s.revision += 1;
            true
        });
    }

    /// Whether any saved note still waits for the gateway.
    pub fn notes_waiting(&self) -> usize {
        self.inner.notes.with_store(|s| s.open_count()).unwrap_or(0)
    }
}
