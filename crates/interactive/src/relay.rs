//! The relay: Call Interactive for a cloud PBX that cannot reach the agents' desktops.
//!
//! Telphin delivers Call Interactive only as an HTTP request from the PBX to a URL
//! (`reference/ivr-protocols.md` §B.6: no WebSocket or push channel exists). A desktop behind NAT
//! cannot be that URL, so `sidekick relay` runs on a host the PBX can reach. It answers the IVR
//! itself, from a rules file, and forwards each request to the agents' apps, which connect out to
//! it over a WebSocket and show the caller.
//!
//! # Layout
//!
//! - [`RelayHub`] is the [`ScreenPop`](crate::ScreenPop) sink that fans each request out to the
//!   connected apps, and [`relay_router`] serves the Call Interactive routes plus the apps'
//!   WebSocket, `GET /pops` ([`POPS_ROUTE`]).
//! - [`RelayRules`] is the relay's [`Decider`](crate::Decider): the app's rule format, checked
//!   by [`validate_for_relay`], evaluated at the relay's local time of day.
//! - [`RelayClient`] is the app's side: it connects with [`connect`], reconnects on its own, and
//!   reports through a `watch` of [`RelayStatus`].
//!
//! # The pop protocol, version 1
//!
//! An app opens `GET /pops` as a WebSocket with `Authorization: Bearer <relay key>`. A missing or
//! wrong key gets HTTP 401 with a plain sentence, before any upgrade. The relay then sends JSON
//! text frames:
//!
//! - `{"type":"hello","version":1}`, once, first. By then the app is counted and subscribed, so
//!   every request after it reaches the app.
//! - `{"type":"pop","request":{…}}` for each valid Call Interactive request, where `request` is the
//!   serde form of [`CallInteractiveRequest`] (the vendor's parameter names: `CallID`,
//!   `CallerIDNum`, …).
//!
//! - `{"type":"notice","topic":"…","body":{…}}` for something else the relay took in on the apps'
//!   behalf: `ccfs-callback` is a CC-FS callback (`body` its `msgBody`) checked by a relay that
//!   receives them for supervisors. The relay keeps the latest notices ([`NOTICE_REPLAY`]) and sends
//!   them again, after `hello`, to each app that connects, so an app that was closed still gets
//!   them; apps must take a notice twice without harm.
//!
//! An app ignores message types it does not know, so later versions may add some without breaking
//! older apps. A `hello` with another version means the two cannot understand each other. Apps
//! send nothing but pongs and their close, and the relay ignores anything else they send.
//!
//! The relay pings every 20 s ([`PING_INTERVAL`]). It closes an app that has not answered one ping
//! by the time the next one is due. An app that hears nothing for 50 s treats the connection as
//! dead and reconnects. NAT boxes drop idle connections silently, so both ends need a timeout.
//!
//! # Choices made here
//!
//! - **Every app gets every pop.** The relay cannot know which agent the IVR will route a caller
//!   to: the pop comes before the routing. It is a team's screen, as the PBX's own call list is.
//! - **The PBX never waits for an app.** A pop is written to JSON once and put on a bounded
//!   `broadcast` channel ([`DEFAULT_BACKLOG`] pops). An app that falls further behind loses the
//!   oldest ones, and the relay logs how many. The PBX's answer never depends on an app.
//! - **Two secrets.** The Call Interactive token is in the URL configured in the PBX, so everyone
//!   who can read the PBX's settings knows it. The relay key is held by the apps only. Knowing the
//!   token lets you send the IVR's requests; only the key lets you read callers' numbers.
//! - **The rules cannot ask about one agent.** The relay answers for every agent and keeps no call
//!   history. So [`validate_for_relay`] refuses `spokeWithinDays` and transfers to `{me}` at start,
//!   rather than letting them quietly never match.
//! - **Local time is the relay host's.** Time windows are read in the relay process's time zone
//!   (`TZ`). Run it in the call centre's zone.
//! - **TLS belongs to the proxy in front of the relay.** The relay serves plain HTTP, as the app's
//!   own server does. The app reaches the relay over `wss://`, with certificates checked against
//!   the OS roots. It uses plain `ws://` only on loopback, where the tests and a local proxy run.

mod client;
mod hub;
mod relay_rules;

use serde::{Deserialize, Serialize};

use crate::request::CallInteractiveRequest;

pub use client::{check_relay_url, connect, connect_with, connect_with_notices, RelayClient, RelayClientOptions, RelayStatus, RelayUrlError};
pub use hub::{relay_router, RelayHub, DEFAULT_BACKLOG, NOTICE_REPLAY, PING_INTERVAL, POPS_ROUTE};
pub use relay_rules::{local_time_of_day, validate_for_relay, RelayRules, RelayRulesError};

/// The version of the pop protocol, sent in `hello`.
pub const PROTOCOL_VERSION: u32 = 1;

/// A message from the relay to an app, as the relay writes it.
#[derive(Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum Outgoing<'a> {
    Hello { version: u32 },
    Pop { request: &'a CallInteractiveRequest },
    Notice { topic: &'a str, body: &'a serde_json::Value },
}

/// Something other than a caller that the relay passes on to the apps (see the protocol above).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Notice {
    /// What it is, e.g. `ccfs-callback`.
    pub topic: String,
    /// Its content, as the relay wrote it.
    pub body: serde_json::Value,
}

/// A message from the relay to an app, as the app reads it.
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum Incoming {
    Hello {
        version: u32,
    },
    Pop {
        request: Box<CallInteractiveRequest>,
    },
    Notice(Notice),
    /// A type from a later version of the protocol.
    #[serde(other)]
    Unknown,
}
