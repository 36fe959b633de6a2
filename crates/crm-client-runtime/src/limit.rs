//! An optional client-side rate limiter (governor's GCRA), shared by every
//! clone of a client, so a process stays under a system's published limits
//! instead of collecting HTTP 429s.

use std::fmt;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::middleware::NoOpMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};

use crate::clock::Clock;

/// Limits on the request rate. Each limit is a quota replenished evenly over
/// its period, with bursts up to the quota (e.g. 3 per second allows 3 at
/// once, then one every 333 ms).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RateLimit {
    /// At most this many requests per second.
    pub per_second: Option<NonZeroU32>,
    /// At most this many requests per hour.
    pub per_hour: Option<NonZeroU32>,
    /// At most this many requests per day.
    pub per_day: Option<NonZeroU32>,
}

impl RateLimit {
    /// No limit.
    pub fn unlimited() -> Self {
        RateLimit::default()
    }

    /// `n` requests per second (0 means no per-second limit).
    pub fn per_second(n: u32) -> Self {
        RateLimit {
            per_second: NonZeroU32::new(n),
            ..RateLimit::default()
        }
    }

    /// Adds a per-hour quota (0 removes it).
    pub fn and_per_hour(mut self, n: u32) -> Self {
        self.per_hour = NonZeroU32::new(n);
        self
    }

    /// Adds a per-day quota (0 removes it).
    pub fn and_per_day(mut self, n: u32) -> Self {
        self.per_day = NonZeroU32::new(n);
        self
    }

    /// Whether no limit is set.
    pub fn is_unlimited(&self) -> bool {
        self.per_second.is_none() && self.per_hour.is_none() && self.per_day.is_none()
    }
}

type Gcra = RateLimiter<NotKeyed, InMemoryState, Clock, NoOpMiddleware<Duration>>;

/// The running limiter: one GCRA per quota, all sharing one [`Clock`].
pub(crate) struct Limiter {
    limits: Vec<Gcra>,
    clock: Clock,
}

impl fmt::Debug for Limiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Limiter")
            .field("quotas", &self.limits.len())
            .finish_non_exhaustive()
    }
}

impl Limiter {
    pub(crate) fn new(limit: RateLimit, clock: Clock) -> Option<Self> {
        let quotas = [
            limit.per_second.map(Quota::per_second),
            limit.per_hour.map(Quota::per_hour),
            limit.per_day.and_then(|n| {
                Quota::with_period(Duration::from_secs(86_400) / n.get()).map(|q| q.allow_burst(n))
            }),
        ];
        let limits: Vec<Gcra> = quotas
            .into_iter()
            .flatten()
            .map(|q| RateLimiter::direct_with_clock(q, clock.clone()))
            .collect();
        if limits.is_empty() {
            None
        } else {
            Some(Limiter { limits, clock })
        }
    }

    /// Waits until every quota allows one more request, and takes it.
    /// Returns the total time waited.
    pub(crate) async fn acquire(&self) -> Duration {
        let mut waited = Duration::ZERO;
        for limit in &self.limits {
            loop {
                match limit.check() {
                    Ok(()) => break,
                    Err(not_until) => {
                        let wait = not_until.wait_time_from(self.clock.now());
                        // A zero wait can only come from clock granularity:
                        // wait a tick rather than spin.
                        let wait = wait.max(Duration::from_micros(100));
                        self.clock.sleep(wait).await;
                        waited += wait;
                    }
                }
            }
        }
        waited
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn three_per_second_bursts_three_then_spaces_by_a_third() {
        let (clock, handle) = Clock::virtual_clock();
        let limiter = Limiter::new(RateLimit::per_second(3), clock).unwrap();
        for _ in 0..6 {
            limiter.acquire().await;
        }
        let sleeps = handle.sleeps();
        assert_eq!(sleeps.len(), 3, "{sleeps:?}");
        let total: Duration = sleeps.iter().sum();
        assert!(
            total >= Duration::from_millis(999) && total <= Duration::from_millis(1001),
            "3 extra requests need one more second: {total:?}"
        );
    }

    #[tokio::test]
    async fn a_daily_quota_holds_until_the_next_day_share() {
        let (clock, handle) = Clock::virtual_clock();
        let limiter = Limiter::new(RateLimit::unlimited().and_per_day(2), clock).unwrap();
        limiter.acquire().await;
        limiter.acquire().await;
        assert!(handle.sleeps().is_empty());
        limiter.acquire().await;
        let waited: Duration = handle.sleeps().iter().sum();
        assert!(waited >= Duration::from_secs(43_199), "{waited:?}");
    }

    #[test]
    fn unlimited_makes_no_limiter() {
        assert!(Limiter::new(RateLimit::unlimited(), Clock::real()).is_none());
        assert!(RateLimit::per_second(0).is_unlimited());
    }
}
