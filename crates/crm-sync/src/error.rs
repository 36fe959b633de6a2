//! What can stop a sync, as one typed error.
//!
//! A record the target refuses is not an error: it is counted in the
//! [`SyncReport`](crate::SyncReport). A `SyncError` ends the run: a system
//! that failed after the client's retries, an answer that does not match
//! the system's spec, an unusable checkpoint, a local file that cannot be
//! written, or a plan the connectors cannot carry out.

use std::path::PathBuf;

use crm_client_runtime::{ApiError, ErrorBody};
use crm_core::{ConvertError, EntityKind, System};

/// The boxed source of an API error (the client's `ApiError`, whose body
/// type differs per system).
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A failed sync.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SyncError {
    /// A call to a system failed after the client's retries (transport,
    /// an error status, a request the client could not build).
    #[error("{system}: {source}")]
    Api {
        /// The system called.
        system: System,
        /// The operation (the spec's `operationId`).
        operation: &'static str,
        /// The HTTP status, when the system answered with one.
        status: Option<u16>,
        /// The client's error (an `ApiError`).
        #[source]
        source: BoxError,
    },
    /// A system answered, but not in the shape its spec gives: the client
    /// cannot read the answer. Not "the system is down": report it.
    #[error("{system}: {source}")]
    Decode {
        /// The system called.
        system: System,
        /// The operation.
        operation: &'static str,
        /// Where in the JSON the answer stopped matching.
        path: String,
        /// The client's error.
        #[source]
        source: BoxError,
    },
    /// A system answered something the engine cannot use (e.g. a created
    /// record without an id).
    #[error("{system}: {operation}: {message}")]
    Protocol {
        /// The system.
        system: System,
        /// The operation.
        operation: &'static str,
        /// What was wrong.
        message: String,
    },
    /// The plan asks for something the connectors cannot do.
    #[error("{0}")]
    Unsupported(String),
    /// No connector is registered for a system the plan needs.
    #[error("{system} is not configured: no connector for it")]
    NotConfigured {
        /// The system.
        system: System,
    },
    /// The target cannot take records as configured (e.g. the Gong
    /// integration does not exist): nothing was written.
    #[error("{system}: {message}")]
    NotReady {
        /// The target.
        system: System,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// The plan cannot run as given (e.g. incremental without positions).
    #[error("{0}")]
    Plan(String),
    /// A record could not be converted where the engine needed it whole.
    #[error("{kind}: {source}")]
    Convert {
        /// The kind of record.
        kind: EntityKind,
        /// The conversion error.
        #[source]
        source: ConvertError,
    },
    /// The checkpoint or state is unusable or in the way.
    #[error("checkpoint {location}: {message}")]
    Checkpoint {
        /// Where it is kept (a file path, or `memory`).
        location: String,
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
}

impl SyncError {
    /// A client error of `system` as a sync error: decode errors become
    /// [`SyncError::Decode`], the rest [`SyncError::Api`].
    pub fn api<E>(system: System, error: ApiError<E>) -> SyncError
    where
        E: ErrorBody + std::fmt::Debug + Send + Sync + 'static,
    {
        let operation = error.operation();
        let status = error.status().map(|s| s.as_u16());
        match &error {
            ApiError::Decode { path, .. } => SyncError::Decode {
                system,
                operation,
                path: path.clone(),
                source: Box::new(error),
            },
            _ => SyncError::Api {
                system,
                operation,
                status,
                source: Box::new(error),
            },
        }
    }

    /// The HTTP status of an API error.
    pub fn status(&self) -> Option<u16> {
        match self {
            SyncError::Api { status, .. } => *status,
            _ => None,
        }
    }

    /// Whether the target refused one record (400, 404, 409, 422): the
    /// record is reported and the sync goes on. Authentication, rate and
    /// server errors are not refusals.
    pub fn is_refusal(&self) -> bool {
        matches!(self.status(), Some(400 | 404 | 409 | 422))
    }

    /// The system involved, if one is.
    pub fn system(&self) -> Option<System> {
        match self {
            SyncError::Api { system, .. }
            | SyncError::Decode { system, .. }
            | SyncError::Protocol { system, .. }
            | SyncError::NotConfigured { system } => Some(*system),
            _ => None,
        }
    }
}

/// `Result` with a [`SyncError`].
pub type Result<T, E = SyncError> = std::result::Result<T, E>;
