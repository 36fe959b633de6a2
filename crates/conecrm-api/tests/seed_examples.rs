//! Every request and response example of the seed (`tests/fixtures/seed_examples.json`,
//! extracted verbatim from the ConeCRM reference the spec is written from)
//! decodes into its generated type and encodes back to the same JSON.
//!
//! "The same" up to the two things the generated types cannot tell apart: an
//! explicit `null` and an absent optional field, and an empty array and an
//! absent array field (both decode to `None` / an empty `Vec`, which are not
//! sent). [`normalize`] removes both from the expected and the actual JSON
//! before comparing; everything else, unknown fields included, must survive.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests panic on failure"
)]

mod support;

use conecrm_api::types;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use support::{examples, normalize};

fn round_trip<T: DeserializeOwned + Serialize>(name: &str, example: &Value) {
    let decoded: T = serde_json::from_value(example.clone()).unwrap_or_else(|e| {
        panic!(
            "`{name}` does not decode as {}: {e}",
            std::any::type_name::<T>()
        )
    });
    let encoded = serde_json::to_value(&decoded).expect("encodes");
    assert_eq!(
        normalize(&encoded),
        normalize(example),
        "`{name}` changed in a decode/encode round trip as {}",
        std::any::type_name::<T>()
    );
}

#[test]
fn every_seed_example_round_trips_through_its_type() {
    let examples = examples();
    let mut checked = 0;
    for (name, example) in &examples {
        let check: fn(&str, &Value) = match name.as_str() {
            "copy_lead 200" | "create_lead 200" => round_trip::<types::Lead>,
            "copy_lead request" => round_trip::<types::CopyLeadData>,
            "create_account 200" | "update_account 200" => round_trip::<types::Account>,
            "create_account request" | "update_account request" => {
                round_trip::<types::AccountRequest>
            }
            "create_automation 200"
            | "create_automation request"
            | "duplicate_automation 200"
            | "get_automation 200"
            | "update_automation 200"
            | "update_automation request" => round_trip::<types::Automation3>,
            "create_custom_field 200"
            | "create_custom_field request"
            | "update_custom_field 200"
            | "update_custom_field request" => round_trip::<types::CustomField>,
            "create_custom_label 200" | "update_custom_label 200" => {
                round_trip::<types::CustomLabel>
            }
            "create_custom_label request" => round_trip::<types::CreateCustomLabelBody>,
            "update_custom_label request" => round_trip::<types::UpdateCustomLabelBody>,
            "create_lead request" => round_trip::<types::LeadCreateRequest>,
            "create_saved_filter 201" | "get_saved_filter 200" | "update_saved_filter 200" => {
                round_trip::<types::SavedFilter>
            }
            "create_saved_filter request" => round_trip::<types::CreateSavedFilterBody>,
            "update_saved_filter request" => round_trip::<types::UpdateSavedFilterBody>,
            "create_stage 201"
            | "create_stage request"
            | "get_stage 200"
            | "update_stage 200"
            | "update_stage request" => round_trip::<types::ConnectionStage>,
            "create_task 200" | "update_task 200" => round_trip::<types::Task>,
            "create_task 400" | "update_task 400" => round_trip::<types::ErrorResponse>,
            "create_task request" | "update_task request" => round_trip::<types::TaskRequest>,
            "delete_custom_label 200" => {
                // Documented as the JSON literal `null`: the operation has no body type.
                assert_eq!(example, &Value::Null);
                checked += 1;
                continue;
            }
            "get_accounts 200" => round_trip::<types::GetAccountsResponse>,
            "get_all_filters 200" => round_trip::<types::GetAllFiltersResponse>,
            "get_automation_builder_data 200" => {
                round_trip::<types::GetAutomationBuilderDataResponse>
            }
            "get_automations 200" => round_trip::<Vec<types::Automation2>>,
            "get_contact_open_leads 200" => round_trip::<Vec<types::Lead>>,
            "get_contacts 200" => round_trip::<Vec<types::Contact>>,
            "get_custom_fields 200" => round_trip::<Vec<types::CustomField>>,
            "get_entity_filters 200" => round_trip::<Vec<types::Filter2>>,
            "get_query_builder_config 200" => round_trip::<types::GetQueryBuilderConfigResponse>,
            "list_custom_labels 200" => round_trip::<Vec<types::CustomLabel>>,
            "list_saved_filters 200" => round_trip::<Vec<types::SavedFilter>>,
            "list_stages 200" => round_trip::<Vec<types::ConnectionStage>>,
            "query_builder_filter 200" => round_trip::<types::QueryBuilderFilterResponse>,
            "query_builder_filter request" => round_trip::<types::QueryBuilderQuery>,
            other => panic!("no type for the seed example `{other}`"),
        };
        check(name, example);
        checked += 1;
    }
    assert_eq!(checked, examples.len());
    assert_eq!(checked, 53, "every example of the seed is checked");
}
