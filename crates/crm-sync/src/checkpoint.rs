//! Where a sync keeps what it must not forget: the checkpoint of a run in
//! progress (so an interrupted run resumes without losing or repeating
//! records) and the state kept between runs (change-feed positions).
//!
//! The pipeline hands the [`CheckpointStore`] what has been durably
//! written, after each step: entities finished, ids the target made (source
//! id → target id), change-feed positions taken before a full read. Both
//! are bound to the pair and the endpoints that wrote them: a checkpoint of
//! another pair or of other endpoints is refused.
//!
//! [`FileStore`] keeps them in two JSON files, written atomically;
//! [`MemoryStore`] keeps them in memory (tests, embedding).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crm_core::EntityKind;
use serde::{Deserialize, Serialize};

use crate::error::SyncError;

/// The state of one run in progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// `<from>-><to>`; a checkpoint of another pair is refused.
    pub sync: String,
    /// The endpoints it was written against (see [`crate::SyncPlan`]); a
    /// checkpoint of other endpoints is refused.
    #[serde(default)]
    pub endpoints: String,
    /// The run's id: a prefix for idempotency keys the target keeps (Gong's
    /// `clientRequestId`s), the same across resumptions.
    pub run_id: String,
    /// Entities finished.
    pub completed: Vec<EntityKind>,
    /// Ids the target made, by `<kind>:<source id>`.
    pub links: BTreeMap<String, String>,
    /// Change-feed positions by entity, taken before a full read or reached
    /// by an incremental one: kept on resume, so no change made during the
    /// run is missed.
    #[serde(default)]
    pub positions: BTreeMap<EntityKind, String>,
}

impl Checkpoint {
    /// A fresh checkpoint for `sync` against `endpoints`.
    pub fn new(sync: &str, endpoints: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        Checkpoint {
            sync: sync.to_owned(),
            endpoints: endpoints.to_owned(),
            run_id: format!("crm-{:x}", nanos % (1u128 << 48)),
            completed: Vec::new(),
            links: BTreeMap::new(),
            positions: BTreeMap::new(),
        }
    }

    /// Whether `kind` is finished.
    pub fn is_done(&self, kind: EntityKind) -> bool {
        self.completed.contains(&kind)
    }

    /// The key of a link.
    pub fn link_key(kind: EntityKind, source_id: &str) -> String {
        format!("{}:{source_id}", kind.as_str())
    }
}

/// What is kept between runs, per pair: change-feed positions by entity,
/// and the ids the target made (so a rerun updates what an earlier run
/// created instead of creating it again).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncState {
    /// Positions by sync (`zendesk-sell->gong`), then entity.
    pub positions: BTreeMap<String, BTreeMap<EntityKind, String>>,
    /// Target ids by sync, then `<kind>:<source id>` (see [`Checkpoint::links`]).
    #[serde(default)]
    pub links: BTreeMap<String, BTreeMap<String, String>>,
}

/// Keeps a sync's checkpoint and state.
pub trait CheckpointStore: Send {
    /// Where it keeps them, for messages (a path, `memory`).
    fn location(&self) -> String;
    /// The checkpoint of an unfinished run, if there is one.
    ///
    /// # Errors
    /// [`SyncError::Checkpoint`] if it is unreadable, [`SyncError::Io`].
    fn load(&mut self) -> Result<Option<Checkpoint>, SyncError>;
    /// Keeps `checkpoint` durably (replacing the one before).
    ///
    /// # Errors
    /// [`SyncError::Io`] if it cannot be written.
    fn save(&mut self, checkpoint: &Checkpoint) -> Result<(), SyncError>;
    /// Forgets the checkpoint (the run finished).
    ///
    /// # Errors
    /// [`SyncError::Io`] if it cannot be removed.
    fn clear(&mut self) -> Result<(), SyncError>;
    /// The state kept between runs (empty if none).
    ///
    /// # Errors
    /// As [`CheckpointStore::load`].
    fn load_state(&mut self) -> Result<SyncState, SyncError>;
    /// Keeps the state.
    ///
    /// # Errors
    /// As [`CheckpointStore::save`].
    fn save_state(&mut self, state: &SyncState) -> Result<(), SyncError>;
}

/// A store in memory: for tests and for programs that keep state their own way.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    /// The checkpoint.
    pub checkpoint: Option<Checkpoint>,
    /// The state.
    pub state: SyncState,
}

impl CheckpointStore for MemoryStore {
    fn location(&self) -> String {
        "memory".into()
    }
    fn load(&mut self) -> Result<Option<Checkpoint>, SyncError> {
        Ok(self.checkpoint.clone())
    }
    fn save(&mut self, checkpoint: &Checkpoint) -> Result<(), SyncError> {
        self.checkpoint = Some(checkpoint.clone());
        Ok(())
    }
    fn clear(&mut self) -> Result<(), SyncError> {
        self.checkpoint = None;
        Ok(())
    }
    fn load_state(&mut self) -> Result<SyncState, SyncError> {
        Ok(self.state.clone())
    }
    fn save_state(&mut self, state: &SyncState) -> Result<(), SyncError> {
        self.state = state.clone();
        Ok(())
    }
}

/// A store in two JSON files, each written atomically (a uniquely named
/// temporary file beside it, flushed to disk, renamed).
#[derive(Debug, Clone)]
pub struct FileStore {
    checkpoint: PathBuf,
    state: Option<PathBuf>,
}

impl FileStore {
    /// The checkpoint at `checkpoint`; state kept at `state` (none: no
    /// state is kept, incremental runs are not possible).
    ///
    /// # Errors
    /// [`SyncError::Plan`] when both name the same file (one would
    /// overwrite the other).
    pub fn new(checkpoint: impl Into<PathBuf>, state: Option<PathBuf>) -> Result<Self, SyncError> {
        let checkpoint = checkpoint.into();
        if state.as_deref() == Some(checkpoint.as_path()) {
            return Err(SyncError::Plan(format!(
                "the checkpoint and the state file are the same file ({}): give them different paths",
                checkpoint.display()
            )));
        }
        Ok(FileStore { checkpoint, state })
    }

    /// The checkpoint file.
    pub fn checkpoint_path(&self) -> &Path {
        &self.checkpoint
    }
}

impl CheckpointStore for FileStore {
    fn location(&self) -> String {
        self.checkpoint.display().to_string()
    }
    fn load(&mut self) -> Result<Option<Checkpoint>, SyncError> {
        read_json(&self.checkpoint, "a crm checkpoint")
    }
    fn save(&mut self, checkpoint: &Checkpoint) -> Result<(), SyncError> {
        write_json(&self.checkpoint, checkpoint)
    }
    fn clear(&mut self) -> Result<(), SyncError> {
        match std::fs::remove_file(&self.checkpoint) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(SyncError::Io {
                path: self.checkpoint.clone(),
                source,
            }),
        }
    }
    fn load_state(&mut self) -> Result<SyncState, SyncError> {
        match &self.state {
            Some(path) => Ok(read_json(path, "a crm state file")?.unwrap_or_default()),
            None => Ok(SyncState::default()),
        }
    }
    fn save_state(&mut self, state: &SyncState) -> Result<(), SyncError> {
        match &self.state {
            Some(path) => write_json(path, state),
            None => Ok(()),
        }
    }
}

/// Reads the JSON file at `path` (`None` if there is none); `what` names
/// what it should be, for the error.
///
/// # Errors
/// [`SyncError::Checkpoint`] if it is not that, [`SyncError::Io`] if it
/// cannot be read.
pub fn read_json<T: serde::de::DeserializeOwned>(
    path: &Path,
    what: &str,
) -> Result<Option<T>, SyncError> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| SyncError::Checkpoint {
                location: path.display().to_string(),
                message: format!("not {what}: {e}"),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(SyncError::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Writes `value` as pretty JSON to `path`, atomically (the counterpart of
/// [`read_json`]).
///
/// # Errors
/// [`SyncError::Io`] if it cannot be written.
pub fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> Result<(), SyncError> {
    let bytes = serde_json::to_vec_pretty(value).map_err(|e| SyncError::Checkpoint {
        location: path.display().to_string(),
        message: e.to_string(),
    })?;
    write_atomic(path, &bytes)
}

/// Writes `bytes` to `path` so that a crash leaves the old file or the new
/// one, never a mix. The temporary file's name is unique to the process and
/// the call, so two writers never share one.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), SyncError> {
    use std::io::Write;
    let io = |source| SyncError::Io {
        path: path.to_path_buf(),
        source,
    };
    let tmp = temp_path(path);
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io)
}

fn temp_path(path: &Path) -> PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(format!(
        ".{}.{}.tmp",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saves_and_loads_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sync.checkpoint.json");
        let mut store = FileStore::new(&path, Some(dir.path().join("state.json"))).unwrap();
        assert_eq!(store.load().unwrap(), None);
        let mut cp = Checkpoint::new("zendesk-sell->gong", "a b");
        cp.completed.push(EntityKind::Stage);
        cp.positions.insert(EntityKind::Deal, "p-1".into());
        store.save(&cp).unwrap();
        assert_eq!(store.load().unwrap(), Some(cp));
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
        std::fs::write(&path, b"{not json").unwrap();
        assert!(matches!(store.load(), Err(SyncError::Checkpoint { .. })));
        store.clear().unwrap();
        assert_eq!(store.load().unwrap(), None);
    }

    #[test]
    fn temporary_names_differ_per_call() {
        let p = Path::new("/x/cp.json");
        assert_ne!(temp_path(p), temp_path(p));
    }

    #[test]
    fn one_file_for_checkpoint_and_state_is_refused() {
        let err = FileStore::new("same.json", Some("same.json".into())).unwrap_err();
        assert!(err.to_string().contains("same file"), "{err}");
    }
}
