//! The desk's local store: a SQLite file in the app's data directory. It holds the notes (written
//! before anything is sent), the call history and the recording audit log
//! ([`crate::recording::audit`]).
//!
//! Each note is kept sealed (the call-data envelope, under the deployment's key), so no note text
//! is ever at rest in plaintext; only its length is stored in the clear. A note's delivery state
//! is a column, so a crash at any point leaves every note either pending (sent again after the
//! restart: a set replaces the call's data, so a repeat is harmless) or settled.
//!
//! The store also keeps the call history shown in the window: the last [`HISTORY_CALLS`] calls.
//! Their notes go with them once settled; a note that is still to be delivered is never pruned.

use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension};

use crate::model::{CallView, Direction};

/// How many calls the history keeps.
pub const HISTORY_CALLS: usize = 200;

/// Where a note stands. Stored as its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub enum Delivery {
    /// Saved, waiting to be sent (or to be sent again).
    Pending,
    /// In a request to the gateway now.
    Sending,
    /// The gateway accepted the call data and the read-back matched.
    Confirmed,
    /// The gateway refused it for a reason retrying cannot fix; the reason says which.
    Failed,
    /// Typed after the call ended (or the call ended before it could be sent): kept here, not
    /// attached to the call.
    NotAttached,
}

impl Delivery {
    fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sending => "sending",
            Self::Confirmed => "confirmed",
            Self::Failed => "failed",
            Self::NotAttached => "notAttached",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "sending" => Self::Sending,
            "confirmed" => Self::Confirmed,
            "failed" => Self::Failed,
            "notAttached" => Self::NotAttached,
            _ => Self::Pending,
        }
    }

    /// Whether the note still waits for the gateway.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Pending | Self::Sending)
    }
}

/// One stored note, still sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredNote {
    /// Row id: the order notes were typed in.
    pub id: i64,
    /// The call it belongs to.
    pub call_id: String,
    /// Who typed it.
    pub agent_id: u32,
    /// When it was typed (epoch ms).
    pub created_ms: i64,
    /// The note text, sealed (Base64 envelope).
    pub sealed: String,
    /// Length of the text in UTF-8 bytes (what logs may say about it).
    pub text_bytes: usize,
    /// Delivery state.
    pub delivery: Delivery,
    /// Why it failed or was not attached.
    pub reason: Option<String>,
    /// How many times it was part of a request that failed.
    pub attempts: u32,
}

/// A call as the history lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCall {
    /// The platform's call id.
    pub call_id: String,
    /// The agent who had it.
    pub agent_id: u32,
    /// Calling number.
    pub caller: String,
    /// Called number.
    pub callee: String,
    /// Inbound or outbound.
    pub direction: Direction,
    /// When it reached the agent.
    pub offered_ms: i64,
    /// When it was answered.
    pub answered_ms: Option<i64>,
    /// When it ended.
    pub ended_ms: Option<i64>,
}

/// Storage failures, with the file named where it helps.
#[derive(Debug, thiserror::Error)]
#[error("the notes store failed: {0}")]
pub struct StoreError(String);

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        Self(e.to_string())
    }
}

/// The open store. One connection, used from one task at a time (the desk wraps it in a mutex).
#[derive(Debug)]
pub struct NotesStore {
    pub(crate) db: Connection,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS notes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    call_id     TEXT    NOT NULL,
    agent_id    INTEGER NOT NULL,
    created_ms  INTEGER NOT NULL,
    sealed      TEXT    NOT NULL,
    text_bytes  INTEGER NOT NULL,
    delivery    TEXT    NOT NULL,
    reason      TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    updated_ms  INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS notes_by_call ON notes (call_id, id);
CREATE INDEX IF NOT EXISTS notes_open ON notes (delivery, id);
CREATE TABLE IF NOT EXISTS calls (
    call_id     TEXT    PRIMARY KEY,
    agent_id    INTEGER NOT NULL,
    caller      TEXT    NOT NULL,
    callee      TEXT    NOT NULL,
    direction   TEXT    NOT NULL,
    offered_ms  INTEGER NOT NULL,
    answered_ms INTEGER,
    ended_ms    INTEGER
);
CREATE INDEX IF NOT EXISTS calls_by_time ON calls (offered_ms);
CREATE TABLE IF NOT EXISTS recording_audit (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms       INTEGER NOT NULL,
    agent_id    INTEGER NOT NULL,
    call_id     TEXT    NOT NULL,
    path        TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    outcome     TEXT    NOT NULL,
    code        TEXT,
    message     TEXT
);
";

impl NotesStore {
    /// Opens (creating if needed) `dir/notes.sqlite3`. Notes interrupted mid-send by a crash go
    /// back to pending.
    pub fn open_in(dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError(format!("{}: {e}", dir.display())))?;
        let path = dir.join("notes.sqlite3");
        let db = Connection::open(&path).map_err(|e| StoreError(format!("{}: {e}", path.display())))?;
        Self::init(db)
    }

    /// A store that lives in memory only (tests, and a desk without a data directory).
    pub fn in_memory() -> Result<Self, StoreError> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(db: Connection) -> Result<Self, StoreError> {
        // WAL with FULL sync: a committed note survives a killed process and a power cut.
        db.pragma_update(None, "journal_mode", "WAL")?;
        db.pragma_update(None, "synchronous", "FULL")?;
        db.busy_timeout(std::time::Duration::from_secs(5))?;
        db.execute_batch(SCHEMA)?;
        db.execute("UPDATE notes SET delivery = 'pending' WHERE delivery = 'sending'", [])?;
        Ok(Self { db })
    }

    /// Saves a new note; it is on disk when this returns. Returns its id.
    pub fn add(&self, note: &StoredNote, now_ms: i64) -> Result<i64, StoreError> {
        self.db.execute(
            "INSERT INTO notes (call_id, agent_id, created_ms, sealed, text_bytes, delivery, reason, attempts, updated_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, ?8)",
            params![
                note.call_id,
                note.agent_id,
                note.created_ms,
                note.sealed,
                note.text_bytes as i64,
                note.delivery.as_str(),
                note.reason,
                now_ms
            ],
        )?;
        Ok(self.db.last_insert_rowid())
    }

    /// The notes of a call, in the order they were typed.
    pub fn notes_of(&self, call_id: &str) -> Result<Vec<StoredNote>, StoreError> {
        let mut q = self.db.prepare_cached(
            "SELECT id, call_id, agent_id, created_ms, sealed, text_bytes, delivery, reason, attempts
             FROM notes WHERE call_id = ?1 ORDER BY id",
        )?;
        let rows = q.query_map([call_id], row_note)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The call whose oldest open note is the oldest of all: the next one to deliver, so the
    /// outbox drains in the order notes were typed.
    pub fn next_open_call(&self) -> Result<Option<String>, StoreError> {
        Ok(self
            .db
            .query_row(
                "SELECT call_id FROM notes WHERE delivery IN ('pending', 'sending') ORDER BY id LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// How many notes wait for delivery.
    pub fn open_count(&self) -> Result<usize, StoreError> {
        let n: i64 = self.db.query_row("SELECT COUNT(*) FROM notes WHERE delivery IN ('pending', 'sending')", [], |r| r.get(0))?;
        Ok(n as usize)
    }

    /// Sets the delivery state of the given notes.
    pub fn set_delivery(&self, ids: &[i64], delivery: Delivery, reason: Option<&str>, now_ms: i64) -> Result<(), StoreError> {
        let tx = self.db.unchecked_transaction()?;
        {
            let mut q = tx.prepare_cached("UPDATE notes SET delivery = ?1, reason = ?2, updated_ms = ?3 WHERE id = ?4")?;
            for id in ids {
                q.execute(params![delivery.as_str(), reason, now_ms, id])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Counts a failed attempt for the given notes (back to pending).
    pub fn note_failed_attempt(&self, ids: &[i64], reason: &str, now_ms: i64) -> Result<(), StoreError> {
        let tx = self.db.unchecked_transaction()?;
        {
            let mut q = tx.prepare_cached(
                "UPDATE notes SET delivery = 'pending', reason = ?1, attempts = attempts + 1, updated_ms = ?2 WHERE id = ?3",
            )?;
            for id in ids {
                q.execute(params![reason, now_ms, id])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Records a call for the history (or updates it as it is answered and ends), and prunes the
    /// history to [`HISTORY_CALLS`] calls.
    pub fn record_call(&self, call: &CallView, agent_id: u32) -> Result<(), StoreError> {
        let direction = match call.direction {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
        };
        self.db.execute(
            "INSERT INTO calls (call_id, agent_id, caller, callee, direction, offered_ms, answered_ms, ended_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (call_id) DO UPDATE SET
                answered_ms = COALESCE(excluded.answered_ms, calls.answered_ms),
                ended_ms = COALESCE(excluded.ended_ms, calls.ended_ms)",
            params![
                call.call_id,
                agent_id,
                call.caller,
                call.callee,
                direction,
                call.offered_at_ms,
                call.answered_at_ms,
                call.ended_at_ms
            ],
        )?;
        self.prune()
    }

    /// Drops calls beyond the newest [`HISTORY_CALLS`], with their settled notes. A call with a
    /// note still to deliver stays.
    fn prune(&self) -> Result<(), StoreError> {
        let tx = self.db.unchecked_transaction()?;
        tx.execute(
            "DELETE FROM notes WHERE delivery NOT IN ('pending', 'sending') AND call_id IN (
                 SELECT call_id FROM calls ORDER BY offered_ms DESC LIMIT -1 OFFSET ?1)",
            [HISTORY_CALLS as i64],
        )?;
        tx.execute(
            "DELETE FROM calls WHERE call_id IN (SELECT call_id FROM calls ORDER BY offered_ms DESC LIMIT -1 OFFSET ?1)
             AND call_id NOT IN (SELECT call_id FROM notes)",
            [HISTORY_CALLS as i64],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// A call of the history.
    pub fn call(&self, call_id: &str) -> Result<Option<StoredCall>, StoreError> {
        Ok(self
            .db
            .query_row(
                "SELECT call_id, agent_id, caller, callee, direction, offered_ms, answered_ms, ended_ms FROM calls WHERE call_id = ?1",
                [call_id],
                row_call,
            )
            .optional()?)
    }

    /// The newest calls first, at most [`HISTORY_CALLS`].
    pub fn recent_calls(&self) -> Result<Vec<StoredCall>, StoreError> {
        let mut q = self.db.prepare_cached(
            "SELECT call_id, agent_id, caller, callee, direction, offered_ms, answered_ms, ended_ms
             FROM calls ORDER BY offered_ms DESC LIMIT ?1",
        )?;
        let rows = q.query_map([HISTORY_CALLS as i64], row_call)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

fn row_note(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredNote> {
    Ok(StoredNote {
        id: r.get(0)?,
        call_id: r.get(1)?,
        agent_id: r.get(2)?,
        created_ms: r.get(3)?,
        sealed: r.get(4)?,
        text_bytes: r.get::<_, i64>(5)? as usize,
        delivery: Delivery::parse(&r.get::<_, String>(6)?),
        reason: r.get(7)?,
        attempts: r.get(8)?,
    })
}

fn row_call(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredCall> {
    Ok(StoredCall {
        call_id: r.get(0)?,
        agent_id: r.get(1)?,
        caller: r.get(2)?,
        callee: r.get(3)?,
        direction: if r.get::<_, String>(4)? == "outbound" { Direction::Outbound } else { Direction::Inbound },
        offered_ms: r.get(5)?,
        answered_ms: r.get(6)?,
        ended_ms: r.get(7)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CallActions, CallState};

    fn note(call: &str, delivery: Delivery) -> StoredNote {
        StoredNote {
            id: 0,
            call_id: call.into(),
            agent_id: 291,
            created_ms: 1,
            sealed: "c2VhbGVk".into(),
            text_bytes: 6,
            delivery,
            reason: None,
            attempts: 0,
        }
    }

    fn call(id: &str, at: i64) -> CallView {
        CallView {
            call_id: id.into(),
            caller: "1".into(),
            callee: "2".into(),
            direction: Direction::Inbound,
            state: CallState::Ended,
            offered_at_ms: at,
            answered_at_ms: None,
            ended_at_ms: Some(at + 1),
            ended_by: None,
            actions: CallActions::default(),
        }
    }

    #[test]
    fn a_note_interrupted_mid_send_is_pending_after_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let store = NotesStore::open_in(dir.path()).unwrap();
        let id = store.add(&note("c1", Delivery::Pending), 1).unwrap();
        store.set_delivery(&[id], Delivery::Sending, None, 2).unwrap();
        drop(store);
        let store = NotesStore::open_in(dir.path()).unwrap();
        assert_eq!(store.notes_of("c1").unwrap()[0].delivery, Delivery::Pending);
        assert_eq!(store.next_open_call().unwrap().as_deref(), Some("c1"));
    }

    #[test]
    fn the_oldest_open_note_decides_which_call_drains_first() {
        let store = NotesStore::in_memory().unwrap();
        let a = store.add(&note("a", Delivery::Pending), 1).unwrap();
        store.add(&note("b", Delivery::Pending), 1).unwrap();
        store.add(&note("a", Delivery::Pending), 1).unwrap();
        assert_eq!(store.next_open_call().unwrap().as_deref(), Some("a"));
        store.set_delivery(&[a], Delivery::Confirmed, None, 2).unwrap();
        assert_eq!(store.next_open_call().unwrap().as_deref(), Some("b"), "b's note was typed before a's second one");
    }

    #[test]
    fn history_keeps_200_calls_but_never_an_undelivered_note() {
        let store = NotesStore::in_memory().unwrap();
        store.add(&note("old-open", Delivery::Pending), 1).unwrap();
        store.add(&note("old-done", Delivery::Confirmed), 1).unwrap();
        store.record_call(&call("old-open", 0), 291).unwrap();
        store.record_call(&call("old-done", 1), 291).unwrap();
        for i in 0..HISTORY_CALLS {
            store.record_call(&call(&format!("c{i}"), 10 + i as i64), 291).unwrap();
        }
        assert!(store.call("old-done").unwrap().is_none());
        assert!(store.notes_of("old-done").unwrap().is_empty());
        assert!(store.call("old-open").unwrap().is_some(), "a call with a note still to deliver stays");
        assert_eq!(store.notes_of("old-open").unwrap().len(), 1);
        assert_eq!(store.recent_calls().unwrap().len(), HISTORY_CALLS);
    }
}
