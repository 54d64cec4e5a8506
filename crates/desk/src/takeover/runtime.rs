//! What the desk holds for IVR takeover: the running client and the demo's simulator.

use std::sync::Mutex;

use sidekick_ivrapi::IvrClient;
use tokio::task::JoinHandle;

/// The desk's takeover state.
#[derive(Default)]
pub(crate) struct Takeover {
    /// The client, while one runs.
    pub client: Mutex<Option<Running>>,
    /// One start or stop at a time.
    pub op: tokio::sync::Mutex<()>,
    /// The demo's Era simulator, while the demo runs.
    pub demo: Mutex<Option<DemoEra>>,
}

/// A running client and the task that turns its events into snapshots.
pub(crate) struct Running {
    pub client: IvrClient,
    pub pump: JoinHandle<()>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.pump.abort();
    }
}

/// The demo's Era simulator.
#[derive(Clone)]
pub(crate) struct DemoEra {
    pub url: String,
    pub token: String,
}
