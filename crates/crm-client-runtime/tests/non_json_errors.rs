//! An error answer whose body is not JSON (a proxy's HTML page, a plain-text
//! "Bad Gateway") is an HTTP error with the status and the raw bytes, not a
//! decode failure: whether the status is documented (the generated code
//! decodes its body as the error type) or not (`UnexpectedResponse`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests panic on failure"
)]

use crm_client_runtime::{ApiError, Auth, ClientConfig, RetryPolicy};
use progenitor_client::{Error, ResponseValue};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A system's error body with a required field, as generated types have.
#[derive(Debug, serde::Deserialize)]
#[allow(dead_code)]
struct Problem {
    errors: Vec<String>,
}

impl crm_client_runtime::ErrorBody for Problem {
    fn message(&self) -> Option<String> {
        Some(self.errors.join("; "))
    }
}

/// GET `route` the way generated code does: 200 decodes as JSON, the
/// `documented` status decodes as [`Problem`], anything else is unexpected.
async fn call(
    server: &MockServer,
    route: &str,
    documented: u16,
) -> Result<serde_json::Value, ApiError<Problem>> {
    let parts = ClientConfig::new(server.uri(), Auth::None)
        .with_retry(RetryPolicy::none())
        .build()
        .unwrap();
    let request = parts
        .http
        .get(format!("{}{route}", parts.base_url))
        .build()
        .unwrap();
    let result = match parts
        .runtime
        .execute_operation(&parts.http, request, "get_thing")
        .await
    {
        Ok(response) => match response.status().as_u16() {
            200 => ResponseValue::<serde_json::Value>::from_response::<Problem>(response).await,
            s if s == documented => {
                match ResponseValue::<Problem>::from_response::<Problem>(response).await {
                    Ok(problem) => Err(Error::ErrorResponse(problem)),
                    Err(error) => Err(error),
                }
            }
            _ => Err(Error::UnexpectedResponse(response)),
        },
        Err(error) => Err(Error::CommunicationError(error)),
    };
    crm_client_runtime::error::typed("get_thing", result).await
}

async fn serve(status: u16, body: &str, content_type: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path("/thing"))
        .respond_with(
            ResponseTemplate::new(status).set_body_raw(body.as_bytes().to_vec(), content_type),
        )
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_documented_error_status_with_an_html_body_is_a_status_error() {
    let server = serve(502, "<html><h1>502 Bad Gateway</h1></html>", "text/html").await;
    let error = call(&server, "/thing", 502).await.unwrap_err();
    match &error {
        ApiError::Status {
            status, body, raw, ..
        } => {
            assert_eq!(status.as_u16(), 502);
            assert!(body.is_none());
            assert_eq!(raw.as_ref(), b"<html><h1>502 Bad Gateway</h1></html>");
        }
        other => panic!("expected a status error, got {other:?}"),
    }
    assert_eq!(error.status().map(|s| s.as_u16()), Some(502));
    assert_eq!(
        error.to_string(),
        "get_thing: HTTP 502 Bad Gateway: <html><h1>502 Bad Gateway</h1></html>"
    );
}

#[tokio::test]
async fn an_undocumented_error_status_with_a_text_body_is_a_status_error() {
    let server = serve(404, "Not Found", "text/plain").await;
    let error = call(&server, "/thing", 400).await.unwrap_err();
    assert!(
        matches!(&error, ApiError::Status { status, body: None, raw, .. }
            if status.as_u16() == 404 && raw.as_ref() == b"Not Found"),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_json_error_body_still_parses_and_a_bad_success_body_is_still_a_decode_error() {
    let server = serve(
        400,
        r#"{"errors": ["name is required"]}"#,
        "application/json",
    )
    .await;
    let error = call(&server, "/thing", 400).await.unwrap_err();
    assert!(
        matches!(&error, ApiError::Status { body: Some(b), .. } if b.errors == ["name is required"]),
        "{error:?}"
    );

    let server = serve(200, "<html>ok</html>", "text/html").await;
    let error = call(&server, "/thing", 400).await.unwrap_err();
    assert!(matches!(&error, ApiError::Decode { .. }), "{error:?}");
}
