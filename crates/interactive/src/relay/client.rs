//! The app's side: a connection to the relay that stays up by itself.
//!
//! [`connect`] checks the address and spawns a task that owns the WebSocket. The task connects,
//! reads `hello` and then pops, and hands each pop to the app's channel. When the connection
//! fails or drops, the task waits and connects again, for as long as the app wants pops. The
//! [`RelayClient`] handle stops it. So does dropping the last clone of the handle, or dropping
//! the app's receiver. How it stands is a [`RelayStatus`] in a `watch`.
//!
//! Waiting between attempts:
//!
//! - After a failure: exponential backoff from [`RelayClientOptions::first_retry`] (1 s),
//!   doubling up to [`RelayClientOptions::max_retry`] (30 s), each wait cut at random to between
//!   half and all of itself. The jitter spreads a team's apps after the relay restarts. A
//!   connection that stayed up for `max_retry` or longer resets the backoff.
//! - After the relay refused the key (HTTP 401) or spoke another version of the protocol: a slow
//!   retry ([`RelayClientOptions::refused_retry`], 60 s, with the same jitter). Someone has to
//!   change something, which may be on the relay's side, and hammering the relay will not help.
//!
//! The app never gives up on its own: a relay that is down for an hour is reached again when it
//! comes back.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt as _;
use rand::Rng as _;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::handshake::client::Request;
use tokio_tungstenite::tungstenite::http::{header, HeaderValue, StatusCode};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::Connector;
use url::Url;

use super::{Incoming, Notice, PROTOCOL_VERSION};
use crate::request::{quote, CallInteractiveRequest};
use crate::token::AccessToken;

/// The largest message read from the relay. A pop is a request of at most 16 KiB of form,
/// written as JSON.
const MAX_RELAY_MESSAGE: usize = 256 * 1024;

/// How a [`RelayClient`] waits. The defaults suit a relay that pings every 20 s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayClientOptions {
    /// The first wait after a failure.
    pub first_retry: Duration,
    /// The longest wait after failures (before jitter).
    pub max_retry: Duration,
    /// The wait after the relay refused the key, or spoke another version of the protocol.
    pub refused_retry: Duration,
    /// How long opening the connection, and then waiting for `hello`, may take.
    pub connect_timeout: Duration,
    /// How long the relay may stay silent (no pop, no ping) before the connection counts as dead.
    pub silence_limit: Duration,
}

impl Default for RelayClientOptions {
    /// 1 s doubling up to 30 s; 60 s after a refused key; 15 s to connect; 50 s of silence,
    /// which is two and a half of the relay's 20 s pings.
    fn default() -> Self {
        Self {
            first_retry: Duration::from_secs(1),
            max_retry: Duration::from_secs(30),
            refused_retry: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(15),
            silence_limit: Duration::from_secs(50),
        }
    }
}

/// How the connection to the relay stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RelayStatus {
    /// Opening the connection, or waiting for the relay's `hello`. It becomes `Connected` on
    /// `hello`, or `Down` on a failure.
    Connecting,
    /// The relay has said `hello`, and pops arrive. It becomes `Down` when the connection drops or
    /// the relay goes silent.
    Connected,
    /// Not connected. The client tries again after `retry_in`, and then becomes `Connecting`.
    Down {
        /// Why, as a sentence for the agent (never the key).
        reason: String,
        /// How long it waits before the next attempt.
        retry_in: Duration,
    },
    /// Stopped for good: by [`RelayClient::stop`], by dropping every handle, or because the app's
    /// pop receiver is gone. This state does not change.
    Stopped,
}

impl fmt::Display for RelayStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Connecting => f.write_str("connecting to the relay"),
            Self::Connected => f.write_str("connected to the relay"),
            Self::Down { reason, retry_in } => {
                write!(f, "{reason}; trying again in {} s", retry_in.as_secs_f64().ceil() as u64)
            }
            Self::Stopped => f.write_str("not connected to the relay"),
        }
    }
}

/// Why a relay address cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RelayUrlError {
    /// Not a `ws://` or `wss://` URL with a host.
    #[error("{url:?} is not a relay address; write it like wss://relay.example.com/pops")]
    NotARelayAddress {
        /// What was given (shortened).
        url: String,
    },
    /// Plain `ws://` to another computer. The key and the callers' numbers would cross the network
    /// unencrypted.
    #[error("the relay must be reached over wss:// (plain ws:// is allowed only to this computer: localhost, 127.0.0.1 or [::1])")]
    PlainOffLoopback,
}

/// The app's handle on its relay connection. Cheap to clone. The connection stops with
/// [`stop`](Self::stop), or when the last clone is dropped.
#[derive(Clone)]
pub struct RelayClient {
    shared: Arc<Shared>,
}

struct Shared {
    /// `true` asks the task to stop. Dropping it, with the last handle, does the same.
    stop: watch::Sender<bool>,
    /// A receiver kept to hand out clones of.
    status: watch::Receiver<RelayStatus>,
}

impl RelayClient {
    /// How the connection stands, now and as it changes.
    pub fn status(&self) -> watch::Receiver<RelayStatus> {
        self.shared.status.clone()
    }

    /// Stops the connection for good (the status becomes [`RelayStatus::Stopped`]).
    pub fn stop(&self) {
        self.shared.stop.send_replace(true);
    }
}

impl fmt::Debug for RelayClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RelayClient").field("status", &*self.shared.status.borrow()).finish()
    }
}

/// Connects to the relay at `url` (`wss://host/pops`, or `ws://` to this computer) with `key`, and
/// sends each pop to `pops`. When `pops` is full, a pop is dropped with a warning: waiting would
/// stop the app from answering the relay's pings. Uses the default [`RelayClientOptions`]. Call it
/// inside a Tokio runtime.
pub fn connect(
    url: &str,
    key: AccessToken,
    pops: mpsc::Sender<Arc<CallInteractiveRequest>>,
) -> Result<RelayClient, RelayUrlError> {
    connect_with(url, key, pops, RelayClientOptions::default())
}

/// [`connect`], waiting as `options` say.
pub fn connect_with(
    url: &str,
    key: AccessToken,
    pops: mpsc::Sender<Arc<CallInteractiveRequest>>,
    options: RelayClientOptions,
) -> Result<RelayClient, RelayUrlError> {
    connect_with_notices(url, key, pops, None, options)
}

/// [`connect_with`], also sending each [`Notice`] to `notices` (dropped with a warning when it is
/// full, as pops are).
pub fn connect_with_notices(
    url: &str,
    key: AccessToken,
    pops: mpsc::Sender<Arc<CallInteractiveRequest>>,
    notices: Option<mpsc::Sender<Notice>>,
    options: RelayClientOptions,
) -> Result<RelayClient, RelayUrlError> {
    let target = Target::parse(url)?;
    // Checked once here, so that each attempt builds it without a new way to fail.
    target.request(&key).map_err(|_| RelayUrlError::NotARelayAddress { url: quote(url) })?;
    let (stop, stop_rx) = watch::channel(false);
    let (status_tx, status) = watch::channel(RelayStatus::Connecting);
    let task = Task { target, key, pops, notices, options, status: status_tx, tls: None };
    tokio::spawn(task.run(stop_rx));
    Ok(RelayClient { shared: Arc::new(Shared { stop, status }) })
}

/// Checks a relay address as [`connect`] would: `wss://` with a host, or `ws://` to this computer.
pub fn check_relay_url(url: &str) -> Result<(), RelayUrlError> {
    Target::parse(url).map(drop)
}

/// Where the relay is.
struct Target {
    url: Url,
    tls: bool,
}

impl Target {
    fn parse(text: &str) -> Result<Self, RelayUrlError> {
        let not_relay = || RelayUrlError::NotARelayAddress { url: quote(text) };
        let url = Url::parse(text.trim()).map_err(|_| not_relay())?;
        let loopback = match url.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
            None => return Err(not_relay()),
        };
        let tls = match url.scheme() {
            "wss" => true,
            "ws" if loopback => false,
            "ws" => return Err(RelayUrlError::PlainOffLoopback),
            _ => return Err(not_relay()),
        };
        Ok(Self { url, tls })
    }

    /// The upgrade request, with the key. The header is marked sensitive, so that a debug dump of
    /// it does not show the key.
    fn request(&self, key: &AccessToken) -> Result<Request, tungstenite::Error> {
        let mut request = self.url.as_str().into_client_request()?;
        let mut authorization = HeaderValue::from_str(&format!("Bearer {}", key.expose()))
            .map_err(|e| tungstenite::Error::HttpFormat(e.into()))?;
        authorization.set_sensitive(true);
        request.headers_mut().insert(header::AUTHORIZATION, authorization);
        Ok(request)
    }
}

/// The task that owns the connection.
struct Task {
    target: Target,
    key: AccessToken,
    pops: mpsc::Sender<Arc<CallInteractiveRequest>>,
    /// Where notices go, if the app takes them.
    notices: Option<mpsc::Sender<Notice>>,
    options: RelayClientOptions,
    status: watch::Sender<RelayStatus>,
    /// The TLS configuration, built on the first `wss://` attempt.
    tls: Option<Arc<rustls::ClientConfig>>,
}

/// How one connection ended.
struct Ended {
    reason: String,
    how: EndKind,
    /// How long it was connected (after `hello`), if it got that far.
    connected_for: Option<Duration>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EndKind {
    /// Try again with backoff.
    Failed,
    /// Try again slowly: someone must change the key or the relay.
    Refused,
    /// The app no longer takes pops: stop.
    AppGone,
}

impl Ended {
    fn failed(reason: impl Into<String>) -> Self {
        Self { reason: reason.into(), how: EndKind::Failed, connected_for: None }
    }
}

impl Task {
    async fn run(mut self, mut stop: watch::Receiver<bool>) {
        let mut failures: u32 = 0;
        let mut last_reason = String::new();
        loop {
            self.status.send_replace(RelayStatus::Connecting);
            let ended = tokio::select! {
                biased;
                () = stopped(&mut stop) => break,
                ended = self.session() => ended,
            };
            if ended.connected_for.is_some_and(|up| up >= self.options.max_retry) {
                failures = 0;
            }
            let wait = match ended.how {
                EndKind::AppGone => {
                    tracing::info!("the app no longer takes screen pops: leaving the relay");
                    break;
                }
                EndKind::Refused => jitter(self.options.refused_retry),
                EndKind::Failed => {
                    let wait = backoff(&self.options, failures);
                    failures = failures.saturating_add(1);
                    wait
                }
            };
            // Once per new reason: a relay that stays down would otherwise fill the log.
            if ended.reason != last_reason {
                tracing::warn!(retry_in_s = wait.as_secs_f32(), "relay connection down: {}", ended.reason);
                last_reason.clone_from(&ended.reason);
            } else {
                tracing::debug!(retry_in_s = wait.as_secs_f32(), "relay connection still down: {}", ended.reason);
            }
            self.status.send_replace(RelayStatus::Down { reason: ended.reason, retry_in: wait });
            tokio::select! {
                biased;
                () = stopped(&mut stop) => break,
                () = tokio::time::sleep(wait) => {}
            }
        }
        self.status.send_replace(RelayStatus::Stopped);
    }

    /// One connection, from the attempt to its end.
    async fn session(&mut self) -> Ended {
        let connector = match self.connector().await {
            Ok(connector) => connector,
            Err(reason) => return Ended::failed(reason),
        };
        let request = match self.target.request(&self.key) {
            Ok(request) => request,
            Err(e) => return Ended::failed(format!("the relay address cannot be used: {e}")),
        };
        let config = WebSocketConfig::default()
            .max_message_size(Some(MAX_RELAY_MESSAGE))
            .max_frame_size(Some(MAX_RELAY_MESSAGE));
        let opening = tokio_tungstenite::connect_async_tls_with_config(request, Some(config), true, Some(connector));
        let mut socket = match tokio::time::timeout(self.options.connect_timeout, opening).await {
            Err(_) => return Ended::failed(format!("the relay did not answer within {}", seconds(self.options.connect_timeout))),
            Ok(Err(e)) => return refusal(e),
            Ok(Ok((socket, _response))) => socket,
        };
        let mut connected_at: Option<Instant> = None;
        let mut close_reason: Option<String> = None;
        loop {
            let (limit, silence) = match connected_at {
                None => (self.options.connect_timeout, "the relay did not say hello"),
                Some(_) => (self.options.silence_limit, "the relay went silent"),
            };
            let ended = move |reason: String, how| Ended { reason, how, connected_for: connected_at.map(|at| at.elapsed()) };
            let message = match tokio::time::timeout(limit, socket.next()).await {
                Err(_) => return ended(format!("{silence} within {}", seconds(limit)), EndKind::Failed),
                Ok(None) => {
                    let why = close_reason.map_or_else(String::new, |r| format!(" ({r})"));
                    return ended(format!("the relay closed the connection{why}"), EndKind::Failed);
                }
                Ok(Some(Err(e))) => return ended(format!("the connection to the relay broke: {e}"), EndKind::Failed),
                Ok(Some(Ok(message))) => message,
            };
            // Pings are answered by tungstenite on the next read; they only show the relay is there.
            let text = match message {
                Message::Text(text) => text,
                Message::Close(Some(frame)) if !frame.reason.is_empty() => {
                    close_reason = Some(quote(&frame.reason));
                    continue;
                }
                _ => continue,
            };
            match serde_json::from_str::<Incoming>(&text) {
                Ok(Incoming::Hello { version: PROTOCOL_VERSION }) => {
                    if connected_at.is_none() {
                        connected_at = Some(Instant::now());
                        tracing::info!("connected to the relay for screen pops");
                        self.status.send_replace(RelayStatus::Connected);
                    }
                }
                Ok(Incoming::Hello { version }) => {
                    let reason = format!(
                        "the relay speaks version {version} of the screen-pop protocol, and this app speaks {PROTOCOL_VERSION}: update the older of the two"
                    );
                    return ended(reason, EndKind::Refused);
                }
                Ok(Incoming::Pop { request }) => match self.pops.try_send(Arc::from(request)) {
                    Ok(()) => {}
                    Err(mpsc::error::TrySendError::Full(request)) => {
                        tracing::warn!(call_id = %request.call_id, "a screen pop from the relay was dropped: the app is behind");
                    }
                    Err(mpsc::error::TrySendError::Closed(_)) => {
                        return ended("the app no longer takes screen pops".to_owned(), EndKind::AppGone);
                    }
                },
                Ok(Incoming::Notice(notice)) => match &self.notices {
                    Some(notices) => {
                        if notices.try_send(notice).is_err() {
                            tracing::warn!("a notice from the relay was dropped: the app is behind or no longer takes them");
                        }
                    }
                    None => tracing::debug!(topic = %notice.topic, "ignoring a relay notice this app does not take"),
                },
                Ok(Incoming::Unknown) => tracing::debug!("ignoring a relay message of a type this app does not know"),
                // Not the text: it holds callers' numbers.
                Err(e) => tracing::warn!("ignoring a relay message this app cannot read: {e}"),
            }
        }
    }

    /// Plain for `ws://`; for `wss://`, rustls with the OS's roots, loaded on first use.
    async fn connector(&mut self) -> Result<Connector, String> {
        if !self.target.tls {
            return Ok(Connector::Plain);
        }
        if let Some(config) = &self.tls {
            return Ok(Connector::Rustls(config.clone()));
        }
        let config = tokio::task::spawn_blocking(tls_config)
            .await
            .map_err(|e| format!("the trusted certificates could not be loaded: {e}"))??;
        self.tls = Some(config.clone());
        Ok(Connector::Rustls(config))
    }
}

/// Resolves when the handle asks to stop, or when every handle is gone.
async fn stopped(stop: &mut watch::Receiver<bool>) {
    // An error means the sender, with the last handle, is gone.
    let _ = stop.wait_for(|stop| *stop).await;
}

/// What a failed opening means for the agent, and whether to retry slowly.
fn refusal(e: tungstenite::Error) -> Ended {
    match e {
        tungstenite::Error::Http(response) if response.status() == StatusCode::UNAUTHORIZED => {
            Ended { reason: "the relay refused the key".to_owned(), how: EndKind::Refused, connected_for: None }
        }
        tungstenite::Error::Http(response) => Ended::failed(format!(
            "the relay answered HTTP {} instead of opening the WebSocket (is the address right? it ends in /pops)",
            response.status()
        )),
        tungstenite::Error::Io(io) => {
            let tls = io.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>());
            match tls {
                Some(tls) => Ended::failed(format!("the relay's TLS connection was not accepted: {tls}")),
                None => Ended::failed(format!("cannot reach the relay: {io}")),
            }
        }
        tungstenite::Error::Tls(tls) => Ended::failed(format!("the relay's TLS connection was not accepted: {tls}")),
        other => Ended::failed(format!("cannot open the relay's WebSocket: {other}")),
    }
}

/// rustls, with ring (as reqwest uses it) and the OS's trusted roots only.
fn tls_config() -> Result<Arc<rustls::ClientConfig>, String> {
    let found = rustls_native_certs::load_native_certs();
    let mut roots = rustls::RootCertStore::empty();
    let (added, _ignored) = roots.add_parsable_certificates(found.certs);
    if added == 0 {
        let errors = found.errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
        return Err(format!("no trusted root certificates were found on this computer ({errors})"));
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS cannot be set up: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// The wait after `failures` failures in a row (0 for the first): `first_retry` doubled each time,
/// at most `max_retry`, with jitter.
fn backoff(options: &RelayClientOptions, failures: u32) -> Duration {
    let doubled = options.first_retry.saturating_mul(1 << failures.min(16));
    jitter(doubled.min(options.max_retry))
}

/// Between half and all of `wait`, at random: apps that lost the relay together do not all come
/// back at the same instant.
fn jitter(wait: Duration) -> Duration {
    wait.mul_f64(rand::thread_rng().gen_range(0.5..=1.0))
}

fn seconds(d: Duration) -> String {
    format!("{} s", d.as_secs_f32())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_with_jitter_below_it() {
        let options = RelayClientOptions::default();
        for (failures, full) in [(0, 1), (1, 2), (2, 4), (4, 16), (5, 30), (40, 30)] {
            let full = Duration::from_secs(full);
            for _ in 0..50 {
                let wait = backoff(&options, failures);
                assert!(wait >= full / 2 && wait <= full, "after {failures} failures: {wait:?} is not within {full:?}/2..={full:?}");
            }
        }
    }

    #[test]
    fn plain_ws_is_for_this_computer_only() {
        for ok in ["ws://127.0.0.1:8080/pops", "ws://localhost/pops", "ws://[::1]:9/pops", "wss://relay.example.com/pops"] {
            assert!(Target::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(Target::parse("ws://relay.example.com/pops").err(), Some(RelayUrlError::PlainOffLoopback));
        assert_eq!(Target::parse("ws://192.168.1.5/pops").err(), Some(RelayUrlError::PlainOffLoopback));
        for bad in ["https://relay.example.com/pops", "relay.example.com", ""] {
            assert_eq!(
                Target::parse(bad).err(),
                Some(RelayUrlError::NotARelayAddress { url: bad.to_owned() }),
                "{bad:?} is no WebSocket address"
            );
        }
        assert_eq!(
            RelayUrlError::PlainOffLoopback.to_string(),
            "the relay must be reached over wss:// (plain ws:// is allowed only to this computer: localhost, 127.0.0.1 or [::1])"
        );
    }

    #[test]
    fn the_key_travels_only_in_a_sensitive_header() {
        let target = Target::parse("ws://127.0.0.1:1/pops").expect("loopback");
        let key = AccessToken::new("relay-key-0123456789").expect("valid");
        let request = target.request(&key).expect("a request");
        let authorization = &request.headers()[header::AUTHORIZATION];
        assert_eq!(authorization, "Bearer relay-key-0123456789");
        assert!(authorization.is_sensitive());
        assert!(!request.uri().to_string().contains(key.expose()), "never in the URL");
    }

    #[test]
    fn the_status_reads_as_a_sentence() {
        let down = RelayStatus::Down { reason: "the relay refused the key".into(), retry_in: Duration::from_millis(41_200) };
        assert_eq!(down.to_string(), "the relay refused the key; trying again in 42 s");
        assert_eq!(RelayStatus::Connected.to_string(), "connected to the relay");
    }
}
