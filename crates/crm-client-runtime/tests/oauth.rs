//! OAuth 2.0 refresh: an expired token is refreshed before the call, a 401
//! refreshes once and retries, concurrent calls share one refresh, and no
//! token or secret reaches `Debug`, errors or logs.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests panic on failure"
)]

use std::time::Duration;

use crm_client_runtime::clock::Clock;
use crm_client_runtime::oauth::{OAuth2Credentials, RefreshError};
use crm_client_runtime::retry::RetryPolicy;
use crm_client_runtime::{Auth, ClientConfig, Parts};
use serde_json::json;
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CLIENT_SECRET: &str = "cl13nt-s3cret";
const REFRESH: &str = "r3fresh-0ld";

async fn token_endpoint(server: &MockServer, access: &str, expires_in: u64) {
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .and(body_string_contains("grant_type=refresh_token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": access,
            "token_type": "bearer",
            "expires_in": expires_in,
            "refresh_token": "r3fresh-n3w"
        })))
        .mount(server)
        .await;
}

fn client(server: &MockServer, credentials: OAuth2Credentials, clock: Clock) -> Parts {
    ClientConfig::new(server.uri(), Auth::oauth2(credentials))
        .with_retry(RetryPolicy::default().with_jitter(false))
        .with_clock(clock)
        .build()
        .unwrap()
}

fn credentials(server: &MockServer) -> OAuth2Credentials {
    OAuth2Credentials::new(
        format!("{}/oauth2/token", server.uri()),
        "client-1",
        CLIENT_SECRET,
        REFRESH,
    )
}

async fn get(parts: &Parts) -> reqwest::Response {
    let request = parts
        .http
        .get(format!("{}/v2/contacts", parts.base_url))
        .build()
        .unwrap();
    parts
        .runtime
        .execute_operation(&parts.http, request, "list_contacts")
        .await
        .unwrap()
}

#[tokio::test]
async fn an_expired_token_gets_a_401_then_one_refresh_and_a_retry() {
    let server = MockServer::start().await;
    token_endpoint(&server, "fresh-access", 7200).await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer expired-access"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"errors": [{"error": {"code": "unauthorized"}}]})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer fresh-access"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"items": []})))
        .mount(&server)
        .await;

    // The server's clock says the token is expired; ours does not know when it expires.
    let creds = credentials(&server).with_access_token("expired-access", None);
    let parts = client(&server, creds, Clock::real());
    let response = get(&parts).await;
    assert_eq!(response.status(), 200);
    let stats = parts.runtime.stats();
    assert_eq!((stats.attempts, stats.refreshes), (2, 1));

    let tokens = parts.runtime.oauth_tokens().await.unwrap();
    use crm_client_runtime::ExposeSecret;
    assert_eq!(
        tokens.refresh_token.expose_secret(),
        "r3fresh-n3w",
        "a rotated refresh token is kept"
    );

    // The token request used HTTP Basic client authentication and the old refresh token.
    let requests = server.received_requests().await.unwrap();
    let token_request = requests
        .iter()
        .find(|r| r.url.path() == "/oauth2/token")
        .unwrap();
    let body = String::from_utf8_lossy(&token_request.body);
    assert!(body.contains(&format!("refresh_token={REFRESH}")), "{body}");
    assert!(
        token_request
            .headers
            .get("authorization")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("Basic ")
    );
}

#[tokio::test]
async fn a_token_about_to_expire_is_refreshed_before_the_call() {
    let server = MockServer::start().await;
    token_endpoint(&server, "fresh-access", 7200).await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer fresh-access"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    let (clock, handle) = Clock::virtual_clock();
    let creds =
        credentials(&server).with_access_token("old-access", Some(Duration::from_secs(600)));
    let parts = client(&server, creds, clock);
    handle.advance(Duration::from_secs(550)); // within the one-minute margin
    assert_eq!(get(&parts).await.status(), 200);
    assert_eq!(parts.runtime.stats().attempts, 1, "no 401 round trip");
    assert_eq!(parts.runtime.stats().refreshes, 1);
}

#[tokio::test]
async fn concurrent_calls_share_one_refresh() {
    let server = MockServer::start().await;
    token_endpoint(&server, "fresh-access", 7200).await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer fresh-access"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_delay(Duration::from_millis(20))
                .set_body_json(json!({})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer stale"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    let creds = credentials(&server).with_access_token("stale", None);
    let parts = client(&server, creds, Clock::real());
    let calls = (0..8).map(|_| {
        let parts = parts.clone();
        async move { get(&parts).await.status().as_u16() }
    });
    let statuses = futures::future::join_all(calls).await;
    assert_eq!(statuses, vec![200; 8]);
    assert_eq!(
        parts.runtime.stats().refreshes,
        1,
        "one refresh for eight 401s"
    );
    let token_calls = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/oauth2/token")
        .count();
    assert_eq!(token_calls, 1);
}

#[tokio::test]
async fn a_refused_refresh_is_typed_and_the_401_reaches_the_caller() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": "invalid_grant", "error_description": "refresh token revoked"
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"errors": []})))
        .mount(&server)
        .await;
    let parts = client(
        &server,
        credentials(&server).with_access_token("stale", None),
        Clock::real(),
    );
    assert_eq!(get(&parts).await.status(), 401);
    let error = parts.runtime.refresh_token().await.unwrap_err();
    assert_eq!(
        error,
        RefreshError::Refused {
            code: "invalid_grant".into(),
            description: Some("refresh token revoked".into())
        }
    );
    for text in [
        format!("{error}"),
        format!("{error:?}"),
        format!("{parts:?}"),
    ] {
        for secret in [CLIENT_SECRET, REFRESH, "stale"] {
            assert!(!text.contains(secret), "{secret} leaked: {text}");
        }
    }
}
