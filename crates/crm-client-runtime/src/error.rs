//! One error type for a client call, keeping what the server said.
//!
//! [`ApiError`] is what every call of the raw crates returns (the generated
//! `send()` and `send_typed()` of each operation builder, via [`response`],
//! and the page streams): the operation's
//! name, the HTTP status with the system's parsed error body (and the raw
//! bytes), transport failures, and decode errors that name the JSON path
//! where the answer stopped matching its type (via `serde_path_to_error`).
//! It is built from progenitor's `Error` by [`ApiError::from_progenitor`],
//! which also reads the body of an undocumented answer instead of losing it.
//!
//! Display never prints the server's text raw: control characters (terminal
//! escapes, carriage returns, line breaks) and bidirectional-override
//! characters are shown escaped ([`sanitize`]); the parsed body and the raw
//! bytes keep them for code that needs them ([`ApiError::body`],
//! [`ApiError::raw_body`]).

use std::borrow::Cow;
use std::fmt;

use bytes::Bytes;
use progenitor_client::ResponseValue;
use reqwest::StatusCode;
use serde::de::DeserializeOwned;

use crate::body::{BodyTooLarge, NonJsonErrorBody};
use crate::paginate::PaginationError;

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
        /// The answer's headers (e.g. `Retry-After`).
        headers: Box<reqwest::header::HeaderMap>,
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
    /// A required parameter (or body) of the operation was never set on
    /// its builder; nothing was sent.
    MissingParameter {
        /// The operation's id.
        operation: &'static str,
        /// The builder method that sets it (e.g. `id`, `body`).
        parameter: &'static str,
    },
    /// The request could not be built (e.g. a parameter failed validation).
    InvalidRequest {
        /// The operation's id.
        operation: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The answer's body passed the operation's limit and was not read
    /// further ([`crate::body`]).
    BodyTooLarge {
        /// The operation's id.
        operation: &'static str,
        /// The answer's status.
        status: StatusCode,
        /// The limit, in bytes.
        limit: u64,
    },
    /// A paged listing or stream broke its own rules: a next-page link that
    /// does not name the next page, a page seen before (a cycle), a stream
    /// that stopped advancing ([`PaginationError`]).
    Pagination {
        /// The operation's id.
        operation: &'static str,
        /// What went wrong.
        error: PaginationError,
    },
}

impl<E> ApiError<E> {
    /// The operation's id.
    pub fn operation(&self) -> &'static str {
        match self {
            ApiError::Transport { operation, .. }
            | ApiError::Status { operation, .. }
            | ApiError::Decode { operation, .. }
            | ApiError::MissingParameter { operation, .. }
            | ApiError::InvalidRequest { operation, .. }
            | ApiError::BodyTooLarge { operation, .. }
            | ApiError::Pagination { operation, .. } => operation,
        }
    }

    /// The HTTP status, when the server answered with an error (or with a
    /// body over the limit).
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            ApiError::Status { status, .. } | ApiError::BodyTooLarge { status, .. } => {
                Some(*status)
            }
            ApiError::Transport { source, .. } => source.status(),
            _ => None,
        }
    }

    /// The answer's bytes as received (unsanitised), when they were kept:
    /// an error answer progenitor did not parse, or an answer that did not
    /// decode.
    pub fn raw_body(&self) -> Option<&Bytes> {
        match self {
            ApiError::Status { raw, .. } if !raw.is_empty() => Some(raw),
            ApiError::Decode { body, .. } => Some(body),
            _ => None,
        }
    }

    /// The error answer's headers, when the server answered with an error.
    pub fn headers(&self) -> Option<&reqwest::header::HeaderMap> {
        match self {
            ApiError::Status { headers, .. } => Some(headers),
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
                ..
            } => {
                write!(f, "{operation}: HTTP {status}")?;
                let message = body.as_ref().and_then(|b| b.message()).or_else(|| {
                    (!raw.is_empty())
                        .then(|| String::from_utf8_lossy(&raw[..raw.len().min(200)]).into_owned())
                });
                if let Some(message) = message {
                    write!(f, ": {}", sanitize(&message))?;
                }
                if let Some(id) = body.as_ref().and_then(|b| b.request_id()) {
                    write!(f, " (request {})", sanitize(&id))?;
                }
                Ok(())
            }
            ApiError::Decode {
                operation, path, ..
            } => {
                write!(
                    f,
                    "{operation}: unexpected response shape at `{}`",
                    sanitize(path)
                )
            }
            ApiError::MissingParameter {
                operation,
                parameter,
            } => write!(
                f,
                "{operation}: required parameter `{parameter}` was not set (call `.{parameter}(..)` on the builder)"
            ),
            ApiError::InvalidRequest { operation, message } => {
                write!(f, "{operation}: invalid request: {}", sanitize(message))
            }
            ApiError::BodyTooLarge {
                operation,
                status,
                limit,
            } => write!(
                f,
                "{operation}: the answer (HTTP {status}) is over the {limit}-byte limit for a \
                 response body; raise it with ClientConfig::with_operation_body_limit"
            ),
            ApiError::Pagination { error, .. } => write!(f, "{error}"),
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
                ..
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
            ApiError::MissingParameter {
                operation,
                parameter,
            } => f
                .debug_struct("MissingParameter")
                .field("operation", operation)
                .field("parameter", parameter)
                .finish(),
            ApiError::InvalidRequest { operation, message } => f
                .debug_struct("InvalidRequest")
                .field("operation", operation)
                .field("message", message)
                .finish(),
            ApiError::BodyTooLarge {
                operation,
                status,
                limit,
            } => f
                .debug_struct("BodyTooLarge")
                .field("operation", operation)
                .field("status", status)
                .field("limit", limit)
                .finish(),
            ApiError::Pagination { operation, error } => f
                .debug_struct("Pagination")
                .field("operation", operation)
                .field("error", error)
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
    /// - an error answer whose body is not JSON (documented or not) is
    ///   [`ApiError::Status`] with no parsed body and the raw bytes
    ///   ([`NonJsonErrorBody`]), never a decode failure;
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
            | P::ResponseBodyError(source) => Self::transport(operation, source),
            P::ErrorResponse(value) => ApiError::Status {
                operation,
                status: value.status(),
                headers: Box::new(value.headers().clone()),
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
                let headers = Box::new(response.headers().clone());
                match response.bytes().await {
                    Ok(raw) => ApiError::Status {
                        operation,
                        status,
                        headers,
                        body: serde_json::from_slice::<E>(&raw).ok().map(Box::new),
                        raw,
                    },
                    Err(source) => Self::transport(operation, source),
                }
            }
        }
    }
}

impl<E> ApiError<E> {
    /// A transport error for `operation`; [`ApiError::BodyTooLarge`] when
    /// `source` is a body read cut at the limit, and [`ApiError::Status`]
    /// (no parsed body, the raw bytes) when it is an error answer whose body
    /// is not JSON ([`NonJsonErrorBody`]).
    pub fn transport(operation: &'static str, source: reqwest::Error) -> Self {
        if let Some(cut) = BodyTooLarge::find(&source) {
            return ApiError::BodyTooLarge {
                operation,
                status: cut.status,
                limit: cut.limit,
            };
        }
        if let Some(answer) = NonJsonErrorBody::find(&source) {
            return ApiError::Status {
                operation,
                status: answer.status,
                headers: Box::new(answer.headers.clone()),
                body: None,
                raw: answer.body.clone(),
            };
        }
        ApiError::Transport { operation, source }
    }
}

impl<E> From<PaginationError> for ApiError<E> {
    fn from(error: PaginationError) -> Self {
        ApiError::Pagination {
            operation: error.operation(),
            error,
        }
    }
}

/// `text` safe to print on a terminal: control characters (ESC and the
/// other C0/C1 codes, DEL, CR, LF, TAB) and bidirectional-override
/// characters are replaced by their `\u{..}` escapes; everything else,
/// including non-ASCII letters, is kept.
///
/// ```
/// use crm_client_runtime::error::sanitize;
/// assert_eq!(sanitize("caf\u{e9} \u{1b}[2Jgone"), "caf\u{e9} \\u{1b}[2Jgone");
/// assert_eq!(sanitize("plain"), "plain");
/// ```
pub fn sanitize(text: &str) -> Cow<'_, str> {
    fn unsafe_char(c: char) -> bool {
        c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    }
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_char(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
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
    response(operation, result)
        .await
        .map(ResponseValue::into_inner)
}

/// Maps a generated call's result to one with an [`ApiError`], keeping the
/// [`ResponseValue`] (status and headers) of a success. The generated
/// `send()` of every operation builder returns this.
pub async fn response<T: DeserializeOwned, E: DeserializeOwned>(
    operation: &'static str,
    result: Result<ResponseValue<T>, progenitor_client::Error<E>>,
) -> Result<ResponseValue<T>, ApiError<E>> {
    match result {
        Ok(value) => Ok(value),
        Err(error) => Err(ApiError::from_progenitor::<T>(operation, error).await),
    }
}

/// [`response`] for an operation that answers a byte stream (no JSON to
/// decode, so no JSON path to name).
pub async fn stream_response<E: DeserializeOwned>(
    operation: &'static str,
    result: Result<ResponseValue<progenitor_client::ByteStream>, progenitor_client::Error<E>>,
) -> Result<ResponseValue<progenitor_client::ByteStream>, ApiError<E>> {
    match result {
        Ok(value) => Ok(value),
        Err(error) => Err(ApiError::from_progenitor::<serde_json::Value>(operation, error).await),
    }
}

/// Fails with [`ApiError::MissingParameter`] when a builder's required
/// field still holds the "not initialized" message the builder started
/// with (`unset`): the parameter was never set. A field that was set but
/// failed conversion is left for the builder to report.
///
/// ```
/// use crm_client_runtime::ApiError;
/// use crm_client_runtime::error::require;
///
/// let unset: Result<i64, String> = Err("id was not initialized".into());
/// let error = require::<()>("get_thing", "id", &unset, "id was not initialized").unwrap_err();
/// assert!(matches!(error, ApiError::MissingParameter { parameter: "id", .. }));
/// assert!(require::<()>("get_thing", "id", &Ok::<i64, String>(7), "id was not initialized").is_ok());
/// ```
pub fn require<E>(
    operation: &'static str,
    parameter: &'static str,
    field: &Result<impl Sized, String>,
    unset: &str,
) -> Result<(), ApiError<E>> {
    match field {
        Err(message) if message == unset => Err(ApiError::MissingParameter {
            operation,
            parameter,
        }),
        _ => Ok(()),
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
            headers: Box::default(),
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
            headers: Box::default(),
        };
        assert_eq!(
            e.to_string(),
            "op: HTTP 502 Bad Gateway: <html>bad gateway</html>"
        );
    }

    #[test]
    fn display_escapes_terminal_control_characters_and_keeps_the_raw_bytes() {
        struct Hostile;
        impl ErrorBody for Hostile {
            fn message(&self) -> Option<String> {
                Some("bad\u{1b}[2J\u{1b}]0;pwned\u{7}\r\nFAKE: ok \u{202e}txt.exe".into())
            }
            fn request_id(&self) -> Option<String> {
                Some("id\u{1b}[31m".into())
            }
        }
        let e: ApiError<Hostile> = ApiError::Status {
            operation: "op",
            status: StatusCode::BAD_REQUEST,
            body: Some(Box::new(Hostile)),
            raw: Bytes::new(),
            headers: Box::default(),
        };
        let shown = e.to_string();
        assert!(
            !shown.chars().any(|c| c.is_control() || c == '\u{202e}'),
            "{shown:?}"
        );
        assert_eq!(
            shown,
            "op: HTTP 400 Bad Request: bad\\u{1b}[2J\\u{1b}]0;pwned\\u{7}\\u{d}\\u{a}FAKE: ok \\u{202e}txt.exe (request id\\u{1b}[31m)"
        );

        let raw = Bytes::from_static(b"<h1>\x1b[5mdown\x1b[0m</h1>");
        let e: ApiError<()> = ApiError::Status {
            operation: "op",
            status: StatusCode::BAD_GATEWAY,
            body: None,
            raw: raw.clone(),
            headers: Box::default(),
        };
        assert_eq!(
            e.to_string(),
            "op: HTTP 502 Bad Gateway: <h1>\\u{1b}[5mdown\\u{1b}[0m</h1>"
        );
        assert_eq!(
            e.raw_body(),
            Some(&raw),
            "the bytes as received stay available"
        );
    }
}
