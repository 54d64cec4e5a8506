//! The outbox: one task that delivers saved notes to the gateway, oldest first, for as long as
//! it takes.
//!
//! A round takes the call with the oldest open note, seals the call's whole notes document,
//! marks its open notes `sending`, sets the call data and reads it back. Then:
//!
//! - the read-back matches → every note in the document is `confirmed`;
//! - `400-001` (the call is gone, or the agent no longer in it) → its open notes are
//!   `notAttached`, kept and shown, never dropped;
//! - another refusal a retry cannot fix (`000-002`, …) → `failed`, with the code in the reason;
//! - network failures, `100-007`, 5xx, a lost session → back to `pending`, retried with
//!   exponential backoff and jitter (the poll loop signs in again meanwhile; a recovered session
//!   wakes the outbox at once).

use std::time::Duration;

use rand::Rng;
use sidekick_aicc::gateway::{GatewayError, RetryKind};

use super::{carried, document_of, note_view, Delivery};
use crate::desk::Desk;

const BACKOFF_FIRST: Duration = Duration::from_millis(500);
const BACKOFF_CAP: Duration = Duration::from_secs(20);
/// With nothing to do, look again this often even without a wake-up (a cheap query).
const IDLE_RECHECK: Duration = Duration::from_secs(30);

/// What one delivery round came to.
enum Round {
    /// Nothing to send, or nothing possible now (no session, no key).
    Idle,
    /// A document was delivered or settled; look for the next at once.
    Done,
    /// A retryable failure; wait before the next round.
    Retry,
}

/// Starts the outbox once per desk.
pub(crate) fn ensure_started(desk: &Desk) {
    use std::sync::atomic::Ordering;
    if !desk.inner.notes.outbox_started.swap(true, Ordering::SeqCst) {
        tokio::spawn(run(desk.clone()));
    }
}

async fn run(desk: Desk) {
    let mut backoff = BACKOFF_FIRST;
    loop {
        let round = deliver_next(&desk).await;
        desk.refresh_notes();
        match round {
            Round::Done => backoff = BACKOFF_FIRST,
            Round::Idle => {
                let _ = tokio::time::timeout(IDLE_RECHECK, desk.inner.notes.wake.notified()).await;
            }
            Round::Retry => {
                // "Equal jitter": half the backoff fixed, half random, so clients that failed
                // together do not retry together.
                let half = backoff / 2;
                let wait = half + half.mul_f64(rand::thread_rng().gen::<f64>());
                tracing::debug!(retry_in_ms = wait.as_millis() as u64, "notes outbox waiting before the next attempt");
                let _ = tokio::time::timeout(wait, desk.inner.notes.wake.notified()).await;
                backoff = (backoff * 2).min(BACKOFF_CAP);
            }
        }
    }
}

async fn deliver_next(desk: &Desk) -> Round {
    let notes = &desk.inner.notes;
    let Ok(Some(call_id)) = notes.with_store(|s| s.next_open_call()) else { return Round::Idle };
    let Some(key) = notes.key() else { return Round::Idle };
    let Some(client) = desk.session_client() else { return Round::Idle };
    let Ok(stored) = notes.with_store(|s| s.notes_of(&call_id)) else { return Round::Retry };
    let now = desk.now_ms();

    // Notes sealed under another key cannot go into this document: say so on each.
    let (readable, unreadable): (Vec<_>, Vec<_>) =
        stored.iter().filter(|n| carried(n.delivery)).partition(|n| sidekick_calldata::open(&key, &n.sealed).is_ok());
    if !unreadable.is_empty() {
        let ids: Vec<i64> = unreadable.iter().map(|n| n.id).collect();
        let _ = notes.with_store(|s| {
            s.set_delivery(&ids, Delivery::Failed, Some("sealed with a different call-data key; not sent"), now)
        });
    }
    let views: Vec<_> = readable.iter().map(|n| note_view(n, Some(&key))).collect();
    let open_ids: Vec<i64> = readable.iter().filter(|n| n.delivery.is_open()).map(|n| n.id).collect();
    if open_ids.is_empty() {
        return Round::Done;
    }
    let doc = document_of(&call_id, &views);
    let calldata = match doc.seal(&key) {
        Ok(c) => c,
        Err(e) => {
            // Checked when each note was added, so only a changed key or a bug gets here.
            let reason = format!("the call's notes could not be sealed: {e}");
            let _ = notes.with_store(|s| s.set_delivery(&open_ids, Delivery::Failed, Some(&reason), now));
            return Round::Done;
        }
    };
    let _ = notes.with_store(|s| s.set_delivery(&open_ids, Delivery::Sending, None, now));
    desk.refresh_notes();
    tracing::info!(call = %call_id, notes = doc.notes.len(), calldatalength = calldata.len(), "attaching notes to the call");

    let result = match client.set_call_data(&call_id, &calldata).await {
        Ok(()) => client.call_data(&call_id).await.and_then(|back| {
            if back == calldata {
                Ok(())
            } else {
                Err(GatewayError::Invalid("the call data read back differs from what was set".into()))
            }
        }),
        Err(e) => Err(e),
    };
    let now = desk.now_ms();
    match result {
        Ok(()) => {
            tracing::info!(call = %call_id, notes = open_ids.len(), "notes attached and confirmed");
            let _ = notes.with_store(|s| s.set_delivery(&open_ids, Delivery::Confirmed, None, now));
            Round::Done
        }
        Err(e) if e.retcode() == Some("400-001") => {
            tracing::warn!(call = %call_id, notes = open_ids.len(), "call data refused with 400-001; notes kept, not attached");
            let reason = "Not attached: the call had ended (or moved on) before the note reached the gateway (400-001)";
            let _ = notes.with_store(|s| s.set_delivery(&open_ids, Delivery::NotAttached, Some(reason), now));
            Round::Done
        }
        Err(e) if matches!(e.retry_kind(), RetryKind::NeedsAttention) && !matches!(e, GatewayError::Invalid(_)) => {
            tracing::warn!(call = %call_id, "call data refused: {e}");
            let reason = crate::error::capitalized(&e.to_string());
            let _ = notes.with_store(|s| s.set_delivery(&open_ids, Delivery::Failed, Some(&reason), now));
            Round::Done
        }
        Err(e) => {
            tracing::warn!(call = %call_id, "attaching notes failed, will retry: {e}");
            let reason = format!("Retrying: {}", crate::error::capitalized(&e.to_string()));
            let _ = notes.with_store(|s| s.note_failed_attempt(&open_ids, &reason, now));
            Round::Retry
        }
    }
}
