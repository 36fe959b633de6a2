//! What a sync did, per entity.

use std::collections::BTreeMap;
use std::time::Duration;

use crm_core::{EntityKind, LossReport, System};
use serde::Serialize;

use crate::connector::Outcome;

/// How many problem messages an entity report keeps (the counts are exact).
pub const PROBLEMS_KEPT: usize = 20;

/// Counters of one entity of one sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntityReport {
    /// The entity.
    pub kind: EntityKind,
    /// Finished by an earlier run this one resumed: nothing was done now.
    pub done_before: bool,
    /// Records read from the source (embedded ones included).
    pub read: u64,
    /// Records written to the target (or, on a dry run, that would be).
    pub written: u64,
    /// Of those, created in the target (when the target says so).
    pub created: u64,
    /// Of those, updated in the target (when the target says so).
    pub updated: u64,
    /// Records not written: refused by the conversion or a pre-send check.
    pub skipped: u64,
    /// Records the target refused after receiving them.
    pub failed: u64,
    /// Fields lost in conversion, by path pattern, with how many records lost each.
    pub losses: BTreeMap<String, u64>,
    /// Records the target keeps but will not show where users look (a Gong
    /// deal without an account, owner or close date), by the field at
    /// fault, with how many records each.
    pub hidden: BTreeMap<String, u64>,
    /// Records with at least one reason in [`hidden`](Self::hidden).
    pub hidden_records: u64,
    /// Why records were skipped or failed (the first [`PROBLEMS_KEPT`]).
    pub problems: Vec<String>,
}

impl EntityReport {
    /// An empty report of `kind`.
    pub fn new(kind: EntityKind) -> Self {
        EntityReport {
            kind,
            done_before: false,
            read: 0,
            written: 0,
            created: 0,
            updated: 0,
            skipped: 0,
            failed: 0,
            losses: BTreeMap::new(),
            hidden: BTreeMap::new(),
            hidden_records: 0,
            problems: Vec::new(),
        }
    }

    /// Counts the losses of one converted record.
    pub fn add_losses(&mut self, losses: &LossReport) {
        for path in losses.paths() {
            *self.losses.entry(loss_key(path)).or_insert(0) += 1;
        }
        let mut fields: Vec<&str> = losses.hidden.iter().map(|h| h.path.as_ref()).collect();
        fields.sort_unstable();
        fields.dedup();
        for field in &fields {
            *self.hidden.entry((*field).to_owned()).or_insert(0) += 1;
        }
        self.hidden_records += u64::from(!fields.is_empty());
    }

    /// Notes a problem (the first [`PROBLEMS_KEPT`] are kept).
    pub fn problem(&mut self, message: impl Into<String>) {
        if self.problems.len() < PROBLEMS_KEPT {
            self.problems.push(message.into());
        }
    }

    /// Counts what a write did.
    pub fn add_outcome(&mut self, outcome: &Outcome) {
        match outcome {
            Outcome::Created { .. } => {
                self.written += 1;
                self.created += 1;
            }
            Outcome::Updated { .. } => {
                self.written += 1;
                self.updated += 1;
            }
            Outcome::Written { count } => self.written += count,
            Outcome::Linked { .. } => {}
            Outcome::Skipped { reason, .. } => {
                self.skipped += 1;
                self.problem(reason.clone());
            }
            Outcome::Refused { reason, .. } => {
                self.failed += 1;
                self.problem(reason.clone());
            }
        }
    }
}

/// A loss path with list positions folded (`contact.phones[2]` → `contact.phones[]`).
pub fn loss_key(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_index = false;
    for c in path.chars() {
        match c {
            '[' => {
                in_index = true;
                out.push('[');
            }
            ']' => {
                in_index = false;
                out.push(']');
            }
            _ if in_index => {}
            _ => out.push(c),
        }
    }
    out
}

/// What one sync did.
#[derive(Debug, Clone, Serialize)]
pub struct SyncReport {
    /// The source.
    pub from: System,
    /// The target.
    pub to: System,
    /// Nothing was written.
    pub dry_run: bool,
    /// Only changes were sent.
    pub incremental: bool,
    /// Per entity, in the order synced.
    pub entities: Vec<EntityReport>,
    /// Wall time.
    pub elapsed: Duration,
}

impl SyncReport {
    /// Whether every record read was written and none failed.
    pub fn is_clean(&self) -> bool {
        self.entities
            .iter()
            .all(|e| e.skipped == 0 && e.failed == 0)
    }

    /// Records read in all.
    pub fn records(&self) -> u64 {
        self.entities.iter().map(|e| e.read).sum()
    }

    /// The report of `kind`, if it was synced.
    pub fn entity(&self, kind: EntityKind) -> Option<&EntityReport> {
        self.entities.iter().find(|e| e.kind == kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loss_keys_fold_positions() {
        assert_eq!(loss_key("contact.phones[12].kind"), "contact.phones[].kind");
        assert_eq!(loss_key("deal.amount.currency"), "deal.amount.currency");
    }

    #[test]
    fn outcomes_count_where_they_belong() {
        let mut r = EntityReport::new(EntityKind::Account);
        r.add_outcome(&Outcome::Created {
            kind: EntityKind::Account,
            source_id: "1".into(),
            target_id: "a".into(),
        });
        r.add_outcome(&Outcome::Updated {
            source_id: "2".into(),
            target_id: None,
        });
        r.add_outcome(&Outcome::Written { count: 3 });
        r.add_outcome(&Outcome::Refused {
            source_id: Some("4".into()),
            reason: "no".into(),
        });
        assert_eq!(
            (r.written, r.created, r.updated, r.failed, r.problems.len()),
            (5, 1, 1, 1, 1)
        );
    }
}
