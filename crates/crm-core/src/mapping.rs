//! The field mapping, as data: which field of each system's record goes to
//! which slot of the model. `README.md`'s mapping tables are rendered from
//! this and the specs; a test keeps them true (every field of every record
//! type is either mapped here or listed as kept verbatim in the extras).

use crate::system::System;

/// How one record type maps onto one core entity.
#[derive(Debug, Clone, Copy)]
pub struct RecordMapping {
    /// The system.
    pub system: System,
    /// The record's schema name in the system's spec (the generated type).
    pub schema: &'static str,
    /// The core entity it becomes.
    pub entity: &'static str,
    /// When the record maps to this entity (e.g. Sell contacts by `is_organization`).
    pub when: &'static str,
    /// Mapped fields: (JSON field name, core slot). Every other field of the
    /// record is kept verbatim in `meta.extras[<system>]`.
    pub fields: &'static [(&'static str, &'static str)],
}

const GONG_COMMON: [(&str, &str); 6] = [
    ("objectId", "meta.ids[gong]"),
    (
        "modifiedDate",
        "meta.updated_at (else meta.created_at, else ConvertOptions::default_modified_date)",
    ),
    ("isDeleted", "meta.deleted"),
    ("url", "url"),
    ("lastModified", "meta.extras[gong] (deprecated)"),
    ("(additional fields)", "meta.custom"),
];

macro_rules! with_common {
    ($($pair:expr),* $(,)?) => {
        &[
            GONG_COMMON[0], GONG_COMMON[1], GONG_COMMON[2], GONG_COMMON[3], GONG_COMMON[4], GONG_COMMON[5],
            $($pair),*
        ]
    };
}

/// Every mapping, all systems.
pub const MAPPINGS: &[RecordMapping] = &[
    // ------------------------------------------------------------ Gong
    RecordMapping {
        system: System::Gong,
        schema: "CrmAccountRecord",
        entity: "Account",
        when: "ACCOUNT",
        fields: with_common![("name", "name"), ("domains", "domains")],
    },
    RecordMapping {
        system: System::Gong,
        schema: "CrmContactRecord",
        entity: "Contact",
        when: "CONTACT",
        fields: with_common![
            ("accountId", "accounts[0]"),
            ("emailAddress", "emails[0]"),
            ("firstName", "first_name"),
            ("lastName", "last_name"),
            ("title", "title"),
            ("phoneNumber", "phones[0] (work)"),
        ],
    },
    RecordMapping {
        system: System::Gong,
        schema: "CrmDealRecord",
        entity: "Deal",
        when: "DEAL",
        fields: with_common![
            ("accountId", "account"),
            ("ownerId", "owner"),
            ("name", "name"),
            ("createdDate", "meta.created_at"),
            ("closeDate", "close_date"),
            ("status", "status"),
            ("stage", "stage"),
            ("amount", "amount (decimal; no currency in Gong)"),
            ("isOpen", "meta.extras[gong] (deprecated)"),
            ("isWon", "meta.extras[gong] (deprecated)"),
            ("estimatedCloseDate", "meta.extras[gong] (deprecated)"),
            ("actualCloseDate", "meta.extras[gong] (deprecated)"),
            ("estimatedAmount", "meta.extras[gong] (deprecated)"),
            ("actualAmount", "meta.extras[gong] (deprecated)"),
        ],
    },
    RecordMapping {
        system: System::Gong,
        schema: "CrmLeadRecord",
        entity: "Lead",
        when: "LEAD",
        fields: with_common![
            ("emailAddress", "emails[0]"),
            ("firstName", "first_name"),
            ("lastName", "last_name"),
            ("title", "title"),
            ("phoneNumber", "phones[0] (work)"),
            ("convertedToDealId", "converted_deal"),
            ("convertedToContactId", "converted_contact"),
            ("convertedToAccountId", "converted_account"),
        ],
    },
    RecordMapping {
        system: System::Gong,
        schema: "CrmBusinessUserRecord",
        entity: "User",
        when: "BUSINESS_USER",
        fields: with_common![("emailAddress", "email")],
    },
    RecordMapping {
        system: System::Gong,
        schema: "CrmStageRecord",
        entity: "Stage",
        when: "STAGE",
        fields: &[
            ("objectId", "meta.ids[gong]"),
            ("modifiedDate", "meta.updated_at (optional for stages)"),
            ("isDeleted", "meta.deleted"),
            ("name", "name"),
            ("isActive", "active"),
            ("sortOrder", "position"),
            ("internalName", "internal_name"),
            ("(additional fields)", "meta.custom"),
        ],
    },
    // ------------------------------------------------------------ ConeCRM
    RecordMapping {
        system: System::Conecrm,
        schema: "Account",
        entity: "Account",
        when: "",
        fields: &[
            ("id", "meta.ids[conecrm]"),
            (
                "thirdPartyIds",
                "meta.ids[other systems] (and kept verbatim)",
            ),
            ("name", "name"),
            ("primaryEmail", "emails[0]"),
            ("secondaryEmail", "emails[1]"),
            ("workPhone", "phones (work)"),
            ("workPhoneExtension", "phones (work).extension"),
            ("homePhone", "phones (home)"),
            ("mobilePhone", "phones (mobile)"),
            ("address", "address.street"),
            ("city", "address.city"),
            ("province", "address.region"),
            ("postalCode", "address.postal_code"),
            ("country", "address.country"),
            ("language", "language"),
            ("isActive", "active"),
            ("dateCreated", "meta.created_at"),
            ("dateModified", "meta.updated_at"),
            ("isDeleted", "meta.deleted"),
        ],
    },
    RecordMapping {
        system: System::Conecrm,
        schema: "Contact",
        entity: "Contact",
        when: "",
        fields: &[
            ("id", "meta.ids[conecrm]"),
            (
                "thirdPartyIds",
                "meta.ids[other systems] (and kept verbatim)",
            ),
            ("firstName", "first_name"),
            ("lastName", "last_name"),
            ("companyName", "company_name"),
            ("civility", "salutation"),
            ("preferredMethodOfContact", "preferred_contact"),
            ("primaryEmail", "emails[0]"),
            ("secondaryEmail", "emails[1]"),
            ("workPhone", "phones (work)"),
            ("workPhoneExtension", "phones (work).extension"),
            ("homePhone", "phones (home)"),
            ("mobilePhone", "phones (mobile)"),
            ("address", "address.street"),
            ("city", "address.city"),
            ("province", "address.region"),
            ("postalCode", "address.postal_code"),
            ("country", "address.country"),
            ("language", "language"),
            ("isActive", "active"),
            ("dateCreated", "meta.created_at"),
            ("dateModified", "meta.updated_at"),
            ("isDeleted", "meta.deleted"),
        ],
    },
    RecordMapping {
        system: System::Conecrm,
        schema: "Lead",
        entity: "Lead",
        when: "",
        fields: &[
            ("id", "meta.ids[conecrm]"),
            (
                "thirdPartyIds",
                "meta.ids[other systems] (and kept verbatim)",
            ),
            ("subject", "subject"),
            ("description", "description"),
            ("source", "source (a bare {id})"),
            ("contact", "contact (a bare {id})"),
            ("account", "account (a bare {id})"),
            ("stage", "stage (a bare {id})"),
            ("dueDate", "due_at"),
            ("isQualified", "qualified"),
            ("connectionClosedDate", "closed_at"),
            ("dateCreated", "meta.created_at"),
            ("dateModified", "meta.updated_at"),
            ("isDeleted", "meta.deleted"),
        ],
    },
    RecordMapping {
        system: System::Conecrm,
        schema: "Lead",
        entity: "Deal",
        when: "read as the opportunity (`AsDeal`)",
        fields: &[
            ("id", "meta.ids[conecrm]"),
            (
                "thirdPartyIds",
                "meta.ids[other systems] (and kept verbatim)",
            ),
            ("subject", "name"),
            ("stage", "stage (a bare {id})"),
            ("account", "account (a bare {id})"),
            ("contact", "contact (a bare {id})"),
            (
                "lostDate",
                "status LOST and close_date (also kept verbatim)",
            ),
            ("isLostApproved", "status LOST (also kept verbatim)"),
            ("orderPlaced", "status WON (also kept verbatim)"),
            (
                "connectionClosedDate",
                "status WON when not lost, and close_date (also kept verbatim)",
            ),
            ("dueDate", "close_date of an open deal (also kept verbatim)"),
            ("(assignees, not in the spec)", "owner: the first assignee"),
            ("dateCreated", "meta.created_at"),
            ("dateModified", "meta.updated_at"),
            ("isDeleted", "meta.deleted"),
        ],
    },
    RecordMapping {
        system: System::Conecrm,
        schema: "Task",
        entity: "Task",
        when: "",
        fields: &[
            ("id", "meta.ids[conecrm]"),
            ("title", "title"),
            ("note", "content"),
            ("start", "starts_at"),
            ("end", "due_at"),
            ("taskDone", "completed"),
            ("type", "kind"),
            ("dateCreated", "meta.created_at"),
            ("dateModified", "meta.updated_at"),
            ("isDeleted", "meta.deleted"),
        ],
    },
    RecordMapping {
        system: System::Conecrm,
        schema: "User",
        entity: "User",
        when: "",
        fields: &[
            ("id", "meta.ids[conecrm]"),
            (
                "thirdPartyIds",
                "meta.ids[other systems] (and kept verbatim)",
            ),
            ("username", "username"),
            ("firstname", "first_name"),
            ("lastname", "last_name"),
            ("email", "email"),
            ("mobilePhone", "phone (mobile)"),
            ("userType", "role"),
            ("dateCreated", "meta.created_at"),
            ("dateModified", "meta.updated_at"),
            ("isDeleted", "meta.deleted"),
            ("apiKey", "meta.secrets (never printed or serialized)"),
        ],
    },
    RecordMapping {
        system: System::Conecrm,
        schema: "ConnectionStage",
        entity: "Stage",
        when: "",
        fields: &[
            ("id", "meta.ids[conecrm]"),
            ("name", "name"),
            ("position", "position"),
        ],
    },
    // ------------------------------------------------------------ Zendesk Sell
    RecordMapping {
        system: System::ZendeskSell,
        schema: "User",
        entity: "User",
        when: "",
        fields: &[
            ("id", "meta.ids[zendesk-sell]"),
            ("email", "email"),
            ("phone_number", "phone (work)"),
            (
                "status",
                "active (`active`/`inactive`; others kept verbatim)",
            ),
            ("role", "role"),
            ("deleted_at", "meta.deleted (and kept verbatim)"),
            ("created_at", "meta.created_at"),
            ("updated_at", "meta.updated_at"),
        ],
    },
    RecordMapping {
        system: System::ZendeskSell,
        schema: "Contact",
        entity: "Contact",
        when: "`is_organization` false or absent (a person)",
        fields: &[
            ("id", "meta.ids[zendesk-sell]"),
            ("is_organization", "person or organisation"),
            ("first_name", "first_name"),
            ("last_name", "last_name"),
            ("title", "title"),
            ("description", "description"),
            ("email", "emails[0]"),
            ("phone", "phones (work)"),
            ("mobile", "phones (mobile)"),
            ("fax", "phones (fax)"),
            ("twitter", "social.twitter"),
            ("facebook", "social.facebook"),
            ("linkedin", "social.linkedin"),
            ("skype", "social.skype"),
            ("address", "address"),
            ("contact_id", "accounts[0]"),
            ("owner_id", "owner"),
            ("tags", "tags"),
            ("custom_fields", "meta.custom"),
            ("created_at", "meta.created_at"),
            ("updated_at", "meta.updated_at"),
        ],
    },
    RecordMapping {
        system: System::ZendeskSell,
        schema: "Contact",
        entity: "Account",
        when: "`is_organization: true`",
        fields: &[
            ("id", "meta.ids[zendesk-sell]"),
            ("is_organization", "person or organisation"),
            ("name", "name"),
            ("description", "description"),
            ("industry", "industry"),
            ("website", "website"),
            ("email", "emails[0]"),
            ("phone", "phones (work)"),
            ("mobile", "phones (mobile)"),
            ("fax", "phones (fax)"),
            ("address", "address"),
            ("billing_address", "billing_address"),
            ("shipping_address", "shipping_address"),
            ("parent_organization_id", "parent"),
            ("owner_id", "owner"),
            ("tags", "tags"),
            ("custom_fields", "meta.custom"),
            ("created_at", "meta.created_at"),
            ("updated_at", "meta.updated_at"),
        ],
    },
    RecordMapping {
        system: System::ZendeskSell,
        schema: "Deal",
        entity: "Deal",
        when: "",
        fields: &[
            ("id", "meta.ids[zendesk-sell]"),
            ("name", "name"),
            (
                "value",
                "amount.amount (number or decimal string; the written form is restored)",
            ),
            ("currency", "amount.currency"),
            ("stage_id", "stage"),
            ("organization_id", "account"),
            ("contact_id", "contact"),
            ("owner_id", "owner"),
            ("estimated_close_date", "close_date"),
            ("hot", "hot"),
            ("customized_win_likelihood", "win_likelihood"),
            ("source_id", "source"),
            ("tags", "tags"),
            ("custom_fields", "meta.custom"),
            ("created_at", "meta.created_at"),
            ("updated_at", "meta.updated_at"),
        ],
    },
    RecordMapping {
        system: System::ZendeskSell,
        schema: "Lead",
        entity: "Lead",
        when: "",
        fields: &[
            ("id", "meta.ids[zendesk-sell]"),
            ("first_name", "first_name"),
            ("last_name", "last_name"),
            ("organization_name", "company_name"),
            ("title", "title"),
            ("description", "description"),
            ("industry", "industry"),
            ("website", "website"),
            ("status", "status"),
            ("source_id", "source"),
            ("email", "emails[0]"),
            ("phone", "phones (work)"),
            ("mobile", "phones (mobile)"),
            ("fax", "phones (fax)"),
            ("twitter", "social.twitter"),
            ("facebook", "social.facebook"),
            ("linkedin", "social.linkedin"),
            ("skype", "social.skype"),
            ("address", "address"),
            ("owner_id", "owner"),
            ("tags", "tags"),
            ("custom_fields", "meta.custom"),
            ("created_at", "meta.created_at"),
            ("updated_at", "meta.updated_at"),
        ],
    },
    RecordMapping {
        system: System::ZendeskSell,
        schema: "Note",
        entity: "Note",
        when: "",
        fields: &[
            ("id", "meta.ids[zendesk-sell]"),
            ("content", "content"),
            ("resource_type", "about.kind"),
            ("resource_id", "about"),
            ("is_important", "important"),
            ("creator_id", "creator"),
            ("type", "kind"),
            ("tags", "tags"),
            ("created_at", "meta.created_at"),
            ("updated_at", "meta.updated_at"),
        ],
    },
    RecordMapping {
        system: System::ZendeskSell,
        schema: "Task",
        entity: "Task",
        when: "",
        fields: &[
            ("id", "meta.ids[zendesk-sell]"),
            ("content", "content"),
            ("due_date", "due_at"),
            ("remind_at", "remind_at"),
            ("completed", "completed"),
            ("completed_at", "completed_at"),
            ("owner_id", "owner"),
            ("resource_type", "about.kind"),
            ("resource_id", "about"),
            ("created_at", "meta.created_at"),
            ("updated_at", "meta.updated_at"),
        ],
    },
    RecordMapping {
        system: System::ZendeskSell,
        schema: "Pipeline",
        entity: "Pipeline",
        when: "",
        fields: &[
            ("id", "meta.ids[zendesk-sell]"),
            ("name", "name"),
            ("disabled", "active (negated)"),
            ("created_at", "meta.created_at"),
            ("updated_at", "meta.updated_at"),
        ],
    },
    RecordMapping {
        system: System::ZendeskSell,
        schema: "Stage",
        entity: "Stage",
        when: "",
        fields: &[
            ("id", "meta.ids[zendesk-sell]"),
            ("name", "name"),
            ("category", "category"),
            ("active", "active"),
            ("position", "position"),
            ("likelihood", "likelihood"),
            ("pipeline_id", "pipeline"),
            ("created_at", "meta.created_at"),
            ("updated_at", "meta.updated_at"),
        ],
    },
];

impl RecordMapping {
    /// The core slot of `field`, if mapped.
    pub fn target(&self, field: &str) -> Option<&'static str> {
        self.fields
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, t)| *t)
    }
}

/// `text` with `[` and `]` escaped, so `emails[0]` is not read as a link
/// (rustdoc renders the README as the crate's docs).
fn escape_brackets(text: &str) -> String {
    text.replace('[', "\\[").replace(']', "\\]")
}

/// The markdown tables of every mapping: for each record, each of its
/// spec's fields (`properties(system, schema)`, in spec order) with its core
/// slot, or "kept verbatim in `meta.extras[…]`".
pub fn markdown(properties: impl Fn(System, &str) -> Vec<String>) -> String {
    let mut out = String::new();
    for m in MAPPINGS {
        let when = if m.when.is_empty() {
            String::new()
        } else {
            format!(" — {}", m.when)
        };
        out.push_str(&format!(
            "\n#### {} `{}` → `{}`{when}\n\n",
            m.system, m.schema, m.entity
        ));
        out.push_str("| field | core |\n|---|---|\n");
        for field in properties(m.system, m.schema) {
            let target = match m.target(&field) {
                Some(t) => escape_brackets(t),
                None => format!("kept verbatim in `meta.extras[{}]`", m.system),
            };
            out.push_str(&format!("| `{field}` | {target} |\n"));
        }
        for (field, target) in m.fields {
            if field.starts_with('(') {
                out.push_str(&format!(
                    "| {} | {} |\n",
                    escape_brackets(field),
                    escape_brackets(target)
                ));
            }
        }
        if m.system != System::Gong {
            out.push_str(&format!(
                "| (fields not in the spec) | kept verbatim in `meta.extras[{}]` |\n",
                m.system
            ));
        }
    }
    out
}
