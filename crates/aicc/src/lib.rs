//! Clients for the Huawei AICC / CEC platform as Sidekick uses it.
//!
//! # Layout
//!
//! - [`gateway`]: the CC-Gateway agent interface (`/agentgateway/resource/...`): sign-in, the
//!   `Guid` session header, long-polled agent events, sign-out.
//!
//! The ODFS (recording) and CC-FS (CDR export) modules arrive with their issues. This crate knows
//! nothing of the desk or of Tauri: it speaks the wire format and classifies errors, nothing more.
#![deny(missing_docs)]

pub mod gateway;
pub mod tls;
