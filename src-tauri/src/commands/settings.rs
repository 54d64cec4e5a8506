//! Settings the UI reads and edits.
//!
//! These touch the OS keychain (whether a password is saved), which can block on a D-Bus call or
//! an unlock prompt, so they are async and do that work on a blocking thread: a sync command
//! would run on the main thread and freeze the window meanwhile.

use sidekick_desk::{Desk, DeskError, Language, SettingsView};
use tauri::State;

use crate::error::IpcError;

/// Runs `f` with the desk on a blocking thread.
pub(super) async fn blocking<T: Send + 'static>(
    desk: &Desk,
    f: impl FnOnce(Desk) -> Result<T, DeskError> + Send + 'static,
) -> Result<T, IpcError> {
    let desk = desk.clone();
    tauri::async_runtime::spawn_blocking(move || f(desk))
        .await
        .map_err(|e| IpcError { code: sidekick_desk::ErrorCode::Internal, message: e.to_string() })?
        .map_err(Into::into)
}

#[tauri::command]
pub async fn get_settings(desk: State<'_, Desk>) -> Result<SettingsView, IpcError> {
    blocking(&desk, |d| Ok(d.settings())).await
}

#[tauri::command]
#[tracing::instrument(skip(desk), err(level = "warn", Debug))]
pub async fn set_language(desk: State<'_, Desk>, language: Language) -> Result<SettingsView, IpcError> {
    blocking(&desk, move |d| d.set_language(language)).await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(level = "warn", Debug))]
pub async fn forget_password(desk: State<'_, Desk>) -> Result<SettingsView, IpcError> {
    blocking(&desk, |d| d.forget_password()).await
}
