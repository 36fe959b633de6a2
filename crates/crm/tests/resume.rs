//! An interrupted sync resumed from its checkpoint loses and repeats
//! nothing: the first run is aborted halfway (its task dropped mid-upload),
//! the second runs with `resume`.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod common;

use std::sync::Arc;
use std::time::Duration;

use crm::CrmError;
use crm_mock::Faults;

/// About 40,000 records in all.
const PER_ENTITY: usize = 13_334;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_killed_halfway_resumes_without_loss_or_repeat() {
    let mocks = common::mocks(PER_ENTITY, Faults::none().with_error_rate(0.05), 11).await;
    let expected = common::expected_gong_ids(&mocks.sell)
        .values()
        .map(|ids| ids.len())
        .sum::<usize>();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let checkpoint = dir.path().join("sync.checkpoint.json");
    let mut request = common::sell_to_gong(2_000);
    request.checkpoint = Some(checkpoint.clone());
    let state = dir.path().join("crm-sync.state.json");
    request.state = Some(state.clone());

    // Run 1: abort once Gong has processed about half of the records.
    let clients = Arc::new(mocks.clients.clone());
    let first = {
        let (clients, request) = (clients.clone(), request.clone());
        tokio::spawn(async move { crm::sync(&clients, &request).await })
    };
    let received = || {
        mocks
            .gong
            .stats()
            .gong_receipts
            .values()
            .map(|ids| ids.len())
            .sum::<usize>()
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(300);
    while received() < expected / 2 {
        assert!(
            !first.is_finished(),
            "the first run ended before it could be interrupted"
        );
        assert!(tokio::time::Instant::now() < deadline, "no progress");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    first.abort();
    let _ = first.await;
    let at_kill = received();
    assert!(
        at_kill < expected,
        "interrupted too late: {at_kill} of {expected}"
    );
    assert!(
        checkpoint.exists(),
        "the interrupted run leaves its checkpoint"
    );

    // Without --resume the checkpoint is in the way, with a clear error.
    let refused = crm::sync(&clients, &request)
        .await
        .expect_err("refuses to start over silently");
    assert!(
        matches!(
            refused,
            CrmError::Sync(crm_sync::SyncError::Checkpoint { .. })
        ),
        "{refused}"
    );
    assert_eq!(refused.exit_code(), 2);

    // Run 2: resume.
    request.resume = true;
    let report = crm::sync(&clients, &request)
        .await
        .expect("the resumed sync finishes");
    assert!(
        !checkpoint.exists(),
        "a finished sync removes its checkpoint"
    );
    let t = common::tally(&mocks.sell, &mocks.gong);
    eprintln!(
        "killed at {at_kill} of {expected} records; resumed run: {} uploads refused as already known (409)",
        mocks.gong.stats().gong_duplicate_request_ids
    );
    assert_eq!(t.expected, expected);
    t.assert_exactly_once();
    assert!(
        report.is_clean(),
        "{}",
        crm::summary::table(std::slice::from_ref(&report))
    );
    // Entities the first run finished were skipped, not re-read.
    assert!(
        report.entities.iter().any(|e| e.done_before),
        "{:?}",
        report.entities
    );
}
