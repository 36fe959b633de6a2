//! The ConeCRM list streams against a server that ignores the position it is
//! asked for (wiremock on loopback): every page is the same full page,
//! forever (contacts have no `total` to stop at; accounts claim a huge one).
//! Offsets only grow, so they never repeat; the repeated *page* is what
//! gives it away. The stream must end in bounded time with a typed error.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests panic on failure"
)]

use std::time::Duration;

use conecrm_api::{ApiError, Auth, Client};
use crm_client_runtime::paginate::PaginationError;
use futures::StreamExt;
use serde_json::{Value, json};
use uuid::Uuid;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client(server: &MockServer) -> Client {
    Client::from_config(
        Client::config(Auth::bearer("jwt"))
            .with_base_url(server.uri())
            .with_rate_limit(conecrm_api::RateLimit::unlimited()),
    )
    .unwrap()
}

/// Drains `stream` within 20 s; returns how many items came and the end.
async fn drain<T, E>(stream: impl futures::Stream<Item = Result<T, E>>) -> (usize, Result<(), E>) {
    let mut stream = std::pin::pin!(stream);
    let mut count = 0;
    let end = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(item) = stream.next().await {
            match item {
                Ok(_) => count += 1,
                Err(error) => return Err(error),
            }
        }
        Ok(())
    })
    .await
    .expect("the stream ends in bounded time");
    (count, end)
}

#[tokio::test]
async fn contacts_from_a_server_that_ignores_start_end_in_an_error() {
    let server = MockServer::start().await;
    let page: Vec<Value> = (0..3)
        .map(|n| json!({"id": Uuid::from_u128(n), "firstName": format!("C{n}")}))
        .collect();
    Mock::given(method("GET"))
        .and(path("/api/contact"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page))
        .mount(&server)
        .await;
    let client = client(&server);
    let (count, end) = drain(client.get_contacts_stream(3, |request| request)).await;
    assert_eq!(count, 3, "the first page once");
    let error = end.unwrap_err();
    assert!(
        matches!(
            &error,
            ApiError::Pagination {
                operation: "get_contacts",
                error: PaginationError::RepeatedPage { page: 2, .. },
            }
        ),
        "{error:?}"
    );
    let shown = error.to_string();
    assert!(
        shown.contains("get_contacts") && shown.contains("page 2"),
        "{shown}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn accounts_repeating_a_page_under_a_huge_total_end_in_an_error() {
    let server = MockServer::start().await;
    let accounts: Vec<Value> = (0..2)
        .map(|n| json!({"id": Uuid::from_u128(n), "name": format!("A{n}")}))
        .collect();
    // Pages A, B, A, B ...: a cycle of period 2 in content.
    let other: Vec<Value> = (2..4)
        .map(|n| json!({"id": Uuid::from_u128(n), "name": format!("A{n}")}))
        .collect();
    let counter = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = std::sync::Arc::clone(&counter);
    Mock::given(method("GET"))
        .and(path("/api/account"))
        .respond_with(move |_: &wiremock::Request| {
            let n = seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let page = if n.is_multiple_of(2) {
                &accounts
            } else {
                &other
            };
            ResponseTemplate::new(200)
                .set_body_json(json!({"total": 1_000_000_000, "accounts": page}))
        })
        .mount(&server)
        .await;
    let client = client(&server);
    let (count, end) = drain(client.get_accounts_stream(2, |request| request)).await;
    assert_eq!(count, 4, "pages A and B once each");
    let error = end.unwrap_err();
    assert!(
        matches!(
            &error,
            ApiError::Pagination {
                operation: "get_accounts",
                error: PaginationError::RepeatedPage { page: 3, .. },
            }
        ),
        "{error:?}"
    );
    let shown = error.to_string();
    assert!(
        shown.contains("get_accounts") && shown.contains("page 3"),
        "{shown}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}
