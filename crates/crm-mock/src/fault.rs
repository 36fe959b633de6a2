//! Which fault, if any, a request gets: a pure function of the seed, the
//! request's number and the configured [`Faults`].

use rand::Rng;

use crate::Faults;
use crate::rng::{self, stream};

/// What happens to one request instead of (or on top of) normal handling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Answer 429 with `Retry-After: secs`; the request is not handled.
    RateLimited {
        /// The `Retry-After` value in seconds.
        retry_after_secs: u64,
    },
    /// Answer this 5xx status with the system's error body; not handled.
    ServerError {
        /// 500, 502 or 503.
        status: u16,
    },
    /// Close the connection without answering; not handled.
    Drop,
    /// Handle the request, then send its answer with a body that breaks off
    /// (`Content-Length` announces the whole body, half of it is sent).
    Truncate,
}

impl Fault {
    /// A short name for logs.
    pub fn name(self) -> &'static str {
        match self {
            Fault::RateLimited { .. } => "rate_limited",
            Fault::ServerError { .. } => "server_error",
            Fault::Drop => "drop",
            Fault::Truncate => "truncate",
        }
    }
}

/// Decides the fault for request number `n` (0-based, in arrival order).
///
/// A 429 burst is positional: request `n` is rate limited when
/// `n % every < length`. Otherwise one uniform draw from a ChaCha8 stream
/// seeded with `(seed, n)` picks, in this order of the unit interval,
/// drop (`drop_rate`), truncate (`truncate_rate`), 5xx (`error_rate`) or
/// nothing; a second draw picks the 5xx status. The same seed and the same
/// request numbers therefore give the same faults, whatever the timing.
pub fn decide(seed: u64, n: u64, faults: &Faults) -> Option<Fault> {
    if let Some(burst) = faults.rate_limit
        && burst.every > 0
        && n % burst.every < burst.length
    {
        return Some(Fault::RateLimited {
            retry_after_secs: burst.retry_after_secs,
        });
    }
    let rates = [faults.drop_rate, faults.truncate_rate, faults.error_rate];
    if rates.iter().all(|r| *r <= 0.0 || r.is_nan()) {
        return None;
    }
    let mut rng = rng::rng(seed, stream::FAULTS.wrapping_add(n));
    let draw: f64 = rng.random();
    let mut edge = 0.0;
    let clamp = |r: f64| if r.is_nan() { 0.0 } else { r.clamp(0.0, 1.0) };
    edge += clamp(faults.drop_rate);
    if draw < edge {
        return Some(Fault::Drop);
    }
    edge += clamp(faults.truncate_rate);
    if draw < edge {
        return Some(Fault::Truncate);
    }
    edge += clamp(faults.error_rate);
    if draw < edge {
        let status = [500, 502, 503][rng.random_range(0..3)];
        return Some(Fault::ServerError { status });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RateLimitBurst;

    #[test]
    fn no_faults_configured_means_none() {
        let faults = Faults::default();
        assert!((0..1000).all(|n| decide(1, n, &faults).is_none()));
    }

    #[test]
    fn bursts_are_positional() {
        let faults = Faults {
            rate_limit: Some(RateLimitBurst {
                every: 10,
                length: 2,
                retry_after_secs: 3,
            }),
            ..Faults::default()
        };
        let limited: Vec<u64> = (0..30)
            .filter(|n| decide(9, *n, &faults).is_some())
            .collect();
        assert_eq!(limited, vec![0, 1, 10, 11, 20, 21]);
        assert_eq!(
            decide(9, 10, &faults),
            Some(Fault::RateLimited {
                retry_after_secs: 3
            })
        );
    }

    #[test]
    fn rates_are_roughly_honoured_and_reproducible() {
        let faults = Faults {
            error_rate: 0.1,
            drop_rate: 0.05,
            truncate_rate: 0.05,
            ..Faults::default()
        };
        let run = |seed| -> Vec<Option<Fault>> {
            (0..10_000).map(|n| decide(seed, n, &faults)).collect()
        };
        let a = run(42);
        assert_eq!(a, run(42));
        assert_ne!(a, run(43));
        let count = |f: fn(&Option<Fault>) -> bool| a.iter().filter(|x| f(x)).count();
        let errors = count(|f| matches!(f, Some(Fault::ServerError { .. })));
        let drops = count(|f| matches!(f, Some(Fault::Drop)));
        let truncs = count(|f| matches!(f, Some(Fault::Truncate)));
        assert!((800..1200).contains(&errors), "{errors}");
        assert!((350..650).contains(&drops), "{drops}");
        assert!((350..650).contains(&truncs), "{truncs}");
    }
}
