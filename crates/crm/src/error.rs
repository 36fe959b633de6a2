//! What can go wrong, as one error type with an exit code each.

use std::path::PathBuf;

use crm_core::System;

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
    /// A call to a system failed after retries.
    #[error("{system}: {message}")]
    Api {
        /// The system.
        system: System,
        /// The error (operation, status, server message).
        message: String,
    },
    /// The checkpoint file is unusable or in the way.
    #[error("checkpoint {}: {message}", path.display())]
    Checkpoint {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
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
    /// The process exit code: 2 for usage and configuration errors, 3 for
    /// failures talking to a system or the disk.
    pub fn exit_code(&self) -> u8 {
        match self {
            CrmError::Config(_) | CrmError::Unsupported(_) | CrmError::Checkpoint { .. } => 2,
            _ => 3,
        }
    }

    /// An API error from any displayable error of `system`.
    pub fn api(system: System, error: impl std::fmt::Display) -> Self {
        CrmError::Api {
            system,
            message: error.to_string(),
        }
    }
}

/// [`CrmError::api`] for Zendesk Sell.
pub(crate) fn sell_err(error: impl std::fmt::Display) -> CrmError {
    CrmError::api(System::ZendeskSell, error)
}

/// [`CrmError::api`] for ConeCRM.
pub(crate) fn cone_err(error: impl std::fmt::Display) -> CrmError {
    CrmError::api(System::Conecrm, error)
}

/// [`CrmError::api`] for Gong.
pub(crate) fn gong_err(error: impl std::fmt::Display) -> CrmError {
    CrmError::api(System::Gong, error)
}
