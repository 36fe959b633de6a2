//! Every Zendesk Sell operation against a real HTTP server on loopback
//! (wiremock): the request the client sends is asserted (method, path,
//! query, JSON body, `Authorization`, `User-Agent`) and realistic answers
//! are decoded: person and organization contacts, deal values as numbers and
//! strings, an empty last page, Firehose events of several types, a 422
//! validation error, unknown fields (kept in `extra`) and unknown enum values.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests panic on failure"
)]

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};
use zendesk_sell_api::types::{
    ContactInput, ContactRequest, CustomFieldResourceType, CustomFieldResourceTypeKnown,
    CustomFieldType, CustomFieldTypeKnown, CustomFieldValue, CustomerStatus, CustomerStatusKnown,
    DealInput, DealRequest, DealValue, DecimalAmount, ErrorCode, ErrorCodeKnown,
    FirehoseEventCause, FirehoseEventCauseKnown, FirehoseEventType, FirehoseEventTypeKnown,
    FlexibleId, LeadInput, LeadRequest, NoteInput, NoteRequest, NoteResourceType,
    NoteResourceTypeKnown, NoteType, NoteTypeKnown, OrderInput, OrderRequest, ProspectStatus,
    TaskInput, TaskRequest, TaskType,
};
use zendesk_sell_api::{
    ApiError, Auth, Client, CollectionEnvelope, RawError, RawRequest, SingleEnvelope,
    StreamEnvelope,
};

const TOKEN: &str = "sell-t0ken-7f3a9c";
const BEARER: &str = "Bearer sell-t0ken-7f3a9c";

// ---------------------------------------------------------------- helpers

async fn mount(server: &MockServer, verb: &str, route: &str, status: u16, body: Value) {
    Mock::given(method(verb))
        .and(path(route))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .expect(1)
        .mount(server)
        .await;
}

async fn mount_no_content(server: &MockServer, verb: &str, route: &str) {
    Mock::given(method(verb))
        .and(path(route))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(server)
        .await;
}

fn client(server: &MockServer) -> Client {
    Client::from_config(Client::config(Auth::bearer(TOKEN)).with_base_url(server.uri()))
        .expect("client builds")
}

/// Every request the server received, in order, after checking what every
/// request must carry: the bearer token, this crate's `User-Agent`, JSON
/// `Accept`, and no progenitor `api-version` header.
async fn requests(server: &MockServer) -> Vec<Request> {
    let requests = server.received_requests().await.expect("recording is on");
    for request in &requests {
        let at = format!("{} {}", request.method, request.url.path());
        assert_eq!(header(request, "authorization"), BEARER, "{at}");
        assert!(
            header(request, "user-agent").starts_with("zendesk-sell-api/"),
            "{at}: user-agent {:?}",
            header(request, "user-agent")
        );
        assert_eq!(header(request, "accept"), "application/json", "{at}");
        assert!(request.headers.get("api-version").is_none(), "{at}");
    }
    requests
}

async fn only_request(server: &MockServer) -> Request {
    let mut all = requests(server).await;
    assert_eq!(all.len(), 1, "expected exactly one request");
    all.remove(0)
}

/// The decoded query pairs, sorted.
fn query(request: &Request) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = request
        .url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    pairs.sort();
    pairs
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = expected
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    pairs.sort();
    pairs
}

fn header<'a>(request: &'a Request, name: &str) -> &'a str {
    request
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

fn json_body(request: &Request) -> Value {
    serde_json::from_slice(&request.body).expect("the request body is JSON")
}

fn single(data: Value, kind: &str) -> Value {
    json!({"data": data, "meta": {"type": kind}})
}

fn page(items: Vec<Value>, kind: &str, route: &str, next: Option<u32>) -> Value {
    let count = items.len();
    let mut links = json!({
        "self": format!("https://api.getbase.com{route}?page=1&per_page=25"),
        "first_page": format!("https://api.getbase.com{route}?page=1&per_page=25"),
    });
    if let Some(n) = next {
        links["next_page"] = json!(format!(
            "https://api.getbase.com{route}?page={n}&per_page=25"
        ));
    }
    json!({
        "items": items.into_iter().map(|d| json!({"data": d, "meta": {"type": kind}})).collect::<Vec<_>>(),
        "meta": {"type": "collection", "count": count, "links": links}
    })
}

fn date(s: &str) -> chrono::DateTime<chrono::Utc> {
    s.parse().expect("a timestamp")
}

// ---------------------------------------------------------------- realistic bodies

fn person() -> Value {
    json!({
        "id": 1, "creator_id": 1, "owner_id": 1, "is_organization": false,
        "contact_id": 2, "parent_organization_id": null,
        "name": "Mark Johnson", "first_name": "Mark", "last_name": "Johnson",
        "customer_status": "none", "prospect_status": "current",
        "title": "CEO", "description": "I know him via Tom", "industry": "Design Services",
        "website": "www.designservices.com", "email": "mark@designservices.com",
        "phone": "508-778-6516", "mobile": "508-778-6516", "fax": "+44-208-1234567",
        "twitter": "mjohnson", "facebook": "mjohnson", "linkedin": "mjohnson", "skype": "mjohnson",
        "address": {"line1": "2726 Smith Street", "city": "Hyannis", "postal_code": "02601",
                    "state": "MA", "country": "US"},
        "billing_address": null, "shipping_address": null,
        "tags": ["contractor", "early-adopter"],
        "custom_fields": {
            "known_via": "tom",
            "employees": 120,
            "vip": true,
            "interests": ["design", "print"],
            "hq": {"line1": "1 Main St", "city": "Boston"},
            "cleared": null
        },
        "created_at": "2014-08-27T16:32:56Z", "updated_at": "2014-08-27T17:32:56Z",
        "lead_source": "referral"
    })
}

fn organization() -> Value {
    json!({
        "id": 2, "creator_id": 1, "owner_id": 1, "is_organization": true,
        "contact_id": null, "parent_organization_id": 5,
        "name": "Design Services Company", "first_name": null, "last_name": null,
        "customer_status": "current", "prospect_status": "churn_risk",
        "website": "www.designservices.com", "tags": [],
        "billing_address": {"line1": "1 Billing Way", "city": "Boston", "postal_code": "02110",
                            "state": "MA", "country": "US"},
        "shipping_address": null,
        "custom_fields": {"referral_website": "https://www.example.com"},
        "created_at": "2014-08-27T16:32:56Z", "updated_at": "2014-08-27T16:32:56Z"
    })
}

fn deal(id: i64, value: Value) -> Value {
    json!({
        "id": id, "creator_id": 1, "owner_id": 1, "name": "Website Redesign",
        "value": value, "currency": "USD", "hot": true, "stage_id": 7,
        "source_id": null, "loss_reason_id": null, "unqualified_reason_id": null,
        "dropbox_email": "dropbox@4161.deals.futuresimple.com",
        "contact_id": 1, "organization_id": 2, "estimated_close_date": "2014-11-19",
        "customized_win_likelihood": 50,
        "last_stage_change_at": "2014-09-25T15:21:45Z", "last_stage_change_by_id": 1,
        "last_activity_at": "2014-09-26T10:00:00Z",
        "tags": ["important"], "custom_fields": {},
        "created_at": "2014-08-27T16:32:56Z", "updated_at": "2014-08-27T16:32:56Z"
    })
}

fn lead() -> Value {
    json!({
        "id": 11, "creator_id": 1, "owner_id": 1, "first_name": "Mark", "last_name": "Johnson",
        "organization_name": "Design Services Company", "status": "New", "source_id": 3,
        "title": "CEO", "email": "mark@designservices.com",
        "address": {"line1": "2726 Smith Street", "city": "Hyannis", "postal_code": "02601",
                    "state": "MA", "country": "US"},
        "tags": ["important"], "custom_fields": {"known_via": "tom"},
        "created_at": "2014-08-27T16:32:56Z", "updated_at": "2014-08-27T16:32:56Z"
    })
}

fn note() -> Value {
    json!({
        "id": 21, "creator_id": 1, "resource_type": "lead", "resource_id": 11,
        "content": "Highly important.", "is_important": true, "tags": ["premium"],
        "type": "regular",
        "created_at": "2014-08-27T16:32:56Z", "updated_at": "2014-08-27T16:32:56Z"
    })
}

fn order() -> Value {
    json!({"id": 31, "deal_id": 12, "discount": 50,
           "created_at": "2014-08-27T16:32:56Z", "updated_at": "2014-08-27T16:32:56Z"})
}

fn task() -> Value {
    json!({
        "id": 41, "creator_id": 1, "owner_id": 1, "resource_type": "lead", "resource_id": 11,
        "completed": false, "completed_at": null, "due_date": "2014-09-27T16:32:56Z",
        "overdue": false, "remind_at": "2014-09-29T15:32:56Z", "content": "Contact Tom",
        "created_at": "2014-08-27T16:32:56Z", "updated_at": "2014-08-27T16:32:56Z"
    })
}

/// Sell's 422 envelope for a contact without a last name.
fn validation_error() -> Value {
    json!({
        "errors": [{
            "error": {"resource": "contact", "field": "/data/last_name", "code": "blank",
                      "message": "can't be blank",
                      "details": "The attribute '/data/last_name' can't be blank."},
            "meta": {"type": "error", "links": {"more_info": "https://developers.getbase.com/docs/rest/articles/errors"}}
        }],
        "meta": {"type": "errors", "http_status": "422 Unprocessable Entity",
                 "logref": "b5h8u-qn0oj-8mr2n-94mug",
                 "links": {"more_info": "https://developers.getbase.com/docs/rest/articles/errors"}}
    })
}

// ---------------------------------------------------------------- contacts

#[tokio::test]
async fn list_contacts_sends_paging_sort_and_filters_and_decodes_people_and_organizations() {
    let server = MockServer::start().await;
    mount(
        &server,
        "GET",
        "/v2/contacts",
        200,
        page(
            vec![person(), organization()],
            "contact",
            "/v2/contacts",
            Some(3),
        ),
    )
    .await;
    let answer = client(&server)
        .list_contacts()
        .page(2u32)
        .per_page(100u32)
        .sort_by("last_name:desc")
        .is_organization(false)
        .customer_status("current")
        .prospect_status("lost")
        .address_city("Hyannis")
        .billing_address_country("US")
        .ids("1,2")
        .inclusive(false)
        .owner_id(1)
        .custom_field_filters(BTreeMap::from([(
            "custom_fields[external_id]".to_owned(),
            "SKU01".to_owned(),
        )]))
        .send()
        .await
        .expect("decodes");

    let request = only_request(&server).await;
    assert_eq!(request.method.as_str(), "GET");
    assert_eq!(
        query(&request),
        pairs(&[
            ("page", "2"),
            ("per_page", "100"),
            ("sort_by", "last_name:desc"),
            ("is_organization", "false"),
            ("customer_status", "current"),
            ("prospect_status", "lost"),
            ("address[city]", "Hyannis"),
            ("billing_address[country]", "US"),
            ("ids", "1,2"),
            ("inclusive", "false"),
            ("owner_id", "1"),
            ("custom_fields[external_id]", "SKU01"),
        ])
    );

    assert_eq!(answer.status(), 200);
    assert_eq!(answer.next_page().map(|n| n.get()), Some(3));
    assert!(!answer.is_last_page());
    assert_eq!(answer.collection_meta().and_then(|m| m.count), Some(2));
    let contacts: Vec<_> = answer.items().collect();
    assert_eq!(contacts.len(), 2);

    // A person: first/last name, belongs to organization 2.
    let mark = contacts[0];
    assert_eq!(mark.id, 1);
    assert_eq!(mark.is_organization, Some(false));
    assert_eq!(mark.first_name.as_deref(), Some("Mark"));
    assert_eq!(mark.last_name.as_deref(), Some("Johnson"));
    assert_eq!(mark.contact_id, Some(2));
    assert_eq!(mark.parent_organization_id, None);
    assert_eq!(
        mark.customer_status,
        Some(CustomerStatus::Known(CustomerStatusKnown::None))
    );
    let address = mark.address.as_ref().expect("an address");
    assert_eq!(address.city.as_deref(), Some("Hyannis"));
    assert_eq!(address.postal_code.as_deref(), Some("02601"));
    assert_eq!(mark.billing_address, None);
    assert_eq!(
        mark.tags.as_deref(),
        Some(&["contractor".to_owned(), "early-adopter".to_owned()][..])
    );
    assert_eq!(mark.created_at, Some(date("2014-08-27T16:32:56Z")));
    // An attribute the spec does not name is kept, verbatim.
    assert_eq!(mark.extra.get("lead_source"), Some(&json!("referral")));
    // Custom field values of every JSON type, including a cleared one.
    let custom = mark.custom_fields.as_ref().expect("custom fields");
    assert_eq!(custom["known_via"], CustomFieldValue::Text("tom".into()));
    assert_eq!(custom["employees"], CustomFieldValue::Number(120.0));
    assert_eq!(custom["vip"], CustomFieldValue::Flag(true));
    assert!(matches!(&custom["interests"], CustomFieldValue::List(v) if v.len() == 2));
    assert!(matches!(&custom["hq"], CustomFieldValue::Object(o) if o["city"] == "Boston"));
    assert!(matches!(custom["cleared"], CustomFieldValue::Null(_)));

    // An organization: a name, a parent, a billing address, and a prospect
    // status Sell added later (decodes as Unknown).
    let org = contacts[1];
    assert_eq!(org.is_organization, Some(true));
    assert_eq!(org.name.as_deref(), Some("Design Services Company"));
    assert_eq!(org.first_name, None);
    assert_eq!(org.parent_organization_id, Some(5));
    assert_eq!(
        org.billing_address.as_ref().and_then(|a| a.city.as_deref()),
        Some("Boston")
    );
    assert!(
        matches!(&org.prospect_status, Some(ProspectStatus::Unknown(s)) if s.as_str() == "churn_risk"),
        "{:?}",
        org.prospect_status
    );
    assert!(org.extra.is_empty());
}

#[tokio::test]
async fn records_round_trip_with_their_unknown_fields() {
    let server = MockServer::start().await;
    let mut body = person();
    body["brand_new"] = json!({"nested": [1, 2, {"deep": null}]});
    mount(
        &server,
        "GET",
        "/v2/contacts/1",
        200,
        single(body.clone(), "contact"),
    )
    .await;
    let contact = client(&server)
        .get_contact()
        .id(1)
        .send()
        .await
        .expect("decodes")
        .into_data();
    let again = serde_json::to_value(&contact).unwrap();
    // Every non-null attribute survives; nulls are dropped (absent and null
    // both mean "no value" to Sell when reading).
    let non_null = |v: &Value| -> Value {
        let mut map = v.as_object().unwrap().clone();
        map.retain(|_, v| !v.is_null());
        Value::Object(map)
    };
    let mut expected = non_null(&body);
    // Nulls inside custom_fields are kept (the map holds `Null`); a JSON
    // integer in a number custom field comes back as a float (`f64`).
    expected["custom_fields"] = body["custom_fields"].clone();
    expected["custom_fields"]["employees"] = json!(120.0);
    assert_eq!(non_null(&again), expected);
    assert_eq!(
        again["brand_new"],
        json!({"nested": [1, 2, {"deep": null}]})
    );
    only_request(&server).await;
}

#[tokio::test]
async fn contact_create_get_update_delete() {
    let server = MockServer::start().await;
    mount(
        &server,
        "POST",
        "/v2/contacts",
        201,
        single(organization(), "contact"),
    )
    .await;
    mount(
        &server,
        "GET",
        "/v2/contacts/2",
        200,
        single(organization(), "contact"),
    )
    .await;
    let mut updated = person();
    updated["title"] = json!("CTO");
    mount(
        &server,
        "PUT",
        "/v2/contacts/1",
        200,
        single(updated, "contact"),
    )
    .await;
    mount_no_content(&server, "DELETE", "/v2/contacts/1").await;
    let sell = client(&server);

    let created = sell
        .create_contact()
        .body(ContactRequest {
            data: ContactInput {
                is_organization: Some(true),
                name: Some("Design Services Company".into()),
                website: Some("www.designservices.com".into()),
                customer_status: Some("current".try_into().unwrap()),
                tags: Some(vec!["contractor".into()]),
                custom_fields: Some(
                    BTreeMap::from([
                        ("known_via".to_owned(), CustomFieldValue::Text("tom".into())),
                        (
                            "cleared".to_owned(),
                            serde_json::from_value(json!(null)).unwrap(),
                        ),
                    ])
                    .into(),
                ),
                ..Default::default()
            },
        })
        .send()
        .await
        .expect("created");
    assert_eq!(created.status(), 201);
    assert_eq!(
        created.resource_meta().and_then(|m| m.type_.as_deref()),
        Some("contact")
    );
    assert_eq!(created.data().id, 2);

    let fetched = sell.get_contact().id(2).send().await.expect("fetched");
    assert_eq!(
        fetched.into_data().name.as_deref(),
        Some("Design Services Company")
    );

    let changed = sell
        .update_contact()
        .id(1)
        .body(ContactRequest {
            data: ContactInput {
                title: Some("CTO".into()),
                ..Default::default()
            },
        })
        .send()
        .await
        .expect("updated")
        .into_data();
    assert_eq!(changed.title.as_deref(), Some("CTO"));

    let deleted = sell.delete_contact().id(1).send().await.expect("deleted");
    assert_eq!(deleted.status(), 204);

    let all = requests(&server).await;
    assert_eq!(all.len(), 4);
    assert_eq!(header(&all[0], "content-type"), "application/json");
    assert_eq!(
        json_body(&all[0]),
        json!({"data": {
            "is_organization": true, "name": "Design Services Company",
            "website": "www.designservices.com", "customer_status": "current",
            "tags": ["contractor"], "custom_fields": {"cleared": null, "known_via": "tom"}
        }})
    );
    assert_eq!(all[1].method.as_str(), "GET");
    assert_eq!(all[2].method.as_str(), "PUT");
    assert_eq!(json_body(&all[2]), json!({"data": {"title": "CTO"}}));
    assert_eq!(all[3].method.as_str(), "DELETE");
    assert!(all[3].body.is_empty());
}

#[tokio::test]
async fn upsert_contact_sends_its_filters_as_query_parameters() {
    let server = MockServer::start().await;
    mount(
        &server,
        "POST",
        "/v2/contacts/upsert",
        200,
        single(person(), "contact"),
    )
    .await;
    let answer = client(&server)
        .upsert_contact()
        .email("mark@designservices.com")
        .is_organization(false)
        .address_country("US")
        .custom_field_filters(BTreeMap::from([(
            "custom_fields[referral_website]".to_owned(),
            "https://www.test.com".to_owned(),
        )]))
        .body(ContactRequest {
            data: ContactInput {
                first_name: Some("Mark".into()),
                last_name: Some("Johnson".into()),
                email: Some("mark@designservices.com".into()),
                ..Default::default()
            },
        })
        .send()
        .await
        .expect("upserted");
    assert_eq!(answer.data().first_name.as_deref(), Some("Mark"));

    let request = only_request(&server).await;
    assert_eq!(request.method.as_str(), "POST");
    assert_eq!(
        query(&request),
        pairs(&[
            ("email", "mark@designservices.com"),
            ("is_organization", "false"),
            ("address[country]", "US"),
            ("custom_fields[referral_website]", "https://www.test.com"),
        ])
    );
    assert_eq!(
        json_body(&request),
        json!({"data": {"first_name": "Mark", "last_name": "Johnson", "email": "mark@designservices.com"}})
    );
}

#[tokio::test]
async fn a_422_validation_error_is_typed_with_sells_envelope() {
    let server = MockServer::start().await;
    mount(&server, "POST", "/v2/contacts", 422, validation_error()).await;
    let err = client(&server)
        .create_contact()
        .body(ContactRequest {
            data: ContactInput {
                first_name: Some("Mark".into()),
                ..Default::default()
            },
        })
        .send()
        .await
        .expect_err("422 is an error");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(422));
    let ApiError::Status {
        status,
        body: Some(body),
        ..
    } = err
    else {
        panic!("expected Sell's error envelope, got {err:?}");
    };
    assert_eq!(status, 422);
    let first = &body.errors[0].error;
    assert_eq!(first.code, ErrorCode::Known(ErrorCodeKnown::Blank));
    assert_eq!(first.field.as_deref(), Some("/data/last_name"));
    assert_eq!(first.resource.as_deref(), Some("contact"));
    assert_eq!(
        body.meta.as_ref().and_then(|m| m.logref.as_deref()),
        Some("b5h8u-qn0oj-8mr2n-94mug")
    );
    assert_eq!(body.summary(), "blank: can't be blank (/data/last_name)");
    only_request(&server).await;
}

#[tokio::test]
async fn the_runtime_error_type_prints_sells_errors_and_logref() {
    let server = MockServer::start().await;
    mount(&server, "POST", "/v2/leads", 422, validation_error()).await;
    let err = client(&server)
        .create_lead()
        .body(LeadRequest {
            data: LeadInput::default(),
        })
        .send()
        .await
        .expect_err("422");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(422));
    assert_eq!(
        err.to_string(),
        "create_lead: HTTP 422 Unprocessable Entity: blank: can't be blank (/data/last_name) \
         (request b5h8u-qn0oj-8mr2n-94mug)"
    );
    assert_eq!(
        err.body().map(|b| b.errors[0].error.code.to_string()),
        Some("blank".to_owned())
    );
    only_request(&server).await;
}

#[tokio::test]
async fn unknown_error_codes_and_other_statuses_decode() {
    let server = MockServer::start().await;
    mount(
        &server,
        "GET",
        "/v2/leads/404",
        404,
        json!({"errors": [{"error": {"code": "not_found", "message": "Resource not found"}}],
               "meta": {"type": "errors", "http_status": "404 Not Found"}}),
    )
    .await;
    mount(
        &server,
        "GET",
        "/v2/deals",
        403,
        json!({"errors": [{"error": {"code": "plan_limit_v9", "message": "Upgrade your plan"}}],
               "meta": {"type": "errors", "http_status": "403 Forbidden"}}),
    )
    .await;
    let sell = client(&server);
    let err = sell.get_lead().id(404).send().await.expect_err("404");
    assert!(
        matches!(&err, ApiError::Status { body: Some(b), .. } if b.errors[0].error.code == ErrorCode::Known(ErrorCodeKnown::NotFound)),
        "{err:?}"
    );
    let err = sell.list_deals().send().await.expect_err("403");
    let ApiError::Status {
        status,
        body: Some(body),
        ..
    } = err
    else {
        panic!("typed body expected")
    };
    assert_eq!(status, 403);
    assert!(
        matches!(&body.errors[0].error.code, ErrorCode::Unknown(c) if c.as_str() == "plan_limit_v9")
    );
    assert_eq!(body.summary(), "plan_limit_v9: Upgrade your plan");
}

// ---------------------------------------------------------------- deals

#[tokio::test]
async fn deal_values_decode_as_numbers_and_as_decimal_strings() {
    let server = MockServer::start().await;
    mount(
        &server,
        "GET",
        "/v2/deals",
        200,
        page(
            vec![
                deal(1, json!(1000)),
                deal(2, json!("1234.56")),
                deal(3, json!(99.5)),
            ],
            "deal",
            "/v2/deals",
            Some(2),
        ),
    )
    .await;
    let answer = client(&server)
        .list_deals()
        .per_page(25u32)
        .sort_by("value:desc")
        .stage_id(7)
        .hot(true)
        .contact_id(1)
        .organization_id(2)
        .includes("associated_contacts")
        .value("1000.00")
        .estimated_close_date("2014-11-19")
        .custom_field_filters(BTreeMap::from([(
            "custom_fields[external_id]".to_owned(),
            "SKU01".to_owned(),
        )]))
        .send()
        .await
        .expect("decodes");
    let deals = answer.into_items();
    assert_eq!(deals[0].value, Some(DealValue::Number(1000.0)));
    assert_eq!(deals[1].value, Some(DealValue::Text("1234.56".into())));
    assert_eq!(deals[2].value, Some(DealValue::Number(99.5)));
    assert_eq!(deals[0].stage_id, Some(7));
    assert_eq!(deals[0].customized_win_likelihood, Some(50));
    assert_eq!(
        deals[0].last_activity_at,
        Some(date("2014-09-26T10:00:00Z"))
    );
    assert_eq!(deals[0].estimated_close_date.as_deref(), Some("2014-11-19"));

    let request = only_request(&server).await;
    assert_eq!(
        query(&request),
        pairs(&[
            ("per_page", "25"),
            ("sort_by", "value:desc"),
            ("stage_id", "7"),
            ("hot", "true"),
            ("contact_id", "1"),
            ("organization_id", "2"),
            ("includes", "associated_contacts"),
            ("value", "1000.00"),
            ("estimated_close_date", "2014-11-19"),
            ("custom_fields[external_id]", "SKU01"),
        ])
    );
}

#[tokio::test]
async fn an_empty_last_page_has_no_next_page() {
    let server = MockServer::start().await;
    mount(
        &server,
        "GET",
        "/v2/deals",
        200,
        json!({"items": [], "meta": {"type": "collection", "count": 0,
               "links": {"self": "https://api.getbase.com/v2/deals?page=4&per_page=100",
                         "first_page": "https://api.getbase.com/v2/deals?page=1&per_page=100",
                         "prev_page": "https://api.getbase.com/v2/deals?page=3&per_page=100"}}}),
    )
    .await;
    let answer = client(&server)
        .list_deals()
        .page(4u32)
        .per_page(100u32)
        .send()
        .await
        .expect("decodes");
    assert_eq!(answer.items().count(), 0);
    assert!(answer.is_last_page());
    assert_eq!(answer.next_page(), None);
    assert_eq!(answer.next_page_url(), None);
    assert_eq!(
        query(&only_request(&server).await),
        pairs(&[("page", "4"), ("per_page", "100")])
    );
}

#[tokio::test]
async fn deal_create_get_update_delete() {
    let server = MockServer::start().await;
    mount(
        &server,
        "POST",
        "/v2/deals",
        200,
        single(deal(9, json!("1000.00")), "deal"),
    )
    .await;
    let mut with_contacts = deal(9, json!(1000));
    with_contacts["associated_contacts"] =
        json!({"items": [{"data": {"contact_id": 1, "role": "involved"}}]});
    mount(
        &server,
        "GET",
        "/v2/deals/9",
        200,
        single(with_contacts, "deal"),
    )
    .await;
    mount(
        &server,
        "PUT",
        "/v2/deals/9",
        200,
        single(deal(9, json!(1500)), "deal"),
    )
    .await;
    mount_no_content(&server, "DELETE", "/v2/deals/9").await;
    let sell = client(&server);

    let created = sell
        .create_deal()
        .body(DealRequest {
            data: DealInput {
                name: Some("Website Redesign".into()),
                contact_id: Some(1),
                value: Some(DealValue::Text("1000.00".into())),
                currency: Some("USD".into()),
                hot: Some(true),
                added_on: Some(date("2014-08-27T16:32:56Z")),
                ..Default::default()
            },
        })
        .send()
        .await
        .expect("created")
        .into_data();
    assert_eq!(created.value, Some(DealValue::Text("1000.00".into())));

    let fetched = sell
        .get_deal()
        .id(9)
        .includes("associated_contacts")
        .send()
        .await
        .expect("fetched")
        .into_data();
    assert_eq!(
        fetched
            .associated_contacts
            .as_ref()
            .map(|v| v.0["items"][0]["data"]["role"].clone()),
        Some(json!("involved"))
    );

    let updated = sell
        .update_deal()
        .id(9)
        .body(DealRequest {
            data: DealInput {
                value: Some(DealValue::Number(1500.0)),
                stage_id: Some(8),
                ..Default::default()
            },
        })
        .send()
        .await
        .expect("updated")
        .into_data();
    assert_eq!(updated.value, Some(DealValue::Number(1500.0)));
    sell.delete_deal().id(9).send().await.expect("deleted");

    let all = requests(&server).await;
    assert_eq!(
        json_body(&all[0]),
        json!({"data": {"name": "Website Redesign", "contact_id": 1, "value": "1000.00",
                        "currency": "USD", "hot": true, "added_on": "2014-08-27T16:32:56Z"}})
    );
    assert_eq!(
        query(&all[1]),
        pairs(&[("includes", "associated_contacts")])
    );
    assert_eq!(
        json_body(&all[2]),
        json!({"data": {"value": 1500.0, "stage_id": 8}})
    );
    assert_eq!(all[3].method.as_str(), "DELETE");
}

// ---------------------------------------------------------------- leads

#[tokio::test]
async fn lead_list_create_upsert_get_update_delete() {
    let server = MockServer::start().await;
    mount(
        &server,
        "GET",
        "/v2/leads",
        200,
        page(vec![lead()], "lead", "/v2/leads", None),
    )
    .await;
    mount(&server, "POST", "/v2/leads", 201, single(lead(), "lead")).await;
    mount(
        &server,
        "POST",
        "/v2/leads/upsert",
        201,
        single(lead(), "lead"),
    )
    .await;
    mount(&server, "GET", "/v2/leads/11", 200, single(lead(), "lead")).await;
    mount(&server, "PUT", "/v2/leads/11", 200, single(lead(), "lead")).await;
    mount_no_content(&server, "DELETE", "/v2/leads/11").await;
    let sell = client(&server);
    let input = || LeadRequest {
        data: LeadInput {
            first_name: Some("Mark".into()),
            last_name: Some("Johnson".into()),
            organization_name: Some("Design Services Company".into()),
            tags: Some(vec!["important".into()]),
            ..Default::default()
        },
    };

    let listed = sell
        .list_leads()
        .per_page(50u32)
        .sort_by("created_at:desc")
        .status("New")
        .source_id(3)
        .organization_name("Design Services Company")
        .address_postal_code("02601")
        .send()
        .await
        .expect("listed");
    assert!(listed.is_last_page());
    let first = listed.items().next().expect("one lead");
    assert_eq!(first.status.as_deref(), Some("New"));
    assert_eq!(
        first.custom_fields.as_ref().map(|c| c["known_via"].clone()),
        Some(CustomFieldValue::Text("tom".into()))
    );

    sell.create_lead()
        .body(input())
        .send()
        .await
        .expect("created");
    let upserted = sell
        .upsert_lead()
        .email("mark@designservices.com")
        .organization_name("Design Services Company")
        .custom_field_filters(BTreeMap::from([(
            "custom_fields[external_id]".to_owned(),
            "SKU01".to_owned(),
        )]))
        .body(input())
        .send()
        .await
        .expect("upserted");
    assert_eq!(upserted.status(), 201);
    assert_eq!(
        sell.get_lead()
            .id(11)
            .send()
            .await
            .expect("fetched")
            .into_data()
            .id,
        11
    );
    sell.update_lead()
        .id(11)
        .body(LeadRequest {
            data: LeadInput {
                status: Some("Working".into()),
                ..Default::default()
            },
        })
        .send()
        .await
        .expect("updated");
    sell.delete_lead().id(11).send().await.expect("deleted");

    let all = requests(&server).await;
    assert_eq!(all.len(), 6);
    assert_eq!(
        query(&all[0]),
        pairs(&[
            ("per_page", "50"),
            ("sort_by", "created_at:desc"),
            ("status", "New"),
            ("source_id", "3"),
            ("organization_name", "Design Services Company"),
            ("address[postal_code]", "02601"),
        ])
    );
    assert_eq!(
        json_body(&all[1]),
        json!({"data": {"first_name": "Mark", "last_name": "Johnson",
                        "organization_name": "Design Services Company", "tags": ["important"]}})
    );
    assert_eq!(
        query(&all[2]),
        pairs(&[
            ("email", "mark@designservices.com"),
            ("organization_name", "Design Services Company"),
            ("custom_fields[external_id]", "SKU01"),
        ])
    );
    assert_eq!(json_body(&all[4]), json!({"data": {"status": "Working"}}));
}

// ---------------------------------------------------------------- notes, orders, tasks

#[tokio::test]
async fn note_list_create_get_update_delete() {
    let server = MockServer::start().await;
    let mut odd = note();
    odd["id"] = json!(22);
    odd["type"] = json!("call_summary");
    odd["resource_type"] = json!("account");
    mount(
        &server,
        "GET",
        "/v2/notes",
        200,
        page(vec![note(), odd], "note", "/v2/notes", None),
    )
    .await;
    mount(&server, "POST", "/v2/notes", 200, single(note(), "note")).await;
    mount(&server, "GET", "/v2/notes/21", 200, single(note(), "note")).await;
    mount(&server, "PUT", "/v2/notes/21", 200, single(note(), "note")).await;
    mount_no_content(&server, "DELETE", "/v2/notes/21").await;
    let sell = client(&server);

    let notes = sell
        .list_notes()
        .resource_type("lead")
        .resource_id(11)
        .q("important")
        .sort_by("resource_type:desc")
        .creator_id(1)
        .send()
        .await
        .expect("listed")
        .into_items();
    assert_eq!(
        notes[0].resource_type,
        Some(NoteResourceType::Known(NoteResourceTypeKnown::Lead))
    );
    assert_eq!(
        notes[0].type_,
        Some(NoteType::Known(NoteTypeKnown::Regular))
    );
    assert!(matches!(&notes[1].type_, Some(NoteType::Unknown(t)) if t.as_str() == "call_summary"));
    assert!(
        matches!(&notes[1].resource_type, Some(NoteResourceType::Unknown(t)) if t.as_str() == "account")
    );

    sell.create_note()
        .body(NoteRequest {
            data: NoteInput {
                content: Some("Highly important.".into()),
                resource_type: Some("lead".try_into().unwrap()),
                resource_id: Some(11),
                is_important: Some(true),
                tags: Some(vec!["premium".into()]),
                type_: Some("regular".try_into().unwrap()),
            },
        })
        .send()
        .await
        .expect("created");
    let fetched = sell.get_note().id(21).send().await.expect("fetched");
    assert_eq!(fetched.data().content.as_deref(), Some("Highly important."));
    sell.update_note()
        .id(21)
        .body(NoteRequest {
            data: NoteInput {
                is_important: Some(false),
                ..Default::default()
            },
        })
        .send()
        .await
        .expect("updated");
    sell.delete_note().id(21).send().await.expect("deleted");

    let all = requests(&server).await;
    assert_eq!(
        query(&all[0]),
        pairs(&[
            ("resource_type", "lead"),
            ("resource_id", "11"),
            ("q", "important"),
            ("sort_by", "resource_type:desc"),
            ("creator_id", "1"),
        ])
    );
    assert_eq!(
        json_body(&all[1]),
        json!({"data": {"content": "Highly important.", "resource_type": "lead", "resource_id": 11,
                        "is_important": true, "tags": ["premium"], "type": "regular"}})
    );
    assert_eq!(json_body(&all[3]), json!({"data": {"is_important": false}}));
}

#[tokio::test]
async fn order_list_create_get_update_delete() {
    let server = MockServer::start().await;
    mount(
        &server,
        "GET",
        "/v2/orders",
        200,
        page(vec![order()], "order", "/v2/orders", Some(2)),
    )
    .await;
    mount(&server, "POST", "/v2/orders", 201, single(order(), "order")).await;
    mount(
        &server,
        "GET",
        "/v2/orders/31",
        200,
        single(order(), "order"),
    )
    .await;
    mount(
        &server,
        "PUT",
        "/v2/orders/31",
        200,
        single(order(), "order"),
    )
    .await;
    mount_no_content(&server, "DELETE", "/v2/orders/31").await;
    let sell = client(&server);

    let listed = sell
        .list_orders()
        .deal_id(12)
        .per_page(500u32)
        .sort_by("value:desc")
        .ids("1,2,3")
        .send()
        .await
        .expect("listed");
    assert_eq!(listed.next_page().map(|n| n.get()), Some(2));
    assert_eq!(listed.items().next().and_then(|o| o.discount), Some(50.0));
    sell.create_order()
        .body(OrderRequest {
            data: OrderInput {
                deal_id: Some(12),
                discount: Some(50.0),
            },
        })
        .send()
        .await
        .expect("created");
    assert_eq!(
        sell.get_order()
            .id(31)
            .send()
            .await
            .expect("fetched")
            .into_data()
            .deal_id,
        Some(12)
    );
    sell.update_order()
        .id(31)
        .body(OrderRequest {
            data: OrderInput {
                discount: Some(25.0),
                ..Default::default()
            },
        })
        .send()
        .await
        .expect("updated");
    sell.delete_order().id(31).send().await.expect("deleted");

    let all = requests(&server).await;
    assert_eq!(
        query(&all[0]),
        pairs(&[
            ("deal_id", "12"),
            ("per_page", "500"),
            ("sort_by", "value:desc"),
            ("ids", "1,2,3"),
        ])
    );
    assert_eq!(
        json_body(&all[1]),
        json!({"data": {"deal_id": 12, "discount": 50.0}})
    );
    assert_eq!(json_body(&all[3]), json!({"data": {"discount": 25.0}}));
}

#[tokio::test]
async fn task_list_create_get_update_delete() {
    let server = MockServer::start().await;
    mount(
        &server,
        "GET",
        "/v2/tasks",
        200,
        page(vec![task()], "task", "/v2/tasks", None),
    )
    .await;
    mount(&server, "POST", "/v2/tasks", 200, single(task(), "task")).await;
    mount(&server, "GET", "/v2/tasks/41", 200, single(task(), "task")).await;
    mount(&server, "PUT", "/v2/tasks/41", 200, single(task(), "task")).await;
    mount_no_content(&server, "DELETE", "/v2/tasks/41").await;
    let sell = client(&server);

    let tasks = sell
        .list_tasks()
        .type_(TaskType::try_from("floating").unwrap())
        .completed(false)
        .overdue(true)
        .remind(false)
        .resource_type("deal")
        .owner_id(1)
        .sort_by("resource_type:desc")
        .send()
        .await
        .expect("listed")
        .into_items();
    assert_eq!(tasks[0].due_date, Some(date("2014-09-27T16:32:56Z")));
    assert_eq!(tasks[0].completed_at, None);

    sell.create_task()
        .body(TaskRequest {
            data: TaskInput {
                content: Some("Contact Tom".into()),
                due_date: Some(date("2014-09-27T16:32:56Z")),
                remind_at: Some(date("2014-09-29T15:32:56Z")),
                resource_type: Some("lead".try_into().unwrap()),
                resource_id: Some(11),
                ..Default::default()
            },
        })
        .send()
        .await
        .expect("created");
    sell.get_task().id(41).send().await.expect("fetched");
    sell.update_task()
        .id(41)
        .body(TaskRequest {
            data: TaskInput {
                completed: Some(true),
                ..Default::default()
            },
        })
        .send()
        .await
        .expect("updated");
    sell.delete_task().id(41).send().await.expect("deleted");

    let all = requests(&server).await;
    assert_eq!(
        query(&all[0]),
        pairs(&[
            ("type", "floating"),
            ("completed", "false"),
            ("overdue", "true"),
            ("remind", "false"),
            ("resource_type", "deal"),
            ("owner_id", "1"),
            ("sort_by", "resource_type:desc"),
        ])
    );
    assert_eq!(
        json_body(&all[1]),
        json!({"data": {"content": "Contact Tom", "due_date": "2014-09-27T16:32:56Z",
                        "remind_at": "2014-09-29T15:32:56Z", "resource_type": "lead", "resource_id": 11}})
    );
    assert_eq!(json_body(&all[3]), json!({"data": {"completed": true}}));
}

// ---------------------------------------------------------------- catalogs, account, custom fields

#[tokio::test]
async fn pipelines_stages_products_and_the_account() {
    let server = MockServer::start().await;
    mount(
        &server,
        "GET",
        "/v2/pipelines",
        200,
        page(
            vec![json!({"id": 1, "name": "Sales pipeline", "disabled": false,
                         "created_at": "2014-08-27T16:32:56Z", "updated_at": "2014-08-27T16:32:56Z"})],
            "pipeline",
            "/v2/pipelines",
            None,
        ),
    )
    .await;
    mount(
        &server,
        "GET",
        "/v2/stages",
        200,
        page(
            vec![
                json!({"id": 7, "name": "Incoming", "category": "incoming", "active": true,
                       "position": 1, "likelihood": 10, "pipeline_id": 1}),
                json!({"id": 8, "name": "Won", "category": "won", "active": false,
                       "position": 5, "likelihood": 100, "pipeline_id": 1, "color": "#00ff00"}),
            ],
            "stage",
            "/v2/stages",
            None,
        ),
    )
    .await;
    mount(
        &server,
        "GET",
        "/v2/products",
        200,
        page(
            vec![json!({"id": 51, "name": "Enterprise Plan", "sku": "ENT-1", "active": true,
                        "max_discount": 10, "max_markup": null, "cost": "12.30", "cost_currency": "USD",
                        "prices": [{"amount": "1500.00", "currency": "USD"}, {"amount": 1400, "currency": "EUR"}]})],
            "product",
            "/v2/products",
            None,
        ),
    )
    .await;
    mount(
        &server,
        "GET",
        "/v2/accounts/self",
        200,
        single(
            json!({"id": 1, "name": "Design Services Company", "currency": "USD",
                   "time_format": "12H", "timezone": "UTC-05:00", "phone": "508-778-6516",
                   "subdomain": "designservices"}),
            "account",
        ),
    )
    .await;
    let sell = client(&server);

    let pipelines = sell
        .list_pipelines()
        .disabled(false)
        .name("My Pipeline")
        .sort_by("name:desc")
        .per_page(20u32)
        .send()
        .await
        .expect("pipelines");
    assert_eq!(
        pipelines.items().next().and_then(|p| p.name.as_deref()),
        Some("Sales pipeline")
    );
    let stages = sell
        .list_stages()
        .pipeline_id(1)
        .active(true)
        .sort_by("position:desc")
        .send()
        .await
        .expect("stages")
        .into_items();
    assert_eq!(stages[1].likelihood, Some(100));
    assert_eq!(stages[1].extra.get("color"), Some(&json!("#00ff00")));
    let products = sell
        .list_products()
        .sku("ENT-1")
        .active(true)
        .send()
        .await
        .expect("products")
        .into_items();
    assert_eq!(products[0].cost, Some(DecimalAmount::Text("12.30".into())));
    let prices = products[0].prices.as_ref().expect("prices");
    assert_eq!(
        prices[0].amount,
        Some(DecimalAmount::Text("1500.00".into()))
    );
    assert_eq!(prices[1].amount, Some(DecimalAmount::Number(1400.0)));
    assert_eq!(products[0].max_markup, None);
    let account = sell
        .get_account_self()
        .send()
        .await
        .expect("account")
        .into_data();
    assert_eq!(account.timezone.as_deref(), Some("UTC-05:00"));
    assert_eq!(
        account.extra.get("subdomain"),
        Some(&json!("designservices"))
    );

    let all = requests(&server).await;
    assert_eq!(
        query(&all[0]),
        pairs(&[
            ("disabled", "false"),
            ("name", "My Pipeline"),
            ("sort_by", "name:desc"),
            ("per_page", "20"),
        ])
    );
    assert_eq!(
        query(&all[1]),
        pairs(&[
            ("pipeline_id", "1"),
            ("active", "true"),
            ("sort_by", "position:desc"),
        ])
    );
    assert_eq!(
        query(&all[2]),
        pairs(&[("sku", "ENT-1"), ("active", "true")])
    );
    assert!(all[3].url.query().is_none());
}

#[tokio::test]
async fn custom_field_definitions_for_every_resource_type() {
    let server = MockServer::start().await;
    let definitions = |resource: &str| {
        page(
            vec![
                json!({"id": 1, "name": "known_via", "type": "string", "resource_type": resource,
                       "for_contact": true, "for_organisation": false}),
                json!({"id": 2, "name": "tier", "type": "list", "resource_type": resource,
                       "choices": [{"id": 10, "name": "Gold"}, {"id": 11, "name": "Silver"}]}),
                json!({"id": 3, "name": "geo", "type": "geo_point", "resource_type": resource,
                       "searchable": true}),
            ],
            "custom_field",
            "/v2/x/custom_fields",
            None,
        )
    };
    for resource in ["contact", "lead", "deal", "prospect_and_customer"] {
        mount(
            &server,
            "GET",
            &format!("/v2/{resource}/custom_fields"),
            200,
            definitions(resource),
        )
        .await;
    }
    let sell = client(&server);
    let contact = sell
        .list_contact_custom_fields()
        .send()
        .await
        .expect("contact")
        .into_items();
    assert_eq!(
        contact[0].type_,
        Some(CustomFieldType::Known(CustomFieldTypeKnown::String))
    );
    assert_eq!(contact[0].for_contact, Some(true));
    assert_eq!(
        contact[1].choices.as_ref().map(|c| c[0].name.clone()),
        Some(Some("Gold".to_owned()))
    );
    assert!(
        matches!(&contact[2].type_, Some(CustomFieldType::Unknown(t)) if t.as_str() == "geo_point")
    );
    assert_eq!(contact[2].extra.get("searchable"), Some(&json!(true)));
    let lead = sell.list_lead_custom_fields().send().await.expect("lead");
    assert_eq!(
        lead.items().next().and_then(|f| f.resource_type.clone()),
        Some(CustomFieldResourceType::Known(
            CustomFieldResourceTypeKnown::Lead
        ))
    );
    sell.list_deal_custom_fields().send().await.expect("deal");
    let prospects = sell
        .list_prospect_and_customer_custom_fields()
        .send()
        .await
        .expect("prospect_and_customer");
    assert_eq!(
        prospects
            .items()
            .next()
            .and_then(|f| f.resource_type.clone()),
        Some(CustomFieldResourceType::Known(
            CustomFieldResourceTypeKnown::ProspectAndCustomer
        ))
    );
    assert_eq!(requests(&server).await.len(), 4);
}

// ---------------------------------------------------------------- Firehose

fn event(data: Value, kind: &str, event_type: &str, sequence: i64) -> Value {
    json!({
        "data": data,
        "meta": {"type": kind, "sequence": sequence, "event_type": event_type,
                 "event_cause": "interaction", "event_id": format!("evt-{kind}-{sequence}"),
                 "event_time": "2017-09-25T13:52:42Z"}
    })
}

fn stream_page(items: Vec<Value>, position: &str, top: bool) -> Value {
    json!({
        "items": items,
        "meta": {"position": position, "top": top,
                 "links": {"next": format!("https://api.getbase.com/v3/x/stream?position={position}")}}
    })
}

const POSITION: &str = "ZmlyZWhvc2UuZmFjdG9pZC5jb250YWN0LnNuYXBzaG90cywxLDMwNTQ5Mg==";

#[tokio::test]
async fn deal_stream_decodes_events_of_several_types_and_follows_the_position() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v3/deals/stream"))
        .and(wiremock::matchers::query_param("position", "tail"))
        .respond_with(ResponseTemplate::new(200).set_body_json(stream_page(
            vec![
                event(
                    json!({"id": 1, "owner_id": 238218, "creator_id": 238218, "name": "Website Redesign",
                           "value": "10.25", "currency": "EUR", "hot": false, "stage_id": 1,
                           "estimated_close_date": null, "tags": [],
                           "custom_field_values": [
                               {"id": "7", "name": "external_id", "type": "string", "value": "SKU01"},
                               {"id": 8, "name": "seats", "type": "number", "value": 25},
                               {"id": 9, "name": "territory", "type": "territory", "value": null}
                           ],
                           "created_at": "2017-09-25T13:52:40Z", "pipeline_id": 3}),
                    "deal",
                    "created",
                    1,
                ),
                event(
                    json!({"id": 1, "value": 12.5, "stage_id": 2}),
                    "deal",
                    "updated",
                    2,
                ),
                event(json!({"id": 1}), "deal", "deleted", 3),
                event(json!({"id": 2}), "deal", "archived", 1),
            ],
            POSITION,
            false,
        )))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v3/deals/stream"))
        .and(wiremock::matchers::query_param("position", POSITION))
        .respond_with(ResponseTemplate::new(200).set_body_json(stream_page(
            vec![],
            "next-pos",
            true,
        )))
        .expect(1)
        .mount(&server)
        .await;
    let sell = client(&server);

    let first = sell
        .stream_deals()
        .position("tail")
        .limit(100u32)
        .send()
        .await
        .expect("first page");
    assert_eq!(first.position(), POSITION);
    assert!(!first.is_top());
    let events: Vec<_> = first.events().collect();
    assert_eq!(events.len(), 4);
    let (created, meta) = events[0];
    assert_eq!(
        meta.event_type,
        FirehoseEventType::Known(FirehoseEventTypeKnown::Created)
    );
    assert_eq!(
        meta.event_cause,
        Some(FirehoseEventCause::Known(
            FirehoseEventCauseKnown::Interaction
        ))
    );
    assert_eq!(meta.sequence, Some(1));
    assert_eq!(meta.type_, "deal");
    assert_eq!(meta.event_time, Some(date("2017-09-25T13:52:42Z")));
    assert_eq!(created.value, Some(DealValue::Text("10.25".into())));
    assert_eq!(created.extra.get("pipeline_id"), Some(&json!(3)));
    let values = created.custom_field_values.as_ref().expect("values");
    assert_eq!(values[0].id, Some(FlexibleId::Text("7".into())));
    assert_eq!(
        values[0].value,
        Some(CustomFieldValue::Text("SKU01".into()))
    );
    assert_eq!(values[1].id, Some(FlexibleId::Number(8)));
    assert_eq!(values[1].value, Some(CustomFieldValue::Number(25.0)));
    assert!(
        matches!(&values[2].type_, Some(CustomFieldType::Unknown(t)) if t.as_str() == "territory")
    );
    assert_eq!(values[2].value, None);
    assert_eq!(events[1].0.value, Some(DealValue::Number(12.5)));
    assert_eq!(
        events[2].1.event_type,
        FirehoseEventType::Known(FirehoseEventTypeKnown::Deleted)
    );
    assert!(
        matches!(&events[3].1.event_type, FirehoseEventType::Unknown(t) if t.as_str() == "archived")
    );

    // The next call passes the opaque position back; the top is reached.
    let second = sell
        .stream_deals()
        .position(first.position())
        .limit(100u32)
        .send()
        .await
        .expect("second page");
    assert!(second.is_top());
    assert_eq!(second.events().count(), 0);

    let all = requests(&server).await;
    assert_eq!(
        query(&all[0]),
        pairs(&[("position", "tail"), ("limit", "100")])
    );
    assert_eq!(
        query(&all[1]),
        pairs(&[("position", POSITION), ("limit", "100")])
    );
}

#[tokio::test]
async fn every_other_stream_decodes_its_records() {
    let server = MockServer::start().await;
    let streams: Vec<(&str, Value)> = vec![
        (
            "contacts",
            event(
                json!({"id": 1, "is_organization": false, "first_name": "Mark", "last_name": "Johnson",
                       "customer_status": "current", "prospect_status": "none",
                       "address": {"city": "Hyannis"}, "tags": ["vip"],
                       "custom_field_values": [{"id": 3, "name": "known_via", "type": "string", "value": "tom"}]}),
                "contact",
                "updated",
                4,
            ),
        ),
        (
            "custom_fields",
            event(
                json!({"id": 5, "name": "known_via", "type": "string", "resource_type": "contact"}),
                "custom_field",
                "created",
                1,
            ),
        ),
        (
            "leads",
            event(
                json!({"id": 11, "first_name": "Mark", "status": "New", "source_id": 3}),
                "lead",
                "created",
                1,
            ),
        ),
        (
            "notes",
            event(
                json!({"id": 21, "content": "Call back", "resource_type": "deal", "resource_id": 9}),
                "note",
                "created",
                1,
            ),
        ),
        (
            "orders",
            event(
                json!({"id": 31, "deal_id": "12", "discount": 5}),
                "order",
                "updated",
                2,
            ),
        ),
        (
            "products",
            event(
                json!({"id": 51, "name": "Enterprise Plan", "cost": "12.30",
                       "prices": [{"amount": "1500.00", "currency": "USD"}]}),
                "product",
                "created",
                1,
            ),
        ),
        (
            "stages",
            event(
                json!({"id": 7, "name": "Incoming", "category": "incoming", "position": 1, "pipeline_id": 1}),
                "stage",
                "updated",
                3,
            ),
        ),
        (
            "tasks",
            event(
                json!({"id": 41, "account_id": 1, "content": "Contact Tom", "completed": true,
                       "completed_at": "2017-09-26T08:00:00Z", "reminder_offset": 15,
                       "resource_type": "lead", "resource_id": 11}),
                "task",
                "updated",
                2,
            ),
        ),
        (
            "calls",
            event(
                json!({"id": 61, "duration": 120, "outcome_id": 2}),
                "call",
                "created",
                1,
            ),
        ),
    ];
    for (resource, item) in &streams {
        Mock::given(method("GET"))
            .and(path(format!("/v3/{resource}/stream")))
            .respond_with(ResponseTemplate::new(200).set_body_json(stream_page(
                vec![item.clone()],
                POSITION,
                true,
            )))
            .expect(1)
            .mount(&server)
            .await;
    }
    let sell = client(&server);

    let contacts = sell.stream_contacts().position("top").send().await.unwrap();
    let (contact, meta) = contacts.events().next().unwrap();
    assert_eq!(
        meta.event_type,
        FirehoseEventType::Known(FirehoseEventTypeKnown::Updated)
    );
    assert_eq!(contact.first_name.as_deref(), Some("Mark"));
    assert_eq!(
        contact.customer_status,
        Some(CustomerStatus::Known(CustomerStatusKnown::Current))
    );
    assert_eq!(
        contact.address.as_ref().and_then(|a| a.city.as_deref()),
        Some("Hyannis")
    );
    assert!(contacts.is_top());

    let fields = sell
        .stream_custom_fields()
        .position(POSITION)
        .send()
        .await
        .unwrap()
        .into_records();
    assert_eq!(fields[0].name.as_deref(), Some("known_via"));
    let leads = sell
        .stream_leads()
        .position("tail")
        .send()
        .await
        .unwrap()
        .into_records();
    assert_eq!(leads[0].status.as_deref(), Some("New"));
    let notes = sell
        .stream_notes()
        .position("tail")
        .send()
        .await
        .unwrap()
        .into_records();
    assert_eq!(
        notes[0].resource_type,
        Some(NoteResourceType::Known(NoteResourceTypeKnown::Deal))
    );
    let orders = sell
        .stream_orders()
        .position("tail")
        .send()
        .await
        .unwrap()
        .into_records();
    assert_eq!(orders[0].deal_id, Some(FlexibleId::Text("12".into())));
    assert_eq!(orders[0].discount, Some(5.0));
    let products = sell
        .stream_products()
        .position("tail")
        .send()
        .await
        .unwrap()
        .into_records();
    assert_eq!(products[0].cost, Some(DecimalAmount::Text("12.30".into())));
    let stages = sell
        .stream_stages()
        .position("tail")
        .send()
        .await
        .unwrap()
        .into_records();
    assert_eq!(stages[0].pipeline_id, Some(1));
    let tasks = sell
        .stream_tasks()
        .position("tail")
        .send()
        .await
        .unwrap()
        .into_records();
    assert_eq!(tasks[0].reminder_offset, Some(15));
    assert_eq!(tasks[0].completed_at, Some(date("2017-09-26T08:00:00Z")));

    // Any stream by name: the data stays a JSON object.
    let calls = sell
        .stream_resource()
        .resource("calls")
        .position("tail")
        .limit(10u32)
        .send()
        .await
        .unwrap();
    let (call, meta) = calls.events().next().unwrap();
    assert_eq!(meta.type_, "call");
    assert_eq!(call.0["duration"], json!(120));

    let all = requests(&server).await;
    assert_eq!(all.len(), 9);
    assert_eq!(query(&all[0]), pairs(&[("position", "top")]));
    assert_eq!(query(&all[1]), pairs(&[("position", POSITION)]));
    assert_eq!(
        query(&all[8]),
        pairs(&[("position", "tail"), ("limit", "10")])
    );
}

#[tokio::test]
async fn an_expired_firehose_position_is_a_typed_410() {
    let server = MockServer::start().await;
    mount(
        &server,
        "GET",
        "/v3/contacts/stream",
        410,
        json!({"errors": [{"error": {"code": "position_expired", "message": "Position is older than 72 hours"}}],
               "meta": {"type": "errors", "http_status": "410 Gone"}}),
    )
    .await;
    let err = client(&server)
        .stream_contacts()
        .position("b2xkLXBvc2l0aW9u")
        .send()
        .await
        .expect_err("410");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(410));
    assert!(
        matches!(err, ApiError::Status { body: Some(ref b), .. } if b.summary().starts_with("position_expired"))
    );
}

// ---------------------------------------------------------------- raw request

#[tokio::test]
async fn raw_requests_go_through_the_same_hook_and_decode_json() {
    let server = MockServer::start().await;
    mount(
        &server,
        "GET",
        "/v2/calls",
        200,
        json!({"items": [{"data": {"id": 61, "duration": 120}}], "meta": {"type": "collection", "count": 1}}),
    )
    .await;
    mount(&server, "POST", "/v2/tasks", 201, single(task(), "task")).await;
    mount_no_content(&server, "DELETE", "/v2/tasks/41").await;
    let sell = client(&server);

    let calls = sell
        .raw_request(
            RawRequest::get("/v2/calls")
                .query("per_page", "100")
                .query("sort_by", "made_at:desc")
                .timeout(Duration::from_secs(5)),
        )
        .await
        .expect("listed");
    assert_eq!(calls.status(), 200);
    assert_eq!(calls["items"][0]["data"]["duration"], json!(120));

    let created = sell
        .raw_request(
            RawRequest::post("/v2/tasks")
                .json(json!({"data": {"content": "Contact Tom", "resource_type": "lead", "resource_id": 11}}))
                .header(
                    reqwest::header::HeaderName::from_static("x-trace"),
                    reqwest::header::HeaderValue::from_static("abc"),
                ),
        )
        .await
        .expect("created");
    assert_eq!(created.status(), 201);
    assert_eq!(created["data"]["id"], json!(41));

    let deleted = sell
        .raw_request(RawRequest::delete("/v2/tasks/41"))
        .await
        .expect("deleted");
    assert_eq!(deleted.status(), 204);
    assert_eq!(*deleted, Value::Null);

    let all = requests(&server).await;
    assert_eq!(
        query(&all[0]),
        pairs(&[("per_page", "100"), ("sort_by", "made_at:desc")])
    );
    assert_eq!(all[1].method.as_str(), "POST");
    assert_eq!(header(&all[1], "content-type"), "application/json");
    assert_eq!(header(&all[1], "x-trace"), "abc");
    assert_eq!(
        json_body(&all[1]),
        json!({"data": {"content": "Contact Tom", "resource_type": "lead", "resource_id": 11}})
    );
    assert_eq!(all[2].method.as_str(), "DELETE");
}

#[tokio::test]
async fn raw_request_errors_keep_the_status_and_sells_envelope() {
    let server = MockServer::start().await;
    mount(&server, "PUT", "/v2/contacts/1", 422, validation_error()).await;
    Mock::given(method("GET"))
        .and(path("/v2/html"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>hi</html>"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/broken"))
        .respond_with(ResponseTemplate::new(404).set_body_string("<html>Not Found</html>"))
        .expect(1)
        .mount(&server)
        .await;
    let sell = client(&server);

    let err = sell
        .raw_request(RawRequest::put("/v2/contacts/1").json(json!({"data": {"last_name": ""}})))
        .await
        .expect_err("422");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(422));
    let envelope = err.error_response().expect("parsed envelope");
    assert_eq!(
        envelope.errors[0].error.code,
        ErrorCode::Known(ErrorCodeKnown::Blank)
    );
    assert_eq!(
        err.to_string(),
        "raw_request PUT /v2/contacts/1: HTTP 422: blank: can't be blank (/data/last_name)"
    );

    let err = sell
        .raw_request(RawRequest::get("/v2/html"))
        .await
        .expect_err("not JSON");
    assert!(
        matches!(err, RawError::Decode { ref body, .. } if body.as_ref() == b"<html>hi</html>")
    );

    let err = sell
        .raw_request(RawRequest::get("/v2/broken"))
        .await
        .expect_err("404");
    assert!(
        matches!(err, RawError::Api { error: None, ref body, .. } if body.as_ref() == b"<html>Not Found</html>")
    );
    assert_eq!(
        err.to_string(),
        "raw_request GET /v2/broken: HTTP 404: Not Found"
    );
    assert_eq!(requests(&server).await.len(), 3);
}

#[tokio::test]
async fn raw_requests_never_leave_the_base_url() {
    let server = MockServer::start().await;
    let sell = client(&server);
    for target in [
        "https://evil.example/v2/tasks",
        "//evil.example/v2/tasks",
        "v2/tasks",
        "/v2/tasks?page=2",
    ] {
        let err = sell
            .raw_request(RawRequest::get(target))
            .await
            .expect_err("refused");
        assert!(
            matches!(&err, RawError::InvalidPath { path, .. } if path == target),
            "{target}: {err:?}"
        );
        assert!(err.to_string().contains("nothing was sent"), "{err}");
    }
    let received = server.received_requests().await.expect("recording");
    assert!(received.is_empty(), "nothing may be sent: {received:?}");
}

// ---------------------------------------------------------------- construction and secrets

#[test]
fn the_token_never_appears_in_debug_output() {
    let sell = Client::with_token(TOKEN).expect("builds");
    let shown = format!("{sell:?}");
    assert!(!shown.contains(TOKEN), "{shown}");
    assert!(shown.contains("https://api.getbase.com"), "{shown}");
    let shown = format!("{:?}", sell.runtime());
    assert!(!shown.contains(TOKEN), "{shown}");
    let config = Client::config(Auth::bearer(TOKEN));
    let shown = format!("{config:?}");
    assert!(!shown.contains(TOKEN), "{shown}");
    assert!(config.user_agent().starts_with("zendesk-sell-api/"));
    assert_eq!(config.base_url(), zendesk_sell_api::DEFAULT_BASE_URL);
    assert_eq!(config.rate_limit(), zendesk_sell_api::default_rate_limit());
    assert_eq!(config.rate_limit().per_hour.map(|n| n.get()), Some(36_000));
}

#[test]
fn a_token_that_cannot_be_a_header_is_a_typed_error() {
    let err = Client::with_token("line\nbreak").expect_err("refused");
    assert!(!err.to_string().contains("line\nbreak"));
}
