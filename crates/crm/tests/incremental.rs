//! Incremental Sell → Gong syncs from stored Firehose positions: after a
//! full sync, only what changed is sent (deletions as `isDeleted`), and a
//! run with no changes sends nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use std::collections::BTreeMap;

use crm::CrmError;
use crm_mock::Faults;
use crm_sync::SyncState;

mod common;

fn receipts(mocks: &crm::demo::Mocks) -> BTreeMap<String, BTreeMap<String, u64>> {
    mocks.gong.stats().gong_receipts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_full_sync_only_changes_travel() {
    let mocks = common::mocks(150, Faults::none(), 21).await;
    let dir = tempfile::tempdir().unwrap();
    let state_path = dir.path().join("crm-sync.state.json");
    let mut request = common::sell_to_gong(100_000);
    request.checkpoint = Some(dir.path().join("sync.checkpoint.json"));
    request.state = Some(state_path.clone());

    // Incremental before any full sync: a clear configuration error.
    let mut incremental = request.clone();
    incremental.incremental = true;
    let err = crm::sync(&mocks.clients, &incremental).await.unwrap_err();
    assert!(
        matches!(err, CrmError::Sync(crm_sync::SyncError::Plan(_))),
        "{err}"
    );
    assert_eq!(err.exit_code(), 2);
    assert!(err.to_string().contains("run a full sync first"), "{err}");

    // Full sync: positions saved for the four Firehose-backed entities.
    let full = crm::sync(&mocks.clients, &request).await.unwrap();
    assert!(full.is_clean());
    let state: SyncState = crm_sync::checkpoint::read_json(&state_path, "state")
        .unwrap()
        .unwrap();
    let saved = &state.positions["zendesk-sell->gong"];
    assert_eq!(
        saved.keys().map(|k| k.plural()).collect::<Vec<_>>(),
        ["accounts", "contacts", "deals", "leads"]
    );
    let before = receipts(&mocks);

    // Changes in Sell: two deals renamed, one lead created, one person deleted.
    let sell = mocks.clients.sell().unwrap();
    let deals: Vec<i64> = mocks
        .sell
        .records("deal")
        .iter()
        .take(2)
        .map(|d| d["id"].as_i64().unwrap())
        .collect();
    for id in &deals {
        let body: zendesk_sell_api::types::DealRequest =
            serde_json::from_value(serde_json::json!({"data": {"name": format!("Renamed {id}")}}))
                .unwrap();
        sell.update_deal().id(*id).body(body).send().await.unwrap();
    }
    let lead_body: zendesk_sell_api::types::LeadRequest = serde_json::from_value(
        serde_json::json!({"data": {"last_name": "Newcomer", "organization_name": "New Co"}}),
    )
    .unwrap();
    let new_lead = sell
        .create_lead()
        .body(lead_body)
        .send()
        .await
        .unwrap()
        .into_inner()
        .data
        .id;
    let person = mocks
        .sell
        .records("contact")
        .into_iter()
        .find(|c| c["is_organization"] == false)
        .map(|c| c["id"].as_i64().unwrap())
        .unwrap();
    sell.delete_contact().id(person).send().await.unwrap();

    // Incremental: exactly those four records.
    let report = crm::sync(&mocks.clients, &incremental).await.unwrap();
    let read: BTreeMap<&str, u64> = report
        .entities
        .iter()
        .map(|r| (r.kind.plural(), r.read))
        .collect();
    assert_eq!(read.get("deals"), Some(&2), "{read:?}");
    assert_eq!(read.get("leads"), Some(&1), "{read:?}");
    assert_eq!(read.get("contacts"), Some(&1), "{read:?}");
    assert_eq!(read.get("accounts"), Some(&0), "{read:?}");
    assert!(
        report.is_clean(),
        "{}",
        crm::summary::table(std::slice::from_ref(&report))
    );

    let after = receipts(&mocks);
    for id in &deals {
        assert_eq!(
            after["DEAL"][&format!("zs-{id}")],
            2,
            "a changed deal is sent again"
        );
    }
    assert_eq!(after["LEAD"][&format!("zs-{new_lead}")], 1);
    assert_eq!(after["CONTACT"][&format!("zs-{person}")], 2);
    let gone = mocks
        .gong
        .records("CONTACT")
        .into_iter()
        .any(|c| c["objectId"] == format!("zs-{person}"));
    assert!(!gone, "the deleted person is deleted in Gong");
    // Nothing else was sent again.
    let total = |r: &BTreeMap<String, BTreeMap<String, u64>>| {
        r.values().flat_map(|ids| ids.values()).sum::<u64>()
    };
    // stages and business users are re-read in full (a few records; Gong
    // needs them current, and Sell's Firehose does not follow users)
    let stages = (mocks.sell.records("stage").len() + mocks.sell.records("user").len()) as u64;
    assert_eq!(
        total(&after),
        total(&before) + 2 + 1 + 1 + stages,
        "only the changes travel"
    );

    // Nothing changed since: nothing sent but the (always full) stages.
    let quiet = crm::sync(&mocks.clients, &incremental).await.unwrap();
    assert_eq!(
        quiet.records(),
        stages,
        "{}",
        crm::summary::table(std::slice::from_ref(&quiet))
    );
    assert_eq!(total(&receipts(&mocks)), total(&after) + stages);
}
