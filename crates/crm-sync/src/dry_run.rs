//! Dry runs: a sink wrapper that converts (so losses and refusals are
//! reported) and writes nothing.

use crm_core::{ConvertError, ConvertOptions, Converted, Entity, EntityKind};
use futures::FutureExt;
use futures::future::BoxFuture;

use crate::connector::{
    EntityWriter, Outbound, Outcome, Pending, Sink, WriteCapability, WriteContext,
};
use crate::error::SyncError;

/// `sink`, converting as it would and writing nothing: every record it
/// would write counts as written.
#[derive(Clone, Copy)]
pub struct DryRun<'a>(pub &'a dyn Sink);

impl std::fmt::Debug for DryRun<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DryRun(..)")
    }
}

impl Sink for DryRun<'_> {
    fn writes(&self) -> &[WriteCapability] {
        self.0.writes()
    }

    fn prepare(
        &self,
        record: &Entity,
        options: &ConvertOptions,
    ) -> Result<Converted<Outbound>, ConvertError> {
        self.0.prepare(record, options)
    }

    fn open<'a>(
        &'a self,
        _kind: EntityKind,
        _context: &'a WriteContext,
    ) -> BoxFuture<'a, Result<Box<dyn EntityWriter + 'a>, SyncError>> {
        async { Ok(Box::new(NoWrites) as Box<dyn EntityWriter>) }.boxed()
    }
}

struct NoWrites;

impl EntityWriter for NoWrites {
    fn write(&mut self, record: Pending) -> BoxFuture<'_, Result<Vec<Outcome>, SyncError>> {
        let count = 1 + record.children.len() as u64;
        async move { Ok(vec![Outcome::Written { count }]) }.boxed()
    }

    fn finish(self: Box<Self>) -> BoxFuture<'static, Result<Vec<Outcome>, SyncError>> {
        async { Ok(Vec::new()) }.boxed()
    }
}
