//! Settings the UI reads and edits.

use sidekick_desk::{Desk, Language, SettingsView};
use tauri::State;

use crate::error::IpcError;

#[tauri::command]
pub fn get_settings(desk: State<'_, Desk>) -> SettingsView {
    desk.settings()
}

#[tauri::command]
#[tracing::instrument(skip(desk), err(level = "warn", Debug))]
pub fn set_language(desk: State<'_, Desk>, language: Language) -> Result<SettingsView, IpcError> {
    desk.set_language(language).map_err(Into::into)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(level = "warn", Debug))]
pub fn forget_password(desk: State<'_, Desk>) -> Result<SettingsView, IpcError> {
    desk.forget_password().map_err(Into::into)
}
