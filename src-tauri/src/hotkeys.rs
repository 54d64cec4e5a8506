//! System-wide hotkeys: they work while another window (the softphone, the CRM) has the focus.
//!
//! The desk says which combination does what ([`Desk::hotkey_plan`]): start or stop recording
//! (`CmdOrCtrl+Shift+R` unless the settings say otherwise), and, when bound in the settings,
//! answer, hold/unhold, hang up, focus the notes editor and attach the note. Two actions on one
//! combination are refused before anything is registered; a combination another application
//! already holds cannot be registered (the OS says so): either way the desk keeps the reason per
//! action and the settings page shows it.

use std::collections::BTreeMap;
use std::sync::Mutex;

use sidekick_desk::hotkeys::HotkeyAction;
use sidekick_desk::{CallState, Desk};
use tauri::{Emitter, Manager, Runtime};
use tauri_plugin_global_shortcut::Shortcut;

/// The event that asks the window to act (focus the notes, attach the note); its payload is the
/// [`HotkeyAction`].
pub const HOTKEY_EVENT: &str = "desk://hotkey";

/// Which registered shortcut does what.
#[derive(Default)]
struct Bindings(Mutex<Vec<(Shortcut, HotkeyAction)>>);

/// The plugin, with the handler that sends each pressed hotkey to the desk or the window.
#[cfg(not(target_os = "linux"))]
pub fn plugin<R: Runtime>() -> tauri::plugin::TauriPlugin<R> {
    use tauri_plugin_global_shortcut::ShortcutState;
    tauri_plugin_global_shortcut::Builder::new()
        .with_handler(|app, shortcut, event| {
            if event.state == ShortcutState::Pressed {
                pressed(app, *shortcut);
            }
        })
        .build()
}

/// On Linux the hotkeys are X11 grabs of the app's own ([`crate::x11keys`]: no thread waking
/// every 50 ms), set up as a plugin so the rest of the app is the same on every system.
#[cfg(target_os = "linux")]
pub fn plugin<R: Runtime>() -> tauri::plugin::TauriPlugin<R> {
    tauri::plugin::Builder::new("x11-hotkeys")
        .setup(|app, _| {
            let handle = app.clone();
            app.manage(crate::x11keys::X11Keys::start(move |shortcut| pressed(&handle, shortcut)));
            Ok(())
        })
        .build()
}

/// A bound combination was pressed: its action goes to the desk or the window.
fn pressed<R: Runtime>(app: &tauri::AppHandle<R>, shortcut: Shortcut) {
    let action = app.try_state::<Bindings>().and_then(|b| b.0.lock().ok()?.iter().find(|(s, _)| *s == shortcut).map(|(_, a)| *a));
    let (Some(action), Some(desk)) = (action, app.try_state::<Desk>().map(|d| d.inner().clone())) else { return };
    act(app, desk, action);
}

/// The system's hotkeys, when this app has them (the shell tests on the mock runtime do not).
#[cfg(not(target_os = "linux"))]
fn os_keys<R: Runtime>(app: &tauri::AppHandle<R>) -> Option<OsKeys<R>> {
    app.try_state::<tauri_plugin_global_shortcut::GlobalShortcut<R>>().map(|_| OsKeys(app.clone()))
}
#[cfg(not(target_os = "linux"))]
struct OsKeys<R: Runtime>(tauri::AppHandle<R>);
#[cfg(not(target_os = "linux"))]
impl<R: Runtime> OsKeys<R> {
    fn register(&self, s: Shortcut) -> Result<(), String> {
        use tauri_plugin_global_shortcut::GlobalShortcutExt;
        self.0.global_shortcut().register(s).map_err(|e| e.to_string())
    }
    fn unregister_all(&self) {
        use tauri_plugin_global_shortcut::GlobalShortcutExt;
        let _ = self.0.global_shortcut().unregister_all();
    }
}

#[cfg(target_os = "linux")]
fn os_keys<R: Runtime>(app: &tauri::AppHandle<R>) -> Option<tauri::State<'_, crate::x11keys::X11Keys>> {
    app.try_state::<crate::x11keys::X11Keys>()
}

fn act<R: Runtime>(app: &tauri::AppHandle<R>, desk: Desk, action: HotkeyAction) {
    match action {
        HotkeyAction::FocusNotes | HotkeyAction::AttachNote => {
            crate::desktop::focus_main(app);
            if let Err(e) = app.emit(HOTKEY_EVENT, action) {
                tracing::info!("hotkey not delivered to the window: {e}");
            }
        }
        _ => {
            tauri::async_runtime::spawn(async move {
                let held = desk.snapshot().call.is_some_and(|c| c.state == CallState::Held);
                let result = match action {
                    HotkeyAction::Answer => desk.answer_call().await.map(drop),
                    HotkeyAction::Hold if held => desk.unhold_call().await.map(drop),
                    HotkeyAction::Hold => desk.hold_call().await.map(drop),
                    HotkeyAction::HangUp => desk.hang_up().await.map(drop),
                    _ => desk.toggle_recording().await.map(drop),
                };
                if let Err(e) = result {
                    tracing::info!(?action, "hotkey: {e}");
                }
            });
        }
    }
}

/// Registers the hotkeys when the app has the hotkey plugin (the shell tests on the mock runtime
/// do not).
pub fn register_if_available<R: Runtime>(app: &tauri::AppHandle<R>, desk: &Desk) {
    if os_keys(app).is_some() {
        register(app, desk);
    }
}

/// (Re-)registers the desk's hotkeys and records the outcome on the desk. A combination held by
/// another process is tried again for a few seconds: the one holding it is often this app's
/// previous instance, still quitting (it signs out first).
pub fn register<R: Runtime>(app: &tauri::AppHandle<R>, desk: &Desk) {
    if app.try_state::<Bindings>().is_none() {
        app.manage(Bindings::default());
    }
    let Some(keys) = os_keys(app) else { return };
    keys.unregister_all();
    if let Some(b) = app.try_state::<Bindings>() {
        if let Ok(mut b) = b.0.lock() {
            b.clear();
        }
    }
    let (plan, mut problems) = desk.hotkey_plan();
    let mut wanted = Vec::new();
    for (action, accelerator) in plan {
        match accelerator.parse::<Shortcut>() {
            Ok(s) => wanted.push((action, accelerator, s)),
            Err(e) => {
                problems.insert(action, format!("\"{accelerator}\" is not a key combination: {e}"));
            }
        }
    }
    desk.set_hotkey_problems(problems.clone());
    let (app, desk) = (app.clone(), desk.clone());
    tauri::async_runtime::spawn(async move {
        let mut pending: BTreeMap<HotkeyAction, (String, Shortcut, String)> =
            wanted.into_iter().map(|(a, text, s)| (a, (text, s, String::new()))).collect();
        for _ in 0..RETRIES {
            let mut done = Vec::new();
            for (action, (text, shortcut, last)) in pending.iter_mut() {
                let Some(keys) = os_keys(&app) else { return };
                match keys.register(*shortcut) {
                    Ok(()) => {
                        tracing::info!(hotkey = %text, ?action, "hotkey registered");
                        if let Some(b) = app.try_state::<Bindings>() {
                            if let Ok(mut b) = b.0.lock() {
                                b.push((*shortcut, *action));
                            }
                        }
                        problems.remove(action);
                        done.push(*action);
                    }
                    Err(e) => *last = e,
                }
            }
            for a in done {
                pending.remove(&a);
            }
            desk.set_hotkey_problems(with_held(&problems, &pending, false));
            if pending.is_empty() {
                return;
            }
            tokio::time::sleep(RETRY_EVERY).await;
        }
        let final_problems = with_held(&problems, &pending, true);
        for (action, p) in &final_problems {
            tracing::warn!(?action, "{p}");
        }
        desk.set_hotkey_problems(final_problems);
    });
}

/// The problems, with the combinations still not registered: while retrying, each says so; once
/// retrying is over, each is reported as held by another application.
fn with_held(
    problems: &BTreeMap<HotkeyAction, String>,
    pending: &BTreeMap<HotkeyAction, (String, Shortcut, String)>,
    over: bool,
) -> BTreeMap<HotkeyAction, String> {
    let mut all = problems.clone();
    for (action, (text, _, last)) in pending {
        let said = if over && last.contains("already registered") {
            format!("{text} could not be registered: another application holds it; choose another combination")
        } else if over {
            format!("{text} could not be registered (another application may hold it): {last}")
        } else {
            format!("{text} is not registered yet (another application may hold it): trying again")
        };
        all.insert(*action, said);
    }
    all
}

const RETRIES: usize = 20;
const RETRY_EVERY: std::time::Duration = std::time::Duration::from_millis(500);
