//! Strategies for Gong's record types.

use gong_crm_api::types::{
    CrmAccountRecord, CrmBusinessUserRecord, CrmContactRecord, CrmDealRecord, CrmLeadRecord,
    CrmObjectId, CrmStageRecord, DealStatus,
};
use proptest::prelude::*;

use super::{date, extra_fields, float, opt, text, timestamp};

/// Valid Gong objectIds: 1-64 letters, digits, `-`, or an email.
pub fn object_id() -> impl Strategy<Value = CrmObjectId> {
    prop_oneof![
        "[A-Za-z0-9-]{1,64}",
        "[a-z0-9._%+-]{1,20}@[a-z0-9-]{1,15}\\.[a-z]{2,6}",
    ]
    .prop_map(|s| s.parse::<CrmObjectId>().unwrap())
}

fn id_string() -> impl Strategy<Value = String> {
    object_id().prop_map(|id| id.to_string())
}

pub fn account() -> impl Strategy<Value = CrmAccountRecord> {
    (
        object_id(),
        timestamp(),
        opt(timestamp()),
        opt(any::<bool>()),
        opt(text()),
        opt(text()),
        prop::collection::vec(text(), 0..3),
        extra_fields(&[
            "objectId",
            "modifiedDate",
            "lastModified",
            "isDeleted",
            "url",
            "name",
            "domains",
        ]),
    )
        .prop_map(
            |(object_id, modified_date, last_modified, is_deleted, url, name, domains, extra)| {
                CrmAccountRecord {
                    object_id,
                    modified_date,
                    last_modified,
                    is_deleted,
                    url,
                    name,
                    domains,
                    extra,
                }
            },
        )
}

pub fn contact() -> impl Strategy<Value = CrmContactRecord> {
    (
        (
            object_id(),
            timestamp(),
            opt(timestamp()),
            opt(any::<bool>()),
            opt(text()),
        ),
        (
            opt(id_string()),
            opt(text()),
            opt(text()),
            opt(text()),
            opt(text()),
            opt(text()),
        ),
        extra_fields(&[]),
    )
        .prop_map(
            |(
                (object_id, modified_date, last_modified, is_deleted, url),
                (account_id, email_address, first_name, last_name, title, phone_number),
                extra,
            )| {
                CrmContactRecord {
                    object_id,
                    modified_date,
                    last_modified,
                    is_deleted,
                    url,
                    account_id,
                    email_address,
                    first_name,
                    last_name,
                    title,
                    phone_number,
                    extra,
                }
            },
        )
}

pub fn deal() -> impl Strategy<Value = CrmDealRecord> {
    (
        (
            object_id(),
            timestamp(),
            opt(timestamp()),
            opt(any::<bool>()),
            opt(text()),
        ),
        (
            opt(id_string()),
            opt(id_string()),
            opt(text()),
            opt(timestamp()),
            opt(date()),
        ),
        (
            opt(prop_oneof![
                Just(DealStatus::Open),
                Just(DealStatus::Won),
                Just(DealStatus::Lost)
            ]),
            opt(id_string()),
            opt(float()),
        ),
        (
            opt(any::<bool>()),
            opt(any::<bool>()),
            opt(date()),
            opt(date()),
            opt(float()),
            opt(float()),
        ),
        extra_fields(&[]),
    )
        .prop_map(
            |(
                (object_id, modified_date, last_modified, is_deleted, url),
                (account_id, owner_id, name, created_date, close_date),
                (status, stage, amount),
                (
                    is_open,
                    is_won,
                    estimated_close_date,
                    actual_close_date,
                    estimated_amount,
                    actual_amount,
                ),
                extra,
            )| CrmDealRecord {
                object_id,
                modified_date,
                last_modified,
                is_deleted,
                url,
                account_id,
                owner_id,
                name,
                created_date,
                close_date,
                status,
                stage,
                amount,
                is_open,
                is_won,
                estimated_close_date,
                actual_close_date,
                estimated_amount,
                actual_amount,
                extra,
            },
        )
}

pub fn lead() -> impl Strategy<Value = CrmLeadRecord> {
    (
        (
            object_id(),
            timestamp(),
            opt(timestamp()),
            opt(any::<bool>()),
            opt(text()),
        ),
        (
            opt(text()),
            opt(text()),
            opt(text()),
            opt(text()),
            opt(text()),
        ),
        (opt(id_string()), opt(id_string()), opt(id_string())),
        extra_fields(&[]),
    )
        .prop_map(
            |(
                (object_id, modified_date, last_modified, is_deleted, url),
                (email_address, first_name, last_name, title, phone_number),
                (converted_to_deal_id, converted_to_contact_id, converted_to_account_id),
                extra,
            )| CrmLeadRecord {
                object_id,
                modified_date,
                last_modified,
                is_deleted,
                url,
                email_address,
                first_name,
                last_name,
                title,
                phone_number,
                converted_to_deal_id,
                converted_to_contact_id,
                converted_to_account_id,
                extra,
            },
        )
}

pub fn user() -> impl Strategy<Value = CrmBusinessUserRecord> {
    (
        object_id(),
        timestamp(),
        opt(timestamp()),
        opt(any::<bool>()),
        opt(text()),
        opt(text()),
        extra_fields(&[]),
    )
        .prop_map(
            |(object_id, modified_date, last_modified, is_deleted, url, email_address, extra)| {
                CrmBusinessUserRecord {
                    object_id,
                    modified_date,
                    last_modified,
                    is_deleted,
                    url,
                    email_address,
                    extra,
                }
            },
        )
}

pub fn stage() -> impl Strategy<Value = CrmStageRecord> {
    (
        object_id(),
        opt(timestamp()),
        opt(any::<bool>()),
        text(),
        opt(any::<bool>()),
        opt(any::<i32>()),
        opt(text()),
        extra_fields(&[]),
    )
        .prop_map(
            |(
                object_id,
                modified_date,
                is_deleted,
                name,
                is_active,
                sort_order,
                internal_name,
                extra,
            )| {
                CrmStageRecord {
                    object_id,
                    modified_date,
                    is_deleted,
                    name,
                    is_active,
                    sort_order,
                    internal_name,
                    extra,
                }
            },
        )
}
