//! Call notes: typed on the card, saved sealed before anything is sent, delivered to the call as
//! encrypted call-associated data (`setcalldataex`) by the outbox, confirmed by reading it back.
//!
//! Each set replaces the call's data, so what is sent is always the whole [`NotesDocument`] of
//! the call: every note of it that is delivered or waiting. Sending is therefore idempotent; a
//! retry after a crash or an outage sends the same document again (with a fresh IV).
//!
//! Only lengths are ever logged: `text_bytes` of a note, `calldatalength` of a request.

pub mod api;
pub mod outbox;
pub mod store;

use std::sync::{Arc, Mutex};

use serde::Serialize;
use sidekick_calldata::{rfc3339_ms, DocNote, Key, NotesDocument, MAX_PLAINTEXT_BYTES};
use ts_rs::TS;

pub use api::HistoryCall;
pub use store::{Delivery, NotesStore, StoredNote};

use crate::error::DeskError;

/// One note as the window shows it (decrypted in backend memory, for the agent who typed it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct NoteView {
    /// Stable id: the order notes were typed in.
    #[ts(type = "number")]
    pub id: i64,
    /// The agent who typed it.
    pub author: u32,
    /// When it was typed (epoch ms).
    #[ts(type = "number")]
    pub at_ms: i64,
    /// The note.
    pub text: String,
    /// Where its delivery stands.
    pub delivery: Delivery,
    /// Why it failed, was not attached, or is being retried.
    pub reason: Option<String>,
}

/// The notes of the call on the card, and the room left for another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CallNotes {
    /// The call they belong to.
    pub call_id: String,
    /// In the order they were typed.
    pub notes: Vec<NoteView>,
    /// The most bytes the call's notes document may take (16,367).
    pub max_bytes: u32,
    /// The bytes the document takes with one more note whose text is empty. A new note of text
    /// `t` fits when `base_bytes + json_escaped_len(t) <= max_bytes`, where `json_escaped_len` is
    /// the UTF-8 length of `t` as a JSON string without its quotes.
    pub base_bytes: u32,
    /// Why notes cannot be attached now (no call-data key, no store), if so.
    pub unavailable: Option<String>,
}

/// The keychain account of the deployment's call-data key.
pub const KEY_ACCOUNT: &str = "call-data key";

/// The demo deployment's key (the embedded demo only; documented, not a secret).
pub(crate) const DEMO_KEY_HEX: &str = "000102030405060708090a0b0c0d0e0f";

/// The notes half of the desk: the store, the key of this session, and the outbox's wake-up.
#[derive(Debug)]
pub(crate) struct Notes {
    store: Result<Mutex<NotesStore>, String>,
    key: Mutex<Option<Arc<Key>>>,
    pub(crate) wake: tokio::sync::Notify,
    pub(crate) outbox_started: std::sync::atomic::AtomicBool,
}

impl Notes {
    pub(crate) fn open(dir: Option<&std::path::Path>) -> Self {
        let store = match dir {
            Some(d) => NotesStore::open_in(d),
            None => NotesStore::in_memory(),
        };
        let store = store.map(Mutex::new).map_err(|e| {
            tracing::error!("{e}");
            e.to_string()
        });
        Self { store, key: Mutex::new(None), wake: tokio::sync::Notify::new(), outbox_started: Default::default() }
    }

    /// Runs `f` on the store, or says why there is none.
    pub(crate) fn with_store<T>(&self, f: impl FnOnce(&NotesStore) -> Result<T, store::StoreError>) -> Result<T, DeskError> {
        let m = self.store.as_ref().map_err(|e| DeskError::Storage(format!("notes cannot be saved: {e}")))?;
        let g = m.lock().unwrap_or_else(|p| p.into_inner());
        f(&g).map_err(|e| DeskError::Storage(e.to_string()))
    }

    pub(crate) fn set_key(&self, key: Option<Key>) {
        *self.key.lock().unwrap_or_else(|p| p.into_inner()) = key.map(Arc::new);
    }

    pub(crate) fn key(&self) -> Option<Arc<Key>> {
        self.key.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn unavailable(&self) -> Option<String> {
        if let Err(e) = &self.store {
            return Some(format!("Notes cannot be saved: {e}"));
        }
        if self.key().is_none() {
            return Some("No call-data key is set, so notes cannot be sealed. An administrator enters it in Settings.".into());
        }
        None
    }

    /// The notes of `call_id` for the card, decrypted.
    pub(crate) fn view(&self, call_id: &str, agent_id: u32) -> CallNotes {
        let stored = self.with_store(|s| s.notes_of(call_id)).unwrap_or_default();
        let key = self.key();
        let notes: Vec<NoteView> = stored.iter().map(|n| note_view(n, key.as_deref())).collect();
        let doc = document_of(call_id, &notes);
        CallNotes {
            call_id: call_id.to_owned(),
            base_bytes: base_bytes(&doc, agent_id) as u32,
            max_bytes: MAX_PLAINTEXT_BYTES as u32,
            notes,
            unavailable: self.unavailable(),
        }
    }
}

/// A stored note opened with `key` (or a placeholder saying why it cannot be).
pub(crate) fn note_view(n: &StoredNote, key: Option<&Key>) -> NoteView {
    let text = match key.map(|k| sidekick_calldata::open(k, &n.sealed)) {
        Some(Ok(bytes)) => String::from_utf8(bytes).ok(),
        _ => None,
    };
    let (text, reason) = match text {
        Some(t) => (t, n.reason.clone()),
        None => (String::new(), Some("This note was sealed with a different call-data key and cannot be shown".into())),
    };
    NoteView { id: n.id, author: n.agent_id, at_ms: n.created_ms, text, delivery: n.delivery, reason }
}

/// Whether a note is part of what the call's data should hold.
pub(crate) fn carried(d: Delivery) -> bool {
    matches!(d, Delivery::Pending | Delivery::Sending | Delivery::Confirmed)
}

/// The document the call's data should hold: its carried notes, in order.
pub(crate) fn document_of(call_id: &str, notes: &[NoteView]) -> NotesDocument {
    NotesDocument {
        v: sidekick_calldata::DOCUMENT_VERSION,
        call_id: call_id.to_owned(),
        notes: notes
            .iter()
            .filter(|n| carried(n.delivery))
            .map(|n| DocNote { author: n.author.to_string(), at: rfc3339_ms(n.at_ms), text: n.text.clone() })
            .collect(),
    }
}

/// Size of `doc` with one more note of empty text by `agent_id`.
fn base_bytes(doc: &NotesDocument, agent_id: u32) -> usize {
    let mut d = doc.clone();
    d.notes.push(DocNote { author: agent_id.to_string(), at: rfc3339_ms(0), text: String::new() });
    d.to_bytes().len()
}
