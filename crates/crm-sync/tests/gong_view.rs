//! What Gong shows after a sync, read back from the Gong mock: the fields
//! Gong matches calls and emails on (domains, account links, owners,
//! status, close dates, URLs back to the CRM) for Sell → Gong and
//! ConeCRM → Gong.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use std::collections::{BTreeMap, BTreeSet};

use crm_core::System;
use crm_mock::{MockConfig, RunningMock, System as MockSystem};
use crm_sync::connectors::{ConeConnector, GongConnector, SellConnector};
use crm_sync::{Connectors, MemoryStore, NoObserver, SyncPlan, SyncReport};
use gong_crm_api::bulk::BulkOptions;
use serde_json::Value;

const RECORDS: usize = 300;

/// A Sell mock seeded with `records` per entity, and its connector.
async fn sell(seed: u64, records: usize) -> (RunningMock, SellConnector) {
    let mock = RunningMock::start(
        MockSystem::ZendeskSell,
        MockConfig::new(seed).with_seed_records(records),
    )
    .await
    .unwrap();
    let client =
        zendesk_sell_api::Client::from_config(mock.client_config(zendesk_sell_api::Client::config))
            .unwrap();
    (mock, SellConnector::new(client))
}

/// A Gong mock with an integration, and its connector.
async fn gong() -> (RunningMock, GongConnector) {
    let mock = RunningMock::start(MockSystem::Gong, MockConfig::new(11))
        .await
        .unwrap();
    let client =
        gong_crm_api::Client::from_config(mock.client_config(gong_crm_api::Client::config))
            .unwrap();
    let integration = client
        .register_generic_crm_integration()
        .body(gong_crm_api::types::GenericCrmRegistrationRequest {
            owner_email: "ops@example.com".into(),
            name: "test".into(),
        })
        .send_typed()
        .await
        .unwrap()
        .integration_id
        .unwrap();
    let bulk = BulkOptions {
        poll_initial: std::time::Duration::from_millis(10),
        poll_max: std::time::Duration::from_millis(50),
        ..BulkOptions::default()
    };
    (
        mock,
        GongConnector::new(client, integration).with_bulk(bulk),
    )
}

async fn sync(from: System, connectors: &Connectors) -> SyncReport {
    let mut plan = SyncPlan::new(from, System::Gong);
    plan.options.gong_currency = Some(crm_core::Currency::new("USD"));
    plan.options.default_modified_date = chrono::DateTime::from_timestamp(1_750_000_000, 0);
    crm_sync::run(&plan, connectors, &mut MemoryStore::default(), &NoObserver)
        .await
        .unwrap()
}

fn sell_mock_deal(mock: &RunningMock, deal: &Value) -> Value {
    let id: i64 = deal["objectId"].as_str().unwrap()[3..].parse().unwrap();
    mock.records("deal")
        .into_iter()
        .find(|d| d["id"] == id)
        .unwrap()
}

fn field<'a>(record: &'a Value, key: &str) -> Option<&'a Value> {
    record.get(key).filter(|v| !v.is_null())
}

fn ids(records: &[Value]) -> BTreeSet<String> {
    records
        .iter()
        .filter_map(|r| r["objectId"].as_str().map(str::to_owned))
        .collect()
}

/// Share of `records` for which `test` holds, as "n/m".
fn share(records: &[&Value], test: impl Fn(&Value) -> bool) -> (usize, usize) {
    (records.iter().filter(|r| test(r)).count(), records.len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sell_to_gong_as_gong_shows_it() {
    let (sell_mock, sell) = sell(11, RECORDS).await;
    let (gong_mock, gong) = gong().await;
    let connectors = Connectors::new().with(sell).with(gong);
    let report = sync(System::ZendeskSell, &connectors).await;

    let accounts = gong_mock.records("ACCOUNT");
    let contacts = gong_mock.records("CONTACT");
    let deals = gong_mock.records("DEAL");
    let stages = gong_mock.records("STAGE");
    let account_ids = ids(&accounts);
    assert_eq!(
        accounts.len(),
        RECORDS / 4,
        "every organisation is an account"
    );

    // Domains: every Sell organisation with a website carries its domain.
    let sell_orgs: BTreeMap<String, Value> = sell_mock
        .records("contact")
        .into_iter()
        .filter(|c| c["is_organization"] == Value::Bool(true))
        .map(|c| (format!("zs-{}", c["id"]), c))
        .collect();
    let with_site: Vec<&Value> = accounts
        .iter()
        .filter(|a| sell_orgs[a["objectId"].as_str().unwrap()]["website"].is_string())
        .collect();
    assert!(!with_site.is_empty());
    assert_eq!(
        share(&with_site, |a| field(a, "domains")
            .and_then(Value::as_array)
            .is_some_and(|d| !d.is_empty())),
        (with_site.len(), with_site.len()),
        "accounts with a website carry domains"
    );

    // Deal status from the stage category.
    let categories: BTreeMap<String, String> = sell_mock
        .records("stage")
        .into_iter()
        .map(|s| {
            (
                format!("zs-{}", s["id"]),
                s["category"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let closed: Vec<&Value> = deals
        .iter()
        .filter(|d| {
            matches!(
                categories[d["stage"].as_str().unwrap()].as_str(),
                "won" | "lost" | "unqualified"
            )
        })
        .collect();
    assert!(!closed.is_empty());
    assert_eq!(
        share(&closed, |d| {
            let want = if categories[d["stage"].as_str().unwrap()] == "won" {
                "WON"
            } else {
                "LOST"
            };
            d["status"] == want
        }),
        (closed.len(), closed.len()),
        "won/lost deals carry WON/LOST"
    );
    assert!(
        deals
            .iter()
            .all(|d| field(d, "status").is_some() && field(d, "closeDate").is_some())
    );

    // Deals point to an uploaded account (via their contact when they name no organisation).
    let all: Vec<&Value> = deals.iter().collect();
    let (with_account, n) = share(&all, |d| {
        d["accountId"]
            .as_str()
            .is_some_and(|a| account_ids.contains(a))
    });
    let hidden = report
        .entity(crm_core::EntityKind::Deal)
        .unwrap()
        .hidden
        .get("deal.account")
        .copied()
        .unwrap_or(0);
    assert_eq!(
        with_account as u64 + hidden,
        n as u64,
        "a deal without an account is reported"
    );
    // …and every deal whose source says where it belongs has one.
    let sell_contacts: BTreeMap<i64, Value> = sell_mock
        .records("contact")
        .into_iter()
        .map(|c| (c["id"].as_i64().unwrap(), c))
        .collect();
    let belongs = |d: &Value| {
        let source = sell_mock_deal(&sell_mock, d);
        source["organization_id"].is_i64()
            || source["contact_id"]
                .as_i64()
                .and_then(|c| sell_contacts.get(&c))
                .is_some_and(|c| {
                    c["is_organization"] == true || c["parent_organization_id"].is_i64()
                })
    };
    assert_eq!(
        share(&all, belongs).0,
        with_account,
        "{with_account}/{n} deals with an account"
    );

    // Owners: every deal owner is an uploaded business user with an email.
    let users: BTreeMap<String, Value> = gong_mock
        .records("BUSINESS_USER")
        .into_iter()
        .map(|u| (u["objectId"].as_str().unwrap().to_owned(), u))
        .collect();
    assert!(!users.is_empty(), "Sell's users are business users in Gong");
    let owned: Vec<&Value> = deals.iter().filter(|d| d["ownerId"].is_string()).collect();
    assert_eq!(owned.len(), deals.len(), "every Sell deal has an owner");
    assert_eq!(
        share(&owned, |d| users
            .get(d["ownerId"].as_str().unwrap())
            .is_some_and(|u| u["emailAddress"]
                .as_str()
                .is_some_and(|e| e.contains('@')))),
        (owned.len(), owned.len()),
        "deal owners are business users with an email"
    );
    assert!(users.values().all(|u| u["url"].is_string()));
    // What Gong's deal board shows: every deal with an account.
    let board = gong_mock.stats().gong_board;
    assert_eq!(board.without_known_owner, 0, "{board:?}");
    assert_eq!(board.visible as usize, with_account, "{board:?}");

    // Stages: unique objectIds and sortOrders, each pipeline's together.
    let orders: BTreeSet<i64> = stages
        .iter()
        .map(|s| s["sortOrder"].as_i64().unwrap())
        .collect();
    assert_eq!(orders.len(), stages.len(), "one sortOrder per stage");

    // Every record links back to Sell.
    for (kind, records) in [
        ("account", &accounts),
        ("contact", &contacts),
        ("deal", &deals),
    ] {
        assert!(
            records.iter().all(|r| r["url"]
                .as_str()
                .is_some_and(|u| u.starts_with("https://app.futuresimple.com/"))),
            "every {kind} has a url"
        );
    }
    // Foreign amounts: never sent as USD.
    let sell_deals: BTreeMap<String, Value> = sell_mock
        .records("deal")
        .into_iter()
        .map(|d| (format!("zs-{}", d["id"]), d))
        .collect();
    for d in &deals {
        let source = &sell_deals[d["objectId"].as_str().unwrap()];
        if source["currency"] != "USD" {
            assert!(field(d, "amount").is_none(), "{d}");
            assert_eq!(d["sourceCurrency"], source["currency"]);
        }
    }
    sell_mock.shutdown().await;
    gong_mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conecrm_to_gong_as_gong_shows_it() {
    let cone_mock = RunningMock::start(
        MockSystem::Conecrm,
        MockConfig::new(11).with_seed_records(RECORDS),
    )
    .await
    .unwrap();
    let (gong_mock, gong) = gong().await;
    let cone =
        conecrm_api::Client::from_config(cone_mock.client_config(conecrm_api::Client::config))
            .unwrap();
    let connectors = Connectors::new().with(ConeConnector::new(cone)).with(gong);
    let report = sync(System::Conecrm, &connectors).await;
    assert_eq!(
        report.entities.iter().map(|e| e.kind).collect::<Vec<_>>(),
        [
            crm_core::EntityKind::Stage,
            crm_core::EntityKind::Account,
            crm_core::EntityKind::Contact,
            crm_core::EntityKind::Deal,
            crm_core::EntityKind::Lead
        ]
    );

    let source: BTreeMap<String, Value> = ["account", "contact", "lead"]
        .into_iter()
        .flat_map(|e| cone_mock.records(e))
        .map(|r| (format!("cc-{}", r["id"].as_str().unwrap()), r))
        .collect();
    let accounts = gong_mock.records("ACCOUNT");
    let contacts = gong_mock.records("CONTACT");
    let deals = gong_mock.records("DEAL");
    assert_eq!(
        (accounts.len(), contacts.len(), deals.len()),
        (RECORDS, RECORDS, RECORDS)
    );

    // modifiedDate is the source's dateModified.
    for r in accounts.iter().chain(&contacts).chain(&deals) {
        let id = r["objectId"].as_str().unwrap();
        let want =
            chrono::DateTime::parse_from_rfc3339(source[id]["dateModified"].as_str().unwrap())
                .unwrap();
        let got =
            chrono::DateTime::parse_from_rfc3339(r["modifiedDate"].as_str().unwrap()).unwrap();
        assert_eq!(got, want, "{id}");
    }
    // Every account with a business email carries domains.
    let all: Vec<&Value> = accounts.iter().collect();
    let with_email = all
        .iter()
        .filter(|a| {
            source[a["objectId"].as_str().unwrap()]["primaryEmail"]
                .as_str()
                .is_some_and(|e| crm_core::domains::email_domain(e).is_some())
        })
        .count();
    assert!(with_email > 0);
    assert_eq!(share(&all, |a| field(a, "domains").is_some()).0, with_email);
    // Contacts with an account carry accountId.
    for c in &contacts {
        let listed = source[c["objectId"].as_str().unwrap()]["accounts"]
            .as_array()
            .map_or(0, Vec::len);
        assert_eq!(field(c, "accountId").is_some(), listed > 0, "{c}");
    }
    // Deals: status from the lead's state, account and url.
    let statuses: BTreeSet<&str> = deals.iter().filter_map(|d| d["status"].as_str()).collect();
    assert_eq!(statuses, BTreeSet::from(["LOST", "OPEN", "WON"]));
    for d in &deals {
        let lead = &source[d["objectId"].as_str().unwrap()];
        let want = if lead["lostDate"].is_string() {
            "LOST"
        } else if lead["orderPlaced"] == true {
            "WON"
        } else {
            "OPEN"
        };
        assert_eq!(d["status"], want);
        assert!(
            d["accountId"].is_string()
                && d["url"].as_str().is_some_and(|u| u.starts_with("https://"))
        );
    }
    assert!(
        accounts
            .iter()
            .chain(&contacts)
            .all(|r| r["url"].is_string())
    );
    cone_mock.shutdown().await;
    gong_mock.shutdown().await;
}

/// Gong's rule for a business user whose email changed: delete the user
/// (with the email Gong knows), then send it again with the new one, in a
/// later file. The email Gong knows is the link the last run kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_whose_email_changed_is_deleted_then_re_added() {
    let (sell_mock, sell) = sell(12, 8).await;
    let (gong_mock, gong) = gong().await;
    let connectors = Connectors::new().with(sell).with(gong);
    let mut plan = SyncPlan::new(System::ZendeskSell, System::Gong);
    plan.entities = vec![crm_core::EntityKind::User];
    let mut store = MemoryStore::default();
    crm_sync::run(&plan, &connectors, &mut store, &NoObserver)
        .await
        .unwrap();
    let users = gong_mock.records("BUSINESS_USER");
    let blake = users
        .iter()
        .find(|u| u["objectId"] == "zs-1000002")
        .unwrap()
        .clone();
    let email = blake["emailAddress"].as_str().unwrap().to_owned();

    // Gong knew Blake by another address (the email changed in Sell since).
    let mut state = crm_sync::CheckpointStore::load_state(&mut store).unwrap();
    let links = state.links.get_mut(&plan.key()).unwrap();
    assert_eq!(
        links["user:1000002"], email,
        "users are linked by their email"
    );
    links.insert("user:1000002".into(), "blake.old@example.com".into());
    crm_sync::CheckpointStore::save_state(&mut store, &state).unwrap();
    let before = gong_mock.stats().gong_receipts["BUSINESS_USER"].clone();

    let report = crm_sync::run(&plan, &connectors, &mut store, &NoObserver)
        .await
        .unwrap();
    assert!(report.is_clean(), "{report:?}");
    let after = gong_mock.stats().gong_receipts["BUSINESS_USER"].clone();
    assert_eq!(
        after["zs-1000002"] - before["zs-1000002"],
        2,
        "a deletion, then the user again"
    );
    assert_eq!(
        after["zs-1000003"] - before["zs-1000003"],
        1,
        "an unchanged user is sent once"
    );
    let now = gong_mock.records("BUSINESS_USER");
    let blake = now.iter().find(|u| u["objectId"] == "zs-1000002").unwrap();
    assert_eq!(blake["emailAddress"], email.as_str());
    assert_ne!(blake["isDeleted"], true);
    let state = crm_sync::CheckpointStore::load_state(&mut store).unwrap();
    assert_eq!(state.links[&plan.key()]["user:1000002"], email);
    sell_mock.shutdown().await;
    gong_mock.shutdown().await;
}
