//! CC-FS, the platform's file service, for the supervisor's export of CDRs and recording indexes
//! (huawei-protocols.md §E; huawei-ccfs-querybilldata.txt).
//!
//! - [`sign`]: the auth-v2 signature (a pure function) and the check of an incoming callback.
//! - [`query`]: what a supervisor asks for, its limits, and the split into ≤ 3-day windows.
//! - [`CcfsClient`]: `queryBillData` and `downloadBillFile`.
//! - [`bill`]: the ZIP and its CSV files.
//! - [`types`]: the wire bodies, and the callback's body.
//!
//! CC-FS answers `queryBillData` at once with a `responseId`, generates the files, then posts the
//! file's name to the callback address (signed with auth-v2, retried every 10 minutes until it gets
//! a success); the receiver of that callback lives with whoever runs a server (the desk).

pub mod bill;
mod client;
mod error;
pub mod query;
pub mod sign;
pub mod types;

pub use bill::{parse_bill_zip, BillData, BillError, CdrRow, RecordRow};
pub use client::{host_header, CcfsClient, CcfsConfig, JSON_CONTENT_TYPE, MAX_BILL_FILE_NAME};
pub use error::CcfsError;
pub use query::{windows, BillFilters, BillQuery, DataType, QueryError};
pub use sign::{Credentials, HeaderOrder, SignOptions, TimestampFormat};
pub use types::{CallbackBody, CallbackMsg, CALLBACK_SUCCESS};
