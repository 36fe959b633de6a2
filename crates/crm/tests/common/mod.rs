//! Shared pieces of the `crm` end-to-end tests: mocks with faults, and the
//! count of what Gong received against what Sell holds.

#![allow(dead_code, reason = "each test file uses a part")]

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use crm::demo::{Mocks, mock_request, start_mocks_with};
use crm::{Progress, SyncRequest};
use crm_client_runtime::retry::RetryPolicy;
use crm_core::System;
use crm_mock::{Faults, MockConfig, RunningMock};

/// A retry policy for faulty mocks: many attempts, short waits.
pub fn patient_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 30,
        initial_backoff: Duration::from_millis(2),
        max_backoff: Duration::from_millis(50),
        max_retry_after: Duration::from_secs(5),
        deadline: None,
        jitter: true,
    }
}

/// Mocks seeded with `per_entity` records per Sell entity and `faults` on
/// every server.
pub async fn mocks(per_entity: usize, faults: Faults, seed: u64) -> Mocks {
    let config = MockConfig::new(seed)
        .with_seed_records(per_entity)
        .with_faults(faults)
        .with_gong_processing(Duration::from_millis(5));
    start_mocks_with(config, patient_retry())
        .await
        .expect("mocks start")
}

/// A Sell → Gong request for the mocks, with small upload files so a sync
/// makes many uploads.
pub fn sell_to_gong(records_per_file: u64) -> SyncRequest {
    let mut request = mock_request(System::ZendeskSell, System::Gong, Progress::Hidden);
    request.bulk.max_records_per_file = records_per_file;
    request
}

/// The Gong `objectId`s each Sell record must arrive as, by Gong object type.
pub fn expected_gong_ids(sell: &RunningMock) -> BTreeMap<String, BTreeSet<String>> {
    let mut expected: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let id = |v: &serde_json::Value| format!("zs-{}", v["id"].as_i64().expect("a Sell id"));
    for contact in sell.records("contact") {
        let table = if contact["is_organization"] == serde_json::Value::Bool(true) {
            "ACCOUNT"
        } else {
            "CONTACT"
        };
        expected
            .entry(table.to_owned())
            .or_default()
            .insert(id(&contact));
    }
    for (entity, table) in [
        ("user", "BUSINESS_USER"),
        ("deal", "DEAL"),
        ("lead", "LEAD"),
        ("stage", "STAGE"),
    ] {
        for record in sell.records(entity) {
            expected
                .entry(table.to_owned())
                .or_default()
                .insert(id(&record));
        }
    }
    expected
}

/// What Gong received, compared with what it should have.
#[derive(Debug, Default)]
pub struct Tally {
    /// Records in Sell.
    pub expected: usize,
    /// Distinct objectIds Gong processed.
    pub received: usize,
    /// Expected ids Gong never processed.
    pub lost: Vec<String>,
    /// Ids Gong processed more than once, with the count.
    pub duplicated: Vec<(String, u64)>,
    /// Ids Gong processed that Sell does not have.
    pub unexpected: Vec<String>,
}

/// Compares the Gong mock's receipts with Sell's records, id by id.
pub fn tally(sell: &RunningMock, gong: &RunningMock) -> Tally {
    let expected = expected_gong_ids(sell);
    let receipts = gong.stats().gong_receipts;
    let mut t = Tally::default();
    for (table, ids) in &expected {
        t.expected += ids.len();
        let got = receipts.get(table).cloned().unwrap_or_default();
        for id in ids {
            match got.get(id) {
                None => t.lost.push(format!("{table}/{id}")),
                Some(1) => {}
                Some(n) => t.duplicated.push((format!("{table}/{id}"), *n)),
            }
        }
    }
    for (table, got) in &receipts {
        t.received += got.len();
        for id in got.keys() {
            if !expected.get(table).is_some_and(|ids| ids.contains(id)) {
                t.unexpected.push(format!("{table}/{id}"));
            }
        }
    }
    t
}

impl Tally {
    /// Panics, with examples, unless every Sell record reached Gong exactly
    /// once and nothing else did.
    pub fn assert_exactly_once(&self) {
        let some = |v: &[String]| v[..v.len().min(5)].to_vec();
        assert!(
            self.lost.is_empty(),
            "{} lost, e.g. {:?}",
            self.lost.len(),
            some(&self.lost)
        );
        assert!(
            self.duplicated.is_empty(),
            "{} processed more than once, e.g. {:?}",
            self.duplicated.len(),
            &self.duplicated[..self.duplicated.len().min(5)]
        );
        assert!(
            self.unexpected.is_empty(),
            "ids Sell does not have: {:?}",
            some(&self.unexpected)
        );
        assert_eq!(self.received, self.expected);
    }
}
