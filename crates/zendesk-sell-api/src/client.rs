//! Constructors for this system's defaults. `Client::from_config`,
//! `Client::runtime` and the hook that routes every request through the
//! runtime are emitted by the generator (see `generated.rs`).

use crm_client_runtime::oauth::OAuth2Credentials;
use crm_client_runtime::{Auth, BuildError, ClientConfig, RateLimit};

use crate::Client;

/// Zendesk Sell's API host: the Core API lives under `/v2`, the Firehose
/// (Sync) API under `/v3`. Use [`ClientConfig::with_base_url`] for a local
/// mock server.
pub const DEFAULT_BASE_URL: &str = "https://api.getbase.com";

/// The `User-Agent` this crate sends. Sell rejects requests without one.
/// Sell's OAuth 2.0 token endpoint (for [`OAuth2Credentials`]).
pub const TOKEN_URL: &str = "https://api.getbase.com/oauth2/token";

pub(crate) const USER_AGENT: &str = concat!("zendesk-sell-api/", env!("CARGO_PKG_VERSION"));

impl Client {
    /// A client for [`DEFAULT_BASE_URL`] authenticated with an OAuth 2.0
    /// access token or a personal access token (`Authorization: Bearer`),
    /// sending this crate's `User-Agent`. The token is never printed.
    ///
    /// # Errors
    /// [`BuildError`] if the token cannot form a header (e.g. it contains a
    /// line break) or the HTTP client cannot be built.
    pub fn with_token(token: impl Into<String>) -> Result<Self, BuildError> {
        Self::from_config(Self::config(Auth::bearer(token)))
    }

    /// A client for [`DEFAULT_BASE_URL`] whose OAuth 2.0 access token is
    /// renewed with a refresh token (at
    /// [`TOKEN_URL`]): before it expires, and once on a 401. Concurrent
    /// requests share one refresh; no token or secret is ever printed.
    /// Persist a rotated refresh token from
    /// [`Runtime::oauth_tokens`](crm_client_runtime::Runtime::oauth_tokens).
    ///
    /// # Errors
    /// [`BuildError`] if the token URL is invalid or the HTTP client cannot
    /// be built.
    pub fn with_oauth2(credentials: OAuth2Credentials) -> Result<Self, BuildError> {
        Self::from_config(Self::config(Auth::oauth2(credentials)))
    }

    /// The default configuration for Zendesk Sell with `auth`:
    /// [`DEFAULT_BASE_URL`], this crate's `User-Agent`
    /// (`zendesk-sell-api/<version>`; the API requires one) and Sell's
    /// published rate limit ([`default_rate_limit`]). Adjust it, then call
    /// [`Client::from_config`].
    pub fn config(auth: Auth) -> ClientConfig {
        ClientConfig::new(DEFAULT_BASE_URL, auth)
            .with_user_agent(USER_AGENT)
            .with_rate_limit(default_rate_limit())
    }
}

/// Sell's published limit: 36,000 requests per hour per access token (a
/// client holds one token; clones share the limiter). Over it, Sell answers
/// 429.
pub fn default_rate_limit() -> RateLimit {
    RateLimit::unlimited().and_per_hour(36_000)
}
