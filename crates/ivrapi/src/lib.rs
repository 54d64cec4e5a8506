//! A client of the Era/Incoplax WebSocket Token API's `ivrapi` capability: an agent or supervisor
//! takes over a caller waiting in an IVR script at its "External management via API" component,
//! runs components (play, collect digits, record, transfer, answer, hang up), sees the caller's
//! digits live, and hands the caller back to the script (reference: era-ivrapi-websocket.txt and
//! ivr-protocols.md part A).
//!
//! - [`frame`]: the `[name, {…}]` frames, read without ever panicking.
//! - [`component`]: typed components and the SIP-state rule.
//! - [`files`]: storage prefixes and file requests' checks.
//! - [`session`]: the model of a session, offered → controlled → running → released / stopped.
//! - [`IvrClient`]: the connection (Bearer token, `connection_info`, the `ivrevents` subscription,
//!   qid correlation with a timeout, reconnect with backoff and jitter, reaccept after reconnect).
//!
//! Where the reference is silent, this client chooses: qids are integers below 2^53 (answers with
//! a float qid are matched by value); a `_result` whose `result` is not `"ok"` (or, for the file
//! requests, a path) is a refusal that keeps the whole answer; an `ivrapi_component_stopped` that
//! names no session is given to the session running a component with that `oId` (or the only one
//! running one); notifications are de-duplicated by class, type, `ivrid` and `eventts`.
#![deny(missing_docs)]

mod client;
pub mod component;
mod error;
pub mod files;
pub mod frame;
pub mod session;

pub use client::{FileLink, IvrClient, IvrConfig, IvrEvent, LinkStatus, Token};
pub use component::{Component, ComponentError, SipState};
pub use error::IvrError;
pub use session::{ComponentOutcome, IvrSession, Phase};
