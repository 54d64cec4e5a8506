//! `GET calldata/{agentid}/callinfo?isNoContainLastCall=…`: the call the agent is in now, with the
//! field set the vendor documents for the by-call-id query (`called` as a number when it is one,
//! as the vendor's table types it). No call: an empty `result`. The simulator keeps no finished
//! call, so `isNoContainLastCall` changes nothing here.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use super::{check_guid, envelope, load, param_error, with_guid, GatewayControl};

pub(super) fn routes() -> Router<GatewayControl> {
    Router::new().route("/agentgateway/resource/calldata/{agentid}/callinfo", get(call_info))
}

async fn call_info(State(ctl): State<GatewayControl>, Path(raw): Path<String>, headers: HeaderMap) -> Response {
    let Some(agent) = super::agent_id(&raw) else { return param_error() };
    let admitted = match check_guid(&ctl, agent, &headers) {
        Ok(a) => a,
        Err(text) => return envelope(text),
    };
    let call = ctl.with_agents(|a| a.get(&agent).and_then(|ag| ag.call.clone()));
    let body = match call {
        Some(c) => {
            let mut v = load(super::fixture!("callinfo_response.json"));
            let r = &mut v["result"];
            r["callid"] = json!(c.id);
            r["caller"] = json!(c.caller);
            r["called"] = c.called.parse::<u64>().map(Value::from).unwrap_or_else(|_| json!(c.called));
            r["begintime"] = json!(c.answered_ms.unwrap_or(0));
            r["calldata"] = json!("");
            v
        }
        None => load(super::fixture!("callinfo_idle_response.json")),
    };
    with_guid(Json(body).into_response(), admitted.new_guid)
}
