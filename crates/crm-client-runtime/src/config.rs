//! Building the HTTP client every raw crate uses.

use std::fmt;
use std::time::Duration;

use crate::auth::{Auth, InvalidCredentials};
use crate::clock::Clock;
use crate::limit::RateLimit;
use crate::retry::{IdempotencyRule, RetryPolicy};
use crate::runtime::{Runtime, RuntimeOptions};

/// Everything needed to build a raw client: base URL, credentials, timeouts,
/// user agent, retry policy, rate limit. Each raw crate offers a
/// `Client::config(auth)` that fills in its system's base URL, user agent,
/// idempotency rule and default rate limit.
#[derive(Clone)]
pub struct ClientConfig {
    base_url: String,
    auth: Auth,
    timeout: Duration,
    connect_timeout: Duration,
    user_agent: String,
    options: RuntimeOptions,
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("base_url", &self.base_url)
            .field("auth", &self.auth)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("user_agent", &self.user_agent)
            .field("options", &self.options)
            .finish()
    }
}

/// The parts a generated client is made of.
#[derive(Debug, Clone)]
pub struct Parts {
    /// The base URL, validated, without a trailing `/`.
    pub base_url: String,
    /// The HTTP client (timeouts, user agent, redirect policy set).
    pub http: reqwest::Client,
    /// The runtime the client routes requests through.
    pub runtime: Runtime,
}

/// Why a client could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The base URL is not an absolute `http(s)` URL.
    #[error("invalid base URL `{url}`: {reason}")]
    InvalidBaseUrl {
        /// The URL given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A credential cannot be sent as a header.
    #[error(transparent)]
    InvalidCredentials(#[from] InvalidCredentials),
    /// The HTTP client could not be built (e.g. the TLS backend failed).
    #[error("cannot build the HTTP client: {0}")]
    Http(#[source] reqwest::Error),
}

impl ClientConfig {
    /// Default overall timeout of one request.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
    /// Default connect timeout.
    pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
    /// Default limit of one response body, in bytes (16 MiB): many times
    /// the largest real page of the three APIs (see [`crate::body`]).
    pub const DEFAULT_BODY_LIMIT: u64 = 16 * 1024 * 1024;

    /// A configuration for `base_url` with `auth` and default timeouts.
    pub fn new(base_url: impl Into<String>, auth: Auth) -> Self {
        ClientConfig {
            base_url: base_url.into(),
            auth,
            timeout: Self::DEFAULT_TIMEOUT,
            connect_timeout: Self::DEFAULT_CONNECT_TIMEOUT,
            user_agent: concat!("crm-bridge/", env!("CARGO_PKG_VERSION")).to_owned(),
            options: RuntimeOptions::default(),
        }
    }

    /// Sets the retry policy ([`RetryPolicy::none`] disables retries).
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.options.retry = retry;
        self
    }

    /// Sets the client-side rate limit ([`RateLimit::unlimited`] removes it).
    pub fn with_rate_limit(mut self, limit: RateLimit) -> Self {
        self.options.rate_limit = limit;
        self
    }

    /// Sets which requests may be retried after an ambiguous failure.
    pub fn with_idempotency(mut self, rule: IdempotencyRule) -> Self {
        self.options.idempotency = rule;
        self
    }

    /// Sets the clock used for waits (a virtual clock makes tests instant).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.options.clock = clock;
        self
    }

    /// Sets the largest response body read for every operation without a
    /// limit of its own (default [`Self::DEFAULT_BODY_LIMIT`]). A longer
    /// body is [`ApiError::BodyTooLarge`](crate::ApiError::BodyTooLarge).
    pub fn with_body_limit(mut self, bytes: u64) -> Self {
        self.options.body_limits.default = bytes;
        self
    }

    /// Sets the largest response body read for `operation` (its operation
    /// id, e.g. `"list_contacts"`), overriding [`Self::with_body_limit`].
    pub fn with_operation_body_limit(mut self, operation: &'static str, bytes: u64) -> Self {
        self.options
            .body_limits
            .per_operation
            .insert(operation, bytes);
        self
    }

    /// The response body limits.
    pub fn body_limits(&self) -> &crate::body::BodyLimits {
        &self.options.body_limits
    }

    /// The retry policy.
    pub fn retry(&self) -> &RetryPolicy {
        &self.options.retry
    }

    /// The rate limit.
    pub fn rate_limit(&self) -> RateLimit {
        self.options.rate_limit
    }

    /// Replaces the base URL (e.g. a company-specific Gong host, or a local mock).
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// Replaces the credentials.
    pub fn with_auth(mut self, auth: Auth) -> Self {
        self.auth = auth;
        self
    }

    /// Sets the overall timeout of one request (connect + send + read).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the connect timeout.
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets the `User-Agent` header sent with every request.
    pub fn with_user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// The base URL as given.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The credentials.
    pub fn auth(&self) -> &Auth {
        &self.auth
    }

    /// The `User-Agent` header value.
    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }

    /// Validates the configuration and builds the HTTP client and runtime.
    pub fn build(self) -> Result<Parts, BuildError> {
        let base_url = normalize_base_url(&self.base_url)?;
        let mut options = self.options;
        options.attempt_timeout = Some(self.timeout);
        let runtime = Runtime::with_options(self.auth, options)?;
        let http = reqwest::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .user_agent(self.user_agent)
            // The credential is added per request by the runtime; reqwest
            // drops `Authorization` when a redirect leaves the origin.
            .redirect(reqwest::redirect::Policy::limited(5))
            .build()
            .map_err(BuildError::Http)?;
        Ok(Parts {
            base_url,
            http,
            runtime,
        })
    }
}

/// Checks that `url` is an absolute http(s) URL and strips trailing `/`
/// (generated code appends paths that start with `/`).
fn normalize_base_url(url: &str) -> Result<String, BuildError> {
    let invalid = |reason: &str| BuildError::InvalidBaseUrl {
        url: url.to_owned(),
        reason: reason.to_owned(),
    };
    let parsed = reqwest::Url::parse(url).map_err(|e| invalid(&e.to_string()))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(invalid("the scheme must be http or https"));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(invalid("the URL has no host"));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(invalid("the URL must not have a query or fragment"));
    }
    Ok(url.trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_validated_and_trimmed() {
        let ok = |u: &str| normalize_base_url(u).unwrap();
        assert_eq!(ok("https://api.gong.io/"), "https://api.gong.io");
        assert_eq!(
            ok("http://127.0.0.1:8080/base/"),
            "http://127.0.0.1:8080/base"
        );
        for bad in [
            "api.gong.io",
            "ftp://x.io",
            "https://x.io/?a=1",
            "not a url",
            "",
        ] {
            assert!(
                matches!(
                    normalize_base_url(bad),
                    Err(BuildError::InvalidBaseUrl { .. })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn debug_of_config_hides_credentials() {
        let config = ClientConfig::new("https://x.io", Auth::basic("AK-123", "SECRET-456"));
        let shown = format!("{config:?}");
        assert!(
            !shown.contains("AK-123") && !shown.contains("SECRET-456"),
            "{shown}"
        );
        let parts = config.build().unwrap();
        let shown = format!("{parts:?}");
        assert!(
            !shown.contains("AK-123") && !shown.contains("SECRET-456"),
            "{shown}"
        );
    }
}
