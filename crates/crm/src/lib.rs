//! The engine of the `crm` command: sync records between Gong's CRM
//! integration, ConeCRM and Zendesk Sell through the common model of
//! crm-core, export them, and run the whole thing against embedded mock
//! servers (`crm demo`).
//!
//! The binary (`src/main.rs`) parses arguments; everything it does is here,
//! so tests run the same code.

pub mod checkpoint;
pub mod clients;
pub mod config;
pub mod demo;
pub mod error;
pub mod export;
pub mod incremental;
pub mod report;
pub mod state;
pub mod sync;

pub use clients::{Clients, GongTarget};
pub use error::CrmError;
pub use report::{EntityReport, SyncReport};
pub use sync::{Entity, Progress, SyncRequest, sync};
