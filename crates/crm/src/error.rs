//! What can go wrong, as one error type with an exit code each.

use std::path::PathBuf;

use crm_core::System;
use crm_sync::SyncError;

/// A failed `crm` command.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CrmError {
    /// The configuration file or the environment is wrong.
    #[error("configuration: {0}")]
    Config(String),
    /// The request cannot be done (e.g. Gong cannot be read from).
    #[error("{0}")]
    Unsupported(String),
    /// A client could not be built.
    #[error("cannot set up the {system} client: {message}")]
    Client {
        /// The system.
        system: System,
        /// Why (never a credential).
        message: String,
    },
    /// The sync engine stopped (a system failed, a checkpoint is in the
    /// way, a plan it cannot carry out).
    #[error(transparent)]
    Sync(#[from] SyncError),
    /// A local file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// A mock server could not start.
    #[error("mock server: {0}")]
    Mock(String),
}

impl CrmError {
    /// The process exit code: 2 for usage, configuration and checkpoint
    /// errors, 3 when a system or the disk failed, 4 when a system answered
    /// something its spec does not allow (the client cannot read it).
    pub fn exit_code(&self) -> u8 {
        match self {
            CrmError::Config(_) | CrmError::Unsupported(_) => 2,
            CrmError::Sync(e) => match e {
                SyncError::Unsupported(_)
                | SyncError::NotConfigured { .. }
                | SyncError::Plan(_)
                | SyncError::NotReady { .. }
                | SyncError::Checkpoint { .. } => 2,
                SyncError::Decode { .. } | SyncError::Protocol { .. } => 4,
                _ => 3,
            },
            _ => 3,
        }
    }
}
