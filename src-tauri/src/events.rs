//! UI event names, decided here and nowhere else.

use sidekick_desk::Desk;
use tauri::{AppHandle, Emitter, Runtime};

/// Carries a whole [`DeskSnapshot`](sidekick_desk::DeskSnapshot) each time it changes.
pub const SNAPSHOT: &str = "desk://snapshot";

/// Forwards every desk snapshot to the webview until the app exits.
pub fn forward_snapshots<R: Runtime>(app: AppHandle<R>, desk: Desk) {
    let mut rx = desk.subscribe();
    tauri::async_runtime::spawn(async move {
        while rx.changed().await.is_ok() {
            let snap = rx.borrow_and_update().clone();
            if let Err(e) = app.emit(SNAPSHOT, snap) {
                tracing::warn!("snapshot not delivered to the UI: {e}");
            }
        }
    });
}
