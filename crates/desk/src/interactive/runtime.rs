//! The running Call Interactive server: its tasks, the decider over the desk's rules and history,
//! and the screen-pop task.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::Duration;

use sidekick_interactive::rules::{self, first_match, with_my_number, CallHistory, Rule, RuleError, RuleProblem, TimeOfDay};
use sidekick_interactive::{
    router, serve, AccessToken, Action, CallInteractiveRequest, DecideFuture, InteractiveState, ServerConfig,
};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::{same_number, IvrAnswer, IvrPop, ServerStatus, POP_HISTORY};
use crate::desk::{Desk, Inner};

/// How many screen pops may wait for the pop task before new ones are dropped (the PBX's answer
/// never waits for them).
const POP_QUEUE: usize = 64;
/// How many recent answers are kept for pops that arrive after their answer was made.
const ANSWERS_KEPT: usize = 16;

/// The server's tasks; dropping it stops them (the port is released).
#[derive(Debug)]
pub struct InteractiveRuntime {
    pub(crate) listen: String,
    pub(crate) address: SocketAddr,
    pub(crate) token: AccessToken,
    server: JoinHandle<()>,
    pops: JoinHandle<()>,
}

impl Drop for InteractiveRuntime {
    fn drop(&mut self) {
        self.server.abort();
        self.pops.abort();
    }
}

/// The desk's Call Interactive state.
#[derive(Debug)]
pub(crate) struct InteractiveSlot {
    pub(crate) runtime: Option<InteractiveRuntime>,
    pub(crate) status: ServerStatus,
    /// The rules the decider reads (replaced on every save, without restarting the server).
    pub(crate) rules: Arc<RwLock<Arc<Vec<Rule>>>>,
    /// Answers made recently, by call id, for pops built after them.
    pub(crate) answers: Arc<Mutex<VecDeque<(String, IvrAnswer)>>>,
    /// The demo's own rules and server, which are not saved.
    pub(crate) demo: bool,
    /// The connection to a relay, when one is configured with a key.
    pub(crate) relay: Option<super::relay::RelayLink>,
}

impl Default for InteractiveSlot {
    fn default() -> Self {
        Self {
            runtime: None,
            status: ServerStatus::Off,
            rules: Arc::new(RwLock::new(Arc::new(Vec::new()))),
            answers: Arc::new(Mutex::new(VecDeque::new())),
            demo: false,
            relay: None,
        }
    }
}

/// Starts the server on `listen` with `token`; the rules are read from the desk's slot.
pub(crate) async fn start(desk: &Desk, listen: &str, token: AccessToken) -> Result<InteractiveRuntime, String> {
    let addr: SocketAddr = listen
        .parse()
        .map_err(|_| format!("\"{listen}\" is not an address to listen on; write it as 0.0.0.0:8095 (address:port)"))?;
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| match e.kind() {
        std::io::ErrorKind::AddrInUse => format!("port {} is in use by another program; choose another port", addr.port()),
        std::io::ErrorKind::PermissionDenied => {
            format!("this computer does not allow listening on port {}; choose a port above 1023", addr.port())
        }
        _ => format!("could not listen on {addr}: {e}"),
    })?;
    let address = listener.local_addr().map_err(|e| format!("could not listen on {addr}: {e}"))?;
    let (pop_tx, pop_rx) = mpsc::channel(POP_QUEUE);
    let weak = Arc::downgrade(&desk.inner);
    let state = InteractiveState::new(ServerConfig::new(token.clone()), decider(weak.clone()), pop_tx);
    let server = tokio::spawn(async move {
        if let Err(e) = serve(listener, router(state)).await {
            tracing::error!("the Call Interactive server stopped: {e}");
        }
    });
    let pops = tokio::spawn(pop_task(weak, pop_rx, false));
    tracing::info!(%address, "Call Interactive server listening");
    Ok(InteractiveRuntime { listen: listen.to_owned(), address, token, server, pops })
}

fn decider(weak: Weak<Inner>) -> impl Fn(Arc<CallInteractiveRequest>) -> DecideFuture + Send + Sync + 'static {
    move |request| {
        let weak = weak.clone();
        Box::pin(async move {
            let desk = Desk { inner: weak.upgrade().ok_or("the app is closing")? };
            // The history is SQLite: off the async threads.
            let actions = tokio::task::spawn_blocking(move || desk.answer_for(&request)).await??;
            Ok(actions)
        })
    }
}

/// The screen-pop task: each request becomes the snapshot's pop, with the caller's past calls.
pub(crate) async fn pop_task(weak: Weak<Inner>, mut requests: mpsc::Receiver<Arc<CallInteractiveRequest>>, via_relay: bool) {
    while let Some(request) = requests.recv().await {
        let Some(inner) = weak.upgrade() else { return };
        let desk = Desk { inner };
        let built = tokio::task::spawn_blocking(move || desk.show_pop(&request, via_relay)).await;
        if let Err(e) = built {
            tracing::error!("a screen pop failed: {e}");
        }
    }
}

/// The desk's history as the rules ask it, now.
pub(crate) fn history_of(desk: &Desk) -> impl CallHistory + '_ {
    DeskHistory { desk, now_ms: desk.now_ms() }
}

/// The desk's history as the rules ask it.
struct DeskHistory<'a> {
    desk: &'a Desk,
    now_ms: i64,
}

impl CallHistory for DeskHistory<'_> {
    fn last_spoke_with(&self, number: &str) -> Option<Duration> {
        let calls = self.desk.inner.notes.with_store(|s| s.recent_calls()).ok()?;
        calls
            .iter()
            .filter(|c| c.answered_ms.is_some() && (same_number(&c.caller, number) || same_number(&c.callee, number)))
            .filter_map(|c| c.ended_ms.or(c.answered_ms))
            .max()
            .map(|last| Duration::from_millis(self.now_ms.saturating_sub(last).max(0) as u64))
    }
}

/// A time of day for epoch ms, in this computer's time zone.
pub(crate) fn local_time_of_day(epoch_ms: i64) -> TimeOfDay {
    use chrono::{Local, TimeZone, Timelike};
    let local = Local.timestamp_millis_opt(epoch_ms).single().unwrap_or_else(Local::now);
    // Hours and minutes of a real time are always in range.
    TimeOfDay::new(local.hour() as u8, local.minute() as u8).unwrap_or(TimeOfDay::MIDNIGHT)
}

/// A few words for an action, as the pop shows it.
pub(crate) fn describe(action: &Action) -> String {
    match action {
        Action::Hangup => "Hangup".into(),
        Action::Pause { length } => format!("Pause {}s", length.as_deref().unwrap_or("10")),
        Action::SetVar { name, value } => format!("SetVar {name} = {value}"),
        Action::Jump { context, option } => format!("Jump to {context}/{option}"),
        Action::SetCaller { name, number } => format!("SetCaller {name} {number}"),
        Action::PlaySound { file, .. } => format!("PlaySound {file}"),
        Action::SimpleTransfer { numbers, .. } => format!("SimpleTransfer {numbers}"),
    }
}

impl Desk {
    /// The number `{me}` stands for now.
    pub(crate) fn my_number(&self) -> Option<String> {
        let stored = self.stored_settings();
        stored
            .call_interactive
            .transfer_number
            .filter(|n| !n.trim().is_empty())
            .or_else(|| self.inner.session_phone.lock().ok().and_then(|p| p.clone()))
            .or(stored.phone_number)
            .map(|n| n.trim().to_owned())
    }

    fn rules_now(&self) -> Arc<Vec<Rule>> {
        let slot = self.inner.interactive.lock().ok();
        slot.and_then(|s| s.rules.read().ok().map(|r| r.clone())).unwrap_or_default()
    }

    /// The answer for `request`, with what it was kept for the pop.
    fn answer_for(&self, request: &CallInteractiveRequest) -> Result<Vec<Action>, RuleError> {
        let rules = self.rules_now();
        let now = self.now_ms();
        let history = DeskHistory { desk: self, now_ms: now };
        let matched = first_match(&rules, request, local_time_of_day(now), &history);
        let outcome = match matched {
            None => Ok(Vec::new()),
            Some((position, rule)) => with_my_number(&rule.actions, self.my_number().as_deref())
                .ok_or_else(|| RuleError { number: position + 1, name: rule.name.clone(), problem: RuleProblem::NoNumberForMe }),
        };
        let answer = IvrAnswer {
            rule: matched.map(|(position, rule)| rule_label(position, rule)),
            actions: outcome.as_ref().map(|a| a.iter().map(describe).collect()).unwrap_or_default(),
            problem: outcome.as_ref().err().map(|e| crate::error::capitalized(&e.to_string())),
        };
        self.remember_answer(&request.call_id, answer);
        outcome
    }

    fn remember_answer(&self, call_id: &str, answer: IvrAnswer) {
        if let Some(answers) = self.inner.interactive.lock().ok().map(|s| s.answers.clone()) {
            if let Ok(mut a) = answers.lock() {
                if a.len() >= ANSWERS_KEPT {
                    a.pop_front();
                }
                a.push_back((call_id.to_owned(), answer.clone()));
            }
        }
        self.inner.snapshot.send_if_modified(|s| match &mut s.ivr {
            Some(pop) if pop.call_id == call_id && !pop.via_relay => {
                pop.answer = Some(answer);
                s.revision += 1;
                true
            }
            _ => false,
        });
    }

    /// Puts `request` on the screen.
    fn show_pop(&self, request: &CallInteractiveRequest, via_relay: bool) {
        let past_calls = match &request.caller_id_num {
            Some(number) => self.history_with(number, POP_HISTORY).unwrap_or_else(|e| {
                tracing::warn!("the caller's history could not be read: {e}");
                Vec::new()
            }),
            None => Vec::new(),
        };
        let mut pop = IvrPop {
            call_id: request.call_id.clone(),
            caller_number: request.caller_id_num.clone(),
            caller_name: request.caller_id_name.clone(),
            called: request.called_did.clone().or_else(|| request.called_number.clone()),
            ivr: request.called_extension.clone(),
            at_ms: self.now_ms(),
            via_relay,
            answer: None,
            past_calls,
        };
        let answers = self.inner.interactive.lock().ok().map(|s| s.answers.clone());
        tracing::info!(call_id = %pop.call_id, past_calls = pop.past_calls.len(), via_relay, "screen pop");
        self.update(|s| {
            if !via_relay {
                pop.answer = answers
                    .as_ref()
                    .and_then(|a| a.lock().ok()?.iter().rev().find(|(id, _)| *id == pop.call_id).map(|(_, a)| a.clone()));
            }
            s.ivr = Some(pop);
        });
    }
}

fn rule_label(position: usize, rule: &Rule) -> String {
    if rule.name.trim().is_empty() {
        format!("rule {}", position + 1)
    } else {
        format!("{}. {}", position + 1, rule.name.trim())
    }
}

/// Checks rules as the settings screen saves them, with the sentence for the agent.
pub(crate) fn check_rules(rules: &[Rule]) -> Result<(), crate::error::DeskError> {
    rules::validate(rules).map_err(|e| crate::error::DeskError::Invalid(crate::error::capitalized(&e.to_string())))
}
