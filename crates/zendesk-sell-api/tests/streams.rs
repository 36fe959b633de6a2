//! List pagination and the Firehose consumer against a Sell stand-in on
//! loopback (wiremock): pages requested in order and only when needed,
//! the walk ending on the page without `next_page`, Firehose pages followed
//! by position, stopping or waiting at the top (virtual clock), and resuming
//! from a saved position without loss or duplicates.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests panic on failure"
)]

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use crm_client_runtime::clock::{Clock, VirtualClock};
use futures::{StreamExt, TryStreamExt};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};
use zendesk_sell_api::firehose::{AtTop, StartAt};
use zendesk_sell_api::types::{FirehoseEventType, FirehoseEventTypeKnown};
use zendesk_sell_api::{Auth, Client, PagedList, RateLimit};

fn client(server: &MockServer) -> (Client, VirtualClock) {
    let (clock, handle) = Clock::virtual_clock();
    let client = Client::from_config(
        Client::config(Auth::bearer("t0ken"))
            .with_base_url(server.uri())
            .with_rate_limit(RateLimit::unlimited())
            .with_clock(clock),
    )
    .unwrap();
    (client, handle)
}

fn query(request: &Request) -> BTreeMap<String, String> {
    request
        .url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// Serves `total` contacts `per_page` at a time by page number.
struct ContactPages {
    total: u64,
    base: String,
}

impl Respond for ContactPages {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let q = query(request);
        let page: u64 = q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
        let per_page: u64 = q.get("per_page").and_then(|p| p.parse().ok()).unwrap_or(25);
        let start = (page - 1) * per_page + 1;
        let end = (start + per_page - 1).min(self.total);
        let items: Vec<Value> = (start..=end)
            .map(|id| json!({"data": {"id": id, "name": format!("Contact {id}"), "is_organization": id % 2 == 0}, "meta": {"type": "contact"}}))
            .collect();
        let mut links = json!({"self": format!("{}/v2/contacts?page={page}", self.base)});
        if end < self.total {
            links["next_page"] = json!(format!(
                "{}/v2/contacts?page={}&per_page={per_page}",
                self.base,
                page + 1
            ));
        }
        ResponseTemplate::new(200).set_body_json(json!({
            "items": items,
            "meta": {"type": "collection", "count": items.len(), "links": links}
        }))
    }
}

async fn contacts_server(total: u64) -> MockServer {
    let server = MockServer::start().await;
    let base = server.uri();
    Mock::given(method("GET"))
        .and(path("/v2/contacts"))
        .respond_with(ContactPages { total, base })
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_list_streams_every_page_until_no_next_page() {
    let server = contacts_server(5).await;
    let (client, _) = client(&server);
    let ids: Vec<i64> = client
        .list_contacts()
        .per_page(2u32)
        .sort_by("updated_at:desc")
        .stream()
        .map_ok(|c| c.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, vec![1, 2, 3, 4, 5]);
    let requests = server.received_requests().await.unwrap();
    let pages: Vec<String> = requests.iter().map(|r| query(r)["page"].clone()).collect();
    assert_eq!(pages, ["1", "2", "3"]);
    for r in &requests {
        assert_eq!(query(r)["per_page"], "2");
        assert_eq!(query(r)["sort_by"], "updated_at:desc");
        assert_eq!(r.headers.get("authorization").unwrap(), "Bearer t0ken");
    }
}

#[tokio::test]
async fn pages_are_fetched_only_when_the_consumer_needs_them() {
    let server = contacts_server(1_000).await;
    let (client, _) = client(&server);
    let stream = client.list_contacts().per_page(100u32).stream();
    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "nothing before polling"
    );
    let first: Vec<_> = stream.take(150).try_collect::<Vec<_>>().await.unwrap();
    assert_eq!(first.len(), 150);
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        2,
        "150 records need 2 pages of 100, not 10"
    );
}

#[tokio::test]
async fn an_empty_first_page_ends_the_stream() {
    let server = contacts_server(0).await;
    let (client, _) = client(&server);
    let contacts: Vec<_> = client.list_contacts().stream().try_collect().await.unwrap();
    assert!(contacts.is_empty());
}

/// A Firehose for deals: `pages` maps a position to the successive answers
/// given for it (the last one repeats).
struct DealFirehose {
    pages: Mutex<BTreeMap<String, Vec<Value>>>,
}

fn event(id: i64, kind: &str, sequence: i64) -> Value {
    json!({"data": {"id": id, "name": format!("Deal {id}"), "value": "10.50"},
           "meta": {"type": "deal", "event_type": kind, "sequence": sequence, "event_time": "2024-06-01T10:00:00Z"}})
}

fn page(events: Vec<Value>, position: &str, top: bool) -> Value {
    json!({"items": events, "meta": {"position": position, "top": top}})
}

impl Respond for DealFirehose {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let position = query(request).get("position").cloned().unwrap_or_default();
        let mut pages = self.pages.lock().unwrap();
        let answers = pages.get_mut(&position).expect("a known position");
        let answer = if answers.len() > 1 {
            answers.remove(0)
        } else {
            answers[0].clone()
        };
        ResponseTemplate::new(200).set_body_json(answer)
    }
}

async fn firehose_server(pages: Vec<(&str, Vec<Value>)>) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v3/deals/stream"))
        .respond_with(DealFirehose {
            pages: Mutex::new(pages.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()),
        })
        .mount(&server)
        .await;
    server
}

fn positions(requests: &[Request]) -> Vec<String> {
    requests
        .iter()
        .map(|r| query(r)["position"].clone())
        .collect()
}

#[tokio::test]
async fn the_firehose_is_read_from_the_tail_to_the_top_and_resumed_without_duplicates() {
    let server = firehose_server(vec![
        (
            "tail",
            vec![page(
                vec![event(1, "created", 1), event(2, "updated", 2)],
                "p1",
                false,
            )],
        ),
        ("p1", vec![page(vec![event(1, "deleted", 3)], "p2", true)]),
        ("p2", vec![page(vec![], "p2", true)]),
    ])
    .await;
    let (client, _) = client(&server);
    let pages: Vec<_> = client
        .firehose(client.stream_deals().limit(50u32), StartAt::Tail)
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 2);
    assert_eq!(pages[0].position, "p1");
    assert_eq!(pages[1].position, "p2");
    assert!(pages[1].top);
    let kinds: Vec<_> = pages
        .iter()
        .flat_map(|p| p.events.iter().map(|e| e.meta.event_type.clone()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            FirehoseEventType::Known(FirehoseEventTypeKnown::Created),
            FirehoseEventType::Known(FirehoseEventTypeKnown::Updated),
            FirehoseEventType::Known(FirehoseEventTypeKnown::Deleted),
        ]
    );
    let requests = server.received_requests().await.unwrap();
    assert_eq!(positions(&requests), ["tail", "p1"]);
    assert!(requests.iter().all(|r| query(r)["limit"] == "50"));

    // A restart from the persisted position sees nothing already processed.
    let resumed: Vec<_> = client
        .firehose(
            client.stream_deals(),
            StartAt::Position(pages[1].position.clone()),
        )
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert!(
        resumed.is_empty(),
        "no duplicates after resuming: {resumed:?}"
    );
}

#[tokio::test]
async fn events_carry_the_position_to_persist_on_the_last_event_of_a_page() {
    let server = firehose_server(vec![
        (
            "tail",
            vec![page(
                vec![event(1, "created", 1), event(2, "created", 2)],
                "p1",
                false,
            )],
        ),
        ("p1", vec![page(vec![event(3, "created", 3)], "p2", true)]),
    ])
    .await;
    let (client, _) = client(&server);
    let events: Vec<(Option<i64>, Option<String>)> = client
        .firehose(client.stream_deals(), StartAt::Tail)
        .events()
        .map_ok(|(event, checkpoint)| (event.record.id, checkpoint))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        events,
        vec![
            (Some(1), None),
            (Some(2), Some("p1".into())),
            (Some(3), Some("p2".into()))
        ]
    );
}

#[tokio::test]
async fn at_the_top_the_consumer_can_wait_and_poll_again() {
    let server = firehose_server(vec![
        (
            "p2",
            vec![
                page(vec![], "p2", true),
                page(vec![], "p2", true),
                page(vec![event(4, "created", 4)], "p3", true),
            ],
        ),
        ("p3", vec![page(vec![], "p3", true)]),
    ])
    .await;
    let (client, clock) = client(&server);
    let first: Vec<_> = client
        .firehose(client.stream_deals(), StartAt::Position("p2".into()))
        .at_top(AtTop::Wait(Duration::from_secs(30)))
        .pages()
        .take(1)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(first[0].events[0].record.id, Some(4));
    assert_eq!(first[0].position, "p3");
    assert_eq!(
        clock.sleeps(),
        vec![Duration::from_secs(30); 2],
        "waited twice at the top, virtually"
    );
    assert_eq!(
        positions(&server.received_requests().await.unwrap()),
        ["p2", "p2", "p2"]
    );
}
