//! [`CcfsClient`]: one developer's (AK/SK) requests to CC-FS: `queryBillData` and
//! `downloadBillFile`, each body serialized once and signed exactly as sent.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use chrono_tz::Tz;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use url::Url;

use super::error::CcfsError;
use super::query::{BillQuery, TIME_FORMAT};
use super::sign::{authorization, Credentials, SignOptions, SignedParts};
use super::types::{Answer, DownloadBody, Envelope, QueryBody};
use crate::endpoint::{self, snippet};

/// The `Content-Type` of every request, as the vendor's example writes it.
pub const JSON_CONTENT_TYPE: &str = "application/json;charset=UTF-8";
const QUERY_PATH: &str = "CCFS/resource/ccfs/queryBillData";
const DOWNLOAD_PATH: &str = "CCFS/resource/ccfs/downloadBillFile";
/// Timeout of `queryBillData`.
const QUERY_TIMEOUT: Duration = Duration::from_secs(15);
/// Timeout of a download (a month of CDRs can be tens of megabytes).
const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(300);
/// The longest `billFileName` CC-FS takes.
pub const MAX_BILL_FILE_NAME: usize = 49;

/// Where CC-FS is and how to sign. The credentials are passed apart.
#[derive(Debug, Clone)]
pub struct CcfsConfig {
    /// `https://host:port/` of CC-FS (or the NSLB); a path prefix is kept. Plain `http` only on
    /// loopback, where the simulator runs.
    pub base_url: Url,
    /// The tenant space's time zone, in which `beginTime` and `endTime` are written.
    pub zone: Tz,
    /// How CC-FS's certificate is trusted.
    pub tls: crate::tls::TlsTrust,
    /// The UNCONFIRMED parts of auth-v2.
    pub sign: SignOptions,
}

/// One developer's CC-FS client. Cheap to clone.
#[derive(Debug, Clone)]
pub struct CcfsClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    base_url: Url,
    zone: Tz,
    credentials: Credentials,
    sign: SignOptions,
}

impl CcfsClient {
    /// Builds a client; nothing is sent yet.
    pub fn new(config: CcfsConfig, credentials: Credentials) -> Result<Self, CcfsError> {
        let base_url = endpoint::base_url(config.base_url, "the CC-FS address").map_err(CcfsError::BadAddress)?;
        let http = endpoint::http_client(&config.tls, false).map_err(|e| match e {
            endpoint::SetupError::Trust(text) => CcfsError::BadAddress(text),
            endpoint::SetupError::Client(e) => CcfsError::Transport(e),
        })?;
        Ok(Self { inner: Arc::new(Inner { http, base_url, zone: config.zone, credentials, sign: config.sign }) })
    }

    /// The tenant's time zone.
    pub fn zone(&self) -> Tz {
        self.inner.zone
    }

    /// Asks CC-FS to generate the files of `query` and call `callback_url` when they are ready;
    /// returns the `responseId`. The query is checked first ([`BillQuery::validate`]): a broken
    /// limit is [`CcfsError::Invalid`] and nothing is sent.
    pub async fn query_bill_data(&self, query: &BillQuery, callback_url: &Url) -> Result<String, CcfsError> {
        query.validate(self.inner.zone)?;
        if !matches!(callback_url.scheme(), "https" | "http") {
            return Err(CcfsError::BadAddress(format!("the callback address must start with https://, not {}://", callback_url.scheme())));
        }
        let filters = query.filters.clone().normalized()?;
        let body = Envelope::new(QueryBody {
            begin_time: query.begin.format(TIME_FORMAT).to_string(),
            end_time: query.end.format(TIME_FORMAT).to_string(),
            account_id: filters.account_id.as_deref(),
            agent_id: filters.agent_id.as_deref(),
            call_id: filters.call_id.as_deref(),
            caller_no: filters.caller_no.as_deref(),
            callee_no: filters.callee_no.as_deref(),
            callee_no2: filters.callee_no2.as_deref(),
            data_type: query.data_type.wire(),
            call_back_url: callback_url.as_str(),
        });
        let (status, _, bytes) = self.post(QUERY_PATH, &body, QUERY_TIMEOUT).await?;
        check_status(status, &bytes)?;
        let answer = decode(&bytes)?;
        match answer.code() {
            Some("0") => answer.response_id().filter(|id| !id.is_empty()).map(str::to_owned).ok_or_else(|| CcfsError::Decode {
                reason: "the answer has no resultData.responseId".into(),
                body_snippet: snippet(&bytes),
            }),
            Some(code) => Err(CcfsError::Refused { code: code.to_owned(), message: answer.text() }),
            None => Err(CcfsError::Decode { reason: "the answer has no resultCode".into(), body_snippet: snippet(&bytes) }),
        }
    }

    /// Downloads `bill_file_name` (as the callback named it): the ZIP's bytes. CC-FS answers a
    /// failure with JSON and HTTP 200, so the `Content-Type` decides which it is.
    pub async fn download_bill_file(&self, bill_file_name: &str) -> Result<Vec<u8>, CcfsError> {
        let chars = bill_file_name.chars().count();
        if chars == 0 || chars > MAX_BILL_FILE_NAME {
            return Err(CcfsError::BadAddress(format!(
                "the file name from the callback has {chars} characters; CC-FS takes 1 to {MAX_BILL_FILE_NAME}"
            )));
        }
        let body = Envelope::new(DownloadBody { bill_file_name });
        let (status, content_type, bytes) = self.post(DOWNLOAD_PATH, &body, DOWNLOAD_TIMEOUT).await?;
        check_status(status, &bytes)?;
        if content_type.to_ascii_lowercase().contains("json") {
            let answer = decode(&bytes)?;
            return Err(CcfsError::Refused {
                code: answer.code().unwrap_or("?").to_owned(),
                message: answer.text(),
            });
        }
        Ok(bytes)
    }

    /// Serializes `body` once, signs those bytes and sends them.
    async fn post<T: serde::Serialize>(&self, path: &str, body: &T, timeout: Duration) -> Result<(u16, String, Vec<u8>), CcfsError> {
        let url = self.inner.base_url.join(path).map_err(|e| CcfsError::BadAddress(format!("the CC-FS address cannot take {path}: {e}")))?;
        let bytes = serde_json::to_vec(body).map_err(|e| CcfsError::Decode { reason: e.to_string(), body_snippet: String::new() })?;
        let host = host_header(&url)?;
        let parts = SignedParts { method: "POST", path: url.path(), query: &[], host: &host, content_type: JSON_CONTENT_TYPE, body: &bytes };
        let signature = authorization(&self.inner.credentials, self.inner.sign, Utc::now(), &parts);
        tracing::debug!(path, body_len = bytes.len(), "CC-FS request");
        let response = self
            .inner
            .http
            .post(url)
            .timeout(timeout)
            .header(CONTENT_TYPE, JSON_CONTENT_TYPE)
            .header(AUTHORIZATION, signature)
            .body(bytes)
            .send()
            .await
            .map_err(CcfsError::Transport)?;
        let status = response.status().as_u16();
        let content_type = response.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        let bytes = response.bytes().await.map_err(CcfsError::Transport)?;
        Ok((status, content_type, bytes.to_vec()))
    }
}

/// The `Host` header reqwest sends for `url`: the host, and the port unless it is the scheme's
/// default.
pub fn host_header(url: &Url) -> Result<String, CcfsError> {
    let host = url.host_str().ok_or_else(|| CcfsError::BadAddress("the CC-FS address has no host".into()))?;
    Ok(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    })
}

fn check_status(status: u16, bytes: &[u8]) -> Result<(), CcfsError> {
    match status {
        200 => Ok(()),
        401 => Err(CcfsError::Unauthorized),
        _ => Err(CcfsError::Status { status, body_snippet: snippet(bytes) }),
    }
}

fn decode(bytes: &[u8]) -> Result<Answer, CcfsError> {
    serde_json::from_slice(bytes).map_err(|e| CcfsError::Decode { reason: e.to_string(), body_snippet: snippet(bytes) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_header_drops_only_the_default_port() {
        let host = |u: &str| host_header(&u.parse().unwrap_or_else(|e| panic!("{u}: {e}"))).unwrap_or_default();
        assert_eq!(host("https://ccfs.example.com/"), "ccfs.example.com");
        assert_eq!(host("https://ccfs.example.com:443/"), "ccfs.example.com");
        assert_eq!(host("https://10.1.2.3:28443/"), "10.1.2.3:28443");
        assert_eq!(host("http://[::1]:8080/"), "[::1]:8080");
    }
}
