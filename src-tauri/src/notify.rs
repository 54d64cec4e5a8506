//! Desktop notifications, so an agent looking at another window sees what the desk needs them
//! for: a caller the PBX's IVR announced (Call Interactive screen pop), an incoming call (its
//! number), and a session the gateway ended (with the reason). On Linux a click on one (its
//! default action) brings the window forward with the call card and the cursor in its notes; the
//! notification plugin reports no clicks, so these go to the desktop's notification service
//! directly. Elsewhere the tray icon and a second launch bring the window forward. The window is
//! not raised by itself: the agent may be typing elsewhere.

use sidekick_desk::interactive::IvrPop;
use sidekick_desk::{CallState, CallView, Desk, Health};
use tauri::{Emitter, Manager, Runtime};
#[cfg(not(target_os = "linux"))]
use tauri_plugin_notification::NotificationExt;

/// Shows a notification for each new screen pop, when the app has the notification plugin (the
/// shell tests on the mock runtime do not).
pub fn screen_pops<R: Runtime>(app: tauri::AppHandle<R>, desk: &Desk) {
    if app.try_state::<tauri_plugin_notification::Notification<R>>().is_none() {
        return;
    }
    let mut rx = desk.subscribe();
    tauri::async_runtime::spawn(async move {
        let mut last: Option<String> = None;
        while rx.changed().await.is_ok() {
            let pop = rx.borrow_and_update().ivr.clone();
            let Some(pop) = pop else { continue };
            if last.as_deref() == Some(pop.call_id.as_str()) {
                continue;
            }
            last = Some(pop.call_id.clone());
            let (title, body) = text(&pop);
            show(&app, title, body).await;
        }
    });
}

/// Shows a notification for each new ringing call and each session loss.
pub fn calls_and_sessions<R: Runtime>(app: tauri::AppHandle<R>, desk: &Desk) {
    if app.try_state::<tauri_plugin_notification::Notification<R>>().is_none() {
        return;
    }
    let mut rx = desk.subscribe();
    tauri::async_runtime::spawn(async move {
        let (mut last_call, mut was_lost) = (None::<String>, false);
        while rx.changed().await.is_ok() {
            let snap = rx.borrow_and_update().clone();
            let mut shown = Vec::new();
            if let Some(call) = snap.call.as_ref().filter(|c| c.state == CallState::Ringing) {
                if last_call.as_deref() != Some(call.call_id.as_str()) {
                    last_call = Some(call.call_id.clone());
                    shown.push(call_text(call));
                }
            }
            let lost = snap.session.health == Health::Lost;
            if lost && !was_lost {
                let reason = snap.session.notice.as_ref().map(|n| n.message.clone()).unwrap_or_else(|| "The gateway ended the session".into());
                shown.push(("Sidekick: you are signed out".to_owned(), reason));
            }
            was_lost = lost;
            for (title, body) in shown {
                show(&app, title, body).await;
            }
        }
    });
}

/// Shows a notification off the async threads: the desktop's notification service answers over
/// D-Bus, and may first have to be started (seconds), which must not hold up the desk.
async fn show<R: Runtime>(app: &tauri::AppHandle<R>, title: String, body: String) {
    let app = app.clone();
    let shown = tauri::async_runtime::spawn_blocking(move || show_now(&app, &title, &body)).await;
    match shown {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::info!("a notification could not be shown: {e}"),
        Err(e) => tracing::info!("a notification could not be shown: {e}"),
    }
}

/// How long a notification stays clickable (the service closes it then, which ends the wait).
#[cfg(target_os = "linux")]
const CLICKABLE_FOR_MS: u32 = 60_000;
/// At most this many notifications wait for a click at once (a service that never closes them
/// must not pile up threads over a shift); later ones are shown without the click.
#[cfg(target_os = "linux")]
const MAX_WAITING: usize = 8;

/// Linux: straight to the notification service, with a default action; a thread waits for the
/// click (or the close) and brings the call card forward.
#[cfg(target_os = "linux")]
fn show_now<R: Runtime>(app: &tauri::AppHandle<R>, title: &str, body: &str) -> Result<(), String> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static WAITING: AtomicUsize = AtomicUsize::new(0);
    let mut note = notify_rust::Notification::new();
    note.appname("Sidekick").summary(title).body(body).timeout(notify_rust::Timeout::Milliseconds(CLICKABLE_FOR_MS));
    let clickable = WAITING.fetch_add(1, Ordering::SeqCst) < MAX_WAITING;
    if clickable {
        note.action("default", "Show the call");
    }
    let handle = match note.show() {
        Ok(h) => h,
        Err(e) => {
            WAITING.fetch_sub(1, Ordering::SeqCst);
            return Err(e.to_string());
        }
    };
    if !clickable {
        WAITING.fetch_sub(1, Ordering::SeqCst);
        return Ok(());
    }
    let app = app.clone();
    let waiter = std::thread::Builder::new().name("notification-click".into()).spawn(move || {
        handle.wait_for_action(|action| {
            if action == "default" {
                tracing::info!("notification clicked: the call card comes forward");
                crate::desktop::focus_main(&app);
                let _ = app.emit(crate::hotkeys::HOTKEY_EVENT, sidekick_desk::hotkeys::HotkeyAction::FocusNotes);
            }
        });
        WAITING.fetch_sub(1, Ordering::SeqCst);
    });
    if waiter.is_err() {
        WAITING.fetch_sub(1, Ordering::SeqCst);
    }
    Ok(())
}

/// Elsewhere: the notification plugin (no clicks reported).
#[cfg(not(target_os = "linux"))]
fn show_now<R: Runtime>(app: &tauri::AppHandle<R>, title: &str, body: &str) -> Result<(), String> {
    app.notification().builder().title(title).body(body).show().map_err(|e| e.to_string())
}

/// An incoming call's notification: the caller's number (as on the card; not logged).
fn call_text(call: &CallView) -> (String, String) {
    let who = if call.caller.trim().is_empty() { "Unknown caller".to_owned() } else { call.caller.clone() };
    (format!("Incoming call: {who}"), format!("To {}", call.callee))
}

/// The notification's title and body. The caller's name and number are shown to the agent, as
/// on the call card; they are not logged.
fn text(pop: &IvrPop) -> (String, String) {
    let who = match (&pop.caller_name, &pop.caller_number) {
        (Some(name), Some(number)) if name != number => format!("{name}, {number}"),
        (_, Some(number)) => number.clone(),
        (Some(name), None) => name.clone(),
        (None, None) => "Unknown caller".to_owned(),
    };
    let mut body = match pop.past_calls.len() {
        0 => "No earlier calls with this number".to_owned(),
        1 => "You spoke with them once before".to_owned(),
        n => format!("{n} earlier calls with this number"),
    };
    if let Some(first) = pop.answer.as_ref().and_then(|a| a.actions.first()) {
        body.push_str(&format!(" · IVR: {first}"));
    }
    (format!("Incoming from IVR: {who}"), body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pop(name: Option<&str>, number: Option<&str>) -> IvrPop {
        IvrPop {
            call_id: "c".into(),
            caller_number: number.map(Into::into),
            caller_name: name.map(Into::into),
            called: None,
            ivr: None,
            at_ms: 0,
            via_relay: false,
            answer: None,
            past_calls: Vec::new(),
        }
    }

    #[test]
    fn the_notification_names_the_caller_once() {
        assert_eq!(text(&pop(Some("Иван"), Some("+7495"))).0, "Incoming from IVR: Иван, +7495");
        assert_eq!(text(&pop(Some("+7495"), Some("+7495"))).0, "Incoming from IVR: +7495");
        assert_eq!(text(&pop(None, None)), ("Incoming from IVR: Unknown caller".into(), "No earlier calls with this number".into()));
    }
}
