//! Peak memory and time of calls against an endless chunked 200 (the
//! hostile server of `tests/common`, at full loopback speed).
//!
//! `cargo bench -p crm-client-runtime --bench hostile_body -- [calls] [limit-bytes]`
//! makes `calls` sequential calls (default 20) and then as many at once,
//! each cut at the limit (default `ClientConfig::DEFAULT_BODY_LIMIT`), and
//! prints the time per call and the process's peak RSS (VmHWM) before and
//! after. Without the limit the first call never ends (2.9 GB in 3.7 s).

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "benchmark")]

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::{ScriptServer, Step};
use crm_client_runtime::{ApiError, Auth, ClientConfig, RetryPolicy};

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

async fn call(parts: &crm_client_runtime::Parts) -> ApiError<serde_json::Value> {
    let request = parts
        .http
        .get(format!("{}/v2/contacts", parts.base_url))
        .build()
        .unwrap();
    let response = parts
        .runtime
        .execute_operation(&parts.http, request, "list_contacts")
        .await
        .unwrap();
    let result = progenitor_client::ResponseValue::<serde_json::Value>::from_response::<
        serde_json::Value,
    >(response)
    .await;
    crm_client_runtime::error::typed("list_contacts", result)
        .await
        .unwrap_err()
}

fn main() {
    let mut args = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse::<u64>().ok());
    let calls = args.next().unwrap_or(20);
    let limit = args.next().unwrap_or(ClientConfig::DEFAULT_BODY_LIMIT);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let server = ScriptServer::start(vec![Step::Endless {
            status: 200,
            chunk: 64 * 1024,
            pause: Duration::ZERO,
        }])
        .await;
        let parts = ClientConfig::new(&server.url, Auth::None)
            .with_retry(RetryPolicy::none())
            .with_body_limit(limit)
            .build()
            .unwrap();
        let before = peak_rss_kib();
        let started = Instant::now();
        for _ in 0..calls {
            let error = call(&parts).await;
            assert!(matches!(error, ApiError::BodyTooLarge { .. }), "{error:?}");
        }
        let sequential = started.elapsed();
        let after_sequential = peak_rss_kib();
        let started = Instant::now();
        let all = futures::future::join_all((0..calls).map(|_| call(&parts))).await;
        assert!(
            all.iter()
                .all(|e| matches!(e, ApiError::BodyTooLarge { .. }))
        );
        let concurrent = started.elapsed();
        let after_concurrent = peak_rss_kib();
        println!(
            "limit:                 {limit} bytes ({:.1} MiB)",
            limit as f64 / 1048576.0
        );
        println!("calls:                 {calls} sequential, then {calls} at once");
        println!(
            "sequential:            {:.1} ms per call, {:.2} s in all",
            sequential.as_secs_f64() * 1000.0 / calls as f64,
            sequential.as_secs_f64()
        );
        println!(
            "concurrent:            {:.2} s for all",
            concurrent.as_secs_f64()
        );
        println!("peak RSS before:       {:.1} MiB", before as f64 / 1024.0);
        println!(
            "peak RSS sequential:   {:.1} MiB",
            after_sequential as f64 / 1024.0
        );
        println!(
            "peak RSS concurrent:   {:.1} MiB",
            after_concurrent as f64 / 1024.0
        );
        println!("requests seen:         {}", server.requests().len());
    });
}
