//! [`IpcError`]: how every command error crosses IPC — `{ code, message }`, never a bare string.

use serde::Serialize;
use sidekick_desk::{DeskError, ErrorCode};
use ts_rs::TS;

/// A command's error as the UI receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct IpcError {
    /// What kind of error; the UI branches on this.
    pub code: ErrorCode,
    /// A sentence for the agent (English; the UI may show its own text for the code).
    pub message: String,
}

impl From<DeskError> for IpcError {
    fn from(e: DeskError) -> Self {
        Self { code: e.code(), message: e.to_string() }
    }
}
