//! Looking for updates (Tauri's updater: packages signed with the key whose public half is in
//! `tauri.conf.json`) an hour after start-up and every six hours, where the desk allows it; and
//! installing one when the user asks, between calls. Nothing prompts: Settings shows what was found.

use sidekick_desk::update::UpdateView;
use sidekick_desk::{Desk, DeskError};
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_updater::UpdaterExt;

const FIRST_LOOK: std::time::Duration = std::time::Duration::from_secs(60 * 60);
const EVERY: std::time::Duration = std::time::Duration::from_secs(6 * 60 * 60);

/// Starts the periodic look, when the app has the updater plugin.
pub fn watch<R: Runtime>(app: &AppHandle<R>, desk: &Desk) {
    if app.try_state::<tauri_plugin_updater::Updater>().is_none() && app.updater_builder().build().is_err() {
        return;
    }
    let (app, desk) = (app.clone(), desk.clone());
    tauri::async_runtime::spawn(async move {
        let first = tokio::time::Instant::now() + FIRST_LOOK;
        let mut every = tokio::time::interval_at(first, EVERY);
        // Say at once whether updates are off or not configured.
        if let Err(why) = desk.update_endpoint() {
            desk.set_update(why);
        }
        loop {
            every.tick().await;
            look(&app, &desk).await;
        }
    });
}

/// Looks for an update once and keeps what was found on the desk.
pub async fn look<R: Runtime>(app: &AppHandle<R>, desk: &Desk) {
    let endpoint = match desk.update_endpoint() {
        Ok(e) => e,
        Err(why) => return desk.set_update(why),
    };
    let view = match check(app, &endpoint).await {
        Ok(Some(update)) => UpdateView::Available { version: update.version.clone(), notes: update.body.clone() },
        Ok(None) => UpdateView::UpToDate { checked_ms: now_ms() },
        Err(e) => {
            tracing::warn!("looking for an update failed: {e}");
            UpdateView::Failed { reason: e }
        }
    };
    desk.set_update(view);
}

async fn check<R: Runtime>(app: &AppHandle<R>, endpoint: &str) -> Result<Option<tauri_plugin_updater::Update>, String> {
    let url = endpoint.parse().map_err(|e| format!("the update address is not a URL: {e}"))?;
    let updater = app.updater_builder().endpoints(vec![url]).map_err(|e| e.to_string())?.build().map_err(|e| e.to_string())?;
    updater.check().await.map_err(|e| e.to_string())
}

/// Installs the update found and restarts, when the desk allows it now (never during a call).
pub async fn install<R: Runtime>(app: &AppHandle<R>, desk: &Desk) -> Result<(), DeskError> {
    desk.may_install_update()?;
    let endpoint = desk.update_endpoint().map_err(|_| DeskError::Invalid("Updates are not available".into()))?;
    let update = check(app, &endpoint)
        .await
        .map_err(DeskError::Unreachable)?
        .ok_or_else(|| DeskError::Invalid("There is no update to install any more".into()))?;
    tracing::info!(version = %update.version, "installing an update");
    update.download_and_install(|_, _| {}, || {}).await.map_err(|e| DeskError::Unreachable(format!("The update could not be installed: {e}")))?;
    app.restart();
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}
