//! The agent's current call (`GET calldata/{agentid}/callinfo`, `reference/huawei-protocols.md`
//! §A.10), asked for right after a sign-in: an app that restarted in the middle of a call (a
//! crash, a forced quit) gets the call back on its card, and the agent's notes can still reach it.
//!
//! The vendor documents the fields of the by-call-id query (`callid`, `caller`, `called`,
//! `callfeature`, `begintime`, …) and says `called` is typed as an integer; this query is read
//! with the same fields, numbers and strings both accepted. The `isNoContainLastCall=true` flag
//! keeps a finished call out of the answer when the agent is idle.

use reqwest::Method;
use serde::{Deserialize, Deserializer};

use super::client::{GatewayClient, NO_BODY, REQUEST_TIMEOUT};
use super::error::GatewayError;

/// The call the gateway says the agent is in.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CallInfo {
    /// The call id, as in the call events.
    #[serde(deserialize_with = "text")]
    pub callid: String,
    /// Calling number.
    #[serde(default, deserialize_with = "text")]
    pub caller: String,
    /// Called number.
    #[serde(default, deserialize_with = "text")]
    pub called: String,
    /// The platform's call type code (meaning of the values not documented in our copy).
    #[serde(default)]
    pub callfeature: Option<i64>,
    /// When the call was answered (epoch ms); absent or 0 while it rings.
    #[serde(default)]
    pub begintime: Option<i64>,
}

impl CallInfo {
    /// Whether the call was answered.
    pub fn answered(&self) -> bool {
        self.begintime.is_some_and(|t| t > 0)
    }
}

/// A string, or a number written as one.
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => Ok(s),
        serde_json::Value::Number(n) => Ok(n.to_string()),
        serde_json::Value::Null => Ok(String::new()),
        other => Err(serde::de::Error::custom(format!("expected a string or a number, got {other}"))),
    }
}

impl GatewayClient {
    /// The call the agent is in now, if any.
    pub async fn current_call(&self) -> Result<Option<CallInfo>, GatewayError> {
        let path = format!("agentgateway/resource/calldata/{}/callinfo?isNoContainLastCall=true", self.agent_id());
        let (env, _) = self.send(Method::GET, &path, NO_BODY, REQUEST_TIMEOUT, true).await?;
        let info = match env.result {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::Object(m)) if m.is_empty() => None,
            Some(v) => Some(
                serde_json::from_value::<CallInfo>(v)
                    .map_err(|source| GatewayError::Decode { source, body_snippet: String::new() })?,
            ),
        };
        Ok(info.filter(|c| !c.callid.is_empty()))
    }
}
