//! The harness the gateway's handler tests share: a router whose agent 291 is signed in, driven
//! with `oneshot` requests the way a desk would drive the real gateway.
//!
//! Polls wait 1 ms, so a test can drain the event queue without advancing time. The sign-in's own
//! events (in service, ready) are left queued: a test that polls decides whether to check them.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

use super::{router, CallScript, GatewayControl, GatewayRules};

/// A gateway with agent 291 signed in (password `pw`).
pub(super) struct Desk {
    /// The router under test.
    pub(super) app: Router,
    /// The control handle, to play calls and inspect state behind the router's back.
    pub(super) ctl: GatewayControl,
    /// The Guid the sign-in handed out.
    pub(super) guid: String,
}

impl Desk {
    /// Signs agent 291 in with the default rules, except for 1 ms polls.
    pub(super) async fn signed_in() -> Desk {
        let ctl = GatewayControl::new(GatewayRules { poll_wait: Duration::from_millis(1), ..Default::default() });
        ctl.add_agent(291, "pw");
        let app = router(ctl.clone());
        let req = Request::put("/agentgateway/resource/onlineagent/291").body(Body::from(r#"{"password":"pw","phonenum":"1"}"#)).unwrap();
        let resp = app.clone().oneshot(req).await.unwrap();
        let guid = resp.headers()["set-guid"].to_str().unwrap().trim_start_matches("JSESSIONID=").to_owned();
        Desk { app, ctl, guid }
    }

    /// A vendor request to `/agentgateway/resource/{path}` that carries the Guid.
    pub(super) fn request(&self, method: &str, path: &str, body: impl Into<Body>) -> Request<Body> {
        Request::builder()
            .method(method)
            .uri(format!("/agentgateway/resource/{path}"))
            .header("Guid", &self.guid)
            .body(body.into())
            .unwrap()
    }

    /// Sends any request. The body is the JSON answer, or why there is none (an injected reset
    /// breaks it off).
    pub(super) async fn send(&self, req: Request<Body>) -> (StatusCode, Result<Value, String>) {
        let resp = self.app.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let body = match resp.into_body().collect().await {
            Ok(b) => serde_json::from_slice(&b.to_bytes()).map_err(|e| e.to_string()),
            Err(e) => Err(format!("broken body: {e}")),
        };
        (status, body)
    }

    /// The envelope the gateway answers to a vendor request with the Guid and this body.
    pub(super) async fn envelope(&self, method: &str, path: &str, body: impl Into<Body>) -> Value {
        self.send(self.request(method, path, body)).await.1.unwrap()
    }

    /// The retcode the gateway answers to a vendor request with the Guid and this body.
    pub(super) async fn retcode(&self, method: &str, path: &str, body: impl Into<Body>) -> String {
        self.envelope(method, path, body).await["retcode"].as_str().unwrap().to_owned()
    }

    /// Every queued event type, in order (each poll answers one).
    pub(super) async fn drain(&self) -> Vec<String> {
        self.drain_events().await.iter().map(|e| e["eventType"].as_str().unwrap().to_owned()).collect()
    }

    /// Every queued event, in order, polling until a poll answers none.
    pub(super) async fn drain_events(&self) -> Vec<Value> {
        let mut out = Vec::new();
        loop {
            let body = self.envelope("GET", "agentevent/291", Body::empty()).await;
            match body.get("event") {
                Some(e) => out.push(e.clone()),
                None => return out,
            }
        }
    }

    /// Plays a call that is answered at once and lasts `talk_ms`, and waits until it is up.
    pub(super) async fn call(&self, id: &str, talk_ms: u64) {
        let script = CallScript { caller: "5".into(), called: "6".into(), call_id: Some(id.into()), ring_ms: 1, talk_ms, auto_answer: true };
        self.ctl.play_inbound_call(291, script);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
