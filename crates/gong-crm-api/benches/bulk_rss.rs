//! Peak memory of the bulk upload: N generated ACCOUNT records streamed
//! through check → LDJSON spool → multipart upload → status, against an
//! in-process Gong stand-in that consumes uploads without keeping them.
//!
//! `cargo bench -p gong-crm-api --bench bulk_rss -- 1000000` prints records,
//! files, bytes, time, records/s and the process's peak RSS (VmHWM). Run it
//! once per N: the peak is per process.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "benchmark")]

#[path = "support.rs"]
mod support;

use std::sync::atomic::Ordering;
use std::time::Instant;

use gong_crm_api::Auth;
use gong_crm_api::bulk::BulkOptions;
use gong_crm_api::types::{CrmAccountRecord, CrmObjectId};

fn record(i: u64) -> CrmAccountRecord {
    let mut extra = serde_json::Map::new();
    extra.insert(
        "tier".into(),
        serde_json::Value::String(["Gold", "Silver", "Bronze"][(i % 3) as usize].into()),
    );
    CrmAccountRecord {
        object_id: format!("acc-{i:08}").parse::<CrmObjectId>().unwrap(),
        modified_date: chrono::DateTime::from_timestamp(1_700_000_000 + i as i64, 0).unwrap(),
        last_modified: None,
        is_deleted: None,
        url: Some(format!("https://crm.example.com/accounts/acc-{i:08}")),
        name: Some(format!("Account number {i}")),
        domains: vec![format!("account-{i}.example.com")],
        extra,
    }
}

fn main() {
    let n: u64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100_000);
    let runtime = support::runtime();
    runtime.block_on(async move {
        let (url, counters) = support::start().await;
        let client = support::client(&url, Auth::basic("k", "s"));
        let mut options = BulkOptions {
            poll_initial: std::time::Duration::from_millis(1),
            ..BulkOptions::default()
        };
        if let Some(max) = std::env::var("MAX_RECORDS_PER_FILE")
            .ok()
            .and_then(|v| v.parse().ok())
        {
            options.max_records_per_file = max;
        }
        let started = Instant::now();
        let report = client
            .bulk_upload(6_286_478_263_646_123_457)
            .options(options)
            .run_iter((0..n).map(record))
            .await
            .unwrap();
        let took = started.elapsed();
        assert_eq!(report.records_sent, n);
        assert_eq!(
            counters.lines.load(Ordering::Relaxed),
            n,
            "every record reached the server"
        );
        println!("records:        {n}");
        println!("files:          {}", report.files.len());
        println!("bytes uploaded: {}", counters.bytes.load(Ordering::Relaxed));
        println!("time:           {:.2} s", took.as_secs_f64());
        println!("records/s:      {:.0}", n as f64 / took.as_secs_f64());
        println!(
            "peak RSS:       {:.1} MiB",
            support::peak_rss_kib() as f64 / 1024.0
        );
    });
}
