//! A Sell client with OAuth 2.0 refresh: the first call obtains an access
//! token from the token endpoint, then sends it with Sell's User-Agent.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests panic on failure"
)]

use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};
use zendesk_sell_api::{Auth, Client, OAuth2Credentials, SingleEnvelope};

#[tokio::test]
async fn the_first_call_refreshes_then_uses_the_fresh_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "fresh-access", "token_type": "bearer", "expires_in": 7200,
            "refresh_token": "next-refresh"
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/accounts/self"))
        .and(header("authorization", "Bearer fresh-access"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": {"id": 7, "name": "Acme Sales", "currency": "EUR"}, "meta": {"type": "account"}
        })))
        .expect(2)
        .mount(&server)
        .await;
    let credentials = OAuth2Credentials::new(
        format!("{}/oauth2/token", server.uri()),
        "client-id",
        "client-s3cret",
        "refresh-s3cret",
    );
    let sell =
        Client::from_config(Client::config(Auth::oauth2(credentials)).with_base_url(server.uri()))
            .unwrap();
    for _ in 0..2 {
        let account = sell.get_account_self().send().await.unwrap().into_data();
        assert_eq!(account.id, 7);
    }
    assert_eq!(
        sell.runtime().stats().refreshes,
        1,
        "one refresh serves both calls"
    );
    let shown = format!("{sell:?}");
    for secret in ["client-s3cret", "refresh-s3cret", "fresh-access"] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
    let api_call = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.url.path() == "/v2/accounts/self")
        .unwrap();
    assert!(
        api_call
            .headers
            .get("user-agent")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("zendesk-sell-api/")
    );
}
