//! ConeCRM: a source of stages, accounts, contacts, and leads (read both as
//! deals, the opportunities they are, and as leads); a target of stages
//! and accounts, with contacts written inside their account (ConeCRM
//! creates contacts only inside an account). ConeCRM makes the ids of what
//! it creates; a rerun finds them in the links the run keeps.

use conecrm_api::Client;
use conecrm_api::query::rule_without_value;
use conecrm_api::types::{AccountRequest, ConnectionStage, Lead as ConeLead, SortDirection};
use crm_core::conecrm::{AsDeal, embedded_contact};
use std::collections::BTreeMap;

use crm_core::{
    ConvertError, ConvertOptions, Converted, Email, Entity, EntityKind, FromCore, Meta, System,
    ToCore, User,
};
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::{FutureExt, StreamExt, TryStreamExt};

use crate::connector::{
    Connector, EntityWriter, Outbound, Outcome, Pending, ReadOrder, Sink, Source, WriteCapability,
    WriteContext,
};
use crate::error::SyncError;

const CONE: System = System::Conecrm;

const READS: &[EntityKind] = &[
    EntityKind::Stage,
    EntityKind::Account,
    EntityKind::Contact,
    EntityKind::Deal,
    EntityKind::Lead,
];
const WRITES: &[WriteCapability] = &[
    WriteCapability::new(EntityKind::Stage).makes_ids(),
    WriteCapability::new(EntityKind::Account).makes_ids(),
    WriteCapability::new(EntityKind::Contact)
        .makes_ids()
        .embedded_in(
            EntityKind::Account,
            "no account (ConeCRM creates contacts only inside an account)",
        ),
];

/// The ConeCRM connector.
#[derive(Debug, Clone)]
pub struct ConeConnector {
    client: Client,
    page_size: u32,
    reads: Vec<EntityKind>,
    user_emails: BTreeMap<String, String>,
}

impl ConeConnector {
    /// A connector reading 100 records a page.
    pub fn new(client: Client) -> Self {
        ConeConnector {
            client,
            page_size: 100,
            reads: READS.to_vec(),
            user_emails: BTreeMap::new(),
        }
    }

    /// The emails of ConeCRM's users, by user id (ConeCRM's API lists no
    /// users): with them the connector reads those users, so a target such
    /// as Gong learns who owns what (the owner of a lead is its first
    /// assignee).
    pub fn with_user_emails(mut self, emails: BTreeMap<String, String>) -> Self {
        self.user_emails = emails;
        self.reads = READS.to_vec();
        if !self.user_emails.is_empty() {
            self.reads.insert(0, EntityKind::User);
        }
        self
    }

    /// Records per page when reading.
    pub fn with_page_size(mut self, page_size: u32) -> Self {
        self.page_size = page_size.max(1);
        self
    }
}

fn err<E>(e: conecrm_api::ApiError<E>) -> SyncError
where
    E: crm_client_runtime::ErrorBody + std::fmt::Debug + Send + Sync + 'static,
{
    SyncError::api(CONE, e)
}

impl Source for ConeConnector {
    fn reads(&self) -> &[EntityKind] {
        &self.reads
    }

    fn read(&self, kind: EntityKind, order: ReadOrder) -> BoxStream<'_, Result<Entity, SyncError>> {
        // Oldest change first; ConeCRM's own writes never come back to it
        // in a sync it is the source of, so one order serves both.
        let _ = order;
        match kind {
            EntityKind::Account => self
                .client
                .get_accounts_stream(self.page_size, |b| {
                    b.sort_field("dateModified")
                        .sort_direction(SortDirection::Asc)
                })
                .map_ok(|a| Entity::Account(a.into_core()))
                .map_err(err)
                .boxed(),
            EntityKind::Contact => self
                .client
                .get_contacts_stream(self.page_size, |b| {
                    b.sort_field("dateModified")
                        .sort_direction(SortDirection::Asc)
                })
                .map_ok(|c| Entity::Contact(c.into_core()))
                .map_err(err)
                .boxed(),
            EntityKind::Stage => futures::stream::once(async move {
                self.client.list_stages().send_typed().await.map_err(err)
            })
            .map_ok(|stages| {
                futures::stream::iter(stages.into_iter().map(|s| Ok(Entity::Stage(s.into_core()))))
            })
            .try_flatten()
            .boxed(),
            EntityKind::User => {
                let users: Vec<Result<Entity, SyncError>> = self
                    .user_emails
                    .iter()
                    .map(|(id, email)| {
                        Ok(Entity::User(User {
                            meta: Meta::from_source(CONE, id.clone()),
                            email: Some(Email::new(email.clone())),
                            ..User::default()
                        }))
                    })
                    .collect();
                futures::stream::iter(users).boxed()
            }
            EntityKind::Deal => self
                .leads()
                .map_ok(|l| Entity::Deal(AsDeal(&l).to_core()))
                .boxed(),
            EntityKind::Lead => self.leads().map_ok(|l| Entity::Lead(l.into_core())).boxed(),
            other => futures::stream::once(async move {
                Err(SyncError::Unsupported(format!(
                    "conecrm: {other} are not read"
                )))
            })
            .boxed(),
        }
    }

    fn read_by_ids(
        &self,
        kind: EntityKind,
        ids: Vec<String>,
    ) -> BoxStream<'_, Result<Entity, SyncError>> {
        // ConeCRM has no list-by-ids: read the kind and keep those ids.
        let wanted: std::collections::BTreeSet<String> = ids.into_iter().collect();
        self.read(kind, ReadOrder::Stable)
            .try_filter(move |e| {
                let keep = e.meta().ids.get(CONE).is_some_and(|id| wanted.contains(id));
                futures::future::ready(keep)
            })
            .boxed()
    }
}

impl ConeConnector {
    /// Every lead (ConeCRM's opportunities: read as deals and as leads),
    /// oldest change first. ConeCRM lists leads only through the query
    /// builder, in one answer (bounded by the client's body limit); a
    /// record that does not decode as a lead is a typed error naming it.
    fn leads(&self) -> BoxStream<'_, Result<ConeLead, SyncError>> {
        futures::stream::once(async move {
            let answer = self
                .client
                .query_builder_filter()
                .entity("lead")
                .body(rule_without_value("id", "notNull"))
                .send_typed()
                .await
                .map_err(err)?;
            let mut leads = Vec::with_capacity(answer.data.len());
            for record in answer.data {
                let id = record.get("id").cloned().unwrap_or_default();
                let lead: ConeLead = serde_json::from_value(serde_json::Value::Object(record))
                    .map_err(|e| SyncError::Protocol {
                        system: CONE,
                        operation: "query_builder_filter",
                        message: format!("lead {id}: {e}"),
                    })?;
                leads.push(lead);
            }
            leads.sort_by(|a, b| {
                let key = |l: &ConeLead| l.date_modified.or(l.date_created);
                key(a).cmp(&key(b))
            });
            Ok(futures::stream::iter(leads.into_iter().map(Ok)))
        })
        .try_flatten()
        .boxed()
    }
}

// ------------------------------------------------------------------ sink

impl Sink for ConeConnector {
    fn writes(&self) -> &[WriteCapability] {
        WRITES
    }

    fn prepare(
        &self,
        record: &Entity,
        options: &ConvertOptions,
    ) -> Result<Converted<Outbound>, ConvertError> {
        match record {
            Entity::Stage(s) => ConnectionStage::from_core(s, options).map(|c| {
                c.map(|mut stage| {
                    stage.id = None; // ConeCRM makes it
                    Outbound::new(stage)
                })
            }),
            Entity::Account(a) => {
                let converted = AccountRequest::from_core(a, options)?;
                if converted
                    .value
                    .name
                    .as_deref()
                    .is_none_or(|n| n.trim().is_empty())
                {
                    // ConeCRM refuses an account without a name (400, no body).
                    return Err(ConvertError::MissingRequired {
                        system: CONE,
                        field: "account.name",
                    });
                }
                Ok(converted.map(Outbound::new))
            }
            Entity::Contact(c) => embedded_contact(c, options).map(|c| c.map(Outbound::new)),
            other => Err(ConvertError::InvalidValue {
                system: CONE,
                field: "entity",
                reason: format!("{} are not written to conecrm", other.kind()),
            }),
        }
    }

    fn open<'a>(
        &'a self,
        _kind: EntityKind,
        _context: &'a WriteContext,
    ) -> BoxFuture<'a, Result<Box<dyn EntityWriter + 'a>, SyncError>> {
        async move {
            Ok(Box::new(ConeWriter {
                client: &self.client,
            }) as Box<dyn EntityWriter>)
        }
        .boxed()
    }
}

struct ConeWriter<'a> {
    client: &'a Client,
}

fn not_ours(operation: &'static str) -> SyncError {
    SyncError::Protocol {
        system: CONE,
        operation,
        message: "a record not prepared by this connector".into(),
    }
}

impl ConeWriter<'_> {
    async fn stage(
        &self,
        source_id: String,
        value: Outbound,
        existing: Option<String>,
    ) -> Result<Vec<Outcome>, SyncError> {
        if let Some(id) = existing {
            // Made by an earlier run: ConeCRM stages have no update here.
            return Ok(vec![Outcome::Updated {
                source_id,
                target_id: Some(id),
            }]);
        }
        let stage = value
            .take::<ConnectionStage>()
            .map_err(|_| not_ours("create_stage"))?;
        match self.client.create_stage().body(stage).send_typed().await {
            Ok(created) => Ok(vec![match created.id {
                Some(id) => Outcome::Created {
                    kind: EntityKind::Stage,
                    source_id,
                    target_id: id.to_string(),
                },
                None => Outcome::Written { count: 1 },
            }]),
            Err(e) => refusal(err(e), source_id),
        }
    }

    async fn account(&self, record: Pending) -> Result<Vec<Outcome>, SyncError> {
        let Pending {
            source_id,
            value,
            existing,
            children,
        } = record;
        let source_id = source_id.unwrap_or_default();
        let mut body = value
            .take::<AccountRequest>()
            .map_err(|_| not_ours("create_account"))?;
        let mut members = Vec::with_capacity(children.len());
        for child in children {
            let mut contact = child
                .value
                .take::<conecrm_api::types::Contact>()
                .map_err(|_| not_ours("create_account"))?;
            // A contact an earlier run created is referred to by its id
            // (ConeCRM links it instead of creating another).
            if let Some(id) = child.existing.as_deref().and_then(|id| id.parse().ok()) {
                contact.id = Some(id);
            }
            members.push(child.source_id.unwrap_or_default());
            body.contacts.push(contact);
        }
        let answer = match &existing {
            Some(id) => {
                self.client
                    .update_account()
                    .account(id.clone())
                    .body(body)
                    .send_typed()
                    .await
            }
            None => self.client.create_account().body(body).send_typed().await,
        };
        let account = match answer {
            Ok(account) => account,
            Err(e) => {
                let e = err(e);
                if e.is_refusal() {
                    let reason = format!("account {source_id}: refused by conecrm: {e}");
                    return Ok(std::iter::once(source_id)
                        .chain(members)
                        .map(|s| Outcome::Refused {
                            source_id: Some(s),
                            reason: reason.clone(),
                        })
                        .collect());
                }
                return Err(e);
            }
        };
        let mut outcomes = Vec::with_capacity(1 + members.len());
        match (&existing, account.id) {
            (None, Some(id)) => outcomes.push(Outcome::Created {
                kind: EntityKind::Account,
                source_id,
                target_id: id.to_string(),
            }),
            (None, None) => outcomes.push(Outcome::Written { count: 1 }),
            (Some(id), _) => outcomes.push(Outcome::Updated {
                source_id,
                target_id: Some(id.clone()),
            }),
        }
        // The persons embedded, matched to what ConeCRM answers by position.
        let created: Vec<Option<String>> = account
            .contacts
            .iter()
            .map(|c| c.id.map(|id| id.to_string()))
            .collect();
        let matched = created.len() == members.len();
        for (i, member) in members.into_iter().enumerate() {
            outcomes.push(match (&existing, created.get(i).cloned().flatten()) {
                (None, Some(id)) if matched => Outcome::Created {
                    kind: EntityKind::Contact,
                    source_id: member,
                    target_id: id,
                },
                (None, _) => Outcome::Written { count: 1 },
                (Some(_), id) => Outcome::Updated {
                    source_id: member,
                    target_id: id,
                },
            });
        }
        Ok(outcomes)
    }
}

/// A 4xx as the record's refusal; anything else ends the run.
fn refusal(e: SyncError, source_id: String) -> Result<Vec<Outcome>, SyncError> {
    if e.is_refusal() {
        Ok(vec![Outcome::Refused {
            source_id: Some(source_id.clone()),
            reason: format!("{source_id}: refused by conecrm: {e}"),
        }])
    } else {
        Err(e)
    }
}

impl EntityWriter for ConeWriter<'_> {
    fn write(&mut self, record: Pending) -> BoxFuture<'_, Result<Vec<Outcome>, SyncError>> {
        async move {
            if record.value_is::<ConnectionStage>() {
                let source_id = record.source_id.unwrap_or_default();
                self.stage(source_id, record.value, record.existing).await
            } else {
                self.account(record).await
            }
        }
        .boxed()
    }

    fn finish(self: Box<Self>) -> BoxFuture<'static, Result<Vec<Outcome>, SyncError>> {
        async { Ok(Vec::new()) }.boxed()
    }
}

impl Connector for ConeConnector {
    fn system(&self) -> System {
        CONE
    }
    fn endpoint(&self) -> String {
        conecrm_api::ClientInfo::baseurl(&self.client).to_owned()
    }
    fn source(&self) -> Option<&dyn Source> {
        Some(self)
    }
    fn sink(&self) -> Option<&dyn Sink> {
        Some(self)
    }
}
