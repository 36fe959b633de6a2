//! What the loopback and seed-example tests share: the seed's examples and
//! the one normalisation applied before comparing JSON.

#![allow(dead_code, reason = "each test file uses part of it")]

use serde_json::{Map, Value};

/// Every request and response example of the seed
/// (`tests/fixtures/seed_examples.json`), keyed
/// `"<operationId> <status|request>"`.
pub fn examples() -> Map<String, Value> {
    serde_json::from_str(include_str!("../fixtures/seed_examples.json"))
        .expect("the fixture is a JSON object")
}

/// One seed example by its key.
pub fn seed(name: &str) -> Value {
    examples()
        .remove(name)
        .unwrap_or_else(|| panic!("no seed example `{name}`"))
}

/// Drops `null` members and empty-array members of every object,
/// recursively: the generated types send neither an unset optional field nor
/// an empty list, so a seed example with `"accounts": []` goes out without
/// that member (`tests/seed_examples.rs` checks that nothing else changes).
pub fn normalize(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| !v.is_null() && v.as_array().is_none_or(|a| !a.is_empty()))
                .map(|(k, v)| (k.clone(), normalize(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(normalize).collect()),
        other => other.clone(),
    }
}
