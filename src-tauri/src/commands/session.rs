//! The agent's session: snapshot, sign-in, sign-out, demo.

use sidekick_desk::{Desk, DeskSnapshot, SignInForm, StateChoice};
use tauri::State;

use crate::error::IpcError;

#[tauri::command]
pub fn get_snapshot(desk: State<'_, Desk>) -> DeskSnapshot {
    desk.snapshot()
}

#[tauri::command]
#[tracing::instrument(skip_all, err(level = "warn", Debug))]
pub async fn sign_in(desk: State<'_, Desk>, form: SignInForm) -> Result<DeskSnapshot, IpcError> {
    desk.sign_in(form).await.map_err(Into::into)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(level = "warn", Debug))]
pub async fn sign_out(desk: State<'_, Desk>) -> Result<DeskSnapshot, IpcError> {
    desk.sign_out().await.map_err(Into::into)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(level = "warn", Debug))]
pub async fn start_demo(desk: State<'_, Desk>) -> Result<DeskSnapshot, IpcError> {
    desk.start_demo().await.map_err(Into::into)
}

#[tauri::command]
#[tracing::instrument(skip(desk), err(level = "warn", Debug))]
pub async fn set_agent_state(desk: State<'_, Desk>, choice: StateChoice) -> Result<DeskSnapshot, IpcError> {
    desk.set_agent_state(choice).await.map_err(Into::into)
}
