//! How Sell's error envelope reads in messages.

use crm_client_runtime::ErrorBody;

use crate::types::ErrorResponse;

impl ErrorResponse {
    /// A one-line summary of the errors Sell reported, e.g.
    /// `blank: can't be blank (/data/last_name)`; several errors are joined
    /// with `; `.
    pub fn summary(&self) -> String {
        let parts: Vec<String> = self
            .errors
            .iter()
            .map(|item| {
                let error = &item.error;
                let mut line = error.code.to_string();
                if let Some(message) = error.message.as_deref().filter(|m| !m.is_empty()) {
                    line.push_str(": ");
                    line.push_str(message);
                }
                if let Some(field) = error.field.as_deref().filter(|f| !f.is_empty()) {
                    line.push_str(" (");
                    line.push_str(field);
                    line.push(')');
                }
                line
            })
            .collect();
        if parts.is_empty() {
            "no error details".to_owned()
        } else {
            parts.join("; ")
        }
    }
}

/// Lets [`ApiError<ErrorResponse>`](crate::ApiError) print Sell's errors and
/// its `logref` (the `X-Request-Id` of the failed request).
impl ErrorBody for ErrorResponse {
    fn message(&self) -> Option<String> {
        (!self.errors.is_empty()).then(|| self.summary())
    }

    fn request_id(&self) -> Option<String> {
        self.meta.as_ref().and_then(|meta| meta.logref.clone())
    }
}
