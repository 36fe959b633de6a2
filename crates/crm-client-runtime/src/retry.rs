//! When to try a request again, and how long to wait first.
//!
//! The decision is a pure function ([`decide`]) of the attempt number, the
//! time spent, the request's idempotency and what happened, so it is tested
//! without HTTP. [`crate::Runtime::execute`] applies it.
//!
//! - **HTTP 429** means the server did not process the request: any request
//!   is retried, after `Retry-After` (seconds or an HTTP date) when given.
//! - **A connect error** means the request never reached the server: any
//!   request is retried.
//! - **HTTP 500/502/503/504, timeouts, resets, broken bodies** may hide a
//!   processed request: only idempotent requests are retried (GET, HEAD,
//!   PUT, DELETE, OPTIONS, and POSTs a system marks idempotent, e.g. Gong's
//!   uploads carrying a `clientRequestId`), after a jittered exponential
//!   backoff.
//! - Attempts and an overall deadline bound the whole call; on giving up the
//!   last response (status and body) or error is returned unchanged.

use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::HeaderValue;

/// How a client retries. [`RetryPolicy::default`]: 4 attempts, backoff from
/// 250 ms doubling to at most 30 s (equal jitter), `Retry-After` honoured up
/// to 5 minutes, 10 minutes overall.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 = never retry).
    pub max_attempts: u32,
    /// The wait before the second attempt; doubled for each further attempt.
    pub initial_backoff: Duration,
    /// The longest computed backoff.
    pub max_backoff: Duration,
    /// The longest `Retry-After` honoured; a server asking for more ends the call.
    pub max_retry_after: Duration,
    /// The time a whole call may take, attempts and waits included. Each
    /// attempt's HTTP timeout is cut to what remains of it.
    pub deadline: Option<Duration>,
    /// Randomise backoffs (equal jitter: half fixed, half random) so clients
    /// that failed together do not retry together.
    pub jitter: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(300),
            deadline: Some(Duration::from_secs(600)),
            jitter: true,
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// Sets the number of attempts (the first included).
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Sets the first backoff and the cap.
    pub fn with_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max.max(initial);
        self
    }

    /// Sets the overall deadline of one call.
    pub fn with_deadline(mut self, deadline: Option<Duration>) -> Self {
        self.deadline = deadline;
        self
    }

    /// Turns jitter on or off (off makes waits exact, e.g. in tests).
    pub fn with_jitter(mut self, jitter: bool) -> Self {
        self.jitter = jitter;
        self
    }

    /// The backoff before attempt `attempt + 1`, with `random` in `[0, 1)`
    /// used for jitter.
    pub fn backoff(&self, attempt: u32, random: f64) -> Duration {
        let exp = attempt.saturating_sub(1).min(30);
        let base = self
            .initial_backoff
            .saturating_mul(1u32 << exp)
            .min(self.max_backoff);
        if self.jitter {
            let half = base / 2;
            half + half.mul_f64(random.clamp(0.0, 1.0))
        } else {
            base
        }
    }
}

/// What one attempt produced, as far as retrying is concerned.
#[derive(Debug, Clone, Copy)]
pub enum Outcome<'a> {
    /// The server answered with this status (and maybe a `Retry-After`).
    Response {
        /// The status.
        status: StatusCode,
        /// The `Retry-After` header, if any.
        retry_after: Option<&'a HeaderValue>,
    },
    /// No usable answer.
    Transport(TransportFailure),
}

/// Kinds of transport failure, from `reqwest::Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportFailure {
    /// The connection could not be made: the request was not sent.
    Connect,
    /// The attempt timed out (the request may have been processed).
    Timeout,
    /// Anything else: reset, broken or truncated body (may have been processed).
    Other,
}

impl TransportFailure {
    /// Classifies a `reqwest::Error`.
    pub fn of(error: &reqwest::Error) -> Self {
        if error.is_connect() {
            TransportFailure::Connect
        } else if error.is_timeout() {
            TransportFailure::Timeout
        } else {
            TransportFailure::Other
        }
    }
}

/// What to do after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Wait this long, then try again.
    Retry(Duration),
    /// Return what the attempt produced.
    Stop(StopReason),
}

/// Why the runtime stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// The outcome is final (a success or a non-retryable answer).
    Final,
    /// Retrying could repeat a side effect: the request is not idempotent.
    NotIdempotent,
    /// The attempts are used up.
    AttemptsExhausted,
    /// The next wait would pass the deadline.
    DeadlineExceeded,
    /// The server asked to wait longer than `max_retry_after`.
    RetryAfterTooLong,
}

/// Statuses retried for idempotent requests.
pub fn is_retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 500 | 502 | 503 | 504)
}

/// Decides what follows attempt number `attempt` (1-based).
///
/// `elapsed` is the time the call has taken so far; `now` is the wall-clock
/// time (for HTTP-date `Retry-After`); `random` in `[0, 1)` drives jitter.
pub fn decide(
    policy: &RetryPolicy,
    attempt: u32,
    elapsed: Duration,
    idempotent: bool,
    outcome: Outcome<'_>,
    now: SystemTime,
    random: f64,
) -> Decision {
    let wait = match outcome {
        Outcome::Response {
            status,
            retry_after,
        } => {
            if status == StatusCode::TOO_MANY_REQUESTS {
                match retry_after.and_then(|v| parse_retry_after(v, now)) {
                    Some(wait) if wait > policy.max_retry_after => {
                        return Decision::Stop(StopReason::RetryAfterTooLong);
                    }
                    Some(wait) => wait,
                    None => policy.backoff(attempt, random),
                }
            } else if is_retryable_status(status) {
                if !idempotent {
                    return Decision::Stop(StopReason::NotIdempotent);
                }
                match retry_after.and_then(|v| parse_retry_after(v, now)) {
                    Some(wait) if wait <= policy.max_retry_after => wait,
                    _ => policy.backoff(attempt, random),
                }
            } else {
                return Decision::Stop(StopReason::Final);
            }
        }
        Outcome::Transport(TransportFailure::Connect) => policy.backoff(attempt, random),
        Outcome::Transport(_) => {
            if !idempotent {
                return Decision::Stop(StopReason::NotIdempotent);
            }
            policy.backoff(attempt, random)
        }
    };
    if attempt >= policy.max_attempts {
        return Decision::Stop(StopReason::AttemptsExhausted);
    }
    if policy
        .deadline
        .is_some_and(|deadline| elapsed.saturating_add(wait) >= deadline)
    {
        return Decision::Stop(StopReason::DeadlineExceeded);
    }
    Decision::Retry(wait)
}

/// Parses `Retry-After`: delay-seconds (`120`) or an HTTP date
/// (`Wed, 21 Oct 2015 07:28:00 GMT`), relative to `now`. A date in the past
/// is a zero wait; anything unparsable is `None`.
pub fn parse_retry_after(value: &HeaderValue, now: SystemTime) -> Option<Duration> {
    let text = value.to_str().ok()?.trim();
    if let Ok(seconds) = text.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(text).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Decides whether a request may be repeated without repeating a side effect.
pub type IdempotencyRule = fn(&reqwest::Request) -> bool;

/// The HTTP rule: GET, HEAD, PUT, DELETE, OPTIONS and TRACE are idempotent.
pub fn idempotent_by_method(request: &reqwest::Request) -> bool {
    use reqwest::Method;
    matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS | Method::TRACE
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy::default().with_jitter(false)
    }

    fn status(code: u16) -> Outcome<'static> {
        Outcome::Response {
            status: StatusCode::from_u16(code).unwrap(),
            retry_after: None,
        }
    }

    const T0: Duration = Duration::ZERO;

    #[test]
    fn backoff_doubles_from_the_initial_wait_up_to_the_cap() {
        let p = policy().with_backoff(Duration::from_millis(100), Duration::from_millis(500));
        let waits: Vec<_> = (1..=5).map(|a| p.backoff(a, 0.0)).collect();
        assert_eq!(
            waits,
            [100, 200, 400, 500, 500]
                .map(Duration::from_millis)
                .to_vec()
        );
    }

    #[test]
    fn jitter_stays_within_half_to_full_backoff() {
        let p =
            RetryPolicy::default().with_backoff(Duration::from_secs(2), Duration::from_secs(60));
        assert_eq!(p.backoff(1, 0.0), Duration::from_secs(1));
        assert_eq!(p.backoff(1, 0.5), Duration::from_millis(1500));
        assert!(p.backoff(1, 0.999_999) <= Duration::from_secs(2));
    }

    #[test]
    fn success_and_client_errors_are_final() {
        for code in [200, 201, 204, 400, 401, 404, 409, 422] {
            assert_eq!(
                decide(&policy(), 1, T0, true, status(code), SystemTime::now(), 0.0),
                Decision::Stop(StopReason::Final),
                "{code}"
            );
        }
    }

    #[test]
    fn server_errors_retry_only_idempotent_requests() {
        for code in [500, 502, 503, 504, 408] {
            assert_eq!(
                decide(&policy(), 1, T0, true, status(code), SystemTime::now(), 0.0),
                Decision::Retry(Duration::from_millis(250))
            );
            assert_eq!(
                decide(
                    &policy(),
                    1,
                    T0,
                    false,
                    status(code),
                    SystemTime::now(),
                    0.0
                ),
                Decision::Stop(StopReason::NotIdempotent)
            );
        }
    }

    #[test]
    fn too_many_requests_is_retried_for_any_method_after_retry_after() {
        let seconds = HeaderValue::from_static("7");
        let outcome = Outcome::Response {
            status: StatusCode::TOO_MANY_REQUESTS,
            retry_after: Some(&seconds),
        };
        assert_eq!(
            decide(&policy(), 1, T0, false, outcome, SystemTime::now(), 0.0),
            Decision::Retry(Duration::from_secs(7))
        );
        // HTTP-date form
        let now = httpdate::parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT").unwrap();
        let date = HeaderValue::from_static("Wed, 21 Oct 2015 07:28:09 GMT");
        let outcome = Outcome::Response {
            status: StatusCode::TOO_MANY_REQUESTS,
            retry_after: Some(&date),
        };
        assert_eq!(
            decide(&policy(), 1, T0, true, outcome, now, 0.0),
            Decision::Retry(Duration::from_secs(9))
        );
        // without the header: the backoff
        assert_eq!(
            decide(&policy(), 2, T0, false, status(429), SystemTime::now(), 0.0),
            Decision::Retry(Duration::from_millis(500))
        );
    }

    #[test]
    fn retry_after_longer_than_allowed_stops() {
        let long = HeaderValue::from_static("3600");
        let outcome = Outcome::Response {
            status: StatusCode::TOO_MANY_REQUESTS,
            retry_after: Some(&long),
        };
        assert_eq!(
            decide(&policy(), 1, T0, true, outcome, SystemTime::now(), 0.0),
            Decision::Stop(StopReason::RetryAfterTooLong)
        );
    }

    #[test]
    fn transport_failures() {
        let now = SystemTime::now();
        let connect = Outcome::Transport(TransportFailure::Connect);
        let timeout = Outcome::Transport(TransportFailure::Timeout);
        assert!(matches!(
            decide(&policy(), 1, T0, false, connect, now, 0.0),
            Decision::Retry(_)
        ));
        assert!(matches!(
            decide(&policy(), 1, T0, true, timeout, now, 0.0),
            Decision::Retry(_)
        ));
        assert_eq!(
            decide(&policy(), 1, T0, false, timeout, now, 0.0),
            Decision::Stop(StopReason::NotIdempotent)
        );
    }

    #[test]
    fn attempts_and_deadline_bound_the_call() {
        let now = SystemTime::now();
        let p = policy().with_max_attempts(3);
        assert!(matches!(
            decide(&p, 2, T0, true, status(503), now, 0.0),
            Decision::Retry(_)
        ));
        assert_eq!(
            decide(&p, 3, T0, true, status(503), now, 0.0),
            Decision::Stop(StopReason::AttemptsExhausted)
        );
        let p = policy().with_deadline(Some(Duration::from_secs(10)));
        assert_eq!(
            decide(
                &p,
                1,
                Duration::from_millis(9_800),
                true,
                status(503),
                now,
                0.0
            ),
            Decision::Stop(StopReason::DeadlineExceeded)
        );
    }

    #[test]
    fn retry_after_forms() {
        let now = httpdate::parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT").unwrap();
        let parse = |v: &'static str| parse_retry_after(&HeaderValue::from_static(v), now);
        assert_eq!(parse("0"), Some(Duration::ZERO));
        assert_eq!(parse(" 120 "), Some(Duration::from_secs(120)));
        assert_eq!(
            parse("Wed, 21 Oct 2015 07:29:00 GMT"),
            Some(Duration::from_secs(60))
        );
        assert_eq!(parse("Wed, 21 Oct 2015 07:00:00 GMT"), Some(Duration::ZERO));
        assert_eq!(parse("soon"), None);
        assert_eq!(parse("-5"), None);
    }
}
