//! Fields that carry JSON inside a string.
//!
//! Several ConeCRM fields are strings whose content is itself JSON: a saved
//! filter's `value`, a custom field's `options` (e.g. `"{\"min\": 1, \"max\": 10}"`)
//! and a third-party id's `metadata` (e.g. `"{\"source\": \"web_form\"}"`).
//! The generated types keep them as the server sends them (`Option<String>`),
//! so a record round-trips byte for byte; these methods decode them on demand.
//!
//! ```
//! use conecrm_api::types::CustomField;
//!
//! let field: CustomField = serde_json::from_str(
//!     r#"{"entity": "lead", "fieldName": "score", "fieldType": "number", "options": "{\"min\": 1, \"max\": 10}"}"#,
//! )?;
//! let options = field.options_json()?.unwrap_or_default();
//! assert_eq!(options["max"], 10);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::types::{
    BaseCustomerThirdPartyId, ConnectionThirdPartyId, ContactThirdPartyId, CustomField,
    ProductThirdPartyId, SavedFilter, ThirdPartyId, UserThirdPartyId,
};

/// A field that should carry JSON inside a string does not (or a value
/// cannot be written as JSON).
#[derive(Debug, thiserror::Error)]
#[error("`{field}` does not hold the expected JSON: {source}")]
pub struct EmbeddedJsonError {
    /// The field, as named on the wire (e.g. `options`).
    pub field: &'static str,
    /// What serde_json found.
    #[source]
    pub source: serde_json::Error,
}

/// Decodes the JSON inside `text`, if present, as `T`.
///
/// # Errors
/// [`EmbeddedJsonError`] naming `field` if the text is not JSON of type `T`.
pub fn decode<T: DeserializeOwned>(
    field: &'static str,
    text: Option<&str>,
) -> Result<Option<T>, EmbeddedJsonError> {
    text.map(|text| {
        serde_json::from_str(text).map_err(|source| EmbeddedJsonError { field, source })
    })
    .transpose()
}

/// Encodes `value` as the JSON text such a field carries.
///
/// # Errors
/// [`EmbeddedJsonError`] naming `field` if `value` cannot be written as JSON
/// (e.g. a map with non-string keys).
pub fn encode<T: Serialize + ?Sized>(
    field: &'static str,
    value: &T,
) -> Result<String, EmbeddedJsonError> {
    serde_json::to_string(value).map_err(|source| EmbeddedJsonError { field, source })
}

impl SavedFilter {
    /// The filter configuration (`value`), decoded as `T`: for example a
    /// [`QueryBuilderQuery`](crate::types::QueryBuilderQuery) read back into a
    /// [`Filter`](crate::query::Filter), or a [`serde_json::Value`].
    ///
    /// # Errors
    /// [`EmbeddedJsonError`] if `value` is not JSON of type `T`.
    pub fn value_as<T: DeserializeOwned>(&self) -> Result<Option<T>, EmbeddedJsonError> {
        decode("value", self.value.as_deref())
    }
}

impl CustomField {
    /// The field's `options` as JSON (e.g. `{"min": 1, "max": 10}`).
    ///
    /// # Errors
    /// [`EmbeddedJsonError`] if `options` is not JSON.
    pub fn options_json(&self) -> Result<Option<serde_json::Value>, EmbeddedJsonError> {
        decode("options", self.options.as_deref())
    }

    /// The field's `options` decoded as `T`.
    ///
    /// # Errors
    /// [`EmbeddedJsonError`] if `options` is not JSON of type `T`.
    pub fn options_as<T: DeserializeOwned>(&self) -> Result<Option<T>, EmbeddedJsonError> {
        decode("options", self.options.as_deref())
    }
}

macro_rules! metadata {
    ($($record:ident),*) => {$(
        impl $record {
            /// The `metadata` decoded as `T` (e.g. a [`serde_json::Value`]);
            /// `None` when it is absent or `null`.
            ///
            /// # Errors
            /// [`EmbeddedJsonError`] if `metadata` is not JSON of type `T`.
            pub fn metadata_as<T: DeserializeOwned>(&self) -> Result<Option<T>, EmbeddedJsonError> {
                decode("metadata", self.metadata.as_deref())
            }
        }
    )*};
}

metadata!(
    BaseCustomerThirdPartyId,
    ThirdPartyId,
    UserThirdPartyId,
    ContactThirdPartyId,
    ConnectionThirdPartyId,
    ProductThirdPartyId
);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests panic on failure")]

    use super::*;

    #[test]
    fn absent_present_and_broken_json() {
        let mut field: CustomField = serde_json::from_value(serde_json::json!({})).unwrap();
        assert_eq!(field.options_json().unwrap(), None);
        field.options = Some(encode("options", &serde_json::json!({"min": 1})).unwrap());
        assert_eq!(
            field.options_json().unwrap(),
            Some(serde_json::json!({"min": 1}))
        );
        field.options = Some("{min: 1".to_owned());
        let err = field.options_json().unwrap_err();
        assert_eq!(err.field, "options");
        assert!(
            err.to_string()
                .starts_with("`options` does not hold the expected JSON")
        );
    }
}
