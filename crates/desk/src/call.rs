//! The unified active-call model: gateway events folded into one [`CallView`] and the agent state.
//!
//! Events are matched by call id and type, not by order: the vendor does not guarantee the order
//! of the inbound sequence (Incoming_CallInfo, Ringing, Talking, …), and a duplicate or late event
//! must not move a call backwards (a late Ringing after Talking is ignored; nothing revives an
//! ended call).

use sidekick_aicc::gateway::{CallParty, GatewayEvent};

use crate::model::{AgentState, CallActions, CallState, CallView, Direction, EndedBy};

/// What the agent may do with a call in `state`: answer an inbound call that rings, hold or hang
/// up a connected one, take back or hang up a held one.
pub fn actions_for(state: CallState, direction: Direction) -> CallActions {
    CallActions {
        answer: state == CallState::Ringing && direction == Direction::Inbound,
        hold: state == CallState::Talking,
        unhold: state == CallState::Held,
        hang_up: matches!(state, CallState::Talking | CallState::Held),
    }
}

/// The call card and the agent state, as events change them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CallBoard {
    /// The call on the card.
    pub call: Option<CallView>,
    /// The agent state from the last state event.
    pub agent_state: Option<AgentState>,
}

fn direction(feature: Option<i64>, default: Direction) -> Direction {
    match feature {
        Some(0) => Direction::Inbound,
        Some(7) | Some(43) => Direction::Outbound,
        _ => default,
    }
}

impl CallBoard {
    /// The live call with this id, if the card shows it and it has not ended.
    fn live(&mut self, call_id: &str) -> Option<&mut CallView> {
        self.call.as_mut().filter(|c| c.call_id == call_id && c.state != CallState::Ended)
    }

    /// A new call on the card (replacing an ended or different one), or the existing live one.
    /// `None` for a late event of the call the card shows as ended: it must not come back.
    fn offer(&mut self, p: &CallParty, dir: Direction, now_ms: i64) -> Option<&mut CallView> {
        match &self.call {
            Some(c) if c.call_id == p.call_id && c.state == CallState::Ended => return None,
            Some(c) if c.call_id == p.call_id => {}
            _ => {
            self.call = Some(CallView {
                call_id: p.call_id.clone(),
                caller: p.caller.clone(),
                callee: p.called.clone(),
                direction: direction(p.feature, dir),
                state: CallState::Ringing,
                offered_at_ms: now_ms,
                answered_at_ms: None,
                ended_at_ms: None,
                ended_by: None,
                actions: CallActions::default(),
                });
            }
        }
        let call = self.call.as_mut()?;
        // Later events may fill numbers an earlier one lacked.
        if call.caller.is_empty() {
            call.caller = p.caller.clone();
        }
        if call.callee.is_empty() {
            call.callee = p.called.clone();
        }
        Some(call)
    }

    fn end(&mut self, call_id: &str, by: EndedBy, now_ms: i64) -> bool {
        match self.live(call_id) {
            Some(c) => {
                c.state = CallState::Ended;
                c.ended_at_ms = Some(now_ms);
                c.ended_by = Some(by);
                true
            }
            None => false,
        }
    }

    /// Applies one event. Returns whether anything visible changed.
    pub fn apply(&mut self, ev: &GatewayEvent, now_ms: i64) -> bool {
        let before = self.clone();
        match ev {
            GatewayEvent::IncomingCallInfo(p) | GatewayEvent::Ringing(p) | GatewayEvent::AutoAnswer(p) => {
                self.offer(p, Direction::Inbound, now_ms);
            }
            GatewayEvent::CustomerAlerting { call_id, other_phone } => {
                let p = CallParty { call_id: call_id.clone(), caller: String::new(), called: other_phone.clone(), feature: None };
                self.offer(&p, Direction::Outbound, now_ms);
            }
            GatewayEvent::Talking(p) => {
                if let Some(c) = self.offer(p, Direction::Inbound, now_ms) {
                    if c.answered_at_ms.is_none() {
                        c.answered_at_ms = Some(now_ms);
                    }
                    c.state = CallState::Talking;
                }
            }
            GatewayEvent::Hold { call_id } => {
                if let Some(c) = self.live(call_id) {
                    c.state = CallState::Held;
                }
            }
            GatewayEvent::CallRelease { call_id } => {
                self.end(call_id, EndedBy::Agent, now_ms);
            }
            GatewayEvent::CustomerRelease { call_id } => {
                self.end(call_id, EndedBy::Customer, now_ms);
            }
            GatewayEvent::StateReady => self.agent_state = Some(AgentState::Ready),
            GatewayEvent::StateBusy => self.agent_state = Some(AgentState::Busy),
            GatewayEvent::StateWork => self.agent_state = Some(AgentState::WrapUp),
            GatewayEvent::StateNotReady => self.agent_state = Some(AgentState::NotReady),
            GatewayEvent::StateRest => self.agent_state = Some(AgentState::Rest),
            GatewayEvent::InService
            | GatewayEvent::ShutdownService
            | GatewayEvent::PhoneAlerting
            | GatewayEvent::PhoneOffhook
            | GatewayEvent::PhoneRelease
            // Recording events drive the recording state, not the call card.
            | GatewayEvent::Record(_)
            | GatewayEvent::RecordFail(_)
            | GatewayEvent::StopRecordDone(_)
            | GatewayEvent::Other { .. } => {}
        }
        if let Some(c) = self.call.as_mut() {
            c.actions = actions_for(c.state, c.direction);
        }
        *self != before
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn party(id: &str) -> CallParty {
        CallParty { call_id: id.into(), caller: "13500000001".into(), called: "40038".into(), feature: Some(0) }
    }

    #[test]
    fn inbound_call_rings_talks_and_ends() {
        let mut b = CallBoard::default();
        assert!(b.apply(&GatewayEvent::Ringing(party("1")), 1000));
        let c = b.call.clone().unwrap();
        assert_eq!((c.state, c.direction, c.caller.as_str()), (CallState::Ringing, Direction::Inbound, "13500000001"));
        assert_eq!(c.actions, CallActions { answer: true, ..Default::default() }, "a ringing call can only be answered");
        assert!(b.apply(&GatewayEvent::Talking(party("1")), 4000));
        assert_eq!(b.call.as_ref().unwrap().answered_at_ms, Some(4000), "the timer starts when the call connects");
        assert!(b.apply(&GatewayEvent::CallRelease { call_id: "1".into() }, 9000));
        let c = b.call.clone().unwrap();
        assert_eq!((c.state, c.ended_at_ms, c.ended_by), (CallState::Ended, Some(9000), Some(EndedBy::Agent)));
        assert_eq!(c.actions, CallActions::default(), "nothing can be done with an ended call");
        // The customer release that follows does not overwrite who ended it first.
        assert!(!b.apply(&GatewayEvent::CustomerRelease { call_id: "1".into() }, 9100));
    }

    #[test]
    fn late_or_foreign_events_do_not_move_a_call_backwards() {
        let mut b = CallBoard::default();
        b.apply(&GatewayEvent::Talking(party("1")), 10);
        assert!(!b.apply(&GatewayEvent::Ringing(party("1")), 20), "a late Ringing must not undo Talking");
        assert_eq!(b.call.as_ref().unwrap().state, CallState::Talking);
        assert!(!b.apply(&GatewayEvent::CallRelease { call_id: "other".into() }, 30), "another call's release is not ours");
        b.apply(&GatewayEvent::CallRelease { call_id: "1".into() }, 40);
        assert!(!b.apply(&GatewayEvent::Talking(party("1")), 50), "a late Talking must not revive an ended call");
        assert!(!b.apply(&GatewayEvent::Ringing(party("1")), 60), "nor a late Ringing");
        assert_eq!(b.call.as_ref().unwrap().state, CallState::Ended);
    }

    #[test]
    fn a_new_call_replaces_an_ended_one() {
        let mut b = CallBoard::default();
        b.apply(&GatewayEvent::Ringing(party("1")), 10);
        b.apply(&GatewayEvent::CustomerRelease { call_id: "1".into() }, 20);
        assert_eq!(b.call.as_ref().unwrap().ended_by, Some(EndedBy::Customer));
        b.apply(&GatewayEvent::Ringing(party("2")), 30);
        let c = b.call.as_ref().unwrap();
        assert_eq!((c.call_id.as_str(), c.state, c.offered_at_ms), ("2", CallState::Ringing, 30));
    }

    #[test]
    fn outbound_and_hold_and_states() {
        let mut b = CallBoard::default();
        b.apply(&GatewayEvent::CustomerAlerting { call_id: "9".into(), other_phone: "5551234".into() }, 1);
        let c = b.call.as_ref().unwrap();
        assert_eq!((c.direction, c.callee.as_str()), (Direction::Outbound, "5551234"));
        b.apply(&GatewayEvent::Talking(CallParty { call_id: "9".into(), caller: "40038".into(), called: "5551234".into(), feature: Some(7) }), 2);
        assert_eq!(b.call.as_ref().unwrap().caller, "40038", "Talking fills the caller Customer_Alerting lacked");
        assert_eq!(b.call.as_ref().unwrap().actions, CallActions { hold: true, hang_up: true, ..Default::default() });
        b.apply(&GatewayEvent::Hold { call_id: "9".into() }, 3);
        assert_eq!(b.call.as_ref().unwrap().state, CallState::Held);
        assert_eq!(b.call.as_ref().unwrap().actions, CallActions { unhold: true, hang_up: true, ..Default::default() });
        b.apply(&GatewayEvent::StateWork, 4);
        assert_eq!(b.agent_state, Some(AgentState::WrapUp));
        assert!(!b.apply(&GatewayEvent::Other { event_type: "AgentEvent_New".into() }, 5));
    }
}
