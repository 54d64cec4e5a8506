//! Clients for the Huawei AICC / CEC platform as Sidekick uses it.
//!
//! # Layout
//!
//! - [`gateway`]: the CC-Gateway agent interface (`/agentgateway/resource/...`): sign-in, the
//!   `Guid` session header, long-polled agent events, call data, the agent's own recording,
//!   sign-out.
//! - [`odfs`]: the ODFS dialog engine (`/oifde/rest/...`), for one thing only: starting the
//!   packet-capture recording of a call (`inaction` 7), with the tenant token it needs.
//! - [`tls`]: how an endpoint's certificate is trusted; [`RetryKind`]: what a caller may do about
//!   an error of either client.
//!
//! - [`ccfs`]: the CC-FS file service (`/CCFS/resource/ccfs/...`): auth-v2 signing and checking,
//!   `queryBillData` in windows of at most three days, `downloadBillFile`, and the CDR ZIP.
//!
//! This crate knows nothing of the desk or of Tauri: it speaks the wire format and classifies
//! errors, nothing more.
#![deny(missing_docs)]

pub mod ccfs;
mod endpoint;
pub mod gateway;
pub mod odfs;
mod retry;
pub mod tls;

pub use endpoint::base_url as check_base_url;
pub use retry::RetryKind;
