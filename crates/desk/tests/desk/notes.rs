//! Notes on a call: saved sealed, delivered as call data, confirmed, kept through outages.

use std::sync::Arc;
use std::time::Duration;

use sidekick_calldata::{Key, NotesDocument};
use sidekick_desk::clock::SystemClock;
use sidekick_desk::notes::{Delivery, KEY_ACCOUNT};
use sidekick_desk::secrets::{MemorySecrets, SecretStore};
use sidekick_desk::*;
use sidekick_sim::gateway::CallScript;

use super::{call_state, form, sim, until};

const KEY_HEX: &str = "2b7e151628aed2a6abf7158809cf4f3c";

fn key() -> Key {
    Key::parse(KEY_HEX).unwrap()
}

fn desk_with_key(data_dir: Option<&std::path::Path>) -> Desk {
    let secrets = Arc::new(MemorySecrets::default());
    secrets.set(KEY_ACCOUNT, KEY_HEX).unwrap();
    Desk::with_data_dir(None, data_dir, Arc::new(SystemClock), secrets)
}

/// Signs in and plays a call that stays connected for 10 minutes.
async fn on_a_call(desk: &Desk, sim: &sidekick_sim::SimHandle, call_id: &str) {
    desk.sign_in(form(&sim.gateway_url, "291", "pw")).await.unwrap();
    sim.gateway.play_inbound_call(
        291,
        CallScript { caller: "13500000001".into(), called: "40038".into(), call_id: Some(call_id.into()), ring_ms: 200, talk_ms: 600_000, auto_answer: true },
    );
    until(desk, "talking", |s| call_state(s) == Some(CallState::Talking)).await;
}

fn deliveries(s: &DeskSnapshot) -> Vec<Delivery> {
    s.notes.as_ref().map(|n| n.notes.iter().map(|n| n.delivery).collect()).unwrap_or_default()
}

/// What the gateway holds for the call, opened with the deployment key.
fn gateway_document(sim: &sidekick_sim::SimHandle, call_id: &str) -> Option<NotesDocument> {
    use base64::Engine;
    let bytes = sim.gateway.call_data(call_id)?;
    let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
    Some(NotesDocument::open(&key(), &b64).expect("the gateway holds a document Sidekick sealed"))
}

#[tokio::test]
async fn a_note_is_attached_to_the_live_call_and_confirmed() {
    let sim = sim().await;
    let desk = desk_with_key(None);
    on_a_call(&desk, &sim, "1-note").await;
    let text = "Wants a refund — заказ №42, \"urgent\"\nsecond line";
    desk.attach_note("1-note", text.into()).await.unwrap();
    let snap = until(&desk, "confirmed", |s| deliveries(s) == [Delivery::Confirmed]).await;
    let notes = snap.notes.unwrap();
    assert_eq!(notes.notes[0].text, text);
    assert_eq!(notes.notes[0].author, 291);
    let doc = gateway_document(&sim, "1-note").unwrap();
    assert_eq!(doc.call_id, "1-note");
    assert_eq!(doc.notes.len(), 1);
    assert_eq!(doc.notes[0].text, text, "the call carries the note exactly as typed");
    assert_eq!(doc.notes[0].author, "291");

    desk.attach_note("1-note", "Second note".into()).await.unwrap();
    until(&desk, "both confirmed", |s| deliveries(s) == [Delivery::Confirmed, Delivery::Confirmed]).await;
    let doc = gateway_document(&sim, "1-note").unwrap();
    let texts: Vec<&str> = doc.notes.iter().map(|n| n.text.as_str()).collect();
    assert_eq!(texts, [text, "Second note"], "each set carries every note of the call, in order");
}

#[tokio::test]
async fn notes_wait_out_a_gateway_outage_and_go_by_themselves() {
    let sim = sim().await;
    let desk = desk_with_key(None);
    on_a_call(&desk, &sim, "1-outage").await;
    sim.gateway.set_call_data_failure_rate(1.0);
    desk.attach_note("1-outage", "one".into()).await.unwrap();
    desk.attach_note("1-outage", "two".into()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let snap = desk.snapshot();
    assert!(deliveries(&snap).iter().all(|d| d.is_open()), "nothing confirmed while the gateway fails: {:?}", snap.notes);
    assert!(
        snap.notes.unwrap().notes[0].reason.as_deref().is_some_and(|r| r.starts_with("Retrying")),
        "the card says it is retrying"
    );
    sim.gateway.set_call_data_failure_rate(0.0);
    // The backoff is at most 20 s; the test waits up to 30.
    let mut rx = desk.subscribe();
    tokio::time::timeout(Duration::from_secs(30), async {
        while deliveries(&rx.borrow_and_update()) != [Delivery::Confirmed, Delivery::Confirmed] {
            rx.changed().await.unwrap();
        }
    })
    .await
    .expect("delivered once the gateway works again");
    let doc = gateway_document(&sim, "1-outage").unwrap();
    assert_eq!(doc.notes.iter().map(|n| n.text.as_str()).collect::<Vec<_>>(), ["one", "two"]);
}

#[tokio::test]
async fn a_note_typed_after_the_call_is_kept_but_not_attached() {
    let sim = sim().await;
    let desk = desk_with_key(None);
    desk.sign_in(form(&sim.gateway_url, "291", "pw")).await.unwrap();
    sim.gateway.play_inbound_call(
        291,
        CallScript { caller: "1".into(), called: "2".into(), call_id: Some("1-short".into()), ring_ms: 100, talk_ms: 300, auto_answer: true },
    );
    until(&desk, "ended", |s| call_state(s) == Some(CallState::Ended)).await;
    desk.attach_note("1-short", "Callback tomorrow".into()).await.unwrap();
    let snap = desk.snapshot();
    let n = &snap.notes.as_ref().unwrap().notes[0];
    assert_eq!(n.delivery, Delivery::NotAttached);
    assert!(n.reason.as_deref().unwrap().contains("after the call ended"));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sim.gateway.call_data_sets("1-short"), 0, "nothing is sent for an ended call");
    let history = desk.call_history().unwrap();
    assert_eq!(history[0].call_id, "1-short");
    assert_eq!(history[0].notes[0].text, "Callback tomorrow", "kept in the history");

    // The next call takes the card; a draft finished for the previous call still goes to that
    // call (kept, not attached), never to the new one.
    sim.gateway.play_inbound_call(
        291,
        CallScript { caller: "3".into(), called: "2".into(), call_id: Some("1-next".into()), ring_ms: 100, talk_ms: 600_000, auto_answer: true },
    );
    until(&desk, "next call", |s| s.call.as_ref().is_some_and(|c| c.call_id == "1-next")).await;
    desk.attach_note("1-short", "Forgot: wants it by email".into()).await.unwrap();
    let history = desk.call_history().unwrap();
    let short = history.iter().find(|c| c.call_id == "1-short").unwrap();
    assert!(!short.live, "an ended call is not live");
    assert!(history.iter().find(|c| c.call_id == "1-next").is_some_and(|c| c.live && c.ended_at_ms.is_none()), "the call on the card is");
    assert_eq!(short.notes.iter().map(|n| (n.text.as_str(), n.delivery)).collect::<Vec<_>>(), [
        ("Callback tomorrow", Delivery::NotAttached),
        ("Forgot: wants it by email", Delivery::NotAttached)
    ]);
    assert!(desk.snapshot().notes.unwrap().notes.is_empty(), "nothing landed on the new call");
    let err = desk.attach_note("no-such-call", "x".into()).await.unwrap_err();
    assert!(err.to_string().contains("neither on the card nor in the history"), "{err}");
}

#[tokio::test]
async fn a_call_that_ends_before_delivery_leaves_its_notes_not_attached() {
    let sim = sim().await;
    let desk = desk_with_key(None);
    on_a_call(&desk, &sim, "1-gone").await;
    sim.gateway.set_call_data_failure_rate(1.0);
    desk.attach_note("1-gone", "typed during the outage".into()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    desk.hang_up().await.unwrap();
    until(&desk, "ended", |s| call_state(s) == Some(CallState::Ended)).await;
    sim.gateway.set_call_data_failure_rate(0.0);
    let mut rx = desk.subscribe();
    let snap = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            let s = rx.borrow_and_update().clone();
            if deliveries(&s) == [Delivery::NotAttached] {
                return s;
            }
            rx.changed().await.unwrap();
        }
    })
    .await
    .expect("settled as not attached");
    let reason = snap.notes.unwrap().notes[0].reason.clone().unwrap();
    assert!(reason.contains("400-001"), "{reason}");
}

#[tokio::test]
async fn a_note_that_does_not_fit_is_refused_and_nothing_is_saved() {
    let sim = sim().await;
    let desk = desk_with_key(None);
    on_a_call(&desk, &sim, "1-big").await;
    let room = desk.snapshot().notes.unwrap();
    let fits = "a".repeat((room.max_bytes - room.base_bytes) as usize);
    let err = desk.attach_note("1-big", format!("{fits}é")).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    assert!(err.to_string().contains("Shorten it by 2 bytes"), "{err}");
    assert!(desk.snapshot().notes.unwrap().notes.is_empty(), "nothing saved");
    desk.attach_note("1-big", fits).await.unwrap();
    until(&desk, "confirmed", |s| deliveries(s) == [Delivery::Confirmed]).await;
    let stored = sim.gateway.call_data("1-big").unwrap();
    assert_eq!(stored.len(), 16_384, "the largest note fills call data exactly");
    let err = desk.attach_note("1-big", "x".into()).await.unwrap_err();
    assert!(err.to_string().contains("does not fit"), "{err}");
}

#[tokio::test]
async fn without_a_call_data_key_the_card_says_so_and_nothing_is_saved() {
    let sim = sim().await;
    let desk = Desk::new(None, Arc::new(SystemClock), Arc::new(MemorySecrets::default()));
    on_a_call(&desk, &sim, "1-nokey").await;
    let why = desk.snapshot().notes.unwrap().unavailable.unwrap();
    assert!(why.contains("call-data key"), "{why}");
    let err = desk.attach_note("1-nokey", "hello".into()).await.unwrap_err();
    assert!(err.to_string().contains("call-data key"), "{err}");
    assert!(desk.set_call_data_key("abc").unwrap_err().to_string().contains("16 bytes"));
    let settings = desk.set_call_data_key(KEY_HEX).unwrap();
    assert!(settings.call_data_key_saved);
    desk.attach_note("1-nokey", "hello".into()).await.unwrap();
    until(&desk, "confirmed", |s| deliveries(s) == [Delivery::Confirmed]).await;
}

/// The store holds notes sealed: neither the note text nor the key is in the SQLite files. A
/// desk that dies with a note undelivered (its runtime dropped: every task gone at once, as in
/// a crash) leaves it to the next start, which delivers it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_store_holds_no_note_text_in_plaintext_and_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let sim = sim().await;
    let text = "Secret-ish note text 8d1f0c";
    let (url, gateway, path) = (sim.gateway_url.clone(), sim.gateway.clone(), dir.path().to_owned());
    tokio::task::spawn_blocking(move || {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let desk = desk_with_key(Some(&path));
            desk.sign_in(form(&url, "291", "pw")).await.unwrap();
            gateway.play_inbound_call(
                291,
                CallScript { caller: "1".into(), called: "2".into(), call_id: Some("1-store".into()), ring_ms: 200, talk_ms: 600_000, auto_answer: true },
            );
            until(&desk, "talking", |s| call_state(s) == Some(CallState::Talking)).await;
            gateway.set_call_data_failure_rate(1.0);
            desk.attach_note("1-store", text.into()).await.unwrap();
            tokio::time::sleep(Duration::from_millis(300)).await;
        });
        drop(rt);
    })
    .await
    .unwrap();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let hay = String::from_utf8_lossy(&bytes);
        assert!(!hay.contains(text), "note text found in plaintext");
        assert!(!hay.contains(KEY_HEX), "key found");
    }
    assert!(sim.gateway.call_data("1-store").is_none(), "not delivered before the crash");
    sim.gateway.set_call_data_failure_rate(0.0);
    let desk = desk_with_key(Some(dir.path()));
    assert_eq!(desk.notes_waiting(), 1);
    // The dead desk's session is still held by the gateway: take it over, as after a crash.
    desk.sign_in(SignInForm { force: true, ..form(&sim.gateway_url, "291", "pw") }).await.unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while gateway_document(&sim, "1-store").is_none() {
        assert!(tokio::time::Instant::now() < deadline, "not delivered after the restart");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(gateway_document(&sim, "1-store").unwrap().notes[0].text, text);
    until(&desk, "settled", |_| desk.notes_waiting() == 0).await;
}
