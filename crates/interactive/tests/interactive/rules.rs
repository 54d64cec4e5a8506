//! Rules as the app keeps them in settings, and the preview of the exact XML a sample gets.

use std::time::Duration;

use serde_json::json;
use sidekick_interactive::rules::{preview, validate, CallHistory, NoHistory, Preview, Rule, TimeOfDay};
use sidekick_interactive::{Action, CallInteractiveRequest};

use crate::support::{actions_of, document, EMPTY_ANSWER};

const ROUTE_BACK: &str = include_str!("../fixtures/rules/route_back.json");

fn rules() -> Vec<Rule> {
    let rules: Vec<Rule> = serde_json::from_str(ROUTE_BACK).expect("the settings fixture reads");
    validate(&rules).expect("the settings fixture is valid");
    rules
}

fn at(time: &str) -> TimeOfDay {
    time.parse().expect("a time")
}

/// A call to the IVR `0003*001` from `caller`.
fn call_from(caller: &str) -> CallInteractiveRequest {
    CallInteractiveRequest {
        caller_id_num: Some(caller.into()),
        called_extension: Some("0003*001".into()),
        called_number: Some("001".into()),
        ..CallInteractiveRequest::new("5205dc5cc5a411e5ab9eb3691b90ea15")
    }
}

/// The agent spoke with +74951234567 two days ago, and with no one else.
fn history() -> impl CallHistory {
    |number: &str| (number == "+74951234567").then_some(Duration::from_secs(2 * 24 * 3600))
}

/// The preview for a call from `caller` at `time` comes from rule `rule` (from 0), and its XML
/// is exactly the document of `lines` (or `<Response/>` for none), which quick-xml and xmllint
/// read.
fn assert_preview(caller: &str, time: &str, history: &dyn CallHistory, rule: Option<usize>, lines: &[&str]) {
    let preview = preview(&rules(), &call_from(caller), at(time), history, None).expect("the matching rule is valid");
    actions_of(&preview.xml);
    let xml = if lines.is_empty() { EMPTY_ANSWER.to_owned() } else { document(lines) };
    assert_eq!(preview, Preview { rule, xml }, "a call from {caller} at {time}");
}

#[test]
fn a_caller_i_spoke_with_this_week_is_routed_back_to_me() {
    let lines = [
        r#"    <SetVar name="routed_by">sidekick</SetVar>"#,
        r#"    <SimpleTransfer final="no" timeout="20">0003*105</SimpleTransfer>"#,
    ];
    assert_preview("+74951234567", "12:00", &history(), Some(1), &lines);
}

#[test]
fn at_night_everyone_gets_the_menu_first() {
    let lines = [
        r#"    <PlaySound where="background" digitvar="choice">ae3d969ccc49e1a7746e0b1ce36ee4176190040c.wav</PlaySound>"#,
        r#"    <Jump context="3" option="start"/>"#,
    ];
    assert_preview("+74951234567", "21:30", &history(), Some(0), &lines);
}

#[test]
fn a_stranger_falls_through_to_the_next_rule_or_to_nothing() {
    // The disabled rule 2 is skipped.
    let lines = [r#"    <Pause length="3"/>"#, r#"    <SetCaller name="Москва (моб.)" number="+79000000000"/>"#];
    assert_preview("+79161234567", "12:00", &history(), Some(3), &lines);
    assert_preview("+15551234567", "12:00", &NoHistory, None, &[]);
}

#[test]
fn a_preview_of_a_rule_the_pbx_would_refuse_says_why() {
    let mut rules = rules();
    rules[1].actions.push(Action::Pause { length: Some("soon".into()) });
    let err = preview(&rules, &call_from("+74951234567"), at("12:00"), &history(), None).expect_err("refused");
    assert_eq!(
        err.to_string(),
        r#"rule 2 ("Route callers I spoke with back to me"): action 3 (Pause): Pause length must be a whole number of seconds written in digits, not "soon""#
    );
}

#[test]
fn settings_keep_their_shape_through_serde() {
    let rules = rules();
    let written = serde_json::to_value(&rules).expect("serialises");
    assert_eq!(
        written[1],
        json!({
            "name": "Route callers I spoke with back to me",
            "enabled": true,
            "when": { "called": { "exact": "0003*001" }, "spokeWithinDays": 7 },
            "actions": [
                { "action": "SetVar", "name": "routed_by", "value": "sidekick" },
                { "action": "SimpleTransfer", "numbers": "0003*105", "final": false, "timeout": "20", "early_media": false }
            ]
        }),
        "numbers written as JSON numbers come back as the text the XML carries"
    );
    assert_eq!(written[0]["when"], json!({ "time": { "from": "20:00", "to": "08:00" } }));
    let read_back: Vec<Rule> = serde_json::from_value(written).expect("reads back");
    assert_eq!(read_back, rules);
}
