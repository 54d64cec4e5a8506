//! The agent's own voice recording (`reference/huawei-protocols.md` §C): start with
//! `PUT recordplay/{agentid}/record`, stop with `DELETE recordplay/{agentid}/stoprecord`.
//!
//! Both answers only say the gateway took the request. Whether a recording runs is told by the
//! events that follow: `AgentMediaEvent_Record` (it started), `AgentMediaEvent_Record_Fail` (it did
//! not) and `AgentMediaEvent_StopRecordDone` (it stopped); see
//! [`GatewayEvent`](super::GatewayEvent). A caller shows "recording" only after the first of them.
//!
//! Vendor restrictions the client cannot check: private-cloud deployments only, enabled by the
//! server switch `IF_ENABLE_AGENT_SELFRECORD`, voice only, not after an inspector barged in,
//! listened or whispered, and the agent must have no recording running. The documents list no
//! result code of their own for these interfaces; refusals arrive as the usual retcodes.

use reqwest::Method;
use serde::Serialize;

use super::client::{GatewayClient, NO_BODY, REQUEST_TIMEOUT};
use super::error::GatewayError;

/// `mediaType` of an ordinary voice recording, the only one the gateway accepts.
const MEDIA_TYPE_VOICE: u8 = 5;

/// Body of `PUT recordplay/{agentid}/record`. Only the mandatory `mediaType` is sent: without
/// `fileName` the platform names the file itself (`<drive>:\<VDN>\<mediaType>\<date>\<agent>\…`),
/// and without `recordMode` / `recordFormat` it overwrites in its default format.
#[derive(Debug, Serialize)]
struct StartRecording {
    #[serde(rename = "mediaType")]
    media_type: u8,
}

impl GatewayClient {
    /// Asks the gateway to start recording the agent's call (`PUT recordplay/{agentid}/record`).
    /// `Ok` means "accepted"; the recording runs once `AgentMediaEvent_Record` arrives, and
    /// `AgentMediaEvent_Record_Fail` says it did not start.
    pub async fn start_agent_recording(&self) -> Result<(), GatewayError> {
        let path = format!("agentgateway/resource/recordplay/{}/record", self.agent_id());
        let body = StartRecording { media_type: MEDIA_TYPE_VOICE };
        self.send(Method::PUT, &path, Some(&body), REQUEST_TIMEOUT, true).await.map(|_| ())
    }

    /// Asks the gateway to stop the agent's recording (`DELETE recordplay/{agentid}/stoprecord`,
    /// no body). `Ok` means "accepted"; the recording has stopped once
    /// `AgentMediaEvent_StopRecordDone` arrives.
    pub async fn stop_agent_recording(&self) -> Result<(), GatewayError> {
        let path = format!("agentgateway/resource/recordplay/{}/stoprecord", self.agent_id());
        self.send(Method::DELETE, &path, NO_BODY, REQUEST_TIMEOUT, true).await.map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_start_body_is_ordinary_voice() {
        assert_eq!(
            serde_json::to_value(StartRecording { media_type: MEDIA_TYPE_VOICE }).unwrap(),
            serde_json::json!({"mediaType": 5})
        );
    }
}
