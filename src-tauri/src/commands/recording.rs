//! Recording the call on the card, the recording audit log, and the ODFS app secret (never
//! logged: the instrumented commands skip their arguments).

use sidekick_desk::recording::AuditEntry;
use sidekick_desk::{Desk, DeskSnapshot, SettingsView};
use tauri::{Manager, Runtime, State};

use super::settings::blocking;
use crate::error::IpcError;

#[tauri::command]
#[tracing::instrument(skip_all, err(level = "warn", Debug))]
pub async fn start_recording(desk: State<'_, Desk>) -> Result<DeskSnapshot, IpcError> {
    desk.start_recording().await.map_err(Into::into)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(level = "warn", Debug))]
pub async fn stop_recording(desk: State<'_, Desk>) -> Result<DeskSnapshot, IpcError> {
    desk.stop_recording().await.map_err(Into::into)
}

#[tauri::command]
pub async fn recording_audit(desk: State<'_, Desk>) -> Result<Vec<AuditEntry>, IpcError> {
    blocking(&desk, |d| d.recording_audit()).await
}

/// Writes the audit log as CSV to the user's Downloads folder (or the home folder) and returns
/// the file's path.
#[tauri::command]
#[tracing::instrument(skip_all, err(level = "warn", Debug))]
pub async fn export_recording_audit<R: Runtime>(app: tauri::AppHandle<R>, desk: State<'_, Desk>) -> Result<String, IpcError> {
    let dir = app.path().download_dir().or_else(|_| app.path().home_dir()).map_err(|e| IpcError {
        code: sidekick_desk::ErrorCode::Storage,
        message: format!("No folder to save the export in: {e}"),
    })?;
    blocking(&desk, move |d| d.export_recording_audit(&dir).map(|p| p.display().to_string())).await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(level = "warn", Debug))]
pub async fn set_odfs_secret(desk: State<'_, Desk>, secret: String) -> Result<SettingsView, IpcError> {
    blocking(&desk, move |d| d.set_odfs_secret(&secret)).await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(level = "warn", Debug))]
pub async fn forget_odfs_secret(desk: State<'_, Desk>) -> Result<SettingsView, IpcError> {
    blocking(&desk, |d| d.forget_odfs_secret()).await
}
