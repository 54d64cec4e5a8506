//! The gateway's agent-state and call-control operations, and the simulated live call they act
//! on (`reference/huawei-protocols.md` §A.7, §A.8).
//!
//! Rules kept from the vendor documents: a busy reason is 0 or 200–250 and re-busy while busy
//! needs `prolong=true`; a break lasts 1–86399 s with a cause 0–255 (`000-002` otherwise); a
//! state change the current state does not allow is refused with `100-009`. Each accepted
//! request is confirmed by its `AgentState_*` event. Call control that does not fit the call's
//! state (answer with nothing ringing, unhold with nothing held) is also `100-009`: the
//! documents list no code for it, so the simulator uses the general "wrong state" one.
//!
//! Event orders: answer = off-hook, busy, talking; hold = `AgentEvent_Hold` (bare call id);
//! unhold = talking (the documents leave this UNCONFIRMED); agent release = call release,
//! customer release, phone release, ready; customer hang-up = customer release, call release,
//! phone release, ready.

use std::collections::HashMap;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, post, put};
use axum::{Json, Router};
use serde_json::{json, Value};
use tokio::time::Instant;

use super::{check_guid, envelope, event, load, param_error, stamp, with_guid, Agent, CallScript, GatewayControl, Session};

/// The agent's own state in the simulator (what `sayfree`, `saybusy`, `rest`, `work` set).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) enum AgentMode {
    #[default]
    Idle,
    NotReady,
    Rest,
    Work,
}

/// Where the simulated call stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LiveState {
    Ringing,
    Talking,
    Held,
}

/// The one call an agent can have in the simulator.
#[derive(Debug, Clone)]
pub(super) struct LiveCall {
    pub(super) id: String,
    pub(super) caller: String,
    pub(super) called: String,
    pub(super) state: LiveState,
    /// When it was offered (epoch ms).
    pub(super) offered_ms: i64,
    /// When it was answered (epoch ms).
    pub(super) answered_ms: Option<i64>,
}

pub(super) fn refused(code: &str, message: &str) -> Value {
    json!({"message": message, "retcode": code, "result": {}})
}

fn state_refused() -> Value {
    load(super::fixture!("error_state_refused.json"))
}

fn call_event(text: &str, agent: u32, c: &LiveCall) -> Value {
    event(text, agent, Some((&c.caller, &c.called, &c.id)))
}

fn bare_id_event(text: &str, agent: u32, call_id: &str) -> Value {
    let mut v = load(text);
    v["event"]["content"] = json!(call_id);
    stamp(&mut v, agent);
    v
}

/// Events that end a call, in the order of who hung up first; the agent is back to ready if
/// they were idle before.
fn ending_events(agent: u32, c: &LiveCall, by_customer: bool, mode: AgentMode) -> Vec<Value> {
    let release = bare_id_event(super::fixture!("event_call_release.json"), agent, &c.id);
    let mut customer = call_event(super::fixture!("event_customer_release.json"), agent, c);
    customer["event"]["content"]["number"] = json!(c.caller);
    let mut out = if by_customer { vec![customer, release] } else { vec![release, customer] };
    out.push(event(super::fixture!("event_phone_release.json"), agent, None));
    if mode == AgentMode::Idle {
        out.push(event(super::fixture!("event_state_ready.json"), agent, None));
    }
    out
}

fn answer_events(agent: u32, c: &LiveCall) -> Vec<Value> {
    vec![
        event(super::fixture!("event_phone_offhook.json"), agent, None),
        event(super::fixture!("event_state_busy.json"), agent, None),
        call_event(super::fixture!("event_talking.json"), agent, c),
    ]
}

impl GatewayControl {
    /// Runs `f` on the agent and queues the events it returns if the agent has a session (with
    /// none, they are lost, as on the real gateway). `None` if there is no such agent.
    fn on_agent<T>(&self, agent: u32, f: impl FnOnce(&mut Agent) -> (T, Vec<Value>)) -> Option<T> {
        self.with_agents(|a| {
            let ag = a.get_mut(&agent)?;
            let (out, events) = f(ag);
            if let Some(s) = ag.session.as_mut().filter(|_| !events.is_empty()) {
                s.queue.extend(events);
                s.wake.notify_one();
            }
            Some(out)
        })
    }

    /// The mode of the agent's session (idle when none).
    fn mode(ag: &Agent) -> AgentMode {
        ag.session.as_ref().map(|s| s.mode).unwrap_or_default()
    }

    /// The state of the agent's call with this id, if it is still up.
    fn call_state(&self, agent: u32, call_id: &str) -> Option<LiveState> {
        self.on_agent(agent, |ag| (ag.call.as_ref().filter(|c| c.id == call_id).map(|c| c.state), vec![])).flatten()
    }

    /// Plays an inbound call to a signed-in agent: phone alerting and ringing; then, with
    /// `auto_answer` after `ring_ms`, off-hook, busy and talking (without it the agent must answer
    /// within `ring_ms` or the caller gives up); after `talk_ms` of conversation the customer hangs
    /// up, unless the agent released first. Returns the call id. Stops if the session ends.
    pub fn play_inbound_call(&self, agent: u32, script: CallScript) -> String {
        let call_id = script.call_id.clone().unwrap_or_else(|| {
            let n = super::now_ms();
            format!("{}-{}", n / 1000, n % 10_000)
        });
        let call = LiveCall { id: call_id.clone(), caller: script.caller.clone(), called: script.called.clone(), state: LiveState::Ringing, offered_ms: super::now_ms(), answered_ms: None };
        let this = self.clone();
        tokio::spawn(async move {
            let offered = this.on_agent(agent, |ag| {
                if ag.session.is_none() {
                    return (false, vec![]);
                }
                ag.call = Some(call.clone());
                let ring = vec![
                    event(super::fixture!("event_phone_alerting.json"), agent, None),
                    call_event(super::fixture!("event_ringing.json"), agent, &call),
                ];
                (true, ring)
            });
            if offered != Some(true) {
                return;
            }
            let ring_until = Instant::now() + Duration::from_millis(script.ring_ms);
            if script.auto_answer {
                tokio::time::sleep_until(ring_until).await;
                let answered = this.on_agent(agent, |ag| match ag.call.as_mut() {
                    Some(c) if c.id == call.id && c.state == LiveState::Ringing => {
                        c.state = LiveState::Talking;
                        c.answered_ms = Some(super::now_ms());
                        (true, answer_events(agent, c))
                    }
                    _ => (false, vec![]),
                });
                if answered != Some(true) {
                    return;
                }
            } else {
                while this.call_state(agent, &call.id) == Some(LiveState::Ringing) && Instant::now() < ring_until {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                if this.call_state(agent, &call.id) == Some(LiveState::Ringing) {
                    // Nobody answered: the caller gives up.
                    let ended = this.on_agent(agent, |ag| match ag.call.take() {
                        Some(c) => (Some(c.clone()), ending_events(agent, &c, true, Self::mode(ag))),
                        None => (None, vec![]),
                    });
                    this.log_finished(agent, ended.flatten());
                    return;
                }
            }
            let talk_until = Instant::now() + Duration::from_millis(script.talk_ms);
            while Instant::now() < talk_until {
                if this.call_state(agent, &call.id).is_none() {
                    return; // the agent hung up
                }
                tokio::time::sleep(Duration::from_millis(20).min(talk_until - Instant::now())).await;
            }
            let ended = this.on_agent(agent, |ag| match ag.call.take() {
                Some(c) if c.id == call.id => (Some(c.clone()), ending_events(agent, &c, true, Self::mode(ag))),
                other => {
                    ag.call = other;
                    (None, vec![])
                }
            });
            this.log_finished(agent, ended.flatten());
        });
        call_id
    }
}

impl GatewayControl {
    /// The customer hangs up the agent's call, if there is one.
    pub fn end_call(&self, agent: u32) {
        let ended = self.on_agent(agent, |ag| match ag.call.take() {
            Some(c) => (Some(c.clone()), ending_events(agent, &c, true, Self::mode(ag))),
            None => (None, vec![]),
        });
        self.log_finished(agent, ended.flatten());
    }

    /// Notes a call that ended in the finished-call log (what CC-FS bills).
    fn log_finished(&self, agent: u32, call: Option<LiveCall>) {
        let Some(c) = call else { return };
        let finished = super::FinishedCall {
            recorded: self.was_recorded(&c.id),
            call_id: c.id,
            agent,
            caller: c.caller,
            called: c.called,
            offered_ms: c.offered_ms,
            answered_ms: c.answered_ms,
            ended_ms: super::now_ms(),
        };
        self.inner.finished.lock().unwrap_or_else(|p| p.into_inner()).push(finished);
    }
}

/// Routes of this module.
pub(super) fn routes() -> Router<GatewayControl> {
    Router::new()
        .route("/agentgateway/resource/onlineagent/{agentid}/sayfree", post(say_free))
        .route("/agentgateway/resource/onlineagent/{agentid}/saybusy", post(say_busy))
        .route("/agentgateway/resource/onlineagent/{agentid}/cancelbusy", post(cancel_busy))
        .route("/agentgateway/resource/onlineagent/{agentid}/rest/{time}/{cause}", post(rest))
        .route("/agentgateway/resource/onlineagent/{agentid}/cancelrest", post(cancel_rest))
        .route("/agentgateway/resource/onlineagent/{agentid}/work", post(work))
        .route("/agentgateway/resource/onlineagent/{agentid}/cancelwork", post(cancel_work))
        .route("/agentgateway/resource/voicecall/{agentid}/answer", put(answer))
        .route("/agentgateway/resource/voicecall/{agentid}/hold", post(hold))
        .route("/agentgateway/resource/voicecall/{agentid}/gethold", post(unhold))
        .route("/agentgateway/resource/voicecall/{agentid}/release", delete(release))
}

/// Checks the Guid, runs `f` on the session, queues its events, and answers with the envelope
/// (success or the refusal `f` returned), carrying a rotated Guid if one was issued.
pub(super) fn operate(
    ctl: &GatewayControl,
    raw: &str,
    headers: &HeaderMap,
    f: impl FnOnce(&mut Session, &mut Option<LiveCall>, u32) -> Result<Vec<Value>, Value>,
) -> Response {
    let Some(agent) = super::agent_id(raw) else { return param_error() };
    let admitted = match check_guid(ctl, agent, headers) {
        Ok(a) => a,
        Err(text) => return envelope(text),
    };
    let outcome = ctl.on_agent(agent, |ag| {
        let Some(s) = ag.session.as_mut() else { return (None, vec![]) };
        match f(s, &mut ag.call, agent) {
            Ok(events) => (Some(Ok(())), events),
            Err(refusal) => (Some(Err(refusal)), vec![]),
        }
    });
    let body = match outcome.flatten() {
        Some(Ok(())) => load(super::fixture!("success_empty.json")),
        Some(Err(refusal)) => refusal,
        None => load(super::fixture!("error_not_signed_in.json")),
    };
    with_guid(Json(body).into_response(), admitted.new_guid)
}

/// Moves the agent to `to` if `allowed(current)`, confirming with the fixture event.
fn change_mode(
    s: &mut Session,
    call: &Option<LiveCall>,
    agent: u32,
    allowed: impl FnOnce(AgentMode, bool) -> bool,
    to: AgentMode,
    fixture_text: &str,
) -> Result<Vec<Value>, Value> {
    if !allowed(s.mode, call.is_some()) {
        return Err(state_refused());
    }
    s.mode = to;
    Ok(vec![event(fixture_text, agent, None)])
}

async fn say_free(State(ctl): State<GatewayControl>, Path(raw): Path<String>, headers: HeaderMap) -> Response {
    operate(&ctl, &raw, &headers, |s, call, agent| {
        change_mode(s, call, agent, |_, on_call| !on_call, AgentMode::Idle, super::fixture!("event_state_ready.json"))
    })
}

async fn say_busy(
    State(ctl): State<GatewayControl>,
    Path(raw): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let reason = q.get("reason").map(|r| r.parse::<u32>());
    let prolong = q.get("prolong").is_some_and(|p| p == "true");
    let reason_ok = match reason {
        None => true,
        Some(Ok(r)) => r == 0 || (200..=250).contains(&r),
        Some(Err(_)) => false,
    };
    if !reason_ok {
        return param_error();
    }
    operate(&ctl, &raw, &headers, |s, call, agent| {
        let events = change_mode(
            s,
            call,
            agent,
            |mode, _| mode != AgentMode::NotReady || prolong,
            AgentMode::NotReady,
            super::fixture!("event_state_set_not_ready.json"),
        )?;
        s.busy_reason = reason.and_then(Result::ok).filter(|r| *r != 0);
        Ok(events)
    })
}

impl GatewayControl {
    /// The reason code of the agent's last accepted `saybusy` (`None`: no reason, or no session).
    pub fn busy_reason(&self, id: u32) -> Option<u32> {
        self.with_agents(|a| a.get(&id).and_then(|ag| ag.session.as_ref()).and_then(|s| s.busy_reason))
    }
}

async fn cancel_busy(State(ctl): State<GatewayControl>, Path(raw): Path<String>, headers: HeaderMap) -> Response {
    operate(&ctl, &raw, &headers, |s, call, agent| {
        change_mode(s, call, agent, |m, _| m == AgentMode::NotReady, AgentMode::Idle, super::fixture!("event_state_cancel_not_ready.json"))
    })
}

async fn rest(
    State(ctl): State<GatewayControl>,
    Path((raw, time, cause)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    let time_ok = time.parse::<u32>().is_ok_and(|t| (1..=86_399).contains(&t));
    let Some(cause) = cause.parse::<u8>().ok().filter(|_| time_ok) else { return param_error() };
    operate(&ctl, &raw, &headers, |s, call, agent| {
        let mut events = change_mode(s, call, agent, |_, on_call| !on_call, AgentMode::Rest, super::fixture!("event_state_set_rest.json"))?;
        events[0]["event"]["content"] = json!({"reason": cause.to_string()});
        Ok(events)
    })
}

async fn cancel_rest(State(ctl): State<GatewayControl>, Path(raw): Path<String>, headers: HeaderMap) -> Response {
    operate(&ctl, &raw, &headers, |s, call, agent| {
        change_mode(s, call, agent, |m, _| m == AgentMode::Rest, AgentMode::Idle, super::fixture!("event_state_cancel_rest.json"))
    })
}

async fn work(State(ctl): State<GatewayControl>, Path(raw): Path<String>, headers: HeaderMap) -> Response {
    operate(&ctl, &raw, &headers, |s, call, agent| {
        change_mode(s, call, agent, |m, _| m != AgentMode::Work, AgentMode::Work, super::fixture!("event_state_set_work.json"))
    })
}

async fn cancel_work(State(ctl): State<GatewayControl>, Path(raw): Path<String>, headers: HeaderMap) -> Response {
    operate(&ctl, &raw, &headers, |s, call, agent| {
        change_mode(s, call, agent, |m, _| m == AgentMode::Work, AgentMode::Idle, super::fixture!("event_state_cancel_work.json"))
    })
}

/// Applies `f` to the live call if its state is `from` (and its id matches `call_id` when one
/// was given); otherwise `100-009`.
fn with_call(
    call: &mut Option<LiveCall>,
    from: &[LiveState],
    call_id: Option<&String>,
    f: impl FnOnce(&mut LiveCall) -> Vec<Value>,
) -> Result<Vec<Value>, Value> {
    match call.as_mut() {
        Some(c) if from.contains(&c.state) && call_id.is_none_or(|id| *id == c.id) => Ok(f(c)),
        _ => Err(refused("100-009", "no call in a state that allows this")),
    }
}

async fn answer(
    State(ctl): State<GatewayControl>,
    Path(raw): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    operate(&ctl, &raw, &headers, |_, call, agent| {
        with_call(call, &[LiveState::Ringing], q.get("callid"), |c| {
            c.state = LiveState::Talking;
            c.answered_ms = Some(super::now_ms());
            answer_events(agent, c)
        })
    })
}

async fn hold(State(ctl): State<GatewayControl>, Path(raw): Path<String>, headers: HeaderMap) -> Response {
    operate(&ctl, &raw, &headers, |_, call, agent| {
        with_call(call, &[LiveState::Talking], None, |c| {
            c.state = LiveState::Held;
            vec![bare_id_event(super::fixture!("event_hold.json"), agent, &c.id)]
        })
    })
}

async fn unhold(
    State(ctl): State<GatewayControl>,
    Path(raw): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    operate(&ctl, &raw, &headers, |_, call, agent| {
        with_call(call, &[LiveState::Held], q.get("callid"), |c| {
            c.state = LiveState::Talking;
            vec![call_event(super::fixture!("event_talking.json"), agent, c)]
        })
    })
}

async fn release(State(ctl): State<GatewayControl>, Path(raw): Path<String>, headers: HeaderMap) -> Response {
    let mut ended = None;
    let answer = operate(&ctl, &raw, &headers, |s, call, agent| {
        let events = with_call(call, &[LiveState::Ringing, LiveState::Talking, LiveState::Held], None, |c| {
            ending_events(agent, c, false, s.mode)
        })?;
        ended = call.take().map(|c| (agent, c));
        Ok(events)
    });
    if let Some((agent, c)) = ended {
        ctl.log_finished(agent, Some(c));
    }
    answer
}

#[cfg(test)]
mod tests {
    use super::super::test_desk::Desk;
    use super::*;

    /// Agent 291 signed in, with the sign-in's confirmations read.
    async fn signed_in() -> Desk {
        let d = Desk::signed_in().await;
        assert_eq!(d.drain().await, ["AgentOther_InService", "AgentState_Ready"]);
        d
    }

    #[tokio::test(start_paused = true)]
    async fn agent_state_rules_and_confirmations() {
        let d = signed_in().await;
        let on = "onlineagent/291";
        assert_eq!(d.retcode("POST", &format!("{on}/saybusy?reason=199"), "").await, "000-002", "busy reasons are 200–250");
        assert_eq!(d.retcode("POST", &format!("{on}/saybusy?reason=251"), "").await, "000-002");
        assert_eq!(d.retcode("POST", &format!("{on}/cancelbusy"), "").await, "100-009", "nothing to cancel");
        assert_eq!(d.retcode("POST", &format!("{on}/saybusy?reason=210"), "").await, "0");
        assert_eq!(d.retcode("POST", &format!("{on}/saybusy?reason=211"), "").await, "100-009", "re-busy needs prolong");
        assert_eq!(d.retcode("POST", &format!("{on}/saybusy?reason=211&prolong=true"), "").await, "0");
        assert_eq!(d.retcode("POST", &format!("{on}/cancelbusy"), "").await, "0");
        assert_eq!(d.retcode("POST", &format!("{on}/rest/0/0"), "").await, "000-002", "a break lasts at least 1 s");
        assert_eq!(d.retcode("POST", &format!("{on}/rest/86400/0"), "").await, "000-002", "and at most 86399 s");
        assert_eq!(d.retcode("POST", &format!("{on}/rest/900/256"), "").await, "000-002", "causes are 0–255");
        assert_eq!(d.retcode("POST", &format!("{on}/rest/900/7"), "").await, "0");
        assert_eq!(d.retcode("POST", &format!("{on}/cancelwork"), "").await, "100-009");
        assert_eq!(d.retcode("POST", &format!("{on}/cancelrest"), "").await, "0");
        assert_eq!(d.retcode("POST", &format!("{on}/work"), "").await, "0");
        assert_eq!(d.retcode("POST", &format!("{on}/cancelwork"), "").await, "0");
        assert_eq!(d.retcode("POST", &format!("{on}/sayfree"), "").await, "0");
        let events = d.drain_events().await;
        let types: Vec<&str> = events.iter().map(|e| e["eventType"].as_str().unwrap()).collect();
        assert_eq!(
            types,
            [
                "AgentState_SetNotReady_Success", "AgentState_SetNotReady_Success", "AgentState_CancelNotReady_Success",
                "AgentState_SetRest_Success", "AgentState_CancelRest_Success", "AgentState_SetWork_Success",
                "AgentState_CancelWork_Success", "AgentState_Ready",
            ],
            "each accepted request is confirmed by its event, refused ones by none"
        );
        assert_eq!(events[3]["content"], json!({"reason": "7"}));
    }

    #[tokio::test(start_paused = true)]
    async fn the_agent_answers_holds_takes_back_and_hangs_up() {
        let d = signed_in().await;
        let vc = "voicecall/291";
        assert_eq!(d.retcode("PUT", &format!("{vc}/answer"), "").await, "100-009", "nothing rings");
        d.ctl.play_inbound_call(
            291,
            CallScript { caller: "5".into(), called: "6".into(), call_id: Some("7-7".into()), ring_ms: 60_000, talk_ms: 60_000, auto_answer: false },
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert_eq!(d.drain().await, ["AgentOther_PhoneAlerting", "AgentEvent_Ringing"]);
        assert_eq!(d.retcode("POST", "onlineagent/291/sayfree", "").await, "100-009", "no state change during a call");
        assert_eq!(d.retcode("POST", &format!("{vc}/hold"), "").await, "100-009", "a ringing call cannot be held");
        assert_eq!(d.retcode("PUT", &format!("{vc}/answer?callid=other"), "").await, "100-009", "wrong call id");
        assert_eq!(d.retcode("PUT", &format!("{vc}/answer?callid=7-7"), "").await, "0");
        assert_eq!(d.drain().await, ["AgentOther_PhoneOffhook", "AgentState_Busy", "AgentEvent_Talking"]);
        assert_eq!(d.retcode("POST", &format!("{vc}/hold"), "").await, "0");
        let held = d.drain_events().await;
        assert_eq!((held[0]["eventType"].as_str(), &held[0]["content"]), (Some("AgentEvent_Hold"), &json!("7-7")));
        assert_eq!(d.retcode("POST", &format!("{vc}/gethold?callid=7-7"), "").await, "0");
        assert_eq!(d.drain().await, ["AgentEvent_Talking"]);
        assert_eq!(d.retcode("DELETE", &format!("{vc}/release"), "").await, "0");
        assert_eq!(
            d.drain().await,
            ["AgentEvent_Call_Release", "AgentEvent_Customer_Release", "AgentOther_PhoneRelease", "AgentState_Ready"],
            "the agent hung up first"
        );
        tokio::time::sleep(Duration::from_secs(120)).await;
        assert!(d.drain().await.is_empty(), "the script does not end a call the agent already released");
    }

    #[tokio::test(start_paused = true)]
    async fn an_unanswered_call_is_abandoned_by_the_caller() {
        let d = signed_in().await;
        d.ctl.play_inbound_call(
            291,
            CallScript { caller: "5".into(), called: "6".into(), call_id: Some("8-8".into()), ring_ms: 5000, talk_ms: 1000, auto_answer: false },
        );
        tokio::time::sleep(Duration::from_secs(6)).await;
        assert_eq!(
            d.drain().await,
            ["AgentOther_PhoneAlerting", "AgentEvent_Ringing", "AgentEvent_Customer_Release", "AgentEvent_Call_Release", "AgentOther_PhoneRelease", "AgentState_Ready"]
        );
    }
}
