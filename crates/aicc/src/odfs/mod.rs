//! ODFS, the dialog engine of Huawei's OIAP intelligent IVR (REST over HTTPS, `/oifde/rest/...`),
//! used here for one thing: "record this call" through the packet-capture recording system
//! (`inaction` 7).
//!
//! Facts this module relies on (`reference/huawei-protocols.md` §D, `huawei-odfs-inaction7.txt`):
//!
//! - A tenant-level caller first gets a token: `POST oifde/rest/api/gettoken` with
//!   `{"appKey": <tenant id>, "appSecret": <API password>}` answers
//!   `{"errorCode": 0, "errorMsg", "authToken", "expireTime"}`. `expireTime` is the lifetime in
//!   seconds (3600 when absent). The client keeps the token and fetches a new one shortly before it
//!   runs out (see [`OdfsClient`]).
//! - The recording starts with `POST oifde/rest/crs/process` (or, with grey routing,
//!   `oifde/rest/v2/crs/process/{vdnId}`) and
//!   `{"userid", "inaction": 7, "inparams": {call_id, call_sor_id, call_dst_id, real_callee, cti_callid, auth_token}}`.
//!   `call_dst_id` (the flow access code, ≤ 20 characters) and `auth_token` are mandatory;
//!   `call_id` and `call_sor_id` hold at most 64 characters, `real_callee` and `cti_callid` 32.
//! - Success is `ret` "0" with `outaction` "7". The table types `ret` as a number while the
//!   example sends the string `"0"`: both are accepted, for `outaction` too.
//! - Token errors: 900001 (no token, or it expired) and 900002 (the token failed the check). The
//!   client drops its token, gets a new one and sends the request once more; a second token error
//!   is reported. Other codes of the OIAP list (10000001 internal error, 10000002 parameter error,
//!   10000003 parameter missing, 10000004 duplicate, 2008000xx key errors) are reported with their
//!   code.
//! - HTTP carries its own errors: 400 for a wrong address, 500 for a business failure (a
//!   parameter value not found).
//!
//! Where the documents are silent, and what the client does:
//!
//! - `userid` is "the call-instance key" and the flow uses `call_id` as that key, so the client
//!   sends `call_id` as `userid`, and requires it although the parameter table marks `call_id`
//!   optional: an empty instance key could not name the call.
//! - The vendor's example answer carries another `userid` than its request, so the answer's
//!   `userid` is kept but not checked.
//! - How a token error travels on `crs/process` is not shown; the client reads it from `ret`
//!   (or, failing that, from an OIAP-style `errorCode`), and a refusal's text from `errorMsg`
//!   or `message`.
//! - An `expireTime` above a day is taken as a day: nothing documents such a token, and a value
//!   that large is more likely a timestamp than a lifetime. A token the service stops accepting
//!   earlier is renewed by the 900001 path anyway.
//!
//! The app secret and the token are credentials: they live inside [`OdfsClient`], print as
//! `<redacted>` in `Debug`, never appear in an error, and only their lengths are logged.

mod client;
mod error;
mod record;
mod types;

pub use client::{AppSecret, OdfsClient, OdfsConfig};
pub use error::OdfsError;
pub use record::{RecordRequest, RecordRequestError, RecordStarted};
