//! `exports.sqlite3`: the jobs, the callbacks received, the rows, and the audit log.

use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension};
use sidekick_aicc::ccfs::{BillData, CdrRow, RecordRow};

use super::{BillFilters, DataType, ExportAuditEntry, ExportJobView, JobState, RowKind, RowPage, RowQuery, PAGE_ROWS};

/// Storage failures.
#[derive(Debug, thiserror::Error)]
#[error("the export store failed: {0}")]
pub struct StoreError(pub(crate) String);

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        Self(e.to_string())
    }
}

/// The CDR columns, in the vendor's order (huawei-protocols.md §E.6).
pub const CDR_COLUMNS: [&str; 21] = [
    "developer", "account_id", "cc_id", "agent_id", "call_id", "caller_no", "callee_no", "wait_begin", "wait_end", "ack_begin",
    "ack_end", "call_begin", "call_end", "device_type", "device_no", "call_type", "release_cause", "call_id_num", "vdn_id",
    "pre_device_type", "pre_device_no",
];
/// The recording-index columns.
pub const RECORD_COLUMNS: [&str; 18] = [
    "developer", "account_id", "cc_id", "agent_id", "call_id", "caller_no", "callee_no", "call_begin", "call_end", "file_name",
    "task_status", "task_result", "original_file_name", "vdn_id", "call_type", "media_type", "user_wanted_skill_id",
    "current_skill_id",
];

fn schema() -> String {
    let columns = |names: &[&str]| names.iter().map(|c| format!("{c} TEXT NOT NULL")).collect::<Vec<_>>().join(", ");
    format!(
        "
CREATE TABLE IF NOT EXISTS jobs (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    request       INTEGER NOT NULL,
    part          INTEGER NOT NULL,
    parts         INTEGER NOT NULL,
    created_ms    INTEGER NOT NULL,
    begin_time    TEXT    NOT NULL,
    end_time      TEXT    NOT NULL,
    filters       TEXT    NOT NULL,
    data_type     TEXT    NOT NULL,
    state         TEXT    NOT NULL,
    response_id   TEXT,
    bill_file     TEXT,
    reason        TEXT,
    updated_ms    INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS jobs_by_response ON jobs (response_id);
CREATE TABLE IF NOT EXISTS callbacks (
    response_id   TEXT PRIMARY KEY,
    bill_file     TEXT NOT NULL,
    account_id    TEXT,
    received_ms   INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS cdr (job INTEGER NOT NULL, {});
CREATE INDEX IF NOT EXISTS cdr_by_job ON cdr (job);
CREATE TABLE IF NOT EXISTS record (job INTEGER NOT NULL, {});
CREATE INDEX IF NOT EXISTS record_by_job ON record (job);
CREATE TABLE IF NOT EXISTS audit (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms     INTEGER NOT NULL,
    who       TEXT    NOT NULL,
    action    TEXT    NOT NULL,
    job       INTEGER,
    detail    TEXT    NOT NULL,
    result    TEXT    NOT NULL
);
",
        columns(&CDR_COLUMNS),
        columns(&RECORD_COLUMNS)
    )
}

/// The open store (one connection; the desk holds it behind a mutex).
#[derive(Debug)]
pub struct ExportStore {
    db: Connection,
}

/// A new job to store.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub request: i64,
    pub part: u32,
    pub parts: u32,
    pub begin: String,
    pub end: String,
    pub filters: BillFilters,
    pub data_type: DataType,
}

impl ExportStore {
    /// Opens (creating) `dir/exports.sqlite3`.
    pub fn open_in(dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError(format!("{}: {e}", dir.display())))?;
        let path = dir.join("exports.sqlite3");
        let db = Connection::open(&path).map_err(|e| StoreError(format!("{}: {e}", path.display())))?;
        Self::init(db)
    }

    /// A store in memory (tests).
    pub fn in_memory() -> Result<Self, StoreError> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(db: Connection) -> Result<Self, StoreError> {
        db.pragma_update(None, "journal_mode", "WAL")?;
        db.pragma_update(None, "synchronous", "NORMAL")?;
        db.busy_timeout(std::time::Duration::from_secs(5))?;
        db.execute_batch(&schema())?;
        Ok(Self { db })
    }

    /// The next request number.
    pub fn next_request(&self) -> Result<i64, StoreError> {
        Ok(self.db.query_row("SELECT COALESCE(MAX(request), 0) + 1 FROM jobs", [], |r| r.get(0))?)
    }

    /// Stores a job as requested; returns its id.
    pub fn add_job(&self, job: &NewJob, now_ms: i64) -> Result<i64, StoreError> {
        let filters = serde_json::to_string(&job.filters).map_err(|e| StoreError(e.to_string()))?;
        self.db.execute(
            "INSERT INTO jobs (request, part, parts, created_ms, begin_time, end_time, filters, data_type, state, updated_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'requested', ?4)",
            params![job.request, job.part, job.parts, now_ms, job.begin, job.end, filters, job.data_type.as_str()],
        )?;
        Ok(self.db.last_insert_rowid())
    }

    /// Moves a job to `state` with `reason` (cleared when `None`).
    pub fn set_state(&self, id: i64, state: JobState, reason: Option<&str>, now_ms: i64) -> Result<(), StoreError> {
        self.db.execute("UPDATE jobs SET state = ?2, reason = ?3, updated_ms = ?4 WHERE id = ?1", params![id, state.as_str(), reason, now_ms])?;
        Ok(())
    }

    /// Notes CC-FS's `responseId`; the job waits for its callback.
    pub fn set_response(&self, id: i64, response_id: &str, now_ms: i64) -> Result<(), StoreError> {
        self.db.execute(
            "UPDATE jobs SET response_id = ?2, state = 'waiting', reason = NULL, updated_ms = ?3 WHERE id = ?1",
            params![id, response_id, now_ms],
        )?;
        Ok(())
    }

    /// Records a callback; `false` when that `responseId` had called back already (nothing changes).
    pub fn add_callback(&self, response_id: &str, bill_file: &str, account_id: Option<&str>, now_ms: i64) -> Result<bool, StoreError> {
        let added = self.db.execute(
            "INSERT OR IGNORE INTO callbacks (response_id, bill_file, account_id, received_ms) VALUES (?1, ?2, ?3, ?4)",
            params![response_id, bill_file, account_id, now_ms],
        )?;
        Ok(added == 1)
    }

    /// The file a callback named for `response_id`, if it came.
    pub fn callback_file(&self, response_id: &str) -> Result<Option<String>, StoreError> {
        Ok(self.db.query_row("SELECT bill_file FROM callbacks WHERE response_id = ?1", [response_id], |r| r.get(0)).optional()?)
    }

    /// The job waiting for `response_id`, if any.
    pub fn job_of_response(&self, response_id: &str) -> Result<Option<ExportJobView>, StoreError> {
        let sql = format!("{JOB_SELECT} WHERE response_id = ?1");
        Ok(self.db.query_row(&sql, [response_id], job_row).optional()?)
    }

    /// Marks a job downloading `bill_file`.
    pub fn set_downloading(&self, id: i64, bill_file: &str, now_ms: i64) -> Result<(), StoreError> {
        self.db.execute(
            "UPDATE jobs SET bill_file = ?2, state = 'downloading', reason = NULL, updated_ms = ?3 WHERE id = ?1",
            params![id, bill_file, now_ms],
        )?;
        Ok(())
    }

    /// Stores a job's rows (replacing any earlier ones) and marks it ready, in one transaction.
    pub fn store_rows(&mut self, id: i64, data: &BillData, now_ms: i64) -> Result<(), StoreError> {
        let tx = self.db.transaction()?;
        tx.execute("DELETE FROM cdr WHERE job = ?1", [id])?;
        tx.execute("DELETE FROM record WHERE job = ?1", [id])?;
        {
            let marks = vec!["?"; CDR_COLUMNS.len() + 1].join(", ");
            let mut insert = tx.prepare(&format!("INSERT INTO cdr VALUES ({marks})"))?;
            for row in &data.calls {
                let values = cdr_values(row);
                let mut bound: Vec<&dyn rusqlite::ToSql> = vec![&id];
                bound.extend(values.iter().map(|v| v as &dyn rusqlite::ToSql));
                insert.execute(bound.as_slice())?;
            }
            let marks = vec!["?"; RECORD_COLUMNS.len() + 1].join(", ");
            let mut insert = tx.prepare(&format!("INSERT INTO record VALUES ({marks})"))?;
            for row in &data.records {
                let values = record_values(row);
                let mut bound: Vec<&dyn rusqlite::ToSql> = vec![&id];
                bound.extend(values.iter().map(|v| v as &dyn rusqlite::ToSql));
                insert.execute(bound.as_slice())?;
            }
        }
        tx.execute("UPDATE jobs SET state = 'ready', reason = NULL, updated_ms = ?2 WHERE id = ?1", params![id, now_ms])?;
        tx.commit()?;
        Ok(())
    }

    /// One job.
    pub fn job(&self, id: i64) -> Result<Option<ExportJobView>, StoreError> {
        let sql = format!("{JOB_SELECT} WHERE id = ?1");
        Ok(self.db.query_row(&sql, [id], job_row).optional()?)
    }

    /// The newest `limit` jobs, newest first.
    pub fn jobs(&self, limit: usize) -> Result<Vec<ExportJobView>, StoreError> {
        let sql = format!("{JOB_SELECT} ORDER BY id DESC LIMIT ?1");
        let mut q = self.db.prepare(&sql)?;
        let rows = q.query_map([limit as i64], job_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Jobs in `state`, oldest first.
    pub fn jobs_in(&self, state: JobState) -> Result<Vec<ExportJobView>, StoreError> {
        let sql = format!("{JOB_SELECT} WHERE state = ?1 ORDER BY id");
        let mut q = self.db.prepare(&sql)?;
        let rows = q.query_map([state.as_str()], job_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// A page of rows, and how many match.
    pub fn rows(&self, query: &RowQuery) -> Result<RowPage, StoreError> {
        self.select_rows(query, Some(PAGE_ROWS))
    }

    /// Every row that matches (for CSV).
    pub fn all_rows(&self, query: &RowQuery) -> Result<RowPage, StoreError> {
        self.select_rows(&RowQuery { offset: 0, ..query.clone() }, None)
    }

    fn select_rows(&self, query: &RowQuery, limit: Option<u32>) -> Result<RowPage, StoreError> {
        let (table, columns): (&str, &[&str]) = match query.kind {
            RowKind::Calls => ("cdr", &CDR_COLUMNS),
            RowKind::Records => ("record", &RECORD_COLUMNS),
        };
        let sort = query.sort.as_deref().filter(|s| columns.contains(s)).unwrap_or("call_begin");
        let direction = if query.descending { "DESC" } else { "ASC" };
        let search = format!("%{}%", query.search.trim().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
        let job_filter = match query.job {
            Some(_) => "t.job = ?2",
            None => "t.job IN (SELECT id FROM jobs WHERE state = 'ready') AND ?2 IS NULL",
        };
        let filter = format!(
            "FROM {table} t WHERE {job_filter} AND (?1 = '%%' OR t.agent_id LIKE ?1 ESCAPE '\\' OR t.call_id LIKE ?1 ESCAPE '\\' \
             OR t.caller_no LIKE ?1 ESCAPE '\\' OR t.callee_no LIKE ?1 ESCAPE '\\')"
        );
        let total: u32 = self.db.query_row(&format!("SELECT COUNT(*) {filter}"), params![search, query.job], |r| r.get(0))?;
        let list = columns.iter().map(|c| format!("t.{c}")).collect::<Vec<_>>().join(", ");
        let page = match limit {
            Some(n) => format!("LIMIT {n} OFFSET {}", query.offset),
            None => String::new(),
        };
        let mut q = self.db.prepare(&format!("SELECT {list} {filter} ORDER BY t.{sort} {direction}, t.rowid {page}"))?;
        let rows = q.query_map(params![search, query.job], |r| (0..columns.len()).map(|i| r.get::<_, String>(i)).collect::<Result<Vec<_>, _>>())?;
        Ok(RowPage {
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            rows: rows.collect::<Result<_, _>>()?,
            total,
            offset: if limit.is_some() { query.offset } else { 0 },
        })
    }

    /// Adds an audit line.
    pub fn audit(&self, entry: &ExportAuditEntry) -> Result<(), StoreError> {
        self.db.execute(
            "INSERT INTO audit (at_ms, who, action, job, detail, result) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![entry.at_ms, entry.who, entry.action, entry.job, entry.detail, entry.result],
        )?;
        Ok(())
    }

    /// The audit log, newest first (at most `limit`).
    pub fn audit_log(&self, limit: usize) -> Result<Vec<ExportAuditEntry>, StoreError> {
        let mut q = self.db.prepare("SELECT at_ms, who, action, job, detail, result FROM audit ORDER BY id DESC LIMIT ?1")?;
        let rows = q.query_map([limit as i64], |r| {
            Ok(ExportAuditEntry { at_ms: r.get(0)?, who: r.get(1)?, action: r.get(2)?, job: r.get(3)?, detail: r.get(4)?, result: r.get(5)? })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

const JOB_SELECT: &str = "SELECT j.id, j.request, j.part, j.parts, j.created_ms, j.begin_time, j.end_time, j.filters, j.data_type, j.state,
    j.response_id, j.bill_file, j.reason,
    (SELECT COUNT(*) FROM cdr WHERE cdr.job = j.id), (SELECT COUNT(*) FROM record WHERE record.job = j.id)
    FROM jobs j";

fn job_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ExportJobView> {
    let filters: String = r.get(7)?;
    Ok(ExportJobView {
        id: r.get(0)?,
        request: r.get(1)?,
        part: r.get(2)?,
        parts: r.get(3)?,
        created_ms: r.get(4)?,
        begin: r.get(5)?,
        end: r.get(6)?,
        filters: serde_json::from_str(&filters).unwrap_or_default(),
        data_type: DataType::parse(&r.get::<_, String>(8)?),
        state: JobState::parse(&r.get::<_, String>(9)?),
        response_id: r.get(10)?,
        bill_file_name: r.get(11)?,
        reason: r.get(12)?,
        calls: r.get(13)?,
        records: r.get(14)?,
    })
}

fn cdr_values(r: &CdrRow) -> [&str; 21] {
    [
        &r.developer, &r.account_id, &r.cc_id, &r.agent_id, &r.call_id, &r.caller_no, &r.callee_no, &r.wait_begin, &r.wait_end,
        &r.ack_begin, &r.ack_end, &r.call_begin, &r.call_end, &r.device_type, &r.device_no, &r.call_type, &r.release_cause,
        &r.call_id_num, &r.vdn_id, &r.pre_device_type, &r.pre_device_no,
    ]
}

fn record_values(r: &RecordRow) -> [&str; 18] {
    [
        &r.developer, &r.account_id, &r.cc_id, &r.agent_id, &r.call_id, &r.caller_no, &r.callee_no, &r.call_begin, &r.call_end,
        &r.file_name, &r.task_status, &r.task_result, &r.original_file_name, &r.vdn_id, &r.call_type, &r.media_type,
        &r.user_wanted_skill_id, &r.current_skill_id,
    ]
}
