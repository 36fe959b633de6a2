//! Throughput of Sell contact JSON → core → Gong CONTACT LDJSON line,
//! against the floor of plain `serde_json` (parse the same bytes into a
//! `Value`, write them back).
//!
//! `cargo bench -p crm-core --bench convert` (optionally `-- <records>`).
//! Prints records/s for both and the ratio (goal ≥ 0.5×). Each figure is the
//! best of 5 rounds over the same input.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "benchmark")]

use std::hint::black_box;
use std::time::Instant;

use crm_core::zendesk_sell::Party;
use crm_core::{ConvertOptions, FromCore, ToCore};
use gong_crm_api::types::CrmContactRecord;
use zendesk_sell_api::types::Contact as SellContact;

/// A realistic Sell person contact (fields as the API answers them).
fn contact(i: u64) -> String {
    serde_json::json!({
        "id": 100_000 + i,
        "creator_id": 981,
        "owner_id": 982 + (i % 7),
        "is_organization": false,
        "contact_id": 50_000 + (i % 1000),
        "parent_organization_id": null,
        "name": format!("Jane Doe {i}"),
        "first_name": "Jane",
        "last_name": format!("Doe {i}"),
        "customer_status": "current",
        "prospect_status": "none",
        "title": "VP Sales",
        "description": "Met at the 2024 trade show; interested in the enterprise plan.",
        "industry": null,
        "website": null,
        "email": format!("jane.doe.{i}@example.com"),
        "phone": "+1 (415) 555-0100",
        "mobile": "+1 415 555 0199",
        "fax": null,
        "twitter": "janedoe",
        "facebook": null,
        "linkedin": "in/janedoe",
        "skype": null,
        "address": {"line1": "2726 Smith Street", "city": "Hyannis", "postal_code": "02601", "state": "MA", "country": "US"},
        "billing_address": null,
        "shipping_address": null,
        "tags": ["important", "2024"],
        "custom_fields": {"known_via": "tom", "score": 42},
        "created_at": "2024-01-16T09:30:00Z",
        "updated_at": "2024-06-01T10:00:00Z"
    })
    .to_string()
}

fn main() {
    let n: u64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100_000);
    let input: Vec<String> = (0..n).map(contact).collect();
    let bytes: usize = input.iter().map(String::len).sum();
    let options = ConvertOptions::default();

    let floor = best_of(5, || {
        let mut out = Vec::with_capacity(bytes + input.len());
        for line in &input {
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            serde_json::to_writer(&mut out, &value).unwrap();
            out.push(b'\n');
        }
        black_box(out.len());
    });

    let ours = best_of(5, || {
        let mut out = Vec::with_capacity(bytes);
        for line in &input {
            let sell: SellContact = serde_json::from_str(line).unwrap();
            let Party::Person(core) = sell.into_core() else {
                panic!("a person")
            };
            let gong = CrmContactRecord::from_core(&core, &options).unwrap();
            serde_json::to_writer(&mut out, &gong.value).unwrap();
            out.push(b'\n');
        }
        black_box(out.len());
    });

    let rate = |secs: f64| n as f64 / secs;
    println!("records: {n} ({:.1} MB of Sell JSON)", bytes as f64 / 1e6);
    println!(
        "floor (serde_json parse + write):          {:>10.0} records/s",
        rate(floor)
    );
    println!(
        "Sell JSON -> core -> Gong CONTACT LDJSON:  {:>10.0} records/s",
        rate(ours)
    );
    println!("ratio: {:.2}x of the floor (goal >= 0.5x)", floor / ours);
}

fn best_of(rounds: usize, mut f: impl FnMut()) -> f64 {
    (0..rounds)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}
