//! Constructors for this system's defaults. `Client::from_config`,
//! `Client::runtime` and the hook that routes every request through the
//! runtime are emitted by the generator (see `generated.rs`).

use crm_client_runtime::{Auth, BuildError, ClientConfig};

use crate::Client;

/// ConeCRM's API host (the seed's `servers` entry). Use
/// [`ClientConfig::with_base_url`] for another host or a local mock server.
pub const DEFAULT_BASE_URL: &str = "https://api.conecrm.com";

impl Client {
    /// A client for [`DEFAULT_BASE_URL`] authenticated with a ConeCRM JWT
    /// (`Authorization: Bearer <jwt>`). The token is never printed.
    ///
    /// # Errors
    /// [`BuildError`] if the token cannot form a header (e.g. it contains a
    /// line break) or the HTTP client cannot be built.
    pub fn with_token(jwt: impl Into<String>) -> Result<Self, BuildError> {
        Self::from_config(Self::config(Auth::bearer(jwt)))
    }

    /// The default configuration for ConeCRM with `auth`: [`DEFAULT_BASE_URL`]
    /// and this crate's user agent, with the runtime's default retries. The
    /// seed documents no rate limit, so none is set; add one with
    /// [`ClientConfig::with_rate_limit`]. Adjust it, then call
    /// [`Client::from_config`].
    pub fn config(auth: Auth) -> ClientConfig {
        ClientConfig::new(DEFAULT_BASE_URL, auth)
            .with_user_agent(concat!("conecrm-api/", env!("CARGO_PKG_VERSION")))
    }
}
