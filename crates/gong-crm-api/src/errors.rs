//! How Gong's error body reads in messages.

use crm_client_runtime::ErrorBody;

use crate::types::ErrorResponse;

impl ErrorBody for ErrorResponse {
    fn message(&self) -> Option<String> {
        (!self.errors.is_empty()).then(|| self.errors.join("; "))
    }

    fn request_id(&self) -> Option<String> {
        self.request_id.clone()
    }
}
