//! [`OdfsClient`]: one tenant's HTTP conversation with ODFS, and the token it keeps.

use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use tokio::time::Instant;
use url::Url;

use super::error::OdfsError;
use super::record::{RecordRequest, RecordStarted};
use super::types::{ProcessAnswer, ProcessRequest, RecordParams, TokenAnswer, TokenRequest, INACTION_RECORD};
use crate::endpoint::{self, snippet};

/// Timeout of every request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// A token's lifetime when `gettoken` names none (§D.5).
const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);
/// The longest lifetime believed; see the module docs.
const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);
/// A token is renewed this long before it runs out (or a tenth of its lifetime, if that is less),
/// so a request never leaves with a token that expires on the way.
const RENEW_MARGIN: Duration = Duration::from_secs(60);

const GETTOKEN_PATH: &str = "oifde/rest/api/gettoken";

/// Where ODFS is and which tenant speaks. The app secret is passed apart, as [`AppSecret`].
#[derive(Debug, Clone)]
pub struct OdfsConfig {
    /// `https://host:port/` of OIAP (on the NSLB); a path prefix is kept. Plain `http` is refused
    /// except on loopback, where the simulator runs.
    pub base_url: Url,
    /// The tenant space id (`appKey`), as the tenant console's `TenantId` cookie shows it. Not a
    /// secret.
    pub app_key: String,
    /// With grey routing, the VDN id: requests then go to `oifde/rest/v2/crs/process/{vdnId}`.
    pub vdn_id: Option<u32>,
    /// How the service's certificate is trusted (OS roots by default).
    pub tls: crate::tls::TlsTrust,
}

/// The tenant's API password (`appSecret`), set under *Robot management > … > API password*.
/// Its `Debug` is redacted and it has no `Display`, so it cannot end up in a log by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct AppSecret(String);

impl AppSecret {
    /// Wraps the secret as read from the keychain.
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for AppSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AppSecret(<redacted>)")
    }
}

/// An `authToken`, kept out of every `Debug` print.
#[derive(Clone, PartialEq, Eq)]
struct AuthToken(String);

impl std::fmt::Debug for AuthToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuthToken(<redacted>)")
    }
}

/// The token in use and when to stop using it.
#[derive(Debug)]
struct CachedToken {
    token: AuthToken,
    renew_at: Instant,
}

/// One tenant's ODFS client. Cheap to clone; clones share the token.
///
/// The token is fetched on the first request, kept until shortly before it expires (60 s, or a
/// tenth of its lifetime if that is less), then fetched again on demand. A request that ODFS
/// refuses for its token (900001, 900002) makes the client drop the token, fetch a new one and
/// send the request once more. Fetches are serialized: concurrent requests that find no valid
/// token wait for one `gettoken`, not one each.
#[derive(Debug, Clone)]
pub struct OdfsClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    base_url: Url,
    app_key: String,
    secret: AppSecret,
    /// `oifde/rest/crs/process`, or the v2 path with the VDN id.
    process_path: String,
    /// An async mutex, held across `gettoken` on purpose: that is what serializes fetches.
    token: tokio::sync::Mutex<Option<CachedToken>>,
}

impl OdfsClient {
    /// Builds a client. Nothing is sent until the first request.
    pub fn new(config: OdfsConfig, secret: AppSecret) -> Result<Self, OdfsError> {
        let base_url = endpoint::base_url(config.base_url, "the ODFS address").map_err(OdfsError::BadAddress)?;
        let http = endpoint::http_client(&config.tls, false).map_err(|e| match e {
            endpoint::SetupError::Trust(text) => OdfsError::BadAddress(text),
            endpoint::SetupError::Client(e) => OdfsError::Transport(e),
        })?;
        let process_path = match config.vdn_id {
            Some(vdn) => format!("oifde/rest/v2/crs/process/{vdn}"),
            None => "oifde/rest/crs/process".to_owned(),
        };
        let inner = Inner {
            http,
            base_url,
            app_key: config.app_key,
            secret,
            process_path,
            token: tokio::sync::Mutex::new(None),
        };
        Ok(Self { inner: Arc::new(inner) })
    }

    /// Starts the packet-capture recording of a call (`crs/process`, `inaction` 7).
    ///
    /// The request is checked first ([`RecordRequest::validate`]); a broken limit is
    /// [`OdfsError::Invalid`] and nothing is sent, not even `gettoken`. `Ok` means ODFS answered
    /// `ret` 0 with `outaction` 7; `ret` 0 with another `outaction` is
    /// [`OdfsError::NotStarted`].
    pub async fn start_recording(&self, request: &RecordRequest) -> Result<RecordStarted, OdfsError> {
        request.validate()?;
        let mut token = self.token().await?;
        let mut renewed = false;
        loop {
            let answer = self.process(request, &token).await?;
            match answer.code() {
                Some("0") => return confirmed(answer),
                Some(code @ ("900001" | "900002")) if !renewed => {
                    tracing::info!(callid = %request.call_id, code, "ODFS refused its token; renewing it and sending again once");
                    self.forget(&token).await;
                    token = self.token().await?;
                    renewed = true;
                }
                Some(code) => {
                    tracing::info!(callid = %request.call_id, code, "ODFS refused the recording");
                    return Err(OdfsError::Refused { code: code.to_owned(), message: answer.text() });
                }
                None => {
                    return Err(OdfsError::Decode {
                        source: serde::de::Error::custom("the answer has no ret"),
                        body_snippet: String::new(),
                    })
                }
            }
        }
    }

    /// Fetches a new token now, dropping the one held: a check of the tenant key and API
    /// password (for a settings page's "test" button). The token is kept for later requests.
    pub async fn check_credentials(&self) -> Result<(), OdfsError> {
        let mut slot = self.inner.token.lock().await;
        *slot = None;
        *slot = Some(self.fetch_token().await?);
        Ok(())
    }

    /// The token to use: the one held while it is fresh, else a new one.
    async fn token(&self) -> Result<AuthToken, OdfsError> {
        let mut slot = self.inner.token.lock().await;
        if let Some(held) = slot.as_ref().filter(|c| Instant::now() < c.renew_at) {
            return Ok(held.token.clone());
        }
        *slot = None;
        let fresh = self.fetch_token().await?;
        let token = fresh.token.clone();
        *slot = Some(fresh);
        Ok(token)
    }

    /// Drops `used` if it is still the token held (another request may have renewed it already).
    async fn forget(&self, used: &AuthToken) {
        let mut slot = self.inner.token.lock().await;
        if slot.as_ref().is_some_and(|c| c.token == *used) {
            *slot = None;
        }
    }

    /// `POST gettoken`. Its answers may hold a token, so no error keeps any of their bytes.
    async fn fetch_token(&self) -> Result<CachedToken, OdfsError> {
        let body = TokenRequest { app_key: &self.inner.app_key, app_secret: self.inner.secret.expose() };
        tracing::debug!(app_key = %self.inner.app_key, app_secret_len = body.app_secret.len(), "gettoken");
        // The lifetime counts from the request, which is never later than when ODFS issued it.
        let asked_at = Instant::now();
        let (status, bytes) = self.post(GETTOKEN_PATH, &body).await?;
        if status != StatusCode::OK {
            return Err(OdfsError::Status { status: status.as_u16(), body_snippet: String::new() });
        }
        let answer: TokenAnswer =
            serde_json::from_slice(&bytes).map_err(|source| OdfsError::Decode { source, body_snippet: String::new() })?;
        if let Some(code) = answer.error_code.filter(|c| c != "0") {
            return Err(OdfsError::TokenRefused { code, message: answer.error_msg.unwrap_or_default() });
        }
        let token = answer.auth_token.filter(|t| !t.is_empty()).ok_or_else(|| OdfsError::Decode {
            source: serde::de::Error::custom("the answer has no authToken"),
            body_snippet: String::new(),
        })?;
        let lifetime = token_lifetime(answer.expire_time.as_deref());
        tracing::debug!(token_len = token.len(), lifetime_s = lifetime.as_secs(), "gettoken: token received");
        Ok(CachedToken { token: AuthToken(token), renew_at: asked_at + lifetime - renew_margin(lifetime) })
    }

    /// `POST crs/process` with `inaction` 7.
    async fn process(&self, r: &RecordRequest, token: &AuthToken) -> Result<ProcessAnswer, OdfsError> {
        let body = ProcessRequest {
            userid: &r.call_id,
            inaction: INACTION_RECORD,
            inparams: RecordParams {
                call_id: Some(&r.call_id),
                call_sor_id: non_empty(&r.call_sor_id),
                call_dst_id: &r.call_dst_id,
                real_callee: non_empty(&r.real_callee),
                cti_callid: non_empty(&r.cti_callid),
                auth_token: &token.0,
            },
        };
        tracing::debug!(callid = %r.call_id, token_len = token.0.len(), path = %self.inner.process_path, "crs/process inaction 7");
        let (status, bytes) = self.post(&self.inner.process_path, &body).await?;
        if status != StatusCode::OK {
            return Err(OdfsError::Status { status: status.as_u16(), body_snippet: snippet(&bytes) });
        }
        serde_json::from_slice(&bytes).map_err(|source| OdfsError::Decode { source, body_snippet: snippet(&bytes) })
    }

    async fn post(&self, path: &str, body: &impl serde::Serialize) -> Result<(StatusCode, Vec<u8>), OdfsError> {
        let url = self
            .inner
            .base_url
            .join(path)
            .map_err(|e| OdfsError::BadAddress(format!("cannot build an ODFS URL: {e}")))?;
        let bytes = serde_json::to_vec(body).map_err(|source| OdfsError::Decode { source, body_snippet: String::new() })?;
        let resp = self
            .inner
            .http
            .post(url)
            .timeout(REQUEST_TIMEOUT)
            .header(reqwest::header::CONTENT_TYPE, "application/json; charset=UTF-8")
            .body(bytes)
            .send()
            .await
            .map_err(OdfsError::Transport)?;
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(OdfsError::Transport)?;
        Ok((status, bytes.to_vec()))
    }
}

/// `ret` was 0: the recording runs only if `outaction` is 7 as well.
fn confirmed(answer: ProcessAnswer) -> Result<RecordStarted, OdfsError> {
    let outaction = answer.outaction.unwrap_or_default();
    if outaction != INACTION_RECORD.to_string() {
        return Err(OdfsError::NotStarted { outaction });
    }
    Ok(RecordStarted {
        userid: answer.userid.unwrap_or_default(),
        outparams: answer.outparams.unwrap_or_else(|| serde_json::json!({})),
    })
}

fn non_empty(v: &Option<String>) -> Option<&str> {
    v.as_deref().filter(|s| !s.trim().is_empty())
}

/// The lifetime `expireTime` names: seconds, 3600 when absent, unreadable or not positive, at
/// most a day.
fn token_lifetime(expire_time: Option<&str>) -> Duration {
    match expire_time.and_then(|t| t.trim().parse::<u64>().ok()) {
        Some(secs) if secs > 0 => Duration::from_secs(secs).min(MAX_TOKEN_LIFETIME),
        _ => DEFAULT_TOKEN_LIFETIME,
    }
}

/// How long before its end a token of this lifetime is renewed.
fn renew_margin(lifetime: Duration) -> Duration {
    RENEW_MARGIN.min(lifetime / 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_default_to_an_hour_and_are_capped_at_a_day() {
        assert_eq!(token_lifetime(Some("3600")), Duration::from_secs(3600));
        assert_eq!(token_lifetime(Some("120")), Duration::from_secs(120));
        assert_eq!(token_lifetime(None), DEFAULT_TOKEN_LIFETIME);
        assert_eq!(token_lifetime(Some("0")), DEFAULT_TOKEN_LIFETIME);
        assert_eq!(token_lifetime(Some("soon")), DEFAULT_TOKEN_LIFETIME);
        assert_eq!(token_lifetime(Some("1784529722")), MAX_TOKEN_LIFETIME, "a timestamp is not a lifetime");
    }

    #[test]
    fn tokens_are_renewed_a_minute_early_or_a_tenth_of_a_short_life() {
        assert_eq!(renew_margin(Duration::from_secs(3600)), Duration::from_secs(60));
        assert_eq!(renew_margin(Duration::from_secs(120)), Duration::from_secs(12));
    }

    #[test]
    fn the_v2_path_carries_the_vdn_and_plain_http_needs_loopback() {
        let config = |url: &str, vdn_id| OdfsConfig {
            base_url: url.parse().unwrap(),
            app_key: "tenant-1".into(),
            vdn_id,
            tls: Default::default(),
        };
        let c = OdfsClient::new(config("https://oiap.example.com:18443", Some(7)), AppSecret::new("s")).unwrap();
        assert_eq!(c.inner.process_path, "oifde/rest/v2/crs/process/7");
        let c = OdfsClient::new(config("http://127.0.0.1:9", None), AppSecret::new("s")).unwrap();
        assert_eq!(c.inner.process_path, "oifde/rest/crs/process");
        let e = OdfsClient::new(config("http://oiap.example.com", None), AppSecret::new("s")).unwrap_err();
        assert_eq!(e.to_string(), "the ODFS address must start with https:// (plain http is allowed only for a simulator on this computer)");
    }

    #[test]
    fn secrets_are_redacted() {
        assert_eq!(format!("{:?}", AppSecret::new("hunter2")), "AppSecret(<redacted>)");
        assert_eq!(format!("{:?}", AuthToken("eyJhbG".into())), "AuthToken(<redacted>)");
    }
}
