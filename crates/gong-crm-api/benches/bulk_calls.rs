//! API calls one bulk upload makes per 1,000 records, by input order:
//! sorted by `modifiedDate`, reversed, shuffled (distinct `objectId`s), and
//! shuffled with every tenth record a second update of an earlier one.
//!
//! `cargo bench -p gong-crm-api --bench bulk_calls -- 1000` prints, per
//! order: files (uploads), status polls, schema fetches, total calls, and
//! calls per 1,000 records. The stand-in answers every status poll `DONE`,
//! so each file costs one upload and one poll.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "benchmark")]

#[path = "support.rs"]
mod support;

use std::sync::atomic::Ordering;

use gong_crm_api::Auth;
use gong_crm_api::bulk::BulkOptions;
use gong_crm_api::types::{CrmAccountRecord, CrmObjectId};

fn record(id: u64, minute: u64) -> CrmAccountRecord {
    CrmAccountRecord {
        object_id: format!("acc-{id:08}").parse::<CrmObjectId>().unwrap(),
        modified_date: chrono::DateTime::from_timestamp(1_700_000_000 + minute as i64 * 60, 0)
            .unwrap(),
        last_modified: None,
        is_deleted: None,
        url: None,
        name: Some(format!("Account number {id}")),
        domains: vec![format!("account-{id}.example.com")],
        extra: serde_json::Map::new(),
    }
}

/// A fixed permutation of 0..n (a seeded xorshift Fisher–Yates).
fn shuffled(n: u64) -> Vec<u64> {
    let mut v: Vec<u64> = (0..n).collect();
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    for i in (1..v.len()).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        v.swap(i, (state % (i as u64 + 1)) as usize);
    }
    v
}

fn main() {
    let n: u64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1_000);
    let orders: Vec<(&str, Vec<CrmAccountRecord>)> = vec![
        ("sorted", (0..n).map(|i| record(i, i)).collect()),
        ("reverse", (0..n).rev().map(|i| record(i, i)).collect()),
        (
            "random",
            shuffled(n).into_iter().map(|i| record(i, i)).collect(),
        ),
        ("random, 10% repeats", {
            // Every tenth record is a second update of the one listed 5 before.
            let ids = shuffled(n);
            (0..n as usize)
                .map(|k| {
                    let id = if k % 10 == 9 { ids[k - 5] } else { ids[k] };
                    record(id, k as u64)
                })
                .collect()
        }),
    ];
    let runtime = support::runtime();
    runtime.block_on(async move {
        println!(
            "{:<22} {:>8} {:>7} {:>7} {:>7} {:>12}",
            "order", "records", "files", "polls", "calls", "calls/1000"
        );
        for (name, records) in orders {
            let (url, counters) = support::start().await;
            let client = support::client(&url, Auth::basic("k", "s"));
            let options = BulkOptions {
                poll_initial: std::time::Duration::from_millis(1),
                ..BulkOptions::default()
            };
            let count = records.len() as u64;
            let report = client
                .bulk_upload(6_286_478_263_646_123_457)
                .options(options)
                .run_iter(records)
                .await
                .unwrap();
            assert_eq!(report.records_sent, count);
            let uploads = counters.uploads.load(Ordering::Relaxed);
            let polls = counters.polls.load(Ordering::Relaxed);
            let calls = uploads + polls + counters.schemas.load(Ordering::Relaxed);
            println!(
                "{name:<22} {count:>8} {uploads:>7} {polls:>7} {calls:>7} {:>12.1}",
                calls as f64 * 1000.0 / count as f64
            );
        }
    });
}
