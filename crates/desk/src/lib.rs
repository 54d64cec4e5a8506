//! Sidekick's core: one agent's desk.
//!
//! The desk owns behaviour — the session and its poll loop, the unified call model, settings and
//! the embedded demo. It knows nothing of Tauri: the shell calls its methods and renders the
//! [`DeskSnapshot`]s it publishes on a `watch` channel.
//!
//! # Layout
//!
//! - [`model`]: what the UI sees (snapshot, call, session, error codes); TypeScript is generated
//!   from these types.
//! - [`call`]: folds gateway events into the active-call model (pure, unit-tested).
//! - [`desk`]: [`Desk`], the handle: sign-in, sign-out, the poll actor.
//! - [`settings`]: non-secret settings on disk.
//! - [`policy`]: the administrator's policy file, which sets settings and locks them.
//! - [`notes`]: call notes: the sealed store, the outbox that delivers them as call data.
//! - [`recording`]: recording the call (ODFS or the gateway), confirmed states, the audit log.
//! - [`interactive`]: Telphin Call Interactive: the IVR's HTTP requests answered by the agent's
//!   rules, and the caller popped on screen.
//! - [`takeover`]: taking over callers in an Era/Incoplax IVR (the WebSocket token API).
//! - [`hotkeys`]: system-wide hotkeys: which combination does what, clashes.
//! - [`update`]: when the app may look for and install an update, what was found.
//! - [`secrets`]: the OS keychain (a remembered password, the call-data key).
//! - [`demo`]: the embedded demo (in-process simulators and scripted calls).
//! - [`clock`]: injected time.
#![deny(missing_docs)]

pub mod call;
pub mod clock;
pub mod demo;
pub mod desk;
pub mod error;
pub mod export;
pub mod hotkeys;
pub mod interactive;
pub mod model;
pub mod notes;
pub mod policy;
pub mod recording;
pub mod secrets;
pub mod settings;
pub mod takeover;
pub mod update;

pub use desk::{Desk, SignInForm};
pub use error::DeskError;
pub use model::*;
