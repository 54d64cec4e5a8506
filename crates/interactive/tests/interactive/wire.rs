//! The exact XML of every action and attribute, and the vendor's own examples read as XML.

use sidekick_interactive::action::{BACKGROUND, FOREGROUND};
use sidekick_interactive::{Action, Response};

use crate::support::{actions_of, document, xmllint_verdict, Element};

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/responses/", $name))
    };
}

/// The answer for `actions`, after xmllint and quick-xml have read it.
fn xml_of(actions: Vec<Action>) -> String {
    let xml = Response::new(actions).expect("valid actions").to_xml();
    actions_of(&xml);
    xml
}

/// Each action alone, with its exact line.
fn assert_lines(cases: Vec<(Action, &str)>) {
    for (action, line) in cases {
        assert_eq!(xml_of(vec![action.clone()]), document(&[line]), "{action:?}");
    }
}

fn play(playback: &str, digitvar: Option<&str>, file: &str) -> Action {
    Action::PlaySound { playback: playback.into(), digitvar: digitvar.map(Into::into), file: file.into() }
}

fn transfer(numbers: &str, is_final: bool, timeout: Option<&str>, early_media: bool) -> Action {
    Action::SimpleTransfer { numbers: numbers.into(), is_final, timeout: timeout.map(Into::into), early_media }
}

#[test]
fn an_answer_without_actions_is_an_empty_response_element() {
    let xml = Response::empty().to_xml();
    assert_eq!(xml, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response/>\n");
    assert_eq!(actions_of(&xml), []);
    assert_eq!(xml_of(vec![]), xml);
}

#[test]
fn hangup_is_an_empty_element() {
    assert_lines(vec![(Action::Hangup, "    <Hangup/>")]);
}

#[test]
fn pause_writes_length_only_when_given() {
    assert_lines(vec![
        (Action::pause(15), r#"    <Pause length="15"/>"#),
        (Action::Pause { length: None }, "    <Pause/>"),
        (Action::Pause { length: Some("0".into()) }, r#"    <Pause length="0"/>"#),
    ]);
}

#[test]
fn set_var_puts_the_name_in_an_attribute_and_the_value_in_the_text() {
    assert_lines(vec![
        (
            Action::set_var("transferDestination", "09897987"),
            r#"    <SetVar name="transferDestination">09897987</SetVar>"#,
        ),
        (Action::set_var("empty", ""), r#"    <SetVar name="empty"></SetVar>"#),
        (
            Action::set_var("v", "a<b & c>d \"q\" 'a'"),
            r#"    <SetVar name="v">a&lt;b &amp; c&gt;d &quot;q&quot; &apos;a&apos;</SetVar>"#,
        ),
        (Action::set_var("city", "Москва"), r#"    <SetVar name="city">Москва</SetVar>"#),
    ]);
}

#[test]
fn jump_has_context_and_option() {
    assert_lines(vec![(
        Action::Jump { context: "3".into(), option: "start".into() },
        r#"    <Jump context="3" option="start"/>"#,
    )]);
}

#[test]
fn set_caller_has_name_and_number_always() {
    let caller = |name: &str, number: &str| Action::SetCaller { name: name.into(), number: number.into() };
    assert_lines(vec![
        (caller("callerName", "92992"), r#"    <SetCaller name="callerName" number="92992"/>"#),
        (caller("", "92992"), r#"    <SetCaller name="" number="92992"/>"#),
        (
            caller("ООО \"Ромашка\" & Co", "+74951234567"),
            r#"    <SetCaller name="ООО &quot;Ромашка&quot; &amp; Co" number="+74951234567"/>"#,
        ),
        (caller("a\tb\nc", "1"), r#"    <SetCaller name="a&#9;b&#10;c" number="1"/>"#),
    ]);
}

#[test]
fn play_sound_has_where_an_optional_digitvar_and_the_file_as_text() {
    let file = "ae3d969ccc49e1a7746e0b1ce36ee4176190040c.wav";
    assert_lines(vec![
        (
            play(BACKGROUND, Some("transferDestination"), file),
            r#"    <PlaySound where="background" digitvar="transferDestination">ae3d969ccc49e1a7746e0b1ce36ee4176190040c.wav</PlaySound>"#,
        ),
        (play(BACKGROUND, None, "bg.wav"), r#"    <PlaySound where="background">bg.wav</PlaySound>"#),
        (play(FOREGROUND, None, "hello.wav"), r#"    <PlaySound where="foreground">hello.wav</PlaySound>"#),
    ]);
}

#[test]
fn simple_transfer_writes_only_what_differs_from_the_pbx_defaults() {
    assert_lines(vec![
        (Action::transfer("101"), "    <SimpleTransfer>101</SimpleTransfer>"),
        (
            transfer("NUM1,NUM2", false, Some("20"), false),
            r#"    <SimpleTransfer final="no" timeout="20">NUM1,NUM2</SimpleTransfer>"#,
        ),
        (transfer("101", false, None, false), r#"    <SimpleTransfer final="no">101</SimpleTransfer>"#),
        (transfer("101", true, Some("30"), false), r#"    <SimpleTransfer timeout="30">101</SimpleTransfer>"#),
        (transfer("101", true, None, true), r#"    <SimpleTransfer early_media="True">101</SimpleTransfer>"#),
        (
            transfer("0003*001,+74951234567", false, Some("15"), true),
            r#"    <SimpleTransfer final="no" timeout="15" early_media="True">0003*001,+74951234567</SimpleTransfer>"#,
        ),
    ]);
}

#[test]
fn ten_actions_are_written_in_order() {
    let actions = vec![
        Action::SetCaller { name: "Иван".into(), number: "+74951234567".into() },
        Action::set_var("lang", "ru"),
        play(FOREGROUND, None, "hello.wav"),
        Action::pause(2),
        play(BACKGROUND, Some("choice"), "menu.wav"),
        Action::Pause { length: None },
        Action::set_var("from_sidekick", "1"),
        transfer("101,102", false, Some("20"), true),
        Action::Jump { context: "3".into(), option: "start".into() },
        Action::Hangup,
    ];
    assert_eq!(
        xml_of(actions),
        document(&[
            r#"    <SetCaller name="Иван" number="+74951234567"/>"#,
            r#"    <SetVar name="lang">ru</SetVar>"#,
            r#"    <PlaySound where="foreground">hello.wav</PlaySound>"#,
            r#"    <Pause length="2"/>"#,
            r#"    <PlaySound where="background" digitvar="choice">menu.wav</PlaySound>"#,
            "    <Pause/>",
            r#"    <SetVar name="from_sidekick">1</SetVar>"#,
            r#"    <SimpleTransfer final="no" timeout="20" early_media="True">101,102</SimpleTransfer>"#,
            r#"    <Jump context="3" option="start"/>"#,
            "    <Hangup/>",
        ])
    );
}

#[test]
fn escaped_values_read_back_as_written() {
    let name = "<Ёлка> & \"ель\" 'пихта'\r\n\tконец";
    let xml = xml_of(vec![Action::SetCaller { name: name.into(), number: "1".into() }, Action::set_var("v", name)]);
    let actions = actions_of(&xml);
    assert_eq!(actions[0].attributes[0], ("name".into(), name.into()), "attributes keep tab, CR and LF:\n{xml}");
    assert_eq!(actions[1].text, name, "text keeps CR:\n{xml}");
}

/// Each vendor example, verbatim, against the same action written by Sidekick: the same element,
/// attributes and text to an XML parser (the vendor writes `<Pause length="15" />` with a space,
/// Sidekick without).
#[test]
fn sidekick_writes_what_the_vendor_examples_show() {
    let cases = [
        (fixture!("vendor_hangup.xml"), Action::Hangup),
        (fixture!("vendor_pause.xml"), Action::pause(15)),
        (fixture!("vendor_set_var.xml"), Action::set_var("transferDestination", "09897987")),
        (fixture!("vendor_jump.xml"), Action::Jump { context: "3".into(), option: "start".into() }),
        (fixture!("vendor_set_caller.xml"), Action::SetCaller { name: "callerName".into(), number: "92992".into() }),
        (
            fixture!("vendor_play_sound.xml"),
            play(BACKGROUND, Some("transferDestination"), "ae3d969ccc49e1a7746e0b1ce36ee4176190040c.wav"),
        ),
        (fixture!("vendor_simple_transfer.xml"), transfer("NUM1,NUM2", false, Some("20"), false)),
    ];
    for (vendor, action) in cases {
        let ours = xml_of(vec![action]);
        assert_eq!(actions_of(&ours), actions_of(vendor), "ours:\n{ours}\nthe vendor's:\n{vendor}");
    }
    let transfer = &actions_of(fixture!("vendor_simple_transfer.xml"))[0];
    assert_eq!(
        *transfer,
        Element {
            name: "SimpleTransfer".into(),
            attributes: vec![("final".into(), "no".into()), ("timeout".into(), "20".into())],
            text: "NUM1,NUM2".into()
        },
        "the fixture is read as the vendor wrote it"
    );
}

/// The xmllint check is real: it refuses what is not XML (a C0 control character, an unclosed
/// element). Skipped, and said so on the terminal, where xmllint is not installed.
#[test]
fn xmllint_refuses_broken_documents() {
    for broken in [
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response>\n",
        "<Response><SetVar name=\"v\">\u{7}</SetVar></Response>",
    ] {
        match xmllint_verdict(broken) {
            None => return,
            Some(verdict) => assert!(verdict.is_err(), "xmllint must refuse {broken:?}"),
        }
    }
}
