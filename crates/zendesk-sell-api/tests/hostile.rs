//! Lists and Firehose streams against a Sell stand-in that misbehaves on
//! purpose (wiremock on loopback): next-page links that cycle (period 20,
//! past the old 16-page memory), links without `page=` or pointing
//! elsewhere, a Firehose that never advances, and one that returns the same
//! events at the same position. Each must end in bounded time (a count of
//! requests, waits on a virtual clock) with a typed error, never loop or
//! stop silently.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests panic on failure"
)]

use std::collections::BTreeMap;
use std::time::Duration;

use crm_client_runtime::clock::{Clock, VirtualClock};
use crm_client_runtime::paginate::PaginationError;
use futures::StreamExt;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};
use zendesk_sell_api::firehose::{AtTop, StartAt};
use zendesk_sell_api::types::ErrorResponse;
use zendesk_sell_api::{ApiError, Auth, Client, PagedList, RateLimit};

type End = Result<(), ApiError<ErrorResponse>>;

/// Bounds every walk in real time: a loop that never ends fails the test
/// instead of hanging it.
const REAL_TIME_BOUND: Duration = Duration::from_secs(20);

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

/// Contact pages whose `next_page` link is whatever `link(page)` says.
struct Pages<F> {
    base: String,
    link: F,
}

impl<F: Fn(u64) -> Option<String> + Send + Sync + 'static> Respond for Pages<F> {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let page: u64 = query(request)
            .get("page")
            .and_then(|p| p.parse().ok())
            .unwrap_or(1);
        let mut links = json!({});
        if let Some(next) = (self.link)(page) {
            links["next_page"] = json!(format!("{}{next}", self.base));
        }
        ResponseTemplate::new(200).set_body_json(json!({
            "items": [{"data": {"id": page, "name": format!("Contact {page}")}, "meta": {"type": "contact"}}],
            "meta": {"type": "collection", "count": 1, "links": links}
        }))
    }
}

async fn pages_server<F>(link: F) -> MockServer
where
    F: Fn(u64) -> Option<String> + Send + Sync + 'static,
{
    let server = MockServer::start().await;
    let base = server.uri();
    Mock::given(method("GET"))
        .and(path("/v2/contacts"))
        .respond_with(Pages { base, link })
        .mount(&server)
        .await;
    server
}

/// Walks the contact list; returns the ids read and the walk's end.
async fn walk(client: &Client) -> (Vec<i64>, End) {
    let stream = client.list_contacts().per_page(1u32).stream();
    let mut stream = std::pin::pin!(stream);
    let mut ids = Vec::new();
    let end = tokio::time::timeout(REAL_TIME_BOUND, async {
        while let Some(item) = stream.next().await {
            match item {
                Ok(contact) => ids.push(contact.id),
                Err(error) => return Err(error),
            }
        }
        Ok(())
    })
    .await
    .expect("the walk ends in bounded time");
    (ids, end)
}

#[tokio::test]
async fn next_page_links_cycling_every_20_pages_end_in_an_error() {
    // page 20 links back to page 1: the old guard remembered 16 pages.
    let server =
        pages_server(|page| Some(format!("/v2/contacts?page={}&per_page=1", page % 20 + 1))).await;
    let (client, _) = client(&server);
    let (ids, end) = walk(&client).await;
    assert_eq!(ids, (1..=20).collect::<Vec<_>>(), "each page once");
    let error = end.unwrap_err();
    assert!(
        matches!(
            &error,
            ApiError::Pagination {
                operation: "list_contacts",
                error: PaginationError::UnexpectedLink { page: 20, .. }
                    | PaginationError::Cycle { .. },
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("list_contacts"), "{error}");
    assert_eq!(server.received_requests().await.unwrap().len(), 20);
}

#[tokio::test]
async fn a_next_page_link_without_page_is_an_error_not_the_last_page() {
    // Three pages, but the first page's link carries a cursor, not `page=`.
    let server = pages_server(|page| match page {
        1 => Some("/v2/contacts?cursor=abc&per_page=1".to_owned()),
        2 => Some("/v2/contacts?page=3&per_page=1".to_owned()),
        _ => None,
    })
    .await;
    let (client, _) = client(&server);
    let (ids, end) = walk(&client).await;
    assert_eq!(ids, vec![1]);
    let error = end.expect_err("an unreadable link is not the end of the list");
    assert!(
        matches!(
            &error,
            ApiError::Pagination {
                operation: "list_contacts",
                error: PaginationError::UnexpectedLink { page: 1, .. },
            }
        ),
        "{error:?}"
    );
    let shown = error.to_string();
    assert!(
        shown.contains("list_contacts") && shown.contains("cursor=abc"),
        "{shown}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_next_page_link_that_skips_or_repeats_pages_is_an_error() {
    for (link, name) in [
        ("/v2/contacts?page=5&per_page=1", "skips pages 3-4"),
        ("/v2/contacts?page=2&per_page=1", "repeats page 2"),
        ("/v2/contacts?page=0", "page 0"),
        ("/v2/contacts?page=two", "not a number"),
    ] {
        let server = pages_server(move |page| match page {
            1 => Some("/v2/contacts?page=2&per_page=1".to_owned()),
            2 => Some(link.to_owned()),
            _ => None,
        })
        .await;
        let (client, _) = client(&server);
        let (ids, end) = walk(&client).await;
        assert_eq!(ids, vec![1, 2], "{name}");
        assert!(
            matches!(
                end,
                Err(ApiError::Pagination {
                    error: PaginationError::UnexpectedLink { page: 2, .. },
                    ..
                })
            ),
            "{name}: {end:?}"
        );
        assert_eq!(
            server.received_requests().await.unwrap().len(),
            2,
            "{name}: the bad link is not followed"
        );
    }
}

/// A deal Firehose answering `answer(position)` for every request.
struct Firehose<F>(F);

impl<F: Fn(&str) -> Value + Send + Sync + 'static> Respond for Firehose<F> {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let position = query(request).get("position").cloned().unwrap_or_default();
        ResponseTemplate::new(200).set_body_json((self.0)(&position))
    }
}

async fn firehose_server<F>(answer: F) -> MockServer
where
    F: Fn(&str) -> Value + Send + Sync + 'static,
{
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v3/deals/stream"))
        .respond_with(Firehose(answer))
        .mount(&server)
        .await;
    server
}

fn event(id: i64, sequence: i64) -> Value {
    json!({"data": {"id": id, "name": format!("Deal {id}")},
           "meta": {"type": "deal", "event_type": "updated", "sequence": sequence}})
}

fn page(events: Vec<Value>, position: &str, top: bool) -> Value {
    json!({"items": events, "meta": {"position": position, "top": top}})
}

/// Reads the deal Firehose from `start`; returns the event ids read and the end.
async fn read(client: &Client, start: StartAt, at_top: AtTop) -> (Vec<i64>, End) {
    let pages = client
        .firehose(client.stream_deals(), start)
        .at_top(at_top)
        .pages();
    let mut pages = std::pin::pin!(pages);
    let mut ids = Vec::new();
    let end = tokio::time::timeout(REAL_TIME_BOUND, async {
        while let Some(page) = pages.next().await {
            match page {
                Ok(page) => ids.extend(page.events.iter().filter_map(|e| e.record.id)),
                Err(error) => return Err(error),
            }
        }
        Ok(())
    })
    .await
    .expect("the Firehose read ends in bounded time");
    (ids, end)
}

#[tokio::test]
async fn a_firehose_that_never_advances_is_polled_with_backoff_then_fails() {
    // Not at the top, no events, the same position: forever.
    let server = firehose_server(|_| page(vec![], "p1", false)).await;
    let (client, clock) = client(&server);
    let (ids, end) = read(&client, StartAt::Position("p1".into()), AtTop::Stop).await;
    assert!(ids.is_empty());
    let error = end.unwrap_err();
    assert!(
        matches!(
            &error,
            ApiError::Pagination {
                operation: "stream_deals",
                error: PaginationError::Stalled { polls: 6, .. },
            }
        ),
        "{error:?}"
    );
    let shown = error.to_string();
    assert!(
        shown.contains("stream_deals") && shown.contains("p1"),
        "{shown}"
    );
    let polls = server.received_requests().await.unwrap().len();
    assert!(polls <= 10, "{polls} polls: not a tight loop");
    let sleeps = clock.sleeps();
    assert_eq!(sleeps.len(), polls - 1, "a wait before every repeated poll");
    assert!(
        sleeps.windows(2).all(|w| w[1] >= w[0]) && sleeps[0] >= Duration::from_secs(1),
        "backoff grows: {sleeps:?}"
    );
}

#[tokio::test]
async fn the_same_events_at_one_position_are_read_once_then_fail() {
    // Events, but the position does not move past them.
    let server = firehose_server(|_| page(vec![event(7, 1), event(8, 2)], "p1", false)).await;
    let (client, clock) = client(&server);
    let (ids, end) = read(&client, StartAt::Position("p1".into()), AtTop::Stop).await;
    assert_eq!(ids, vec![7, 8], "no duplicates");
    assert!(
        matches!(
            end,
            Err(ApiError::Pagination {
                error: PaginationError::Stalled { .. },
                ..
            })
        ),
        "{end:?}"
    );
    assert!(server.received_requests().await.unwrap().len() <= 10);
    assert!(!clock.sleeps().is_empty());
}

#[tokio::test]
async fn the_same_events_at_the_top_are_not_repeated_while_following() {
    // A top page whose events never move the position: following the top
    // must neither yield them again nor poll forever.
    let server = firehose_server(|_| page(vec![event(9, 1)], "p1", true)).await;
    let (client, _) = client(&server);
    let (ids, end) = read(
        &client,
        StartAt::Position("p1".into()),
        AtTop::Wait(Duration::from_secs(30)),
    )
    .await;
    assert_eq!(ids, vec![9]);
    assert!(
        matches!(
            end,
            Err(ApiError::Pagination {
                error: PaginationError::Stalled { .. },
                ..
            })
        ),
        "{end:?}"
    );
    assert!(server.received_requests().await.unwrap().len() <= 10);
}

#[tokio::test]
async fn firehose_positions_that_cycle_are_an_error() {
    // p1 -> p2 -> p3 -> p1 ..., never at the top, one event each.
    let server = firehose_server(|position| match position {
        "p1" => page(vec![event(1, 1)], "p2", false),
        "p2" => page(vec![event(2, 2)], "p3", false),
        _ => page(vec![event(3, 3)], "p1", false),
    })
    .await;
    let (client, _) = client(&server);
    let (ids, end) = read(&client, StartAt::Position("p1".into()), AtTop::Stop).await;
    // The page that leads back is not yielded: persisting its position would
    // rewind the consumer. Resuming from p3 (persisted after page 2) meets
    // the same error again.
    assert_eq!(ids, vec![1, 2], "each page once");
    assert!(
        matches!(
            end,
            Err(ApiError::Pagination {
                operation: "stream_deals",
                error: PaginationError::Cycle { .. },
            })
        ),
        "{end:?}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn an_empty_page_that_moves_is_still_fine_and_the_top_still_stops() {
    let server = firehose_server(|position| match position {
        "tail" => page(vec![event(1, 1)], "p1", false),
        "p1" => page(vec![], "p2", false),
        _ => page(vec![event(2, 2)], "p3", true),
    })
    .await;
    let (client, _) = client(&server);
    let (ids, end) = read(&client, StartAt::Tail, AtTop::Stop).await;
    assert_eq!(ids, vec![1, 2]);
    assert!(end.is_ok(), "{end:?}");
}

/// A server answering every connection with an endless chunked 200 (after
/// reading the request head).
async fn endless_server() -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let start = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
                if stream.write_all(start.as_bytes()).await.is_err() {
                    return;
                }
                let mut frame = format!("{:x}\r\n", 64 * 1024).into_bytes();
                frame.extend(std::iter::repeat_n(b' ', 64 * 1024));
                frame.extend_from_slice(b"\r\n");
                while stream.write_all(&frame).await.is_ok() {}
            });
        }
    });
    url
}

#[tokio::test]
async fn an_endless_list_page_is_a_typed_error_naming_the_operation_and_limit() {
    let url = endless_server().await;
    let client = Client::from_config(
        Client::config(Auth::bearer("t0ken"))
            .with_base_url(&url)
            .with_rate_limit(RateLimit::unlimited())
            .with_operation_body_limit("list_contacts", 2 * 1024 * 1024),
    )
    .unwrap();
    let started = std::time::Instant::now();
    let first = tokio::time::timeout(REAL_TIME_BOUND, async {
        let stream = client.list_contacts().stream();
        let mut stream = std::pin::pin!(stream);
        stream.next().await
    })
    .await
    .expect("bounded time");
    match first {
        Some(Err(ApiError::BodyTooLarge {
            operation: "list_contacts",
            limit: 2_097_152,
            status,
        })) => assert_eq!(status.as_u16(), 200),
        other => panic!("expected BodyTooLarge, got {other:?}"),
    }
    // The raw request has its own operation id and the default limit.
    let raw = tokio::time::timeout(
        REAL_TIME_BOUND,
        client.raw_request(zendesk_sell_api::RawRequest::get("/v2/contacts")),
    )
    .await
    .expect("bounded time")
    .unwrap_err();
    match &raw {
        zendesk_sell_api::RawError::BodyTooLarge { source, .. } => {
            assert_eq!(source.operation, "raw_request");
            assert_eq!(
                source.limit,
                zendesk_sell_api::ClientConfig::DEFAULT_BODY_LIMIT
            );
        }
        other => panic!("expected BodyTooLarge, got {other:?}"),
    }
    eprintln!("both cut after {:?}: {raw}", started.elapsed());
}
