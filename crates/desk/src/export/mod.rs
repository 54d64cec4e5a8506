//! The supervisor's export of CDRs and recording indexes from CC-FS.
//!
//! A supervisor asks for a period, filters and the files wanted ([`ExportForm`]). The period is cut
//! into windows of at most three days (CC-FS's limit), each a job of its own ([`ExportJobView`]):
//! *requested* (`queryBillData` on its way) → *waiting* (CC-FS answered with a `responseId`; its
//! callback will name the file) → *downloading* (`downloadBillFile`, unpack, parse) → *ready*
//! (rows stored) or *failed* (with the reason; Retry asks again). Jobs, rows, callbacks and the
//! audit log are kept in `exports.sqlite3` in the data directory, so they survive a restart:
//! a job that was downloading starts again, one that was waiting keeps waiting (CC-FS calls back
//! every 10 minutes until answered), one whose request was cut off is sent again.
//!
//! The callback receiver ([`receiver`]) is an HTTPS server in the app with the certificate and key
//! from the settings (the platform must trust that certificate); without them it serves plain HTTP
//! on loopback only, for the simulator and the demo. It checks auth-v2 with the developer's AK/SK,
//! answers at once, and is idempotent on `responseId`: a repeated callback changes nothing.
//!
//! Where CC-FS cannot reach the supervisor's computer, `sidekick relay` runs the same receiver on
//! a server ([`callback_routes`]) and passes each checked callback on to the apps connected to it,
//! as a relay notice (`ccfs-callback`); the app takes one only for a job of its own.
//!
//! Choices where the reference is silent:
//!
//! - A period's dates are the tenant's wall-clock dates; a date alone means from 00:00:00 to
//!   23:59:59. The tenant zone is a setting (IANA name); absent, the computer's zone.
//! - The table shows the rows of one job, or of every ready job, searchable by agent, call id and
//!   numbers, sortable by any column, 500 rows a page; Export CSV writes all rows that match.

pub mod api;
pub(crate) mod receiver;
pub(crate) mod runtime;
pub(crate) mod store;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use sidekick_aicc::ccfs;

/// The relay notice that carries a CC-FS callback's `msgBody`.
pub const CALLBACK_NOTICE: &str = "ccfs-callback";

/// The CC-FS callback route ([`CALLBACK_PATH`]) for a server other than the app's receiver
/// (`sidekick relay`): each callback signed by `credentials` (auth-v2, ±15 minutes) goes to
/// `sink`, and is answered with the success body when `sink` takes it, HTTP 500 otherwise (CC-FS
/// then calls again); anything unsigned is HTTP 401. Serve it behind a TLS proxy.
pub fn callback_routes(
    credentials: ccfs::Credentials,
    sink: impl Fn(ccfs::CallbackMsg) -> Result<(), String> + Send + Sync + 'static,
) -> axum::Router {
    let checker = receiver::Checker {
        credentials,
        order: ccfs::SignOptions::default().order,
        window: chrono::Duration::minutes(api::CALLBACK_WINDOW_MINUTES),
    };
    receiver::router_for(checker, std::sync::Arc::new(sink))
}

/// The optional filters of an export; empty ones are left out of the request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct BillFilters {
    /// Tenant space id (at most 20 characters).
    pub account_id: Option<String>,
    /// Agent id (at most 20).
    pub agent_id: Option<String>,
    /// Call id (at most 25).
    pub call_id: Option<String>,
    /// Calling number (at most 25).
    pub caller_no: Option<String>,
    /// Called number (at most 25).
    pub callee_no: Option<String>,
    /// Second called number (at most 25).
    pub callee_no2: Option<String>,
}

impl From<BillFilters> for ccfs::BillFilters {
    fn from(f: BillFilters) -> Self {
        Self { account_id: f.account_id, agent_id: f.agent_id, call_id: f.call_id, caller_no: f.caller_no, callee_no: f.callee_no, callee_no2: f.callee_no2 }
    }
}

impl From<ccfs::BillFilters> for BillFilters {
    fn from(f: ccfs::BillFilters) -> Self {
        Self { account_id: f.account_id, agent_id: f.agent_id, call_id: f.call_id, caller_no: f.caller_no, callee_no: f.callee_no, callee_no2: f.callee_no2 }
    }
}

/// Which files CC-FS generates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum DataType {
    /// CDRs only.
    Call,
    /// Recording indexes only.
    Record,
    /// Both.
    CallRecord,
}

impl From<DataType> for ccfs::DataType {
    fn from(d: DataType) -> Self {
        match d {
            DataType::Call => Self::Call,
            DataType::Record => Self::Record,
            DataType::CallRecord => Self::CallRecord,
        }
    }
}

impl DataType {
    pub(crate) fn as_str(self) -> &'static str {
        ccfs::DataType::from(self).wire()
    }

    pub(crate) fn parse(text: &str) -> Self {
        match text {
            "call" => Self::Call,
            "record" => Self::Record,
            _ => Self::CallRecord,
        }
    }
}

/// The keychain account of the CC-FS SK (the developer's secret key).
pub const SK_ACCOUNT: &str = "ccfs sk";
/// Where the callback receiver listens unless configured.
pub const DEFAULT_CALLBACK_LISTEN: &str = "0.0.0.0:8443";
/// The path the receiver answers on.
pub const CALLBACK_PATH: &str = "/ccfs/callback";
/// Jobs shown in the snapshot (the newest).
pub const JOBS_SHOWN: usize = 50;
/// Rows per page of the table.
pub const PAGE_ROWS: u32 = 500;

/// Who uses the app: supervisors see the export page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum Role {
    /// An agent (the default).
    #[default]
    Agent,
    /// A supervisor: the export page is shown.
    Supervisor,
}

/// What is kept in `settings.json` under `export`. Never a secret (the SK is in the keychain).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct ExportSettings {
    /// CC-FS, `https://host:port/`.
    pub ccfs_url: Option<String>,
    /// The developer's AK (app id).
    pub ak: Option<String>,
    /// The tenant space's time zone (IANA, e.g. `Europe/Moscow`); absent: this computer's zone.
    pub tenant_zone: Option<String>,
    /// `address:port` the callback receiver listens on; [`DEFAULT_CALLBACK_LISTEN`] when absent.
    pub callback_listen: Option<String>,
    /// The address CC-FS calls back (`https://host:port/ccfs/callback`, as CC-FS reaches this
    /// computer); absent: made from the listen address. On the host of the Call Interactive relay,
    /// callbacks come through the relay and no receiver runs here.
    pub callback_url: Option<String>,
    /// PEM certificate chain of the receiver (the platform must trust it).
    pub callback_cert: Option<String>,
    /// PEM private key of the receiver.
    pub callback_key: Option<String>,
    /// Sign with milliseconds in the timestamp (the reference is unsure which CC-FS wants).
    pub timestamp_millis: bool,
}

/// The export part of the settings page.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ExportView {
    /// What is saved.
    pub settings: ExportSettings,
    /// Whether the keychain holds the SK (never the SK).
    pub sk_saved: bool,
    /// The tenant zone in use.
    pub zone: String,
    /// The callback receiver.
    pub receiver: ReceiverStatus,
    /// The demo's CC-FS simulator is in use (the demo runs and no CC-FS address is saved).
    pub demo: bool,
}

/// How the callback receiver stands.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, TS)]
#[serde(rename_all = "camelCase", tag = "state")]
pub enum ReceiverStatus {
    /// Not running (not a supervisor, or CC-FS not configured).
    #[default]
    Off,
    /// Listening; CC-FS is told to call `url`.
    Listening {
        /// The address CC-FS calls.
        url: String,
    },
    /// No receiver here: the callback address is on the relay's host (`sidekick relay
    /// --ccfs-ak`), which passes the callbacks on over the relay connection.
    ViaRelay {
        /// The address CC-FS calls (the relay's).
        url: String,
    },
    /// Could not start.
    Failed {
        /// Why, in a sentence.
        reason: String,
    },
}

/// What the supervisor asks for.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ExportForm {
    /// Start, tenant time: `YYYY-MM-DD`, `YYYY-MM-DD HH:MM` or `YYYY-MM-DD HH:MM:SS`.
    pub begin: String,
    /// End, the same forms; a date alone means its end (23:59:59).
    pub end: String,
    /// Filters (empty ones are left out).
    pub filters: BillFilters,
    /// Which files.
    pub data_type: DataType,
}

/// Where a job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum JobState {
    /// `queryBillData` is on its way (or must be sent again).
    Requested,
    /// CC-FS accepted; waiting for its callback.
    Waiting,
    /// Downloading, unpacking and reading the files.
    Downloading,
    /// Rows stored.
    Ready,
    /// Stopped with a reason; Retry asks again.
    Failed,
}

impl JobState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::Waiting => "waiting",
            Self::Downloading => "downloading",
            Self::Ready => "ready",
            Self::Failed => "failed",
        }
    }

    pub(crate) fn parse(text: &str) -> Self {
        match text {
            "waiting" => Self::Waiting,
            "downloading" => Self::Downloading,
            "ready" => Self::Ready,
            "failed" => Self::Failed,
            _ => Self::Requested,
        }
    }
}

/// One job, as the page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ExportJobView {
    /// Its id.
    #[ts(type = "number")]
    pub id: i64,
    /// The request it is part of (one per form sent).
    #[ts(type = "number")]
    pub request: i64,
    /// Its place in the request (1-based) and how many windows the request has.
    pub part: u32,
    /// How many windows the request has.
    pub parts: u32,
    /// When it was asked for (ms since the epoch).
    #[ts(type = "number")]
    pub created_ms: i64,
    /// Window start, tenant time `YYYY-MM-DD HH:MM:SS`.
    pub begin: String,
    /// Window end.
    pub end: String,
    /// The filters sent.
    pub filters: BillFilters,
    /// The files asked for.
    pub data_type: DataType,
    /// Where it stands.
    pub state: JobState,
    /// CC-FS's id, once it answered.
    pub response_id: Option<String>,
    /// The file the callback named.
    pub bill_file_name: Option<String>,
    /// Why it failed (or the last passing problem while it is retried).
    pub reason: Option<String>,
    /// CDRs stored.
    pub calls: u32,
    /// Recording indexes stored.
    pub records: u32,
}

/// Which table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum RowKind {
    /// CDRs.
    Calls,
    /// Recording indexes.
    Records,
}

/// Which rows to show.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RowQuery {
    /// CDRs or recording indexes.
    pub kind: RowKind,
    /// One job's rows; `None`: every ready job's.
    #[ts(type = "number | null")]
    pub job: Option<i64>,
    /// Matched (case-insensitively, as a substring) against agent, call id and both numbers.
    pub search: String,
    /// A column name of [`RowPage::columns`]; `None`: call start.
    pub sort: Option<String>,
    /// Largest first.
    pub descending: bool,
    /// Rows skipped (paging).
    pub offset: u32,
}

/// A page of the table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RowPage {
    /// Column names, in the vendor's order.
    pub columns: Vec<String>,
    /// The rows, each a value per column.
    pub rows: Vec<Vec<String>>,
    /// How many rows match in all.
    pub total: u32,
    /// Rows skipped.
    pub offset: u32,
}

/// One line of the export audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ExportAuditEntry {
    /// When (ms since the epoch).
    #[ts(type = "number")]
    pub at_ms: i64,
    /// Who: the OS user, and the agent id when signed in.
    pub who: String,
    /// What: `request`, `callback`, `download`, `retry`, `csv`.
    pub action: String,
    /// The job, if any.
    #[ts(type = "number | null")]
    pub job: Option<i64>,
    /// The period and filters, as sent.
    pub detail: String,
    /// `ok`, or the error.
    pub result: String,
}
