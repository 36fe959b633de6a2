//! The connector traits: what a system can be asked to do in a sync.
//!
//! A system's connector (one file per system in [`crate::connectors`])
//! implements [`Connector`] and hands out the roles it plays:
//!
//! - [`Source`]: which kinds it reads, records in change order (or a
//!   stable order), records by id. It converts its records to the common
//!   model (`ToCore`).
//! - [`Sink`]: which kinds it writes and how ([`WriteCapability`]: embedded
//!   in another kind, deletions, ids it makes), the conversion from the
//!   common model (`FromCore`) and the writes, with an [`Outcome`] per record.
//! - [`ChangeFeed`]: positions and the changes since one (incremental syncs).
//! - [`LinkBack`]: storing the target's id on the source record, so a sync
//!   the other way updates instead of copying.
//!
//! The pipeline ([`crate::run`]) only ever asks these questions; supported
//! pairs and exports are derived from the answers.

use std::any::Any;

use chrono::{DateTime, Utc};
use crm_core::{ConvertError, ConvertOptions, Converted, Entity, EntityKind, ExternalId, System};
use futures::future::BoxFuture;
use futures::stream::BoxStream;

use crate::error::SyncError;

/// A system's connector: the roles it plays in a sync.
pub trait Connector: Send + Sync {
    /// The system.
    fn system(&self) -> System;

    /// The endpoint it talks to (its base URL): checkpoints are bound to it.
    fn endpoint(&self) -> String;

    /// The system as a source, if it can be read.
    fn source(&self) -> Option<&dyn Source> {
        None
    }

    /// The system as a target, if it can be written.
    fn sink(&self) -> Option<&dyn Sink> {
        None
    }

    /// The system's change feed, if it has one.
    fn change_feed(&self) -> Option<&dyn ChangeFeed> {
        None
    }

    /// Whether (and for which kinds) the target's ids can be stored on the
    /// system's records.
    fn link_back(&self) -> Option<&dyn LinkBack> {
        None
    }
}

/// The order a source reads records in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadOrder {
    /// Oldest change first (targets such as Gong take records in
    /// `modifiedDate` order).
    Changes,
    /// An order the sync's own writes to the source cannot disturb (by id):
    /// used when the run links records back to the source while reading it.
    Stable,
}

/// A system records are read from.
pub trait Source: Send + Sync {
    /// The kinds it reads, in no particular order.
    fn reads(&self) -> &[EntityKind];

    /// Every record of `kind`, converted to the common model.
    fn read(&self, kind: EntityKind, order: ReadOrder) -> BoxStream<'_, Result<Entity, SyncError>>;

    /// The records of `kind` with these ids (ids as the system writes
    /// them); ids it does not have are left out.
    fn read_by_ids(
        &self,
        kind: EntityKind,
        ids: Vec<String>,
    ) -> BoxStream<'_, Result<Entity, SyncError>>;
}

/// How a target writes one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteCapability {
    /// The kind.
    pub kind: EntityKind,
    /// Records of this kind are written inside a record of another kind
    /// (ConeCRM: contacts inside their account), with the reason shown for
    /// a record that has no such parent.
    pub embedded_in: Option<(EntityKind, &'static str)>,
    /// Deleted records can be propagated.
    pub deletes: bool,
    /// The target makes the ids of the records it creates (so they can be
    /// linked back to the source).
    pub makes_ids: bool,
}

impl WriteCapability {
    /// `kind`, written on its own, no deletions, ids from the source.
    pub const fn new(kind: EntityKind) -> Self {
        WriteCapability {
            kind,
            embedded_in: None,
            deletes: false,
            makes_ids: false,
        }
    }

    /// Written inside `parent`; `reason` explains a record without one.
    pub const fn embedded_in(mut self, parent: EntityKind, reason: &'static str) -> Self {
        self.embedded_in = Some((parent, reason));
        self
    }

    /// Deleted records can be propagated.
    pub const fn deletes(mut self) -> Self {
        self.deletes = true;
        self
    }

    /// The target makes the ids.
    pub const fn makes_ids(mut self) -> Self {
        self.makes_ids = true;
        self
    }
}

/// A record converted for a target, not yet written: the target's own
/// type, boxed (only the sink that made it reads it).
pub struct Outbound(Box<dyn Any + Send>);

impl Outbound {
    /// Wraps a target record.
    pub fn new<T: Any + Send>(value: T) -> Self {
        Outbound(Box::new(value))
    }

    /// Whether it holds a `T`.
    pub fn is<T: Any>(&self) -> bool {
        self.0.is::<T>()
    }

    /// The target record, if it is a `T`.
    ///
    /// # Errors
    /// Gives the value back when it is not a `T`.
    pub fn take<T: Any>(self) -> Result<T, Outbound> {
        match self.0.downcast::<T>() {
            Ok(value) => Ok(*value),
            Err(other) => Err(Outbound(other)),
        }
    }
}

impl std::fmt::Debug for Outbound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Outbound(..)")
    }
}

/// One record handed to a writer.
#[derive(Debug)]
pub struct Pending {
    /// Its id in the source (for outcomes and links).
    pub source_id: Option<String>,
    /// The converted record.
    pub value: Outbound,
    /// Its id in the target, when an earlier run (or link) made it.
    pub existing: Option<String>,
    /// Records embedded in it (see [`WriteCapability::embedded_in`]).
    pub children: Vec<Pending>,
}

impl Pending {
    /// Whether the converted record is a `T`.
    pub fn value_is<T: Any>(&self) -> bool {
        self.value.is::<T>()
    }
}

/// What a write did to one record (or, for [`Outcome::Written`], to several
/// the target reports together).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Created, with the id the target made.
    Created {
        /// The kind (an embedded record's own kind).
        kind: EntityKind,
        /// The source id.
        source_id: String,
        /// The new target id.
        target_id: String,
    },
    /// Updated.
    Updated {
        /// The source id.
        source_id: String,
        /// The target id, when known.
        target_id: Option<String>,
    },
    /// No write of its own: the target knows the record by `target_id`
    /// from now on (kept with the run's links, never linked back to the
    /// source). Gong business users are linked by the email Gong maps them
    /// by, so a later change of email is seen.
    Linked {
        /// The kind.
        kind: EntityKind,
        /// The source id.
        source_id: String,
        /// What the target knows it by.
        target_id: String,
    },
    /// Written, created or updated: the target does not say which.
    Written {
        /// How many records.
        count: u64,
    },
    /// Not sent: a check before sending refused it.
    Skipped {
        /// The source id, when known.
        source_id: Option<String>,
        /// Why.
        reason: String,
    },
    /// Sent, and refused by the target.
    Refused {
        /// The source id, when known.
        source_id: Option<String>,
        /// Why (the target's words).
        reason: String,
    },
}

/// What a sink needs from the run.
#[derive(Debug, Clone)]
pub struct WriteContext {
    /// A prefix unique to this sync run and kept across its resumptions
    /// (Gong's `clientRequestId`s are derived from it).
    pub run_id: String,
}

/// A system records are written to.
pub trait Sink: Send + Sync {
    /// Checks, before a run writes anything, that the target can take its
    /// records (Gong: the configured integration exists). The default
    /// checks nothing.
    ///
    /// # Errors
    /// [`SyncError::NotReady`] naming what to fix, or the call's error.
    fn check(&self) -> BoxFuture<'_, Result<(), SyncError>> {
        Box::pin(async { Ok(()) })
    }

    /// The kinds it writes, in the order they should be written (what is
    /// referred to first).
    fn writes(&self) -> &[WriteCapability];

    /// Converts a core record for the target (`FromCore`), reporting what
    /// it cannot carry.
    ///
    /// # Errors
    /// [`ConvertError`] when the record cannot be written (a value the
    /// target refuses, a field it requires).
    fn prepare(
        &self,
        record: &Entity,
        options: &ConvertOptions,
    ) -> Result<Converted<Outbound>, ConvertError>;

    /// Opens a writer for `kind`.
    fn open<'a>(
        &'a self,
        kind: EntityKind,
        context: &'a WriteContext,
    ) -> BoxFuture<'a, Result<Box<dyn EntityWriter + 'a>, SyncError>>;
}

/// Writes the records of one kind.
pub trait EntityWriter: Send {
    /// Writes one record. Outcomes known now are returned; the rest come
    /// from [`EntityWriter::finish`].
    fn write(&mut self, record: Pending) -> BoxFuture<'_, Result<Vec<Outcome>, SyncError>>;

    /// Ends the writes (flushes, waits for the target to process them).
    fn finish(self: Box<Self>) -> BoxFuture<'static, Result<Vec<Outcome>, SyncError>>;
}

/// What changed in one kind since a position.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// Ids created or updated (and not deleted since), in the system's form.
    pub upserted: Vec<String>,
    /// Ids deleted, with when.
    pub deleted: Vec<(String, DateTime<Utc>)>,
    /// The position after the newest change read: where the next run starts.
    pub position: String,
}

/// A system that says what changed since a position.
pub trait ChangeFeed: Send + Sync {
    /// The kinds it follows.
    fn follows(&self) -> &[EntityKind];

    /// The newest position of `kind` (taken before a full read, so the next
    /// incremental run misses nothing written during it).
    fn position(&self, kind: EntityKind) -> BoxFuture<'_, Result<String, SyncError>>;

    /// What changed in `kind` from `since` to the newest change.
    fn changes<'a>(
        &'a self,
        kind: EntityKind,
        since: &'a str,
    ) -> BoxFuture<'a, Result<Changes, SyncError>>;
}

/// A system that can keep another system's id on its records.
pub trait LinkBack: Send + Sync {
    /// The kinds it can link.
    fn links(&self) -> &[EntityKind];

    /// Stores `target` on the record `source_id` of `kind`.
    fn link<'a>(
        &'a self,
        kind: EntityKind,
        source_id: &'a str,
        target: &'a ExternalId,
    ) -> BoxFuture<'a, Result<(), SyncError>>;
}
