//! One connector per system, and the registry the pipeline asks.
//!
//! A connector declares what its system can do ([`Source::reads`],
//! [`Sink::writes`], [`ChangeFeed::follows`], [`LinkBack::links`]);
//! [`Connectors`] derives from those declarations which pairs can sync,
//! which entities each pair moves and in what order, and what can be
//! exported. Nothing here or in the pipeline names a pair of systems.

use crm_core::{EntityKind, System};

use crate::connector::{ChangeFeed, Connector, LinkBack, Sink, Source, WriteCapability};
use crate::error::SyncError;

pub mod conecrm;
pub mod gong;
pub mod zendesk_sell;

pub use conecrm::ConeConnector;
pub use gong::GongConnector;
pub use zendesk_sell::SellConnector;

/// The connectors of a sync, one per system.
#[derive(Default)]
pub struct Connectors {
    list: Vec<Box<dyn Connector>>,
}

impl std::fmt::Debug for Connectors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.list.iter().map(|c| c.system()))
            .finish()
    }
}

impl Connectors {
    /// No connectors.
    pub fn new() -> Self {
        Connectors::default()
    }

    /// Adds (or replaces) the connector of its system.
    pub fn with(mut self, connector: impl Connector + 'static) -> Self {
        self.add(Box::new(connector));
        self
    }

    /// Adds (or replaces) the connector of its system.
    pub fn add(&mut self, connector: Box<dyn Connector>) {
        self.list.retain(|c| c.system() != connector.system());
        self.list.push(connector);
    }

    /// The systems with a connector.
    pub fn systems(&self) -> Vec<System> {
        self.list.iter().map(|c| c.system()).collect()
    }

    /// The connector of `system`.
    ///
    /// # Errors
    /// [`SyncError::NotConfigured`] when there is none.
    pub fn get(&self, system: System) -> Result<&dyn Connector, SyncError> {
        self.list
            .iter()
            .find(|c| c.system() == system)
            .map(|c| c.as_ref())
            .ok_or(SyncError::NotConfigured { system })
    }

    /// `system` as a source.
    ///
    /// # Errors
    /// [`SyncError::NotConfigured`], or [`SyncError::Unsupported`] when the
    /// system cannot be read.
    pub fn source(&self, system: System) -> Result<&dyn Source, SyncError> {
        self.get(system)?.source().ok_or_else(|| {
            SyncError::Unsupported(format!(
                "{system} cannot be a source: its connector reads nothing (its API receives data)"
            ))
        })
    }

    /// `system` as a target.
    ///
    /// # Errors
    /// [`SyncError::NotConfigured`], or [`SyncError::Unsupported`] when the
    /// system cannot be written.
    pub fn sink(&self, system: System) -> Result<&dyn Sink, SyncError> {
        self.get(system)?
            .sink()
            .ok_or_else(|| SyncError::Unsupported(format!("{system} cannot be a target")))
    }

    /// `system`'s change feed, if it has one.
    pub fn change_feed(&self, system: System) -> Option<&dyn ChangeFeed> {
        self.get(system).ok().and_then(|c| c.change_feed())
    }

    /// `system`'s link-back, if it has one.
    pub fn link_back(&self, system: System) -> Option<&dyn LinkBack> {
        self.get(system).ok().and_then(|c| c.link_back())
    }

    /// The steps of `from → to`: each kind the target writes on its own and
    /// the source reads, in the target's order, with the kinds embedded in
    /// it (that the source also reads).
    ///
    /// # Errors
    /// [`SyncError::Unsupported`] when the pair moves nothing.
    pub fn steps(&self, from: System, to: System) -> Result<Vec<Step>, SyncError> {
        if from == to {
            return Err(SyncError::Unsupported(format!(
                "{from} -> {to}: nothing to sync"
            )));
        }
        let source = self.source(from)?;
        let sink = self.sink(to)?;
        let reads = source.reads();
        let writes = sink.writes();
        let steps: Vec<Step> = writes
            .iter()
            .filter(|w| w.embedded_in.is_none() && reads.contains(&w.kind))
            .map(|w| Step {
                write: *w,
                embedded: writes
                    .iter()
                    .filter(|c| {
                        c.embedded_in.is_some_and(|(parent, _)| parent == w.kind)
                            && reads.contains(&c.kind)
                    })
                    .copied()
                    .collect(),
            })
            .collect();
        if steps.is_empty() {
            return Err(SyncError::Unsupported(format!(
                "{from} -> {to}: {from} reads nothing {to} writes"
            )));
        }
        Ok(steps)
    }

    /// Every pair that can sync, with the kinds it moves.
    pub fn pairs(&self) -> Vec<(System, System, Vec<EntityKind>)> {
        let systems = self.systems();
        let mut pairs = Vec::new();
        for &from in &systems {
            for &to in &systems {
                if let Ok(steps) = self.steps(from, to) {
                    pairs.push((from, to, steps.iter().flat_map(Step::kinds).collect()));
                }
            }
        }
        pairs
    }

    /// The kinds `system` can export (everything it reads, in sync order).
    ///
    /// # Errors
    /// As [`Connectors::source`].
    pub fn exportable(&self, system: System) -> Result<Vec<EntityKind>, SyncError> {
        let reads = self.source(system)?.reads();
        Ok(EntityKind::ALL
            .into_iter()
            .filter(|k| reads.contains(k))
            .collect())
    }
}

/// One step of a sync: a kind the target writes, and the kinds written
/// inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The kind and how the target writes it.
    pub write: WriteCapability,
    /// Kinds embedded in it, read before it and written with it.
    pub embedded: Vec<WriteCapability>,
}

impl Step {
    /// The kind.
    pub fn kind(&self) -> EntityKind {
        self.write.kind
    }

    /// The kind and those embedded in it.
    pub fn kinds(&self) -> Vec<EntityKind> {
        std::iter::once(self.write.kind)
            .chain(self.embedded.iter().map(|c| c.kind))
            .collect()
    }
}
