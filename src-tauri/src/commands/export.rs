//! The supervisor's export from CC-FS: settings, the SK, requests, rows, CSV and the audit log.
//! The SK is write-only: it goes to the keychain and only `skSaved` comes back.

use sidekick_desk::export::{ExportAuditEntry, ExportForm, ExportJobView, ExportSettings, Role, RowPage, RowQuery};
use sidekick_desk::{Desk, SettingsView};
use tauri::{Manager, Runtime, State};

use super::settings::blocking;
use crate::error::IpcError;

#[tauri::command]
#[tracing::instrument(skip_all, err(level = "warn", Debug))]
pub async fn set_role(desk: State<'_, Desk>, role: Role) -> Result<SettingsView, IpcError> {
    desk.set_role(role).await.map_err(Into::into)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(level = "warn", Debug))]
pub async fn save_export_settings(desk: State<'_, Desk>, settings: ExportSettings) -> Result<SettingsView, IpcError> {
    desk.save_export_settings(settings).await.map_err(Into::into)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(level = "warn", Debug))]
pub async fn set_ccfs_sk(desk: State<'_, Desk>, sk: String) -> Result<SettingsView, IpcError> {
    desk.set_ccfs_sk(&sk).await.map_err(Into::into)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(level = "warn", Debug))]
pub async fn forget_ccfs_sk(desk: State<'_, Desk>) -> Result<SettingsView, IpcError> {
    desk.forget_ccfs_sk().await.map_err(Into::into)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(level = "warn", Debug))]
pub async fn request_export(desk: State<'_, Desk>, form: ExportForm) -> Result<Vec<ExportJobView>, IpcError> {
    desk.request_export(form).await.map_err(Into::into)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(level = "warn", Debug))]
pub async fn retry_export(desk: State<'_, Desk>, job: i64) -> Result<Vec<ExportJobView>, IpcError> {
    desk.retry_export(job).await.map_err(Into::into)
}

#[tauri::command]
pub async fn export_rows(desk: State<'_, Desk>, query: RowQuery) -> Result<RowPage, IpcError> {
    blocking(&desk, move |d| d.export_rows(&query)).await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(level = "warn", Debug))]
pub async fn export_csv<R: Runtime>(app: tauri::AppHandle<R>, desk: State<'_, Desk>, query: RowQuery) -> Result<String, IpcError> {
    let dir = app.path().download_dir().or_else(|_| app.path().home_dir()).map_err(|e| IpcError {
        code: sidekick_desk::ErrorCode::Storage,
        message: format!("No Downloads folder to write the CSV to: {e}"),
    })?;
    blocking(&desk, move |d| d.export_csv(&query, &dir).map(|p| p.display().to_string())).await
}

#[tauri::command]
pub async fn export_audit(desk: State<'_, Desk>) -> Result<Vec<ExportAuditEntry>, IpcError> {
    blocking(&desk, |d| d.export_audit()).await
}
