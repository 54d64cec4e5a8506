//! Simulators of the platforms Sidekick talks to. They are the peers of every test, of the
//! benchmarks and of the embedded demo, so they behave as the vendor documents say: the same
//! paths, envelopes, limits and error codes, and wire bodies taken from raw JSON fixtures.
//!
//! # Layout
//!
//! - [`gateway`]: Huawei CC-Gateway agent interface (sign-in with `Set-GUID`, long-polled events,
//!   call data, the agent's own recording, sign-out) with a control handle that plays scripted
//!   calls.
//! - [`odfs`]: the ODFS token service and packet-capture recording (`inaction` 7), on a port of
//!   its own as the real one is a different server.
//! - [`ccfs`]: CC-FS, the file service: `queryBillData` checked and answered, the signed callback
//!   retried until it gets a success, and `downloadBillFile` serving a ZIP of CSV files made from
//!   the gateway's finished calls (and calls added or seeded through its control).
//! - [`era`]: the Era/Incoplax WebSocket Token API (`ivrapi` and `subscr`): sessions offered
//!   with `api_start`, taken with `ivrapi_accept`/`ivrapi_reaccept`, components run one at a
//!   time with their `ivrapi_component_stopped`, the caller's digits, file links and uploads,
//!   `api_stop` for a timeout, an abort or the script's end; with a control handle that offers
//!   sessions, presses digits, hangs up and drops every socket.
//! - [`telphin`]: a scripted Telphin PBX that sends Call Interactive requests (GET and POST,
//!   Cyrillic names, `*` extensions, `$var`s) and checks the XML answers as the PBX would.
//! - [`spawn`] binds every simulator on `127.0.0.1` and returns a [`SimHandle`].
//!
//! Control endpoints (for the standalone binary and E2E tests) live under `/_sim/`, a path no
//! vendor uses.
#![deny(missing_docs)]

pub mod ccfs;
pub mod era;
pub mod gateway;
pub mod odfs;
pub mod telphin;

use std::net::SocketAddr;

/// What the simulators start with.
#[derive(Debug, Clone, Default)]
pub struct Scenario {
    /// Agents the gateway knows: (work number, password).
    pub agents: Vec<(u32, String)>,
    /// The CC-Gateway's timing rules (poll wait, AUTHMODE, 2-minute sign-out).
    pub gateway: gateway::GatewayRules,
    /// Port of the CC-Gateway simulator (0 = any free port).
    pub port: u16,
    /// The ODFS tenant (app key and secret) and its token lifetime.
    pub odfs: odfs::OdfsRules,
    /// Port of the ODFS simulator (0 = any free port).
    pub odfs_port: u16,
    /// The CC-FS developer, tenant zone and callback timing.
    pub ccfs: ccfs::CcfsRules,
    /// Port of the CC-FS simulator (0 = any free port).
    pub ccfs_port: u16,
    /// The Era integration channel (token, capabilities) and its timing.
    pub era: era::EraRules,
    /// Port of the Era WebSocket Token API simulator (0 = any free port).
    pub era_port: u16,
}

/// Running simulators.
#[derive(Debug, Clone)]
pub struct SimHandle {
    /// Base URL of the CC-Gateway simulator, ending in `/`.
    pub gateway_url: String,
    /// Drives the gateway simulator (agents, calls).
    pub gateway: gateway::GatewayControl,
    /// The bound address of the CC-Gateway simulator.
    pub addr: SocketAddr,
    /// Base URL of the ODFS simulator, ending in `/`.
    pub odfs_url: String,
    /// Drives the ODFS simulator (refusals, token expiry, what was recorded).
    pub odfs: odfs::OdfsControl,
    /// Base URL of the CC-FS simulator, ending in `/`.
    pub ccfs_url: String,
    /// Drives the CC-FS simulator (calls, callbacks, what was asked).
    pub ccfs: ccfs::CcfsControl,
    /// The Era simulator's WebSocket address, `ws://127.0.0.1:PORT/ws/token/v1`.
    pub era_url: String,
    /// Drives the Era simulator (offers, digits, hang-ups, dropped sockets, what was asked).
    pub era: era::EraControl,
}

/// Starts the simulators on `127.0.0.1` (the CC-Gateway on `scenario.port`, ODFS on
/// `scenario.odfs_port`, CC-FS on `scenario.ccfs_port`, Era on `scenario.era_port`) in the
/// current tokio runtime. They stop when the runtime does. CC-FS bills the gateway's finished
/// calls.
pub async fn spawn(scenario: Scenario) -> std::io::Result<SimHandle> {
    let control = gateway::GatewayControl::new(scenario.gateway);
    for (id, pw) in &scenario.agents {
        control.add_agent(*id, pw);
    }
    let addr = serve(gateway::router(control.clone()), scenario.port, "CC-Gateway").await?;
    let odfs = odfs::OdfsControl::new(scenario.odfs);
    let odfs_addr = serve(odfs::router(odfs.clone()), scenario.odfs_port, "ODFS").await?;
    let ccfs = ccfs::CcfsControl::new(scenario.ccfs, Some(control.clone()));
    let ccfs_addr = serve(ccfs::router(ccfs.clone()), scenario.ccfs_port, "CC-FS").await?;
    let era = era::EraControl::new(scenario.era);
    let era_addr = serve(era::router(era.clone()), scenario.era_port, "Era").await?;
    Ok(SimHandle {
        gateway_url: format!("http://{addr}/"),
        gateway: control,
        addr,
        odfs_url: format!("http://{odfs_addr}/"),
        odfs,
        ccfs_url: format!("http://{ccfs_addr}/"),
        ccfs,
        era_url: format!("ws://{era_addr}{}", era::WS_PATH),
        era,
    })
}

/// Serves `app` on `127.0.0.1:port` from a spawned task; returns the bound address.
async fn serve(app: axum::Router, port: u16, name: &'static str) -> std::io::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!("the {name} simulator stopped: {e}");
        }
    });
    Ok(addr)
}
