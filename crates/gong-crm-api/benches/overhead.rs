//! Per-call overhead of the generated client with the runtime (auth header,
//! retry bookkeeping, body buffering, typed decoding) against a bare
//! `reqwest` call decoding the same type from the same loopback server.
//!
//! `cargo bench -p gong-crm-api --bench overhead` (optionally `-- <calls>`).
//! Each arm runs interleaved rounds; the median round is reported.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "benchmark")]

#[path = "support.rs"]
mod support;

use std::time::{Duration, Instant};

use gong_crm_api::Auth;
use gong_crm_api::types::ListGenericCrmIntegrationsResponse;

fn main() {
    let calls: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(2_000);
    let runtime = support::runtime();
    runtime.block_on(async move {
        let (url, _) = support::start().await;
        let client = support::client(&url, Auth::basic("access-key", "s3cret"));
        let bare = reqwest::Client::new();
        let endpoint = format!("{url}/v2/crm/integrations");

        let generated = || async {
            let answer = client.list_generic_crm_integration().send().await.unwrap();
            assert_eq!(answer.integrations.len(), 1);
        };
        let plain = || async {
            let answer: ListGenericCrmIntegrationsResponse = bare
                .get(&endpoint)
                .basic_auth("access-key", Some("s3cret"))
                .header("accept", "application/json")
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert_eq!(answer.integrations.len(), 1);
        };
        // warm up both (connections, allocator)
        for _ in 0..200 {
            generated().await;
            plain().await;
        }
        let rounds = 9;
        let mut with_runtime = Vec::new();
        let mut bare_reqwest = Vec::new();
        for _ in 0..rounds {
            let start = Instant::now();
            for _ in 0..calls {
                plain().await;
            }
            bare_reqwest.push(start.elapsed() / calls);
            let start = Instant::now();
            for _ in 0..calls {
                generated().await;
            }
            with_runtime.push(start.elapsed() / calls);
        }
        let median = |v: &mut Vec<Duration>| {
            v.sort();
            v[v.len() / 2]
        };
        let (g, b) = (median(&mut with_runtime), median(&mut bare_reqwest));
        println!("calls per round: {calls}, rounds: {rounds}");
        println!(
            "bare reqwest:            {:>8.1} µs/call",
            b.as_secs_f64() * 1e6
        );
        println!(
            "generated + runtime:     {:>8.1} µs/call",
            g.as_secs_f64() * 1e6
        );
        println!(
            "ratio:                   {:>8.3}x (goal <= 1.1x)",
            g.as_secs_f64() / b.as_secs_f64()
        );
    });
}
