//! The relay's answers: the app's rule format, without what only one agent's app can know.

use std::fmt;
use std::sync::Arc;

use chrono::Timelike as _;

use crate::action::Action;
use crate::request::CallInteractiveRequest;
use crate::rules::{self, uses_my_number, NoHistory, Rule, RuleError, RuleProblem, TimeOfDay};
use crate::server::{DecideFuture, Decider};

/// Checks rules for a relay: everything [`rules::validate`] checks, and also that no rule asks
/// about one agent. That means no `spokeWithinDays`, since the relay keeps no call history, and no
/// transfer to [`MY_NUMBER`](rules::MY_NUMBER), since the relay answers for every agent. Disabled
/// rules are checked too, as the app does. The error names the first bad rule by its number
/// (from 1) and name.
pub fn validate_for_relay(rules: &[Rule]) -> Result<(), RuleError> {
    rules.iter().enumerate().try_for_each(|(position, rule)| {
        let problem = match rule.validate() {
            Err(problem) => Some(problem),
            Ok(()) if rule.when.spoke_within_days.is_some() => Some(RuleProblem::HistoryOnRelay),
            Ok(()) if uses_my_number(&rule.actions) => Some(RuleProblem::MyNumberOnRelay),
            Ok(()) => None,
        };
        match problem {
            Some(problem) => Err(RuleError { number: position + 1, name: rule.name.clone(), problem }),
            None => Ok(()),
        }
    })
}

/// The local time of day now, in the process's time zone (`TZ` on Unix). This is the one place
/// where the relay reads the clock.
pub fn local_time_of_day() -> TimeOfDay {
    let now = chrono::Local::now();
    // chrono's hour is below 24 and its minute below 60, so `new` always succeeds.
    TimeOfDay::new(now.hour() as u8, now.minute() as u8).unwrap_or(TimeOfDay::MIDNIGHT)
}

/// Why a rules file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum RelayRulesError {
    /// Not a JSON list of rules in the settings' form.
    #[error("the rules are not a JSON list of rules: {0}")]
    Json(#[from] serde_json::Error),
    /// A rule the relay cannot use.
    #[error(transparent)]
    Rule(#[from] RuleError),
}

/// The rules a relay answers from. They have passed [`validate_for_relay`] and are evaluated at
/// the relay's local time of day. Cheap to clone. As a [`Decider`], it answers at once: it asks
/// nothing outside itself.
#[derive(Clone)]
pub struct RelayRules {
    rules: Arc<[Rule]>,
    /// The local time of day now. [`local_time_of_day`], except in tests.
    clock: Arc<dyn Fn() -> TimeOfDay + Send + Sync>,
}

impl RelayRules {
    /// Checks `rules` with [`validate_for_relay`] and keeps them.
    pub fn new(rules: Vec<Rule>) -> Result<Self, RuleError> {
        validate_for_relay(&rules)?;
        Ok(Self { rules: rules.into(), clock: Arc::new(local_time_of_day) })
    }

    /// Reads a rules file: a JSON array of rules, in the form the app's settings use.
    pub fn from_json(text: &str) -> Result<Self, RelayRulesError> {
        let rules: Vec<Rule> = serde_json::from_str(text)?;
        Ok(Self::new(rules)?)
    }

    /// The same rules, evaluated at the time of day `clock` gives (for tests and previews).
    pub fn with_clock(self, clock: impl Fn() -> TimeOfDay + Send + Sync + 'static) -> Self {
        Self { clock: Arc::new(clock), ..self }
    }

    /// The rules, in order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The actions for `request` at local time `at`. These are the first matching rule's actions,
    /// or none when no rule matches.
    pub fn actions_at(&self, request: &CallInteractiveRequest, at: TimeOfDay) -> Result<Vec<Action>, RuleError> {
        // Checked at construction: no rule needs a history or a number of the agent's own.
        rules::decide(&self.rules, request, at, &NoHistory, None)
    }
}

impl Decider for RelayRules {
    fn decide(&self, request: Arc<CallInteractiveRequest>) -> DecideFuture {
        let actions = self.actions_at(&request, (self.clock)()).map_err(Into::into);
        Box::pin(std::future::ready(actions))
    }
}

impl fmt::Debug for RelayRules {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RelayRules").field("rules", &self.rules).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{Conditions, TimeWindow};

    fn at(time: &str) -> TimeOfDay {
        time.parse().expect("a time")
    }

    #[tokio::test]
    async fn the_decider_answers_at_the_time_its_clock_gives() {
        let night = Rule {
            name: "night".into(),
            enabled: true,
            when: Conditions { time: Some(TimeWindow { from: at("20:00"), to: at("08:00") }), ..Conditions::default() },
            actions: vec![Action::Hangup],
        };
        let rules = RelayRules::new(vec![night]).expect("valid for a relay");
        let call = Arc::new(CallInteractiveRequest::new("c1"));
        let late = rules.clone().with_clock(|| at("23:00"));
        assert_eq!(late.decide(call.clone()).await.expect("no error"), [Action::Hangup]);
        let noon = rules.with_clock(|| at("12:00"));
        assert_eq!(noon.decide(call).await.expect("no error"), [], "outside the window nothing matches");
    }

    #[test]
    fn the_local_time_of_day_is_a_time_of_day() {
        assert!(local_time_of_day().minutes() < 24 * 60);
    }
}
