//! Telphin Call Interactive: its settings, the preview, the address for the PBX, the screen pop.
//! The address carries the secret token: it is returned only to the command that asks for it,
//! never logged (the instrumented commands skip their results).

use sidekick_desk::interactive::{InteractiveSettings, SampleCall};
use sidekick_desk::{Desk, DeskSnapshot, SettingsView};
use sidekick_interactive::rules::{Preview, Rule};
use tauri::State;

use super::settings::blocking;
use crate::error::IpcError;

#[tauri::command]
#[tracing::instrument(skip_all, err(level = "warn", Debug))]
pub async fn save_call_interactive(desk: State<'_, Desk>, settings: InteractiveSettings) -> Result<SettingsView, IpcError> {
    desk.save_call_interactive(settings).await.map_err(Into::into)
}

#[tauri::command]
pub async fn preview_call_interactive(desk: State<'_, Desk>, rules: Vec<Rule>, sample: SampleCall) -> Result<Preview, IpcError> {
    blocking(&desk, move |d| d.preview_call_interactive(&rules, &sample)).await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(level = "warn", Debug))]
pub fn call_interactive_address(desk: State<'_, Desk>) -> Result<String, IpcError> {
    desk.call_interactive_address().map_err(Into::into)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(level = "warn", Debug))]
pub async fn renew_call_interactive_token(desk: State<'_, Desk>) -> Result<SettingsView, IpcError> {
    desk.renew_call_interactive_token().await.map_err(Into::into)
}

#[tauri::command]
pub fn dismiss_ivr_pop(desk: State<'_, Desk>, call_id: String) -> DeskSnapshot {
    desk.dismiss_ivr_pop(&call_id)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(level = "warn", Debug))]
pub async fn set_relay_key(desk: State<'_, Desk>, key: String) -> Result<SettingsView, IpcError> {
    desk.set_relay_key(&key).await.map_err(Into::into)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(level = "warn", Debug))]
pub async fn forget_relay_key(desk: State<'_, Desk>) -> Result<SettingsView, IpcError> {
    desk.forget_relay_key().await.map_err(Into::into)
}
