//! The time source for every wait the runtime makes (retry backoff, rate
//! limiting, token expiry): real time, or a virtual clock for tests that
//! records each wait and advances instantly.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A monotonic clock with a `sleep`. Clones share the same time.
///
/// ```
/// # tokio_test_block_on(async {
/// use std::time::Duration;
/// use crm_client_runtime::clock::Clock;
///
/// let (clock, handle) = Clock::virtual_clock();
/// clock.sleep(Duration::from_secs(30)).await; // returns at once
/// assert_eq!(handle.elapsed(), Duration::from_secs(30));
/// assert_eq!(handle.sleeps(), vec![Duration::from_secs(30)]);
/// # });
/// # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f)
/// # }
/// ```
#[derive(Clone)]
pub struct Clock(Kind);

#[derive(Clone)]
enum Kind {
    Real { start: Instant },
    Virtual(Arc<VirtualState>),
}

struct VirtualState {
    now_nanos: AtomicU64,
    sleeps: Mutex<Vec<Duration>>,
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Kind::Real { .. } => f.write_str("Clock::Real"),
            Kind::Virtual(state) => write!(
                f,
                "Clock::Virtual({:?})",
                Duration::from_nanos(state.now_nanos.load(Ordering::SeqCst))
            ),
        }
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::real()
    }
}

impl Clock {
    /// Real time: `sleep` is `tokio::time::sleep`.
    pub fn real() -> Self {
        Clock(Kind::Real {
            start: Instant::now(),
        })
    }

    /// A virtual clock starting at zero: `sleep(d)` advances it by `d` at
    /// once and records `d`. The handle reads and advances it.
    pub fn virtual_clock() -> (Self, VirtualClock) {
        let state = Arc::new(VirtualState {
            now_nanos: AtomicU64::new(0),
            sleeps: Mutex::new(Vec::new()),
        });
        (
            Clock(Kind::Virtual(Arc::clone(&state))),
            VirtualClock { state },
        )
    }

    /// Time elapsed since the clock was made.
    pub fn now(&self) -> Duration {
        match &self.0 {
            Kind::Real { start } => start.elapsed(),
            Kind::Virtual(state) => Duration::from_nanos(state.now_nanos.load(Ordering::SeqCst)),
        }
    }

    /// Waits `duration` (real), or records it and advances (virtual).
    pub async fn sleep(&self, duration: Duration) {
        match &self.0 {
            Kind::Real { .. } => tokio::time::sleep(duration).await,
            Kind::Virtual(state) => {
                state.advance(duration);
                if let Ok(mut sleeps) = state.sleeps.lock() {
                    sleeps.push(duration);
                }
            }
        }
    }

    /// Whether this is a virtual clock.
    pub fn is_virtual(&self) -> bool {
        matches!(self.0, Kind::Virtual(_))
    }
}

impl VirtualState {
    fn advance(&self, duration: Duration) {
        let nanos = u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX);
        self.now_nanos.fetch_add(nanos, Ordering::SeqCst);
    }
}

/// The test handle of a virtual [`Clock`].
#[derive(Clone)]
pub struct VirtualClock {
    state: Arc<VirtualState>,
}

impl fmt::Debug for VirtualClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VirtualClock")
            .field("elapsed", &self.elapsed())
            .finish()
    }
}

impl VirtualClock {
    /// Virtual time elapsed so far.
    pub fn elapsed(&self) -> Duration {
        Duration::from_nanos(self.state.now_nanos.load(Ordering::SeqCst))
    }

    /// Every wait made so far, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.state
            .sleeps
            .lock()
            .map(|s| s.clone())
            .unwrap_or_default()
    }

    /// Moves virtual time forward without recording a wait.
    pub fn advance(&self, duration: Duration) {
        self.state.advance(duration);
    }
}

impl governor::clock::Clock for Clock {
    type Instant = Duration;

    fn now(&self) -> Duration {
        Clock::now(self)
    }
}
