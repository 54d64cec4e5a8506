//! Wire DTOs of the CC-Gateway, spelled exactly as the vendor does (mixed casing included).

use serde::{Deserialize, Serialize};

/// Agent work number. The gateway accepts 101–999999 (older documents said 101–59999; the
/// wider, newer range is accepted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AgentId(u32);

/// Why a text is not a valid agent id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AgentIdError {
    /// Not a whole number.
    #[error("the agent id must be a number from 101 to 999999, not \"{0}\"")]
    NotANumber(String),
    /// A number outside the gateway's range.
    #[error("the agent id must be from 101 to 999999; {0} is outside that range")]
    OutOfRange(u64),
}

impl AgentId {
    /// Lowest work number the gateway accepts.
    pub const MIN: u32 = 101;
    /// Highest work number the gateway accepts.
    pub const MAX: u32 = 999_999;

    /// Checks the range.
    pub fn new(n: u64) -> Result<Self, AgentIdError> {
        if (Self::MIN as u64..=Self::MAX as u64).contains(&n) {
            Ok(Self(n as u32))
        } else {
            Err(AgentIdError::OutOfRange(n))
        }
    }

    /// The number as a plain integer.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl std::str::FromStr for AgentId {
    type Err = AgentIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(AgentIdError::NotANumber(s.to_owned()));
        }
        // All digits; anything too long to parse is certainly out of range.
        let n = t.parse::<u64>().unwrap_or(u64::MAX);
        Self::new(n)
    }
}

impl std::fmt::Display for AgentId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Body of `PUT /agentgateway/resource/onlineagent/{agentid}` (and `forcelogin`, `loginex`).
///
/// Only the fields Sidekick sets are modelled; the gateway defaults the rest.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SignInRequest {
    /// CTI password, at most 32 characters.
    pub password: String,
    /// Softphone / phone number, at most 24 characters.
    pub phonenum: String,
    /// State after sign-in: 3 busy, 4 idle, 5 wrap-up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u8>,
    /// Answer offered calls automatically.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub autoanswer: Option<bool>,
    /// Hang the phone up after each call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub releasephone: Option<bool>,
    /// 4 = PC + phone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agenttype: Option<u8>,
}

impl SignInRequest {
    /// Longest password the gateway accepts, in characters.
    pub const PASSWORD_MAX: usize = 32;
    /// Longest phone number the gateway accepts, in characters.
    pub const PHONENUM_MAX: usize = 24;
}

/// Result object of a successful sign-in. The gateway sends numbers as strings in some versions
/// and as numbers in others, so the loosely typed ones are kept as JSON values.
#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
pub struct SignInResult {
    /// VCC id.
    #[serde(default)]
    pub vdnid: Option<serde_json::Value>,
    /// The agent's work number as the gateway spells it.
    #[serde(default)]
    pub workno: Option<String>,
    /// Three T/F characters: CTI, WebM, MailM sign-in success; voice works only if the first is `T`.
    #[serde(default)]
    pub mediatype: Option<String>,
    /// Sign-in time, epoch milliseconds as a string.
    #[serde(default, rename = "loginTime")]
    pub login_time: Option<String>,
    /// Gateway cluster name.
    #[serde(default, rename = "serverName")]
    pub server_name: Option<String>,
}

/// The standard envelope of every CC-Gateway answer.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Envelope {
    #[serde(default)]
    pub message: Option<String>,
    /// "0" on success. Some builds send a number; both are accepted.
    #[serde(deserialize_with = "crate::endpoint::string_or_number")]
    pub retcode: String,
    #[serde(default)]
    pub result: Option<serde_json::Value>,
    /// Present on `agentevent` answers only.
    #[serde(default)]
    pub event: Option<RawEvent>,
}

/// One agent event as the gateway sends it (`event` of a poll answer).
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct RawEvent {
    /// For example `AgentEvent_Ringing`.
    #[serde(rename = "eventType")]
    pub event_type: String,
    /// The agent's work number.
    #[serde(rename = "workNo", default)]
    pub work_no: Option<serde_json::Value>,
    /// Object, bare call-id string, or null, depending on the event.
    #[serde(default)]
    pub content: serde_json::Value,
    /// Epoch milliseconds; newer gateway versions only.
    #[serde(rename = "eventGenTime", default)]
    pub event_gen_time: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_id_accepts_the_documented_range_only() {
        assert_eq!("101".parse::<AgentId>().map(AgentId::get), Ok(101));
        assert_eq!("999999".parse::<AgentId>().map(AgentId::get), Ok(999_999));
        assert_eq!("100".parse::<AgentId>(), Err(AgentIdError::OutOfRange(100)));
        assert_eq!("1000000".parse::<AgentId>(), Err(AgentIdError::OutOfRange(1_000_000)));
        assert!(matches!("29a".parse::<AgentId>(), Err(AgentIdError::NotANumber(_))));
        assert!(matches!("".parse::<AgentId>(), Err(AgentIdError::NotANumber(_))));
        assert!(matches!("-5".parse::<AgentId>(), Err(AgentIdError::NotANumber(_))));
        // Far too many digits is out of range, not a panic.
        assert!(matches!("99999999999999999999999".parse::<AgentId>(), Err(AgentIdError::OutOfRange(_))));
    }

    #[test]
    fn sign_in_request_serializes_with_vendor_field_names() {
        let req = SignInRequest {
            password: "pw".into(),
            phonenum: "40038".into(),
            status: Some(4),
            autoanswer: None,
            releasephone: Some(false),
            agenttype: Some(4),
        };
        assert_eq!(
            serde_json::to_value(&req).unwrap(),
            serde_json::json!({"password":"pw","phonenum":"40038","status":4,"releasephone":false,"agenttype":4})
        );
    }

    #[test]
    fn envelope_accepts_numeric_retcode() {
        let e: Envelope = serde_json::from_str(r#"{"retcode":0,"message":""}"#).unwrap();
        assert_eq!(e.retcode, "0");
    }
}
