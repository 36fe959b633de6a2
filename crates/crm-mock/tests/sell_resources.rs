//! The Sell resources beyond contacts, deals, leads, notes, orders and
//! tasks, through the generated `zendesk-sell-api` client against the mock
//! over loopback: users (and how the seeded records' owners map to them),
//! products, line items, sources, reasons, tags, associated contacts, lead
//! conversions, calls and call outcomes, visits and visit outcomes, text
//! messages and collaborations. Every operation is called once at least and
//! its answer decoded; what the API rejects is refused with its error.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests panic on failure"
)]

mod common;

use std::collections::BTreeSet;

use crm_mock::{MockConfig, RunningMock, System};
use zendesk_sell_api::types::{
    AssociatedContactInput, AssociatedContactRequest, CallInput, CallRequest, CollaborationInput,
    CollaborationRequest, ContactInput, ContactRequest, DealInput, DealRequest, DealSourceInput,
    DealSourceRequest, DealUnqualifiedReasonInput, DealUnqualifiedReasonRequest, DealValue,
    DecimalAmount, ErrorResponse, LeadConversionInput, LeadConversionRequest, LeadInput,
    LeadRequest, LeadSourceInput, LeadSourceRequest, LineItemInput, LineItemRequest,
    LossReasonInput, LossReasonRequest, NoteResourceType, NoteResourceTypeKnown, OrderInput,
    OrderRequest, ProductInput, ProductPrice, ProductRequest, TagInput, TagRequest,
};

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

/// The status of a documented error answer.
fn status<T: std::fmt::Debug>(result: Result<T, zendesk_sell_api::ApiError<ErrorResponse>>) -> u16 {
    match result {
        Err(zendesk_sell_api::ApiError::Status {
            status,
            body: Some(_),
            ..
        }) => status.as_u16(),
        other => panic!("expected a documented error answer, got {other:?}"),
    }
}

fn contact_type() -> NoteResourceType {
    NoteResourceType::Known(NoteResourceTypeKnown::Contact)
}

#[tokio::test]
async fn users_cover_every_owner_and_creator_of_the_seeded_records() {
    let (_mock, client) = start(60).await;
    let users = client
        .list_users()
        .per_page(100)
        .send()
        .await
        .unwrap()
        .into_inner();
    let ids: BTreeSet<i64> = users.items.iter().map(|u| u.data.id).collect();
    assert_eq!(users.items.len(), 6);
    for user in &users.items {
        let email = user.data.email.as_deref().unwrap();
        assert!(email.ends_with("@mocksell.example.com"), "{email}");
        assert!(user.data.name.is_some());
        assert!(matches!(
            user.data.status.as_deref(),
            Some("active" | "inactive")
        ));
        assert!(matches!(user.data.role.as_deref(), Some("admin" | "user")));
    }

    // Every owner_id / creator_id of the seeded records names a user.
    let mut referenced = BTreeSet::new();
    let deals = client
        .list_deals()
        .per_page(100)
        .send()
        .await
        .unwrap()
        .into_inner();
    for deal in &deals.items {
        referenced.extend(deal.data.owner_id);
        referenced.extend(deal.data.creator_id);
    }
    let contacts = client
        .list_contacts()
        .per_page(100)
        .send()
        .await
        .unwrap()
        .into_inner();
    for contact in &contacts.items {
        referenced.extend(contact.data.owner_id);
        referenced.extend(contact.data.creator_id);
    }
    assert!(referenced.len() > 1);
    assert!(referenced.is_subset(&ids), "{referenced:?} ⊄ {ids:?}");

    let me = client.get_user_self().send().await.unwrap().into_inner();
    assert_eq!(me.data.id, crm_mock::sell::USER_ID);
    assert_eq!(me.data.role.as_deref(), Some("admin"));
    let other = client
        .get_user()
        .id(1_000_003)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(other.data.name.as_deref(), Some("Casey Rivera"));
    assert_eq!(other.data.reports_to, Some(crm_mock::sell::USER_ID));

    let inactive = client
        .list_users()
        .status("inactive")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(inactive.items.len(), 1);
    let by_email = client
        .list_users()
        .email("BLAKE.CHEN@mocksell.example.com")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(by_email.items[0].data.id, 1_000_002);
    assert_eq!(status(client.get_user().id(42).send().await), 404);
}

#[tokio::test]
async fn deal_values_are_numbers_and_sort_numerically() {
    let (_mock, client) = start(40).await;
    let created = client
        .create_deal()
        .body(DealRequest {
            data: DealInput {
                name: Some("Decimal".into()),
                contact_id: Some(100_000_001),
                value: Some(DealValue::Text("1234.50".into())),
                ..Default::default()
            },
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(created.data.value, Some(DealValue::Number(1234.5)));
    assert!(created.data.added_on.is_some());
    let page = client
        .list_deals()
        .sort_by("value:desc")
        .per_page(100)
        .send()
        .await
        .unwrap()
        .into_inner();
    let values: Vec<f64> = page
        .items
        .iter()
        .map(|d| match d.data.value {
            Some(DealValue::Number(n)) => n,
            ref other => panic!("not a number: {other:?}"),
        })
        .collect();
    assert!(values.windows(2).all(|w| w[0] >= w[1]), "{values:?}");
}

#[tokio::test]
async fn products_and_line_items() {
    let (_mock, client) = start(0).await;
    let product = client
        .create_product()
        .body(ProductRequest {
            data: ProductInput {
                name: Some("Support plan".into()),
                sku: Some("SUP-1".into()),
                active: Some(true),
                prices: vec![ProductPrice {
                    amount: Some(DecimalAmount::Text("49.00".into())),
                    currency: Some("USD".into()),
                }],
                ..Default::default()
            },
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    let product_id = product.data.id;
    assert_eq!(product.data.version, Some(1));
    let got = client.get_product().id(product_id).send().await.unwrap();
    assert_eq!(got.data.name.as_deref(), Some("Support plan"));
    let updated = client
        .update_product()
        .id(product_id)
        .body(ProductRequest {
            data: ProductInput {
                description: Some("24/7".into()),
                ..Default::default()
            },
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(updated.data.version, Some(2));
    assert_eq!(updated.data.description.as_deref(), Some("24/7"));
    assert_eq!(
        status(
            client
                .create_product()
                .body(ProductRequest {
                    data: ProductInput::default()
                })
                .send()
                .await
        ),
        422,
        "a product needs a name"
    );

    let order = client
        .create_order()
        .body(OrderRequest {
            data: OrderInput {
                deal_id: Some(1),
                ..Default::default()
            },
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    let order_id = order.data.id;
    let line = |product_id: i64| LineItemRequest {
        data: LineItemInput {
            product_id: Some(product_id),
            value: Some(DecimalAmount::Text("49.00".into())),
            variation: Some(DecimalAmount::Number(0.0)),
            currency: Some("USD".into()),
            quantity: Some(3),
        },
    };
    let item = client
        .create_line_item()
        .order_id(order_id)
        .body(line(product_id))
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(item.data.name.as_deref(), Some("Support plan"));
    assert_eq!(item.data.sku.as_deref(), Some("SUP-1"));
    assert_eq!(item.data.quantity, Some(3));
    assert_eq!(item.data.price, Some(DecimalAmount::Text("49.00".into())));
    let listed = client
        .list_line_items()
        .order_id(order_id)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.items.len(), 1);
    let one = client
        .get_line_item()
        .order_id(order_id)
        .id(item.data.id)
        .send()
        .await
        .unwrap();
    assert_eq!(one.data.id, item.data.id);
    assert_eq!(
        status(
            client
                .create_line_item()
                .order_id(order_id)
                .body(line(999))
                .send()
                .await
        ),
        422,
        "an unknown product"
    );
    assert_eq!(
        status(client.list_line_items().order_id(1).send().await),
        404,
        "an unknown order"
    );
    client
        .delete_line_item()
        .order_id(order_id)
        .id(item.data.id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        status(
            client
                .get_line_item()
                .order_id(order_id)
                .id(item.data.id)
                .send()
                .await
        ),
        404
    );
    client.delete_product().id(product_id).send().await.unwrap();
    assert_eq!(
        status(client.get_product().id(product_id).send().await),
        404
    );
}

#[tokio::test]
async fn sources_reasons_and_tags() {
    let (_mock, client) = start(0).await;
    // Seeded: the five sources deals and leads name with source_id 1..=5.
    let deal_sources = client.list_deal_sources().send().await.unwrap();
    assert_eq!(deal_sources.items.len(), 5);
    let lead_sources = client.list_lead_sources().send().await.unwrap();
    assert_eq!(
        lead_sources.items[0].data.resource_type.as_deref(),
        Some("lead")
    );

    let source = client
        .create_deal_source()
        .body(DealSourceRequest {
            data: DealSourceInput {
                name: Some("Webinar".into()),
                resource_type: None,
            },
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(source.data.resource_type.as_deref(), Some("deal"));
    let renamed = client
        .update_deal_source()
        .id(source.data.id)
        .body(DealSourceRequest {
            data: DealSourceInput {
                name: Some("Webinars".into()),
                resource_type: None,
            },
        })
        .send()
        .await
        .unwrap();
    assert_eq!(renamed.data.name.as_deref(), Some("Webinars"));
    client
        .get_deal_source()
        .id(source.data.id)
        .send()
        .await
        .unwrap();
    client
        .delete_deal_source()
        .id(source.data.id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        status(
            client
                .create_deal_source()
                .body(DealSourceRequest {
                    data: DealSourceInput {
                        name: Some("x".into()),
                        resource_type: Some("lead".into()),
                    },
                })
                .send()
                .await
        ),
        422,
        "a deal source is for deals"
    );

    let lead_source = client
        .create_lead_source()
        .body(LeadSourceRequest {
            data: LeadSourceInput {
                name: Some("Fair".into()),
                resource_type: None,
            },
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    client
        .get_lead_source()
        .id(lead_source.data.id)
        .send()
        .await
        .unwrap();
    client
        .update_lead_source()
        .id(lead_source.data.id)
        .body(LeadSourceRequest {
            data: LeadSourceInput {
                name: Some("Fairs".into()),
                resource_type: None,
            },
        })
        .send()
        .await
        .unwrap();
    client
        .delete_lead_source()
        .id(lead_source.data.id)
        .send()
        .await
        .unwrap();

    let reason = client
        .create_loss_reason()
        .body(LossReasonRequest {
            data: LossReasonInput {
                name: Some("Went dark".into()),
            },
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(reason.data.creator_id, Some(crm_mock::sell::USER_ID));
    client.list_loss_reasons().send().await.unwrap();
    client
        .get_loss_reason()
        .id(reason.data.id)
        .send()
        .await
        .unwrap();
    client
        .update_loss_reason()
        .id(reason.data.id)
        .body(LossReasonRequest {
            data: LossReasonInput {
                name: Some("Ghosted".into()),
            },
        })
        .send()
        .await
        .unwrap();
    client
        .delete_loss_reason()
        .id(reason.data.id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        status(
            client
                .create_loss_reason()
                .body(LossReasonRequest {
                    data: LossReasonInput { name: None },
                })
                .send()
                .await
        ),
        422
    );

    let unqualified = client
        .create_deal_unqualified_reason()
        .body(DealUnqualifiedReasonRequest {
            data: DealUnqualifiedReasonInput {
                name: Some("Student".into()),
            },
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    client.list_deal_unqualified_reasons().send().await.unwrap();
    client
        .get_deal_unqualified_reason()
        .id(unqualified.data.id)
        .send()
        .await
        .unwrap();
    client
        .update_deal_unqualified_reason()
        .id(unqualified.data.id)
        .body(DealUnqualifiedReasonRequest {
            data: DealUnqualifiedReasonInput {
                name: Some("Students".into()),
            },
        })
        .send()
        .await
        .unwrap();
    client
        .delete_deal_unqualified_reason()
        .id(unqualified.data.id)
        .send()
        .await
        .unwrap();
    let lead_reasons = client.list_lead_unqualified_reasons().send().await.unwrap();
    assert_eq!(lead_reasons.items.len(), 3);

    let tags = client
        .list_tags()
        .resource_type("deal")
        .per_page(100)
        .send()
        .await
        .unwrap();
    assert!(
        tags.items
            .iter()
            .any(|t| t.data.name.as_deref() == Some("vip"))
    );
    let tag = client
        .create_tag()
        .body(TagRequest {
            data: TagInput {
                name: Some("hot-lead".into()),
                resource_type: Some("lead".into()),
            },
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    client.get_tag().id(tag.data.id).send().await.unwrap();
    client
        .update_tag()
        .id(tag.data.id)
        .body(TagRequest {
            data: TagInput {
                name: Some("warm-lead".into()),
                resource_type: None,
            },
        })
        .send()
        .await
        .unwrap();
    client.delete_tag().id(tag.data.id).send().await.unwrap();
    assert_eq!(
        status(
            client
                .create_tag()
                .body(TagRequest {
                    data: TagInput {
                        name: Some("x".into()),
                        resource_type: Some("order".into()),
                    },
                })
                .send()
                .await
        ),
        422,
        "tags are for contacts, leads and deals"
    );
}

#[tokio::test]
async fn associated_contacts_and_lead_conversions() {
    let (_mock, client) = start(8).await;
    let deals = client.list_deals().send().await.unwrap().into_inner();
    let deal_id = deals.items[0].data.id;
    let contact_id = 100_000_002;
    let associated = client
        .create_associated_contact()
        .deal_id(deal_id)
        .body(AssociatedContactRequest {
            data: AssociatedContactInput {
                contact_id,
                role: None,
            },
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(associated.data.role.as_deref(), Some("involved"));
    let listed = client
        .list_associated_contacts()
        .deal_id(deal_id)
        .send()
        .await
        .unwrap();
    assert!(listed.items.iter().any(|a| a.data.contact_id == contact_id));
    assert_eq!(
        status(
            client
                .create_associated_contact()
                .deal_id(deal_id)
                .body(AssociatedContactRequest {
                    data: AssociatedContactInput {
                        contact_id,
                        role: None,
                    },
                })
                .send()
                .await
        ),
        422,
        "already associated"
    );
    client
        .delete_associated_contact()
        .deal_id(deal_id)
        .contact_id(contact_id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        status(
            client
                .delete_associated_contact()
                .deal_id(deal_id)
                .contact_id(contact_id)
                .send()
                .await
        ),
        404
    );

    let lead = client
        .create_lead()
        .body(LeadRequest {
            data: LeadInput {
                first_name: Some("Rosa".into()),
                last_name: Some("Diaz".into()),
                organization_name: Some("Diaz Design".into()),
                email: Some("rosa@diaz.example.com".into()),
                ..Default::default()
            },
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    let conversion = client
        .create_lead_conversion()
        .body(LeadConversionRequest {
            data: LeadConversionInput {
                lead_id: lead.data.id,
                owner_id: Some(1_000_004),
                create_deal: None,
            },
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(conversion.data.lead_id, Some(lead.data.id));
    let person = client
        .get_contact()
        .id(conversion.data.individual_id.unwrap())
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(person.data.email.as_deref(), Some("rosa@diaz.example.com"));
    assert_eq!(person.data.owner_id, Some(1_000_004));
    assert_eq!(person.data.contact_id, conversion.data.organization_id);
    let deal = client
        .get_deal()
        .id(conversion.data.deal_id.unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(deal.data.contact_id, conversion.data.individual_id);
    let conversions = client
        .list_lead_conversions()
        .lead_id(lead.data.id)
        .send()
        .await
        .unwrap();
    assert_eq!(conversions.items.len(), 1);
    assert_eq!(
        status(
            client
                .create_lead_conversion()
                .body(LeadConversionRequest {
                    data: LeadConversionInput {
                        lead_id: lead.data.id,
                        owner_id: None,
                        create_deal: Some(false),
                    },
                })
                .send()
                .await
        ),
        422,
        "converted already"
    );
}

#[tokio::test]
async fn calls_visits_text_messages_and_collaborations() {
    let (_mock, client) = start(8).await;
    let outcomes = client.list_call_outcomes().send().await.unwrap();
    assert_eq!(outcomes.items.len(), 4);
    let seeded = client.list_calls().send().await.unwrap();
    assert_eq!(seeded.items.len(), 5);
    let call = client
        .create_call()
        .body(CallRequest {
            data: CallInput {
                phone_number: Some("+1-415-555-0199".into()),
                missed: Some(false),
                duration: Some(125),
                outcome_id: Some(outcomes.items[0].data.id),
                resource_type: Some(contact_type()),
                resource_id: Some(100_000_001),
                ..Default::default()
            },
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(call.data.user_id, Some(crm_mock::sell::USER_ID));
    client.get_call().id(call.data.id).send().await.unwrap();
    let updated = client
        .update_call()
        .id(call.data.id)
        .body(CallRequest {
            data: CallInput {
                summary: Some("Asked for a quote.".into()),
                ..Default::default()
            },
        })
        .send()
        .await
        .unwrap();
    assert_eq!(updated.data.summary.as_deref(), Some("Asked for a quote."));
    client.delete_call().id(call.data.id).send().await.unwrap();
    assert_eq!(
        status(
            client
                .create_call()
                .body(CallRequest {
                    data: CallInput {
                        phone_number: Some("1".into()),
                        missed: Some(true),
                        resource_type: Some(contact_type()),
                        resource_id: Some(5),
                        ..Default::default()
                    },
                })
                .send()
                .await
        ),
        422,
        "an unknown contact"
    );

    let visits = client.list_visits().send().await.unwrap();
    assert_eq!(visits.items.len(), 5);
    assert!(visits.items[0].data.resource_address.is_some());
    let visit_outcomes = client.list_visit_outcomes().send().await.unwrap();
    assert_eq!(visit_outcomes.items.len(), 3);

    let messages = client.list_text_messages().send().await.unwrap();
    assert_eq!(messages.items.len(), 5);
    let message = client
        .get_text_message()
        .id(messages.items[0].data.id)
        .send()
        .await
        .unwrap();
    assert!(message.data.content.is_some());

    let collaboration = client
        .create_collaboration()
        .body(CollaborationRequest {
            data: CollaborationInput {
                resource_type: Some(contact_type()),
                resource_id: Some(100_000_003),
                collaborator_id: Some(1_000_005),
            },
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    client
        .get_collaboration()
        .id(collaboration.data.id)
        .send()
        .await
        .unwrap();
    let shared = client
        .list_collaborations()
        .collaborator_id(1_000_005)
        .send()
        .await
        .unwrap();
    assert_eq!(shared.items.len(), 1);
    client
        .delete_collaboration()
        .id(collaboration.data.id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        status(
            client
                .create_collaboration()
                .body(CollaborationRequest {
                    data: CollaborationInput {
                        resource_type: Some(contact_type()),
                        resource_id: Some(100_000_003),
                        collaborator_id: Some(7),
                    },
                })
                .send()
                .await
        ),
        422,
        "an unknown user"
    );
}

#[tokio::test]
async fn the_contact_input_still_takes_the_seed_shape() {
    // A person created and read back: the nullable address decodes as None.
    let (_mock, client) = start(0).await;
    let created = client
        .create_contact()
        .body(ContactRequest {
            data: ContactInput {
                last_name: Some("Solo".into()),
                ..Default::default()
            },
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(created.data.address.is_none());
}
