//! The ConeCRM mock through the generated `conecrm-api` client over
//! loopback: every implemented operation's answer (errors included)
//! decodes into the generated types; paging, nested contacts,
//! thirdPartyIds kept as given, query-builder filters.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests panic on failure"
)]

mod common;

use std::collections::HashSet;

use conecrm_api::query::{and, or, rule};
use conecrm_api::types::{
    AccountRequest, ConnectionStage, ContactsByPhone, CopyLeadData, CustomField, ErrorResponse,
    LeadCreateRequest, TaskRequest,
};
use conecrm_api::{ApiError, query};
use crm_mock::{MockConfig, RunningMock, System};
use futures::TryStreamExt;
use serde_json::json;
use zendesk_sell_api::{Auth, RetryPolicy};

async fn start(records: usize) -> (RunningMock, conecrm_api::Client) {
    let mock = RunningMock::start(
        System::Conecrm,
        MockConfig::new(21).with_seed_records(records),
    )
    .await
    .unwrap();
    let client = common::cone(&mock);
    (mock, client)
}

fn typed<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> T {
    serde_json::from_value(value).unwrap()
}

fn status<T: std::fmt::Debug, E: std::fmt::Debug>(
    result: Result<T, ApiError<E>>,
) -> (u16, Option<E>) {
    match result {
        Err(ApiError::Status { status, body, .. }) => (status.as_u16(), body.map(|b| *b)),
        other => panic!("expected an error answer, got {other:?}"),
    }
}

#[tokio::test]
async fn accounts_and_contacts_page_and_link() {
    let (mock, cone) = start(120).await;
    let first = cone.get_accounts().limit(50).send().await.unwrap();
    assert_eq!(first.total, Some(120));
    assert_eq!(first.accounts.len(), 50);
    assert!(
        first.accounts[0]
            .primary_contact
            .as_ref()
            .is_some_and(|c| c.id.is_some())
    );

    let all: Vec<_> = cone
        .get_accounts_stream(25, |r| r)
        .try_collect()
        .await
        .unwrap();
    let ids: HashSet<_> = all.iter().map(|a| a.id).collect();
    assert_eq!((all.len(), ids.len()), (120, 120));
    let contacts: Vec<_> = cone
        .get_contacts_stream(40, |r| r)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(contacts.len(), 120);
    assert!(contacts.iter().all(|c| !c.accounts.is_empty()));

    let sorted = cone
        .get_accounts()
        .sort_field("name")
        .sort_direction(conecrm_api::types::SortDirection::Desc)
        .limit(500)
        .send()
        .await
        .unwrap();
    let names: Vec<String> = sorted
        .accounts
        .iter()
        .map(|a| a.name.clone().unwrap_or_default().to_lowercase())
        .collect();
    assert!(names.windows(2).all(|w| w[0] >= w[1]));

    let someone = &contacts[3];
    let last = someone.last_name.clone().unwrap();
    let found = cone
        .get_contacts()
        .search(last.to_uppercase())
        .limit(500)
        .send()
        .await
        .unwrap();
    assert!(found.iter().any(|c| c.id == someone.id));
    let phone = someone.work_phone.clone().unwrap();
    match cone
        .find_contact_by_phone()
        .phone(phone)
        .send()
        .await
        .unwrap()
        .into_inner()
    {
        ContactsByPhone::Many(list) => assert!(list.iter().any(|c| c.id == someone.id)),
        other => panic!("{other:?}"),
    }
    let open = cone
        .get_contact_open_leads()
        .contact(someone.id.unwrap())
        .send()
        .await
        .unwrap();
    assert!(
        open.iter()
            .all(|l| l.contact.as_ref().and_then(|c| c.id) == someone.id)
    );
    mock.shutdown().await;
}

#[tokio::test]
async fn account_writes_create_nested_contacts_and_keep_third_party_ids() {
    let (mock, cone) = start(3).await;
    let existing = cone.get_contacts().send().await.unwrap()[0].id.unwrap();
    let body: AccountRequest = typed(json!({
        "name": "Café Société",
        "primaryEmail": "bonjour@cafe.example",
        "city": "Montréal",
        "primaryContact": {"firstName": "Renée", "lastName": "Lefèvre", "primaryEmail": "renee@cafe.example"},
        "contacts": [{"id": existing}],
    }));
    let created = cone
        .create_account()
        .body(body)
        .send()
        .await
        .unwrap()
        .into_inner();
    let account_id = created.id.unwrap();
    assert_eq!(created.contacts.len(), 2);
    let new_contact = created.primary_contact.as_ref().and_then(|c| c.id).unwrap();
    assert_ne!(new_contact, existing);

    // thirdPartyIds are not in AccountRequest: send them raw, they are stored as given.
    let raw = reqwest::Client::new()
        .patch(format!("{}/api/account/{account_id}", mock.base_url()))
        .bearer_auth(crm_mock::MOCK_TOKEN)
        .json(&json!({"thirdPartyIds": [{"systemName": "zendesk-sell", "thirdPartyId": "100000001"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 200);
    let stored = mock
        .records("account")
        .into_iter()
        .find(|a| a["id"] == json!(account_id))
        .unwrap();
    assert_eq!(
        stored["thirdPartyIds"],
        json!([{"systemName": "zendesk-sell", "thirdPartyId": "100000001"}])
    );

    let renamed = cone
        .update_account()
        .account(account_id)
        .body(typed::<AccountRequest>(
            json!({"name": "Café Société Inc."}),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(renamed.name.as_deref(), Some("Café Société Inc."));
    assert_eq!(renamed.contacts.len(), 2, "contacts kept when not sent");

    assert_eq!(
        cone.delete_account()
            .account(account_id)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(cone.get_accounts().send().await.unwrap().total, Some(3));
    let (code, _) = status(
        cone.create_account()
            .body(typed::<AccountRequest>(json!({"city": "Laval"})))
            .send()
            .await,
    );
    assert_eq!(code, 400);
    assert_eq!(mock.stats().writes["account"], 3);
    mock.shutdown().await;
}

#[tokio::test]
async fn leads_tasks_stages_custom_fields_and_queries() {
    let (mock, cone) = start(10).await;
    let contact = cone.get_contacts().send().await.unwrap()[0].clone();
    let contact_id = contact.id.unwrap();
    let stages = cone.list_stages().send().await.unwrap().into_inner();
    assert_eq!(stages.len(), 7);
    let any_id = uuid::Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0001);

    // Leads.
    let lead: LeadCreateRequest = typed(json!({
        "subject": "2025 Škoda Octavia", "department": {"id": any_id}, "contact": {"id": contact_id},
        "source": {"id": any_id}, "franchise": {"id": any_id}, "customerInitiated": true,
    }));
    let created = cone
        .create_lead()
        .body(lead)
        .send()
        .await
        .unwrap()
        .into_inner();
    let lead_id = created.id.unwrap();
    assert_eq!(
        created.contact.as_ref().and_then(|c| c.id),
        Some(contact_id)
    );
    let missing: LeadCreateRequest = typed(json!({
        "subject": "x", "department": {"id": any_id}, "contact": {"id": any_id},
        "source": {"id": any_id}, "franchise": {"id": any_id},
    }));
    let (code, body) = status(cone.create_lead().body(missing).send().await);
    assert_eq!(code, 400);
    assert!(matches!(body, Some(ErrorResponse::Body(_))));
    let copy: CopyLeadData = typed(json!({"contact": {"id": contact_id}, "subject": "Copy"}));
    let copied = cone
        .copy_lead()
        .lead(lead_id.to_string())
        .body(copy)
        .send()
        .await
        .unwrap();
    assert_eq!(copied.subject.as_deref(), Some("Copy"));
    let copy: CopyLeadData = typed(json!({"contact": {"id": contact_id}}));
    assert_eq!(
        status(
            cone.copy_lead()
                .lead(any_id.to_string())
                .body(copy)
                .send()
                .await
        )
        .0,
        404
    );

    // Query builder: leads of the contact.
    let filter = and([
        rule("contact.id", "=", contact_id.to_string()),
        or([
            rule("subject", "contains", "octavia"),
            rule("subject", "=", "Copy"),
        ]),
    ]);
    let found = cone
        .query_builder_filter()
        .entity("lead")
        .body(filter)
        .send()
        .await
        .unwrap();
    assert_eq!(found.data.len(), 2);
    let none = cone
        .query_builder_filter()
        .entity("lead")
        .body(!and([rule("subject", "notNull", "")]))
        .send()
        .await
        .unwrap();
    assert!(none.data.is_empty());
    assert_eq!(
        status(
            cone.query_builder_filter()
                .entity("nope")
                .body(and([]))
                .send()
                .await
        )
        .0,
        404
    );
    let config = cone
        .get_query_builder_config()
        .entity("lead")
        .send()
        .await
        .unwrap();
    assert!(!config.fields.is_empty());
    assert_eq!(cone.get_all_filters().send().await.unwrap().data.len(), 4);
    assert!(
        !cone
            .get_entity_filters()
            .entity("contact")
            .send()
            .await
            .unwrap()
            .is_empty()
    );
    let _ = query::rule_without_value("x", "null");

    // Tasks.
    let task: TaskRequest = typed(
        json!({"assignee": any_id, "title": "Call back", "contact": contact_id, "type": "CALL"}),
    );
    let task = cone
        .create_task()
        .body(task)
        .send()
        .await
        .unwrap()
        .into_inner();
    let task_id = task.id.unwrap();
    assert_eq!(task.title.as_deref(), Some("Call back"));
    let blank: TaskRequest = typed(json!({"assignee": any_id, "title": ""}));
    let (code, body) = status(cone.create_task().body(blank).send().await);
    assert_eq!(code, 400);
    assert!(matches!(body, Some(ErrorResponse::Message(m)) if m.starts_with("title")));
    let change: TaskRequest = typed(json!({"assignee": any_id, "title": "Call back today"}));
    let changed = cone
        .update_task()
        .task(task_id)
        .body(change.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(changed.title.as_deref(), Some("Call back today"));
    cone.delete_task().task(task_id).send().await.unwrap();
    let (code, body) = status(cone.update_task().task(task_id).body(change).send().await);
    assert_eq!(code, 404);
    assert!(matches!(body, Some(ErrorResponse::Body(_))));

    // Stages.
    let stage = cone
        .create_stage()
        .body(ConnectionStage {
            name: Some("Delivered".into()),
            ..Default::default()
        })
        .send()
        .await
        .unwrap();
    assert_eq!(stage.status(), 201);
    let stage_id = stage.id.unwrap().to_string();
    cone.get_stage().id(stage_id.clone()).send().await.unwrap();
    let renamed = cone
        .update_stage()
        .id(stage_id.clone())
        .body(ConnectionStage {
            name: Some("Handed over".into()),
            ..Default::default()
        })
        .send()
        .await
        .unwrap();
    assert_eq!(renamed.name.as_deref(), Some("Handed over"));
    assert_eq!(
        cone.delete_stage()
            .id(stage_id.clone())
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    assert_eq!(status(cone.get_stage().id(stage_id).send().await).0, 404);
    let used = created.stage.as_ref().and_then(|s| s.id).unwrap();
    assert_eq!(
        status(cone.delete_stage().id(used.to_string()).send().await).0,
        400
    );

    // Custom fields.
    let before = cone.get_custom_fields().send().await.unwrap().len();
    cone.create_custom_field()
        .body(CustomField {
            entity: Some("lead".into()),
            field_name: Some("colour".into()),
            field_type: Some("text".into()),
            ..Default::default()
        })
        .send()
        .await
        .unwrap();
    assert_eq!(
        cone.get_custom_fields().send().await.unwrap().len(),
        before + 1
    );
    assert_eq!(
        cone.get_custom_fields_for_entity()
            .custom_field("lead")
            .send()
            .await
            .unwrap()
            .len(),
        2
    );
    cone.update_custom_field()
        .custom_field("colour")
        .body(CustomField {
            options: Some("red,blue".into()),
            ..Default::default()
        })
        .send()
        .await
        .unwrap();
    cone.delete_custom_field()
        .custom_field("colour")
        .send()
        .await
        .unwrap();
    assert_eq!(cone.get_custom_fields().send().await.unwrap().len(), before);
    mock.shutdown().await;
}

#[tokio::test]
async fn a_wrong_token_is_a_401() {
    let (mock, _) = start(1).await;
    let stranger = common::cone_with(&mock, Auth::bearer("nope"), RetryPolicy::none());
    assert_eq!(status(stranger.get_accounts().send().await).0, 401);
    let any = uuid::Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0001);
    let lead: LeadCreateRequest = typed(json!({
        "subject": "x", "department": {"id": any}, "contact": {"id": any},
        "source": {"id": any}, "franchise": {"id": any},
    }));
    let (code, body) = status(stranger.create_lead().body(lead).send().await);
    assert_eq!(code, 401);
    assert!(
        matches!(body, Some(ErrorResponse::Body(b)) if b.message.as_deref() == Some("Invalid JWT Token"))
    );
    mock.shutdown().await;
}

#[tokio::test]
async fn seeded_ids_are_v7_and_reproducible() {
    let (a, _) = start(20).await;
    let (b, _) = start(20).await;
    let ids = |m: &RunningMock| -> Vec<serde_json::Value> {
        m.records("contact")
            .into_iter()
            .map(|c| c["id"].clone())
            .collect()
    };
    assert_eq!(ids(&a), ids(&b));
    assert_eq!(a.records("lead"), b.records("lead"));
    let first: uuid::Uuid = serde_json::from_value(ids(&a)[0].clone()).unwrap();
    assert_eq!(first.get_version_num(), 7);
}
