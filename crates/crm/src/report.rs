//! What a sync did, per entity, and the summary table printed at the end.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use crm_core::{LossReport, System};
use serde::Serialize;

/// Counters of one entity of one sync.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EntityReport {
    /// Records read from the source.
    pub read: u64,
    /// Records written to the target (or, with `--dry-run`, that would be).
    pub written: u64,
    /// Of those, created in the target (when the target says so).
    pub created: u64,
    /// Of those, updated in the target (when the target says so).
    pub updated: u64,
    /// Records not written: refused by the conversion or a pre-send check.
    pub skipped: u64,
    /// Records the target refused after receiving them (e.g. Gong line errors).
    pub failed: u64,
    /// Fields lost in conversion, by path pattern, with how many records lost each.
    pub losses: BTreeMap<String, u64>,
    /// Why records were skipped or failed (the first few).
    pub problems: Vec<String>,
}

impl EntityReport {
    /// Counts the losses of one converted record.
    pub fn add_losses(&mut self, losses: &LossReport) {
        for path in losses.paths() {
            *self.losses.entry(loss_key(path)).or_insert(0) += 1;
        }
    }

    /// Notes a problem (kept for the first 20).
    pub fn problem(&mut self, message: impl Into<String>) {
        if self.problems.len() < 20 {
            self.problems.push(message.into());
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
    /// Per entity, in the order synced.
    pub entities: Vec<(String, EntityReport)>,
    /// Wall time.
    pub elapsed: Duration,
}

impl SyncReport {
    /// Whether every record read was written and none failed.
    pub fn is_clean(&self) -> bool {
        self.entities
            .iter()
            .all(|(_, e)| e.skipped == 0 && e.failed == 0)
    }

    /// Records read in all.
    pub fn records(&self) -> u64 {
        self.entities.iter().map(|(_, e)| e.read).sum()
    }
}

/// A created/updated count, or `-` where the target does not say (Gong's
/// bulk upload inserts or updates without telling which).
fn counted(target: System, n: u64) -> String {
    if target == System::Gong {
        "-".to_owned()
    } else {
        n.to_string()
    }
}

/// The summary table of several syncs.
pub fn table(reports: &[SyncReport]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<24} {:<10} {:>8} {:>8} {:>8} {:>8} {:>8} {:>7} {:>8}",
        "sync", "entity", "read", "written", "created", "updated", "skipped", "failed", "time"
    );
    let _ = writeln!(out, "{}", "-".repeat(100));
    for r in reports {
        let label = format!(
            "{} -> {}{}",
            r.from,
            r.to,
            if r.dry_run { " (dry)" } else { "" }
        );
        for (i, (entity, e)) in r.entities.iter().enumerate() {
            let time = if i == 0 {
                format!("{:.2}s", r.elapsed.as_secs_f64())
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "{:<24} {:<10} {:>8} {:>8} {:>8} {:>8} {:>8} {:>7} {:>8}",
                if i == 0 { label.as_str() } else { "" },
                entity,
                e.read,
                e.written,
                counted(r.to, e.created),
                counted(r.to, e.updated),
                e.skipped,
                e.failed,
                time
            );
        }
    }
    let mut losses: BTreeMap<String, u64> = BTreeMap::new();
    for r in reports {
        for (_, e) in &r.entities {
            for (path, n) in &e.losses {
                *losses
                    .entry(format!("{} -> {}: {path}", r.from, r.to))
                    .or_insert(0) += n;
            }
        }
    }
    if !losses.is_empty() {
        let _ = writeln!(out, "\nfields not carried (records), by field:");
        for (path, n) in &losses {
            let _ = writeln!(out, "  {n:>8}  {path}");
        }
    }
    let mut header = false;
    for r in reports {
        for (entity, e) in &r.entities {
            if e.problems.is_empty() {
                continue;
            }
            if !header {
                let _ = writeln!(out, "\nfirst problems:");
                header = true;
            }
            let _ = writeln!(out, "  {} -> {} {entity}:", r.from, r.to);
            for p in e.problems.iter().take(3) {
                let _ = writeln!(out, "    - {p}");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loss_keys_fold_positions() {
        assert_eq!(loss_key("contact.phones[12].kind"), "contact.phones[].kind");
        assert_eq!(loss_key("deal.amount.currency"), "deal.amount.currency");
    }
}
