//! System-wide hotkeys: they work while another window (the softphone, the CRM) has the focus.
//!
//! One so far: start or stop recording the call on the card, `CmdOrCtrl+Shift+R` unless the
//! administrator's `recordHotkey` setting names another (an empty value turns it off). A hotkey
//! another application already holds cannot be registered: the desk keeps the reason and the
//! settings page shows it.

use sidekick_desk::Desk;
use tauri::{Manager, Runtime};
use tauri_plugin_global_shortcut::{GlobalShortcutExt, Shortcut, ShortcutState};

/// The plugin, with the handler that sends each pressed hotkey to the desk.
pub fn plugin<R: Runtime>() -> tauri::plugin::TauriPlugin<R> {
    tauri_plugin_global_shortcut::Builder::new()
        .with_handler(|app, shortcut, event| {
            if event.state != ShortcutState::Pressed {
                return;
            }
            let Some(desk) = app.try_state::<Desk>().map(|d| d.inner().clone()) else { return };
            let ours = desk.settings().record_hotkey.as_deref().and_then(|h| h.parse::<Shortcut>().ok());
            if ours.as_ref() == Some(shortcut) {
                tauri::async_runtime::spawn(async move {
                    if let Err(e) = desk.toggle_recording().await {
                        tracing::info!("recording hotkey: {e}");
                    }
                });
            }
        })
        .build()
}

/// Registers the recording hotkey when the app has the hotkey plugin (the shell tests on the mock
/// runtime do not).
pub fn register_if_available<R: Runtime>(app: &tauri::AppHandle<R>, desk: &Desk) {
    if app.try_state::<tauri_plugin_global_shortcut::GlobalShortcut<R>>().is_some() {
        register(app, desk);
    }
}

/// Registers the recording hotkey from the settings, and records the outcome on the desk. A
/// combination held by another process is tried again for a few seconds: the one holding it is
/// often this app's previous instance, still quitting (it signs out first).
pub fn register<R: Runtime>(app: &tauri::AppHandle<R>, desk: &Desk) {
    let Some(accelerator) = desk.settings().record_hotkey else {
        desk.set_hotkey_problem(None);
        return;
    };
    let shortcut = match accelerator.parse::<Shortcut>() {
        Ok(s) => s,
        Err(e) => {
            let p = format!("The recording hotkey \"{accelerator}\" is not a key combination: {e}");
            tracing::warn!("{p}");
            desk.set_hotkey_problem(Some(p));
            return;
        }
    };
    let (app, desk) = (app.clone(), desk.clone());
    tauri::async_runtime::spawn(async move {
        let mut last = None;
        for _ in 0..RETRIES {
            match app.global_shortcut().register(shortcut) {
                Ok(()) => {
                    tracing::info!(hotkey = %accelerator, "recording hotkey registered");
                    desk.set_hotkey_problem(None);
                    return;
                }
                Err(e) => last = Some(e.to_string()),
            }
            tokio::time::sleep(RETRY_EVERY).await;
        }
        let p = format!(
            "The recording hotkey {accelerator} could not be registered (another application may hold it): {}",
            last.unwrap_or_default()
        );
        tracing::warn!("{p}");
        desk.set_hotkey_problem(Some(p));
    });
}

const RETRIES: usize = 20;
const RETRY_EVERY: std::time::Duration = std::time::Duration::from_millis(500);
