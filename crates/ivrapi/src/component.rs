//! Script components a controller runs with `ivrapi_component_apply` (ivr-protocols.md §A.5–A.6):
//! typed builders for the ones Sidekick drives, a raw form for any other `oType`, and the rule of
//! the SIP state (before `dialog`, transfer and hang-up go through 202; media only in `early` or
//! `dialog`).

use serde_json::{json, Map, Value};

/// The SIP state of the IVR's dialog with the caller (`state` of `api_start`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SipState {
    /// The INVITE arrived; nothing sent yet.
    Incoming,
    /// 180 sent.
    Ringing,
    /// 183 sent: media may flow.
    Early,
    /// 2xx sent: the call is answered.
    Dialog,
}

impl SipState {
    /// From `api_start`'s `state`; absent (the vendor's example has none) or unknown: `None`.
    pub fn read(text: Option<&str>) -> Option<Self> {
        match text? {
            "incoming" => Some(Self::Incoming),
            "ringing" => Some(Self::Ringing),
            "early" => Some(Self::Early),
            "dialog" => Some(Self::Dialog),
            _ => None,
        }
    }

    /// The state after the IVR sent `sip_code` with a 202 component.
    pub fn after_answer(self, sip_code: u16) -> Self {
        match sip_code {
            180 => Self::Ringing,
            183 => Self::Early,
            200..=299 => Self::Dialog,
            _ => self,
        }
    }
}

/// A component to run.
#[derive(Debug, Clone, PartialEq)]
pub enum Component {
    /// 201: hang up (BYE). Only in `dialog`.
    HangUp,
    /// 202: a SIP response to the INVITE (1xx–6xx); before `dialog` this is how the call is
    /// answered (200), moved (3xx with `redirect_to`) or refused (4xx–6xx).
    Answer {
        /// The SIP code.
        sip_code: u16,
        /// The reason phrase, if any.
        phrase: Option<String>,
        /// For a 3xx: where to.
        redirect_to: Option<String>,
    },
    /// 203: blind transfer (REFER). Only in `dialog`.
    Transfer {
        /// The number to transfer to.
        number: String,
        /// re-INVITE mode: 0 not used, 1 auto, 2 sendonly, 3 inactive.
        reinvite_mode: u8,
    },
    /// 204: play a file (synchronously, mode 0).
    Play {
        /// The file, e.g. `:GS_PUB/x/y/14.mp3` or `:TEMP/14.mp3`.
        file: String,
    },
    /// 206: collect digits.
    CollectDigits {
        /// Total wait, seconds.
        timeout_sec: u32,
        /// Wait between digits, seconds.
        symbol_timeout_sec: u32,
        /// Stop after this many digits, if set.
        max_symbols: Option<u32>,
        /// Digits that end the input (comma-separated sequences), if set.
        interrupt: Option<String>,
    },
    /// 208: record the caller (mode 0: record, then the file's path in the results).
    Record {
        /// Longest recording, seconds.
        rec_time_sec: u32,
        /// Stop after this many digits, if set.
        max_symbols: Option<u32>,
        /// Digits that stop the recording, if set.
        interrupt: Option<String>,
        /// Stop on silence.
        abort_on_silence: bool,
    },
    /// Any other component, as the script's JSON has it; must hold a numeric `oType`.
    Raw(Map<String, Value>),
}

/// Why a component cannot be sent now.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ComponentError {
    /// The SIP state forbids it; the sentence says what to do instead.
    #[error("{0}")]
    State(String),
    /// A value is out of range or missing.
    #[error("{0}")]
    Invalid(String),
}

impl Component {
    /// Its `oType`.
    pub fn o_type(&self) -> i64 {
        match self {
            Self::HangUp => 201,
            Self::Answer { .. } => 202,
            Self::Transfer { .. } => 203,
            Self::Play { .. } => 204,
            Self::CollectDigits { .. } => 206,
            Self::Record { .. } => 208,
            Self::Raw(data) => data.get("oType").and_then(Value::as_i64).unwrap_or(0),
        }
    }

    /// The `data` object of `ivrapi_component_apply`, after checking the values.
    pub fn data(&self) -> Result<Map<String, Value>, ComponentError> {
        let invalid = |s: &str| Err(ComponentError::Invalid(s.to_owned()));
        let value = match self {
            Self::HangUp => json!({"oType": 201}),
            Self::Answer { sip_code, phrase, redirect_to } => {
                if !(100..=699).contains(sip_code) {
                    return invalid("a SIP code is between 100 and 699");
                }
                if (300..400).contains(sip_code) && redirect_to.as_deref().is_none_or(|r| r.trim().is_empty()) {
                    return invalid("a 3xx answer needs the number to send the caller to");
                }
                let mut v = json!({"oType": 202, "sipCode": sip_code});
                if let Some(p) = phrase.as_deref().filter(|p| !p.is_empty()) {
                    v["phrase"] = json!(p);
                }
                if let Some(r) = redirect_to.as_deref().filter(|r| !r.is_empty()) {
                    v["redirectTo"] = json!(r);
                }
                v
            }
            Self::Transfer { number, reinvite_mode } => {
                if number.trim().is_empty() {
                    return invalid("enter the number to transfer to");
                }
                if *reinvite_mode > 3 {
                    return invalid("the re-INVITE mode is 0, 1, 2 or 3");
                }
                json!({"oType": 203, "number": number.trim(), "reinviteMode": reinvite_mode})
            }
            Self::Play { file } => {
                if file.trim().is_empty() {
                    return invalid("enter the file to play");
                }
                json!({"oType": 204, "mode": 0, "file": file.trim()})
            }
            Self::CollectDigits { timeout_sec, symbol_timeout_sec, max_symbols, interrupt } => {
                if *timeout_sec == 0 || *timeout_sec > 3600 {
                    return invalid("the wait for digits is 1 to 3600 seconds");
                }
                let mut v = json!({"oType": 206, "timeoutSec": timeout_sec, "symbolTimeoutSec": symbol_timeout_sec, "clearDtmfBuffer": true, "inband": 0});
                if let Some(n) = max_symbols {
                    v["maxSymbolCount"] = json!(n);
                }
                if let Some(i) = interrupt.as_deref().filter(|i| !i.is_empty()) {
                    v["interruptSymbols"] = json!(i);
                }
                v
            }
            Self::Record { rec_time_sec, max_symbols, interrupt, abort_on_silence } => {
                if *rec_time_sec == 0 || *rec_time_sec > 3600 {
                    return invalid("a recording lasts 1 to 3600 seconds");
                }
                let mut v = json!({"oType": 208, "mode": 0, "recTimeSec": rec_time_sec, "abortOnSilence": abort_on_silence});
                if let Some(n) = max_symbols {
                    v["maxSymbolCount"] = json!(n);
                }
                if let Some(i) = interrupt.as_deref().filter(|i| !i.is_empty()) {
                    v["interruptSymbols"] = json!(i);
                }
                v
            }
            Self::Raw(data) => {
                let o_type = data.get("oType").and_then(Value::as_i64).unwrap_or(0);
                if o_type <= 0 {
                    return invalid("a raw component needs a numeric oType");
                }
                return Ok(data.clone());
            }
        };
        Ok(match value {
            Value::Object(m) => m,
            _ => Map::new(),
        })
    }

    /// Whether the component may run in `state` (unknown: the platform decides).
    pub fn check_state(&self, state: Option<SipState>) -> Result<(), ComponentError> {
        let Some(state) = state else { return Ok(()) };
        let before_dialog = state != SipState::Dialog;
        match self {
            Self::HangUp if before_dialog => Err(ComponentError::State(
                "the call is not answered yet: refuse it with a 4xx–6xx answer (202) instead of hanging up".into(),
            )),
            Self::Transfer { .. } if before_dialog => Err(ComponentError::State(
                "the call is not answered yet: redirect it with a 3xx answer (202) instead of a transfer".into(),
            )),
            Self::Play { .. } | Self::CollectDigits { .. } | Self::Record { .. } if !matches!(state, SipState::Early | SipState::Dialog) => {
                Err(ComponentError::State("no media before the call is answered (200) or in early media (183): send an answer (202) first".into()))
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sip_state_rule_names_what_to_do_instead() {
        let play = Component::Play { file: ":TEMP/a.wav".into() };
        let transfer = Component::Transfer { number: "101".into(), reinvite_mode: 0 };
        assert!(matches!(Component::HangUp.check_state(Some(SipState::Incoming)), Err(ComponentError::State(s)) if s.contains("4xx")));
        assert!(matches!(transfer.check_state(Some(SipState::Early)), Err(ComponentError::State(s)) if s.contains("3xx")));
        assert!(matches!(play.check_state(Some(SipState::Ringing)), Err(ComponentError::State(_))));
        assert_eq!(play.check_state(Some(SipState::Early)), Ok(()));
        assert_eq!(transfer.check_state(Some(SipState::Dialog)), Ok(()));
        assert_eq!(Component::HangUp.check_state(None), Ok(()), "an unknown state is the platform's call");
        let refuse = Component::Answer { sip_code: 486, phrase: None, redirect_to: None };
        assert_eq!(refuse.check_state(Some(SipState::Incoming)), Ok(()));
        assert_eq!(SipState::Incoming.after_answer(183), SipState::Early);
        assert_eq!(SipState::Early.after_answer(200), SipState::Dialog);
        assert_eq!(SipState::Early.after_answer(486), SipState::Early);
    }

    #[test]
    fn values_are_checked() {
        let bad = [
            Component::Answer { sip_code: 99, phrase: None, redirect_to: None },
            Component::Answer { sip_code: 302, phrase: None, redirect_to: None },
            Component::Transfer { number: " ".into(), reinvite_mode: 0 },
            Component::Transfer { number: "1".into(), reinvite_mode: 4 },
            Component::Play { file: String::new() },
            Component::CollectDigits { timeout_sec: 0, symbol_timeout_sec: 3, max_symbols: None, interrupt: None },
            Component::Record { rec_time_sec: 0, max_symbols: None, interrupt: None, abort_on_silence: false },
            Component::Raw(Map::new()),
        ];
        for c in bad {
            assert!(matches!(c.data(), Err(ComponentError::Invalid(_))), "{c:?}");
        }
    }
}
