//! CC-FS wire bodies (huawei-ccfs-querybilldata.txt; huawei-protocols.md §E.4–E.5), spelled as
//! the vendor spells them. They stay at the boundary: the client turns them into its own types.

use serde::{Deserialize, Serialize};

/// The protocol version every body carries.
pub const VERSION: &str = "2.0";

/// `{"request": {"version": "2.0"}, "msgBody": …}`.
#[derive(Debug, Serialize)]
pub(crate) struct Envelope<T> {
    pub request: Version,
    #[serde(rename = "msgBody")]
    pub msg_body: T,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Version {
    pub version: String,
}

impl<T> Envelope<T> {
    pub fn new(msg_body: T) -> Self {
        Self { request: Version { version: VERSION.to_owned() }, msg_body }
    }
}

/// `queryBillData`'s `msgBody`. Empty filters are left out.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct QueryBody<'a> {
    pub begin_time: String,
    pub end_time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caller_no: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callee_no: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callee_no2: Option<&'a str>,
    pub data_type: &'static str,
    #[serde(rename = "callBackURL")]
    pub call_back_url: &'a str,
}

/// `downloadBillFile`'s `msgBody`.
#[derive(Debug, Serialize)]
pub(crate) struct DownloadBody<'a> {
    #[serde(rename = "billFileName")]
    pub bill_file_name: &'a str,
}

/// The answer of `queryBillData`, and the JSON error of `downloadBillFile`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Answer {
    #[serde(default, deserialize_with = "crate::endpoint::opt_string_or_number")]
    pub result_code: Option<String>,
    pub result_desc: Option<String>,
    /// An object with `responseId` on success; `""` on some errors.
    pub result_data: Option<serde_json::Value>,
    /// The legacy result object.
    pub response: Option<LegacyResult>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LegacyResult {
    #[serde(default, deserialize_with = "crate::endpoint::opt_string_or_number")]
    pub result_code: Option<String>,
    pub result_msg: Option<String>,
}

impl Answer {
    /// The result code, from the current field or the legacy one.
    pub fn code(&self) -> Option<&str> {
        self.result_code.as_deref().or_else(|| self.response.as_ref().and_then(|r| r.result_code.as_deref()))
    }

    /// The description, from the current field or the legacy one.
    pub fn text(&self) -> String {
        self.result_desc
            .clone()
            .or_else(|| self.response.as_ref().and_then(|r| r.result_msg.clone()))
            .unwrap_or_default()
    }

    /// `resultData.responseId`.
    pub fn response_id(&self) -> Option<&str> {
        self.result_data.as_ref()?.get("responseId")?.as_str()
    }
}

/// What CC-FS posts to `callBackURL` once the files are ready.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CallbackBody {
    /// The files' id and name.
    #[serde(rename = "msgBody")]
    pub msg_body: CallbackMsg,
}

/// The callback's `msgBody`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallbackMsg {
    /// The id `queryBillData` answered with.
    pub response_id: String,
    /// The ZIP to download, used verbatim: `yyyyMMdd_{responseId without hyphens}.zip`.
    pub bill_file_name: String,
    /// The tenant space, when the query named one.
    #[serde(default)]
    pub account_id: Option<String>,
}

/// What the callback receiver answers on success (the reference suggests this body; CC-FS takes an
/// empty one as a failure and calls again).
pub const CALLBACK_SUCCESS: &str = r#"{"resultCode":"0","resultDesc":"success"}"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_vendor_examples() {
        let answer: Answer = serde_json::from_str(
            r#"{"resultData":{"responseId":"9239cb50a8384bb0ab503441bf089446"},"resultCode":"0","resultDesc":"success"}"#,
        )
        .unwrap_or_default();
        assert_eq!(answer.code(), Some("0"));
        assert_eq!(answer.response_id(), Some("9239cb50a8384bb0ab503441bf089446"));
        let callback: CallbackBody = serde_json::from_str(
            r#"{"request":{"version":"2.0"},"msgBody":{"responseId":"9239cb50a8384bb0ab503441bf089446",
                "billFileName":"20180702_9239cb50a8384bb0ab503441bf089446.zip","accountId":""}}"#,
        )
        .map_err(|e| e.to_string())
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(callback.msg_body.bill_file_name, "20180702_9239cb50a8384bb0ab503441bf089446.zip");
        assert_eq!(callback.msg_body.account_id.as_deref(), Some(""));
        let legacy: Answer = serde_json::from_str(r#"{"response":{"version":"2.0","resultCode":"1001","resultMsg":"bad"}}"#).unwrap_or_default();
        assert_eq!((legacy.code(), legacy.text().as_str()), (Some("1001"), "bad"));
    }

    #[test]
    fn leaves_empty_filters_out_and_spells_fields_as_the_vendor() {
        let body = Envelope::new(QueryBody {
            begin_time: "2018-06-29 10:42:49".into(),
            end_time: "2018-07-02 10:42:49".into(),
            account_id: None,
            agent_id: Some("1001"),
            call_id: None,
            caller_no: None,
            callee_no: None,
            callee_no2: Some("88"),
            data_type: "call_record",
            call_back_url: "https://10.57.118.171:8000",
        });
        assert_eq!(
            serde_json::to_string(&body).unwrap_or_default(),
            r#"{"request":{"version":"2.0"},"msgBody":{"beginTime":"2018-06-29 10:42:49","endTime":"2018-07-02 10:42:49","agentId":"1001","calleeNo2":"88","dataType":"call_record","callBackURL":"https://10.57.118.171:8000"}}"#
        );
    }
}
