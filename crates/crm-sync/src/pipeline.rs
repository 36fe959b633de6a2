//! The one pipeline every pair runs: read → `ToCore` → `FromCore` → write.

use std::collections::HashMap;
use std::time::Instant;

use crm_core::{ConvertOptions, Entity, EntityKind, ExternalId, Meta, System};
use futures::StreamExt;

use crate::checkpoint::{Checkpoint, CheckpointStore};
use crate::connector::{
    EntityWriter, Outcome, Pending, ReadOrder, Sink, Source, WriteCapability, WriteContext,
};
use crate::connectors::{Connectors, Step};
use crate::dry_run::DryRun;
use crate::error::SyncError;
use crate::observer::Observer;
use crate::report::{EntityReport, SyncReport};

/// One sync to run.
#[derive(Debug, Clone)]
pub struct SyncPlan {
    /// The source.
    pub from: System,
    /// The target.
    pub to: System,
    /// The entities (empty: all the pair supports).
    pub entities: Vec<EntityKind>,
    /// Convert and report, write nothing.
    pub dry_run: bool,
    /// Resume the run whose checkpoint the store holds.
    pub resume: bool,
    /// Send only what changed since the positions in the store's state
    /// (the source needs a change feed).
    pub incremental: bool,
    /// Keep change-feed positions in the store's state, so a later run can
    /// be incremental (sources with a change feed only).
    pub keep_positions: bool,
    /// Conversion choices.
    pub options: ConvertOptions,
}

impl SyncPlan {
    /// Every entity the pair supports, default choices, positions kept.
    pub fn new(from: System, to: System) -> Self {
        SyncPlan {
            from,
            to,
            entities: Vec::new(),
            dry_run: false,
            resume: false,
            incremental: false,
            keep_positions: true,
            options: ConvertOptions::default(),
        }
    }

    /// `<from>-><to>`: the key of the pair in checkpoints and state.
    pub fn key(&self) -> String {
        format!("{}->{}", self.from, self.to)
    }
}

/// Runs a sync.
///
/// # Errors
/// [`SyncError`] when the pair or an entity is unsupported, the checkpoint
/// is in the way, or a system fails after retries. Records the target
/// refuses are not errors: they are counted in the report.
pub async fn run(
    plan: &SyncPlan,
    connectors: &Connectors,
    store: &mut dyn CheckpointStore,
    observer: &dyn Observer,
) -> Result<SyncReport, SyncError> {
    let started = Instant::now();
    let steps = choose(plan, connectors.steps(plan.from, plan.to)?)?;
    let source = connectors.source(plan.from)?;
    let real_sink = connectors.sink(plan.to)?;
    let dry = DryRun(real_sink);
    let sink: &dyn Sink = if plan.dry_run { &dry } else { real_sink };
    if !plan.dry_run {
        real_sink.check().await?;
    }
    let feed = connectors.change_feed(plan.from);
    let endpoints = format!(
        "{}={} {}={}",
        plan.from,
        connectors.get(plan.from)?.endpoint(),
        plan.to,
        connectors.get(plan.to)?.endpoint()
    );
    let keeps_positions = plan.keep_positions && feed.is_some();
    let mut state = store.load_state()?;
    let start_positions = if plan.incremental {
        if feed.is_none() {
            return Err(SyncError::Unsupported(format!(
                "incremental syncs read a change feed, and {} has none",
                plan.from
            )));
        }
        state.positions.get(&plan.key()).cloned().ok_or_else(|| {
            SyncError::Plan(format!(
                "{}: no change-feed positions for {}: run a full sync first",
                store.location(),
                plan.key()
            ))
        })?
    } else {
        Default::default()
    };
    let mut checkpoint = open_checkpoint(plan, &endpoints, store)?;
    // Links made by earlier runs of the pair: a rerun updates, never creates twice.
    if let Some(links) = state.links.get(&plan.key()) {
        for (key, id) in links {
            checkpoint
                .links
                .entry(key.clone())
                .or_insert_with(|| id.clone());
        }
    }
    let mut report = SyncReport {
        from: plan.from,
        to: plan.to,
        dry_run: plan.dry_run,
        incremental: plan.incremental,
        entities: Vec::new(),
        elapsed: std::time::Duration::ZERO,
    };
    let context = WriteContext {
        run_id: checkpoint.run_id.clone(),
    };
    for step in &steps {
        let kind = step.kind();
        if checkpoint.is_done(kind) {
            tracing::info!(entity = %kind, "finished before: skipped");
            let mut done = EntityReport::new(kind);
            done.done_before = true;
            observer.entity_finished(plan.from, plan.to, &done);
            report.entities.push(done);
            continue;
        }
        observer.entity_started(plan.from, plan.to, kind);
        let mut run = Run {
            plan,
            connectors,
            source,
            sink,
            store: &mut *store,
            observer,
            checkpoint: &mut checkpoint,
            report: EntityReport::new(kind),
        };
        let follows = feed.is_some_and(|f| f.follows().contains(&kind));
        if plan.incremental && follows {
            let start = start_positions.get(&kind).ok_or_else(|| {
                SyncError::Plan(format!(
                    "no change-feed position for {kind}: run a full sync first"
                ))
            })?;
            run.changes(step, start, &context).await?;
        } else {
            // Where the feed stands before the read (kept from the
            // interrupted run on resume): the next incremental run starts
            // there and misses nothing written during this one.
            if let Some(feed) = feed.filter(|_| {
                keeps_positions
                    && follows
                    && !plan.dry_run
                    && !run.checkpoint.positions.contains_key(&kind)
            }) {
                let position = feed.position(kind).await?;
                run.checkpoint.positions.insert(kind, position);
                run.save()?;
            }
            run.full(step, &context).await?;
        }
        let entity_report = run.report;
        if !plan.dry_run {
            checkpoint.completed.push(kind);
            store.save(&checkpoint)?;
        }
        observer.entity_finished(plan.from, plan.to, &entity_report);
        report.entities.push(entity_report);
    }
    if !plan.dry_run {
        if keeps_positions {
            // Merged: entities left out of this run keep their positions.
            state
                .positions
                .entry(plan.key())
                .or_default()
                .extend(checkpoint.positions.clone());
        }
        if !checkpoint.links.is_empty() {
            state
                .links
                .insert(plan.key(), std::mem::take(&mut checkpoint.links));
        }
        store.save_state(&state)?;
        // A finished run leaves no checkpoint: the next one starts afresh.
        store.clear()?;
    }
    report.elapsed = started.elapsed();
    Ok(report)
}

/// The steps of the plan's entities, in the pair's order.
fn choose(plan: &SyncPlan, steps: Vec<Step>) -> Result<Vec<Step>, SyncError> {
    if plan.entities.is_empty() {
        return Ok(steps);
    }
    let supported: Vec<EntityKind> = steps.iter().flat_map(Step::kinds).collect();
    for kind in &plan.entities {
        if !supported.contains(kind) {
            return Err(SyncError::Unsupported(format!(
                "{}: {kind} are not supported (supported: {})",
                plan.key(),
                supported
                    .iter()
                    .map(|k| k.plural())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    Ok(steps
        .into_iter()
        .filter(|s| s.kinds().iter().any(|k| plan.entities.contains(k)))
        .collect())
}

fn open_checkpoint(
    plan: &SyncPlan,
    endpoints: &str,
    store: &mut dyn CheckpointStore,
) -> Result<Checkpoint, SyncError> {
    let refuse = |store: &dyn CheckpointStore, message: String| SyncError::Checkpoint {
        location: store.location(),
        message,
    };
    match (store.load()?, plan.resume) {
        (Some(cp), true) if cp.sync != plan.key() => Err(refuse(
            store,
            format!("it belongs to the sync {}, not {}", cp.sync, plan.key()),
        )),
        (Some(cp), true) if cp.endpoints != endpoints => Err(refuse(
            store,
            format!(
                "it was written against other endpoints ({}), not {endpoints}: resume it with the configuration that started it",
                cp.endpoints
            ),
        )),
        (Some(cp), true) => Ok(cp),
        (None, true) => Err(refuse(store, "there is nothing to resume".into())),
        (Some(_), false) if !plan.dry_run => Err(refuse(
            store,
            "an earlier sync was interrupted: pass --resume to finish it (or delete the file)"
                .into(),
        )),
        _ => {
            let cp = Checkpoint::new(&plan.key(), endpoints);
            if !plan.dry_run {
                store.save(&cp)?;
            }
            Ok(cp)
        }
    }
}

/// The state of one entity's sync.
struct Run<'a> {
    plan: &'a SyncPlan,
    connectors: &'a Connectors,
    source: &'a dyn Source,
    sink: &'a dyn Sink,
    store: &'a mut dyn CheckpointStore,
    observer: &'a dyn Observer,
    checkpoint: &'a mut Checkpoint,
    report: EntityReport,
}

impl Run<'_> {
    fn save(&mut self) -> Result<(), SyncError> {
        if self.plan.dry_run {
            return Ok(());
        }
        self.store.save(self.checkpoint)
    }

    /// The order to read in: stable when this run links records back to
    /// the source (its writes would move records between change-ordered
    /// pages), change order otherwise.
    fn order(&self, write: &WriteCapability) -> ReadOrder {
        let links = self
            .connectors
            .link_back(self.plan.from)
            .is_some_and(|l| l.links().contains(&write.kind));
        if links && write.makes_ids {
            ReadOrder::Stable
        } else {
            ReadOrder::Changes
        }
    }

    /// Converts one record for the target: `None` (counted) when it cannot go.
    fn prepare(&mut self, record: &Entity, write: &WriteCapability) -> Option<Pending> {
        let source_id = record.meta().ids.get(self.plan.from).map(str::to_owned);
        if record.meta().deleted && !write.deletes {
            self.report.skipped += 1;
            self.report.problem(format!(
                "{} {}: deleted in {}; {} deletions are not propagated to {}",
                write.kind.as_str(),
                source_id.as_deref().unwrap_or("?"),
                self.plan.from,
                write.kind.as_str(),
                self.plan.to
            ));
            return None;
        }
        match self.sink.prepare(record, &self.plan.options) {
            Ok(converted) => {
                self.report.add_losses(&converted.losses);
                let existing = source_id.as_ref().and_then(|id| {
                    self.checkpoint
                        .links
                        .get(&Checkpoint::link_key(write.kind, id))
                        .cloned()
                });
                Some(Pending {
                    source_id,
                    value: converted.value,
                    existing,
                    children: Vec::new(),
                })
            }
            Err(e) => {
                self.report.skipped += 1;
                self.report.problem(match &source_id {
                    Some(id) => format!("{} {id}: {e}", write.kind.as_str()),
                    None => e.to_string(),
                });
                None
            }
        }
    }

    /// Reads the kinds embedded in `step`'s kind and groups them by the
    /// source id of their parent.
    async fn embedded(&mut self, step: &Step) -> Result<HashMap<String, Vec<Pending>>, SyncError> {
        let mut groups: HashMap<String, Vec<Pending>> = HashMap::new();
        for child in &step.embedded {
            let Some((parent, reason)) = child.embedded_in else {
                continue;
            };
            let mut records = self.source.read(child.kind, self.order(child));
            while let Some(record) = records.next().await {
                let record = record?;
                self.report.read += 1;
                self.observer.records_read(child.kind, 1);
                let Some(parent_id) = parent_id(&record, parent, self.plan.from) else {
                    self.report.skipped += 1;
                    let id = record.meta().ids.get(self.plan.from).unwrap_or("?");
                    self.report
                        .problem(format!("{} {id}: {reason}", child.kind.as_str()));
                    continue;
                };
                if let Some(pending) = self.prepare(&record, child) {
                    groups.entry(parent_id).or_default().push(pending);
                }
            }
        }
        Ok(groups)
    }

    /// A full read of `step`'s kind.
    async fn full(&mut self, step: &Step, context: &WriteContext) -> Result<(), SyncError> {
        let mut groups = self.embedded(step).await?;
        let write = step.write;
        let mut writer = self.sink.open(write.kind, context).await?;
        let mut records = self.source.read(write.kind, self.order(&write));
        while let Some(record) = records.next().await {
            let record = record?;
            self.report.read += 1;
            self.observer.records_read(write.kind, 1);
            let children = record
                .meta()
                .ids
                .get(self.plan.from)
                .and_then(|id| groups.remove(id))
                .unwrap_or_default();
            let children_count = children.len() as u64;
            let Some(mut pending) = self.prepare(&record, &write) else {
                if children_count > 0 {
                    self.report.skipped += children_count;
                    self.report.problem(format!(
                        "{children_count} embedded record(s) not written with their {}",
                        write.kind.as_str()
                    ));
                }
                continue;
            };
            pending.children = children;
            self.write(writer.as_mut(), pending).await?;
        }
        drop(records);
        for (parent, orphans) in groups {
            self.report.skipped += orphans.len() as u64;
            self.report.problem(format!(
                "{} record(s) embedded in {} {parent}, which was not listed",
                orphans.len(),
                write.kind.as_str()
            ));
        }
        let outcomes = writer.finish().await?;
        self.settle(outcomes).await
    }

    /// What changed since `start`: the records read back by id, the
    /// deletions as tombstones, oldest change first.
    async fn changes(
        &mut self,
        step: &Step,
        start: &str,
        context: &WriteContext,
    ) -> Result<(), SyncError> {
        let write = step.write;
        let Some(feed) = self.connectors.change_feed(self.plan.from) else {
            return Ok(());
        };
        let changes = feed.changes(write.kind, start).await?;
        tracing::info!(
            entity = %write.kind,
            upserted = changes.upserted.len(),
            deleted = changes.deleted.len(),
            "changes since the last sync"
        );
        // A change set is small next to a full read: sorted in memory.
        let mut records: Vec<Entity> =
            Vec::with_capacity(changes.upserted.len() + changes.deleted.len());
        let mut read = self
            .source
            .read_by_ids(write.kind, changes.upserted.clone());
        while let Some(record) = read.next().await {
            records.push(record?);
        }
        drop(read);
        for (id, at) in &changes.deleted {
            let mut meta = Meta::default();
            meta.ids.set(self.plan.from, id.clone());
            meta.updated_at = Some(*at);
            if let Some(tombstone) = Entity::tombstone(write.kind, meta) {
                records.push(tombstone);
            }
        }
        records.sort_by_key(|r| r.meta().updated_at);
        let mut writer = self.sink.open(write.kind, context).await?;
        for record in records {
            self.report.read += 1;
            self.observer.records_read(write.kind, 1);
            if let Some(pending) = self.prepare(&record, &write) {
                self.write(writer.as_mut(), pending).await?;
            }
        }
        let outcomes = writer.finish().await?;
        self.settle(outcomes).await?;
        if !self.plan.dry_run {
            self.checkpoint
                .positions
                .insert(write.kind, changes.position);
        }
        Ok(())
    }

    async fn write(
        &mut self,
        writer: &mut dyn EntityWriter,
        pending: Pending,
    ) -> Result<(), SyncError> {
        let outcomes = writer.write(pending).await?;
        self.settle(outcomes).await
    }

    /// Counts outcomes, keeps the ids the target made (the checkpoint is
    /// saved before anything else happens) and links them back.
    async fn settle(&mut self, outcomes: Vec<Outcome>) -> Result<(), SyncError> {
        let mut created = Vec::new();
        let mut links = Vec::new();
        for outcome in &outcomes {
            self.report.add_outcome(outcome);
            match outcome {
                Outcome::Created {
                    kind,
                    source_id,
                    target_id,
                } => {
                    created.push((*kind, source_id.clone(), target_id.clone()));
                    links.push((*kind, source_id, target_id));
                }
                Outcome::Linked {
                    kind,
                    source_id,
                    target_id,
                } => links.push((*kind, source_id, target_id)),
                _ => {}
            }
        }
        if links.is_empty() || self.plan.dry_run {
            return Ok(());
        }
        for (kind, source_id, target_id) in links {
            self.checkpoint
                .links
                .insert(Checkpoint::link_key(kind, source_id), target_id.clone());
        }
        self.save()?;
        let Some(link_back) = self.connectors.link_back(self.plan.from) else {
            return Ok(());
        };
        for (kind, source_id, target_id) in created {
            if !link_back.links().contains(&kind) {
                continue;
            }
            let target = ExternalId::new(self.plan.to, target_id);
            if let Err(e) = link_back.link(kind, &source_id, &target).await {
                if e.is_refusal() {
                    self.report.problem(format!(
                        "{} {} {source_id}: the link to {} was refused: {e}",
                        self.plan.from,
                        kind.as_str(),
                        self.plan.to
                    ));
                } else {
                    return Err(e);
                }
            }
        }
        Ok(())
    }
}

/// The source id of `record`'s parent of kind `parent`.
fn parent_id(record: &Entity, parent: EntityKind, system: System) -> Option<String> {
    let refs: Vec<&crm_core::Ref> = match record {
        Entity::Contact(c) => c.accounts.iter().collect(),
        Entity::Deal(d) => d.account.iter().collect(),
        _ => Vec::new(),
    };
    refs.into_iter()
        .find(|r| r.kind == parent)
        .and_then(|r| r.ids.get(system))
        .map(str::to_owned)
}
