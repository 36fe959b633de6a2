//! `crm sync`: a sync request as the command takes it (files, progress,
//! per-system settings), run through the crm-sync pipeline.

use std::path::PathBuf;

use crm_core::{ConvertOptions, EntityKind, System};
use crm_sync::{FileStore, MemoryStore, SyncPlan, SyncReport};
use gong_crm_api::bulk::BulkOptions;

use crate::clients::Clients;
use crate::error::CrmError;
use crate::progress::{Bars, Progress};

/// One sync to run.
#[derive(Debug, Clone)]
pub struct SyncRequest {
    /// The source.
    pub from: System,
    /// The target.
    pub to: System,
    /// The entities (empty: all the pair supports).
    pub entities: Vec<EntityKind>,
    /// Convert and report, write nothing.
    pub dry_run: bool,
    /// The checkpoint file (none: kept in memory, the sync cannot be resumed).
    pub checkpoint: Option<PathBuf>,
    /// Resume from the checkpoint.
    pub resume: bool,
    /// Conversion choices.
    pub options: ConvertOptions,
    /// Progress bars.
    pub progress: Progress,
    /// Records per page when reading.
    pub page_size: u32,
    /// Gong bulk upload settings (file size, polling); the request ids are
    /// always content hashes under the run's id.
    pub bulk: BulkOptions,
    /// The state file of change-feed positions between syncs (none:
    /// positions are not kept).
    pub state: Option<PathBuf>,
    /// Send only what changed since the positions in [`SyncRequest::state`].
    pub incremental: bool,
}

impl SyncRequest {
    /// A sync of every supported entity with default settings.
    pub fn new(from: System, to: System) -> Self {
        SyncRequest {
            from,
            to,
            entities: Vec::new(),
            dry_run: false,
            checkpoint: None,
            resume: false,
            options: ConvertOptions::default(),
            progress: Progress::Hidden,
            page_size: 100,
            bulk: BulkOptions::default(),
            state: None,
            incremental: false,
        }
    }

    /// The pipeline's plan.
    pub fn plan(&self) -> SyncPlan {
        SyncPlan {
            from: self.from,
            to: self.to,
            entities: self.entities.clone(),
            dry_run: self.dry_run,
            resume: self.resume,
            incremental: self.incremental,
            keep_positions: self.state.is_some(),
            options: self.options.clone(),
        }
    }
}

/// Runs a sync.
///
/// # Errors
/// [`CrmError`] when the pair is unsupported, the checkpoint is in the way,
/// or a system fails after retries. Refused records are not errors: they are
/// counted in the report.
pub async fn sync(clients: &Clients, request: &SyncRequest) -> Result<SyncReport, CrmError> {
    let connectors = clients.connectors(request.page_size, &request.bulk);
    let observer = Bars::new(request.progress);
    let plan = request.plan();
    let report = match &request.checkpoint {
        Some(path) => {
            let mut store = FileStore::new(path, request.state.clone())?;
            crm_sync::run(&plan, &connectors, &mut store, &observer).await?
        }
        None => {
            if request.state.is_some() {
                return Err(CrmError::Config(
                    "a state file needs a checkpoint file (--checkpoint)".into(),
                ));
            }
            let mut store = MemoryStore::default();
            crm_sync::run(&plan, &connectors, &mut store, &observer).await?
        }
    };
    Ok(report)
}
