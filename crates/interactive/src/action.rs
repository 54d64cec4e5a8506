//! The actions an answer may hold, and the checks that keep the PBX from rejecting them.
//!
//! Facts this module relies on (`reference/telphin-call-interactive-ru.txt`, "Варианты действий";
//! `reference/ivr-protocols.md` §B.4):
//!
//! - `<Hangup/>` ends the call at once.
//! - `<Pause length="15"/>` holds the call for `length` seconds; without `length`, 10.
//! - `<SetVar name="x">value</SetVar>` sets an IVR variable: the name in `name`, the value as the
//!   element's text.
//! - `<Jump context="3" option="start"/>` goes to an option of an IVR context (by its id).
//! - `<SetCaller name="…" number="…"/>` sets the caller's name and number inside the IVR (the
//!   vendor's heading says "SetCallerId", the tag is `SetCaller`).
//! - `<PlaySound where="background" digitvar="v">file.wav</PlaySound>` plays a sound (the file name
//!   is the `filename` of a `/sound/` resource) in the `foreground` or `background`; only in the
//!   background are the caller's digits collected, into the variable named by `digitvar`.
//! - `<SimpleTransfer final="no" timeout="20" early_media="True">NUM1,NUM2</SimpleTransfer>`
//!   transfers the call, ignoring the extension's own forwarding rules. Numbers are comma-separated
//!   with no spaces. The transfer is final unless `final="no"`; `timeout` is the ring time in
//!   seconds (the system's when absent or invalid); `early_media="True"` — spelt exactly so — stops
//!   the PBX ignoring early media.
//!
//! Where the documents are silent, and what this module does:
//!
//! - Numeric attributes (`length`, `timeout`) must be plain digits (no sign, decimal point or
//!   space) that fit 32 bits. The PBX falls back to its own ring timeout on a bad `timeout`, but a
//!   rule that silently does something else than it says is refused instead.
//! - `where` has no documented default, so it is required and always written.
//! - `digitvar` with `where="foreground"` would be ignored, so it is refused as a mistake.
//! - Variable names (`SetVar name`, `digitvar`) may hold Latin letters, digits and `_` only: a
//!   variable is read back as `$name` in a URL, which other characters would break.
//! - Identifiers and numbers (`Jump context` and `option`, `SetCaller number`, the `PlaySound`
//!   file, transfer numbers) must not be empty or hold whitespace. `SetCaller name` and the
//!   `SetVar` value are free text, possibly empty.
//! - Every value must be text XML 1.0 can carry: control characters other than tab, line feed and
//!   carriage return (and U+FFFE, U+FFFF) are refused, since no escaping can send them.
//! - `final` is written only as `final="no"` (a final transfer omits it, which the vendor
//!   documents as final); `early_media` only as `early_media="True"`.
//!
//! Values are kept as the text that goes on the wire (`length: "15"`), as the settings screen
//! edits them; [`Action::validate`] is the gate every answer passes (see
//! [`Response::new`](crate::Response::new)).

use serde::{Deserialize, Deserializer, Serialize};
use ts_rs::TS;

use crate::request::quote;

/// One action of an answer. Its serde form (for settings) is tagged by the vendor's element name,
/// `{"action": "Pause", "length": "15"}`, with the vendor's attribute names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "action")]
pub enum Action {
    /// `<Hangup/>`: end the call now.
    Hangup,
    /// `<Pause length="…"/>`: hold the call.
    Pause {
        /// Seconds, as digits; `None` omits the attribute and the PBX pauses for 10.
        #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "digits_or_number")]
        length: Option<String>,
    },
    /// `<SetVar name="…">value</SetVar>`: set an IVR variable.
    SetVar {
        /// The variable's name (Latin letters, digits, `_`).
        name: String,
        /// Its new value, any text.
        #[serde(default)]
        value: String,
    },
    /// `<Jump context="…" option="…"/>`: go to an option of an IVR context.
    Jump {
        /// The context's id.
        context: String,
        /// The option (`start`, `timeout`, `invalid`, or a digit).
        option: String,
    },
    /// `<SetCaller name="…" number="…"/>`: the caller's name and number inside the IVR.
    SetCaller {
        /// The name, any text (both attributes are always written).
        #[serde(default)]
        name: String,
        /// The number.
        number: String,
    },
    /// `<PlaySound where="…" digitvar="…">file</PlaySound>`: play a sound.
    PlaySound {
        /// `foreground` or `background`.
        #[serde(rename = "where")]
        playback: String,
        /// With `background`: the variable the caller's digits go to.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        digitvar: Option<String>,
        /// The sound's file name (the `filename` of a `/sound/` resource).
        file: String,
    },
    /// `<SimpleTransfer final="no" timeout="…" early_media="True">N1,N2</SimpleTransfer>`.
    SimpleTransfer {
        /// The numbers, comma-separated with no spaces (`101,+74951234567`).
        numbers: String,
        /// Whether the transfer ends the IVR's handling (the PBX's default); `false` writes
        /// `final="no"`.
        #[serde(rename = "final", default = "yes")]
        is_final: bool,
        /// Ring time in seconds, as digits; `None` leaves the system's.
        #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "digits_or_number")]
        timeout: Option<String>,
        /// Pass early media on (`early_media="True"`).
        #[serde(default)]
        early_media: bool,
    },
}

fn yes() -> bool {
    true
}

/// A seconds attribute as JSON text or a JSON number (a settings file written by hand may use
/// either); the text is checked by [`Action::validate`], not here, so the error names the attribute.
fn digits_or_number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    // Negative and fractional numbers are taken too, so that validation refuses them by name.
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Seconds {
        Whole(u64),
        Negative(i64),
        Fraction(f64),
        Text(String),
    }
    Ok(Option::<Seconds>::deserialize(deserializer)?.map(|s| match s {
        Seconds::Whole(n) => n.to_string(),
        Seconds::Negative(n) => n.to_string(),
        Seconds::Fraction(n) => n.to_string(),
        Seconds::Text(t) => t,
    }))
}

/// `where` of `PlaySound`.
pub const FOREGROUND: &str = "foreground";
/// `where` of `PlaySound` that lets the caller type digits.
pub const BACKGROUND: &str = "background";

/// Why an action would be rejected by the PBX (or would not do what it says).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActionError {
    /// `Pause length` or `SimpleTransfer timeout` is not plain digits.
    #[error("{attribute} must be a whole number of seconds written in digits, not {value:?}")]
    NotWholeSeconds {
        /// `Pause length` or `SimpleTransfer timeout`.
        attribute: &'static str,
        /// What was given (shortened).
        value: String,
    },
    /// `PlaySound where` is neither `foreground` nor `background`.
    #[error("PlaySound where must be \"foreground\" or \"background\", not {value:?}")]
    UnknownWhere {
        /// What was given (shortened).
        value: String,
    },
    /// `digitvar` with a sound in the foreground.
    #[error("PlaySound digitvar only works with where=\"background\": the caller's digits are collected only while a sound plays in the background")]
    DigitvarNeedsBackground,
    /// `SimpleTransfer` without numbers.
    #[error("SimpleTransfer needs at least one number")]
    NoTransferNumbers,
    /// An empty item in the transfer list (`101,,102`, or a comma at either end).
    #[error("SimpleTransfer number {position} of {numbers:?} is empty: the numbers are separated by single commas")]
    EmptyTransferNumber {
        /// The list (shortened).
        numbers: String,
        /// Which item, from 1.
        position: usize,
    },
    /// Whitespace in the transfer list.
    #[error("SimpleTransfer numbers {numbers:?} contain a space: the PBX takes them comma-separated with no spaces")]
    SpaceInTransferNumbers {
        /// The list (shortened).
        numbers: String,
    },
    /// A required value is empty.
    #[error("{attribute} must not be empty")]
    Empty {
        /// Which value (`Jump context`, `SetVar name`, …).
        attribute: &'static str,
    },
    /// Whitespace in an identifier or number.
    #[error("{attribute} {value:?} must not contain spaces")]
    Whitespace {
        /// Which value.
        attribute: &'static str,
        /// What was given (shortened).
        value: String,
    },
    /// A variable name with characters other than Latin letters, digits and `_`.
    #[error(
        "{attribute} {value:?} may hold only Latin letters, digits and _ (it is read back as $name in the IVR's URL)"
    )]
    BadVariableName {
        /// `SetVar name` or `PlaySound digitvar`.
        attribute: &'static str,
        /// What was given (shortened).
        value: String,
    },
    /// A character XML 1.0 cannot carry.
    #[error("{attribute} holds the character U+{:04X}, which an XML answer cannot carry", u32::from(*.character))]
    NotXmlText {
        /// Which value.
        attribute: &'static str,
        /// The first such character.
        character: char,
    },
}

impl Action {
    /// `<Pause length="…"/>` for `seconds`.
    pub fn pause(seconds: u32) -> Self {
        Self::Pause { length: Some(seconds.to_string()) }
    }

    /// `<SetVar name="…">value</SetVar>`.
    pub fn set_var(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self::SetVar { name: name.into(), value: value.into() }
    }

    /// A final `<SimpleTransfer>` to `numbers` (comma-separated) with the system's ring time.
    pub fn transfer(numbers: impl Into<String>) -> Self {
        Self::SimpleTransfer { numbers: numbers.into(), is_final: true, timeout: None, early_media: false }
    }

    /// The vendor's element name (`SimpleTransfer`, `SetCaller`, …).
    pub fn element(&self) -> &'static str {
        match self {
            Self::Hangup => "Hangup",
            Self::Pause { .. } => "Pause",
            Self::SetVar { .. } => "SetVar",
            Self::Jump { .. } => "Jump",
            Self::SetCaller { .. } => "SetCaller",
            Self::PlaySound { .. } => "PlaySound",
            Self::SimpleTransfer { .. } => "SimpleTransfer",
        }
    }

    /// Checks the action against what the PBX takes (see the module docs); the first problem wins.
    pub fn validate(&self) -> Result<(), ActionError> {
        match self {
            Self::Hangup => Ok(()),
            Self::Pause { length } => length.as_deref().map_or(Ok(()), |l| seconds("Pause length", l)),
            Self::SetVar { name, value } => {
                variable_name("SetVar name", name)?;
                xml_text("SetVar value", value)
            }
            Self::Jump { context, option } => {
                word("Jump context", context)?;
                word("Jump option", option)
            }
            Self::SetCaller { name, number } => {
                xml_text("SetCaller name", name)?;
                word("SetCaller number", number)
            }
            Self::PlaySound { playback, digitvar, file } => {
                match playback.as_str() {
                    FOREGROUND if digitvar.is_some() => return Err(ActionError::DigitvarNeedsBackground),
                    FOREGROUND | BACKGROUND => {}
                    other => return Err(ActionError::UnknownWhere { value: quote(other) }),
                }
                if let Some(digitvar) = digitvar {
                    variable_name("PlaySound digitvar", digitvar)?;
                }
                word("PlaySound file", file)
            }
            Self::SimpleTransfer { numbers, timeout, .. } => {
                transfer_numbers(numbers)?;
                timeout.as_deref().map_or(Ok(()), |t| seconds("SimpleTransfer timeout", t))
            }
        }
    }
}

/// Seconds: 1 to 10 digits that fit `u32`.
fn seconds(attribute: &'static str, value: &str) -> Result<(), ActionError> {
    let digits = !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit());
    if digits && value.parse::<u32>().is_ok() {
        Ok(())
    } else {
        Err(ActionError::NotWholeSeconds { attribute, value: quote(value) })
    }
}

/// Text XML 1.0 can carry (its `Char` production).
fn xml_text(attribute: &'static str, value: &str) -> Result<(), ActionError> {
    let forbidden =
        |c: &char| matches!(c, '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}');
    match value.chars().find(forbidden) {
        Some(character) => Err(ActionError::NotXmlText { attribute, character }),
        None => Ok(()),
    }
}

/// A non-empty identifier or number without whitespace.
fn word(attribute: &'static str, value: &str) -> Result<(), ActionError> {
    if value.is_empty() {
        return Err(ActionError::Empty { attribute });
    }
    xml_text(attribute, value)?;
    if value.chars().any(char::is_whitespace) {
        return Err(ActionError::Whitespace { attribute, value: quote(value) });
    }
    Ok(())
}

/// An IVR variable's name: Latin letters, digits and `_`.
fn variable_name(attribute: &'static str, value: &str) -> Result<(), ActionError> {
    if value.is_empty() {
        return Err(ActionError::Empty { attribute });
    }
    if !value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err(ActionError::BadVariableName { attribute, value: quote(value) });
    }
    Ok(())
}

/// `N1,N2,…`: at least one number, no empty item, no whitespace anywhere.
fn transfer_numbers(numbers: &str) -> Result<(), ActionError> {
    if numbers.is_empty() {
        return Err(ActionError::NoTransferNumbers);
    }
    if numbers.chars().any(char::is_whitespace) {
        return Err(ActionError::SpaceInTransferNumbers { numbers: quote(numbers) });
    }
    if let Some(position) = numbers.split(',').position(str::is_empty) {
        return Err(ActionError::EmptyTransferNumber { numbers: quote(numbers), position: position + 1 });
    }
    xml_text("SimpleTransfer numbers", numbers)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn play(playback: &str, digitvar: Option<&str>, file: &str) -> Action {
        Action::PlaySound { playback: playback.into(), digitvar: digitvar.map(Into::into), file: file.into() }
    }

    fn transfer_with(numbers: &str, timeout: Option<&str>) -> Action {
        Action::SimpleTransfer {
            numbers: numbers.into(),
            is_final: true,
            timeout: timeout.map(Into::into),
            early_media: false,
        }
    }

    fn refused(action: Action) -> String {
        action.validate().expect_err("the PBX would reject this").to_string()
    }

    #[test]
    fn documented_examples_pass() {
        let examples = [
            Action::Hangup,
            Action::pause(15),
            Action::Pause { length: None },
            Action::set_var("transferDestination", "09897987"),
            Action::Jump { context: "3".into(), option: "start".into() },
            Action::SetCaller { name: "callerName".into(), number: "92992".into() },
            play(BACKGROUND, Some("transferDestination"), "ae3d969ccc49e1a7746e0b1ce36ee4176190040c.wav"),
            play(FOREGROUND, None, "hello.wav"),
            transfer_with("NUM1,NUM2", Some("20")),
            Action::transfer("0003*001"),
        ];
        for action in examples {
            assert_eq!(action.validate(), Ok(()), "{action:?}");
        }
    }

    #[test]
    fn lengths_and_timeouts_must_be_digits() {
        for bad in ["", "abc", "-5", "+5", "1.5", " 15", "15s", "4294967296"] {
            assert_eq!(
                Action::Pause { length: Some(bad.into()) }.validate(),
                Err(ActionError::NotWholeSeconds { attribute: "Pause length", value: bad.into() }),
                "{bad:?}"
            );
            assert_eq!(
                transfer_with("101", Some(bad)).validate(),
                Err(ActionError::NotWholeSeconds { attribute: "SimpleTransfer timeout", value: bad.into() }),
                "{bad:?}"
            );
        }
        assert_eq!(
            refused(Action::Pause { length: Some("ten".into()) }),
            r#"Pause length must be a whole number of seconds written in digits, not "ten""#
        );
        assert_eq!(Action::Pause { length: Some("0".into()) }.validate(), Ok(()), "zero is a number");
    }

    #[test]
    fn where_is_foreground_or_background() {
        for bad in ["", "Background", "middle"] {
            assert_eq!(play(bad, None, "a.wav").validate(), Err(ActionError::UnknownWhere { value: bad.into() }));
        }
        assert_eq!(
            refused(play("loud", None, "a.wav")),
            r#"PlaySound where must be "foreground" or "background", not "loud""#
        );
    }

    #[test]
    fn digitvar_needs_a_background_sound_and_a_plain_name() {
        assert_eq!(play(FOREGROUND, Some("d"), "a.wav").validate(), Err(ActionError::DigitvarNeedsBackground));
        assert_eq!(
            refused(play(BACKGROUND, Some("my var"), "a.wav")),
            r#"PlaySound digitvar "my var" may hold only Latin letters, digits and _ (it is read back as $name in the IVR's URL)"#
        );
        assert_eq!(
            play(BACKGROUND, Some(""), "a.wav").validate(),
            Err(ActionError::Empty { attribute: "PlaySound digitvar" })
        );
    }

    #[test]
    fn transfer_lists_have_no_spaces_and_no_empty_items() {
        assert_eq!(Action::transfer("").validate(), Err(ActionError::NoTransferNumbers));
        for (bad, position) in [("101,,102", 2), (",101", 1), ("101,", 2), (",", 1)] {
            assert_eq!(
                Action::transfer(bad).validate(),
                Err(ActionError::EmptyTransferNumber { numbers: bad.into(), position }),
                "{bad:?}"
            );
        }
        for bad in ["101, 102", " 101", "101\t", "10 1"] {
            assert_eq!(
                Action::transfer(bad).validate(),
                Err(ActionError::SpaceInTransferNumbers { numbers: bad.into() }),
                "{bad:?}"
            );
        }
        assert_eq!(
            refused(Action::transfer("101, 102")),
            r#"SimpleTransfer numbers "101, 102" contain a space: the PBX takes them comma-separated with no spaces"#
        );
        assert_eq!(
            refused(Action::transfer("101,,102")),
            r#"SimpleTransfer number 2 of "101,,102" is empty: the numbers are separated by single commas"#
        );
    }

    #[test]
    fn identifiers_are_not_empty_and_hold_no_spaces() {
        let jump = |context: &str, option: &str| Action::Jump { context: context.into(), option: option.into() };
        assert_eq!(jump("", "start").validate(), Err(ActionError::Empty { attribute: "Jump context" }));
        assert_eq!(jump("3", "").validate(), Err(ActionError::Empty { attribute: "Jump option" }));
        assert_eq!(refused(jump("3", "st art")), r#"Jump option "st art" must not contain spaces"#);
        let caller = |number: &str| Action::SetCaller { name: String::new(), number: number.into() };
        assert_eq!(caller("").validate(), Err(ActionError::Empty { attribute: "SetCaller number" }));
        assert_eq!(
            caller("8 800").validate(),
            Err(ActionError::Whitespace { attribute: "SetCaller number", value: "8 800".into() })
        );
        assert_eq!(play(FOREGROUND, None, "").validate(), Err(ActionError::Empty { attribute: "PlaySound file" }));
        assert_eq!(Action::set_var("", "x").validate(), Err(ActionError::Empty { attribute: "SetVar name" }));
        assert_eq!(
            refused(Action::set_var("имя", "x")),
            r#"SetVar name "имя" may hold only Latin letters, digits and _ (it is read back as $name in the IVR's URL)"#
        );
    }

    #[test]
    fn free_text_may_be_anything_xml_carries() {
        assert_eq!(Action::set_var("v", "").validate(), Ok(()), "an empty value clears the variable");
        assert_eq!(Action::set_var("v", "<a & 'b'>\n\"Ёж\"\t").validate(), Ok(()), "escaped when written");
        assert_eq!(Action::SetCaller { name: "Иван".into(), number: "101".into() }.validate(), Ok(()));
        assert_eq!(
            Action::set_var("v", "bell\u{7}").validate(),
            Err(ActionError::NotXmlText { attribute: "SetVar value", character: '\u{7}' })
        );
        assert_eq!(
            refused(Action::SetCaller { name: "\u{FFFF}".into(), number: "1".into() }),
            "SetCaller name holds the character U+FFFF, which an XML answer cannot carry"
        );
        assert_eq!(
            Action::transfer("101\u{1B}").validate(),
            Err(ActionError::NotXmlText { attribute: "SimpleTransfer numbers", character: '\u{1B}' })
        );
    }

    #[test]
    fn settings_json_uses_the_vendor_names_and_takes_numbers_or_text() {
        let actions: Vec<Action> = serde_json::from_str(
            r#"[{"action": "Pause", "length": 15},
                {"action": "Pause", "length": "15"},
                {"action": "SimpleTransfer", "numbers": "101", "final": false, "timeout": 20, "early_media": true},
                {"action": "PlaySound", "where": "background", "file": "a.wav"}]"#,
        )
        .expect("valid settings");
        assert_eq!(actions[0], Action::pause(15));
        assert_eq!(actions[1], Action::pause(15));
        assert_eq!(
            actions[2],
            Action::SimpleTransfer {
                numbers: "101".into(),
                is_final: false,
                timeout: Some("20".into()),
                early_media: true
            }
        );
        assert_eq!(actions[3], play(BACKGROUND, None, "a.wav"));
        let transfer: Action =
            serde_json::from_str(r#"{"action": "SimpleTransfer", "numbers": "101"}"#).expect("valid");
        assert_eq!(transfer, Action::transfer("101"), "final defaults to yes, as on the PBX");
    }
}
