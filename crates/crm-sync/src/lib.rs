//! The crm-bridge sync engine: one pipeline — read → `ToCore` → `FromCore`
//! → write — over per-system connectors, with checkpoints, resume,
//! incremental syncs, dry runs and typed errors.
//!
//! - [`connector`]: the traits a system implements ([`Source`], [`Sink`],
//!   [`ChangeFeed`], [`LinkBack`]) and what they declare.
//! - [`connectors`]: one file per system and the [`Connectors`] registry,
//!   which derives the supported pairs, their entities and exports from
//!   those declarations.
//! - [`run`]: the pipeline; [`CheckpointStore`] keeps what must survive a
//!   crash, [`Observer`] watches progress; [`SyncReport`] says what happened.
//!
//! Sell → Gong from another workspace, with an observer of your own and
//! the checkpoint kept in memory (implement [`CheckpointStore`] to keep it
//! in your database; [`FileStore`] keeps it in files):
//!
//! ```no_run
//! use crm_core::{EntityKind, System};
//! use crm_sync::connectors::{Connectors, GongConnector, SellConnector};
//! use crm_sync::{EntityReport, MemoryStore, Observer, SyncPlan};
//!
//! struct Log;
//!
//! impl Observer for Log {
//!     fn entity_finished(&self, from: System, to: System, report: &EntityReport) {
//!         eprintln!("{from} -> {to} {}: {} read, {} written", report.kind, report.read, report.written);
//!     }
//! }
//!
//! # async fn sync() -> Result<(), Box<dyn std::error::Error>> {
//! let sell = zendesk_sell_api::Client::with_token(std::env::var("ZENDESK_SELL_TOKEN")?)?;
//! let gong = gong_crm_api::Client::with_basic_auth(
//!     std::env::var("GONG_ACCESS_KEY")?,
//!     std::env::var("GONG_ACCESS_KEY_SECRET")?,
//! )?;
//! let connectors = Connectors::new()
//!     .with(SellConnector::new(sell))
//!     .with(GongConnector::new(gong, 6_286_478_263_646_123_457));
//! let mut plan = SyncPlan::new(System::ZendeskSell, System::Gong);
//! plan.entities = vec![EntityKind::Account, EntityKind::Deal];
//! let mut store = MemoryStore::default();
//! let report = crm_sync::run(&plan, &connectors, &mut store, &Log).await?;
//! println!("{} records read, clean: {}", report.records(), report.is_clean());
//! # Ok(()) }
//! ```

pub mod checkpoint;
pub mod connector;
pub mod connectors;
mod dry_run;
pub mod error;
pub mod export;
pub mod observer;
mod pipeline;
pub mod report;

pub use checkpoint::{Checkpoint, CheckpointStore, FileStore, MemoryStore, SyncState};
pub use connector::{
    ChangeFeed, Changes, Connector, EntityWriter, LinkBack, Outbound, Outcome, Pending, ReadOrder,
    Sink, Source, WriteCapability, WriteContext,
};
pub use connectors::{Connectors, Step};
pub use dry_run::DryRun;
pub use error::SyncError;
pub use observer::{NoObserver, Observer};
pub use pipeline::{SyncPlan, run};
pub use report::{EntityReport, SyncReport};
