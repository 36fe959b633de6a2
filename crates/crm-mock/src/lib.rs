//! Stateful in-memory HTTP servers for the three systems crm-bridge talks to
//! — Gong's CRM integration API, ConeCRM and Zendesk Sell — each following
//! its spec in `specs/`, seedable with realistic records and able to inject
//! faults (5xx, 429 bursts, latency, dropped connections, truncated bodies)
//! deterministically under a seed.
//!
//! A mock is a real HTTP/1.1 server on `127.0.0.1` (a random port): point a
//! generated client at [`RunningMock::base_url`] and use it as the real API.
//!
//! # In your tests
//!
//! Add `crm-mock` as a dev-dependency beside the client crate under test.
//! [`MockSet::start`] starts the three mocks in one call, and
//! [`MockSet::client_config`] (or [`RunningMock::client_config`]) turns a
//! client crate's `Client::config` into one pointed at the mock with its
//! credentials, no client-side rate limit and quick retries
//! ([`fast_retries`]); [`MockSet::POLL_INTERVAL`] is a status-poll interval
//! for Gong bulk uploads. See [`fixture`] for an example.
//!
//! One mock by hand:
//!
//! ```no_run
//! use crm_mock::{MockConfig, RunningMock, System};
//! use zendesk_sell_api::{Auth, Client, PagedList};
//! use futures::TryStreamExt;
//!
//! # async fn test() -> Result<(), Box<dyn std::error::Error>> {
//! let sell = RunningMock::start(System::ZendeskSell, MockConfig::new(42).with_seed_records(250)).await?;
//! let client = Client::from_config(
//!     Client::config(Auth::bearer(crm_mock::MOCK_TOKEN)).with_base_url(sell.base_url()),
//! )?;
//! let contacts: Vec<_> = client.list_contacts().per_page(100u32).stream().try_collect().await?;
//! assert_eq!(contacts.len(), 250);
//! assert_eq!(sell.records("contact").len(), 250);
//! sell.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! # What each mock implements
//!
//! - **Gong** ([`gong`]): integrations, LDJSON uploads processed
//!   asynchronously (after [`MockConfig::gong_processing`]), request status
//!   with line errors, objects read back, entity schema, and the legacy
//!   paths of the spec.
//! - **ConeCRM** ([`conecrm`]): accounts (with nested contacts), contacts,
//!   leads, tasks, stages, custom fields, query-builder filters.
//! - **Zendesk Sell** ([`sell`]): contacts, deals, leads, notes, orders,
//!   tasks, pipelines, stages, products, the account, custom field
//!   definitions, upserts and the Firehose.
//!
//! # Faults
//!
//! Requests are numbered from 0 in arrival order; the fault of request `n`
//! is decided from `(seed, n)` alone ([`fault::decide`]), so the same request
//! sequence meets the same faults on every run. A dropped connection is
//! closed before the request is handled; a truncated answer is sent after
//! the request was handled (the client cannot tell whether it was: the
//! ambiguous failure a sync must survive). See [`server`] for how both are
//! done on the connection.

// Handlers return an early HTTP answer as the `Err` of their helpers: it is
// built at most once per request and goes straight back to the client.
#![allow(
    clippy::result_large_err,
    reason = "an early axum Response as the error of request helpers"
)]

use std::collections::BTreeMap;
use std::time::Duration;

pub mod conecrm;
mod counts;
pub mod fault;
pub mod fixture;
pub mod gong;
mod http;
mod rng;
mod seed_data;
pub mod sell;
pub mod server;

#[cfg(feature = "client-config")]
pub use fixture::fast_retries;
pub use fixture::{MockPorts, MockSet};
pub use server::{MockBackend, RunningMock};

/// The systems a mock can serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum System {
    /// Gong's CRM integration API.
    Gong,
    /// ConeCRM.
    Conecrm,
    /// Zendesk Sell.
    ZendeskSell,
}

impl System {
    /// The name: `gong`, `conecrm`, `zendesk-sell`.
    pub fn as_str(self) -> &'static str {
        match self {
            System::Gong => "gong",
            System::Conecrm => "conecrm",
            System::ZendeskSell => "zendesk-sell",
        }
    }
}

impl std::fmt::Display for System {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The Basic-auth user (Gong access key) the Gong mock accepts by default:
/// 32 characters, upper-case letters and digits, as Gong's access keys.
pub const GONG_ACCESS_KEY: &str = "MOCKGONGACCESSKEY000000000000001";
/// The Basic-auth password (Gong access key secret) the Gong mock accepts by
/// default: JWT-shaped (three base64url parts), as Gong's secrets are.
pub const GONG_ACCESS_KEY_SECRET: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJjcm0tbW9jayIsInN1YiI6Im1vY2stZ29uZy1hY2Nlc3Mta2V5LXNlY3JldCJ9.bW9jay1zaWduYXR1cmUtbm90LWEtcmVhbC1zZWNyZXQ";
/// The bearer token the ConeCRM and Sell mocks accept by default: 64
/// characters, the length of a Sell personal access token.
pub const MOCK_TOKEN: &str = "mock000000000000000000000000000000000000000000000000000000005e11";

/// Everything a mock server is configured with.
#[derive(Debug, Clone)]
pub struct MockConfig {
    /// Makes seeded data, minted ids and fault decisions deterministic.
    pub seed: u64,
    /// Realistic generated records per seeded entity (Sell: contacts, deals,
    /// leads; ConeCRM: accounts, contacts, leads; Gong: nothing).
    pub seed_records: usize,
    /// The faults to inject.
    pub faults: Faults,
    /// The credentials the server accepts.
    pub auth: MockAuth,
    /// Gong: the time from an upload's receipt until it is `DONE` or
    /// `FAILED` (`PENDING`, then `IN_PROGRESS` for the second half, before).
    pub gong_processing: Duration,
}

impl MockConfig {
    /// No faults, no seeded records, each system's default credentials
    /// ([`MockAuth::default_for`]), Gong uploads processed at once.
    pub fn new(seed: u64) -> Self {
        MockConfig {
            seed,
            seed_records: 0,
            faults: Faults::default(),
            auth: MockAuth::default(),
            gong_processing: Duration::ZERO,
        }
    }

    /// Sets the seed.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Sets the number of seeded records per seeded entity.
    pub fn with_seed_records(mut self, records: usize) -> Self {
        self.seed_records = records;
        self
    }

    /// Sets the faults.
    pub fn with_faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    /// Sets the accepted credentials.
    pub fn with_auth(mut self, auth: MockAuth) -> Self {
        self.auth = auth;
        self
    }

    /// Sets Gong's processing time of an upload.
    pub fn with_gong_processing(mut self, processing: Duration) -> Self {
        self.gong_processing = processing;
        self
    }
}

/// The faults a mock injects; see the [crate docs](crate#faults).
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Probability of a 500/502/503 answer (with the system's error body)
    /// instead of handling the request.
    pub error_rate: f64,
    /// Positional 429 bursts.
    pub rate_limit: Option<RateLimitBurst>,
    /// Added before every answer (faults included).
    pub latency: Duration,
    /// Probability of closing the connection without answering (the
    /// request is not handled).
    pub drop_rate: f64,
    /// Probability of handling the request and then sending its answer
    /// with a body that breaks off (`Content-Length` larger than what is
    /// sent). An answer without a body is dropped instead.
    pub truncate_rate: f64,
}

impl Faults {
    /// No faults.
    pub fn none() -> Self {
        Faults::default()
    }

    /// Sets the 5xx probability.
    pub fn with_error_rate(mut self, rate: f64) -> Self {
        self.error_rate = rate;
        self
    }

    /// Sets the 429 bursts.
    pub fn with_rate_limit(mut self, burst: RateLimitBurst) -> Self {
        self.rate_limit = Some(burst);
        self
    }

    /// Sets the latency added to every answer.
    pub fn with_latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Sets the probability of a dropped connection.
    pub fn with_drop_rate(mut self, rate: f64) -> Self {
        self.drop_rate = rate;
        self
    }

    /// Sets the probability of a truncated body.
    pub fn with_truncate_rate(mut self, rate: f64) -> Self {
        self.truncate_rate = rate;
        self
    }
}

/// 429 bursts: request `n` (0-based, in arrival order) with
/// `n % every < length` is answered 429 with `Retry-After: retry_after_secs`.
#[derive(Debug, Clone, Copy)]
pub struct RateLimitBurst {
    /// The period of the bursts, in requests (0 disables them).
    pub every: u64,
    /// The requests refused at the start of each period.
    pub length: u64,
    /// The `Retry-After` sent, in seconds.
    pub retry_after_secs: u64,
}

/// The credentials a mock accepts. A request without them, or with others,
/// gets the system's 401 answer.
#[derive(Debug, Clone, Default)]
pub enum MockAuth {
    /// Every request, with any `Authorization` header or none.
    Any,
    /// `Authorization: Bearer <token>`.
    Bearer(String),
    /// `Authorization: Basic base64(user:password)`.
    Basic {
        /// The user (Gong: the access key).
        user: String,
        /// The password (Gong: the access key secret).
        password: String,
    },
    /// [`MockAuth::default_for`] the mock's system (the default).
    #[default]
    SystemDefault,
    /// Each system its own: Gong `Basic gong_user:gong_password`, ConeCRM
    /// and Sell `Bearer token` (what `crm mock serve --token …` sets).
    Systems {
        /// The bearer token of ConeCRM and Sell.
        token: String,
        /// Gong's access key.
        gong_user: String,
        /// Gong's access key secret.
        gong_password: String,
    },
}

impl MockAuth {
    /// Each system's default credentials: Gong accepts Basic
    /// [`GONG_ACCESS_KEY`]:[`GONG_ACCESS_KEY_SECRET`]; ConeCRM and Sell accept
    /// `Bearer` [`MOCK_TOKEN`].
    pub fn default_for(system: System) -> MockAuth {
        match system {
            System::Gong => MockAuth::Basic {
                user: GONG_ACCESS_KEY.to_owned(),
                password: GONG_ACCESS_KEY_SECRET.to_owned(),
            },
            System::Conecrm | System::ZendeskSell => MockAuth::Bearer(MOCK_TOKEN.to_owned()),
        }
    }

    /// These credentials for `system`, with [`MockAuth::SystemDefault`] and
    /// [`MockAuth::Systems`] resolved.
    pub fn resolve(&self, system: System) -> MockAuth {
        match self {
            MockAuth::SystemDefault => MockAuth::default_for(system),
            MockAuth::Systems {
                token,
                gong_user,
                gong_password,
            } => match system {
                System::Gong => MockAuth::Basic {
                    user: gong_user.clone(),
                    password: gong_password.clone(),
                },
                System::Conecrm | System::ZendeskSell => MockAuth::Bearer(token.clone()),
            },
            other => other.clone(),
        }
    }
}

/// What a mock saw and did, as a snapshot.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MockStats {
    /// Requests received (faulted and refused ones included).
    pub requests: u64,
    /// Faults injected (429, 5xx, drops, truncations; latency not counted).
    pub faults_injected: u64,
    /// Gong: per object type (`ACCOUNT`, …), how many times each `objectId`
    /// was received in processed uploads.
    pub gong_receipts: BTreeMap<String, BTreeMap<String, u64>>,
    /// Gong: uploads accepted (answered 201).
    pub gong_uploads: u64,
    /// Gong: uploads refused with 409 because their `clientRequestId` was
    /// already used.
    pub gong_duplicate_request_ids: u64,
    /// Gong: what Gong would show of the records it holds.
    pub gong_board: GongBoard,
    /// Sell/ConeCRM: creates, updates and upserts performed, per entity.
    pub writes: BTreeMap<String, u64>,
    /// Sell/ConeCRM: deletes performed, per entity.
    pub deletes: BTreeMap<String, u64>,
}

/// What Gong would show of the deals and fields it holds (seed 000: "deals
/// without an accountId will not appear in Gong"; "deals without an ownerId
/// will not appear in the deal board", the ownerId being "the same as the
/// business user objectId"; "deals without a closeDate will not appear in
/// the deal board"; additional fields "uploaded without updating your
/// schema, are not displayed in Gong").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GongBoard {
    /// Deals held (not deleted).
    pub deals: u64,
    /// Deals on the deal board: an uploaded account, an owner that is an
    /// uploaded business user with an email, a close date.
    pub visible: u64,
    /// Deals whose `accountId` is missing or names no uploaded account
    /// (Gong does not show them at all).
    pub without_account: u64,
    /// Deals whose `ownerId` is missing or names no business user with an
    /// email.
    pub without_known_owner: u64,
    /// Deals without a `closeDate`.
    pub without_close_date: u64,
    /// Per object type, additional field values Gong does not display
    /// (fields not declared in the entity schema), by field name.
    pub undeclared_fields: BTreeMap<String, BTreeMap<String, u64>>,
}
