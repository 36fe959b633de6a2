//! Sell ↔ ConeCRM: records that travel to ConeCRM and back update their
//! originals in Sell instead of creating copies, and a repeated sync only
//! updates.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use std::collections::BTreeMap;

use crm::Progress;
use crm::demo::{mock_request, start_mocks};
use crm_core::System;
use crm_mock::MockConfig;
use crm_sync::connectors::zendesk_sell::BRIDGE_FIELD;

fn totals(report: &crm::SyncReport) -> (u64, u64, u64, u64) {
    report
        .entities
        .iter()
        .fold((0, 0, 0, 0), |(w, c, u, f), e| {
            (w + e.written, c + e.created, u + e.updated, f + e.failed)
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn round_trips_update_the_originals_and_repeat_harmlessly() {
    let mocks = start_mocks(MockConfig::new(3).with_seed_records(120))
        .await
        .unwrap();
    let sell_before = mocks.sell.records("contact").len() as u64;
    let cone_accounts_before = mocks.conecrm.records("account").len();

    // Sell → ConeCRM: every organisation becomes an account, its persons
    // embedded.
    let to_cone = crm::sync(
        &mocks.clients,
        &mock_request(System::ZendeskSell, System::Conecrm, Progress::Hidden),
    )
    .await
    .unwrap();
    // Every named organisation became an account; what ConeCRM cannot hold
    // (persons without an organisation, nameless organisations and their
    // persons) is counted as skipped, nothing failed.
    let contacts = mocks.sell.records("contact");
    let named = |c: &serde_json::Value| c["name"].as_str().is_some_and(|n| !n.trim().is_empty());
    let orgs: Vec<&serde_json::Value> = contacts
        .iter()
        .filter(|c| c["is_organization"] == true)
        .collect();
    let named_orgs: Vec<i64> = orgs
        .iter()
        .filter(|o| named(o))
        .map(|o| o["id"].as_i64().unwrap())
        .collect();
    let persons: Vec<&serde_json::Value> = contacts
        .iter()
        .filter(|c| c["is_organization"] == false)
        .collect();
    let unplaced = persons
        .iter()
        .filter(|p| {
            p["contact_id"]
                .as_i64()
                .is_none_or(|org| !named_orgs.contains(&org))
        })
        .count();
    assert_eq!(
        mocks.conecrm.records("account").len(),
        cone_accounts_before + named_orgs.len()
    );
    let accounts = &to_cone.entities[1];
    assert_eq!(accounts.read as usize, orgs.len() + persons.len());
    assert_eq!(
        accounts.skipped as usize,
        unplaced + (orgs.len() - named_orgs.len())
    );
    assert_eq!(
        accounts.failed,
        0,
        "{}",
        crm::summary::table(std::slice::from_ref(&to_cone))
    );
    assert_eq!(accounts.written + accounts.skipped, accounts.read);
    let orgs = named_orgs.len();

    // ConeCRM → Sell: what came from Sell updates its original; the rest is
    // created, keyed by its ConeCRM id.
    let back = mock_request(System::Conecrm, System::ZendeskSell, Progress::Hidden);
    let first = crm::sync(&mocks.clients, &back).await.unwrap();
    let (written, created, updated, failed) = totals(&first);
    assert_eq!(written, created + updated);
    let sell_after = mocks.sell.records("contact").len() as u64;
    assert_eq!(
        sell_after,
        sell_before + created,
        "only records new to Sell were created"
    );
    assert!(updated > orgs as u64, "originals updated: {updated}");

    // No two Sell contacts share a bridge id.
    let mut keys: BTreeMap<String, u32> = BTreeMap::new();
    for contact in mocks.sell.records("contact") {
        if let Some(key) = contact["custom_fields"][BRIDGE_FIELD].as_str() {
            *keys.entry(key.to_owned()).or_default() += 1;
        }
    }
    assert!(keys.values().all(|n| *n == 1), "a bridge id used twice");
    assert_eq!(
        keys.len() as u64,
        written,
        "every written contact carries its bridge id"
    );

    // Again: nothing new.
    let second = crm::sync(&mocks.clients, &back).await.unwrap();
    let (written2, created2, updated2, failed2) = totals(&second);
    assert_eq!((created2, failed2), (0, failed));
    assert_eq!(updated2, written2);
    assert_eq!(written2, written);
    assert_eq!(mocks.sell.records("contact").len() as u64, sell_after);
}

/// Sell → ConeCRM three times with the same state file: the second and
/// third runs update what the first created (links kept between runs), so
/// ConeCRM holds as many stages, accounts and contacts after them as after
/// the first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reruns_create_nothing_twice() {
    let mocks = start_mocks(MockConfig::new(5).with_seed_records(80))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut request = mock_request(System::ZendeskSell, System::Conecrm, Progress::Hidden);
    request.checkpoint = Some(dir.path().join("cp.json"));
    request.state = Some(dir.path().join("state.json"));
    let count = |m: &crm::demo::Mocks| {
        (
            m.conecrm.records("stage").len(),
            m.conecrm.records("account").len(),
            m.conecrm.records("contact").len(),
        )
    };
    let first = crm::sync(&mocks.clients, &request).await.unwrap();
    let after_first = count(&mocks);
    assert!(totals(&first).1 > 0, "the first run creates");
    for run in 2..=3 {
        let again = crm::sync(&mocks.clients, &request).await.unwrap();
        assert_eq!(count(&mocks), after_first, "run {run} created records");
        let (written, created, updated, failed) = totals(&again);
        assert_eq!(created, 0, "run {run}");
        assert_eq!(failed, 0, "run {run}");
        assert_eq!(written, updated, "run {run}: every write an update");
    }
}
