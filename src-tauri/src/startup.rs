//! How long the app took to show its first screen: from `run()` (the process is loaded) to the
//! UI saying its first screen is drawn. Logged once, and shown in the diagnostics.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

static BEGUN: OnceLock<Instant> = OnceLock::new();
static SHOWN: OnceLock<Duration> = OnceLock::new();

/// Marks the start (the top of `run`).
pub fn begin() {
    let _ = BEGUN.set(Instant::now());
}

/// The UI's first screen is drawn: keeps and logs the time since [`begin`]. Later calls (a reload
/// of the page) change nothing.
pub fn shown() {
    let Some(begun) = BEGUN.get() else { return };
    if SHOWN.set(begun.elapsed()).is_ok() {
        let ms = SHOWN.get().map_or(0, Duration::as_millis);
        tracing::info!(ms, "first screen shown");
    }
}

/// For the diagnostics.
pub fn summary() -> String {
    match SHOWN.get() {
        Some(d) => format!("first screen after {} ms", d.as_millis()),
        None => "first screen not reported yet".into(),
    }
}
