//! Constructors for this system's defaults. `Client::from_config`,
//! `Client::runtime` and the hook that routes every request through the
//! runtime are emitted by the generator (see `generated.rs`).

use crm_client_runtime::retry::idempotent_by_method;
use crm_client_runtime::{Auth, BuildError, ClientConfig, RateLimit};

use crate::Client;

/// Gong's default API host. A company may have its own (shown on Gong's API
/// page, e.g. `https://us-55616.api.gong.io`): use [`ClientConfig::with_base_url`].
pub const DEFAULT_BASE_URL: &str = "https://api.gong.io";

impl Client {
    /// A client for [`DEFAULT_BASE_URL`] authenticated with a Gong access key
    /// and its secret (HTTP Basic). Neither is ever printed.
    ///
    /// # Errors
    /// [`BuildError`] if the credentials cannot form a header (e.g. the key
    /// contains `:`) or the HTTP client cannot be built.
    pub fn with_basic_auth(
        access_key: impl Into<String>,
        access_key_secret: impl Into<String>,
    ) -> Result<Self, BuildError> {
        Self::from_config(Self::config(Auth::basic(access_key, access_key_secret)))
    }

    /// A client for [`DEFAULT_BASE_URL`] authenticated with an OAuth bearer
    /// token. The token is never printed.
    ///
    /// # Errors
    /// [`BuildError`] if the token cannot form a header or the HTTP client
    /// cannot be built.
    pub fn with_bearer(token: impl Into<String>) -> Result<Self, BuildError> {
        Self::from_config(Self::config(Auth::bearer(token)))
    }

    /// The default configuration for Gong with `auth`: [`DEFAULT_BASE_URL`],
    /// this crate's user agent, Gong's published rate limit
    /// ([`default_rate_limit`]) and its idempotency rule ([`is_idempotent`]).
    /// Adjust it, then call [`Client::from_config`].
    pub fn config(auth: Auth) -> ClientConfig {
        ClientConfig::new(DEFAULT_BASE_URL, auth)
            .with_user_agent(concat!("gong-crm-api/", env!("CARGO_PKG_VERSION")))
            .with_rate_limit(default_rate_limit())
            .with_idempotency(is_idempotent)
    }
}

/// Gong's default limits: 3 calls per second and 10,000 per day per company.
pub fn default_rate_limit() -> RateLimit {
    RateLimit::per_second(3).and_per_day(10_000)
}

/// Which Gong requests may be repeated after an ambiguous failure: the
/// idempotent HTTP methods, and any request carrying a `clientRequestId`
/// (Gong refuses a repeated id with 409 instead of processing it twice).
pub fn is_idempotent(request: &reqwest::Request) -> bool {
    idempotent_by_method(request)
        || request
            .url()
            .query_pairs()
            .any(|(key, _)| key == "clientRequestId")
}
