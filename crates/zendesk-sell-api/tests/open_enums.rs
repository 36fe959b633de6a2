//! The text conversions the generator emits for every open enum
//! (`X::Known(XKnown)` / `X::Unknown(XUnknown)`): a builder takes a plain
//! string (`.position("tail")`, or the opaque `meta.position` of a Firehose
//! page) and a value prints as sent on the wire.

#![allow(clippy::unwrap_used, reason = "tests panic on failure")]

use zendesk_sell_api::types::{
    CustomerStatus, CustomerStatusKnown, ErrorCode, FirehosePosition, FirehosePositionKnown,
};

#[test]
fn text_round_trips_through_every_arm() {
    for text in ["top", "tail", "ZmlyZWhvc2UuZmFjdG9pZC5jb250YWN0"] {
        let position = FirehosePosition::try_from(text).unwrap();
        assert_eq!(position.to_string(), text);
        let json = serde_json::to_value(&position).unwrap();
        assert_eq!(json, serde_json::Value::String(text.to_owned()));
    }
    assert_eq!(
        FirehosePosition::try_from("tail").unwrap(),
        FirehosePosition::Known(FirehosePositionKnown::Tail)
    );
    assert!(matches!(
        ErrorCode::try_from("brand_new_code").unwrap(),
        ErrorCode::Unknown(_)
    ));
    let known = CustomerStatus::try_from("current").unwrap();
    assert_eq!(known, CustomerStatus::Known(CustomerStatusKnown::Current));
    let added_later: CustomerStatus = "churned".parse().unwrap();
    assert!(matches!(&added_later, CustomerStatus::Unknown(v) if v.as_str() == "churned"));
    assert_eq!(added_later.to_string(), "churned");
}
