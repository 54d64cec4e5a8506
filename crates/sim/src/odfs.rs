//! ODFS simulator: the token service and packet-capture recording (`inaction` 7) of Huawei's
//! intelligent-IVR dialog engine, as `reference/huawei-protocols.md` §D and
//! `reference/huawei-odfs-inaction7.txt` document them.
//!
//! Routes: `POST /oifde/rest/api/gettoken`, `POST /oifde/rest/crs/process` and the grey-routing
//! `POST /oifde/rest/v2/crs/process/{vdnId}` (same body; the VDN is noted with the recording).
//!
//! Behaviour kept from the vendor documents:
//! - `gettoken` takes `{"appKey", "appSecret"}` and answers `{"errorCode": 0, "errorMsg",
//!   "authToken", "expireTime"}` with the lifetime in seconds (3600 by default). A token is
//!   accepted for that long;
//! - `crs/process` with `inaction` 7 needs `userid` (≤ 64 characters) and, in `inparams`,
//!   `call_dst_id` (≤ 20) and `auth_token`; `call_id` and `call_sor_id` hold at most 64
//!   characters, `real_callee` and `cti_callid` 32. Success is the vendor's example answer,
//!   `{"ret": "0", "userid", "outaction": "7", "outparams": {}}`;
//! - the OIAP codes: 900001 no token or an expired one, 900002 a token that fails the check,
//!   10000002 parameter error, 10000003 parameter missing, 200800001 key not found, 200800002
//!   wrong key;
//! - HTTP 400 for a wrong address.
//!
//! Where the documents are silent, the simulator chooses (and the fixtures' README says so):
//! - `gettoken` errors are HTTP 200 with `{"errorCode", "errorMsg"}`: an unknown `appKey` is
//!   200800001 ("key not found"), a wrong `appSecret` 200800002 ("wrong key"), a missing one
//!   10000003, a body that is not a JSON object 10000002;
//! - `crs/process` errors are HTTP 200 with the code in `ret` and the text in `errorMsg`; the
//!   token is checked before the parameters. A token this simulator never issued is 900002; an
//!   absent, empty or expired one is 900001. Only `inaction` 7 is simulated; any other is 10000002;
//! - a successful answer echoes the request's `userid` (the vendor's example shows another value,
//!   which a client must not depend on).
//!
//! Controls (methods of [`OdfsControl`], and routes under `/_sim/odfs/` for the standalone
//! binary): refuse every recording with a chosen `ret` code, expire every token, answer the next
//! recordings with an HTTP status, slow recordings down, and read what was accepted and how many
//! requests arrived. The app secret and the tokens are never logged, only their lengths.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use tokio::time::Instant;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../aicc/tests/fixtures/odfs/", $name))
    };
}

/// A token's lifetime unless the scenario says otherwise (§D.5).
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

/// The `inaction` (and confirming `outaction`) of packet-capture recording.
const INACTION_RECORD: i64 = 7;

/// The tenant ODFS knows and how long its tokens live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OdfsRules {
    /// The tenant's `appKey` (tenant space id).
    pub app_key: String,
    /// The tenant's `appSecret` (API password).
    pub app_secret: String,
    /// How long an issued token is accepted (`expireTime`).
    pub token_lifetime: Duration,
}

impl Default for OdfsRules {
    /// The demo tenant: `tenant-1` / `odfs-secret`, tokens for an hour.
    fn default() -> Self {
        Self { app_key: "tenant-1".into(), app_secret: "odfs-secret".into(), token_lifetime: DEFAULT_TOKEN_LIFETIME }
    }
}

/// A recording ODFS accepted, as the request named it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Recording {
    /// The request's `userid`.
    pub userid: String,
    /// `inparams.call_id`, if sent.
    pub call_id: Option<String>,
    /// `inparams.call_sor_id`, if sent.
    pub call_sor_id: Option<String>,
    /// `inparams.call_dst_id`, the flow access code.
    pub call_dst_id: String,
    /// `inparams.real_callee`, if sent.
    pub real_callee: Option<String>,
    /// `inparams.cti_callid`, if sent.
    pub cti_callid: Option<String>,
    /// The VDN of the v2 path, if that path was used.
    pub vdn_id: Option<String>,
    /// When it was accepted (epoch ms, wall clock).
    pub at_ms: i64,
}

/// One issued token.
#[derive(Debug)]
struct Token {
    expires_at: Instant,
    /// Set by [`OdfsControl::expire_tokens`]: refused as expired from then on.
    expired: bool,
}

#[derive(Debug, Default)]
struct Ledger {
    /// Every token issued, by value, in issue order kept in `issued`.
    tokens: HashMap<String, Token>,
    issued: Vec<String>,
    recordings: Vec<Recording>,
    /// The `ret` every recording request gets while set.
    refuse: Option<String>,
    /// HTTP statuses the next recording requests get, oldest first.
    statuses: VecDeque<u16>,
    /// How long each recording request is held before it is handled.
    delay: Duration,
    token_requests: u32,
    process_requests: u32,
}

#[derive(Debug)]
struct Inner {
    rules: OdfsRules,
    ledger: Mutex<Ledger>,
}

/// Control handle of the ODFS simulator. Cheap to clone.
#[derive(Debug, Clone)]
pub struct OdfsControl {
    inner: Arc<Inner>,
}

impl OdfsControl {
    /// An ODFS that knows one tenant.
    pub fn new(rules: OdfsRules) -> Self {
        Self { inner: Arc::new(Inner { rules, ledger: Mutex::default() }) }
    }

    /// The tenant and token lifetime this ODFS was started with.
    pub fn rules(&self) -> &OdfsRules {
        &self.inner.rules
    }

    fn with_ledger<T>(&self, f: impl FnOnce(&mut Ledger) -> T) -> T {
        let mut g = self.inner.ledger.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut g)
    }

    /// While `Some(code)`, every recording request with a valid token and valid parameters is
    /// refused with that `ret` (for example `"10000001"`); `None` accepts them again.
    pub fn refuse_recordings(&self, code: Option<String>) {
        self.with_ledger(|s| s.refuse = code);
    }

    /// Makes every token issued so far expired: requests with one get 900001.
    pub fn expire_tokens(&self) {
        self.with_ledger(|s| s.tokens.values_mut().for_each(|t| t.expired = true));
    }

    /// The next `times` recording requests are answered with HTTP `status` (400 and 500 are the
    /// documented ones) and no body, before anything is checked. `gettoken` is not affected.
    pub fn inject_status(&self, status: u16, times: usize) {
        self.with_ledger(|s| s.statuses.extend(std::iter::repeat_n(status, times)));
    }

    /// Holds each later recording request this long before handling it (zero: no delay).
    pub fn delay_recordings(&self, delay: Duration) {
        self.with_ledger(|s| s.delay = delay);
    }

    /// Every recording accepted so far, oldest first.
    pub fn recordings(&self) -> Vec<Recording> {
        self.with_ledger(|s| s.recordings.clone())
    }

    /// How many `gettoken` requests arrived (answered or refused).
    pub fn token_requests(&self) -> u32 {
        self.with_ledger(|s| s.token_requests)
    }

    /// How many `crs/process` requests arrived (answered, refused or faulted).
    pub fn process_requests(&self) -> u32 {
        self.with_ledger(|s| s.process_requests)
    }

    /// Every token issued so far, oldest first, for leak checks.
    pub fn issued_tokens(&self) -> Vec<String> {
        self.with_ledger(|s| s.issued.clone())
    }
}

fn load(text: &str) -> Value {
    // The fixtures are part of this crate's build; the `fixtures_parse` test catches a broken one.
    serde_json::from_str(text).unwrap_or(Value::Null)
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// The ODFS routes plus the `/_sim/odfs/` control routes. Anything else is HTTP 400, as ODFS
/// answers a wrong address.
pub fn router(control: OdfsControl) -> Router {
    Router::new()
        .route("/oifde/rest/api/gettoken", post(get_token))
        .route("/oifde/rest/crs/process", post(process))
        .route("/oifde/rest/v2/crs/process/{vdnid}", post(process_v2))
        .route("/_sim/odfs/refuse", post(control_refuse))
        .route("/_sim/odfs/expire-tokens", post(control_expire_tokens))
        .route("/_sim/odfs/http-faults", post(control_http_faults))
        .route("/_sim/odfs/delay", post(control_delay))
        .route("/_sim/odfs/recordings", get(control_recordings))
        .route("/_sim/odfs/issued-tokens", get(control_issued_tokens))
        .fallback(|| async { (StatusCode::BAD_REQUEST, "no such ODFS address") })
        .with_state(control)
}

/// A `gettoken` refusal: the fixture, with the code and text given when they differ from it.
fn token_refusal(text: &str, code: Option<i64>, message: Option<&str>) -> Response {
    let mut v = load(text);
    if let Some(code) = code {
        v["errorCode"] = json!(code);
    }
    if let Some(message) = message {
        v["errorMsg"] = json!(message);
    }
    Json(v).into_response()
}

async fn get_token(State(ctl): State<OdfsControl>, body: Bytes) -> Response {
    ctl.with_ledger(|s| s.token_requests += 1);
    let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(&body) else {
        return token_refusal(fixture!("gettoken_error_param_missing.json"), Some(10_000_002), Some("the body is not a JSON object"));
    };
    let text = |key: &str| fields.get(key).and_then(Value::as_str).filter(|v| !v.is_empty());
    let (Some(key), Some(secret)) = (text("appKey"), text("appSecret")) else {
        return token_refusal(fixture!("gettoken_error_param_missing.json"), None, None);
    };
    let rules = &ctl.inner.rules;
    if key != rules.app_key {
        tracing::debug!(app_key = key, "gettoken: unknown appKey");
        return token_refusal(fixture!("gettoken_error_key_not_found.json"), None, None);
    }
    if secret != rules.app_secret {
        tracing::debug!(app_key = key, app_secret_len = secret.len(), "gettoken: wrong appSecret");
        return token_refusal(fixture!("gettoken_error_wrong_secret.json"), None, None);
    }
    let token = format!("eyJ{}", uuid::Uuid::new_v4().simple());
    let expires_at = Instant::now() + rules.token_lifetime;
    ctl.with_ledger(|s| {
        s.tokens.insert(token.clone(), Token { expires_at, expired: false });
        s.issued.push(token.clone());
    });
    tracing::debug!(app_key = key, token_len = token.len(), "gettoken: token issued");
    let mut v = load(fixture!("gettoken_response.json"));
    v["authToken"] = json!(token);
    v["expireTime"] = json!(rules.token_lifetime.as_secs());
    Json(v).into_response()
}

async fn process(State(ctl): State<OdfsControl>, body: Bytes) -> Response {
    process_at(ctl, None, body).await
}

async fn process_v2(State(ctl): State<OdfsControl>, Path(vdn): Path<String>, body: Bytes) -> Response {
    process_at(ctl, Some(vdn), body).await
}

/// A refusal of a recording request: the fixture with the request's `userid`, and the code and
/// text given when they differ from the fixture's.
fn refusal(text: &str, userid: &str, code: Option<&str>, message: &str) -> Response {
    let mut v = load(text);
    v["userid"] = json!(userid);
    if let Some(code) = code {
        v["ret"] = json!(code);
    }
    if !message.is_empty() {
        v["errorMsg"] = json!(message);
    }
    Json(v).into_response()
}

fn param_missing(userid: &str, field: &str) -> Response {
    refusal(fixture!("process_error_param_missing.json"), userid, None, &format!("{field} is missing"))
}

fn param_invalid(userid: &str, message: &str) -> Response {
    refusal(fixture!("process_error_param_invalid.json"), userid, None, message)
}

/// A string parameter: `Ok(None)` when absent or null, `Err` when of another type.
fn string_param<'a>(fields: &'a Map<String, Value>, key: &str) -> Result<Option<&'a str>, ()> {
    match fields.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(()),
    }
}

/// `inparams` of `inaction` 7 with their limits, in the vendor's order; `true` = mandatory.
const RECORD_PARAMS: [(&str, usize, bool); 5] =
    [("call_id", 64, false), ("call_sor_id", 64, false), ("call_dst_id", 20, true), ("real_callee", 32, false), ("cti_callid", 32, false)];

async fn process_at(ctl: OdfsControl, vdn_id: Option<String>, body: Bytes) -> Response {
    let (fault, delay) = ctl.with_ledger(|s| {
        s.process_requests += 1;
        (s.statuses.pop_front(), s.delay)
    });
    if let Some(status) = fault {
        return (StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), "injected fault").into_response();
    }
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let Ok(Value::Object(request)) = serde_json::from_slice::<Value>(&body) else {
        return param_invalid("", "the body is not a JSON object");
    };
    let userid = match string_param(&request, "userid") {
        Ok(Some(u)) if !u.is_empty() => u,
        Ok(_) => return param_missing("", "userid"),
        Err(()) => return param_invalid("", "userid must be a string"),
    };
    if userid.chars().count() > 64 {
        return param_invalid(userid, "userid is longer than 64 characters");
    }
    let inaction = match request.get("inaction") {
        None | Some(Value::Null) => return param_missing(userid, "inaction"),
        Some(v) => v.as_i64().or_else(|| v.as_str().and_then(|s| s.parse().ok())),
    };
    if inaction != Some(INACTION_RECORD) {
        return param_invalid(userid, "only inaction 7 (packet-capture recording) is simulated");
    }
    let Some(params) = request.get("inparams").and_then(Value::as_object) else {
        return param_missing(userid, "inparams");
    };
    if let Some(refused) = ctl.token_refusal(params, userid) {
        return refusal(refused, userid, None, "");
    }
    let mut values: [Option<String>; RECORD_PARAMS.len()] = Default::default();
    for ((key, max, mandatory), slot) in RECORD_PARAMS.into_iter().zip(&mut values) {
        let value = match string_param(params, key) {
            Ok(v) => v.filter(|v| !v.is_empty()),
            Err(()) => return param_invalid(userid, &format!("{key} must be a string")),
        };
        match value {
            None if mandatory => return param_missing(userid, key),
            Some(v) if v.chars().count() > max => {
                return param_invalid(userid, &format!("{key} is longer than {max} characters"));
            }
            _ => *slot = value.map(str::to_owned),
        }
    }
    if let Some(code) = ctl.with_ledger(|s| s.refuse.clone()) {
        tracing::debug!(userid, code = %code, "crs/process: refused as told");
        return refusal(fixture!("process_error_internal.json"), userid, Some(&code), "refused by the simulator");
    }
    let [call_id, call_sor_id, call_dst_id, real_callee, cti_callid] = values;
    let recording = Recording {
        userid: userid.to_owned(),
        call_id,
        call_sor_id,
        call_dst_id: call_dst_id.unwrap_or_default(),
        real_callee,
        cti_callid,
        vdn_id,
        at_ms: now_ms(),
    };
    tracing::debug!(userid, call_dst_id = %recording.call_dst_id, "crs/process: recording started");
    ctl.with_ledger(|s| s.recordings.push(recording));
    let mut v = load(fixture!("process_record_response.json"));
    v["userid"] = json!(userid);
    Json(v).into_response()
}

impl OdfsControl {
    /// Checks `inparams.auth_token`: `None` when it is valid, else the fixture of the refusal.
    fn token_refusal(&self, params: &Map<String, Value>, userid: &str) -> Option<&'static str> {
        let sent = params.get("auth_token").and_then(Value::as_str).unwrap_or("");
        let now = Instant::now();
        let refusal = self.with_ledger(|s| match s.tokens.get(sent) {
            _ if sent.is_empty() => Some(fixture!("process_error_token_expired.json")),
            None => Some(fixture!("process_error_token_invalid.json")),
            Some(t) if t.expired || now >= t.expires_at => Some(fixture!("process_error_token_expired.json")),
            Some(_) => None,
        });
        if refusal.is_some() {
            tracing::debug!(userid, token_len = sent.len(), "crs/process: token refused");
        }
        refusal
    }
}

#[derive(Deserialize)]
struct Refuse {
    /// The `ret` to refuse with; null accepts again.
    ret: Option<String>,
}

async fn control_refuse(State(ctl): State<OdfsControl>, Json(r): Json<Refuse>) -> Response {
    ctl.refuse_recordings(r.ret);
    Json(json!({"ok": true})).into_response()
}

async fn control_expire_tokens(State(ctl): State<OdfsControl>) -> Response {
    ctl.expire_tokens();
    Json(json!({"ok": true})).into_response()
}

#[derive(Deserialize)]
struct HttpFaults {
    status: u16,
    #[serde(default = "one")]
    times: usize,
}

fn one() -> usize {
    1
}

async fn control_http_faults(State(ctl): State<OdfsControl>, Json(f): Json<HttpFaults>) -> Response {
    ctl.inject_status(f.status, f.times);
    Json(json!({"ok": true})).into_response()
}

#[derive(Deserialize)]
struct Delay {
    ms: u64,
}

async fn control_delay(State(ctl): State<OdfsControl>, Json(d): Json<Delay>) -> Response {
    ctl.delay_recordings(Duration::from_millis(d.ms));
    Json(json!({"ok": true})).into_response()
}

async fn control_recordings(State(ctl): State<OdfsControl>) -> Response {
    Json(json!({
        "recordings": ctl.recordings(),
        "tokenRequests": ctl.token_requests(),
        "processRequests": ctl.process_requests(),
    }))
    .into_response()
}

async fn control_issued_tokens(State(ctl): State<OdfsControl>) -> Response {
    Json(json!({"tokens": ctl.issued_tokens()})).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    async fn post(app: &Router, path: &str, body: impl Into<Body>) -> (StatusCode, Value) {
        let req = Request::post(path).header("Content-Type", "application/json; charset=UTF-8").body(body.into()).unwrap();
        let resp = app.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    fn odfs() -> (OdfsControl, Router) {
        let ctl = OdfsControl::new(OdfsRules::default());
        (ctl.clone(), router(ctl))
    }

    async fn token(app: &Router) -> String {
        let (_, b) = post(app, "/oifde/rest/api/gettoken", json!({"appKey": "tenant-1", "appSecret": "odfs-secret"}).to_string()).await;
        b["authToken"].as_str().unwrap().to_owned()
    }

    fn record(token: &str, params: Value) -> String {
        let mut inparams = json!({"call_id": "1-1", "call_dst_id": "10086", "auth_token": token});
        for (k, v) in params.as_object().unwrap() {
            inparams[k] = v.clone();
        }
        json!({"userid": "1-1", "inaction": 7, "inparams": inparams}).to_string()
    }

    const PROCESS: &str = "/oifde/rest/crs/process";

    #[test]
    fn fixtures_parse() {
        for text in [
            fixture!("gettoken_request.json"),
            fixture!("gettoken_response.json"),
            fixture!("gettoken_error_key_not_found.json"),
            fixture!("gettoken_error_wrong_secret.json"),
            fixture!("gettoken_error_param_missing.json"),
            fixture!("process_record_request.json"),
            fixture!("process_record_response.json"),
            fixture!("process_error_token_expired.json"),
            fixture!("process_error_token_invalid.json"),
            fixture!("process_error_param_invalid.json"),
            fixture!("process_error_param_missing.json"),
            fixture!("process_error_internal.json"),
        ] {
            assert!(serde_json::from_str::<Value>(text).is_ok(), "fixture must be JSON: {text}");
        }
    }

    #[tokio::test]
    async fn gettoken_checks_the_tenant() {
        let (ctl, app) = odfs();
        let ask = |key: &str, secret: &str| json!({"appKey": key, "appSecret": secret}).to_string();
        let (_, b) = post(&app, "/oifde/rest/api/gettoken", ask("tenant-2", "odfs-secret")).await;
        assert_eq!(b["errorCode"], 200_800_001, "an unknown appKey: key not found");
        let (_, b) = post(&app, "/oifde/rest/api/gettoken", ask("tenant-1", "guess")).await;
        assert_eq!(b["errorCode"], 200_800_002, "a wrong appSecret: wrong key");
        let (_, b) = post(&app, "/oifde/rest/api/gettoken", json!({"appKey": "tenant-1"}).to_string()).await;
        assert_eq!(b["errorCode"], 10_000_003, "a missing appSecret: parameter missing");
        let (_, b) = post(&app, "/oifde/rest/api/gettoken", "not json").await;
        assert_eq!(b["errorCode"], 10_000_002);
        let (status, b) = post(&app, "/oifde/rest/api/gettoken", fixture!("gettoken_request.json")).await;
        assert_eq!((status, &b["errorCode"]), (StatusCode::OK, &json!(200_800_001)), "the fixture's tenant is not this one");
        let (_, b) = post(&app, "/oifde/rest/api/gettoken", ask("tenant-1", "odfs-secret")).await;
        assert_eq!((b["errorCode"].as_i64(), b["expireTime"].as_u64()), (Some(0), Some(3600)));
        assert_eq!(ctl.issued_tokens(), [b["authToken"].as_str().unwrap()]);
        assert_eq!(ctl.token_requests(), 6);
    }

    #[tokio::test(start_paused = true)]
    async fn tokens_are_checked_and_expire() {
        let (ctl, app) = odfs();
        let t = token(&app).await;
        let (_, b) = post(&app, PROCESS, record(&t, json!({}))).await;
        assert_eq!((b["ret"].as_str(), b["outaction"].as_str(), b["userid"].as_str()), (Some("0"), Some("7"), Some("1-1")));
        let (_, b) = post(&app, PROCESS, record("forged", json!({}))).await;
        assert_eq!(b["ret"], "900002", "a token never issued fails the check");
        let (_, b) = post(&app, PROCESS, record("", json!({}))).await;
        assert_eq!(b["ret"], "900001", "no token");
        tokio::time::advance(Duration::from_secs(3599)).await;
        assert_eq!(post(&app, PROCESS, record(&t, json!({}))).await.1["ret"], "0", "still within its hour");
        tokio::time::advance(Duration::from_secs(1)).await;
        assert_eq!(post(&app, PROCESS, record(&t, json!({}))).await.1["ret"], "900001", "expired after an hour");
        let fresh = token(&app).await;
        ctl.expire_tokens();
        assert_eq!(post(&app, PROCESS, record(&fresh, json!({}))).await.1["ret"], "900001", "expired by the control");
        assert_eq!(ctl.recordings().len(), 2);
    }

    #[tokio::test]
    async fn recording_parameters_keep_their_limits() {
        let (ctl, app) = odfs();
        let t = token(&app).await;
        let cases = [
            (json!({"call_dst_id": null}), "10000003"),
            (json!({"call_dst_id": ""}), "10000003"),
            (json!({"call_dst_id": "1".repeat(21)}), "10000002"),
            (json!({"call_id": "1".repeat(65)}), "10000002"),
            (json!({"call_sor_id": "1".repeat(65)}), "10000002"),
            (json!({"real_callee": "1".repeat(33)}), "10000002"),
            (json!({"cti_callid": "1".repeat(33)}), "10000002"),
            (json!({"cti_callid": 5}), "10000002"),
        ];
        for (params, code) in cases {
            let (_, b) = post(&app, PROCESS, record(&t, params.clone())).await;
            assert_eq!(b["ret"], code, "{params}");
        }
        let at_limits = json!({
            "call_id": "1".repeat(64),
            "call_sor_id": "2".repeat(64),
            "call_dst_id": "3".repeat(20),
            "real_callee": "4".repeat(32),
            "cti_callid": "5".repeat(32),
        });
        assert_eq!(post(&app, PROCESS, record(&t, at_limits)).await.1["ret"], "0", "every limit is inclusive");
        let other = json!({"userid": "1-1", "inaction": 8, "inparams": {"auth_token": t}}).to_string();
        assert_eq!(post(&app, PROCESS, other).await.1["ret"], "10000002");
        let no_user = json!({"inaction": 7, "inparams": {"call_dst_id": "1", "auth_token": t}}).to_string();
        assert_eq!(post(&app, PROCESS, no_user).await.1["ret"], "10000003");
        assert_eq!(ctl.recordings().len(), 1);
    }

    #[tokio::test]
    async fn the_vendor_example_is_accepted_with_a_real_token_and_the_v2_path_notes_the_vdn() {
        let (ctl, app) = odfs();
        let mut vendor = load(fixture!("process_record_request.json"));
        assert_eq!(post(&app, PROCESS, vendor.to_string()).await.1["ret"], "900002", "the example's token is not ours");
        vendor["inparams"]["auth_token"] = json!(token(&app).await);
        let (_, b) = post(&app, "/oifde/rest/v2/crs/process/12", vendor.to_string()).await;
        assert_eq!(b["ret"], "0");
        let r = &ctl.recordings()[0];
        assert_eq!((r.call_id.as_deref(), r.call_sor_id.as_deref(), r.call_dst_id.as_str()), (Some("1528780879-9581"), Some("13500000001"), "10086"));
        assert_eq!((r.vdn_id.as_deref(), r.real_callee.as_deref()), (Some("12"), None));
    }

    #[tokio::test]
    async fn faults_refusals_and_wrong_addresses() {
        let (ctl, app) = odfs();
        let t = token(&app).await;
        ctl.refuse_recordings(Some("10000001".into()));
        let (_, b) = post(&app, PROCESS, record(&t, json!({}))).await;
        assert_eq!((b["ret"].as_str(), b["userid"].as_str()), (Some("10000001"), Some("1-1")));
        ctl.refuse_recordings(None);
        ctl.inject_status(500, 1);
        assert_eq!(post(&app, PROCESS, record(&t, json!({}))).await.0, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(post(&app, PROCESS, record(&t, json!({}))).await.1["ret"], "0", "one fault, then normal");
        assert_eq!(post(&app, "/oifde/rest/crs/proces", "{}").await.0, StatusCode::BAD_REQUEST, "a wrong address is HTTP 400");
        assert_eq!((ctl.process_requests(), ctl.recordings().len()), (3, 1));
    }
}
