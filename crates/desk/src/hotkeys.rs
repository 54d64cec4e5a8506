//! System-wide hotkeys: which combination does what, and what is wrong with them.
//!
//! The agent (or the administrator, in `settings.json`) binds combinations to the desk's actions:
//! answer, hold/unhold, hang up, start/stop recording, focus the notes editor, attach the note.
//! Recording keeps its own key (`recordHotkey`, on by default as `CmdOrCtrl+Shift+R`); the others
//! are off until bound. The shell registers the plan with the OS and reports back the ones another
//! application holds; two actions on one combination are caught here, before anything is
//! registered, and neither is registered.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What a hotkey does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum HotkeyAction {
    /// Answer the ringing call.
    Answer,
    /// Hold the call, or take it back.
    Hold,
    /// Hang up.
    HangUp,
    /// Start or stop recording.
    Record,
    /// Bring the window forward with the cursor in the notes editor.
    FocusNotes,
    /// Attach the note being typed.
    AttachNote,
}

impl HotkeyAction {
    /// Every action, in the order the settings list them.
    pub const ALL: [HotkeyAction; 6] = [Self::Answer, Self::Hold, Self::HangUp, Self::Record, Self::FocusNotes, Self::AttachNote];

    /// The action's name in a sentence.
    pub fn label(self) -> &'static str {
        match self {
            Self::Answer => "Answer",
            Self::Hold => "Hold / unhold",
            Self::HangUp => "Hang up",
            Self::Record => "Start / stop recording",
            Self::FocusNotes => "Focus the notes",
            Self::AttachNote => "Attach the note",
        }
    }
}

/// One hotkey as the settings page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct HotkeyView {
    /// What it does.
    pub action: HotkeyAction,
    /// The combination, or `None` when off.
    pub accelerator: Option<String>,
    /// Why it does not work (a clash, a combination another application holds), if it does not.
    pub problem: Option<String>,
}

/// The combinations, in a form where `Ctrl+Shift+A`, `shift+control+a` and `CmdOrCtrl+Shift+A`
/// (off macOS) are one: modifiers sorted, names in lower case.
pub fn canonical(accelerator: &str) -> String {
    let mut mods = Vec::new();
    let mut key = String::new();
    for part in accelerator.split('+').map(str::trim).filter(|p| !p.is_empty()) {
        let p = part.to_ascii_lowercase();
        let m = match p.as_str() {
            "ctrl" | "control" | "cmdorctrl" | "commandorcontrol" if !cfg!(target_os = "macos") => Some("ctrl"),
            "cmd" | "command" | "super" | "meta" | "cmdorctrl" | "commandorcontrol" => Some("super"),
            "ctrl" | "control" => Some("ctrl"),
            "shift" => Some("shift"),
            "alt" | "option" => Some("alt"),
            _ => None,
        };
        match m {
            Some(m) => mods.push(m),
            None => key = p,
        }
    }
    mods.sort_unstable();
    mods.dedup();
    mods.push(&key);
    mods.join("+")
}

/// What to register: the bound actions with their combinations, and the problems found before
/// registering (two actions on one combination: neither is registered).
pub fn plan(record: Option<&str>, others: &BTreeMap<HotkeyAction, String>) -> (Vec<(HotkeyAction, String)>, BTreeMap<HotkeyAction, String>) {
    let mut bound: Vec<(HotkeyAction, String)> = Vec::new();
    for action in HotkeyAction::ALL {
        let accel = if action == HotkeyAction::Record { record.map(str::to_owned) } else { others.get(&action).cloned() };
        if let Some(a) = accel.map(|a| a.trim().to_owned()).filter(|a| !a.is_empty()) {
            bound.push((action, a));
        }
    }
    let mut problems = BTreeMap::new();
    for (i, (action, accel)) in bound.iter().enumerate() {
        for (other, other_accel) in bound.iter().skip(i + 1) {
            if canonical(accel) == canonical(other_accel) {
                problems.insert(*action, format!("{accel} is also the hotkey for \"{}\": give one of them another combination", other.label()));
                problems.insert(*other, format!("{other_accel} is also the hotkey for \"{}\": give one of them another combination", action.label()));
            }
        }
    }
    let plan = bound.into_iter().filter(|(a, _)| !problems.contains_key(a)).collect();
    (plan, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_one_combination_are_one() {
        assert_eq!(canonical("Ctrl+Shift+A"), canonical("shift + control + a"));
        assert_ne!(canonical("Ctrl+Shift+A"), canonical("Ctrl+Alt+A"));
        if !cfg!(target_os = "macos") {
            assert_eq!(canonical("CmdOrCtrl+Shift+R"), canonical("Ctrl+Shift+R"));
        }
    }

    #[test]
    fn a_clash_is_reported_on_both_and_neither_is_registered() {
        let others = BTreeMap::from([
            (HotkeyAction::Answer, "Ctrl+Shift+F5".to_owned()),
            (HotkeyAction::HangUp, "shift+ctrl+f5".to_owned()),
            (HotkeyAction::Hold, "Ctrl+Shift+F6".to_owned()),
            (HotkeyAction::FocusNotes, "  ".to_owned()),
        ]);
        let (plan, problems) = plan(Some("CmdOrCtrl+Shift+R"), &others);
        assert_eq!(plan, vec![(HotkeyAction::Hold, "Ctrl+Shift+F6".to_owned()), (HotkeyAction::Record, "CmdOrCtrl+Shift+R".to_owned())]);
        assert_eq!(problems.len(), 2);
        assert!(problems[&HotkeyAction::Answer].contains("\"Hang up\""), "{problems:?}");
        assert!(problems[&HotkeyAction::HangUp].contains("\"Answer\""), "{problems:?}");
    }

    #[test]
    fn recording_off_and_nothing_bound_plans_nothing() {
        assert_eq!(plan(None, &BTreeMap::new()), (Vec::new(), BTreeMap::new()));
    }
}
