//! The app as a desktop citizen: a tray icon whose colour is the agent's state and the
//! connection's health, with a menu (show/hide, ready, not ready, sign out, quit); closing the
//! window while signed in hides it to the tray (a setting); the window above the others and the
//! app at login (settings); a second launch focuses the running window.

use sidekick_desk::settings::DesktopSettings;
use sidekick_desk::{AgentState, Desk, DeskSnapshot, Health, SessionPhase, StateChoice};
use tauri::image::Image;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager, Runtime, WindowEvent};

pub(crate) const TRAY_ID: &str = "main";
const ICON_SIZE: u32 = 32;

/// Shows the main window and gives it the focus (the tray's Show, a second launch, a notification).
pub fn focus_main<R: Runtime>(app: &AppHandle<R>) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
    }
}

/// The colour of the tray icon: red when the session is lost, amber while reconnecting or on a
/// call, green when ready, grey otherwise (signed out, not ready).
pub fn tone(s: &DeskSnapshot) -> [u8; 3] {
    const GREEN: [u8; 3] = [0x22, 0xc5, 0x5e];
    const AMBER: [u8; 3] = [0xf5, 0x9e, 0x0b];
    const RED: [u8; 3] = [0xef, 0x44, 0x44];
    const BLUE: [u8; 3] = [0x3b, 0x82, 0xf6];
    const GREY: [u8; 3] = [0x6b, 0x72, 0x80];
    match (s.session.phase, s.session.health) {
        (_, Health::Lost) => RED,
        (SessionPhase::SignedIn, Health::Reconnecting) => AMBER,
        (SessionPhase::SignedIn, _) => match s.session.agent_state {
            AgentState::Ready => GREEN,
            AgentState::Busy => AMBER,
            AgentState::Rest => BLUE,
            _ => GREY,
        },
        _ => GREY,
    }
}

/// A filled disc of `rgb` with a lighter rim, `ICON_SIZE` square, as RGBA.
fn disc(rgb: [u8; 3]) -> Vec<u8> {
    let n = ICON_SIZE as i32;
    let c = (n as f32 - 1.0) / 2.0;
    let mut out = Vec::with_capacity((n * n * 4) as usize);
    for y in 0..n {
        for x in 0..n {
            let d = ((x as f32 - c).powi(2) + (y as f32 - c).powi(2)).sqrt();
            let (alpha, light) = if d <= c - 2.5 {
                (255.0, 0.0)
            } else if d <= c - 0.5 {
                (255.0, 0.45)
            } else if d <= c + 0.5 {
                (255.0 * (c + 0.5 - d), 0.45)
            } else {
                (0.0, 0.0)
            };
            for ch in rgb {
                out.push((ch as f32 + (255.0 - ch as f32) * light) as u8);
            }
            out.push(alpha as u8);
        }
    }
    out
}

/// The tooltip: the app, the agent's state and the link.
fn tooltip(s: &DeskSnapshot) -> String {
    match (s.session.phase, s.session.agent_id) {
        (SessionPhase::SignedIn, Some(agent)) => {
            let state = match s.session.agent_state {
                AgentState::Ready => "ready",
                AgentState::Busy => "on a call",
                AgentState::NotReady => "not ready",
                AgentState::Rest => "on a break",
                AgentState::WrapUp => "wrap-up",
                AgentState::Unknown => "signed in",
            };
            let link = match s.session.health {
                Health::Reconnecting => ", reconnecting",
                Health::Lost => ", session lost",
                _ => "",
            };
            format!("Sidekick — agent {agent}, {state}{link}")
        }
        _ => "Sidekick — signed out".to_owned(),
    }
}

struct TrayMenu<R: Runtime> {
    ready: MenuItem<R>,
    not_ready: MenuItem<R>,
    sign_out: MenuItem<R>,
}

/// Puts the icon in the tray and keeps it in step with the desk. Without a tray host (a bare X
/// server) the icon is simply not shown; nothing fails.
pub fn tray<R: Runtime>(app: &AppHandle<R>, desk: &Desk) -> tauri::Result<()> {
    let show = MenuItem::with_id(app, "show", "Show / hide Sidekick", true, None::<&str>)?;
    let ready = MenuItem::with_id(app, "ready", "Ready", false, None::<&str>)?;
    let not_ready = MenuItem::with_id(app, "not-ready", "Not ready", false, None::<&str>)?;
    let sign_out = MenuItem::with_id(app, "sign-out", "Sign out", false, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit (signs out)", true, None::<&str>)?;
    let separator = || PredefinedMenuItem::separator(app);
    let menu = Menu::with_items(app, &[&show, &separator()?, &ready, &not_ready, &separator()?, &sign_out, &quit])?;
    let snap = desk.snapshot();
    let desk_for_menu = desk.clone();
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(Image::new_owned(disc(tone(&snap)), ICON_SIZE, ICON_SIZE))
        .tooltip(tooltip(&snap))
        .menu(&menu)
        .show_menu_on_left_click(false)
        .on_menu_event(move |app, event| {
            let desk = desk_for_menu.clone();
            match event.id().as_ref() {
                "show" => toggle_main(app),
                "ready" => spawn_state(desk, StateChoice::Ready),
                "not-ready" => spawn_state(desk, StateChoice::NotReady { reason: None }),
                "sign-out" => {
                    tauri::async_runtime::spawn(async move {
                        if let Err(e) = desk.sign_out().await {
                            tracing::info!("sign-out from the tray: {e}");
                        }
                    });
                }
                "quit" => app.exit(0),
                _ => {}
            }
        })
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click { button: MouseButton::Left, button_state: MouseButtonState::Up, .. } = event {
                focus_main(tray.app_handle());
            }
        })
        .build(app)?;
    let items = TrayMenu { ready, not_ready, sign_out };
    follow(app.clone(), desk.clone(), items);
    Ok(())
}

fn toggle_main<R: Runtime>(app: &AppHandle<R>) {
    match app.get_webview_window("main") {
        Some(w) if w.is_visible().unwrap_or(false) => {
            let _ = w.hide();
        }
        _ => focus_main(app),
    }
}

fn spawn_state(desk: Desk, choice: StateChoice) {
    tauri::async_runtime::spawn(async move {
        if let Err(e) = desk.set_agent_state(choice).await {
            tracing::info!("state change from the tray: {e}");
        }
    });
}

/// Recolours the icon and enables the menu's items as the desk changes.
fn follow<R: Runtime>(app: AppHandle<R>, desk: Desk, items: TrayMenu<R>) {
    let mut rx = desk.subscribe();
    tauri::async_runtime::spawn(async move {
        // The snapshot changes with every poll; the tray (main-thread calls, an icon file
        // written) only when what it shows changes.
        let mut shown: Option<([u8; 3], String)> = None;
        let mut enabled: Option<(bool, bool, bool)> = None;
        while rx.changed().await.is_ok() {
            let snap = rx.borrow_and_update().clone();
            let now = (tone(&snap), tooltip(&snap));
            if shown.as_ref() != Some(&now) {
                if let Some(tray) = app.tray_by_id(TRAY_ID) {
                    let _ = tray.set_icon(Some(Image::new_owned(disc(now.0), ICON_SIZE, ICON_SIZE)));
                    let _ = tray.set_tooltip(Some(now.1.clone()));
                }
                shown = Some(now);
            }
            let can = snap.session.can_change_state;
            let now = (
                can && snap.session.agent_state != AgentState::Ready,
                can && snap.session.agent_state != AgentState::NotReady,
                snap.session.phase == SessionPhase::SignedIn,
            );
            if enabled != Some(now) {
                let _ = items.ready.set_enabled(now.0);
                let _ = items.not_ready.set_enabled(now.1);
                let _ = items.sign_out.set_enabled(now.2);
                enabled = Some(now);
            }
        }
    });
}

/// Closing the window while signed in hides it instead, when the setting says so: the session
/// (and its calls) go on, and the tray brings the window back.
pub fn on_window_event<R: Runtime>(window: &tauri::Window<R>, event: &WindowEvent) {
    let WindowEvent::CloseRequested { api, .. } = event else { return };
    let Some(desk) = window.app_handle().try_state::<Desk>() else { return };
    let signed_in = desk.snapshot().session.phase == SessionPhase::SignedIn;
    if signed_in && desk.settings().desktop.close_to_tray {
        api.prevent_close();
        let _ = window.hide();
        tracing::info!("window hidden to the tray; the session goes on");
    }
}

/// Applies the window's settings (always on top) and the start at login.
pub fn apply<R: Runtime>(app: &AppHandle<R>, settings: DesktopSettings) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.set_always_on_top(settings.always_on_top);
    }
    #[cfg(desktop)]
    {
        use tauri_plugin_autostart::ManagerExt;
        if app.try_state::<tauri_plugin_autostart::AutoLaunchManager>().is_some() {
            let launcher = app.autolaunch();
            let result = if settings.launch_at_login { launcher.enable() } else { launcher.disable() };
            if let Err(e) = result {
                tracing::warn!("start at login could not be changed: {e}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_disc_is_round_and_coloured() {
        let px = disc([0x22, 0xc5, 0x5e]);
        assert_eq!(px.len(), (ICON_SIZE * ICON_SIZE * 4) as usize);
        let at = |x: u32, y: u32| &px[((y * ICON_SIZE + x) * 4) as usize..][..4];
        assert_eq!(at(16, 16), &[0x22, 0xc5, 0x5e, 255], "the centre is the tone");
        assert_eq!(at(0, 0)[3], 0, "the corners are clear");
    }
}
