//! Seeded Sell data: the account, two pipelines with their stages, products
//! and custom field definitions always; with `seed_records = N`, N contacts
//! (every fourth an organisation, most persons linked to the organisation
//! before them), N deals (on seeded contacts and stages), N leads, and N/4
//! notes and N/4 tasks on seeded contacts. Every seeded record is also a
//! `created` Firehose event.
//!
//! Records are serialised from typed structs straight to JSON text (no
//! intermediate `Value`), which keeps 100,000 contacts well under a second.

use std::sync::Arc;

use rand::Rng;
use serde::Serialize;
use serde_json::json;

use super::{EventKind, Inner, Resource, USER_ID};
use crate::rng::{self, MockRng, stream};
use crate::seed_data::{self as words, chance, pick};

/// 2024-01-01T00:00:00Z: seeded records are created from here on.
const EPOCH: i64 = 1_704_067_200;

/// The owners records are spread over.
const OWNERS: [i64; 5] = [USER_ID, 1_000_002, 1_000_003, 1_000_004, 1_000_005];

fn time(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .map(crate::http::rfc3339)
        .unwrap_or_default()
}

fn date(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

#[derive(Serialize)]
struct Address<'a> {
    line1: String,
    city: &'a str,
    postal_code: &'a str,
    state: &'a str,
    country: &'a str,
}

fn address<'a>(rng: &mut MockRng) -> Address<'a> {
    let (city, state, postal_code, country) = *pick(rng, words::PLACES);
    Address {
        line1: format!(
            "{} {}",
            rng.random_range(1..2000),
            pick(rng, words::STREETS)
        ),
        city,
        postal_code,
        state,
        country,
    }
}

#[derive(Serialize)]
struct ContactCustom<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    external_id: Option<String>,
    segment: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nps: Option<i64>,
    vip: bool,
}

#[derive(Serialize)]
struct Contact<'a> {
    id: i64,
    creator_id: i64,
    owner_id: i64,
    is_organization: bool,
    contact_id: Option<i64>,
    parent_organization_id: Option<i64>,
    name: Option<String>,
    first_name: Option<&'a str>,
    last_name: Option<&'a str>,
    customer_status: &'a str,
    prospect_status: &'a str,
    title: Option<&'a str>,
    description: Option<String>,
    industry: Option<&'a str>,
    website: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    mobile: Option<String>,
    fax: Option<String>,
    twitter: Option<String>,
    facebook: Option<String>,
    linkedin: Option<String>,
    skype: Option<String>,
    address: Address<'a>,
    billing_address: Option<Address<'a>>,
    shipping_address: Option<Address<'a>>,
    tags: Vec<&'a str>,
    custom_fields: ContactCustom<'a>,
    created_at: String,
    updated_at: String,
}

#[derive(Serialize)]
struct DealCustom<'a> {
    deal_source: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    po_number: Option<String>,
}

#[derive(Serialize)]
struct Deal<'a> {
    id: i64,
    creator_id: i64,
    owner_id: i64,
    name: String,
    /// As the Core API answers it: a JSON number.
    value: f64,
    currency: &'a str,
    hot: bool,
    stage_id: i64,
    contact_id: i64,
    organization_id: Option<i64>,
    source_id: Option<i64>,
    loss_reason_id: Option<i64>,
    unqualified_reason_id: Option<i64>,
    customized_win_likelihood: Option<i64>,
    estimated_close_date: String,
    last_stage_change_at: String,
    last_stage_change_by_id: i64,
    added_on: String,
    dropbox_email: String,
    last_activity_at: Option<String>,
    tags: Vec<&'a str>,
    custom_fields: DealCustom<'a>,
    created_at: String,
    updated_at: String,
}

#[derive(Serialize)]
struct LeadCustom<'a> {
    lead_score: i64,
    campaign: Option<&'a str>,
}

#[derive(Serialize)]
struct Lead<'a> {
    id: i64,
    creator_id: i64,
    owner_id: i64,
    first_name: Option<&'a str>,
    last_name: &'a str,
    organization_name: Option<String>,
    status: &'a str,
    source_id: Option<i64>,
    unqualified_reason_id: Option<i64>,
    title: Option<&'a str>,
    description: Option<&'a str>,
    industry: Option<&'a str>,
    website: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    mobile: Option<String>,
    fax: Option<String>,
    twitter: Option<String>,
    facebook: Option<String>,
    linkedin: Option<String>,
    skype: Option<String>,
    address: Address<'a>,
    tags: Vec<&'a str>,
    custom_fields: LeadCustom<'a>,
    created_at: String,
    updated_at: String,
}

fn company(rng: &mut MockRng) -> String {
    let stem = pick(rng, words::COMPANY_STEMS);
    let suffix = pick(rng, words::COMPANY_SUFFIXES);
    if suffix.is_empty() {
        (*stem).to_owned()
    } else {
        format!("{stem} {suffix}")
    }
}

fn tags<'a>(rng: &mut MockRng) -> Vec<&'a str> {
    let n = rng.random_range(0..3);
    let mut tags: Vec<&str> = (0..n).map(|_| *pick(rng, words::TAGS)).collect();
    tags.sort_unstable();
    tags.dedup();
    tags
}

fn push(inner: &mut Inner, resource: Resource, id: i64, created: i64, text: String) {
    let text: Arc<str> = Arc::from(text);
    inner
        .table(resource)
        .insert_text(id, Arc::clone(&text), None);
    inner.log(resource, EventKind::Created, created, text);
}

fn push_value(inner: &mut Inner, resource: Resource, record: &serde_json::Value) {
    let id = record
        .get("id")
        .and_then(serde_json::Value::as_i64)
        .unwrap_or(0);
    let text = inner.table(resource).insert(id, record);
    inner.log(resource, EventKind::Created, EPOCH - 86_400, text);
}

/// Seeds `inner` with everything above.
pub(super) fn seed(inner: &mut Inner, seed: u64, records: usize) {
    let before = time(EPOCH - 86_400);
    inner.account = json!({
        "id": 9_000_001, "name": "Mock Sell Account", "currency": "USD",
        "time_format": "24H", "timezone": "UTC+00:00", "phone": "+1-415-555-0100",
        "created_at": before, "updated_at": before,
    });

    // Pipelines and stages.
    let pipelines = [(1, "Sales Pipeline", false), (2, "Partnerships", false)];
    for (id, name, disabled) in pipelines {
        push_value(
            inner,
            Resource::Pipeline,
            &json!({"id": id, "name": name, "disabled": disabled, "created_at": before, "updated_at": before}),
        );
    }
    let stages: [(i64, &str, &str, i64, i64); 11] = [
        (1, "Incoming", "incoming", 1, 10),
        (1, "Qualified", "in_progress", 2, 25),
        (1, "Quote", "in_progress", 3, 50),
        (1, "Closure", "in_progress", 4, 75),
        (1, "Won", "won", 5, 100),
        (1, "Lost", "lost", 6, 0),
        (1, "Unqualified", "unqualified", 7, 0),
        (2, "Intro", "incoming", 1, 10),
        (2, "Negotiation", "in_progress", 2, 50),
        (2, "Signed", "won", 3, 100),
        (2, "Dropped", "lost", 4, 0),
    ];
    let mut stage_ids = Vec::new();
    for (pipeline_id, name, category, position, likelihood) in stages {
        let id = inner.table(Resource::Stage).next_id();
        stage_ids.push(id);
        push_value(
            inner,
            Resource::Stage,
            &json!({
                "id": id, "name": name, "category": category, "active": true,
                "position": position, "likelihood": likelihood, "pipeline_id": pipeline_id,
                "created_at": before, "updated_at": before,
            }),
        );
    }

    // Products.
    for (i, name) in words::PRODUCTS.iter().enumerate() {
        let id = inner.table(Resource::Product).next_id();
        let price = 100.0 * (i as f64 + 1.0) + 0.5;
        push_value(
            inner,
            Resource::Product,
            &json!({
                "id": id, "name": name, "description": format!("{name} (mock)"),
                "sku": format!("SKU-{:04}", i + 1), "active": i != 3,
                "max_discount": 20, "max_markup": 50, "cost": format!("{:.2}", price * 0.6),
                "cost_currency": "USD",
                "prices": [{"amount": format!("{price:.2}"), "currency": "USD"}, {"amount": format!("{:.2}", price * 0.92), "currency": "EUR"}],
                "version": 1, "created_at": before, "updated_at": before,
            }),
        );
    }

    // Custom field definitions.
    let definitions: [(&str, &str, &str, Option<&[&str]>); 8] = [
        ("external_id", "string", "contact", None),
        (
            "segment",
            "list",
            "contact",
            Some(&["SMB", "Mid-Market", "Enterprise"]),
        ),
        ("nps", "number", "contact", None),
        ("vip", "bool", "contact", None),
        ("customer_since", "date", "prospect_and_customer", None),
        (
            "deal_source",
            "list",
            "deal",
            Some(&["Inbound", "Outbound", "Partner", "Event"]),
        ),
        ("po_number", "string", "deal", None),
        ("lead_score", "number", "lead", None),
    ];
    let mut choice_id = 500;
    for (name, kind, resource_type, choices) in definitions {
        let id = inner.table(Resource::CustomField).next_id();
        let choices = choices.map(|list| {
            list.iter()
                .map(|c| {
                    choice_id += 1;
                    json!({"id": choice_id, "name": c})
                })
                .collect::<Vec<_>>()
        });
        push_value(
            inner,
            Resource::CustomField,
            &json!({
                "id": id, "name": name, "type": kind, "resource_type": resource_type,
                "for_contact": resource_type == "contact", "for_organisation": resource_type == "contact",
                "choices": choices, "created_at": before, "updated_at": before,
            }),
        );
    }
    // `campaign` is a lead custom field too.
    let id = inner.table(Resource::CustomField).next_id();
    push_value(
        inner,
        Resource::CustomField,
        &json!({"id": id, "name": "campaign", "type": "string", "resource_type": "lead",
                "for_contact": false, "for_organisation": false, "choices": null,
                "created_at": before, "updated_at": before}),
    );

    seed_users(inner, &before);
    seed_picklists(inner, &before);

    if records == 0 {
        return;
    }
    let mut rng = rng::rng(seed, stream::SEED);
    let contact_ids = seed_contacts(inner, &mut rng, records);
    seed_deals(inner, &mut rng, records, &contact_ids, &stage_ids);
    seed_leads(inner, &mut rng, records);
    seed_notes_and_tasks(inner, &mut rng, records / 4, &contact_ids);
    seed_activities(inner, &contact_ids);
}

/// The account's users: the five owners of the seeded records (ids
/// [`OWNERS`], the first the admin the token belongs to) and an inactive
/// one. Seeded without the random stream, so the other records stay as
/// they were.
pub(super) const USERS: [(i64, &str, &str, &str, &str); 6] = [
    (
        USER_ID,
        "Alex Morgan",
        "alex.morgan@mocksell.example.com",
        "admin",
        "active",
    ),
    (
        1_000_002,
        "Blake Chen",
        "blake.chen@mocksell.example.com",
        "user",
        "active",
    ),
    (
        1_000_003,
        "Casey Rivera",
        "casey.rivera@mocksell.example.com",
        "user",
        "active",
    ),
    (
        1_000_004,
        "Devon Patel",
        "devon.patel@mocksell.example.com",
        "user",
        "active",
    ),
    (
        1_000_005,
        "Emerson Kim",
        "emerson.kim@mocksell.example.com",
        "user",
        "active",
    ),
    (
        1_000_006,
        "Finley Okafor",
        "finley.okafor@mocksell.example.com",
        "user",
        "inactive",
    ),
];

fn seed_users(inner: &mut Inner, before: &str) {
    debug_assert!(OWNERS.iter().all(|o| USERS.iter().any(|u| u.0 == *o)));
    for (id, name, email, role, status) in USERS {
        let reports_to = (id != USER_ID).then_some(USER_ID);
        push_value(
            inner,
            Resource::User,
            &json!({
                "id": id, "name": name, "email": email, "role": role, "status": status,
                "confirmed": true, "invited": false, "phone_number": null,
                "timezone": "UTC+00:00", "team_name": "Sales", "reports_to": reports_to,
                "zendesk_user_id": null, "deleted_at": null,
                "created_at": before, "updated_at": before,
            }),
        );
    }
}

/// Sources (deal `source_id` 1–5 and lead `source_id` 1–5 name them),
/// reasons, tags and activity outcomes.
fn seed_picklists(inner: &mut Inner, before: &str) {
    let named = |inner: &mut Inner, resource: Resource, names: &[&str], kind: Option<&str>| {
        for name in names {
            let id = inner.table(resource).next_id();
            let mut record = json!({"id": id, "name": name, "creator_id": USER_ID,
                                    "created_at": before, "updated_at": before});
            if let Some(kind) = kind {
                record["resource_type"] = json!(kind);
            }
            push_value(inner, resource, &record);
        }
    };
    let sources = ["Inbound", "Outbound", "Referral", "Partner", "Event"];
    named(inner, Resource::DealSource, &sources, Some("deal"));
    named(inner, Resource::LeadSource, &sources, Some("lead"));
    named(
        inner,
        Resource::LossReason,
        &["Price", "Competitor", "No budget", "Timing"],
        None,
    );
    named(
        inner,
        Resource::DealUnqualifiedReason,
        &["Not a fit", "Duplicate", "No authority"],
        None,
    );
    named(
        inner,
        Resource::LeadUnqualifiedReason,
        &["Not interested", "Wrong contact", "Spam"],
        None,
    );
    named(
        inner,
        Resource::CallOutcome,
        &[
            "Interested",
            "Left voicemail",
            "No answer",
            "Not interested",
        ],
        None,
    );
    named(
        inner,
        Resource::VisitOutcome,
        &["Met", "Rescheduled", "Nobody there"],
        None,
    );
    for kind in ["contact", "lead", "deal"] {
        for name in words::TAGS {
            let id = inner.table(Resource::Tag).next_id();
            push_value(
                inner,
                Resource::Tag,
                &json!({"id": id, "name": name, "resource_type": kind, "creator_id": USER_ID,
                        "created_at": before, "updated_at": before}),
            );
        }
    }
}

/// A few calls, visits and text messages on the first seeded contacts, and
/// one collaboration (deterministic: no draw from the random stream).
fn seed_activities(inner: &mut Inner, contacts: &[(i64, bool, Option<i64>)]) {
    let mut at = EPOCH + 14_400;
    for (i, (contact_id, _, _)) in contacts.iter().take(5).enumerate() {
        at += 3_600;
        let user = OWNERS[i % OWNERS.len()];
        let phone = format!("+1-415-555-{:04}", 100 + i);
        let id = inner.table(Resource::Call).next_id();
        push_value(
            inner,
            Resource::Call,
            &json!({
                "id": id, "user_id": user, "summary": "Discussed the renewal.",
                "recording_url": null, "outcome_id": 1 + (i as i64 % 4), "duration": 60 * (i as i64 + 1),
                "phone_number": phone, "incoming": i % 2 == 1, "missed": i == 2,
                "external_id": null, "resource_id": contact_id, "resource_type": "contact",
                "associated_deal_ids": [], "made_at": time(at),
                "created_at": time(at), "updated_at": time(at),
            }),
        );
        let id = inner.table(Resource::Visit).next_id();
        push_value(
            inner,
            Resource::Visit,
            &json!({
                "id": id, "creator_id": user, "outcome_id": 1 + (i as i64 % 3),
                "resource_id": contact_id, "resource_type": "contact",
                "resource_address": "1 Market St, San Francisco, CA",
                "rep_location_verification_status": "rep_verified",
                "summary": "On-site demo.", "visited_at": time(at + 86_400),
                "created_at": time(at + 86_400), "updated_at": time(at + 86_400),
            }),
        );
        let id = inner.table(Resource::TextMessage).next_id();
        push_value(
            inner,
            Resource::TextMessage,
            &json!({
                "id": id, "content": "Thanks for your time today!", "incoming": false,
                "sent_at": time(at + 600), "user_id": user, "user_phone_number": "+1-415-555-0100",
                "resource_id": contact_id, "resource_type": "contact", "resource_phone_number": phone,
                "associated_deal_ids": [], "created_at": time(at + 600), "updated_at": time(at + 600),
            }),
        );
    }
    if let Some((contact_id, _, _)) = contacts.first() {
        let id = inner.table(Resource::Collaboration).next_id();
        push_value(
            inner,
            Resource::Collaboration,
            &json!({
                "id": id, "resource_type": "contact", "resource_id": contact_id,
                "collaborator_id": 1_000_002, "creator_id": USER_ID,
                "created_at": time(EPOCH + 20_000), "updated_at": time(EPOCH + 20_000),
            }),
        );
    }
}

/// Contact `i` is an organisation when `i % 4 == 0`.
fn seed_contacts(inner: &mut Inner, rng: &mut MockRng, n: usize) -> Vec<(i64, bool, Option<i64>)> {
    let mut out = Vec::with_capacity(n);
    let mut org: Option<(i64, String)> = None;
    let mut created = EPOCH;
    for i in 0..n {
        let id = inner.table(Resource::Contact).next_id();
        created += rng.random_range(30..600);
        let updated = created
            + if chance(rng, 0.3) {
                rng.random_range(60..90 * 86_400)
            } else {
                0
            };
        let is_org = i % 4 == 0;
        let place = address(rng);
        let owner = *pick(rng, &OWNERS);
        let customer_status = *pick(rng, &["none", "current", "past"]);
        let prospect_status = *pick(rng, &["none", "current", "lost"]);
        let odd = i % 97 == 13;
        let contact = if is_org {
            let name = if odd { String::new() } else { company(rng) };
            let domain = words::domain(&name);
            org = Some((id, domain.clone()));
            Contact {
                id,
                creator_id: USER_ID,
                owner_id: owner,
                is_organization: true,
                contact_id: None,
                parent_organization_id: None,
                name: Some(name),
                first_name: None,
                last_name: None,
                customer_status,
                prospect_status,
                title: None,
                description: chance(rng, 0.3)
                    .then(|| "Key account — renewal due in Q3.".to_owned()),
                industry: Some(*pick(rng, words::INDUSTRIES)),
                website: Some(format!("https://www.{domain}")),
                email: Some(format!("info{id}@{domain}")),
                phone: Some(words::phone(rng)),
                mobile: None,
                fax: chance(rng, 0.1).then(|| words::phone(rng)),
                twitter: None,
                facebook: None,
                linkedin: chance(rng, 0.4).then(|| format!("company/org{id}")),
                skype: None,
                address: place,
                billing_address: chance(rng, 0.5).then(|| address(rng)),
                shipping_address: chance(rng, 0.3).then(|| address(rng)),
                tags: tags(rng),
                custom_fields: ContactCustom {
                    external_id: Some(format!("EXT-{id}")),
                    segment: Some(*pick(rng, &["SMB", "Mid-Market", "Enterprise"])),
                    nps: chance(rng, 0.5).then(|| rng.random_range(0..11)),
                    vip: chance(rng, 0.1),
                },
                created_at: time(created),
                updated_at: time(updated),
            }
        } else {
            let first = *pick(rng, words::FIRST_NAMES);
            let last = *pick(rng, words::LAST_NAMES);
            let linked = org.as_ref().filter(|_| chance(rng, 0.8));
            let domain = linked.map_or_else(|| "example.com".to_owned(), |(_, d)| d.clone());
            Contact {
                id,
                creator_id: USER_ID,
                owner_id: owner,
                is_organization: false,
                contact_id: linked.map(|(org_id, _)| *org_id),
                parent_organization_id: None,
                name: Some(format!("{first} {last}")),
                first_name: Some(first),
                last_name: Some(last),
                customer_status,
                prospect_status,
                title: Some(*pick(rng, words::TITLES)),
                description: None,
                industry: None,
                website: None,
                email: (!odd).then(|| {
                    format!(
                        "{}@{domain}",
                        words::email_local(first, last, id as u64 % 10_000)
                    )
                }),
                phone: Some(words::phone(rng)),
                mobile: chance(rng, 0.6).then(|| words::phone(rng)),
                fax: None,
                twitter: chance(rng, 0.2)
                    .then(|| format!("@{}", words::email_local(first, last, 0))),
                facebook: None,
                linkedin: chance(rng, 0.5)
                    .then(|| format!("in/{}", words::email_local(first, last, id as u64 % 1000))),
                skype: None,
                address: place,
                billing_address: None,
                shipping_address: None,
                tags: tags(rng),
                custom_fields: ContactCustom {
                    external_id: chance(rng, 0.7).then(|| format!("EXT-{id}")),
                    segment: None,
                    nps: chance(rng, 0.3).then(|| rng.random_range(0..11)),
                    vip: chance(rng, 0.05),
                },
                created_at: time(created),
                updated_at: time(updated),
            }
        };
        let parent = contact.contact_id;
        let text = serde_json::to_string(&contact).unwrap_or_default();
        push(inner, Resource::Contact, id, created, text);
        out.push((id, is_org, parent));
    }
    out
}

fn seed_deals(
    inner: &mut Inner,
    rng: &mut MockRng,
    n: usize,
    contacts: &[(i64, bool, Option<i64>)],
    stages: &[i64],
) {
    let mut created = EPOCH + 3_600;
    for _ in 0..n {
        let id = inner.table(Resource::Deal).next_id();
        created += rng.random_range(30..600);
        let updated = created + rng.random_range(0..60 * 86_400);
        let (contact_id, is_org, parent) = contacts[rng.random_range(0..contacts.len())];
        let organization_id = if is_org { Some(contact_id) } else { parent };
        let cents = rng.random_range(10_000..50_000_000_i64);
        // The Core API answers a deal's value as a JSON number.
        let value = cents as f64 / 100.0;
        let stage_id = stages[rng.random_range(0..stages.len())];
        let product = pick(rng, words::PRODUCTS);
        let stem = pick(rng, words::COMPANY_STEMS);
        let deal = Deal {
            id,
            creator_id: USER_ID,
            owner_id: *pick(rng, &OWNERS),
            name: format!("{stem} – {product}"),
            value,
            currency: words::word(rng, &["USD", "USD", "USD", "EUR", "GBP"]),
            hot: chance(rng, 0.15),
            stage_id,
            contact_id,
            organization_id,
            source_id: chance(rng, 0.5).then(|| rng.random_range(1..6)),
            loss_reason_id: None,
            unqualified_reason_id: None,
            customized_win_likelihood: chance(rng, 0.2).then(|| rng.random_range(0..101)),
            estimated_close_date: date(created + rng.random_range(7..180) * 86_400),
            last_stage_change_at: time(updated),
            last_stage_change_by_id: USER_ID,
            added_on: time(created),
            dropbox_email: format!("dropbox@{id}.deals.example.com"),
            last_activity_at: chance(rng, 0.5).then(|| time(updated)),
            tags: tags(rng),
            custom_fields: DealCustom {
                deal_source: words::word(rng, &["Inbound", "Outbound", "Partner", "Event"]),
                po_number: chance(rng, 0.3)
                    .then(|| format!("PO-{}", rng.random_range(10_000..99_999))),
            },
            created_at: time(created),
            updated_at: time(updated),
        };
        let text = serde_json::to_string(&deal).unwrap_or_default();
        push(inner, Resource::Deal, id, created, text);
    }
}

fn seed_leads(inner: &mut Inner, rng: &mut MockRng, n: usize) {
    let mut created = EPOCH + 7_200;
    for i in 0..n {
        let id = inner.table(Resource::Lead).next_id();
        created += rng.random_range(30..600);
        let updated = created + rng.random_range(0..30 * 86_400);
        let first = *pick(rng, words::FIRST_NAMES);
        let last = *pick(rng, words::LAST_NAMES);
        let organization = company(rng);
        let domain = words::domain(&organization);
        let lead = Lead {
            id,
            creator_id: USER_ID,
            owner_id: *pick(rng, &OWNERS),
            first_name: (i % 53 != 7).then_some(first),
            last_name: last,
            organization_name: chance(rng, 0.8).then_some(organization),
            status: words::word(rng, &["New", "Working", "Unqualified", "Nurture"]),
            source_id: chance(rng, 0.5).then(|| rng.random_range(1..6)),
            unqualified_reason_id: None,
            title: Some(*pick(rng, words::TITLES)),
            description: chance(rng, 0.2).then_some("Met at the trade fair; wants a demo."),
            industry: Some(*pick(rng, words::INDUSTRIES)),
            website: Some(format!("https://{domain}")),
            email: Some(format!(
                "{}@{domain}",
                words::email_local(first, last, id as u64 % 10_000)
            )),
            phone: Some(words::phone(rng)),
            mobile: chance(rng, 0.4).then(|| words::phone(rng)),
            fax: None,
            twitter: None,
            facebook: None,
            linkedin: None,
            skype: None,
            address: address(rng),
            tags: tags(rng),
            custom_fields: LeadCustom {
                lead_score: rng.random_range(0..101),
                campaign: chance(rng, 0.5)
                    .then(|| *pick(rng, &["spring-2024", "webinar", "trade-fair", ""])),
            },
            created_at: time(created),
            updated_at: time(updated),
        };
        let text = serde_json::to_string(&lead).unwrap_or_default();
        push(inner, Resource::Lead, id, created, text);
    }
}

fn seed_notes_and_tasks(
    inner: &mut Inner,
    rng: &mut MockRng,
    n: usize,
    contacts: &[(i64, bool, Option<i64>)],
) {
    let mut created = EPOCH + 10_800;
    for _ in 0..n {
        let id = inner.table(Resource::Note).next_id();
        created += rng.random_range(60..1200);
        let (contact_id, _, _) = contacts[rng.random_range(0..contacts.len())];
        let note = json!({
            "id": id, "creator_id": USER_ID,
            "content": *pick(rng, &["Called, left a voicemail.", "Sent the quote.", "Prefers e-mail — écrire en français.", "Follow up after the holidays."]),
            "resource_type": "contact", "resource_id": contact_id,
            "is_important": chance(rng, 0.1), "type": "regular", "tags": [],
            "created_at": time(created), "updated_at": time(created),
        });
        let text = note.to_string();
        push(inner, Resource::Note, id, created, text);

        let id = inner.table(Resource::Task).next_id();
        let due = created + rng.random_range(1..30) * 86_400;
        let completed = chance(rng, 0.4);
        let overdue = !completed && due < chrono::Utc::now().timestamp();
        let task = json!({
            "id": id, "creator_id": USER_ID, "owner_id": *pick(rng, &OWNERS),
            "content": *pick(rng, &["Call back", "Send contract", "Prepare demo", "Check in"]),
            "due_date": time(due), "resource_type": "contact", "resource_id": contact_id,
            "completed": completed, "remind_at": chance(rng, 0.3).then(|| time(due - 3_600)),
            "completed_at": completed.then(|| time(due - 600)), "overdue": overdue,
            "created_at": time(created), "updated_at": time(created),
        });
        let text = task.to_string();
        push(inner, Resource::Task, id, created, text);
    }
}
