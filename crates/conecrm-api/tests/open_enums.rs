//! The text conversions the generator emits for every open enum
//! (`X::Known(XKnown)` / `X::Unknown(XUnknown)`): `FromStr`, `TryFrom<&str |
//! &String | String>` and `Display` as sent on the wire, including the
//! query-builder operators the generator cannot name as variants.

#![allow(clippy::unwrap_used, reason = "tests panic on failure")]

use conecrm_api::types::{
    FilterType, QueryBuilderCombinator, QueryBuilderOperator, QueryBuilderOperatorKnown, TaskType,
    UserType, UserTypeKnown,
};

#[test]
fn text_round_trips_through_every_arm() {
    for text in [
        "=",
        "!=",
        ">",
        ">=",
        "<",
        "<=",
        "contains",
        "null",
        "notBetween",
        "fuzzy",
    ] {
        let operator = QueryBuilderOperator::try_from(text).unwrap();
        assert_eq!(operator.to_string(), text);
        let json = serde_json::to_value(&operator).unwrap();
        assert_eq!(json, serde_json::Value::String(text.to_owned()));
        let back: QueryBuilderOperator = serde_json::from_value(json).unwrap();
        assert_eq!(back, operator);
    }
    assert_eq!(
        "null".parse::<QueryBuilderOperator>().unwrap(),
        QueryBuilderOperator::Known(QueryBuilderOperatorKnown::Null)
    );
    assert!(matches!(
        TaskType::try_from("WHATSAPP").unwrap(),
        TaskType::Unknown(_)
    ));
    assert_eq!(
        UserType::try_from(&"ADMIN".to_owned()).unwrap(),
        UserType::Known(UserTypeKnown::Admin)
    );
    assert_eq!(
        FilterType::try_from("datetime".to_owned())
            .unwrap()
            .to_string(),
        "datetime"
    );
    assert_eq!(
        QueryBuilderCombinator::try_from("xor").unwrap().to_string(),
        "xor"
    );
}
