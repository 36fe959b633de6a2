//! Custom fields: typed values keyed by the field's name in its system.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A custom field's value, typed by its JSON shape. Conversions keep the
/// exact value: a string stays a string (parse dates with
/// [`CustomValue::as_date`] when the field's type says so).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum CustomValue {
    /// `null`: the field is cleared.
    Null,
    /// A boolean.
    Bool(bool),
    /// A number, as JSON holds it.
    Number(serde_json::Number),
    /// A string.
    Text(String),
    /// A list of strings (multi-select, tags).
    List(Vec<String>),
    /// Any other JSON (objects, mixed arrays), verbatim.
    Json(Value),
}

impl CustomValue {
    /// The typed value of a JSON value.
    pub fn from_json(value: Value) -> Self {
        match value {
            Value::Null => CustomValue::Null,
            Value::Bool(b) => CustomValue::Bool(b),
            Value::Number(n) => CustomValue::Number(n),
            Value::String(s) => CustomValue::Text(s),
            Value::Array(items) if items.iter().all(Value::is_string) => CustomValue::List(
                items
                    .into_iter()
                    .filter_map(|v| match v {
                        Value::String(s) => Some(s),
                        _ => None,
                    })
                    .collect(),
            ),
            other => CustomValue::Json(other),
        }
    }

    /// The JSON value.
    pub fn to_json(&self) -> Value {
        match self {
            CustomValue::Null => Value::Null,
            CustomValue::Bool(b) => Value::Bool(*b),
            CustomValue::Number(n) => Value::Number(n.clone()),
            CustomValue::Text(s) => Value::String(s.clone()),
            CustomValue::List(items) => {
                Value::Array(items.iter().cloned().map(Value::String).collect())
            }
            CustomValue::Json(v) => v.clone(),
        }
    }

    /// The value as a date, if it is text in ISO-8601 date form.
    pub fn as_date(&self) -> Option<crate::values::Date> {
        match self {
            CustomValue::Text(s) => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok(),
            _ => None,
        }
    }

    /// The value as a UTC timestamp, if it is RFC 3339 text.
    pub fn as_timestamp(&self) -> Option<crate::values::Timestamp> {
        match self {
            CustomValue::Text(s) => chrono::DateTime::parse_from_rfc3339(s)
                .ok()
                .map(|d| d.with_timezone(&chrono::Utc)),
            _ => None,
        }
    }
}

/// Custom fields by name.
pub type CustomFields = BTreeMap<String, CustomValue>;

/// Reads a JSON object into custom fields.
pub fn custom_fields_from_json(map: serde_json::Map<String, Value>) -> CustomFields {
    map.into_iter()
        .map(|(k, v)| (k, CustomValue::from_json(v)))
        .collect()
}

/// Writes custom fields as a JSON object.
pub fn custom_fields_to_json(fields: &CustomFields) -> serde_json::Map<String, Value> {
    fields
        .iter()
        .map(|(k, v)| (k.clone(), v.to_json()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trips_exactly() {
        let cases = [
            serde_json::json!(null),
            serde_json::json!(true),
            serde_json::json!(12.5),
            serde_json::json!(-3),
            serde_json::json!("2024-01-31"),
            serde_json::json!(["a", "b"]),
            serde_json::json!([]),
            serde_json::json!([1, "x"]),
            serde_json::json!({"nested": {"k": [1]}}),
        ];
        for case in cases {
            assert_eq!(CustomValue::from_json(case.clone()).to_json(), case);
        }
        assert!(CustomValue::Text("2024-01-31".into()).as_date().is_some());
    }
}
