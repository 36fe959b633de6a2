//! Small HTTP helpers the three mocks share: query parameters, JSON answers,
//! credentials, request references.

use axum::body::Body;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use futures::StreamExt;
use serde::Serialize;

use crate::MockAuth;
use crate::rng;

/// The number of a request (0-based, in arrival order), put in the
/// request's extensions by the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RequestNo(pub u64);

/// A reference for request `n` under `seed` (Gong's `requestId`, Sell's
/// `logref`): 19 lower-case base-36 characters, reproducible.
pub(crate) fn reference(seed: u64, n: u64) -> String {
    let mut rng = rng::rng(seed, rng::mix(0x5E_F0_00, n));
    rng::request_ref(&mut rng)
}

/// The query parameters of a request, in order, decoded.
#[derive(Debug, Clone, Default)]
pub(crate) struct Params(pub Vec<(String, String)>);

impl Params {
    /// Parses the query of `uri`; `None` if it is not valid form encoding.
    pub fn of(uri: &Uri) -> Option<Params> {
        match uri.query() {
            None => Some(Params::default()),
            Some(q) => serde_urlencoded::from_str::<Vec<(String, String)>>(q)
                .ok()
                .map(Params),
        }
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A JSON answer.
pub(crate) fn json<T: Serialize>(status: StatusCode, value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(bytes) => raw_json(status, bytes),
        Err(error) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("crm-mock could not encode its answer: {error}"),
        )
            .into_response(),
    }
}

/// An answer whose body is already JSON text.
pub(crate) fn raw_json(status: StatusCode, body: impl Into<Body>) -> Response {
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// Whether `headers` carry the credentials `auth` accepts.
pub(crate) fn authorized(headers: &HeaderMap, auth: &MockAuth) -> bool {
    let given = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok());
    let (scheme, value) = match given.and_then(|g| g.trim().split_once(' ')) {
        Some((scheme, value)) => (scheme, value.trim()),
        None => ("", ""),
    };
    match auth {
        MockAuth::Any => true,
        MockAuth::Bearer(token) => scheme.eq_ignore_ascii_case("bearer") && value == token,
        MockAuth::Basic { user, password } => {
            scheme.eq_ignore_ascii_case("basic")
                && base64::engine::general_purpose::STANDARD
                    .decode(value)
                    .is_ok_and(|raw| raw == format!("{user}:{password}").as_bytes())
        }
        MockAuth::SystemDefault | MockAuth::Systems { .. } => false,
    }
}

/// Reads and discards a request body (so that an early answer does not
/// leave the client writing into a closed connection). Stops after `limit`
/// bytes.
pub(crate) async fn drain(body: Body, limit: u64) {
    let mut stream = body.into_data_stream();
    let mut seen = 0u64;
    while let Some(Ok(chunk)) = stream.next().await {
        seen = seen.saturating_add(chunk.len() as u64);
        if seen > limit {
            break;
        }
    }
}

/// Reads a whole (small) request body, at most `limit` bytes.
pub(crate) async fn read_body(body: Body, limit: usize) -> Result<bytes::Bytes, String> {
    axum::body::to_bytes(body, limit)
        .await
        .map_err(|e| format!("cannot read the request body: {e}"))
}

/// UTC now as Sell and Gong write it (seconds, `Z`).
pub(crate) fn now_utc() -> chrono::DateTime<chrono::Utc> {
    let now = chrono::Utc::now();
    now - chrono::Duration::nanoseconds(i64::from(chrono::Timelike::nanosecond(&now)))
}

/// RFC 3339 with seconds and `Z`.
pub(crate) fn rfc3339(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_checked_per_scheme() {
        let mut h = HeaderMap::new();
        let bearer = MockAuth::Bearer("t".into());
        assert!(!authorized(&h, &bearer));
        assert!(authorized(&h, &MockAuth::Any));
        h.insert(AUTHORIZATION, HeaderValue::from_static("Bearer t"));
        assert!(authorized(&h, &bearer));
        assert!(!authorized(&h, &MockAuth::Bearer("u".into())));
        let basic = MockAuth::Basic {
            user: "mock-key".into(),
            password: "mock-secret".into(),
        };
        assert!(!authorized(&h, &basic));
        // base64("mock-key:mock-secret")
        h.insert(
            AUTHORIZATION,
            HeaderValue::from_static("Basic bW9jay1rZXk6bW9jay1zZWNyZXQ="),
        );
        assert!(authorized(&h, &basic));
    }

    #[test]
    fn params_decode_brackets_and_escapes() {
        let uri: Uri = "/x?address%5Bcity%5D=Montr%C3%A9al&page=2"
            .parse()
            .unwrap_or_default();
        let p = Params::of(&uri).unwrap_or_default();
        assert_eq!(p.get("address[city]"), Some("Montréal"));
        assert_eq!(p.get("page"), Some("2"));
        assert_eq!(p.get("nope"), None);
    }
}
