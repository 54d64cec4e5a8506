//! Call notes and the call history. Note texts and the call-data key are never logged: the
//! instrumented commands skip every argument.

use sidekick_desk::notes::HistoryCall;
use sidekick_desk::{Desk, DeskSnapshot, SettingsView};
use tauri::State;

use super::settings::blocking;
use crate::error::IpcError;

#[tauri::command]
#[tracing::instrument(skip_all, err(level = "warn", Debug))]
pub async fn attach_note(desk: State<'_, Desk>, call_id: String, text: String) -> Result<DeskSnapshot, IpcError> {
    desk.attach_note(&call_id, text).await.map_err(Into::into)
}

#[tauri::command]
pub async fn call_history(desk: State<'_, Desk>) -> Result<Vec<HistoryCall>, IpcError> {
    blocking(&desk, |d| d.call_history()).await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(level = "warn", Debug))]
pub async fn set_call_data_key(desk: State<'_, Desk>, key: String) -> Result<SettingsView, IpcError> {
    blocking(&desk, move |d| d.set_call_data_key(&key)).await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(level = "warn", Debug))]
pub async fn forget_call_data_key(desk: State<'_, Desk>) -> Result<SettingsView, IpcError> {
    blocking(&desk, |d| d.forget_call_data_key()).await
}
