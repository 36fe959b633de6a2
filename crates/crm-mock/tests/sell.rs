//! The Zendesk Sell mock through the generated `zendesk-sell-api` client
//! over loopback: every operation's answer (errors included) decodes into
//! the generated types; pagination walks every seeded record once; upserts
//! update one match, create on none, refuse several; the Firehose goes from
//! tail to top and resumes from a saved position; `User-Agent` is required.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests panic on failure"
)]

mod common;

use std::collections::{BTreeMap, HashSet};

use crm_mock::{MockConfig, RunningMock, System};
use futures::TryStreamExt;
use zendesk_sell_api::firehose::StartAt;
use zendesk_sell_api::types::{
    ContactInput, ContactRequest, DealInput, DealRequest, DealValue, ErrorCode, ErrorCodeKnown,
    ErrorResponse, FirehoseEventType, FirehoseEventTypeKnown, LeadInput, LeadRequest, NoteInput,
    NoteRequest, OrderInput, OrderRequest, TaskInput, TaskRequest,
};
use zendesk_sell_api::{ApiError, Auth, RetryPolicy};
use zendesk_sell_api::{CollectionEnvelope, PagedList, SingleEnvelope, StreamEnvelope};

async fn start(records: usize) -> (RunningMock, zendesk_sell_api::Client) {
    let mock = RunningMock::start(
        System::ZendeskSell,
        MockConfig::new(11).with_seed_records(records),
    )
    .await
    .unwrap();
    let client = common::sell(&mock);
    (mock, client)
}

/// The status and first error code of a failed call.
fn failure<T: std::fmt::Debug>(result: Result<T, ApiError<ErrorResponse>>) -> (u16, ErrorCode) {
    match result {
        Err(ApiError::Status {
            status,
            body: Some(body),
            ..
        }) => {
            let status = status.as_u16();
            assert!(body.meta.as_ref().is_some_and(|m| m.logref.is_some()));
            (status, body.errors[0].error.code.clone())
        }
        other => panic!("expected a documented error answer, got {other:?}"),
    }
}

fn code(known: ErrorCodeKnown) -> ErrorCode {
    ErrorCode::Known(known)
}

fn person(first: &str, last: &str, email: &str) -> ContactRequest {
    ContactRequest {
        data: ContactInput {
            first_name: Some(first.into()),
            last_name: Some(last.into()),
            email: Some(email.into()),
            ..Default::default()
        },
    }
}

#[tokio::test]
async fn every_operation_decodes_into_the_generated_types() {
    let (mock, sell) = start(40).await;

    // Reads of seeded data.
    let account = sell.get_account_self().send().await.unwrap().into_data();
    assert_eq!(account.currency.as_deref(), Some("USD"));
    let contacts = sell.list_contacts().per_page(100u32).send().await.unwrap();
    assert_eq!(contacts.items().count(), 40);
    assert!(contacts.is_last_page());
    assert!(contacts.items().any(|c| c.is_organization == Some(true)));
    assert_eq!(
        sell.list_deals()
            .includes("associated_contacts")
            .send()
            .await
            .unwrap()
            .items()
            .count(),
        25
    );
    assert_eq!(sell.list_leads().send().await.unwrap().items().count(), 25);
    assert_eq!(sell.list_notes().send().await.unwrap().items().count(), 10);
    assert_eq!(sell.list_tasks().send().await.unwrap().items().count(), 10);
    assert_eq!(sell.list_orders().send().await.unwrap().items().count(), 0);
    assert_eq!(
        sell.list_pipelines().send().await.unwrap().items().count(),
        2
    );
    let stages = sell.list_stages().pipeline_id(1).send().await.unwrap();
    assert_eq!(stages.items().count(), 7);
    assert!(sell.list_products().send().await.unwrap().items().count() > 0);
    assert!(
        sell.list_contact_custom_fields()
            .send()
            .await
            .unwrap()
            .items()
            .count()
            > 0
    );
    assert!(
        sell.list_lead_custom_fields()
            .send()
            .await
            .unwrap()
            .items()
            .count()
            > 0
    );
    assert!(
        sell.list_deal_custom_fields()
            .send()
            .await
            .unwrap()
            .items()
            .count()
            > 0
    );
    assert!(
        sell.list_prospect_and_customer_custom_fields()
            .send()
            .await
            .unwrap()
            .items()
            .count()
            > 0
    );

    // Contacts: create, get, update, delete.
    let created = sell
        .create_contact()
        .body(person("Zoë", "Łukasiewicz", "zoe@example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let id = created.into_inner().into_data().id;
    let got = sell.get_contact().id(id).send().await.unwrap().into_data();
    assert_eq!(got.first_name.as_deref(), Some("Zoë"));
    let updated = sell
        .update_contact()
        .id(id)
        .body(ContactRequest {
            data: ContactInput {
                title: Some("CTO".into()),
                ..Default::default()
            },
        })
        .send()
        .await
        .unwrap()
        .into_data();
    assert_eq!(updated.title.as_deref(), Some("CTO"));
    assert_eq!(
        updated.last_name.as_deref(),
        Some("Łukasiewicz"),
        "PUT is a partial update"
    );
    assert_eq!(
        sell.delete_contact().id(id).send().await.unwrap().status(),
        204
    );
    assert_eq!(
        failure(sell.get_contact().id(id).send().await),
        (404, code(ErrorCodeKnown::NotFound))
    );

    // Deals: value as number or as decimal string, as given.
    let org = contacts
        .items()
        .find(|c| c.is_organization == Some(true))
        .unwrap()
        .id;
    // A decimal string sent in is answered as the Core API answers values:
    // a JSON number.
    for (value, answered) in [
        (DealValue::Number(1234.5), DealValue::Number(1234.5)),
        (DealValue::Text("99.90".into()), DealValue::Number(99.9)),
    ] {
        let deal = sell
            .create_deal()
            .body(DealRequest {
                data: DealInput {
                    name: Some("Fleet".into()),
                    contact_id: Some(org),
                    value: Some(value.clone()),
                    ..Default::default()
                },
            })
            .send()
            .await
            .unwrap()
            .into_data();
        assert_eq!(deal.value, Some(answered));
        assert_eq!(deal.organization_id, Some(org));
        let deal_id = deal.id;
        sell.get_deal()
            .id(deal_id)
            .includes("associated_contacts")
            .send()
            .await
            .unwrap();
        sell.update_deal()
            .id(deal_id)
            .body(DealRequest {
                data: DealInput {
                    hot: Some(true),
                    ..Default::default()
                },
            })
            .send()
            .await
            .unwrap();
        sell.delete_deal().id(deal_id).send().await.unwrap();
    }

    // Leads, notes, orders, tasks.
    let lead = sell
        .create_lead()
        .body(LeadRequest {
            data: LeadInput {
                organization_name: Some("Globex".into()),
                ..Default::default()
            },
        })
        .send()
        .await
        .unwrap()
        .into_data();
    sell.get_lead().id(lead.id).send().await.unwrap();
    sell.update_lead()
        .id(lead.id)
        .body(LeadRequest {
            data: LeadInput {
                status: Some("Working".into()),
                ..Default::default()
            },
        })
        .send()
        .await
        .unwrap();
    sell.delete_lead().id(lead.id).send().await.unwrap();

    let note = sell
        .create_note()
        .body(NoteRequest {
            data: NoteInput {
                content: Some("Called".into()),
                resource_type: Some("contact".try_into().unwrap()),
                resource_id: Some(org),
                ..Default::default()
            },
        })
        .send()
        .await
        .unwrap()
        .into_data();
    sell.get_note().id(note.id).send().await.unwrap();
    sell.update_note()
        .id(note.id)
        .body(NoteRequest {
            data: NoteInput {
                is_important: Some(true),
                ..Default::default()
            },
        })
        .send()
        .await
        .unwrap();
    let found = sell.list_notes().q("called").send().await.unwrap();
    assert!(found.items().any(|n| n.id == note.id));
    sell.delete_note().id(note.id).send().await.unwrap();

    let deal_id = sell
        .list_deals()
        .per_page(1u32)
        .send()
        .await
        .unwrap()
        .items()
        .next()
        .unwrap()
        .id;
    let order = sell
        .create_order()
        .body(OrderRequest {
            data: OrderInput {
                deal_id: Some(deal_id),
                discount: Some(5.0),
            },
        })
        .send()
        .await
        .unwrap()
        .into_data();
    sell.get_order().id(order.id).send().await.unwrap();
    sell.update_order()
        .id(order.id)
        .body(OrderRequest {
            data: OrderInput {
                deal_id: None,
                discount: Some(10.0),
            },
        })
        .send()
        .await
        .unwrap();
    assert_eq!(
        sell.list_orders()
            .deal_id(deal_id)
            .send()
            .await
            .unwrap()
            .items()
            .count(),
        1
    );
    sell.delete_order().id(order.id).send().await.unwrap();

    let task = sell
        .create_task()
        .body(TaskRequest {
            data: TaskInput {
                content: Some("Call back".into()),
                ..Default::default()
            },
        })
        .send()
        .await
        .unwrap()
        .into_data();
    sell.get_task().id(task.id).send().await.unwrap();
    sell.update_task()
        .id(task.id)
        .body(TaskRequest {
            data: TaskInput {
                completed: Some(true),
                ..Default::default()
            },
        })
        .send()
        .await
        .unwrap();
    assert!(
        sell.list_tasks()
            .type_("floating")
            .send()
            .await
            .unwrap()
            .items()
            .any(|t| t.id == task.id)
    );
    sell.delete_task().id(task.id).send().await.unwrap();

    // Every Firehose stream decodes.
    assert!(
        !sell
            .stream_contacts()
            .position("tail")
            .send()
            .await
            .unwrap()
            .into_records()
            .is_empty()
    );
    assert!(
        !sell
            .stream_deals()
            .position("tail")
            .send()
            .await
            .unwrap()
            .into_records()
            .is_empty()
    );
    assert!(
        !sell
            .stream_leads()
            .position("tail")
            .send()
            .await
            .unwrap()
            .into_records()
            .is_empty()
    );
    sell.stream_notes().position("tail").send().await.unwrap();
    sell.stream_orders().position("tail").send().await.unwrap();
    sell.stream_tasks().position("tail").send().await.unwrap();
    assert!(
        !sell
            .stream_products()
            .position("tail")
            .send()
            .await
            .unwrap()
            .into_records()
            .is_empty()
    );
    assert!(
        !sell
            .stream_stages()
            .position("tail")
            .send()
            .await
            .unwrap()
            .into_records()
            .is_empty()
    );
    assert!(
        !sell
            .stream_custom_fields()
            .position("tail")
            .send()
            .await
            .unwrap()
            .into_records()
            .is_empty()
    );
    assert!(
        !sell
            .stream_resource()
            .resource("pipelines")
            .position("tail")
            .send()
            .await
            .unwrap()
            .into_records()
            .is_empty()
    );

    // Documented errors decode as Sell's envelope.
    let missing = sell
        .create_contact()
        .body(ContactRequest {
            data: ContactInput::default(),
        })
        .send()
        .await;
    assert_eq!(failure(missing), (422, code(ErrorCodeKnown::Blank)));
    let wrong_type = sell
        .create_deal()
        .body(DealRequest {
            data: DealInput {
                name: Some("x".into()),
                ..Default::default()
            },
        })
        .send()
        .await;
    assert_eq!(failure(wrong_type).0, 422);
    assert_eq!(
        failure(sell.list_contacts().per_page(101u32).send().await),
        (400, code(ErrorCodeKnown::InvalidParam))
    );
    assert_eq!(
        failure(sell.stream_contacts().position("p-bogus").send().await).0,
        400
    );
    assert_eq!(failure(sell.get_deal().id(1).send().await).0, 404);
    let stranger = common::sell_with(&mock, Auth::bearer("wrong"), RetryPolicy::none());
    assert_eq!(
        failure(stranger.list_contacts().send().await),
        (401, code(ErrorCodeKnown::Unauthorized))
    );

    let stats = mock.stats();
    assert!(stats.writes["contact"] >= 2);
    assert_eq!(stats.deletes["deal"], 2);
    mock.shutdown().await;
}

#[tokio::test]
async fn pagination_walks_every_seeded_contact_exactly_once() {
    let (mock, sell) = start(1_003).await;
    for sort in [None, Some("updated_at:desc"), Some("last_name,first_name")] {
        let mut request = sell.list_contacts().per_page(100u32);
        if let Some(sort) = sort {
            request = request.sort_by(sort);
        }
        let contacts: Vec<_> = request.stream().try_collect().await.unwrap();
        let ids: HashSet<i64> = contacts.iter().map(|c| c.id).collect();
        assert_eq!(contacts.len(), 1_003, "{sort:?}");
        assert_eq!(ids.len(), 1_003, "{sort:?}: no duplicates");
        if sort == Some("updated_at:desc") {
            assert!(
                contacts
                    .windows(2)
                    .all(|w| w[0].updated_at >= w[1].updated_at)
            );
        }
    }
    let organisations: Vec<_> = sell
        .list_contacts()
        .is_organization(true)
        .per_page(100u32)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        organisations.len(),
        251,
        "every fourth contact is an organisation"
    );
    let page = sell
        .list_contacts()
        .per_page(100u32)
        .page(11u32)
        .send()
        .await
        .unwrap();
    assert_eq!(page.items().count(), 3);
    assert!(page.is_last_page());
    let by_ids = sell
        .list_contacts()
        .ids(format!("{},{}", organisations[0].id, organisations[1].id))
        .send()
        .await
        .unwrap();
    assert_eq!(by_ids.items().count(), 2);
    mock.shutdown().await;
}

#[tokio::test]
async fn upsert_updates_one_match_creates_on_none_refuses_several() {
    let (mock, sell) = start(0).await;
    let created = sell
        .upsert_contact()
        .email("mark@acme.com")
        .body(person("Mark", "Johnson", "mark@acme.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let id = created.into_inner().into_data().id;
    let updated = sell
        .upsert_contact()
        .email("MARK@acme.com")
        .body(ContactRequest {
            data: ContactInput {
                title: Some("VP".into()),
                ..Default::default()
            },
        })
        .send()
        .await
        .unwrap();
    assert_eq!(updated.status(), 200);
    assert_eq!(updated.data().id, id);
    assert_eq!(updated.data().title.as_deref(), Some("VP"));

    // A custom field filter.
    let mut custom = BTreeMap::new();
    custom.insert("custom_fields[external_id]".to_owned(), "X-1".to_owned());
    let mut with_custom = person("Anna", "Kim", "anna@acme.com");
    with_custom.data.custom_fields =
        Some(serde_json::from_value(serde_json::json!({"external_id": "X-1"})).unwrap());
    let first = sell
        .upsert_contact()
        .custom_field_filters(custom.clone())
        .body(with_custom.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 201);
    let second = sell
        .upsert_contact()
        .custom_field_filters(custom)
        .body(with_custom)
        .send()
        .await
        .unwrap();
    assert_eq!(second.status(), 200);

    // Two Johnsons: a 409.
    sell.create_contact()
        .body(person("Mary", "Johnson", "mary@acme.com"))
        .send()
        .await
        .unwrap();
    let several = sell
        .upsert_contact()
        .last_name("Johnson")
        .body(person("M", "Johnson", "m@acme.com"))
        .send()
        .await;
    assert_eq!(failure(several).0, 409);
    // No filter: a 400.
    let none = sell
        .upsert_contact()
        .body(person("N", "One", "n@acme.com"))
        .send()
        .await;
    assert_eq!(failure(none).0, 400);

    let lead = sell
        .upsert_lead()
        .email("lead@globex.com")
        .body(LeadRequest {
            data: LeadInput {
                last_name: Some("Lee".into()),
                email: Some("lead@globex.com".into()),
                ..Default::default()
            },
        })
        .send()
        .await
        .unwrap();
    assert_eq!(lead.status(), 201);
    assert_eq!(mock.records("contacts").len(), 3);
    assert_eq!(mock.stats().writes["contact"], 5);
    mock.shutdown().await;
}

#[tokio::test]
async fn firehose_reads_from_tail_to_top_and_resumes_from_a_saved_position() {
    let (mock, sell) = start(230).await;
    let pages: Vec<_> = sell
        .firehose(sell.stream_contacts().limit(100u32), StartAt::Tail)
        .pages()
        .try_collect()
        .await
        .unwrap();
    let events: usize = pages.iter().map(|p| p.events.len()).sum();
    assert_eq!(events, 230);
    assert_eq!(pages.len(), 3);
    assert!(pages.last().unwrap().top);
    assert!(pages.iter().flat_map(|p| &p.events).all(|e| e.meta.event_type
        == FirehoseEventType::Known(FirehoseEventTypeKnown::Created)));
    assert!(
        pages[0].events[0]
            .record
            .custom_field_values
            .as_ref()
            .is_some_and(|v| !v.is_empty())
    );
    let saved = pages.last().unwrap().position.clone();

    // Changes after the saved position.
    let first_id = pages[0].events[0].record.id.unwrap();
    sell.update_contact()
        .id(first_id)
        .body(ContactRequest {
            data: ContactInput {
                title: Some("Owner".into()),
                ..Default::default()
            },
        })
        .send()
        .await
        .unwrap();
    let created = sell
        .create_contact()
        .body(person("New", "Person", "new@x.io"))
        .send()
        .await
        .unwrap()
        .into_data();
    sell.delete_contact().id(created.id).send().await.unwrap();

    let resumed: Vec<_> = sell
        .firehose(sell.stream_contacts().limit(2u32), StartAt::Position(saved))
        .pages()
        .try_collect()
        .await
        .unwrap();
    let kinds: Vec<_> = resumed
        .iter()
        .flat_map(|p| &p.events)
        .map(|e| e.meta.event_type.to_string())
        .collect();
    assert_eq!(kinds, ["updated", "created", "deleted"]);
    let sequences: Vec<i64> = resumed
        .iter()
        .flat_map(|p| &p.events)
        .map(|e| e.meta.sequence.unwrap())
        .collect();
    assert_eq!(sequences, [231, 232, 233]);

    // `top` answers no events and the newest position.
    let top = sell.stream_contacts().position("top").send().await.unwrap();
    assert!(top.page_meta().top);
    assert_eq!(top.events().count(), 0);
    // Firehose deals carry their value as a decimal string.
    let deals = sell
        .stream_deals()
        .position("tail")
        .limit(10u32)
        .send()
        .await
        .unwrap();
    assert!(
        deals
            .events()
            .all(|(d, _)| matches!(d.value, Some(DealValue::Text(_))))
    );
    mock.shutdown().await;
}

#[tokio::test]
async fn user_agent_is_required() {
    let (mock, _) = start(0).await;
    let raw = reqwest::Client::new();
    let answer = raw
        .get(format!("{}/v2/contacts", mock.base_url()))
        .bearer_auth(crm_mock::MOCK_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 400);
    let body: ErrorResponse = answer.json().await.unwrap();
    assert_eq!(
        body.errors[0].error.code,
        code(ErrorCodeKnown::InvalidUserAgent)
    );
    let with_agent = raw
        .get(format!("{}/v2/contacts", mock.base_url()))
        .bearer_auth(crm_mock::MOCK_TOKEN)
        .header("user-agent", "test/1")
        .send()
        .await
        .unwrap();
    assert_eq!(with_agent.status(), 200);
    // The typed error of the runtime shows Sell's message.
    let sell = common::sell_with(&mock, Auth::bearer("nope"), RetryPolicy::none());
    let error: ApiError<ErrorResponse> = sell.list_contacts().send_typed().await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(401));
    assert!(error.to_string().contains("unauthorized"), "{error}");
    mock.shutdown().await;
}
