//! The per-client state every request goes through: credentials, retries,
//! rate limiting and the clock.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

#[cfg(feature = "oauth2")]
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, HeaderValue, RETRY_AFTER};

use crate::auth::{Auth, InvalidCredentials};
use crate::body::{BodyLimits, Read, read_bounded};
use crate::clock::Clock;
use crate::limit::{Limiter, RateLimit};
use crate::retry::{
    Decision, IdempotencyRule, Outcome, RetryPolicy, TransportFailure, decide, idempotent_by_method,
};

/// The header progenitor adds to every generated request.
const PROGENITOR_API_VERSION: &str = "api-version";

/// How a [`Runtime`] behaves around each request.
#[derive(Clone)]
pub struct RuntimeOptions {
    /// When and how to retry.
    pub retry: RetryPolicy,
    /// The client-side rate limit (shared by all clones of the client).
    pub rate_limit: RateLimit,
    /// Which requests may be repeated without repeating a side effect.
    pub idempotency: IdempotencyRule,
    /// The time source for waits.
    pub clock: Clock,
    /// The HTTP timeout of one attempt (cut to what remains of the deadline).
    pub attempt_timeout: Option<Duration>,
    /// The largest response body read, per operation ([`crate::body`]).
    pub body_limits: BodyLimits,
}

impl Default for RuntimeOptions {
    fn default() -> Self {
        RuntimeOptions {
            retry: RetryPolicy::default(),
            rate_limit: RateLimit::unlimited(),
            idempotency: idempotent_by_method,
            clock: Clock::real(),
            attempt_timeout: None,
            body_limits: BodyLimits::default(),
        }
    }
}

impl fmt::Debug for RuntimeOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RuntimeOptions")
            .field("retry", &self.retry)
            .field("rate_limit", &self.rate_limit)
            .field("clock", &self.clock)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("body_limits", &self.body_limits)
            .finish_non_exhaustive()
    }
}

/// Counters of what a runtime did (all clones together).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RuntimeStats {
    /// HTTP attempts sent.
    pub attempts: u64,
    /// Attempts that were retries.
    pub retries: u64,
    /// OAuth token refreshes.
    pub refreshes: u64,
    /// Time spent waiting for the rate limiter, in milliseconds.
    pub throttled_ms: u64,
}

/// The state a generated client carries as its inner value; clones share it
/// (one rate limiter, one token, one set of counters per client).
///
/// Raw crates implement progenitor's `ClientHooks::exec` by calling
/// [`Runtime::execute_operation`], so every generated and hand-written
/// operation gets the same treatment.
#[derive(Clone)]
pub struct Runtime {
    inner: Arc<Inner>,
}

struct Inner {
    auth: Auth,
    authorization: Option<HeaderValue>,
    #[cfg(feature = "oauth2")]
    tokens: Option<Arc<crate::oauth::TokenSource>>,
    options: RuntimeOptions,
    limiter: Option<Limiter>,
    attempts: AtomicU64,
    retries: AtomicU64,
    throttled_ms: AtomicU64,
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("auth", &self.inner.auth)
            .field("options", &self.inner.options)
            .finish_non_exhaustive()
    }
}

impl Runtime {
    /// A runtime that authenticates with `auth`, with default options.
    pub fn new(auth: Auth) -> Result<Self, InvalidCredentials> {
        Self::with_options(auth, RuntimeOptions::default())
    }

    /// A runtime with `auth` and `options`.
    pub fn with_options(auth: Auth, options: RuntimeOptions) -> Result<Self, InvalidCredentials> {
        let authorization = auth.header_value()?;
        #[cfg(feature = "oauth2")]
        let tokens = match &auth {
            Auth::OAuth2(credentials) => Some(
                crate::oauth::TokenSource::new(credentials.clone(), options.clock.clone())
                    .map_err(|_| InvalidCredentials("the OAuth token URL is not a valid URL"))?,
            ),
            _ => None,
        };
        let limiter = Limiter::new(options.rate_limit, options.clock.clone());
        Ok(Runtime {
            inner: Arc::new(Inner {
                auth,
                authorization,
                #[cfg(feature = "oauth2")]
                tokens,
                options,
                limiter,
                attempts: AtomicU64::new(0),
                retries: AtomicU64::new(0),
                throttled_ms: AtomicU64::new(0),
            }),
        })
    }

    /// The credentials in use.
    pub fn auth(&self) -> &Auth {
        &self.inner.auth
    }

    /// The options in use.
    pub fn options(&self) -> &RuntimeOptions {
        &self.inner.options
    }

    /// What this runtime (and its clones) did so far.
    pub fn stats(&self) -> RuntimeStats {
        RuntimeStats {
            attempts: self.inner.attempts.load(Ordering::SeqCst),
            retries: self.inner.retries.load(Ordering::SeqCst),
            refreshes: self.refresh_count(),
            throttled_ms: self.inner.throttled_ms.load(Ordering::SeqCst),
        }
    }

    #[cfg(feature = "oauth2")]
    fn refresh_count(&self) -> u64 {
        self.inner.tokens.as_ref().map_or(0, |t| t.refresh_count())
    }

    #[cfg(not(feature = "oauth2"))]
    fn refresh_count(&self) -> u64 {
        0
    }

    /// Refreshes the OAuth access token now (feature `oauth2`); a no-op for
    /// other credentials.
    ///
    /// # Errors
    /// [`crate::oauth::RefreshError`] when the token endpoint refuses or fails.
    #[cfg(feature = "oauth2")]
    pub async fn refresh_token(&self) -> Result<(), crate::oauth::RefreshError> {
        match &self.inner.tokens {
            Some(tokens) => {
                let (_, generation) = match tokens.header().await {
                    Ok(h) => h,
                    Err(_) => (HeaderValue::from_static(""), 0),
                };
                tokens.refresh_if(generation).await
            }
            None => Ok(()),
        }
    }

    /// The OAuth tokens currently held, to persist the (possibly rotated)
    /// refresh token (feature `oauth2`).
    #[cfg(feature = "oauth2")]
    pub async fn oauth_tokens(&self) -> Option<crate::oauth::OAuth2Tokens> {
        match &self.inner.tokens {
            Some(tokens) => Some(tokens.tokens().await),
            None => None,
        }
    }

    /// Sends `request`; see [`Runtime::execute_operation`].
    pub async fn execute(
        &self,
        client: &reqwest::Client,
        request: reqwest::Request,
    ) -> reqwest::Result<reqwest::Response> {
        self.execute_operation(client, request, "request").await
    }

    /// Sends `request` for `operation` with `client`:
    ///
    /// 1. waits for the rate limiter;
    /// 2. adds the `Authorization` header (refreshing an OAuth token that is
    ///    about to expire);
    /// 3. retries as [`RetryPolicy`] and [`crate::retry::decide`] say, cutting
    ///    each attempt's timeout to the remaining deadline; a 401 with OAuth
    ///    credentials refreshes the token once and retries;
    /// 4. returns the last response (status and body intact) or error.
    ///
    /// The body is read before the response is returned, at most the
    /// operation's limit ([`crate::body`]); a longer body ends the call at
    /// once (no retry) with a response whose body fails to read with
    /// [`BodyTooLarge`](crate::body::BodyTooLarge).
    ///
    /// A request whose body is a stream cannot be repeated: it is sent once.
    /// progenitor's `api-version` header (a Dropshot convention none of the
    /// CRM APIs defines) is removed.
    pub async fn execute_operation(
        &self,
        client: &reqwest::Client,
        mut request: reqwest::Request,
        operation: &'static str,
    ) -> reqwest::Result<reqwest::Response> {
        request.headers_mut().remove(PROGENITOR_API_VERSION);
        let options = &self.inner.options;
        let idempotent = (options.idempotency)(&request);
        let started = options.clock.now();
        let mut attempt = 0u32;
        #[cfg(feature = "oauth2")]
        let mut refreshed_after_401 = false;
        let mut current = request;
        loop {
            attempt += 1;
            let spare = current.try_clone();

            if let Some(limiter) = &self.inner.limiter {
                let waited = limiter.acquire().await;
                if !waited.is_zero() {
                    let ms = u64::try_from(waited.as_millis()).unwrap_or(u64::MAX);
                    self.inner.throttled_ms.fetch_add(ms, Ordering::SeqCst);
                }
            }
            if let Some(deadline) = options.retry.deadline {
                let remaining = deadline.saturating_sub(options.clock.now() - started);
                let per_attempt = options
                    .attempt_timeout
                    .map_or(remaining, |t| t.min(remaining));
                *current.timeout_mut() = Some(per_attempt.max(Duration::from_millis(1)));
            }
            #[cfg_attr(not(feature = "oauth2"), allow(unused_variables))]
            let generation = self.authorize(&mut current).await;

            self.inner.attempts.fetch_add(1, Ordering::SeqCst);
            let limit = options.body_limits.limit_for(operation);
            let result = match client.execute(current).await {
                Ok(response) => match read_bounded(response, operation, limit).await {
                    Ok(Read::Whole(response)) => Ok(response),
                    Ok(Read::TooLarge(response)) => return Ok(response),
                    Err(error) => Err(error),
                },
                Err(error) => Err(error),
            };

            #[cfg(feature = "oauth2")]
            if let (Some(tokens), Ok(response), false, Some(_)) = (
                &self.inner.tokens,
                &result,
                refreshed_after_401,
                spare.as_ref(),
            ) && response.status() == StatusCode::UNAUTHORIZED
            {
                refreshed_after_401 = true;
                match tokens.refresh_if(generation.unwrap_or(0)).await {
                    Ok(()) => {
                        tracing::debug!(operation, attempt, "401: token refreshed, retrying");
                        self.inner.retries.fetch_add(1, Ordering::SeqCst);
                        if let Some(next) = spare {
                            current = next;
                            continue;
                        }
                    }
                    Err(error) => {
                        tracing::warn!(operation, %error, "401: token refresh failed");
                    }
                }
                return result;
            }

            let outcome = match &result {
                Ok(response) => Outcome::Response {
                    status: response.status(),
                    retry_after: response.headers().get(RETRY_AFTER),
                },
                Err(error) => Outcome::Transport(TransportFailure::of(error)),
            };
            let decision = decide(
                &options.retry,
                attempt,
                options.clock.now() - started,
                idempotent,
                outcome,
                SystemTime::now(),
                fastrand::f64(),
            );
            match (decision, spare) {
                (Decision::Retry(wait), Some(next)) => {
                    log_retry(operation, attempt, &result, wait);
                    self.inner.retries.fetch_add(1, Ordering::SeqCst);
                    drop(result);
                    options.clock.sleep(wait).await;
                    current = next;
                }
                (decision, _) => {
                    if let Decision::Stop(reason) = decision
                        && (attempt > 1 || reason != crate::retry::StopReason::Final)
                    {
                        tracing::debug!(operation, attempt, ?reason, "not retrying");
                    }
                    return result;
                }
            }
        }
    }

    /// Sets the `Authorization` header; returns the OAuth token generation used.
    async fn authorize(&self, request: &mut reqwest::Request) -> Option<u64> {
        if let Some(value) = &self.inner.authorization {
            request.headers_mut().insert(AUTHORIZATION, value.clone());
            return None;
        }
        #[cfg(feature = "oauth2")]
        if let Some(tokens) = &self.inner.tokens {
            match tokens.header().await {
                Ok((value, generation)) => {
                    request.headers_mut().insert(AUTHORIZATION, value);
                    return Some(generation);
                }
                Err(error) => {
                    // Sent without a token: the server's 401 reaches the caller.
                    tracing::warn!(%error, "no OAuth access token");
                    return Some(0);
                }
            }
        }
        None
    }
}

fn log_retry(
    operation: &'static str,
    attempt: u32,
    result: &reqwest::Result<reqwest::Response>,
    wait: Duration,
) {
    let wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
    match result {
        Ok(response) => tracing::info!(
            operation,
            attempt,
            status = response.status().as_u16(),
            wait_ms,
            "retrying"
        ),
        Err(error) => tracing::info!(
            operation,
            attempt,
            failure = ?TransportFailure::of(error),
            wait_ms,
            "retrying"
        ),
    }
}
