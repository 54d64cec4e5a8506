//! The relay's side: the fan-out of screen pops, and the WebSocket the apps connect to.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{close_code, CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::time::{Instant, MissedTickBehavior};

use super::{Outgoing, PROTOCOL_VERSION};
use crate::request::CallInteractiveRequest;
use crate::server::{router, InteractiveState, ScreenPop};
use crate::token::AccessToken;

/// The apps' WebSocket.
pub const POPS_ROUTE: &str = "/pops";

/// How many pops an app may fall behind before it loses the oldest, unless configured. A busy
/// IVR sends a few requests a second, and an app on a working network reads them at once.
pub const DEFAULT_BACKLOG: usize = 64;

/// How often the relay pings each app, unless configured.
pub const PING_INTERVAL: Duration = Duration::from_secs(20);

/// The largest message read from an app. Apps send nothing but control frames, so anything
/// larger is not an app.
const MAX_APP_MESSAGE: usize = 4 * 1024;

/// How many notices the relay keeps to send again to each app that connects.
pub const NOTICE_REPLAY: usize = 256;

/// How long the relay waits to send a goodbye (a close frame) to an app it is dropping.
const CLOSE_WAIT: Duration = Duration::from_secs(2);

/// Fans screen pops out to the connected apps. It is the relay's [`ScreenPop`] sink, and it never
/// blocks: each pop is written to JSON once and put on a bounded broadcast channel, and each app's
/// connection takes it from there. Cheap to clone; clones share the apps.
#[derive(Clone)]
pub struct RelayHub {
    inner: Arc<HubInner>,
}

struct HubInner {
    /// Each pop as the text frame every app gets.
    pops: broadcast::Sender<Utf8Bytes>,
    /// Apps that have been sent `hello` and not yet dropped.
    connected: AtomicUsize,
    /// How often each app is pinged; the tests shorten it.
    ping_interval: Duration,
    /// The latest notices, oldest first, as text frames, for apps that connect later.
    notices: Mutex<VecDeque<Utf8Bytes>>,
}

impl Default for RelayHub {
    /// [`DEFAULT_BACKLOG`] pops, a ping every [`PING_INTERVAL`].
    fn default() -> Self {
        Self::new(DEFAULT_BACKLOG, PING_INTERVAL)
    }
}

impl RelayHub {
    /// A hub that lets each app fall `backlog` pops behind (at least 1) and pings each app every
    /// `ping_interval` (at least 1 ms).
    pub fn new(backlog: usize, ping_interval: Duration) -> Self {
        let (pops, _) = broadcast::channel(backlog.max(1));
        let ping_interval = ping_interval.max(Duration::from_millis(1));
        Self { inner: Arc::new(HubInner { pops, connected: AtomicUsize::new(0), ping_interval, notices: Mutex::default() }) }
    }

    /// How many apps are connected now.
    pub fn connected(&self) -> usize {
        self.inner.connected.load(Ordering::SeqCst)
    }

    /// Passes a notice on to every app connected now, and keeps it (the latest [`NOTICE_REPLAY`])
    /// for each app that connects later. Never blocks.
    pub fn notify(&self, topic: &str, body: &serde_json::Value) -> Result<(), String> {
        let text: Utf8Bytes = serde_json::to_string(&Outgoing::Notice { topic, body })
            .map_err(|e| format!("the notice could not be written as JSON: {e}"))?
            .into();
        {
            let mut kept = self.inner.notices.lock().unwrap_or_else(|p| p.into_inner());
            if kept.len() == NOTICE_REPLAY {
                kept.pop_front();
            }
            kept.push_back(text.clone());
        }
        let apps = self.inner.pops.send(text).unwrap_or(0);
        tracing::info!(topic, apps, "notice passed on to the apps");
        Ok(())
    }

    fn kept_notices(&self) -> Vec<Utf8Bytes> {
        self.inner.notices.lock().unwrap_or_else(|p| p.into_inner()).iter().cloned().collect()
    }
}

impl std::fmt::Debug for RelayHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RelayHub").field("connected", &self.connected()).finish_non_exhaustive()
    }
}

impl ScreenPop for RelayHub {
    fn pop(&self, request: Arc<CallInteractiveRequest>) {
        if self.inner.pops.receiver_count() == 0 {
            tracing::info!(call_id = %request.call_id, "no app is connected to the relay: the screen pop goes nowhere");
            return;
        }
        match serde_json::to_string(&Outgoing::Pop { request: &request }) {
            Ok(text) => {
                // An error here means every app left since the count above; nothing to do.
                let apps = self.inner.pops.send(text.into()).unwrap_or(0);
                tracing::debug!(call_id = %request.call_id, apps, "screen pop sent to the apps");
            }
            Err(e) => tracing::error!(call_id = %request.call_id, "the screen pop could not be written as JSON: {e}"),
        }
    }
}

/// The relay's routes: Call Interactive ([`router`] over `ci`, whose screen pops should go to
/// `hub`), plus [`POPS_ROUTE`], the WebSocket an app opens with `Authorization: Bearer <key>`.
/// Serve it with [`serve`](crate::serve), so that the logs and the rate limit see each source.
pub fn relay_router(ci: InteractiveState, hub: RelayHub, key: AccessToken) -> Router {
    let pops = Router::new().route(POPS_ROUTE, get(open_pops)).with_state(PopsState { hub, key: Arc::new(key) });
    router(ci).merge(pops)
}

#[derive(Clone)]
struct PopsState {
    hub: RelayHub,
    key: Arc<AccessToken>,
}

/// Checks the key, then upgrades. The key comes first, so that a caller without it learns
/// nothing about the upgrade and never gets a socket.
async fn open_pops(
    State(state): State<PopsState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let source = peer.map_or_else(|| "an unknown address".to_owned(), |Extension(ConnectInfo(addr))| addr.to_string());
    match bearer(&headers) {
        None => {
            tracing::warn!(%source, "an app asked for screen pops without the relay key");
            return unauthorized("This relay needs its key: send it as Authorization: Bearer <key>.");
        }
        Some(key) if !state.key.matches(key) => {
            tracing::warn!(%source, "an app asked for screen pops with a wrong relay key");
            return unauthorized("The relay key is wrong.");
        }
        Some(_) => {}
    }
    let upgrade = match upgrade {
        Ok(upgrade) => upgrade,
        Err(rejection) => {
            tracing::info!(%source, "a request for screen pops with the right key was not a WebSocket: {rejection}");
            return rejection.into_response();
        }
    };
    let hub = state.hub;
    upgrade
        .max_message_size(MAX_APP_MESSAGE)
        .max_frame_size(MAX_APP_MESSAGE)
        .on_upgrade(move |socket| serve_app(socket, hub, source))
}

/// The credentials of `Authorization: Bearer <credentials>` (the scheme in any case).
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, credentials) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| credentials.trim())
}

fn unauthorized(sentence: &'static str) -> Response {
    let headers = [(header::WWW_AUTHENTICATE, "Bearer"), (header::CONTENT_TYPE, "text/plain; charset=utf-8")];
    (StatusCode::UNAUTHORIZED, headers, sentence).into_response()
}

/// Counts an app as connected while it lives.
struct Counted(Arc<HubInner>);

impl Counted {
    fn new(hub: &RelayHub) -> (Self, usize) {
        let now = hub.inner.connected.fetch_add(1, Ordering::SeqCst) + 1;
        (Self(hub.inner.clone()), now)
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.connected.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn serve_app(mut socket: WebSocket, hub: RelayHub, source: String) {
    // Subscribed and counted before `hello`, so that an app that has read `hello` gets every pop
    // after it, and a test that has seen it may count on it.
    let mut pops = hub.inner.pops.subscribe();
    let (counted, apps) = Counted::new(&hub);
    tracing::info!(%source, apps, "an app connected for screen pops");
    let why = forward(&mut socket, &mut pops, &hub, &source).await;
    drop(counted);
    tracing::info!(%source, apps = hub.connected(), "an app was disconnected: {why}");
}

/// Sends `hello`, then each pop, and pings, until the app leaves or stops answering. Returns why
/// it ended.
async fn forward(socket: &mut WebSocket, pops: &mut broadcast::Receiver<Utf8Bytes>, hub: &RelayHub, source: &str) -> String {
    let ping_interval = hub.inner.ping_interval;
    // A send that takes a whole ping interval is an app that no longer reads: it cannot answer a
    // ping either.
    let send_wait = ping_interval;
    let hello = match serde_json::to_string(&Outgoing::Hello { version: PROTOCOL_VERSION }) {
        Ok(text) => text,
        Err(e) => return format!("the hello could not be written as JSON: {e}"),
    };
    if let Err(why) = send_within(socket, Message::Text(hello.into()), send_wait).await {
        return why;
    }
    // The notices kept so far (one that arrives meanwhile may come twice: apps take that).
    for notice in hub.kept_notices() {
        if let Err(why) = send_within(socket, Message::Text(notice), send_wait).await {
            return why;
        }
    }
    let mut ping = tokio::time::interval_at(Instant::now() + ping_interval, ping_interval);
    ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
    // Whether a ping has been sent and nothing has come back since.
    let mut unanswered = false;
    loop {
        tokio::select! {
            pop = pops.recv() => match pop {
                Ok(text) => {
                    if let Err(why) = send_within(socket, Message::Text(text), send_wait).await {
                        return why;
                    }
                }
                Err(RecvError::Lagged(lost)) => {
                    tracing::warn!(%source, lost, "an app fell behind: it lost its {lost} oldest screen pops");
                }
                Err(RecvError::Closed) => return "the relay is stopping".to_owned(),
            },
            message = socket.recv() => match message {
                None | Some(Ok(Message::Close(_))) => return "it closed the connection".to_owned(),
                Some(Err(e)) => return format!("the connection broke: {e}"),
                // A pong, or anything else: the app is there.
                Some(Ok(_)) => unanswered = false,
            },
            _ = ping.tick() => {
                if unanswered {
                    let goodbye = CloseFrame { code: close_code::POLICY, reason: "no answer to the last ping".into() };
                    // Best effort: the app is not reading anyway.
                    let _ = send_within(socket, Message::Close(Some(goodbye)), CLOSE_WAIT).await;
                    return format!("it did not answer a ping within {} s", ping_interval.as_secs_f32());
                }
                if let Err(why) = send_within(socket, Message::Ping(Bytes::new()), send_wait).await {
                    return why;
                }
                unanswered = true;
            }
        }
    }
}

async fn send_within(socket: &mut WebSocket, message: Message, wait: Duration) -> Result<(), String> {
    match tokio::time::timeout(wait, socket.send(message)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(format!("the connection broke: {e}")),
        Err(_) => Err(format!("it stopped reading: a message waited {} s to be sent", wait.as_secs_f32())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(authorization: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, authorization.parse().expect("a header value"));
        headers
    }

    #[test]
    fn the_bearer_scheme_is_read_in_any_case_and_nothing_else_is() {
        assert_eq!(bearer(&headers("Bearer abc")), Some("abc"));
        assert_eq!(bearer(&headers("bearer  abc ")), Some("abc"));
        assert_eq!(bearer(&headers("Basic abc")), None, "another scheme is no key");
        assert_eq!(bearer(&headers("abc")), None, "a bare key has no scheme");
        assert_eq!(bearer(&HeaderMap::new()), None);
    }

    #[test]
    fn a_pop_with_no_app_connected_goes_nowhere_quietly() {
        let hub = RelayHub::default();
        hub.pop(Arc::new(CallInteractiveRequest::new("c1")));
        assert_eq!(hub.connected(), 0);
    }

    #[test]
    fn notices_are_passed_on_and_the_latest_kept_for_later_apps() {
        let hub = RelayHub::new(4, PING_INTERVAL);
        let mut app = hub.inner.pops.subscribe();
        hub.notify("ccfs-callback", &serde_json::json!({"responseId": "r1"})).expect("written");
        let sent = app.try_recv().expect("the connected app gets it");
        assert_eq!(sent.as_str(), r#"{"type":"notice","topic":"ccfs-callback","body":{"responseId":"r1"}}"#);
        for i in 0..NOTICE_REPLAY + 1 {
            hub.notify("t", &serde_json::json!(i)).expect("written");
        }
        let kept = hub.kept_notices();
        assert_eq!(kept.len(), NOTICE_REPLAY, "only the latest are kept");
        assert_eq!(kept[0].as_str(), r#"{"type":"notice","topic":"t","body":1}"#);
        assert_eq!(kept[NOTICE_REPLAY - 1].as_str(), format!(r#"{{"type":"notice","topic":"t","body":{NOTICE_REPLAY}}}"#));
    }

    #[test]
    fn a_slow_app_loses_the_oldest_pops_and_the_pbx_never_waits() {
        let hub = RelayHub::new(2, PING_INTERVAL);
        let mut app = hub.inner.pops.subscribe();
        for id in ["c1", "c2", "c3"] {
            // Returns at once although nobody reads: the third pop pushes out the first.
            hub.pop(Arc::new(CallInteractiveRequest::new(id)));
        }
        assert!(matches!(app.try_recv(), Err(broadcast::error::TryRecvError::Lagged(1))));
        let next = app.try_recv().expect("the second pop is kept");
        assert_eq!(next.as_str(), r#"{"type":"pop","request":{"CallID":"c2"}}"#);
    }
}
