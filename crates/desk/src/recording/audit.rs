//! The recording audit log: every recording request and its outcome, appended to the desk's
//! SQLite store. The app offers no way to edit or delete an entry; the window shows the log and
//! exports it as CSV.

use rusqlite::params;
use serde::Serialize;
use ts_rs::TS;

use super::RecordingPath;
use crate::notes::store::{NotesStore, StoreError};

/// What was asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum AuditAction {
    /// Start recording.
    Start,
    /// Stop recording.
    Stop,
}

/// What came of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum AuditOutcome {
    /// The platform took the request; its confirmation follows (gateway path).
    Accepted,
    /// The platform confirmed: recording (start) or stopped (stop).
    Confirmed,
    /// Refused before anything was sent (a setting or a field the platform would refuse).
    Invalid,
    /// The platform refused or failed, with its code.
    Failed,
}

impl AuditAction {
    fn as_str(self) -> &'static str {
        match self {
            Self::Start => "start",
            Self::Stop => "stop",
        }
    }
}

impl AuditOutcome {
    fn as_str(self) -> &'static str {
        match self {
            Self::Accepted => "accepted",
            Self::Confirmed => "confirmed",
            Self::Invalid => "invalid",
            Self::Failed => "failed",
        }
    }
}

fn path_str(p: RecordingPath) -> &'static str {
    match p {
        RecordingPath::Odfs => "odfs",
        RecordingPath::Gateway => "gateway",
    }
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    /// Order of writing.
    #[ts(type = "number")]
    pub id: i64,
    /// When (epoch ms).
    #[ts(type = "number")]
    pub at_ms: i64,
    /// The agent who asked.
    pub agent_id: u32,
    /// The call.
    pub call_id: String,
    /// Which platform.
    pub path: RecordingPath,
    /// Start or stop.
    pub action: AuditAction,
    /// What came of it.
    pub outcome: AuditOutcome,
    /// The platform's result code (`0`, `900002`, `100-009`, `HTTP 500`, …), when there is one.
    pub code: Option<String>,
    /// The platform's message or the reason, when there is one.
    pub message: Option<String>,
}

/// How many entries the window lists (the newest); the CSV export has them all.
pub const AUDIT_SHOWN: usize = 500;

impl NotesStore {
    /// Appends an entry.
    pub fn audit(&self, e: &AuditEntry) -> Result<(), StoreError> {
        self.db.execute(
            "INSERT INTO recording_audit (at_ms, agent_id, call_id, path, action, outcome, code, message)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![e.at_ms, e.agent_id, e.call_id, path_str(e.path), e.action.as_str(), e.outcome.as_str(), e.code, e.message],
        )?;
        Ok(())
    }

    /// The newest `limit` entries, newest first.
    pub fn audit_entries(&self, limit: usize) -> Result<Vec<AuditEntry>, StoreError> {
        let mut q = self.db.prepare_cached(
            "SELECT id, at_ms, agent_id, call_id, path, action, outcome, code, message
             FROM recording_audit ORDER BY id DESC LIMIT ?1",
        )?;
        let rows = q.query_map([limit as i64], |r| {
            Ok(AuditEntry {
                id: r.get(0)?,
                at_ms: r.get(1)?,
                agent_id: r.get(2)?,
                call_id: r.get(3)?,
                path: if r.get::<_, String>(4)? == "gateway" { RecordingPath::Gateway } else { RecordingPath::Odfs },
                action: if r.get::<_, String>(5)? == "stop" { AuditAction::Stop } else { AuditAction::Start },
                outcome: match r.get::<_, String>(6)?.as_str() {
                    "accepted" => AuditOutcome::Accepted,
                    "confirmed" => AuditOutcome::Confirmed,
                    "invalid" => AuditOutcome::Invalid,
                    _ => AuditOutcome::Failed,
                },
                code: r.get(7)?,
                message: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// The entries as CSV (RFC 4180: comma-separated, CRLF line ends, fields quoted when they hold a
/// comma, a quote or a line break), oldest first, with a header line. Times are UTC, RFC 3339.
pub fn to_csv(entries: &[AuditEntry]) -> String {
    let mut out = String::from("time_utc,agent_id,call_id,path,action,outcome,code,message\r\n");
    for e in entries.iter().rev() {
        let fields = [
            sidekick_calldata::rfc3339_ms(e.at_ms),
            e.agent_id.to_string(),
            e.call_id.clone(),
            path_str(e.path).to_owned(),
            e.action.as_str().to_owned(),
            e.outcome.as_str().to_owned(),
            e.code.clone().unwrap_or_default(),
            e.message.clone().unwrap_or_default(),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

fn csv_field(f: &str) -> String {
    // A leading =, +, - or @ would make a spreadsheet run the field as a formula: prefix a quote.
    let f = if f.starts_with(['=', '+', '-', '@']) { format!("'{f}") } else { f.to_owned() };
    if f.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", f.replace('"', "\"\""))
    } else {
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(call: &str, outcome: AuditOutcome, message: Option<&str>) -> AuditEntry {
        AuditEntry {
            id: 0,
            at_ms: 1_795_000_000_000,
            agent_id: 291,
            call_id: call.into(),
            path: RecordingPath::Odfs,
            action: AuditAction::Start,
            outcome,
            code: Some("0".into()),
            message: message.map(Into::into),
        }
    }

    #[test]
    fn entries_are_appended_and_listed_newest_first() {
        let store = NotesStore::in_memory().unwrap();
        store.audit(&entry("c-1", AuditOutcome::Confirmed, None)).unwrap();
        store.audit(&entry("c-2", AuditOutcome::Failed, Some("refused"))).unwrap();
        let listed = store.audit_entries(10).unwrap();
        assert_eq!(listed.iter().map(|e| e.call_id.as_str()).collect::<Vec<_>>(), ["c-2", "c-1"]);
        assert_eq!(listed[0].outcome, AuditOutcome::Failed);
        assert_eq!(store.audit_entries(1).unwrap().len(), 1);
    }

    #[test]
    fn csv_quotes_what_needs_quoting_and_defuses_formulas() {
        let csv = to_csv(&[
            entry("c-2", AuditOutcome::Failed, Some("ODFS said \"no\", twice")),
            entry("c-1", AuditOutcome::Confirmed, Some("=HYPERLINK(\"x\")")),
        ]);
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(lines[0], "time_utc,agent_id,call_id,path,action,outcome,code,message");
        assert_eq!(lines[1], "2026-11-18T11:06:40.000Z,291,c-1,odfs,start,confirmed,0,\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(lines[2], "2026-11-18T11:06:40.000Z,291,c-2,odfs,start,failed,0,\"ODFS said \"\"no\"\", twice\"");
        assert_eq!(lines[3], "");
    }
}
