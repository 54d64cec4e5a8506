//! CC-FS simulator: `queryBillData`, the signed callback and `downloadBillFile`, as
//! `reference/huawei-ccfs-querybilldata.txt` and `reference/huawei-protocols.md` §E document them.
//!
//! Routes: `POST /CCFS/resource/ccfs/queryBillData` and `POST /CCFS/resource/ccfs/downloadBillFile`.
//!
//! Behaviour kept from the vendor documents:
//! - every request carries `Authorization: auth-v2/{AK}/{UTC time}/{signedHeaders}/{signature}`;
//!   a wrong AK, a time outside the window, a missing signed header or a signature that does not
//!   match the received method, path, query, header values and body bytes is HTTP 401. The
//!   signature is computed here by code of this module's own (§E.2), not by Sidekick's signer;
//! - `queryBillData` takes `{"request": {"version": "2.0"}, "msgBody": {…}}` with `beginTime` and
//!   `endTime` as `yyyy-MM-dd HH:mm:ss` in the tenant's zone, at most three days apart, the
//!   optional filters with their lengths (`accountId`, `agentId` ≤ 20; `callId`, `callerNo`,
//!   `calleeNo`, `calleeNo2` ≤ 25), `dataType` `call`, `record` or `call_record` and a
//!   `callBackURL`. Success is `{"resultData": {"responseId"}, "resultCode": "0", "resultDesc":
//!   "success"}` with a 32-digit hexadecimal id;
//! - once the files exist, the callback posts `{"request": {"version": "2.0"}, "msgBody":
//!   {"responseId", "billFileName": "yyyyMMdd_{responseId}.zip", "accountId"}}` (`accountId` only
//!   when the query had one) to `callBackURL`, signed with auth-v2 by the same AK/SK, and calls
//!   again every retry interval (10 minutes) until it gets HTTP 200 with a non-empty body;
//! - `downloadBillFile` takes `msgBody.billFileName` (1–49 characters) and answers the ZIP with
//!   `Content-Type: Application/Octet-stream;charset=UTF-8`, or JSON `{resultCode, resultDesc,
//!   resultData: "", response: {…}}` with HTTP 200 when it cannot;
//! - the ZIP holds `yyyyMMddHHmmssSSS<3 digits>_call_1.csv` and `…_record_1.csv` as `dataType`
//!   asks, the columns in the documented order (21 for a CDR, 18 for a recording index), times
//!   `YYYY-MM-DD hh:mm:ss` in the tenant's zone.
//!
//! Where the documents are silent, the simulator chooses (a real tenant may differ):
//! - result codes (the vendor's error-code reference is not in our documents): `1001` a field
//!   missing, too long or malformed (version, times, `dataType`, `callBackURL`, the body itself);
//!   `1002` an end before the beginning or more than three days between them; `1003` an
//!   `accountId` other than the developer's tenant; `1004` a bill file that does not exist. All are
//!   HTTP 200, as the vendor's JSON errors are; 401 answers carry `{"resultCode": "401",
//!   "resultDesc"}`;
//! - the three days are elapsed time between the two instants in the tenant's zone;
//! - the timestamp of a request may carry milliseconds or not, and must be within 15 minutes of
//!   the simulator's clock; the canonical request puts the signed header names before the headers
//!   (the reference's best guess);
//! - the files are generated when the query arrives, from the calls that began in the window: the
//!   gateway simulator's finished calls and those added through [`CcfsControl`]. One CDR row per
//!   call (its last leg, `call_id_num` -1) and one recording-index row per recorded call; a header
//!   row first (switchable) and two columns past the documented ones, as the real CDR has more.
//!
//! Controls (methods of [`CcfsControl`], and routes under `/_sim/ccfs/`): add or seed calls, send a
//! callback again now, and read the queries and callback attempts. The SK is never logged.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, LocalResult, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use hmac::{Hmac, Mac};
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use sha2::Sha256;

use crate::gateway::GatewayControl;

const QUERY_PATH: &str = "/CCFS/resource/ccfs/queryBillData";
const DOWNLOAD_PATH: &str = "/CCFS/resource/ccfs/downloadBillFile";
const TIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S";
const ZIP_CONTENT_TYPE: &str = "Application/Octet-stream;charset=UTF-8";
const JSON_CONTENT_TYPE: &str = "application/json;charset=UTF-8";

/// The developer CC-FS knows, the tenant's zone and the callback's timing.
#[derive(Debug, Clone, PartialEq)]
pub struct CcfsRules {
    /// The developer's AK (appId).
    pub ak: String,
    /// The developer's SK.
    pub sk: String,
    /// The tenant space the developer may read (`accountId`).
    pub account_id: String,
    /// The tenant space's time zone.
    pub zone: Tz,
    /// How long generating the files takes before the first callback.
    pub callback_delay: Duration,
    /// The pause between two callbacks that did not get a success (10 minutes on the platform).
    pub retry_interval: Duration,
    /// How many times a callback is tried in all.
    pub max_attempts: u32,
    /// How far a request's signature time may be from the simulator's clock.
    pub clock_window: Duration,
    /// Sign callbacks with milliseconds in the timestamp.
    pub timestamp_millis: bool,
    /// Write a header row first in each CSV file.
    pub csv_header: bool,
    /// PEM certificates trusted for HTTPS callbacks, besides the system's.
    pub callback_roots: Vec<String>,
}

impl Default for CcfsRules {
    /// The demo developer `sim-ak` / `sim-sk-0123456789` of tenant `tenant-01` in Moscow; the
    /// callback after 300 ms, retried every 10 minutes, 6 times in all.
    fn default() -> Self {
        Self {
            ak: "sim-ak".into(),
            sk: "sim-sk-0123456789".into(),
            account_id: "tenant-01".into(),
            zone: chrono_tz::Europe::Moscow,
            callback_delay: Duration::from_millis(300),
            retry_interval: Duration::from_secs(600),
            max_attempts: 6,
            clock_window: Duration::from_secs(15 * 60),
            timestamp_millis: false,
            csv_header: true,
            callback_roots: Vec::new(),
        }
    }
}

/// A call as billing sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BillCall {
    /// Call id (≤ 25 characters).
    pub call_id: String,
    /// The agent who had it (work number).
    pub agent_id: String,
    /// Calling number.
    pub caller: String,
    /// Called number.
    pub callee: String,
    /// When it was offered (epoch ms).
    pub offered_ms: i64,
    /// When it was answered (epoch ms), if it was.
    #[serde(default)]
    pub answered_ms: Option<i64>,
    /// When it ended (epoch ms).
    pub ended_ms: i64,
    /// Whether it was recorded.
    #[serde(default)]
    pub recorded: bool,
}

/// A `queryBillData` that passed the signature check, and what it got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReceivedQuery {
    /// The `msgBody` as received.
    pub msg_body: Value,
    /// The `resultCode` answered.
    pub result_code: String,
    /// The `responseId`, on success.
    pub response_id: Option<String>,
    /// CDR rows in the file, on success.
    pub cdr_rows: usize,
    /// Recording-index rows in the file, on success.
    pub record_rows: usize,
}

/// One try at delivering a callback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CallbackAttempt {
    /// The job.
    pub response_id: String,
    /// 1 for the first try.
    pub attempt: u32,
    /// The HTTP status, if one came back.
    pub status: Option<u16>,
    /// Whether it counts as a success (200 with a non-empty body).
    pub ok: bool,
    /// Why not, when it does not.
    pub error: Option<String>,
}

/// A generated file and where to announce it.
#[derive(Debug)]
struct Job {
    bill_file_name: String,
    callback_url: String,
    /// `Some` when the query named an `accountId` (even an empty one).
    account_id: Option<String>,
    zip: Arc<Vec<u8>>,
    delivered: bool,
    attempts: u32,
}

#[derive(Debug, Default)]
struct Ledger {
    calls: Vec<BillCall>,
    jobs: HashMap<String, Job>,
    /// billFileName → responseId.
    files: HashMap<String, String>,
    queries: Vec<ReceivedQuery>,
    attempts: Vec<CallbackAttempt>,
    auth_failures: u32,
    /// Callbacks still to lose on the way (see [`CcfsControl::lose_callbacks`]).
    lose_callbacks: u32,
}

#[derive(Debug)]
struct Inner {
    rules: CcfsRules,
    ledger: Mutex<Ledger>,
    /// The gateway simulator whose finished calls are billed too.
    gateway: Option<GatewayControl>,
    http: reqwest::Client,
}

/// Control handle of the CC-FS simulator. Cheap to clone.
#[derive(Debug, Clone)]
pub struct CcfsControl {
    inner: Arc<Inner>,
}

impl CcfsControl {
    /// A CC-FS with no calls of its own; `gateway`'s finished calls are billed as they end.
    pub fn new(rules: CcfsRules, gateway: Option<GatewayControl>) -> Self {
        let mut builder = reqwest::Client::builder().timeout(Duration::from_secs(10));
        for pem in &rules.callback_roots {
            match reqwest::Certificate::from_pem(pem.as_bytes()) {
                Ok(cert) => builder = builder.add_root_certificate(cert),
                Err(e) => tracing::warn!("CC-FS simulator: a callback root certificate cannot be read: {e}"),
            }
        }
        let http = builder.build().unwrap_or_else(|e| {
            tracing::error!("CC-FS simulator: the callback client cannot be built ({e}); using the defaults");
            reqwest::Client::new()
        });
        Self { inner: Arc::new(Inner { rules, ledger: Mutex::default(), gateway, http }) }
    }

    /// The rules it runs by.
    pub fn rules(&self) -> &CcfsRules {
        &self.inner.rules
    }

    /// Adds calls to the history.
    pub fn add_calls(&self, calls: impl IntoIterator<Item = BillCall>) {
        self.with_ledger(|l| l.calls.extend(calls));
    }

    /// Adds `count` made-up calls for `agent`, evenly spread over `span` before now (the last one
    /// ended a minute ago): one in seven unanswered, one in two recorded. The same count gives
    /// the same numbers.
    pub fn seed(&self, count: usize, agent: u32, span: Duration) {
        let now = Utc::now().timestamp_millis() - 60_000;
        let step = (span.as_millis() as i64 / count.max(1) as i64).max(1);
        let mut rng = rand::rngs::StdRng::seed_from_u64(count as u64);
        let calls: Vec<BillCall> = (0..count)
            .map(|i| {
                let offered_ms = now - (count - i) as i64 * step;
                let answered = i % 7 != 3;
                let ring = rng.gen_range(2_000..15_000);
                let talk = rng.gen_range(20_000..300_000);
                let answered_ms = answered.then_some(offered_ms + ring);
                BillCall {
                    call_id: format!("{}-{:07}", offered_ms / 1000, i),
                    agent_id: agent.to_string(),
                    caller: format!("+7495{:07}", rng.gen_range(0..10_000_000)),
                    callee: "88005553535".into(),
                    offered_ms,
                    answered_ms,
                    ended_ms: answered_ms.map_or(offered_ms + ring, |a| a + talk),
                    recorded: answered && i % 2 == 0,
                }
            })
            .collect();
        self.add_calls(calls);
    }

    /// Every call billed: the gateway's finished calls, then those added here.
    pub fn calls(&self) -> Vec<BillCall> {
        let mut out: Vec<BillCall> = self
            .inner
            .gateway
            .as_ref()
            .map(|g| {
                g.finished_calls()
                    .into_iter()
                    .map(|c| BillCall {
                        call_id: c.call_id,
                        agent_id: c.agent.to_string(),
                        caller: c.caller,
                        callee: c.called,
                        offered_ms: c.offered_ms,
                        answered_ms: c.answered_ms,
                        ended_ms: c.ended_ms,
                        recorded: c.recorded,
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.extend(self.with_ledger(|l| l.calls.clone()));
        out
    }

    /// Every query that passed the signature check, oldest first.
    pub fn queries(&self) -> Vec<ReceivedQuery> {
        self.with_ledger(|l| l.queries.clone())
    }

    /// Every callback attempt, oldest first.
    pub fn callback_attempts(&self) -> Vec<CallbackAttempt> {
        self.with_ledger(|l| l.attempts.clone())
    }

    /// The next `times` callbacks never reach the receiver, as when the network between CC-FS
    /// and the receiver is down: each counts as a failed attempt (no status) and is retried
    /// after the retry interval, as the platform does.
    pub fn lose_callbacks(&self, times: u32) {
        self.with_ledger(|l| l.lose_callbacks += times);
    }

    /// How many requests were refused with 401.
    pub fn auth_failures(&self) -> u32 {
        self.with_ledger(|l| l.auth_failures)
    }

    /// Whether the job's callback got a success.
    pub fn delivered(&self, response_id: &str) -> bool {
        self.with_ledger(|l| l.jobs.get(response_id).is_some_and(|j| j.delivered))
    }

    /// Sends the job's callback once more, now (as the platform does when it did not see the
    /// success): the attempt, or `None` for an unknown job.
    pub async fn resend_callback(&self, response_id: &str) -> Option<CallbackAttempt> {
        self.with_ledger(|l| l.jobs.contains_key(response_id)).then_some(())?;
        Some(self.deliver_once(response_id).await)
    }

    fn with_ledger<T>(&self, f: impl FnOnce(&mut Ledger) -> T) -> T {
        let mut g = self.inner.ledger.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut g)
    }

    /// Checks the auth-v2 header of a request; the reason when it fails.
    fn check_auth(&self, method: &Method, uri: &Uri, headers: &HeaderMap, body: &[u8]) -> Result<(), String> {
        let rules = &self.inner.rules;
        let header = headers.get("authorization").and_then(|v| v.to_str().ok()).ok_or("no Authorization header")?;
        let parts: Vec<&str> = header.split('/').collect();
        let [scheme, ak, time, signed, signature] = parts[..] else {
            return Err("the Authorization header is not auth-v2/AK/time/headers/signature".into());
        };
        if scheme != "auth-v2" {
            return Err(format!("unknown scheme {scheme:?}"));
        }
        if ak != rules.ak {
            return Err("unknown AK".into());
        }
        let at = parse_stamp(time).ok_or("the signature time is not yyyy-MM-ddTHH:mm:ss[.SSS]Z")?;
        let skew = (Utc::now() - at).num_milliseconds().unsigned_abs();
        if skew > rules.clock_window.as_millis() as u64 {
            return Err(format!("the signature time is {} s away from the server's clock", skew / 1000));
        }
        let names: Vec<&str> = signed.split(';').collect();
        if !names.contains(&"host") {
            return Err("host is not among the signed headers".into());
        }
        let mut values = Vec::with_capacity(names.len());
        for name in &names {
            let value = headers.get(*name).and_then(|v| v.to_str().ok()).ok_or_else(|| format!("signed header {name} is missing"))?;
            values.push((*name, value.trim()));
        }
        let query = uri.query().unwrap_or("");
        let expected = sign(&rules.sk, ak, time, method.as_str(), uri.path(), query, &values, body);
        if !constant_time_eq(expected.rsplit('/').next().unwrap_or("").as_bytes(), signature.as_bytes()) {
            return Err("the signature does not match".into());
        }
        Ok(())
    }

    /// The 401 answer, counted.
    fn unauthorized(&self, reason: &str) -> Response {
        self.with_ledger(|l| l.auth_failures += 1);
        tracing::info!("CC-FS simulator: 401, {reason}");
        let body = json!({"resultCode": "401", "resultDesc": format!("authentication failed: {reason}")});
        (StatusCode::UNAUTHORIZED, [("content-type", JSON_CONTENT_TYPE)], body.to_string()).into_response()
    }

    /// Generates the files of a valid query; the answer's code and the job.
    fn query(&self, body: &[u8]) -> (Value, Option<ReceivedQuery>) {
        let rules = &self.inner.rules;
        let msg_body = match envelope(body) {
            Ok(m) => m,
            Err(reason) => return (result("1001", &reason), None),
        };
        let outcome = self.validate_query(&msg_body);
        let mut received = ReceivedQuery { msg_body: Value::Object(msg_body.clone()), result_code: String::new(), response_id: None, cdr_rows: 0, record_rows: 0 };
        let q = match outcome {
            Ok(q) => q,
            Err((code, reason)) => {
                received.result_code = code.into();
                return (result(code, &reason), Some(received));
            }
        };
        let calls: Vec<BillCall> = self.calls().into_iter().filter(|c| q.matches(c)).collect();
        let recorded: Vec<&BillCall> = calls.iter().filter(|c| c.recorded).collect();
        let now = Utc::now();
        let (cdrs, records) = match q.data_type {
            "call" => (Some(&calls[..]), None),
            "record" => (None, Some(&recorded[..])),
            _ => (Some(&calls[..]), Some(&recorded[..])),
        };
        let zip = match bill_zip(rules, now, cdrs, records) {
            Ok(z) => z,
            Err(e) => return (result("1005", &format!("the files could not be written: {e}")), Some(received)),
        };
        let response_id = uuid::Uuid::new_v4().simple().to_string();
        let bill_file_name = format!("{}_{response_id}.zip", now.with_timezone(&rules.zone).format("%Y%m%d"));
        received.result_code = "0".into();
        received.response_id = Some(response_id.clone());
        received.cdr_rows = cdrs.map_or(0, <[_]>::len);
        received.record_rows = records.map_or(0, <[_]>::len);
        tracing::info!(cdrs = received.cdr_rows, records = received.record_rows, "CC-FS simulator: bill file {bill_file_name} generated");
        self.with_ledger(|l| {
            l.files.insert(bill_file_name.clone(), response_id.clone());
            l.jobs.insert(
                response_id.clone(),
                Job { bill_file_name, callback_url: q.callback_url, account_id: q.account_id, zip: Arc::new(zip), delivered: false, attempts: 0 },
            );
        });
        let this = self.clone();
        let id = response_id.clone();
        tokio::spawn(async move { this.deliver(&id).await });
        (json!({"resultData": {"responseId": response_id}, "resultCode": "0", "resultDesc": "success"}), Some(received))
    }

    fn validate_query(&self, m: &Map<String, Value>) -> Result<Query, (&'static str, String)> {
        let rules = &self.inner.rules;
        let bad = |reason: String| ("1001", reason);
        let text = |name: &str, max: usize, required: bool| -> Result<Option<String>, (&'static str, String)> {
            match m.get(name) {
                None | Some(Value::Null) if !required => Ok(None),
                None | Some(Value::Null) => Err(bad(format!("{name} is mandatory"))),
                Some(Value::String(s)) if s.is_empty() && !required => Ok(Some(String::new())),
                Some(Value::String(s)) if s.is_empty() => Err(bad(format!("{name} is mandatory"))),
                Some(Value::String(s)) if s.chars().count() > max => Err(bad(format!("{name} is longer than {max} characters"))),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(bad(format!("{name} must be a string"))),
            }
        };
        let begin_text = text("beginTime", 19, true)?.unwrap_or_default();
        let end_text = text("endTime", 19, true)?.unwrap_or_default();
        let account_id = text("accountId", 20, false)?;
        let agent_id = text("agentId", 20, false)?;
        let call_id = text("callId", 25, false)?;
        let caller_no = text("callerNo", 25, false)?;
        let callee_no = text("calleeNo", 25, false)?;
        let callee_no2 = text("calleeNo2", 25, false)?;
        let data_type = text("dataType", 11, true)?.unwrap_or_default();
        let callback_url = text("callBackURL", 2048, true)?.unwrap_or_default();
        let begin = instant(&begin_text, rules.zone).ok_or_else(|| bad("beginTime is not yyyy-MM-dd HH:mm:ss".into()))?;
        let end = instant(&end_text, rules.zone).ok_or_else(|| bad("endTime is not yyyy-MM-dd HH:mm:ss".into()))?;
        let data_type = match data_type.as_str() {
            "call" => "call",
            "record" => "record",
            "call_record" => "call_record",
            other => return Err(bad(format!("dataType {other:?} is not call, record or call_record"))),
        };
        match url::Url::parse(&callback_url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => {}
            _ => return Err(bad("callBackURL is not an http(s) address".into())),
        }
        if end < begin {
            return Err(("1002", "endTime is before beginTime".into()));
        }
        if end - begin > chrono::Duration::days(3) {
            return Err(("1002", "the interval between beginTime and endTime exceeds three days".into()));
        }
        if account_id.as_deref().is_some_and(|a| !a.is_empty() && a != rules.account_id) {
            return Err(("1003", "the account does not belong to this developer".into()));
        }
        let some = |o: Option<String>| o.filter(|s| !s.is_empty());
        Ok(Query {
            begin,
            end,
            agent_id: some(agent_id),
            call_id: some(call_id),
            caller_no: some(caller_no),
            callee_no: some(callee_no),
            callee_no2: some(callee_no2),
            data_type,
            callback_url,
            account_id,
        })
    }

    /// The first callback after the files are ready, then one every retry interval until one
    /// succeeds or the attempts run out.
    async fn deliver(&self, response_id: &str) {
        let rules = &self.inner.rules;
        tokio::time::sleep(rules.callback_delay).await;
        loop {
            if self.with_ledger(|l| l.jobs.get(response_id).is_none_or(|j| j.delivered || j.attempts >= rules.max_attempts)) {
                return;
            }
            self.deliver_once(response_id).await;
            tokio::time::sleep(rules.retry_interval).await;
        }
    }

    /// One signed callback.
    async fn deliver_once(&self, response_id: &str) -> CallbackAttempt {
        let Some((url, file, account, attempt)) = self.with_ledger(|l| {
            let job = l.jobs.get_mut(response_id)?;
            job.attempts += 1;
            Some((job.callback_url.clone(), job.bill_file_name.clone(), job.account_id.clone(), job.attempts))
        }) else {
            return CallbackAttempt { response_id: response_id.into(), attempt: 0, status: None, ok: false, error: Some("no such job".into()) };
        };
        let mut msg = json!({"responseId": response_id, "billFileName": file});
        if let Some(a) = account {
            msg["accountId"] = json!(a);
        }
        let body = json!({"request": {"version": "2.0"}, "msgBody": msg}).to_string().into_bytes();
        let lost = self.with_ledger(|l| {
            let lose = l.lose_callbacks > 0;
            l.lose_callbacks = l.lose_callbacks.saturating_sub(1);
            lose
        });
        let sent = if lost { Err("lost on the way (injected)".to_owned()) } else { self.post_signed(&url, body).await };
        let record = match sent {
            Ok((200, text)) if !text.trim().is_empty() => CallbackAttempt { response_id: response_id.into(), attempt, status: Some(200), ok: true, error: None },
            Ok((status, text)) => {
                let error = if status == 200 && text.trim().is_empty() { "an empty body is not a success".to_owned() } else { format!("HTTP {status}") };
                CallbackAttempt { response_id: response_id.into(), attempt, status: Some(status), ok: false, error: Some(error) }
            }
            Err(e) => CallbackAttempt { response_id: response_id.into(), attempt, status: None, ok: false, error: Some(e) },
        };
        tracing::info!(attempt, ok = record.ok, "CC-FS simulator: callback for {response_id}");
        self.with_ledger(|l| {
            if record.ok {
                if let Some(job) = l.jobs.get_mut(response_id) {
                    job.delivered = true;
                }
            }
            l.attempts.push(record.clone());
        });
        record
    }

    /// POSTs `body` to `url` signed with auth-v2: the status and body, or why nothing came back.
    async fn post_signed(&self, url: &str, body: Vec<u8>) -> Result<(u16, String), String> {
        let rules = &self.inner.rules;
        let parsed = url::Url::parse(url).map_err(|e| e.to_string())?;
        let host = match (parsed.host_str(), parsed.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_owned(),
            (None, _) => return Err("the callback address has no host".into()),
        };
        let stamp = stamp(Utc::now(), rules.timestamp_millis);
        let length = body.len().to_string();
        let headers = [("content-length", length.as_str()), ("content-type", JSON_CONTENT_TYPE), ("host", host.as_str())];
        let authorization = sign(&rules.sk, &rules.ak, &stamp, "POST", parsed.path(), parsed.query().unwrap_or(""), &headers, &body);
        let response = self
            .inner
            .http
            .post(parsed)
            .header("content-type", JSON_CONTENT_TYPE)
            .header("authorization", authorization)
            .body(body)
            .send()
            .await
            .map_err(|e| format!("no answer: {e}"))?;
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        Ok((status, text))
    }

    /// A file's bytes by name.
    fn file(&self, name: &str) -> Option<Arc<Vec<u8>>> {
        self.with_ledger(|l| l.files.get(name).and_then(|id| l.jobs.get(id)).map(|j| j.zip.clone()))
    }
}

/// A checked query.
#[derive(Debug)]
struct Query {
    begin: DateTime<Utc>,
    end: DateTime<Utc>,
    agent_id: Option<String>,
    call_id: Option<String>,
    caller_no: Option<String>,
    callee_no: Option<String>,
    callee_no2: Option<String>,
    data_type: &'static str,
    callback_url: String,
    account_id: Option<String>,
}

impl Query {
    /// Whether `c` began in the window and passes the filters. With `calleeNo2`, that is the called
    /// number and `calleeNo` the calling one (Table 3).
    fn matches(&self, c: &BillCall) -> bool {
        let Some(offered) = Utc.timestamp_millis_opt(c.offered_ms).single() else { return false };
        let is = |filter: &Option<String>, value: &str| filter.as_deref().is_none_or(|f| f == value);
        let (callee_filter_caller, callee2) = match &self.callee_no2 {
            Some(_) => (true, is(&self.callee_no2, &c.callee)),
            None => (false, true),
        };
        let callee = if callee_filter_caller { is(&self.callee_no, &c.caller) } else { is(&self.callee_no, &c.callee) };
        // Times on the wire have whole seconds: a call at 10:00:00.400 is in a window ending 10:00:00.
        let offered = offered - chrono::Duration::milliseconds(c.offered_ms.rem_euclid(1000));
        offered >= self.begin
            && offered <= self.end
            && is(&self.agent_id, &c.agent_id)
            && is(&self.call_id, &c.call_id)
            && is(&self.caller_no, &c.caller)
            && callee
            && callee2
    }
}

/// The `msgBody` of a `{"request": {"version": "2.0"}, "msgBody": {…}}` body.
fn envelope(body: &[u8]) -> Result<Map<String, Value>, String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("the body is not JSON: {e}"))?;
    match v.pointer("/request/version") {
        Some(Value::String(s)) if s == "2.0" => {}
        Some(Value::String(s)) => return Err(format!("version {s:?} is not supported; it is 2.0")),
        _ => return Err("request.version is mandatory".into()),
    }
    match v.get("msgBody") {
        Some(Value::Object(m)) => Ok(m.clone()),
        _ => Err("msgBody is mandatory".into()),
    }
}

fn result(code: &str, desc: &str) -> Value {
    json!({"resultCode": code, "resultDesc": desc, "resultData": "", "response": {"version": "2.0", "resultCode": code, "resultMsg": desc}})
}

/// `yyyy-MM-dd HH:mm:ss` in `zone` as an instant. A time skipped by a change of clocks is read
/// as the same wall time an hour later; a repeated one as its first occurrence.
fn instant(text: &str, zone: Tz) -> Option<DateTime<Utc>> {
    if text.len() != 19 {
        return None;
    }
    let naive = NaiveDateTime::parse_from_str(text, TIME_FORMAT).ok()?;
    match zone.from_local_datetime(&naive) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Some(t.with_timezone(&Utc)),
        LocalResult::None => zone.from_local_datetime(&(naive + chrono::Duration::hours(1))).earliest().map(|t| t.with_timezone(&Utc)),
    }
}

/// The signature time, as this simulator writes it.
fn stamp(at: DateTime<Utc>, millis: bool) -> String {
    if millis {
        at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
    } else {
        at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    }
}

fn parse_stamp(text: &str) -> Option<DateTime<Utc>> {
    ["%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S%.3fZ"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
        .map(|n| Utc.from_utc_datetime(&n))
}

/// Percent-encodes every byte but `A-Z a-z 0-9 - . _ ~`, with uppercase hex.
fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 3);
    for &b in bytes {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn hmac_hex(key: &[u8], message: &[u8]) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else { return String::new() };
    mac.update(message);
    hex::encode(mac.finalize().into_bytes())
}

/// The whole `Authorization` value for a request (§E.2): `headers` are (lowercase name, value)
/// pairs in the order of their names.
#[allow(clippy::too_many_arguments)]
fn sign(sk: &str, ak: &str, time: &str, method: &str, path: &str, query: &str, headers: &[(&str, &str)], body: &[u8]) -> String {
    let names: Vec<&str> = headers.iter().map(|(n, _)| *n).collect();
    let signed = names.join(";");
    let prefix = format!("auth-v2/{ak}/{time}/{signed}");
    let key = hmac_hex(sk.as_bytes(), prefix.as_bytes());
    let mut pairs: Vec<String> = url::form_urlencoded::parse(query.as_bytes()).map(|(k, v)| format!("{}={}", encode(k.as_bytes()), encode(v.as_bytes()))).collect();
    pairs.sort();
    let canonical_headers: Vec<String> = headers.iter().map(|(n, v)| format!("{}:{}", encode(n.as_bytes()), encode(v.as_bytes()))).collect();
    let canonical = format!("{method}\n{path}\n{}\n{signed}\n{}\n{}", pairs.join("&"), canonical_headers.join("\n"), encode(body));
    format!("{prefix}/{}", hmac_hex(key.as_bytes(), canonical.as_bytes()))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A time in the tenant's zone as the files write it; empty for none.
fn wall(ms: Option<i64>, zone: Tz) -> String {
    ms.and_then(|ms| Utc.timestamp_millis_opt(ms).single()).map(|t| t.with_timezone(&zone).format(TIME_FORMAT).to_string()).unwrap_or_default()
}

const CDR_HEADER: [&str; 23] = [
    "developer", "account_id", "cc_id", "agent_id", "call_id", "caller_no", "callee_no", "wait_begin", "wait_end", "ack_begin", "ack_end",
    "call_begin", "call_end", "device_type", "device_no", "call_type", "release_cause", "call_id_num", "vdn_id", "pre_device_type",
    "pre_device_no", "extra_1", "extra_2",
];
const RECORD_HEADER: [&str; 18] = [
    "developer", "account_id", "cc_id", "agent_id", "call_id", "caller_no", "callee_no", "call_begin", "call_end", "file_name", "task_status",
    "task_result", "original_file_name", "vdn_id", "call_type", "media_type", "user_wanted_skill_id", "current_skill_id",
];

/// The ZIP of `queryBillData`: the CDR file and/or the recording-index file.
fn bill_zip(rules: &CcfsRules, now: DateTime<Utc>, cdrs: Option<&[BillCall]>, records: Option<&[&BillCall]>) -> Result<Vec<u8>, String> {
    let zone = rules.zone;
    let prefix = format!("{}{:03}", now.with_timezone(&zone).format("%Y%m%d%H%M%S%3f"), rand::thread_rng().gen_range(0..1000));
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let e = |e: &dyn std::fmt::Display| e.to_string();
    if let Some(calls) = cdrs {
        let mut csv = csv::Writer::from_writer(Vec::new());
        if rules.csv_header {
            csv.write_record(CDR_HEADER).map_err(|x| e(&x))?;
        }
        for c in calls {
            let answered = c.answered_ms.is_some();
            let talk_begin = c.answered_ms.unwrap_or(c.offered_ms);
            let row = [
                rules.ak.clone(),
                rules.account_id.clone(),
                "1".into(),
                c.agent_id.clone(),
                c.call_id.clone(),
                c.caller.clone(),
                c.callee.clone(),
                wall(Some(c.offered_ms), zone),
                wall(Some(c.answered_ms.unwrap_or(c.ended_ms)), zone),
                wall(Some(c.offered_ms), zone),
                wall(Some(c.answered_ms.unwrap_or(c.ended_ms)), zone),
                wall(Some(talk_begin), zone),
                wall(Some(c.ended_ms), zone),
                (if answered { "2" } else { "1" }).into(),
                (if answered { c.agent_id.clone() } else { "1".into() }),
                "0".into(),
                (if answered { "0" } else { "1" }).into(),
                "-1".into(),
                "1".into(),
                "3".into(),
                "8001".into(),
                String::new(),
                "0".into(),
            ];
            csv.write_record(&row).map_err(|x| e(&x))?;
        }
        let bytes = csv.into_inner().map_err(|x| e(&x))?;
        zip.start_file(format!("{prefix}_call_1.csv"), options).map_err(|x| e(&x))?;
        zip.write_all(&bytes).map_err(|x| e(&x))?;
    }
    if let Some(calls) = records {
        let mut csv = csv::Writer::from_writer(Vec::new());
        if rules.csv_header {
            csv.write_record(RECORD_HEADER).map_err(|x| e(&x))?;
        }
        for (i, c) in calls.iter().enumerate() {
            let day = Utc.timestamp_millis_opt(c.offered_ms).single().map(|t| t.with_timezone(&zone).format("%Y%m%d").to_string()).unwrap_or_default();
            let row = [
                rules.ak.clone(),
                rules.account_id.clone(),
                "1".into(),
                c.agent_id.clone(),
                c.call_id.clone(),
                c.caller.clone(),
                c.callee.clone(),
                wall(Some(c.answered_ms.unwrap_or(c.offered_ms)), zone),
                wall(Some(c.ended_ms), zone),
                format!("/1/1/record/{}/{day}/{}.wav", c.agent_id, c.call_id),
                "0".into(),
                String::new(),
                format!("Y:\\1\\0\\{day}\\{}\\{}.V3", c.agent_id, 2_000_000 + i),
                "1".into(),
                "inbound".into(),
                "5".into(),
                "1".into(),
                "1".into(),
            ];
            csv.write_record(&row).map_err(|x| e(&x))?;
        }
        let bytes = csv.into_inner().map_err(|x| e(&x))?;
        zip.start_file(format!("{prefix}_record_1.csv"), options).map_err(|x| e(&x))?;
        zip.write_all(&bytes).map_err(|x| e(&x))?;
    }
    Ok(zip.finish().map_err(|x| e(&x))?.into_inner())
}

/// Routes of the CC-FS simulator, with its controls.
pub fn router(control: CcfsControl) -> Router {
    Router::new()
        .route(QUERY_PATH, post(query_bill_data))
        .route(DOWNLOAD_PATH, post(download_bill_file))
        .route("/_sim/ccfs/calls", post(control_add_calls).get(control_calls))
        .route("/_sim/ccfs/seed", post(control_seed))
        .route("/_sim/ccfs/queries", get(control_queries))
        .route("/_sim/ccfs/callbacks", get(control_callbacks))
        .route("/_sim/ccfs/callbacks/{response_id}/resend", post(control_resend))
        .with_state(control)
}

fn json_answer(v: &Value) -> Response {
    ([("content-type", JSON_CONTENT_TYPE)], v.to_string()).into_response()
}

/// Whether the request says it is JSON (`application/json`, any parameters).
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
}

async fn query_bill_data(State(ctl): State<CcfsControl>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(reason) = ctl.check_auth(&method, &uri, &headers, &body) {
        return ctl.unauthorized(&reason);
    }
    if !is_json(&headers) {
        return json_answer(&result("1001", "Content-Type must be application/json;charset=UTF-8"));
    }
    let (answer, received) = ctl.query(&body);
    if let Some(r) = received {
        ctl.with_ledger(|l| l.queries.push(r));
    }
    json_answer(&answer)
}

async fn download_bill_file(State(ctl): State<CcfsControl>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(reason) = ctl.check_auth(&method, &uri, &headers, &body) {
        return ctl.unauthorized(&reason);
    }
    let name = match envelope(&body) {
        Ok(m) => match m.get("billFileName") {
            Some(Value::String(s)) if !s.is_empty() && s.chars().count() <= 49 => s.clone(),
            Some(Value::String(_)) => return json_answer(&result("1001", "billFileName holds 1 to 49 characters")),
            _ => return json_answer(&result("1001", "billFileName is mandatory")),
        },
        Err(reason) => return json_answer(&result("1001", &reason)),
    };
    match ctl.file(&name) {
        Some(zip) => {
            let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")).unwrap_or(HeaderValue::from_static("attachment"));
            let mut response = (*zip).clone().into_response();
            response.headers_mut().insert("content-type", HeaderValue::from_static(ZIP_CONTENT_TYPE));
            response.headers_mut().insert("content-disposition", disposition);
            response
        }
        None => json_answer(&result("1004", "the bill file does not exist")),
    }
}

async fn control_add_calls(State(ctl): State<CcfsControl>, Json(calls): Json<Vec<BillCall>>) -> StatusCode {
    ctl.add_calls(calls);
    StatusCode::NO_CONTENT
}

async fn control_calls(State(ctl): State<CcfsControl>) -> Json<Vec<BillCall>> {
    Json(ctl.calls())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SeedBody {
    count: usize,
    #[serde(default = "default_seed_agent")]
    agent: u32,
    /// Spread over this many hours before now (48 by default).
    #[serde(default = "default_seed_hours")]
    hours: u64,
}

fn default_seed_agent() -> u32 {
    101
}
fn default_seed_hours() -> u64 {
    48
}

async fn control_seed(State(ctl): State<CcfsControl>, Json(body): Json<SeedBody>) -> StatusCode {
    ctl.seed(body.count, body.agent, Duration::from_secs(body.hours * 3600));
    StatusCode::NO_CONTENT
}

async fn control_queries(State(ctl): State<CcfsControl>) -> Json<Vec<ReceivedQuery>> {
    Json(ctl.queries())
}

async fn control_callbacks(State(ctl): State<CcfsControl>) -> Json<Vec<CallbackAttempt>> {
    Json(ctl.callback_attempts())
}

async fn control_resend(State(ctl): State<CcfsControl>, Path(response_id): Path<String>) -> Response {
    match ctl.resend_callback(&response_id).await {
        Some(attempt) => Json(attempt).into_response(),
        None => (StatusCode::NOT_FOUND, "no such responseId").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_in_the_tenant_zone_and_the_three_day_rule() {
        let zone = chrono_tz::Europe::Berlin;
        let (Some(a), Some(b)) = (instant("2026-10-23 00:00:00", zone), instant("2026-10-26 00:00:00", zone)) else {
            panic!("times not read")
        };
        // Across the autumn change of clocks three wall-clock days are 73 hours.
        assert_eq!((b - a).num_hours(), 73);
        assert_eq!(instant("2026-10-23 00:00", zone), None);
        assert_eq!(instant("2026-13-01 00:00:00", zone), None);
        // 02:30 does not exist on the spring morning: read as 03:30.
        assert_eq!(instant("2026-03-29 02:30:00", zone), instant("2026-03-29 03:30:00", zone));
    }

    #[test]
    fn encoding_leaves_only_the_unreserved_characters() {
        assert_eq!(encode(b"aZ09-._~"), "aZ09-._~");
        assert_eq!(encode("a b/é:".as_bytes()), "a%20b%2F%C3%A9%3A");
    }

    #[test]
    fn the_files_hold_the_documented_columns() {
        let rules = CcfsRules::default();
        let call = BillCall {
            call_id: "1700000000-0000001".into(),
            agent_id: "101".into(),
            caller: "+74951234567".into(),
            callee: "88005553535".into(),
            offered_ms: 1_700_000_000_000,
            answered_ms: Some(1_700_000_005_000),
            ended_ms: 1_700_000_065_000,
            recorded: true,
        };
        let zip = bill_zip(&rules, Utc::now(), Some(std::slice::from_ref(&call)), Some(&[&call])).unwrap_or_default();
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap_or_else(|e| panic!("{e}"));
        let names: Vec<String> = archive.file_names().map(str::to_owned).collect();
        assert_eq!(names.len(), 2, "{names:?}");
        for name in names {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut archive.by_name(&name).unwrap_or_else(|e| panic!("{e}")), &mut text).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            assert_eq!(lines.len(), 2, "{name}: {text}");
            let fields: Vec<&str> = lines[1].split(',').collect();
            if name.contains("_call_") {
                assert_eq!(fields.len(), 23);
                // 2023-11-14 22:13:20 UTC is 01:13:20 in Moscow the next day.
                assert_eq!(fields[7], "2023-11-15 01:13:20");
                assert_eq!((fields[13], fields[17]), ("2", "-1"));
            } else {
                assert!(name.contains("_record_"), "{name}");
                assert_eq!(fields.len(), 18);
                assert_eq!(fields[9], "/1/1/record/101/20231115/1700000000-0000001.wav");
            }
        }
    }
}
