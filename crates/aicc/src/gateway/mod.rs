//! CC-Gateway agent interface (Huawei CEC "agentgateway", REST over HTTPS, default port 8043).
//!
//! Facts this module relies on (see `reference/huawei-protocols.md` §0, §A, §B, §C):
//!
//! - Every body is the envelope `{"message", "retcode", "result"}`; `retcode == "0"` is success and
//!   business errors arrive as HTTP 200 with another `retcode` (`NNN-NNN`).
//! - Sign-in (`PUT onlineagent/{agentid}`) returns the session Guid in a `Set-GUID` response header
//!   (`JSESSIONID=<guid>`), not in the body. Every later request sends it back as `Guid`. With
//!   AUTHMODE 2 the gateway rotates it and may send a new `Set-GUID` on *any* response, so the client
//!   takes it from every response.
//! - Events are long-polled (`GET agentevent/{agentid}`), one event per answer; the server holds
//!   the request ~10 s when nothing is queued, so the read timeout is well above that. The event's
//!   `content` is polymorphic: an object, a bare call-id string, or null.
//! - The agent's own recording (`recordplay/{agentid}/record`, `…/stoprecord`) is confirmed only
//!   by the `AgentMediaEvent_*` events that follow the request, never by the answer.
//! - Call-associated data (`calldata/{agentid}/setcalldataex`, `…/appdata`) is at most 16 KB of
//!   original content and is sensitive: only its length is ever logged. Its documented
//!   `isDataEncoded` flag is a boolean, but the vendor's own example sends the string `"true"`.
//!
//! The Guid is a credential: it is kept inside [`GatewayClient`] and never printed (its `Debug` is
//! redacted) and never returned to callers.

mod calldata;
mod callinfo;
mod client;
mod error;
mod events;
mod recording;
mod types;

pub use calldata::CALL_DATA_MAX_BYTES;
pub use callinfo::CallInfo;
pub use client::{GatewayClient, GatewayConfig, StateRequest, POLL_READ_TIMEOUT};
pub use error::{GatewayError, RetryKind};
pub use events::{CallParty, GatewayEvent, RecordInfo, RecordStop};
pub use types::{AgentId, AgentIdError, RawEvent, SignInRequest, SignInResult};
