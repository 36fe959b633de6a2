//! Bounded response bodies.
//!
//! Every answer is read as a stream of chunks into one buffer that may grow
//! to the operation's limit ([`BodyLimits`]) and no further: a
//! `Content-Length` over the limit is refused before a byte of the body is
//! read, and a body without one (chunked, or a connection held open) is cut
//! as soon as it passes the limit. The caller then gets the answer's status
//! and headers with a body that fails to read with [`BodyTooLarge`], which
//! [`ApiError`](crate::ApiError) turns into
//! [`ApiError::BodyTooLarge`](crate::ApiError::BodyTooLarge) naming the
//! operation and the limit. Such an answer is not retried (the server would
//! send the same).
//!
//! Reading the whole (bounded) body before handing the response on also
//! makes a body that breaks off a transport failure of that attempt, which
//! the retry policy can repeat. Nothing is streamed further than this: the
//! three APIs answer JSON documents that are decoded whole, and the largest
//! real one (a page of 100 Sell records, 100 Gong objects, a ConeCRM page)
//! is well under a megabyte. The default limit,
//! [`ClientConfig::DEFAULT_BODY_LIMIT`](crate::ClientConfig::DEFAULT_BODY_LIMIT)
//! (16 MiB), leaves room for pages of unusually large records; raise it for
//! one operation with
//! [`ClientConfig::with_operation_body_limit`](crate::ClientConfig::with_operation_body_limit).

use std::collections::BTreeMap;

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::CONTENT_LENGTH;

/// The largest response body read for each operation, in bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyLimits {
    /// The limit of every operation not listed in `per_operation`.
    pub default: u64,
    /// Limits by operation id (e.g. `"list_contacts"`).
    pub per_operation: BTreeMap<&'static str, u64>,
}

impl BodyLimits {
    /// [`default`](Self::default) for every operation.
    pub fn new(default: u64) -> Self {
        BodyLimits {
            default,
            per_operation: BTreeMap::new(),
        }
    }

    /// The limit of `operation`.
    pub fn limit_for(&self, operation: &str) -> u64 {
        self.per_operation
            .get(operation)
            .copied()
            .unwrap_or(self.default)
    }
}

impl Default for BodyLimits {
    fn default() -> Self {
        BodyLimits::new(crate::ClientConfig::DEFAULT_BODY_LIMIT)
    }
}

/// A response body passed its operation's limit; the rest was not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the answer to {operation} (HTTP {status}) is over the {limit}-byte limit for its body{}; \
     the rest was not read",
    announced.map(|n| format!(" (Content-Length {n})")).unwrap_or_default()
)]
pub struct BodyTooLarge {
    /// The operation's id.
    pub operation: &'static str,
    /// The answer's status.
    pub status: StatusCode,
    /// The limit, in bytes.
    pub limit: u64,
    /// The `Content-Length` the server announced, if it announced one.
    pub announced: Option<u64>,
}

impl BodyTooLarge {
    /// The [`BodyTooLarge`] somewhere in `error`'s chain of sources (e.g.
    /// inside the `reqwest::Error` a body read returned), if any.
    pub fn find<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a BodyTooLarge> {
        let mut current = Some(error);
        while let Some(e) = current {
            if let Some(found) = e.downcast_ref::<BodyTooLarge>() {
                return Some(found);
            }
            current = e.source();
        }
        None
    }
}

/// An error answer (HTTP 4xx/5xx) whose body is not JSON: a proxy's HTML
/// page, a plain-text "Bad Gateway", a truncated document.
///
/// The generated code would try to decode such a body as the system's error
/// type and report a decode failure without the status; instead, the body
/// of such an answer fails to read with this error, which carries the
/// status and the bytes, and [`ApiError`](crate::ApiError) turns it into
/// [`ApiError::Status`](crate::ApiError::Status) with no parsed body and the
/// raw bytes kept. Hand-written operations find it in a body read's error
/// with [`NonJsonErrorBody::find`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the error answer (HTTP {status}) is not JSON ({} bytes)", body.len())]
pub struct NonJsonErrorBody {
    /// The answer's status.
    pub status: StatusCode,
    /// The answer's headers (`Retry-After`, request ids).
    pub headers: reqwest::header::HeaderMap,
    /// The body as received.
    pub body: Bytes,
}

impl NonJsonErrorBody {
    /// The [`NonJsonErrorBody`] somewhere in `error`'s chain of sources, if any.
    pub fn find<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a NonJsonErrorBody> {
        let mut current = Some(error);
        while let Some(e) = current {
            if let Some(found) = e.downcast_ref::<NonJsonErrorBody>() {
                return Some(found);
            }
            current = e.source();
        }
        None
    }

    /// Whether an answer with `status` and `body` is one: an error status
    /// with a non-empty body that is not a JSON document.
    pub fn applies(status: StatusCode, body: &[u8]) -> bool {
        (status.is_client_error() || status.is_server_error())
            && !body.iter().all(u8::is_ascii_whitespace)
            && serde_json::from_slice::<serde::de::IgnoredAny>(body).is_err()
    }
}

/// What reading a response with a limit gave.
pub(crate) enum Read {
    /// The whole body, within the limit; the response rebuilt around it.
    Whole(reqwest::Response),
    /// The body passed the limit: the response's body now fails with
    /// [`BodyTooLarge`].
    TooLarge(reqwest::Response),
}

/// Reads `response`'s body, at most `limit` bytes, chunk by chunk.
pub(crate) async fn read_bounded(
    mut response: reqwest::Response,
    operation: &'static str,
    limit: u64,
) -> reqwest::Result<Read> {
    let status = response.status();
    let announced = response.content_length();
    let too_large = || BodyTooLarge {
        operation,
        status,
        limit,
        announced,
    };
    if announced.is_some_and(|n| n > limit) {
        let error = too_large();
        return Ok(Read::TooLarge(failing(response, error)));
    }
    // Grow the buffer as the body arrives, never past the limit (no
    // doubling to twice the limit).
    let cap = usize::try_from(limit).unwrap_or(usize::MAX);
    let initial = announced
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(16 * 1024)
        .min(cap);
    let mut buffer: Vec<u8> = Vec::with_capacity(initial);
    while let Some(chunk) = response.chunk().await? {
        let needed = buffer.len().saturating_add(chunk.len());
        if needed > cap {
            tracing::warn!(
                operation,
                status = status.as_u16(),
                limit,
                "response body over the limit: not read further"
            );
            let error = too_large();
            return Ok(Read::TooLarge(failing(response, error)));
        }
        if needed > buffer.capacity() {
            let target = buffer.capacity().saturating_mul(2).max(needed).min(cap);
            buffer.reserve_exact(target - buffer.len());
        }
        buffer.extend_from_slice(&chunk);
    }
    let body = Bytes::from(buffer);
    if NonJsonErrorBody::applies(status, &body) {
        let headers = response.headers().clone();
        return Ok(Read::Whole(failing(
            response,
            NonJsonErrorBody {
                status,
                headers,
                body,
            },
        )));
    }
    Ok(Read::Whole(rebuild(&response, body)))
}

/// `response`'s status, version and headers around `body`.
fn rebuild(response: &reqwest::Response, body: Bytes) -> reqwest::Response {
    let mut rebuilt = http::Response::new(body);
    *rebuilt.status_mut() = response.status();
    *rebuilt.version_mut() = response.version();
    *rebuilt.headers_mut() = response.headers().clone();
    reqwest::Response::from(rebuilt)
}

/// `response`'s status, version and headers with a body that fails with
/// `error` when read (the connection is dropped with the original).
fn failing<E>(response: reqwest::Response, error: E) -> reqwest::Response
where
    E: std::error::Error + Send + Sync + 'static,
{
    let mut headers = response.headers().clone();
    headers.remove(CONTENT_LENGTH);
    let body =
        reqwest::Body::wrap_stream(futures::stream::once(async move { Err::<Bytes, E>(error) }));
    let mut rebuilt = http::Response::new(body);
    *rebuilt.status_mut() = response.status();
    *rebuilt.version_mut() = response.version();
    *rebuilt.headers_mut() = headers;
    drop(response);
    reqwest::Response::from(rebuilt)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_looked_up_by_operation() {
        let mut limits = BodyLimits::new(100);
        limits.per_operation.insert("big", 1000);
        assert_eq!(limits.limit_for("big"), 1000);
        assert_eq!(limits.limit_for("other"), 100);
    }

    #[test]
    fn only_error_answers_that_are_not_json_are_marked() {
        let bad = StatusCode::BAD_GATEWAY;
        assert!(NonJsonErrorBody::applies(bad, b"<html>Bad Gateway</html>"));
        assert!(NonJsonErrorBody::applies(
            StatusCode::NOT_FOUND,
            b"Not Found"
        ));
        assert!(NonJsonErrorBody::applies(bad, b"{\"errors\": ["));
        assert!(!NonJsonErrorBody::applies(bad, b"{\"errors\": []}"));
        assert!(!NonJsonErrorBody::applies(bad, b"\"text\""));
        assert!(!NonJsonErrorBody::applies(bad, b""));
        assert!(!NonJsonErrorBody::applies(bad, b" \n"));
        assert!(!NonJsonErrorBody::applies(
            StatusCode::OK,
            b"<html>hi</html>"
        ));
    }

    #[test]
    fn the_error_is_found_in_a_chain() {
        #[derive(Debug, thiserror::Error)]
        #[error("outer")]
        struct Outer(#[source] BodyTooLarge);
        let inner = BodyTooLarge {
            operation: "op",
            status: StatusCode::OK,
            limit: 10,
            announced: Some(20),
        };
        let outer = Outer(inner.clone());
        assert_eq!(BodyTooLarge::find(&outer), Some(&inner));
        let unrelated = std::io::Error::other("x");
        assert_eq!(BodyTooLarge::find(&unrelated), None);
        assert_eq!(NonJsonErrorBody::find(&unrelated), None);
        assert_eq!(
            inner.to_string(),
            "the answer to op (HTTP 200 OK) is over the 10-byte limit for its body \
             (Content-Length 20); the rest was not read"
        );
    }
}
