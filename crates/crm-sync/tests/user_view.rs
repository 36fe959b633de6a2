//! The sync as a user of the library sees it: Sell → Gong against the mock
//! servers, with a custom observer and a checkpoint store of the user's own,
//! read back from the Gong mock.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use std::collections::BTreeMap;
use std::sync::Mutex;

use crm_core::{EntityKind, System};
use crm_mock::{MockAuth, MockConfig, RunningMock, System as MockSystem};
use crm_sync::connectors::{ConeConnector, GongConnector, SellConnector};
use crm_sync::{
    Checkpoint, CheckpointStore, Connectors, EntityReport, Observer, SyncError, SyncPlan, SyncState,
};
use gong_crm_api::bulk::BulkOptions;

/// Counts what the pipeline reports, per entity.
#[derive(Default)]
struct Tally {
    read: Mutex<BTreeMap<EntityKind, u64>>,
    finished: Mutex<Vec<EntityKind>>,
}

impl Observer for Tally {
    fn records_read(&self, kind: EntityKind, n: u64) {
        *self.read.lock().unwrap().entry(kind).or_default() += n;
    }
    fn entity_finished(&self, _: System, _: System, report: &EntityReport) {
        self.finished.lock().unwrap().push(report.kind);
    }
}

/// A store that keeps everything in a Vec of saves (as a user might keep
/// it in their own database).
#[derive(Default)]
struct Journal {
    saves: Vec<Checkpoint>,
    cleared: bool,
    state: SyncState,
}

impl CheckpointStore for Journal {
    fn location(&self) -> String {
        "journal".into()
    }
    fn load(&mut self) -> Result<Option<Checkpoint>, SyncError> {
        Ok(if self.cleared {
            None
        } else {
            self.saves.last().cloned()
        })
    }
    fn save(&mut self, checkpoint: &Checkpoint) -> Result<(), SyncError> {
        self.cleared = false;
        self.saves.push(checkpoint.clone());
        Ok(())
    }
    fn clear(&mut self) -> Result<(), SyncError> {
        self.cleared = true;
        Ok(())
    }
    fn load_state(&mut self) -> Result<SyncState, SyncError> {
        Ok(self.state.clone())
    }
    fn save_state(&mut self, state: &SyncState) -> Result<(), SyncError> {
        self.state = state.clone();
        Ok(())
    }
}

fn config(mock: &RunningMock, auth: crm_client_runtime::Auth) -> crm_client_runtime::ClientConfig {
    gong_crm_api::Client::config(auth)
        .with_base_url(mock.base_url())
        .with_rate_limit(crm_client_runtime::RateLimit::unlimited())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sell_to_gong_from_another_workspace() {
    let sell_mock = RunningMock::start(
        MockSystem::ZendeskSell,
        MockConfig::new(7).with_seed_records(150),
    )
    .await
    .unwrap();
    let gong_mock = RunningMock::start(MockSystem::Gong, MockConfig::new(7))
        .await
        .unwrap();
    let sell = zendesk_sell_api::Client::from_config(config(
        &sell_mock,
        crm_client_runtime::Auth::bearer(crm_mock::MOCK_TOKEN),
    ))
    .unwrap();
    let MockAuth::Basic { user, password } = MockAuth::default_for(MockSystem::Gong) else {
        panic!("Gong's mock takes Basic auth");
    };
    let gong = gong_crm_api::Client::from_config(config(
        &gong_mock,
        crm_client_runtime::Auth::basic(user, password),
    ))
    .unwrap();
    let integration = gong
        .register_generic_crm_integration()
        .body(gong_crm_api::types::GenericCrmRegistrationRequest {
            owner_email: "ops@example.com".into(),
            name: "test".into(),
        })
        .send_typed()
        .await
        .unwrap()
        .integration_id
        .unwrap();
    let bulk = BulkOptions {
        poll_initial: std::time::Duration::from_millis(10),
        poll_max: std::time::Duration::from_millis(50),
        ..BulkOptions::default()
    };
    let connectors = Connectors::new()
        .with(SellConnector::new(sell))
        .with(GongConnector::new(gong, integration).with_bulk(bulk));

    let tally = Tally::default();
    let mut journal = Journal::default();
    let plan = SyncPlan::new(System::ZendeskSell, System::Gong);
    let report = crm_sync::run(&plan, &connectors, &mut journal, &tally)
        .await
        .unwrap();

    // The report, the observer and the store agree with each other…
    assert!(report.is_clean(), "{report:#?}");
    let kinds: Vec<EntityKind> = report.entities.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            EntityKind::User,
            EntityKind::Stage,
            EntityKind::Account,
            EntityKind::Contact,
            EntityKind::Deal,
            EntityKind::Lead
        ]
    );
    assert_eq!(*tally.finished.lock().unwrap(), kinds);
    for e in &report.entities {
        assert_eq!(
            tally
                .read
                .lock()
                .unwrap()
                .get(&e.kind)
                .copied()
                .unwrap_or(0),
            e.read
        );
        assert_eq!(e.written, e.read, "{:?}", e.kind);
    }
    assert!(journal.cleared, "a finished run clears its checkpoint");
    assert_eq!(
        journal.saves.last().map(|c| c.completed.clone()),
        Some(kinds.clone())
    );
    assert_eq!(
        journal.state.positions[&plan.key()]
            .keys()
            .copied()
            .collect::<Vec<_>>(),
        [
            EntityKind::Account,
            EntityKind::Contact,
            EntityKind::Deal,
            EntityKind::Lead
        ],
        "Firehose positions kept for the next incremental run"
    );

    // …and with what Gong holds: every record read is there, once.
    let receipts = gong_mock.stats().gong_receipts;
    let per_type = |t: &str| receipts.get(t).map_or(0, |ids| ids.len() as u64);
    assert_eq!(
        per_type("DEAL"),
        report.entity(EntityKind::Deal).unwrap().read
    );
    assert_eq!(
        per_type("ACCOUNT"),
        report.entity(EntityKind::Account).unwrap().read
    );
    assert_eq!(
        per_type("CONTACT"),
        report.entity(EntityKind::Contact).unwrap().read
    );
    assert_eq!(
        per_type("LEAD"),
        report.entity(EntityKind::Lead).unwrap().read
    );
    assert!(
        receipts
            .values()
            .flat_map(|ids| ids.values())
            .all(|n| *n == 1),
        "no record received twice"
    );
    sell_mock.shutdown().await;
    gong_mock.shutdown().await;
}

#[test]
fn pairs_and_exports_come_from_the_connectors_declarations() {
    let sell = zendesk_sell_api::Client::from_config(
        zendesk_sell_api::Client::config(crm_client_runtime::Auth::bearer("token"))
            .with_base_url("http://127.0.0.1:9"),
    )
    .unwrap();
    let cone = conecrm_api::Client::from_config(
        conecrm_api::Client::config(crm_client_runtime::Auth::bearer("token"))
            .with_base_url("http://127.0.0.1:9"),
    )
    .unwrap();
    let gong = gong_crm_api::Client::from_config(
        gong_crm_api::Client::config(crm_client_runtime::Auth::basic("k", "s"))
            .with_base_url("http://127.0.0.1:9"),
    )
    .unwrap();
    let connectors = Connectors::new()
        .with(GongConnector::new(gong, 1))
        .with(ConeConnector::new(cone))
        .with(SellConnector::new(sell));
    use EntityKind::*;
    let pairs: Vec<(System, System, Vec<EntityKind>)> = connectors.pairs();
    assert_eq!(
        pairs,
        [
            (
                System::Conecrm,
                System::Gong,
                vec![Stage, Account, Contact, Deal, Lead]
            ),
            (System::Conecrm, System::ZendeskSell, vec![Account, Contact]),
            (
                System::ZendeskSell,
                System::Gong,
                vec![User, Stage, Account, Contact, Deal, Lead]
            ),
            (
                System::ZendeskSell,
                System::Conecrm,
                vec![Stage, Account, Contact]
            ),
        ]
    );
    let err = connectors.steps(System::Gong, System::Conecrm).unwrap_err();
    assert!(err.to_string().contains("gong cannot be a source"), "{err}");
    assert_eq!(
        connectors.exportable(System::ZendeskSell).unwrap(),
        [User, Stage, Account, Contact, Deal, Lead]
    );
    // ConeCRM writes contacts inside their account: one step carries both.
    let steps = connectors
        .steps(System::ZendeskSell, System::Conecrm)
        .unwrap();
    assert_eq!(steps.len(), 2);
    assert_eq!(steps[1].kinds(), [Account, Contact]);
}
