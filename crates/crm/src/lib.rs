//! The `crm` command: configuration, progress bars, the summary table, the
//! demo and the mock servers, around the crm-sync engine. The binary
//! (`src/main.rs`) parses arguments; what it does is here, so tests run the
//! same code.

pub mod clients;
pub mod config;
pub mod demo;
pub mod error;
pub mod gong_setup;
pub mod progress;
pub mod run;
pub mod summary;

pub use clients::{Clients, GongTarget};
pub use crm_sync::{EntityReport, SyncReport};
pub use error::CrmError;
pub use progress::Progress;
pub use run::{SyncRequest, sync};
