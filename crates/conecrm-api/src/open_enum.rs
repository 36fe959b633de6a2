//! Conversions for the open enums (`X::Known(XKnown)` / `X::Unknown(XUnknown)`).
//!
//! The generated open enums convert from their two arms only. These impls add
//! conversions from and to text, so a value can be written as it appears on
//! the wire, including the values the generator cannot name as variants (the
//! query-builder operators `=`, `!=`, `>`, `>=`, `<`, `<=`):
//!
//! ```
//! use conecrm_api::types::{QueryBuilderOperator, QueryBuilderOperatorKnown};
//!
//! let known = QueryBuilderOperator::try_from("contains")?;
//! assert_eq!(known, QueryBuilderOperator::Known(QueryBuilderOperatorKnown::Contains));
//! let symbolic = QueryBuilderOperator::try_from(">=")?;
//! assert!(matches!(&symbolic, QueryBuilderOperator::Unknown(v) if v.as_str() == ">="));
//! assert_eq!(symbolic.to_string(), ">=");
//! # Ok::<(), conecrm_api::types::error::ConversionError>(())
//! ```

use crate::types::error::ConversionError;
use crate::types::{
    FilterType, FilterTypeKnown, FilterTypeUnknown, QueryBuilderCombinator,
    QueryBuilderCombinatorKnown, QueryBuilderCombinatorUnknown, QueryBuilderOperator,
    QueryBuilderOperatorKnown, QueryBuilderOperatorUnknown, TaskType, TaskTypeKnown,
    TaskTypeUnknown, UserType, UserTypeKnown, UserTypeUnknown,
};

crm_client_runtime::open_enum_text! {
    error: ConversionError;
    FilterType(FilterTypeKnown, FilterTypeUnknown);
    QueryBuilderCombinator(QueryBuilderCombinatorKnown, QueryBuilderCombinatorUnknown);
    QueryBuilderOperator(QueryBuilderOperatorKnown, QueryBuilderOperatorUnknown);
    TaskType(TaskTypeKnown, TaskTypeUnknown);
    UserType(UserTypeKnown, UserTypeUnknown);
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests panic on failure")]

    use super::*;

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
            UserType::try_from("ADMIN").unwrap(),
            UserType::Known(UserTypeKnown::Admin)
        );
        assert_eq!(
            FilterType::try_from("datetime").unwrap().to_string(),
            "datetime"
        );
        assert_eq!(
            QueryBuilderCombinator::try_from("xor").unwrap().to_string(),
            "xor"
        );
    }
}
