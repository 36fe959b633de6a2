//! What the code generated for each fixture spec does: compiled from
//! `$OUT_DIR` (see `build.rs`) and exercised, so each quirk is pinned by
//! behaviour and not only by the text of its snapshot.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests panic on failure"
)]

macro_rules! fixture {
    ($name:ident) => {
        #[allow(
            dead_code,
            unused_imports,
            missing_docs,
            missing_debug_implementations,
            clippy::all,
            clippy::unwrap_used,
            clippy::expect_used
        )]
        mod $name {
            include!(concat!(env!("OUT_DIR"), "/", stringify!($name), ".rs"));
        }
    };
}

fixture!(all_of);
fixture!(get_with_body);
fixture!(handwritten_skipped);
fixture!(int64);
fixture!(nullable_map);
fixture!(open_enum);
fixture!(recursive_one_of);

use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn get_with_body_sends_the_json_body_on_a_get() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/objects"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"count": 2})))
        .mount(&server)
        .await;
    let client = get_with_body::Client::new(&server.uri());
    let answer = client
        .get_objects()
        .kind("DEAL")
        .body(vec!["1234".to_owned(), "8765".to_owned()])
        .send()
        .await
        .expect("decodes");
    assert_eq!(answer.count, Some(2));
    let requests = server.received_requests().await.expect("recording");
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method.as_str(), "GET");
    assert_eq!(requests[0].url.query(), Some("kind=DEAL"));
    let body: serde_json::Value = serde_json::from_slice(&requests[0].body).expect("json body");
    assert_eq!(body, json!(["1234", "8765"]));
}

#[test]
fn nullable_map_values_decode_as_none() {
    let value: nullable_map::types::ObjectsById = serde_json::from_value(json!({
        "objects": {"a": {"name": "x", "n": null}, "b": null}
    }))
    .expect("decodes");
    assert!(value.objects["a"].0.is_some());
    assert!(value.objects["b"].0.is_none());
    // and round-trips the null
    assert_eq!(
        serde_json::to_value(&value).expect("encodes")["objects"]["b"],
        json!(null)
    );
}

#[test]
fn int64_ids_above_2_pow_53_stay_exact() {
    let big = 9_007_199_254_740_993_i64; // 2^53 + 1: not representable as f64
    let text = format!(r#"{{"integrationId": {big}, "related": [{big}, -{big}]}}"#);
    let value: int64::types::Integration = serde_json::from_str(&text).expect("decodes");
    assert_eq!(value.integration_id, big);
    assert_eq!(value.related, vec![big, -big]);
    assert_eq!(
        serde_json::to_string(&value).expect("encodes"),
        text.replace(' ', "")
    );
}

#[test]
fn open_enum_reads_known_and_unknown_values() {
    use open_enum::types::{Status, StatusKnown};
    let known: Status = serde_json::from_value(json!("IN_PROGRESS")).expect("known");
    assert_eq!(known, Status::Known(StatusKnown::InProgress));
    let unknown: Status = serde_json::from_value(json!("PAUSED")).expect("unknown decodes");
    assert!(
        matches!(&unknown, Status::Unknown(s) if s.as_str() == "PAUSED"),
        "{unknown:?}"
    );
    // `Unknown` never holds a known value: one representation per value.
    assert!(open_enum::types::StatusUnknown::try_from("DONE".to_owned()).is_err());
    assert!(open_enum::types::StatusUnknown::try_from("PAUSED".to_owned()).is_ok());
    // both write back what was read
    assert_eq!(
        serde_json::to_value(&known).expect("encodes"),
        json!("IN_PROGRESS")
    );
    assert_eq!(
        serde_json::to_value(&unknown).expect("encodes"),
        json!("PAUSED")
    );
    // a non-string is still an error, not a silent default
    assert!(serde_json::from_value::<Status>(json!(7)).is_err());
}

#[test]
fn all_of_flattens_the_base_fields_into_the_record() {
    let id = "0190f3c4-7a4e-7cc2-9a59-2d2d5b1f4c11";
    let account: all_of::types::Account = serde_json::from_value(json!({
        "id": id,
        "createdAt": "2024-06-01T10:00:00.123Z",
        "thirdPartyIds": {"hubspot": "42"},
        "name": "Acme",
        "parent": null
    }))
    .expect("decodes");
    assert_eq!(account.id.to_string(), id);
    assert_eq!(account.name, "Acme");
    assert_eq!(account.third_party_ids["hubspot"], "42");
    assert_eq!(
        account.created_at.map(|d| d.timestamp_subsec_millis()),
        Some(123),
        "sub-second precision is kept"
    );
    // A missing field of the base is a decode error.
    assert!(serde_json::from_value::<all_of::types::Account>(json!({"name": "x"})).is_err());
}

#[test]
fn recursive_groups_nest_three_deep_and_round_trip() {
    use recursive_one_of::types::{RuleGroup, RuleOrGroup};
    let input = json!({
        "combinator": "and",
        "rules": [
            {"field": "name", "operator": "contains", "value": "acme"},
            {"combinator": "or", "not": true, "rules": [
                {"field": "stage", "operator": "=", "value": "won"},
                {"combinator": "and", "rules": [
                    {"field": "amount", "operator": ">", "value": "1000"}
                ]}
            ]}
        ]
    });
    let group: RuleGroup = serde_json::from_value(input.clone()).expect("decodes");
    let RuleOrGroup::Group(level2) = &group.rules[1] else {
        panic!("second item is a group: {:?}", group.rules[1]);
    };
    assert_eq!(level2.not, Some(true));
    let RuleOrGroup::Group(level3) = &level2.rules[1] else {
        panic!("nested group expected");
    };
    assert!(matches!(&level3.rules[0], RuleOrGroup::Rule(rule) if rule.field == "amount"));
    assert_eq!(serde_json::to_value(&group).expect("encodes"), input);
}

#[test]
fn handwritten_operations_are_not_generated() {
    let client = handwritten_skipped::Client::new("http://127.0.0.1:1");
    // The generated operation exists; `upload_entities` does not (a call to it
    // would not compile). The generated file's header names it.
    let _builder = client.list_entities();
    let code = include_str!(concat!(env!("OUT_DIR"), "/handwritten_skipped.rs"));
    assert!(code.contains(
        "x-handwritten (not generated, implemented in the crate by hand): upload_entities"
    ));
    assert!(!code.contains("fn upload_entities"));
    assert!(!code.contains(".post(url"), "no POST request is generated");
    assert!(code.contains(".get(url"), "the GET is generated");
}
