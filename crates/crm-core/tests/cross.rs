//! Cross-system properties (proptest), for every pair of systems and every
//! entity both have:
//!
//! - **no silent drop**: A → core → B → core: every field of the first core
//!   record that did not come through unchanged is named in B's loss report
//!   (by its path), ids included;
//! - **shared fields survive**: a field both A and B have comes back
//!   unchanged through A → core → B → core → A;
//! - nothing panics (a refused value is a typed `ConvertError`).
//!
//! Cases per property: `PROPTEST_CASES` (default 10,000).

#![cfg(all(feature = "gong", feature = "conecrm", feature = "zendesk-sell"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests panic on failure"
)]

mod strategies;

use std::fmt::Debug;

use crm_core::conecrm::AsDeal;
use crm_core::support::derived_id;
use crm_core::zendesk_sell::Party;
use crm_core::{
    Account, Contact, ConvertError, ConvertOptions, Converted, Deal, FromCore, Identities, Lead,
    LossReport, Stage, System, Task, ToCore, User,
};
use proptest::prelude::*;
use serde::Serialize;
use serde_json::{Map, Value};
use strategies::schema::{conecrm, sell};

fn options() -> ConvertOptions {
    ConvertOptions {
        default_modified_date: chrono::DateTime::from_timestamp(1_700_000_000, 0),
        ..ConvertOptions::default()
    }
}

/// How one system's record type reads and writes a core entity.
struct Side<R, C> {
    system: System,
    to_core: fn(&R) -> Option<C>,
    from_core: fn(&C, &ConvertOptions) -> Result<Converted<R>, ConvertError>,
}

// ------------------------------------------------------------ normalisation

/// A JSON view of a core entity where references read as their id in
/// `system`, money as a normalised decimal, and empty values as null.
fn norm(value: &Value, system: System) -> Value {
    match value {
        Value::Object(o) if o.contains_key("kind") && o.contains_key("ids") && o.len() == 2 => {
            let ids: Identities = serde_json::from_value(o["ids"].clone()).unwrap_or_default();
            derived_id(&ids, system)
                .map(Value::String)
                .unwrap_or(Value::Null)
        }
        Value::Object(o)
            if o.contains_key("amount") && o.contains_key("currency") && o.len() == 2 =>
        {
            let amount = o["amount"]
                .as_str()
                .and_then(|a| a.parse::<rust_decimal::Decimal>().ok());
            serde_json::json!({"amount": amount.map(|a| a.normalize().to_string()), "currency": o["currency"]})
        }
        // An object of nothing but nulls (an empty address) is no value.
        Value::Object(o) if !o.is_empty() && o.values().all(Value::is_null) => Value::Null,
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| (k.clone(), norm(v, system)))
                .collect(),
        ),
        Value::Array(a) if a.is_empty() => Value::Null,
        Value::Array(a) => Value::Array(a.iter().map(|v| norm(v, system)).collect()),
        Value::String(s) if s.is_empty() => Value::String(String::new()),
        other => other.clone(),
    }
}

fn present(v: &Value) -> bool {
    !matches!(v, Value::Null) && v != &Value::Object(Map::new())
}

fn json<C: Serialize>(c: &C) -> Map<String, Value> {
    match serde_json::to_value(c).unwrap() {
        Value::Object(o) => o,
        _ => Map::new(),
    }
}

/// Equal JSON, where numbers are equal by value (`0` and `0.0` are one
/// number; Sell holds numbers as `f64`, and a whole number it cannot hold
/// exactly must be reported, not compared away).
fn same_value(after: Option<&Value>, before: &Value) -> bool {
    match (after, before) {
        (Some(Value::Number(a)), Value::Number(b)) => {
            a == b
                || (a.as_f64() == b.as_f64()
                    && b.as_f64()
                        .is_some_and(|f| f.abs() < 9_007_199_254_740_992.0))
        }
        (a, b) => a == Some(b),
    }
}

fn reported(losses: &LossReport, prefix: &str) -> bool {
    losses.paths().any(|p| {
        p == prefix || p.starts_with(&format!("{prefix}.")) || p.starts_with(&format!("{prefix}["))
    })
}

/// Every field of `before` that `after` does not hold unchanged is named in `losses`.
fn no_silent_drop(
    entity: &str,
    source: System,
    target: System,
    before: &Map<String, Value>,
    after: &Map<String, Value>,
    losses: &LossReport,
) -> Result<(), TestCaseError> {
    for (field, value) in before {
        if field == "meta" {
            continue;
        }
        let (b, a) = (
            norm(value, source),
            norm(after.get(field).unwrap_or(&Value::Null), source),
        );
        if present(&b) && a != b {
            prop_assert!(
                reported(losses, &format!("{entity}.{field}")),
                "{entity}.{field} changed silently ({source} -> {target}): {b} -> {a}; losses: {losses}"
            );
        }
    }
    let (mb, ma) = (
        &before["meta"],
        after.get("meta").cloned().unwrap_or(Value::Null),
    );
    // custom fields, one by one
    if let Some(custom) = mb["custom"].as_object() {
        for (key, value) in custom {
            if !same_value(ma["custom"].get(key), value) {
                prop_assert!(
                    reported(losses, &format!("{entity}.custom.{key}"))
                        || reported(losses, &format!("{entity}.custom")),
                    "{entity}.custom.{key} dropped silently ({source} -> {target}); losses: {losses}"
                );
            }
        }
    }
    // extras: the target's own must come back; other systems' are reported
    if let Some(extras) = mb["extras"].as_object() {
        for (system, fields) in extras {
            for (key, value) in fields.as_object().into_iter().flatten() {
                let kept = ma["extras"].get(system).and_then(|f| f.get(key)) == Some(value);
                if !kept {
                    prop_assert!(
                        reported(losses, &format!("{entity}.extras.{system}.{key}")),
                        "{entity}.extras.{system}.{key} dropped silently ({source} -> {target}); losses: {losses}"
                    );
                }
            }
        }
    }
    // ids: each must be recoverable from the target record, or reported
    let ids_before: Identities = serde_json::from_value(mb["ids"].clone()).unwrap_or_default();
    let ids_after: Identities = serde_json::from_value(ma["ids"].clone()).unwrap_or_default();
    for id in ids_before.iter() {
        if derived_id(&ids_after, id.system).as_deref() != Some(id.id.as_str()) {
            prop_assert!(
                reported(losses, &format!("{entity}.ids.{}", id.system)),
                "{entity} id in {} dropped silently ({source} -> {target}); losses: {losses}",
                id.system
            );
        }
    }
    // timestamps may move between created/updated, but not vanish silently
    for slot in ["created_at", "updated_at"] {
        let value = &mb[slot];
        if present(value) && ma["created_at"] != *value && ma["updated_at"] != *value {
            prop_assert!(
                reported(losses, &format!("{entity}.{slot}")),
                "{entity}.{slot} dropped silently ({source} -> {target}); losses: {losses}"
            );
        }
    }
    if mb["deleted"] == Value::Bool(true) && ma["deleted"] != Value::Bool(true) {
        prop_assert!(
            reported(losses, &format!("{entity}.deleted")),
            "{entity}.deleted dropped silently"
        );
    }
    Ok(())
}

/// A → core → B → core → A: checks both properties.
fn through<A, B, C>(
    entity: &str,
    record: &A,
    a: &Side<A, C>,
    b: &Side<B, C>,
    shared: &[&str],
) -> Result<(), TestCaseError>
where
    A: Debug,
    C: Serialize + Debug,
{
    let Some(core1) = (a.to_core)(record) else {
        return Ok(());
    };
    let converted = match (b.from_core)(&core1, &options()) {
        Ok(c) => c,
        Err(e) => {
            // A refused value is a typed error, never a panic: say which.
            prop_assert!(!e.to_string().is_empty());
            return Ok(());
        }
    };
    let core2 = (b.to_core)(&converted.value).expect("a converted record reads back");
    no_silent_drop(
        entity,
        a.system,
        b.system,
        &json(&core1),
        &json(&core2),
        &converted.losses,
    )?;

    let back = match (a.from_core)(&core2, &options()) {
        Ok(c) => c,
        // B has no slot for A's id (Sell makes its own integer ids): the id
        // was reported lost on the way, so A may refuse a record without one.
        Err(crm_core::ConvertError::MissingRequired { .. })
            if converted.losses.paths().any(|p| p.contains(".ids.")) =>
        {
            return Ok(());
        }
        Err(e) => return Err(TestCaseError::fail(format!("B -> A refused: {e}"))),
    };
    let core3 = (a.to_core)(&back.value).expect("reads back");
    let (j1, j3) = (json(&core1), json(&core3));
    for field in shared {
        let pick = |j: &Map<String, Value>| -> Value {
            match *field {
                "created_at" | "updated_at" | "custom" => j["meta"][*field].clone(),
                f => j.get(f).cloned().unwrap_or(Value::Null),
            }
        };
        let (v1, v3) = (norm(&pick(&j1), a.system), norm(&pick(&j3), a.system));
        if present(&v1)
            && !converted
                .losses
                .paths()
                .any(|p| p.starts_with(&format!("{entity}.{field}")))
        {
            prop_assert_eq!(
                v1,
                v3,
                "{}.{} did not survive {} -> {} -> {}",
                entity,
                field,
                a.system,
                b.system,
                a.system
            );
        }
    }
    Ok(())
}

// ------------------------------------------------------------ sides

mod sides {
    use super::*;
    use conecrm_api::types as cone;
    use gong_crm_api::types as gong;
    use zendesk_sell_api::types as sell;

    macro_rules! side {
        ($name:ident, $system:expr, $record:ty, $core:ty) => {
            pub fn $name() -> Side<$record, $core> {
                Side {
                    system: $system,
                    to_core: |r| Some(r.to_core()),
                    from_core: <$record>::from_core,
                }
            }
        };
    }

    side!(gong_account, System::Gong, gong::CrmAccountRecord, Account);
    side!(gong_contact, System::Gong, gong::CrmContactRecord, Contact);
    side!(gong_deal, System::Gong, gong::CrmDealRecord, Deal);
    side!(gong_lead, System::Gong, gong::CrmLeadRecord, Lead);
    side!(gong_user, System::Gong, gong::CrmBusinessUserRecord, User);
    side!(gong_stage, System::Gong, gong::CrmStageRecord, Stage);
    side!(cone_account, System::Conecrm, cone::Account, Account);
    side!(cone_contact, System::Conecrm, cone::Contact, Contact);
    side!(cone_lead, System::Conecrm, cone::Lead, Lead);
    side!(cone_user, System::Conecrm, cone::User, User);
    side!(cone_stage, System::Conecrm, cone::ConnectionStage, Stage);
    side!(cone_task, System::Conecrm, cone::Task, Task);
    side!(sell_deal, System::ZendeskSell, sell::Deal, Deal);
    side!(sell_lead, System::ZendeskSell, sell::Lead, Lead);
    side!(sell_stage, System::ZendeskSell, sell::Stage, Stage);
    side!(sell_task, System::ZendeskSell, sell::Task, Task);

    pub fn cone_deal() -> Side<cone::Lead, Deal> {
        Side {
            system: System::Conecrm,
            to_core: |r| Some(AsDeal(r).to_core()),
            from_core: <cone::Lead as FromCore<Deal>>::from_core,
        }
    }

    pub fn sell_person() -> Side<sell::Contact, Contact> {
        Side {
            system: System::ZendeskSell,
            to_core: |r| match r.to_core() {
                Party::Person(c) => Some(c),
                Party::Organization(_) => None,
            },
            from_core: <sell::Contact as FromCore<Contact>>::from_core,
        }
    }

    pub fn sell_org() -> Side<sell::Contact, Account> {
        Side {
            system: System::ZendeskSell,
            to_core: |r| match r.to_core() {
                Party::Organization(a) => Some(a),
                Party::Person(_) => None,
            },
            from_core: <sell::Contact as FromCore<Account>>::from_core,
        }
    }
}

use sides::*;

proptest! {
    #![proptest_config(strategies::config())]

    // -------- contacts (Sell persons)
    #[test] fn contact_gong_to_sell(r in strategies::gong::contact()) {
        through("contact", &r, &gong_contact(), &sell_person(), &["first_name", "last_name", "title", "accounts", "custom"])?;
    }
    #[test] fn contact_gong_to_cone(r in strategies::gong::contact()) {
        through("contact", &r, &gong_contact(), &cone_contact(), &["first_name", "last_name"])?;
    }
    #[test] fn contact_sell_to_gong(r in sell().arb::<zendesk_sell_api::types::Contact>("Contact")) {
        through("contact", &r, &sell_person(), &gong_contact(), &["first_name", "last_name", "title", "accounts", "custom", "updated_at"])?;
    }
    #[test] fn contact_sell_to_cone(r in sell().arb::<zendesk_sell_api::types::Contact>("Contact")) {
        through("contact", &r, &sell_person(), &cone_contact(), &["first_name", "last_name", "address"])?;
    }
    #[test] fn contact_cone_to_gong(r in conecrm().arb::<conecrm_api::types::Contact>("Contact")) {
        through("contact", &r, &cone_contact(), &gong_contact(), &["first_name", "last_name"])?;
    }
    #[test] fn contact_cone_to_sell(r in conecrm().arb::<conecrm_api::types::Contact>("Contact")) {
        through("contact", &r, &cone_contact(), &sell_person(), &["first_name", "last_name", "address"])?;
    }

    // -------- accounts (Sell organisations)
    #[test] fn account_gong_to_sell(r in strategies::gong::account()) {
        through("account", &r, &gong_account(), &sell_org(), &["name", "custom"])?;
    }
    #[test] fn account_gong_to_cone(r in strategies::gong::account()) {
        through("account", &r, &gong_account(), &cone_account(), &["name"])?;
    }
    #[test] fn account_sell_to_gong(r in sell().arb::<zendesk_sell_api::types::Contact>("Contact")) {
        through("account", &r, &sell_org(), &gong_account(), &["name", "custom", "updated_at"])?;
    }
    #[test] fn account_sell_to_cone(r in sell().arb::<zendesk_sell_api::types::Contact>("Contact")) {
        through("account", &r, &sell_org(), &cone_account(), &["name", "address"])?;
    }
    #[test] fn account_cone_to_gong(r in conecrm().arb::<conecrm_api::types::Account>("Account")) {
        through("account", &r, &cone_account(), &gong_account(), &["name"])?;
    }
    #[test] fn account_cone_to_sell(r in conecrm().arb::<conecrm_api::types::Account>("Account")) {
        through("account", &r, &cone_account(), &sell_org(), &["name", "address"])?;
    }

    // -------- deals (ConeCRM: the lead as opportunity)
    #[test] fn deal_gong_to_sell(r in strategies::gong::deal()) {
        through("deal", &r, &gong_deal(), &sell_deal(), &["name", "amount", "close_date", "stage", "account", "owner", "custom"])?;
    }
    #[test] fn deal_gong_to_cone(r in strategies::gong::deal()) {
        through("deal", &r, &gong_deal(), &cone_deal(), &["name", "stage", "account"])?;
    }
    #[test] fn deal_sell_to_gong(r in sell().arb::<zendesk_sell_api::types::Deal>("Deal")) {
        through("deal", &r, &sell_deal(), &gong_deal(), &["name", "amount", "close_date", "stage", "account", "owner", "custom", "updated_at"])?;
    }
    #[test] fn deal_sell_to_cone(r in sell().arb::<zendesk_sell_api::types::Deal>("Deal")) {
        through("deal", &r, &sell_deal(), &cone_deal(), &["name"])?;
    }
    #[test] fn deal_cone_to_gong(r in conecrm().arb::<conecrm_api::types::Lead>("Lead")) {
        through("deal", &r, &cone_deal(), &gong_deal(), &["name", "stage", "account"])?;
    }
    #[test] fn deal_cone_to_sell(r in conecrm().arb::<conecrm_api::types::Lead>("Lead")) {
        through("deal", &r, &cone_deal(), &sell_deal(), &["name"])?;
    }

    // -------- leads
    #[test] fn lead_gong_to_sell(r in strategies::gong::lead()) {
        through("lead", &r, &gong_lead(), &sell_lead(), &["first_name", "last_name", "title", "custom"])?;
    }
    #[test] fn lead_gong_to_cone(r in strategies::gong::lead()) {
        through("lead", &r, &gong_lead(), &cone_lead(), &["updated_at"])?;
    }
    #[test] fn lead_sell_to_gong(r in sell().arb::<zendesk_sell_api::types::Lead>("Lead")) {
        through("lead", &r, &sell_lead(), &gong_lead(), &["first_name", "last_name", "title", "custom", "updated_at"])?;
    }
    #[test] fn lead_sell_to_cone(r in sell().arb::<zendesk_sell_api::types::Lead>("Lead")) {
        through("lead", &r, &sell_lead(), &cone_lead(), &["description", "created_at", "updated_at"])?;
    }
    #[test] fn lead_cone_to_gong(r in conecrm().arb::<conecrm_api::types::Lead>("Lead")) {
        through("lead", &r, &cone_lead(), &gong_lead(), &["updated_at"])?;
    }
    #[test] fn lead_cone_to_sell(r in conecrm().arb::<conecrm_api::types::Lead>("Lead")) {
        through("lead", &r, &cone_lead(), &sell_lead(), &["description", "created_at", "updated_at"])?;
    }

    // -------- users (Sell has none), stages, tasks (Gong has none)
    #[test] fn user_gong_to_cone(r in strategies::gong::user()) {
        through("user", &r, &gong_user(), &cone_user(), &["email", "updated_at"])?;
    }
    #[test] fn user_cone_to_gong(r in conecrm().arb::<conecrm_api::types::User>("User")) {
        through("user", &r, &cone_user(), &gong_user(), &["email", "updated_at"])?;
    }
    #[test] fn stage_gong_to_sell(r in strategies::gong::stage()) {
        through("stage", &r, &gong_stage(), &sell_stage(), &["name", "active", "position"])?;
    }
    #[test] fn stage_gong_to_cone(r in strategies::gong::stage()) {
        through("stage", &r, &gong_stage(), &cone_stage(), &["name"])?;
    }
    #[test] fn stage_sell_to_gong(r in sell().arb::<zendesk_sell_api::types::Stage>("Stage")) {
        through("stage", &r, &sell_stage(), &gong_stage(), &["name", "active", "position"])?;
    }
    #[test] fn stage_sell_to_cone(r in sell().arb::<zendesk_sell_api::types::Stage>("Stage")) {
        through("stage", &r, &sell_stage(), &cone_stage(), &["name"])?;
    }
    #[test] fn stage_cone_to_gong(r in conecrm().arb::<conecrm_api::types::ConnectionStage>("ConnectionStage")) {
        through("stage", &r, &cone_stage(), &gong_stage(), &["name"])?;
    }
    #[test] fn stage_cone_to_sell(r in conecrm().arb::<conecrm_api::types::ConnectionStage>("ConnectionStage")) {
        through("stage", &r, &cone_stage(), &sell_stage(), &["name"])?;
    }
    #[test] fn task_sell_to_cone(r in sell().arb::<zendesk_sell_api::types::Task>("Task")) {
        through("task", &r, &sell_task(), &cone_task(), &["content", "due_at", "completed", "created_at", "updated_at"])?;
    }
    #[test] fn task_cone_to_sell(r in conecrm().arb::<conecrm_api::types::Task>("Task")) {
        through("task", &r, &cone_task(), &sell_task(), &["content", "due_at", "completed", "created_at", "updated_at"])?;
    }
}
