//! What the desk holds for exports: the store, the callback receiver and its status.

use std::sync::Mutex;

use super::receiver::Running;
use super::store::{ExportStore, StoreError};
use super::ReceiverStatus;

/// The desk's export state.
pub(crate) struct Exports {
    /// The store; `Err` keeps why it could not be opened, for every later request.
    pub store: Mutex<Result<ExportStore, String>>,
    /// The callback receiver, while it runs.
    pub receiver: Mutex<Option<Running>>,
    /// How the receiver stands, and the callback URL in use.
    pub status: Mutex<ReceiverStatus>,
    /// One settings change (start/stop of the receiver) at a time.
    pub op: tokio::sync::Mutex<()>,
}

impl Exports {
    /// Opens `data_dir/exports.sqlite3`, or a store in memory without a data directory.
    pub fn open(data_dir: Option<&std::path::Path>) -> Self {
        let store = match data_dir {
            Some(dir) => ExportStore::open_in(dir),
            None => ExportStore::in_memory(),
        }
        .map_err(|e: StoreError| {
            tracing::error!("the export store could not be opened: {e}");
            e.to_string()
        });
        Self { store: Mutex::new(store), receiver: Mutex::new(None), status: Mutex::new(ReceiverStatus::Off), op: tokio::sync::Mutex::new(()) }
    }
}
