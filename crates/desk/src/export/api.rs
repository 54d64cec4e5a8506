//! The desk's export API: settings, requests, the jobs' progress, the rows and the audit log.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDateTime;
use chrono_tz::Tz;
use sidekick_aicc::ccfs::query::TIME_FORMAT;
use sidekick_aicc::ccfs::{self, parse_bill_zip, BillQuery, CallbackMsg, CcfsClient, CcfsConfig, CcfsError, Credentials, SignOptions, TimestampFormat};
use sidekick_aicc::RetryKind;
use url::Url;

use super::receiver::{self, Checker, Identity, Sink};
use super::store::{ExportStore, NewJob, CDR_COLUMNS, RECORD_COLUMNS};
use super::{
    ExportAuditEntry, ExportForm, ExportJobView, ExportSettings, ExportView, JobState, ReceiverStatus, Role, RowKind, RowPage, RowQuery,
    CALLBACK_PATH, DEFAULT_CALLBACK_LISTEN, JOBS_SHOWN, SK_ACCOUNT,
};
use crate::error::{capitalized, DeskError};
use crate::model::SettingsView;
use crate::Desk;

/// How many times a passing failure (network, 5xx) is retried before a job fails.
const ATTEMPTS: u32 = 3;
/// The pause before each retry.
const BACKOFF: [Duration; 3] = [Duration::from_secs(2), Duration::from_secs(10), Duration::from_secs(30)];
/// How far a callback's signature time may be from this computer's clock.
pub(crate) const CALLBACK_WINDOW_MINUTES: i64 = 15;

impl Desk {
    /// The export part of the settings page.
    pub(crate) fn export_view(&self) -> ExportView {
        let settings = self.stored_settings().export;
        let (in_use, _, demo) = self.effective_export(&settings);
        ExportView {
            zone: zone_of(&in_use).name().to_owned(),
            sk_saved: self.inner.secrets.contains(SK_ACCOUNT).unwrap_or(false),
            receiver: self.inner.exports.status.lock().map(|s| s.clone()).unwrap_or(ReceiverStatus::Off),
            settings,
            demo,
        }
    }

    /// The export settings and credentials in use, and whether they are the demo's: while the
    /// demo runs and no CC-FS address is saved, its CC-FS simulator (receiver on loopback);
    /// otherwise what is saved.
    fn effective_export(&self, saved: &ExportSettings) -> (ExportSettings, Option<Credentials>, bool) {
        let demo = self.inner.demo_ccfs.lock().ok().and_then(|d| d.clone()).filter(|_| saved.ccfs_url.is_none());
        match demo {
            Some(d) => {
                let settings = ExportSettings {
                    ccfs_url: Some(d.url),
                    ak: Some(d.ak.clone()),
                    tenant_zone: Some(d.zone),
                    callback_listen: Some("127.0.0.1:0".into()),
                    ..ExportSettings::default()
                };
                (settings, Some(Credentials::new(d.ak, d.sk)), true)
            }
            None => (saved.clone(), self.credentials(saved), false),
        }
    }

    /// Makes the user an agent or a supervisor (who sees the export page and runs the callback
    /// receiver).
    pub async fn set_role(&self, role: Role) -> Result<SettingsView, DeskError> {
        let mut stored = self.stored_settings();
        stored.role = role;
        self.save_settings(&stored)?;
        self.apply_export().await;
        self.apply_takeover().await;
        Ok(self.settings())
    }

    /// Checks and saves the export settings, then starts, moves or stops the callback receiver.
    /// Nothing is saved when a field is wrong.
    pub async fn save_export_settings(&self, settings: ExportSettings) -> Result<SettingsView, DeskError> {
        let settings = checked(settings)?;
        let mut stored = self.stored_settings();
        stored.export = settings;
        self.save_settings(&stored)?;
        tracing::info!("export settings saved");
        self.apply_export().await;
        Ok(self.settings())
    }

    /// Keeps the CC-FS SK in the OS keychain (write-only).
    pub async fn set_ccfs_sk(&self, sk: &str) -> Result<SettingsView, DeskError> {
        let sk = sk.trim();
        if sk.is_empty() {
            return Err(DeskError::Invalid("Enter the SK (the developer's secret key for CC-FS)".into()));
        }
        self.inner.secrets.set(SK_ACCOUNT, sk).map_err(|e| DeskError::Storage(e.to_string()))?;
        tracing::info!(sk_len = sk.len(), "CC-FS SK saved in the keychain");
        self.apply_export().await;
        Ok(self.settings())
    }

    /// Removes the CC-FS SK from the keychain; the receiver stops.
    pub async fn forget_ccfs_sk(&self) -> Result<SettingsView, DeskError> {
        self.inner.secrets.delete(SK_ACCOUNT).map_err(|e| DeskError::Storage(e.to_string()))?;
        tracing::info!("CC-FS SK removed from the keychain");
        self.apply_export().await;
        Ok(self.settings())
    }

    /// Starts the callback receiver when the user is a supervisor with an AK and SK, stops it
    /// otherwise; then resumes the jobs a restart interrupted.
    pub async fn apply_export(&self) {
        let _op = self.inner.exports.op.lock().await;
        let stored = self.stored_settings();
        let stop = || {
            if let Ok(mut r) = self.inner.exports.receiver.lock() {
                r.take();
            }
        };
        stop();
        let (settings, credentials, demo) = self.effective_export(&stored.export);
        let via_relay = via_relay(&settings, stored.call_interactive.relay_url.as_deref()).filter(|_| !demo);
        let status = match credentials {
            Some(_) if stored.role == Role::Supervisor && via_relay.is_some() => {
                let url = via_relay.unwrap_or_default();
                tracing::info!(%url, "CC-FS callbacks come through the relay");
                ReceiverStatus::ViaRelay { url }
            }
            Some(credentials) if stored.role == Role::Supervisor => match self.start_receiver(&settings, credentials).await {
                Ok(status) => status,
                Err(reason) => {
                    tracing::warn!("the CC-FS callback receiver could not start: {reason}");
                    ReceiverStatus::Failed { reason: capitalized(&reason) }
                }
            },
            _ => ReceiverStatus::Off,
        };
        if let Ok(mut s) = self.inner.exports.status.lock() {
            *s = status.clone();
        }
        self.publish_exports();
        if matches!(status, ReceiverStatus::Listening { .. } | ReceiverStatus::ViaRelay { .. }) {
            self.resume_exports();
        }
    }

    async fn start_receiver(&self, settings: &ExportSettings, credentials: Credentials) -> Result<ReceiverStatus, String> {
        let listen: SocketAddr = settings
            .callback_listen
            .as_deref()
            .unwrap_or(DEFAULT_CALLBACK_LISTEN)
            .parse()
            .map_err(|_| "the callback listen address cannot be read".to_owned())?;
        let identity = match (&settings.callback_cert, &settings.callback_key) {
            (Some(cert), Some(key)) => Some(Identity { cert: Path::new(cert), key: Path::new(key) }),
            _ => None,
        };
        let tls = identity.is_some();
        if settings.callback_url.is_none() && listen.ip().is_unspecified() {
            return Err("set the callback address: the https:// address CC-FS uses to reach this computer".into());
        }
        let checker = Checker { credentials, order: SignOptions::default().order, window: chrono::Duration::minutes(CALLBACK_WINDOW_MINUTES) };
        let weak = Arc::downgrade(&self.inner);
        let sink: Sink = Arc::new(move |msg: CallbackMsg| match weak.upgrade() {
            Some(inner) => Desk { inner }.on_callback(msg),
            None => Err("the app is closing".into()),
        });
        let running = receiver::start(listen, identity, checker, sink).await?;
        let url = match &settings.callback_url {
            Some(url) => url.clone(),
            None => format!("{}://{}{CALLBACK_PATH}", if tls { "https" } else { "http" }, running.addr),
        };
        tracing::info!(%url, "CC-FS callback receiver listening");
        if let Ok(mut r) = self.inner.exports.receiver.lock() {
            *r = Some(running);
        }
        Ok(ReceiverStatus::Listening { url })
    }

    /// The AK and SK, when both are set.
    fn credentials(&self, settings: &ExportSettings) -> Option<Credentials> {
        let ak = settings.ak.clone()?;
        let sk = self.inner.secrets.get(SK_ACCOUNT).ok().flatten()?;
        Some(Credentials::new(ak, sk))
    }

    /// A CC-FS client for the saved settings, or a sentence saying what is missing.
    fn ccfs_client(&self) -> Result<(CcfsClient, Url), DeskError> {
        let stored = self.stored_settings();
        if stored.role != Role::Supervisor {
            return Err(DeskError::Invalid("Exports are for supervisors: turn on the supervisor role in Settings".into()));
        }
        let (settings, credentials, _) = self.effective_export(&stored.export);
        let url = settings.ccfs_url.as_deref().ok_or_else(|| DeskError::Invalid("Set the CC-FS address in Settings first".into()))?;
        let credentials = credentials.ok_or_else(|| DeskError::Invalid("Set the CC-FS AK and SK in Settings first".into()))?;
        let callback = match self.inner.exports.status.lock().map(|s| s.clone()).unwrap_or(ReceiverStatus::Off) {
            ReceiverStatus::Listening { url } | ReceiverStatus::ViaRelay { url } => {
                Url::parse(&url).map_err(|e| DeskError::Invalid(format!("The callback address cannot be read: {e}")))?
            }
            ReceiverStatus::Failed { reason } => return Err(DeskError::Invalid(format!("The callback receiver is not running: {reason}"))),
            ReceiverStatus::Off => return Err(DeskError::Invalid("The callback receiver is not running".into())),
        };
        let config = CcfsConfig {
            base_url: Url::parse(url).map_err(|e| DeskError::Invalid(format!("The CC-FS address cannot be read: {e}")))?,
            zone: zone_of(&settings),
            tls: Default::default(),
            sign: SignOptions {
                timestamp: if settings.timestamp_millis { TimestampFormat::Millis } else { TimestampFormat::Seconds },
                ..SignOptions::default()
            },
        };
        let client = CcfsClient::new(config, credentials).map_err(|e| DeskError::Invalid(capitalized(&e.to_string())))?;
        Ok((client, callback))
    }

    /// Splits the form's period into windows of at most three days and asks CC-FS for each, one
    /// after the other. Returns the new jobs; they progress in the snapshot.
    pub async fn request_export(&self, form: ExportForm) -> Result<Vec<ExportJobView>, DeskError> {
        let (client, _) = self.ccfs_client()?;
        let zone = client.zone();
        let begin = parse_time(&form.begin, false).map_err(DeskError::Invalid)?;
        let end = parse_time(&form.end, true).map_err(DeskError::Invalid)?;
        let filters: super::BillFilters =
            ccfs::BillFilters::from(form.filters.clone()).normalized().map_err(|e| DeskError::Invalid(capitalized(&e.to_string())))?.into();
        let windows = ccfs::windows(zone, begin, end).map_err(|e| DeskError::Invalid(capitalized(&e.to_string())))?;
        let now = self.inner.clock.now_ms();
        let detail = describe(&form.begin, &form.end, &filters, form.data_type, windows.len());
        let ids = self.with_store(|store| {
            let request = store.next_request()?;
            let parts = windows.len() as u32;
            let mut ids = Vec::new();
            for (i, (b, e)) in windows.iter().enumerate() {
                let job = NewJob {
                    request,
                    part: i as u32 + 1,
                    parts,
                    begin: b.format(TIME_FORMAT).to_string(),
                    end: e.format(TIME_FORMAT).to_string(),
                    filters: filters.clone(),
                    data_type: form.data_type,
                };
                ids.push(store.add_job(&job, now)?);
            }
            Ok(ids)
        })?;
        self.export_audit_line("request", ids.first().copied(), &detail, "ok");
        tracing::info!(jobs = ids.len(), "export requested");
        self.publish_exports();
        let desk = self.clone();
        let queued = ids.clone();
        tokio::spawn(async move {
            for id in queued {
                desk.send_query(id).await;
            }
        });
        self.with_store(|store| ids.iter().filter_map(|id| store.job(*id).transpose()).collect::<Result<Vec<_>, _>>())
    }

    /// Tries a failed job again: downloads its file again when the callback named one, else asks
    /// CC-FS again.
    pub async fn retry_export(&self, id: i64) -> Result<Vec<ExportJobView>, DeskError> {
        self.ccfs_client()?;
        let job = self.with_store(|s| s.job(id))?.ok_or_else(|| DeskError::Invalid(format!("There is no export job {id}")))?;
        if job.state != JobState::Failed {
            return Err(DeskError::Invalid("Only a failed job can be retried".into()));
        }
        self.export_audit_line("retry", Some(id), &format!("{} – {}", job.begin, job.end), "ok");
        let desk = self.clone();
        match job.bill_file_name.clone() {
            Some(file) => {
                self.with_store(|s| s.set_downloading(id, &file, self.inner.clock.now_ms()))?;
                tokio::spawn(async move { desk.download(id, file).await });
            }
            None => {
                self.with_store(|s| s.set_state(id, JobState::Requested, None, self.inner.clock.now_ms()))?;
                tokio::spawn(async move { desk.send_query(id).await });
            }
        }
        self.publish_exports();
        self.with_store(|s| s.jobs(JOBS_SHOWN))
    }

    /// A page of stored rows.
    pub fn export_rows(&self, query: &RowQuery) -> Result<RowPage, DeskError> {
        self.with_store(|s| s.rows(query))
    }

    /// Writes every row that matches `query` as CSV into `dir`; returns the file.
    pub fn export_csv(&self, query: &RowQuery, dir: &Path) -> Result<PathBuf, DeskError> {
        let page = self.with_store(|s| s.all_rows(query))?;
        let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S");
        let kind = match query.kind {
            RowKind::Calls => "cdr",
            RowKind::Records => "recording-index",
        };
        let path = dir.join(format!("sidekick-{kind}-{stamp}.csv"));
        let write = || -> Result<(), Box<dyn std::error::Error>> {
            let mut out = csv::Writer::from_path(&path)?;
            out.write_record(&page.columns)?;
            for row in &page.rows {
                out.write_record(row)?;
            }
            out.flush()?;
            Ok(())
        };
        let result = write().map_err(|e| DeskError::Storage(format!("the CSV could not be written to {}: {e}", path.display())));
        let outcome = match &result {
            Ok(()) => format!("ok: {} rows to {}", page.rows.len(), path.display()),
            Err(e) => e.to_string(),
        };
        self.export_audit_line("csv", query.job, &format!("{kind}, search {:?}", query.search), &outcome);
        result.map(|()| path)
    }

    /// The export audit log, newest first (the latest 500).
    pub fn export_audit(&self) -> Result<Vec<ExportAuditEntry>, DeskError> {
        self.with_store(|s| s.audit_log(500))
    }

    /// A checked callback from the receiver: stored once per `responseId` (a repeat changes
    /// nothing), then the job waiting for it downloads.
    /// A CC-FS callback passed on by the relay: taken only for a job of this app (the relay passes
    /// every supervisor's callbacks to every app, and again to each app that connects).
    pub(crate) fn on_relayed_callback(&self, msg: CallbackMsg) {
        match self.with_store(|s| s.job_of_response(&msg.response_id)) {
            Ok(Some(_)) => {
                if let Err(e) = self.on_callback(msg) {
                    tracing::warn!("a CC-FS callback from the relay could not be stored: {e}");
                }
            }
            Ok(None) => tracing::debug!("a CC-FS callback from the relay for another app's job"),
            Err(e) => tracing::warn!("a CC-FS callback from the relay could not be checked: {e}"),
        }
    }

    fn on_callback(&self, msg: CallbackMsg) -> Result<(), String> {
        let now = self.inner.clock.now_ms();
        let new = self
            .with_store(|s| s.add_callback(&msg.response_id, &msg.bill_file_name, msg.account_id.as_deref(), now))
            .map_err(|e| e.to_string())?;
        if !new {
            tracing::info!(response_id = %msg.response_id, "CC-FS callback repeated; nothing to do");
            return Ok(());
        }
        let job = self.with_store(|s| s.job_of_response(&msg.response_id)).map_err(|e| e.to_string())?;
        self.export_audit_line("callback", job.as_ref().map(|j| j.id), &msg.bill_file_name, "ok");
        if let Some(job) = job.filter(|j| j.state == JobState::Waiting) {
            self.start_download(job.id, msg.bill_file_name);
        }
        Ok(())
    }

    fn start_download(&self, id: i64, file: String) {
        if self.with_store(|s| s.set_downloading(id, &file, self.inner.clock.now_ms())).is_err() {
            return;
        }
        self.publish_exports();
        let desk = self.clone();
        tokio::spawn(async move { desk.download(id, file).await });
    }

    /// Sends a job's `queryBillData`, retrying passing failures.
    async fn send_query(&self, id: i64) {
        let Ok(Some(job)) = self.with_store(|s| s.job(id)) else { return };
        let parse = |t: &str| NaiveDateTime::parse_from_str(t, TIME_FORMAT).ok();
        let (Some(begin), Some(end)) = (parse(&job.begin), parse(&job.end)) else {
            self.fail(id, "the job's period cannot be read");
            return;
        };
        let query = BillQuery { begin, end, filters: job.filters.clone().into(), data_type: job.data_type.into() };
        let mut attempt = 0;
        let response = loop {
            let result = match self.ccfs_client() {
                Ok((client, callback)) => client.query_bill_data(&query, &callback).await.map_err(|e| (e.retry_kind(), capitalized(&e.to_string()))),
                Err(e) => Err((RetryKind::NeedsAttention, e.to_string())),
            };
            match result {
                Ok(response) => break response,
                Err((kind, reason)) if attempt + 1 < ATTEMPTS && matches!(kind, RetryKind::NetworkFailure | RetryKind::Transient) => {
                    tracing::info!(job = id, "queryBillData failed, retrying: {reason}");
                    let _ = self.with_store(|s| s.set_state(id, JobState::Requested, Some(&reason), self.inner.clock.now_ms()));
                    self.publish_exports();
                    tokio::time::sleep(BACKOFF[attempt as usize]).await;
                    attempt += 1;
                }
                Err((_, reason)) => {
                    self.export_audit_line("query", Some(id), &format!("{} – {}", job.begin, job.end), &reason);
                    self.fail(id, &reason);
                    return;
                }
            }
        };
        let now = self.inner.clock.now_ms();
        if let Err(e) = self.with_store(|s| s.set_response(id, &response, now)) {
            self.fail(id, &e.to_string());
            return;
        }
        tracing::info!(job = id, "CC-FS accepted the export; waiting for its callback");
        self.publish_exports();
        // The callback may have come before the answer was stored.
        if let Ok(Some(file)) = self.with_store(|s| s.callback_file(&response)) {
            self.start_download(id, file);
        }
    }

    /// Downloads, unpacks and stores a job's file, retrying passing failures.
    async fn download(&self, id: i64, file: String) {
        let mut attempt = 0;
        loop {
            let result = match self.ccfs_client() {
                Ok((client, _)) => client.download_bill_file(&file).await,
                Err(e) => {
                    self.fail(id, &e.to_string());
                    return;
                }
            };
            let bytes = match result {
                Ok(bytes) => bytes,
                Err(e) if attempt + 1 < ATTEMPTS && matches!(e.retry_kind(), RetryKind::NetworkFailure | RetryKind::Transient) => {
                    tracing::info!(job = id, "downloadBillFile failed, retrying: {e}");
                    tokio::time::sleep(BACKOFF[attempt as usize]).await;
                    attempt += 1;
                    continue;
                }
                Err(e) => {
                    let reason = capitalized(&e.to_string());
                    self.export_audit_line("download", Some(id), &file, &reason);
                    self.fail(id, &reason);
                    return;
                }
            };
            let desk = self.clone();
            let size = bytes.len();
            let stored = tokio::task::spawn_blocking(move || -> Result<(usize, usize), String> {
                let data = parse_bill_zip(&bytes).map_err(|e| capitalized(&CcfsError::from(e).to_string()))?;
                let now = desk.inner.clock.now_ms();
                desk.with_store_mut(|s| s.store_rows(id, &data, now)).map_err(|e| e.to_string())?;
                Ok((data.calls.len(), data.records.len()))
            })
            .await
            .unwrap_or_else(|e| Err(format!("reading the file stopped: {e}")));
            match stored {
                Ok((calls, records)) => {
                    tracing::info!(job = id, size, calls, records, "export ready");
                    self.export_audit_line("download", Some(id), &file, &format!("ok: {calls} CDRs, {records} recording indexes"));
                    self.publish_exports();
                }
                Err(reason) => {
                    self.export_audit_line("download", Some(id), &file, &reason);
                    self.fail(id, &reason);
                }
            }
            return;
        }
    }

    /// Resumes jobs a restart (or a stopped receiver) interrupted: requests are sent again,
    /// downloads start again, and waiting jobs whose callback came download.
    fn resume_exports(&self) {
        let Ok((requested, downloading, waiting)) = self.with_store(|s| {
            Ok((s.jobs_in(JobState::Requested)?, s.jobs_in(JobState::Downloading)?, s.jobs_in(JobState::Waiting)?))
        }) else {
            return;
        };
        for job in downloading {
            if let Some(file) = job.bill_file_name {
                self.start_download(job.id, file);
            }
        }
        for job in waiting {
            if let Some(file) = job.response_id.as_deref().and_then(|r| self.with_store(|s| s.callback_file(r)).ok().flatten()) {
                self.start_download(job.id, file);
            }
        }
        if !requested.is_empty() {
            let desk = self.clone();
            tokio::spawn(async move {
                for job in requested {
                    desk.send_query(job.id).await;
                }
            });
        }
    }

    fn fail(&self, id: i64, reason: &str) {
        tracing::warn!(job = id, "export failed: {reason}");
        let _ = self.with_store(|s| s.set_state(id, JobState::Failed, Some(reason), self.inner.clock.now_ms()));
        self.publish_exports();
    }

    /// Puts the newest jobs into the snapshot.
    pub(crate) fn publish_exports(&self) {
        let jobs = self.with_store(|s| s.jobs(JOBS_SHOWN)).unwrap_or_default();
        if self.snapshot().exports != jobs {
            self.update(|s| s.exports = jobs);
        }
    }

    pub(crate) fn export_audit_line(&self, action: &str, job: Option<i64>, detail: &str, result: &str) {
        let agent = self.snapshot().session.agent_id.map(|a| format!(" (agent {a})")).unwrap_or_default();
        let user = std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_else(|_| "unknown".into());
        let entry = ExportAuditEntry {
            at_ms: self.inner.clock.now_ms(),
            who: format!("{user}{agent}"),
            action: action.to_owned(),
            job,
            detail: detail.to_owned(),
            result: result.to_owned(),
        };
        if let Err(e) = self.with_store(|s| s.audit(&entry)) {
            tracing::warn!("the export audit log could not be written: {e}");
        }
    }

    fn with_store<T>(&self, f: impl FnOnce(&ExportStore) -> Result<T, super::store::StoreError>) -> Result<T, DeskError> {
        let guard = self.inner.exports.store.lock().map_err(|_| DeskError::Storage("the export store is unavailable".into()))?;
        match &*guard {
            Ok(store) => f(store).map_err(|e| DeskError::Storage(e.to_string())),
            Err(reason) => Err(DeskError::Storage(reason.clone())),
        }
    }

    fn with_store_mut<T>(&self, f: impl FnOnce(&mut ExportStore) -> Result<T, super::store::StoreError>) -> Result<T, DeskError> {
        let mut guard = self.inner.exports.store.lock().map_err(|_| DeskError::Storage("the export store is unavailable".into()))?;
        match &mut *guard {
            Ok(store) => f(store).map_err(|e| DeskError::Storage(e.to_string())),
            Err(reason) => Err(DeskError::Storage(reason.clone())),
        }
    }
}

/// The columns of a kind of row, for a caller that shows them before any row exists.
pub fn columns(kind: RowKind) -> Vec<String> {
    match kind {
        RowKind::Calls => CDR_COLUMNS.iter().map(|c| (*c).to_owned()).collect(),
        RowKind::Records => RECORD_COLUMNS.iter().map(|c| (*c).to_owned()).collect(),
    }
}

/// The tenant zone of the settings, else this computer's, else UTC.
pub(crate) fn zone_of(settings: &ExportSettings) -> Tz {
    settings
        .tenant_zone
        .as_deref()
        .and_then(|z| z.parse().ok())
        .or_else(|| iana_time_zone::get_timezone().ok().and_then(|z| z.parse().ok()))
        .unwrap_or(Tz::UTC)
}

/// The settings trimmed and checked; a sentence naming the first wrong field.
pub(crate) fn checked(mut s: ExportSettings) -> Result<ExportSettings, DeskError> {
    let trim = |v: Option<String>| v.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
    s.ccfs_url = trim(s.ccfs_url);
    s.ak = trim(s.ak);
    s.tenant_zone = trim(s.tenant_zone);
    s.callback_listen = trim(s.callback_listen);
    s.callback_url = trim(s.callback_url);
    s.callback_cert = trim(s.callback_cert);
    s.callback_key = trim(s.callback_key);
    if let Some(url) = &s.ccfs_url {
        let parsed = Url::parse(url).map_err(|_| DeskError::Invalid(format!("\"{url}\" is not an address; write it like https://ccfs.example.com:28443/")))?;
        let config = CcfsConfig { base_url: parsed, zone: Tz::UTC, tls: Default::default(), sign: SignOptions::default() };
        CcfsClient::new(config, Credentials::new("", "")).map_err(|e| DeskError::Invalid(capitalized(&e.to_string())))?;
    }
    if let Some(ak) = &s.ak {
        if ak.chars().count() > 64 || ak.contains('/') || ak.chars().any(char::is_whitespace) {
            return Err(DeskError::Invalid("The AK may hold at most 64 characters, with no spaces or slashes".into()));
        }
    }
    if let Some(zone) = &s.tenant_zone {
        zone.parse::<Tz>().map_err(|_| DeskError::Invalid(format!("\"{zone}\" is not a time zone; write it as in the IANA list, like Europe/Moscow")))?;
    }
    if let Some(listen) = &s.callback_listen {
        listen
            .parse::<SocketAddr>()
            .map_err(|_| DeskError::Invalid(format!("\"{listen}\" is not an address to listen on; write it as 0.0.0.0:8443 (address:port)")))?;
    }
    if let Some(url) = &s.callback_url {
        let parsed = Url::parse(url).map_err(|_| DeskError::Invalid(format!("\"{url}\" is not an address; write it like https://sidekick.example.com:8443/ccfs/callback")))?;
        let loopback = matches!(parsed.host(), Some(url::Host::Ipv4(ip)) if ip.is_loopback()) || parsed.host_str() == Some("localhost");
        if parsed.scheme() != "https" && !(parsed.scheme() == "http" && loopback) {
            return Err(DeskError::Invalid("The callback address must start with https:// (CC-FS calls back over TLS only)".into()));
        }
    }
    match (&s.callback_cert, &s.callback_key) {
        (Some(_), None) | (None, Some(_)) => {
            return Err(DeskError::Invalid("Give both the callback certificate and its key, or neither".into()));
        }
        _ => {}
    }
    Ok(s)
}

/// The callback address when it is on the relay's host (callbacks then come through the relay).
pub(crate) fn via_relay(settings: &ExportSettings, relay_url: Option<&str>) -> Option<String> {
    let callback = settings.callback_url.as_deref()?;
    let relay_host = Url::parse(relay_url?).ok()?.host_str()?.to_ascii_lowercase();
    let callback_host = Url::parse(callback).ok()?.host_str()?.to_ascii_lowercase();
    (relay_host == callback_host).then(|| callback.to_owned())
}

/// `YYYY-MM-DD[ HH:MM[:SS]]`; a date alone is its first second, or its last when `end`.
pub(crate) fn parse_time(text: &str, end: bool) -> Result<NaiveDateTime, String> {
    let text = text.trim();
    if let Ok(t) = NaiveDateTime::parse_from_str(text, TIME_FORMAT) {
        return Ok(t);
    }
    if let Ok(t) = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M") {
        return Ok(t);
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let time = if end { chrono::NaiveTime::from_hms_opt(23, 59, 59) } else { chrono::NaiveTime::from_hms_opt(0, 0, 0) };
        if let Some(time) = time {
            return Ok(d.and_time(time));
        }
    }
    Err(format!("\"{text}\" is not a date; write it as YYYY-MM-DD, optionally with HH:MM"))
}

fn describe(begin: &str, end: &str, filters: &super::BillFilters, data_type: super::DataType, jobs: usize) -> String {
    let mut parts = vec![format!("{} – {}", begin.trim(), end.trim()), data_type.as_str().to_owned()];
    let named = [
        ("account", &filters.account_id),
        ("agent", &filters.agent_id),
        ("call", &filters.call_id),
        ("caller", &filters.caller_no),
        ("callee", &filters.callee_no),
        ("callee2", &filters.callee_no2),
    ];
    parts.extend(named.iter().filter_map(|(name, v)| v.as_ref().map(|v| format!("{name} {v}"))));
    parts.push(format!("{jobs} job{}", if jobs == 1 { "" } else { "s" }));
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn callbacks_come_through_the_relay_when_the_address_is_on_its_host() {
        let settings = |url: &str| super::ExportSettings { callback_url: Some(url.to_owned()), ..Default::default() };
        let relay = Some("wss://Relay.example.com/pops");
        let on_relay = "https://relay.example.com/ccfs/callback";
        assert_eq!(super::via_relay(&settings(on_relay), relay), Some(on_relay.to_owned()));
        assert_eq!(super::via_relay(&settings("https://desk-12.example.com:8443/ccfs/callback"), relay), None);
        assert_eq!(super::via_relay(&settings(on_relay), None), None, "no relay configured");
        assert_eq!(super::via_relay(&super::ExportSettings::default(), relay), None, "no callback address");
    }
}
