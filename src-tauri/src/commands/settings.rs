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

#[tauri::command]
#[tracing::instrument(skip(desk, app), err(level = "warn", Debug))]
pub async fn save_desktop_settings<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    desk: State<'_, Desk>,
    desktop: sidekick_desk::settings::DesktopSettings,
) -> Result<SettingsView, IpcError> {
    let view = blocking(&desk, move |d| d.save_desktop_settings(desktop)).await?;
    crate::desktop::apply(&app, view.desktop);
    Ok(view)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(level = "warn", Debug))]
pub async fn save_hotkeys<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    desk: State<'_, Desk>,
    hotkeys: std::collections::BTreeMap<sidekick_desk::hotkeys::HotkeyAction, String>,
) -> Result<SettingsView, IpcError> {
    let view = blocking(&desk, move |d| d.save_hotkeys(hotkeys)).await?;
    crate::hotkeys::register_if_available(&app, &desk);
    Ok(view)
}

/// A diagnostics text for a support ticket (no secrets: see `Desk::diagnostics`).
#[tauri::command]
pub async fn diagnostics<R: tauri::Runtime>(app: tauri::AppHandle<R>, desk: State<'_, Desk>) -> Result<String, IpcError> {
    use tauri::Manager;
    let dir = |d: Result<std::path::PathBuf, tauri::Error>| d.map(|p| p.display().to_string()).unwrap_or_else(|e| format!("unknown ({e})"));
    let about = [
        ("version", app.package_info().version.to_string()),
        ("tauri", tauri::VERSION.to_owned()),
        ("system", format!("{} {}", std::env::consts::OS, std::env::consts::ARCH)),
        ("config dir", dir(app.path().app_config_dir())),
        ("data dir", dir(app.path().app_data_dir())),
        ("start-up", crate::startup::summary()),
        ("tray icon", if app.tray_by_id(crate::desktop::TRAY_ID).is_some() { "in place" } else { "none" }.to_owned()),
        (
            "window",
            match app.get_webview_window("main").map(|w| w.is_always_on_top()) {
                Some(Ok(true)) => "always on top",
                Some(Ok(false)) => "normal",
                _ => "unknown",
            }
            .to_owned(),
        ),
    ];
    blocking(&desk, move |d| {
        let refs: Vec<(&str, String)> = about.iter().map(|(k, v)| (*k, v.clone())).collect();
        Ok(d.diagnostics(&refs))
    })
    .await
}

/// The UI has drawn its first screen: the start-up time is kept (the first call only) and logged.
#[tauri::command]
pub fn window_shown() {
    crate::startup::shown();
}

/// Looks for an update now (Settings → Updates → Look now).
#[tauri::command]
pub async fn look_for_update<R: tauri::Runtime>(app: tauri::AppHandle<R>, desk: State<'_, Desk>) -> Result<SettingsView, IpcError> {
    crate::updates::look(&app, &desk).await;
    Ok(desk.settings())
}

/// Installs the update found and restarts the app; refused during a call.
#[tauri::command]
#[tracing::instrument(skip_all, err(level = "warn", Debug))]
pub async fn install_update<R: tauri::Runtime>(app: tauri::AppHandle<R>, desk: State<'_, Desk>) -> Result<(), IpcError> {
    crate::updates::install(&app, &desk).await.map_err(Into::into)
}
