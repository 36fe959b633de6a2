//! Helpers the system mappings share.
#![cfg_attr(
    not(all(feature = "gong", feature = "conecrm", feature = "zendesk-sell")),
    allow(dead_code, reason = "each helper serves some of the systems")
)]

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::loss::{LossReason, LossReport};
use crate::model::{EntityKind, Meta, Ref};
use crate::system::{Identities, System};
use crate::values::{Email, Phone, PhoneKind};

/// Keeps `value` in `system`'s extras under `key` when it is `Some`.
pub(crate) fn keep<T: Serialize>(meta: &mut Meta, system: System, key: &str, value: &Option<T>) {
    if let Some(json) = value.as_ref().and_then(|v| serde_json::to_value(v).ok()) {
        meta.keep(system, key, json);
    }
}

/// Reads (and removes from the working copy) `key` of a system's extras.
pub(crate) fn take<T: DeserializeOwned>(extras: &mut Map<String, Value>, key: &str) -> Option<T> {
    let value = extras.remove(key)?;
    serde_json::from_value(value).ok()
}

/// The working copy of `system`'s extras.
pub(crate) fn extras_of(meta: &Meta, system: System) -> Map<String, Value> {
    meta.extras.get(&system).cloned().unwrap_or_default()
}

/// Reports every extra kept for systems other than `target`.
pub(crate) fn report_other_extras(
    meta: &Meta,
    target: System,
    entity: &str,
    losses: &mut LossReport,
) {
    for (system, fields) in &meta.extras {
        if *system == target {
            continue;
        }
        for (key, value) in fields {
            losses.push(
                format!("{entity}.extras.{system}.{key}"),
                LossReason::OtherSystem,
                value,
            );
        }
    }
}

/// Reports the record's ids in other systems that a `target` record cannot
/// carry: a Gong or Sell record holds one id, from which only the id it was
/// derived from (or derives) can be recovered.
pub(crate) fn report_ids(meta: &Meta, target: System, entity: &str, losses: &mut LossReport) {
    let target_id = derived_id(&meta.ids, target);
    for id in meta.ids.iter().filter(|i| i.system != target) {
        let recoverable = target_id.as_deref().is_some_and(|t| {
            t == format!("{}{}", prefix(id.system), id.id)
                || id.id == format!("{}{t}", prefix(target))
        });
        if !recoverable {
            losses.push(
                format!("{entity}.ids.{}", id.system),
                LossReason::OtherSystem,
                &id.id,
            );
        }
    }
}

/// The id a record (or reference) has, or gets, in `target`.
///
/// Its own id there if it has one. Otherwise one derived deterministically
/// from its id in another system, so the same source record always maps to
/// the same target id and references between converted records line up:
/// the source id with the source system's prefix (`zs-` Zendesk Sell, `cc-`
/// ConeCRM, `gong-` Gong) — never the bare id of another system. Derivation
/// reverses: an id that carries the target's own prefix (`zs-123` seen from
/// Sell) is the target's id (`123`).
pub fn derived_id(ids: &Identities, target: System) -> Option<String> {
    if let Some(own) = ids.get(target) {
        return Some(own.to_owned());
    }
    let others = [System::ZendeskSell, System::Conecrm, System::Gong]
        .into_iter()
        .filter(|s| *s != target);
    // An id derived earlier from the target's own id: undo the derivation.
    for other in others.clone() {
        if let Some(own) = ids
            .get(other)
            .and_then(|id| id.strip_prefix(prefix(target)))
        {
            return Some(own.to_owned());
        }
    }
    others
        .clone()
        .find_map(|s| ids.get(s).map(|id| format!("{}{id}", prefix(s))))
}

/// The prefix of ids derived from `system`'s ids.
pub fn prefix(system: System) -> &'static str {
    match system {
        System::ZendeskSell => "zs-",
        System::Conecrm => "cc-",
        System::Gong => "gong-",
    }
}

/// A reference to a `kind` record with id `id` in `system`, if `id` is set.
pub(crate) fn reference(kind: EntityKind, system: System, id: &Option<String>) -> Option<Ref> {
    id.as_ref().map(|id| Ref::new(kind, system, id.clone()))
}

/// The reference's id in `target` (its own, or a derived one).
pub(crate) fn ref_id(reference: &Option<Ref>, target: System) -> Option<String> {
    reference.as_ref().and_then(|r| derived_id(&r.ids, target))
}

/// One optional email into a list.
pub(crate) fn emails(value: &Option<String>) -> Vec<Email> {
    value.iter().map(Email::new).collect()
}

/// One optional phone of `kind` into a list.
pub(crate) fn phones(value: &Option<String>, kind: PhoneKind) -> Vec<Phone> {
    value.iter().map(|n| Phone::new(n.clone(), kind)).collect()
}

/// The first email, reporting the others as lost.
pub(crate) fn first_email(emails: &[Email], path: &str, losses: &mut LossReport) -> Option<String> {
    for (i, extra) in emails.iter().enumerate().skip(1) {
        losses.push(format!("{path}[{i}]"), LossReason::TooMany, extra);
    }
    emails.first().map(|e| e.as_str().to_owned())
}

/// The first phone, reporting the others (and a lost extension) as lost.
pub(crate) fn first_phone(phones: &[Phone], path: &str, losses: &mut LossReport) -> Option<String> {
    for (i, extra) in phones.iter().enumerate().skip(1) {
        losses.push(format!("{path}[{i}]"), LossReason::TooMany, extra);
    }
    let first = phones.first()?;
    if first.kind != PhoneKind::Work {
        losses.push(format!("{path}[0].kind"), LossReason::Precision, first.kind);
    }
    if let Some(ext) = &first.extension {
        losses.push(format!("{path}[0].extension"), LossReason::NoField, ext);
    }
    Some(first.number.clone())
}

/// Reports a list field the target has no place for.
pub(crate) fn lost_list<T: Serialize>(items: &[T], path: &str, losses: &mut LossReport) {
    losses.lost_items(path, LossReason::NoField, items);
}

/// Reports a deleted flag the target has no field for (`<entity>.deleted`).
/// Sell records have none (a deletion is a Firehose event), nor have
/// ConeCRM's accounts, contacts and stages.
pub(crate) fn lost_deleted(meta: &Meta, entity: &str, losses: &mut LossReport) {
    if meta.deleted {
        losses.push(format!("{entity}.deleted"), LossReason::NoField, true);
    }
}

/// Reports an optional field the target has no place for.
pub(crate) fn lost<T: Serialize>(value: &Option<T>, path: &'static str, losses: &mut LossReport) {
    losses.lost_if_some(path, LossReason::NoField, value);
}
