//! How ConeCRM's error body reads in messages.

use crm_client_runtime::ErrorBody;

use crate::types::{ErrorResponse, ErrorResponseBody};

impl ErrorBody for ErrorResponse {
    /// The server's message: a bare string as is; for an object, `error`
    /// and/or `message`, then the validation `errors` (an object keyed by
    /// form field, or a list of messages).
    fn message(&self) -> Option<String> {
        match self {
            ErrorResponse::Message(text) => (!text.is_empty()).then(|| text.clone()),
            ErrorResponse::Body(body) => body_message(body),
        }
    }
}

fn body_message(body: &ErrorResponseBody) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    parts.extend(body.error.iter().cloned());
    parts.extend(body.message.iter().cloned());
    match &body.errors {
        None | Some(serde_json::Value::Null) => {}
        Some(serde_json::Value::String(text)) => parts.push(text.clone()),
        Some(serde_json::Value::Array(items)) => parts.extend(items.iter().map(text_of)),
        Some(serde_json::Value::Object(fields)) => parts.extend(
            fields
                .iter()
                .map(|(field, error)| format!("{field}: {}", text_of(error))),
        ),
        Some(other) => parts.push(other.to_string()),
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// A JSON value as text: strings without quotes, lists joined.
fn text_of(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(text) => text.clone(),
        serde_json::Value::Array(items) => items.iter().map(text_of).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests panic on failure")]

    use super::*;

    fn message(json: serde_json::Value) -> Option<String> {
        serde_json::from_value::<ErrorResponse>(json)
            .unwrap()
            .message()
    }

    #[test]
    fn every_seed_error_shape_has_a_message() {
        use serde_json::json;
        assert_eq!(
            message(json!("title This value should not be blank.")).as_deref(),
            Some("title This value should not be blank.")
        );
        assert_eq!(
            message(json!({"error": "value is required"})).as_deref(),
            Some("value is required")
        );
        assert_eq!(
            message(json!({"errors": ["Role name is required", "At least one permission must be selected"], "message": "Validation failed"}))
                .as_deref(),
            Some("Validation failed; Role name is required; At least one permission must be selected")
        );
        assert_eq!(
            message(json!({"message": "Invalid data", "errors": {"subject": ["This value should not be blank."]}}))
                .as_deref(),
            Some("Invalid data; subject: This value should not be blank.")
        );
        assert_eq!(message(json!({})), None);
    }
}
