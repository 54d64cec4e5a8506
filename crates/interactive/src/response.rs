//! The XML answer to a Call Interactive request.
//!
//! Facts this module relies on (`reference/telphin-call-interactive-ru.txt`, "Структура ответа";
//! `reference/ivr-protocols.md` §B.4, §B.5):
//!
//! - The answer is optional; when given it is `<?xml version="1.0" encoding="UTF-8"?>` followed by
//!   a `<Response>` element holding the actions, at most 10 of them.
//! - Values are escaped as XML requires (`& < > " '`), and the text is UTF-8.
//!
//! Choices where the documents are silent:
//!
//! - The document is written by quick-xml's writer, indented by four spaces as in the vendor's
//!   examples, and ends with a line feed. An answer without actions is `<Response/>` (the
//!   Webasyst plugin's `<Response></Response>` is the same element to any XML parser).
//! - Text inside an element (the `SetVar` value, the `PlaySound` file, the transfer numbers) is
//!   written on the element's own line, so no whitespace is added to it.
//! - `final`, `timeout` and `early_media` are written in that order, as in the vendor's sentence
//!   and example.

use std::io::{self, Write};

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;

use crate::action::{Action, ActionError};

/// The most actions one answer may hold (the vendor: "up to 10 inclusive").
pub const MAX_ACTIONS: usize = 10;

/// `Content-Type` of an answer.
pub const CONTENT_TYPE: &str = "application/xml; charset=utf-8";

/// Why a list of actions cannot be sent as an answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResponseError {
    /// More than [`MAX_ACTIONS`] actions.
    #[error("the answer has {count} actions, but the PBX takes at most 10")]
    TooManyActions {
        /// How many there were.
        count: usize,
    },
    /// One action is invalid.
    #[error("action {position} ({element}): {error}")]
    Action {
        /// Which action, from 1.
        position: usize,
        /// Its element name.
        element: &'static str,
        /// What is wrong with it.
        error: ActionError,
    },
}

/// A checked answer: at most [`MAX_ACTIONS`] actions, each valid. The only way to XML.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Response {
    actions: Vec<Action>,
}

impl Response {
    /// The answer without actions (`<Response/>`): the IVR carries on as configured.
    pub fn empty() -> Self {
        Self::default()
    }

    /// Checks `actions` (count first, then each in order) and keeps them.
    pub fn new(actions: Vec<Action>) -> Result<Self, ResponseError> {
        check_actions(&actions)?;
        Ok(Self { actions })
    }

    /// The actions, in order.
    pub fn actions(&self) -> &[Action] {
        &self.actions
    }

    /// The XML document. An in-memory writer cannot fail; were it to, the body would be empty,
    /// which the PBX takes as an answer without actions (the answer is optional).
    pub fn to_xml(&self) -> String {
        self.write_xml(Vec::new()).ok().and_then(|bytes| String::from_utf8(bytes).ok()).unwrap_or_default()
    }

    /// Writes the XML document to `out` and hands it back.
    pub fn write_xml<W: Write>(&self, out: W) -> io::Result<W> {
        let mut xml = Writer::new_with_indent(out, b' ', 4);
        xml.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        if self.actions.is_empty() {
            xml.write_event(Event::Empty(BytesStart::new("Response")))?;
        } else {
            xml.write_event(Event::Start(BytesStart::new("Response")))?;
            for action in &self.actions {
                write_action(&mut xml, action)?;
            }
            xml.write_event(Event::End(BytesEnd::new("Response")))?;
        }
        let mut out = xml.into_inner();
        out.write_all(b"\n")?;
        Ok(out)
    }
}

/// The checks of [`Response::new`], for callers that keep actions elsewhere (rules).
pub(crate) fn check_actions(actions: &[Action]) -> Result<(), ResponseError> {
    if actions.len() > MAX_ACTIONS {
        return Err(ResponseError::TooManyActions { count: actions.len() });
    }
    for (i, action) in actions.iter().enumerate() {
        action.validate().map_err(|error| ResponseError::Action {
            position: i + 1,
            element: action.element(),
            error,
        })?;
    }
    Ok(())
}

fn write_action<W: Write>(xml: &mut Writer<W>, action: &Action) -> io::Result<()> {
    let element = xml.create_element(action.element());
    match action {
        Action::Hangup => element.write_empty(),
        Action::Pause { length } => element.with_attributes(length.as_deref().map(|l| ("length", l))).write_empty(),
        Action::SetVar { name, value } => {
            element.with_attribute(("name", name.as_str())).write_text_content(BytesText::new(value))
        }
        Action::Jump { context, option } => {
            element.with_attributes([("context", context.as_str()), ("option", option.as_str())]).write_empty()
        }
        Action::SetCaller { name, number } => {
            element.with_attributes([("name", name.as_str()), ("number", number.as_str())]).write_empty()
        }
        Action::PlaySound { playback, digitvar, file } => element
            .with_attribute(("where", playback.as_str()))
            .with_attributes(digitvar.as_deref().map(|d| ("digitvar", d)))
            .write_text_content(BytesText::new(file)),
        Action::SimpleTransfer { numbers, is_final, timeout, early_media } => element
            .with_attributes((!is_final).then_some(("final", "no")))
            .with_attributes(timeout.as_deref().map(|t| ("timeout", t)))
            .with_attributes(early_media.then_some(("early_media", "True")))
            .write_text_content(BytesText::new(numbers)),
    }
    .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_than_ten_actions_are_refused() {
        assert!(Response::new(vec![Action::Hangup; MAX_ACTIONS]).is_ok(), "ten is allowed");
        let err = Response::new(vec![Action::Hangup; 11]).expect_err("eleven is too many");
        assert_eq!(err, ResponseError::TooManyActions { count: 11 });
        assert_eq!(err.to_string(), "the answer has 11 actions, but the PBX takes at most 10");
    }

    #[test]
    fn an_invalid_action_is_named_by_position_and_element() {
        let err = Response::new(vec![Action::Hangup, Action::transfer("1, 2")]).expect_err("space");
        assert_eq!(
            err.to_string(),
            r#"action 2 (SimpleTransfer): SimpleTransfer numbers "1, 2" contain a space: the PBX takes them comma-separated with no spaces"#
        );
    }
}
