//! Every ConeCRM operation against a real HTTP server on loopback (wiremock):
//! the request the client sends is asserted (method, path, query, JSON body,
//! `Authorization: Bearer <jwt>`) and realistic answers, taken from the
//! seed's examples, are decoded, including unknown fields (kept in `extra`),
//! nulls, unknown enum values, a 3-deep nested query-builder group (sent and
//! read back) and the seed's error bodies as typed errors.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests panic on failure"
)]

mod support;

use conecrm_api::query::{Filter, and, or, rule, rule_without_value};
use conecrm_api::types::{
    AccountRequest, Automation3, ConnectionStage, ContactsByPhone, CopyLeadData,
    CreateCustomLabelBody, CreateSavedFilterBody, CustomField, EntityRef, ErrorResponse,
    LeadCreateRequest, QueryBuilderOperator, QueryBuilderOperatorKnown, QueryBuilderQuery,
    QueryBuilderRuleOrGroup, SortDirection, TaskRequest, TaskType, TaskTypeKnown,
    UpdateCustomLabelBody, UpdateSavedFilterBody,
};
use conecrm_api::{ApiError, Auth, Client};
use futures::TryStreamExt;
use serde_json::{Value, json};
use uuid::Uuid;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use support::{normalize, seed};

/// A JWT-shaped token (header.payload.signature); it must never be printed.
const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJqYW5lQGNvbmUudGVzdCJ9.c2lnbmF0dXJlLXNlY3JldA";
const ID: &str = "0190c6d2-8f4e-7a3b-9c1d-2e3f4a5b6c7d"; // a UUID7
const SEED_ID: &str = "497f6eca-6276-4993-bfeb-53cbbbba6f08"; // the seed's example id

fn id() -> Uuid {
    ID.parse().unwrap()
}

/// A server answering `verb route` once with `status` and a JSON body (or none).
async fn server_with(verb: &str, route: &str, status: u16, body: Option<Value>) -> MockServer {
    let server = MockServer::start().await;
    let response = match body {
        Some(body) => ResponseTemplate::new(status).set_body_json(body),
        None => ResponseTemplate::new(status),
    };
    Mock::given(method(verb))
        .and(path(route))
        .respond_with(response)
        .expect(1)
        .mount(&server)
        .await;
    server
}

fn client(server: &MockServer) -> Client {
    Client::from_config(Client::config(Auth::bearer(JWT)).with_base_url(server.uri()))
        .expect("client builds")
}

/// The one request the server received, checked for method, path and auth.
async fn only_request(server: &MockServer, verb: &str, route: &str) -> Request {
    let mut requests = server.received_requests().await.expect("recording is on");
    assert_eq!(requests.len(), 1, "expected exactly one request");
    let request = requests.remove(0);
    assert_eq!(request.method.as_str(), verb);
    assert_eq!(request.url.path(), route);
    assert_eq!(header(&request, "authorization"), format!("Bearer {JWT}"));
    assert!(
        request.headers.get("api-version").is_none(),
        "progenitor's api-version header is not sent"
    );
    request
}

fn header<'a>(request: &'a Request, name: &str) -> &'a str {
    request
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

fn query(request: &Request) -> Vec<(String, String)> {
    let mut pairs: Vec<_> = request
        .url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    pairs.sort();
    pairs
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut pairs: Vec<_> = items
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    pairs.sort();
    pairs
}

fn json_body(request: &Request) -> Value {
    assert_eq!(header(request, "content-type"), "application/json");
    serde_json::from_slice(&request.body).expect("the request body is JSON")
}

/// The typed body of a documented error answer.
fn error_body<T: std::fmt::Debug>(
    result: Result<T, ApiError<ErrorResponse>>,
    status: u16,
) -> ErrorResponse {
    match result {
        Err(ApiError::Status {
            status: got,
            body: Some(body),
            ..
        }) => {
            assert_eq!(got.as_u16(), status);
            *body
        }
        other => panic!("expected a typed {status} error, got {other:?}"),
    }
}

/// The status of a documented error answer without a body.
fn bodiless_error<T: std::fmt::Debug>(result: Result<T, ApiError<()>>) -> u16 {
    match result {
        Err(ApiError::Status { status, .. }) => status.as_u16(),
        other => panic!("expected a documented error, got {other:?}"),
    }
}

// ---------------------------------------------------------------- accounts

#[tokio::test]
async fn get_accounts_sends_every_parameter_and_keeps_unknown_fields_and_nulls() {
    let mut answer = seed("get_accounts 200");
    answer["total"] = json!(1);
    let account = &mut answer["accounts"][0];
    account["name"] = json!("Acme Motors");
    account["loyaltyTier"] = json!({"level": "gold", "since": 2019}); // not in the spec
    account["thirdPartyIds"][0]["dateModified"] = Value::Null;
    account["thirdPartyIds"][0]["deletedBy"] = Value::Null;
    let server = server_with("GET", "/api/account", 200, Some(answer.clone())).await;

    let page = client(&server)
        .get_accounts()
        .offset(40)
        .limit(20)
        .search("acme")
        .exclude(id())
        .franchise(id())
        .sort_field("dateCreated")
        .sort_direction(SortDirection::Desc)
        .send()
        .await
        .expect("decodes");
    assert_eq!(page.status(), 200);
    assert_eq!(page.total, Some(1));
    let account = &page.accounts[0];
    assert_eq!(account.name.as_deref(), Some("Acme Motors"));
    assert_eq!(account.id, Some(SEED_ID.parse().unwrap()));
    assert_eq!(account.language.as_deref(), Some("fr-CA"));
    assert_eq!(
        account.extra.get("loyaltyTier"),
        Some(&json!({"level": "gold", "since": 2019}))
    );
    let third = &account.third_party_ids[0];
    assert_eq!(third.date_modified, None);
    assert_eq!(third.deleted_by, None);
    assert_eq!(third.system_name.as_deref(), Some("CRM_SYSTEM_A"));
    assert_eq!(
        third.metadata_as::<Value>().unwrap(),
        Some(json!({"source": "web_form", "campaign": "summer_sale"}))
    );
    let contact = account.primary_contact.as_ref().expect("primary contact");
    assert_eq!(contact.accounts[0].name.as_deref(), Some("string"));
    // The unknown field goes back out unchanged.
    let again = serde_json::to_value(account).unwrap();
    assert_eq!(again["loyaltyTier"], answer["accounts"][0]["loyaltyTier"]);

    let request = only_request(&server, "GET", "/api/account").await;
    assert_eq!(
        query(&request),
        pairs(&[
            ("offset", "40"),
            ("limit", "20"),
            ("search", "acme"),
            ("exclude", ID),
            ("franchise", ID),
            ("sortField", "dateCreated"),
            ("sortDirection", "DESC"),
        ])
    );
    assert_eq!(header(&request, "accept"), "application/json");
    assert!(header(&request, "user-agent").starts_with("conecrm-api/"));
}

#[tokio::test]
async fn create_and_update_account_send_the_seed_body() {
    let body: AccountRequest = serde_json::from_value(seed("create_account request")).unwrap();
    let server = server_with(
        "POST",
        "/api/account",
        200,
        Some(seed("create_account 200")),
    )
    .await;
    let account = client(&server)
        .create_account()
        .body(body.clone())
        .send()
        .await
        .expect("decodes");
    assert_eq!(
        account.third_party_ids[0].third_party_id.as_deref(),
        Some("CUSTOMER_12345")
    );
    let request = only_request(&server, "POST", "/api/account").await;
    assert_eq!(
        json_body(&request),
        normalize(&seed("create_account request"))
    );

    let route = format!("/api/account/{ID}");
    let server = server_with("PATCH", &route, 200, Some(seed("update_account 200"))).await;
    let account = client(&server)
        .update_account()
        .account(id())
        .body(AccountRequest {
            name: Some("Acme Motors Inc.".into()),
            is_active: Some(false),
            ..body
        })
        .send()
        .await
        .expect("decodes");
    assert_eq!(account.contacts.len(), 1);
    let sent = json_body(&only_request(&server, "PATCH", &route).await);
    assert_eq!(sent["name"], "Acme Motors Inc.");
    assert_eq!(sent["isActive"], false);
    assert_eq!(sent["primaryContact"]["firstName"], "string");
}

#[tokio::test]
async fn delete_account_and_the_bodiless_errors_of_account_operations() {
    let route = format!("/api/account/{ID}");
    let server = server_with("DELETE", &route, 200, None).await;
    let done = client(&server)
        .delete_account()
        .account(id())
        .send()
        .await
        .expect("200");
    assert_eq!(done.status(), 200);
    only_request(&server, "DELETE", &route).await;

    let server = server_with("DELETE", &route, 401, None).await;
    let result = client(&server).delete_account().account(id()).send().await;
    assert_eq!(bodiless_error(result), 401);

    let server = server_with("PATCH", &route, 400, None).await;
    let result = client(&server)
        .update_account()
        .account(id())
        .body(serde_json::from_value::<AccountRequest>(json!({})).unwrap())
        .send()
        .await;
    assert_eq!(bodiless_error(result), 400);
    assert_eq!(
        json_body(&only_request(&server, "PATCH", &route).await),
        json!({})
    );
}

// ------------------------------------------------------------- automations

#[tokio::test]
async fn automation_operations() {
    let server = server_with(
        "GET",
        "/api/automation/builder/data",
        200,
        Some(json!({"triggers": ["LEAD_CREATED"], "actions": ["SEND_EMAIL", "CREATE_TASK"], "conditions": []})),
    )
    .await;
    let data = client(&server)
        .get_automation_builder_data()
        .send()
        .await
        .unwrap();
    assert_eq!(data.actions, ["SEND_EMAIL", "CREATE_TASK"]);
    assert!(data.conditions.is_empty());
    only_request(&server, "GET", "/api/automation/builder/data").await;

    // The list's items are free-form objects (the seed's empty `Automation2`).
    let server = server_with(
        "GET",
        "/api/automation",
        200,
        Some(json!([{}, {"id": ID, "name": "Welcome", "nodes": [{"type": "start"}]}])),
    )
    .await;
    let list = client(&server).get_automations().send().await.unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[1].get("name"), Some(&json!("Welcome")));
    only_request(&server, "GET", "/api/automation").await;

    let mut created = seed("create_automation 200");
    created["name"] = json!("Welcome");
    created["franchise"] = Value::Null;
    created["isActive"] = json!(true); // not in the spec: kept
    let server = server_with("POST", "/api/automation", 200, Some(created)).await;
    let body: Automation3 = serde_json::from_value(seed("create_automation request")).unwrap();
    let automation = client(&server)
        .create_automation()
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(automation.name, "Welcome");
    assert_eq!(automation.franchise, None);
    assert_eq!(automation.extra.get("isActive"), Some(&json!(true)));
    let sent = json_body(&only_request(&server, "POST", "/api/automation").await);
    assert_eq!(
        sent["franchise"]["automations"][0]["automationTrigger"], "string",
        "nested automations are sent"
    );
    assert_eq!(sent["delayedAutomationsCount"], 0);

    let route = "/api/automation/42";
    let server = server_with("GET", route, 200, Some(seed("get_automation 200"))).await;
    let automation = client(&server)
        .get_automation()
        .automation("42")
        .send()
        .await
        .unwrap();
    assert_eq!(automation.franchise.as_ref().unwrap().automations.len(), 1);
    only_request(&server, "GET", route).await;

    let server = server_with("GET", route, 404, None).await;
    let result = client(&server)
        .get_automation()
        .automation("42")
        .send()
        .await;
    assert_eq!(bodiless_error(result), 404);

    let server = server_with("PATCH", route, 200, Some(seed("update_automation 200"))).await;
    let body: Automation3 = serde_json::from_value(seed("update_automation request")).unwrap();
    let automation = client(&server)
        .update_automation()
        .automation("42")
        .body(Automation3 {
            delayed_automations_count: 3,
            ..body
        })
        .send()
        .await
        .unwrap();
    assert_eq!(automation.automation_trigger, "string");
    assert_eq!(
        json_body(&only_request(&server, "PATCH", route).await)["delayedAutomationsCount"],
        3
    );

    let duplicate = "/api/automation/42/duplicate";
    let server = server_with(
        "POST",
        duplicate,
        200,
        Some(seed("duplicate_automation 200")),
    )
    .await;
    client(&server)
        .duplicate_automation()
        .automation("42")
        .send()
        .await
        .unwrap();
    let request = only_request(&server, "POST", duplicate).await;
    assert!(request.body.is_empty(), "no body is sent");

    let server = server_with("DELETE", route, 200, None).await;
    client(&server)
        .delete_automation()
        .automation("42")
        .send()
        .await
        .unwrap();
    only_request(&server, "DELETE", route).await;
}

// ---------------------------------------------------------------- contacts

#[tokio::test]
async fn get_contacts_pages_with_start() {
    let mut answer = seed("get_contacts 200");
    answer[0]["firstName"] = json!("Marie");
    answer[0]["civility"] = Value::Null;
    answer[0]["gdprConsent"] = json!(true); // unknown field
    let server = server_with("GET", "/api/contact", 200, Some(answer)).await;
    let contacts = client(&server)
        .get_contacts()
        .start(10)
        .limit(5)
        .search("tremblay")
        .exclude(id())
        .franchise(id())
        .sort_field("lastName")
        .sort_direction(SortDirection::Asc)
        .send()
        .await
        .unwrap();
    assert_eq!(contacts[0].first_name.as_deref(), Some("Marie"));
    assert_eq!(contacts[0].civility, None);
    assert_eq!(contacts[0].extra.get("gdprConsent"), Some(&json!(true)));
    assert_eq!(contacts[0].accounts[0].name.as_deref(), Some("string"));
    let request = only_request(&server, "GET", "/api/contact").await;
    assert_eq!(
        query(&request),
        pairs(&[
            ("start", "10"),
            ("limit", "5"),
            ("search", "tremblay"),
            ("exclude", ID),
            ("franchise", ID),
            ("sortField", "lastName"),
            ("sortDirection", "ASC"),
        ])
    );
}

#[tokio::test]
async fn open_leads_of_a_contact_decode_the_seed_lead_with_nulls_and_extras() {
    let route = format!("/api/contact/{ID}/lead/open");
    let mut answer = seed("get_contact_open_leads 200");
    let lead = &mut answer[0];
    lead["subject"] = json!("2024 Civic LX");
    lead["category"] = Value::Null;
    lead["walkAroundDate"] = Value::Null;
    lead["priority"] = Value::Null;
    lead["vehicleOfInterest"] = json!({"vin": "2HGFE2F50NH000001"}); // unknown field
    let server = server_with("GET", &route, 200, Some(answer)).await;
    let leads = client(&server)
        .get_contact_open_leads()
        .contact(id())
        .send()
        .await
        .unwrap();
    let lead = &leads[0];
    assert_eq!(lead.subject.as_deref(), Some("2024 Civic LX"));
    assert_eq!(lead.category, None);
    assert_eq!(lead.walk_around_date, None);
    assert_eq!(lead.priority, None);
    assert_eq!(lead.visit_count, Some(0));
    assert_eq!(
        lead.stage.as_ref().and_then(|s| s.id),
        Some(SEED_ID.parse().unwrap())
    );
    assert_eq!(
        lead.extra.get("vehicleOfInterest"),
        Some(&json!({"vin": "2HGFE2F50NH000001"}))
    );
    assert_eq!(lead.third_party_ids[0].metadata.as_deref(), Some("string"));
    only_request(&server, "GET", &route).await;
}

#[tokio::test]
async fn find_contact_by_phone_reads_a_list_or_a_single_contact() {
    let phone = "+1 514-555-0199";
    let contact = seed("get_contacts 200")[0].clone();
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([contact.clone()])))
        .expect(1)
        .mount(&server)
        .await;
    let found = client(&server)
        .find_contact_by_phone()
        .phone(phone)
        .send()
        .await
        .unwrap();
    assert!(matches!(&*found, ContactsByPhone::Many(list) if list.len() == 1));
    let requests = server.received_requests().await.unwrap();
    let sent_path = requests[0].url.path().to_owned();
    assert!(sent_path.starts_with("/api/contact/phone/"), "{sent_path}");
    let segment = sent_path.trim_start_matches("/api/contact/phone/");
    assert!(
        !segment.contains(' ') && !segment.contains('/'),
        "{segment}"
    );
    assert_eq!(
        percent_decode(segment),
        phone,
        "the phone number travels as one path segment"
    );
    assert_eq!(
        header(&requests[0], "authorization"),
        format!("Bearer {JWT}")
    );

    let server = server_with("GET", "/api/contact/phone/5145550199", 200, Some(contact)).await;
    let found = client(&server)
        .find_contact_by_phone()
        .phone("5145550199")
        .send()
        .await
        .unwrap();
    assert!(
        matches!(&*found, ContactsByPhone::One(c) if c.id == Some(SEED_ID.parse().unwrap())),
        "{found:?}"
    );
    only_request(&server, "GET", "/api/contact/phone/5145550199").await;

    // An empty list is a list, not an empty contact.
    let server = server_with("GET", "/api/contact/phone/0", 200, Some(json!([]))).await;
    let found = client(&server)
        .find_contact_by_phone()
        .phone("0")
        .send()
        .await
        .unwrap();
    assert_eq!(found.into_inner(), ContactsByPhone::Many(vec![]));
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

// ----------------------------------------------------------- custom fields

#[tokio::test]
async fn custom_field_operations() {
    let options = r#"{"min": 1, "max": 10}"#;
    let server = server_with(
        "GET",
        "/api/custom-field",
        200,
        Some(seed("get_custom_fields 200")),
    )
    .await;
    let fields = client(&server).get_custom_fields().send().await.unwrap();
    assert_eq!(fields[0].options.as_deref(), Some(options));
    assert_eq!(
        fields[0].options_json().unwrap(),
        Some(json!({"min": 1, "max": 10}))
    );
    only_request(&server, "GET", "/api/custom-field").await;

    let server = server_with(
        "POST",
        "/api/custom-field",
        200,
        Some(json!({"entity": "lead", "fieldName": "score", "fieldType": "number", "options": options, "position": 3})),
    )
    .await;
    let created = client(&server)
        .create_custom_field()
        .body(CustomField {
            entity: Some("lead".into()),
            field_name: Some("score".into()),
            field_type: Some("number".into()),
            options: Some(options.into()),
            extra: Default::default(),
        })
        .send()
        .await
        .unwrap();
    assert_eq!(created.extra.get("position"), Some(&json!(3)));
    assert_eq!(
        json_body(&only_request(&server, "POST", "/api/custom-field").await),
        json!({"entity": "lead", "fieldName": "score", "fieldType": "number", "options": options})
    );

    // The seed marks this body optional, but progenitor always sends one: the
    // default body builder, which for a record keeping unknown fields has no
    // `extra` map (a typify builder limitation), so nothing is sent at all.
    let server = MockServer::start().await;
    let result = client(&server).create_custom_field().send().await;
    assert!(
        matches!(&result, Err(ApiError::InvalidRequest { message: m, .. }) if m.contains("extra")),
        "{result:?}"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
    // A 400 answer has no body.
    let server = server_with("POST", "/api/custom-field", 400, None).await;
    let result = client(&server)
        .create_custom_field()
        .body(CustomField {
            field_name: Some("score".into()),
            ..CustomField::default()
        })
        .send()
        .await;
    assert_eq!(bodiless_error(result), 400);
    assert_eq!(
        json_body(&only_request(&server, "POST", "/api/custom-field").await),
        json!({"fieldName": "score"})
    );

    // GET on this URL takes an entity name (see the spec's description).
    let server = server_with(
        "GET",
        "/api/custom-field/lead",
        200,
        Some(seed("get_custom_fields 200")),
    )
    .await;
    let fields = client(&server)
        .get_custom_fields_for_entity()
        .custom_field("lead")
        .send()
        .await
        .unwrap();
    assert_eq!(fields.len(), 1);
    only_request(&server, "GET", "/api/custom-field/lead").await;

    let server = server_with(
        "PATCH",
        "/api/custom-field/score",
        200,
        Some(seed("update_custom_field 200")),
    )
    .await;
    client(&server)
        .update_custom_field()
        .custom_field("score")
        .body(serde_json::from_value::<CustomField>(seed("update_custom_field request")).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(
        json_body(&only_request(&server, "PATCH", "/api/custom-field/score").await),
        seed("update_custom_field request")
    );

    let server = server_with("DELETE", "/api/custom-field/score", 200, None).await;
    client(&server)
        .delete_custom_field()
        .custom_field("score")
        .send()
        .await
        .unwrap();
    only_request(&server, "DELETE", "/api/custom-field/score").await;
}

// ----------------------------------------------------------- custom labels

#[tokio::test]
async fn custom_label_operations_and_their_typed_errors() {
    let server = server_with(
        "GET",
        "/api/custom-labels",
        200,
        Some(seed("list_custom_labels 200")),
    )
    .await;
    let labels = client(&server).list_custom_labels().send().await.unwrap();
    assert_eq!(
        labels[0].value.get("label1"),
        Some(&json!("Custom Label 1"))
    );
    assert_eq!(
        labels[0].tenant.as_ref().and_then(|t| t.name.as_deref()),
        Some("string")
    );
    only_request(&server, "GET", "/api/custom-labels").await;

    let value = seed("create_custom_label request")["value"]
        .as_object()
        .unwrap()
        .clone();
    let server = server_with(
        "POST",
        "/api/custom-labels",
        200,
        Some(seed("create_custom_label 200")),
    )
    .await;
    let label = client(&server)
        .create_custom_label()
        .body(CreateCustomLabelBody {
            value: value.clone(),
        })
        .send()
        .await
        .unwrap();
    assert_eq!(label.is_deleted, Some(false));
    assert_eq!(
        json_body(&only_request(&server, "POST", "/api/custom-labels").await),
        seed("create_custom_label request")
    );

    // The seed's 400: `{"error": "..."}`, decoded as the typed error body.
    let server = server_with(
        "POST",
        "/api/custom-labels",
        400,
        Some(json!({"error": "value is required"})),
    )
    .await;
    let result = client(&server)
        .create_custom_label()
        .body(CreateCustomLabelBody {
            value: Default::default(),
        })
        .send()
        .await;
    let body = error_body(result, 400);
    assert!(
        matches!(&body, ErrorResponse::Body(b) if b.error.as_deref() == Some("value is required"))
    );

    let route = format!("/api/custom-labels/{ID}");
    let server = server_with("PATCH", &route, 200, Some(seed("update_custom_label 200"))).await;
    let update: UpdateCustomLabelBody =
        serde_json::from_value(seed("update_custom_label request")).unwrap();
    client(&server)
        .update_custom_label()
        .id(id())
        .body(update)
        .send()
        .await
        .unwrap();
    assert_eq!(
        json_body(&only_request(&server, "PATCH", &route).await),
        seed("update_custom_label request")
    );

    let server = server_with(
        "PATCH",
        &route,
        404,
        Some(json!({"error": "Custom label not found"})),
    )
    .await;
    let result = client(&server)
        .update_custom_label()
        .id(id())
        .body(UpdateCustomLabelBody {
            value: value.clone(),
        })
        .send()
        .await;
    assert!(
        matches!(error_body(result, 404), ErrorResponse::Body(b) if b.error.as_deref() == Some("Custom label not found"))
    );

    // The seed's 200 body is the JSON literal `null`.
    let server = server_with("DELETE", &route, 200, Some(Value::Null)).await;
    let done = client(&server)
        .delete_custom_label()
        .id(id())
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 200);
    only_request(&server, "DELETE", &route).await;
}

// ----------------------------------------------------------------- filters

#[tokio::test]
async fn filter_definitions() {
    let server = server_with(
        "GET",
        "/api/filters",
        200,
        Some(json!({"data": [{"entity": "contact", "filters": [
            {"field": "city", "type": "string", "label": "City", "operators": ["=", "contains"], "options": null}
        ]}]})),
    )
    .await;
    let all = client(&server).get_all_filters().send().await.unwrap();
    assert_eq!(all.data[0].entity, "contact");
    assert_eq!(
        all.data[0].filters[0]["operators"],
        json!(["=", "contains"])
    );
    only_request(&server, "GET", "/api/filters").await;

    let server = server_with(
        "GET",
        "/api/filters/contact",
        200,
        Some(json!([
            {"field": "isActive", "type": "boolean", "label": "Active", "operators": ["="], "options": null},
            {"field": "language", "type": "enum", "label": "Language", "operators": ["=", "in"], "options": ["fr-CA", "en-CA"]}
        ])),
    )
    .await;
    let filters = client(&server)
        .get_entity_filters()
        .entity("contact")
        .send()
        .await
        .unwrap();
    assert_eq!(filters[0].options, None);
    assert_eq!(
        filters[1].options,
        Some(vec![json!("fr-CA"), json!("en-CA")])
    );
    only_request(&server, "GET", "/api/filters/contact").await;

    let server = server_with(
        "GET",
        "/api/filters/invoice",
        404,
        Some(json!({"error": "No filters available for entity invoice"})),
    )
    .await;
    let result = client(&server)
        .get_entity_filters()
        .entity("invoice")
        .send()
        .await;
    assert!(matches!(error_body(result, 404), ErrorResponse::Body(b) if b.error.is_some()));
}

// ------------------------------------------------------------------- leads

#[tokio::test]
async fn create_lead_sends_references_and_decodes_the_seed_lead() {
    let (contact, department, source, franchise) = (
        id(),
        Uuid::from_u128(1),
        Uuid::from_u128(2),
        Uuid::from_u128(3),
    );
    let mut answer = seed("create_lead 200");
    answer["subject"] = json!("Test drive");
    answer["offerMade"] = Value::Null;
    answer["leadScore"] = json!(87); // unknown field
    let server = server_with("POST", "/api/lead", 200, Some(answer)).await;
    let lead = client(&server)
        .create_lead()
        .body_map(|lead| {
            lead.subject("Test drive")
                .contact(EntityRef::new(contact))
                .department(EntityRef::new(department))
                .source(EntityRef::new(source))
                .franchise(EntityRef::new(franchise))
                .category(Some("CAR".to_owned()))
                .customer_initiated(true)
        })
        .send()
        .await
        .unwrap();
    assert_eq!(lead.subject.as_deref(), Some("Test drive"));
    assert_eq!(lead.offer_made, None);
    assert_eq!(lead.extra.get("leadScore"), Some(&json!(87)));
    let sent = json_body(&only_request(&server, "POST", "/api/lead").await);
    assert_eq!(
        sent,
        json!({
            "subject": "Test drive",
            "contact": {"id": ID},
            "department": {"id": department},
            "source": {"id": source},
            "franchise": {"id": franchise},
            "category": "CAR",
            "customerInitiated": true
        })
    );

    // The seed's full request example decodes and is sent unchanged.
    let body: LeadCreateRequest = serde_json::from_value(seed("create_lead request")).unwrap();
    let server = server_with("POST", "/api/lead", 200, Some(seed("create_lead 200"))).await;
    client(&server)
        .create_lead()
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(
        json_body(&only_request(&server, "POST", "/api/lead").await),
        seed("create_lead request")
    );

    // The seed's 400: form errors keyed by field, and a message.
    let server = server_with(
        "POST",
        "/api/lead",
        400,
        Some(json!({"errors": {"subject": ["This value should not be blank."]}, "message": "Invalid data"})),
    )
    .await;
    let result = client(&server)
        .create_lead()
        .body(serde_json::from_value::<LeadCreateRequest>(seed("create_lead request")).unwrap())
        .send()
        .await;
    match error_body(result, 400) {
        ErrorResponse::Body(body) => {
            assert_eq!(body.message.as_deref(), Some("Invalid data"));
            assert_eq!(
                body.errors,
                Some(json!({"subject": ["This value should not be blank."]}))
            );
        }
        other => panic!("{other:?}"),
    }

    // 403 with the seed's AccessDeniedError body.
    let server = server_with(
        "POST",
        "/api/lead",
        403,
        Some(json!({"error": "Access denied"})),
    )
    .await;
    let result = client(&server)
        .create_lead()
        .body(serde_json::from_value::<LeadCreateRequest>(seed("create_lead request")).unwrap())
        .send()
        .await;
    assert!(
        matches!(error_body(result, 403), ErrorResponse::Body(b) if b.error.as_deref() == Some("Access denied"))
    );
}

#[tokio::test]
async fn copy_lead_sends_the_seed_body() {
    let route = format!("/api/lead/{ID}/copy");
    let server = server_with("POST", &route, 200, Some(seed("copy_lead 200"))).await;
    let body: CopyLeadData = serde_json::from_value(seed("copy_lead request")).unwrap();
    let lead = client(&server)
        .copy_lead()
        .lead(ID)
        .body(CopyLeadData {
            subject: Some("Copy of 2024 Civic LX".into()),
            ..body
        })
        .send()
        .await
        .unwrap();
    assert_eq!(lead.id, Some(SEED_ID.parse().unwrap()));
    let sent = json_body(&only_request(&server, "POST", &route).await);
    assert_eq!(sent["subject"], "Copy of 2024 Civic LX");
    assert_eq!(
        sent["contact"],
        normalize(&seed("copy_lead request")["contact"])
    );
    assert_eq!(
        sent["department"],
        normalize(&seed("copy_lead request")["department"])
    );

    let server = server_with(
        "POST",
        &route,
        404,
        Some(json!({"error": "Lead not found"})),
    )
    .await;
    let body: CopyLeadData = serde_json::from_value(seed("copy_lead request")).unwrap();
    let result = client(&server).copy_lead().lead(ID).body(body).send().await;
    assert!(matches!(error_body(result, 404), ErrorResponse::Body(_)));
}

// ----------------------------------------------------------- query builder

/// A filter three groups deep: and[ rule, or[ rule, !and[ rule, rule ] ] ].
fn three_deep() -> Filter {
    and([
        rule("primaryEmail", "endsWith", ".com").with_id("r1"),
        or([
            rule("city", "=", "Montréal").with_id("r2"),
            !and([
                rule("isActive", "=", "false").with_id("r3"),
                rule_without_value("mobilePhone", "null").with_id("r4"),
            ])
            .with_id("g3"),
        ])
        .with_id("g2"),
    ])
    .with_id("g1")
}

fn three_deep_json() -> Value {
    json!({"query": {"id": "g1", "combinator": "and", "rules": [
        {"id": "r1", "field": "primaryEmail", "operator": "endsWith", "value": ".com"},
        {"id": "g2", "combinator": "or", "rules": [
            {"id": "r2", "field": "city", "operator": "=", "value": "Montréal"},
            {"id": "g3", "combinator": "and", "not": true, "rules": [
                {"id": "r3", "field": "isActive", "operator": "=", "value": "false"},
                {"id": "r4", "field": "mobilePhone", "operator": "null"}
            ]}
        ]}
    ]}})
}

#[tokio::test]
async fn query_builder_filter_sends_a_three_deep_group() {
    let route = "/api/query-builder/filter/contact";
    let server = server_with(
        "POST",
        route,
        200,
        Some(json!({"success": true, "data": [
            {"id": SEED_ID, "firstName": "Marie", "city": "Laval", "mobilePhone": null}
        ]})),
    )
    .await;
    let filter = three_deep();
    assert_eq!(filter.depth(), 3);
    let answer = client(&server)
        .query_builder_filter()
        .entity("contact")
        .body(filter)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.success, Some(true));
    assert_eq!(answer.data[0].get("mobilePhone"), Some(&Value::Null));
    let sent = json_body(&only_request(&server, "POST", route).await);
    assert_eq!(sent, three_deep_json());
    // The generated types read the same body back, rule | group at every level.
    let decoded: QueryBuilderQuery = serde_json::from_value(sent).unwrap();
    let root = decoded.query.as_ref().unwrap();
    let QueryBuilderRuleOrGroup::Group(level2) = &root.rules[1] else {
        panic!("a group")
    };
    let QueryBuilderRuleOrGroup::Group(level3) = &level2.rules[1] else {
        panic!("a group")
    };
    assert_eq!(level3.not, Some(true));
    assert!(matches!(
        &level3.rules[1],
        QueryBuilderRuleOrGroup::Rule(r) if r.operator == Some(QueryBuilderOperator::Known(QueryBuilderOperatorKnown::Null))
    ));
    assert_eq!(Filter::from(decoded), three_deep());

    // The seed's own request example, built with the helper.
    let server = server_with("POST", route, 200, Some(seed("query_builder_filter 200"))).await;
    let seed_filter =
        or([rule("primaryEmail", "endsWith", ".com")
            .with_id("7a1208e9-f165-4835-903d-4fd4639db151")])
        .with_id("293934ac-c55a-4a69-b61c-aa6d16831bc5");
    let Filter::Group(mut group) = seed_filter else {
        panic!()
    };
    if let Filter::Rule(r) = &mut group.rules[0] {
        r.value_source = Some("value".into());
    }
    client(&server)
        .query_builder_filter()
        .entity("contact")
        .body(Filter::Group(group))
        .send()
        .await
        .unwrap();
    assert_eq!(
        json_body(&only_request(&server, "POST", route).await),
        seed("query_builder_filter request")
    );

    let server = server_with(
        "POST",
        route,
        400,
        Some(json!({"error": "Invalid operator: fuzzy"})),
    )
    .await;
    let result = client(&server)
        .query_builder_filter()
        .entity("contact")
        .body(rule("city", "fuzzy", "x"))
        .send()
        .await;
    let body = error_body(result, 400);
    assert!(
        matches!(&body, ErrorResponse::Body(b) if b.error.as_deref() == Some("Invalid operator: fuzzy"))
    );
    let sent = json_body(&only_request(&server, "POST", route).await);
    assert_eq!(
        sent["query"]["rules"][0]["operator"], "fuzzy",
        "an unknown operator is sent as is"
    );
}

#[tokio::test]
async fn query_builder_config() {
    let route = "/api/query-builder/config/lead";
    let server = server_with(
        "GET",
        route,
        200,
        Some(json!({"fields": [{"name": "subject", "label": "Subject", "inputType": "text"}], "operators": ["=", "contains", "between"]})),
    )
    .await;
    let config = client(&server)
        .get_query_builder_config()
        .entity("lead")
        .send()
        .await
        .unwrap();
    assert_eq!(config.fields[0].get("inputType"), Some(&json!("text")));
    assert_eq!(config.operators, ["=", "contains", "between"]);
    only_request(&server, "GET", route).await;

    let server = server_with(
        "GET",
        "/api/query-builder/config/nope",
        404,
        Some(json!({"error": "Entity not found"})),
    )
    .await;
    let result = client(&server)
        .get_query_builder_config()
        .entity("nope")
        .send()
        .await;
    assert!(matches!(error_body(result, 404), ErrorResponse::Body(_)));
}

// ----------------------------------------------------------- saved filters

#[tokio::test]
async fn saved_filters_carry_a_query_inside_a_string() {
    let value = serde_json::to_string(&three_deep_json()).unwrap();

    let server = server_with(
        "GET",
        "/api/saved-filter",
        200,
        Some(seed("list_saved_filters 200")),
    )
    .await;
    let list = client(&server).list_saved_filters().send().await.unwrap();
    assert_eq!(
        list[0].owner.as_ref().and_then(|o| o.id),
        Some(SEED_ID.parse().unwrap())
    );
    only_request(&server, "GET", "/api/saved-filter").await;

    let mut created = seed("create_saved_filter 201");
    created["name"] = json!("Montréal, active");
    created["module"] = json!("contact");
    created["value"] = json!(value);
    created["sharedWith"] = json!([]); // unknown field
    let server = server_with("POST", "/api/saved-filter", 201, Some(created.clone())).await;
    let saved = client(&server)
        .create_saved_filter()
        .body(CreateSavedFilterBody {
            name: "Montréal, active".into(),
            module: "contact".into(),
            value: conecrm_api::embedded_json::encode(
                "value",
                &QueryBuilderQuery::try_from(three_deep()).unwrap(),
            )
            .unwrap(),
            private: Some(true),
        })
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), 201);
    assert_eq!(saved.extra.get("sharedWith"), Some(&json!([])));
    let sent = json_body(&only_request(&server, "POST", "/api/saved-filter").await);
    assert_eq!(sent["private"], true);
    let sent_query: Value = serde_json::from_str(sent["value"].as_str().unwrap()).unwrap();
    assert_eq!(sent_query, three_deep_json());

    // Read back: the 3-deep group decodes from the JSON inside `value`,
    // including an operator this client does not know.
    let route = format!("/api/saved-filter/{ID}");
    let mut stored = three_deep_json();
    stored["query"]["rules"][1]["rules"][1]["rules"][0]["operator"] = json!("matchesRegex");
    created["value"] = json!(serde_json::to_string(&stored).unwrap());
    let server = server_with("GET", &route, 200, Some(created)).await;
    let saved = client(&server)
        .get_saved_filter()
        .id(id())
        .send()
        .await
        .unwrap();
    let query: QueryBuilderQuery = saved.value_as().unwrap().expect("a value");
    let filter = Filter::from(query);
    assert_eq!(filter.depth(), 3);
    let Filter::Group(root) = &filter else {
        panic!()
    };
    let Filter::Group(level2) = &root.rules[1] else {
        panic!()
    };
    let Filter::Group(level3) = &level2.rules[1] else {
        panic!()
    };
    let Filter::Rule(unknown) = &level3.rules[0] else {
        panic!()
    };
    assert_eq!(unknown.operator.as_deref(), Some("matchesRegex"));
    let typed: QueryBuilderQuery = saved.value_as().unwrap().unwrap();
    let QueryBuilderRuleOrGroup::Group(g2) = &typed.query.as_ref().unwrap().rules[1] else {
        panic!()
    };
    let QueryBuilderRuleOrGroup::Group(g3) = &g2.rules[1] else {
        panic!()
    };
    let QueryBuilderRuleOrGroup::Rule(r) = &g3.rules[0] else {
        panic!()
    };
    assert!(
        matches!(&r.operator, Some(QueryBuilderOperator::Unknown(v)) if v.as_str() == "matchesRegex")
    );
    only_request(&server, "GET", &route).await;

    let server = server_with("GET", &route, 403, None).await;
    let result = client(&server).get_saved_filter().id(id()).send().await;
    assert_eq!(bodiless_error(result), 403);

    let server = server_with("PATCH", &route, 200, Some(seed("update_saved_filter 200"))).await;
    client(&server)
        .update_saved_filter()
        .id(id())
        .body(UpdateSavedFilterBody {
            name: Some("Renamed".into()),
            ..serde_json::from_value(json!({})).unwrap()
        })
        .send()
        .await
        .unwrap();
    assert_eq!(
        json_body(&only_request(&server, "PATCH", &route).await),
        json!({"name": "Renamed"}),
        "only the fields set are sent"
    );

    let server = server_with("DELETE", &route, 204, None).await;
    let done = client(&server)
        .delete_saved_filter()
        .id(id())
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 204);
    only_request(&server, "DELETE", &route).await;
}

// ------------------------------------------------------------------ stages

#[tokio::test]
async fn stage_operations() {
    let server = server_with(
        "GET",
        "/api/stage",
        200,
        Some(json!([{"id": ID, "name": "Qualified", "color": "#2e7d32"}, {"id": SEED_ID, "name": null}])),
    )
    .await;
    let stages = client(&server).list_stages().send().await.unwrap();
    assert_eq!(stages[0].name.as_deref(), Some("Qualified"));
    assert_eq!(stages[0].extra.get("color"), Some(&json!("#2e7d32")));
    assert_eq!(stages[1].name, None);
    only_request(&server, "GET", "/api/stage").await;

    let stage = ConnectionStage {
        name: Some("Negotiation".into()),
        ..ConnectionStage::default()
    };
    let server = server_with(
        "POST",
        "/api/stage",
        201,
        Some(json!({"id": ID, "name": "Negotiation"})),
    )
    .await;
    let created = client(&server)
        .create_stage()
        .body(stage.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    assert_eq!(created.id, Some(id()));
    assert_eq!(
        json_body(&only_request(&server, "POST", "/api/stage").await),
        json!({"name": "Negotiation"})
    );

    let route = format!("/api/stage/{ID}");
    let server = server_with("GET", &route, 200, Some(seed("get_stage 200"))).await;
    client(&server).get_stage().id(ID).send().await.unwrap();
    only_request(&server, "GET", &route).await;

    let server = server_with(
        "PATCH",
        &route,
        200,
        Some(json!({"id": ID, "name": "Negotiation"})),
    )
    .await;
    client(&server)
        .update_stage()
        .id(ID)
        .body(stage)
        .send()
        .await
        .unwrap();
    assert_eq!(
        json_body(&only_request(&server, "PATCH", &route).await)["name"],
        "Negotiation"
    );

    let server = server_with("DELETE", &route, 204, None).await;
    client(&server).delete_stage().id(ID).send().await.unwrap();
    only_request(&server, "DELETE", &route).await;

    // "Cannot delete stage that is used in connections or pipelines"
    let server = server_with("DELETE", &route, 400, None).await;
    let result = client(&server).delete_stage().id(ID).send().await;
    assert_eq!(bodiless_error(result), 400);
}

// ------------------------------------------------------------------- tasks

fn task_request() -> TaskRequest {
    TaskRequest {
        type_: Some(TaskType::Known(TaskTypeKnown::Call)),
        assignee: id(),
        start: Some("2024-06-03T14:00:00Z".parse().unwrap()),
        end: None,
        title: "Call back about the trade-in".into(),
        note: None,
        contact: Some(Uuid::from_u128(7)),
        account: None,
        connection: None,
    }
}

#[tokio::test]
async fn create_task_decodes_an_unknown_type_and_the_bare_string_error() {
    let mut answer = seed("create_task 200");
    answer["type"] = json!("WHATSAPP"); // a task type this client does not know
    answer["start"] = Value::Null;
    answer["connection"] = Value::Null;
    answer["reminderMinutes"] = json!(15); // unknown field
    let server = server_with("POST", "/api/task", 200, Some(answer)).await;
    let task = client(&server)
        .create_task()
        .body(task_request())
        .send()
        .await
        .unwrap();
    assert_eq!(task.type_.as_deref(), Some("WHATSAPP"));
    assert!(
        matches!(task.task_type().unwrap(), Some(TaskType::Unknown(v)) if v.as_str() == "WHATSAPP")
    );
    assert_eq!(task.start, None);
    assert_eq!(task.connection, None);
    assert_eq!(task.extra.get("reminderMinutes"), Some(&json!(15)));
    assert_eq!(
        task.assignee
            .as_ref()
            .and_then(|a| a.display_name.as_deref()),
        Some("string")
    );
    assert_eq!(
        json_body(&only_request(&server, "POST", "/api/task").await),
        json!({
            "type": "CALL",
            "assignee": ID,
            "start": "2024-06-03T14:00:00Z",
            "title": "Call back about the trade-in",
            "contact": Uuid::from_u128(7)
        })
    );

    // The seed example's own request body, and its bare-string 400.
    let server = server_with("POST", "/api/task", 400, Some(seed("create_task 400"))).await;
    let body: TaskRequest = serde_json::from_value(seed("create_task request")).unwrap();
    let result = client(&server).create_task().body(body).send().await;
    assert_eq!(
        error_body(result, 400),
        ErrorResponse::Message("title This value should not be blank.".into())
    );
    let sent = json_body(&only_request(&server, "POST", "/api/task").await);
    assert_eq!(sent, seed("create_task request"));
}

#[tokio::test]
async fn update_and_delete_task() {
    let route = format!("/api/task/{ID}");
    let server = server_with("PATCH", &route, 200, Some(seed("update_task 200"))).await;
    let task = client(&server)
        .update_task()
        .task(id())
        .body(task_request())
        .send()
        .await
        .unwrap();
    // The seed example's placeholder type decodes as an unknown task type.
    assert!(
        matches!(task.task_type().unwrap(), Some(TaskType::Unknown(v)) if v.as_str() == "string")
    );
    assert_eq!(
        json_body(&only_request(&server, "PATCH", &route).await)["type"],
        "CALL"
    );

    let server = server_with("PATCH", &route, 400, Some(seed("update_task 400"))).await;
    let result = client(&server)
        .update_task()
        .task(id())
        .body(task_request())
        .send()
        .await;
    assert!(matches!(error_body(result, 400), ErrorResponse::Message(_)));

    let server = server_with(
        "PATCH",
        &route,
        404,
        Some(json!({"error": "Task not found"})),
    )
    .await;
    let result = client(&server)
        .update_task()
        .task(id())
        .body(task_request())
        .send()
        .await;
    assert!(matches!(error_body(result, 404), ErrorResponse::Body(_)));

    let server = server_with("DELETE", &route, 200, None).await;
    client(&server)
        .delete_task()
        .task(id())
        .send()
        .await
        .unwrap();
    only_request(&server, "DELETE", &route).await;

    let server = server_with("DELETE", &route, 403, None).await;
    let result = client(&server).delete_task().task(id()).send().await;
    assert_eq!(bodiless_error(result), 403);
}

// ------------------------------------------------------- runtime behaviour

#[tokio::test]
async fn errors_convert_to_the_runtimes_typed_error_with_the_servers_message() {
    let server = server_with(
        "POST",
        "/api/custom-labels",
        400,
        Some(json!({"error": "value is required"})),
    )
    .await;
    let result = client(&server)
        .create_custom_label()
        .body(CreateCustomLabelBody {
            value: Default::default(),
        })
        .send()
        .await;
    let error = result.expect_err("400");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(400));
    assert_eq!(
        error.to_string(),
        "create_custom_label: HTTP 400 Bad Request: value is required"
    );

    // An answer that does not match the spec names the JSON path.
    let server = server_with(
        "GET",
        "/api/stage",
        200,
        Some(json!([{"id": "not-a-uuid"}])),
    )
    .await;
    let result = client(&server).list_stages().send().await;
    let error = result.expect_err("not a uuid");
    assert!(
        matches!(&error, ApiError::Decode { path, .. } if path == "[0].id"),
        "{error:?}"
    );
}

#[tokio::test]
async fn account_stream_follows_offsets_until_total() {
    let server = MockServer::start().await;
    for (offset, ids) in [("0", &[1_u128, 2][..]), ("2", &[3, 4][..]), ("4", &[5][..])] {
        let accounts: Vec<Value> = ids
            .iter()
            .map(|n| json!({"id": Uuid::from_u128(*n), "name": format!("Account {n}")}))
            .collect();
        Mock::given(method("GET"))
            .and(path("/api/account"))
            .and(query_param("offset", offset))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(json!({"total": 5, "accounts": accounts})),
            )
            .expect(1)
            .mount(&server)
            .await;
    }
    let client = client(&server);
    let names: Vec<String> = client
        .get_accounts_stream(2, |request| request.search("acc"))
        .map_ok(|a| a.name.unwrap_or_default())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        names,
        [
            "Account 1",
            "Account 2",
            "Account 3",
            "Account 4",
            "Account 5"
        ]
    );
    let sent: Vec<Vec<(String, String)>> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(query)
        .collect();
    assert_eq!(
        sent,
        [
            pairs(&[("offset", "0"), ("limit", "2"), ("search", "acc")]),
            pairs(&[("offset", "2"), ("limit", "2"), ("search", "acc")]),
            pairs(&[("offset", "4"), ("limit", "2"), ("search", "acc")]),
        ]
    );
}

#[tokio::test]
async fn contact_stream_stops_on_a_short_page_and_reports_errors() {
    let server = MockServer::start().await;
    for (start, count) in [("0", 3), ("3", 1)] {
        let contacts: Vec<Value> = (0..count)
            .map(|n| json!({"firstName": format!("C{start}-{n}")}))
            .collect();
        Mock::given(method("GET"))
            .and(path("/api/contact"))
            .and(query_param("start", start))
            .respond_with(ResponseTemplate::new(200).set_body_json(contacts))
            .expect(1)
            .mount(&server)
            .await;
    }
    let client = client(&server);
    let contacts: Vec<_> = client
        .get_contacts_stream(3, |request| request.sort_direction(SortDirection::Asc))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(contacts.len(), 4);
    assert_eq!(server.received_requests().await.unwrap().len(), 2);

    let server = server_with("GET", "/api/contact", 401, None).await;
    let client = self::client(&server);
    let error = client
        .get_contacts_stream(3, |request| request)
        .try_collect::<Vec<_>>()
        .await
        .expect_err("401");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(error.operation(), "get_contacts");
}

#[test]
fn the_jwt_never_appears_in_debug_output() {
    let client = Client::with_token(JWT).expect("builds");
    let shown = format!("{client:?}");
    assert!(!shown.contains(JWT), "{shown}");
    assert!(!shown.contains("c2lnbmF0dXJlLXNlY3JldA"), "{shown}");
    assert!(shown.contains("https://api.conecrm.com"), "{shown}");
    let config = Client::config(Auth::bearer(JWT));
    assert!(!format!("{config:?}").contains(JWT));
    assert!(!format!("{:?}", client.runtime()).contains(JWT));
}

#[test]
fn every_operation_of_the_spec_is_called_here() {
    let spec = include_str!("../../../specs/conecrm.yaml");
    let this = include_str!("loopback.rs");
    let ids: Vec<&str> = spec
        .lines()
        .filter_map(|l| l.trim().strip_prefix("operationId: "))
        .collect();
    assert_eq!(ids.len(), 42);
    let missing: Vec<&&str> = ids
        .iter()
        .filter(|id| !this.contains(&format!(".{id}()")))
        .collect();
    assert!(missing.is_empty(), "operations never called: {missing:?}");
}
