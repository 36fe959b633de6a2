//! Zendesk Sell records ↔ the common model (feature `zendesk-sell`).
//!
//! | Sell resource | core entity |
//! |---|---|
//! | contact with `is_organization: true` | [`Account`] |
//! | contact (a person) | [`Contact`] |
//! | deal | [`Deal`] |
//! | lead | [`Lead`] |
//! | note | [`Note`] |
//! | task | [`Task`] |
//! | pipeline | [`Pipeline`] |
//! | stage | [`Stage`] |
//!
//! A Sell contact becomes a [`Party`] (person or organisation). Ids are
//! Sell's numbers as decimal text; a record without a Sell id converts back
//! with `id: 0` ("not created in Sell yet"), which reads back as no id.
//! Fields listed in the `*_MAPPED` constants have a slot in the model; every
//! other field of the record — including ones this crate does not know — is
//! kept verbatim in `meta.extras[zendesk-sell]` and restored on the way back.
//! A deal's `value` arrives as a number or a decimal string: both become a
//! decimal, and the original form is restored when the amount is unchanged.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use zendesk_sell_api::types::{
    Address as SellAddress, Contact as SellContact, CustomFields, Deal as SellDeal, DealValue,
    Lead as SellLead, Note as SellNote, NoteResourceType, NoteResourceTypeKnown,
    Pipeline as SellPipeline, Stage as SellStage, Task as SellTask, User as SellUser,
};

use crate::convert::{ConvertError, ConvertOptions, Converted, FromCore, ToCore};
use crate::custom::{custom_fields_from_json, custom_fields_to_json};
use crate::loss::{LossReason, LossReport};
use crate::model::{
    Account, Contact, Deal, DealStatus, EntityKind, Lead, Meta, Note, Pipeline, RawPayload, Ref,
    Stage, Task, User,
};
use crate::support::{derived_id, lost, lost_deleted, lost_list, report_other_extras};
use crate::system::System;
use crate::values::{Address, Currency, Email, Money, Phone, PhoneKind, decimal_from_f64};

const SELL: System = System::ZendeskSell;

/// A Sell contact in the model: a person or an organisation.
#[derive(Debug, Clone, PartialEq)]
pub enum Party {
    /// `is_organization` false or absent.
    Person(Contact),
    /// `is_organization: true`.
    Organization(Account),
}

/// The contact fields with a slot in [`Contact`] (persons).
pub const PERSON_MAPPED: &[&str] = &[
    "id",
    "first_name",
    "last_name",
    "title",
    "description",
    "email",
    "phone",
    "mobile",
    "fax",
    "twitter",
    "facebook",
    "linkedin",
    "skype",
    "address",
    "contact_id",
    "owner_id",
    "tags",
    "custom_fields",
    "created_at",
    "updated_at",
    "is_organization",
];

/// The contact fields with a slot in [`Account`] (organisations).
pub const ORGANIZATION_MAPPED: &[&str] = &[
    "id",
    "name",
    "description",
    "industry",
    "website",
    "email",
    "phone",
    "mobile",
    "fax",
    "address",
    "billing_address",
    "shipping_address",
    "parent_organization_id",
    "owner_id",
    "tags",
    "custom_fields",
    "created_at",
    "updated_at",
    "is_organization",
];

/// The deal fields with a slot in [`Deal`].
pub const DEAL_MAPPED: &[&str] = &[
    "id",
    "name",
    "value",
    "currency",
    "stage_id",
    "organization_id",
    "contact_id",
    "owner_id",
    "estimated_close_date",
    "hot",
    "customized_win_likelihood",
    "source_id",
    "tags",
    "custom_fields",
    "created_at",
    "updated_at",
];

/// The lead fields with a slot in [`Lead`].
pub const LEAD_MAPPED: &[&str] = &[
    "id",
    "first_name",
    "last_name",
    "organization_name",
    "title",
    "description",
    "industry",
    "website",
    "status",
    "source_id",
    "email",
    "phone",
    "mobile",
    "fax",
    "twitter",
    "facebook",
    "linkedin",
    "skype",
    "address",
    "owner_id",
    "tags",
    "custom_fields",
    "created_at",
    "updated_at",
];

/// The note fields with a slot in [`Note`].
pub const NOTE_MAPPED: &[&str] = &[
    "id",
    "content",
    "resource_type",
    "resource_id",
    "is_important",
    "creator_id",
    "type",
    "tags",
    "created_at",
    "updated_at",
];

/// The task fields with a slot in [`Task`].
pub const TASK_MAPPED: &[&str] = &[
    "id",
    "content",
    "due_date",
    "remind_at",
    "completed",
    "completed_at",
    "owner_id",
    "resource_type",
    "resource_id",
    "created_at",
    "updated_at",
];

/// The pipeline fields with a slot in [`Pipeline`].
pub const PIPELINE_MAPPED: &[&str] = &["id", "name", "disabled", "created_at", "updated_at"];

/// The stage fields with a slot in [`Stage`].
pub const STAGE_MAPPED: &[&str] = &[
    "id",
    "name",
    "category",
    "active",
    "position",
    "likelihood",
    "pipeline_id",
    "created_at",
    "updated_at",
];

/// User fields with a slot in [`User`].
pub const USER_MAPPED: &[&str] = &[
    "id",
    "email",
    "phone_number",
    "status",
    "role",
    "deleted_at",
    "created_at",
    "updated_at",
];

const SOCIAL: [&str; 4] = ["twitter", "facebook", "linkedin", "skype"];

// ------------------------------------------------------------------ helpers

/// The meta of a Sell record: id, timestamps, custom fields, the raw payload
/// (the unmapped fields are kept by [`keep_unmapped!`]).
fn meta_of(
    raw: RawPayload,
    id: i64,
    custom: &Option<CustomFields>,
    created_at: Option<crate::values::Timestamp>,
    updated_at: Option<crate::values::Timestamp>,
) -> Meta {
    let mut meta = if id == 0 {
        Meta::default()
    } else {
        Meta::from_source(SELL, id.to_string())
    };
    meta.created_at = created_at;
    meta.updated_at = updated_at;
    match custom {
        Some(fields) if fields.0.is_empty() => {
            meta.keep(SELL, "custom_fields", Value::Object(Map::new()));
        }
        Some(fields) => {
            if let Ok(Value::Object(json)) = serde_json::to_value(fields) {
                meta.custom = custom_fields_from_json(json);
            }
        }
        None => {}
    }
    meta.raw = Some(raw);
    meta
}

/// The conversion of a Sell record given its raw payload (shared by
/// `to_core`, which copies the record, and `into_core`, which does not).
trait CoreWith {
    type Core;
    fn core_with(&self, raw: RawPayload) -> Self::Core;
}

macro_rules! to_core_via_core_with {
    ($($ty:ty => $core:ty),*) => {$(
        impl ToCore for $ty {
            type Core = $core;

            fn to_core(&self) -> Self::Core {
                self.core_with(RawPayload::new(SELL, self.clone()))
            }

            fn into_core(self) -> Self::Core {
                let shared = std::sync::Arc::new(self);
                shared.core_with(RawPayload::shared(SELL, std::sync::Arc::clone(&shared)))
            }
        }
    )*};
}

to_core_via_core_with!(
    SellContact => Party,
    SellDeal => Deal,
    SellLead => Lead,
    SellNote => Note,
    SellTask => Task,
    SellPipeline => Pipeline,
    SellStage => Stage,
    SellUser => User
);

/// Keeps every field of a Sell record that is not in `mapped` (and every
/// field of its `extra` map: fields this crate does not know) verbatim in
/// the Sell extras. The record is destructured exhaustively: a field added
/// to the generated type does not compile until it is listed here.
macro_rules! keep_unmapped {
    ($meta:ident, $mapped:expr, $record:expr, $ty:ident { $($field:ident $(= $json:literal)?),* $(,)? }) => {{
        let $ty { $($field,)* extra } = $record;
        $(
            let name: &str = keep_unmapped!(@name $field $(, $json)?);
            if !$mapped.contains(&name) {
                keep_field(&mut $meta, name, $field);
            }
        )*
        for (key, value) in extra {
            $meta.keep(SELL, key.clone(), value.clone());
        }
    }};
    (@name $field:ident) => { stringify!($field) };
    (@name $field:ident, $json:literal) => { $json };
}

/// Keeps one field verbatim (nothing for an absent one).
fn keep_field<T: Serialize>(meta: &mut Meta, key: &str, value: &T) {
    match serde_json::to_value(value) {
        Ok(Value::Null) | Err(_) => {}
        Ok(json) => meta.keep(SELL, key, json),
    }
}

/// Starts a record from the unmapped fields kept in the extras (so fields
/// the model has no slot for come back verbatim); `id` is the Sell id.
fn base<T: DeserializeOwned>(
    meta: &Meta,
    entity: &'static str,
    losses: &mut LossReport,
) -> Result<(T, Map<String, Value>), ConvertError> {
    report_other_extras(meta, SELL, entity, losses);
    crate::support::report_ids(meta, SELL, entity, losses);
    let kept = meta.extras_for(SELL).cloned().unwrap_or_default();
    let mut object = kept.clone();
    let id = sell_id(meta, entity, losses)?;
    object.insert("id".to_owned(), Value::from(id));
    let record =
        serde_json::from_value(Value::Object(object)).map_err(|e| ConvertError::InvalidValue {
            system: SELL,
            field: entity,
            reason: format!("kept Sell fields do not fit the record: {e}"),
        })?;
    Ok((record, kept))
}

/// The record's Sell id: its own, or one derived back from another system
/// (`zs-123` in Gong → 123); `0` when it has none ("not in Sell yet").
///
/// Sell makes its ids (integers), so a record that only has other systems'
/// ids (`cc-0190…` from ConeCRM) is not in Sell yet: it gets `0`, and those
/// ids are reported as losses (Sell has no field for them; a sync keeps
/// them in a custom field of its choosing).
fn sell_id(meta: &Meta, entity: &str, losses: &mut LossReport) -> Result<i64, ConvertError> {
    let Some(text) = derived_id(&meta.ids, SELL) else {
        return Ok(0);
    };
    match text.parse::<i64>() {
        Ok(id) => Ok(id),
        Err(_) if meta.ids.get(SELL).is_none() => {
            for id in meta.ids.iter() {
                losses.push(
                    format!("{entity}.ids.{}", id.system),
                    LossReason::OtherSystem,
                    &id.id,
                );
            }
            Ok(0)
        }
        Err(_) => Err(ConvertError::InvalidId {
            system: SELL,
            id: text,
            reason: "Sell ids are integers".to_owned(),
        }),
    }
}

/// A reference's Sell id, if it has or derives one (else reported lost).
fn sell_ref(reference: &Option<Ref>, path: &'static str, losses: &mut LossReport) -> Option<i64> {
    let r = reference.as_ref()?;
    match derived_id(&r.ids, SELL).and_then(|id| id.parse::<i64>().ok()) {
        Some(id) => Some(id),
        None => {
            losses.push(path, LossReason::OtherSystem, r);
            None
        }
    }
}

fn reference(kind: EntityKind, id: Option<i64>) -> Option<Ref> {
    id.map(|id| Ref::new(kind, SELL, id.to_string()))
}

/// The Sell custom fields of a record. Sell holds numbers as `f64`: a
/// whole number it cannot hold exactly (beyond 2^53) is reported.
fn custom_back(
    meta: &Meta,
    kept: &Map<String, Value>,
    entity: &str,
    losses: &mut LossReport,
) -> Option<CustomFields> {
    if meta.custom.is_empty() {
        return kept
            .get("custom_fields")
            .and_then(|v| serde_json::from_value(v.clone()).ok());
    }
    for (key, value) in &meta.custom {
        if let crate::CustomValue::Number(n) = value
            && !fits_f64(n)
        {
            losses.push(format!("{entity}.custom.{key}"), LossReason::Precision, n);
        }
    }
    match serde_json::from_value(Value::Object(custom_fields_to_json(&meta.custom))) {
        Ok(fields) => Some(fields),
        Err(_) => {
            losses.push(
                format!("{entity}.custom"),
                LossReason::NoField,
                &meta.custom,
            );
            None
        }
    }
}

/// Whether `n` survives a trip through `f64` unchanged.
fn fits_f64(n: &serde_json::Number) -> bool {
    match (n.as_i64(), n.as_u64(), n.as_f64()) {
        (Some(i), _, Some(f)) => f as i64 == i && f.abs() < 9_007_199_254_740_992.0,
        (None, Some(u), Some(f)) => f as u64 == u && f < 9_007_199_254_740_992.0,
        _ => true,
    }
}

fn tags_to_core(meta: &mut Meta, tags: &Option<Vec<String>>) -> Vec<String> {
    if tags.as_ref().is_some_and(Vec::is_empty) {
        meta.keep(SELL, "tags", Value::Array(Vec::new()));
    }
    tags.clone().unwrap_or_default()
}

fn tags_back(tags: &[String], kept: &Map<String, Value>) -> Option<Vec<String>> {
    if tags.is_empty() {
        kept.get("tags").map(|_| Vec::new())
    } else {
        Some(tags.to_vec())
    }
}

fn address_to_core(address: &Option<SellAddress>) -> Option<Address> {
    address.as_ref().map(|a| Address {
        street: a.line1.clone(),
        city: a.city.clone(),
        region: a.state.clone(),
        postal_code: a.postal_code.clone(),
        country: a.country.clone(),
    })
}

fn address_back(address: &Option<Address>) -> Option<SellAddress> {
    address.as_ref().map(|a| SellAddress {
        line1: a.street.clone(),
        city: a.city.clone(),
        state: a.region.clone(),
        postal_code: a.postal_code.clone(),
        country: a.country.clone(),
    })
}

fn phones_to_core(
    phone: &Option<String>,
    mobile: &Option<String>,
    fax: &Option<String>,
) -> Vec<Phone> {
    [
        (phone, PhoneKind::Work),
        (mobile, PhoneKind::Mobile),
        (fax, PhoneKind::Fax),
    ]
    .into_iter()
    .filter_map(|(n, kind)| n.as_ref().map(|n| Phone::new(n.clone(), kind)))
    .collect()
}

/// Sell's `phone`, `mobile`, `fax` from a list: the first of each kind
/// (Home and Other count as `phone` when no Work number is there); the rest
/// is reported.
fn phones_back(phones: &[Phone], path: &str, losses: &mut LossReport) -> [Option<String>; 3] {
    let mut out: [Option<String>; 3] = [None, None, None];
    for (i, p) in phones.iter().enumerate() {
        let slot = match p.kind {
            PhoneKind::Work | PhoneKind::Home | PhoneKind::Other => 0,
            PhoneKind::Mobile => 1,
            PhoneKind::Fax => 2,
        };
        if out[slot].is_none() {
            out[slot] = Some(p.number.clone());
            if matches!(p.kind, PhoneKind::Home | PhoneKind::Other) {
                losses.push(format!("{path}[{i}].kind"), LossReason::Precision, p.kind);
            }
            if let Some(ext) = &p.extension {
                losses.push(format!("{path}[{i}].extension"), LossReason::NoField, ext);
            }
        } else {
            losses.push(format!("{path}[{i}]"), LossReason::TooMany, p);
        }
    }
    out
}

fn emails_back(emails: &[Email], path: &str, losses: &mut LossReport) -> Option<String> {
    crate::support::first_email(emails, path, losses)
}

fn social_to_core(values: [&Option<String>; 4]) -> std::collections::BTreeMap<String, String> {
    SOCIAL
        .iter()
        .zip(values)
        .filter_map(|(k, v)| v.as_ref().map(|v| ((*k).to_owned(), v.clone())))
        .collect()
}

fn social_back(
    social: &std::collections::BTreeMap<String, String>,
    path: &str,
    losses: &mut LossReport,
) -> [Option<String>; 4] {
    for (network, handle) in social {
        if !SOCIAL.contains(&network.as_str()) {
            losses.push(format!("{path}.{network}"), LossReason::NoField, handle);
        }
    }
    SOCIAL.map(|k| social.get(k).cloned())
}

/// `is_organization` as it was written (`None`/`Some(false)` both mean a person).
fn org_flag(meta: &Meta, organization: bool) -> Option<bool> {
    if organization {
        Some(true)
    } else {
        meta.extras_for(SELL)
            .and_then(|e| e.get("is_organization"))
            .and_then(Value::as_bool)
            .filter(|b| !b)
    }
}

// ------------------------------------------------------------------ contacts

impl CoreWith for SellContact {
    type Core = Party;

    fn core_with(&self, raw: RawPayload) -> Party {
        let organization = self.is_organization == Some(true);
        let mapped = if organization {
            ORGANIZATION_MAPPED
        } else {
            PERSON_MAPPED
        };
        let mut meta = meta_of(
            raw,
            self.id,
            &self.custom_fields,
            self.created_at,
            self.updated_at,
        );
        keep_unmapped!(
            meta,
            mapped,
            self,
            SellContact {
                address,
                billing_address,
                contact_id,
                created_at,
                creator_id,
                custom_fields,
                customer_status,
                description,
                email,
                facebook,
                fax,
                first_name,
                id,
                industry,
                is_organization,
                last_name,
                linkedin,
                mobile,
                name,
                owner_id,
                parent_organization_id,
                phone,
                prospect_status,
                shipping_address,
                skype,
                tags,
                title,
                twitter,
                updated_at,
                website,
            }
        );
        if self.is_organization == Some(false) {
            meta.keep(SELL, "is_organization", Value::Bool(false));
        }
        let tags = tags_to_core(&mut meta, &self.tags);
        let emails: Vec<Email> = self.email.iter().map(Email::new).collect();
        let phones = phones_to_core(&self.phone, &self.mobile, &self.fax);
        let owner = reference(EntityKind::User, self.owner_id);
        if organization {
            Party::Organization(Account {
                meta,
                name: self.name.clone(),
                description: self.description.clone(),
                industry: self.industry.clone(),
                website: self.website.clone(),
                emails,
                phones,
                address: address_to_core(&self.address),
                billing_address: address_to_core(&self.billing_address),
                shipping_address: address_to_core(&self.shipping_address),
                owner,
                parent: reference(EntityKind::Account, self.parent_organization_id),
                tags,
                ..Account::default()
            })
        } else {
            Party::Person(Contact {
                meta,
                first_name: self.first_name.clone(),
                last_name: self.last_name.clone(),
                title: self.title.clone(),
                description: self.description.clone(),
                emails,
                phones,
                address: address_to_core(&self.address),
                accounts: reference(EntityKind::Account, self.contact_id)
                    .into_iter()
                    .collect(),
                owner,
                social: social_to_core([
                    &self.twitter,
                    &self.facebook,
                    &self.linkedin,
                    &self.skype,
                ]),
                tags,
                ..Contact::default()
            })
        }
    }
}

impl FromCore<Party> for SellContact {
    fn from_core(party: &Party, options: &ConvertOptions) -> Result<Converted<Self>, ConvertError> {
        match party {
            Party::Person(c) => SellContact::from_core(c, options),
            Party::Organization(a) => SellContact::from_core(a, options),
        }
    }
}

impl FromCore<Contact> for SellContact {
    fn from_core(c: &Contact, _: &ConvertOptions) -> Result<Converted<Self>, ConvertError> {
        let mut losses = LossReport::new();
        let (mut r, kept): (SellContact, _) = base(&c.meta, "contact", &mut losses)?;
        r.is_organization = org_flag(&c.meta, false);
        r.first_name = c.first_name.clone();
        r.last_name = c.last_name.clone();
        r.title = c.title.clone();
        r.description = c.description.clone();
        r.email = emails_back(&c.emails, "contact.emails", &mut losses);
        [r.phone, r.mobile, r.fax] = phones_back(&c.phones, "contact.phones", &mut losses);
        r.address = address_back(&c.address);
        for (i, extra) in c.accounts.iter().enumerate().skip(1) {
            losses.push(format!("contact.accounts[{i}]"), LossReason::TooMany, extra);
        }
        r.contact_id = sell_ref(
            &c.accounts.first().cloned(),
            "contact.accounts[0]",
            &mut losses,
        );
        r.owner_id = sell_ref(&c.owner, "contact.owner", &mut losses);
        [r.twitter, r.facebook, r.linkedin, r.skype] =
            social_back(&c.social, "contact.social", &mut losses);
        r.tags = tags_back(&c.tags, &kept);
        r.custom_fields = custom_back(&c.meta, &kept, "contact", &mut losses);
        r.created_at = c.meta.created_at;
        r.updated_at = c.meta.updated_at;
        lost(&c.company_name, "contact.company_name", &mut losses);
        lost(&c.salutation, "contact.salutation", &mut losses);
        lost(
            &c.preferred_contact,
            "contact.preferred_contact",
            &mut losses,
        );
        lost(&c.language, "contact.language", &mut losses);
        lost(&c.active, "contact.active", &mut losses);
        lost(&c.url, "contact.url", &mut losses);
        lost_deleted(&c.meta, "contact", &mut losses);
        Ok(Converted { value: r, losses })
    }
}

impl FromCore<Account> for SellContact {
    fn from_core(a: &Account, _: &ConvertOptions) -> Result<Converted<Self>, ConvertError> {
        let mut losses = LossReport::new();
        let (mut r, kept): (SellContact, _) = base(&a.meta, "account", &mut losses)?;
        r.is_organization = Some(true);
        r.name = a.name.clone();
        r.description = a.description.clone();
        r.industry = a.industry.clone();
        r.website = a.website.clone();
        r.email = emails_back(&a.emails, "account.emails", &mut losses);
        [r.phone, r.mobile, r.fax] = phones_back(&a.phones, "account.phones", &mut losses);
        r.address = address_back(&a.address);
        r.billing_address = address_back(&a.billing_address);
        r.shipping_address = address_back(&a.shipping_address);
        r.parent_organization_id = sell_ref(&a.parent, "account.parent", &mut losses);
        r.owner_id = sell_ref(&a.owner, "account.owner", &mut losses);
        r.tags = tags_back(&a.tags, &kept);
        r.custom_fields = custom_back(&a.meta, &kept, "account", &mut losses);
        r.created_at = a.meta.created_at;
        r.updated_at = a.meta.updated_at;
        lost_list(&a.domains, "account.domains", &mut losses);
        lost(&a.language, "account.language", &mut losses);
        lost(&a.active, "account.active", &mut losses);
        lost_list(&a.contacts, "account.contacts", &mut losses);
        lost(&a.url, "account.url", &mut losses);
        lost_deleted(&a.meta, "account", &mut losses);
        Ok(Converted { value: r, losses })
    }
}

// ------------------------------------------------------------------ deals

fn value_to_core(deal: &SellDeal, meta: &mut Meta) -> Option<Money> {
    let currency = deal.currency.clone().map(Currency::new);
    let Some(value) = deal.value.as_ref() else {
        // A currency without an amount has no slot: keep it verbatim.
        if let Some(c) = &deal.currency {
            meta.keep(SELL, "currency", Value::String(c.clone()));
        }
        return None;
    };
    let (amount, canonical) = match value {
        DealValue::Number(n) => (decimal_from_f64(*n), Some(Value::from(*n))),
        DealValue::Text(t) => (t.trim().parse::<rust_decimal::Decimal>().ok(), None),
    };
    let original = serde_json::to_value(&deal.value).unwrap_or(Value::Null);
    match amount {
        Some(amount) => {
            // Keep the written form when the default form would differ.
            if canonical.as_ref() != Some(&original) {
                meta.keep(SELL, "value", original);
            }
            Some(Money::new(amount, currency))
        }
        None => {
            meta.keep(SELL, "value", original);
            if let Some(c) = &deal.currency {
                meta.keep(SELL, "currency", Value::String(c.clone()));
            }
            None
        }
    }
}

fn value_back(
    money: &Option<Money>,
    kept: &Map<String, Value>,
) -> (Option<DealValue>, Option<String>) {
    let Some(money) = money else {
        let value = kept
            .get("value")
            .and_then(|v| serde_json::from_value(v.clone()).ok());
        let currency = kept
            .get("currency")
            .and_then(|v| v.as_str().map(str::to_owned));
        return (value, currency);
    };
    let written: Option<DealValue> = kept
        .get("value")
        .and_then(|v| serde_json::from_value(v.clone()).ok());
    let same = match &written {
        Some(DealValue::Text(t)) => {
            t.trim().parse::<rust_decimal::Decimal>().ok() == Some(money.amount)
        }
        Some(DealValue::Number(n)) => decimal_from_f64(*n) == Some(money.amount),
        None => false,
    };
    let value = if same {
        written
    } else {
        // The default form: a number when the float is exact, else the
        // decimal as a string (Sell accepts both).
        match crate::values::decimal_to_f64(&money.amount) {
            Some(f) if decimal_from_f64(f) == Some(money.amount) => Some(DealValue::Number(f)),
            _ => Some(DealValue::Text(money.amount.to_string())),
        }
    };
    (
        value,
        money.currency.as_ref().map(|c| c.as_str().to_owned()),
    )
}

impl CoreWith for SellDeal {
    type Core = Deal;

    fn core_with(&self, raw: RawPayload) -> Deal {
        let mut meta = meta_of(
            raw,
            self.id,
            &self.custom_fields,
            self.created_at,
            self.updated_at,
        );
        keep_unmapped!(
            meta,
            DEAL_MAPPED,
            self,
            SellDeal {
                added_on,
                associated_contacts,
                contact_id,
                created_at,
                creator_id,
                currency,
                custom_fields,
                customized_win_likelihood,
                dropbox_email,
                estimated_close_date,
                hot,
                id,
                last_activity_at,
                last_stage_change_at,
                last_stage_change_by_id,
                loss_reason_id,
                name,
                organization_id,
                owner_id,
                source_id,
                stage_id,
                tags,
                unqualified_reason_id,
                updated_at,
                value,
            }
        );
        let amount = value_to_core(self, &mut meta);
        let close_date = self.estimated_close_date.as_ref().and_then(|d| {
            let parsed = chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok();
            if parsed.map(|p| p.format("%Y-%m-%d").to_string()).as_deref() != Some(d.as_str()) {
                meta.keep(SELL, "estimated_close_date", Value::String(d.clone()));
                return None;
            }
            parsed
        });
        let tags = tags_to_core(&mut meta, &self.tags);
        Deal {
            meta,
            name: self.name.clone(),
            amount,
            stage: reference(EntityKind::Stage, self.stage_id),
            account: reference(EntityKind::Account, self.organization_id),
            contact: reference(EntityKind::Contact, self.contact_id),
            owner: reference(EntityKind::User, self.owner_id),
            close_date,
            hot: self.hot,
            win_likelihood: self.customized_win_likelihood,
            source: reference(EntityKind::Other, self.source_id),
            tags,
            ..Deal::default()
        }
    }
}

impl FromCore<Deal> for SellDeal {
    fn from_core(d: &Deal, _: &ConvertOptions) -> Result<Converted<Self>, ConvertError> {
        let mut losses = LossReport::new();
        let (mut r, kept): (SellDeal, _) = base(&d.meta, "deal", &mut losses)?;
        r.name = d.name.clone();
        (r.value, r.currency) = value_back(&d.amount, &kept);
        r.stage_id = sell_ref(&d.stage, "deal.stage", &mut losses);
        r.organization_id = sell_ref(&d.account, "deal.account", &mut losses);
        r.contact_id = sell_ref(&d.contact, "deal.contact", &mut losses);
        r.owner_id = sell_ref(&d.owner, "deal.owner", &mut losses);
        r.estimated_close_date = match d.close_date {
            Some(date) => Some(date.format("%Y-%m-%d").to_string()),
            None => kept
                .get("estimated_close_date")
                .and_then(|v| v.as_str().map(str::to_owned)),
        };
        r.hot = d.hot;
        r.customized_win_likelihood = d.win_likelihood;
        r.source_id = sell_ref(&d.source, "deal.source", &mut losses);
        r.tags = tags_back(&d.tags, &kept);
        r.custom_fields = custom_back(&d.meta, &kept, "deal", &mut losses);
        r.created_at = d.meta.created_at;
        r.updated_at = d.meta.updated_at;
        lost(&d.status, "deal.status", &mut losses);
        lost(&d.url, "deal.url", &mut losses);
        lost_deleted(&d.meta, "deal", &mut losses);
        Ok(Converted { value: r, losses })
    }
}

// ------------------------------------------------------------------ leads

impl CoreWith for SellLead {
    type Core = Lead;

    fn core_with(&self, raw: RawPayload) -> Lead {
        let mut meta = meta_of(
            raw,
            self.id,
            &self.custom_fields,
            self.created_at,
            self.updated_at,
        );
        keep_unmapped!(
            meta,
            LEAD_MAPPED,
            self,
            SellLead {
                address,
                created_at,
                creator_id,
                custom_fields,
                description,
                email,
                facebook,
                fax,
                first_name,
                id,
                industry,
                last_name,
                linkedin,
                mobile,
                organization_name,
                owner_id,
                phone,
                skype,
                source_id,
                status,
                tags,
                title,
                twitter,
                unqualified_reason_id,
                updated_at,
                website,
            }
        );
        let tags = tags_to_core(&mut meta, &self.tags);
        Lead {
            meta,
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            company_name: self.organization_name.clone(),
            title: self.title.clone(),
            description: self.description.clone(),
            industry: self.industry.clone(),
            website: self.website.clone(),
            status: self.status.clone(),
            source: reference(EntityKind::Other, self.source_id),
            emails: self.email.iter().map(Email::new).collect(),
            phones: phones_to_core(&self.phone, &self.mobile, &self.fax),
            address: address_to_core(&self.address),
            owner: reference(EntityKind::User, self.owner_id),
            social: social_to_core([&self.twitter, &self.facebook, &self.linkedin, &self.skype]),
            tags,
            ..Lead::default()
        }
    }
}

impl FromCore<Lead> for SellLead {
    fn from_core(l: &Lead, _: &ConvertOptions) -> Result<Converted<Self>, ConvertError> {
        let mut losses = LossReport::new();
        let (mut r, kept): (SellLead, _) = base(&l.meta, "lead", &mut losses)?;
        r.first_name = l.first_name.clone();
        r.last_name = l.last_name.clone();
        r.organization_name = l.company_name.clone();
        r.title = l.title.clone();
        r.description = l.description.clone();
        r.industry = l.industry.clone();
        r.website = l.website.clone();
        r.status = l.status.clone();
        r.source_id = sell_ref(&l.source, "lead.source", &mut losses);
        r.email = emails_back(&l.emails, "lead.emails", &mut losses);
        [r.phone, r.mobile, r.fax] = phones_back(&l.phones, "lead.phones", &mut losses);
        r.address = address_back(&l.address);
        r.owner_id = sell_ref(&l.owner, "lead.owner", &mut losses);
        [r.twitter, r.facebook, r.linkedin, r.skype] =
            social_back(&l.social, "lead.social", &mut losses);
        r.tags = tags_back(&l.tags, &kept);
        r.custom_fields = custom_back(&l.meta, &kept, "lead", &mut losses);
        r.created_at = l.meta.created_at;
        r.updated_at = l.meta.updated_at;
        lost(&l.subject, "lead.subject", &mut losses);
        lost(&l.account, "lead.account", &mut losses);
        lost(&l.contact, "lead.contact", &mut losses);
        lost(&l.stage, "lead.stage", &mut losses);
        lost(&l.due_at, "lead.due_at", &mut losses);
        lost(&l.qualified, "lead.qualified", &mut losses);
        lost(&l.closed_at, "lead.closed_at", &mut losses);
        lost(&l.converted_deal, "lead.converted_deal", &mut losses);
        lost(&l.converted_contact, "lead.converted_contact", &mut losses);
        lost(&l.converted_account, "lead.converted_account", &mut losses);
        lost(&l.url, "lead.url", &mut losses);
        lost_deleted(&l.meta, "lead", &mut losses);
        Ok(Converted { value: r, losses })
    }
}

// ------------------------------------------------------------------ notes, tasks

/// The record a note or task is about. A type without an id, or an id
/// without a type, has no slot: it is kept verbatim.
fn about_to_core(meta: &mut Meta, kind: &Option<NoteResourceType>, id: Option<i64>) -> Option<Ref> {
    let (Some(kind), Some(_)) = (kind.as_ref(), id) else {
        keep_json(meta, "resource_type", kind);
        keep_json(meta, "resource_id", &id);
        return None;
    };
    if matches!(kind, NoteResourceType::Unknown(_)) {
        keep_json(meta, "resource_type", &Some(kind));
    }
    let kind = match kind {
        NoteResourceType::Known(NoteResourceTypeKnown::Lead) => EntityKind::Lead,
        NoteResourceType::Known(NoteResourceTypeKnown::Contact) => EntityKind::Contact,
        NoteResourceType::Known(NoteResourceTypeKnown::Deal) => EntityKind::Deal,
        NoteResourceType::Unknown(_) => EntityKind::Other,
    };
    reference(kind, id)
}

fn about_back(
    about: &Option<Ref>,
    kept: &Map<String, Value>,
    path: &'static str,
    losses: &mut LossReport,
) -> (Option<NoteResourceType>, Option<i64>) {
    let Some(r) = about else {
        let kind = kept
            .get("resource_type")
            .and_then(|v| serde_json::from_value(v.clone()).ok());
        let id = kept.get("resource_id").and_then(Value::as_i64);
        return (kind, id);
    };
    let kind = match r.kind {
        EntityKind::Lead => Some(NoteResourceType::Known(NoteResourceTypeKnown::Lead)),
        EntityKind::Contact | EntityKind::Account => {
            Some(NoteResourceType::Known(NoteResourceTypeKnown::Contact))
        }
        EntityKind::Deal => Some(NoteResourceType::Known(NoteResourceTypeKnown::Deal)),
        _ => kept
            .get("resource_type")
            .and_then(|v| serde_json::from_value(v.clone()).ok()),
    };
    match (kind, sell_ref(about, path, losses)) {
        (Some(kind), Some(id)) => (Some(kind), Some(id)),
        _ => {
            losses.push(path, LossReason::NoField, r);
            (None, None)
        }
    }
}

impl CoreWith for SellNote {
    type Core = Note;

    fn core_with(&self, raw: RawPayload) -> Note {
        let mut meta = meta_of(raw, self.id, &None, self.created_at, self.updated_at);
        keep_unmapped!(meta, NOTE_MAPPED, self, SellNote {
            content, created_at, creator_id, id, is_important, resource_id, resource_type, tags,
            type_ = "type", updated_at,
        });
        let tags = tags_to_core(&mut meta, &self.tags);
        let about = about_to_core(&mut meta, &self.resource_type, self.resource_id);
        Note {
            meta,
            content: self.content.clone(),
            about,
            important: self.is_important,
            creator: reference(EntityKind::User, self.creator_id),
            kind: self.type_.as_ref().map(ToString::to_string),
            tags,
        }
    }
}

/// Keeps `value` verbatim in the Sell extras (nothing for `null`).
fn keep_json<T: Serialize>(meta: &mut Meta, key: &str, value: &T) {
    match serde_json::to_value(value) {
        Ok(Value::Null) | Err(_) => {}
        Ok(json) => meta.keep(SELL, key, json),
    }
}

impl FromCore<Note> for SellNote {
    fn from_core(n: &Note, _: &ConvertOptions) -> Result<Converted<Self>, ConvertError> {
        let mut losses = LossReport::new();
        let (mut r, kept): (SellNote, _) = base(&n.meta, "note", &mut losses)?;
        r.content = n.content.clone();
        (r.resource_type, r.resource_id) = about_back(&n.about, &kept, "note.about", &mut losses);
        r.is_important = n.important;
        r.creator_id = sell_ref(&n.creator, "note.creator", &mut losses);
        r.type_ = n.kind.as_deref().and_then(|k| k.parse().ok());
        r.tags = tags_back(&n.tags, &kept);
        r.created_at = n.meta.created_at;
        r.updated_at = n.meta.updated_at;
        if !n.meta.custom.is_empty() {
            losses.push("note.custom", LossReason::NoField, &n.meta.custom);
        }
        lost_deleted(&n.meta, "note", &mut losses);
        Ok(Converted { value: r, losses })
    }
}

impl CoreWith for SellTask {
    type Core = Task;

    fn core_with(&self, raw: RawPayload) -> Task {
        let mut meta = meta_of(raw, self.id, &None, self.created_at, self.updated_at);
        keep_unmapped!(
            meta,
            TASK_MAPPED,
            self,
            SellTask {
                completed,
                completed_at,
                content,
                created_at,
                creator_id,
                due_date,
                id,
                overdue,
                owner_id,
                remind_at,
                resource_id,
                resource_type,
                updated_at,
            }
        );
        let about = about_to_core(&mut meta, &self.resource_type, self.resource_id);
        Task {
            meta,
            content: self.content.clone(),
            due_at: self.due_date,
            remind_at: self.remind_at,
            completed: self.completed,
            completed_at: self.completed_at,
            owner: reference(EntityKind::User, self.owner_id),
            about,
            ..Task::default()
        }
    }
}

impl FromCore<Task> for SellTask {
    fn from_core(t: &Task, _: &ConvertOptions) -> Result<Converted<Self>, ConvertError> {
        let mut losses = LossReport::new();
        let (mut r, kept): (SellTask, _) = base(&t.meta, "task", &mut losses)?;
        r.content = t.content.clone();
        r.due_date = t.due_at;
        r.remind_at = t.remind_at;
        r.completed = t.completed;
        r.completed_at = t.completed_at;
        r.owner_id = sell_ref(&t.owner, "task.owner", &mut losses);
        (r.resource_type, r.resource_id) = about_back(&t.about, &kept, "task.about", &mut losses);
        r.created_at = t.meta.created_at;
        r.updated_at = t.meta.updated_at;
        lost(&t.title, "task.title", &mut losses);
        lost(&t.starts_at, "task.starts_at", &mut losses);
        lost(&t.kind, "task.kind", &mut losses);
        if !t.meta.custom.is_empty() {
            losses.push("task.custom", LossReason::NoField, &t.meta.custom);
        }
        lost_deleted(&t.meta, "task", &mut losses);
        Ok(Converted { value: r, losses })
    }
}

// ------------------------------------------------------------------ pipelines, stages

/// The status of a deal in a stage of this `category`: Sell has no deal
/// status of its own, the stage's category says it (`won`; `lost` and
/// `unqualified` are closed without a win; `incoming`, `in_progress` and
/// any other are open).
///
/// ```
/// use crm_core::DealStatus;
/// use crm_core::zendesk_sell::deal_status;
///
/// assert_eq!(deal_status("won"), DealStatus::Won);
/// assert_eq!(deal_status("unqualified"), DealStatus::Lost);
/// assert_eq!(deal_status("in_progress"), DealStatus::Open);
/// ```
pub fn deal_status(category: &str) -> DealStatus {
    match category {
        "won" => DealStatus::Won,
        "lost" | "unqualified" => DealStatus::Lost,
        _ => DealStatus::Open,
    }
}

impl CoreWith for SellPipeline {
    type Core = Pipeline;

    fn core_with(&self, raw: RawPayload) -> Pipeline {
        let mut meta = meta_of(raw, self.id, &None, self.created_at, self.updated_at);
        keep_unmapped!(
            meta,
            PIPELINE_MAPPED,
            self,
            SellPipeline {
                created_at,
                disabled,
                id,
                locale_key,
                name,
                updated_at,
            }
        );
        Pipeline {
            meta,
            name: self.name.clone(),
            active: self.disabled.map(|d| !d),
        }
    }
}

impl FromCore<Pipeline> for SellPipeline {
    fn from_core(p: &Pipeline, _: &ConvertOptions) -> Result<Converted<Self>, ConvertError> {
        let mut losses = LossReport::new();
        let (mut r, _): (SellPipeline, _) = base(&p.meta, "pipeline", &mut losses)?;
        r.name = p.name.clone();
        r.disabled = p.active.map(|a| !a);
        r.created_at = p.meta.created_at;
        r.updated_at = p.meta.updated_at;
        if !p.meta.custom.is_empty() {
            losses.push("pipeline.custom", LossReason::NoField, &p.meta.custom);
        }
        lost_deleted(&p.meta, "pipeline", &mut losses);
        Ok(Converted { value: r, losses })
    }
}

// ------------------------------------------------------------------ users

impl CoreWith for SellUser {
    type Core = User;

    /// `status` `active`/`inactive` → `active`, any other status is kept
    /// verbatim; `deleted_at` → `meta.deleted` (kept too); `name` and the
    /// rest are kept verbatim (the model has no display-name slot).
    fn core_with(&self, raw: RawPayload) -> User {
        let mut meta = meta_of(raw, self.id, &None, self.created_at, self.updated_at);
        keep_unmapped!(
            meta,
            USER_MAPPED,
            self,
            SellUser {
                confirmed,
                created_at,
                deleted_at,
                email,
                id,
                invited,
                name,
                phone_number,
                reports_to,
                role,
                status,
                team_name,
                timezone,
                updated_at,
                zendesk_user_id,
            }
        );
        let active = match self.status.as_deref() {
            Some("active") => Some(true),
            Some("inactive") => Some(false),
            Some(other) => {
                meta.keep(SELL, "status", Value::String(other.to_owned()));
                None
            }
            None => None,
        };
        if let Some(at) = self.deleted_at {
            meta.deleted = true;
            keep_field(&mut meta, "deleted_at", &at);
        }
        User {
            meta,
            email: self.email.as_ref().map(Email::new),
            phone: self
                .phone_number
                .as_ref()
                .map(|p| Phone::new(p.clone(), PhoneKind::Work)),
            active,
            role: self.role.clone(),
            ..User::default()
        }
    }
}

impl CoreWith for SellStage {
    type Core = Stage;

    fn core_with(&self, raw: RawPayload) -> Stage {
        let mut meta = meta_of(raw, self.id, &None, self.created_at, self.updated_at);
        keep_unmapped!(
            meta,
            STAGE_MAPPED,
            self,
            SellStage {
                active,
                category,
                created_at,
                has_original_name,
                id,
                likelihood,
                locale_key,
                name,
                pipeline_id,
                position,
                position_hash,
                updated_at,
            }
        );
        Stage {
            meta,
            name: self.name.clone(),
            pipeline: reference(EntityKind::Pipeline, self.pipeline_id),
            position: self.position,
            active: self.active,
            likelihood: self.likelihood,
            category: self.category.clone(),
            internal_name: None,
        }
    }
}

impl FromCore<Stage> for SellStage {
    fn from_core(s: &Stage, _: &ConvertOptions) -> Result<Converted<Self>, ConvertError> {
        let mut losses = LossReport::new();
        let (mut r, _): (SellStage, _) = base(&s.meta, "stage", &mut losses)?;
        r.name = s.name.clone();
        r.pipeline_id = sell_ref(&s.pipeline, "stage.pipeline", &mut losses);
        r.position = s.position;
        r.active = s.active;
        r.likelihood = s.likelihood;
        r.category = s.category.clone();
        r.created_at = s.meta.created_at;
        r.updated_at = s.meta.updated_at;
        lost(&s.internal_name, "stage.internal_name", &mut losses);
        if !s.meta.custom.is_empty() {
            losses.push("stage.custom", LossReason::NoField, &s.meta.custom);
        }
        lost_deleted(&s.meta, "stage", &mut losses);
        Ok(Converted { value: r, losses })
    }
}

// ------------------------------------------------------------ request bodies

/// The writable part of a Sell contact, as `create_contact`,
/// `update_contact` and `upsert_contact` take it. The fields Sell sets
/// itself (`id`, `creator_id`, `created_at`, `updated_at`) are not sent;
/// fields kept from an earlier Sell read that the request has no slot for
/// are reported lost.
fn contact_input(
    c: SellContact,
    entity: &str,
    losses: &mut LossReport,
) -> zendesk_sell_api::types::ContactInput {
    for (key, value) in &c.extra {
        losses.push(
            format!("{entity}.extras.zendesk-sell.{key}"),
            LossReason::NoField,
            value,
        );
    }
    zendesk_sell_api::types::ContactInput {
        address: c.address,
        billing_address: c.billing_address,
        contact_id: c.contact_id,
        custom_fields: c.custom_fields,
        customer_status: c.customer_status,
        description: c.description,
        email: c.email,
        facebook: c.facebook,
        fax: c.fax,
        first_name: c.first_name,
        industry: c.industry,
        is_organization: c.is_organization,
        last_name: c.last_name,
        linkedin: c.linkedin,
        mobile: c.mobile,
        name: c.name,
        owner_id: c.owner_id,
        parent_organization_id: c.parent_organization_id,
        phone: c.phone,
        prospect_status: c.prospect_status,
        shipping_address: c.shipping_address,
        skype: c.skype,
        tags: c.tags,
        title: c.title,
        twitter: c.twitter,
        website: c.website,
    }
}

/// A core contact as a Sell person's request body.
impl FromCore<Contact> for zendesk_sell_api::types::ContactInput {
    fn from_core(c: &Contact, options: &ConvertOptions) -> Result<Converted<Self>, ConvertError> {
        let Converted { value, mut losses } = SellContact::from_core(c, options)?;
        let input = contact_input(value, "contact", &mut losses);
        Ok(Converted {
            value: input,
            losses,
        })
    }
}

/// A core account as a Sell organisation's request body.
impl FromCore<Account> for zendesk_sell_api::types::ContactInput {
    fn from_core(a: &Account, options: &ConvertOptions) -> Result<Converted<Self>, ConvertError> {
        let Converted { value, mut losses } = SellContact::from_core(a, options)?;
        let input = contact_input(value, "account", &mut losses);
        Ok(Converted {
            value: input,
            losses,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contact_from(system: System, id: &str) -> Contact {
        let mut c = Contact::default();
        c.meta.ids.set(system, id);
        c
    }

    #[test]
    fn a_record_only_known_elsewhere_is_not_in_sell_yet() {
        let c = contact_from(System::Conecrm, "0190a1b2-0000-7000-8000-000000000001");
        let out = SellContact::from_core(&c, &ConvertOptions::default()).expect("converts");
        assert_eq!(out.value.id, 0);
        assert!(
            out.losses.paths().any(|p| p == "contact.ids.conecrm"),
            "{}",
            out.losses
        );
    }

    #[test]
    fn an_id_derived_from_sell_comes_back() {
        let c = contact_from(System::Gong, "zs-77");
        let out = SellContact::from_core(&c, &ConvertOptions::default()).expect("converts");
        assert_eq!(out.value.id, 77);
    }

    #[test]
    fn a_non_integer_sell_id_is_refused() {
        let c = contact_from(System::ZendeskSell, "abc");
        let err = SellContact::from_core(&c, &ConvertOptions::default()).unwrap_err();
        assert!(matches!(err, ConvertError::InvalidId { .. }), "{err}");
    }

    #[test]
    fn whole_numbers_beyond_f64_are_reported() {
        let mut c = contact_from(System::ZendeskSell, "1");
        c.meta
            .custom
            .insert("small".into(), crate::CustomValue::Number(12.into()));
        c.meta.custom.insert(
            "big".into(),
            crate::CustomValue::Number((i64::MAX - 1).into()),
        );
        let out = SellContact::from_core(&c, &ConvertOptions::default()).expect("converts");
        let paths: Vec<&str> = out.losses.paths().collect();
        assert_eq!(paths, ["contact.custom.big"]);
    }
}
