//! A lean WebKitGTK (Linux). The window shows one local page of forms and cards: it needs no GPU
//! compositing, WebGL, page cache or web caches, and each of those costs memory in the web
//! process (GPU compositing alone loads a GL driver into both processes: under Xvfb's software
//! GL that was about 120 MiB of the 368 MiB the app used before; see BENCHMARKS.md).
//!
//! An environment variable a person has set wins over these defaults (a driver that needs
//! compositing can have it back with `WEBKIT_DISABLE_COMPOSITING_MODE=0`).

/// Sets WebKit's environment before GTK or WebKit start (the top of `run`, before any thread).
pub fn lean_environment() {
    #[cfg(target_os = "linux")]
    for (name, value) in [
        // Draw without accelerated compositing (no GL context in the web process).
        ("WEBKIT_DISABLE_COMPOSITING_MODE", "1"),
        // Share frames without DMA-BUF (no GBM/EGL device in the UI process).
        ("WEBKIT_DISABLE_DMABUF_RENDERER", "1"),
        // No memory-pressure polling: the UI process's monitor thread reads /proc every 1–5 s
        // and the web process reads all of /proc/self/smaps every 30 s, on an idle desk too
        // (two thirds of its idle CPU). A page of forms with the smallest cache model has
        // little to give back under pressure.
        ("WEBKIT_DISABLE_MEMORY_PRESSURE_MONITOR", "1"),
    ] {
        if std::env::var_os(name).is_none() {
            std::env::set_var(name, value);
        }
    }
}

/// Settings of the window's web view and its context: no hardware acceleration, no WebGL, no
/// page cache, the smallest cache model.
#[cfg(target_os = "linux")]
pub fn lean_webview<R: tauri::Runtime>(app: &tauri::AppHandle<R>) {
    use tauri::Manager;
    use webkit2gtk::{CacheModel, HardwareAccelerationPolicy, SettingsExt, WebContextExt, WebViewExt};
    let Some(window) = app.get_webview_window("main") else { return };
    let compositing = std::env::var("WEBKIT_DISABLE_COMPOSITING_MODE").is_ok_and(|v| v == "0");
    let result = window.with_webview(move |webview| {
        let view = webview.inner();
        if let Some(settings) = WebViewExt::settings(&view) {
            if !compositing {
                settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
            }
            settings.set_enable_webgl(false);
            settings.set_enable_page_cache(false);
        }
        if let Some(context) = view.context() {
            context.set_cache_model(CacheModel::DocumentViewer);
        }
    });
    if let Err(e) = result {
        tracing::warn!("the web view's settings could not be applied: {e}");
    }
}

#[cfg(not(target_os = "linux"))]
pub fn lean_webview<R: tauri::Runtime>(_app: &tauri::AppHandle<R>) {}
