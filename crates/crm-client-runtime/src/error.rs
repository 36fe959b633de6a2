//! One error type for a client call, keeping what the server said.
//!
//! [`ApiError`] is what the raw crates' typed calls return: the operation's
//! name, the HTTP status with the system's parsed error body (and the raw
//! bytes), transport failures, and decode errors that name the JSON path
//! where the answer stopped matching its type (via `serde_path_to_error`).
//! It is built from progenitor's `Error` by [`ApiError::from_progenitor`],
//! which also reads the body of an undocumented answer instead of losing it.

use std::fmt;

use bytes::Bytes;
use progenitor_client::ResponseValue;
use reqwest::StatusCode;
use serde::de::DeserializeOwned;

/// What an error body says, for messages. Each raw crate implements it for
/// its system's error type.
pub trait ErrorBody {
    /// The server's message(s), joined, if any.
    fn message(&self) -> Option<String>;
    /// The server's request reference (Gong `requestId`, Sell `logref`), if any.
    fn request_id(&self) -> Option<String> {
        None
    }
}

impl ErrorBody for () {
    fn message(&self) -> Option<String> {
        None
    }
}

impl ErrorBody for serde_json::Value {
    fn message(&self) -> Option<String> {
        match self {
            serde_json::Value::Null => None,
            serde_json::Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        }
    }
}

/// A failed call. `E` is the system's error body type.
#[non_exhaustive]
pub enum ApiError<E> {
    /// No usable answer: connection refused or reset, timeout, a truncated
    /// or unreadable body.
    Transport {
        /// The operation's id.
        operation: &'static str,
        /// The underlying error (never contains credentials).
        source: reqwest::Error,
    },
    /// The server answered with an error status.
    Status {
        /// The operation's id.
        operation: &'static str,
        /// The status.
        status: StatusCode,
        /// The body parsed as the system's error type, if it parses.
        body: Option<Box<E>>,
        /// The body's bytes (empty when only the parsed body is known).
        raw: Bytes,
    },
    /// The answer did not match the expected type.
    Decode {
        /// The operation's id.
        operation: &'static str,
        /// Where in the JSON the answer stopped matching (e.g. `items[3].data.value`).
        path: String,
        /// The body's bytes.
        body: Bytes,
        /// The decode error.
        source: serde_json::Error,
    },
    /// The request could not be built (e.g. a parameter failed validation).
    InvalidRequest {
        /// The operation's id.
        operation: &'static str,
        /// What is wrong.
        message: String,
    },
}

impl<E> ApiError<E> {
    /// The operation's id.
    pub fn operation(&self) -> &'static str {
        match self {
            ApiError::Transport { operation, .. }
            | ApiError::Status { operation, .. }
            | ApiError::Decode { operation, .. }
            | ApiError::InvalidRequest { operation, .. } => operation,
        }
    }

    /// The HTTP status, when the server answered with an error.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            ApiError::Status { status, .. } => Some(*status),
            ApiError::Transport { source, .. } => source.status(),
            _ => None,
        }
    }

    /// The parsed error body, when there is one.
    pub fn body(&self) -> Option<&E> {
        match self {
            ApiError::Status { body, .. } => body.as_deref(),
            _ => None,
        }
    }
}

impl<E: ErrorBody> fmt::Display for ApiError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Transport { operation, source } => {
                write!(
                    f,
                    "{operation}: no usable answer: {}",
                    transport_reason(source)
                )
            }
            ApiError::Status {
                operation,
                status,
                body,
                raw,
            } => {
                write!(f, "{operation}: HTTP {status}")?;
                let message = body.as_ref().and_then(|b| b.message()).or_else(|| {
                    (!raw.is_empty())
                        .then(|| String::from_utf8_lossy(&raw[..raw.len().min(200)]).into_owned())
                });
                if let Some(message) = message {
                    write!(f, ": {message}")?;
                }
                if let Some(id) = body.as_ref().and_then(|b| b.request_id()) {
                    write!(f, " (request {id})")?;
                }
                Ok(())
            }
            ApiError::Decode {
                operation, path, ..
            } => {
                write!(f, "{operation}: unexpected response shape at `{path}`")
            }
            ApiError::InvalidRequest { operation, message } => {
                write!(f, "{operation}: invalid request: {message}")
            }
        }
    }
}

fn transport_reason(error: &reqwest::Error) -> &'static str {
    if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "cannot connect"
    } else if error.is_body() || error.is_decode() {
        "the response body broke off or could not be read"
    } else if error.is_redirect() {
        "too many or unsafe redirects"
    } else {
        "request failed"
    }
}

impl<E: fmt::Debug> fmt::Debug for ApiError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Transport { operation, source } => f
                .debug_struct("Transport")
                .field("operation", operation)
                .field("source", source)
                .finish(),
            ApiError::Status {
                operation,
                status,
                body,
                raw,
            } => f
                .debug_struct("Status")
                .field("operation", operation)
                .field("status", status)
                .field("body", body)
                .field("raw_len", &raw.len())
                .finish(),
            ApiError::Decode {
                operation,
                path,
                body,
                source,
            } => f
                .debug_struct("Decode")
                .field("operation", operation)
                .field("path", path)
                .field("body_len", &body.len())
                .field("source", source)
                .finish(),
            ApiError::InvalidRequest { operation, message } => f
                .debug_struct("InvalidRequest")
                .field("operation", operation)
                .field("message", message)
                .finish(),
        }
    }
}

impl<E: ErrorBody + fmt::Debug> std::error::Error for ApiError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ApiError::Transport { source, .. } => Some(source),
            ApiError::Decode { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl<E: DeserializeOwned> ApiError<E> {
    /// Converts progenitor's error for `operation`, whose success type is `T`.
    ///
    /// - an undocumented answer's body is read and parsed as `E` (kept raw too);
    /// - an undecodable answer is decoded again to name the JSON path;
    /// - a body that broke off is a transport error.
    pub async fn from_progenitor<T: DeserializeOwned>(
        operation: &'static str,
        error: progenitor_client::Error<E>,
    ) -> Self {
        use progenitor_client::Error as P;
        match error {
            P::InvalidRequest(message) | P::Custom(message) => {
                ApiError::InvalidRequest { operation, message }
            }
            P::CommunicationError(source)
            | P::InvalidUpgrade(source)
            | P::ResponseBodyError(source) => ApiError::Transport { operation, source },
            P::ErrorResponse(value) => ApiError::Status {
                operation,
                status: value.status(),
                body: Some(Box::new(value.into_inner())),
                raw: Bytes::new(),
            },
            P::InvalidResponsePayload(body, source) => {
                let path = json_path::<T>(&body)
                    .or_else(|| json_path::<E>(&body))
                    .unwrap_or_default();
                ApiError::Decode {
                    operation,
                    path,
                    body,
                    source,
                }
            }
            P::UnexpectedResponse(response) => {
                let status = response.status();
                match response.bytes().await {
                    Ok(raw) => ApiError::Status {
                        operation,
                        status,
                        body: serde_json::from_slice::<E>(&raw).ok().map(Box::new),
                        raw,
                    },
                    Err(source) => ApiError::Transport { operation, source },
                }
            }
        }
    }
}

/// The JSON path at which `body` fails to decode as `T` (`.` for the root),
/// or `None` if it decodes.
pub fn json_path<T: DeserializeOwned>(body: &[u8]) -> Option<String> {
    let mut de = serde_json::Deserializer::from_slice(body);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(_) => None,
        Err(e) => Some(e.path().to_string()),
    }
}

/// Turns a generated call's result into the value or an [`ApiError`].
///
/// ```no_run
/// # async fn f(send: impl std::future::Future<Output = Result<
/// #     progenitor_client::ResponseValue<Vec<String>>, progenitor_client::Error<serde_json::Value>>>)
/// # -> Result<(), crm_client_runtime::ApiError<serde_json::Value>> {
/// let ids: Vec<String> = crm_client_runtime::error::typed("list_ids", send.await).await?;
/// # Ok(()) }
/// ```
pub async fn typed<T: DeserializeOwned, E: DeserializeOwned>(
    operation: &'static str,
    result: Result<ResponseValue<T>, progenitor_client::Error<E>>,
) -> Result<T, ApiError<E>> {
    match result {
        Ok(value) => Ok(value.into_inner()),
        Err(error) => Err(ApiError::from_progenitor::<T>(operation, error).await),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Page {
        items: Vec<Item>,
    }
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Item {
        id: i64,
        value: f64,
    }

    #[test]
    fn json_path_names_the_failing_field() {
        let body = br#"{"items": [{"id": 1, "value": 2.5}, {"id": 2, "value": "x"}]}"#;
        assert_eq!(json_path::<Page>(body).as_deref(), Some("items[1].value"));
        assert_eq!(json_path::<Page>(br#"{"items": []}"#), None);
        assert_eq!(
            json_path::<Page>(b"{\"items\": [").as_deref(),
            Some("items")
        );
    }

    #[test]
    fn display_carries_status_message_and_request_id() {
        struct Body;
        impl ErrorBody for Body {
            fn message(&self) -> Option<String> {
                Some("name is required".into())
            }
            fn request_id(&self) -> Option<String> {
                Some("req-1".into())
            }
        }
        let e: ApiError<Body> = ApiError::Status {
            operation: "create_contact",
            status: StatusCode::UNPROCESSABLE_ENTITY,
            body: Some(Box::new(Body)),
            raw: Bytes::new(),
        };
        assert_eq!(
            e.to_string(),
            "create_contact: HTTP 422 Unprocessable Entity: name is required (request req-1)"
        );
        let e: ApiError<()> = ApiError::Status {
            operation: "op",
            status: StatusCode::BAD_GATEWAY,
            body: None,
            raw: Bytes::from_static(b"<html>bad gateway</html>"),
        };
        assert_eq!(
            e.to_string(),
            "op: HTTP 502 Bad Gateway: <html>bad gateway</html>"
        );
    }
}
