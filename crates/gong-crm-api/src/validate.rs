//! Checking records against an integration's entity schema before upload.
//!
//! Gong accepts an upload first and reports bad lines later (at most 20 per
//! file). The bulk upload checks each record before it is written, so a bad
//! record is reported with its input position and never sent:
//! required fields, the types of custom fields (as the schema API defines
//! them), picklist values and percent ranges. Date-times are written without
//! sub-second digits, as Gong requires.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value;

use crate::records::GongRecord;
use crate::types::{FieldType, FieldTypeKnown, SelectedField};

/// The custom fields Gong knows for one object type.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EntitySchema {
    fields: BTreeMap<String, FieldSpec>,
}

/// One custom field's type (and picklist values).
#[derive(Debug, Clone, PartialEq)]
pub struct FieldSpec {
    /// The field type.
    pub field_type: FieldType,
    /// The allowed values of a PICKLIST field.
    pub values: Option<Vec<String>>,
}

impl EntitySchema {
    /// No custom fields known: only the built-in fields are checked.
    pub fn empty() -> Self {
        EntitySchema::default()
    }

    /// The schema from Gong's field list (`GET /v2/crm/entity-schema`);
    /// deleted fields are left out.
    pub fn from_fields(fields: &[SelectedField]) -> Self {
        let fields = fields
            .iter()
            .filter(|f| f.is_deleted != Some(true))
            .filter_map(|f| {
                let name = f.name.clone().or_else(|| f.unique_name.clone())?;
                let field_type = f.type_.clone()?;
                Some((
                    name,
                    FieldSpec {
                        field_type,
                        values: f.ordered_value_list.clone().filter(|v| !v.is_empty()),
                    },
                ))
            })
            .collect();
        EntitySchema { fields }
    }

    /// Adds or replaces a field.
    pub fn with_field(mut self, name: impl Into<String>, spec: FieldSpec) -> Self {
        self.fields.insert(name.into(), spec);
        self
    }

    /// The field named `name`.
    pub fn field(&self, name: &str) -> Option<&FieldSpec> {
        self.fields.get(name)
    }

    /// The number of known fields.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether no field is known.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
}

/// Why a record was refused before upload.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecordProblem {
    /// A mandatory field is missing.
    Missing(&'static str),
    /// The `objectId` breaks Gong's rule.
    ObjectId(String),
    /// A custom field's value does not have its schema type.
    WrongType {
        /// The field.
        field: String,
        /// The schema type.
        expected: String,
        /// What was found (a JSON type name).
        found: &'static str,
    },
    /// A value outside the allowed set or range.
    Invalid {
        /// The field.
        field: String,
        /// Why.
        reason: String,
    },
    /// The record could not be serialized.
    Serialize(String),
}

impl fmt::Display for RecordProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordProblem::Missing(field) => write!(f, "missing mandatory field {field}"),
            RecordProblem::ObjectId(why) => write!(f, "invalid objectId: {why}"),
            RecordProblem::WrongType {
                field,
                expected,
                found,
            } => write!(f, "field `{field}` must be {expected}, found {found}"),
            RecordProblem::Invalid { field, reason } => write!(f, "field `{field}`: {reason}"),
            RecordProblem::Serialize(why) => write!(f, "cannot serialize: {why}"),
        }
    }
}

impl std::error::Error for RecordProblem {}

/// What checking found besides problems.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckNotes {
    /// Custom fields not in the schema (Gong stores them raw but does not
    /// show them), with how many records carried each.
    pub unknown_fields: BTreeMap<String, u64>,
    /// Date-times whose sub-second digits were dropped.
    pub truncated_datetimes: u64,
}

/// The built-in date-time fields of the record types.
const DATETIME_FIELDS: [&str; 3] = ["modifiedDate", "lastModified", "createdDate"];

/// Checks `record` and returns its JSON, normalised for Gong.
pub(crate) fn check<R: GongRecord>(
    record: &R,
    schema: &EntitySchema,
    notes: &mut CheckNotes,
) -> Result<Value, RecordProblem> {
    let id = record.object_id();
    if id.is_empty() || id.chars().count() > 64 {
        return Err(RecordProblem::ObjectId(format!(
            "must be 1 to 64 characters, has {}",
            id.chars().count()
        )));
    }
    if let Some(missing) = record.missing_required() {
        return Err(RecordProblem::Missing(missing));
    }
    let mut value =
        serde_json::to_value(record).map_err(|e| RecordProblem::Serialize(e.to_string()))?;
    let Value::Object(map) = &mut value else {
        return Err(RecordProblem::Serialize("not a JSON object".to_owned()));
    };
    // Notes count only records that pass: a refused record is never sent.
    let mut truncated = 0;
    let mut unknown = Vec::new();
    for name in DATETIME_FIELDS {
        if let Some(Value::String(s)) = map.get_mut(name)
            && truncate_subseconds(s)
        {
            truncated += 1;
        }
    }
    for (name, field_value) in record.custom_fields() {
        match schema.field(name) {
            None => unknown.push(name),
            Some(spec) => {
                check_value(name, spec, field_value)?;
                if let Some(Value::String(s)) = map.get_mut(name)
                    && matches!(spec.field_type, FieldType::Known(FieldTypeKnown::Datetime))
                    && truncate_subseconds(s)
                {
                    truncated += 1;
                }
            }
        }
    }
    notes.truncated_datetimes += truncated;
    for name in unknown {
        *notes.unknown_fields.entry(name.clone()).or_insert(0) += 1;
    }
    Ok(value)
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn check_value(name: &str, spec: &FieldSpec, value: &Value) -> Result<(), RecordProblem> {
    use FieldTypeKnown as K;
    if value.is_null() {
        return Ok(()); // every field may be cleared
    }
    let FieldType::Known(known) = &spec.field_type else {
        return Ok(()); // a type this crate does not know: Gong decides
    };
    let wrong = |expected: &str| RecordProblem::WrongType {
        field: name.to_owned(),
        expected: expected.to_owned(),
        found: json_type(value),
    };
    let invalid = |reason: String| RecordProblem::Invalid {
        field: name.to_owned(),
        reason,
    };
    match known {
        K::Boolean => value
            .as_bool()
            .map(|_| ())
            .ok_or_else(|| wrong("a boolean")),
        K::Number | K::Currency => value.as_f64().map(|_| ()).ok_or_else(|| wrong("a number")),
        K::Percent => {
            let n = value.as_f64().ok_or_else(|| wrong("a number"))?;
            if (0.0..=100.0).contains(&n) {
                Ok(())
            } else {
                Err(invalid(format!(
                    "a PERCENT must be between 0 and 100, got {n}"
                )))
            }
        }
        K::Date => {
            let s = value.as_str().ok_or_else(|| wrong("a date string"))?;
            chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(|_| ())
                .map_err(|_| invalid(format!("{s:?} is not an ISO-8601 date (YYYY-MM-DD)")))
        }
        K::Datetime => {
            let s = value.as_str().ok_or_else(|| wrong("a date-time string"))?;
            chrono::DateTime::parse_from_rfc3339(s)
                .map(|_| ())
                .map_err(|_| invalid(format!("{s:?} is not an ISO-8601 date-time")))
        }
        K::Picklist => {
            let s = value.as_str().ok_or_else(|| wrong("a string"))?;
            match &spec.values {
                Some(values) if !values.iter().any(|v| v == s) => {
                    Err(invalid(format!("{s:?} is not one of the picklist values")))
                }
                _ => Ok(()),
            }
        }
        K::Stringarray => match value.as_array() {
            Some(items) if items.iter().all(Value::is_string) => Ok(()),
            _ => Err(wrong("an array of strings")),
        },
        K::Phonenumber | K::Emailaddress | K::Reference | K::Id | K::String | K::Url => {
            value.as_str().map(|_| ()).ok_or_else(|| wrong("a string"))
        }
    }
}

/// Drops sub-second digits of an RFC 3339 date-time in place
/// (`2024-06-01T10:00:00.123Z` → `2024-06-01T10:00:00Z`). Returns whether
/// anything changed.
fn truncate_subseconds(s: &mut String) -> bool {
    let Some(dot) = s.find('.') else { return false };
    let digits = s[dot + 1..].bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || !s[..dot].contains('T') {
        return false;
    }
    s.replace_range(dot..dot + 1 + digits, "");
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{CrmAccountRecord, CrmBusinessUserRecord, CrmObjectId};

    fn account(extra: Value) -> CrmAccountRecord {
        CrmAccountRecord {
            object_id: "acc-1".parse::<CrmObjectId>().unwrap(),
            modified_date: "2024-06-01T10:00:00.123456Z".parse().unwrap(),
            last_modified: None,
            is_deleted: None,
            url: None,
            name: Some("Acme".into()),
            domains: vec![],
            extra: extra.as_object().cloned().unwrap_or_default(),
        }
    }

    fn schema() -> EntitySchema {
        let spec = |t: FieldTypeKnown| FieldSpec {
            field_type: FieldType::Known(t),
            values: None,
        };
        EntitySchema::empty()
            .with_field("isVip", spec(FieldTypeKnown::Boolean))
            .with_field("share", spec(FieldTypeKnown::Percent))
            .with_field("renewal", spec(FieldTypeKnown::Date))
            .with_field("seen", spec(FieldTypeKnown::Datetime))
            .with_field(
                "tier",
                FieldSpec {
                    field_type: FieldType::Known(FieldTypeKnown::Picklist),
                    values: Some(vec!["Gold".into(), "Silver".into()]),
                },
            )
    }

    #[test]
    fn valid_records_are_normalised_for_gong() {
        let mut notes = CheckNotes::default();
        let record = account(serde_json::json!({
            "isVip": true, "share": 12.5, "renewal": "2025-01-31",
            "seen": "2024-06-01T10:00:00.5+02:00", "tier": "Gold", "note": "kept raw", "cleared": null
        }));
        let value = check(&record, &schema(), &mut notes).unwrap();
        assert_eq!(value["modifiedDate"], "2024-06-01T10:00:00Z");
        assert_eq!(value["seen"], "2024-06-01T10:00:00+02:00");
        assert_eq!(value["note"], "kept raw");
        assert_eq!(notes.truncated_datetimes, 2);
        assert_eq!(
            notes.unknown_fields.keys().collect::<Vec<_>>(),
            ["cleared", "note"]
        );
    }

    #[test]
    fn bad_custom_values_are_named() {
        let cases = [
            (
                serde_json::json!({"isVip": "yes"}),
                "field `isVip` must be a boolean, found a string",
            ),
            (
                serde_json::json!({"share": 120}),
                "field `share`: a PERCENT must be between 0 and 100, got 120",
            ),
            (
                serde_json::json!({"renewal": "31/01/2025"}),
                "field `renewal`: \"31/01/2025\" is not an ISO-8601 date (YYYY-MM-DD)",
            ),
            (
                serde_json::json!({"tier": "Bronze"}),
                "field `tier`: \"Bronze\" is not one of the picklist values",
            ),
        ];
        for (extra, message) in cases {
            let err = check(&account(extra), &schema(), &mut CheckNotes::default()).unwrap_err();
            assert_eq!(err.to_string(), message);
        }
    }

    #[test]
    fn business_users_need_an_email_unless_deleted() {
        let mut user = CrmBusinessUserRecord {
            object_id: "u-1".parse::<CrmObjectId>().unwrap(),
            modified_date: "2024-06-01T10:00:00Z".parse().unwrap(),
            last_modified: None,
            is_deleted: None,
            url: None,
            email_address: None,
            extra: Default::default(),
        };
        let err = check(&user, &EntitySchema::empty(), &mut CheckNotes::default()).unwrap_err();
        assert_eq!(
            err,
            RecordProblem::Missing("emailAddress (mandatory unless isDeleted)")
        );
        user.is_deleted = Some(true);
        assert!(check(&user, &EntitySchema::empty(), &mut CheckNotes::default()).is_ok());
    }

    #[test]
    fn subsecond_truncation() {
        let cases = [
            ("2024-06-01T10:00:00.123Z", "2024-06-01T10:00:00Z", true),
            ("2024-06-01T10:00:00Z", "2024-06-01T10:00:00Z", false),
            (
                "2024-06-01T10:00:00.9-07:00",
                "2024-06-01T10:00:00-07:00",
                true,
            ),
            ("v1.2", "v1.2", false),
        ];
        for (input, output, changed) in cases {
            let mut s = input.to_owned();
            assert_eq!(truncate_subseconds(&mut s), changed, "{input}");
            assert_eq!(s, output);
        }
    }
}
