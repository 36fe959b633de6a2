//! Gong's open enums get the same generated text conversions as every other
//! crate's (`FromStr`, `TryFrom<&str | &String | String>`, `Display` as sent
//! on the wire); before the generator emitted them, Gong's had none.

#![allow(clippy::unwrap_used, reason = "tests panic on failure")]

use gong_crm_api::types::{
    FieldType, FieldTypeKnown, ReferenceObjectType, ReferenceObjectTypeKnown, RequestStatus,
    RequestStatusKnown,
};

#[test]
fn every_open_enum_converts_from_and_to_its_wire_text() {
    assert_eq!(
        RequestStatus::try_from("IN_PROGRESS").unwrap(),
        RequestStatus::Known(RequestStatusKnown::InProgress)
    );
    let later: RequestStatus = "QUEUED".parse().unwrap();
    assert!(matches!(&later, RequestStatus::Unknown(v) if v.as_str() == "QUEUED"));
    assert_eq!(later.to_string(), "QUEUED");
    assert_eq!(
        RequestStatus::Known(RequestStatusKnown::Done).to_string(),
        "DONE"
    );

    assert_eq!(
        FieldType::try_from(&"PICKLIST".to_owned()).unwrap(),
        FieldType::Known(FieldTypeKnown::Picklist)
    );
    assert_eq!(
        FieldType::try_from("RICHTEXT".to_owned())
            .unwrap()
            .to_string(),
        "RICHTEXT"
    );

    assert_eq!(
        ReferenceObjectType::try_from("DEAL").unwrap(),
        ReferenceObjectType::Known(ReferenceObjectTypeKnown::Deal)
    );
    for text in ["ACCOUNT", "CONTACT", "OPPORTUNITY_SPLIT"] {
        let value = ReferenceObjectType::try_from(text).unwrap();
        assert_eq!(value.to_string(), text);
        assert_eq!(
            serde_json::to_value(&value).unwrap(),
            serde_json::Value::String(text.to_owned())
        );
    }
}
