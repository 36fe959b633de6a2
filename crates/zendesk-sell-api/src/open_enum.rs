//! Conversions for the open enums (`X::Known(XKnown)` / `X::Unknown(XUnknown)`).
//!
//! The generated open enums convert from their two arms only. These impls add
//! conversions from and to text, so a builder takes a plain string
//! (`.position("tail")`, `.customer_status("current")`, or the opaque
//! `meta.position` of a Firehose page) and a value prints as sent on the wire:
//!
//! ```
//! use zendesk_sell_api::types::{CustomerStatus, CustomerStatusKnown};
//!
//! let known = CustomerStatus::try_from("current")?;
//! assert_eq!(known, CustomerStatus::Known(CustomerStatusKnown::Current));
//! let added_later = CustomerStatus::try_from("churned")?;
//! assert!(matches!(&added_later, CustomerStatus::Unknown(v) if v.as_str() == "churned"));
//! assert_eq!(added_later.to_string(), "churned");
//! # Ok::<(), zendesk_sell_api::types::error::ConversionError>(())
//! ```

use crate::types::error::ConversionError;
use crate::types::{
    CustomFieldResourceType, CustomFieldResourceTypeKnown, CustomFieldResourceTypeUnknown,
    CustomFieldType, CustomFieldTypeKnown, CustomFieldTypeUnknown, CustomerStatus,
    CustomerStatusKnown, CustomerStatusUnknown, ErrorCode, ErrorCodeKnown, ErrorCodeUnknown,
    FirehoseEventCause, FirehoseEventCauseKnown, FirehoseEventCauseUnknown, FirehoseEventType,
    FirehoseEventTypeKnown, FirehoseEventTypeUnknown, FirehosePosition, FirehosePositionKnown,
    FirehosePositionUnknown, NoteResourceType, NoteResourceTypeKnown, NoteResourceTypeUnknown,
    NoteType, NoteTypeKnown, NoteTypeUnknown, ProspectStatus, ProspectStatusKnown,
    ProspectStatusUnknown, TaskType, TaskTypeKnown, TaskTypeUnknown,
};

crm_client_runtime::open_enum_text! {
    error: ConversionError;
    CustomFieldResourceType(CustomFieldResourceTypeKnown, CustomFieldResourceTypeUnknown);
    CustomFieldType(CustomFieldTypeKnown, CustomFieldTypeUnknown);
    CustomerStatus(CustomerStatusKnown, CustomerStatusUnknown);
    ErrorCode(ErrorCodeKnown, ErrorCodeUnknown);
    FirehoseEventCause(FirehoseEventCauseKnown, FirehoseEventCauseUnknown);
    FirehoseEventType(FirehoseEventTypeKnown, FirehoseEventTypeUnknown);
    FirehosePosition(FirehosePositionKnown, FirehosePositionUnknown);
    NoteResourceType(NoteResourceTypeKnown, NoteResourceTypeUnknown);
    NoteType(NoteTypeKnown, NoteTypeUnknown);
    ProspectStatus(ProspectStatusKnown, ProspectStatusUnknown);
    TaskType(TaskTypeKnown, TaskTypeUnknown);
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}
