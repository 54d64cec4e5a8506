//! The embedded demo: the simulators run in-process on `127.0.0.1:0`, a demo agent signs in and
//! scripted calls play one after another, so a new user sees a working desk with no server.

use std::time::Duration;

use sidekick_sim::gateway::CallScript;
use tokio::task::JoinHandle;

use crate::desk::{Desk, SignInForm};
use crate::error::DeskError;
use crate::model::DeskSnapshot;

/// The demo agent's work number.
pub const DEMO_AGENT: u32 = 1001;
/// The demo agent's line.
pub const DEMO_LINE: &str = "40038";
const DEMO_PASSWORD: &str = "demo";

/// Callers of the scripted calls, in turn, with the names the PBX knows them by.
const CALLERS: &[(&str, &str)] = &[
    ("+7 495 123-45-67", "Иван Петров"),
    ("13500000001", "Li Wei"),
    ("+44 20 7946 0958", "Olivia Brown"),
    ("+1 415 555 0134", "Jordan Lee"),
];
/// Each call first passes the PBX's IVR (a Call Interactive request) this long before it rings.
const IVR_LEAD: Duration = Duration::from_millis(1500);

/// First call this soon after sign-in, so the card shows a ringing call within 2 s of start-up.
const FIRST_CALL_AFTER: Duration = Duration::from_millis(400);
const RING: Duration = Duration::from_millis(3000);
const TALK: Duration = Duration::from_millis(12_000);
const GAP: Duration = Duration::from_millis(4000);

/// The not-ready reasons of the demo platform.
pub(crate) fn busy_reasons() -> Vec<crate::model::BusyReason> {
    [(201, "Training"), (202, "Coaching"), (203, "Back-office work")]
        .into_iter()
        .map(|(code, label)| crate::model::BusyReason { code, label: label.into() })
        .collect()
}

/// The demo's ODFS simulator, for recording.
#[derive(Debug, Clone)]
pub(crate) struct DemoOdfs {
    pub(crate) url: String,
    pub(crate) app_key: String,
    pub(crate) secret: String,
    pub(crate) flow_access_code: String,
}

/// The demo's CC-FS simulator, for a supervisor's export (used while no CC-FS address is saved).
#[derive(Debug, Clone)]
pub(crate) struct DemoCcfs {
    pub(crate) url: String,
    pub(crate) ak: String,
    pub(crate) sk: String,
    pub(crate) zone: String,
}

/// Calls of the last two days the demo's CC-FS bills besides the demo's own.
const DEMO_HISTORY_CALLS: usize = 300;

/// The running demo's tasks.
#[derive(Debug)]
pub(crate) struct DemoRuntime {
    calls: JoinHandle<()>,
    ivr: JoinHandle<()>,
}

/// The first IVR caller is offered this soon after the demo starts, the next ones this long after
/// the last one ended.
const FIRST_OFFER_AFTER: Duration = Duration::from_secs(3);
const OFFER_GAP: Duration = Duration::from_secs(15);
/// What the demo's IVR callers were doing in the script when it offered them.
const OFFER_PARAMS: &[&str] = &[
    r#"{"menu":"billing","caller":"+74951234567","attempts":2}"#,
    r#"{"menu":"lost card","caller":"+442079460958","lang":"en"}"#,
    r#"{"menu":"delivery","caller":"+14155550134","order":"A-1042"}"#,
];

/// The demo's IVR: a caller offered whenever none has been for a while, and digits pressed
/// (`42#`) when a collect-digits component asks for them.
async fn demo_ivr(era: sidekick_sim::era::EraControl) {
    tokio::time::sleep(FIRST_OFFER_AFTER).await;
    let mut turn = 0;
    let mut last_live = tokio::time::Instant::now() - OFFER_GAP;
    let mut pressed: std::collections::HashSet<(String, i64)> = Default::default();
    loop {
        let sessions = era.sessions();
        if sessions.iter().any(|s| s.phase != "stopped") {
            last_live = tokio::time::Instant::now();
        } else if last_live.elapsed() >= OFFER_GAP {
            let params = OFFER_PARAMS[turn % OFFER_PARAMS.len()].to_owned();
            turn += 1;
            era.offer(sidekick_sim::era::OfferScript { key: format!("demo-{turn}"), params, state: Some("dialog".into()), ..Default::default() });
            last_live = tokio::time::Instant::now();
        }
        for s in sessions.iter().filter(|s| s.running == Some(206)) {
            let Some(o_id) = s.running_o_id else { continue };
            if pressed.insert((s.ivrid.clone(), o_id)) {
                let (era, ivrid) = (era.clone(), s.ivrid.clone());
                tokio::spawn(async move {
                    for digit in ["4", "2", "#"] {
                        tokio::time::sleep(Duration::from_millis(600)).await;
                        era.press(&ivrid, digit);
                    }
                });
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

impl Desk {
    /// Starts the simulators, signs the demo agent in and plays calls until sign-out.
    pub async fn start_demo(&self) -> Result<DeskSnapshot, DeskError> {
        let sim = sidekick_sim::spawn(sidekick_sim::Scenario {
            agents: vec![(DEMO_AGENT, DEMO_PASSWORD.to_owned())],
            ..Default::default()
        })
        .await
        .map_err(|e| DeskError::Demo(e.to_string()))?;
        if let Ok(mut d) = self.inner.demo_odfs.lock() {
            let rules = sim.odfs.rules();
            *d = Some(DemoOdfs {
                url: sim.odfs_url.clone(),
                app_key: rules.app_key.clone(),
                secret: rules.app_secret.clone(),
                flow_access_code: "10086".into(),
            });
        }
        sim.ccfs.seed(DEMO_HISTORY_CALLS, DEMO_AGENT, Duration::from_secs(48 * 3600));
        if let Ok(mut d) = self.inner.demo_ccfs.lock() {
            let rules = sim.ccfs.rules();
            *d = Some(DemoCcfs { url: sim.ccfs_url.clone(), ak: rules.ak.clone(), sk: rules.sk.clone(), zone: rules.zone.name().to_owned() });
        }
        let form = SignInForm {
            gateway_url: sim.gateway_url.clone(),
            agent_id: DEMO_AGENT.to_string(),
            password: DEMO_PASSWORD.into(),
            phone_number: DEMO_LINE.into(),
            remember: false,
            force: false,
        };
        let snap = self.sign_in_as(form, true).await?;
        self.start_demo_interactive().await;
        // A supervisor trying the demo exports from its CC-FS and takes callers over from its IVR.
        self.apply_export().await;
        if let Ok(mut d) = self.inner.takeover.demo.lock() {
            *d = Some(crate::takeover::runtime::DemoEra { url: sim.era_url.clone(), token: sim.era.rules().token.clone() });
        }
        self.apply_takeover().await;
        let ivr = tokio::spawn(demo_ivr(sim.era.clone()));
        // The PBX's side of the demo, when its Call Interactive server runs.
        let pbx = self.call_interactive_address().ok().map(|url| sidekick_sim::telphin::SimPbx::new(&url));
        let control = sim.gateway.clone();
        let calls = tokio::spawn(async move {
            tokio::time::sleep(FIRST_CALL_AFTER).await;
            for (caller, name) in CALLERS.iter().cycle() {
                if !control.is_signed_in(DEMO_AGENT) {
                    return;
                }
                if let Some(pbx) = &pbx {
                    let call = sidekick_sim::telphin::PbxCall::external(&caller.replace([' ', '-'], ""), name, "74950001122");
                    if let Err(e) = pbx.send(&call).await {
                        tracing::warn!("the demo PBX's request failed: {e}");
                    }
                    tokio::time::sleep(IVR_LEAD).await;
                }
                control.play_inbound_call(
                    DEMO_AGENT,
                    CallScript {
                        caller: (*caller).to_owned(),
                        called: DEMO_LINE.into(),
                        call_id: None,
                        ring_ms: RING.as_millis() as u64,
                        talk_ms: TALK.as_millis() as u64,
                        auto_answer: true,
                    },
                );
                tokio::time::sleep(RING + TALK + GAP).await;
            }
        });
        if let Ok(mut d) = self.inner.demo.lock() {
            if let Some(old) = d.replace(DemoRuntime { calls, ivr }) {
                old.calls.abort();
                old.ivr.abort();
            }
        }
        Ok(snap)
    }
}

/// The demo's Call Interactive rules: callers the agent spoke with this week go straight back to
/// the agent; other callers from Russia get the IVR's Russian prompts.
fn interactive_rules() -> Vec<sidekick_interactive::rules::Rule> {
    use sidekick_interactive::rules::{Conditions, NumberPattern, Rule};
    use sidekick_interactive::Action;
    vec![
        Rule {
            name: "Back to me".into(),
            enabled: true,
            when: Conditions { spoke_within_days: Some(7), ..Conditions::default() },
            actions: vec![Action::transfer(sidekick_interactive::MY_NUMBER)],
        },
        Rule {
            name: "Russian prompts".into(),
            enabled: true,
            when: Conditions { caller: Some(NumberPattern::Prefix("+7".into())), ..Conditions::default() },
            actions: vec![Action::SetVar { name: "lang".into(), value: "ru".into() }],
        },
    ]
}

impl Desk {
    /// Runs a Call Interactive server on loopback with the demo's rules, unless the settings run
    /// one already; it is not saved, and stops with the demo.
    async fn start_demo_interactive(&self) {
        if self.stored_settings().call_interactive.enabled {
            return;
        }
        let _op = self.inner.interactive_op.lock().await;
        match crate::interactive::runtime::start(self, "127.0.0.1:0", sidekick_interactive::AccessToken::generate()).await {
            Ok(run) => {
                if let Ok(mut slot) = self.inner.interactive.lock() {
                    if let Ok(mut rules) = slot.rules.write() {
                        *rules = std::sync::Arc::new(interactive_rules());
                    }
                    slot.status = crate::interactive::ServerStatus::Listening { address: run.address.to_string() };
                    slot.runtime = Some(run);
                    slot.demo = true;
                }
            }
            Err(e) => tracing::warn!("the demo's Call Interactive server did not start: {e}"),
        }
    }
}

/// Stops the demo's call loop, if one runs.
pub(crate) fn stop(desk: &Desk) {
    if let Ok(mut slot) = desk.inner.interactive.lock() {
        if slot.demo {
            slot.runtime = None;
            slot.status = crate::interactive::ServerStatus::Off;
            slot.demo = false;
            if let Ok(mut rules) = slot.rules.write() {
                *rules = std::sync::Arc::new(Vec::new());
            }
        }
    }
    if let Ok(mut d) = desk.inner.demo.lock() {
        if let Some(run) = d.take() {
            run.calls.abort();
            run.ivr.abort();
        }
    }
    if let Ok(mut d) = desk.inner.demo_odfs.lock() {
        d.take();
    }
    let had_era = desk.inner.takeover.demo.lock().ok().and_then(|mut d| d.take()).is_some();
    if had_era {
        let desk = desk.clone();
        tokio::spawn(async move { desk.apply_takeover().await });
    }
    let had_ccfs = desk.inner.demo_ccfs.lock().ok().and_then(|mut d| d.take()).is_some();
    if had_ccfs {
        let desk = desk.clone();
        tokio::spawn(async move { desk.apply_export().await });
    }
}
