//! The LDJSON record types of Gong's entity tables, as one trait the bulk
//! upload works with.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::types::{
    CrmAccountRecord, CrmBusinessUserRecord, CrmContactRecord, CrmDealRecord, CrmLeadRecord,
    CrmObjectType, CrmQueryObjectType, CrmStageRecord,
};

/// The query type (`GET /v2/crm/entities`, `/v2/crm/entity-schema`) of an
/// upload type: `None` for `BUSINESS_USER` and `STAGE`, which Gong accepts
/// only on the upload (they have no schema and cannot be read back).
pub fn query_object_type(object_type: CrmObjectType) -> Option<CrmQueryObjectType> {
    match object_type {
        CrmObjectType::Account => Some(CrmQueryObjectType::Account),
        CrmObjectType::Contact => Some(CrmQueryObjectType::Contact),
        CrmObjectType::Deal => Some(CrmQueryObjectType::Deal),
        CrmObjectType::Lead => Some(CrmQueryObjectType::Lead),
        CrmObjectType::BusinessUser | CrmObjectType::Stage => None,
    }
}

/// A record of one of Gong's entity tables (one line of an upload file).
pub trait GongRecord: Serialize {
    /// The table: the upload's `objectType`.
    const OBJECT_TYPE: CrmObjectType;

    /// The CRM id (`objectId`).
    fn object_id(&self) -> &str;

    /// `modifiedDate` (optional only for stages).
    fn modified_date(&self) -> Option<DateTime<Utc>>;

    /// Whether the record deletes the object.
    fn is_deleted(&self) -> bool;

    /// Fields defined with the schema API (custom fields).
    fn custom_fields(&self) -> &serde_json::Map<String, serde_json::Value>;

    /// Rules the record type cannot express: returns what is missing.
    fn missing_required(&self) -> Option<&'static str> {
        None
    }
}

macro_rules! gong_record {
    ($ty:ty, $object_type:expr $(, { $($more:tt)* })?) => {
        impl GongRecord for $ty {
            const OBJECT_TYPE: CrmObjectType = $object_type;
            fn object_id(&self) -> &str {
                self.object_id.as_str()
            }
            fn modified_date(&self) -> Option<DateTime<Utc>> {
                // Required in every table but STAGE's.
                self.modified_date.into()
            }
            fn is_deleted(&self) -> bool {
                self.is_deleted.unwrap_or(false)
            }
            fn custom_fields(&self) -> &serde_json::Map<String, serde_json::Value> {
                &self.extra
            }
            $($($more)*)?
        }
    };
}

gong_record!(CrmAccountRecord, CrmObjectType::Account);
gong_record!(CrmContactRecord, CrmObjectType::Contact);
gong_record!(CrmDealRecord, CrmObjectType::Deal);
gong_record!(CrmLeadRecord, CrmObjectType::Lead);
gong_record!(CrmBusinessUserRecord, CrmObjectType::BusinessUser, {
    /// `emailAddress` is mandatory unless the record deletes the user.
    fn missing_required(&self) -> Option<&'static str> {
        let empty = self.email_address.as_deref().is_none_or(str::is_empty);
        (empty && !self.is_deleted()).then_some("emailAddress (mandatory unless isDeleted)")
    }
});
gong_record!(CrmStageRecord, CrmObjectType::Stage, {
    fn missing_required(&self) -> Option<&'static str> {
        self.name.is_empty().then_some("name")
    }
});
