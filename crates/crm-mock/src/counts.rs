//! Writes and deletes a stateful mock performed, per entity (reported in
//! [`MockStats`](crate::MockStats)).

use std::collections::BTreeMap;

use crate::MockStats;

/// Creates, updates and upserts, and deletes, counted per entity name.
#[derive(Debug, Default)]
pub(crate) struct WriteCounts {
    writes: BTreeMap<String, u64>,
    deletes: BTreeMap<String, u64>,
}

impl WriteCounts {
    /// One more write of `entity`.
    pub(crate) fn wrote(&mut self, entity: &str) {
        *self.writes.entry(entity.to_owned()).or_default() += 1;
    }

    /// One more delete of `entity`.
    pub(crate) fn deleted(&mut self, entity: &str) {
        *self.deletes.entry(entity.to_owned()).or_default() += 1;
    }

    /// Copies the counts into `stats`.
    pub(crate) fn fill(&self, stats: &mut MockStats) {
        stats.writes = self.writes.clone();
        stats.deletes = self.deletes.clone();
    }
}
