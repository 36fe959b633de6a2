//! The one-call helpers: `convert` (borrowed source) and `convert_owned`
//! (owned source) give the same record and the same losses.

#![cfg(all(feature = "gong", feature = "zendesk-sell"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests panic on failure"
)]

use crm_core::{ConvertOptions, Converted, convert, convert_owned};
use gong_crm_api::types::CrmDealRecord;
use zendesk_sell_api::types::Deal as SellDeal;

#[test]
fn convert_and_convert_owned_agree_on_value_and_losses() {
    let deal: SellDeal = serde_json::from_value(serde_json::json!({
        "id": 42,
        "name": "Renewal 2027",
        "value": "1250.50",
        "currency": "EUR",
        "hot": true,
        "tags": ["renewal"],
        "created_at": "2026-11-01T09:00:00Z",
        "updated_at": "2026-11-20T10:30:00Z"
    }))
    .unwrap();
    let options = ConvertOptions::default();
    let borrowed: Converted<CrmDealRecord> = convert(&deal, &options).unwrap();
    let owned: Converted<CrmDealRecord> = convert_owned(deal, &options).unwrap();
    assert_eq!(borrowed.value.object_id.as_str(), "zs-42");
    assert_eq!(
        serde_json::to_value(&owned.value).unwrap(),
        serde_json::to_value(&borrowed.value).unwrap()
    );
    assert!(
        borrowed.losses.paths().any(|p| p == "deal.hot"),
        "Gong's DEAL has no `hot`: {}",
        borrowed.losses
    );
    assert_eq!(
        owned.losses.paths().collect::<Vec<_>>(),
        borrowed.losses.paths().collect::<Vec<_>>()
    );
}
