//! Zendesk Sell: a source of users, stages, organisations (accounts), persons
//! (contacts), deals and leads; a target of accounts and contacts (upserts
//! keyed by the custom field [`BRIDGE_FIELD`]); a change feed (the
//! Firehose); link-back into [`BRIDGE_FIELD`].

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::Utc;
use crm_core::zendesk_sell::{Party, deal_status};
use crm_core::{
    ConvertError, ConvertOptions, Converted, CustomValue, DealStatus, Entity, EntityKind,
    ExternalId, FromCore, Record, Ref, System, ToCore,
};
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::{FutureExt, StreamExt, TryStreamExt};
use zendesk_sell_api::firehose::{AtTop, FirehoseRequest, MAX_LIMIT, StartAt};
use zendesk_sell_api::types::{
    ContactInput, ContactRequest, CustomFieldValue, CustomFields, FirehoseEventType,
    FirehoseEventTypeKnown,
};
use zendesk_sell_api::{Client, PagedList};

use crate::connector::{
    ChangeFeed, Changes, Connector, EntityWriter, LinkBack, Outbound, Outcome, Pending, ReadOrder,
    Sink, Source, WriteCapability, WriteContext,
};
use crate::error::SyncError;

const SELL: System = System::ZendeskSell;

/// The Sell custom field that holds the source record's id (`cc-<uuid>`,
/// …): upserts are keyed by it, and link-back writes the target's id there.
pub const BRIDGE_FIELD: &str = "crm_bridge_id";

/// Lists are read oldest change first (targets such as Gong take records in
/// `modifiedDate` order).
const CHANGE_ORDER: &str = "updated_at:asc";

const READS: &[EntityKind] = &[
    EntityKind::User,
    EntityKind::Stage,
    EntityKind::Account,
    EntityKind::Contact,
    EntityKind::Deal,
    EntityKind::Lead,
];
const WRITES: &[WriteCapability] = &[
    WriteCapability::new(EntityKind::Account).makes_ids(),
    WriteCapability::new(EntityKind::Contact).makes_ids(),
];
const FOLLOWS: &[EntityKind] = &[
    EntityKind::Account,
    EntityKind::Contact,
    EntityKind::Deal,
    EntityKind::Lead,
];
const LINKS: &[EntityKind] = &[EntityKind::Account, EntityKind::Contact];

/// The Zendesk Sell connector.
#[derive(Debug, Clone)]
pub struct SellConnector {
    client: Client,
    page_size: u32,
    user_emails: BTreeMap<String, String>,
}

impl SellConnector {
    /// A connector reading 100 records a page.
    pub fn new(client: Client) -> Self {
        SellConnector {
            client,
            page_size: 100,
            user_emails: BTreeMap::new(),
        }
    }

    /// Emails for Sell users by user id, used where Sell lists a user
    /// without one (a target such as Gong maps owners by email).
    pub fn with_user_emails(mut self, emails: BTreeMap<String, String>) -> Self {
        self.user_emails = emails;
        self
    }

    /// Records per page when reading (1–100, as Sell allows).
    pub fn with_page_size(mut self, page_size: u32) -> Self {
        self.page_size = page_size.clamp(1, 100);
        self
    }
}

fn err(e: zendesk_sell_api::ApiError<zendesk_sell_api::types::ErrorResponse>) -> SyncError {
    SyncError::api(SELL, e)
}

/// A Sell contact as a core account or contact.
fn party(contact: zendesk_sell_api::types::Contact) -> Entity {
    match contact.into_core() {
        Party::Person(c) => Entity::Contact(c),
        Party::Organization(a) => Entity::Account(a),
    }
}

fn unsupported(kind: EntityKind) -> BoxStream<'static, Result<Entity, SyncError>> {
    futures::stream::once(async move {
        Err(SyncError::Unsupported(format!(
            "zendesk-sell: {kind} are not read"
        )))
    })
    .boxed()
}

impl SellConnector {
    fn contacts(
        &self,
        organizations: bool,
        order: ReadOrder,
        ids: Option<String>,
    ) -> BoxStream<'_, Result<Entity, SyncError>> {
        let mut list = self
            .client
            .list_contacts()
            .per_page(self.page_size)
            .is_organization(organizations);
        if order == ReadOrder::Changes {
            list = list.sort_by(CHANGE_ORDER);
        }
        if let Some(ids) = ids {
            list = list.ids(ids);
        }
        list.stream().map_ok(party).map_err(err).boxed()
    }
}

impl Source for SellConnector {
    fn reads(&self) -> &[EntityKind] {
        READS
    }

    fn read(&self, kind: EntityKind, order: ReadOrder) -> BoxStream<'_, Result<Entity, SyncError>> {
        let page = self.page_size;
        let sort = |b: bool| if b { Some(CHANGE_ORDER) } else { None };
        let changes = order == ReadOrder::Changes;
        match kind {
            EntityKind::Account => self.contacts(true, order, None),
            EntityKind::Contact => self.contacts(false, order, None),
            EntityKind::User => {
                let list = self.client.list_users().per_page(page);
                let emails = &self.user_emails;
                list.stream()
                    .map_ok(move |u| {
                        let mut user = u.into_core();
                        if user.email.is_none()
                            && let Some(email) =
                                user.meta.ids.get(SELL).and_then(|id| emails.get(id))
                        {
                            user.email = Some(crm_core::Email::new(email.clone()));
                        }
                        Entity::User(user)
                    })
                    .map_err(err)
                    .boxed()
            }
            EntityKind::Stage => self.stages().boxed(),
            EntityKind::Deal => {
                let mut list = self.client.list_deals().per_page(page);
                if let Some(s) = sort(changes) {
                    list = list.sort_by(s);
                }
                self.deals(list.stream().map_err(err))
            }
            EntityKind::Lead => {
                let mut list = self.client.list_leads().per_page(page);
                if let Some(s) = sort(changes) {
                    list = list.sort_by(s);
                }
                list.stream()
                    .map_ok(|l| Entity::Lead(l.into_core()))
                    .map_err(err)
                    .boxed()
            }
            other => unsupported(other),
        }
    }

    fn read_by_ids(
        &self,
        kind: EntityKind,
        ids: Vec<String>,
    ) -> BoxStream<'_, Result<Entity, SyncError>> {
        // Sell takes up to 100 ids a request.
        let chunks: Vec<String> = ids.chunks(100).map(|c| c.join(",")).collect();
        if kind == EntityKind::Deal {
            // One deal stream over every chunk, so the stages the deals'
            // status comes from are read once, not once per chunk.
            let deals = futures::stream::iter(chunks)
                .map(move |list| {
                    self.client
                        .list_deals()
                        .ids(list)
                        .per_page(100u32)
                        .stream()
                        .map_err(err)
                })
                .flatten();
            return self.deals(deals);
        }
        futures::stream::iter(chunks)
            .map(move |list| match kind {
                EntityKind::Account => self.contacts(true, ReadOrder::Stable, Some(list)),
                EntityKind::Contact => self.contacts(false, ReadOrder::Stable, Some(list)),
                EntityKind::Lead => self
                    .client
                    .list_leads()
                    .ids(list)
                    .per_page(100u32)
                    .stream()
                    .map_ok(|l| Entity::Lead(l.into_core()))
                    .map_err(err)
                    .boxed(),
                other => unsupported(other),
            })
            .flatten()
            .boxed()
    }
}

// ------------------------------------------------------------------ deals and stages

/// The most stages read (Sell accounts have tens; the bound keeps a hostile
/// server from growing the list without end).
const MAX_STAGES: usize = 10_000;

/// What a page of Sell deals needs from other records.
#[derive(Debug, Default)]
struct DealContext {
    /// Stage id → its category (`won`, `lost`, …).
    categories: HashMap<i64, String>,
}

impl SellConnector {
    /// Every stage, in one list ordered by pipeline (pipeline ids in order),
    /// then by position in the pipeline, with positions numbered 1… across
    /// the list: the one stage list a target such as Gong keeps then shows
    /// each pipeline's stages together and in their order.
    fn stages(&self) -> impl futures::Stream<Item = Result<Entity, SyncError>> + '_ {
        futures::stream::once(async move {
            let mut stages = self.all_stages().await?;
            stages.sort_by_key(|s| (s.pipeline_id, s.position, s.id));
            let entities: Vec<Result<Entity, SyncError>> = stages
                .into_iter()
                .enumerate()
                .map(|(i, s)| {
                    let mut stage = s.into_core();
                    stage.position = i32::try_from(i + 1).ok();
                    Ok(Entity::Stage(stage))
                })
                .collect();
            Ok(futures::stream::iter(entities))
        })
        .try_flatten()
    }

    /// Every stage, at most [`MAX_STAGES`] (more is a protocol error).
    async fn all_stages(&self) -> Result<Vec<zendesk_sell_api::types::Stage>, SyncError> {
        let stages: Vec<zendesk_sell_api::types::Stage> = self
            .client
            .list_stages()
            .per_page(self.page_size)
            .stream()
            .map_err(err)
            .take(MAX_STAGES + 1)
            .try_collect()
            .await?;
        if stages.len() > MAX_STAGES {
            return Err(SyncError::Protocol {
                system: SELL,
                operation: "list_stages",
                message: format!("more than {MAX_STAGES} stages"),
            });
        }
        Ok(stages)
    }

    /// The stage categories a deal's status is read from.
    async fn deal_context(&self) -> Result<DealContext, SyncError> {
        let categories = self
            .all_stages()
            .await?
            .into_iter()
            .filter_map(|stage| stage.category.map(|category| (stage.id, category)))
            .collect();
        Ok(DealContext { categories })
    }

    /// Deals as core records, a page at a time, completed from other Sell
    /// records: the status from the stage's category (Sell deals have no
    /// status), and, for a deal that names no organisation, the account of
    /// its contact (the contact itself when it is an organisation, else
    /// the person's organisation), looked up once per page.
    fn deals<'a, S>(&'a self, deals: S) -> BoxStream<'a, Result<Entity, SyncError>>
    where
        S: futures::Stream<Item = Result<zendesk_sell_api::types::Deal, SyncError>> + Send + 'a,
    {
        let page = self.page_size as usize;
        futures::stream::once(async move {
            let context = std::sync::Arc::new(self.deal_context().await?);
            Ok::<_, SyncError>(
                deals
                    .try_chunks(page)
                    .map_err(|e| e.1)
                    .and_then(move |chunk| {
                        let context = std::sync::Arc::clone(&context);
                        async move { self.deal_page(chunk, &context).await }
                    })
                    .map_ok(|entities| futures::stream::iter(entities.into_iter().map(Ok)))
                    .try_flatten(),
            )
        })
        .try_flatten()
        .boxed()
    }

    async fn deal_page(
        &self,
        deals: Vec<zendesk_sell_api::types::Deal>,
        context: &DealContext,
    ) -> Result<Vec<Entity>, SyncError> {
        let wanted: BTreeSet<i64> = deals
            .iter()
            .filter(|d| d.organization_id.is_none())
            .filter_map(|d| d.contact_id)
            .collect();
        let mut account_of: HashMap<i64, i64> = HashMap::new();
        if !wanted.is_empty() {
            let ids = wanted
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(",");
            let mut contacts = self
                .client
                .list_contacts()
                .ids(ids)
                .per_page(100u32)
                .stream()
                .map_err(err)
                .take(wanted.len())
                .boxed();
            while let Some(c) = contacts.try_next().await? {
                let id = c.id;
                let account = if c.is_organization == Some(true) {
                    Some(id)
                } else {
                    c.parent_organization_id
                };
                if let Some(account) = account {
                    account_of.insert(id, account);
                }
            }
        }
        Ok(deals
            .into_iter()
            .map(|d| {
                let category = d.stage_id.and_then(|s| context.categories.get(&s)).cloned();
                let via_contact = d.contact_id.and_then(|c| account_of.get(&c)).copied();
                let last_change = d.last_stage_change_at;
                let mut deal = d.into_core();
                if let Some(category) = category {
                    let status = deal_status(&category);
                    // A closed deal closed when it entered its last stage.
                    if status != DealStatus::Open && deal.close_date.is_none() {
                        deal.close_date = last_change.map(|t| t.date_naive());
                    }
                    deal.status = Some(status);
                }
                if deal.account.is_none()
                    && let Some(account) = via_contact
                {
                    deal.account = Some(Ref::new(EntityKind::Account, SELL, account.to_string()));
                }
                Entity::Deal(deal)
            })
            .collect())
    }
}

// ------------------------------------------------------------------ sink

/// A record headed for Sell: the request body, the upsert key and the Sell
/// id when the record came from Sell.
struct SellOutbound {
    kind: EntityKind,
    input: ContactInput,
    key: String,
    sell_id: Option<i64>,
}

/// The bridge id of a core record headed for Sell: its first non-Sell id,
/// prefixed (`cc-<uuid>`).
fn bridge_id(meta: &crm_core::Meta) -> Option<String> {
    meta.ids
        .iter()
        .find(|i| i.system != SELL)
        .map(|i| format!("{}{}", crm_core::support::prefix(i.system), i.id))
}

fn with_key<C: Record + Clone>(core: &C, key: &str) -> C {
    let mut core = core.clone();
    core.meta_mut()
        .custom
        .insert(BRIDGE_FIELD.into(), CustomValue::Text(key.to_owned()));
    core
}

fn prepared<C>(core: &C, options: &ConvertOptions) -> Result<Converted<Outbound>, ConvertError>
where
    C: Record + Clone,
    ContactInput: FromCore<C>,
{
    let meta = core.meta();
    let sell_id = meta.ids.get(SELL).and_then(|id| id.parse::<i64>().ok());
    let key = match (bridge_id(meta), sell_id) {
        (Some(key), _) => key,
        (None, Some(id)) => format!("{}{id}", crm_core::support::prefix(SELL)),
        (None, None) => {
            return Err(ConvertError::MissingRequired {
                system: SELL,
                field: "id (a record without a source id cannot be upserted)",
            });
        }
    };
    let converted = ContactInput::from_core(&with_key(core, &key), options)?;
    Ok(converted.map(|input| {
        Outbound::new(SellOutbound {
            kind: C::KIND,
            input,
            key,
            sell_id,
        })
    }))
}

impl Sink for SellConnector {
    fn writes(&self) -> &[WriteCapability] {
        WRITES
    }

    fn prepare(
        &self,
        record: &Entity,
        options: &ConvertOptions,
    ) -> Result<Converted<Outbound>, ConvertError> {
        match record {
            Entity::Account(a) => prepared(a, options),
            Entity::Contact(c) => prepared(c, options),
            other => Err(ConvertError::InvalidValue {
                system: SELL,
                field: "entity",
                reason: format!("{} are not written to zendesk-sell", other.kind()),
            }),
        }
    }

    fn open<'a>(
        &'a self,
        _kind: EntityKind,
        _context: &'a WriteContext,
    ) -> BoxFuture<'a, Result<Box<dyn EntityWriter + 'a>, SyncError>> {
        async move {
            Ok(Box::new(SellWriter {
                client: &self.client,
            }) as Box<dyn EntityWriter>)
        }
        .boxed()
    }
}

struct SellWriter<'a> {
    client: &'a Client,
}

impl SellWriter<'_> {
    async fn upsert(&self, record: Pending) -> Result<Vec<Outcome>, SyncError> {
        let Pending {
            source_id, value, ..
        } = record;
        let source_id = source_id.unwrap_or_default();
        let Ok(out) = value.take::<SellOutbound>() else {
            return Err(SyncError::Protocol {
                system: SELL,
                operation: "upsert_contact",
                message: "a record not prepared by this connector".into(),
            });
        };
        let SellOutbound {
            input,
            key,
            sell_id,
            kind,
        } = out;
        let body = ContactRequest { data: input };
        // A record that came from Sell updates that record; any other is
        // upserted by its bridge id.
        let answer = match sell_id.filter(|id| *id > 0) {
            Some(id) => self
                .client
                .update_contact()
                .id(id)
                .body(body)
                .send_typed()
                .await
                .map(|c| (false, c.data.id)),
            None => {
                let mut filter = BTreeMap::new();
                filter.insert(format!("custom_fields[{BRIDGE_FIELD}]"), key.clone());
                self.client
                    .upsert_contact()
                    .custom_field_filters(filter)
                    .body(body)
                    .send()
                    .await
                    .map(|v| (v.status().as_u16() == 201, v.into_inner().data.id))
            }
        };
        match answer {
            Ok((true, id)) => Ok(vec![Outcome::Created {
                kind,
                source_id,
                target_id: id.to_string(),
            }]),
            Ok((false, id)) => Ok(vec![Outcome::Updated {
                source_id,
                target_id: Some(id.to_string()),
            }]),
            Err(e) => {
                let e = err(e);
                if e.is_refusal() {
                    Ok(vec![Outcome::Refused {
                        source_id: Some(source_id),
                        reason: format!("{key}: refused by zendesk-sell: {e}"),
                    }])
                } else {
                    Err(e)
                }
            }
        }
    }
}

impl EntityWriter for SellWriter<'_> {
    fn write(&mut self, record: Pending) -> BoxFuture<'_, Result<Vec<Outcome>, SyncError>> {
        self.upsert(record).boxed()
    }

    fn finish(self: Box<Self>) -> BoxFuture<'static, Result<Vec<Outcome>, SyncError>> {
        async { Ok(Vec::new()) }.boxed()
    }
}

// ------------------------------------------------------------- link-back

impl LinkBack for SellConnector {
    fn links(&self) -> &[EntityKind] {
        LINKS
    }

    fn link<'a>(
        &'a self,
        _kind: EntityKind,
        source_id: &'a str,
        target: &'a ExternalId,
    ) -> BoxFuture<'a, Result<(), SyncError>> {
        async move {
            let id = source_id.parse::<i64>().map_err(|_| SyncError::Protocol {
                system: SELL,
                operation: "update_contact",
                message: format!("{source_id:?} is not a Sell id"),
            })?;
            let key = format!("{}{}", crm_core::support::prefix(target.system), target.id);
            let body = ContactRequest {
                data: ContactInput {
                    custom_fields: Some(CustomFields(BTreeMap::from([(
                        BRIDGE_FIELD.to_owned(),
                        CustomFieldValue::Text(key),
                    )]))),
                    ..ContactInput::default()
                },
            };
            self.client
                .update_contact()
                .id(id)
                .body(body)
                .send_typed()
                .await
                .map(|_| ())
                .map_err(err)
        }
        .boxed()
    }
}

// ----------------------------------------------------------- change feed

impl ChangeFeed for SellConnector {
    fn follows(&self) -> &[EntityKind] {
        FOLLOWS
    }

    fn position(&self, kind: EntityKind) -> BoxFuture<'_, Result<String, SyncError>> {
        async move {
            match kind {
                EntityKind::Account | EntityKind::Contact => {
                    top_of(&self.client, self.client.stream_contacts()).await
                }
                EntityKind::Deal => top_of(&self.client, self.client.stream_deals()).await,
                EntityKind::Lead => top_of(&self.client, self.client.stream_leads()).await,
                other => Err(SyncError::Unsupported(format!(
                    "zendesk-sell: {other} have no Firehose stream"
                ))),
            }
        }
        .boxed()
    }

    fn changes<'a>(
        &'a self,
        kind: EntityKind,
        since: &'a str,
    ) -> BoxFuture<'a, Result<Changes, SyncError>> {
        async move {
            let limit = MAX_LIMIT.get();
            let sell = &self.client;
            match kind {
                EntityKind::Account | EntityKind::Contact => {
                    collect(
                        sell,
                        sell.stream_contacts().limit(limit),
                        since,
                        |c| (c.id, c.is_organization),
                        Some(kind == EntityKind::Account),
                    )
                    .await
                }
                EntityKind::Deal => {
                    collect(
                        sell,
                        sell.stream_deals().limit(limit),
                        since,
                        |d| (d.id, None),
                        None,
                    )
                    .await
                }
                EntityKind::Lead => {
                    collect(
                        sell,
                        sell.stream_leads().limit(limit),
                        since,
                        |l| (l.id, None),
                        None,
                    )
                    .await
                }
                other => Err(SyncError::Unsupported(format!(
                    "zendesk-sell: {other} have no Firehose stream"
                ))),
            }
        }
        .boxed()
    }
}

async fn top_of<R: FirehoseRequest>(sell: &Client, request: R) -> Result<String, SyncError> {
    let mut pages = std::pin::pin!(
        sell.firehose(request, StartAt::Top)
            .at_top(AtTop::Stop)
            .pages()
    );
    match pages.try_next().await.map_err(err)? {
        Some(page) => Ok(page.position),
        None => Err(SyncError::Protocol {
            system: SELL,
            operation: "firehose",
            message: "the Firehose gave no position for `top`".into(),
        }),
    }
}

/// Folds the events from `start` into the last state of each id. `pick`
/// gives a record's id and organisation flag; `organizations` keeps only
/// one kind of contact (a deletion of unknown kind is kept: a tombstone for
/// an id the target does not have changes nothing).
async fn collect<R: FirehoseRequest>(
    sell: &Client,
    request: R,
    start: &str,
    pick: impl Fn(&R::Record) -> (Option<i64>, Option<bool>),
    organizations: Option<bool>,
) -> Result<Changes, SyncError> {
    let mut upserted = BTreeSet::new();
    let mut deleted = BTreeMap::new();
    let mut position = start.to_owned();
    let consumer = sell
        .firehose(request, StartAt::Position(start.to_owned()))
        .at_top(AtTop::Stop);
    let mut pages = std::pin::pin!(consumer.pages());
    while let Some(page) = pages.try_next().await.map_err(err)? {
        for event in &page.events {
            let (Some(id), kind) = pick(&event.record) else {
                continue;
            };
            let is_delete = matches!(
                event.meta.event_type,
                FirehoseEventType::Known(FirehoseEventTypeKnown::Deleted)
            );
            let wanted = match (organizations, kind) {
                (Some(want), Some(is)) => want == is,
                (Some(_), None) => is_delete,
                (None, _) => true,
            };
            if !wanted {
                continue;
            }
            if is_delete {
                upserted.remove(&id);
                deleted.insert(id, event.meta.event_time.unwrap_or_else(Utc::now));
            } else {
                deleted.remove(&id);
                upserted.insert(id);
            }
        }
        position = page.position;
    }
    Ok(Changes {
        upserted: upserted.into_iter().map(|id| id.to_string()).collect(),
        deleted: deleted
            .into_iter()
            .map(|(id, at)| (id.to_string(), at))
            .collect(),
        position,
    })
}

impl Connector for SellConnector {
    fn system(&self) -> System {
        SELL
    }
    fn endpoint(&self) -> String {
        zendesk_sell_api::ClientInfo::baseurl(&self.client).to_owned()
    }
    fn source(&self) -> Option<&dyn Source> {
        Some(self)
    }
    fn sink(&self) -> Option<&dyn Sink> {
        Some(self)
    }
    fn change_feed(&self) -> Option<&dyn ChangeFeed> {
        Some(self)
    }
    fn link_back(&self) -> Option<&dyn LinkBack> {
        Some(self)
    }
}
