//! proptest strategies read off the OpenAPI specs: for a component schema,
//! arbitrary JSON that the schema allows (every property optional unless
//! required, nulls where nullable, unknown extra fields where the schema
//! keeps them, unknown values of open enums, unicode and empty strings,
//! extreme numbers), deserialized into the generated Rust type. One
//! generator serves every record type of every spec, and follows the spec
//! when it changes.

use std::path::Path;
use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::strategy::BoxedStrategy;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::{float, json, text};

#[derive(Default)]
struct Flat {
    properties: Map<String, Value>,
    required: Vec<Value>,
    extra: bool,
    only: Option<Value>,
}

/// A spec's `components.schemas`, parsed once.
pub struct Spec {
    schemas: Map<String, Value>,
}

fn load(file: &str) -> Spec {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../specs")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let doc: Value = serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
    let schemas = doc["components"]["schemas"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    Spec { schemas }
}

/// The Zendesk Sell spec.
pub fn sell() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| load("zendesk-sell.yaml"))
}

/// The ConeCRM spec.
pub fn conecrm() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| load("conecrm.yaml"))
}

impl Spec {
    fn resolve<'a>(&'a self, schema: &'a Value) -> &'a Value {
        match schema.get("$ref").and_then(Value::as_str) {
            Some(r) => self
                .schemas
                .get(r.rsplit('/').next().unwrap_or(r))
                .unwrap_or(schema),
            None => schema,
        }
    }

    /// Arbitrary values of `T` built from the component schema `name`.
    pub fn arb<T: DeserializeOwned + std::fmt::Debug + 'static>(
        &'static self,
        name: &str,
    ) -> BoxedStrategy<T> {
        let schema = self
            .schemas
            .get(name)
            .unwrap_or_else(|| panic!("no schema {name}"));
        let name = name.to_owned();
        self.value(schema, 0)
            .prop_filter_map("deserializes into the generated type", move |v| {
                match serde_json::from_value::<T>(v.clone()) {
                    Ok(t) => Some(t),
                    Err(e) => {
                        // A generator/spec mismatch is a bug in the test: say so loudly.
                        panic!("{name}: generated JSON does not deserialize: {e}\n{v:#}")
                    }
                }
            })
            .boxed()
    }

    /// Arbitrary JSON allowed by `schema`, nested objects up to `depth` 3.
    pub fn value(&'static self, schema: &Value, depth: u32) -> BoxedStrategy<Value> {
        let schema = self.resolve(schema);
        let nullable = schema
            .get("nullable")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let inner = self.non_null(schema, depth);
        if nullable {
            prop_oneof![1 => Just(Value::Null), 4 => inner].boxed()
        } else {
            inner
        }
    }

    fn non_null(&'static self, schema: &Value, depth: u32) -> BoxedStrategy<Value> {
        if let Some(arms) = schema.get("oneOf").and_then(Value::as_array) {
            let arms: Vec<BoxedStrategy<Value>> =
                arms.iter().map(|a| self.value(a, depth)).collect();
            return proptest::strategy::Union::new(arms).boxed();
        }
        if schema.get("allOf").is_some() {
            // The union of the parts' properties (parts nest): one object.
            let mut flat = Flat::default();
            self.flatten(schema, &mut flat);
            if flat.properties.is_empty()
                && let Some(single) = flat.only
            {
                return self.non_null(&single, depth);
            }
            let mut merged = Map::new();
            merged.insert("type".into(), "object".into());
            merged.insert("properties".into(), Value::Object(flat.properties));
            merged.insert("required".into(), Value::Array(flat.required));
            if flat.extra {
                merged.insert("additionalProperties".into(), Value::Object(Map::new()));
            }
            return self.object(&Value::Object(merged), depth);
        }
        if let Some(values) = schema.get("enum").and_then(Value::as_array) {
            let values = values.clone();
            return (0..values.len())
                .prop_map(move |i| values[i].clone())
                .boxed();
        }
        if let Some(excluded) = schema.pointer("/not/enum").and_then(Value::as_array) {
            let excluded = excluded.clone();
            return "[a-z_]{1,10}"
                .prop_map(|s| format!("new_{s}"))
                .prop_filter("not a known value", move |s| {
                    !excluded.contains(&Value::String(s.clone()))
                })
                .prop_map(Value::String)
                .boxed();
        }
        match schema.get("type").and_then(Value::as_str) {
            Some("string") => match schema.get("format").and_then(Value::as_str) {
                Some("date-time") => super::timestamp()
                    .prop_map(|t| {
                        Value::String(t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
                    })
                    .boxed(),
                Some("date") => super::date()
                    .prop_map(|d| Value::String(d.to_string()))
                    .boxed(),
                Some("uuid") => any::<u128>()
                    .prop_map(|n| Value::String(uuid::Uuid::from_u128(n).to_string()))
                    .boxed(),
                _ => text().prop_map(Value::String).boxed(),
            },
            Some("integer") => match schema.get("format").and_then(Value::as_str) {
                Some("int32") => any::<i32>().prop_map(Value::from).boxed(),
                _ => prop_oneof![
                    any::<i64>(),
                    Just(0i64),
                    Just(i64::MAX),
                    Just(i64::MIN),
                    1i64..1_000_000
                ]
                .prop_map(Value::from)
                .boxed(),
            },
            Some("number") => float().prop_map(Value::from).boxed(),
            Some("boolean") => any::<bool>().prop_map(Value::Bool).boxed(),
            Some("array") => {
                let items = schema
                    .get("items")
                    .cloned()
                    .unwrap_or(Value::Object(Map::new()));
                if depth >= 3 {
                    return Just(Value::Array(Vec::new())).boxed();
                }
                prop::collection::vec(self.value(&items, depth + 1), 0..3)
                    .prop_map(Value::Array)
                    .boxed()
            }
            Some("object") => self.object(schema, depth),
            _ => json().boxed(),
        }
    }

    /// Collects the properties of an `allOf` tree.
    fn flatten(&self, schema: &Value, flat: &mut Flat) {
        let schema = self.resolve(schema);
        if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
            for part in parts {
                self.flatten(part, flat);
            }
        }
        if let Some(p) = schema.get("properties").and_then(Value::as_object) {
            flat.properties.extend(p.clone());
        }
        if let Some(r) = schema.get("required").and_then(Value::as_array) {
            flat.required.extend(r.clone());
        }
        if schema
            .get("additionalProperties")
            .is_some_and(|a| a.as_object().is_some_and(Map::is_empty))
        {
            flat.extra = true;
        }
        if schema.get("properties").is_none() && schema.get("allOf").is_none() {
            flat.only = Some(schema.clone());
        }
    }

    fn object(&'static self, schema: &Value, depth: u32) -> BoxedStrategy<Value> {
        let properties = schema
            .get("properties")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let required: Vec<String> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| {
                r.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let keeps_unknown =
            matches!(schema.get("additionalProperties"), Some(Value::Object(m)) if m.is_empty());
        let map_of = match schema.get("additionalProperties") {
            Some(Value::Object(m)) if !m.is_empty() => Some(Value::Object(m.clone())),
            _ => None,
        };
        if properties.is_empty() {
            if let Some(values) = map_of {
                if depth >= 3 {
                    return Just(Value::Object(Map::new())).boxed();
                }
                return prop::collection::btree_map(
                    "[a-z_]{1,8}",
                    self.value(&values, depth + 1),
                    0..3,
                )
                .prop_map(|m| Value::Object(m.into_iter().collect()))
                .boxed();
            }
            return prop::collection::btree_map("[a-z_]{1,8}", json().boxed(), 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect()))
                .boxed();
        }
        let mut fields: Vec<BoxedStrategy<Option<(String, Value)>>> = Vec::new();
        for (key, property) in properties {
            let is_required = required.contains(&key);
            if depth >= 2 && !is_required {
                continue; // keep nesting bounded
            }
            let value = if key == "systemName" {
                // ConeCRM third-party ids: name our systems often.
                prop_oneof![
                    Just(Value::from("gong")),
                    Just(Value::from("zendesk-sell")),
                    Just(Value::from("conecrm")),
                    text().prop_map(Value::String),
                ]
                .boxed()
            } else {
                self.value(&property, depth + 1)
            };
            let k = key.clone();
            let field = if is_required {
                value.prop_map(move |v| Some((k.clone(), v))).boxed()
            } else {
                prop::option::weighted(0.6, value.prop_map(move |v| (k.clone(), v))).boxed()
            };
            fields.push(field);
        }
        let unknown = if keeps_unknown {
            prop::collection::btree_map("zz_[a-z]{1,6}", json(), 0..3).boxed()
        } else {
            Just(std::collections::BTreeMap::new()).boxed()
        };
        (fields, unknown)
            .prop_map(|(fields, unknown)| {
                let mut object: Map<String, Value> = fields.into_iter().flatten().collect();
                object.extend(unknown);
                Value::Object(object)
            })
            .boxed()
    }
}
