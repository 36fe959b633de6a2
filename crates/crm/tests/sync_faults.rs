//! End to end over loopback: Sell → Gong through the `crm` sync engine with
//! faults injected into both mocks, counted id by id on Gong's side.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod common;

use std::time::Instant;

use crm_mock::{Faults, RateLimitBurst};

/// Sell records per entity: with the stages and the organisation/person
/// split of contacts, about 100,000 records in all.
const PER_ENTITY: usize = 33_334;

fn faults() -> Faults {
    Faults::none()
        .with_error_rate(0.10)
        .with_rate_limit(RateLimitBurst {
            every: 400,
            length: 2,
            retry_after_secs: 1,
        })
        .with_drop_rate(0.02)
        .with_truncate_rate(0.02)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sell_to_gong_100k_with_faults_loses_and_repeats_nothing() {
    let mocks = common::mocks(PER_ENTITY, faults(), 7).await;
    let request = common::sell_to_gong(20_000);
    let started = Instant::now();
    let report = crm::sync(&mocks.clients, &request)
        .await
        .expect("the sync survives the faults");
    let elapsed = started.elapsed();

    let t = common::tally(&mocks.sell, &mocks.gong);
    let (sell_stats, gong_stats) = (mocks.sell.stats(), mocks.gong.stats());
    eprintln!(
        "{} records in {elapsed:?}; faults injected: sell {} of {} requests, gong {} of {}; \
         gong uploads {} (409 for a repeated clientRequestId: {})",
        t.expected,
        sell_stats.faults_injected,
        sell_stats.requests,
        gong_stats.faults_injected,
        gong_stats.requests,
        gong_stats.gong_uploads,
        gong_stats.gong_duplicate_request_ids,
    );
    assert!(
        t.expected >= 100_000,
        "the test moves at least 100,000 records, not {}",
        t.expected
    );
    t.assert_exactly_once();

    // The report agrees with the mock.
    let read: u64 = report.entities.iter().map(|e| e.read).sum();
    let written: u64 = report.entities.iter().map(|e| e.written).sum();
    assert_eq!(read as usize, t.expected);
    assert_eq!(written as usize, t.expected);
    assert!(
        report.is_clean(),
        "{}",
        crm::summary::table(std::slice::from_ref(&report))
    );

    // The faults happened: each kind on each server.
    assert!(
        sell_stats.faults_injected * 20 > sell_stats.requests,
        "{sell_stats:?}"
    );
    assert!(gong_stats.faults_injected > 0, "{gong_stats:?}");
}
