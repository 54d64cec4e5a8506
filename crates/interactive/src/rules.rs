//! Routing rules: what the agent or an admin writes in settings to choose the answer.
//!
//! A rule set is an ordered list. Each [`Rule`] has conditions and actions; the first enabled rule
//! whose conditions all hold gives its actions, and when none does the answer is empty (the IVR
//! carries on as configured). A rule with no conditions matches every call (a catch-all at the
//! end of the list); a rule with no actions matches and answers nothing, which stops the rules
//! after it (an exception placed before a broader rule).
//!
//! Conditions, all optional, all of them must hold:
//!
//! - `caller`: a [`NumberPattern`] on `CallerIDNum`;
//! - `called`: a [`NumberPattern`] on any of `CalledDID`, `CalledNumber` and `CalledExtension`
//!   (the external number, what was dialled, and the IVR's own extension);
//! - `time`: a [`TimeWindow`] of local time of day;
//! - `spokeWithinDays`: the agent spoke with the caller's number within that many days, asked of
//!   a [`CallHistory`] the app implements over its own call history.
//!
//! Choices made here (the vendor says nothing about rules):
//!
//! - Numbers are compared as sent, with no normalisation (`+7…`, `8…` and `7…` differ), because
//!   the PBX sends every number in one form per trunk and a rule is written against what it sends.
//! - In a glob, `*` stands for any run of characters. Telphin's extended numbers hold a literal
//!   `*` (`0003*001`); a glob's `*` matches it too, and an `exact` or `prefix` pattern matches it
//!   literally.
//! - A condition on a number the request lacks does not hold. An empty pattern matches nothing
//!   (and [`validate`] refuses it).
//! - A time window runs from `from` up to but not including `to`; when `to` is earlier than
//!   `from` it crosses midnight. Equal times are refused by [`validate`] and match nothing.
//! - "Within N days" means at most N × 24 hours ago; N is at least 1.
//! - The history is asked last, and only when the other conditions hold: it may be the slowest.
//!
//! Time is injected: evaluation takes the local time of day, so rules are tested without a clock.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::action::Action;
use crate::request::{quote, CallInteractiveRequest};
use crate::response::{check_actions, Response, ResponseError};

/// One routing rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    /// What the agent calls it (shown in settings and in errors).
    #[serde(default)]
    pub name: String,
    /// A disabled rule is kept but skipped.
    #[serde(default = "enabled")]
    pub enabled: bool,
    /// When the rule applies.
    #[serde(default)]
    pub when: Conditions,
    /// What the answer holds when it does (at most 10).
    #[serde(default)]
    pub actions: Vec<Action>,
}

fn enabled() -> bool {
    true
}

/// The conditions of a [`Rule`]; those present must all hold.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Conditions {
    /// On `CallerIDNum`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caller: Option<NumberPattern>,
    /// On `CalledDID`, `CalledNumber` or `CalledExtension` (any of them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub called: Option<NumberPattern>,
    /// Local time of day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<TimeWindow>,
    /// The agent spoke with the caller within this many days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spoke_within_days: Option<u32>,
}

/// A pattern on a phone number or extension. Serde form: `{"prefix": "+7495"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum NumberPattern {
    /// The whole number, character for character.
    Exact(String),
    /// The number starts with this.
    Prefix(String),
    /// `*` stands for any run of characters (possibly none); everything else is literal.
    Glob(String),
}

impl NumberPattern {
    /// Whether `number` matches. An empty pattern matches nothing.
    pub fn matches(&self, number: &str) -> bool {
        match self {
            Self::Exact(p) => !p.is_empty() && number == p,
            Self::Prefix(p) => !p.is_empty() && number.starts_with(p.as_str()),
            Self::Glob(p) => !p.is_empty() && glob(p.as_bytes(), number.as_bytes()),
        }
    }

    fn text(&self) -> &str {
        match self {
            Self::Exact(p) | Self::Prefix(p) | Self::Glob(p) => p,
        }
    }
}

/// `*`-only wildcard matching, by bytes (a `*` never occurs inside a UTF-8 sequence). On a
/// mismatch after a `*`, the star takes one more byte and matching resumes: linear in practice,
/// at worst pattern length × text length.
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    // Where the last `*` was, and how much of the text it has taken so far.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p + 1, t));
                p += 1;
            }
            Some(&c) if c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((after, taken)) => {
                    star = Some((after, taken + 1));
                    p = after;
                    t = taken + 1;
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

/// A time of day, to the minute. Serde form: `"HH:MM"`, 24-hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(try_from = "String", into = "String")]
#[ts(type = "string")]
pub struct TimeOfDay {
    minutes: u16,
}

/// A time of day that is not `HH:MM` from 00:00 to 23:59.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a time of day: write it as HH:MM, from 00:00 to 23:59")]
pub struct TimeOfDayError {
    /// What was given (shortened).
    pub value: String,
}

impl TimeOfDay {
    /// `hour:minute`, or `None` past 23:59.
    pub const fn new(hour: u8, minute: u8) -> Option<Self> {
        if hour < 24 && minute < 60 {
            Some(Self { minutes: hour as u16 * 60 + minute as u16 })
        } else {
            None
        }
    }

    /// 00:00.
    pub const MIDNIGHT: Self = Self { minutes: 0 };

    /// Minutes since midnight.
    pub fn minutes(self) -> u16 {
        self.minutes
    }
}

impl FromStr for TimeOfDay {
    type Err = TimeOfDayError;

    /// `H:MM` or `HH:MM`.
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let refuse = || TimeOfDayError { value: quote(value) };
        let (hour, minute) = value.split_once(':').ok_or_else(refuse)?;
        let digits = |s: &str, max_len| (1..=max_len).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(hour, 2) || !digits(minute, 2) || minute.len() != 2 {
            return Err(refuse());
        }
        Self::new(hour.parse().map_err(|_| refuse())?, minute.parse().map_err(|_| refuse())?).ok_or_else(refuse)
    }
}

impl TryFrom<String> for TimeOfDay {
    type Error = TimeOfDayError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<TimeOfDay> for String {
    fn from(t: TimeOfDay) -> Self {
        t.to_string()
    }
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.minutes / 60, self.minutes % 60)
    }
}

/// From `from` up to, not including, `to`; crosses midnight when `to` is earlier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TimeWindow {
    /// The first minute inside the window.
    pub from: TimeOfDay,
    /// The first minute after it.
    pub to: TimeOfDay,
}

impl TimeWindow {
    /// Whether `at` falls inside.
    pub fn contains(&self, at: TimeOfDay) -> bool {
        if self.from <= self.to {
            self.from <= at && at < self.to
        } else {
            at >= self.from || at < self.to
        }
    }
}

/// The agent's past conversations, as the app keeps them.
pub trait CallHistory {
    /// How long ago the agent last spoke with `number` (as the PBX sends it in `CallerIDNum`), or
    /// `None` when the history has no conversation with it.
    fn last_spoke_with(&self, number: &str) -> Option<Duration>;
}

/// A history with no calls in it.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoHistory;

impl CallHistory for NoHistory {
    fn last_spoke_with(&self, _number: &str) -> Option<Duration> {
        None
    }
}

impl<F: Fn(&str) -> Option<Duration>> CallHistory for F {
    fn last_spoke_with(&self, number: &str) -> Option<Duration> {
        self(number)
    }
}

const DAY: Duration = Duration::from_secs(24 * 60 * 60);

impl Conditions {
    /// Whether all present conditions hold for `request` at local time `at`.
    pub fn hold(&self, request: &CallInteractiveRequest, at: TimeOfDay, history: &dyn CallHistory) -> bool {
        let caller = request.caller_id_num.as_deref();
        let caller_matches = |p: &NumberPattern| caller.is_some_and(|n| p.matches(n));
        let called_matches = |p: &NumberPattern| request.called_numbers().any(|n| p.matches(n));
        let spoke = |days: u32| caller.and_then(|n| history.last_spoke_with(n)).is_some_and(|ago| ago <= DAY * days);
        self.caller.as_ref().is_none_or(caller_matches)
            && self.called.as_ref().is_none_or(called_matches)
            && self.time.is_none_or(|w| w.contains(at))
            && self.spoke_within_days.is_none_or(spoke)
    }
}

/// The first enabled rule whose conditions hold, with its position from 0.
pub fn first_match<'r>(
    rules: &'r [Rule],
    request: &CallInteractiveRequest,
    at: TimeOfDay,
    history: &dyn CallHistory,
) -> Option<(usize, &'r Rule)> {
    rules.iter().enumerate().find(|(_, rule)| rule.enabled && rule.when.hold(request, at, history))
}

/// In a `SimpleTransfer`'s numbers, an item written `{me}` stands for the agent's own number,
/// filled in when the answer is made ("route back to me" keeps working when the agent's number
/// changes, and one rule set serves every agent of a team).
pub const MY_NUMBER: &str = "{me}";

/// Whether any action transfers to [`MY_NUMBER`].
pub fn uses_my_number(actions: &[Action]) -> bool {
    actions.iter().any(|a| matches!(a, Action::SimpleTransfer { numbers, .. } if numbers.split(',').any(|n| n == MY_NUMBER)))
}

/// `actions` with every [`MY_NUMBER`] item of a transfer list replaced by `mine`; `None` when one
/// is used and the agent's number is not known.
pub fn with_my_number(actions: &[Action], mine: Option<&str>) -> Option<Vec<Action>> {
    if !uses_my_number(actions) {
        return Some(actions.to_vec());
    }
    let mine = mine.map(str::trim).filter(|m| !m.is_empty())?;
    Some(
        actions
            .iter()
            .map(|action| match action {
                Action::SimpleTransfer { numbers, is_final, timeout, early_media } => Action::SimpleTransfer {
                    numbers: numbers.split(',').map(|n| if n == MY_NUMBER { mine } else { n }).collect::<Vec<_>>().join(","),
                    is_final: *is_final,
                    timeout: timeout.clone(),
                    early_media: *early_media,
                },
                other => other.clone(),
            })
            .collect(),
    )
}

/// The actions for `request`: the first matching rule's (with [`MY_NUMBER`] filled in from
/// `my_number`), or none. An error when that rule transfers to `{me}` and no number is known.
pub fn decide(
    rules: &[Rule],
    request: &CallInteractiveRequest,
    at: TimeOfDay,
    history: &dyn CallHistory,
    my_number: Option<&str>,
) -> Result<Vec<Action>, RuleError> {
    let Some((position, rule)) = first_match(rules, request, at, history) else { return Ok(Vec::new()) };
    with_my_number(&rule.actions, my_number).ok_or_else(|| RuleError::new(position, rule, RuleProblem::NoNumberForMe))
}

/// What [`preview`] shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Preview {
    /// The matching rule's position from 0, or `None` when no rule matched.
    #[ts(type = "number | null")]
    pub rule: Option<usize>,
    /// The exact XML the PBX would get.
    pub xml: String,
}

/// The exact answer a sample request would get at local time `at` for an agent whose number is
/// `my_number`, and which rule gave it. An error when the matching rule's actions would be
/// refused (the real answer would then be empty).
pub fn preview(
    rules: &[Rule],
    sample: &CallInteractiveRequest,
    at: TimeOfDay,
    history: &dyn CallHistory,
    my_number: Option<&str>,
) -> Result<Preview, RuleError> {
    let Some((position, rule)) = first_match(rules, sample, at, history) else {
        return Ok(Preview { rule: None, xml: Response::empty().to_xml() });
    };
    let actions =
        with_my_number(&rule.actions, my_number).ok_or_else(|| RuleError::new(position, rule, RuleProblem::NoNumberForMe))?;
    let response = Response::new(actions).map_err(|e| RuleError::new(position, rule, e.into()))?;
    Ok(Preview { rule: Some(position), xml: response.to_xml() })
}

/// A rule that cannot be used as written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("rule {number} ({name:?}): {problem}")]
pub struct RuleError {
    /// The rule's position from 1, as the settings list shows it.
    pub number: usize,
    /// Its name.
    pub name: String,
    /// What is wrong.
    pub problem: RuleProblem,
}

impl RuleError {
    fn new(position: usize, rule: &Rule, problem: RuleProblem) -> Self {
        Self { number: position + 1, name: rule.name.clone(), problem }
    }
}

/// What is wrong with a rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleProblem {
    /// Its actions would be refused.
    #[error(transparent)]
    Actions(#[from] ResponseError),
    /// A number pattern is empty.
    #[error("the {condition} number pattern is empty")]
    EmptyPattern {
        /// `caller` or `called`.
        condition: &'static str,
    },
    /// A number pattern holds whitespace.
    #[error("the {condition} number pattern {pattern:?} contains a space, which no number does")]
    SpaceInPattern {
        /// `caller` or `called`.
        condition: &'static str,
        /// The pattern (shortened).
        pattern: String,
    },
    /// A time window that starts and ends at the same minute.
    #[error("the time window starts and ends at {at}: give two different times (22:00 to 06:00 crosses midnight)")]
    EmptyTimeWindow {
        /// Its start (and end).
        at: TimeOfDay,
    },
    /// `spokeWithinDays` of 0.
    #[error("\"spoke with me within\" needs at least 1 day")]
    ZeroDays,
    /// A transfer to `{me}` when the agent's number is not known.
    #[error("it transfers to {{me}}, but your phone number is not known yet: sign in, or set the number for transfers")]
    NoNumberForMe,
    /// `spokeWithinDays` in the rules of a relay, which keeps no agent's call history
    /// ([`validate_for_relay`](crate::relay::validate_for_relay)).
    #[error("\"spoke with me within\" needs an agent's call history, which a relay does not have (it answers for every agent): remove the condition or keep the rule in the app")]
    HistoryOnRelay,
    /// A transfer to `{me}` in the rules of a relay, which answers for many agents
    /// ([`validate_for_relay`](crate::relay::validate_for_relay)).
    #[error("it transfers to {{me}}, but a relay answers for every agent and has no number of its own: write the number to transfer to")]
    MyNumberOnRelay,
}

impl Rule {
    /// Checks the rule (disabled ones too: they may be enabled later).
    pub fn validate(&self) -> Result<(), RuleProblem> {
        for (condition, pattern) in [("caller", &self.when.caller), ("called", &self.when.called)] {
            let Some(pattern) = pattern else { continue };
            let text = pattern.text();
            if text.is_empty() {
                return Err(RuleProblem::EmptyPattern { condition });
            }
            if text.chars().any(char::is_whitespace) {
                return Err(RuleProblem::SpaceInPattern { condition, pattern: quote(text) });
            }
        }
        if let Some(window) = self.when.time.filter(|w| w.from == w.to) {
            return Err(RuleProblem::EmptyTimeWindow { at: window.from });
        }
        if self.when.spoke_within_days == Some(0) {
            return Err(RuleProblem::ZeroDays);
        }
        // `{me}` passes the transfer list's checks as written (no space, not empty), so the
        // actions are checked as the agent wrote them, and a message quotes their own list.
        Ok(check_actions(&self.actions)?)
    }
}

/// Checks every rule; the first problem, named by the rule's number and name.
pub fn validate(rules: &[Rule]) -> Result<(), RuleError> {
    rules.iter().enumerate().try_for_each(|(i, rule)| rule.validate().map_err(|p| RuleError::new(i, rule, p)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> TimeOfDay {
        s.parse().expect("a valid time")
    }

    #[test]
    fn a_refused_transfer_list_is_quoted_as_written_with_me_in_it() {
        let rule = Rule {
            name: "Me first".into(),
            enabled: true,
            when: Conditions::default(),
            actions: vec![Action::transfer("{me}, 101")],
        };
        let problem = rule.validate().expect_err("a space in the list");
        assert_eq!(
            problem.to_string(),
            "action 1 (SimpleTransfer): SimpleTransfer numbers \"{me}, 101\" contain a space: the PBX takes them comma-separated with no spaces"
        );
    }

    fn call_from(caller: &str) -> CallInteractiveRequest {
        CallInteractiveRequest { caller_id_num: Some(caller.into()), ..CallInteractiveRequest::new("c1") }
    }

    fn rule(name: &str, when: Conditions, actions: Vec<Action>) -> Rule {
        Rule { name: name.into(), enabled: true, when, actions }
    }

    #[test]
    fn globs_treat_star_as_any_run_of_characters() {
        let cases = [
            ("*", "", true),
            ("+7495*", "+74951234567", true),
            ("*567", "+74951234567", true),
            ("+7*5*7", "+74951234567", true),
            ("+7*8", "+74951234567", false),
            ("0003*001", "0003*001", true),
            ("0003*001", "0003*0010", false),
            ("**1", "1", true),
            ("a*b*c", "aXbYbZc", true),
            ("a*b*c", "aXbYbZ", false),
        ];
        for (pattern, number, expected) in cases {
            assert_eq!(NumberPattern::Glob(pattern.into()).matches(number), expected, "{pattern:?} on {number:?}");
        }
    }

    #[test]
    fn exact_and_prefix_match_literally_and_empty_patterns_match_nothing() {
        assert!(NumberPattern::Exact("0003*001".into()).matches("0003*001"));
        assert!(!NumberPattern::Exact("0003*001".into()).matches("0003x001"), "a literal star in exact");
        assert!(NumberPattern::Prefix("0003*".into()).matches("0003*001"));
        assert!(!NumberPattern::Prefix("0003*".into()).matches("00031001"));
        for empty in [
            NumberPattern::Exact(String::new()),
            NumberPattern::Prefix(String::new()),
            NumberPattern::Glob(String::new()),
        ] {
            assert!(!empty.matches("") && !empty.matches("101"), "{empty:?} must not match everything by accident");
        }
    }

    #[test]
    fn time_windows_are_half_open_and_may_cross_midnight() {
        let day = TimeWindow { from: at("09:00"), to: at("18:00") };
        assert!(day.contains(at("09:00")) && day.contains(at("17:59")));
        assert!(!day.contains(at("18:00")) && !day.contains(at("08:59")));
        let night = TimeWindow { from: at("22:00"), to: at("06:00") };
        assert!(night.contains(at("23:30")) && night.contains(at("00:00")) && night.contains(at("05:59")));
        assert!(!night.contains(at("06:00")) && !night.contains(at("12:00")));
        let empty = TimeWindow { from: at("09:00"), to: at("09:00") };
        assert!(!empty.contains(at("09:00")) && !empty.contains(at("10:00")));
    }

    #[test]
    fn times_of_day_are_hh_mm() {
        assert_eq!(at("9:05").to_string(), "09:05");
        assert_eq!(at("23:59").minutes(), 23 * 60 + 59);
        for bad in ["24:00", "12:60", "12", "12:5", "ab:cd", "-1:00", "12:00:00", "", "+1:00", "123:00"] {
            assert_eq!(bad.parse::<TimeOfDay>(), Err(TimeOfDayError { value: bad.into() }), "{bad:?}");
        }
        assert_eq!(
            "25:00".parse::<TimeOfDay>().expect_err("no such hour").to_string(),
            r#""25:00" is not a time of day: write it as HH:MM, from 00:00 to 23:59"#
        );
    }

    #[test]
    fn spoke_within_counts_whole_days_back_from_now() {
        let history = |number: &str| (number == "+79161234567").then_some(DAY * 7);
        let within = |days| Conditions { spoke_within_days: Some(days), ..Conditions::default() };
        let noon = at("12:00");
        assert!(within(7).hold(&call_from("+79161234567"), noon, &history), "exactly 7 days ago is within 7 days");
        assert!(!within(6).hold(&call_from("+79161234567"), noon, &history));
        assert!(!within(7).hold(&call_from("+79160000000"), noon, &history), "never spoke with this one");
        assert!(!within(7).hold(&CallInteractiveRequest::new("c1"), noon, &history), "no caller number");
    }

    #[test]
    fn the_history_is_asked_only_when_the_other_conditions_hold() {
        let asked = std::cell::Cell::new(0);
        let history = |_: &str| {
            asked.set(asked.get() + 1);
            Some(Duration::ZERO)
        };
        let when = Conditions {
            caller: Some(NumberPattern::Prefix("+7".into())),
            spoke_within_days: Some(1),
            ..Conditions::default()
        };
        assert!(!when.hold(&call_from("+1555"), at("12:00"), &history));
        assert_eq!(asked.get(), 0, "the caller pattern failed first");
        assert!(when.hold(&call_from("+7495"), at("12:00"), &history));
        assert_eq!(asked.get(), 1);
    }

    #[test]
    fn called_matches_any_of_did_number_and_extension() {
        let when = Conditions { called: Some(NumberPattern::Exact("0003*001".into())), ..Conditions::default() };
        let mut request = CallInteractiveRequest::new("c1");
        assert!(!when.hold(&request, at("12:00"), &NoHistory), "no called number at all");
        request.called_extension = Some("0003*001".into());
        assert!(when.hold(&request, at("12:00"), &NoHistory));
        request.called_extension = None;
        request.called_number = Some("0003*001".into());
        assert!(when.hold(&request, at("12:00"), &NoHistory));
    }

    #[test]
    fn first_enabled_match_wins_and_no_match_gives_nothing() {
        let moscow = Conditions { caller: Some(NumberPattern::Prefix("+7495".into())), ..Conditions::default() };
        let mut rules = vec![
            rule("off", Conditions::default(), vec![Action::Hangup]),
            rule("moscow", moscow, vec![Action::transfer("101")]),
            rule("everyone", Conditions::default(), vec![Action::pause(5)]),
        ];
        rules[0].enabled = false;
        let noon = at("12:00");
        assert_eq!(first_match(&rules, &call_from("+74951112233"), noon, &NoHistory).map(|(i, _)| i), Some(1));
        let decide = |rules: &[Rule], caller| decide(rules, &call_from(caller), noon, &NoHistory, None).unwrap();
        assert_eq!(decide(&rules, "+74951112233"), [Action::transfer("101")]);
        assert_eq!(decide(&rules, "+1555"), [Action::pause(5)], "the catch-all");
        assert_eq!(decide(&rules[..2], "+1555"), []);
    }

    #[test]
    fn validation_names_the_rule_and_the_problem() {
        let with = |when| vec![rule("ok", Conditions::default(), vec![]), rule("VIP", when, vec![])];
        let cases = [
            (
                Conditions { caller: Some(NumberPattern::Prefix(String::new())), ..Conditions::default() },
                r#"rule 2 ("VIP"): the caller number pattern is empty"#,
            ),
            (
                Conditions { called: Some(NumberPattern::Glob("1 *".into())), ..Conditions::default() },
                r#"rule 2 ("VIP"): the called number pattern "1 *" contains a space, which no number does"#,
            ),
            (
                Conditions { time: Some(TimeWindow { from: at("9:00"), to: at("09:00") }), ..Conditions::default() },
                r#"rule 2 ("VIP"): the time window starts and ends at 09:00: give two different times (22:00 to 06:00 crosses midnight)"#,
            ),
            (
                Conditions { spoke_within_days: Some(0), ..Conditions::default() },
                r#"rule 2 ("VIP"): "spoke with me within" needs at least 1 day"#,
            ),
        ];
        for (when, message) in cases {
            assert_eq!(validate(&with(when)).map_err(|e| e.to_string()), Err(message.to_owned()));
        }
        let too_many = [rule("many", Conditions::default(), vec![Action::Hangup; 11])];
        let err = validate(&too_many).expect_err("eleven actions");
        assert_eq!(err.problem, RuleProblem::Actions(ResponseError::TooManyActions { count: 11 }));
        assert_eq!(err.to_string(), r#"rule 1 ("many"): the answer has 11 actions, but the PBX takes at most 10"#);
        let bad_action = [rule("pause", Conditions::default(), vec![Action::Pause { length: Some("x".into()) }])];
        assert_eq!(
            validate(&bad_action).expect_err("bad length").to_string(),
            r#"rule 1 ("pause"): action 1 (Pause): Pause length must be a whole number of seconds written in digits, not "x""#
        );
    }

    #[test]
    fn a_bad_time_in_settings_is_refused_with_its_own_sentence() {
        let err = serde_json::from_str::<Rule>(r#"{"when": {"time": {"from": "9", "to": "18:00"}}}"#).expect_err("bad");
        assert!(err.to_string().starts_with(r#""9" is not a time of day: write it as HH:MM"#), "{err}");
    }

    #[test]
    fn me_is_the_agents_number_filled_in_when_the_answer_is_made() {
        let back = [rule("back to me", Conditions::default(), vec![Action::transfer("{me},555"), Action::Hangup])];
        assert!(validate(&back).is_ok(), "{{me}} passes the number checks");
        let call = call_from("+74951112233");
        let noon = at("12:00");
        assert_eq!(
            decide(&back, &call, noon, &NoHistory, Some(" 4012 ")).unwrap(),
            [Action::transfer("4012,555"), Action::Hangup]
        );
        let err = decide(&back, &call, noon, &NoHistory, None).expect_err("no number");
        assert_eq!(err.problem, RuleProblem::NoNumberForMe);
        assert!(preview(&back, &call, noon, &NoHistory, Some("")).is_err(), "an empty number is no number");
        let xml = preview(&back, &call, noon, &NoHistory, Some("4012")).unwrap().xml;
        assert!(xml.contains(">4012,555</SimpleTransfer>"), "{xml}");
        // Only a whole item is the placeholder.
        let literal = [Action::transfer("{me}1")];
        assert!(!uses_my_number(&literal));
        assert_eq!(with_my_number(&literal, None), Some(literal.to_vec()));
    }
}
