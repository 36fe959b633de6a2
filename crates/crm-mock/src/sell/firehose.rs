//! The Firehose: each resource's append-only event log, read page by page
//! from an opaque position.
//!
//! Event `k` of a stream (1-based) has `sequence` `k`; a position names the
//! last event read. Positions are `p` and 16 hex digits (the sequence mixed
//! with a per-seed mask), opaque to clients as Sell's are.

use std::collections::HashMap;

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::{Call, Event, Resource};
use crate::http;
use crate::rng;

fn mask(seed: u64, resource: Resource) -> u64 {
    rng::mix(seed ^ 0xF1E4_05E0, resource as u64)
}

fn encode(seed: u64, resource: Resource, sequence: u64) -> String {
    format!("p{:016x}", sequence ^ mask(seed, resource))
}

fn decode(seed: u64, resource: Resource, position: &str) -> Option<u64> {
    let hex = position.strip_prefix('p').filter(|h| h.len() == 16)?;
    u64::from_str_radix(hex, 16)
        .ok()
        .map(|x| x ^ mask(seed, resource))
}

/// Answers one Firehose page.
pub(super) fn page(call: &Call, resource: Resource) -> Response {
    let bad = |m: &str| call.error(StatusCode::BAD_REQUEST, "invalid_param", m);
    let limit = match call.params.get("limit").map(str::parse::<u64>) {
        None => 25,
        Some(Ok(n)) if (1..=100).contains(&n) => n,
        Some(_) => return bad("limit must be between 1 and 100."),
    };
    let Some(position) = call.params.get("position") else {
        return bad("position is required (tail, top or a position returned earlier).");
    };
    let seed = call.state.seed;
    let (events, newest, defs) = {
        let mut inner = call.state.lock();
        let log = &inner.events[resource.index()];
        let newest = log.len() as u64;
        let after = match position {
            "tail" => 0,
            "top" => newest,
            other => match decode(seed, resource, other) {
                Some(at) if at <= newest => at,
                _ => {
                    drop(inner);
                    return bad("position is not a position of this stream.");
                }
            },
        };
        let start = usize::try_from(after).unwrap_or(usize::MAX);
        let end = start
            .saturating_add(usize::try_from(limit).unwrap_or(usize::MAX))
            .min(log.len());
        let events: Vec<(u64, Event)> = log[start.min(end)..end]
            .iter()
            .enumerate()
            .map(|(i, e)| (after + i as u64 + 1, e.clone()))
            .collect();
        let defs = if matches!(
            resource,
            Resource::Contact | Resource::Deal | Resource::Lead
        ) {
            definitions(&mut inner, resource)
        } else {
            HashMap::new()
        };
        (events, newest, defs)
    };
    let last = events.last().map_or_else(
        || match position {
            "tail" => 0,
            "top" => newest,
            other => decode(seed, resource, other).unwrap_or(newest),
        },
        |(sequence, _)| *sequence,
    );
    let items: Vec<Value> = events
        .iter()
        .map(|(sequence, event)| {
            let record = serde_json::from_str::<Value>(&event.record).unwrap_or(Value::Null);
            let id = record.get("id").and_then(Value::as_i64).unwrap_or(0);
            let time = chrono::DateTime::from_timestamp(event.time, 0).map(http::rfc3339);
            json!({
                "data": firehose_form(resource, record, &defs),
                "meta": {
                    "type": resource.singular(),
                    "sequence": sequence,
                    "event_type": event.kind.as_str(),
                    "event_time": time,
                    "event_id": format!("{}-{id}-{sequence}", resource.singular()),
                    "event_cause": "interaction",
                },
            })
        })
        .collect();
    let position = encode(seed, resource, last);
    let next = format!(
        "{}/v3/{}/stream?position={position}&limit={limit}",
        call.state.base_url,
        resource.plural()
    );
    http::json(
        StatusCode::OK,
        &json!({
            "items": items,
            "meta": {"position": position, "top": last >= newest, "links": {"next": next}},
        }),
    )
}

/// Custom field definitions by name (`id`, `type`) for `resource`'s records.
fn definitions(inner: &mut super::Inner, resource: Resource) -> HashMap<String, (i64, String)> {
    let kinds: &[&str] = match resource {
        Resource::Contact => &["contact", "prospect_and_customer"],
        Resource::Deal => &["deal"],
        _ => &["lead"],
    };
    inner
        .table(Resource::CustomField)
        .iter()
        .filter_map(|(_, text)| serde_json::from_str::<Value>(text).ok())
        .filter(|def| {
            def.get("resource_type")
                .and_then(Value::as_str)
                .is_some_and(|k| kinds.contains(&k))
        })
        .filter_map(|def| {
            let name = def.get("name")?.as_str()?.to_owned();
            let id = def.get("id")?.as_i64()?;
            let kind = def.get("type")?.as_str()?.to_owned();
            Some((name, (id, kind)))
        })
        .collect()
}

/// A Core API record in the Firehose form: `custom_fields` becomes
/// `custom_field_values`, a deal's `value` a decimal string.
fn firehose_form(
    resource: Resource,
    record: Value,
    defs: &HashMap<String, (i64, String)>,
) -> Value {
    let Value::Object(mut record) = record else {
        return record;
    };
    if let Some(fields) = record.remove("custom_fields") {
        let values: Vec<Value> = match fields {
            Value::Object(fields) => fields
                .into_iter()
                .map(|(name, value)| {
                    let (id, kind) = defs
                        .get(&name)
                        .map_or((Value::Null, "string".to_owned()), |(id, kind)| {
                            (json!(id), kind.clone())
                        });
                    json!({"id": id, "name": name, "type": kind, "value": value})
                })
                .collect(),
            _ => Vec::new(),
        };
        record.insert("custom_field_values".into(), Value::Array(values));
    }
    if resource == Resource::Deal {
        let text = match record.get("value") {
            Some(Value::Number(n)) => n.as_f64().map(|v| format!("{v:.2}")),
            _ => None,
        };
        if let Some(text) = text {
            record.insert("value".into(), Value::String(text));
        }
        record.remove("associated_contacts");
    }
    Value::Object(Map::from_iter(record))
}
