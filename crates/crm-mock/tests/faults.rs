//! Fault injection: each kind seen by a raw `reqwest` client (5xx, 429 with
//! `Retry-After`, a dropped connection as a transport error, a truncated
//! body as a body error), the same faults for the same seed, and the
//! generated clients' retries getting through them without loss or
//! duplicates.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests panic on failure"
)]

mod common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use crm_mock::{Faults, MockConfig, RateLimitBurst, RunningMock, System};
use futures::TryStreamExt;
use gong_crm_api::bulk::{BulkOptions, SchemaSource};
use gong_crm_api::types::{CrmAccountRecord, CrmObjectId, GenericCrmRegistrationRequest};
use zendesk_sell_api::Auth;
use zendesk_sell_api::PagedList;

/// What one request met, as a raw client sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seen {
    Ok,
    Status(u16, Option<String>),
    Transport,
    BrokenBody,
}

fn faults() -> Faults {
    Faults::none()
        .with_error_rate(0.15)
        .with_drop_rate(0.1)
        .with_truncate_rate(0.1)
        .with_rate_limit(RateLimitBurst {
            every: 9,
            length: 1,
            retry_after_secs: 2,
        })
}

/// Sends `count` requests one after another with a raw client.
async fn run(seed: u64, count: usize) -> (Vec<Seen>, crm_mock::MockStats) {
    let mock = RunningMock::start(
        System::ZendeskSell,
        MockConfig::new(seed)
            .with_seed_records(30)
            .with_faults(faults()),
    )
    .await
    .unwrap();
    let raw = reqwest::Client::builder()
        .user_agent("fault-test/1")
        .build()
        .unwrap();
    let mut seen = Vec::new();
    for _ in 0..count {
        let answer = raw
            .get(format!("{}/v2/contacts?per_page=10", mock.base_url()))
            .bearer_auth(crm_mock::MOCK_TOKEN)
            .send()
            .await;
        let outcome = match answer {
            Err(_) => Seen::Transport,
            Ok(response) => {
                let status = response.status().as_u16();
                let retry_after = response
                    .headers()
                    .get("retry-after")
                    .map(|v| v.to_str().unwrap().to_owned());
                match response.bytes().await {
                    Err(_) => Seen::BrokenBody,
                    Ok(body) if status == 200 => {
                        let page: zendesk_sell_api::types::ContactCollection =
                            serde_json::from_slice(&body).unwrap();
                        assert_eq!(page.items.len(), 10);
                        Seen::Ok
                    }
                    Ok(body) => {
                        // Fault answers carry Sell's error envelope.
                        let _: zendesk_sell_api::types::ErrorResponse =
                            serde_json::from_slice(&body).unwrap();
                        Seen::Status(status, retry_after)
                    }
                }
            }
        };
        seen.push(outcome);
    }
    let stats = mock.stats();
    mock.shutdown().await;
    (seen, stats)
}

#[tokio::test]
async fn each_fault_kind_is_seen_and_the_same_seed_gives_the_same_faults() {
    let (first, stats) = run(77, 80).await;
    let (second, _) = run(77, 80).await;
    assert_eq!(
        first, second,
        "same seed, same request sequence: same faults"
    );
    let (other, _) = run(78, 80).await;
    assert_ne!(first, other, "another seed, other faults");

    assert_eq!(
        first[0],
        Seen::Status(429, Some("2".into())),
        "request 0 opens a burst"
    );
    assert_eq!(first[9], Seen::Status(429, Some("2".into())));
    assert!(
        first
            .iter()
            .any(|s| matches!(s, Seen::Status(500 | 502 | 503, None))),
        "{first:?}"
    );
    assert!(first.contains(&Seen::Transport), "{first:?}");
    assert!(first.contains(&Seen::BrokenBody), "{first:?}");
    assert!(first.contains(&Seen::Ok), "{first:?}");
    let faulted = first.iter().filter(|s| **s != Seen::Ok).count() as u64;
    assert_eq!(stats.faults_injected, faulted);
    assert_eq!(stats.requests, 80);
}

#[tokio::test]
async fn latency_is_added_to_every_answer() {
    let mock = RunningMock::start(
        System::ZendeskSell,
        MockConfig::new(1).with_faults(Faults::none().with_latency(Duration::from_millis(60))),
    )
    .await
    .unwrap();
    let sell = common::sell(&mock);
    let started = Instant::now();
    sell.get_account_self().send().await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(60));
    mock.shutdown().await;
}

#[tokio::test]
async fn the_generated_clients_retry_through_every_fault() {
    let faults = Faults::none()
        .with_error_rate(0.2)
        .with_drop_rate(0.05)
        .with_truncate_rate(0.05)
        .with_rate_limit(RateLimitBurst {
            every: 7,
            length: 1,
            retry_after_secs: 0,
        });

    // Sell: listing every contact through faults, each exactly once.
    let mock = RunningMock::start(
        System::ZendeskSell,
        MockConfig::new(5)
            .with_seed_records(500)
            .with_faults(faults.clone()),
    )
    .await
    .unwrap();
    let sell = common::sell_with(
        &mock,
        Auth::bearer(crm_mock::MOCK_TOKEN),
        common::fast_retries(),
    );
    let contacts: Vec<_> = sell
        .list_contacts()
        .per_page(50u32)
        .stream()
        .try_collect()
        .await
        .unwrap();
    let ids: HashSet<i64> = contacts.iter().map(|c| c.id).collect();
    assert_eq!((contacts.len(), ids.len()), (500, 500));
    let stats = mock.stats();
    assert!(
        stats.faults_injected > 0 && stats.requests > 10,
        "{stats:?}"
    );
    mock.shutdown().await;

    // Gong: a bulk upload through faults delivers every record exactly once.
    let mock = RunningMock::start(System::Gong, MockConfig::new(6).with_faults(faults))
        .await
        .unwrap();
    let gong = common::gong_with(
        &mock,
        Auth::basic(crm_mock::GONG_ACCESS_KEY, crm_mock::GONG_ACCESS_KEY_SECRET),
        common::fast_retries(),
    );
    let id = gong
        .register_generic_crm_integration()
        .body(GenericCrmRegistrationRequest {
            owner_email: "a@b.io".into(),
            name: "x".into(),
        })
        .send()
        .await
        .unwrap()
        .integration_id
        .unwrap();
    let records: Vec<CrmAccountRecord> = (0..2_000)
        .map(|i| CrmAccountRecord {
            object_id: format!("acc-{i}").parse::<CrmObjectId>().unwrap(),
            modified_date: "2024-06-01T10:00:00Z".parse().unwrap(),
            last_modified: None,
            is_deleted: None,
            url: None,
            name: Some(format!("Account {i}")),
            domains: vec![],
            extra: Default::default(),
        })
        .collect();
    let options = BulkOptions {
        max_records_per_file: 100,
        schema: SchemaSource::BuiltInOnly,
        poll_initial: Duration::from_millis(5),
        poll_max: Duration::from_millis(20),
        upload_retry: common::fast_retries().with_max_attempts(12),
        ..BulkOptions::default()
    };
    let report = gong
        .bulk_upload(id)
        .options(options)
        .run_iter(records)
        .await
        .unwrap();
    assert!(report.is_complete_success(), "{report:?}");
    let stats = mock.stats();
    let receipts = &stats.gong_receipts["ACCOUNT"];
    assert_eq!(receipts.len(), 2_000, "nothing lost");
    assert!(receipts.values().all(|n| *n == 1), "nothing duplicated");
    assert!(stats.faults_injected > 0);
    mock.shutdown().await;
}
