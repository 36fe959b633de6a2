//! How fast the mocks are at the sizes of the 100,000-record sync benchmark:
//! seeding 100,000 Sell records per entity, listing every contact 100 per
//! page through the generated client, and receiving 100,000 Gong contacts
//! as one LDJSON upload. Prints wall times and the process's peak RSS.
//!
//! `cargo bench -p crm-mock --bench throughput [-- N]`

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark binary panics on failure"
)]

use std::time::Instant;

use crm_mock::{MockConfig, RunningMock, System};
use futures::TryStreamExt;
use gong_crm_api::LdjsonFile;
use gong_crm_api::types::{CrmObjectType, GenericCrmRegistrationRequest};
use zendesk_sell_api::PagedList;
use zendesk_sell_api::{Auth, RateLimit, RetryPolicy};

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100_000);

    let started = Instant::now();
    let sell = RunningMock::start(System::ZendeskSell, MockConfig::new(1).with_seed_records(n))
        .await
        .unwrap();
    let seeded = started.elapsed();
    println!(
        "sell: seeded {n} contacts + {n} deals + {n} leads + {} notes + {} tasks in {:.3} s (peak RSS {:.0} MiB)",
        n / 4,
        n / 4,
        seeded.as_secs_f64(),
        peak_rss_mib()
    );

    let client = zendesk_sell_api::Client::from_config(
        zendesk_sell_api::Client::config(Auth::bearer(crm_mock::MOCK_TOKEN))
            .with_base_url(sell.base_url())
            .with_rate_limit(RateLimit::unlimited())
            .with_retry(RetryPolicy::none()),
    )
    .unwrap();
    let started = Instant::now();
    let contacts: Vec<_> = client
        .list_contacts()
        .per_page(100u32)
        .stream()
        .try_collect()
        .await
        .unwrap();
    let listed = started.elapsed();
    assert_eq!(contacts.len(), n);
    println!(
        "sell: listed {} contacts, 100 per page, in {:.3} s ({:.0} records/s)",
        contacts.len(),
        listed.as_secs_f64(),
        contacts.len() as f64 / listed.as_secs_f64()
    );
    drop(contacts);
    sell.shutdown().await;

    let gong = RunningMock::start(System::Gong, MockConfig::new(1))
        .await
        .unwrap();
    let client = gong_crm_api::Client::from_config(
        gong_crm_api::Client::config(Auth::basic(
            crm_mock::GONG_ACCESS_KEY,
            crm_mock::GONG_ACCESS_KEY_SECRET,
        ))
        .with_base_url(gong.base_url())
        .with_rate_limit(RateLimit::unlimited())
        .with_retry(RetryPolicy::none()),
    )
    .unwrap();
    let id = client
        .register_generic_crm_integration()
        .body(GenericCrmRegistrationRequest {
            owner_email: "bench@example.com".into(),
            name: "bench".into(),
        })
        .send()
        .await
        .unwrap()
        .integration_id
        .unwrap();
    let mut file = String::with_capacity(n * 300);
    for i in 0..n {
        file.push_str(&format!(
            "{{\"objectId\":\"contact-{i}\",\"modifiedDate\":\"2024-06-01T10:00:00Z\",\"accountId\":\"acc-{}\",\"emailAddress\":\"person{i}@example.com\",\"firstName\":\"Łukasz\",\"lastName\":\"Kowalski-{i}\",\"title\":\"VP Sales\",\"phoneNumber\":\"+1-415-555-{:04}\",\"segment\":\"Enterprise\"}}\n",
            i / 4,
            i % 10_000
        ));
    }
    let bytes = file.len();
    let started = Instant::now();
    client
        .upload_crm_data(
            id,
            CrmObjectType::Contact,
            "bench-1",
            LdjsonFile::from_bytes(file),
        )
        .await
        .unwrap();
    let uploaded = started.elapsed();
    let receipts = gong.stats().gong_receipts["CONTACT"].len();
    assert_eq!(receipts, n);
    println!(
        "gong: received and processed {n} contacts ({:.1} MB LDJSON) in {:.3} s ({:.0} MB/s)",
        bytes as f64 / 1e6,
        uploaded.as_secs_f64(),
        bytes as f64 / 1e6 / uploaded.as_secs_f64()
    );
    gong.shutdown().await;
    println!("peak RSS of the whole run: {:.0} MiB", peak_rss_mib());
}
