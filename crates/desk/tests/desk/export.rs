//! The supervisor's export: settings, the callback receiver's auth-v2 check, and the whole flow
//! against the CC-FS simulator (request → callback → download → rows).

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use sidekick_aicc::ccfs::sign::{authorization, Credentials, SignOptions, SignedParts};
use sidekick_desk::clock::SystemClock;
use sidekick_desk::export::{BillFilters, DataType, ExportForm, ExportSettings, JobState, ReceiverStatus, Role, RowKind, RowQuery};
use sidekick_desk::secrets::MemorySecrets;
use sidekick_desk::Desk;
use sidekick_sim::ccfs::{BillCall, CcfsRules};

const AK: &str = "sim-ak";
const SK: &str = "sim-sk-0123456789";

/// A supervisor's desk with settings and data in a temporary directory, the SK saved, and the
/// receiver on loopback (plain HTTP: allowed there only).
async fn supervisor(ccfs_url: Option<&str>) -> (Desk, tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let desk = Desk::with_data_dir(Some(dir.path()), Some(dir.path()), Arc::new(SystemClock), Arc::new(MemorySecrets::default()));
    desk.set_role(Role::Supervisor).await.unwrap();
    let settings = ExportSettings {
        ccfs_url: ccfs_url.map(str::to_owned),
        ak: Some(AK.into()),
        tenant_zone: Some("Europe/Moscow".into()),
        callback_listen: Some("127.0.0.1:0".into()),
        ..Default::default()
    };
    desk.save_export_settings(settings).await.unwrap();
    let view = desk.set_ccfs_sk(SK).await.unwrap();
    let ReceiverStatus::Listening { url } = view.export.receiver else { panic!("the receiver did not start: {:?}", view.export.receiver) };
    (desk, dir, url)
}

/// Posts a callback signed with `ak`/`sk` at `at`, optionally tampering with what is sent after
/// signing; returns the HTTP status.
async fn post_callback(url: &str, ak: &str, sk: &str, at: chrono::DateTime<Utc>, body: &str, tamper: Tamper) -> u16 {
    let parsed = url::Url::parse(url).unwrap();
    let host = format!("{}:{}", parsed.host_str().unwrap(), parsed.port().unwrap());
    let content_type = "application/json;charset=UTF-8";
    let parts = SignedParts { method: "POST", path: parsed.path(), query: &[], host: &host, content_type, body: body.as_bytes() };
    let header = authorization(&Credentials::new(ak, sk), SignOptions::default(), at, &parts);
    let (body, content_type) = match tamper {
        Tamper::None => (body.to_owned(), content_type.to_owned()),
        Tamper::Body => (body.replace("zip", "ZIP"), content_type.to_owned()),
        Tamper::Header => (body.to_owned(), "application/json".to_owned()),
    };
    reqwest::Client::new()
        .post(url)
        .header("Content-Type", content_type)
        .header("Authorization", header)
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[derive(Clone, Copy)]
enum Tamper {
    None,
    Body,
    Header,
}

fn callback_body(response_id: &str) -> String {
    format!(r#"{{"request":{{"version":"2.0"}},"msgBody":{{"responseId":"{response_id}","billFileName":"20261122_{response_id}.zip"}}}}"#)
}

#[tokio::test]
async fn the_receiver_refuses_a_wrong_ak_a_stale_time_and_tampering_and_stores_nothing() {
    let (desk, _dir, url) = supervisor(None).await;
    let now = Utc::now();
    let body = callback_body("0123456789abcdef0123456789abcdef");
    assert_eq!(post_callback(&url, "other-ak", SK, now, &body, Tamper::None).await, 401, "wrong AK");
    assert_eq!(post_callback(&url, AK, "other-sk", now, &body, Tamper::None).await, 401, "wrong SK");
    assert_eq!(post_callback(&url, AK, SK, now - chrono::Duration::minutes(16), &body, Tamper::None).await, 401, "stale");
    assert_eq!(post_callback(&url, AK, SK, now + chrono::Duration::minutes(16), &body, Tamper::None).await, 401, "from the future");
    assert_eq!(post_callback(&url, AK, SK, now, &body, Tamper::Body).await, 401, "tampered body");
    assert_eq!(post_callback(&url, AK, SK, now, &body, Tamper::Header).await, 401, "tampered header");
    let unsigned = reqwest::Client::new().post(&url).header("Content-Type", "application/json").body(body.clone()).send().await.unwrap();
    assert_eq!(unsigned.status().as_u16(), 401, "no signature");
    assert!(desk.export_audit().unwrap().is_empty(), "nothing was stored: {:?}", desk.export_audit());

    // A good one is taken, answered with a success body, and taken once.
    assert_eq!(post_callback(&url, AK, SK, now, &body, Tamper::None).await, 200);
    assert_eq!(post_callback(&url, AK, SK, now, &body, Tamper::None).await, 200, "a repeat is answered too, so CC-FS stops");
    let callbacks: Vec<_> = desk.export_audit().unwrap().into_iter().filter(|e| e.action == "callback").collect();
    assert_eq!(callbacks.len(), 1, "{callbacks:?}");
}

#[tokio::test]
async fn settings_are_checked_field_by_field_and_nothing_is_saved_when_one_is_wrong() {
    let (desk, _dir, _) = supervisor(None).await;
    let before = desk.settings().export.settings;
    let wrong = [
        (ExportSettings { ccfs_url: Some("http://ccfs.example.com:28443".into()), ..before.clone() }, "must start with https://"),
        (ExportSettings { tenant_zone: Some("Mars/Olympus".into()), ..before.clone() }, "is not a time zone"),
        (ExportSettings { callback_listen: Some("everywhere".into()), ..before.clone() }, "is not an address to listen on"),
        (ExportSettings { callback_url: Some("http://sidekick.example.com/cb".into()), ..before.clone() }, "must start with https://"),
        (ExportSettings { callback_cert: Some("/etc/cert.pem".into()), ..before.clone() }, "both the callback certificate and its key"),
        (ExportSettings { ak: Some("a/b".into()), ..before.clone() }, "no spaces or slashes"),
    ];
    for (settings, expected) in wrong {
        let e = desk.save_export_settings(settings).await.unwrap_err().to_string();
        assert!(e.contains(expected), "{e}");
    }
    assert_eq!(desk.settings().export.settings, before);
}

#[tokio::test]
async fn a_receiver_off_loopback_needs_a_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let desk = Desk::with_data_dir(Some(dir.path()), Some(dir.path()), Arc::new(SystemClock), Arc::new(MemorySecrets::default()));
    desk.set_role(Role::Supervisor).await.unwrap();
    let settings = ExportSettings {
        ak: Some(AK.into()),
        callback_listen: Some("0.0.0.0:0".into()),
        callback_url: Some("https://sidekick.example.com:8443/ccfs/callback".into()),
        ..Default::default()
    };
    desk.save_export_settings(settings).await.unwrap();
    let view = desk.set_ccfs_sk(SK).await.unwrap();
    match view.export.receiver {
        ReceiverStatus::Failed { reason } => assert!(reason.contains("needs a certificate and key"), "{reason}"),
        other => panic!("{other:?}"),
    }
    // An agent runs no receiver at all.
    let view = desk.set_role(Role::Agent).await.unwrap();
    assert_eq!(view.export.receiver, ReceiverStatus::Off);
    let refused = desk
        .export_rows(&RowQuery { kind: RowKind::Calls, job: None, search: String::new(), sort: None, descending: false, offset: 0 })
        .unwrap();
    assert_eq!(refused.total, 0);
}

#[tokio::test]
async fn the_receiver_serves_https_with_the_configured_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let issued = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let cert = dir.path().join("callback.pem");
    let key = dir.path().join("callback.key");
    std::fs::write(&cert, issued.cert.pem()).unwrap();
    std::fs::write(&key, issued.signing_key.serialize_pem()).unwrap();
    let desk = Desk::with_data_dir(Some(dir.path()), Some(dir.path()), Arc::new(SystemClock), Arc::new(MemorySecrets::default()));
    desk.set_role(Role::Supervisor).await.unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("https://localhost:{port}/ccfs/callback");
    let settings = ExportSettings {
        ak: Some(AK.into()),
        callback_listen: Some(format!("127.0.0.1:{port}")),
        callback_url: Some(url.clone()),
        callback_cert: Some(cert.display().to_string()),
        callback_key: Some(key.display().to_string()),
        ..Default::default()
    };
    desk.save_export_settings(settings).await.unwrap();
    let view = desk.set_ccfs_sk(SK).await.unwrap();
    assert_eq!(view.export.receiver, ReceiverStatus::Listening { url: url.clone() });

    let body = callback_body("fedcba9876543210fedcba9876543210");
    let host = format!("localhost:{port}");
    let content_type = "application/json;charset=UTF-8";
    let parts = SignedParts { method: "POST", path: "/ccfs/callback", query: &[], host: &host, content_type, body: body.as_bytes() };
    let header = authorization(&Credentials::new(AK, SK), SignOptions::default(), Utc::now(), &parts);
    let trusting = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(issued.cert.pem().as_bytes()).unwrap())
        .build()
        .unwrap();
    let answer = trusting.post(&url).header("Content-Type", content_type).header("Authorization", header).body(body).send().await.unwrap();
    assert_eq!(answer.status().as_u16(), 200);
    assert_eq!(answer.text().await.unwrap(), sidekick_aicc::ccfs::CALLBACK_SUCCESS);
    // A client that does not trust the certificate cannot talk to it (verification stays on).
    let plain = reqwest::Client::new().post(&url).body("{}").send().await;
    assert!(plain.is_err(), "an untrusted certificate was accepted");
}

/// The simulators, with CC-FS calling back after `delay` and retrying every 200 ms.
async fn ccfs_sim(delay: Duration) -> sidekick_sim::SimHandle {
    let ccfs = CcfsRules { callback_delay: delay, retry_interval: Duration::from_millis(200), ..CcfsRules::default() };
    sidekick_sim::spawn(sidekick_sim::Scenario { ccfs, agents: vec![(291, "pw".into())], ..Default::default() }).await.unwrap()
}

/// A billed call `minutes_ago`, answered after 5 s and talked for a minute.
fn bill_call(id: &str, minutes_ago: i64, recorded: bool) -> BillCall {
    let offered_ms = Utc::now().timestamp_millis() - minutes_ago * 60_000;
    BillCall {
        call_id: id.into(),
        agent_id: "291".into(),
        caller: "+74951112233".into(),
        callee: "88005553535".into(),
        offered_ms,
        answered_ms: Some(offered_ms + 5_000),
        ended_ms: offered_ms + 65_000,
        recorded,
    }
}

/// The tenant's wall-clock time `minutes` from now, as the form takes it.
fn tenant_time(minutes: i64) -> String {
    (Utc::now() + chrono::Duration::minutes(minutes)).with_timezone(&chrono_tz::Europe::Moscow).format("%Y-%m-%d %H:%M:%S").to_string()
}

fn rows(desk: &Desk, kind: RowKind) -> Vec<Vec<String>> {
    let page = desk.export_rows(&RowQuery { kind, job: None, search: String::new(), sort: Some("call_id".into()), descending: false, offset: 0 }).unwrap();
    assert_eq!(page.total as usize, page.rows.len());
    page.rows
}

fn form(begin: String, end: String) -> ExportForm {
    ExportForm { begin, end, filters: BillFilters::default(), data_type: DataType::CallRecord }
}

#[tokio::test]
async fn an_export_is_requested_called_back_downloaded_and_stored_once() {
    let sim = ccfs_sim(Duration::from_millis(50)).await;
    sim.ccfs.add_calls([bill_call("100-3", 30, true), bill_call("100-1", 90, false), bill_call("100-2", 600, true), bill_call("100-0", 3 * 24 * 60, true)]);
    let (desk, _dir, _) = supervisor(Some(&sim.ccfs_url)).await;
    let jobs = desk.request_export(form(tenant_time(-24 * 60), tenant_time(0))).await.unwrap();
    assert_eq!(jobs.len(), 1);
    let snap = super::until(&desk, "the job to be ready", |s| s.exports.iter().any(|j| j.state == JobState::Ready)).await;
    let job = snap.exports.iter().find(|j| j.state == JobState::Ready).unwrap().clone();
    assert_eq!((job.calls, job.records), (3, 2));
    let response_id = job.response_id.clone().unwrap();
    assert_eq!(job.bill_file_name.as_deref().map(|f| f.ends_with(&format!("_{response_id}.zip"))), Some(true));

    let calls = rows(&desk, RowKind::Calls);
    let ids: Vec<&str> = calls.iter().map(|r| r[4].as_str()).collect();
    assert_eq!(ids, ["100-1", "100-2", "100-3"], "the rows of the sim's calls in the period");
    assert!(calls.iter().all(|r| r[0] == "sim-ak" && r[3] == "291" && r[5] == "+74951112233"), "{calls:?}");
    assert_eq!(rows(&desk, RowKind::Records).len(), 2);

    // CC-FS calls again with the same responseId: answered, and nothing changes.
    let again = sim.ccfs.resend_callback(&response_id).await.unwrap();
    assert!(again.ok, "{again:?}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(rows(&desk, RowKind::Calls), calls);
    assert_eq!(desk.snapshot().exports.iter().filter(|j| j.response_id.as_deref() == Some(&response_id)).count(), 1);
    assert_eq!(sim.ccfs.queries().len(), 1, "no second query");
    let audit = desk.export_audit().unwrap();
    let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions.iter().filter(|a| **a == "request").count(), 1, "{actions:?}");
    assert_eq!(actions.iter().filter(|a| **a == "callback").count(), 1, "{actions:?}");
    assert!(audit.iter().any(|e| e.action == "request" && e.detail.ends_with("call_record, 1 job") && e.result == "ok"), "{audit:?}");
    assert!(audit.iter().any(|e| e.action == "download" && e.result == "ok: 3 CDRs, 2 recording indexes"), "{audit:?}");

    // The jobs are the supervisor's, not the agent session's: signing out keeps them.
    desk.sign_in(super::form(&sim.gateway_url, "291", "pw")).await.unwrap();
    desk.sign_out().await.unwrap();
    assert_eq!(desk.snapshot().exports.len(), 1);
}

#[tokio::test]
async fn ten_days_become_four_jobs_of_at_most_three_days_and_all_complete() {
    let sim = ccfs_sim(Duration::from_millis(20)).await;
    let (desk, _dir, _) = supervisor(Some(&sim.ccfs_url)).await;
    let jobs = desk.request_export(form("2026-11-01".into(), "2026-11-10".into())).await.unwrap();
    let mut windows: Vec<(String, String)> = jobs.iter().map(|j| (j.begin.clone(), j.end.clone())).collect();
    windows.sort();
    let expected = [
        ("2026-11-01 00:00:00", "2026-11-03 23:59:59"),
        ("2026-11-04 00:00:00", "2026-11-06 23:59:59"),
        ("2026-11-07 00:00:00", "2026-11-09 23:59:59"),
        ("2026-11-10 00:00:00", "2026-11-10 23:59:59"),
    ];
    assert_eq!(windows, expected.map(|(b, e)| (b.to_owned(), e.to_owned())));
    assert!(jobs.iter().all(|j| j.parts == 4));
    super::until(&desk, "four ready jobs", |s| s.exports.iter().filter(|j| j.state == JobState::Ready).count() == 4).await;
    let mut sent: Vec<(String, String)> = sim
        .ccfs
        .queries()
        .iter()
        .map(|q| (q.msg_body["beginTime"].as_str().unwrap().to_owned(), q.msg_body["endTime"].as_str().unwrap().to_owned()))
        .collect();
    sent.sort();
    assert_eq!(sent, windows, "CC-FS got the same windows, each accepted");
    assert!(sim.ccfs.queries().iter().all(|q| q.result_code == "0"));
}

#[tokio::test]
async fn a_job_survives_a_restart_and_completes_when_cc_fs_calls_again() {
    let sim = ccfs_sim(Duration::from_millis(400)).await;
    sim.ccfs.add_calls([bill_call("200-1", 10, true)]);
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let open = || Desk::with_data_dir(Some(dir.path()), Some(dir.path()), Arc::new(SystemClock), Arc::new(MemorySecrets::default()));
    let settings = ExportSettings {
        ccfs_url: Some(sim.ccfs_url.clone()),
        ak: Some(AK.into()),
        tenant_zone: Some("Europe/Moscow".into()),
        callback_listen: Some(format!("127.0.0.1:{port}")),
        ..Default::default()
    };
    {
        let first = open();
        first.set_role(Role::Supervisor).await.unwrap();
        first.save_export_settings(settings.clone()).await.unwrap();
        first.set_ccfs_sk(SK).await.unwrap();
        first.request_export(form(tenant_time(-60), tenant_time(0))).await.unwrap();
        super::until(&first, "CC-FS to accept", |s| s.exports.iter().any(|j| j.state == JobState::Waiting)).await;
        // The app quits before CC-FS calls back: its receiver stops.
        first.set_role(Role::Agent).await.unwrap();
    }
    let first_try = {
        let mut tries = Vec::new();
        for _ in 0..50 {
            tries = sim.ccfs.callback_attempts();
            if !tries.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        tries
    };
    assert!(first_try.first().is_some_and(|a| !a.ok), "the first callback found nobody: {first_try:?}");

    let second = Desk::with_data_dir(Some(dir.path()), Some(dir.path()), Arc::new(SystemClock), Arc::new(MemorySecrets::default()));
    second.set_ccfs_sk(SK).await.unwrap();
    second.set_role(Role::Supervisor).await.unwrap();
    let waiting = second.snapshot().exports;
    assert_eq!(waiting.len(), 1, "the job was kept: {waiting:?}");
    super::until(&second, "the kept job to be ready", |s| s.exports.iter().any(|j| j.state == JobState::Ready)).await;
    assert_eq!(rows(&second, RowKind::Calls).len(), 1);
}


#[tokio::test]
async fn the_demo_exports_from_its_own_cc_fs_until_one_is_configured() {
    let dir = tempfile::tempdir().unwrap();
    let desk = Desk::with_data_dir(Some(dir.path()), Some(dir.path()), Arc::new(SystemClock), Arc::new(MemorySecrets::default()));
    desk.set_role(Role::Supervisor).await.unwrap();
    assert_eq!(desk.settings().export.receiver, ReceiverStatus::Off, "nothing configured yet");
    desk.start_demo().await.unwrap();
    let view = desk.settings().export;
    assert!(view.demo);
    assert_eq!(view.zone, "Europe/Moscow");
    assert!(matches!(view.receiver, ReceiverStatus::Listening { ref url } if url.starts_with("http://127.0.0.1:")), "{:?}", view.receiver);
    desk.request_export(form(tenant_time(-49 * 60), tenant_time(0))).await.unwrap();
    let snap = super::until(&desk, "the demo's job to be ready", |s| s.exports.iter().any(|j| j.state == JobState::Ready)).await;
    assert!(snap.exports[0].calls >= 300, "two days of the demo's history: {:?}", snap.exports[0]);

    // Signing out ends the demo, and its CC-FS with it.
    desk.sign_out().await.unwrap();
    for _ in 0..100 {
        if desk.settings().export.receiver == ReceiverStatus::Off {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let view = desk.settings().export;
    assert!(!view.demo);
    assert_eq!(view.receiver, ReceiverStatus::Off);
    assert_eq!(desk.snapshot().exports.len(), 1, "the rows it exported stay");
}
