//! The state kept between syncs: where each sync's next incremental run
//! starts reading Sell's Firehose.
//!
//! A full `zendesk-sell → gong` sync takes each entity's Firehose position
//! (the newest event) *before* reading its records, and saves the
//! positions here when it finishes. `crm sync --incremental` reads each
//! stream from its saved position to the newest event, sends only the
//! records that changed (and deletions, as Gong `isDeleted` records), and
//! saves the new positions. A change made while a sync runs is sent by that
//! sync or the next one, never missed.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::checkpoint::{read_json, write_json};
use crate::error::CrmError;

/// Saved Firehose positions: by sync (`zendesk-sell->gong`), by entity.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncState {
    /// The positions.
    pub positions: BTreeMap<String, BTreeMap<String, String>>,
}

impl SyncState {
    /// Reads the state file; a missing file is an empty state.
    ///
    /// # Errors
    /// [`CrmError::Checkpoint`] if the file is not a state file,
    /// [`CrmError::Io`] if it cannot be read.
    pub fn load(path: &Path) -> Result<SyncState, CrmError> {
        Ok(read_json(path, "a crm state file")?.unwrap_or_default())
    }

    /// Writes the state file atomically.
    ///
    /// # Errors
    /// [`CrmError::Io`] if it cannot be written.
    pub fn save(&self, path: &Path) -> Result<(), CrmError> {
        write_json(path, self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_file_is_empty_and_a_saved_one_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("crm-sync.state.json");
        assert_eq!(SyncState::load(&path).unwrap(), SyncState::default());
        let mut state = SyncState::default();
        state
            .positions
            .entry("zendesk-sell->gong".into())
            .or_default()
            .insert("deals".into(), "p-123".into());
        state.save(&path).unwrap();
        assert_eq!(SyncState::load(&path).unwrap(), state);
        std::fs::write(&path, b"{not json").unwrap();
        assert!(matches!(
            SyncState::load(&path),
            Err(CrmError::Checkpoint { .. })
        ));
    }
}
