//! Call-associated data (`reference/huawei-protocols.md` §A.10): a blob the gateway keeps with
//! a call, set with `PUT calldata/{agentid}/setcalldataex` and read back with
//! `GET calldata/{agentid}/appdata`.
//!
//! The client always moves the data as Base64 (`isDataEncoded: true` on the way in,
//! `isEncodeResult=true` on the way out), so any bytes survive the trip and the caller never has
//! to guess a text encoding. The gateway's 16 KB limit counts the original bytes, not the Base64
//! text, so the client decodes before it measures.
//!
//! The data is sensitive (the vendor logs only its length, `calldatalength`), and so is this
//! module: it logs the length and the call id, never the content.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use reqwest::Method;
use serde::Serialize;

use super::client::{encode, GatewayClient, NO_BODY, REQUEST_TIMEOUT};
use super::error::GatewayError;

/// Most call data the gateway keeps for one call, in bytes of original (decoded) content.
pub const CALL_DATA_MAX_BYTES: usize = 16 * 1024;

/// Body of `PUT calldata/{agentid}/setcalldataex`.
///
/// The vendor's table types `isDataEncoded` as a boolean, while its example sends the string
/// `"true"`. The client sends the boolean the table documents; the simulator accepts both.
#[derive(Debug, Serialize)]
struct SetCallData<'a> {
    callid: &'a str,
    calldata: &'a str,
    #[serde(rename = "isDataEncoded")]
    is_data_encoded: bool,
}

impl GatewayClient {
    /// Stores `calldata_base64` (standard Base64, padded) with the call `call_id`, replacing
    /// whatever the call carried before (`PUT calldata/{agentid}/setcalldataex`). The agent must
    /// be in that call.
    ///
    /// Checked before anything is sent: the call id is not empty, the text is valid Base64, and
    /// it decodes to at most [`CALL_DATA_MAX_BYTES`]. A failed check is
    /// [`GatewayError::Invalid`].
    pub async fn set_call_data(
        &self,
        call_id: &str,
        calldata_base64: &str,
    ) -> Result<(), GatewayError> {
        let length = check_call_data(call_id, calldata_base64)?;
        tracing::debug!(callid = call_id, calldatalength = length, "setcalldataex");
        let path = format!(
            "agentgateway/resource/calldata/{}/setcalldataex",
            self.agent_id()
        );
        let body = SetCallData {
            callid: call_id,
            calldata: calldata_base64,
            is_data_encoded: true,
        };
        self.send(Method::PUT, &path, Some(&body), REQUEST_TIMEOUT, true)
            .await
            .map(|_| ())
    }

    /// The data stored with the call `call_id`, as standard Base64; `""` when none was set
    /// (`GET calldata/{agentid}/appdata?isEncodeResult=true&callId=`). Data stays readable after
    /// the call ended.
    ///
    /// An answer whose `result` is not a string, or not valid Base64, is
    /// [`GatewayError::Decode`]; its snippet is left empty so no call data reaches a log.
    pub async fn call_data(&self, call_id: &str) -> Result<String, GatewayError> {
        check_call_id(call_id)?;
        // The vendor's URI spells the key `callId`, its parameter table `callid`; the URI's
        // spelling is the one sent (§A.10).
        let path = format!(
            "agentgateway/resource/calldata/{}/appdata?isEncodeResult=true&callId={}",
            self.agent_id(),
            encode(call_id)
        );
        let (env, _) = self
            .send(Method::GET, &path, NO_BODY, REQUEST_TIMEOUT, true)
            .await?;
        // A missing or null `result` means nothing is stored; anything but a string is a
        // malformed answer.
        let text = env
            .result
            .map(serde_json::from_value::<Option<String>>)
            .transpose()
            .map_err(|source| GatewayError::Decode {
                source,
                body_snippet: String::new(),
            })?
            .flatten()
            .unwrap_or_default();
        let length = STANDARD
            .decode(&text)
            .map(|bytes| bytes.len())
            .map_err(|_| GatewayError::Decode {
                source: serde::de::Error::custom("the call data is not valid Base64"),
                body_snippet: String::new(),
            })?;
        tracing::debug!(callid = call_id, calldatalength = length, "appdata");
        Ok(text)
    }
}

fn check_call_id(call_id: &str) -> Result<(), GatewayError> {
    if call_id.trim().is_empty() {
        return Err(GatewayError::Invalid(
            "call data needs the id of a call, and none was given".into(),
        ));
    }
    Ok(())
}

/// Checks a `set_call_data` request; returns the length of the original content.
fn check_call_data(call_id: &str, calldata_base64: &str) -> Result<usize, GatewayError> {
    check_call_id(call_id)?;
    let bytes = STANDARD.decode(calldata_base64).map_err(|_| {
        GatewayError::Invalid(
            "the call data must be Base64 text (standard alphabet, with padding)".into(),
        )
    })?;
    if bytes.len() > CALL_DATA_MAX_BYTES {
        return Err(GatewayError::Invalid(format!(
            "the call data is {} bytes long; the gateway keeps at most {CALL_DATA_MAX_BYTES} bytes (16 KB) per call",
            bytes.len()
        )));
    }
    Ok(bytes.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_body_uses_the_vendor_field_names_and_a_boolean_flag() {
        let body = SetCallData {
            callid: "1456229294-1191",
            calldata: "MTIzMw==",
            is_data_encoded: true,
        };
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            serde_json::json!({"callid": "1456229294-1191", "calldata": "MTIzMw==", "isDataEncoded": true}),
            "the table types isDataEncoded as a boolean"
        );
    }

    #[test]
    fn the_limit_counts_decoded_bytes() {
        let full = STANDARD.encode(vec![7u8; CALL_DATA_MAX_BYTES]);
        assert_eq!(
            check_call_data("1-1", &full).unwrap(),
            CALL_DATA_MAX_BYTES,
            "exactly 16 KB is allowed"
        );
        let over = STANDARD.encode(vec![7u8; CALL_DATA_MAX_BYTES + 1]);
        let e = check_call_data("1-1", &over).unwrap_err();
        assert!(matches!(e, GatewayError::Invalid(_)), "{e:?}");
        assert!(
            e.to_string().contains("16385 bytes"),
            "the message says how long the data is: {e}"
        );
        assert_eq!(
            check_call_data("1-1", "").unwrap(),
            0,
            "empty data clears the call's data"
        );
    }

    #[test]
    fn bad_input_is_refused_with_a_sentence() {
        for (call_id, data, says) in [
            ("", "MTIz", "id of a call"),
            ("  ", "MTIz", "id of a call"),
            ("1-1", "not base64!", "Base64"),
            ("1-1", "MTI", "Base64"),
        ] {
            let e = check_call_data(call_id, data).unwrap_err();
            assert!(
                e.to_string().contains(says),
                "{call_id:?}/{data:?} must be refused saying {says:?}: {e}"
            );
        }
    }
}
