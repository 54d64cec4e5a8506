//! Call control on the live call.

use sidekick_desk::{Desk, DeskSnapshot};
use tauri::State;

use crate::error::IpcError;

#[tauri::command]
#[tracing::instrument(skip_all, err(level = "warn", Debug))]
pub async fn answer_call(desk: State<'_, Desk>) -> Result<DeskSnapshot, IpcError> {
    desk.answer_call().await.map_err(Into::into)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(level = "warn", Debug))]
pub async fn hold_call(desk: State<'_, Desk>) -> Result<DeskSnapshot, IpcError> {
    desk.hold_call().await.map_err(Into::into)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(level = "warn", Debug))]
pub async fn unhold_call(desk: State<'_, Desk>) -> Result<DeskSnapshot, IpcError> {
    desk.unhold_call().await.map_err(Into::into)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(level = "warn", Debug))]
pub async fn hang_up(desk: State<'_, Desk>) -> Result<DeskSnapshot, IpcError> {
    desk.hang_up().await.map_err(Into::into)
}
