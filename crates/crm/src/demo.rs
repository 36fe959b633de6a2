//! `crm demo`: three embedded mock servers seeded with data, and every sync
//! between them through crm-core, with a summary table.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crm_client_runtime::retry::RetryPolicy;
use crm_client_runtime::{Auth, ClientConfig};
use crm_core::{ConvertOptions, Currency, System};
pub use crm_mock::MockPorts;
use crm_mock::{MockAuth, MockConfig, MockSet, RunningMock, System as MockSystem};
use gong_crm_api::bulk::BulkOptions;

use crate::clients::{Clients, GongTarget};
use crate::error::CrmError;
use crate::progress::Progress;
use crate::run::{SyncRequest, sync};
use crm_sync::SyncReport;

/// How the demo runs.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Records seeded per entity in Sell and ConeCRM.
    pub records: usize,
    /// Seed of the generated data.
    pub seed: u64,
    /// Progress bars.
    pub progress: Progress,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            records: 2_000,
            seed: 42,
            progress: Progress::Hidden,
        }
    }
}

/// What the demo did.
#[derive(Debug)]
pub struct DemoOutcome {
    /// One report per sync.
    pub reports: Vec<SyncReport>,
    /// Wall time, servers included.
    pub elapsed: Duration,
    /// What the Gong mock shows after every sync, read back from it.
    pub gong_board: crm_mock::GongBoard,
}

/// The mock servers and clients of a demo (also used by tests and benches).
#[derive(Debug)]
pub struct Mocks {
    /// Gong.
    pub gong: RunningMock,
    /// ConeCRM.
    pub conecrm: RunningMock,
    /// Zendesk Sell.
    pub sell: RunningMock,
    /// Clients pointed at them.
    pub clients: Clients,
}

/// The credentials the mocks accept by default for `system`, as client
/// [`Auth`] (they are public test values, not secrets).
pub fn mock_auth(system: MockSystem) -> Auth {
    mock_auth_for(&MockAuth::SystemDefault, system)
}

/// The credentials `auth` makes the mock of `system` accept, as client
/// [`Auth`].
pub fn mock_auth_for(auth: &MockAuth, system: MockSystem) -> Auth {
    match auth.resolve(system) {
        MockAuth::Basic { user, password } => Auth::basic(user, password),
        MockAuth::Bearer(token) => Auth::bearer(token),
        // `resolve` answers Basic, Bearer or Any; Any accepts anything.
        MockAuth::Any | MockAuth::SystemDefault | MockAuth::Systems { .. } => Auth::None,
    }
}

fn client_config(mock: &RunningMock, retry: &RetryPolicy) -> ClientConfig {
    let config = match mock.system() {
        MockSystem::Gong => mock.client_config(gong_crm_api::Client::config),
        MockSystem::Conecrm => mock.client_config(conecrm_api::Client::config),
        MockSystem::ZendeskSell => mock.client_config(zendesk_sell_api::Client::config),
    };
    config.with_retry(retry.clone())
}

/// Starts the three mocks (`config` for Sell and ConeCRM, Gong configured
/// from it without seeded data) and registers a Gong integration.
///
/// # Errors
/// [`CrmError::Mock`] if a server cannot start, [`CrmError::Sync`] if the
/// integration cannot be registered.
pub async fn start_mocks(config: MockConfig) -> Result<Mocks, CrmError> {
    start_mocks_with(config, RetryPolicy::default()).await
}

/// As [`start_mocks`], with the clients retrying by `retry` (tests with
/// injected faults use short backoffs).
///
/// # Errors
/// As [`start_mocks`].
pub async fn start_mocks_with(config: MockConfig, retry: RetryPolicy) -> Result<Mocks, CrmError> {
    start_mocks_at(config, retry, MockPorts::default()).await
}

/// As [`start_mocks`], on the given ports (`crm mock serve --gong-port …`).
///
/// # Errors
/// As [`start_mocks`]; [`CrmError::Mock`] names a port that is taken.
pub async fn start_mocks_on(config: MockConfig, ports: MockPorts) -> Result<Mocks, CrmError> {
    start_mocks_at(config, RetryPolicy::default(), ports).await
}

async fn start_mocks_at(
    config: MockConfig,
    retry: RetryPolicy,
    ports: MockPorts,
) -> Result<Mocks, CrmError> {
    let mock_err = |e: std::io::Error| {
        CrmError::Mock(format!(
            "{e} (ports: gong {}, conecrm {}, sell {}; 0 = any)",
            ports.gong, ports.conecrm, ports.sell
        ))
    };
    let MockSet {
        gong,
        conecrm,
        sell,
    } = MockSet::start_on(config, ports).await.map_err(mock_err)?;
    let build = |system: System, e: crm_client_runtime::BuildError| CrmError::Client {
        system,
        message: e.to_string(),
    };
    let gong_client = gong_crm_api::Client::from_config(client_config(&gong, &retry))
        .map_err(|e| build(System::Gong, e))?;
    let integration_id =
        crate::gong_setup::register(&gong_client, "crm-bridge demo", "demo@crm-bridge.invalid")
            .await?;
    let clients = Clients {
        gong: Some(GongTarget {
            client: gong_client,
            integration_id,
        }),
        conecrm: Some(
            conecrm_api::Client::from_config(client_config(&conecrm, &retry))
                .map_err(|e| build(System::Conecrm, e))?,
        ),
        sell: Some(
            zendesk_sell_api::Client::from_config(client_config(&sell, &retry))
                .map_err(|e| build(System::ZendeskSell, e))?,
        ),
        // ConeCRM's API lists no users: the demo's `[users.conecrm]` gives
        // an email to everyone its leads are assigned to.
        user_emails: [(System::Conecrm, cone_user_emails(&conecrm))].into(),
    };
    Ok(Mocks {
        gong,
        conecrm,
        sell,
        clients,
    })
}

/// An email for each user the ConeCRM mock's leads are assigned to, as a
/// user would list them in `[users.conecrm]`.
fn cone_user_emails(conecrm: &RunningMock) -> BTreeMap<String, String> {
    conecrm
        .records("lead")
        .iter()
        .filter_map(|lead| lead.get("assignees")?.as_array().cloned())
        .flatten()
        .filter_map(|user| user.get("id")?.as_str().map(str::to_owned))
        .collect::<std::collections::BTreeSet<String>>()
        .into_iter()
        .enumerate()
        .map(|(i, id)| (id, format!("sales{}@cone-dealer.example", i + 1)))
        .collect()
}

/// A sync request suited to the mocks (fast polling, the demo's currency).
pub fn mock_request(from: System, to: System, progress: Progress) -> SyncRequest {
    let mut request = SyncRequest::new(from, to);
    request.progress = progress;
    request.options = ConvertOptions {
        gong_currency: Some(Currency::new("USD")),
        currency_rates: [("EUR", "1.08"), ("GBP", "1.27")]
            .into_iter()
            .filter_map(|(code, rate)| {
                crm_core::Money::parse(rate, None).map(|m| (Currency::new(code), m.amount))
            })
            .collect(),
        default_modified_date: Some(chrono::Utc::now()),
        ..ConvertOptions::default()
    };
    request.bulk = BulkOptions {
        poll_initial: Duration::from_millis(20),
        poll_max: Duration::from_millis(200),
        ..BulkOptions::default()
    };
    request
}

/// Runs the demo.
///
/// # Errors
/// As [`start_mocks`] and [`sync`].
pub async fn run(options: &DemoOptions) -> Result<DemoOutcome, CrmError> {
    let started = Instant::now();
    let mut config = MockConfig::new(options.seed);
    config.seed_records = options.records;
    config.gong_processing = Duration::from_millis(10);
    let mocks = start_mocks(config).await?;
    let mut reports = Vec::new();
    // Every pair the connectors support; into Gong first (the main job),
    // then between the CRMs, Sell first (so the way back updates the
    // records the way there linked).
    let mut pairs = mocks
        .clients
        .connectors(100, &BulkOptions::default())
        .pairs();
    pairs.sort_by_key(|(from, to, _)| (*to != System::Gong, *from != System::ZendeskSell));
    for (from, to, _) in pairs {
        let request = mock_request(from, to, options.progress);
        reports.push(sync(&mocks.clients, &request).await?);
    }
    let Mocks {
        gong,
        conecrm,
        sell,
        ..
    } = mocks;
    let gong_board = gong.stats().gong_board;
    gong.shutdown().await;
    conecrm.shutdown().await;
    sell.shutdown().await;
    Ok(DemoOutcome {
        reports,
        elapsed: started.elapsed(),
        gong_board,
    })
}
