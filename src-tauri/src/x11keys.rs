//! System-wide hotkeys on Linux (X11), without a polling thread.
//!
//! The global-shortcut plugin's X11 backend wakes every 50 ms to look for key events, whether or
//! not a key is bound: on an idle desk that thread was a third of the app's CPU (BENCHMARKS.md).
//! Here one thread sleeps in the X connection until the server sends a key event, and the
//! grabs are made from the caller's thread on the same (thread-safe) connection.
//!
//! Each combination is grabbed on the root window four times: as is, and with Num Lock, Caps
//! Lock or both on, since X counts those as modifiers. A combination another client holds
//! fails with `BadAccess` (the error then says "already registered", as the plugin's did). A
//! held key repeats as release + press pairs with the same timestamp; those presses are dropped,
//! so holding the recording key does not start and stop the recording over and over.

use std::sync::{Arc, Mutex};

use tauri_plugin_global_shortcut::{Code, Modifiers, Shortcut};
use x11rb::connection::Connection;
use x11rb::errors::ReplyError;
use x11rb::protocol::xproto::{ConnectionExt, GrabMode, KeyButMask, ModMask, Window};
use x11rb::protocol::{ErrorKind, Event};
use x11rb::rust_connection::RustConnection;

/// Num Lock (Mod2) and Caps Lock, in every combination a grab must also cover.
fn locks() -> [u16; 4] {
    let (num, caps) = (u16::from(ModMask::M2), u16::from(ModMask::LOCK));
    [0, num, caps, num | caps]
}

/// A grabbed combination: the key's code on this keyboard, the modifiers, what was asked for.
#[derive(Clone)]
struct Grab {
    keycode: u8,
    mods: u16,
    shortcut: Shortcut,
}

struct Connected {
    conn: Arc<RustConnection>,
    root: Window,
    grabs: Arc<Mutex<Vec<Grab>>>,
}

/// The X connection for hotkeys, or why there is none (no X display: a Wayland session without
/// XWayland); then every registration fails with that reason, which the settings page shows.
pub struct X11Keys(Result<Connected, String>);

impl X11Keys {
    /// Connects to the display in `DISPLAY` and starts the thread that waits for key presses;
    /// `pressed` runs on that thread for each press of a grabbed combination.
    pub fn start(pressed: impl Fn(Shortcut) + Send + 'static) -> Self {
        let (conn, screen) = match x11rb::connect(None) {
            Ok(c) => c,
            Err(e) => return Self(Err(format!("system-wide hotkeys need an X11 display ({e})"))),
        };
        let root = conn.setup().roots[screen].root;
        let conn = Arc::new(conn);
        let grabs: Arc<Mutex<Vec<Grab>>> = Arc::default();
        let (c, g) = (conn.clone(), grabs.clone());
        let started = std::thread::Builder::new().name("x11-hotkeys".into()).spawn(move || {
            // The time of the last release of each key: a press at the same time is the
            // keyboard's auto-repeat, not the agent pressing again.
            let mut released = std::collections::HashMap::<u8, u32>::new();
            loop {
                match c.wait_for_event() {
                    Ok(Event::KeyRelease(e)) => {
                        released.insert(e.detail, e.time);
                    }
                    Ok(Event::KeyPress(e)) => {
                        if released.get(&e.detail) == Some(&e.time) {
                            continue;
                        }
                        let mods = u16::from(e.state) & relevant_mods();
                        let hit = g.lock().ok().and_then(|g| g.iter().find(|x| x.keycode == e.detail && x.mods == mods).map(|x| x.shortcut));
                        if let Some(shortcut) = hit {
                            pressed(shortcut);
                        }
                    }
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!("the X connection for hotkeys closed: {e}");
                        return;
                    }
                }
            }
        });
        match started {
            Ok(_) => Self(Ok(Connected { conn, root, grabs })),
            Err(e) => Self(Err(format!("the hotkey thread could not start: {e}"))),
        }
    }

    /// Grabs `shortcut` for this app. Fails when another client holds it ("already
    /// registered"), when this app has it already, or when the key has no place on the keyboard.
    pub fn register(&self, shortcut: Shortcut) -> Result<(), String> {
        let c = self.0.as_ref().map_err(Clone::clone)?;
        let keysym = keysym(shortcut.key).ok_or_else(|| format!("{} cannot be used in a system-wide hotkey", shortcut.key))?;
        let keycode = keycode_of(&c.conn, keysym)?.ok_or_else(|| format!("the keyboard has no {} key", shortcut.key))?;
        let mods = x11_mods(shortcut.mods);
        if c.grabs.lock().map_err(|_| "hotkeys unavailable".to_string())?.iter().any(|g| g.keycode == keycode && g.mods == mods) {
            return Err(format!("{} is already registered by this app", shortcut.into_string()));
        }
        for lock in locks() {
            let both = ModMask::from(mods | lock);
            let sent = c.conn.grab_key(false, c.root, both, keycode, GrabMode::ASYNC, GrabMode::ASYNC).map_err(|e| e.to_string())?;
            if let Err(e) = sent.check() {
                ungrab(c, keycode, mods);
                return Err(match e {
                    ReplyError::X11Error(x) if x.error_kind == ErrorKind::Access => {
                        format!("{} is already registered by another application", shortcut.into_string())
                    }
                    other => other.to_string(),
                });
            }
        }
        c.grabs.lock().map_err(|_| "hotkeys unavailable".to_string())?.push(Grab { keycode, mods, shortcut });
        Ok(())
    }

    /// Lets go of every combination this app holds.
    pub fn unregister_all(&self) {
        let Ok(c) = &self.0 else { return };
        let grabs = c.grabs.lock().map(|mut g| std::mem::take(&mut *g)).unwrap_or_default();
        for g in grabs {
            ungrab(c, g.keycode, g.mods);
        }
        let _ = c.conn.flush();
    }
}

fn ungrab(c: &Connected, keycode: u8, mods: u16) {
    for lock in locks() {
        if let Ok(cookie) = c.conn.ungrab_key(keycode, c.root, ModMask::from(mods | lock)) {
            cookie.ignore_error();
        }
    }
}

/// The modifiers a combination is made of (the locks and mouse buttons are not).
fn relevant_mods() -> u16 {
    u16::from(KeyButMask::SHIFT | KeyButMask::CONTROL | KeyButMask::MOD1 | KeyButMask::MOD4)
}

fn x11_mods(m: Modifiers) -> u16 {
    let mut out = 0u16;
    if m.contains(Modifiers::SHIFT) {
        out |= u16::from(ModMask::SHIFT);
    }
    if m.contains(Modifiers::CONTROL) {
        out |= u16::from(ModMask::CONTROL);
    }
    if m.contains(Modifiers::ALT) {
        out |= u16::from(ModMask::M1);
    }
    if m.contains(Modifiers::SUPER) || m.contains(Modifiers::META) {
        out |= u16::from(ModMask::M4);
    }
    out
}

/// The first key code whose keysyms include `keysym`, on the keyboard as mapped now.
fn keycode_of(conn: &RustConnection, keysym: u32) -> Result<Option<u8>, String> {
    let setup = conn.setup();
    let (min, max) = (setup.min_keycode, setup.max_keycode);
    let map = conn.get_keyboard_mapping(min, max - min + 1).map_err(|e| e.to_string())?.reply().map_err(|e| e.to_string())?;
    let per = usize::from(map.keysyms_per_keycode).max(1);
    Ok(map.keysyms.chunks(per).position(|syms| syms.contains(&keysym)).and_then(|i| u8::try_from(usize::from(min) + i).ok()))
}

/// The X keysym of a key, for the keys a hotkey may use.
fn keysym(code: Code) -> Option<u32> {
    use xkeysym::key as k;
    let letters = [
        Code::KeyA, Code::KeyB, Code::KeyC, Code::KeyD, Code::KeyE, Code::KeyF, Code::KeyG, Code::KeyH, Code::KeyI,
        Code::KeyJ, Code::KeyK, Code::KeyL, Code::KeyM, Code::KeyN, Code::KeyO, Code::KeyP, Code::KeyQ, Code::KeyR,
        Code::KeyS, Code::KeyT, Code::KeyU, Code::KeyV, Code::KeyW, Code::KeyX, Code::KeyY, Code::KeyZ,
    ];
    if let Some(i) = letters.iter().position(|c| *c == code) {
        return Some(k::a + i as u32);
    }
    let digits = [
        Code::Digit0, Code::Digit1, Code::Digit2, Code::Digit3, Code::Digit4, Code::Digit5, Code::Digit6, Code::Digit7,
        Code::Digit8, Code::Digit9,
    ];
    if let Some(i) = digits.iter().position(|c| *c == code) {
        return Some(k::_0 + i as u32);
    }
    let numpad = [
        Code::Numpad0, Code::Numpad1, Code::Numpad2, Code::Numpad3, Code::Numpad4, Code::Numpad5, Code::Numpad6,
        Code::Numpad7, Code::Numpad8, Code::Numpad9,
    ];
    if let Some(i) = numpad.iter().position(|c| *c == code) {
        return Some(k::KP_0 + i as u32);
    }
    let functions = [
        Code::F1, Code::F2, Code::F3, Code::F4, Code::F5, Code::F6, Code::F7, Code::F8, Code::F9, Code::F10, Code::F11,
        Code::F12, Code::F13, Code::F14, Code::F15, Code::F16, Code::F17, Code::F18, Code::F19, Code::F20, Code::F21,
        Code::F22, Code::F23, Code::F24,
    ];
    if let Some(i) = functions.iter().position(|c| *c == code) {
        return Some(k::F1 + i as u32);
    }
    Some(match code {
        Code::Space => k::space,
        Code::Enter => k::Return,
        Code::Tab => k::Tab,
        Code::Escape => k::Escape,
        Code::Backspace => k::BackSpace,
        Code::Delete => k::Delete,
        Code::Insert => k::Insert,
        Code::Home => k::Home,
        Code::End => k::End,
        Code::PageUp => k::Page_Up,
        Code::PageDown => k::Page_Down,
        Code::ArrowUp => k::Up,
        Code::ArrowDown => k::Down,
        Code::ArrowLeft => k::Left,
        Code::ArrowRight => k::Right,
        Code::Minus => k::minus,
        Code::Equal => k::equal,
        Code::BracketLeft => k::bracketleft,
        Code::BracketRight => k::bracketright,
        Code::Backslash => k::backslash,
        Code::Semicolon => k::semicolon,
        Code::Quote => k::apostrophe,
        Code::Backquote => k::grave,
        Code::Comma => k::comma,
        Code::Period => k::period,
        Code::Slash => k::slash,
        Code::NumpadAdd => k::KP_Add,
        Code::NumpadSubtract => k::KP_Subtract,
        Code::NumpadMultiply => k::KP_Multiply,
        Code::NumpadDivide => k::KP_Divide,
        Code::NumpadDecimal => k::KP_Decimal,
        Code::NumpadEnter => k::KP_Enter,
        Code::Pause => k::Pause,
        Code::PrintScreen => k::Print,
        Code::ScrollLock => k::Scroll_Lock,
        Code::AudioVolumeMute => k::XF86_AudioMute,
        Code::AudioVolumeDown => k::XF86_AudioLowerVolume,
        Code::AudioVolumeUp => k::XF86_AudioRaiseVolume,
        Code::MediaPlayPause => k::XF86_AudioPlay,
        Code::MediaStop => k::XF86_AudioStop,
        Code::MediaTrackNext => k::XF86_AudioNext,
        Code::MediaTrackPrevious => k::XF86_AudioPrev,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_map_to_their_x_keysyms() {
        assert_eq!(keysym(Code::KeyA), Some(0x61));
        assert_eq!(keysym(Code::KeyR), Some(0x72));
        assert_eq!(keysym(Code::KeyZ), Some(0x7a));
        assert_eq!(keysym(Code::Digit0), Some(0x30));
        assert_eq!(keysym(Code::Digit9), Some(0x39));
        assert_eq!(keysym(Code::F1), Some(0xffbe));
        assert_eq!(keysym(Code::F9), Some(0xffc6));
        assert_eq!(keysym(Code::F24), Some(0xffd5));
        assert_eq!(keysym(Code::Numpad7), Some(0xffb7));
        assert_eq!(keysym(Code::Space), Some(0x20));
        assert_eq!(keysym(Code::Fn), None, "a key X cannot grab on its own is refused, not guessed");
    }

    #[test]
    fn modifiers_map_to_x_masks() {
        let s: Shortcut = "Ctrl+Shift+R".parse().unwrap();
        assert_eq!(x11_mods(s.mods), u16::from(ModMask::CONTROL | ModMask::SHIFT));
        let s: Shortcut = "Alt+Super+F9".parse().unwrap();
        assert_eq!(x11_mods(s.mods), u16::from(ModMask::M1 | ModMask::M4));
        assert_eq!(x11_mods(Modifiers::empty()), 0);
    }
}
