//! IVR takeover over the Era token API: settings, the token (write-only: only `tokenSaved` comes
//! back), and a supervisor's actions on an offered session.

use sidekick_desk::takeover::{ComponentForm, FileLinkView, TakeoverSettings, UploadForm};
use sidekick_desk::{Desk, DeskSnapshot, SettingsView};
use tauri::State;

use crate::error::IpcError;

#[tauri::command]
#[tracing::instrument(skip_all, err(level = "warn", Debug))]
pub async fn save_takeover_settings(desk: State<'_, Desk>, settings: TakeoverSettings) -> Result<SettingsView, IpcError> {
    desk.save_takeover_settings(settings).await.map_err(Into::into)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(level = "warn", Debug))]
pub async fn set_era_token(desk: State<'_, Desk>, token: String) -> Result<SettingsView, IpcError> {
    desk.set_era_token(&token).await.map_err(Into::into)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(level = "warn", Debug))]
pub async fn forget_era_token(desk: State<'_, Desk>) -> Result<SettingsView, IpcError> {
    desk.forget_era_token().await.map_err(Into::into)
}

#[tauri::command]
#[tracing::instrument(skip(desk), err(level = "warn", Debug))]
pub async fn take_control(desk: State<'_, Desk>, ivrid: String) -> Result<DeskSnapshot, IpcError> {
    desk.take_control(&ivrid).await?;
    Ok(desk.snapshot())
}

#[tauri::command]
#[tracing::instrument(skip(desk), err(level = "warn", Debug))]
pub async fn hand_back(desk: State<'_, Desk>, ivrid: String) -> Result<DeskSnapshot, IpcError> {
    desk.hand_back(&ivrid).await?;
    Ok(desk.snapshot())
}

#[tauri::command]
#[tracing::instrument(skip(desk, component), err(level = "warn", Debug))]
pub async fn run_component(desk: State<'_, Desk>, ivrid: String, component: ComponentForm) -> Result<DeskSnapshot, IpcError> {
    desk.run_component(&ivrid, component).await?;
    Ok(desk.snapshot())
}

#[tauri::command]
#[tracing::instrument(skip(desk), err(level = "warn", Debug))]
pub async fn stop_component(desk: State<'_, Desk>, ivrid: String) -> Result<DeskSnapshot, IpcError> {
    desk.stop_component(&ivrid).await?;
    Ok(desk.snapshot())
}

#[tauri::command]
#[tracing::instrument(skip(desk), err(level = "warn", Debug))]
pub async fn ivr_file_link(desk: State<'_, Desk>, ivrid: String, path: String) -> Result<FileLinkView, IpcError> {
    desk.ivr_file_link(&ivrid, &path).await.map_err(Into::into)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(level = "warn", Debug))]
pub async fn ivr_upload(desk: State<'_, Desk>, form: UploadForm) -> Result<String, IpcError> {
    desk.ivr_upload(form).await.map_err(Into::into)
}
