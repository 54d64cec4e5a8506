//! Wire DTOs of ODFS, spelled as the vendor does (`appKey` beside `auth_token`).
//!
//! The request types hold credentials (the app secret, the token), so they have no `Debug`: they
//! exist only for the moment they are serialized.

use serde::{Deserialize, Serialize};

use crate::endpoint::opt_string_or_number;

/// Body of `POST oifde/rest/api/gettoken`.
#[derive(Serialize)]
pub(super) struct TokenRequest<'a> {
    #[serde(rename = "appKey")]
    pub app_key: &'a str,
    #[serde(rename = "appSecret")]
    pub app_secret: &'a str,
}

/// Answer of `gettoken`. `errorCode` is documented as an integer; a string is accepted too.
#[derive(Deserialize)]
pub(super) struct TokenAnswer {
    #[serde(rename = "errorCode", default, deserialize_with = "opt_string_or_number")]
    pub error_code: Option<String>,
    #[serde(rename = "errorMsg", default)]
    pub error_msg: Option<String>,
    #[serde(rename = "authToken", default)]
    pub auth_token: Option<String>,
    /// Lifetime in seconds; a string is accepted too.
    #[serde(rename = "expireTime", default, deserialize_with = "opt_string_or_number")]
    pub expire_time: Option<String>,
}

/// `inaction` of a packet-capture recording request, and the `outaction` that confirms it.
pub(super) const INACTION_RECORD: u8 = 7;

/// Body of `POST oifde/rest/crs/process` for `inaction` 7.
#[derive(Serialize)]
pub(super) struct ProcessRequest<'a> {
    pub userid: &'a str,
    pub inaction: u8,
    pub inparams: RecordParams<'a>,
}

/// `inparams` of `inaction` 7. Optional fields that are empty are left out, as in the vendor's
/// example (which has no `real_callee` and no `cti_callid`).
#[derive(Serialize)]
pub(super) struct RecordParams<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_sor_id: Option<&'a str>,
    pub call_dst_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub real_callee: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cti_callid: Option<&'a str>,
    pub auth_token: &'a str,
}

/// Answer of `crs/process`. `ret` and `outaction` come as strings in the example and as numbers in
/// the table; both are read.
#[derive(Debug, Deserialize)]
pub(super) struct ProcessAnswer {
    #[serde(default, deserialize_with = "opt_string_or_number")]
    pub ret: Option<String>,
    /// An OIAP-style code, read only when `ret` is absent.
    #[serde(rename = "errorCode", default, deserialize_with = "opt_string_or_number")]
    pub error_code: Option<String>,
    #[serde(default)]
    pub userid: Option<String>,
    #[serde(default, deserialize_with = "opt_string_or_number")]
    pub outaction: Option<String>,
    #[serde(default)]
    pub outparams: Option<serde_json::Value>,
    #[serde(rename = "errorMsg", default)]
    pub error_msg: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
}

impl ProcessAnswer {
    /// The result code: `ret`, else `errorCode`, else none.
    pub fn code(&self) -> Option<&str> {
        self.ret.as_deref().or(self.error_code.as_deref())
    }

    /// The service's own words about a refusal, possibly empty.
    pub fn text(&self) -> String {
        self.error_msg.clone().or_else(|| self.message.clone()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The vendor's examples, as the fixture files hold them.
    const TOKEN_ANSWER: &str = include_str!("../../tests/fixtures/odfs/gettoken_response.json");
    const PROCESS_ANSWER: &str = include_str!("../../tests/fixtures/odfs/process_record_response.json");

    #[test]
    fn the_vendor_answers_parse() {
        let t: TokenAnswer = serde_json::from_str(TOKEN_ANSWER).unwrap();
        assert_eq!((t.error_code.as_deref(), t.expire_time.as_deref()), (Some("0"), Some("3600")));
        assert_eq!(t.auth_token.as_deref(), Some("2***"));
        let p: ProcessAnswer = serde_json::from_str(PROCESS_ANSWER).unwrap();
        assert_eq!((p.code(), p.outaction.as_deref()), (Some("0"), Some("7")));
        assert_eq!(p.outparams, Some(serde_json::json!({})));
    }

    #[test]
    fn numeric_codes_are_read_as_text() {
        let p: ProcessAnswer = serde_json::from_str(r#"{"ret":0,"outaction":7}"#).unwrap();
        assert_eq!((p.code(), p.outaction.as_deref()), (Some("0"), Some("7")));
        let p: ProcessAnswer = serde_json::from_str(r#"{"errorCode":900001,"errorMsg":"token expired"}"#).unwrap();
        assert_eq!((p.code(), p.text().as_str()), (Some("900001"), "token expired"));
        let t: TokenAnswer = serde_json::from_str(r#"{"errorCode":"200800002","expireTime":null}"#).unwrap();
        assert_eq!((t.error_code.as_deref(), t.expire_time), (Some("200800002"), None));
    }

    #[test]
    fn empty_optional_params_are_left_out() {
        let body = ProcessRequest {
            userid: "1-1",
            inaction: INACTION_RECORD,
            inparams: RecordParams {
                call_id: Some("1-1"),
                call_sor_id: None,
                call_dst_id: "10086",
                real_callee: None,
                cti_callid: None,
                auth_token: "t",
            },
        };
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            serde_json::json!({"userid": "1-1", "inaction": 7, "inparams": {"call_id": "1-1", "call_dst_id": "10086", "auth_token": "t"}})
        );
    }
}
