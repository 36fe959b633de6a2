//! The runtime against servers that send too much: an endless chunked 200,
//! an endless error body, a `Content-Length` of many gigabytes. Each call
//! must end quickly with a typed error naming the operation and the limit,
//! having read no more than the limit (peak memory: see the `hostile_body`
//! bench, which prints VmHWM).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests panic on failure"
)]

mod common;

use std::time::{Duration, Instant};

use common::{ScriptServer, Step};
use crm_client_runtime::{ApiError, Auth, ClientConfig, Parts, RetryPolicy};

/// A GET of `path` for `operation`, decoded as JSON the way generated code
/// does it (`ResponseValue::from_response`), then turned into an `ApiError`.
async fn get_json(
    parts: &Parts,
    path: &str,
    operation: &'static str,
) -> Result<serde_json::Value, ApiError<serde_json::Value>> {
    let request = parts
        .http
        .get(format!("{}{path}", parts.base_url))
        .build()
        .unwrap();
    let result = match parts
        .runtime
        .execute_operation(&parts.http, request, operation)
        .await
    {
        Ok(response) if response.status().is_success() => progenitor_client::ResponseValue::<
            serde_json::Value,
        >::from_response::<serde_json::Value>(
            response
        )
        .await,
        Ok(response) => Err(progenitor_client::Error::UnexpectedResponse(response)),
        Err(error) => Err(progenitor_client::Error::CommunicationError(error)),
    };
    crm_client_runtime::error::typed(operation, result).await
}

fn endless(status: u16) -> Step {
    // ~50 MB/s: fast enough to matter, slow enough that a client without a
    // cap does not eat the machine's memory before the test gives up.
    Step::Endless {
        status,
        chunk: 256 * 1024,
        pause: Duration::from_millis(5),
    }
}

fn parts(url: &str) -> Parts {
    ClientConfig::new(url, Auth::None)
        .with_retry(RetryPolicy::default().with_jitter(false))
        .build()
        .unwrap()
}

#[tokio::test]
async fn an_endless_chunked_200_ends_with_a_typed_error_at_the_default_limit() {
    let server = ScriptServer::start(vec![endless(200)]).await;
    let parts = parts(&server.url);
    let started = Instant::now();
    let result = tokio::time::timeout(
        Duration::from_secs(10),
        get_json(&parts, "/v2/contacts", "list_contacts"),
    )
    .await
    .expect("the call ends in bounded time");
    let took = started.elapsed();
    let error = result.unwrap_err();
    let limit = ClientConfig::DEFAULT_BODY_LIMIT;
    match &error {
        ApiError::BodyTooLarge {
            operation,
            limit: l,
            status,
        } => {
            assert_eq!(*operation, "list_contacts");
            assert_eq!(*l, limit);
            assert_eq!(status.as_u16(), 200);
        }
        other => panic!("expected BodyTooLarge, got {other:?}"),
    }
    let shown = error.to_string();
    assert!(
        shown.contains("list_contacts") && shown.contains(&limit.to_string()),
        "{shown}"
    );
    assert_eq!(
        server.requests().len(),
        1,
        "a body over the limit is not retried"
    );
    eprintln!("endless 200 cut after {took:?}: {shown}");
}

#[tokio::test]
async fn an_endless_error_body_is_cut_too_and_not_retried() {
    let server = ScriptServer::start(vec![endless(503)]).await;
    let parts = ClientConfig::new(&server.url, Auth::None)
        .with_retry(RetryPolicy::default().with_jitter(false))
        .with_body_limit(1024 * 1024)
        .build()
        .unwrap();
    let error = tokio::time::timeout(
        Duration::from_secs(10),
        get_json(&parts, "/v2/deals", "list_deals"),
    )
    .await
    .expect("bounded time")
    .unwrap_err();
    assert!(
        matches!(
            error,
            ApiError::BodyTooLarge {
                operation: "list_deals",
                limit: 1_048_576,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_huge_content_length_is_refused_before_reading() {
    let server = ScriptServer::start(vec![Step::Announce(10_000_000_000)]).await;
    let parts = parts(&server.url);
    let started = Instant::now();
    let error = tokio::time::timeout(
        Duration::from_secs(10),
        get_json(&parts, "/v2/leads", "list_leads"),
    )
    .await
    .expect("bounded time")
    .unwrap_err();
    assert!(
        matches!(
            error,
            ApiError::BodyTooLarge {
                operation: "list_leads",
                ..
            }
        ),
        "{error:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "refused on the header, not after reading: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn the_limit_is_set_per_operation() {
    let body = format!("[\"{}\"]", "y".repeat(2 * 1024 * 1024));
    let server = ScriptServer::start(vec![common::ok(&body)]).await;
    let parts = ClientConfig::new(&server.url, Auth::None)
        .with_operation_body_limit("get_small", 1024 * 1024)
        .build()
        .unwrap();
    let error = get_json(&parts, "/small", "get_small").await.unwrap_err();
    assert!(
        matches!(
            error,
            ApiError::BodyTooLarge {
                operation: "get_small",
                limit: 1_048_576,
                ..
            }
        ),
        "{error:?}"
    );
    // Another operation keeps the default limit: the same 2 MiB body is fine.
    let value = get_json(&parts, "/big", "get_big").await.unwrap();
    assert_eq!(value[0].as_str().map(str::len), Some(2 * 1024 * 1024));
    assert_eq!(
        parts.runtime.options().body_limits.limit_for("get_small"),
        1024 * 1024
    );
    assert_eq!(
        parts.runtime.options().body_limits.limit_for("get_big"),
        ClientConfig::DEFAULT_BODY_LIMIT
    );
}

#[tokio::test]
async fn a_body_under_the_limit_without_content_length_still_reads() {
    // A chunked body that ends: read in full, as before.
    let server = ScriptServer::start(vec![common::ok("{\"items\": [1, 2, 3]}")]).await;
    let parts = parts(&server.url);
    let value = get_json(&parts, "/x", "op").await.unwrap();
    assert_eq!(value["items"][2], 3);
}
