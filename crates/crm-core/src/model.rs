//! The common entity model.
//!
//! Every entity has typed common fields and a [`Meta`]: its ids in each
//! system it came from or went to, custom fields, the source fields the
//! model has no slot for (per system, verbatim), the raw source payload, a
//! deleted flag and its timestamps. References between records ([`Ref`])
//! name the target by its ids, never by one system's id reused in another.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::custom::CustomFields;
use crate::system::{Identities, System};
use crate::values::{Address, Date, Email, Money, Phone, Timestamp};

/// Source fields the model has no slot for, per system, verbatim.
pub type Extras = BTreeMap<System, serde_json::Map<String, Value>>;

/// The payload a record was read from: the source record itself, shared,
/// serialized to JSON only when asked for ([`RawPayload::payload`]), so
/// keeping it costs no serialization on the conversion path.
#[derive(Clone)]
pub struct RawPayload {
    system: System,
    record: Arc<dyn RawRecord>,
}

/// A source record kept as a raw payload.
pub trait RawRecord: fmt::Debug + Send + Sync {
    /// The record as JSON.
    fn to_json(&self) -> Value;
}

impl<T: Serialize + fmt::Debug + Send + Sync> RawRecord for T {
    fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

impl RawPayload {
    /// Keeps `record`, read from `system`.
    pub fn new<T: RawRecord + 'static>(system: System, record: T) -> Self {
        RawPayload {
            system,
            record: Arc::new(record),
        }
    }

    /// Keeps an already shared `record` (no copy).
    pub fn shared<T: RawRecord + 'static>(system: System, record: Arc<T>) -> Self {
        RawPayload { system, record }
    }

    /// The system it came from.
    pub fn system(&self) -> System {
        self.system
    }

    /// The record as JSON, as that system's client serializes it.
    pub fn payload(&self) -> Value {
        self.record.to_json()
    }
}

impl fmt::Debug for RawPayload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawPayload")
            .field("system", &self.system)
            .field("record", &self.record)
            .finish()
    }
}

impl PartialEq for RawPayload {
    fn eq(&self, other: &Self) -> bool {
        self.system == other.system && self.payload() == other.payload()
    }
}

#[derive(Serialize, Deserialize)]
struct RawJson {
    system: System,
    payload: Value,
}

impl Serialize for RawPayload {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        RawJson {
            system: self.system,
            payload: self.payload(),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for RawPayload {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = RawJson::deserialize(deserializer)?;
        Ok(RawPayload::new(raw.system, raw.payload))
    }
}

/// What every entity carries besides its typed fields.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    /// The record's ids in each system.
    pub ids: Identities,
    /// Custom fields by name.
    pub custom: CustomFields,
    /// Source fields without a slot, per system.
    pub extras: Extras,
    /// The payload the record was last read from.
    pub raw: Option<RawPayload>,
    /// The record is deleted (or is a deletion to propagate).
    pub deleted: bool,
    /// When it was created in its source.
    pub created_at: Option<Timestamp>,
    /// When it was last modified in its source.
    pub updated_at: Option<Timestamp>,
    /// Credentials the source record held (never printed or serialized).
    #[serde(skip)]
    pub secrets: crate::secrets::Secrets,
}

impl Meta {
    /// Meta for a record read from `system` with id `id`.
    pub fn from_source(system: System, id: impl Into<String>) -> Self {
        Meta {
            ids: Identities::one(system, id),
            ..Meta::default()
        }
    }

    /// The extras kept for `system`.
    pub fn extras_for(&self, system: System) -> Option<&serde_json::Map<String, Value>> {
        self.extras.get(&system)
    }

    /// Keeps `value` under `key` in `system`'s extras.
    pub fn keep(&mut self, system: System, key: impl Into<String>, value: Value) {
        self.extras
            .entry(system)
            .or_default()
            .insert(key.into(), value);
    }
}

/// The kinds of entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    /// [`Account`].
    Account,
    /// [`Contact`].
    Contact,
    /// [`Deal`].
    Deal,
    /// [`Lead`].
    Lead,
    /// [`User`].
    User,
    /// [`Pipeline`].
    Pipeline,
    /// [`Stage`].
    Stage,
    /// [`Note`].
    Note,
    /// [`Task`].
    Task,
    /// A kind this model does not name (e.g. a Sell note attached to an order).
    Other,
}

/// A reference to another record, by its ids.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Ref {
    /// What it points to.
    pub kind: EntityKind,
    /// The target's ids.
    pub ids: Identities,
}

impl Ref {
    /// A reference to a `kind` record with id `id` in `system`.
    pub fn new(kind: EntityKind, system: System, id: impl Into<String>) -> Self {
        Ref {
            kind,
            ids: Identities::one(system, id),
        }
    }

    /// The target's id in `system`.
    pub fn id_in(&self, system: System) -> Option<&str> {
        self.ids.get(system)
    }
}

/// A company or organisation (Gong ACCOUNT, ConeCRM Account, Sell
/// organisation contact).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Account {
    /// Ids, custom fields, extras, raw payload, timestamps.
    pub meta: Meta,
    /// The name.
    pub name: Option<String>,
    /// Web domains (`acme.com`).
    pub domains: Vec<String>,
    /// The website URL.
    pub website: Option<String>,
    /// A description.
    pub description: Option<String>,
    /// The industry.
    pub industry: Option<String>,
    /// The preferred language.
    pub language: Option<String>,
    /// Whether it is active.
    pub active: Option<bool>,
    /// Email addresses, the primary first.
    pub emails: Vec<Email>,
    /// Phone numbers, the primary first.
    pub phones: Vec<Phone>,
    /// The main address.
    pub address: Option<Address>,
    /// The billing address.
    pub billing_address: Option<Address>,
    /// The shipping address.
    pub shipping_address: Option<Address>,
    /// The owning user.
    pub owner: Option<Ref>,
    /// A parent organisation.
    pub parent: Option<Ref>,
    /// Contacts of the account.
    pub contacts: Vec<Ref>,
    /// Tags.
    pub tags: Vec<String>,
    /// The record's page in its CRM.
    pub url: Option<String>,
}

/// A person (Gong CONTACT, ConeCRM Contact, Sell person contact).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    /// Ids, custom fields, extras, raw payload, timestamps.
    pub meta: Meta,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Job title.
    pub title: Option<String>,
    /// The company's name as text (when not a reference).
    pub company_name: Option<String>,
    /// Salutation (`Mr`, `Dr`…).
    pub salutation: Option<String>,
    /// How the person prefers to be contacted.
    pub preferred_contact: Option<String>,
    /// A description.
    pub description: Option<String>,
    /// The preferred language.
    pub language: Option<String>,
    /// Whether the contact is active.
    pub active: Option<bool>,
    /// Email addresses, the primary first.
    pub emails: Vec<Email>,
    /// Phone numbers, the primary first.
    pub phones: Vec<Phone>,
    /// The main address.
    pub address: Option<Address>,
    /// The accounts (organisations) the person belongs to, the primary first.
    pub accounts: Vec<Ref>,
    /// The owning user.
    pub owner: Option<Ref>,
    /// Social profiles by network (`twitter`, `linkedin`…).
    pub social: BTreeMap<String, String>,
    /// Tags.
    pub tags: Vec<String>,
    /// The record's page in its CRM.
    pub url: Option<String>,
}

/// Where a deal stands.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DealStatus {
    /// Not decided yet.
    Open,
    /// Won.
    Won,
    /// Lost.
    Lost,
    /// A status the model does not name, as the source wrote it.
    Other(String),
}

/// An opportunity (Gong DEAL, Sell deal; ConeCRM has none: its lead plays the role).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Deal {
    /// Ids, custom fields, extras, raw payload, timestamps.
    pub meta: Meta,
    /// The name.
    pub name: Option<String>,
    /// The amount.
    pub amount: Option<Money>,
    /// The status.
    pub status: Option<DealStatus>,
    /// The stage.
    pub stage: Option<Ref>,
    /// The account.
    pub account: Option<Ref>,
    /// The main contact.
    pub contact: Option<Ref>,
    /// The owning user.
    pub owner: Option<Ref>,
    /// The (expected) close date.
    pub close_date: Option<Date>,
    /// Marked hot.
    pub hot: Option<bool>,
    /// Win likelihood in percent.
    pub win_likelihood: Option<i32>,
    /// The lead source.
    pub source: Option<Ref>,
    /// Tags.
    pub tags: Vec<String>,
    /// The record's page in its CRM.
    pub url: Option<String>,
}

/// A prospect not yet qualified (Gong LEAD, Sell lead, ConeCRM lead — which
/// also carries the opportunity's stage and dates).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Lead {
    /// Ids, custom fields, extras, raw payload, timestamps.
    pub meta: Meta,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Organisation name as text.
    pub company_name: Option<String>,
    /// Job title.
    pub title: Option<String>,
    /// A subject line (ConeCRM).
    pub subject: Option<String>,
    /// A description.
    pub description: Option<String>,
    /// Industry.
    pub industry: Option<String>,
    /// Website.
    pub website: Option<String>,
    /// The status, as the source names it.
    pub status: Option<String>,
    /// The lead source.
    pub source: Option<Ref>,
    /// Email addresses, the primary first.
    pub emails: Vec<Email>,
    /// Phone numbers, the primary first.
    pub phones: Vec<Phone>,
    /// The address.
    pub address: Option<Address>,
    /// The owning user.
    pub owner: Option<Ref>,
    /// The account it concerns.
    pub account: Option<Ref>,
    /// The contact it concerns.
    pub contact: Option<Ref>,
    /// The stage (ConeCRM).
    pub stage: Option<Ref>,
    /// When it is due.
    pub due_at: Option<Timestamp>,
    /// Whether it is qualified.
    pub qualified: Option<bool>,
    /// When it was closed.
    pub closed_at: Option<Timestamp>,
    /// The deal it was converted to.
    pub converted_deal: Option<Ref>,
    /// The contact it was converted to.
    pub converted_contact: Option<Ref>,
    /// The account it was converted to.
    pub converted_account: Option<Ref>,
    /// Social profiles by network.
    pub social: BTreeMap<String, String>,
    /// Tags.
    pub tags: Vec<String>,
    /// The record's page in its CRM.
    pub url: Option<String>,
}

/// A user of a CRM (Gong BUSINESS_USER, ConeCRM User, Sell user).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct User {
    /// Ids, custom fields, extras, raw payload, timestamps.
    pub meta: Meta,
    /// Login name.
    pub username: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Email (how Gong matches users).
    pub email: Option<Email>,
    /// Phone.
    pub phone: Option<Phone>,
    /// Whether the user is active.
    pub active: Option<bool>,
    /// The role or user type.
    pub role: Option<String>,
    /// The record's page in its CRM.
    pub url: Option<String>,
}

/// A sales pipeline.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Pipeline {
    /// Ids, custom fields, extras, raw payload, timestamps.
    pub meta: Meta,
    /// The name.
    pub name: Option<String>,
    /// Whether it is in use.
    pub active: Option<bool>,
}

/// A stage of a pipeline.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Stage {
    /// Ids, custom fields, extras, raw payload, timestamps.
    pub meta: Meta,
    /// The name.
    pub name: Option<String>,
    /// The pipeline.
    pub pipeline: Option<Ref>,
    /// Its position in the pipeline (1-based in Gong).
    pub position: Option<i32>,
    /// Whether it is active.
    pub active: Option<bool>,
    /// Win likelihood in percent.
    pub likelihood: Option<i32>,
    /// A category (Sell: `incoming`, `won`, `lost`…).
    pub category: Option<String>,
    /// A unique internal name (Gong's older `internalName`).
    pub internal_name: Option<String>,
}

/// A note on a record.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Note {
    /// Ids, custom fields, extras, raw payload, timestamps.
    pub meta: Meta,
    /// The text.
    pub content: Option<String>,
    /// The record it is about.
    pub about: Option<Ref>,
    /// Marked important.
    pub important: Option<bool>,
    /// The author.
    pub creator: Option<Ref>,
    /// The note type.
    pub kind: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
}

/// A task.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Task {
    /// Ids, custom fields, extras, raw payload, timestamps.
    pub meta: Meta,
    /// A title.
    pub title: Option<String>,
    /// The text.
    pub content: Option<String>,
    /// When it starts.
    pub starts_at: Option<Timestamp>,
    /// When it is due.
    pub due_at: Option<Timestamp>,
    /// When to remind.
    pub remind_at: Option<Timestamp>,
    /// Whether it is done.
    pub completed: Option<bool>,
    /// When it was done.
    pub completed_at: Option<Timestamp>,
    /// The assignee.
    pub owner: Option<Ref>,
    /// The record it is about.
    pub about: Option<Ref>,
    /// The task type (call, email…).
    pub kind: Option<String>,
}

/// Any entity, for code that handles several.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "entity", rename_all = "snake_case")]
pub enum Entity {
    /// An account.
    Account(Account),
    /// A contact.
    Contact(Contact),
    /// A deal.
    Deal(Deal),
    /// A lead.
    Lead(Lead),
    /// A user.
    User(User),
    /// A pipeline.
    Pipeline(Pipeline),
    /// A stage.
    Stage(Stage),
    /// A note.
    Note(Note),
    /// A task.
    Task(Task),
}

impl Entity {
    /// The kind.
    pub fn kind(&self) -> EntityKind {
        match self {
            Entity::Account(_) => EntityKind::Account,
            Entity::Contact(_) => EntityKind::Contact,
            Entity::Deal(_) => EntityKind::Deal,
            Entity::Lead(_) => EntityKind::Lead,
            Entity::User(_) => EntityKind::User,
            Entity::Pipeline(_) => EntityKind::Pipeline,
            Entity::Stage(_) => EntityKind::Stage,
            Entity::Note(_) => EntityKind::Note,
            Entity::Task(_) => EntityKind::Task,
        }
    }

    /// The meta.
    pub fn meta(&self) -> &Meta {
        match self {
            Entity::Account(e) => &e.meta,
            Entity::Contact(e) => &e.meta,
            Entity::Deal(e) => &e.meta,
            Entity::Lead(e) => &e.meta,
            Entity::User(e) => &e.meta,
            Entity::Pipeline(e) => &e.meta,
            Entity::Stage(e) => &e.meta,
            Entity::Note(e) => &e.meta,
            Entity::Task(e) => &e.meta,
        }
    }
}
