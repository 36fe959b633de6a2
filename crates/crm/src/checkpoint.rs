//! The checkpoint file that lets an interrupted sync resume without losing
//! or repeating records.
//!
//! - **To Gong**, every file is uploaded with a `clientRequestId` derived
//!   from its content (`RequestIds::ContentHash`) under a prefix kept here.
//!   Resuming runs the sync again from the start with the same prefix:
//!   files Gong already has are refused with 409 and only polled, the rest
//!   are sent. Entities finished are skipped.
//! - **To ConeCRM**, which has no upsert, the ids created so far are kept
//!   here (source id → ConeCRM id), so a resumed sync updates them instead
//!   of creating them again.
//! - **To Sell**, writes are upserts keyed by a custom field holding the
//!   source id: repeating one is harmless.
//!
//! The file is written atomically (temporary file, then rename) after each
//! step.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::CrmError;

/// The state of one sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// `<from>-><to>`; a checkpoint of another sync is refused.
    pub sync: String,
    /// The `clientRequestId` prefix of Gong uploads.
    pub request_id_prefix: String,
    /// Entities finished.
    pub completed: Vec<String>,
    /// ConeCRM ids created, by source id.
    pub conecrm_ids: BTreeMap<String, String>,
    /// Sell Firehose positions, by entity, for the next incremental sync to
    /// start from: taken before a full read, or reached by an incremental
    /// one. Kept on resume, so no change made during the sync is missed.
    #[serde(default)]
    pub firehose: BTreeMap<String, String>,
}

impl Checkpoint {
    /// A fresh checkpoint for `sync`.
    pub fn new(sync: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        Checkpoint {
            sync: sync.to_owned(),
            request_id_prefix: format!("crm-{:x}", nanos % (1u128 << 48)),
            completed: Vec::new(),
            conecrm_ids: BTreeMap::new(),
            firehose: BTreeMap::new(),
        }
    }

    /// Reads a checkpoint.
    ///
    /// # Errors
    /// [`CrmError::Checkpoint`] if the file is unreadable or not a checkpoint.
    pub fn load(path: &Path) -> Result<Option<Checkpoint>, CrmError> {
        read_json(path, "a crm checkpoint")
    }

    /// Writes the checkpoint atomically.
    ///
    /// # Errors
    /// [`CrmError::Io`] if it cannot be written.
    pub fn save(&self, path: &Path) -> Result<(), CrmError> {
        write_json(path, self)
    }

    /// Whether `entity` is finished.
    pub fn is_done(&self, entity: &str) -> bool {
        self.completed.iter().any(|e| e == entity)
    }
}

/// Reads the JSON file at `path` (`None` if there is none); `what` names
/// what it should be, for the error.
///
/// # Errors
/// [`CrmError::Checkpoint`] if it is not that, [`CrmError::Io`] if it
/// cannot be read.
pub(crate) fn read_json<T: serde::de::DeserializeOwned>(
    path: &Path,
    what: &str,
) -> Result<Option<T>, CrmError> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| CrmError::Checkpoint {
                path: path.to_path_buf(),
                message: format!("not {what}: {e}"),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(CrmError::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Writes `value` as pretty JSON to `path`, atomically (the counterpart of
/// [`read_json`]).
///
/// # Errors
/// [`CrmError::Checkpoint`] if it cannot be serialized, [`CrmError::Io`] if
/// it cannot be written.
pub(crate) fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> Result<(), CrmError> {
    let bytes = serde_json::to_vec_pretty(value).map_err(|e| CrmError::Checkpoint {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    write_atomic(path, &bytes)
}

/// Writes `bytes` to `path` so that a crash leaves the old file or the new
/// one, never a mix: a temporary file beside it, flushed to disk, renamed.
///
/// # Errors
/// [`CrmError::Io`] if it cannot be written.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), CrmError> {
    use std::io::Write;
    let io = |source| CrmError::Io {
        path: path.to_path_buf(),
        source,
    };
    let tmp = temp_path(path);
    let mut file = std::fs::File::create(&tmp).map_err(io)?;
    file.write_all(bytes).map_err(io)?;
    file.sync_all().map_err(io)?;
    drop(file);
    std::fs::rename(&tmp, path).map_err(io)
}

fn temp_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".tmp");
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saves_and_loads_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sync.checkpoint.json");
        assert_eq!(Checkpoint::load(&path).unwrap(), None);
        let mut cp = Checkpoint::new("zendesk-sell->gong");
        cp.completed.push("stages".into());
        cp.save(&path).unwrap();
        assert_eq!(Checkpoint::load(&path).unwrap(), Some(cp));
        assert!(!temp_path(&path).exists());
        std::fs::write(&path, b"{not json").unwrap();
        assert!(matches!(
            Checkpoint::load(&path),
            Err(CrmError::Checkpoint { .. })
        ));
    }
}
