//! Progress as the pipeline sees it: hooks a UI or a log can follow.

use crm_core::{EntityKind, System};

use crate::report::EntityReport;

/// Watches a sync. Every method has an empty default; implement what you
/// show. Called from the task running the sync: keep them quick.
///
/// ```
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use crm_sync::Observer;
///
/// #[derive(Default)]
/// struct Count(AtomicU64);
///
/// impl Observer for Count {
///     fn records_read(&self, _kind: crm_core::EntityKind, n: u64) {
///         self.0.fetch_add(n, Ordering::Relaxed);
///     }
/// }
/// ```
pub trait Observer: Send + Sync {
    /// An entity's sync starts.
    fn entity_started(&self, from: System, to: System, kind: EntityKind) {
        let _ = (from, to, kind);
    }

    /// `n` more records of `kind` were read from the source.
    fn records_read(&self, kind: EntityKind, n: u64) {
        let _ = (kind, n);
    }

    /// An entity's sync ended (also when it was finished by an earlier,
    /// interrupted run: `report.done_before` says so).
    fn entity_finished(&self, from: System, to: System, report: &EntityReport) {
        let _ = (from, to, report);
    }
}

/// An observer that watches nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoObserver;

impl Observer for NoObserver {}
