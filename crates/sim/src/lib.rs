//! Simulators of the platforms Sidekick talks to. They are the peers of every test, of the
//! benchmarks and of the embedded demo, so they behave as the vendor documents say: the same
//! paths, envelopes, limits and error codes, and wire bodies taken from raw JSON fixtures.
//!
//! # Layout
//!
//! - [`gateway`]: Huawei CC-Gateway agent interface (sign-in with `Set-GUID`, long-polled events,
//!   sign-out) with a control handle that plays scripted calls.
//! - [`spawn`] binds every simulator on `127.0.0.1:0` and returns a [`SimHandle`].
//!
//! Control endpoints (for the standalone binary and E2E tests) live under `/_sim/`, a path no
//! vendor uses.
#![deny(missing_docs)]

pub mod gateway;

use std::net::SocketAddr;

/// What the simulators start with.
#[derive(Debug, Clone, Default)]
pub struct Scenario {
    /// Agents the gateway knows: (work number, password).
    pub agents: Vec<(u32, String)>,
    /// The CC-Gateway's timing rules (poll wait, AUTHMODE, 2-minute sign-out).
    pub gateway: gateway::GatewayRules,
    /// Port to bind (0 = any free port).
    pub port: u16,
}


/// Running simulators.
#[derive(Debug, Clone)]
pub struct SimHandle {
    /// Base URL of the CC-Gateway simulator, ending in `/`.
    pub gateway_url: String,
    /// Drives the gateway simulator (agents, calls).
    pub gateway: gateway::GatewayControl,
    /// The bound address.
    pub addr: SocketAddr,
}

/// Starts the simulators on `127.0.0.1:{scenario.port}` in the current tokio runtime. They stop
/// when the runtime does.
pub async fn spawn(scenario: Scenario) -> std::io::Result<SimHandle> {
    let control = gateway::GatewayControl::new(scenario.gateway);
    for (id, pw) in &scenario.agents {
        control.add_agent(*id, pw);
    }
    let app = gateway::router(control.clone());
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", scenario.port)).await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!("simulator stopped: {e}");
        }
    });
    Ok(SimHandle { gateway_url: format!("http://{addr}/"), gateway: control, addr })
}
