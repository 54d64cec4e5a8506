//! The CC-FS client against the simulator: a query is called back (signed, and the signature
//! checks out with the client's verifier), the file downloads and parses into the simulator's
//! calls; the limits answer with their result codes; bad signatures are HTTP 401; a callback is
//! retried until it gets a success with a body.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use chrono::{Duration as Span, NaiveDateTime, Utc};
use sidekick_aicc::ccfs::sign::{authorization, verify, SignedParts};
use sidekick_aicc::ccfs::{
    host_header, parse_bill_zip, BillFilters, BillQuery, CallbackBody, CcfsClient, CcfsConfig, CcfsError, Credentials, DataType, HeaderOrder,
    SignOptions, TimestampFormat, CALLBACK_SUCCESS, JSON_CONTENT_TYPE,
};
use sidekick_aicc::tls::TlsTrust;
use sidekick_sim::ccfs::{BillCall, CcfsRules};
use sidekick_sim::{Scenario, SimHandle};
use url::Url;

/// What a callback receiver saw.
#[derive(Debug, Clone)]
struct Seen {
    headers: HeaderMap,
    body: Vec<u8>,
}

/// A callback receiver on loopback that answers each call with the next of `answers` (the last
/// one again once they run out) and keeps what it saw.
async fn receiver(answers: Vec<(u16, &'static str)>) -> (Url, Arc<Mutex<Vec<Seen>>>) {
    let seen = Arc::new(Mutex::new(Vec::<Seen>::new()));
    let log = seen.clone();
    let app = axum::Router::new().route(
        "/ccfs/callback",
        post(move |headers: HeaderMap, body: Bytes| {
            let log = log.clone();
            let answers = answers.clone();
            async move {
                let mut log = log.lock().unwrap_or_else(|p| p.into_inner());
                let (status, text) = answers.get(log.len()).or(answers.last()).copied().unwrap_or((200, CALLBACK_SUCCESS));
                log.push(Seen { headers, body: body.to_vec() });
                (StatusCode::from_u16(status).unwrap_or(StatusCode::OK), text)
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/ccfs/callback").parse().expect("url"), seen)
}

async fn sim(rules: CcfsRules) -> SimHandle {
    sidekick_sim::spawn(Scenario { ccfs: rules, ..Scenario::default() }).await.expect("the simulators start")
}

fn fast() -> CcfsRules {
    CcfsRules { callback_delay: Duration::from_millis(20), retry_interval: Duration::from_millis(100), ..CcfsRules::default() }
}

fn client(sim: &SimHandle, sign: SignOptions) -> CcfsClient {
    let rules = sim.ccfs.rules();
    let config = CcfsConfig { base_url: sim.ccfs_url.parse().expect("url"), zone: rules.zone, tls: TlsTrust::default(), sign };
    CcfsClient::new(config, Credentials::new(&rules.ak, &rules.sk)).expect("client")
}

/// Now, as the tenant's wall clock reads it, to the second.
fn tenant_now(sim: &SimHandle) -> NaiveDateTime {
    let now = Utc::now().with_timezone(&sim.ccfs.rules().zone).naive_local();
    now - Span::nanoseconds(now.and_utc().timestamp_subsec_nanos() as i64)
}

fn call(id: &str, minutes_ago: i64, recorded: bool) -> BillCall {
    let offered_ms = Utc::now().timestamp_millis() - minutes_ago * 60_000;
    BillCall {
        call_id: id.into(),
        agent_id: "101".into(),
        caller: "+74951234567".into(),
        callee: "88005553535".into(),
        offered_ms,
        answered_ms: Some(offered_ms + 4_000),
        ended_ms: offered_ms + 64_000,
        recorded,
    }
}

async fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..200 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test]
async fn a_query_is_called_back_signed_and_downloads_the_sims_calls() {
    let sim = sim(fast()).await;
    sim.ccfs.add_calls([call("1-a", 60, true), call("1-b", 120, false), call("1-c", 24 * 60, true), call("1-old", 5 * 24 * 60, true)]);
    let (url, seen) = receiver(vec![(200, CALLBACK_SUCCESS)]).await;
    let client = client(&sim, SignOptions::default());
    let end = tenant_now(&sim);
    let query = BillQuery { begin: end - Span::days(2), end, filters: BillFilters::default(), data_type: DataType::CallRecord };
    let response_id = client.query_bill_data(&query, &url).await.expect("queryBillData");
    assert_eq!(response_id.len(), 32);
    assert!(response_id.chars().all(|c| c.is_ascii_hexdigit()), "{response_id}");
    wait_for("the callback", || !seen.lock().unwrap_or_else(|p| p.into_inner()).is_empty()).await;
    let got = seen.lock().unwrap_or_else(|p| p.into_inner())[0].clone();

    // The callback is signed by the developer's AK/SK over what was received.
    let rules = sim.ccfs.rules();
    let header = |name: &str| got.headers.get(name).and_then(|v| v.to_str().ok());
    let parts = SignedParts {
        method: "POST",
        path: url.path(),
        query: &[],
        host: header("host").unwrap_or_default(),
        content_type: header("content-type").unwrap_or_default(),
        body: &got.body,
    };
    let checked = verify(header("authorization"), header("content-length"), &Credentials::new(&rules.ak, &rules.sk), HeaderOrder::default(), Utc::now(), Span::minutes(15), &parts);
    assert_eq!(checked, Ok(()));
    assert_eq!(host_header(&url).ok().as_deref(), header("host"));
    let body: CallbackBody = serde_json::from_slice(&got.body).expect("the documented callback body");
    assert_eq!(body.msg_body.response_id, response_id);
    let today = Utc::now().with_timezone(&rules.zone).format("%Y%m%d").to_string();
    assert_eq!(body.msg_body.bill_file_name, format!("{today}_{response_id}.zip"));
    assert_eq!(body.msg_body.account_id, None, "no accountId in the query, none in the callback");
    wait_for("the delivery to be noted", || sim.ccfs.delivered(&response_id)).await;

    let zip = client.download_bill_file(&body.msg_body.bill_file_name).await.expect("downloadBillFile");
    let bill = parse_bill_zip(&zip).expect("the ZIP parses");
    let mut ids: Vec<&str> = bill.calls.iter().map(|c| c.call_id.as_str()).collect();
    ids.sort_unstable();
    assert_eq!(ids, ["1-a", "1-b", "1-c"], "the calls of the window, not the older one");
    let mut recorded: Vec<&str> = bill.records.iter().map(|r| r.call_id.as_str()).collect();
    recorded.sort_unstable();
    assert_eq!(recorded, ["1-a", "1-c"]);
    assert!(bill.calls.iter().all(|c| c.developer == "sim-ak" && c.account_id == "tenant-01" && c.call_id_num == "-1"));
    assert_eq!(sim.ccfs.callback_attempts().len(), 1);
}

#[tokio::test]
async fn filters_and_data_types_choose_the_rows() {
    let sim = sim(fast()).await;
    let mut other = call("2-b", 30, true);
    other.agent_id = "102".into();
    other.caller = "+74957654321".into();
    sim.ccfs.add_calls([call("2-a", 20, true), other]);
    let (url, seen) = receiver(vec![(200, CALLBACK_SUCCESS)]).await;
    let client = client(&sim, SignOptions::default());
    let end = tenant_now(&sim);
    let filters = BillFilters { agent_id: Some("102".into()), account_id: Some("tenant-01".into()), ..BillFilters::default() };
    let query = BillQuery { begin: end - Span::hours(2), end, filters, data_type: DataType::Call };
    client.query_bill_data(&query, &url).await.expect("queryBillData");
    wait_for("the callback", || !seen.lock().unwrap_or_else(|p| p.into_inner()).is_empty()).await;
    let body: CallbackBody = serde_json::from_slice(&seen.lock().unwrap_or_else(|p| p.into_inner())[0].body).expect("callback body");
    assert_eq!(body.msg_body.account_id.as_deref(), Some("tenant-01"), "the query's accountId comes back");
    let bill = parse_bill_zip(&client.download_bill_file(&body.msg_body.bill_file_name).await.expect("download")).expect("parse");
    assert_eq!(bill.calls.iter().map(|c| c.call_id.as_str()).collect::<Vec<_>>(), ["2-b"]);
    assert!(bill.records.is_empty(), "dataType call has no recording index");
    let q = sim.ccfs.queries();
    assert_eq!((q.len(), q[0].cdr_rows, q[0].record_rows), (1, 1, 0));
}

/// A body signed as the client would sign it, sent as is; the answer's JSON.
async fn raw(sim: &SimHandle, path: &str, body: &str, sk: &str, at: chrono::DateTime<Utc>, sent_body: Option<&str>) -> (u16, serde_json::Value) {
    let url: Url = format!("{}{path}", sim.ccfs_url).parse().expect("url");
    let host = host_header(&url).expect("host");
    let parts = SignedParts { method: "POST", path: url.path(), query: &[], host: &host, content_type: JSON_CONTENT_TYPE, body: body.as_bytes() };
    let auth = authorization(&Credentials::new(&sim.ccfs.rules().ak, sk), SignOptions::default(), at, &parts);
    let response = reqwest::Client::new()
        .post(url)
        .header("content-type", JSON_CONTENT_TYPE)
        .header("authorization", auth)
        .body(sent_body.unwrap_or(body).to_owned())
        .send()
        .await
        .expect("an answer");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

fn query_body(begin: &str, end: &str, extra: &str) -> String {
    format!(
        r#"{{"request":{{"version":"2.0"}},"msgBody":{{"beginTime":"{begin}","endTime":"{end}","dataType":"call_record","callBackURL":"https://10.1.2.3:8000/cb"{extra}}}}}"#
    )
}

#[tokio::test]
async fn the_limits_answer_with_result_codes() {
    let sim = sim(fast()).await;
    let sk = sim.ccfs.rules().sk.clone();
    let q = "CCFS/resource/ccfs/queryBillData";
    let code = |v: &serde_json::Value| v["resultCode"].as_str().unwrap_or("?").to_owned();
    let cases = [
        (query_body("2026-11-01 00:00:00", "2026-11-04 00:00:00", ""), "0", "exactly three days"),
        (query_body("2026-11-01 00:00:00", "2026-11-04 00:00:01", ""), "1002", "three days and a second"),
        (query_body("2026-11-04 00:00:00", "2026-11-01 00:00:00", ""), "1002", "end before begin"),
        (query_body("2026-11-01 00:00", "2026-11-02 00:00:00", ""), "1001", "time without seconds"),
        (query_body("2026-11-01 00:00:00", "2026-11-02 00:00:00", &format!(r#","agentId":"{}""#, "1".repeat(21))), "1001", "agentId of 21"),
        (query_body("2026-11-01 00:00:00", "2026-11-02 00:00:00", &format!(r#","agentId":"{}""#, "1".repeat(20))), "0", "agentId of 20"),
        (query_body("2026-11-01 00:00:00", "2026-11-02 00:00:00", &format!(r#","callId":"{}""#, "1".repeat(26))), "1001", "callId of 26"),
        (query_body("2026-11-01 00:00:00", "2026-11-02 00:00:00", &format!(r#","calleeNo2":"{}""#, "1".repeat(26))), "1001", "calleeNo2 of 26"),
        (query_body("2026-11-01 00:00:00", "2026-11-02 00:00:00", r#","accountId":"tenant-02""#), "1003", "another tenant"),
        (query_body("2026-11-01 00:00:00", "2026-11-02 00:00:00", r#","accountId":"""#), "0", "an empty accountId, as the vendor's example"),
        (query_body("2026-11-01 00:00:00", "2026-11-02 00:00:00", "").replace("call_record", "calls"), "1001", "unknown dataType"),
        (query_body("2026-11-01 00:00:00", "2026-11-02 00:00:00", "").replace("\"2.0\"", "\"1.0\""), "1001", "version 1.0"),
        (query_body("2026-11-01 00:00:00", "2026-11-02 00:00:00", "").replace(r#","callBackURL":"https://10.1.2.3:8000/cb""#, ""), "1001", "no callBackURL"),
        ("{not json".to_owned(), "1001", "not JSON"),
    ];
    for (body, expected, what) in cases {
        let (status, answer) = raw(&sim, q, &body, &sk, Utc::now(), None).await;
        assert_eq!((status, code(&answer)), (200, expected.to_owned()), "{what}: {answer}");
        assert!(!answer["resultDesc"].as_str().unwrap_or("").is_empty(), "{what}: a reason is given");
    }
    // Download: an unknown file is a JSON error, a name too long a field error.
    let download = "CCFS/resource/ccfs/downloadBillFile";
    let (_, answer) = raw(&sim, download, r#"{"request":{"version":"2.0"},"msgBody":{"billFileName":"20260101_00.zip"}}"#, &sk, Utc::now(), None).await;
    assert_eq!(code(&answer), "1004");
    let long = format!(r#"{{"request":{{"version":"2.0"}},"msgBody":{{"billFileName":"{}"}}}}"#, "a".repeat(50));
    let (_, answer) = raw(&sim, download, &long, &sk, Utc::now(), None).await;
    assert_eq!(code(&answer), "1001");
    // The client turns the JSON error into a refusal with the code.
    match client(&sim, SignOptions::default()).download_bill_file("20260101_00.zip").await {
        Err(CcfsError::Refused { code, .. }) => assert_eq!(code, "1004"),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn a_bad_signature_is_401_and_nothing_is_queried() {
    let sim = sim(fast()).await;
    let sk = sim.ccfs.rules().sk.clone();
    let q = "CCFS/resource/ccfs/queryBillData";
    let body = query_body("2026-11-01 00:00:00", "2026-11-02 00:00:00", "");
    let tampered = body.replace("2026-11-01", "2026-10-31");
    for (sk, at, sent, what) in [
        ("wrong-sk", Utc::now(), None, "wrong SK"),
        (sk.as_str(), Utc::now() - Span::minutes(20), None, "signed 20 minutes ago"),
        (sk.as_str(), Utc::now() + Span::minutes(20), None, "signed 20 minutes ahead"),
        (sk.as_str(), Utc::now(), Some(tampered.as_str()), "body changed after signing"),
    ] {
        let (status, answer) = raw(&sim, q, &body, sk, at, sent).await;
        assert_eq!(status, 401, "{what}: {answer}");
    }
    let other = CcfsClient::new(
        CcfsConfig { base_url: sim.ccfs_url.parse().expect("url"), zone: sim.ccfs.rules().zone, tls: TlsTrust::default(), sign: SignOptions::default() },
        Credentials::new("other-ak", &sk),
    )
    .expect("client");
    let end = tenant_now(&sim);
    let query = BillQuery { begin: end - Span::hours(1), end, filters: BillFilters::default(), data_type: DataType::Call };
    let url: Url = "https://10.1.2.3/cb".parse().expect("url");
    assert!(matches!(other.query_bill_data(&query, &url).await, Err(CcfsError::Unauthorized)), "another AK");
    assert_eq!(sim.ccfs.auth_failures(), 5);
    assert!(sim.ccfs.queries().is_empty(), "nothing was queried");
    // Both UNCONFIRMED timestamp forms are accepted; the other header order is not.
    let millis = SignOptions { timestamp: TimestampFormat::Millis, ..SignOptions::default() };
    assert!(client(&sim, millis).query_bill_data(&query, &url).await.is_ok());
    let reordered = SignOptions { order: HeaderOrder::HeadersThenNames, ..SignOptions::default() };
    assert!(matches!(client(&sim, reordered).query_bill_data(&query, &url).await, Err(CcfsError::Unauthorized)));
}

#[tokio::test]
async fn a_callback_is_retried_until_a_success_with_a_body() {
    let sim = sim(fast()).await;
    let (url, seen) = receiver(vec![(500, "oops"), (200, ""), (200, CALLBACK_SUCCESS)]).await;
    let client = client(&sim, SignOptions::default());
    let end = tenant_now(&sim);
    let query = BillQuery { begin: end - Span::hours(1), end, filters: BillFilters::default(), data_type: DataType::Call };
    let id = client.query_bill_data(&query, &url).await.expect("queryBillData");
    wait_for("the third callback", || sim.ccfs.delivered(&id)).await;
    let attempts = sim.ccfs.callback_attempts();
    let summary: Vec<(u32, Option<u16>, bool)> = attempts.iter().map(|a| (a.attempt, a.status, a.ok)).collect();
    assert_eq!(summary, [(1, Some(500), false), (2, Some(200), false), (3, Some(200), true)]);
    assert_eq!(attempts[1].error.as_deref(), Some("an empty body is not a success"));
    // Nothing more is sent once it succeeded…
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(seen.lock().unwrap_or_else(|p| p.into_inner()).len(), 3);
    // …unless asked to, as the platform may when it missed the answer.
    let again = sim.ccfs.resend_callback(&id).await.expect("a known job");
    assert_eq!((again.attempt, again.ok), (4, true));
    assert!(sim.ccfs.resend_callback("nope").await.is_none());
}

#[tokio::test]
async fn a_callback_nobody_answers_stops_after_the_last_attempt() {
    let sim = sim(CcfsRules { max_attempts: 3, ..fast() }).await;
    let (url, seen) = receiver(vec![(503, "busy")]).await;
    let end = tenant_now(&sim);
    let query = BillQuery { begin: end - Span::hours(1), end, filters: BillFilters::default(), data_type: DataType::Record };
    let id = client(&sim, SignOptions::default()).query_bill_data(&query, &url).await.expect("queryBillData");
    wait_for("three attempts", || seen.lock().unwrap_or_else(|p| p.into_inner()).len() >= 3).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(seen.lock().unwrap_or_else(|p| p.into_inner()).len(), 3);
    assert!(!sim.ccfs.delivered(&id));
}
