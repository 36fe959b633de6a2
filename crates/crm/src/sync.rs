//! The sync engine: read a system's records as a stream, convert each
//! through crm-core, write them to another system, and report what happened.
//!
//! | from → to | entities, in the order synced |
//! |---|---|
//! | zendesk-sell → gong | stages, accounts (organisations), contacts (persons), deals, leads |
//! | conecrm → gong | stages, accounts, contacts |
//! | zendesk-sell → conecrm | stages, accounts (organisations, with their persons embedded; the row counts both) |
//! | conecrm → zendesk-sell | accounts (as organisations), contacts (as persons) |
//!
//! Gong cannot be a source: its CRM integration API has no list operation.
//! Writes to Gong go through the bulk upload (files checked against the
//! integration's schema, split, uploaded with content-hash
//! `clientRequestId`s, polled); writes to Sell are upserts keyed by the
//! custom field `crm_bridge_id` (the source id); writes to ConeCRM create or
//! update accounts, remembering the ids in the checkpoint. See
//! [`crate::checkpoint`] for resuming, and [`crate::state`] for incremental
//! `zendesk-sell → gong` syncs from stored Firehose positions.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crm_core::zendesk_sell::Party;
use crm_core::{ConvertError, ConvertOptions, Converted, FromCore, System, ToCore, convert_owned};
use futures::channel::mpsc;
use futures::{SinkExt, Stream, StreamExt, TryStreamExt};
use gong_crm_api::bulk::{BulkOptions, RequestIds};
use gong_crm_api::records::GongRecord;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use zendesk_sell_api::PagedList;

use crate::checkpoint::Checkpoint;
use crate::clients::{Clients, GongTarget};
use crate::error::{CrmError, cone_err, gong_err, sell_err};
use crate::incremental;
use crate::report::{EntityReport, SyncReport};
use crate::state::SyncState;

/// The entities a sync moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    /// Pipeline stages.
    Stages,
    /// Companies (Sell organisations).
    Accounts,
    /// People (Sell persons).
    Contacts,
    /// Opportunities.
    Deals,
    /// Leads.
    Leads,
}

impl Entity {
    /// The name used in reports and checkpoints.
    pub fn label(self) -> &'static str {
        match self {
            Entity::Stages => "stages",
            Entity::Accounts => "accounts",
            Entity::Contacts => "contacts",
            Entity::Deals => "deals",
            Entity::Leads => "leads",
        }
    }
}

/// The entities `from → to` supports, in the order they are synced.
///
/// # Errors
/// [`CrmError::Unsupported`] for a pair that cannot sync.
pub fn supported(from: System, to: System) -> Result<Vec<Entity>, CrmError> {
    use Entity::*;
    match (from, to) {
        (System::Gong, _) => Err(CrmError::Unsupported(
            "gong cannot be a source: its CRM integration API has no list operation (it receives CRM data)".into(),
        )),
        (a, b) if a == b => Err(CrmError::Unsupported(format!("{a} -> {b}: nothing to sync"))),
        (System::ZendeskSell, System::Gong) => Ok(vec![Stages, Accounts, Contacts, Deals, Leads]),
        (System::Conecrm, System::Gong) => Ok(vec![Stages, Accounts, Contacts]),
        (System::ZendeskSell, System::Conecrm) => Ok(vec![Stages, Accounts]),
        (System::Conecrm, System::ZendeskSell) => Ok(vec![Accounts, Contacts]),
        (a, b) => Err(CrmError::Unsupported(format!("{a} -> {b} is not supported"))),
    }
}

/// Whether to draw progress bars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Progress {
    /// No output (tests, pipes).
    #[default]
    Hidden,
    /// A progress bar per entity on stderr.
    Bars,
}

/// One sync to run.
#[derive(Debug, Clone)]
pub struct SyncRequest {
    /// The source.
    pub from: System,
    /// The target.
    pub to: System,
    /// The entities (empty: all the pair supports).
    pub entities: Vec<Entity>,
    /// Convert and report, write nothing.
    pub dry_run: bool,
    /// The checkpoint file (none: the sync cannot be resumed).
    pub checkpoint: Option<PathBuf>,
    /// Resume from the checkpoint.
    pub resume: bool,
    /// Conversion choices.
    pub options: ConvertOptions,
    /// Progress bars.
    pub progress: Progress,
    /// Records per page when reading.
    pub page_size: u32,
    /// Gong bulk upload settings (file size, polling); the request ids are
    /// always content hashes under the checkpoint's prefix.
    pub bulk: BulkOptions,
    /// The state file of Firehose positions between syncs (`zendesk-sell →
    /// gong` only; none: positions are not kept). See [`crate::state`].
    pub state: Option<PathBuf>,
    /// Send only what changed since the positions in [`SyncRequest::state`].
    pub incremental: bool,
}

impl SyncRequest {
    /// A sync of every supported entity with default settings.
    pub fn new(from: System, to: System) -> Self {
        SyncRequest {
            from,
            to,
            entities: Vec::new(),
            dry_run: false,
            checkpoint: None,
            resume: false,
            options: ConvertOptions::default(),
            progress: Progress::Hidden,
            page_size: 100,
            bulk: BulkOptions::default(),
            state: None,
            incremental: false,
        }
    }

    fn key(&self) -> String {
        format!("{}->{}", self.from, self.to)
    }
}

/// Runs a sync.
///
/// # Errors
/// [`CrmError`] when the pair is unsupported, the checkpoint is in the way,
/// or a system fails after retries. Refused records are not errors: they are
/// counted in the report.
pub async fn sync(clients: &Clients, request: &SyncRequest) -> Result<SyncReport, CrmError> {
    let started = Instant::now();
    let supported = supported(request.from, request.to)?;
    let entities: Vec<Entity> = if request.entities.is_empty() {
        supported.clone()
    } else {
        let mut chosen = Vec::new();
        for e in &supported {
            if request.entities.contains(e) {
                chosen.push(*e);
            }
        }
        for e in &request.entities {
            if !supported.contains(e) {
                return Err(CrmError::Unsupported(format!(
                    "{} -> {}: {} are not supported (supported: {})",
                    request.from,
                    request.to,
                    e.label(),
                    supported
                        .iter()
                        .map(|e| e.label())
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
        }
        chosen
    };
    let keeps_positions = request.from == System::ZendeskSell && request.to == System::Gong;
    let mut state = match &request.state {
        Some(path) if keeps_positions => Some((path, SyncState::load(path)?)),
        _ => None,
    };
    let start_positions = match (&state, request.incremental) {
        (_, false) => BTreeMap::new(),
        (_, true) if !keeps_positions => {
            return Err(CrmError::Unsupported(format!(
                "--incremental reads Sell's Firehose: it works for zendesk-sell -> gong, not {} -> {}",
                request.from, request.to
            )));
        }
        (None, true) => {
            return Err(CrmError::Config(
                "--incremental needs a state file (--state)".into(),
            ));
        }
        (Some((path, state)), true) => {
            state
                .positions
                .get(&request.key())
                .cloned()
                .ok_or_else(|| {
                    CrmError::Config(format!(
                        "{}: no Firehose positions for {}: run a full sync first",
                        path.display(),
                        request.key()
                    ))
                })?
        }
    };
    let mut checkpoint = open_checkpoint(request)?;
    let mut report = SyncReport {
        from: request.from,
        to: request.to,
        dry_run: request.dry_run,
        entities: Vec::new(),
        elapsed: Duration::ZERO,
    };
    for entity in entities {
        if checkpoint.is_done(entity.label()) {
            tracing::info!(entity = entity.label(), "finished before: skipped");
            report.entities.push((
                format!("{} (done)", entity.label()),
                EntityReport::default(),
            ));
            continue;
        }
        let mut step = Step {
            clients,
            request,
            checkpoint: &mut checkpoint,
            report: EntityReport::default(),
            bar: bar(request.progress, request.from, request.to, entity),
            start_positions: &start_positions,
        };
        step.run(entity).await?;
        step.bar.finish();
        let entity_report = step.report;
        if !request.dry_run {
            checkpoint.completed.push(entity.label().to_owned());
            save(request, &checkpoint)?;
        }
        report
            .entities
            .push((entity.label().to_owned(), entity_report));
    }
    if let (Some((path, state)), false) = (state.as_mut(), request.dry_run) {
        // Merged: entities left out of this run keep their positions.
        state
            .positions
            .entry(request.key())
            .or_default()
            .extend(checkpoint.firehose.clone());
        state.save(path)?;
    }
    if let (Some(path), false) = (&request.checkpoint, request.dry_run) {
        // A finished sync leaves no checkpoint: the next one starts afresh.
        let _ = std::fs::remove_file(path);
    }
    report.elapsed = started.elapsed();
    Ok(report)
}

fn open_checkpoint(request: &SyncRequest) -> Result<Checkpoint, CrmError> {
    let Some(path) = &request.checkpoint else {
        return Ok(Checkpoint::new(&request.key()));
    };
    match (Checkpoint::load(path)?, request.resume) {
        (Some(cp), true) if cp.sync == request.key() => Ok(cp),
        (Some(cp), true) => Err(CrmError::Checkpoint {
            path: path.clone(),
            message: format!("it belongs to the sync {}, not {}", cp.sync, request.key()),
        }),
        (None, true) => Err(CrmError::Checkpoint {
            path: path.clone(),
            message: "there is nothing to resume".into(),
        }),
        (Some(_), false) if !request.dry_run => Err(CrmError::Checkpoint {
            path: path.clone(),
            message:
                "an earlier sync was interrupted: pass --resume to finish it (or delete the file)"
                    .into(),
        }),
        _ => {
            let cp = Checkpoint::new(&request.key());
            if !request.dry_run {
                cp.save(path)?;
            }
            Ok(cp)
        }
    }
}

fn save(request: &SyncRequest, checkpoint: &Checkpoint) -> Result<(), CrmError> {
    match &request.checkpoint {
        Some(path) if !request.dry_run => checkpoint.save(path),
        _ => Ok(()),
    }
}

fn bar(progress: Progress, from: System, to: System, entity: Entity) -> ProgressBar {
    match progress {
        Progress::Hidden => ProgressBar::hidden(),
        Progress::Bars => {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} {prefix:<28} {pos:>9} records  {per_sec:>12}  {elapsed}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.set_prefix(format!("{from} -> {to} {}", entity.label()));
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        }
    }
}

/// The state of one entity's sync.
struct Step<'a> {
    clients: &'a Clients,
    request: &'a SyncRequest,
    checkpoint: &'a mut Checkpoint,
    report: EntityReport,
    bar: ProgressBar,
    /// Incremental runs: the Firehose position of each entity to start at.
    start_positions: &'a BTreeMap<String, String>,
}

/// A stream of source records (errors already mapped).
type Source<'a, T> = std::pin::Pin<Box<dyn Stream<Item = Result<T, CrmError>> + Send + 'a>>;

/// Sell lists are read oldest change first: Gong wants each upload file
/// sorted by `modifiedDate` ascending, so a sorted source fills whole files.
const SELL_ORDER: &str = "updated_at:asc";

/// ConeCRM accounts, oldest change first (see [`SELL_ORDER`]).
fn cone_accounts_order(
    b: conecrm_api::builder::GetAccounts<'_>,
) -> conecrm_api::builder::GetAccounts<'_> {
    b.sort_field("dateModified")
        .sort_direction(conecrm_api::types::SortDirection::Asc)
}

/// ConeCRM contacts, oldest change first (see [`SELL_ORDER`]).
fn cone_contacts_order(
    b: conecrm_api::builder::GetContacts<'_>,
) -> conecrm_api::builder::GetContacts<'_> {
    b.sort_field("dateModified")
        .sort_direction(conecrm_api::types::SortDirection::Asc)
}

impl Step<'_> {
    async fn run(&mut self, entity: Entity) -> Result<(), CrmError> {
        use Entity::*;
        let page = self.request.page_size.max(1);
        let sell_to_gong =
            self.request.from == System::ZendeskSell && self.request.to == System::Gong;
        if sell_to_gong && entity != Stages && self.request.state.is_some() {
            if self.request.incremental {
                return self.sell_changes_to_gong(entity).await;
            }
            self.mark_firehose_top(entity).await?;
        }
        match (self.request.from, self.request.to, entity) {
            (System::ZendeskSell, System::Gong, Stages) => {
                let sell = self.clients.sell()?;
                let source = sell
                    .list_stages()
                    .per_page(page)
                    .sort_by(SELL_ORDER)
                    .stream()
                    .map_err(sell_err);
                self.write_gong(
                    Box::pin(source),
                    convert_owned::<
                        zendesk_sell_api::types::Stage,
                        gong_crm_api::types::CrmStageRecord,
                    >,
                )
                .await
            }
            (System::ZendeskSell, System::Gong, Accounts) => {
                let sell = self.clients.sell()?;
                let source = sell
                    .list_contacts()
                    .per_page(page)
                    .sort_by(SELL_ORDER)
                    .is_organization(true)
                    .stream()
                    .map_err(sell_err);
                self.write_gong(Box::pin(source), sell_org_to_gong).await
            }
            (System::ZendeskSell, System::Gong, Contacts) => {
                let sell = self.clients.sell()?;
                let source = sell
                    .list_contacts()
                    .per_page(page)
                    .sort_by(SELL_ORDER)
                    .is_organization(false)
                    .stream()
                    .map_err(sell_err);
                self.write_gong(Box::pin(source), sell_person_to_gong).await
            }
            (System::ZendeskSell, System::Gong, Deals) => {
                let sell = self.clients.sell()?;
                let source = sell
                    .list_deals()
                    .per_page(page)
                    .sort_by(SELL_ORDER)
                    .stream()
                    .map_err(sell_err);
                self.write_gong(
                    Box::pin(source),
                    convert_owned::<
                        zendesk_sell_api::types::Deal,
                        gong_crm_api::types::CrmDealRecord,
                    >,
                )
                .await
            }
            (System::ZendeskSell, System::Gong, Leads) => {
                let sell = self.clients.sell()?;
                let source = sell
                    .list_leads()
                    .per_page(page)
                    .sort_by(SELL_ORDER)
                    .stream()
                    .map_err(sell_err);
                self.write_gong(
                    Box::pin(source),
                    convert_owned::<
                        zendesk_sell_api::types::Lead,
                        gong_crm_api::types::CrmLeadRecord,
                    >,
                )
                .await
            }
            (System::Conecrm, System::Gong, Stages) => {
                let stages = self.cone_stages().await?;
                self.write_gong(
                    Box::pin(futures::stream::iter(stages.into_iter().map(Ok))),
                    convert_owned::<
                        conecrm_api::types::ConnectionStage,
                        gong_crm_api::types::CrmStageRecord,
                    >,
                )
                .await
            }
            (System::Conecrm, System::Gong, Accounts) => {
                let cone = self.clients.conecrm()?;
                let source = cone
                    .get_accounts_stream(page, cone_accounts_order)
                    .map_err(cone_err);
                self.write_gong(
                    Box::pin(source),
                    convert_owned::<
                        conecrm_api::types::Account,
                        gong_crm_api::types::CrmAccountRecord,
                    >,
                )
                .await
            }
            (System::Conecrm, System::Gong, Contacts) => {
                let cone = self.clients.conecrm()?;
                let source = cone
                    .get_contacts_stream(page, cone_contacts_order)
                    .map_err(cone_err);
                self.write_gong(
                    Box::pin(source),
                    convert_owned::<
                        conecrm_api::types::Contact,
                        gong_crm_api::types::CrmContactRecord,
                    >,
                )
                .await
            }
            (System::ZendeskSell, System::Conecrm, Stages) => self.sell_stages_to_cone().await,
            (System::ZendeskSell, System::Conecrm, Accounts) => self.sell_orgs_to_cone().await,
            (System::Conecrm, System::ZendeskSell, Accounts) => {
                let cone = self.clients.conecrm()?;
                let source = cone
                    .get_accounts_stream(page, cone_accounts_order)
                    .map_err(cone_err);
                self.write_sell(Box::pin(source), |a: conecrm_api::types::Account, o| {
                    zendesk_sell_api::types::Contact::from_core(&with_bridge_id(a.into_core()), o)
                })
                .await
            }
            (System::Conecrm, System::ZendeskSell, Contacts) => {
                let cone = self.clients.conecrm()?;
                let source = cone
                    .get_contacts_stream(page, cone_contacts_order)
                    .map_err(cone_err);
                self.write_sell(Box::pin(source), |c: conecrm_api::types::Contact, o| {
                    zendesk_sell_api::types::Contact::from_core(&with_bridge_id(c.into_core()), o)
                })
                .await
            }
            (from, to, entity) => Err(CrmError::Unsupported(format!(
                "{from} -> {to}: {} are not supported",
                entity.label()
            ))),
        }
    }

    /// Converts every record of `source` and uploads it to Gong's table for
    /// `R`, through the bulk upload (a channel between reader and uploader
    /// keeps memory flat).
    async fn write_gong<T, R>(
        &mut self,
        mut source: Source<'_, T>,
        convert: fn(T, &ConvertOptions) -> Result<Converted<R>, ConvertError>,
    ) -> Result<(), CrmError>
    where
        R: GongRecord + Send + 'static,
    {
        let gong = self.clients.gong()?;
        let bulk = self.bulk_options();
        let (mut tx, rx) = mpsc::channel::<R>(1024);
        let options = &self.request.options;
        let report = &mut self.report;
        let bar = &self.bar;
        let dry_run = self.request.dry_run;
        let producer = async move {
            while let Some(item) = source.next().await {
                let record = item?;
                report.read += 1;
                bar.inc(1);
                match convert(record, options) {
                    Ok(converted) => {
                        report.add_losses(&converted.losses);
                        if dry_run {
                            report.written += 1;
                        } else if tx.send(converted.value).await.is_err() {
                            break; // the uploader stopped: its error is reported
                        }
                    }
                    Err(e) => {
                        report.skipped += 1;
                        report.problem(e.to_string());
                    }
                }
            }
            drop(tx);
            Ok::<(), CrmError>(())
        };
        if dry_run {
            drop(rx);
            return producer.await;
        }
        let consumer = gong_upload(gong, bulk, rx);
        let (produced, uploaded) = futures::join!(producer, consumer);
        let uploaded = uploaded?;
        self.report.written += uploaded.records_sent;
        self.report.skipped += uploaded.rejected.len() as u64;
        for r in uploaded.rejected.iter().take(5) {
            self.report.problem(format!(
                "{} refused before upload: {}",
                r.object_id, r.problem
            ));
        }
        let failures: Vec<_> = uploaded.failures().collect();
        self.report.failed += failures.iter().filter(|f| f.input_index.is_some()).count() as u64;
        for f in failures.iter().take(5) {
            self.report.problem(format!("Gong: {f}"));
        }
        produced
    }

    /// The bulk settings: the request's, with content-hash request ids under
    /// the checkpoint's prefix (ids then read `<prefix>-<TYPE>-<hash>`).
    fn bulk_options(&self) -> BulkOptions {
        BulkOptions {
            request_id_prefix: Some(self.checkpoint.request_id_prefix.clone()),
            request_ids: RequestIds::ContentHash,
            ..self.request.bulk.clone()
        }
    }

    async fn cone_stages(&self) -> Result<Vec<conecrm_api::types::ConnectionStage>, CrmError> {
        let cone = self.clients.conecrm()?;
        cone.list_stages().send_typed().await.map_err(cone_err)
    }

    /// Upserts every converted record into Sell's contacts, keyed by the
    /// custom field `crm_bridge_id` (the source record's derived id).
    async fn write_sell<T>(
        &mut self,
        mut source: Source<'_, T>,
        convert: fn(
            T,
            &ConvertOptions,
        ) -> Result<Converted<zendesk_sell_api::types::Contact>, ConvertError>,
    ) -> Result<(), CrmError> {
        let sell = self.clients.sell()?;
        while let Some(item) = source.next().await {
            let record = item?;
            self.report.read += 1;
            self.bar.inc(1);
            let converted = match convert(record, &self.request.options) {
                Ok(c) => c,
                Err(e) => {
                    self.report.skipped += 1;
                    self.report.problem(e.to_string());
                    continue;
                }
            };
            self.report.add_losses(&converted.losses);
            let contact = converted.value;
            let Some(key) = bridge_id(&contact) else {
                self.report.skipped += 1;
                self.report
                    .problem("a record without a source id cannot be upserted".to_owned());
                continue;
            };
            if self.request.dry_run {
                self.report.written += 1;
                continue;
            }
            // A record that came from Sell (its Sell id travelled with it)
            // updates that record; any other is upserted by its bridge id.
            let sell_id = contact.id;
            let input = contact_input(contact, &key)?;
            let answer = if sell_id > 0 {
                sell.update_contact()
                    .id(sell_id)
                    .body(input)
                    .send()
                    .await
                    .map(|_| false)
            } else {
                let mut filter = std::collections::BTreeMap::new();
                filter.insert(format!("custom_fields[{BRIDGE_FIELD}]"), key.clone());
                sell.upsert_contact()
                    .custom_field_filters(filter)
                    .body(input)
                    .send()
                    .await
                    .map(|answer| answer.status().as_u16() == 201)
            };
            match answer {
                Ok(created) => {
                    self.report.written += 1;
                    if created {
                        self.report.created += 1;
                    } else {
                        self.report.updated += 1;
                    }
                }
                Err(e) => {
                    let e = crm_client_runtime::ApiError::from_progenitor::<serde_json::Value>(
                        "upsert_contact",
                        e,
                    )
                    .await;
                    if e.status().is_some_and(|s| s.is_client_error()) {
                        self.report.failed += 1;
                        self.report
                            .problem(format!("{key}: refused by zendesk-sell: {e}"));
                    } else {
                        return Err(sell_err(e));
                    }
                }
            }
        }
        Ok(())
    }

    async fn sell_stages_to_cone(&mut self) -> Result<(), CrmError> {
        let sell = self.clients.sell()?;
        let cone = self.clients.conecrm()?;
        let mut source = Box::pin(sell.list_stages().per_page(self.request.page_size).stream());
        while let Some(stage) = source.next().await {
            let stage = stage.map_err(sell_err)?;
            self.report.read += 1;
            self.bar.inc(1);
            let key = format!("zendesk-sell:stage:{}", stage.id);
            let core = stage.into_core();
            let converted = match conecrm_api::types::ConnectionStage::from_core(
                &core,
                &self.request.options,
            ) {
                Ok(c) => c,
                Err(e) => {
                    self.report.skipped += 1;
                    self.report.problem(e.to_string());
                    continue;
                }
            };
            self.report.add_losses(&converted.losses);
            if self.request.dry_run {
                self.report.written += 1;
                continue;
            }
            if self.checkpoint.conecrm_ids.contains_key(&key) {
                self.report.written += 1; // created by the interrupted run
                continue;
            }
            let mut body = converted.value;
            body.id = None;
            let created = cone
                .create_stage()
                .body(body)
                .send_typed()
                .await
                .map_err(cone_err)?;
            self.report.written += 1;
            self.report.created += 1;
            if let Some(id) = created.id {
                self.checkpoint.conecrm_ids.insert(key, id.to_string());
                save(self.request, self.checkpoint)?;
            }
        }
        Ok(())
    }

    /// Sell organisations become ConeCRM accounts, each with its persons
    /// embedded (ConeCRM creates contacts only inside an account): the
    /// persons are read first and grouped by organisation.
    async fn sell_orgs_to_cone(&mut self) -> Result<(), CrmError> {
        let sell = self.clients.sell()?;
        let cone = self.clients.conecrm()?;
        let page = self.request.page_size;
        let mut people: HashMap<i64, Vec<(i64, serde_json::Value)>> = HashMap::new();
        // Read in id order, which the link-back writes below do not change
        // (they move records in an `updated_at` order, so offset pages
        // would repeat some and skip others).
        let mut persons = Box::pin(
            sell.list_contacts()
                .per_page(page)
                .is_organization(false)
                .stream(),
        );
        while let Some(person) = persons.next().await {
            let person = person.map_err(sell_err)?;
            self.report.read += 1;
            let person_id = person.id;
            let Some(org) = person.contact_id else {
                self.report.skipped += 1;
                self.report.problem(format!(
                    "sell person {person_id}: no organisation (ConeCRM creates contacts only inside an account)"
                ));
                continue;
            };
            let Party::Person(core) = person.into_core() else {
                continue;
            };
            match conecrm_api::types::Contact::from_core(&core, &self.request.options) {
                Ok(c) => {
                    self.report.add_losses(&c.losses);
                    let mut json = serde_json::to_value(&c.value).map_err(cone_err)?;
                    if let Some(o) = json.as_object_mut() {
                        o.remove("id");
                    }
                    people.entry(org).or_default().push((person_id, json));
                }
                Err(e) => {
                    self.report.skipped += 1;
                    self.report.problem(format!("sell person {person_id}: {e}"));
                }
            }
        }
        let mut orgs = Box::pin(
            sell.list_contacts()
                .per_page(page)
                .is_organization(true)
                .stream(),
        );
        while let Some(org) = orgs.next().await {
            let org = org.map_err(sell_err)?;
            self.report.read += 1;
            self.bar.inc(1);
            let sell_id = org.id;
            let key = format!("zendesk-sell:account:{sell_id}");
            let Party::Organization(core) = org.into_core() else {
                continue;
            };
            let converted =
                match conecrm_api::types::Account::from_core(&core, &self.request.options) {
                    Ok(c) => c,
                    Err(e) => {
                        self.report.skipped += 1;
                        self.report.problem(e.to_string());
                        continue;
                    }
                };
            self.report.add_losses(&converted.losses);
            if converted
                .value
                .name
                .as_deref()
                .is_none_or(|n| n.trim().is_empty())
            {
                // ConeCRM refuses an account without a name (400, no body).
                let persons = people.remove(&sell_id).map_or(0, |p| p.len() as u64);
                self.report.skipped += 1 + persons;
                self.report.problem(format!(
                    "sell organisation {sell_id} has no name, which ConeCRM requires ({persons} person(s) with it)"
                ));
                continue;
            }
            if self.request.dry_run {
                let persons = people.remove(&sell_id).map_or(0, |p| p.len() as u64);
                self.report.written += 1 + persons;
                continue;
            }
            let mut request = serde_json::to_value(&converted.value).map_err(cone_err)?;
            let mut members: Vec<i64> = Vec::new();
            if let Some(o) = request.as_object_mut() {
                o.remove("id");
                o.remove("thirdPartyIds");
                if let Some(contacts) = people.remove(&sell_id) {
                    members = contacts.iter().map(|(id, _)| *id).collect();
                    o.insert(
                        "contacts".into(),
                        serde_json::Value::Array(contacts.into_iter().map(|(_, c)| c).collect()),
                    );
                }
            }
            let body: conecrm_api::types::AccountRequest = serde_json::from_value(request)
                .map_err(|e| {
                    CrmError::api(
                        System::Conecrm,
                        format!("account {sell_id} does not form a request: {e}"),
                    )
                })?;
            let existing = self.checkpoint.conecrm_ids.get(&key).cloned();
            let answer = match &existing {
                Some(id) => {
                    cone.update_account()
                        .account(id.clone())
                        .body(body)
                        .send_typed()
                        .await
                }
                None => cone.create_account().body(body).send_typed().await,
            };
            match answer {
                Ok(account) => {
                    // The account and the persons embedded in it.
                    let records = 1 + members.len() as u64;
                    self.report.written += records;
                    if existing.is_some() {
                        self.report.updated += records;
                    } else {
                        self.report.created += records;
                    }
                    if let Some(id) = account.id {
                        self.checkpoint.conecrm_ids.insert(key, id.to_string());
                        save(self.request, self.checkpoint)?;
                        if existing.is_none() {
                            self.link_back(sell_id, &id.to_string(), &members, &account.contacts)
                                .await?;
                        }
                    }
                }
                Err(e) if e.status().is_some_and(|s| s.is_client_error()) => {
                    self.report.failed += 1 + members.len() as u64;
                    self.report
                        .problem(format!("sell organisation {sell_id}: {}", cone_err(e)));
                }
                Err(e) => return Err(cone_err(e)),
            }
        }
        for (org, persons) in people {
            self.report.skipped += persons.len() as u64;
            self.report.problem(format!(
                "{} sell person(s) of organisation {org}, which was not listed",
                persons.len()
            ));
        }
        Ok(())
    }
}

impl Step<'_> {
    /// Writes the ConeCRM ids of a Sell organisation (and of its persons,
    /// matched by position) into their `crm_bridge_id` custom field, so a
    /// later ConeCRM → Sell sync updates them instead of creating copies.
    async fn link_back(
        &mut self,
        org: i64,
        account_id: &str,
        members: &[i64],
        created: &[conecrm_api::types::Contact],
    ) -> Result<(), CrmError> {
        let sell = self.clients.sell()?;
        let mut links = vec![(org, account_id.to_owned())];
        if created.len() == members.len() {
            links.extend(
                members
                    .iter()
                    .zip(created)
                    .filter_map(|(person, c)| c.id.map(|id| (*person, id.to_string()))),
            );
        }
        for (sell_id, cone_id) in links {
            let key = format!("{}{cone_id}", crm_core::support::prefix(System::Conecrm));
            let mut custom = serde_json::Map::new();
            custom.insert(BRIDGE_FIELD.into(), serde_json::Value::String(key));
            let body: zendesk_sell_api::types::ContactRequest =
                serde_json::from_value(serde_json::json!({ "data": { "custom_fields": custom } }))
                    .map_err(sell_err)?;
            let answer = sell.update_contact().id(sell_id).body(body).send().await;
            if let Err(e) = answer {
                let e = crm_client_runtime::ApiError::from_progenitor::<serde_json::Value>(
                    "update_contact",
                    e,
                )
                .await;
                if e.status().is_some_and(|s| s.is_client_error()) {
                    self.report.problem(format!(
                        "zendesk-sell contact {sell_id}: the link to conecrm was refused: {e}"
                    ));
                } else {
                    return Err(sell_err(e));
                }
            }
        }
        Ok(())
    }
}

/// A Sell organisation as a Gong ACCOUNT.
fn sell_org_to_gong(
    c: zendesk_sell_api::types::Contact,
    o: &ConvertOptions,
) -> Result<Converted<gong_crm_api::types::CrmAccountRecord>, ConvertError> {
    match c.into_core() {
        Party::Organization(a) => gong_crm_api::types::CrmAccountRecord::from_core(&a, o),
        Party::Person(p) => Err(not_expected(
            "a person in the organisations list",
            &p.meta.ids,
        )),
    }
}

/// A Sell person as a Gong CONTACT.
fn sell_person_to_gong(
    c: zendesk_sell_api::types::Contact,
    o: &ConvertOptions,
) -> Result<Converted<gong_crm_api::types::CrmContactRecord>, ConvertError> {
    match c.into_core() {
        Party::Person(p) => gong_crm_api::types::CrmContactRecord::from_core(&p, o),
        Party::Organization(a) => Err(not_expected(
            "an organisation in the persons list",
            &a.meta.ids,
        )),
    }
}

/// A Gong record for a deleted Sell record: id, time, options.
type Tombstone<R> =
    fn(i64, chrono::DateTime<chrono::Utc>, &ConvertOptions) -> Result<Converted<R>, ConvertError>;

impl Step<'_> {
    /// Notes where `entity`'s Firehose stands before a full read (kept from
    /// the interrupted run on resume).
    async fn mark_firehose_top(&mut self, entity: Entity) -> Result<(), CrmError> {
        if self.request.dry_run || self.checkpoint.firehose.contains_key(entity.label()) {
            return Ok(());
        }
        let position = incremental::top(self.clients.sell()?, entity).await?;
        self.checkpoint
            .firehose
            .insert(entity.label().to_owned(), position);
        save(self.request, self.checkpoint)
    }

    /// Sends what changed in `entity` since its saved position.
    async fn sell_changes_to_gong(&mut self, entity: Entity) -> Result<(), CrmError> {
        let start = self.start_positions.get(entity.label()).ok_or_else(|| {
            CrmError::Config(format!(
                "no Firehose position for {}: run a full sync first",
                entity.label()
            ))
        })?;
        let sell = self.clients.sell()?;
        let changes = incremental::changes(sell, entity, start).await?;
        tracing::info!(
            entity = entity.label(),
            upserted = changes.upserted.len(),
            deleted = changes.deleted.len(),
            "changes since the last sync"
        );
        let page = self.request.page_size.clamp(1, 100);
        match entity {
            Entity::Accounts => {
                let fetch = |ids: String| {
                    sell.list_contacts()
                        .ids(ids)
                        .per_page(page)
                        .is_organization(true)
                        .stream()
                };
                self.write_changes(
                    &changes,
                    fetch,
                    sell_org_to_gong,
                    incremental::tombstone::<
                        crm_core::Account,
                        gong_crm_api::types::CrmAccountRecord,
                    >,
                )
                .await?;
            }
            Entity::Contacts => {
                let fetch = |ids: String| {
                    sell.list_contacts()
                        .ids(ids)
                        .per_page(page)
                        .is_organization(false)
                        .stream()
                };
                self.write_changes(
                    &changes,
                    fetch,
                    sell_person_to_gong,
                    incremental::tombstone::<
                        crm_core::Contact,
                        gong_crm_api::types::CrmContactRecord,
                    >,
                )
                .await?;
            }
            Entity::Deals => {
                let fetch = |ids: String| sell.list_deals().ids(ids).per_page(page).stream();
                self.write_changes(
                    &changes,
                    fetch,
                    convert_owned::<
                        zendesk_sell_api::types::Deal,
                        gong_crm_api::types::CrmDealRecord,
                    >,
                    incremental::tombstone::<crm_core::Deal, gong_crm_api::types::CrmDealRecord>,
                )
                .await?;
            }
            Entity::Leads => {
                let fetch = |ids: String| sell.list_leads().ids(ids).per_page(page).stream();
                self.write_changes(
                    &changes,
                    fetch,
                    convert_owned::<
                        zendesk_sell_api::types::Lead,
                        gong_crm_api::types::CrmLeadRecord,
                    >,
                    incremental::tombstone::<crm_core::Lead, gong_crm_api::types::CrmLeadRecord>,
                )
                .await?;
            }
            Entity::Stages => {
                return Err(CrmError::Unsupported(
                    "stages are always read in full".into(),
                ));
            }
        }
        if !self.request.dry_run {
            self.checkpoint
                .firehose
                .insert(entity.label().to_owned(), changes.position);
        }
        Ok(())
    }

    /// Reads the changed records back by id (100 at a time), converts them
    /// and the deletions, and uploads them sorted by `modifiedDate`. A
    /// change set is small next to a full read, so it is sorted in memory.
    async fn write_changes<T, R, S, E>(
        &mut self,
        changes: &incremental::Changes,
        fetch: impl Fn(String) -> S,
        convert: fn(T, &ConvertOptions) -> Result<Converted<R>, ConvertError>,
        tombstone: Tombstone<R>,
    ) -> Result<(), CrmError>
    where
        S: Stream<Item = Result<T, E>>,
        E: std::fmt::Display,
        R: GongRecord + Send + 'static,
    {
        let options = &self.request.options;
        let mut records: Vec<R> =
            Vec::with_capacity(changes.upserted.len() + changes.deleted.len());
        let ids: Vec<i64> = changes.upserted.iter().copied().collect();
        for chunk in ids.chunks(100) {
            let list = chunk
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(",");
            let mut source = std::pin::pin!(fetch(list));
            while let Some(record) = source.next().await {
                match convert(record.map_err(sell_err)?, options) {
                    Ok(converted) => {
                        self.report.add_losses(&converted.losses);
                        records.push(converted.value);
                    }
                    Err(e) => {
                        self.report.read += 1;
                        self.report.skipped += 1;
                        self.report.problem(e.to_string());
                    }
                }
            }
        }
        for (id, at) in &changes.deleted {
            match tombstone(*id, *at, options) {
                Ok(converted) => records.push(converted.value),
                Err(e) => {
                    self.report.read += 1;
                    self.report.skipped += 1;
                    self.report.problem(format!("deleted {id}: {e}"));
                }
            }
        }
        records.sort_by_key(GongRecord::modified_date);
        let ready = futures::stream::iter(records.into_iter().map(Ok));
        self.write_gong(Box::pin(ready), |r: R, _| {
            Ok(Converted {
                value: r,
                losses: crm_core::LossReport::new(),
            })
        })
        .await
    }
}

/// Uploads the records of `rx` to Gong.
async fn gong_upload<R: GongRecord + Send + 'static>(
    gong: &GongTarget,
    options: BulkOptions,
    rx: mpsc::Receiver<R>,
) -> Result<gong_crm_api::BulkReport, CrmError> {
    gong.client
        .bulk_upload(gong.integration_id)
        .options(options)
        .run(rx)
        .await
        .map_err(gong_err)
}

fn not_expected(what: &str, ids: &crm_core::Identities) -> ConvertError {
    ConvertError::InvalidValue {
        system: System::ZendeskSell,
        field: "is_organization",
        reason: format!(
            "{what} ({:?})",
            ids.iter().map(ToString::to_string).collect::<Vec<_>>()
        ),
    }
}

/// The Sell custom field that holds the source record's id for upserts.
pub const BRIDGE_FIELD: &str = "crm_bridge_id";

/// The upsert key of a converted contact: its source id, prefixed.
fn bridge_id(contact: &zendesk_sell_api::types::Contact) -> Option<String> {
    contact
        .custom_fields
        .as_ref()
        .and_then(|c| c.0.get(BRIDGE_FIELD))
        .and_then(|v| match v {
            zendesk_sell_api::types::CustomFieldValue::Text(t) => Some(t.clone()),
            _ => None,
        })
}

/// The body of an upsert: the contact without its read-only fields, with
/// the bridge id set.
fn contact_input(
    contact: zendesk_sell_api::types::Contact,
    key: &str,
) -> Result<zendesk_sell_api::types::ContactRequest, CrmError> {
    let mut json = serde_json::to_value(&contact).map_err(sell_err)?;
    if let Some(o) = json.as_object_mut() {
        for read_only in ["id", "created_at", "updated_at", "creator_id"] {
            o.remove(read_only);
        }
        let custom = o
            .entry("custom_fields")
            .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
        if let Some(c) = custom.as_object_mut() {
            c.insert(
                BRIDGE_FIELD.into(),
                serde_json::Value::String(key.to_owned()),
            );
        }
    }
    let data = serde_json::from_value(json).map_err(sell_err)?;
    Ok(zendesk_sell_api::types::ContactRequest { data })
}

/// Sets the bridge id of core records headed for Sell (done before
/// conversion so the custom field travels with the record).
pub fn with_bridge_id<C: HasMeta>(mut core: C) -> C {
    let id = core
        .meta()
        .ids
        .iter()
        .find(|i| i.system != System::ZendeskSell)
        .map(|i| format!("{}{}", crm_core::support::prefix(i.system), i.id));
    if let Some(id) = id {
        core.meta_mut()
            .custom
            .insert(BRIDGE_FIELD.into(), crm_core::CustomValue::Text(id));
    }
    core
}

/// Core entities with a meta.
pub trait HasMeta {
    /// The meta.
    fn meta(&self) -> &crm_core::Meta;
    /// The meta, mutably.
    fn meta_mut(&mut self) -> &mut crm_core::Meta;
}

macro_rules! has_meta {
    ($($t:ty),*) => {$(
        impl HasMeta for $t {
            fn meta(&self) -> &crm_core::Meta { &self.meta }
            fn meta_mut(&mut self) -> &mut crm_core::Meta { &mut self.meta }
        }
    )*};
}

has_meta!(
    crm_core::Account,
    crm_core::Contact,
    crm_core::Deal,
    crm_core::Lead
);
