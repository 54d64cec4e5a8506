//! IVR takeover through the desk, against the Era simulator: settings and token, an offer taken,
//! components run with their results in the snapshot, the caller's digits, the audit lines, and
//! the demo's own IVR.

use std::sync::Arc;
use std::time::Duration;

use sidekick_desk::clock::SystemClock;
use sidekick_desk::export::Role;
use sidekick_desk::secrets::{MemorySecrets, SecretStore};
use sidekick_desk::takeover::{ComponentForm, TakeoverLink, TakeoverPhase, TakeoverSession, TakeoverSettings, UploadForm, UploadTarget, TOKEN_ACCOUNT};
use sidekick_desk::{Desk, DeskSnapshot, ErrorCode};
use sidekick_sim::era::OfferScript;

fn session<'a>(s: &'a DeskSnapshot, ivrid: &str) -> Option<&'a TakeoverSession> {
    s.takeover.as_ref()?.sessions.iter().find(|x| x.ivrid == ivrid)
}

fn phase(s: &DeskSnapshot, ivrid: &str) -> Option<TakeoverPhase> {
    session(s, ivrid).map(|x| x.phase)
}

/// A desk of `role` with settings and data in a temporary directory, pointed at the sim's Era.
async fn desk_for(role: Role, url: &str, secrets: Arc<MemorySecrets>) -> (Desk, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let desk = Desk::with_data_dir(Some(dir.path()), Some(dir.path()), Arc::new(SystemClock), secrets);
    desk.set_role(role).await.unwrap();
    desk.save_takeover_settings(TakeoverSettings { url: Some(url.into()), ..Default::default() }).await.unwrap();
    (desk, dir)
}

#[tokio::test]
async fn a_supervisor_takes_a_caller_plays_collects_digits_transfers_and_it_is_audited() {
    let sim = sidekick_sim::spawn(sidekick_sim::Scenario {
        era: sidekick_sim::era::EraRules { play: Duration::from_millis(200), ..Default::default() },
        ..Default::default()
    })
    .await
    .unwrap();
    let secrets = Arc::new(MemorySecrets::default());
    let (desk, _dir) = desk_for(Role::Supervisor, &sim.era_url, secrets.clone()).await;
    assert_eq!(desk.snapshot().takeover, None, "no token yet: not connected");
    let refused = desk.set_era_token("short").await.unwrap_err();
    assert!(refused.to_string().contains("8 characters"), "{refused}");
    let view = desk.set_era_token(&sim.era.rules().token).await.unwrap();
    assert!(view.takeover.token_saved && view.takeover.allowed);
    assert_eq!(secrets.get(TOKEN_ACCOUNT).unwrap().as_deref(), Some(sim.era.rules().token.as_str()));
    let settings_file = std::fs::read_to_string(_dir.path().join("settings.json")).unwrap();
    assert!(!settings_file.contains(&sim.era.rules().token), "the token never goes to the settings file");
    super::until(&desk, "the link to connect", |s| s.takeover.as_ref().is_some_and(|t| t.link == TakeoverLink::Connected)).await;
    // The subscription is in place once connected; offer only then, as a real script would be
    // reached at any time.
    let ivrid = sim.era.offer(OfferScript { key: "k-1".into(), params: r#"{"menu":"billing"}"#.into(), state: Some("dialog".into()), ..Default::default() });
    let snap = super::until(&desk, "the offer", |s| phase(s, &ivrid) == Some(TakeoverPhase::Offered)).await;
    let offered = session(&snap, &ivrid).unwrap();
    assert_eq!(offered.params, r#"{"menu":"billing"}"#);
    assert_eq!(offered.sip_state.as_deref(), Some("dialog"));
    assert!(offered.accept_deadline_ms > offered.offered_ms);

    desk.take_control(&ivrid).await.unwrap();
    assert_eq!(phase(&desk.snapshot(), &ivrid), Some(TakeoverPhase::Controlled));

    desk.run_component(&ivrid, ComponentForm::Play { file: ":SYNC_DOMAIN_DATA/prompts/hello.wav".into() }).await.unwrap();
    let second = desk.run_component(&ivrid, ComponentForm::HangUp).await.unwrap_err();
    assert_eq!(second.code(), ErrorCode::InvalidInput, "one component at a time: {second}");
    let snap = super::until(&desk, "the play to end", |s| {
        session(s, &ivrid).is_some_and(|x| x.phase == TakeoverPhase::Controlled && x.last_component.as_ref().is_some_and(|c| c.o_type == 204))
    })
    .await;
    assert!(!session(&snap, &ivrid).unwrap().last_component.as_ref().unwrap().transfer_key.is_empty());

    desk.run_component(
        &ivrid,
        ComponentForm::CollectDigits { timeout_sec: 10, symbol_timeout_sec: 5, max_symbols: Some(4), interrupt: Some("#".into()) },
    )
    .await
    .unwrap();
    super::until(&desk, "collect digits to run", |s| phase(s, &ivrid) == Some(TakeoverPhase::Running)).await;
    assert!(sim.era.press(&ivrid, "42#"));
    let snap = super::until(&desk, "the digits", |s| {
        session(s, &ivrid).is_some_and(|x| x.last_component.as_ref().is_some_and(|c| c.o_type == 206))
    })
    .await;
    let collected = session(&snap, &ivrid).unwrap();
    assert!(collected.dtmf.contains("42"), "the DTMF strip shows the digits: {collected:?}");
    assert!(collected.last_component.as_ref().unwrap().results.contains("42"), "{collected:?}");

    let raw = desk.run_component(&ivrid, ComponentForm::Raw { json: "{\"name\": 1}".into() }).await.unwrap_err();
    assert!(raw.to_string().contains("oType"), "{raw}");
    desk.run_component(&ivrid, ComponentForm::Transfer { number: "1002".into() }).await.unwrap();
    let snap = super::until(&desk, "the transfer to end the session", |s| phase(s, &ivrid) == Some(TakeoverPhase::Stopped)).await;
    let ended = session(&snap, &ivrid).unwrap();
    assert!(ended.reason.is_some(), "{ended:?}");
    let after = desk.run_component(&ivrid, ComponentForm::HangUp).await.unwrap_err();
    assert!(after.to_string().contains("ended"), "{after}");
    let applied: Vec<i64> = sim.era.session(&ivrid).unwrap().components.iter().map(|c| c.o_type).collect();
    assert_eq!(applied, vec![204, 206, 203], "what the platform ran");

    let audit = desk.export_audit().unwrap();
    let take = audit.iter().find(|e| e.action == "IVR take control").expect("a takeover line");
    assert_eq!(take.result, "ok");
    assert!(take.detail.contains(&ivrid));
}

#[tokio::test]
async fn hand_back_is_audited_and_a_second_desk_loses_the_race() {
    let sim = sidekick_sim::spawn(sidekick_sim::Scenario::default()).await.unwrap();
    let token = sim.era.rules().token.clone();
    let (a, _da) = desk_for(Role::Supervisor, &sim.era_url, Arc::new(MemorySecrets::default())).await;
    let (b, _db) = desk_for(Role::Agent, &sim.era_url, Arc::new(MemorySecrets::default())).await;
    a.set_era_token(&token).await.unwrap();
    let agent = b.set_era_token(&token).await.unwrap();
    assert!(!agent.takeover.allowed, "an agent may not take over unless the administrator allows it");
    assert_eq!(b.snapshot().takeover, None);
    let mut allow = b.settings().takeover.settings;
    allow.agents_allowed = true;
    b.save_takeover_settings(allow).await.unwrap();
    for d in [&a, &b] {
        super::until(d, "connected", |s| s.takeover.as_ref().is_some_and(|t| t.link == TakeoverLink::Connected)).await;
    }
    let ivrid = sim.era.offer(OfferScript::default());
    for d in [&a, &b] {
        super::until(d, "the offer", |s| phase(s, &ivrid) == Some(TakeoverPhase::Offered)).await;
    }
    let (ra, rb) = tokio::join!(a.take_control(&ivrid), b.take_control(&ivrid));
    assert!(ra.is_ok() != rb.is_ok(), "exactly one wins: {ra:?} {rb:?}");
    let (winner, loser, lost) = if ra.is_ok() { (&a, &b, rb) } else { (&b, &a, ra) };
    let lost = lost.unwrap_err();
    assert_eq!(lost.code(), ErrorCode::GatewayRefused, "the platform's refusal: {lost}");
    let line = loser.export_audit().unwrap().into_iter().find(|e| e.action == "IVR take control").unwrap();
    assert_ne!(line.result, "ok", "the lost race is audited with the refusal");

    winner.hand_back(&ivrid).await.unwrap();
    super::until(winner, "released", |s| matches!(phase(s, &ivrid), Some(TakeoverPhase::Released | TakeoverPhase::Stopped))).await;
    let line = winner.export_audit().unwrap().into_iter().find(|e| e.action == "IVR hand back").unwrap();
    assert_eq!(line.result, "ok");

    // Files: a link with its expiry, an upload to a storage prefix, a bad prefix refused here.
    let ivrid = sim.era.offer(OfferScript::default());
    super::until(&a, "the second offer", |s| phase(s, &ivrid) == Some(TakeoverPhase::Offered)).await;
    a.take_control(&ivrid).await.unwrap();
    let link = a.ivr_file_link(&ivrid, ":TEMP/greeting.wav").await.unwrap();
    assert!(link.url.starts_with("http://127.0.0.1:"), "{link:?}");
    assert!(link.expires_ms > 0);
    let path = a
        .ivr_upload(UploadForm { ivrid: Some(ivrid.clone()), url: "https://files.example.com/a.wav".into(), target: UploadTarget::Static, dest: None })
        .await
        .unwrap();
    assert!(path.starts_with(":SYNC_DOMAIN_DATA"), "{path}");
    let bad = a
        .ivr_upload(UploadForm { ivrid: Some(ivrid), url: "https://files.example.com/a.wav".into(), target: UploadTarget::Static, dest: Some(":NOPE/x".into()) })
        .await
        .unwrap_err();
    assert_eq!(bad.code(), ErrorCode::InvalidInput, "{bad}");
}

#[tokio::test]
async fn the_demo_offers_its_own_callers_to_a_supervisor() {
    let dir = tempfile::tempdir().unwrap();
    let desk = Desk::with_data_dir(Some(dir.path()), Some(dir.path()), Arc::new(SystemClock), Arc::new(MemorySecrets::default()));
    desk.set_role(Role::Supervisor).await.unwrap();
    desk.start_demo().await.unwrap();
    assert!(desk.settings().takeover.demo);
    let snap = super::until(&desk, "the demo's offer", |s| s.takeover.as_ref().is_some_and(|t| t.sessions.iter().any(|x| x.phase == TakeoverPhase::Offered))).await;
    let ivrid = snap.takeover.unwrap().sessions[0].ivrid.clone();
    desk.take_control(&ivrid).await.unwrap();
    desk.run_component(&ivrid, ComponentForm::CollectDigits { timeout_sec: 10, symbol_timeout_sec: 5, max_symbols: None, interrupt: Some("#".into()) })
        .await
        .unwrap();
    let snap = super::until(&desk, "the demo caller's digits", |s| {
        session(s, &ivrid).is_some_and(|x| x.last_component.as_ref().is_some_and(|c| c.o_type == 206))
    })
    .await;
    assert!(session(&snap, &ivrid).unwrap().dtmf.starts_with("42"), "{:?}", session(&snap, &ivrid));
    // Signing out ends the demo (a demo call in progress is hung up first, as an agent would).
    for _ in 0..100 {
        if desk.sign_out().await.is_ok() {
            break;
        }
        let _ = desk.hang_up().await;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for _ in 0..100 {
        if desk.snapshot().takeover.is_none() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(desk.snapshot().takeover, None, "the demo's IVR ends with the demo");
    assert!(!desk.settings().takeover.demo);
}
