//! Screen pops from a relay (`sidekick relay`), for a cloud PBX that cannot reach this computer.
//!
//! The app connects out to the relay's WebSocket with the key from the keychain, when both the
//! relay address (settings) and the key are there. Each pop the relay forwards becomes the
//! snapshot's IVR card, as one from the app's own server does, marked `viaRelay` and without an
//! answer (the relay answered the PBX). The connection's state is in the snapshot
//! ([`RelayConnection`]), since it changes by itself.

use std::sync::{Arc, Weak};

use sidekick_interactive::relay::{connect_with_notices, Notice, RelayClient, RelayClientOptions, RelayStatus};
use sidekick_interactive::AccessToken;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use super::runtime::pop_task;
use super::{RelayConnection, RELAY_KEY_ACCOUNT};
use crate::desk::{Desk, Inner};

/// How many pops from the relay may wait for the pop task.
const RELAY_POP_QUEUE: usize = 64;
/// How many notices may wait (the relay sends up to 256 kept ones on connecting).
const RELAY_NOTICE_QUEUE: usize = 512;

/// The connection to the relay and its tasks; dropping it disconnects.
#[derive(Debug)]
pub(crate) struct RelayLink {
    url: String,
    key: AccessToken,
    client: RelayClient,
    status: JoinHandle<()>,
    pops: JoinHandle<()>,
    notices: JoinHandle<()>,
}

impl Drop for RelayLink {
    fn drop(&mut self) {
        self.client.stop();
        self.status.abort();
        self.pops.abort();
        self.notices.abort();
    }
}

impl Desk {
    /// Connects to the configured relay with the key in the keychain, or disconnects when either
    /// is missing. A connection to the same address with the same key is kept.
    pub(crate) async fn apply_relay(&self) {
        let url = self.stored_settings().call_interactive.relay_url;
        let key = match self.inner.secrets.get(RELAY_KEY_ACCOUNT) {
            Ok(key) => key.and_then(|k| AccessToken::new(k).ok()),
            Err(e) => {
                tracing::warn!("the relay key could not be read from the keychain: {e}");
                None
            }
        };
        let wanted = url.zip(key);
        let keep = self.inner.interactive.lock().ok().is_some_and(|s| match (&s.relay, &wanted) {
            (Some(link), Some((url, key))) => link.url == *url && link.key.expose() == key.expose(),
            _ => false,
        });
        if keep {
            return;
        }
        // The old connection goes first, so two never deliver the same pops.
        let old = self.inner.interactive.lock().ok().and_then(|mut s| s.relay.take());
        drop(old);
        let link = match wanted {
            None => {
                self.update(|s| s.relay = None);
                return;
            }
            Some((url, key)) => match self.link(url, key) {
                Ok(link) => link,
                Err(reason) => {
                    tracing::warn!("not connecting to the relay: {reason}");
                    self.update(|s| s.relay = Some(RelayConnection::Down { reason, retry_in_ms: 0 }));
                    return;
                }
            },
        };
        if let Ok(mut s) = self.inner.interactive.lock() {
            s.relay = Some(link);
        }
    }

    fn link(&self, url: String, key: AccessToken) -> Result<RelayLink, String> {
        let (pop_tx, pop_rx) = mpsc::channel(RELAY_POP_QUEUE);
        let (notice_tx, notice_rx) = mpsc::channel(RELAY_NOTICE_QUEUE);
        let client = connect_with_notices(&url, key.clone(), pop_tx, Some(notice_tx), RelayClientOptions::default()).map_err(|e| e.to_string())?;
        let weak = Arc::downgrade(&self.inner);
        let status = tokio::spawn(watch_status(weak.clone(), client.status()));
        let pops = tokio::spawn(pop_task(weak.clone(), pop_rx, true));
        let notices = tokio::spawn(notice_task(weak, notice_rx));
        tracing::info!("connecting to the Call Interactive relay");
        Ok(RelayLink { url, key, client, status, pops, notices })
    }
}

/// Takes the relay's notices: CC-FS callbacks for this app's export jobs.
async fn notice_task(weak: Weak<Inner>, mut notices: mpsc::Receiver<Notice>) {
    while let Some(notice) = notices.recv().await {
        let Some(inner) = weak.upgrade() else { return };
        let desk = Desk { inner };
        if notice.topic != crate::export::CALLBACK_NOTICE {
            tracing::debug!(topic = %notice.topic, "ignoring a relay notice of another kind");
            continue;
        }
        match serde_json::from_value::<sidekick_aicc::ccfs::CallbackMsg>(notice.body) {
            Ok(msg) => desk.on_relayed_callback(msg),
            Err(e) => tracing::warn!("a CC-FS callback from the relay cannot be read: {e}"),
        }
    }
}

/// Mirrors the client's status into the snapshot until the connection stops.
async fn watch_status(weak: Weak<Inner>, mut status: watch::Receiver<RelayStatus>) {
    loop {
        let shown = match &*status.borrow_and_update() {
            RelayStatus::Connecting => Some(RelayConnection::Connecting),
            RelayStatus::Connected => Some(RelayConnection::Connected),
            RelayStatus::Down { reason, retry_in } => Some(RelayConnection::Down {
                reason: crate::error::capitalized(reason),
                retry_in_ms: u64::try_from(retry_in.as_millis()).unwrap_or(u64::MAX),
            }),
            RelayStatus::Stopped => None,
        };
        let stopped = shown.is_none();
        {
            // Not held across the wait: the desk owns this task's connection.
            let Some(inner) = weak.upgrade() else { return };
            Desk { inner }.update(|s| s.relay = shown);
        }
        if stopped || status.changed().await.is_err() {
            return;
        }
    }
}
