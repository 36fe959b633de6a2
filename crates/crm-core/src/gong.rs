//! Gong's CRM integration records ↔ the common model (feature `gong`).
//!
//! | Gong table | core entity |
//! |---|---|
//! | `ACCOUNT` ([`CrmAccountRecord`]) | [`Account`] |
//! | `CONTACT` ([`CrmContactRecord`]) | [`Contact`] |
//! | `DEAL` ([`CrmDealRecord`]) | [`Deal`] |
//! | `LEAD` ([`CrmLeadRecord`]) | [`Lead`] |
//! | `BUSINESS_USER` ([`CrmBusinessUserRecord`]) | [`User`] |
//! | `STAGE` ([`CrmStageRecord`]) | [`Stage`] |
//!
//! Fields shared by every table: `objectId` ↔ the Gong id in
//! [`Meta::ids`] (a record without one gets a derived id, see
//! [`derived_id`]); `modifiedDate` ↔
//! `meta.updated_at` (falling back to `meta.created_at`, then
//! [`ConvertOptions::default_modified_date`]); `isDeleted` ↔ `meta.deleted`;
//! the record's additional fields ↔ `meta.custom`; the deprecated fields of
//! the older API (`lastModified`, `isOpen`, `isWon`, `estimated*`,
//! `actual*`, `internalName` of business records) ↔ `meta.extras[gong]`.
//! Amounts are decimals in the core and floats in Gong: an amount that is
//! not exactly a float is reported (`precision`), one too large for a
//! decimal is kept verbatim in the extras. Gong has one currency per
//! company: an amount in another is converted with
//! [`ConvertOptions::currency_rates`] or, without a rate, sent as the
//! additional fields [`SOURCE_AMOUNT`] and [`SOURCE_CURRENCY`] (and read
//! back from them), never as `amount`.
//!
//! What Gong matches on is filled in where the record allows: an account's
//! `domains` from its listed domains, its website and its business email
//! addresses ([`crate::domains`]); every record's `url` from the template
//! of its source system ([`ConvertOptions::record_urls`]). A deal without
//! an account, owner or close date is carried but reported
//! ([`LossReport::hidden`]): Gong does not show it, or not on its deal
//! board.

use gong_crm_api::types::{
    CrmAccountRecord, CrmBusinessUserRecord, CrmContactRecord, CrmDealRecord, CrmLeadRecord,
    CrmObjectId, CrmStageRecord, DealStatus as GongDealStatus,
};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::convert::{ConvertError, ConvertOptions, Converted, FromCore, ToCore};
use crate::custom::{custom_fields_from_json, custom_fields_to_json};
use crate::domains::account_domains;
use crate::loss::{LossReason, LossReport};
use crate::model::{
    Account, Contact, Deal, DealStatus, EntityKind, Lead, Meta, RawPayload, Ref, Stage, User,
};
use crate::support::{
    derived_id, emails, extras_of, first_email, first_phone, keep, lost, lost_list, phones, ref_id,
    reference, report_ids, report_other_extras, take,
};
use crate::system::System;
use crate::values::{Email, Money, PhoneKind, Timestamp, decimal_from_f64, decimal_to_f64};

const GONG: System = System::Gong;

fn raw<T: Serialize + Clone + std::fmt::Debug + Send + Sync + 'static>(
    record: &T,
) -> Option<RawPayload> {
    Some(RawPayload::new(GONG, record.clone()))
}

/// The meta of a Gong record.
fn meta_of<T: Serialize + Clone + std::fmt::Debug + Send + Sync + 'static>(
    record: &T,
    object_id: &CrmObjectId,
    modified: Option<Timestamp>,
    last_modified: &Option<Timestamp>,
    is_deleted: Option<bool>,
    extra: &Map<String, Value>,
) -> Meta {
    let mut meta = Meta::from_source(GONG, object_id.as_str());
    meta.updated_at = modified;
    meta.deleted = is_deleted.unwrap_or(false);
    if is_deleted == Some(false) {
        meta.keep(GONG, "isDeleted", Value::Bool(false));
    }
    keep(&mut meta, GONG, "lastModified", last_modified);
    meta.custom = custom_fields_from_json(extra.clone());
    meta.raw = raw(record);
    meta
}

/// What every Gong record needs from the core.
struct Common {
    object_id: CrmObjectId,
    modified_date: Option<Timestamp>,
    last_modified: Option<Timestamp>,
    is_deleted: Option<bool>,
    /// The Gong extras not used yet.
    extras: Map<String, Value>,
}

fn common(
    meta: &Meta,
    entity: &str,
    options: &ConvertOptions,
    losses: &mut LossReport,
) -> Result<Common, ConvertError> {
    let id = derived_id(&meta.ids, GONG).ok_or(ConvertError::MissingRequired {
        system: GONG,
        field: "objectId (the record has no id in any system)",
    })?;
    let object_id = gong_id(&id)?;
    let mut extras = extras_of(meta, GONG);
    let is_deleted = if meta.deleted {
        Some(true)
    } else {
        take::<bool>(&mut extras, "isDeleted").filter(|d| !d)
    };
    let last_modified = take(&mut extras, "lastModified");
    report_other_extras(meta, GONG, entity, losses);
    report_ids(meta, GONG, entity, losses);
    Ok(Common {
        object_id,
        modified_date: meta
            .updated_at
            .or(meta.created_at)
            .or(options.default_modified_date),
        last_modified,
        is_deleted,
        extras,
    })
}

/// Parses an id into Gong's `objectId` (≤ 64 letters, digits, `-`, or an email).
pub fn gong_id(id: &str) -> Result<CrmObjectId, ConvertError> {
    id.parse::<CrmObjectId>()
        .map_err(|e| ConvertError::InvalidId {
            system: GONG,
            id: id.to_owned(),
            reason: format!(
                "Gong objectIds are at most 64 letters, digits and '-', or an email address ({e})"
            ),
        })
}

fn required_modified(common: &Common) -> Result<Timestamp, ConvertError> {
    common.modified_date.ok_or(ConvertError::MissingRequired {
        system: GONG,
        field: "modifiedDate (no updated_at, created_at or ConvertOptions::default_modified_date)",
    })
}

/// A reference's Gong id, validated.
fn gong_ref(reference: &Option<Ref>) -> Result<Option<String>, ConvertError> {
    match ref_id(reference, GONG) {
        Some(id) => gong_id(&id).map(|_| Some(id)),
        None => Ok(None),
    }
}

/// The record's additional fields: custom fields, then unused Gong extras.
/// Custom fields named like one of the record's own fields are reported.
fn additional(
    meta: &Meta,
    extras: Map<String, Value>,
    own: &[&str],
    entity: &str,
    losses: &mut LossReport,
) -> Map<String, Value> {
    let reserved = Reserved(own);
    let mut out = Map::new();
    for (key, value) in custom_fields_to_json(&meta.custom) {
        if reserved.contains(&key) {
            losses.push(format!("{entity}.custom.{key}"), LossReason::NoField, value);
        } else {
            out.insert(key, value);
        }
    }
    for (key, value) in extras {
        if reserved.contains(&key) || out.contains_key(&key) {
            losses.push(
                format!("{entity}.extras.gong.{key}"),
                LossReason::NoField,
                value,
            );
        } else {
            out.insert(key, value);
        }
    }
    out
}

const COMMON_FIELDS: [&str; 5] = [
    "objectId",
    "modifiedDate",
    "lastModified",
    "isDeleted",
    "url",
];

/// The JSON names of a record's own fields (no custom field may take one).
struct Reserved<'a>(&'a [&'a str]);

impl Reserved<'_> {
    fn contains(&self, key: &str) -> bool {
        COMMON_FIELDS.contains(&key) || self.0.contains(&key)
    }
}

/// A float from a Gong record as core money; a float too large for a
/// decimal stays verbatim in the extras under `key`.
fn money_from(value: Option<f64>, meta: &mut Meta, key: &str) -> Option<Money> {
    let value = value?;
    match decimal_from_f64(value) {
        Some(amount) => Some(Money::new(amount, None)),
        None => {
            meta.keep(GONG, key, serde_json::json!(value));
            None
        }
    }
}

/// The additional field an amount goes to when it cannot be sent as
/// `amount` (its currency is not the company's and has no rate).
pub const SOURCE_AMOUNT: &str = "amountInSourceCurrency";
/// The additional field holding that amount's currency.
pub const SOURCE_CURRENCY: &str = "sourceCurrency";

/// Core money as a Gong float in the company currency.
///
/// - no currency named, or the company's: sent as it is;
/// - another currency with a rate in [`ConvertOptions::currency_rates`]:
///   converted, rounded to cents;
/// - otherwise (no rate, or the company currency unknown): not sent as
///   `amount`, kept as [`SOURCE_AMOUNT`] and [`SOURCE_CURRENCY`], reported
///   (reason `currency`).
fn money_to(
    money: &Option<Money>,
    extras: &mut Map<String, Value>,
    key: &str,
    path: &'static str,
    options: &ConvertOptions,
    losses: &mut LossReport,
) -> Option<f64> {
    let Some(money) = money else {
        return take(extras, key);
    };
    let amount = match (&money.currency, &options.gong_currency) {
        (None, _) => money.amount,
        (Some(have), Some(company)) if have == company => money.amount,
        (Some(have), company) => {
            let rate = company.as_ref().and(options.currency_rates.get(have));
            match rate.and_then(|rate| money.amount.checked_mul(*rate)) {
                Some(converted) => converted.round_dp(2),
                None => {
                    if let Some(float) = decimal_to_f64(&money.amount) {
                        extras.insert(SOURCE_AMOUNT.into(), serde_json::json!(float));
                    }
                    extras.insert(SOURCE_CURRENCY.into(), Value::String(have.to_string()));
                    losses.push(path, LossReason::Currency, money);
                    return None;
                }
            }
        }
    };
    let float = decimal_to_f64(&amount)?;
    if decimal_from_f64(float) != Some(amount) {
        losses.push(path, LossReason::Precision, amount.to_string());
    }
    Some(float)
}

/// An amount kept in [`SOURCE_AMOUNT`] and [`SOURCE_CURRENCY`] (taken out of
/// the custom fields) as core money.
fn source_money(meta: &mut Meta) -> Option<Money> {
    let amount = match meta.custom.get(SOURCE_AMOUNT)? {
        crate::custom::CustomValue::Number(n) => decimal_from_f64(n.as_f64()?)?,
        _ => return None,
    };
    let currency = match meta.custom.get(SOURCE_CURRENCY)? {
        crate::custom::CustomValue::Text(code) => crate::values::Currency::new(code.clone()),
        _ => return None,
    };
    meta.custom.remove(SOURCE_AMOUNT);
    meta.custom.remove(SOURCE_CURRENCY);
    Some(Money::new(amount, Some(currency)))
}

/// The record's URL: its own, else the template of its source system.
fn url_of(
    own: &Option<String>,
    meta: &Meta,
    kind: EntityKind,
    options: &ConvertOptions,
) -> Option<String> {
    own.clone().or_else(|| options.record_urls.url(meta, kind))
}

// ---------------------------------------------------------------- ACCOUNT

impl ToCore for CrmAccountRecord {
    type Core = Account;

    fn to_core(&self) -> Account {
        Account {
            meta: meta_of(
                self,
                &self.object_id,
                Some(self.modified_date),
                &self.last_modified,
                self.is_deleted,
                &self.extra,
            ),
            name: self.name.clone(),
            domains: self.domains.clone(),
            url: self.url.clone(),
            ..Account::default()
        }
    }
}

impl FromCore<Account> for CrmAccountRecord {
    fn from_core(a: &Account, options: &ConvertOptions) -> Result<Converted<Self>, ConvertError> {
        let mut losses = LossReport::new();
        let c = common(&a.meta, "account", options, &mut losses)?;
        let modified_date = required_modified(&c)?;
        lost(&a.website, "account.website", &mut losses);
        lost(&a.description, "account.description", &mut losses);
        lost(&a.industry, "account.industry", &mut losses);
        lost(&a.language, "account.language", &mut losses);
        lost(&a.active, "account.active", &mut losses);
        lost_list(&a.emails, "account.emails", &mut losses);
        lost_list(&a.phones, "account.phones", &mut losses);
        lost(&a.address, "account.address", &mut losses);
        lost(&a.billing_address, "account.billing_address", &mut losses);
        lost(&a.shipping_address, "account.shipping_address", &mut losses);
        lost(&a.owner, "account.owner", &mut losses);
        lost(&a.parent, "account.parent", &mut losses);
        lost_list(&a.contacts, "account.contacts", &mut losses);
        lost_list(&a.tags, "account.tags", &mut losses);
        if a.meta.updated_at.is_some() {
            lost(&a.meta.created_at, "account.created_at", &mut losses);
        }
        let extra = additional(
            &a.meta,
            c.extras,
            &["name", "domains"],
            "account",
            &mut losses,
        );
        Ok(Converted {
            value: CrmAccountRecord {
                object_id: c.object_id,
                modified_date,
                last_modified: c.last_modified,
                is_deleted: c.is_deleted,
                url: url_of(&a.url, &a.meta, EntityKind::Account, options),
                name: a.name.clone(),
                domains: account_domains(a),
                extra,
            },
            losses,
        })
    }
}

// ---------------------------------------------------------------- CONTACT

impl ToCore for CrmContactRecord {
    type Core = Contact;

    fn to_core(&self) -> Contact {
        Contact {
            meta: meta_of(
                self,
                &self.object_id,
                Some(self.modified_date),
                &self.last_modified,
                self.is_deleted,
                &self.extra,
            ),
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            title: self.title.clone(),
            emails: emails(&self.email_address),
            phones: phones(&self.phone_number, PhoneKind::Work),
            accounts: reference(EntityKind::Account, GONG, &self.account_id)
                .into_iter()
                .collect(),
            url: self.url.clone(),
            ..Contact::default()
        }
    }
}

impl FromCore<Contact> for CrmContactRecord {
    fn from_core(p: &Contact, options: &ConvertOptions) -> Result<Converted<Self>, ConvertError> {
        let mut losses = LossReport::new();
        let c = common(&p.meta, "contact", options, &mut losses)?;
        let modified_date = required_modified(&c)?;
        let email_address = first_email(&p.emails, "contact.emails", &mut losses);
        let phone_number = first_phone(&p.phones, "contact.phones", &mut losses);
        for (i, extra) in p.accounts.iter().enumerate().skip(1) {
            losses.push(format!("contact.accounts[{i}]"), LossReason::TooMany, extra);
        }
        let account_id = gong_ref(&p.accounts.first().cloned())?;
        lost(&p.company_name, "contact.company_name", &mut losses);
        lost(&p.salutation, "contact.salutation", &mut losses);
        lost(
            &p.preferred_contact,
            "contact.preferred_contact",
            &mut losses,
        );
        lost(&p.description, "contact.description", &mut losses);
        lost(&p.language, "contact.language", &mut losses);
        lost(&p.active, "contact.active", &mut losses);
        lost(&p.address, "contact.address", &mut losses);
        lost(&p.owner, "contact.owner", &mut losses);
        for (network, handle) in &p.social {
            losses.push(
                format!("contact.social.{network}"),
                LossReason::NoField,
                handle,
            );
        }
        lost_list(&p.tags, "contact.tags", &mut losses);
        if p.meta.updated_at.is_some() {
            lost(&p.meta.created_at, "contact.created_at", &mut losses);
        }
        let own = [
            "accountId",
            "emailAddress",
            "firstName",
            "lastName",
            "title",
            "phoneNumber",
        ];
        let extra = additional(&p.meta, c.extras, &own, "contact", &mut losses);
        Ok(Converted {
            value: CrmContactRecord {
                object_id: c.object_id,
                modified_date,
                last_modified: c.last_modified,
                is_deleted: c.is_deleted,
                url: url_of(&p.url, &p.meta, EntityKind::Contact, options),
                account_id,
                email_address,
                first_name: p.first_name.clone(),
                last_name: p.last_name.clone(),
                title: p.title.clone(),
                phone_number,
                extra,
            },
            losses,
        })
    }
}

// ---------------------------------------------------------------- DEAL

impl ToCore for CrmDealRecord {
    type Core = Deal;

    fn to_core(&self) -> Deal {
        let mut meta = meta_of(
            self,
            &self.object_id,
            Some(self.modified_date),
            &self.last_modified,
            self.is_deleted,
            &self.extra,
        );
        meta.created_at = self.created_date;
        keep(&mut meta, GONG, "isOpen", &self.is_open);
        keep(&mut meta, GONG, "isWon", &self.is_won);
        keep(
            &mut meta,
            GONG,
            "estimatedCloseDate",
            &self.estimated_close_date,
        );
        keep(&mut meta, GONG, "actualCloseDate", &self.actual_close_date);
        keep(&mut meta, GONG, "estimatedAmount", &self.estimated_amount);
        keep(&mut meta, GONG, "actualAmount", &self.actual_amount);
        let amount =
            money_from(self.amount, &mut meta, "amount").or_else(|| source_money(&mut meta));
        Deal {
            meta,
            name: self.name.clone(),
            amount,
            status: self.status.map(|s| match s {
                GongDealStatus::Open => DealStatus::Open,
                GongDealStatus::Won => DealStatus::Won,
                GongDealStatus::Lost => DealStatus::Lost,
            }),
            stage: reference(EntityKind::Stage, GONG, &self.stage),
            account: reference(EntityKind::Account, GONG, &self.account_id),
            owner: reference(EntityKind::User, GONG, &self.owner_id),
            close_date: self.close_date,
            url: self.url.clone(),
            ..Deal::default()
        }
    }
}

impl FromCore<Deal> for CrmDealRecord {
    fn from_core(d: &Deal, options: &ConvertOptions) -> Result<Converted<Self>, ConvertError> {
        let mut losses = LossReport::new();
        let mut c = common(&d.meta, "deal", options, &mut losses)?;
        let modified_date = required_modified(&c)?;
        let status = match &d.status {
            None => None,
            Some(DealStatus::Open) => Some(GongDealStatus::Open),
            Some(DealStatus::Won) => Some(GongDealStatus::Won),
            Some(DealStatus::Lost) => Some(GongDealStatus::Lost),
            Some(DealStatus::Other(other)) => {
                losses.push("deal.status", LossReason::NoField, other);
                None
            }
        };
        let amount = money_to(
            &d.amount,
            &mut c.extras,
            "amount",
            "deal.amount",
            options,
            &mut losses,
        );
        let account_id = gong_ref(&d.account)?;
        let owner_id = gong_ref(&d.owner)?;
        if !c.is_deleted.unwrap_or(false) {
            if account_id.is_none() {
                losses.hide("deal.account", "no account: Gong does not show the deal");
            }
            if owner_id.is_none() {
                losses.hide("deal.owner", "no owner: not on Gong's deal board");
            }
            if d.close_date.is_none() {
                losses.hide("deal.close_date", "no close date: not on Gong's deal board");
            }
        }
        lost(&d.contact, "deal.contact", &mut losses);
        lost(&d.hot, "deal.hot", &mut losses);
        lost(&d.win_likelihood, "deal.win_likelihood", &mut losses);
        lost(&d.source, "deal.source", &mut losses);
        lost_list(&d.tags, "deal.tags", &mut losses);
        let mut extras = c.extras;
        let is_open = take(&mut extras, "isOpen");
        let is_won = take(&mut extras, "isWon");
        let estimated_close_date = take(&mut extras, "estimatedCloseDate");
        let actual_close_date = take(&mut extras, "actualCloseDate");
        let estimated_amount = take(&mut extras, "estimatedAmount");
        let actual_amount = take(&mut extras, "actualAmount");
        let own = [
            "accountId",
            "ownerId",
            "name",
            "createdDate",
            "closeDate",
            "status",
            "stage",
            "amount",
            "isOpen",
            "isWon",
            "estimatedCloseDate",
            "actualCloseDate",
            "estimatedAmount",
            "actualAmount",
        ];
        let extra = additional(&d.meta, extras, &own, "deal", &mut losses);
        Ok(Converted {
            value: CrmDealRecord {
                object_id: c.object_id,
                modified_date,
                last_modified: c.last_modified,
                is_deleted: c.is_deleted,
                url: url_of(&d.url, &d.meta, EntityKind::Deal, options),
                account_id,
                owner_id,
                name: d.name.clone(),
                created_date: d.meta.created_at,
                close_date: d.close_date,
                status,
                stage: gong_ref(&d.stage)?,
                amount,
                is_open,
                is_won,
                estimated_close_date,
                actual_close_date,
                estimated_amount,
                actual_amount,
                extra,
            },
            losses,
        })
    }
}

// ---------------------------------------------------------------- LEAD

impl ToCore for CrmLeadRecord {
    type Core = Lead;

    fn to_core(&self) -> Lead {
        Lead {
            meta: meta_of(
                self,
                &self.object_id,
                Some(self.modified_date),
                &self.last_modified,
                self.is_deleted,
                &self.extra,
            ),
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            title: self.title.clone(),
            emails: emails(&self.email_address),
            phones: phones(&self.phone_number, PhoneKind::Work),
            converted_deal: reference(EntityKind::Deal, GONG, &self.converted_to_deal_id),
            converted_contact: reference(EntityKind::Contact, GONG, &self.converted_to_contact_id),
            converted_account: reference(EntityKind::Account, GONG, &self.converted_to_account_id),
            url: self.url.clone(),
            ..Lead::default()
        }
    }
}

impl FromCore<Lead> for CrmLeadRecord {
    fn from_core(l: &Lead, options: &ConvertOptions) -> Result<Converted<Self>, ConvertError> {
        let mut losses = LossReport::new();
        let c = common(&l.meta, "lead", options, &mut losses)?;
        let modified_date = required_modified(&c)?;
        let email_address = first_email(&l.emails, "lead.emails", &mut losses);
        let phone_number = first_phone(&l.phones, "lead.phones", &mut losses);
        lost(&l.company_name, "lead.company_name", &mut losses);
        lost(&l.subject, "lead.subject", &mut losses);
        lost(&l.description, "lead.description", &mut losses);
        lost(&l.industry, "lead.industry", &mut losses);
        lost(&l.website, "lead.website", &mut losses);
        lost(&l.status, "lead.status", &mut losses);
        lost(&l.source, "lead.source", &mut losses);
        lost(&l.address, "lead.address", &mut losses);
        lost(&l.owner, "lead.owner", &mut losses);
        lost(&l.account, "lead.account", &mut losses);
        lost(&l.contact, "lead.contact", &mut losses);
        lost(&l.stage, "lead.stage", &mut losses);
        lost(&l.due_at, "lead.due_at", &mut losses);
        lost(&l.qualified, "lead.qualified", &mut losses);
        lost(&l.closed_at, "lead.closed_at", &mut losses);
        for (network, handle) in &l.social {
            losses.push(
                format!("lead.social.{network}"),
                LossReason::NoField,
                handle,
            );
        }
        lost_list(&l.tags, "lead.tags", &mut losses);
        if l.meta.updated_at.is_some() {
            lost(&l.meta.created_at, "lead.created_at", &mut losses);
        }
        let own = [
            "emailAddress",
            "firstName",
            "lastName",
            "title",
            "phoneNumber",
            "convertedToDealId",
            "convertedToContactId",
            "convertedToAccountId",
        ];
        let extra = additional(&l.meta, c.extras, &own, "lead", &mut losses);
        Ok(Converted {
            value: CrmLeadRecord {
                object_id: c.object_id,
                modified_date,
                last_modified: c.last_modified,
                is_deleted: c.is_deleted,
                url: url_of(&l.url, &l.meta, EntityKind::Lead, options),
                email_address,
                first_name: l.first_name.clone(),
                last_name: l.last_name.clone(),
                title: l.title.clone(),
                phone_number,
                converted_to_deal_id: gong_ref(&l.converted_deal)?,
                converted_to_contact_id: gong_ref(&l.converted_contact)?,
                converted_to_account_id: gong_ref(&l.converted_account)?,
                extra,
            },
            losses,
        })
    }
}

// ---------------------------------------------------------------- BUSINESS_USER

impl ToCore for CrmBusinessUserRecord {
    type Core = User;

    fn to_core(&self) -> User {
        User {
            meta: meta_of(
                self,
                &self.object_id,
                Some(self.modified_date),
                &self.last_modified,
                self.is_deleted,
                &self.extra,
            ),
            email: self.email_address.as_ref().map(Email::new),
            url: self.url.clone(),
            ..User::default()
        }
    }
}

impl FromCore<User> for CrmBusinessUserRecord {
    fn from_core(u: &User, options: &ConvertOptions) -> Result<Converted<Self>, ConvertError> {
        let mut losses = LossReport::new();
        let c = common(&u.meta, "user", options, &mut losses)?;
        let modified_date = required_modified(&c)?;
        lost(&u.username, "user.username", &mut losses);
        lost(&u.first_name, "user.first_name", &mut losses);
        lost(&u.last_name, "user.last_name", &mut losses);
        lost(&u.phone, "user.phone", &mut losses);
        lost(&u.active, "user.active", &mut losses);
        lost(&u.role, "user.role", &mut losses);
        if u.meta.updated_at.is_some() {
            lost(&u.meta.created_at, "user.created_at", &mut losses);
        }
        let extra = additional(&u.meta, c.extras, &["emailAddress"], "user", &mut losses);
        Ok(Converted {
            value: CrmBusinessUserRecord {
                object_id: c.object_id,
                modified_date,
                last_modified: c.last_modified,
                is_deleted: c.is_deleted,
                url: url_of(&u.url, &u.meta, EntityKind::User, options),
                email_address: u.email.as_ref().map(|e| e.as_str().to_owned()),
                extra,
            },
            losses,
        })
    }
}

// ---------------------------------------------------------------- STAGE

impl ToCore for CrmStageRecord {
    type Core = Stage;

    fn to_core(&self) -> Stage {
        Stage {
            meta: meta_of(
                self,
                &self.object_id,
                self.modified_date,
                &None,
                self.is_deleted,
                &self.extra,
            ),
            name: Some(self.name.clone()),
            active: self.is_active,
            position: self.sort_order,
            internal_name: self.internal_name.clone(),
            ..Stage::default()
        }
    }
}

impl FromCore<Stage> for CrmStageRecord {
    fn from_core(s: &Stage, options: &ConvertOptions) -> Result<Converted<Self>, ConvertError> {
        let mut losses = LossReport::new();
        // modifiedDate is optional for stages: no default is invented.
        let no_default = ConvertOptions {
            default_modified_date: None,
            ..options.clone()
        };
        let c = common(&s.meta, "stage", &no_default, &mut losses)?;
        let name = s.name.clone().ok_or(ConvertError::MissingRequired {
            system: GONG,
            field: "name",
        })?;
        lost(&s.pipeline, "stage.pipeline", &mut losses);
        lost(&s.likelihood, "stage.likelihood", &mut losses);
        lost(&s.category, "stage.category", &mut losses);
        if s.meta.updated_at.is_some() {
            lost(&s.meta.created_at, "stage.created_at", &mut losses);
        }
        if let Some(last) = c.last_modified {
            losses.push("stage.extras.gong.lastModified", LossReason::NoField, last);
        }
        let own = ["name", "isActive", "sortOrder", "internalName"];
        let extra = additional(&s.meta, c.extras, &own, "stage", &mut losses);
        Ok(Converted {
            value: CrmStageRecord {
                object_id: c.object_id,
                modified_date: c.modified_date,
                is_deleted: c.is_deleted,
                name,
                is_active: s.active,
                sort_order: s.position,
                internal_name: s.internal_name.clone(),
                extra,
            },
            losses,
        })
    }
}
