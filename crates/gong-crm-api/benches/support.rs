//! A minimal Gong stand-in for the benchmarks (axum, in-process): answers
//! the integration list, consumes multipart uploads chunk by chunk without
//! keeping them, and reports every request as DONE.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    dead_code,
    reason = "bench support"
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;

/// What the stand-in received.
#[derive(Debug, Default)]
pub struct Counters {
    /// Upload bytes (the LDJSON part's content).
    pub bytes: AtomicU64,
    /// Upload lines (records).
    pub lines: AtomicU64,
    /// Uploads.
    pub uploads: AtomicU64,
    /// `request-status` polls.
    pub polls: AtomicU64,
    /// `entity-schema` fetches.
    pub schemas: AtomicU64,
}

const INTEGRATIONS: &str = r#"{"requestId":"4al018gzaztcr8nbukw","integrations":[{"integrationId":6286478263646123457,"ownerEmail":"jane.admin@acme.com","name":"Acme CRM"}]}"#;

async fn integrations() -> impl IntoResponse {
    ([("content-type", "application/json")], INTEGRATIONS)
}

async fn schema(State(counters): State<Arc<Counters>>) -> impl IntoResponse {
    counters.schemas.fetch_add(1, Ordering::Relaxed);
    (
        [("content-type", "application/json")],
        r#"{"objectTypeToSelectedFields":{"ACCOUNT":[]}}"#,
    )
}

async fn status(State(counters): State<Arc<Counters>>) -> impl IntoResponse {
    counters.polls.fetch_add(1, Ordering::Relaxed);
    (
        [("content-type", "application/json")],
        r#"{"status":"DONE","totalErrorCount":0}"#,
    )
}

async fn upload(State(counters): State<Arc<Counters>>, mut form: Multipart) -> impl IntoResponse {
    while let Ok(Some(mut field)) = form.next_field().await {
        while let Ok(Some(chunk)) = field.chunk().await {
            counters
                .bytes
                .fetch_add(chunk.len() as u64, Ordering::Relaxed);
            let lines = chunk.iter().filter(|&&b| b == b'\n').count() as u64;
            counters.lines.fetch_add(lines, Ordering::Relaxed);
        }
    }
    counters.uploads.fetch_add(1, Ordering::Relaxed);
    (
        StatusCode::CREATED,
        [("content-type", "application/json")],
        r#"{"requestId":"r"}"#,
    )
}

/// Starts the server on 127.0.0.1; returns its base URL and counters.
pub async fn start() -> (String, Arc<Counters>) {
    let counters = Arc::new(Counters::default());
    let app = Router::new()
        .route("/v2/crm/integrations", get(integrations))
        .route("/v2/crm/entity-schema", get(schema))
        .route("/v2/crm/request-status", get(status))
        .route("/v2/crm/entities", axum::routing::post(upload))
        .layer(axum::extract::DefaultBodyLimit::disable())
        .with_state(Arc::clone(&counters));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, counters)
}

/// The benches' tokio runtime: two worker threads, as this machine has.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// A client of the stand-in at `url`, without a client-side rate limit.
pub fn client(url: &str, auth: gong_crm_api::Auth) -> gong_crm_api::Client {
    gong_crm_api::Client::from_config(
        gong_crm_api::Client::config(auth)
            .with_base_url(url)
            .with_rate_limit(gong_crm_api::RateLimit::unlimited()),
    )
    .unwrap()
}

/// Peak resident set size of this process (Linux `VmHWM`), in KiB.
pub fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}
