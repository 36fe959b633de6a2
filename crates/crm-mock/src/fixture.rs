//! The one-call test fixture: the three mocks started together, and client
//! configurations pointed at them with test settings.
//!
//! ```
//! # async fn test() -> Result<(), Box<dyn std::error::Error>> {
//! use crm_mock::{MockConfig, MockSet, System};
//!
//! // Sell and ConeCRM seeded with 25 records per entity; Gong empty.
//! let mocks = MockSet::start_with(MockConfig::new(7).with_seed_records(25)).await?;
//! // The client crate's own defaults, pointed at the mock with the mock's
//! // credentials, no client-side rate limit and quick, jitter-free retries.
//! let sell = zendesk_sell_api::Client::from_config(
//!     mocks.client_config(System::ZendeskSell, zendesk_sell_api::Client::config),
//! )?;
//! use futures::TryStreamExt;
//! use zendesk_sell_api::PagedList;
//! let contacts: Vec<_> = sell.list_contacts().per_page(100u32).stream().try_collect().await?;
//! assert_eq!(contacts.len(), 25);
//! // Gong processes uploads at once: poll its status at this interval.
//! let _poll = MockSet::POLL_INTERVAL;
//! mocks.shutdown().await;
//! # Ok(()) }
//! # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(test())?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use crate::{MockConfig, RunningMock, System};

/// The ports of a [`MockSet`] on `127.0.0.1`; 0 (the default) picks a free one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MockPorts {
    /// Gong's port.
    pub gong: u16,
    /// ConeCRM's port.
    pub conecrm: u16,
    /// Zendesk Sell's port.
    pub sell: u16,
}

/// Gong, ConeCRM and Zendesk Sell mocks, each on its own random port of
/// `127.0.0.1`; see the [module docs](self).
#[derive(Debug)]
pub struct MockSet {
    /// Gong (never seeded: an empty company, uploads processed at once).
    pub gong: RunningMock,
    /// ConeCRM.
    pub conecrm: RunningMock,
    /// Zendesk Sell.
    pub sell: RunningMock,
}

impl MockSet {
    /// A status-poll interval suited to the mocks (Gong processes an upload
    /// in [`MockConfig::gong_processing`], zero by default): use it as
    /// `gong_crm_api::bulk::BulkOptions::poll_initial` and `poll_max`.
    pub const POLL_INTERVAL: Duration = Duration::from_millis(5);

    /// The three mocks with [`MockConfig::new`]`(42)`: no seeded records, no
    /// faults, the default credentials, Gong uploads processed at once.
    ///
    /// # Errors
    /// The I/O error if a listener cannot be bound.
    pub async fn start() -> io::Result<MockSet> {
        Self::start_with(MockConfig::new(42)).await
    }

    /// The three mocks with `config` (Gong with `seed_records` set to 0: it
    /// has no records to seed).
    ///
    /// # Errors
    /// The I/O error if a listener cannot be bound.
    pub async fn start_with(config: MockConfig) -> io::Result<MockSet> {
        Self::start_on(config, MockPorts::default()).await
    }

    /// As [`MockSet::start_with`], on the given ports of `127.0.0.1` (0: a
    /// free one), e.g. stable URLs for a hand-written `crm.toml`.
    ///
    /// # Errors
    /// The I/O error if a listener cannot be bound (e.g. the port is taken).
    pub async fn start_on(config: MockConfig, ports: MockPorts) -> io::Result<MockSet> {
        let at = |port: u16| SocketAddr::from(([127, 0, 0, 1], port));
        let gong_config = config.clone().with_seed_records(0);
        Ok(MockSet {
            gong: RunningMock::start_on(System::Gong, gong_config, at(ports.gong)).await?,
            conecrm: RunningMock::start_on(System::Conecrm, config.clone(), at(ports.conecrm))
                .await?,
            sell: RunningMock::start_on(System::ZendeskSell, config, at(ports.sell)).await?,
        })
    }

    /// The mock of `system`.
    pub fn mock(&self, system: System) -> &RunningMock {
        match system {
            System::Gong => &self.gong,
            System::Conecrm => &self.conecrm,
            System::ZendeskSell => &self.sell,
        }
    }

    /// A client configuration for the mock of `system`; see
    /// [`RunningMock::client_config`].
    #[cfg(feature = "client-config")]
    pub fn client_config(
        &self,
        system: System,
        defaults: impl FnOnce(crm_client_runtime::Auth) -> crm_client_runtime::ClientConfig,
    ) -> crm_client_runtime::ClientConfig {
        self.mock(system).client_config(defaults)
    }

    /// Stops the three servers.
    pub async fn shutdown(self) {
        self.gong.shutdown().await;
        self.conecrm.shutdown().await;
        self.sell.shutdown().await;
    }
}

/// Retries suited to tests against the mocks: up to 8 attempts, 10 ms
/// doubling to 100 ms, no jitter (so a test with injected faults is quick
/// and repeatable).
#[cfg(feature = "client-config")]
pub fn fast_retries() -> crm_client_runtime::RetryPolicy {
    crm_client_runtime::RetryPolicy::default()
        .with_jitter(false)
        .with_max_attempts(8)
        .with_backoff(Duration::from_millis(10), Duration::from_millis(100))
}

#[cfg(feature = "client-config")]
impl RunningMock {
    /// `defaults(auth)` — a client crate's `Client::config`, which carries
    /// its user agent and idempotency rule — with the credentials this mock
    /// accepts, its base URL, no client-side rate limit and
    /// [`fast_retries`].
    ///
    /// ```
    /// # async fn test() -> Result<(), Box<dyn std::error::Error>> {
    /// use crm_mock::{MockConfig, RunningMock, System};
    /// let gong = RunningMock::start(System::Gong, MockConfig::new(1)).await?;
    /// let client = gong_crm_api::Client::from_config(gong.client_config(gong_crm_api::Client::config))?;
    /// # let _ = client;
    /// # Ok(()) }
    /// ```
    pub fn client_config(
        &self,
        defaults: impl FnOnce(crm_client_runtime::Auth) -> crm_client_runtime::ClientConfig,
    ) -> crm_client_runtime::ClientConfig {
        use crate::MockAuth;
        use crm_client_runtime::Auth;
        let auth = match self.config().auth.resolve(self.system()) {
            MockAuth::Basic { user, password } => Auth::basic(user, password),
            MockAuth::Bearer(token) => Auth::bearer(token),
            MockAuth::Any | MockAuth::SystemDefault | MockAuth::Systems { .. } => Auth::None,
        };
        defaults(auth)
            .with_base_url(self.base_url())
            .with_rate_limit(crm_client_runtime::RateLimit::unlimited())
            .with_retry(fast_retries())
    }
}
