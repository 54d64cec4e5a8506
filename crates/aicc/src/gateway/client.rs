//! [`GatewayClient`]: one agent's HTTP conversation with a CC-Gateway.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::{header::HeaderMap, Method, StatusCode};
use url::Url;

use super::error::GatewayError;
use super::events::GatewayEvent;
use crate::endpoint::{self, snippet};
use super::types::{AgentId, Envelope, RawEvent, SignInRequest, SignInResult};

/// Read timeout of a long poll. The gateway holds a poll ~10 s when nothing is queued, so this
/// leaves ample room without letting a dead connection hang for long.
pub const POLL_READ_TIMEOUT: Duration = Duration::from_secs(25);
/// Timeout of every other request.
pub(super) const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// `None` as the body of a request that has none.
pub(super) const NO_BODY: Option<&()> = None;

/// Where and as whom to connect.
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    /// `https://host:8043/` (a path prefix is kept). Plain `http` is refused except on loopback,
    /// which is where the simulator runs.
    pub base_url: Url,
    /// The agent's work number.
    pub agent_id: AgentId,
    /// How the gateway's certificate is trusted (OS roots by default).
    pub tls: crate::tls::TlsTrust,
}

/// The session id, kept out of every `Debug` print.
#[derive(Clone, PartialEq, Eq)]
struct Guid(String);

impl std::fmt::Debug for Guid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Guid(<redacted>)")
    }
}

/// One agent's client. Cheap to clone; clones share the session.
#[derive(Debug, Clone)]
pub struct GatewayClient {
    http: reqwest::Client,
    base_url: Url,
    agent_id: AgentId,
    /// The current Guid. Replaced whole whenever any response carries `Set-GUID` (AUTHMODE 2
    /// rotates it), so concurrent requests always send a complete, recent value.
    guid: Arc<Mutex<Option<Guid>>>,
}

impl GatewayClient {
    /// Builds a client. Refuses plain `http` to anything but loopback: agent credentials and the
    /// Guid must never cross a network unencrypted.
    pub fn new(config: GatewayConfig) -> Result<Self, GatewayError> {
        let base_url = endpoint::base_url(config.base_url, "the gateway address").map_err(GatewayError::BadAddress)?;
        // The ELB stickiness cookie (`huaweielbsession`) is kept per host by the cookie store.
        let http = endpoint::http_client(&config.tls, true).map_err(|e| match e {
            endpoint::SetupError::Trust(text) => GatewayError::BadAddress(text),
            endpoint::SetupError::Client(e) => GatewayError::Transport(e),
        })?;
        Ok(Self { http, base_url, agent_id: config.agent_id, guid: Arc::new(Mutex::new(None)) })
    }

    /// The agent this client speaks for.
    pub fn agent_id(&self) -> AgentId {
        self.agent_id
    }

    /// Whether a Guid is held (that is, sign-in succeeded and no sign-out happened since).
    pub fn has_session(&self) -> bool {
        self.guid.lock().map(|g| g.is_some()).unwrap_or(false)
    }

    fn url(&self, path: &str) -> Result<Url, GatewayError> {
        self.base_url
            .join(path)
            .map_err(|e| GatewayError::BadAddress(format!("cannot build a gateway URL: {e}")))
    }

    fn current_guid(&self) -> Option<Guid> {
        self.guid.lock().ok().and_then(|g| g.clone())
    }

    /// Takes a new Guid from `Set-GUID` if present. Returns whether one was found.
    fn absorb_guid(&self, headers: &HeaderMap) -> bool {
        let Some(raw) = headers.get("set-guid").and_then(|v| v.to_str().ok()) else { return false };
        let Some(value) = guid_from_header(raw) else { return false };
        if let Ok(mut g) = self.guid.lock() {
            *g = Some(Guid(value));
        }
        true
    }

    pub(super) async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&(impl serde::Serialize + ?Sized)>,
        timeout: Duration,
        with_guid: bool,
    ) -> Result<(Envelope, bool), GatewayError> {
        let mut req = self
            .http
            .request(method, self.url(path)?)
            .timeout(timeout)
            .header(reqwest::header::CONTENT_TYPE, "application/json; charset=UTF-8");
        if with_guid {
            let guid = self.current_guid().ok_or(GatewayError::NoSession)?;
            req = req.header("Guid", guid.0);
        }
        if let Some(b) = body {
            let bytes = serde_json::to_vec(b).map_err(|source| GatewayError::Decode { source, body_snippet: String::new() })?;
            req = req.body(bytes);
        }
        let resp = req.send().await.map_err(GatewayError::Transport)?;
        let got_guid = self.absorb_guid(resp.headers());
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(GatewayError::Transport)?;
        if status != StatusCode::OK {
            return Err(GatewayError::Status { status: status.as_u16(), body_snippet: snippet(&bytes) });
        }
        let env: Envelope = serde_json::from_slice(&bytes)
            .map_err(|source| GatewayError::Decode { source, body_snippet: snippet(&bytes) })?;
        if env.retcode != "0" {
            return Err(GatewayError::Rejected { retcode: env.retcode, message: env.message.unwrap_or_default() });
        }
        Ok((env, got_guid))
    }

    /// Signs the agent in (`PUT onlineagent/{agentid}`) and keeps the Guid from `Set-GUID`.
    /// The password is sent in the body only; it is not kept by the client.
    pub async fn sign_in(&self, request: &SignInRequest) -> Result<SignInResult, GatewayError> {
        self.sign_in_at(&format!("agentgateway/resource/onlineagent/{}", self.agent_id), request).await
    }

    /// Forced sign-in (`PUT onlineagent/{agentid}/forcelogin`): replaces a session the gateway
    /// still holds for this agent (the answer to `100-002`). Same body and Guid handling as
    /// [`Self::sign_in`].
    pub async fn force_sign_in(&self, request: &SignInRequest) -> Result<SignInResult, GatewayError> {
        self.sign_in_at(&format!("agentgateway/resource/onlineagent/{}/forcelogin", self.agent_id), request).await
    }

    /// Platform-only sign-in (`PUT onlineagent/{agentid}/loginex`): voice through the CTI platform
    /// only, no text-chat or mail media servers, no media licence consumed. Same body and Guid
    /// handling as [`Self::sign_in`].
    pub async fn sign_in_platform_only(&self, request: &SignInRequest) -> Result<SignInResult, GatewayError> {
        self.sign_in_at(&format!("agentgateway/resource/onlineagent/{}/loginex", self.agent_id), request).await
    }

    async fn sign_in_at(&self, path: &str, request: &SignInRequest) -> Result<SignInResult, GatewayError> {
        if let Ok(mut g) = self.guid.lock() {
            *g = None;
        }
        let (env, got_guid) = self.send(Method::PUT, path, Some(request), REQUEST_TIMEOUT, false).await?;
        if !got_guid {
            return Err(GatewayError::MissingGuid);
        }
        let result = env
            .result
            .map(serde_json::from_value::<SignInResult>)
            .transpose()
            .map_err(|source| GatewayError::Decode { source, body_snippet: String::new() })?
            .unwrap_or_default();
        Ok(result)
    }

    /// One long poll (`GET agentevent/{agentid}`). `Ok(None)` when the gateway's wait ended with
    /// nothing queued.
    pub async fn poll_event(&self) -> Result<Option<(RawEvent, GatewayEvent)>, GatewayError> {
        let path = format!("agentgateway/resource/agentevent/{}", self.agent_id);
        let (env, _) = self.send(Method::GET, &path, NO_BODY, POLL_READ_TIMEOUT, true).await?;
        Ok(env.event.map(|raw| {
            let typed = GatewayEvent::parse(&raw);
            (raw, typed)
        }))
    }

    /// Asks for a fresh Guid (`PUT onlineagent/{agentid}/updateGuid`, no body). The new value
    /// arrives in `Set-GUID` like any other (the vendor does not name another carrier); an answer
    /// without one leaves the current Guid in place, which the gateway just accepted.
    pub async fn update_guid(&self) -> Result<(), GatewayError> {
        let path = format!("agentgateway/resource/onlineagent/{}/updateGuid", self.agent_id);
        self.send(Method::PUT, &path, NO_BODY, REQUEST_TIMEOUT, true).await.map(|_| ())
    }

    /// Signs out (`DELETE onlineagent/{agentid}/logout`) and forgets the Guid, whatever the answer:
    /// a failed sign-out leaves nothing worth keeping.
    pub async fn sign_out(&self) -> Result<(), GatewayError> {
        let path = format!("agentgateway/resource/onlineagent/{}/logout", self.agent_id);
        let res = self.send(Method::DELETE, &path, NO_BODY, REQUEST_TIMEOUT, true).await;
        if let Ok(mut g) = self.guid.lock() {
            *g = None;
        }
        res.map(|_| ())
    }
}

/// An agent-state request (`POST onlineagent/{agentid}/…`). The gateway confirms each with an
/// `AgentState_*` event; until that arrives the state has not changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateRequest {
    /// `sayfree`: ready for calls.
    Ready,
    /// `saybusy`: not ready, with a reason 200–250 (`None` = no reason). `prolong` re-applies
    /// busy while already busy (the gateway requires it then).
    Busy {
        /// Reason code, 200–250.
        reason: Option<u8>,
        /// Set when already busy.
        prolong: bool,
    },
    /// `cancelbusy`.
    CancelBusy,
    /// `rest/{time}/{restcause}`: a break of `seconds` (1–86399) with a cause (0–255, 0 = none).
    Rest {
        /// Length of the break in seconds.
        seconds: u32,
        /// Cause code.
        cause: u8,
    },
    /// `cancelrest`.
    CancelRest,
    /// `work`: after-call work.
    Work,
    /// `cancelwork`.
    CancelWork,
}

impl StateRequest {
    /// Checks the documented ranges; `Err` says which one was broken.
    pub fn validate(&self) -> Result<(), GatewayError> {
        match *self {
            Self::Busy { reason: Some(r), .. } if !(200..=250).contains(&r) => {
                Err(GatewayError::Invalid(format!("a busy reason must be from 200 to 250, not {r}")))
            }
            Self::Rest { seconds, .. } if !(1..=86_399).contains(&seconds) => Err(GatewayError::Invalid(format!(
                "a break must last from 1 second to 86399 seconds (just under a day), not {seconds}"
            ))),
            _ => Ok(()),
        }
    }

    fn path(&self, agent: AgentId) -> String {
        let base = format!("agentgateway/resource/onlineagent/{agent}");
        match *self {
            Self::Ready => format!("{base}/sayfree"),
            Self::Busy { reason, prolong } => {
                format!("{base}/saybusy?reason={}&prolong={prolong}", reason.map(u32::from).unwrap_or(0))
            }
            Self::CancelBusy => format!("{base}/cancelbusy"),
            Self::Rest { seconds, cause } => format!("{base}/rest/{seconds}/{cause}?prolong=false"),
            Self::CancelRest => format!("{base}/cancelrest"),
            Self::Work => format!("{base}/work"),
            Self::CancelWork => format!("{base}/cancelwork"),
        }
    }
}

impl GatewayClient {
    /// Sends an agent-state request. Success means "accepted"; the new state is confirmed by
    /// the matching `AgentState_*` event.
    pub async fn set_state(&self, request: StateRequest) -> Result<(), GatewayError> {
        request.validate()?;
        self.send(Method::POST, &request.path(self.agent_id), NO_BODY, REQUEST_TIMEOUT, true).await.map(|_| ())
    }

    /// Answers the ringing call (`PUT voicecall/{agentid}/answer?callid=`).
    pub async fn answer(&self, call_id: &str) -> Result<(), GatewayError> {
        let path = format!("agentgateway/resource/voicecall/{}/answer?callid={}", self.agent_id, encode(call_id));
        self.send(Method::PUT, &path, NO_BODY, REQUEST_TIMEOUT, true).await.map(|_| ())
    }

    /// Holds the current call (`POST voicecall/{agentid}/hold`); confirmed by `AgentEvent_Hold`.
    pub async fn hold(&self) -> Result<(), GatewayError> {
        let path = format!("agentgateway/resource/voicecall/{}/hold", self.agent_id);
        self.send(Method::POST, &path, NO_BODY, REQUEST_TIMEOUT, true).await.map(|_| ())
    }

    /// Takes a held call back (`POST voicecall/{agentid}/gethold?callid=`).
    pub async fn unhold(&self, call_id: &str) -> Result<(), GatewayError> {
        let path = format!("agentgateway/resource/voicecall/{}/gethold?callid={}", self.agent_id, encode(call_id));
        self.send(Method::POST, &path, NO_BODY, REQUEST_TIMEOUT, true).await.map(|_| ())
    }

    /// Hangs up the current call (`DELETE voicecall/{agentid}/release`).
    pub async fn release(&self) -> Result<(), GatewayError> {
        let path = format!("agentgateway/resource/voicecall/{}/release", self.agent_id);
        self.send(Method::DELETE, &path, NO_BODY, REQUEST_TIMEOUT, true).await.map(|_| ())
    }
}

/// Percent-encodes a query value (call ids are digits and dashes in practice, but nothing is
/// assumed).
pub(super) fn encode(v: &str) -> String {
    url::form_urlencoded::byte_serialize(v.as_bytes()).collect()
}

/// `JSESSIONID=279f…20f5.AgentGateway0` → `279f…20f5.AgentGateway0`; a bare value is taken as is.
fn guid_from_header(raw: &str) -> Option<String> {
    let v = raw.trim();
    let v = v.strip_prefix("JSESSIONID=").unwrap_or(v);
    let v = v.split(';').next().unwrap_or("").trim();
    (!v.is_empty()).then(|| v.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_guid_prefix_is_stripped() {
        assert_eq!(
            guid_from_header("JSESSIONID=279fe21d-2caa-4437-84c3-ab9e9dae20f5.AgentGateway0").as_deref(),
            Some("279fe21d-2caa-4437-84c3-ab9e9dae20f5.AgentGateway0")
        );
        assert_eq!(guid_from_header("abc.AgentGateway1; Path=/").as_deref(), Some("abc.AgentGateway1"));
        assert_eq!(guid_from_header("JSESSIONID="), None);
    }

    #[test]
    fn plain_http_is_refused_except_on_loopback() {
        let id = AgentId::new(291).unwrap();
        let cfg = |u: &str| GatewayConfig { base_url: u.parse().unwrap(), agent_id: id, tls: Default::default() };
        assert!(GatewayClient::new(cfg("http://127.0.0.1:9/")).is_ok());
        assert!(GatewayClient::new(cfg("http://localhost:9")).is_ok());
        assert!(GatewayClient::new(cfg("https://cc.example.com:8043")).is_ok());
        let err = GatewayClient::new(cfg("http://cc.example.com:8043")).unwrap_err();
        assert!(err.to_string().contains("https://"), "the message must tell the agent what to type: {err}");
    }

    #[test]
    fn guid_debug_is_redacted() {
        assert_eq!(format!("{:?}", Guid("secret".into())), "Guid(<redacted>)");
    }

    #[test]
    fn base_path_prefix_is_kept() {
        let c = GatewayClient::new(GatewayConfig {
            base_url: "https://h:8043/proxy".parse().unwrap(),
            agent_id: AgentId::new(291).unwrap(),
            tls: Default::default(),
        })
        .unwrap();
        assert_eq!(
            c.url("agentgateway/resource/agentevent/291").unwrap().as_str(),
            "https://h:8043/proxy/agentgateway/resource/agentevent/291"
        );
    }
}
