//! The ODFS client: against the vendor's examples served byte for byte (conformance), and against
//! the simulator (limits checked before sending, the token's life, refusals, secrecy).

use std::io::Write;
use std::sync::{Arc, Mutex};

use sidekick_aicc::odfs::*;
use sidekick_sim::odfs::OdfsRules;

use super::*;

/// The demo tenant the simulator knows by default.
const APP_KEY: &str = "tenant-1";
const APP_SECRET: &str = "odfs-secret";

fn config(url: &str, app_key: &str, vdn_id: Option<u32>) -> OdfsConfig {
    OdfsConfig { base_url: url.parse().unwrap(), app_key: app_key.into(), vdn_id, tls: Default::default() }
}

fn odfs_client(url: &str) -> OdfsClient {
    OdfsClient::new(config(url, APP_KEY, None), AppSecret::new(APP_SECRET)).unwrap()
}

async fn odfs_sim(rules: OdfsRules) -> sidekick_sim::SimHandle {
    sidekick_sim::spawn(sidekick_sim::Scenario { odfs: rules, ..Default::default() }).await.unwrap()
}

/// A valid request for the call `n`, as the desk fills it from a live call and the settings.
fn call(n: u32) -> RecordRequest {
    RecordRequest {
        call_id: format!("1700000000-{n:04}"),
        call_sor_id: Some("13500000001".into()),
        call_dst_id: "10086".into(),
        real_callee: Some("40038".into()),
        cti_callid: Some(format!("1700000000-{n:04}")),
    }
}

fn odfs_fixture(name: &str) -> Value {
    serde_json::from_str(&stub::raw_fixture("odfs", name)).unwrap()
}

/// A stand-in ODFS answering `gettoken` and `crs/process` with the given fixture texts.
async fn odfs_stub(token_answer: &'static str, process_answer: String) -> (String, stub::Log) {
    let answer = move |path: &str| {
        if path.ends_with("/gettoken") {
            (200, stub::raw_fixture("odfs", token_answer))
        } else {
            (200, process_answer.clone())
        }
    };
    stub::serve(answer, None).await
}

/// Conformance: with the values of the vendor's examples, the client's `gettoken` body is the
/// documented one and its `inaction` 7 body is the vendor's example request exactly (with the
/// token the vendor's `gettoken` example handed out); both example answers are read as success.
#[tokio::test]
async fn requests_equal_the_vendor_examples_and_the_answers_parse() {
    let (url, seen) = odfs_stub("gettoken_response.json", stub::raw_fixture("odfs", "process_record_response.json")).await;
    let asked = odfs_fixture("gettoken_request.json");
    let app_key = asked["appKey"].as_str().unwrap();
    let client = OdfsClient::new(config(&url, app_key, None), AppSecret::new(asked["appSecret"].as_str().unwrap())).unwrap();
    let example = RecordRequest {
        call_id: "1528780879-9581".into(),
        call_sor_id: Some("13500000001".into()),
        call_dst_id: "10086".into(),
        real_callee: None,
        cti_callid: None,
    };
    let started = client.start_recording(&example).await.expect("the vendor's example answer is success");
    assert_eq!(started.userid, "16128422559300717ed3bf958dca2d0cda6c1", "the answer's userid is kept as sent, not checked");
    assert_eq!(started.outparams, serde_json::json!({}));

    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "one token, one recording request");
    assert_eq!((seen[0].method.as_str(), seen[0].path_and_query.as_str()), ("POST", "/oifde/rest/api/gettoken"));
    assert_eq!(serde_json::from_slice::<Value>(&seen[0].body).unwrap(), asked);
    assert_eq!((seen[1].method.as_str(), seen[1].path_and_query.as_str()), ("POST", "/oifde/rest/crs/process"));
    let mut vendor = odfs_fixture("process_record_request.json");
    vendor["inparams"]["auth_token"] = odfs_fixture("gettoken_response.json")["authToken"].clone();
    assert_eq!(serde_json::from_slice::<Value>(&seen[1].body).unwrap(), vendor);
}

#[tokio::test]
async fn the_v2_path_names_the_vdn() {
    let (url, seen) = odfs_stub("gettoken_response.json", stub::raw_fixture("odfs", "process_record_response.json")).await;
    let client = OdfsClient::new(config(&url, APP_KEY, Some(12)), AppSecret::new(APP_SECRET)).unwrap();
    client.start_recording(&call(1)).await.unwrap();
    assert_eq!(seen.lock().unwrap()[1].path_and_query, "/oifde/rest/v2/crs/process/12");
}

/// `ret` 0 alone is not a confirmation: without `outaction` 7 the capture system was not started.
/// Numbers are read where the example has strings.
#[tokio::test]
async fn only_outaction_7_confirms_and_numbers_are_read_as_codes() {
    let (url, _) = odfs_stub("gettoken_response.json", r#"{"ret":0,"userid":"1","outaction":9,"outparams":{}}"#.into()).await;
    let e = odfs_client(&url).start_recording(&call(1)).await.unwrap_err();
    assert!(matches!(&e, OdfsError::NotStarted { outaction } if outaction == "9"), "{e:?}");
    assert_eq!((e.code().as_str(), e.retry_kind()), ("not-started", RetryKind::NeedsAttention));
    let (url, _) = odfs_stub("gettoken_response.json", r#"{"ret":0,"userid":"1","outaction":7,"outparams":{}}"#.into()).await;
    odfs_client(&url).start_recording(&call(1)).await.expect("numeric ret 0 and outaction 7 confirm");
}

/// Every documented limit and required field gives its own error, naming the field and the
/// limit, and nothing reaches ODFS: not the request, not even a token request.
#[tokio::test]
async fn each_limit_and_required_field_is_refused_before_sending() {
    let sim = odfs_sim(OdfsRules::default()).await;
    let client = odfs_client(&sim.odfs_url);
    let long = |n: usize| "7".repeat(n);
    let cases: [(&str, RecordRequest, &str); 7] = [
        ("call_id", RecordRequest { call_id: String::new(), ..call(1) }, "call_id (the call id, also sent as userid) is required, and it is empty"),
        ("call_dst_id", RecordRequest { call_dst_id: " ".into(), ..call(1) }, "call_dst_id (the flow access code) is required, and it is empty"),
        ("call_id", RecordRequest { call_id: long(65), ..call(1) }, "call_id (the call id, also sent as userid) is 65 characters long; ODFS accepts at most 64"),
        ("call_sor_id", RecordRequest { call_sor_id: Some(long(65)), ..call(1) }, "call_sor_id (the caller's number) is 65 characters long; ODFS accepts at most 64"),
        ("call_dst_id", RecordRequest { call_dst_id: long(21), ..call(1) }, "call_dst_id (the flow access code) is 21 characters long; ODFS accepts at most 20"),
        ("real_callee", RecordRequest { real_callee: Some(long(33)), ..call(1) }, "real_callee (the called number) is 33 characters long; ODFS accepts at most 32"),
        ("cti_callid", RecordRequest { cti_callid: Some(long(33)), ..call(1) }, "cti_callid (the CC-Gateway call id) is 33 characters long; ODFS accepts at most 32"),
    ];
    for (field, request, message) in cases {
        let e = client.start_recording(&request).await.unwrap_err();
        let OdfsError::Invalid(invalid) = &e else { panic!("{field}: refused locally, not {e:?}") };
        assert_eq!((invalid.field(), e.to_string().as_str()), (field, message));
        assert_eq!((e.code().as_str(), e.retry_kind()), ("invalid-request", RetryKind::NeedsAttention));
    }
    assert_eq!((sim.odfs.token_requests(), sim.odfs.process_requests()), (0, 0), "nothing was sent");

    let at_limits = RecordRequest {
        call_id: long(64),
        call_sor_id: Some(long(64)),
        call_dst_id: long(20),
        real_callee: Some(long(32)),
        cti_callid: Some(long(32)),
    };
    client.start_recording(&at_limits).await.expect("every limit is inclusive, and the simulator agrees");
    let optional_left_out = RecordRequest { call_sor_id: None, real_callee: Some(String::new()), cti_callid: None, ..call(2) };
    client.start_recording(&optional_left_out).await.expect("optional fields may be absent");
    let recorded = sim.odfs.recordings();
    assert_eq!((recorded[1].real_callee.as_deref(), recorded[1].call_sor_id.as_deref()), (None, None), "empty fields are left out");
}

/// A token runs out between two recordings an hour apart: the client fetches a new one before
/// sending, so ODFS never refuses a request and the agent notices nothing. Within the hour the
/// token is reused.
#[tokio::test(start_paused = true)]
async fn a_token_expiring_between_two_recordings_is_renewed_unnoticed() {
    let sim = odfs_sim(OdfsRules::default()).await;
    let client = odfs_client(&sim.odfs_url);
    client.start_recording(&call(1)).await.unwrap();
    tokio::time::sleep(Duration::from_secs(1800)).await;
    client.start_recording(&call(2)).await.unwrap();
    assert_eq!(sim.odfs.token_requests(), 1, "within its hour the token is reused");
    tokio::time::sleep(Duration::from_secs(1800)).await;
    client.start_recording(&call(3)).await.expect("the agent notices nothing");
    assert_eq!(sim.odfs.token_requests(), 2, "a new token was fetched before the old one ran out");
    assert_eq!(sim.odfs.process_requests(), 3, "no request was refused and sent again");
    let calls: Vec<_> = sim.odfs.recordings().into_iter().map(|r| r.userid).collect();
    assert_eq!(calls, ["1700000000-0001", "1700000000-0002", "1700000000-0003"]);
}

/// ODFS stops accepting the token in the middle (900001, though the client thought it fresh): the
/// client fetches a new token and sends the request exactly once more.
#[tokio::test(start_paused = true)]
async fn a_token_refused_mid_request_is_renewed_and_the_request_sent_once_more() {
    let sim = odfs_sim(OdfsRules::default()).await;
    let client = odfs_client(&sim.odfs_url);
    client.start_recording(&call(1)).await.unwrap();
    tokio::time::sleep(Duration::from_secs(60)).await;
    sim.odfs.expire_tokens();
    client.start_recording(&call(2)).await.expect("renewed and sent again");
    assert_eq!(sim.odfs.token_requests(), 2);
    assert_eq!(sim.odfs.process_requests(), 3, "the first recording, the refused one, and its one retry");
    assert_eq!(sim.odfs.recordings().len(), 2);
}

/// A token error that persists with a fresh token is reported after the one retry, not looped on.
#[tokio::test(start_paused = true)]
async fn a_second_token_refusal_is_an_error() {
    for code in ["900001", "900002"] {
        let sim = odfs_sim(OdfsRules::default()).await;
        let client = odfs_client(&sim.odfs_url);
        sim.odfs.refuse_recordings(Some(code.into()));
        let e = client.start_recording(&call(1)).await.unwrap_err();
        assert!(matches!(&e, OdfsError::Refused { code: c, .. } if c == code), "{e:?}");
        assert_eq!(e.code(), code);
        assert_eq!((sim.odfs.token_requests(), sim.odfs.process_requests()), (2, 2), "{code}: exactly one renewal and one retry");
    }
}

#[tokio::test]
async fn refusals_and_http_errors_are_typed_with_their_code() {
    let sim = odfs_sim(OdfsRules::default()).await;
    let client = odfs_client(&sim.odfs_url);
    for (code, kind) in [("10000001", RetryKind::Transient), ("10000004", RetryKind::NeedsAttention), ("123456", RetryKind::NeedsAttention)] {
        sim.odfs.refuse_recordings(Some(code.into()));
        let e = client.start_recording(&call(1)).await.unwrap_err();
        assert!(matches!(&e, OdfsError::Refused { .. }), "{e:?}");
        assert_eq!((e.code().as_str(), e.retry_kind()), (code, kind), "{e}");
    }
    sim.odfs.refuse_recordings(None);
    for status in [400, 500] {
        sim.odfs.inject_status(status, 1);
        let e = client.start_recording(&call(1)).await.unwrap_err();
        assert!(matches!(e, OdfsError::Status { status: s, .. } if s == status), "{e:?}");
        assert_eq!((e.code(), e.retry_kind()), (format!("HTTP {status}"), RetryKind::NeedsAttention));
    }
    client.start_recording(&call(1)).await.expect("accepted again");
    assert_eq!(sim.odfs.recordings().len(), 1, "nothing refused was recorded");

    let wrong_secret = OdfsClient::new(config(&sim.odfs_url, APP_KEY, None), AppSecret::new("guess")).unwrap();
    let e = wrong_secret.start_recording(&call(1)).await.unwrap_err();
    assert!(matches!(&e, OdfsError::TokenRefused { code, .. } if code == "200800002"), "{e:?}");
    assert_eq!(e.retry_kind(), RetryKind::NeedsAttention);
    let wrong_key = OdfsClient::new(config(&sim.odfs_url, "tenant-9", None), AppSecret::new(APP_SECRET)).unwrap();
    assert_eq!(wrong_key.check_credentials().await.unwrap_err().code(), "200800001");
    odfs_client(&sim.odfs_url).check_credentials().await.expect("the demo tenant's credentials are right");

    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let e = odfs_client(&format!("http://127.0.0.1:{port}/")).start_recording(&call(1)).await.unwrap_err();
    assert_eq!((e.code().as_str(), e.retry_kind()), ("network", RetryKind::NetworkFailure));
    assert!(e.to_string().starts_with("cannot connect to the recording service"), "{e}");
}

/// Log lines written while a test runs.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The app secret and the tokens appear in no `Debug` print of the client, its configuration or
/// its errors, in no error message, and in no log line at any level.
#[tokio::test]
async fn the_secret_and_tokens_never_show() {
    const SECRET: &str = "Odfs-S3cret-4711";
    let logs = Captured::default();
    let sink = logs.clone();
    let subscriber = tracing_subscriber::fmt().with_max_level(tracing::Level::TRACE).with_writer(move || sink.clone()).finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let sim = odfs_sim(OdfsRules { app_secret: SECRET.into(), ..Default::default() }).await;
    let cfg = config(&sim.odfs_url, APP_KEY, None);
    let client = OdfsClient::new(cfg.clone(), AppSecret::new(SECRET)).unwrap();
    client.start_recording(&call(1)).await.unwrap();
    sim.odfs.expire_tokens();
    client.start_recording(&call(2)).await.unwrap();
    sim.odfs.refuse_recordings(Some("900002".into()));
    let refused = client.start_recording(&call(3)).await.unwrap_err();
    let wrong = OdfsClient::new(cfg.clone(), AppSecret::new(format!("{SECRET}-old"))).unwrap();
    let denied = wrong.start_recording(&call(4)).await.unwrap_err();

    let tokens = sim.odfs.issued_tokens();
    assert_eq!(tokens.len(), 3, "the client held several tokens during the test");
    let printed = [
        format!("{client:?}"),
        format!("{cfg:?}"),
        format!("{wrong:?}"),
        format!("{refused:?} {refused}"),
        format!("{denied:?} {denied}"),
        format!("{:?}", AppSecret::new(SECRET)),
        String::from_utf8(logs.0.lock().unwrap().clone()).unwrap(),
    ];
    assert!(printed[6].contains("token_len"), "the logs were captured and speak of lengths: {}", printed[6]);
    for text in &printed {
        assert!(!text.contains(SECRET), "the app secret leaked: {text}");
        for t in &tokens {
            assert!(!text.contains(t.as_str()), "a token leaked: {text}");
        }
    }
}
