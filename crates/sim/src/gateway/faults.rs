//! Faults the gateway simulator can be told to inject, in front of every vendor route.
//!
//! A fault hits the next requests, whatever they are, before the gateway sees them (as a load
//! balancer or a network would), so a faulted request does not count as reaching the gateway
//! for the 2-minute rule. A DR switchover answers `000-004` ("agent is being switched over")
//! for its duration, then invalidates every Guid, as the standby gateway knows none of them.

use std::collections::VecDeque;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use tokio::time::Instant;

use super::GatewayControl;

/// One injected fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this HTTP status (for example 502 from a load balancer) and no envelope.
    Status(u16),
    /// Hold the request this long before the gateway handles it.
    Delay(Duration),
    /// Answer HTTP 200 with this retcode (`100-007`, `100-006`, `000-003`, …).
    Retcode(String),
    /// Start an answer and break the connection off in the middle of the body, as a reset does.
    Reset,
}

#[derive(Debug, Default)]
pub(super) struct Faults {
    queue: VecDeque<Fault>,
    switchover_until: Option<Instant>,
}

impl GatewayControl {
    /// Makes the next `times` requests meet `fault`, after those already queued.
    pub fn inject(&self, fault: Fault, times: usize) {
        let mut f = self.inner.faults.lock().unwrap_or_else(|p| p.into_inner());
        f.queue.extend(std::iter::repeat_n(fault, times));
    }

    /// Starts a DR switchover lasting `duration`: `000-004` until it ends, then every Guid is
    /// invalid (the sessions stay; a forced sign-in takes them back).
    pub fn dr_switchover(&self, duration: Duration) {
        let mut f = self.inner.faults.lock().unwrap_or_else(|p| p.into_inner());
        f.switchover_until = Some(Instant::now() + duration);
    }

    fn next_fault(&self) -> Option<Fault> {
        let mut f = self.inner.faults.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(until) = f.switchover_until {
            if Instant::now() < until {
                return Some(Fault::Retcode("000-004".into()));
            }
            f.switchover_until = None;
            drop(f);
            let ids: Vec<u32> = self.with_agents(|a| a.keys().copied().collect());
            for id in ids {
                self.invalidate_guid(id);
            }
            return self.next_fault();
        }
        f.queue.pop_front()
    }
}

/// The middleware: applies the next fault, if any, then lets the request through.
pub(super) async fn apply(State(ctl): State<GatewayControl>, req: Request, next: Next) -> Response {
    match ctl.next_fault() {
        None => next.run(req).await,
        Some(Fault::Delay(d)) => {
            tokio::time::sleep(d).await;
            next.run(req).await
        }
        Some(Fault::Status(code)) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_GATEWAY);
            (status, "injected fault").into_response()
        }
        Some(Fault::Retcode(code)) => Json(json!({"message": "injected fault", "retcode": code, "result": {}})).into_response(),
        Some(Fault::Reset) => reset_response(),
    }
}

/// An answer that breaks off in the middle of its body, as a reset connection does: the status
/// line and headers go out, then the body stream fails and the server drops the connection before
/// the answer is complete. [`Fault::Reset`] and the call-data failure rate both answer with it.
pub(super) fn reset_response() -> Response {
    let broken = futures_util::stream::iter([
        Ok(axum::body::Bytes::from_static(b"{\"message\":\"")),
        Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "injected reset")),
    ]);
    axum::body::Body::from_stream(broken).into_response()
}
