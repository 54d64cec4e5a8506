//! The desk against the simulator: sign-in, the call model fed by real long polls, session loss.

use std::sync::Arc;
use std::time::Duration;

use sidekick_desk::clock::SystemClock;
use sidekick_desk::secrets::{MemorySecrets, SecretStore};
use sidekick_desk::*;
use sidekick_sim::gateway::CallScript;

mod crash;
mod export;
mod faults;
mod interactive;
mod notes;
mod policy;
mod recording;
mod takeover;
mod update;

async fn sim() -> sidekick_sim::SimHandle {
    sidekick_sim::spawn(sidekick_sim::Scenario {
        agents: vec![(291, "pw".into())],
        gateway: sidekick_sim::gateway::GatewayRules { poll_wait: Duration::from_millis(300), ..Default::default() },
        ..Default::default()
    })
    .await
    .unwrap()
}

fn desk() -> Desk {
    Desk::new(None, Arc::new(SystemClock), Arc::new(MemorySecrets::default()))
}

fn form(url: &str, agent: &str, password: &str) -> SignInForm {
    SignInForm { gateway_url: url.into(), agent_id: agent.into(), password: password.into(), phone_number: "40038".into(), remember: false, force: false }
}

/// Waits (real time, bounded) for a snapshot that satisfies `pred`.
async fn until(desk: &Desk, what: &str, pred: impl Fn(&DeskSnapshot) -> bool) -> DeskSnapshot {
    let mut rx = desk.subscribe();
    let wait = async {
        loop {
            let snap = rx.borrow_and_update().clone();
            if pred(&snap) {
                return snap;
            }
            if rx.changed().await.is_err() {
                panic!("desk dropped while waiting for {what}");
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), wait).await.unwrap_or_else(|_| panic!("timed out waiting for {what}: {:?}", desk.snapshot()))
}

fn call_state(s: &DeskSnapshot) -> Option<CallState> {
    s.call.as_ref().map(|c| c.state)
}

#[tokio::test]
async fn follows_a_scripted_call_from_ringing_to_ended() {
    let sim = sim().await;
    let desk = desk();
    let snap = desk.sign_in(form(&sim.gateway_url, "291", "pw")).await.unwrap();
    assert_eq!(snap.session.phase, SessionPhase::SignedIn);
    assert_eq!(snap.session.health, Health::Connected);
    until(&desk, "agent ready", |s| s.session.agent_state == AgentState::Ready).await;

    sim.gateway.play_inbound_call(
        291,
        CallScript { caller: "13500000001".into(), called: "40038".into(), call_id: Some("c-1".into()), ring_ms: 300, talk_ms: 300, auto_answer: true },
    );
    let ringing = until(&desk, "ringing", |s| call_state(s) == Some(CallState::Ringing)).await;
    let call = ringing.call.unwrap();
    assert_eq!((call.call_id.as_str(), call.caller.as_str(), call.callee.as_str()), ("c-1", "13500000001", "40038"));
    assert_eq!(call.direction, Direction::Inbound);
    let talking = until(&desk, "talking", |s| call_state(s) == Some(CallState::Talking)).await;
    assert!(talking.call.unwrap().answered_at_ms.is_some());
    assert_eq!(talking.session.agent_state, AgentState::Busy);
    let ended = until(&desk, "ended", |s| call_state(s) == Some(CallState::Ended)).await;
    assert_eq!(ended.call.unwrap().ended_by, Some(EndedBy::Customer), "the scripted caller hangs up first");
    until(&desk, "ready again", |s| s.session.agent_state == AgentState::Ready).await;

    desk.sign_out().await.unwrap();
    assert_eq!(desk.snapshot().session.phase, SessionPhase::SignedOut);
    assert!(!sim.gateway.is_signed_in(291), "sign-out reached the gateway");
}

/// An idle desk: each long poll that runs out with nothing moves "last contact" but publishes no
/// snapshot (every snapshot wakes the window), while an event still publishes at once.
#[tokio::test]
async fn an_empty_poll_answer_moves_last_contact_without_publishing() {
    let sim = sim().await;
    let desk = desk();
    desk.sign_in(form(&sim.gateway_url, "291", "pw")).await.unwrap();
    until(&desk, "agent ready", |s| s.session.agent_state == AgentState::Ready).await;
    // The sign-in's events are read; what follows is polls running out (300 ms each here).
    tokio::time::sleep(Duration::from_millis(700)).await;
    let mut rx = desk.subscribe();
    rx.borrow_and_update();
    let seen = desk.snapshot();
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    assert!(!rx.has_changed().unwrap(), "no snapshot was published for empty answers");
    let now = desk.snapshot();
    assert_eq!(now.revision, seen.revision);
    assert!(
        now.session.last_contact_ms.unwrap() > seen.session.last_contact_ms.unwrap(),
        "last contact moved: {:?} then {:?}",
        seen.session.last_contact_ms,
        now.session.last_contact_ms
    );
    sim.gateway.play_inbound_call(291, CallScript { caller: "5".into(), called: "6".into(), call_id: None, ring_ms: 500, talk_ms: 100, auto_answer: false });
    let ringing = until(&desk, "ringing", |s| call_state(s) == Some(CallState::Ringing)).await;
    assert!(ringing.revision > seen.revision);
    assert!(ringing.session.last_contact_ms >= now.session.last_contact_ms);
}

/// The gateway drops the session (100-006, as after the 2-minute rule) in the middle of a call:
/// the desk signs in again by itself, says so in one line, and the call card stays.
#[tokio::test]
async fn recovers_by_itself_when_the_gateway_drops_the_session_mid_call() {
    let sim = sim().await;
    let desk = desk();
    desk.sign_in(form(&sim.gateway_url, "291", "pw")).await.unwrap();
    sim.gateway.play_inbound_call(
        291,
        CallScript { caller: "13500000001".into(), called: "40038".into(), call_id: Some("c-7".into()), ring_ms: 100, talk_ms: 2500, auto_answer: true },
    );
    until(&desk, "talking", |s| call_state(s) == Some(CallState::Talking)).await;
    sim.gateway.kick(291);
    let restored = until(&desk, "restored", |s| s.session.notice.as_ref().is_some_and(|n| n.code == ErrorCode::SessionRestored)).await;
    assert_eq!(restored.session.phase, SessionPhase::SignedIn);
    assert_eq!(restored.session.health, Health::Connected);
    assert!(restored.session.notice.as_ref().unwrap().message.contains("100-006"), "the one line says what happened");
    assert_eq!(call_state(&restored), Some(CallState::Talking), "the call card survives the recovery");
    assert!(sim.gateway.is_signed_in(291), "the agent is signed in on the gateway again");
    // The call's remaining events reach the new session.
    until(&desk, "the call ends", |s| call_state(s) == Some(CallState::Ended)).await;
}

/// A DR switchover or gateway restart invalidates the Guid while the gateway still holds the
/// session: the desk's sign-in gets 100-002 and takes its own session over with forcelogin.
#[tokio::test]
async fn recovers_from_an_invalidated_guid_with_a_forced_sign_in() {
    let sim = sim().await;
    let desk = desk();
    desk.sign_in(form(&sim.gateway_url, "291", "pw")).await.unwrap();
    until(&desk, "agent ready", |s| s.session.agent_state == AgentState::Ready).await;
    sim.gateway.invalidate_guid(291);
    let restored = until(&desk, "restored", |s| s.session.notice.as_ref().is_some_and(|n| n.code == ErrorCode::SessionRestored)).await;
    assert!(restored.session.notice.unwrap().message.contains("000-003"));
    sim.gateway.play_inbound_call(291, CallScript { caller: "5".into(), called: "6".into(), call_id: None, ring_ms: 100, talk_ms: 100, auto_answer: true });
    until(&desk, "a call after recovery", |s| call_state(s) == Some(CallState::Ringing)).await;
}

/// The agent hangs up in the moment the gateway stopped accepting the Guid, before the poll loop
/// has noticed: the hang-up is refused (000-003), waits for the poll loop to sign in again, and
/// goes once more, so the call ends and the agent sees no error.
#[tokio::test]
async fn a_hang_up_refused_for_its_session_goes_again_once_the_session_is_back() {
    let sim = sim().await;
    let desk = desk();
    desk.sign_in(form(&sim.gateway_url, "291", "pw")).await.unwrap();
    sim.gateway.play_inbound_call(
        291,
        CallScript { caller: "13500000001".into(), called: "40038".into(), call_id: Some("c-9".into()), ring_ms: 100, talk_ms: 60_000, auto_answer: true },
    );
    until(&desk, "talking", |s| call_state(s) == Some(CallState::Talking)).await;
    let before = sim.gateway.issued_guids(291).len();
    sim.gateway.invalidate_guid_silently(291);
    let snap = desk.hang_up().await.expect("the hang-up goes through once the session is back");
    assert!(sim.gateway.issued_guids(291).len() > before, "the session was brought back with a new Guid");
    assert!(snap.session.notice.as_ref().is_none_or(|n| n.code != ErrorCode::SessionLost), "{:?}", snap.session.notice);
    until(&desk, "the call ends", |s| call_state(s) == Some(CallState::Ended)).await;
}

/// When signing in again is refused for a reason a person must fix, the agent is told loudly.
#[tokio::test]
async fn a_refused_re_sign_in_ends_the_session_loudly() {
    let sim = sim().await;
    let desk = desk();
    desk.sign_in(form(&sim.gateway_url, "291", "pw")).await.unwrap();
    sim.gateway.add_agent(291, "changed-by-admin");
    sim.gateway.kick(291);
    let lost = until(&desk, "lost", |s| s.session.health == Health::Lost).await;
    assert_eq!(lost.session.phase, SessionPhase::SignedOut);
    let notice = lost.session.notice.expect("the agent is told why");
    assert_eq!(notice.code, ErrorCode::SessionLost);
    assert!(notice.message.contains("100-006") && notice.message.contains("wrong agent id or password"), "{}", notice.message);
}

#[tokio::test]
async fn bad_configuration_gets_clear_errors_and_no_session() {
    let sim = sim().await;
    let desk = desk();
    let cases = [
        (form(&sim.gateway_url, "100", "pw"), ErrorCode::InvalidInput, "101 to 999999"),
        (form(&sim.gateway_url, "1000000", "pw"), ErrorCode::InvalidInput, "101 to 999999"),
        (form(&sim.gateway_url, "abc", "pw"), ErrorCode::InvalidInput, "must be a number"),
        (form(&sim.gateway_url, "291", ""), ErrorCode::InvalidInput, "password"),
        (form(&sim.gateway_url, "291", &"x".repeat(33)), ErrorCode::InvalidInput, "at most 32"),
        (form("", "291", "pw"), ErrorCode::InvalidInput, "gateway address"),
        (form("cc.example.com:8043", "291", "pw"), ErrorCode::InvalidInput, "https://"),
        (form("http://cc.example.com:8043", "291", "pw"), ErrorCode::InvalidInput, "https://"),
        (form(&sim.gateway_url, "291", "wrong"), ErrorCode::GatewayRefused, "wrong agent id or password"),
    ];
    for (f, code, needle) in cases {
        let e = desk.sign_in(f.clone()).await.unwrap_err();
        assert_eq!(e.code(), code, "{f:?}: {e}");
        assert!(e.to_string().contains(needle), "{f:?}: message {e:?} should mention {needle:?}");
        let snap = desk.snapshot();
        assert_eq!(snap.session.phase, SessionPhase::SignedOut);
        assert_eq!(snap.session.agent_id, None, "a failed sign-in does not show an agent as if signed in");
        assert_eq!(snap.session.notice.map(|n| n.code), Some(code), "the snapshot carries the same reason");
    }
    let mut long_phone = form(&sim.gateway_url, "291", "pw");
    long_phone.phone_number = "1".repeat(25);
    assert!(desk.sign_in(long_phone).await.unwrap_err().to_string().contains("at most 24"));

    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let e = desk.sign_in(form(&format!("http://127.0.0.1:{port}"), "291", "pw")).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::GatewayUnreachable);
    assert!(e.to_string().starts_with("Cannot connect to the gateway"), "{e}");
}

/// Signed in elsewhere: the plain sign-in says so with its own code (the UI asks the agent), and
/// the confirmed forced sign-in takes the session over; the other desk is told it lost it.
#[tokio::test]
async fn sign_in_elsewhere_is_asked_then_taken_over() {
    let sim = sim().await;
    let elsewhere = desk();
    elsewhere.sign_in(form(&sim.gateway_url, "291", "pw")).await.unwrap();
    let here = desk();
    let e = here.sign_in(form(&sim.gateway_url, "291", "pw")).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::AlreadySignedIn);
    assert!(e.to_string().contains("already signed in elsewhere"), "{e}");
    let mut force = form(&sim.gateway_url, "291", "pw");
    force.force = true;
    here.sign_in(force).await.unwrap();
    until(&here, "ready here", |s| s.session.agent_state == AgentState::Ready).await;
    // The other desk is told it was signed out, and does not fight back: the take-over was the
    // agent's own decision.
    let lost = until(&elsewhere, "the other desk is told", |s| s.session.health == Health::Lost).await;
    assert_eq!(lost.session.phase, SessionPhase::SignedOut);
    assert!(lost.session.notice.unwrap().message.contains("signed in from another place"));
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(here.snapshot().session.health, Health::Connected, "the desk that took over keeps the session");
    assert!(here.snapshot().session.notice.is_none(), "and was never bounced: {:?}", here.snapshot().session.notice);
}

#[tokio::test]
/// The demo signs in its agent and plays calls. (How soon the first one rings is a figure the test
/// prints, not an assertion: timings are measured, not asserted.)
async fn demo_signs_in_and_plays_calls() {
    let desk = desk();
    let started = std::time::Instant::now();
    let snap = desk.start_demo().await.unwrap();
    assert!(snap.session.demo);
    until(&desk, "a demo call ringing", |s| call_state(s) == Some(CallState::Ringing)).await;
    println!("demo: first call ringing {} ms after start_demo", started.elapsed().as_millis());
    let talking = until(&desk, "the demo call answered", |s| call_state(s) == Some(CallState::Talking)).await;
    assert_eq!(talking.session.agent_id, Some(1001));
}

#[tokio::test]
async fn settings_remember_sign_in_details_but_never_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let sim = sim().await;
    sim.gateway.add_agent(291, "pw-never-stored");
    let desk = Desk::new(Some(dir.path()), Arc::new(SystemClock), Arc::new(MemorySecrets::default()));
    desk.sign_in(form(&sim.gateway_url, "291", "pw-never-stored")).await.unwrap();
    let s = desk.settings();
    assert_eq!((s.agent_id, s.phone_number.as_deref()), (Some(291), Some("40038")));
    let file = std::fs::read_to_string(dir.path().join("settings.json")).unwrap();
    assert!(!file.contains("pw-never-stored"), "the password must never reach disk");
    desk.set_language(Language::Ru).unwrap();
    let reopened = Desk::new(Some(dir.path()), Arc::new(SystemClock), Arc::new(MemorySecrets::default()));
    assert_eq!(reopened.settings().language, Language::Ru);
}

/// The agent works a call from the desk: answer, hold, take back, hang up; each state shows
/// only once the gateway's event confirms it, and the allowed actions follow.
#[tokio::test]
async fn the_agent_answers_holds_resumes_and_hangs_up() {
    let sim = sim().await;
    let desk = desk();
    desk.sign_in(form(&sim.gateway_url, "291", "pw")).await.unwrap();
    until(&desk, "ready", |s| s.session.agent_state == AgentState::Ready).await;
    let e = desk.answer_call().await.unwrap_err();
    assert_eq!((e.code(), e.to_string().as_str()), (ErrorCode::InvalidInput, "There is no ringing call to answer"));

    sim.gateway.play_inbound_call(
        291,
        CallScript { caller: "13500000001".into(), called: "40038".into(), call_id: Some("c-9".into()), ring_ms: 30_000, talk_ms: 30_000, auto_answer: false },
    );
    let ringing = until(&desk, "ringing", |s| call_state(s) == Some(CallState::Ringing)).await;
    assert!(ringing.call.unwrap().actions.answer);
    assert!(!ringing.session.can_change_state, "no state change while a call is up");
    assert!(desk.hold_call().await.is_err(), "a ringing call cannot be held");

    desk.answer_call().await.unwrap();
    let talking = until(&desk, "talking", |s| call_state(s) == Some(CallState::Talking)).await;
    assert_eq!(talking.call.unwrap().actions, CallActions { hold: true, hang_up: true, ..Default::default() });
    desk.hold_call().await.unwrap();
    until(&desk, "held", |s| call_state(s) == Some(CallState::Held)).await;
    desk.unhold_call().await.unwrap();
    until(&desk, "talking again", |s| call_state(s) == Some(CallState::Talking)).await;
    desk.hang_up().await.unwrap();
    let ended = until(&desk, "ended", |s| call_state(s) == Some(CallState::Ended)).await;
    assert_eq!(ended.call.unwrap().ended_by, Some(EndedBy::Agent));
    let ready = until(&desk, "ready after the call", |s| s.session.agent_state == AgentState::Ready).await;
    assert!(ready.session.can_change_state);
}

#[tokio::test]
async fn state_changes_are_confirmed_by_the_gateway() {
    let sim = sim().await;
    let desk = desk();
    desk.sign_in(form(&sim.gateway_url, "291", "pw")).await.unwrap();
    until(&desk, "ready", |s| s.session.can_change_state && s.session.agent_state == AgentState::Ready).await;
    let steps = [
        (StateChoice::NotReady { reason: Some(205) }, AgentState::NotReady),
        (StateChoice::NotReady { reason: Some(206) }, AgentState::NotReady),
        (StateChoice::Ready, AgentState::Ready),
        (StateChoice::Rest { minutes: 15 }, AgentState::Rest),
        (StateChoice::Ready, AgentState::Ready),
        (StateChoice::WrapUp, AgentState::WrapUp),
        (StateChoice::Ready, AgentState::Ready),
    ];
    for (choice, expected) in steps {
        desk.set_agent_state(choice).await.unwrap_or_else(|e| panic!("{choice:?}: {e}"));
        until(&desk, &format!("{expected:?} after {choice:?}"), |s| s.session.agent_state == expected).await;
    }
    let e = desk.set_agent_state(StateChoice::Rest { minutes: 0 }).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput);
    assert!(e.to_string().contains("1 to 1439 minutes"), "{e}");
    let e = desk.set_agent_state(StateChoice::NotReady { reason: Some(199) }).await.unwrap_err();
    assert!(e.to_string().contains("200 to 250"), "the range is checked before sending: {e}");
    desk.sign_out().await.unwrap();
    assert_eq!(desk.set_agent_state(StateChoice::Ready).await.unwrap_err().code(), ErrorCode::NotSignedIn);
}

/// A signed-in shift (paused tokio time, 6 minutes per fault) through every fault the gateway
/// simulator injects: 5xx bursts, connection resets, 40 s delays, internal errors, a dropped
/// session and a 90 s DR switchover. The desk keeps requests reaching the gateway with no gap near the 2-minute
/// sign-out rule, and ends the half hour signed in and healthy without the agent doing anything.
#[tokio::test(start_paused = true)]
async fn no_two_minute_gap_through_injected_faults() {
    use sidekick_sim::gateway::Fault;
    let sim = sidekick_sim::spawn(sidekick_sim::Scenario { agents: vec![(291, "pw".into())], ..Default::default() }).await.unwrap();
    let desk = desk();
    desk.sign_in(form(&sim.gateway_url, "291", "pw")).await.unwrap();
    let g = &sim.gateway;
    let mut worst = Duration::ZERO;
    let mut note_gap = || {
        if let Some(gap) = g.max_request_gap(291) {
            worst = worst.max(gap);
        }
    };
    let phases: [(&str, &dyn Fn()); 6] = [
        ("HTTP 502 burst", &|| g.inject(Fault::Status(502), 8)),
        ("connection resets", &|| g.inject(Fault::Reset, 6)),
        ("40 s delays", &|| g.inject(Fault::Delay(Duration::from_secs(40)), 3)),
        ("internal errors", &|| g.inject(Fault::Retcode("100-007".into()), 10)),
        ("session dropped", &|| g.inject(Fault::Retcode("100-006".into()), 1)),
        ("DR switchover", &|| g.dr_switchover(Duration::from_secs(90))),
    ];
    for (name, inject) in phases {
        inject();
        for _ in 0..36 {
            tokio::time::sleep(Duration::from_secs(10)).await;
            note_gap();
        }
        let snap = desk.snapshot();
        assert_eq!(snap.session.phase, SessionPhase::SignedIn, "after {name}: {snap:?}");
        assert_eq!(snap.session.health, Health::Connected, "after {name}: {snap:?}");
        assert!(g.is_signed_in(291), "after {name} the gateway still has the agent");
    }
    println!("longest gap between requests reaching the gateway: {} s", worst.as_secs());
    assert!(worst < Duration::from_secs(120), "the gateway signs out after 2 minutes of silence; worst gap {worst:?}");
}

/// "Remember password": asked once, kept in the keychain (never in settings), used when the field
/// is left empty, dropped when the gateway refuses it, and removable.
#[tokio::test]
async fn a_remembered_password_is_asked_once_and_can_be_forgotten() {
    let dir = tempfile::tempdir().unwrap();
    let sim = sim().await;
    let secrets = Arc::new(MemorySecrets::default());
    let desk = Desk::new(Some(dir.path()), Arc::new(SystemClock), secrets.clone());
    assert!(!desk.settings().password_saved);
    let mut first = form(&sim.gateway_url, "291", "pw");
    first.remember = true;
    desk.sign_in(first).await.unwrap();
    let host = sim.gateway_url.trim_start_matches("http://").trim_end_matches('/').to_owned();
    assert_eq!(secrets.get(&format!("agent 291 @ {host}")).unwrap().as_deref(), Some("pw"), "kept in the keychain");
    assert!(desk.settings().password_saved);
    let file = std::fs::read_to_string(dir.path().join("settings.json")).unwrap();
    assert!(!file.contains("\"pw\"") && !file.contains("passwordSaved"), "nothing about the password on disk: {file}");
    desk.sign_out().await.unwrap();

    // Next time the field stays empty and the keychain fills it.
    desk.sign_in(form(&sim.gateway_url, "291", "")).await.unwrap();
    desk.sign_out().await.unwrap();

    // The administrator changes the password: the saved one is refused, dropped, and the agent is asked.
    sim.gateway.add_agent(291, "new-pw");
    let e = desk.sign_in(form(&sim.gateway_url, "291", "")).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput);
    assert!(e.to_string().contains("saved password was refused"), "{e}");
    assert!(!desk.settings().password_saved, "a refused password is not kept");
    let e = desk.sign_in(form(&sim.gateway_url, "291", "")).await.unwrap_err();
    assert_eq!(e.to_string(), "Enter your agent password");

    let mut again = form(&sim.gateway_url, "291", "new-pw");
    again.remember = true;
    desk.sign_in(again).await.unwrap();
    assert!(desk.settings().password_saved);
    assert!(!desk.forget_password().unwrap().password_saved, "forgotten on request");
}

/// The laptop sleeps for 5 minutes in the middle of a long poll: the wall clock jumps, the
/// connection is dead, and the gateway signed the agent out meanwhile. Sidekick notices the
/// jump, polls again at once, and is signed in again within 5 s — not after the 25 s read
/// timeout of the dead request. (Paused tokio time with a manual wall clock: the jump is exact.)
#[tokio::test(start_paused = true)]
async fn after_a_sleep_the_session_is_back_within_five_seconds() {
    use sidekick_desk::clock::ManualClock;
    use sidekick_sim::gateway::Fault;
    let sim = sim().await;
    let wall = Arc::new(ManualClock::at(1_800_000_000_000));
    let desk = Desk::new(None, wall.clone(), Arc::new(MemorySecrets::default()));
    desk.sign_in(form(&sim.gateway_url, "291", "pw")).await.unwrap();
    until(&desk, "ready", |s| s.session.agent_state == AgentState::Ready).await;
    // The next poll never gets an answer, as on a connection that died when the lid closed.
    sim.gateway.inject(Fault::Delay(Duration::from_secs(3600)), 1);
    tokio::time::sleep(Duration::from_secs(2)).await;
    // Five minutes of sleep: the wall clock moves, the gateway's 2-minute rule signs the agent out.
    wall.advance(5 * 60 * 1000);
    sim.gateway.kick(291);
    let woke_at = tokio::time::Instant::now();
    let restored = until(&desk, "signed in again", |s| {
        s.session.notice.as_ref().is_some_and(|n| n.code == ErrorCode::SessionRestored)
    })
    .await;
    let took = woke_at.elapsed();
    assert!(took <= Duration::from_secs(5), "signed in again {took:?} after waking (virtual time)");
    assert_eq!(restored.session.phase, SessionPhase::SignedIn);
    assert!(sim.gateway.is_signed_in(291));
}

#[tokio::test]
async fn quitting_signs_out_but_never_hangs() {
    let sim = sim().await;
    let desk = desk();
    desk.sign_out_on_quit(Duration::from_secs(3)).await; // not signed in: nothing to do
    desk.sign_in(form(&sim.gateway_url, "291", "pw")).await.unwrap();
    desk.sign_out_on_quit(Duration::from_secs(3)).await;
    assert!(!sim.gateway.is_signed_in(291), "quitting signs the agent out");
}

/// Administrator TLS settings that cannot work are named at sign-in, before anything is sent.
#[tokio::test]
async fn broken_tls_settings_are_named_at_sign_in() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    let desk_with = |settings: &str| {
        std::fs::write(dir.path().join("settings.json"), settings).unwrap();
        Desk::new(Some(dir.path()), Arc::new(SystemClock), Arc::new(MemorySecrets::default()))
    };
    let e = desk_with(r#"{"gatewayCertPin": "12:34"}"#).sign_in(form(&sim.gateway_url, "291", "pw")).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput);
    assert!(e.to_string().contains("Gateway certificate pin") && e.to_string().contains("64 hexadecimal digits"), "{e}");
    let e = desk_with(r#"{"gatewayCaBundle": "/nonexistent/ca.pem"}"#).sign_in(form(&sim.gateway_url, "291", "pw")).await.unwrap_err();
    assert!(e.to_string().contains("/nonexistent/ca.pem"), "the file is named: {e}");
    std::fs::write(dir.path().join("not-pem.txt"), "hello").unwrap();
    let bundle = dir.path().join("not-pem.txt");
    let e = desk_with(&format!(r#"{{"gatewayCaBundle": {:?}}}"#, bundle)).sign_in(form(&sim.gateway_url, "291", "pw")).await.unwrap_err();
    assert!(e.to_string().contains("no PEM certificate"), "{e}");
    assert!(!sim.gateway.is_signed_in(291), "nothing was sent");
}

/// An administrator's `platformOnlySignIn` makes the desk sign in with `loginex`.
#[tokio::test]
async fn platform_only_sign_in_is_an_admin_choice() {
    let sim = sim().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("settings.json"), r#"{"platformOnlySignIn": true}"#).unwrap();
    let desk = Desk::new(Some(dir.path()), Arc::new(SystemClock), Arc::new(MemorySecrets::default()));
    desk.sign_in(form(&sim.gateway_url, "291", "pw")).await.unwrap();
    until(&desk, "ready", |s| s.session.agent_state == AgentState::Ready).await;
    assert_eq!(sim.gateway.sign_in_paths(291), ["loginex"], "the platform-only path was used");
    sim.gateway.kick(291);
    until(&desk, "restored", |s| s.session.notice.as_ref().is_some_and(|n| n.code == ErrorCode::SessionRestored)).await;
    assert_eq!(sim.gateway.sign_in_paths(291), ["loginex", "loginex"], "signing in again uses the same path");
}

/// AUTHMODE 2 with the vendor's timing (a new Guid every 60 s, each accepted for 120 s), paused
/// tokio time: over 11 virtual minutes the desk follows at least 10 rotations and never needs a
/// second sign-in.
#[tokio::test(start_paused = true)]
async fn guid_rotation_is_followed_across_ten_rotations() {
    let sim = sidekick_sim::spawn(sidekick_sim::Scenario { agents: vec![(291, "pw".into())], ..Default::default() }).await.unwrap();
    let desk = desk();
    desk.sign_in(form(&sim.gateway_url, "291", "pw")).await.unwrap();
    for _ in 0..66 {
        tokio::time::sleep(Duration::from_secs(10)).await;
        assert_eq!(desk.snapshot().session.health, Health::Connected, "{:?}", desk.snapshot());
    }
    let rotations = sim.gateway.guid_rotations(291);
    println!("Guid rotations followed: {rotations}");
    assert!(rotations >= 10, "only {rotations} rotations in 11 minutes");
    assert_eq!(sim.gateway.sign_in_paths(291), vec!["login"], "the session was never lost");
    assert!(desk.snapshot().session.notice.is_none());
}

/// `000-003` with a Guid the gateway still knows: `updateGuid` gets a fresh one and the session
/// goes on, with no new sign-in and nothing for the agent to read.
#[tokio::test]
async fn a_refused_guid_is_refreshed_before_signing_in_again() {
    use sidekick_sim::gateway::Fault;
    let sim = sim().await;
    let desk = desk();
    desk.sign_in(form(&sim.gateway_url, "291", "pw")).await.unwrap();
    until(&desk, "ready", |s| s.session.agent_state == AgentState::Ready).await;
    sim.gateway.inject(Fault::Retcode("000-003".into()), 1);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while sim.gateway.guid_refreshes(291) == 0 {
        assert!(tokio::time::Instant::now() < deadline, "no updateGuid within 10 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(sim.gateway.sign_in_paths(291), vec!["login"]);
    let snap = desk.snapshot();
    assert_eq!((snap.session.phase, snap.session.health), (SessionPhase::SignedIn, Health::Connected));
    assert!(snap.session.notice.is_none(), "{snap:?}");
}

/// The gateway's clock jumps 5 minutes (its host's clock set, or its VM paused): every Guid is
/// past its lifetime and the 2-minute rule has signed the agent out. The desk signs in again
/// within 5 s and keeps the call card.
#[tokio::test(start_paused = true)]
async fn a_gateway_clock_jump_is_recovered_within_five_seconds_with_the_call_kept() {
    let sim = sidekick_sim::spawn(sidekick_sim::Scenario { agents: vec![(291, "pw".into())], ..Default::default() }).await.unwrap();
    let desk = desk();
    desk.sign_in(form(&sim.gateway_url, "291", "pw")).await.unwrap();
    sim.gateway.play_inbound_call(
        291,
        CallScript { caller: "13500000001".into(), called: "40038".into(), call_id: Some("1-clock".into()), ring_ms: 500, talk_ms: 600_000, auto_answer: true },
    );
    until(&desk, "talking", |s| call_state(s) == Some(CallState::Talking)).await;
    sim.gateway.clock_jump(Duration::from_secs(300));
    let jumped_at = tokio::time::Instant::now();
    let restored = until(&desk, "signed in again", |s| {
        s.session.notice.as_ref().is_some_and(|n| n.code == ErrorCode::SessionRestored)
    })
    .await;
    let took = jumped_at.elapsed();
    println!("signed in again {} ms after the gateway's clock jumped", took.as_millis());
    assert!(took <= Duration::from_secs(5), "took {took:?}");
    assert_eq!(restored.session.phase, SessionPhase::SignedIn);
    let call = until(&desk, "call card back", |s| call_state(s) == Some(CallState::Talking)).await.call.unwrap();
    assert_eq!(call.call_id, "1-clock");
}

/// The administrator's not-ready reasons reach the session (codes outside 200–250 skipped), and
/// the chosen code is what the gateway confirms.
#[tokio::test]
async fn configured_busy_reasons_are_offered_and_sent() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("settings.json"),
        r#"{"busyReasons":[{"code":201,"label":"Training"},{"code":199,"label":"Bad"},{"code":250,"label":"Coaching"}]}"#,
    )
    .unwrap();
    let sim = sim().await;
    let desk = Desk::new(Some(dir.path()), Arc::new(SystemClock), Arc::new(MemorySecrets::default()));
    let snap = desk.sign_in(form(&sim.gateway_url, "291", "pw")).await.unwrap();
    let codes: Vec<u8> = snap.session.busy_reasons.iter().map(|r| r.code).collect();
    assert_eq!(codes, vec![201, 250]);
    until(&desk, "ready", |s| s.session.agent_state == AgentState::Ready).await;
    desk.set_agent_state(StateChoice::NotReady { reason: Some(250) }).await.unwrap();
    until(&desk, "not ready", |s| s.session.agent_state == AgentState::NotReady).await;
    assert_eq!(sim.gateway.busy_reason(291), Some(250), "the gateway got the chosen code");
}
