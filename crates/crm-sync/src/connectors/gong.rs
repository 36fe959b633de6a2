//! Gong's CRM integration: a target of business users, stages, accounts,
//! contacts, deals and leads, through the bulk upload (files checked against the
//! integration's schema, split, uploaded with content-hash
//! `clientRequestId`s under the run's id, polled). Gong cannot be a source:
//! its CRM integration API has no list operation. Gong's `objectId`s are
//! derived from the source's ids, so a rerun overwrites, never duplicates.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use crm_core::{ConvertError, ConvertOptions, Converted, Entity, EntityKind, FromCore, System};
use futures::channel::mpsc;
use futures::future::BoxFuture;
use futures::{FutureExt, SinkExt};
use gong_crm_api::Client;
use gong_crm_api::bulk::{BulkError, BulkFailure, BulkOptions, BulkReport, RequestIds};
use gong_crm_api::records::GongRecord;
use gong_crm_api::types::{
    CrmAccountRecord, CrmBusinessUserRecord, CrmContactRecord, CrmDealRecord, CrmLeadRecord,
    CrmStageRecord,
};

use crate::connector::{
    Connector, EntityWriter, Outbound, Outcome, Pending, Sink, WriteCapability, WriteContext,
};
use crate::error::SyncError;

const GONG: System = System::Gong;

const WRITES: &[WriteCapability] = &[
    WriteCapability::new(EntityKind::User).deletes(),
    WriteCapability::new(EntityKind::Stage),
    WriteCapability::new(EntityKind::Account).deletes(),
    WriteCapability::new(EntityKind::Contact).deletes(),
    WriteCapability::new(EntityKind::Deal).deletes(),
    WriteCapability::new(EntityKind::Lead).deletes(),
];

/// Records in flight between the pipeline and the upload.
const CHANNEL: usize = 1024;

/// The Gong connector.
#[derive(Debug, Clone)]
pub struct GongConnector {
    client: Client,
    integration_id: i64,
    bulk: BulkOptions,
    /// The business users this run sends (objectIds), once it has sent
    /// any: a deal owned by anyone else is not on Gong's deal board.
    users: Arc<Mutex<Option<BTreeSet<String>>>>,
}

impl GongConnector {
    /// A connector uploading into the integration `integration_id`.
    pub fn new(client: Client, integration_id: i64) -> Self {
        GongConnector {
            client,
            integration_id,
            bulk: BulkOptions::default(),
            users: Arc::default(),
        }
    }

    /// The bulk upload's settings (file size, polling, spool directory);
    /// the request ids are always content hashes under the run's id.
    pub fn with_bulk(mut self, bulk: BulkOptions) -> Self {
        self.bulk = bulk;
        self
    }

    /// The client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The integration records go to.
    pub fn integration_id(&self) -> i64 {
        self.integration_id
    }
}

fn failure(f: BulkFailure) -> SyncError {
    let BulkFailure { report, error } = f;
    match error {
        BulkError::Spool { path, source } => SyncError::Io { path, source },
        error => SyncError::Api {
            system: GONG,
            operation: "bulk_upload",
            status: None,
            source: Box::new(BulkFailure { report, error }),
        },
    }
}

fn convert<R, C>(core: &C, options: &ConvertOptions) -> Result<Converted<Outbound>, ConvertError>
where
    R: FromCore<C> + Send + 'static,
{
    R::from_core(core, options).map(|c| c.map(Outbound::new))
}

impl Sink for GongConnector {
    fn writes(&self) -> &[WriteCapability] {
        WRITES
    }

    /// The configured integration must exist: uploads into any other id
    /// are refused by Gong (or, worse, land in an integration nobody reads).
    fn check(&self) -> BoxFuture<'_, Result<(), SyncError>> {
        async move {
            let listed = self
                .client
                .list_generic_crm_integration()
                .send_typed()
                .await
                .map_err(|e| SyncError::api(GONG, e))?;
            let ids: Vec<i64> = listed
                .integrations
                .iter()
                .filter_map(|i| i.integration_id)
                .collect();
            if ids.contains(&self.integration_id) {
                return Ok(());
            }
            let found = match ids.as_slice() {
                [] => "Gong has no integration: `crm gong setup` registers one".to_owned(),
                ids => format!(
                    "Gong's integration is {}: set integration_id to it",
                    ids.iter()
                        .map(i64::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            Err(SyncError::NotReady {
                system: GONG,
                message: format!(
                    "integration {} does not exist; {found}",
                    self.integration_id
                ),
            })
        }
        .boxed()
    }

    fn prepare(
        &self,
        record: &Entity,
        options: &ConvertOptions,
    ) -> Result<Converted<Outbound>, ConvertError> {
        match record {
            Entity::User(u) => {
                let user = CrmBusinessUserRecord::from_core(u, options)?;
                let deleted = user.value.is_deleted == Some(true);
                if !deleted && user.value.email_address.is_none() {
                    // Gong maps a business user to a Gong user by email.
                    return Err(ConvertError::MissingRequired {
                        system: GONG,
                        field: "emailAddress (the user has no email: set one in crm.toml's [users])",
                    });
                }
                if !deleted {
                    self.known_users()
                        .get_or_insert_with(BTreeSet::new)
                        .insert(user.value.object_id.to_string());
                }
                Ok(user.map(Outbound::new))
            }
            Entity::Stage(s) => convert::<CrmStageRecord, _>(s, options),
            Entity::Account(a) => convert::<CrmAccountRecord, _>(a, options),
            Entity::Contact(c) => convert::<CrmContactRecord, _>(c, options),
            Entity::Deal(d) => {
                let mut deal = CrmDealRecord::from_core(d, options)?;
                if let (Some(owner), Some(users)) =
                    (&deal.value.owner_id, self.known_users().as_ref())
                    && !users.contains(owner)
                {
                    deal.losses.hide(
                        "deal.owner",
                        format!("owner {owner} is not a business user sent to Gong (no email?)"),
                    );
                }
                Ok(deal.map(Outbound::new))
            }
            Entity::Lead(l) => convert::<CrmLeadRecord, _>(l, options),
            other => Err(ConvertError::InvalidValue {
                system: GONG,
                field: "entity",
                reason: format!("{} are not written to gong", other.kind()),
            }),
        }
    }

    fn open<'a>(
        &'a self,
        kind: EntityKind,
        context: &'a WriteContext,
    ) -> BoxFuture<'a, Result<Box<dyn EntityWriter + 'a>, SyncError>> {
        async move {
            let writer: Box<dyn EntityWriter> = match kind {
                EntityKind::User => Box::new(UserWriter {
                    upload: self.upload::<CrmBusinessUserRecord>(context),
                }),
                EntityKind::Stage => Box::new(self.upload::<CrmStageRecord>(context)),
                EntityKind::Account => Box::new(self.upload::<CrmAccountRecord>(context)),
                EntityKind::Contact => Box::new(self.upload::<CrmContactRecord>(context)),
                EntityKind::Deal => Box::new(self.upload::<CrmDealRecord>(context)),
                EntityKind::Lead => Box::new(self.upload::<CrmLeadRecord>(context)),
                other => {
                    return Err(SyncError::Unsupported(format!(
                        "gong: {other} are not written"
                    )));
                }
            };
            Ok(writer)
        }
        .boxed()
    }
}

impl GongConnector {
    fn known_users(&self) -> std::sync::MutexGuard<'_, Option<BTreeSet<String>>> {
        self.users
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Starts the bulk upload of `R`s in a task fed by a channel, so the
    /// reader and the uploader run together and memory stays flat.
    fn upload<R: GongRecord + Send + 'static>(&self, context: &WriteContext) -> GongWriter<R> {
        let (tx, rx) = mpsc::channel::<R>(CHANNEL);
        let client = self.client.clone();
        let integration_id = self.integration_id;
        let options = BulkOptions {
            request_id_prefix: Some(context.run_id.clone()),
            request_ids: RequestIds::ContentHash,
            ..self.bulk.clone()
        };
        let task = tokio::spawn(async move {
            client
                .bulk_upload(integration_id)
                .options(options)
                .run(rx)
                .await
        });
        GongWriter {
            tx: Some(tx),
            task: Some(task),
        }
    }
}

/// Feeds the upload task. Dropped without [`EntityWriter::finish`] (the
/// sync was cancelled), it stops the upload before closing the channel, so
/// an abandoned run never uploads a partial last file that a resumed run
/// would then send again under another content hash.
struct GongWriter<R> {
    tx: Option<mpsc::Sender<R>>,
    task: Option<tokio::task::JoinHandle<Result<BulkReport, BulkFailure>>>,
}

impl<R> Drop for GongWriter<R> {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

impl<R: GongRecord + Send + 'static> GongWriter<R> {
    /// Hands a record to the upload; once the uploader has stopped, records
    /// are dropped (its error is reported by `finish`).
    async fn send(&mut self, value: R) {
        let Some(tx) = self.tx.as_mut() else {
            return;
        };
        if tx.send(value).await.is_err() {
            self.tx = None;
        }
    }
}

impl<R: GongRecord + Send + 'static> EntityWriter for GongWriter<R> {
    fn write(&mut self, record: Pending) -> BoxFuture<'_, Result<Vec<Outcome>, SyncError>> {
        async move {
            let value = prepared::<R>(record.value)?;
            self.send(value).await;
            Ok(Vec::new())
        }
        .boxed()
    }

    fn finish(self: Box<Self>) -> BoxFuture<'static, Result<Vec<Outcome>, SyncError>> {
        let mut this = *self;
        let task = this.task.take();
        drop(this.tx.take());
        async move {
            let Some(task) = task else {
                return Ok(Vec::new());
            };
            let report = task.await.map_err(|e| SyncError::Protocol {
                system: GONG,
                operation: "bulk_upload",
                message: format!("the upload task ended abnormally: {e}"),
            })?;
            let report = report.map_err(failure)?;
            Ok(outcomes(&report))
        }
        .boxed()
    }
}

/// The record [`Sink::prepare`] made, as the upload's type.
fn prepared<R: 'static>(value: Outbound) -> Result<R, SyncError> {
    value.take::<R>().map_err(|_| SyncError::Protocol {
        system: GONG,
        operation: "bulk_upload",
        message: "a record not prepared by this connector".into(),
    })
}

/// Uploads business users, following Gong's rule for a changed email: the
/// user is deleted (with the email Gong knows), then sent again with the
/// new one — in a later file, as the bulk upload puts a repeated objectId
/// in the next file. Each user sent with an email is linked by it
/// ([`Outcome::Linked`]), so the next run knows what Gong has.
struct UserWriter {
    upload: GongWriter<CrmBusinessUserRecord>,
}

impl EntityWriter for UserWriter {
    fn write(&mut self, record: Pending) -> BoxFuture<'_, Result<Vec<Outcome>, SyncError>> {
        async move {
            let Pending {
                source_id,
                value,
                existing,
                ..
            } = record;
            let user = prepared::<CrmBusinessUserRecord>(value)?;
            let deleted = user.is_deleted == Some(true);
            let email = user.email_address.clone();
            if let (Some(before), Some(now)) = (&existing, &email)
                && before != now
                && !deleted
            {
                let mut gone = user.clone();
                gone.is_deleted = Some(true);
                gone.email_address = Some(before.clone());
                gone.extra.clear();
                self.upload.send(gone).await;
            }
            self.upload.send(user).await;
            Ok(match (source_id, email) {
                (Some(source_id), Some(email)) if !deleted => vec![Outcome::Linked {
                    kind: EntityKind::User,
                    source_id,
                    target_id: email,
                }],
                _ => Vec::new(),
            })
        }
        .boxed()
    }

    fn finish(self: Box<Self>) -> BoxFuture<'static, Result<Vec<Outcome>, SyncError>> {
        Box::new(self.upload).finish()
    }
}

/// What an upload did, as outcomes: records confirmed sent, records refused
/// before upload (not sent), line errors Gong reported.
fn outcomes(report: &BulkReport) -> Vec<Outcome> {
    let mut out = vec![Outcome::Written {
        count: report.records_sent,
    }];
    out.extend(report.rejected.iter().map(|r| Outcome::Skipped {
        source_id: None,
        reason: format!("{} refused before upload: {}", r.object_id, r.problem),
    }));
    for f in report.failures() {
        if f.input_index.is_some() {
            out.push(Outcome::Refused {
                source_id: None,
                reason: format!("Gong: {f}"),
            });
        }
    }
    out
}

impl Connector for GongConnector {
    fn system(&self) -> System {
        GONG
    }
    fn endpoint(&self) -> String {
        format!(
            "{}#integration={}",
            gong_crm_api::ClientInfo::baseurl(&self.client),
            self.integration_id
        )
    }
    fn sink(&self) -> Option<&dyn Sink> {
        Some(self)
    }
}
