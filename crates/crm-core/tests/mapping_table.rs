//! Keeps `README.md`'s field mapping tables true: every field of every
//! generated record type (read from the specs) is either mapped to a core
//! slot or listed as kept verbatim in the extras; every mapped field exists
//! in its spec and agrees with the constants the conversion code uses.
//!
//! After a spec or mapping change: `UPDATE_README=1 cargo test -p crm-core --test mapping_table`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests panic on failure"
)]

use std::path::Path;

use crm_core::System;
use crm_core::mapping::{MAPPINGS, markdown};
use serde_json::Value;

fn spec(system: System) -> Value {
    let file = match system {
        System::Gong => "gong-crm.yaml",
        System::Conecrm => "conecrm.yaml",
        System::ZendeskSell => "zendesk-sell.yaml",
    };
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../specs")
        .join(file);
    serde_saphyr::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A schema's property names, `allOf` parts and `$ref`s followed.
fn properties(doc: &Value, schema: &Value, out: &mut Vec<String>) {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap();
        return properties(doc, &doc["components"]["schemas"][name], out);
    }
    for part in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        properties(doc, part, out);
    }
    for key in schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(k, _)| k)
    {
        if !out.contains(key) {
            out.push(key.clone());
        }
    }
}

fn fields_of(system: System, schema: &str) -> Vec<String> {
    let doc = spec(system);
    let mut out = Vec::new();
    properties(&doc, &doc["components"]["schemas"][schema], &mut out);
    assert!(
        !out.is_empty(),
        "{system} {schema}: no such schema or no fields"
    );
    out
}

#[test]
fn every_mapped_field_exists_in_its_spec() {
    for m in MAPPINGS {
        let fields = fields_of(m.system, m.schema);
        for (field, _) in m.fields {
            if field.starts_with('(') {
                continue;
            }
            assert!(
                fields.contains(&(*field).to_owned()),
                "{} {}: mapped field `{field}` is not in the spec",
                m.system,
                m.schema
            );
        }
    }
}

#[test]
fn the_mapping_table_agrees_with_the_conversion_code() {
    use crm_core::{conecrm, zendesk_sell};
    let check = |system: System, schema: &str, entity: &str, code: &[&str]| {
        let m = MAPPINGS
            .iter()
            .find(|m| m.system == system && m.schema == schema && m.entity == entity)
            .unwrap();
        let mut table: Vec<&str> = m
            .fields
            .iter()
            .map(|(f, _)| *f)
            .filter(|f| !f.starts_with('('))
            .collect();
        let mut code: Vec<&str> = code.to_vec();
        table.retain(|f| *f != "thirdPartyIds");
        table.sort_unstable();
        code.sort_unstable();
        assert_eq!(table, code, "{system} {schema} -> {entity}");
    };
    check(
        System::ZendeskSell,
        "Contact",
        "Contact",
        zendesk_sell::PERSON_MAPPED,
    );
    check(
        System::ZendeskSell,
        "Contact",
        "Account",
        zendesk_sell::ORGANIZATION_MAPPED,
    );
    check(
        System::ZendeskSell,
        "Deal",
        "Deal",
        zendesk_sell::DEAL_MAPPED,
    );
    check(
        System::ZendeskSell,
        "Lead",
        "Lead",
        zendesk_sell::LEAD_MAPPED,
    );
    check(
        System::ZendeskSell,
        "Note",
        "Note",
        zendesk_sell::NOTE_MAPPED,
    );
    check(
        System::ZendeskSell,
        "Task",
        "Task",
        zendesk_sell::TASK_MAPPED,
    );
    check(
        System::ZendeskSell,
        "Pipeline",
        "Pipeline",
        zendesk_sell::PIPELINE_MAPPED,
    );
    check(
        System::ZendeskSell,
        "Stage",
        "Stage",
        zendesk_sell::STAGE_MAPPED,
    );
    check(
        System::Conecrm,
        "Account",
        "Account",
        conecrm::ACCOUNT_MAPPED,
    );
    check(
        System::Conecrm,
        "Contact",
        "Contact",
        conecrm::CONTACT_MAPPED,
    );
    check(System::Conecrm, "Lead", "Lead", conecrm::LEAD_MAPPED);
    check(System::Conecrm, "Task", "Task", conecrm::TASK_MAPPED);
    check(System::Conecrm, "User", "User", conecrm::USER_MAPPED);
    check(
        System::Conecrm,
        "ConnectionStage",
        "Stage",
        conecrm::STAGE_MAPPED,
    );
}

#[test]
fn readme_lists_every_field_of_every_record() {
    let tables = markdown(fields_of);
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let (start, end) = ("<!-- mapping:start -->", "<!-- mapping:end -->");
    let (Some(a), Some(b)) = (readme.find(start), readme.find(end)) else {
        panic!("README.md has no {start} … {end} section");
    };
    let current = &readme[a + start.len()..b];
    if current != tables {
        if std::env::var_os("UPDATE_README").is_some() {
            let updated = format!("{}{start}{tables}{}", &readme[..a], &readme[b..]);
            std::fs::write(&path, updated).unwrap();
        } else {
            panic!(
                "README.md's mapping tables are stale: run `UPDATE_README=1 cargo test -p crm-core --test mapping_table`"
            );
        }
    }
}
