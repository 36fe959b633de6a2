//! The raw request (the seed's "Raw Request" action, `x-handwritten` in the
//! spec): any method, any path under the base URL, an optional query and JSON
//! body, a JSON answer.
//!
//! It is sent through the same `reqwest::Client`, base URL and
//! `ClientHooks::exec` hook as the generated operations, so the
//! `Authorization` header, the `User-Agent` and everything else the shared
//! runtime does apply to it too. It never leaves the configured host: an
//! absolute URL, a scheme-relative `//host` path or a path that climbs out of
//! the base URL is refused before anything is sent.
//!
//! ```no_run
//! use zendesk_sell_api::{Client, RawRequest};
//! use serde_json::json;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let sell = Client::with_token("ACCESS_TOKEN")?;
//! let answer = sell
//!     .raw_request(
//!         RawRequest::post("/v2/tasks")
//!             .json(json!({"data": {"content": "Call Tom", "resource_type": "lead", "resource_id": 1}})),
//!     )
//!     .await?;
//! println!("{} {}", answer.status(), answer["data"]["id"]);
//! # Ok(()) }
//! ```

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use progenitor_client::{ClientHooks, OperationInfo};
use reqwest::header::{ACCEPT, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::types::ErrorResponse;
use crate::{Client, ResponseValue};

/// The operation id the raw request reports to the request hook.
pub const OPERATION_ID: &str = "raw_request";

/// A raw request: method, a path under the base URL (including the API
/// version, e.g. `/v2/tasks` or `/v3/deals/stream`), query parameters, an
/// optional JSON body, extra headers and an optional timeout.
///
/// `Debug` shows the header names but not their values (a caller may put a
/// credential there).
#[derive(Clone)]
pub struct RawRequest {
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    body: Option<Value>,
    headers: HeaderMap,
    timeout: Option<Duration>,
}

impl fmt::Debug for RawRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("body", &self.body)
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl RawRequest {
    /// A request with `method` to `path` (which must start with `/`).
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        RawRequest {
            method,
            path: path.into(),
            query: Vec::new(),
            body: None,
            headers: HeaderMap::new(),
            timeout: None,
        }
    }

    /// A `GET` request.
    pub fn get(path: impl Into<String>) -> Self {
        Self::new(Method::GET, path)
    }

    /// A `POST` request.
    pub fn post(path: impl Into<String>) -> Self {
        Self::new(Method::POST, path)
    }

    /// A `PUT` request (Sell's partial update).
    pub fn put(path: impl Into<String>) -> Self {
        Self::new(Method::PUT, path)
    }

    /// A `PATCH` request.
    pub fn patch(path: impl Into<String>) -> Self {
        Self::new(Method::PATCH, path)
    }

    /// A `DELETE` request.
    pub fn delete(path: impl Into<String>) -> Self {
        Self::new(Method::DELETE, path)
    }

    /// Adds a query parameter (sent in the order added; names may repeat).
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// Sets the JSON body (sent with `Content-Type: application/json`).
    pub fn json(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    /// Adds a header. `Authorization` is always the client's own: a value
    /// set here is replaced by the runtime.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.append(name, value);
        self
    }

    /// Sets a timeout for this request, replacing the client's.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The path, as given.
    pub fn path(&self) -> &str {
        &self.path
    }
}

/// Why a raw request failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RawError {
    /// The path is not a path under the base URL (an absolute URL, another
    /// host, `..` out of the base path, or a query/fragment in the path);
    /// nothing was sent.
    #[error("{OPERATION_ID}: refusing `{path}`: {reason}; nothing was sent")]
    InvalidPath {
        /// The path given.
        path: String,
        /// Why it was refused.
        reason: &'static str,
    },
    /// The request could not be built; nothing was sent.
    #[error("{OPERATION_ID} {method} {path}: cannot build the request")]
    InvalidRequest {
        /// The method.
        method: Method,
        /// The path.
        path: String,
        /// What went wrong.
        #[source]
        source: reqwest::Error,
    },
    /// The request could not be sent or the answer not received.
    #[error("{OPERATION_ID} {method} {path}: the request failed")]
    Communication {
        /// The method.
        method: Method,
        /// The path.
        path: String,
        /// The transport error.
        #[source]
        source: reqwest::Error,
    },
    /// Sell answered with an error status. `error` holds its parsed error
    /// envelope when the body was one; `body` always holds the bytes.
    #[error("{OPERATION_ID} {method} {path}: HTTP {}: {}", status.as_u16(), summary(status, error.as_deref()))]
    Api {
        /// The method.
        method: Method,
        /// The path.
        path: String,
        /// The HTTP status.
        status: StatusCode,
        /// The response headers (e.g. `X-Request-Id`, `Retry-After`).
        headers: Box<HeaderMap>,
        /// Sell's error envelope, when the body parsed as one.
        error: Option<Box<ErrorResponse>>,
        /// The raw body.
        body: Bytes,
    },
    /// The answer's body passed the raw request's limit (the client's
    /// [`BodyLimits`](crm_client_runtime::BodyLimits) for operation
    /// [`OPERATION_ID`]) and was not read further.
    #[error("{OPERATION_ID} {method} {path}: {source}")]
    BodyTooLarge {
        /// The method.
        method: Method,
        /// The path.
        path: String,
        /// The status, limit and announced length.
        #[source]
        source: crm_client_runtime::BodyTooLarge,
    },
    /// A success status whose body is not JSON.
    #[error("{OPERATION_ID} {method} {path}: HTTP {}: the body is not JSON", status.as_u16())]
    Decode {
        /// The method.
        method: Method,
        /// The path.
        path: String,
        /// The HTTP status.
        status: StatusCode,
        /// The raw body.
        body: Bytes,
        /// The parse error (with line and column).
        #[source]
        source: serde_json::Error,
    },
}

fn summary(status: &StatusCode, error: Option<&ErrorResponse>) -> String {
    match error {
        Some(error) => crm_client_runtime::error::sanitize(&error.summary()).into_owned(),
        None => status
            .canonical_reason()
            .unwrap_or("no error envelope")
            .to_owned(),
    }
}

impl RawError {
    /// The HTTP status, when Sell answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            RawError::Api { status, .. } | RawError::Decode { status, .. } => Some(*status),
            RawError::BodyTooLarge { source, .. } => Some(source.status),
            RawError::Communication { source, .. } => source.status(),
            _ => None,
        }
    }

    /// Sell's error envelope, when it answered with one.
    pub fn error_response(&self) -> Option<&ErrorResponse> {
        match self {
            RawError::Api { error, .. } => error.as_deref(),
            _ => None,
        }
    }
}

impl Client {
    /// Sends a raw request to a path under the base URL and returns the JSON
    /// answer (`Value::Null` for an empty body, e.g. `204 No Content`), with
    /// the status and headers.
    ///
    /// The request goes through the same hook as every generated operation
    /// (auth, `User-Agent`), with `Accept: application/json`.
    ///
    /// # Errors
    /// [`RawError::InvalidPath`] before sending if `path` is not under the
    /// base URL; [`RawError::Api`] with the status and Sell's parsed error
    /// envelope for an error answer; [`RawError::Decode`] for a success
    /// answer that is not JSON; [`RawError::Communication`] for transport
    /// failures.
    pub async fn raw_request(&self, request: RawRequest) -> Result<ResponseValue<Value>, RawError> {
        let url = resolve(&self.baseurl, &request.path)?;
        let RawRequest {
            method,
            path,
            query,
            body,
            headers,
            timeout,
        } = request;

        let mut builder = self
            .client
            .request(method.clone(), url)
            .headers(headers)
            .header(ACCEPT, HeaderValue::from_static("application/json"));
        if !query.is_empty() {
            builder = builder.query(&query);
        }
        if let Some(body) = &body {
            builder = builder.json(body);
        }
        if let Some(timeout) = timeout {
            builder = builder.timeout(timeout);
        }
        let built = match builder.build() {
            Ok(built) => built,
            Err(source) => {
                return Err(RawError::InvalidRequest {
                    method,
                    path,
                    source,
                });
            }
        };

        let info = OperationInfo {
            operation_id: OPERATION_ID,
        };
        let response = match self.exec(built, &info).await {
            Ok(response) => response,
            Err(source) => {
                return Err(RawError::Communication {
                    method,
                    path,
                    source,
                });
            }
        };
        let status = response.status();
        let response_headers = response.headers().clone();
        let bytes = match response.bytes().await {
            Ok(bytes) => bytes,
            Err(source) => {
                if let Some(answer) = crm_client_runtime::NonJsonErrorBody::find(&source) {
                    // An error answer that is not JSON: kept as it came.
                    answer.body.clone()
                } else if let Some(cut) = crm_client_runtime::BodyTooLarge::find(&source) {
                    return Err(RawError::BodyTooLarge {
                        method,
                        path,
                        source: cut.clone(),
                    });
                } else {
                    return Err(RawError::Communication {
                        method,
                        path,
                        source,
                    });
                }
            }
        };

        if !status.is_success() {
            let error = serde_json::from_slice::<ErrorResponse>(&bytes)
                .ok()
                .map(Box::new);
            return Err(RawError::Api {
                method,
                path,
                status,
                headers: Box::new(response_headers),
                error,
                body: bytes,
            });
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(ResponseValue::new(Value::Null, status, response_headers));
        }
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(value) => Ok(ResponseValue::new(value, status, response_headers)),
            Err(source) => Err(RawError::Decode {
                method,
                path,
                status,
                body: bytes,
                source,
            }),
        }
    }
}

/// Joins `base` and `path`, refusing anything that would leave the base URL.
fn resolve(base: &str, path: &str) -> Result<reqwest::Url, RawError> {
    let refuse = |reason: &'static str| RawError::InvalidPath {
        path: path.to_owned(),
        reason,
    };
    if !path.starts_with('/') {
        return Err(refuse(
            "a raw request takes a path starting with `/` (e.g. `/v2/tasks`), not a URL",
        ));
    }
    if path.starts_with("//") || path.contains('\\') {
        return Err(refuse("the path could name another host"));
    }
    if path.contains(['?', '#']) {
        return Err(refuse(
            "put query parameters in `RawRequest::query`, not in the path",
        ));
    }
    let base_url =
        reqwest::Url::parse(base).map_err(|_| refuse("the client's base URL does not parse"))?;
    let url = reqwest::Url::parse(&format!("{base}{path}"))
        .map_err(|_| refuse("the path does not form a valid URL"))?;
    let base_path = base_url.path().trim_end_matches('/');
    let under_base = url.path() == base_path
        || url
            .path()
            .strip_prefix(base_path)
            .is_some_and(|rest| rest.starts_with('/'));
    if url.origin() != base_url.origin() || !under_base {
        return Err(refuse("the path leaves the base URL"));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(base: &str, path: &str) -> String {
        resolve(base, path).unwrap().to_string()
    }

    fn refused(base: &str, path: &str) -> &'static str {
        match resolve(base, path) {
            Err(RawError::InvalidPath { reason, .. }) => reason,
            other => panic!("{path}: expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn paths_resolve_under_the_base_url() {
        let base = "https://api.getbase.com";
        assert_eq!(ok(base, "/v2/tasks"), "https://api.getbase.com/v2/tasks");
        assert_eq!(
            ok(base, "/v3/deals/stream"),
            "https://api.getbase.com/v3/deals/stream"
        );
        assert_eq!(
            ok("http://127.0.0.1:9/mock", "/v2/tasks"),
            "http://127.0.0.1:9/mock/v2/tasks"
        );
    }

    #[test]
    fn urls_other_hosts_and_escapes_are_refused() {
        let base = "https://api.getbase.com";
        for path in [
            "https://evil.example/v2/tasks",
            "http://api.getbase.com/v2/tasks",
            "v2/tasks",
            "",
        ] {
            assert!(refused(base, path).contains("not a URL"), "{path}");
        }
        for path in ["//evil.example/v2/tasks", "/\\evil.example"] {
            assert!(refused(base, path).contains("another host"), "{path}");
        }
        assert!(refused(base, "/v2/tasks?page=2").contains("query"));
        assert!(refused(base, "@evil.example/x").contains("not a URL"));
        assert!(refused("http://127.0.0.1:9/mock", "/../admin").contains("leaves the base URL"));
        assert!(
            refused("http://127.0.0.1:9/mock", "/v2/../../admin").contains("leaves the base URL")
        );
    }
}
