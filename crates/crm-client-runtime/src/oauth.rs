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

use oauth2::{
    AuthType, ClientId, ClientSecret, RefreshToken, RequestTokenError, TokenResponse, TokenUrl,
};
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
        TokenUrl::new(credentials.token_url.clone())
            .map_err(|e| RefreshError::Config(e.to_string()))?;
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

    async fn exchange(&self, refresh: &SecretString) -> Result<Fresh, RefreshError> {
        let token_url = TokenUrl::new(self.credentials.token_url.clone())
            .map_err(|e| RefreshError::Config(e.to_string()))?;
        let client =
            oauth2::basic::BasicClient::new(ClientId::new(self.credentials.client_id.clone()))
                .set_client_secret(ClientSecret::new(
                    self.credentials.client_secret.expose_secret().to_owned(),
                ))
                .set_token_uri(token_url)
                .set_auth_type(if self.credentials.basic_auth {
                    AuthType::BasicAuth
                } else {
                    AuthType::RequestBody
                });
        let refresh_token = RefreshToken::new(refresh.expose_secret().to_owned());
        let http = self.http.clone();
        let send = move |request: oauth2::HttpRequest| {
            let http = http.clone();
            async move { send_token_request(&http, request).await }
        };
        let response = client
            .exchange_refresh_token(&refresh_token)
            .request_async(&send)
            .await
            .map_err(|e| match e {
                RequestTokenError::ServerResponse(body) => RefreshError::Refused {
                    code: body.error().as_ref().to_owned(),
                    description: body.error_description().cloned(),
                },
                RequestTokenError::Request(e) => RefreshError::Endpoint(e.to_string()),
                // The body may hold tokens: never keep or print it.
                RequestTokenError::Parse(e, _body) => {
                    RefreshError::Endpoint(format!("unreadable token response at `{}`", e.path()))
                }
                RequestTokenError::Other(message) => RefreshError::Endpoint(message),
            })?;
        Ok(Fresh {
            access: SecretString::from(response.access_token().secret().to_owned()),
            refresh: response
                .refresh_token()
                .map(|r| SecretString::from(r.secret().to_owned())),
            expires_in: response.expires_in(),
        })
    }
}

struct Fresh {
    access: SecretString,
    refresh: Option<SecretString>,
    expires_in: Option<Duration>,
}

/// A transport error of the token request; its text names no secret.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct TokenTransportError(String);

async fn send_token_request(
    http: &reqwest::Client,
    request: oauth2::HttpRequest,
) -> Result<oauth2::HttpResponse, TokenTransportError> {
    let (parts, body) = request.into_parts();
    let mut builder = http.request(parts.method, parts.uri.to_string()).body(body);
    for (name, value) in parts.headers.iter() {
        let mut value = value.clone();
        value.set_sensitive(true);
        builder = builder.header(name, value);
    }
    let response = builder
        .send()
        .await
        .map_err(|e| TokenTransportError(format!("token request failed: {}", e.without_url())))?;
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response
        .bytes()
        .await
        .map_err(|_| TokenTransportError("token response body broke off".to_owned()))?;
    let mut out = http::Response::builder().status(status);
    for (name, value) in headers.iter() {
        out = out.header(name, value);
    }
    out.body(bytes.to_vec())
        .map_err(|e| TokenTransportError(e.to_string()))
}
