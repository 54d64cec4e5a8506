//! Telphin "Call Interactive" for Sidekick: the PBX's IVR asks over HTTP what to do with a caller,
//! and Sidekick answers with XML actions chosen by the agent's routing rules, while it pops the
//! caller on the agent's screen.
//!
//! The vendor's document is `reference/telphin-call-interactive-ru.txt` (Russian); what else is
//! known, and what is not, is in `reference/ivr-protocols.md` part B. Each module's docs list the
//! facts it relies on and what it chose where the documents are silent.
//!
//! # Layout
//!
//! - [`request`]: the request (GET query string or POST form), decoded into
//!   [`CallInteractiveRequest`]; [`RequestError`] says why one is refused.
//! - [`action`] and [`response`]: the actions ([`Action`]), their checks ([`ActionError`]) and the
//!   XML answer ([`Response`], written with quick-xml).
//! - [`rules`]: the routing rules the app keeps in settings, first match wins, and the
//!   [`preview`](rules::preview) of the exact XML a sample request gets.
//! - [`server`]: the axum endpoint `GET|POST /ci/{token}` — token, rate limit, time budget,
//!   screen pop — around an injected [`Decider`] and [`ScreenPop`] sink.
//! - [`token`]: the secret path segment; `rate_limit`: the per-source token bucket.
//! - [`relay`]: `sidekick relay`, for a cloud PBX that cannot reach the desktops. It answers from
//!   a rules file and forwards screen pops to the apps over an authenticated WebSocket. It also
//!   holds the app's client for that WebSocket.
//!
//! This crate knows nothing of the desk or of Tauri: the app supplies the decider (its rules,
//! clock and call history) and takes the screen pops.
#![deny(missing_docs)]

pub mod action;
mod rate_limit;
pub mod request;
pub mod response;
pub mod relay;
pub mod rules;
pub mod server;
pub mod token;

pub use action::{Action, ActionError};
pub use rate_limit::{RateLimit, MAX_SOURCES};
pub use relay::{relay_router, RelayClient, RelayHub, RelayRules, RelayStatus};
pub use request::{CallInteractiveRequest, EventType, RequestError};
pub use response::{Response, ResponseError, MAX_ACTIONS};
pub use rules::MY_NUMBER;
pub use server::{router, serve, DecideError, DecideFuture, Decider, InteractiveState, ScreenPop, ServerConfig};
pub use token::{AccessToken, TokenError};
