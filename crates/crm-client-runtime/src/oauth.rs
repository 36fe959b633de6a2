//! OAuth 2.0 access tokens renewed with a refresh token (Zendesk Sell).
//!
//! The runtime asks its token source for the `Authorization` header before
//! each attempt: a token that expires within a minute is refreshed first, and
//! a `401` triggers one refresh and one retry. Concurrent requests share one
//! refresh (a single-flight lock plus a generation counter). Tokens, the
//! refresh token and the client secret are held as [`SecretString`] and never
//! appear in `Debug`, logs or errors; the token endpoint is called without
//! following redirects.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::{Mutex, RwLock};

use crate::clock::Clock;

/// Credentials for the refresh-token grant.
///
/// ```
/// use crm_client_runtime::oauth::OAuth2Credentials;
/// let creds = OAuth2Credentials::new(
///     "https://api.getbase.com/oauth2/token",
///     "client-id",
///     "client-secret",
///     "refresh-token",
/// );
/// assert!(!format!("{creds:?}").contains("refresh-token"));
/// ```
#[derive(Clone)]
pub struct OAuth2Credentials {
    token_url: String,
    client_id: String,
    client_secret: SecretString,
    refresh_token: SecretString,
    access_token: Option<SecretString>,
    expires_in: Option<Duration>,
    basic_auth: bool,
}

impl fmt::Debug for OAuth2Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuth2Credentials")
            .field("token_url", &self.token_url)
            .field("client_id", &"[REDACTED]")
            .field("client_secret", &"[REDACTED]")
            .field("refresh_token", &"[REDACTED]")
            .field(
                "access_token",
                &self.access_token.as_ref().map(|_| "[REDACTED]"),
            )
            .finish()
    }
}

impl OAuth2Credentials {
    /// Credentials that obtain their first access token by refreshing.
    pub fn new(
        token_url: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        refresh_token: impl Into<String>,
    ) -> Self {
        OAuth2Credentials {
            token_url: token_url.into(),
            client_id: client_id.into(),
            client_secret: SecretString::from(client_secret.into()),
            refresh_token: SecretString::from(refresh_token.into()),
            access_token: None,
            expires_in: None,
            basic_auth: true,
        }
    }

    /// Starts with an access token already held, valid for `expires_in`
    /// (unknown: used until the server answers 401).
    pub fn with_access_token(
        mut self,
        access_token: impl Into<String>,
        expires_in: Option<Duration>,
    ) -> Self {
        self.access_token = Some(SecretString::from(access_token.into()));
        self.expires_in = expires_in;
        self
    }

    /// Sends the client credentials in the form body instead of HTTP Basic.
    pub fn with_credentials_in_body(mut self) -> Self {
        self.basic_auth = false;
        self
    }

    /// The token endpoint.
    pub fn token_url(&self) -> &str {
        &self.token_url
    }
}

/// Why a refresh failed. Never contains a token or secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RefreshError {
    /// The token endpoint refused the refresh (e.g. `invalid_grant`).
    #[error("the token endpoint refused the refresh: {code}{}", description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Refused {
        /// The OAuth error code.
        code: String,
        /// The server's description, if any.
        description: Option<String>,
    },
    /// The token endpoint could not be reached or answered unreadably.
    #[error("the token endpoint failed: {0}")]
    Endpoint(String),
    /// The configuration is unusable (e.g. a malformed token URL).
    #[error("invalid OAuth configuration: {0}")]
    Config(String),
}

/// The tokens currently held, for persisting (a refresh may rotate the
/// refresh token).
#[derive(Clone)]
pub struct OAuth2Tokens {
    /// The access token.
    pub access_token: Option<SecretString>,
    /// The refresh token (the newest one).
    pub refresh_token: SecretString,
}

impl fmt::Debug for OAuth2Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OAuth2Tokens([REDACTED])")
    }
}

struct State {
    header: Option<HeaderValue>,
    access: Option<SecretString>,
    refresh: SecretString,
    /// Clock time after which the token counts as expired.
    expires_at: Option<Duration>,
    /// Incremented by each refresh.
    generation: u64,
}

/// The live token state of one client (shared by its clones).
pub(crate) struct TokenSource {
    credentials: OAuth2Credentials,
    http: reqwest::Client,
    clock: Clock,
    state: RwLock<State>,
    refreshing: Mutex<()>,
    refreshes: std::sync::atomic::AtomicU64,
}

impl fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSource")
            .field("token_url", &self.credentials.token_url)
            .finish_non_exhaustive()
    }
}

/// Refresh a token this long before it expires.
const EXPIRY_MARGIN: Duration = Duration::from_secs(60);

fn bearer(token: &SecretString) -> Option<HeaderValue> {
    let mut value = HeaderValue::from_str(&format!("Bearer {}", token.expose_secret())).ok()?;
    value.set_sensitive(true);
    Some(value)
}

impl TokenSource {
    pub(crate) fn new(
        credentials: OAuth2Credentials,
        clock: Clock,
    ) -> Result<Arc<Self>, RefreshError> {
        reqwest::Url::parse(&credentials.token_url)
            .map_err(|e| RefreshError::Config(format!("token URL: {e}")))?;
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| RefreshError::Config(e.to_string()))?;
        let now = clock.now();
        let state = State {
            header: credentials.access_token.as_ref().and_then(bearer),
            access: credentials.access_token.clone(),
            refresh: credentials.refresh_token.clone(),
            expires_at: credentials.expires_in.map(|d| now + d),
            generation: 0,
        };
        Ok(Arc::new(TokenSource {
            credentials,
            http,
            clock,
            state: RwLock::new(state),
            refreshing: Mutex::new(()),
            refreshes: std::sync::atomic::AtomicU64::new(0),
        }))
    }

    /// The header to send and its generation, refreshing first when there is
    /// no token or it expires within [`EXPIRY_MARGIN`].
    pub(crate) async fn header(&self) -> Result<(HeaderValue, u64), RefreshError> {
        {
            let state = self.state.read().await;
            if let (Some(header), false) = (&state.header, self.expiring(&state)) {
                return Ok((header.clone(), state.generation));
            }
        }
        let seen = self.state.read().await.generation;
        self.refresh_if(seen).await?;
        let state = self.state.read().await;
        state
            .header
            .clone()
            .map(|h| (h, state.generation))
            .ok_or_else(|| RefreshError::Endpoint("no access token after refresh".to_owned()))
    }

    fn expiring(&self, state: &State) -> bool {
        state
            .expires_at
            .is_some_and(|at| self.clock.now() + EXPIRY_MARGIN >= at)
    }

    /// Refreshes unless another task already did since generation `seen`.
    pub(crate) async fn refresh_if(&self, seen: u64) -> Result<(), RefreshError> {
        let _single_flight = self.refreshing.lock().await;
        if self.state.read().await.generation != seen {
            return Ok(()); // someone else refreshed while we waited
        }
        let refresh = self.state.read().await.refresh.clone();
        let fresh = self.exchange(&refresh).await?;
        let mut state = self.state.write().await;
        state.header = bearer(&fresh.access);
        state.access = Some(fresh.access);
        if let Some(rotated) = fresh.refresh {
            state.refresh = rotated;
        }
        state.expires_at = fresh.expires_in.map(|d| self.clock.now() + d);
        state.generation += 1;
        self.refreshes
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        tracing::debug!(
            generation = state.generation,
            "oauth access token refreshed"
        );
        Ok(())
    }

    pub(crate) fn refresh_count(&self) -> u64 {
        self.refreshes.load(std::sync::atomic::Ordering::SeqCst)
    }

    pub(crate) async fn tokens(&self) -> OAuth2Tokens {
        let state = self.state.read().await;
        OAuth2Tokens {
            access_token: state.access.clone(),
            refresh_token: state.refresh.clone(),
        }
    }

    /// The refresh-token grant (RFC 6749 §6): one form POST, the client
    /// authenticated by HTTP Basic (§2.3.1: id and secret form-encoded
    /// first) or in the body; a JSON token answer, or a JSON error (§5.2).
    async fn exchange(&self, refresh: &SecretString) -> Result<Fresh, RefreshError> {
        let url = reqwest::Url::parse(&self.credentials.token_url)
            .map_err(|e| RefreshError::Config(format!("token URL: {e}")))?;
        let creds = &self.credentials;
        let mut body = format!(
            "grant_type=refresh_token&refresh_token={}",
            form_encode(refresh.expose_secret())
        );
        let mut request = self
            .http
            .post(url)
            .header(reqwest::header::ACCEPT, "application/json")
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            );
        if creds.basic_auth {
            let pair = format!(
                "{}:{}",
                form_encode(&creds.client_id),
                form_encode(creds.client_secret.expose_secret())
            );
            let mut value = HeaderValue::try_from(format!(
                "Basic {}",
                base64::Engine::encode(&base64::engine::general_purpose::STANDARD, pair)
            ))
            .map_err(|_| RefreshError::Config("client credentials are not header-safe".into()))?;
            value.set_sensitive(true);
            request = request.header(reqwest::header::AUTHORIZATION, value);
        } else {
            body.push_str(&format!(
                "&client_id={}&client_secret={}",
                form_encode(&creds.client_id),
                form_encode(creds.client_secret.expose_secret())
            ));
        }
        let response = request.body(body).send().await.map_err(|e| {
            RefreshError::Endpoint(format!("token request failed: {}", e.without_url()))
        })?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|_| RefreshError::Endpoint("token response body broke off".to_owned()))?;
        if !status.is_success() {
            // The body of a refusal names no token: keep its code and text.
            return Err(match serde_json::from_slice::<TokenErrorBody>(&bytes) {
                Ok(body) => RefreshError::Refused {
                    code: body.error,
                    description: body.error_description,
                },
                Err(_) => RefreshError::Endpoint(format!(
                    "the token endpoint answered HTTP {}",
                    status.as_u16()
                )),
            });
        }
        // The body may hold tokens: never keep or print it.
        let mut de = serde_json::Deserializer::from_slice(&bytes);
        let token: TokenBody = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            RefreshError::Endpoint(format!("unreadable token response at `{}`", e.path()))
        })?;
        Ok(Fresh {
            access: SecretString::from(token.access_token),
            refresh: token.refresh_token.map(SecretString::from),
            expires_in: token.expires_in.map(Duration::from_secs),
        })
    }
}

/// A successful token answer (RFC 6749 §5.1); `token_type` is not checked
/// (Sell answers `bearer`).
#[derive(serde::Deserialize)]
struct TokenBody {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
    #[serde(default)]
    refresh_token: Option<String>,
}

/// An error answer (RFC 6749 §5.2).
#[derive(serde::Deserialize)]
struct TokenErrorBody {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

/// `application/x-www-form-urlencoded` encoding of one value.
fn form_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for &b in value.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                out.push(char::from(b));
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

struct Fresh {
    access: SecretString,
    refresh: Option<SecretString>,
    expires_in: Option<Duration>,
}

#[cfg(test)]
mod tests {
    use super::form_encode;

    #[test]
    fn values_are_form_encoded_as_rfc_6749_asks() {
        assert_eq!(form_encode("abc-._*XYZ09"), "abc-._*XYZ09");
        assert_eq!(form_encode("a b+c/d:é"), "a+b%2Bc%2Fd%3A%C3%A9");
    }
}
