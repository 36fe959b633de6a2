//! One error type from every call: the generated `send()` (the call the crate
//! docs use), `send_typed()` and a paginated `stream()` all fail with
//! [`ApiError`], so Sell's error code and the status are matched in one step,
//! against a real HTTP server on loopback (wiremock). A required parameter
//! left unset fails before sending, naming the parameter
//! ([`ApiError::MissingParameter`]).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests panic on failure"
)]

use futures::TryStreamExt;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};
use zendesk_sell_api::types::{
    ContactInput, ContactRequest, ErrorCode, ErrorCodeKnown, ErrorResponse,
};
use zendesk_sell_api::{ApiError, Auth, Client, PagedList};

fn client(server: &MockServer) -> Client {
    Client::from_config(Client::config(Auth::bearer("t0ken")).with_base_url(server.uri()))
        .expect("client builds")
}

async fn answer_422(server: &MockServer, verb: &str, route: &str) {
    Mock::given(method(verb))
        .and(path(route))
        .respond_with(ResponseTemplate::new(422).set_body_json(json!({
            "errors": [{"error": {"code": "blank", "field": "/data/last_name",
                                  "message": "can't be blank"}}],
            "meta": {"type": "errors", "http_status": "422 Unprocessable Entity",
                     "logref": "ref-1"}
        })))
        .mount(server)
        .await;
}

/// The one match a caller writes, whatever call failed.
fn is_blank_422(error: &ApiError<ErrorResponse>, op: &str) -> bool {
    matches!(
        error,
        ApiError::Status { operation, status, body: Some(body), .. }
            if *operation == op
                && status.as_u16() == 422
                && body.errors[0].error.code == ErrorCode::Known(ErrorCodeKnown::Blank)
    )
}

#[tokio::test]
async fn an_api_error_code_is_matched_in_one_step_from_every_call() {
    let server = MockServer::start().await;
    answer_422(&server, "POST", "/v2/contacts").await;
    answer_422(&server, "GET", "/v2/deals").await;
    let sell = client(&server);
    let body = ContactRequest {
        data: ContactInput {
            first_name: Some("Mark".into()),
            ..Default::default()
        },
    };

    // `send()`, as in the crate docs.
    let error = sell
        .create_contact()
        .body(body.clone())
        .send()
        .await
        .expect_err("422");
    assert!(is_blank_422(&error, "create_contact"), "{error:?}");
    assert_eq!(
        error.to_string(),
        "create_contact: HTTP 422 Unprocessable Entity: blank: can't be blank (/data/last_name) (request ref-1)"
    );

    // `send_typed()`: the same type, the same match.
    let error = sell
        .create_contact()
        .body(body)
        .send_typed()
        .await
        .expect_err("422");
    assert!(is_blank_422(&error, "create_contact"), "{error:?}");

    // A paginated stream: the same again.
    let error = sell
        .list_deals()
        .stream()
        .try_collect::<Vec<_>>()
        .await
        .expect_err("422");
    assert!(is_blank_422(&error, "list_deals"), "{error:?}");
}

#[tokio::test]
async fn a_required_parameter_left_unset_fails_naming_it_and_nothing_is_sent() {
    let server = MockServer::start().await;
    let sell = client(&server);

    let error = sell.get_contact().send().await.expect_err("id is required");
    assert!(
        matches!(
            error,
            ApiError::MissingParameter {
                operation: "get_contact",
                parameter: "id"
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "get_contact: required parameter `id` was not set (call `.id(..)` on the builder)"
    );

    // A body whose required field is unset: the body builder names the field.
    let error = sell
        .create_contact()
        .send_typed()
        .await
        .expect_err("data is required");
    assert!(
        matches!(
            &error,
            ApiError::InvalidRequest { operation: "create_contact", message }
                if message == "no value supplied for data"
        ),
        "{error:?}"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}
