//! Recording the call: only confirmed states are shown, refusals carry the platform's code, and
//! every request is in the audit log.

use std::path::Path;
use std::sync::Arc;

use sidekick_desk::clock::SystemClock;
use sidekick_desk::recording::audit::{AuditAction, AuditOutcome};
use sidekick_desk::recording::{RecordingPath, RecordingState, ODFS_SECRET_ACCOUNT};
use sidekick_desk::secrets::{MemorySecrets, SecretStore};
use sidekick_desk::*;
use sidekick_sim::gateway::CallScript;

use super::{call_state, form, sim, until};

const SECRET: &str = "odfs-secret";

fn settings(dir: &Path, json: serde_json::Value) {
    std::fs::write(dir.join("settings.json"), serde_json::to_vec(&json).unwrap()).unwrap();
}

fn odfs_desk(dir: &Path, sim: &sidekick_sim::SimHandle, flow: &str, secret: Option<&str>) -> Desk {
    settings(
        dir,
        serde_json::json!({"recordingPath": "odfs", "odfsUrl": sim.odfs_url, "odfsAppKey": "tenant-1", "odfsFlowAccessCode": flow}),
    );
    let secrets = Arc::new(MemorySecrets::default());
    if let Some(s) = secret {
        secrets.set(ODFS_SECRET_ACCOUNT, s).unwrap();
    }
    Desk::with_data_dir(Some(dir), Some(dir), Arc::new(SystemClock), secrets)
}

async fn talking(desk: &Desk, sim: &sidekick_sim::SimHandle, call_id: &str) {
    desk.sign_in(form(&sim.gateway_url, "291", "pw")).await.unwrap();
    sim.gateway.play_inbound_call(
        291,
        CallScript { caller: "13500000001".into(), called: "40038".into(), call_id: Some(call_id.into()), ring_ms: 200, talk_ms: 600_000, auto_answer: true },
    );
    until(desk, "talking", |s| call_state(s) == Some(CallState::Talking)).await;
}

fn rec_state(s: &DeskSnapshot) -> Option<RecordingState> {
    s.recording.as_ref().map(|r| r.state)
}

#[tokio::test]
async fn odfs_recording_is_shown_once_odfs_confirmed_it_and_audited() {
    let dir = tempfile::tempdir().unwrap();
    let sim = sim().await;
    let desk = odfs_desk(dir.path(), &sim, "10086", Some(SECRET));
    desk.sign_in(form(&sim.gateway_url, "291", "pw")).await.unwrap();
    sim.gateway.play_inbound_call(
        291,
        CallScript { caller: "13500000001".into(), called: "40038".into(), call_id: Some("rec-1".into()), ring_ms: 400, talk_ms: 600_000, auto_answer: true },
    );
    let ringing = until(&desk, "ringing", |s| call_state(s) == Some(CallState::Ringing)).await;
    let view = ringing.recording.unwrap();
    assert_eq!((view.path, view.state, view.can_start), (RecordingPath::Odfs, RecordingState::Off, false));
    let err = desk.start_recording().await.unwrap_err();
    assert!(err.to_string().contains("Answer the call first"), "{err}");
    until(&desk, "talking", |s| call_state(s) == Some(CallState::Talking)).await;
    assert!(desk.snapshot().recording.unwrap().can_start);

    sim.odfs.delay_recordings(std::time::Duration::from_millis(400));
    let d2 = desk.clone();
    let asking = tokio::spawn(async move { d2.start_recording().await });
    until(&desk, "requesting", |s| rec_state(s) == Some(RecordingState::Requesting)).await;
    assert!(sim.odfs.recordings().is_empty(), "not yet confirmed, and not shown as recording");
    assert!(desk.start_recording().await.unwrap_err().to_string().contains("already running"));
    let snap = asking.await.unwrap().unwrap();
    let view = snap.recording.unwrap();
    assert_eq!(view.state, RecordingState::Recording);
    assert!(view.started_at_ms.is_some());
    assert!(!view.can_stop, "an ODFS recording ends with the call");
    let rec = &sim.odfs.recordings()[0];
    assert_eq!((rec.userid.as_str(), rec.call_dst_id.as_str()), ("rec-1", "10086"));
    assert_eq!(rec.call_sor_id.as_deref(), Some("13500000001"));
    assert_eq!(rec.cti_callid.as_deref(), Some("rec-1"));

    desk.hang_up().await.unwrap();
    until(&desk, "ended, recording off", |s| call_state(s) == Some(CallState::Ended) && rec_state(s) == Some(RecordingState::Off)).await;
    assert!(desk.start_recording().await.unwrap_err().to_string().contains("has ended"));

    let audit = desk.recording_audit().unwrap();
    assert_eq!(audit.len(), 1, "{audit:?}");
    assert_eq!((audit[0].action, audit[0].outcome, audit[0].code.as_deref()), (AuditAction::Start, AuditOutcome::Confirmed, Some("0")));
    assert_eq!(audit[0].call_id, "rec-1");
    assert_eq!(audit[0].agent_id, 291);
}

#[tokio::test]
async fn an_odfs_refusal_shows_its_code_and_can_be_retried() {
    let dir = tempfile::tempdir().unwrap();
    let sim = sim().await;
    let desk = odfs_desk(dir.path(), &sim, "10086", Some(SECRET));
    talking(&desk, &sim, "rec-2").await;
    sim.odfs.refuse_recordings(Some("10000001".into()));
    let snap = desk.start_recording().await.unwrap();
    let view = snap.recording.unwrap();
    assert_eq!(view.state, RecordingState::Failed);
    let reason = view.reason.unwrap();
    assert!(reason.contains("10000001"), "{reason}");
    assert!(view.can_start, "a failed recording may be asked for again");
    sim.odfs.refuse_recordings(None);
    let snap = desk.start_recording().await.unwrap();
    assert_eq!(rec_state(&snap), Some(RecordingState::Recording));
    assert_eq!(snap.recording.unwrap().reason, None);
    let outcomes: Vec<_> = desk.recording_audit().unwrap().iter().map(|e| (e.outcome, e.code.clone())).collect();
    assert_eq!(outcomes, [(AuditOutcome::Confirmed, Some("0".into())), (AuditOutcome::Failed, Some("10000001".into()))]);
}

#[tokio::test]
async fn bad_settings_are_named_before_anything_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let sim = sim().await;
    // A flow access code longer than ODFS accepts (20 characters).
    let desk = odfs_desk(dir.path(), &sim, "100861008610086100861", Some(SECRET));
    talking(&desk, &sim, "rec-3").await;
    let err = desk.start_recording().await.unwrap_err();
    assert!(err.to_string().contains("call_dst_id") && err.to_string().contains("20"), "{err}");
    assert_eq!((sim.odfs.token_requests(), sim.odfs.process_requests()), (0, 0), "nothing was sent");
    assert_eq!(desk.recording_audit().unwrap()[0].outcome, AuditOutcome::Invalid);

    // No secret: recording is unavailable, and the card says why.
    let dir = tempfile::tempdir().unwrap();
    let sim = super::sim().await;
    let desk = odfs_desk(dir.path(), &sim, "10086", None);
    talking(&desk, &sim, "rec-4").await;
    let view = desk.snapshot().recording.unwrap();
    assert!(!view.can_start);
    assert!(view.reason.unwrap().contains("ODFS app secret is not set"));
    assert!(desk.start_recording().await.is_err());
    let settings = desk.set_odfs_secret(SECRET).unwrap();
    assert!(settings.odfs_secret_saved);
    assert_eq!(settings.recording_path, Some(RecordingPath::Odfs));
}

#[tokio::test]
async fn gateway_recording_follows_the_gateways_events() {
    let dir = tempfile::tempdir().unwrap();
    settings(dir.path(), serde_json::json!({"recordingPath": "gateway"}));
    let sim = sim().await;
    let desk = Desk::with_data_dir(Some(dir.path()), Some(dir.path()), Arc::new(SystemClock), Arc::new(MemorySecrets::default()));
    talking(&desk, &sim, "rec-5").await;
    desk.start_recording().await.unwrap();
    let view = until(&desk, "recording", |s| rec_state(s) == Some(RecordingState::Recording)).await.recording.unwrap();
    assert!(view.can_stop);
    assert!(sim.gateway.is_recording(291));
    desk.stop_recording().await.unwrap();
    until(&desk, "stopped", |s| rec_state(s) == Some(RecordingState::Off)).await;
    assert!(!sim.gateway.is_recording(291));

    sim.gateway.fail_next_recording(291);
    desk.start_recording().await.unwrap();
    let view = until(&desk, "failed", |s| rec_state(s) == Some(RecordingState::Failed)).await.recording.unwrap();
    assert!(view.reason.unwrap().contains("Record_Fail"));
    let audit: Vec<_> = desk.recording_audit().unwrap().iter().rev().map(|e| (e.action, e.outcome)).collect();
    assert_eq!(
        audit,
        [
            (AuditAction::Start, AuditOutcome::Accepted),
            (AuditAction::Start, AuditOutcome::Confirmed),
            (AuditAction::Stop, AuditOutcome::Accepted),
            (AuditAction::Stop, AuditOutcome::Confirmed),
            (AuditAction::Start, AuditOutcome::Accepted),
            (AuditAction::Start, AuditOutcome::Failed),
        ]
    );
    let csv = std::fs::read_to_string(desk.export_recording_audit(dir.path()).unwrap()).unwrap();
    assert_eq!(csv.lines().count(), 7, "a header and six entries:\n{csv}");
    assert!(csv.lines().nth(1).unwrap().contains(",291,rec-5,gateway,start,accepted,0,"));
}

#[tokio::test]
async fn the_odfs_secret_is_nowhere_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let sim = sim().await;
    let desk = odfs_desk(dir.path(), &sim, "10086", None);
    desk.set_odfs_secret(SECRET).unwrap();
    talking(&desk, &sim, "rec-6").await;
    desk.sign_out().await.ok();
    desk.hang_up().await.ok();
    let desk = {
        // A new session picks the saved secret up.
        desk.sign_in(form(&sim.gateway_url, "291", "pw")).await.ok();
        desk
    };
    let _ = desk.start_recording().await;
    desk.export_recording_audit(dir.path()).unwrap();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(!String::from_utf8_lossy(&bytes).contains(SECRET), "the ODFS secret was written to disk");
    }
    for token in sim.odfs.issued_tokens() {
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap();
            assert!(!String::from_utf8_lossy(&bytes).contains(&token), "an ODFS token was written to disk");
        }
    }
}
