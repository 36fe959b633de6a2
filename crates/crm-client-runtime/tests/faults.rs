//! The runtime against a server that misbehaves on purpose: 429 with both
//! `Retry-After` forms, 503 bursts, dropped connections, a slow answer past
//! the deadline, a truncated body, cross-origin redirects. Attempts are
//! counted on the server; waits are read from a virtual clock (no real
//! sleeps), so every number asserted is exact.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests panic on failure"
)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{ScriptServer, Step, ok, status, status_with};
use crm_client_runtime::clock::{Clock, VirtualClock};
use crm_client_runtime::retry::RetryPolicy;
use crm_client_runtime::{Auth, ClientConfig, Parts, RateLimit};

fn make(url: &str, auth: Auth, policy: RetryPolicy) -> (Parts, VirtualClock) {
    let (clock, handle) = Clock::virtual_clock();
    let parts = ClientConfig::new(url, auth)
        .with_retry(policy)
        .with_clock(clock)
        .build()
        .unwrap();
    (parts, handle)
}

fn exact() -> RetryPolicy {
    RetryPolicy::default()
        .with_jitter(false)
        .with_backoff(Duration::from_millis(250), Duration::from_secs(30))
}

async fn send(
    parts: &Parts,
    method: reqwest::Method,
    path: &str,
) -> reqwest::Result<reqwest::Response> {
    let request = parts
        .http
        .request(method, format!("{}{path}", parts.base_url))
        .body("{\"n\": 1}")
        .build()
        .unwrap();
    parts
        .runtime
        .execute_operation(&parts.http, request, "test_op")
        .await
}

const MS: fn(u64) -> Duration = Duration::from_millis;

#[tokio::test]
async fn too_many_requests_waits_retry_after_seconds_then_succeeds() {
    let server = ScriptServer::start(vec![
        status_with(429, "retry-after", "3"),
        ok("{\"ok\": true}"),
    ])
    .await;
    let (parts, clock) = make(&server.url, Auth::None, exact());
    let response = send(&parts, reqwest::Method::POST, "/x").await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "{\"ok\": true}");
    assert_eq!(
        server.requests().len(),
        2,
        "429 is retried even for a POST: the server did not process it"
    );
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(3)]);
    assert_eq!(parts.runtime.stats().retries, 1);
}

#[tokio::test]
async fn too_many_requests_with_an_http_date() {
    let at = std::time::SystemTime::now() + Duration::from_secs(5);
    let date = httpdate_fmt(at);
    let server = ScriptServer::start(vec![status_with(429, "retry-after", &date), ok("{}")]).await;
    let (parts, clock) = make(&server.url, Auth::None, exact());
    let response = send(&parts, reqwest::Method::GET, "/x").await.unwrap();
    assert_eq!(response.status(), 200);
    let waits = clock.sleeps();
    assert_eq!(waits.len(), 1);
    // HTTP dates have whole seconds: between 4 and 5 s from now.
    assert!(
        waits[0] > Duration::from_secs(3) && waits[0] <= Duration::from_secs(5),
        "{waits:?}"
    );
}

fn httpdate_fmt(t: std::time::SystemTime) -> String {
    // RFC 7231 IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
    let secs = t.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let days = secs / 86_400;
    let (h, m, s) = ((secs / 3600) % 24, (secs / 60) % 60, secs % 60);
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][(days % 7) as usize];
    // civil-from-days (Howard Hinnant)
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let name = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ][(month - 1) as usize];
    format!("{weekday}, {d:02} {name} {year} {h:02}:{m:02}:{s:02} GMT")
}

#[tokio::test]
async fn a_503_burst_is_retried_with_exponential_backoff() {
    let server = ScriptServer::start(vec![
        status(503),
        status(503),
        status(503),
        ok("{\"n\": 2}"),
    ])
    .await;
    let (parts, clock) = make(&server.url, Auth::None, exact());
    let response = send(&parts, reqwest::Method::GET, "/x").await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(server.requests().len(), 4);
    assert_eq!(clock.sleeps(), vec![MS(250), MS(500), MS(1000)]);
}

#[tokio::test]
async fn giving_up_returns_the_last_status_and_body() {
    let server = ScriptServer::start(vec![status(503)]).await;
    let (parts, clock) = make(&server.url, Auth::None, exact().with_max_attempts(3));
    let response = send(&parts, reqwest::Method::PUT, "/x").await.unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(
        response.text().await.unwrap(),
        "{\"errors\": [\"status 503\"]}"
    );
    assert_eq!(server.requests().len(), 3);
    assert_eq!(clock.sleeps(), vec![MS(250), MS(500)]);
}

#[tokio::test]
async fn a_non_idempotent_post_is_not_retried_after_a_503() {
    let server = ScriptServer::start(vec![status(503), ok("{}")]).await;
    let (parts, clock) = make(&server.url, Auth::None, exact());
    let response = send(&parts, reqwest::Method::POST, "/create")
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(
        server.requests().len(),
        1,
        "a POST may have been processed: sent once"
    );
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn a_post_marked_idempotent_is_retried() {
    fn client_request_id(request: &reqwest::Request) -> bool {
        request
            .url()
            .query_pairs()
            .any(|(k, _)| k == "clientRequestId")
    }
    let server = ScriptServer::start(vec![status(503), ok("{}")]).await;
    let (clock, handle) = Clock::virtual_clock();
    let parts = ClientConfig::new(&server.url, Auth::None)
        .with_retry(exact())
        .with_idempotency(client_request_id)
        .with_clock(clock)
        .build()
        .unwrap();
    let response = send(&parts, reqwest::Method::POST, "/upload?clientRequestId=abc")
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(server.requests().len(), 2);
    assert_eq!(
        server.requests()[0].body,
        server.requests()[1].body,
        "the same body is sent again"
    );
    assert_eq!(handle.sleeps(), vec![MS(250)]);
}

#[tokio::test]
async fn a_dropped_connection_is_retried_for_get_but_not_for_post() {
    let server = ScriptServer::start(vec![Step::Drop, ok("{\"after\": \"drop\"}")]).await;
    let (parts, _) = make(&server.url, Auth::None, exact());
    let response = send(&parts, reqwest::Method::GET, "/x").await.unwrap();
    assert_eq!(response.text().await.unwrap(), "{\"after\": \"drop\"}");
    assert_eq!(server.requests().len(), 2);

    let server = ScriptServer::start(vec![Step::Drop, ok("{}")]).await;
    let (parts, _) = make(&server.url, Auth::None, exact());
    let error = send(&parts, reqwest::Method::POST, "/x").await.unwrap_err();
    assert!(!error.is_connect(), "the request was sent: {error:?}");
    assert_eq!(server.requests().len(), 1, "not sent twice");
}

#[tokio::test]
async fn a_truncated_body_is_a_failed_attempt_and_is_retried() {
    let body = "{\"items\": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]}";
    let server = ScriptServer::start(vec![Step::Truncate(body.to_owned()), ok(body)]).await;
    let (parts, clock) = make(&server.url, Auth::None, exact());
    let response = send(&parts, reqwest::Method::GET, "/x").await.unwrap();
    assert_eq!(
        response.text().await.unwrap(),
        body,
        "the whole body, from the second attempt"
    );
    assert_eq!(server.requests().len(), 2);
    assert_eq!(clock.sleeps(), vec![MS(250)]);
}

#[tokio::test]
async fn a_slow_answer_past_the_deadline_ends_the_call() {
    let server = ScriptServer::start(vec![Step::Slow(Duration::from_secs(5), "{}".into())]).await;
    // Real clock: the attempt's timeout is cut to the 300 ms deadline.
    let parts = ClientConfig::new(&server.url, Auth::None)
        .with_retry(exact().with_deadline(Some(MS(300))))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let error = send(&parts, reqwest::Method::GET, "/x").await.unwrap_err();
    let took = started.elapsed();
    assert!(error.is_timeout(), "{error:?}");
    assert_eq!(
        server.requests().len(),
        1,
        "no time left for another attempt"
    );
    assert!(
        took < Duration::from_secs(2),
        "bounded by the deadline, took {took:?}"
    );
}

#[tokio::test]
async fn connection_refused_is_retried_then_reported() {
    // A port with nothing listening.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let (parts, clock) = make(
        &format!("http://127.0.0.1:{port}"),
        Auth::None,
        exact().with_max_attempts(3),
    );
    let error = send(&parts, reqwest::Method::POST, "/x").await.unwrap_err();
    assert!(error.is_connect());
    assert_eq!(
        parts.runtime.stats().attempts,
        3,
        "a connect error means nothing was sent: safe to retry"
    );
    assert_eq!(clock.sleeps(), vec![MS(250), MS(500)]);
}

#[tokio::test]
async fn the_rate_limit_is_shared_by_clones() {
    let server = ScriptServer::start(vec![ok("{}")]).await;
    let (clock, handle) = Clock::virtual_clock();
    let parts = ClientConfig::new(&server.url, Auth::None)
        .with_rate_limit(RateLimit::per_second(3))
        .with_clock(clock)
        .build()
        .unwrap();
    let clone = parts.clone();
    for i in 0..6 {
        let p = if i % 2 == 0 { &parts } else { &clone };
        send(p, reqwest::Method::GET, "/x").await.unwrap();
    }
    let waited: Duration = handle.sleeps().iter().sum();
    assert!(
        waited >= MS(999) && waited <= MS(1001),
        "6 calls at 3/s need 1 s of waiting: {waited:?}"
    );
    assert!(parts.runtime.stats().throttled_ms >= 999);
}

#[tokio::test]
async fn credentials_do_not_follow_a_redirect_to_another_host() {
    let other = ScriptServer::start(vec![ok("{\"at\": \"other\"}")]).await;
    let origin = ScriptServer::start(vec![status_with(
        302,
        "location",
        &format!("{}/landing", other.url),
    )])
    .await;
    let (parts, _) = make(&origin.url, Auth::bearer("t0p-secret-token"), exact());
    let response = send(&parts, reqwest::Method::GET, "/start").await.unwrap();
    assert_eq!(response.text().await.unwrap(), "{\"at\": \"other\"}");
    assert_eq!(
        origin.requests()[0].header("authorization"),
        Some("Bearer t0p-secret-token")
    );
    let landed = &other.requests()[0];
    assert_eq!(landed.path, "/landing");
    assert_eq!(
        landed.header("authorization"),
        None,
        "the token must not reach another origin"
    );
}

/// A `tracing` writer that keeps everything written.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn no_secret_in_debug_display_or_tracing_output() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = ScriptServer::start(vec![status(503), status(503), status(401)]).await;
    let secrets = ["AK-9f8e7d", "SK-1a2b3c4d"];
    let (parts, _) = make(&server.url, Auth::basic(secrets[0], secrets[1]), exact());
    let response = send(&parts, reqwest::Method::GET, "/x").await.unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(
        server.requests().len(),
        3,
        "retried twice, so there is retry logging to inspect"
    );
    let basic = server.requests()[0]
        .header("authorization")
        .unwrap()
        .to_owned();
    assert!(basic.starts_with("Basic "));

    let error: crm_client_runtime::ApiError<serde_json::Value> =
        crm_client_runtime::ApiError::from_progenitor::<serde_json::Value>(
            "test_op",
            progenitor_client::Error::UnexpectedResponse(response),
        )
        .await;
    let texts = [
        format!("{parts:?}"),
        format!("{:?}", parts.runtime),
        format!("{error}"),
        format!("{error:?}"),
        String::from_utf8(captured.0.lock().unwrap().clone()).unwrap(),
    ];
    assert!(
        texts[4].contains("retrying"),
        "tracing captured the retries: {}",
        texts[4]
    );
    for text in &texts {
        for secret in secrets
            .iter()
            .copied()
            .chain([basic.as_str(), &basic["Basic ".len()..]])
        {
            assert!(
                !text.contains(secret),
                "secret {secret:?} leaked into: {text}"
            );
        }
    }
}
