//! The Gong mock through the generated `gong-crm-api` client over loopback:
//! every operation's answer (errors included) decodes into the generated
//! types, uploads are processed asynchronously with line errors, a reused
//! `clientRequestId` is refused without reprocessing, receipts are counted.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests panic on failure"
)]
#![allow(deprecated)] // the legacy operations are exercised on purpose

mod common;

use std::time::Duration;

use crm_mock::{MockConfig, RunningMock, System};
use gong_crm_api::types::{
    CrmObjectType, CrmQueryObjectType, FieldType, FieldTypeKnown, GenericCrmRegistrationRequest,
    GenericDealStageRequest, GenericSchemaFieldRequest, LegacyCrmObjectType,
    LegacySchemaFieldRequest, RequestStatus, RequestStatusKnown,
};
use gong_crm_api::{ApiError, LdjsonFile};
use zendesk_sell_api::{Auth, RetryPolicy};

async fn start(config: MockConfig) -> (RunningMock, gong_crm_api::Client) {
    let mock = RunningMock::start(System::Gong, config).await.unwrap();
    let client = common::gong(&mock);
    (mock, client)
}

async fn register(client: &gong_crm_api::Client) -> i64 {
    client
        .register_generic_crm_integration()
        .body(GenericCrmRegistrationRequest {
            owner_email: "jane.admin@acme.com".into(),
            name: "Acme CRM".into(),
        })
        .send()
        .await
        .unwrap()
        .integration_id
        .unwrap()
}

fn status_of(answer: &gong_crm_api::types::RequestStatusResponse) -> RequestStatus {
    answer.status.clone().unwrap()
}

fn known(status: RequestStatusKnown) -> RequestStatus {
    RequestStatus::Known(status)
}

#[tokio::test]
async fn integrations_register_list_conflict_delete() {
    let (mock, gong) = start(MockConfig::new(1)).await;
    let empty = gong.list_generic_crm_integration().send().await.unwrap();
    assert!(empty.integrations.is_empty());
    assert!(empty.request_id.is_some());

    let id = register(&gong).await;
    assert!(id > 1 << 53, "integration ids exceed 2^53: {id}");
    let listed = gong.list_generic_crm_integration().send().await.unwrap();
    assert_eq!(listed.integrations[0].integration_id, Some(id));
    assert_eq!(listed.integrations[0].name.as_deref(), Some("Acme CRM"));

    // A second registration is a 409 with Gong's error body.
    let again = gong
        .register_generic_crm_integration()
        .body(GenericCrmRegistrationRequest {
            owner_email: "x@acme.com".into(),
            name: "Other".into(),
        })
        .send()
        .await
        .unwrap_err();
    match again {
        ApiError::Status {
            status,
            body: Some(body),
            ..
        } => {
            assert_eq!(status, 409);
            assert!(!body.errors.is_empty());
        }
        other => panic!("{other:?}"),
    }

    let deleted = gong
        .delete_generic_crm_integration()
        .integration_id(id)
        .client_request_id("delete-1")
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.client_request_id.as_deref(), Some("delete-1"));
    let status = gong
        .get_request_status()
        .integration_id(id)
        .client_request_id("delete-1")
        .send()
        .await
        .unwrap();
    assert_eq!(status_of(&status), known(RequestStatusKnown::Done));
    assert!(
        gong.list_generic_crm_integration()
            .send()
            .await
            .unwrap()
            .integrations
            .is_empty()
    );
    mock.shutdown().await;
}

#[tokio::test]
async fn wrong_credentials_are_a_401_with_gongs_body() {
    let (mock, _) = start(MockConfig::new(1)).await;
    let gong = common::gong_with(&mock, Auth::basic("mock-key", "wrong"), RetryPolicy::none());
    match gong
        .list_generic_crm_integration()
        .send()
        .await
        .unwrap_err()
    {
        ApiError::Status {
            status,
            body: Some(body),
            ..
        } => {
            assert_eq!(status, 401);
            assert!(body.request_id.is_some());
        }
        other => panic!("{other:?}"),
    }
    let bearer = common::gong_with(&mock, Auth::bearer("mock-token"), RetryPolicy::none());
    assert!(bearer.list_generic_crm_integration().send().await.is_err());
    // Bearer accepted when configured.
    let open = RunningMock::start(
        System::Gong,
        MockConfig::new(1).with_auth(crm_mock::MockAuth::Bearer("oauth".into())),
    )
    .await
    .unwrap();
    let oauth = common::gong_with(&open, Auth::bearer("oauth"), RetryPolicy::none());
    assert!(oauth.list_generic_crm_integration().send().await.is_ok());
}

const GOOD_AND_BAD: &str = concat!(
    "{\"objectId\":\"acc-1\",\"modifiedDate\":\"2024-05-01T10:00:00Z\",\"name\":\"Acme\",\"domains\":[\"acme.com\"]}\n",
    "{\"objectId\":\"acc_2\",\"modifiedDate\":\"2024-05-01T10:00:01Z\",\"name\":\"Bad id\"}\n",
    "{\"objectId\":\"acc-3\",\"modifiedDate\":\"2024-05-01T10:00:02Z\",\"name\":\"Zoë GmbH\",\"tier\":\"gold\"}\n",
    "not json at all\n",
    "{\"objectId\":\"acc-5\",\"name\":\"No date\"}\n",
    "{\"objectId\":\"jane@acme.io\",\"modifiedDate\":\"2024-05-01T10:00:03Z\",\"name\":\"By email\"}\n",
);

#[tokio::test]
async fn uploads_go_pending_then_failed_with_line_errors_and_store_good_lines() {
    let (mock, gong) =
        start(MockConfig::new(3).with_gong_processing(Duration::from_millis(600))).await;
    let id = register(&gong).await;
    let answer = gong
        .upload_crm_data(
            id,
            CrmObjectType::Account,
            "acc-batch-1",
            LdjsonFile::from_bytes(GOOD_AND_BAD),
        )
        .await
        .unwrap();
    assert_eq!(answer.status(), 201);
    assert_eq!(answer.client_request_id.as_deref(), Some("acc-batch-1"));
    assert!(answer.request_id.is_some());

    let poll = || async {
        gong.get_request_status()
            .integration_id(id)
            .client_request_id("acc-batch-1")
            .send()
            .await
            .unwrap()
            .into_inner()
    };
    let first = poll().await;
    assert_eq!(status_of(&first), known(RequestStatusKnown::Pending));
    assert!(first.errors.is_empty());
    // Nothing is visible before processing.
    assert!(mock.records("ACCOUNT").is_empty());
    assert!(mock.stats().gong_receipts.is_empty());

    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(
        status_of(&poll().await),
        known(RequestStatusKnown::InProgress)
    );
    tokio::time::sleep(Duration::from_millis(350)).await;
    let done = poll().await;
    assert_eq!(status_of(&done), known(RequestStatusKnown::Failed));
    let lines: Vec<i32> = done.errors.iter().map(|e| e.line.unwrap()).collect();
    assert_eq!(lines, vec![2, 4, 5]);
    assert!(
        done.errors
            .iter()
            .all(|e| !e.description.as_deref().unwrap_or("").is_empty())
    );
    assert_eq!(done.total_error_count, Some(3));
    assert_eq!(done.total_success_count, Some(3));

    let objects = gong
        .get_crm_objects()
        .integration_id(id)
        .object_type(CrmQueryObjectType::Account)
        .body(vec![
            "acc-1".to_owned(),
            "acc-3".to_owned(),
            "acc_2".to_owned(),
            "nope".to_owned(),
        ])
        .send()
        .await
        .unwrap();
    let map = &objects.crm_objects_map;
    assert_eq!(map["acc-1"].as_ref().unwrap()["name"], "Acme");
    assert_eq!(
        map["acc-3"].as_ref().unwrap()["tier"],
        "gold",
        "unknown fields are kept"
    );
    assert!(map["acc_2"].is_none());
    assert!(map["nope"].is_none());

    let stats = mock.stats();
    let receipts = &stats.gong_receipts["ACCOUNT"];
    assert_eq!(receipts.len(), 3);
    assert!(receipts.values().all(|n| *n == 1));
    assert_eq!(stats.gong_uploads, 1);
    assert_eq!(mock.records("ACCOUNT").len(), 3);
    mock.shutdown().await;
}

#[tokio::test]
async fn a_reused_client_request_id_is_a_409_and_nothing_is_reprocessed() {
    let (mock, gong) = start(MockConfig::new(4)).await;
    let id = register(&gong).await;
    let file = "{\"objectId\":\"c-1\",\"modifiedDate\":\"2024-05-01T10:00:00Z\",\"emailAddress\":\"a@b.io\"}\n";
    gong.upload_crm_data(
        id,
        CrmObjectType::Contact,
        "contacts-1",
        LdjsonFile::from_bytes(file),
    )
    .await
    .unwrap();
    let status = gong
        .get_request_status()
        .integration_id(id)
        .client_request_id("contacts-1")
        .send()
        .await
        .unwrap();
    assert_eq!(status_of(&status), known(RequestStatusKnown::Done));
    assert_eq!(status.total_success_count, Some(1));

    let refused = gong
        .upload_crm_data(
            id,
            CrmObjectType::Contact,
            "contacts-1",
            LdjsonFile::from_bytes(file),
        )
        .await
        .unwrap_err();
    assert_eq!(refused.status().map(|s| s.as_u16()), Some(409));
    assert!(
        refused
            .error_response()
            .is_some_and(|e| !e.errors.is_empty())
    );

    let stats = mock.stats();
    assert_eq!(
        stats.gong_receipts["CONTACT"]["c-1"], 1,
        "not processed twice"
    );
    assert_eq!(stats.gong_uploads, 1);
    assert_eq!(stats.gong_duplicate_request_ids, 1);
    mock.shutdown().await;
}

#[tokio::test]
async fn an_upload_cut_off_mid_file_leaves_its_client_request_id_unused() {
    let (mock, gong) = start(MockConfig::new(4)).await;
    let id = register(&gong).await;
    let line = "{\"objectId\":\"c-1\",\"modifiedDate\":\"2024-05-01T10:00:00Z\"}\n";
    // The client gives up after the first chunk of a longer file.
    let chunks: Vec<Result<bytes::Bytes, std::io::Error>> = vec![
        Ok(bytes::Bytes::from(line)),
        Err(std::io::Error::other("the sender stopped")),
    ];
    let cut = gong
        .upload_crm_data(
            id,
            CrmObjectType::Contact,
            "contacts-cut",
            LdjsonFile::from_stream(futures::stream::iter(chunks), 10 * line.len() as u64),
        )
        .await;
    assert!(cut.is_err(), "the upload did not complete");
    // Gong never received that file: the same id is accepted afterwards.
    let mut accepted = None;
    for _ in 0..50 {
        match gong
            .upload_crm_data(
                id,
                CrmObjectType::Contact,
                "contacts-cut",
                LdjsonFile::from_bytes(line),
            )
            .await
        {
            Ok(answer) => {
                accepted = Some(answer);
                break;
            }
            // The server may still be dropping the first request.
            Err(e) if e.status().map(|s| s.as_u16()) == Some(409) => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(e) => panic!("{e}"),
        }
    }
    assert!(
        accepted.is_some(),
        "the cut-off upload's id stayed reserved"
    );
    assert_eq!(mock.stats().gong_uploads, 1);
    mock.shutdown().await;
}

#[tokio::test]
async fn receipts_count_every_processed_upload_of_an_object() {
    let (mock, gong) = start(MockConfig::new(5)).await;
    let id = register(&gong).await;
    for (n, name) in ["Old", "New"].iter().enumerate() {
        let file = format!(
            "{{\"objectId\":\"d-1\",\"modifiedDate\":\"2024-05-0{}T10:00:00Z\",\"name\":\"{name}\",\"amount\":1200.5}}\n",
            n + 1
        );
        gong.upload_crm_data(
            id,
            CrmObjectType::Deal,
            &format!("deals-{n}"),
            LdjsonFile::from_bytes(file),
        )
        .await
        .unwrap();
    }
    let deleted =
        "{\"objectId\":\"d-1\",\"modifiedDate\":\"2024-05-03T10:00:00Z\",\"isDeleted\":true}\n";
    gong.upload_crm_data(
        id,
        CrmObjectType::Deal,
        "deals-del",
        LdjsonFile::from_bytes(deleted),
    )
    .await
    .unwrap();
    assert_eq!(mock.stats().gong_receipts["DEAL"]["d-1"], 3);
    assert!(
        mock.records("DEAL").is_empty(),
        "isDeleted removes the object"
    );

    // Stages: modifiedDate optional; deleting one makes it inactive.
    let stages = "{\"objectId\":\"s-1\",\"name\":\"Discovery\"}\n{\"objectId\":\"s-2\",\"name\":\"Won\",\"isDeleted\":true}\n";
    gong.upload_crm_data(
        id,
        CrmObjectType::Stage,
        "stages-1",
        LdjsonFile::from_bytes(stages),
    )
    .await
    .unwrap();
    let stored = mock.records("STAGE");
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[1]["isActive"], false);
    mock.shutdown().await;
}

#[tokio::test]
async fn schema_fields_are_stored_per_type_and_must_be_repeated() {
    let (mock, gong) = start(MockConfig::new(6)).await;
    let id = register(&gong).await;
    let field = |name: &str, kind: FieldTypeKnown, values: Vec<String>| GenericSchemaFieldRequest {
        unique_name: name.into(),
        label: name.to_uppercase(),
        type_: FieldType::Known(kind),
        last_modified: None,
        is_deleted: None,
        reference_to: None,
        ordered_value_list: values,
    };
    gong.upload_crm_schema_field()
        .integration_id(id)
        .object_type(CrmQueryObjectType::Account)
        .body(vec![
            field(
                "tier",
                FieldTypeKnown::Picklist,
                vec!["gold".into(), "silver".into()],
            ),
            field("fleetSize", FieldTypeKnown::Number, vec![]),
        ])
        .send()
        .await
        .unwrap();
    let listed = gong
        .list_crm_schema_fields()
        .integration_id(id)
        .object_type(CrmQueryObjectType::Account)
        .send()
        .await
        .unwrap();
    let fields = &listed.object_type_to_selected_fields["ACCOUNT"];
    assert_eq!(fields.len(), 2);
    assert_eq!(fields[0].name.as_deref(), Some("tier"));
    assert_eq!(
        fields[0].type_,
        Some(FieldType::Known(FieldTypeKnown::Picklist))
    );

    // Omitting a field is a 400; PICKLIST without values too.
    for body in [
        vec![field("tier", FieldTypeKnown::Picklist, vec!["gold".into()])],
        vec![
            field("tier", FieldTypeKnown::Picklist, vec![]),
            field("fleetSize", FieldTypeKnown::Number, vec![]),
        ],
    ] {
        match gong
            .upload_crm_schema_field()
            .integration_id(id)
            .object_type(CrmQueryObjectType::Account)
            .body(body)
            .send()
            .await
            .unwrap_err()
        {
            ApiError::Status { status, .. } => assert_eq!(status, 400),
            other => panic!("{other:?}"),
        }
    }
    // Every type when objectType is omitted.
    let all = gong
        .list_crm_schema_fields()
        .integration_id(id)
        .send()
        .await
        .unwrap();
    assert!(all.object_type_to_selected_fields.contains_key("ACCOUNT"));
    mock.shutdown().await;
}

#[tokio::test]
async fn bad_parameters_are_400s_with_gongs_body() {
    let (mock, gong) = start(MockConfig::new(7)).await;
    let id = register(&gong).await;
    let unknown_request = gong
        .get_request_status()
        .integration_id(id)
        .client_request_id("never-sent")
        .send()
        .await
        .unwrap_err();
    let wrong_integration = gong
        .get_crm_objects()
        .integration_id(id + 1)
        .object_type(CrmQueryObjectType::Lead)
        .body(vec!["x".to_owned()])
        .send()
        .await
        .unwrap_err();
    let no_body = gong
        .get_crm_objects()
        .integration_id(id)
        .object_type(CrmQueryObjectType::Lead)
        .body(vec![])
        .send()
        .await
        .map(|_| ());
    // An empty array is a JSON body: answered, not refused.
    assert!(no_body.is_ok(), "{no_body:?}");
    for (error, expected) in [(unknown_request, 404), (wrong_integration, 400)] {
        match error {
            ApiError::Status {
                status,
                body: Some(e),
                ..
            } => {
                assert_eq!(status, expected);
                assert!(!e.errors.is_empty());
            }
            other => panic!("{other:?}"),
        }
    }
    mock.shutdown().await;
}

#[tokio::test]
async fn entities_without_a_body_are_415_and_only_four_types_are_queryable() {
    let (mock, gong) = start(MockConfig::new(7)).await;
    let id = register(&gong).await;
    let http = reqwest::Client::new();
    let (user, password) = match crm_mock::MockAuth::default_for(System::Gong) {
        crm_mock::MockAuth::Basic { user, password } => (user, password),
        other => panic!("{other:?}"),
    };
    let get = |query: String| {
        http.get(format!("{}/v2/crm/entities?{query}", mock.base_url()))
            .basic_auth(&user, Some(&password))
            .header("content-type", "application/json")
    };
    let answer = get(format!("integrationId={id}&objectType=DEAL"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 415);
    let answer = get(format!("integrationId={id}&objectType=STAGE"))
        .body("[\"s1\"]")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 400);
    let answer = http
        .get(format!(
            "{}/v2/crm/entity-schema?integrationId={id}&objectType=BUSINESS_USER",
            mock.base_url()
        ))
        .basic_auth(&user, Some(&password))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 400);
    // The typed client reads the 415 as Gong's documented error.
    let typed = gong
        .get_crm_objects()
        .integration_id(id)
        .object_type(CrmQueryObjectType::Deal)
        .body(vec!["a".to_owned()])
        .send()
        .await;
    assert!(typed.is_ok(), "{typed:?}");
    mock.shutdown().await;
}

#[tokio::test]
async fn legacy_paths_work_on_the_same_state() {
    let (mock, gong) = start(MockConfig::new(8)).await;
    let id = gong
        .legacy_register_generic_crm_integration()
        .body(GenericCrmRegistrationRequest {
            owner_email: "jane.admin@acme.com".into(),
            name: "Legacy".into(),
        })
        .send()
        .await
        .unwrap()
        .integration_id
        .unwrap();
    let listed = gong
        .legacy_list_generic_crm_integration()
        .send()
        .await
        .unwrap();
    assert_eq!(listed.integrations[0].integration_id, Some(id));

    let answer = gong
        .legacy_upload_crm_data(
            id,
            CrmObjectType::Lead,
            "legacy-leads",
            LdjsonFile::from_bytes(
                "{\"objectId\":\"l-1\",\"modifiedDate\":\"2024-05-01T10:00:00Z\"}\n",
            ),
        )
        .await
        .unwrap();
    assert_eq!(answer.status(), 201);
    let objects = gong
        .legacy_get_crm_objects()
        .integration_id(id)
        .object_type(LegacyCrmObjectType::Lead)
        .body(vec!["l-1".to_owned()])
        .send()
        .await
        .unwrap();
    assert!(objects.crm_objects_map["l-1"].is_some());

    gong.legacy_upload_crm_schema_field()
        .integration_id(id)
        .object_type(LegacyCrmObjectType::Lead)
        .body(vec![LegacySchemaFieldRequest {
            unique_name: "score".into(),
            name: None,
            label: Some("Score".into()),
            type_: Some(FieldType::Known(FieldTypeKnown::Number)),
            last_modified: None,
            is_deleted: None,
            reference_to: None,
            ordered_value_list: vec![],
        }])
        .send()
        .await
        .unwrap();
    let schema = gong
        .legacy_list_crm_schema_fields()
        .integration_id(id)
        .object_type(LegacyCrmObjectType::Lead)
        .send()
        .await
        .unwrap();
    assert_eq!(schema.object_type_to_selected_fields["LEAD"].len(), 1);

    gong.legacy_upload_stages()
        .integration_id(id)
        .body(vec![GenericDealStageRequest {
            internal_name: "discovery".into(),
            name: "Discovery".into(),
            is_active: true,
            sort_order: 1,
        }])
        .send()
        .await
        .unwrap();
    assert_eq!(mock.records("STAGE").len(), 1);

    let mapping = gong
        .legacy_map_crm_users(
            id,
            "users-1",
            LdjsonFile::from_bytes(
                "{\"crmUserId\":\"u1\",\"emailAddress\":\"u1@acme.com\"}\n{\"crmUserId\":\"u2\"}\n",
            ),
        )
        .await
        .unwrap();
    assert_eq!(mapping.status(), 201);
    let status = gong
        .get_request_status()
        .integration_id(id)
        .client_request_id("users-1")
        .send()
        .await
        .unwrap();
    assert_eq!(status_of(&status), known(RequestStatusKnown::Failed));
    assert_eq!(status.errors[0].line, Some(2));

    gong.legacy_delete_generic_crm_integration()
        .integration_id(id)
        .client_request_id("legacy-delete")
        .send()
        .await
        .unwrap();
    assert!(
        gong.legacy_list_generic_crm_integration()
            .send()
            .await
            .unwrap()
            .integrations
            .is_empty()
    );
    mock.shutdown().await;
}

#[tokio::test]
async fn a_large_upload_streams_through() {
    let (mock, gong) = start(MockConfig::new(9)).await;
    let id = register(&gong).await;
    let mut file = String::new();
    for i in 0..20_000 {
        file.push_str(&format!(
            "{{\"objectId\":\"c-{i}\",\"modifiedDate\":\"2024-05-01T10:00:00Z\",\"firstName\":\"Łukasz\",\"lastName\":\"Nowak {i}\",\"emailAddress\":\"c{i}@example.com\"}}\n"
        ));
    }
    gong.upload_crm_data(
        id,
        CrmObjectType::Contact,
        "big-1",
        LdjsonFile::from_bytes(file),
    )
    .await
    .unwrap();
    let status = gong
        .get_request_status()
        .integration_id(id)
        .client_request_id("big-1")
        .send()
        .await
        .unwrap();
    assert_eq!(status.total_success_count, Some(20_000));
    assert_eq!(mock.stats().gong_receipts["CONTACT"].len(), 20_000);
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_whose_earlier_attempt_is_unfinished_is_sent_again_once_gong_lets_go() {
    use gong_crm_api::bulk::{BulkOptions, RequestIds, SchemaSource};
    use gong_crm_api::types::CrmAccountRecord;

    let (mock, gong) = start(MockConfig::new(4)).await;
    let id = register(&gong).await;
    // An earlier attempt of file 0 (as an interrupted run leaves it): its
    // body started, then hangs until `cut` fires, then fails.
    let (cut, cut_rx) = tokio::sync::oneshot::channel::<()>();
    let line = "{\"objectId\":\"a-0\",\"modifiedDate\":\"2024-06-01T10:00:00Z\"}\n";
    let head = futures::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from(line))]);
    let tail = futures::stream::once(async move {
        let _ = cut_rx.await;
        Err::<bytes::Bytes, _>(std::io::Error::other("the interrupted run's upload ends"))
    });
    let earlier = {
        let gong = gong.clone();
        tokio::spawn(async move {
            gong.upload_crm_data(
                id,
                CrmObjectType::Account,
                "resumed-ACCOUNT-00000",
                LdjsonFile::from_stream(futures::StreamExt::chain(head, tail), 1_000),
            )
            .await
        })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    // The resumed run sends the same file under the same id while the
    // earlier attempt still holds it (409, and no request to poll yet).
    let records: Vec<CrmAccountRecord> = (0..3)
        .map(|i| CrmAccountRecord {
            object_id: format!("a-{i}").parse().unwrap(),
            modified_date: "2024-06-01T10:00:00Z".parse().unwrap(),
            last_modified: None,
            is_deleted: None,
            url: None,
            name: Some(format!("Account {i}")),
            domains: vec![],
            extra: Default::default(),
        })
        .collect();
    let options = BulkOptions {
        request_id_prefix: Some("resumed".into()),
        request_ids: RequestIds::Sequential,
        schema: SchemaSource::BuiltInOnly,
        poll_initial: Duration::from_millis(5),
        poll_max: Duration::from_millis(50),
        ..BulkOptions::default()
    };
    let resumed = {
        let gong = gong.clone();
        tokio::spawn(async move {
            gong.bulk_upload(id)
                .options(options)
                .run_iter(records)
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(150)).await;
    let _ = cut.send(());
    assert!(
        earlier.await.unwrap().is_err(),
        "the earlier attempt never completed"
    );
    let report = resumed.await.unwrap().unwrap();
    assert!(report.is_complete_success(), "{report:?}");
    let stats = mock.stats();
    assert_eq!(stats.gong_receipts["ACCOUNT"].len(), 3, "nothing lost");
    assert!(
        stats.gong_receipts["ACCOUNT"].values().all(|n| *n == 1),
        "nothing twice"
    );
    assert!(
        stats.gong_duplicate_request_ids >= 1,
        "the resumed run met the 409"
    );
    mock.shutdown().await;
}
