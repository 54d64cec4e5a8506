//! Desktop notifications: a caller the PBX's IVR announced (Call Interactive screen pop) is shown
//! in a system notification as well as on the call card, so an agent looking at another window
//! sees who is coming.

use sidekick_desk::interactive::IvrPop;
use sidekick_desk::Desk;
use tauri::{Manager, Runtime};
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
            if let Err(e) = app.notification().builder().title(title).body(body).show() {
                tracing::info!("the screen pop's notification could not be shown: {e}");
            }
        }
    });
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
