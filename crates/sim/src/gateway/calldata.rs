//! Call-associated data: `PUT calldata/{agentid}/setcalldataex` and
//! `GET calldata/{agentid}/appdata` (`reference/huawei-protocols.md` §A.10).
//!
//! Rules kept from the vendor documents:
//! - the agent must be in a call. A `callid`, when given, must be that call; without one the
//!   agent's call is meant. Otherwise `400-001`, the one code the documents list for this
//!   interface that is not about parameters or the session (its meaning is UNCONFIRMED);
//! - `isDataEncoded` is a boolean in the table (default false), but the vendor's example sends
//!   the string `"true"`: `true`, `"true"`, `false`, `"false"` and absent are all accepted. When
//!   set, `calldata` must be Base64 and its decoded bytes are stored; otherwise the text's UTF-8
//!   bytes are;
//! - at most 16 KB (16 384 bytes) of original content; more, or anything malformed, is `000-002`;
//! - each set replaces the call's data. The data outlives the call, so it can be read after;
//! - `appdata` answers a string: Base64 with `isEncodeResult=true`, the bytes as text otherwise
//!   (anything but `true` counts as false), `""` when nothing is stored. The vendor's URI spells
//!   the query key `callId`, its table `callid`: both are accepted;
//! - call data is sensitive: only its length (`calldatalength`) is logged, never the content.
//!
//! Where the documents are silent: an empty `callid` counts as absent, and an `appdata` request
//! that names no call while the agent has none is `000-002` (nothing says which call is meant).
//!
//! For tests, a failure rate applies to these two routes only: each request then fails with that
//! probability, as HTTP 503, as retcode `100-007`, or as a connection reset in the middle of the
//! answer, picked at random so a client meets every kind.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use rand::Rng as _;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{check_guid, envelope, load, param_error, with_guid, Admitted, GatewayControl};

/// Most original content the gateway keeps for one call (16 KB).
const MAX_BYTES: usize = 16 * 1024;

/// Call data of every call, by call id, and the failure rate of the call-data routes.
#[derive(Debug, Default)]
pub(super) struct CallDataStore {
    by_call: HashMap<String, Stored>,
    /// Probability in 0..=1 that a call-data request fails; 0 by default.
    failure_rate: f64,
}

/// What one call carries.
#[derive(Debug)]
struct Stored {
    bytes: Vec<u8>,
    /// Successful sets, so tests can tell a replaced value from one set once.
    sets: u32,
}

impl GatewayControl {
    /// The bytes stored with the call `call_id`, if any set succeeded (kept after the call ends).
    pub fn call_data(&self, call_id: &str) -> Option<Vec<u8>> {
        self.with_call_data(|s| s.by_call.get(call_id).map(|d| d.bytes.clone()))
    }

    /// How many times call data was set successfully for the call `call_id`.
    pub fn call_data_sets(&self, call_id: &str) -> u32 {
        self.with_call_data(|s| s.by_call.get(call_id).map_or(0, |d| d.sets))
    }

    /// Makes each later `setcalldataex` or `appdata` request fail with probability `rate`
    /// (clamped to 0..=1), as HTTP 503, retcode `100-007` or a connection reset, at random. Other
    /// routes are not affected.
    pub fn set_call_data_failure_rate(&self, rate: f64) {
        let rate = if rate.is_nan() {
            0.0
        } else {
            rate.clamp(0.0, 1.0)
        };
        self.with_call_data(|s| s.failure_rate = rate);
    }

    fn with_call_data<T>(&self, f: impl FnOnce(&mut CallDataStore) -> T) -> T {
        let mut g = self
            .inner
            .call_data
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        f(&mut g)
    }

    /// The failure this request meets, if the dice say so.
    fn call_data_failure(&self) -> Option<Response> {
        let rate = self.with_call_data(|s| s.failure_rate);
        let mut rng = rand::thread_rng();
        if rate <= 0.0 || !rng.gen_bool(rate) {
            return None;
        }
        Some(match rng.gen_range(0..3) {
            0 => (StatusCode::SERVICE_UNAVAILABLE, "injected fault").into_response(),
            1 => Json(json!({"message": "injected fault", "retcode": "100-007", "result": {}}))
                .into_response(),
            _ => super::faults::reset_response(),
        })
    }

    /// The id of the agent's call, whatever its state.
    fn live_call_id(&self, agent: u32) -> Option<String> {
        self.with_agents(|a| a.get(&agent)?.call.as_ref().map(|c| c.id.clone()))
    }
}

/// The vendor routes of this module.
pub(super) fn routes() -> Router<GatewayControl> {
    Router::new()
        .route(
            "/agentgateway/resource/calldata/{agentid}/setcalldataex",
            put(set_call_data),
        )
        .route(
            "/agentgateway/resource/calldata/{agentid}/appdata",
            get(query_call_data),
        )
}

/// The control routes of this module (no faults apply to them).
pub(super) fn control_routes() -> Router<GatewayControl> {
    Router::new()
        .route(
            "/_sim/gateway/calls/{callid}/calldata",
            get(control_call_data),
        )
        .route("/_sim/gateway/calldata-faults", post(control_failure_rate))
}

/// What both call-data routes do first: the injected failure, which strikes before the gateway
/// sees the request (like the global faults), then the agent id and the Guid. `Err` is the answer
/// to give at once (boxed: a `Response` is large, and this is the rare path).
fn admit(
    ctl: &GatewayControl,
    raw: &str,
    headers: &HeaderMap,
) -> Result<(u32, Admitted), Box<Response>> {
    if let Some(failure) = ctl.call_data_failure() {
        return Err(Box::new(failure));
    }
    let Some(agent) = super::agent_id(raw) else {
        return Err(Box::new(param_error()));
    };
    let admitted = check_guid(ctl, agent, headers).map_err(|text| Box::new(envelope(text)))?;
    Ok((agent, admitted))
}

fn no_such_call() -> Response {
    Json(json!({"message": "the agent is not in this call", "retcode": "400-001", "result": {}}))
        .into_response()
}

/// A `setcalldataex` body that passed the parameter checks.
struct SetRequest {
    call_id: Option<String>,
    bytes: Vec<u8>,
}

/// Reads a `setcalldataex` body; `None` is a parameter error (`000-002`).
fn parse_set(body: &[u8]) -> Option<SetRequest> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let fields = value.as_object()?;
    let encoded = match fields.get("isDataEncoded") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => true,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => false,
        Some(_) => return None,
    };
    let call_id = match fields.get("callid") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()).filter(|s| !s.is_empty()),
        Some(_) => return None,
    };
    let text = match fields.get("calldata") {
        None | Some(Value::Null) => "",
        Some(Value::String(s)) => s.as_str(),
        Some(_) => return None,
    };
    let bytes = if encoded {
        STANDARD.decode(text).ok()?
    } else {
        text.as_bytes().to_vec()
    };
    (bytes.len() <= MAX_BYTES).then_some(SetRequest { call_id, bytes })
}

async fn set_call_data(
    State(ctl): State<GatewayControl>,
    Path(raw): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (agent, admitted) = match admit(&ctl, &raw, &headers) {
        Ok(admitted) => admitted,
        Err(answer) => return *answer,
    };
    let answer = match parse_set(&body) {
        None => {
            tracing::debug!(agent, "setcalldataex: parameter error");
            param_error()
        }
        Some(request) => match (request.call_id, ctl.live_call_id(agent)) {
            (named, Some(live)) if named.as_ref().is_none_or(|n| *n == live) => {
                let length = request.bytes.len();
                ctl.with_call_data(|s| {
                    let stored = s.by_call.entry(live.clone()).or_insert(Stored {
                        bytes: Vec::new(),
                        sets: 0,
                    });
                    stored.bytes = request.bytes;
                    stored.sets += 1;
                });
                tracing::debug!(agent, callid = %live, calldatalength = length, "setcalldataex: stored");
                envelope(super::fixture!("calldata_set_response.json"))
            }
            (named, _) => {
                tracing::debug!(agent, callid = ?named, "setcalldataex: the agent is not in this call");
                no_such_call()
            }
        },
    };
    with_guid(answer, admitted.new_guid)
}

async fn query_call_data(
    State(ctl): State<GatewayControl>,
    Path(raw): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let (agent, admitted) = match admit(&ctl, &raw, &headers) {
        Ok(admitted) => admitted,
        Err(answer) => return *answer,
    };
    let encode = q
        .get("isEncodeResult")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let named = q
        .get("callId")
        .or_else(|| q.get("callid"))
        .filter(|s| !s.is_empty())
        .cloned();
    let Some(call_id) = named.or_else(|| ctl.live_call_id(agent)) else {
        return with_guid(param_error(), admitted.new_guid);
    };
    let bytes = ctl.call_data(&call_id).unwrap_or_default();
    tracing::debug!(agent, callid = %call_id, calldatalength = bytes.len(), "appdata");
    let result = if encode {
        STANDARD.encode(&bytes)
    } else {
        String::from_utf8_lossy(&bytes).into_owned()
    };
    let mut body = load(super::fixture!("calldata_query_response.json"));
    body["result"] = json!(result);
    with_guid(Json(body).into_response(), admitted.new_guid)
}

async fn control_call_data(
    State(ctl): State<GatewayControl>,
    Path(call_id): Path<String>,
) -> Response {
    let base64 = ctl.call_data(&call_id).map(|b| STANDARD.encode(b));
    Json(json!({"base64": base64, "sets": ctl.call_data_sets(&call_id)})).into_response()
}

#[derive(Deserialize)]
struct FailureRate {
    rate: f64,
}

async fn control_failure_rate(
    State(ctl): State<GatewayControl>,
    Json(r): Json<FailureRate>,
) -> Response {
    if !(0.0..=1.0).contains(&r.rate) {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "rate must be from 0 to 1"})),
        )
            .into_response();
    }
    ctl.set_call_data_failure_rate(r.rate);
    Json(json!({"ok": true})).into_response()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::test_desk::Desk;
    use super::*;
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    /// The `setcalldataex` route of agent 291, under `/agentgateway/resource/`.
    const SET: &str = "calldata/291/setcalldataex";

    impl Desk {
        /// The retcode of a `setcalldataex` with this body.
        async fn set(&self, body: Value) -> String {
            self.retcode("PUT", SET, body.to_string()).await
        }

        /// The envelope of an `appdata` with this query.
        async fn get(&self, query: &str) -> Value {
            self.envelope(
                "GET",
                &format!("calldata/291/appdata?{query}"),
                Body::empty(),
            )
            .await
        }
    }

    #[tokio::test(start_paused = true)]
    async fn set_and_read_back_in_every_encoding() {
        let d = Desk::signed_in().await;
        d.call("1-1", 60_000).await;
        assert_eq!(
            d.set(json!({"callid": "1-1", "calldata": "aGVsbG8=", "isDataEncoded": true}))
                .await,
            "0"
        );
        assert_eq!(
            d.ctl.call_data("1-1").as_deref(),
            Some(&b"hello"[..]),
            "Base64 is decoded before it is stored"
        );
        assert_eq!(
            d.get("isEncodeResult=true&callId=1-1").await,
            json!({"message": "", "retcode": "0", "result": "aGVsbG8="})
        );
        assert_eq!(
            d.get("isEncodeResult=false&callid=1-1").await["result"],
            "hello",
            "the table's spelling `callid` works too"
        );
        assert_eq!(
            d.get("callId=1-1").await["result"],
            "hello",
            "without isEncodeResult=true the text comes back"
        );

        assert_eq!(
            d.set(json!({"callid": "1-1", "calldata": "MTIzMw==", "isDataEncoded": "true"}))
                .await,
            "0",
            "the vendor example's string flag"
        );
        assert_eq!(d.ctl.call_data("1-1").as_deref(), Some(&b"1233"[..]));
        assert_eq!(
            d.set(json!({"calldata": "plain", "isDataEncoded": "false"}))
                .await,
            "0",
            "no callid: the agent's call"
        );
        assert_eq!(d.ctl.call_data("1-1").as_deref(), Some(&b"plain"[..]));
        assert_eq!(
            d.set(json!({"callid": "", "calldata": "aGVsbG8=", "isDataEncoded": false}))
                .await,
            "0"
        );
        assert_eq!(
            d.ctl.call_data("1-1").as_deref(),
            Some(&b"aGVsbG8="[..]),
            "unencoded text is stored as it is"
        );
        assert_eq!(
            d.set(json!({"callid": "1-1", "calldata": "x"})).await,
            "0",
            "the flag defaults to false"
        );
        assert_eq!(d.ctl.call_data("1-1").as_deref(), Some(&b"x"[..]));
        assert_eq!(
            d.ctl.call_data_sets("1-1"),
            5,
            "each successful set counts and replaces the previous value"
        );
        assert_eq!(
            d.get("isEncodeResult=true").await["result"],
            "eA==",
            "no callId: the agent's call"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn malformed_or_oversized_data_is_a_parameter_error() {
        let d = Desk::signed_in().await;
        d.call("1-1", 60_000).await;
        let full = STANDARD.encode(vec![0u8; MAX_BYTES]);
        assert_eq!(
            d.set(json!({"callid": "1-1", "calldata": full, "isDataEncoded": true}))
                .await,
            "0",
            "exactly 16 KB is kept"
        );
        let over = STANDARD.encode(vec![0u8; MAX_BYTES + 1]);
        assert_eq!(
            d.set(json!({"callid": "1-1", "calldata": over, "isDataEncoded": true}))
                .await,
            "000-002"
        );
        assert_eq!(
            d.set(json!({"callid": "1-1", "calldata": "é".repeat(MAX_BYTES / 2 + 1)}))
                .await,
            "000-002",
            "the limit counts UTF-8 bytes"
        );
        assert_eq!(
            d.set(json!({"callid": "1-1", "calldata": "not base64!", "isDataEncoded": true}))
                .await,
            "000-002"
        );
        assert_eq!(
            d.set(json!({"callid": "1-1", "calldata": "x", "isDataEncoded": "yes"}))
                .await,
            "000-002"
        );
        assert_eq!(
            d.set(json!({"callid": 11, "calldata": "x"})).await,
            "000-002"
        );
        assert_eq!(d.set(json!(["not", "an", "object"])).await, "000-002");
        assert_eq!(
            d.ctl.call_data("1-1").map(|b| b.len()),
            Some(MAX_BYTES),
            "a refused set leaves the stored value alone"
        );
        assert_eq!(d.ctl.call_data_sets("1-1"), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn the_agent_must_be_in_the_call() {
        let d = Desk::signed_in().await;
        assert_eq!(
            d.set(json!({"callid": "1-1", "calldata": "x"})).await,
            "400-001",
            "no call at all"
        );
        assert_eq!(
            d.set(json!({"calldata": "x"})).await,
            "400-001",
            "no call to default to"
        );
        assert_eq!(
            d.get("isEncodeResult=true").await["retcode"],
            "000-002",
            "a query that names no call, with no call up"
        );
        d.call("1-1", 1000).await;
        assert_eq!(
            d.set(json!({"callid": "2-2", "calldata": "x"})).await,
            "400-001",
            "another call"
        );
        assert_eq!(
            d.set(json!({"callid": "1-1", "calldata": "kept"})).await,
            "0"
        );
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert_eq!(
            d.set(json!({"callid": "1-1", "calldata": "late"})).await,
            "400-001",
            "the call has ended"
        );
        assert_eq!(
            d.get("callId=1-1").await["result"],
            "kept",
            "the data outlives the call"
        );
        assert_eq!(
            d.get("callId=9-9").await,
            json!({"message": "", "retcode": "0", "result": ""}),
            "nothing stored is an empty string"
        );
        assert_eq!(d.ctl.call_data("9-9"), None);
    }

    #[tokio::test(start_paused = true)]
    async fn the_guid_is_checked_like_everywhere_else() {
        let d = Desk::signed_in().await;
        d.call("1-1", 60_000).await;
        let mut req = d.request("PUT", SET, r#"{"calldata":"x"}"#);
        req.headers_mut().insert("Guid", "wrong".parse().unwrap());
        assert_eq!(d.send(req).await.1.unwrap()["retcode"], "000-003");
        let mut req = d.request("GET", "calldata/291/appdata?callId=1-1", Body::empty());
        req.headers_mut().remove("Guid");
        assert_eq!(
            d.send(req).await.1.unwrap()["retcode"],
            "000-003",
            "no Guid at all"
        );
        assert_eq!(d.ctl.call_data_sets("1-1"), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_rotated_guid_goes_back_on_call_data_answers() {
        let d = Desk::signed_in().await;
        d.call("1-1", 600_000).await;
        tokio::time::advance(Duration::from_secs(61)).await;
        let req = d.request("PUT", SET, r#"{"calldata":"x"}"#);
        let resp = d.app.clone().oneshot(req).await.unwrap();
        assert!(
            resp.headers().contains_key("set-guid"),
            "after 60 s (AUTHMODE 2) the answer carries the new Guid"
        );
    }

    #[tokio::test]
    async fn the_failure_rate_yields_every_kind_and_only_on_these_routes() {
        let d = Desk::signed_in().await;
        d.call("1-1", 600_000).await;
        d.ctl.set_call_data_failure_rate(1.0);
        let mut kinds = std::collections::BTreeSet::new();
        for i in 0..60 {
            let req = if i % 2 == 0 {
                d.request("PUT", SET, r#"{"calldata":"x"}"#)
            } else {
                d.request("GET", "calldata/291/appdata?callId=1-1", Body::empty())
            };
            let kind = match d.send(req).await {
                (StatusCode::SERVICE_UNAVAILABLE, _) => "503".to_owned(),
                (_, Err(_)) => "reset".to_owned(),
                (_, Ok(body)) => body["retcode"].as_str().unwrap().to_owned(),
            };
            kinds.insert(kind);
        }
        assert_eq!(
            kinds.into_iter().collect::<Vec<_>>(),
            ["100-007", "503", "reset"],
            "every request fails, in each way"
        );
        assert_eq!(
            d.ctl.call_data_sets("1-1"),
            0,
            "a failed request never reached the gateway"
        );
        assert_eq!(
            d.retcode("GET", "agentevent/291", Body::empty()).await,
            "0",
            "other routes are untouched"
        );

        d.ctl.set_call_data_failure_rate(0.0);
        for _ in 0..20 {
            assert_eq!(d.set(json!({"calldata": "x"})).await, "0");
        }
        assert_eq!(d.ctl.call_data_sets("1-1"), 20);
    }

    #[tokio::test(start_paused = true)]
    async fn control_routes_show_the_data_and_set_the_rate() {
        let d = Desk::signed_in().await;
        d.call("1-1", 60_000).await;
        assert_eq!(d.set(json!({"calldata": "hello"})).await, "0");
        let (_, body) = d
            .send(
                Request::get("/_sim/gateway/calls/1-1/calldata")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(body.unwrap(), json!({"base64": "aGVsbG8=", "sets": 1}));
        let (_, body) = d
            .send(
                Request::get("/_sim/gateway/calls/2-2/calldata")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(body.unwrap(), json!({"base64": null, "sets": 0}));

        let rate = |r: &str| {
            Request::post("/_sim/gateway/calldata-faults")
                .header("content-type", "application/json")
                .body(Body::from(format!(r#"{{"rate":{r}}}"#)))
                .unwrap()
        };
        assert_eq!(
            d.send(rate("1.5")).await.0,
            StatusCode::BAD_REQUEST,
            "a probability is at most 1"
        );
        assert_eq!(d.send(rate("1")).await.0, StatusCode::OK);
        let req = d.request("PUT", SET, r#"{"calldata":"x"}"#);
        assert!(
            !matches!(d.send(req).await, (StatusCode::OK, Ok(ref b)) if b["retcode"] == "0"),
            "rate 1 fails every request"
        );
        assert_eq!(d.send(rate("0")).await.0, StatusCode::OK);
        assert_eq!(d.set(json!({"calldata": "x"})).await, "0");
    }

    #[test]
    fn fixtures_parse() {
        for text in [
            super::super::fixture!("calldata_set_response.json"),
            super::super::fixture!("calldata_query_response.json"),
        ] {
            assert!(
                serde_json::from_str::<Value>(text).is_ok(),
                "fixture must be JSON: {text}"
            );
        }
    }
}
