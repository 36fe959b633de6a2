//! Every Gong operation against a real HTTP server on loopback (wiremock):
//! the request the client sends is asserted (method, path, query, JSON body,
//! auth header, multipart part) and realistic answers are decoded, including
//! unknown fields, nulls, unknown enum values and typed error bodies.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests panic on failure"
)]
#![allow(deprecated)] // the legacy operations are exercised on purpose

use gong_crm_api::types::{
    CrmObjectType, CrmQueryObjectType, FieldType, FieldTypeKnown, GenericCrmRegistrationRequest,
    GenericDealStageRequest, GenericSchemaFieldRequest, LegacyCrmObjectType,
    LegacySchemaFieldRequest, ReferenceObjectType, ReferenceObjectTypeKnown, RequestStatus,
    RequestStatusKnown,
};
use gong_crm_api::{ApiError, Auth, Client, LdjsonFile, MAX_UPLOAD_BYTES, UploadError};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// An integration id above 2^53: it must survive as an exact i64.
const BIG_ID: i64 = 6_286_478_263_646_123_457;
const BASIC: &str = "Basic YWNjZXNzLWtleTpzM2NyZXQ="; // base64("access-key:s3cret")

async fn server_with(verb: &str, route: &str, status: u16, body: Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method(verb))
        .and(path(route))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .expect(1)
        .mount(&server)
        .await;
    server
}

fn client(server: &MockServer) -> Client {
    Client::from_config(
        Client::config(Auth::basic("access-key", "s3cret")).with_base_url(server.uri()),
    )
    .expect("client builds")
}

/// The one request the server received.
async fn only_request(server: &MockServer) -> Request {
    let mut requests = server.received_requests().await.expect("recording is on");
    assert_eq!(requests.len(), 1, "expected exactly one request");
    requests.remove(0)
}

fn query(request: &Request) -> Vec<(String, String)> {
    request
        .url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
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

#[tokio::test]
async fn list_integrations_keeps_int64_ids_and_ignores_unknown_fields() {
    let server = server_with(
        "GET",
        "/v2/crm/integrations",
        200,
        json!({
            "requestId": "4al018gzaztcr8nbukw",
            "integrations": [{
                "integrationId": BIG_ID,
                "ownerEmail": "jane.admin@acme.com",
                "name": "Acme CRM",
                "createdAt": "2024-01-01T00:00:00Z"
            }],
            "someFutureField": {"nested": [1, 2, 3]}
        }),
    )
    .await;
    let answer = client(&server)
        .list_generic_crm_integration()
        .send()
        .await
        .expect("decodes");
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.request_id.as_deref(), Some("4al018gzaztcr8nbukw"));
    assert_eq!(answer.integrations.len(), 1);
    assert_eq!(answer.integrations[0].integration_id, Some(BIG_ID));
    assert_eq!(answer.integrations[0].name.as_deref(), Some("Acme CRM"));

    let request = only_request(&server).await;
    assert_eq!(request.method.as_str(), "GET");
    assert_eq!(header(&request, "authorization"), BASIC);
    assert_eq!(header(&request, "accept"), "application/json");
    assert!(header(&request, "user-agent").starts_with("gong-crm-api/"));
    assert!(
        request.headers.get("api-version").is_none(),
        "progenitor's api-version header is not sent"
    );
}

#[tokio::test]
async fn register_integration_sends_the_body_and_decodes_the_id() {
    let server = server_with(
        "PUT",
        "/v2/crm/integrations",
        200,
        json!({"requestId": "r1", "integrationId": BIG_ID}),
    )
    .await;
    let answer = client(&server)
        .register_generic_crm_integration()
        .body(GenericCrmRegistrationRequest {
            owner_email: "jane.admin@acme.com".into(),
            name: "Acme CRM".into(),
        })
        .send()
        .await
        .expect("decodes");
    assert_eq!(answer.integration_id, Some(BIG_ID));

    let request = only_request(&server).await;
    assert_eq!(request.method.as_str(), "PUT");
    assert_eq!(header(&request, "content-type"), "application/json");
    assert_eq!(
        json_body(&request),
        json!({"ownerEmail": "jane.admin@acme.com", "name": "Acme CRM"})
    );
}

#[tokio::test]
async fn delete_integration_sends_query_parameters() {
    let server = server_with(
        "DELETE",
        "/v2/crm/integrations",
        201,
        json!({"requestId": "r2", "clientRequestId": "del-1"}),
    )
    .await;
    let answer = client(&server)
        .delete_generic_crm_integration()
        .integration_id(BIG_ID)
        .client_request_id(
            "del-1"
                .parse::<gong_crm_api::types::ClientRequestId>()
                .expect("valid id"),
        )
        .send()
        .await
        .expect("decodes");
    assert_eq!(answer.client_request_id.as_deref(), Some("del-1"));

    let request = only_request(&server).await;
    let mut q = query(&request);
    q.sort();
    assert_eq!(
        q,
        vec![
            ("clientRequestId".to_owned(), "del-1".to_owned()),
            ("integrationId".to_owned(), BIG_ID.to_string()),
        ]
    );
    assert_eq!(header(&request, "authorization"), BASIC);
}

#[tokio::test]
async fn get_objects_is_a_get_with_a_json_body_and_decodes_null_values() {
    let server = server_with(
        "GET",
        "/v2/crm/entities",
        200,
        json!({
            "requestId": "r3",
            "crmObjectsMap": {
                "1234": {"objectId": "1234", "name": "Deal name", "amount": 7000, "custom_field_2": null},
                "8765": null
            }
        }),
    )
    .await;
    let answer = client(&server)
        .get_crm_objects()
        .integration_id(BIG_ID)
        .object_type(CrmQueryObjectType::Deal)
        .body(vec!["1234".to_owned(), "8765".to_owned()])
        .send()
        .await
        .expect("decodes");
    let found = answer.crm_objects_map.get("1234").expect("key present");
    let fields = found.0.as_ref().expect("object found");
    assert_eq!(fields.get("amount"), Some(&json!(7000)));
    assert_eq!(fields.get("custom_field_2"), Some(&Value::Null));
    assert_eq!(
        answer.crm_objects_map.get("8765").map(|v| v.0.is_none()),
        Some(true)
    );

    let request = only_request(&server).await;
    assert_eq!(request.method.as_str(), "GET");
    assert_eq!(json_body(&request), json!(["1234", "8765"]));
    let mut q = query(&request);
    q.sort();
    assert_eq!(
        q,
        vec![
            ("integrationId".to_owned(), BIG_ID.to_string()),
            ("objectType".to_owned(), "DEAL".to_owned()),
        ]
    );
}

#[tokio::test]
async fn request_status_decodes_line_errors_and_unknown_statuses() {
    let server = server_with(
        "GET",
        "/v2/crm/request-status",
        200,
        json!({
            "requestId": "r4",
            "status": "FAILED",
            "errors": [{"line": 3, "description": "objectId: too long"}, {"line": 0, "description": null}],
            "totalErrorCount": 2,
            "totalSuccessCount": 40
        }),
    )
    .await;
    let answer = client(&server)
        .get_request_status()
        .integration_id(BIG_ID)
        .client_request_id(
            "up-1"
                .parse::<gong_crm_api::types::ClientRequestId>()
                .expect("valid"),
        )
        .send()
        .await
        .expect("decodes");
    assert_eq!(
        answer.status,
        Some(RequestStatus::Known(RequestStatusKnown::Failed))
    );
    assert_eq!(answer.errors.len(), 2);
    assert_eq!(answer.errors[0].line, Some(3));
    assert_eq!(answer.errors[1].description, None);
    assert_eq!(answer.total_success_count, Some(40));
    let request = only_request(&server).await;
    assert!(query(&request).contains(&("clientRequestId".to_owned(), "up-1".to_owned())));

    // A status Gong adds later still decodes.
    let server = server_with(
        "GET",
        "/v2/crm/request-status",
        200,
        json!({"status": "ARCHIVED"}),
    )
    .await;
    let answer = client(&server)
        .get_request_status()
        .integration_id(1)
        .client_request_id(
            "up-2"
                .parse::<gong_crm_api::types::ClientRequestId>()
                .expect("valid"),
        )
        .send()
        .await
        .expect("an unknown status decodes");
    assert!(
        matches!(&answer.status, Some(RequestStatus::Unknown(s)) if s.as_str() == "ARCHIVED"),
        "{:?}",
        answer.status
    );
}

#[tokio::test]
async fn schema_fields_decode_the_seed_example_with_nulls_and_new_types() {
    let server = server_with(
        "GET",
        "/v2/crm/entity-schema",
        200,
        json!({
            "requestId": "afjkzqkqglog7ueki5",
            "objectTypeToSelectedFields": {
                "ACCOUNT": [
                    {"name": "accountTypePicklist", "label": "Account Type", "type": "PICKLIST",
                     "lastModified": null, "isDeleted": false, "referenceTo": null, "orderedValueList": null},
                    {"name": "geo", "label": "Geo", "type": "GEOLOCATION",
                     "lastModified": "2020-11-11T08:11:34+01:00", "isDeleted": false,
                     "referenceTo": null, "orderedValueList": ["a"]}
                ]
            }
        }),
    )
    .await;
    let answer = client(&server)
        .list_crm_schema_fields()
        .integration_id(BIG_ID)
        .object_type(CrmQueryObjectType::Account)
        .send()
        .await
        .expect("decodes");
    let fields = &answer.object_type_to_selected_fields["ACCOUNT"];
    assert_eq!(
        fields[0].type_,
        Some(FieldType::Known(FieldTypeKnown::Picklist))
    );
    assert_eq!(fields[0].last_modified, None);
    assert!(
        matches!(&fields[1].type_, Some(FieldType::Unknown(s)) if s.as_str() == "GEOLOCATION"),
        "{:?}",
        fields[1].type_
    );
    assert_eq!(
        fields[1].last_modified.as_deref(),
        Some("2020-11-11T08:11:34+01:00"),
        "kept as Gong wrote it (a plain string)"
    );
    let request = only_request(&server).await;
    assert!(query(&request).contains(&("objectType".to_owned(), "ACCOUNT".to_owned())));

    // objectType is optional: omitted, it is not sent.
    let server = server_with("GET", "/v2/crm/entity-schema", 200, json!({})).await;
    client(&server)
        .list_crm_schema_fields()
        .integration_id(BIG_ID)
        .send()
        .await
        .expect("decodes an empty object");
    let request = only_request(&server).await;
    assert_eq!(
        query(&request),
        vec![("integrationId".to_owned(), BIG_ID.to_string())]
    );
}

#[tokio::test]
async fn upload_schema_fields_sends_the_seed_example() {
    let server = server_with(
        "POST",
        "/v2/crm/entity-schema",
        201,
        json!({"requestId": "r5"}),
    )
    .await;
    let fields = vec![
        GenericSchemaFieldRequest {
            unique_name: "parentAccount".into(),
            label: "Main Account".into(),
            type_: FieldType::Known(FieldTypeKnown::Reference),
            reference_to: Some(ReferenceObjectType::Known(
                ReferenceObjectTypeKnown::Account,
            )),
            last_modified: Some("2020-11-11T08:11:34+01:00".parse().expect("date")),
            is_deleted: None,
            ordered_value_list: vec![],
        },
        GenericSchemaFieldRequest {
            unique_name: "category".into(),
            label: "Category".into(),
            type_: FieldType::Known(FieldTypeKnown::Picklist),
            reference_to: None,
            last_modified: None,
            is_deleted: Some(false),
            ordered_value_list: vec!["Analyst".into(), "Investor".into()],
        },
    ];
    let answer = client(&server)
        .upload_crm_schema_field()
        .integration_id(BIG_ID)
        .object_type(CrmQueryObjectType::Account)
        .body(fields)
        .send()
        .await
        .expect("decodes");
    assert_eq!(answer.request_id.as_deref(), Some("r5"));
    let request = only_request(&server).await;
    assert_eq!(
        json_body(&request),
        json!([
            {"uniqueName": "parentAccount", "label": "Main Account", "type": "REFERENCE",
             "referenceTo": "ACCOUNT", "lastModified": "2020-11-11T07:11:34Z"},
            {"uniqueName": "category", "label": "Category", "type": "PICKLIST",
             "isDeleted": false, "orderedValueList": ["Analyst", "Investor"]}
        ])
    );
}

#[tokio::test]
async fn documented_errors_are_typed_and_keep_request_id_and_messages() {
    let server = server_with(
        "PUT",
        "/v2/crm/integrations",
        409,
        json!({"requestId": "err-409", "errors": ["An integration already exists"]}),
    )
    .await;
    let err = client(&server)
        .register_generic_crm_integration()
        .body(GenericCrmRegistrationRequest {
            owner_email: "a@b.c".into(),
            name: "n".into(),
        })
        .send()
        .await
        .expect_err("409 is an error");
    // One step, one type: the operation, the status and Gong's parsed body.
    match err {
        ApiError::Status {
            operation: "register_generic_crm_integration",
            status,
            body: Some(body),
            ..
        } => {
            assert_eq!(status, 409);
            assert_eq!(body.request_id.as_deref(), Some("err-409"));
            assert_eq!(
                body.errors,
                vec!["An integration already exists".to_owned()]
            );
        }
        other => panic!("expected a typed error body, got {other:?}"),
    }

    let server = server_with(
        "GET",
        "/v2/crm/integrations",
        401,
        json!({"requestId": "err-401", "errors": ["Access denied"]}),
    )
    .await;
    let err = client(&server)
        .list_generic_crm_integration()
        .send()
        .await
        .expect_err("401");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert!(
        matches!(&err, ApiError::Status { body: Some(b), .. } if b.errors == ["Access denied"])
    );
}

#[tokio::test]
async fn bearer_auth_is_sent_and_never_printed() {
    let server = server_with("GET", "/v2/crm/integrations", 200, json!({})).await;
    let client = Client::from_config(
        Client::config(Auth::bearer("oauth-t0ken-value")).with_base_url(server.uri()),
    )
    .expect("builds");
    assert!(!format!("{client:?}").contains("oauth-t0ken-value"));
    client
        .list_generic_crm_integration()
        .send()
        .await
        .expect("decodes an empty object");
    let request = only_request(&server).await;
    assert_eq!(
        header(&request, "authorization"),
        "Bearer oauth-t0ken-value"
    );
}

#[test]
fn basic_auth_client_debug_hides_key_and_secret() {
    let client =
        Client::with_basic_auth("AK-visible-nowhere", "SECRET-visible-nowhere").expect("builds");
    let shown = format!("{client:?}");
    assert!(!shown.contains("AK-visible-nowhere"), "{shown}");
    assert!(!shown.contains("SECRET-visible-nowhere"), "{shown}");
    assert!(shown.contains("https://api.gong.io"), "{shown}");
}

/// The multipart request Gong received: (part name, file name, content type, bytes).
async fn multipart_part(request: &Request) -> (String, String, String, Vec<u8>) {
    let content_type = header(request, "content-type");
    let boundary =
        multer::parse_boundary(content_type).expect("multipart/form-data with a boundary");
    let body = request.body.clone();
    let stream =
        futures::stream::once(async move { Ok::<_, std::io::Error>(bytes::Bytes::from(body)) });
    let mut form = multer::Multipart::new(stream, boundary);
    let field = form.next_field().await.expect("parses").expect("one part");
    let name = field.name().unwrap_or_default().to_owned();
    let file_name = field.file_name().unwrap_or_default().to_owned();
    let part_type = field
        .content_type()
        .map(ToString::to_string)
        .unwrap_or_default();
    let data = field.bytes().await.expect("part body").to_vec();
    assert!(
        form.next_field().await.expect("parses").is_none(),
        "exactly one part"
    );
    (name, file_name, part_type, data)
}

const LDJSON: &str = concat!(
    r#"{"objectId": "5ybyh6n6n65", "modifiedDate": "2019-01-03T23:45:57+01:00", "name": "PBR", "domains": ["pbr.com"]}"#,
    "\n",
    r#"{"objectId": "gfjhty756th", "modifiedDate": "2019-01-03T22:45:57Z", "name": "PBR", "isDeleted": true}"#,
    "\n"
);

#[tokio::test]
async fn upload_sends_one_multipart_ldjson_part_streamed_from_disk() {
    let server = server_with(
        "POST",
        "/v2/crm/entities",
        201,
        json!({"requestId": "r6", "clientRequestId": "acc-2024_06"}),
    )
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let file_path = dir.path().join("accounts.ldjson");
    std::fs::write(&file_path, LDJSON).expect("write");

    let file = LdjsonFile::open(&file_path).await.expect("opens");
    assert_eq!(file.len(), LDJSON.len() as u64);
    let answer = client(&server)
        .upload_crm_data(BIG_ID, CrmObjectType::Account, "acc-2024_06", file)
        .await
        .expect("uploads");
    assert_eq!(answer.status(), 201);
    assert_eq!(answer.client_request_id.as_deref(), Some("acc-2024_06"));

    let request = only_request(&server).await;
    assert_eq!(request.method.as_str(), "POST");
    assert_eq!(header(&request, "authorization"), BASIC);
    assert_eq!(
        query(&request),
        vec![
            ("integrationId".to_owned(), BIG_ID.to_string()),
            ("objectType".to_owned(), "ACCOUNT".to_owned()),
            ("clientRequestId".to_owned(), "acc-2024_06".to_owned()),
        ]
    );
    let (name, file_name, part_type, data) = multipart_part(&request).await;
    assert_eq!(name, "dataFile");
    assert_eq!(file_name, "accounts.ldjson");
    assert_eq!(part_type, "application/x-ndjson");
    assert_eq!(data, LDJSON.as_bytes());
}

#[tokio::test]
async fn upload_errors_keep_gongs_request_id() {
    let server = server_with(
        "POST",
        "/v2/crm/entities",
        409,
        json!({"requestId": "dup", "errors": ["clientRequestId already exists"]}),
    )
    .await;
    let err = client(&server)
        .upload_crm_data(
            BIG_ID,
            CrmObjectType::Deal,
            "same-id",
            LdjsonFile::from_bytes(LDJSON),
        )
        .await
        .expect_err("409");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(409));
    let body = err.error_response().expect("typed body");
    assert_eq!(body.request_id.as_deref(), Some("dup"));
    assert_eq!(
        body.errors,
        vec!["clientRequestId already exists".to_owned()]
    );
    assert!(err.to_string().starts_with("upload_crm_data: "), "{err}");
}

#[tokio::test]
async fn oversize_uploads_and_bad_request_ids_are_refused_before_sending() {
    let server = MockServer::start().await;
    let client = client(&server);

    // A stream that claims one byte more than the limit; it is never polled.
    let never = futures::stream::pending::<Result<bytes::Bytes, std::io::Error>>();
    let err = client
        .upload_crm_data(
            BIG_ID,
            CrmObjectType::Lead,
            "big",
            LdjsonFile::from_stream(never, MAX_UPLOAD_BYTES + 1),
        )
        .await
        .expect_err("too large");
    assert!(
        matches!(err, UploadError::TooLarge { size, limit } if size == MAX_UPLOAD_BYTES + 1 && limit == MAX_UPLOAD_BYTES),
        "{err:?}"
    );

    let err = client
        .upload_crm_data(
            BIG_ID,
            CrmObjectType::Lead,
            "bad id!",
            LdjsonFile::from_bytes(LDJSON),
        )
        .await
        .expect_err("invalid id");
    assert!(
        matches!(err, UploadError::InvalidClientRequestId { ref value, .. } if value == "bad id!")
    );

    let err = LdjsonFile::open("/nonexistent/accounts.ldjson")
        .await
        .expect_err("missing file");
    assert!(matches!(err, UploadError::Io { .. }));

    let received = server.received_requests().await.expect("recording");
    assert!(received.is_empty(), "nothing may be sent: {received:?}");
}

#[tokio::test]
async fn legacy_uploads_use_their_own_paths() {
    let server = server_with(
        "POST",
        "/v2/crm/object/entities",
        201,
        json!({"requestId": "l1"}),
    )
    .await;
    client(&server)
        .legacy_upload_crm_data(
            BIG_ID,
            CrmObjectType::Stage,
            "st-1",
            LdjsonFile::from_bytes(LDJSON),
        )
        .await
        .expect("uploads");
    let request = only_request(&server).await;
    assert!(query(&request).contains(&("objectType".to_owned(), "STAGE".to_owned())));
    assert_eq!(multipart_part(&request).await.0, "dataFile");

    let users = "{\"crmUserId\": \"2356ddfwe32\", \"emailAddress\": \"john@acme.com\"}\n";
    let server = server_with("POST", "/v2/crm/map/users", 201, json!({"requestId": "l2"})).await;
    client(&server)
        .legacy_map_crm_users(BIG_ID, "map-1", LdjsonFile::from_bytes(users))
        .await
        .expect("uploads");
    let request = only_request(&server).await;
    assert_eq!(
        query(&request),
        vec![
            ("integrationId".to_owned(), BIG_ID.to_string()),
            ("clientRequestId".to_owned(), "map-1".to_owned()),
        ]
    );
    assert_eq!(multipart_part(&request).await.3, users.as_bytes());
}

#[tokio::test]
async fn legacy_generated_operations_hit_their_paths() {
    // (method, path, answer) for each older operation, then the call.
    let server = server_with(
        "PUT",
        "/v2/crm/integration/new",
        200,
        json!({"integrationId": BIG_ID}),
    )
    .await;
    let answer = client(&server)
        .legacy_register_generic_crm_integration()
        .body(GenericCrmRegistrationRequest {
            owner_email: "o@acme.com".into(),
            name: "n".into(),
        })
        .send()
        .await
        .expect("decodes");
    assert_eq!(answer.integration_id, Some(BIG_ID));
    assert_eq!(
        json_body(&only_request(&server).await)["ownerEmail"],
        "o@acme.com"
    );

    let server = server_with(
        "GET",
        "/v2/crm/integration/list",
        200,
        json!({"integrations": []}),
    )
    .await;
    let answer = client(&server)
        .legacy_list_generic_crm_integration()
        .send()
        .await
        .expect("decodes");
    assert!(answer.integrations.is_empty());
    only_request(&server).await;

    let server = server_with(
        "DELETE",
        "/v2/crm/integration/delete",
        200,
        json!({"clientRequestId": "d"}),
    )
    .await;
    client(&server)
        .legacy_delete_generic_crm_integration()
        .integration_id(BIG_ID)
        .client_request_id(
            "d".parse::<gong_crm_api::types::ClientRequestId>()
                .expect("valid"),
        )
        .send()
        .await
        .expect("decodes");
    assert_eq!(query(&only_request(&server).await).len(), 2);

    let server = server_with(
        "GET",
        "/v2/crm/object/list",
        200,
        json!({"crmObjectsMap": {"a": null}}),
    )
    .await;
    client(&server)
        .legacy_get_crm_objects()
        .integration_id(BIG_ID)
        .object_type(LegacyCrmObjectType::Contact)
        .body(vec!["a".to_owned()])
        .send()
        .await
        .expect("decodes");
    let request = only_request(&server).await;
    assert_eq!(json_body(&request), json!(["a"]));
    assert!(query(&request).contains(&("objectType".to_owned(), "CONTACT".to_owned())));

    let server = server_with(
        "POST",
        "/v2/crm/object/schema",
        200,
        json!({"requestId": "s"}),
    )
    .await;
    client(&server)
        .legacy_upload_crm_schema_field()
        .integration_id(BIG_ID)
        .object_type(LegacyCrmObjectType::Account)
        .body(vec![LegacySchemaFieldRequest {
            unique_name: "industry".into(),
            is_deleted: Some(true),
            label: None,
            name: None,
            type_: None,
            last_modified: None,
            reference_to: None,
            ordered_value_list: vec![],
        }])
        .send()
        .await
        .expect("decodes");
    assert_eq!(
        json_body(&only_request(&server).await),
        json!([{"uniqueName": "industry", "isDeleted": true}])
    );

    let server = server_with(
        "GET",
        "/v2/crm/object/schema/list",
        200,
        json!({"requestId": "x", "objectTypeToSelectedFields": {"DEAL": [{"name": "f", "type": "CURRENCY", "lastModified": null}]}}),
    )
    .await;
    let answer = client(&server)
        .legacy_list_crm_schema_fields()
        .integration_id(BIG_ID)
        .object_type(LegacyCrmObjectType::Deal)
        .send()
        .await
        .expect("decodes");
    assert_eq!(
        answer.object_type_to_selected_fields["DEAL"][0].type_,
        Some(FieldType::Known(FieldTypeKnown::Currency))
    );
    only_request(&server).await;

    let server = server_with("POST", "/v2/crm/stages", 200, json!({"requestId": "st"})).await;
    client(&server)
        .legacy_upload_stages()
        .integration_id(BIG_ID)
        .body(vec![GenericDealStageRequest {
            internal_name: "discovery".into(),
            name: "Discovery".into(),
            is_active: true,
            sort_order: 1,
        }])
        .send()
        .await
        .expect("decodes");
    assert_eq!(
        json_body(&only_request(&server).await),
        json!([{"internalName": "discovery", "name": "Discovery", "isActive": true, "sortOrder": 1}])
    );
}

#[tokio::test]
async fn send_typed_names_the_operation_and_the_json_path_of_a_bad_answer() {
    let server = server_with(
        "GET",
        "/v2/crm/integrations",
        200,
        json!({"integrations": [{"integrationId": 1}, {"integrationId": "not-a-number"}]}),
    )
    .await;
    let err = client(&server)
        .list_generic_crm_integration()
        .send_typed()
        .await
        .expect_err("the second id is a string");
    match &err {
        gong_crm_api::ApiError::Decode {
            operation,
            path,
            body,
            ..
        } => {
            assert_eq!(*operation, "list_generic_crm_integration");
            assert_eq!(path, "integrations[1].integrationId");
            assert!(
                String::from_utf8_lossy(body).contains("not-a-number"),
                "the body is kept"
            );
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    assert_eq!(
        err.to_string(),
        "list_generic_crm_integration: unexpected response shape at `integrations[1].integrationId`"
    );
}

#[tokio::test]
async fn send_typed_keeps_the_body_of_an_undocumented_status() {
    // 503 is not documented for this operation: progenitor hands back the raw
    // response; send_typed reads its body instead of losing it.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v2/crm/integrations"))
        .respond_with(ResponseTemplate::new(503).set_body_string("upstream overloaded"))
        .mount(&server)
        .await;
    let no_retry = Client::from_config(
        Client::config(Auth::basic("access-key", "s3cret"))
            .with_base_url(server.uri())
            .with_retry(gong_crm_api::RetryPolicy::none()),
    )
    .expect("builds");
    let err = no_retry
        .list_generic_crm_integration()
        .send_typed()
        .await
        .expect_err("503");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(
        err.to_string(),
        "list_generic_crm_integration: HTTP 503 Service Unavailable: upstream overloaded"
    );

    // A documented error keeps Gong's typed body and request id in the message.
    let server = server_with(
        "PUT",
        "/v2/crm/integrations",
        409,
        json!({"requestId": "r-9", "errors": ["exists"]}),
    )
    .await;
    let err = client(&server)
        .register_generic_crm_integration()
        .body(GenericCrmRegistrationRequest {
            owner_email: "a@b.c".into(),
            name: "n".into(),
        })
        .send_typed()
        .await
        .expect_err("409");
    assert_eq!(
        err.body().map(|b| b.errors.clone()),
        Some(vec!["exists".to_owned()])
    );
    assert_eq!(
        err.to_string(),
        "register_generic_crm_integration: HTTP 409 Conflict: exists (request r-9)"
    );
}

#[tokio::test]
async fn unknown_request_ids_and_missing_bodies_are_typed_errors() {
    let server = server_with(
        "GET",
        "/v2/crm/request-status",
        404,
        json!({"requestId": "r404", "errors": ["no such request"]}),
    )
    .await;
    let err = client(&server)
        .get_request_status()
        .integration_id(BIG_ID)
        .client_request_id(
            "nope"
                .parse::<gong_crm_api::types::ClientRequestId>()
                .expect("valid id"),
        )
        .send()
        .await
        .expect_err("404");
    assert!(
        matches!(&err, gong_crm_api::ApiError::Status { status, body: Some(b), .. } if status.as_u16() == 404 && b.errors == ["no such request"]),
        "{err:?}"
    );

    let server = server_with(
        "GET",
        "/v2/crm/entities",
        415,
        json!({"requestId": "r415", "errors": ["Content type '' not supported"]}),
    )
    .await;
    let err = client(&server)
        .get_crm_objects()
        .integration_id(BIG_ID)
        .object_type(CrmQueryObjectType::Account)
        .body(vec![])
        .send_typed()
        .await
        .expect_err("415");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(415));
    assert!(err.to_string().contains("not supported"), "{err}");
}

#[tokio::test]
async fn an_html_error_page_is_an_http_error_with_its_bytes() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v2/crm/integrations"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_raw(b"<html>Bad Request</html>".to_vec(), "text/html"),
        )
        .mount(&server)
        .await;
    let err = client(&server)
        .list_generic_crm_integration()
        .send_typed()
        .await
        .expect_err("400");
    match &err {
        gong_crm_api::ApiError::Status {
            status, body, raw, ..
        } => {
            // 400 is documented with Gong's JSON body; this one is a proxy's page.
            assert_eq!(status.as_u16(), 400);
            assert!(body.is_none());
            assert_eq!(raw.as_ref(), b"<html>Bad Request</html>");
        }
        other => panic!("expected a status error, got {other:?}"),
    }
}
