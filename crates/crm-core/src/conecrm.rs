//! ConeCRM records ↔ the common model (feature `conecrm`).
//!
//! | ConeCRM entity | core entity |
//! |---|---|
//! | Account | [`Account`] |
//! | Contact | [`Contact`] |
//! | Lead | [`Lead`]; also the opportunity: [`AsDeal`] reads a lead as a [`Deal`], and a [`Deal`] converts into a lead |
//! | Task | [`Task`] |
//! | User | [`User`] (its `apiKey` goes to [`Meta::secrets`], never printed) |
//! | ConnectionStage | [`Stage`] |
//!
//! Ids are UUIDs. A record's ids in other systems travel in ConeCRM's own
//! `thirdPartyIds` (`systemName` `gong`, `zendesk-sell`): read into
//! [`Meta::ids`], and added for ids the list lacks on the way back. A record
//! without a ConeCRM id converts with no `id` (new in ConeCRM). Fields with a
//! slot in the model are listed in the `*_MAPPED` constants; every other
//! field (embedded objects, audit references, the many lead flags, fields
//! this crate does not know) is kept verbatim in `meta.extras[conecrm]` and
//! restored on the way back. A reference maps to a [`Ref`] when it is a bare
//! `{"id": …}`; otherwise it is kept verbatim.

use std::collections::BTreeSet;

use conecrm_api::types::{
    Account as ConeAccount, ConnectionStage, Contact as ConeContact, Lead as ConeLead,
    Task as ConeTask, User as ConeUser,
};
use secrecy::ExposeSecret;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::convert::{ConvertError, ConvertOptions, Converted, FromCore, ToCore};
use crate::loss::{LossReason, LossReport};
use crate::model::{
    Account, Contact, Deal, DealStatus, EntityKind, Lead, Meta, RawPayload, Ref, Stage, Task, User,
};
use crate::support::{derived_id, lost, lost_deleted, lost_list, report_other_extras};
use crate::system::System;
use crate::values::{Address, Email, Phone, PhoneKind, Timestamp};

const CONE: System = System::Conecrm;

/// Account fields with a slot in [`Account`].
pub const ACCOUNT_MAPPED: &[&str] = &[
    "id",
    "name",
    "primaryEmail",
    "secondaryEmail",
    "workPhone",
    "workPhoneExtension",
    "homePhone",
    "mobilePhone",
    "address",
    "city",
    "province",
    "postalCode",
    "country",
    "language",
    "isActive",
    "dateCreated",
    "dateModified",
    "isDeleted",
];

/// Contact fields with a slot in [`Contact`].
pub const CONTACT_MAPPED: &[&str] = &[
    "id",
    "firstName",
    "lastName",
    "companyName",
    "civility",
    "preferredMethodOfContact",
    "primaryEmail",
    "secondaryEmail",
    "workPhone",
    "workPhoneExtension",
    "homePhone",
    "mobilePhone",
    "address",
    "city",
    "province",
    "postalCode",
    "country",
    "language",
    "isActive",
    "dateCreated",
    "dateModified",
    "isDeleted",
];

/// Lead fields with a slot in [`Lead`] (references only when bare `{id}`).
pub const LEAD_MAPPED: &[&str] = &[
    "id",
    "subject",
    "description",
    "source",
    "contact",
    "account",
    "stage",
    "dueDate",
    "isQualified",
    "connectionClosedDate",
    "dateCreated",
    "dateModified",
    "isDeleted",
];

/// Task fields with a slot in [`Task`].
pub const TASK_MAPPED: &[&str] = &[
    "id",
    "title",
    "note",
    "start",
    "end",
    "taskDone",
    "type",
    "dateCreated",
    "dateModified",
    "isDeleted",
];

/// User fields with a slot in [`User`] (`apiKey` goes to the secrets).
pub const USER_MAPPED: &[&str] = &[
    "id",
    "username",
    "firstname",
    "lastname",
    "email",
    "mobilePhone",
    "userType",
    "dateCreated",
    "dateModified",
    "isDeleted",
    "apiKey",
];

/// Stage fields with a slot in [`Stage`].
pub const STAGE_MAPPED: &[&str] = &["id", "name", "position"];

// ------------------------------------------------------------------ reading

/// A record's JSON, split into the fields read so far and the rest.
struct Reader {
    object: Map<String, Value>,
    used: BTreeSet<&'static str>,
}

impl Reader {
    fn new<T: Serialize>(record: &T) -> Self {
        let object = match serde_json::to_value(record) {
            Ok(Value::Object(o)) => o,
            _ => Map::new(),
        };
        Reader {
            object,
            used: BTreeSet::new(),
        }
    }

    /// The value of `key`, deserialized, marking it used.
    fn take<T: DeserializeOwned>(&mut self, key: &'static str) -> Option<T> {
        let value = self.object.get(key)?;
        let parsed = serde_json::from_value(value.clone()).ok()?;
        self.used.insert(key);
        Some(parsed)
    }

    /// `key` if `when` holds.
    fn take_if<T: DeserializeOwned>(&mut self, key: &'static str, when: bool) -> Option<T> {
        if when { self.take(key) } else { None }
    }

    /// A bare `{"id": "<uuid>"}` reference as a [`Ref`].
    fn reference(&mut self, key: &'static str, kind: EntityKind) -> Option<Ref> {
        let value = self.object.get(key)?.as_object()?;
        if value.len() != 1 {
            return None;
        }
        let id = value.get("id")?.as_str()?.to_owned();
        self.used.insert(key);
        Some(Ref::new(kind, CONE, id))
    }

    /// The meta of a record type with a lifecycle: `dateCreated`,
    /// `dateModified` and `isDeleted`.
    fn lifecycle(&mut self) -> Meta {
        Meta {
            created_at: self.take("dateCreated"),
            updated_at: self.take("dateModified"),
            deleted: self.deleted(),
            ..Meta::default()
        }
    }

    /// `isDeleted` into `meta.deleted` (an explicit `false` is kept).
    fn deleted(&mut self) -> bool {
        match self.object.get("isDeleted").and_then(Value::as_bool) {
            Some(true) => {
                self.used.insert("isDeleted");
                true
            }
            _ => false, // absent or an explicit false (kept in the extras)
        }
    }

    /// The meta: ids (own and `thirdPartyIds`), the unused fields verbatim,
    /// the raw payload (with secret fields removed).
    fn finish(mut self, mut meta: Meta) -> Meta {
        if let Some(id) = self.object.get("id").and_then(Value::as_str) {
            meta.ids.set(CONE, id);
            self.used.insert("id");
        }
        if let Some(Value::Array(entries)) = self.object.get("thirdPartyIds") {
            for entry in entries {
                let system = entry
                    .get("systemName")
                    .and_then(Value::as_str)
                    .and_then(|s| s.parse::<System>().ok());
                let id = entry.get("thirdPartyId").and_then(Value::as_str);
                if let (Some(system), Some(id)) = (system, id)
                    && system != CONE
                    && meta.ids.get(system).is_none()
                {
                    meta.ids.set(system, id);
                }
            }
        }
        let mut raw = self.object.clone();
        for secret in meta.secrets.names() {
            raw.insert(secret.to_owned(), Value::String("[REDACTED]".into()));
        }
        let rest: Map<String, Value> = self
            .object
            .into_iter()
            .filter(|(k, _)| !self.used.contains(k.as_str()))
            .collect();
        if !rest.is_empty() {
            meta.extras.insert(CONE, rest);
        }
        meta.raw = Some(RawPayload::new(CONE, Value::Object(raw)));
        meta
    }
}

/// The ids of the list of records under `key` (`[{"id": …, …}]`) as
/// references to `kind` records. Read, not taken: the list stays verbatim
/// in the extras, so the record is written back as it was.
fn references_in(record: &Map<String, Value>, key: &str, kind: EntityKind) -> Vec<Ref> {
    record
        .get(key)
        .map(ids_in)
        .unwrap_or_default()
        .into_iter()
        .map(|id| Ref::new(kind, CONE, id))
        .collect()
}

/// The `id`s of a JSON list of records.
fn ids_in(list: &Value) -> Vec<String> {
    list.as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|item| item.get("id").and_then(Value::as_str))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn emails_in(r: &mut Reader) -> Vec<Email> {
    let primary: Option<String> = r.take("primaryEmail");
    let secondary: Option<String> = r.take_if("secondaryEmail", primary.is_some());
    primary
        .into_iter()
        .chain(secondary)
        .map(Email::new)
        .collect()
}

fn phones_in(r: &mut Reader) -> Vec<Phone> {
    let mut phones = Vec::new();
    if let Some(work) = r.take::<String>("workPhone") {
        let mut phone = Phone::new(work, PhoneKind::Work);
        phone.extension = r.take("workPhoneExtension");
        phones.push(phone);
    }
    if let Some(home) = r.take::<String>("homePhone") {
        phones.push(Phone::new(home, PhoneKind::Home));
    }
    if let Some(mobile) = r.take::<String>("mobilePhone") {
        phones.push(Phone::new(mobile, PhoneKind::Mobile));
    }
    phones
}

fn address_in(r: &mut Reader) -> Option<Address> {
    let address = Address {
        street: r.take("address"),
        city: r.take("city"),
        region: r.take("province"),
        postal_code: r.take("postalCode"),
        country: r.take("country"),
    };
    (!address.is_empty()).then_some(address)
}

// ------------------------------------------------------------------ writing

/// A record's JSON being built: the kept fields first, then the mapped ones.
struct Writer {
    object: Map<String, Value>,
    losses: LossReport,
}

impl Writer {
    fn new(meta: &Meta, entity: &str) -> Result<Self, ConvertError> {
        let mut losses = LossReport::new();
        report_other_extras(meta, CONE, entity, &mut losses);
        let mut object = meta.extras_for(CONE).cloned().unwrap_or_default();
        match (meta.ids.get(CONE), derived_id(&meta.ids, CONE)) {
            (Some(id), _) => {
                let uuid = id
                    .parse::<uuid::Uuid>()
                    .map_err(|_| ConvertError::InvalidId {
                        system: CONE,
                        id: id.to_owned(),
                        reason: "ConeCRM ids are UUIDs".to_owned(),
                    })?;
                object.insert("id".into(), Value::String(uuid.to_string()));
            }
            // An id derived back from another system (`cc-<uuid>` in Gong).
            (None, Some(derived)) if derived.parse::<uuid::Uuid>().is_ok() => {
                object.insert("id".into(), Value::String(derived));
            }
            _ => {
                object.remove("id"); // new in ConeCRM: the server assigns one
            }
        }
        // Ids in other systems travel in thirdPartyIds.
        let mut entries = match object.remove("thirdPartyIds") {
            Some(Value::Array(entries)) => entries,
            _ => Vec::new(),
        };
        for id in meta.ids.iter().filter(|i| i.system != CONE) {
            let listed = entries.iter().any(|e| {
                e.get("systemName")
                    .and_then(Value::as_str)
                    .and_then(|s| s.parse::<System>().ok())
                    == Some(id.system)
            });
            if !listed {
                entries.push(
                    serde_json::json!({"systemName": id.system.as_str(), "thirdPartyId": id.id}),
                );
            }
        }
        if !entries.is_empty() {
            object.insert("thirdPartyIds".into(), Value::Array(entries));
        }
        for (name, secret) in meta.secrets.iter() {
            object.insert(
                name.to_owned(),
                Value::String(secret.expose_secret().to_owned()),
            );
        }
        Ok(Writer { object, losses })
    }

    fn set<T: Serialize>(&mut self, key: &str, value: &Option<T>) {
        if let Some(json) = value.as_ref().and_then(|v| serde_json::to_value(v).ok()) {
            self.object.insert(key.to_owned(), json);
        }
    }

    /// A reference as a bare `{id}`, when it has a ConeCRM id.
    fn reference(&mut self, key: &str, reference: &Option<Ref>, path: &'static str) {
        let Some(r) = reference else { return };
        match derived_id(&r.ids, CONE).and_then(|id| id.parse::<uuid::Uuid>().ok()) {
            Some(id) => {
                self.object
                    .insert(key.to_owned(), serde_json::json!({"id": id.to_string()}));
            }
            None => self.losses.push(path, LossReason::OtherSystem, r),
        }
    }

    /// `dateCreated`, `dateModified` and `isDeleted`, for the record types
    /// that have them (see [`lifecycle_lost`] for the others).
    fn lifecycle(&mut self, meta: &Meta) {
        self.set("dateCreated", &meta.created_at);
        self.set("dateModified", &meta.updated_at);
        if meta.deleted {
            self.object.insert("isDeleted".into(), Value::Bool(true));
        }
    }

    fn emails(&mut self, emails: &[Email], path: &str) {
        self.set("primaryEmail", &emails.first().map(Email::as_str));
        self.set("secondaryEmail", &emails.get(1).map(Email::as_str));
        for (i, extra) in emails.iter().enumerate().skip(2) {
            self.losses
                .push(format!("{path}[{i}]"), LossReason::TooMany, extra);
        }
    }

    fn phones(&mut self, phones: &[Phone], path: &str) {
        let mut seen = [false; 3];
        for (i, p) in phones.iter().enumerate() {
            if p.kind == PhoneKind::Other {
                self.losses
                    .push(format!("{path}[{i}].kind"), LossReason::Precision, p.kind);
            }
            let (slot, key) = match p.kind {
                PhoneKind::Work | PhoneKind::Other => (0, "workPhone"),
                PhoneKind::Home => (1, "homePhone"),
                PhoneKind::Mobile => (2, "mobilePhone"),
                PhoneKind::Fax => {
                    self.losses
                        .push(format!("{path}[{i}]"), LossReason::NoField, p);
                    continue;
                }
            };
            if seen[slot] {
                self.losses
                    .push(format!("{path}[{i}]"), LossReason::TooMany, p);
                continue;
            }
            seen[slot] = true;
            self.object
                .insert(key.to_owned(), Value::String(p.number.clone()));
            if slot == 0 {
                self.set("workPhoneExtension", &p.extension);
            } else if let Some(ext) = &p.extension {
                self.losses
                    .push(format!("{path}[{i}].extension"), LossReason::NoField, ext);
            }
        }
    }

    fn address(&mut self, address: &Option<Address>) {
        if let Some(a) = address {
            self.set("address", &a.street);
            self.set("city", &a.city);
            self.set("province", &a.region);
            self.set("postalCode", &a.postal_code);
            self.set("country", &a.country);
        }
    }

    fn finish<T: DeserializeOwned>(
        self,
        entity: &'static str,
    ) -> Result<Converted<T>, ConvertError> {
        let value = serde_json::from_value(Value::Object(self.object)).map_err(|e| {
            ConvertError::InvalidValue {
                system: CONE,
                field: entity,
                reason: format!("the fields do not form a ConeCRM record: {e}"),
            }
        })?;
        Ok(Converted {
            value,
            losses: self.losses,
        })
    }
}

/// Reports the lifecycle (`created_at`, `updated_at`, `deleted`) of a record
/// whose ConeCRM type has no `dateCreated`, `dateModified` or `isDeleted`.
fn lifecycle_lost(meta: &Meta, entity: &str, losses: &mut LossReport) {
    for (field, at) in [
        ("created_at", &meta.created_at),
        ("updated_at", &meta.updated_at),
    ] {
        if let Some(at) = at {
            losses.push(format!("{entity}.{field}"), LossReason::NoField, at);
        }
    }
    lost_deleted(meta, entity, losses);
}

fn custom_lost(meta: &Meta, entity: &str, losses: &mut LossReport) {
    for (name, value) in &meta.custom {
        losses.push(
            format!("{entity}.custom.{name}"),
            LossReason::NoField,
            value,
        );
    }
}

// ------------------------------------------------------------------ accounts

impl ToCore for ConeAccount {
    type Core = Account;

    fn to_core(&self) -> Account {
        let mut r = Reader::new(self);
        let name = r.take("name");
        let emails = emails_in(&mut r);
        let phones = phones_in(&mut r);
        let address = address_in(&mut r);
        let language = r.take("language");
        let active = r.take("isActive");
        let meta = r.lifecycle();
        Account {
            meta: r.finish(meta),
            name,
            emails,
            phones,
            address,
            language,
            active,
            ..Account::default()
        }
    }
}

impl FromCore<Account> for ConeAccount {
    fn from_core(a: &Account, _: &ConvertOptions) -> Result<Converted<Self>, ConvertError> {
        let mut w = Writer::new(&a.meta, "account")?;
        w.lifecycle(&a.meta);
        w.set("name", &a.name);
        w.emails(&a.emails, "account.emails");
        w.phones(&a.phones, "account.phones");
        w.address(&a.address);
        w.set("language", &a.language);
        w.set("isActive", &a.active);
        let l = &mut w.losses;
        lost_list(&a.domains, "account.domains", l);
        lost(&a.website, "account.website", l);
        lost(&a.description, "account.description", l);
        lost(&a.industry, "account.industry", l);
        lost(&a.billing_address, "account.billing_address", l);
        lost(&a.shipping_address, "account.shipping_address", l);
        lost(&a.owner, "account.owner", l);
        lost(&a.parent, "account.parent", l);
        lost_list(&a.contacts, "account.contacts", l);
        lost_list(&a.tags, "account.tags", l);
        lost(&a.url, "account.url", l);
        custom_lost(&a.meta, "account", l);
        w.finish("account")
    }
}

// ------------------------------------------------------------------ contacts

impl ToCore for ConeContact {
    type Core = Contact;

    fn to_core(&self) -> Contact {
        let mut r = Reader::new(self);
        let first_name = r.take("firstName");
        let last_name = r.take("lastName");
        let company_name = r.take("companyName");
        let salutation = r.take("civility");
        let preferred_contact = r.take("preferredMethodOfContact");
        let emails = emails_in(&mut r);
        let phones = phones_in(&mut r);
        let address = address_in(&mut r);
        let language = r.take("language");
        let active = r.take("isActive");
        let accounts = references_in(&r.object, "accounts", EntityKind::Account);
        let meta = r.lifecycle();
        Contact {
            meta: r.finish(meta),
            accounts,
            first_name,
            last_name,
            company_name,
            salutation,
            preferred_contact,
            emails,
            phones,
            address,
            language,
            active,
            ..Contact::default()
        }
    }
}

impl FromCore<Contact> for ConeContact {
    fn from_core(c: &Contact, _: &ConvertOptions) -> Result<Converted<Self>, ConvertError> {
        let mut w = Writer::new(&c.meta, "contact")?;
        w.lifecycle(&c.meta);
        w.set("firstName", &c.first_name);
        w.set("lastName", &c.last_name);
        w.set("companyName", &c.company_name);
        w.set("civility", &c.salutation);
        w.set("preferredMethodOfContact", &c.preferred_contact);
        w.emails(&c.emails, "contact.emails");
        w.phones(&c.phones, "contact.phones");
        w.address(&c.address);
        w.set("language", &c.language);
        w.set("isActive", &c.active);
        let l = &mut w.losses;
        lost(&c.title, "contact.title", l);
        lost(&c.description, "contact.description", l);
        // The accounts a contact read from ConeCRM lists travel verbatim in
        // the extras; others (no ConeCRM account behind them) are lost.
        let listed = w.object.get("accounts").map(ids_in).unwrap_or_default();
        for (i, account) in c.accounts.iter().enumerate() {
            if !account
                .id_in(CONE)
                .is_some_and(|id| listed.iter().any(|l| l == id))
            {
                l.push(
                    format!("contact.accounts[{i}]"),
                    LossReason::OtherSystem,
                    account,
                );
            }
        }
        lost(&c.owner, "contact.owner", l);
        for (network, handle) in &c.social {
            l.push(
                format!("contact.social.{network}"),
                LossReason::NoField,
                handle,
            );
        }
        lost_list(&c.tags, "contact.tags", l);
        lost(&c.url, "contact.url", l);
        custom_lost(&c.meta, "contact", l);
        w.finish("contact")
    }
}

// ------------------------------------------------------------------ leads

fn lead_reader(lead: &ConeLead) -> (Reader, Meta) {
    let mut r = Reader::new(lead);
    let meta = r.lifecycle();
    (r, meta)
}

impl ToCore for ConeLead {
    type Core = Lead;

    fn to_core(&self) -> Lead {
        let (mut r, meta) = lead_reader(self);
        let subject = r.take("subject");
        let description = r.take("description");
        let source = r.reference("source", EntityKind::Other);
        let contact = r.reference("contact", EntityKind::Contact);
        let account = r.reference("account", EntityKind::Account);
        let stage = r.reference("stage", EntityKind::Stage);
        let due_at = r.take("dueDate");
        let qualified = r.take("isQualified");
        let closed_at = r.take("connectionClosedDate");
        Lead {
            meta: r.finish(meta),
            subject,
            description,
            source,
            contact,
            account,
            stage,
            due_at,
            qualified,
            closed_at,
            ..Lead::default()
        }
    }
}

impl FromCore<Lead> for ConeLead {
    fn from_core(l: &Lead, _: &ConvertOptions) -> Result<Converted<Self>, ConvertError> {
        let mut w = Writer::new(&l.meta, "lead")?;
        w.lifecycle(&l.meta);
        w.set("subject", &l.subject);
        w.set("description", &l.description);
        w.reference("source", &l.source, "lead.source");
        w.reference("contact", &l.contact, "lead.contact");
        w.reference("account", &l.account, "lead.account");
        w.reference("stage", &l.stage, "lead.stage");
        w.set("dueDate", &l.due_at);
        w.set("isQualified", &l.qualified);
        w.set("connectionClosedDate", &l.closed_at);
        let x = &mut w.losses;
        lost(&l.first_name, "lead.first_name", x);
        lost(&l.last_name, "lead.last_name", x);
        lost(&l.company_name, "lead.company_name", x);
        lost(&l.title, "lead.title", x);
        lost(&l.industry, "lead.industry", x);
        lost(&l.website, "lead.website", x);
        lost(&l.status, "lead.status", x);
        lost_list(&l.emails, "lead.emails", x);
        lost_list(&l.phones, "lead.phones", x);
        lost(&l.address, "lead.address", x);
        lost(&l.owner, "lead.owner", x);
        lost(&l.converted_deal, "lead.converted_deal", x);
        lost(&l.converted_contact, "lead.converted_contact", x);
        lost(&l.converted_account, "lead.converted_account", x);
        for (network, handle) in &l.social {
            x.push(
                format!("lead.social.{network}"),
                LossReason::NoField,
                handle,
            );
        }
        lost_list(&l.tags, "lead.tags", x);
        lost(&l.url, "lead.url", x);
        custom_lost(&l.meta, "lead", x);
        w.finish("lead")
    }
}

/// The state of a ConeCRM lead as a deal status: lost when it has a
/// `lostDate` or an approved loss, won when an order was placed or it was
/// closed without a loss, open otherwise.
pub fn lead_status(lead: &Map<String, Value>) -> DealStatus {
    let set = |key: &str| {
        lead.get(key)
            .is_some_and(|v| !v.is_null() && v != &Value::Bool(false))
    };
    if set("lostDate") || set("isLostApproved") {
        DealStatus::Lost
    } else if set("orderPlaced") || set("connectionClosedDate") {
        DealStatus::Won
    } else {
        DealStatus::Open
    }
}

/// What a lead's own fields say of it as a deal: its status, close date
/// (of the loss, of the closing, or the due date of an open one) and owner
/// (the first assignee).
fn lead_state(lead: &Map<String, Value>) -> (DealStatus, Option<crate::values::Date>, Option<Ref>) {
    let status = lead_status(lead);
    let close_date = match status {
        DealStatus::Lost => date_of(lead, "lostDate"),
        DealStatus::Won => date_of(lead, "connectionClosedDate"),
        _ => date_of(lead, "dueDate"),
    };
    let owner = references_in(lead, "assignees", EntityKind::User)
        .into_iter()
        .next();
    (status, close_date, owner)
}

/// The date part of a date-time field.
fn date_of(record: &Map<String, Value>, key: &str) -> Option<crate::values::Date> {
    let text = record.get(key)?.as_str()?;
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.date_naive())
        .or_else(|_| chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d"))
        .ok()
}

/// A ConeCRM lead read as the opportunity it plays (ConeCRM has no deal):
/// `subject` → name, `stage`, `account`, `contact`, timestamps and ids.
/// Everything else stays in the extras.
#[derive(Debug, Clone, Copy)]
pub struct AsDeal<'a>(pub &'a ConeLead);

impl ToCore for AsDeal<'_> {
    type Core = Deal;

    fn to_core(&self) -> Deal {
        let (mut r, meta) = lead_reader(self.0);
        let name = r.take("subject");
        let stage = r.reference("stage", EntityKind::Stage);
        let account = r.reference("account", EntityKind::Account);
        let contact = r.reference("contact", EntityKind::Contact);
        // Read, not taken: these stay verbatim in the extras, so the lead
        // is written back as it was.
        let (status, close_date, owner) = lead_state(&r.object);
        Deal {
            meta: r.finish(meta),
            name,
            stage,
            account,
            contact,
            status: Some(status),
            close_date,
            owner,
            ..Deal::default()
        }
    }
}

impl FromCore<Deal> for ConeLead {
    fn from_core(d: &Deal, _: &ConvertOptions) -> Result<Converted<Self>, ConvertError> {
        let mut w = Writer::new(&d.meta, "deal")?;
        w.lifecycle(&d.meta);
        w.set("subject", &d.name);
        w.reference("stage", &d.stage, "deal.stage");
        w.reference("account", &d.account, "deal.account");
        w.reference("contact", &d.contact, "deal.contact");
        // Status, close date and owner live in the lead's own fields, kept
        // verbatim: lost only where the deal says something else.
        let (status, close_date, owner) = lead_state(&w.object);
        let x = &mut w.losses;
        lost(&d.amount, "deal.amount", x);
        if d.status.as_ref().is_some_and(|s| *s != status) {
            lost(&d.status, "deal.status", x);
        }
        if d.owner.is_some() && d.owner != owner {
            lost(&d.owner, "deal.owner", x);
        }
        if d.close_date.is_some() && d.close_date != close_date {
            lost(&d.close_date, "deal.close_date", x);
        }
        lost(&d.hot, "deal.hot", x);
        lost(&d.win_likelihood, "deal.win_likelihood", x);
        lost(&d.source, "deal.source", x);
        lost_list(&d.tags, "deal.tags", x);
        lost(&d.url, "deal.url", x);
        custom_lost(&d.meta, "deal", x);
        w.finish("deal")
    }
}

// ------------------------------------------------------------------ tasks

impl ToCore for ConeTask {
    type Core = Task;

    fn to_core(&self) -> Task {
        let mut r = Reader::new(self);
        let meta = r.lifecycle();
        let title = r.take("title");
        let content = r.take("note");
        let starts_at: Option<Timestamp> = r.take("start");
        let due_at = r.take("end");
        let completed = r.take("taskDone");
        let kind = r.take("type");
        Task {
            meta: r.finish(meta),
            title,
            content,
            starts_at,
            due_at,
            completed,
            kind,
            ..Task::default()
        }
    }
}

impl FromCore<Task> for ConeTask {
    fn from_core(t: &Task, _: &ConvertOptions) -> Result<Converted<Self>, ConvertError> {
        let mut w = Writer::new(&t.meta, "task")?;
        w.lifecycle(&t.meta);
        w.set("title", &t.title);
        w.set("note", &t.content);
        w.set("start", &t.starts_at);
        w.set("end", &t.due_at);
        w.set("taskDone", &t.completed);
        w.set("type", &t.kind);
        let x = &mut w.losses;
        lost(&t.remind_at, "task.remind_at", x);
        lost(&t.completed_at, "task.completed_at", x);
        lost(&t.owner, "task.owner", x);
        lost(&t.about, "task.about", x);
        custom_lost(&t.meta, "task", x);
        w.finish("task")
    }
}

// ------------------------------------------------------------------ users

impl ToCore for ConeUser {
    type Core = User;

    fn to_core(&self) -> User {
        let mut r = Reader::new(self);
        let mut meta = r.lifecycle();
        if let Some(key) = r.take::<String>("apiKey") {
            meta.secrets.insert("apiKey", key);
        }
        let username = r.take("username");
        let first_name = r.take("firstname");
        let last_name = r.take("lastname");
        let email = r.take::<String>("email").map(Email::new);
        let phone = r
            .take::<String>("mobilePhone")
            .map(|n| Phone::new(n, PhoneKind::Mobile));
        let role = r
            .take::<Value>("userType")
            .and_then(|v| v.as_str().map(str::to_owned));
        User {
            meta: r.finish(meta),
            username,
            first_name,
            last_name,
            email,
            phone,
            role,
            ..User::default()
        }
    }
}

impl FromCore<User> for ConeUser {
    fn from_core(u: &User, _: &ConvertOptions) -> Result<Converted<Self>, ConvertError> {
        let mut w = Writer::new(&u.meta, "user")?;
        w.lifecycle(&u.meta);
        w.set("username", &u.username);
        w.set("firstname", &u.first_name);
        w.set("lastname", &u.last_name);
        w.set("email", &u.email.as_ref().map(Email::as_str));
        if let Some(phone) = &u.phone {
            w.set("mobilePhone", &Some(phone.number.as_str()));
            if phone.kind != PhoneKind::Mobile {
                w.losses
                    .push("user.phone.kind", LossReason::NoField, phone.kind);
            }
        }
        w.set("userType", &u.role);
        lost(&u.active, "user.active", &mut w.losses);
        lost(&u.url, "user.url", &mut w.losses);
        custom_lost(&u.meta, "user", &mut w.losses);
        w.finish("user")
    }
}

// ------------------------------------------------------------------ stages

impl ToCore for ConnectionStage {
    type Core = Stage;

    fn to_core(&self) -> Stage {
        let mut r = Reader::new(self);
        let name = r.take("name");
        let position = r.take("position");
        Stage {
            meta: r.finish(Meta::default()),
            name,
            position,
            ..Stage::default()
        }
    }
}

impl FromCore<Stage> for ConnectionStage {
    fn from_core(s: &Stage, _: &ConvertOptions) -> Result<Converted<Self>, ConvertError> {
        let mut w = Writer::new(&s.meta, "stage")?;
        w.set("name", &s.name);
        w.set("position", &s.position);
        let x = &mut w.losses;
        lost(&s.pipeline, "stage.pipeline", x);
        lost(&s.active, "stage.active", x);
        lost(&s.likelihood, "stage.likelihood", x);
        lost(&s.category, "stage.category", x);
        lost(&s.internal_name, "stage.internal_name", x);
        lifecycle_lost(&s.meta, "stage", x);
        custom_lost(&s.meta, "stage", x);
        w.finish("stage")
    }
}

/// The record's ConeCRM id derived from its other ids, for display (ConeCRM
/// ids are UUIDs assigned by ConeCRM: a derived id cannot be used as one).
pub fn cone_id(meta: &Meta) -> Option<String> {
    derived_id(&meta.ids, CONE)
}

// ------------------------------------------------------------ request bodies

/// A core account as the body of ConeCRM's `create_account` and
/// `update_account`, without contacts (a sync embeds them: ConeCRM creates
/// contacts only inside an account). ConeCRM makes the id; the request has
/// no `thirdPartyIds`, so the other systems' ids the account carries are
/// reported lost ([`LossReason::OtherSystem`]) and so are fields kept from
/// an earlier ConeCRM read that the request has no slot for.
impl FromCore<Account> for conecrm_api::types::AccountRequest {
    fn from_core(a: &Account, options: &ConvertOptions) -> Result<Converted<Self>, ConvertError> {
        let Converted { value, mut losses } = ConeAccount::from_core(a, options)?;
        for (i, id) in value.third_party_ids.iter().enumerate() {
            losses.push(
                format!("account.thirdPartyIds[{i}]"),
                LossReason::OtherSystem,
                id,
            );
        }
        for (key, v) in &value.extra {
            losses.push(
                format!("account.extras.conecrm.{key}"),
                LossReason::NoField,
                v,
            );
        }
        let request = conecrm_api::types::AccountRequest {
            address: value.address,
            city: value.city,
            contacts: Vec::new(),
            country: value.country,
            home_phone: value.home_phone,
            is_active: value.is_active,
            language: value.language,
            mobile_phone: value.mobile_phone,
            name: value.name,
            postal_code: value.postal_code,
            primary_contact: value.primary_contact,
            primary_email: value.primary_email,
            province: value.province,
            secondary_email: value.secondary_email,
            work_phone: value.work_phone,
            work_phone_extension: value.work_phone_extension,
        };
        Ok(Converted {
            value: request,
            losses,
        })
    }
}

/// A core contact as a contact embedded in an [`AccountRequest`](conecrm_api::types::AccountRequest):
/// the ConeCRM contact without an id (ConeCRM makes it).
pub fn embedded_contact(
    c: &Contact,
    options: &ConvertOptions,
) -> Result<Converted<ConeContact>, ConvertError> {
    ConeContact::from_core(c, options).map(|converted| {
        converted.map(|mut contact| {
            contact.id = None;
            contact
        })
    })
}
