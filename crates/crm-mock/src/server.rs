//! The server: an accept loop on `127.0.0.1`, one hyper HTTP/1.1 connection
//! task per client connection, and a service in front of each system's axum
//! router that counts requests, injects faults and checks credentials.
//!
//! # How drops and truncations are done
//!
//! Both need control of the connection, which `axum::serve` does not give,
//! so the mock runs its own accept loop with
//! [`hyper::server::conn::http1`]:
//!
//! - **Dropped connection**: each connection task owns a
//!   [`CancellationToken`] and serves the connection inside
//!   `tokio::select!` against it. A request drawn for a drop cancels the
//!   token and never answers; the task then drops the connection future,
//!   which closes the socket without a byte of response. The client sees a
//!   transport error (connection closed before the message completed).
//! - **Truncated body**: the request is handled normally, its answer's body
//!   is collected, and the answer is re-sent with `Content-Length` of the
//!   whole body but a body stream that yields the first half, pauses (so
//!   hyper flushes it) and then fails; hyper aborts the connection. The
//!   client gets the status and headers, then a body error.
//!
//! 429 and 5xx faults are ordinary answers (with the system's error body);
//! the request body is read and discarded first, so a client still sending
//! an upload reads the answer instead of a broken pipe.

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::header::{CONTENT_LENGTH, RETRY_AFTER};
use axum::http::{HeaderValue, Request, Response, StatusCode};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt as _;

use crate::fault::{self, Fault};
use crate::http::{self, RequestNo};
use crate::{MockConfig, MockStats, System, conecrm, gong, sell};

/// The largest request body read and discarded before a fault answer.
const DRAIN_LIMIT: u64 = 256 * 1024 * 1024;

/// One system's mock: its state behind its router, and the answers the
/// server gives on its behalf (faults, refusals). Each system's module
/// implements it for its state; [`System::backend`] builds one.
pub trait MockBackend: Send + Sync + 'static {
    /// The router serving the system's API.
    fn router(self: Arc<Self>) -> Router;

    /// The system's error answer (for injected faults).
    fn error(&self, status: StatusCode, message: &str, reference: &str) -> Response<Body>;

    /// Refuses a request that lacks what the system requires of every
    /// request (credentials; Sell also wants a `User-Agent`).
    fn refuse(&self, request: &Request<Body>, reference: &str) -> Option<Response<Body>>;

    /// Adds the system's counters to `stats`.
    fn fill_stats(&self, stats: &mut MockStats);

    /// A snapshot of one entity's records (see [`RunningMock::records`]).
    fn records(&self, entity: &str) -> Vec<serde_json::Value>;
}

impl MockBackend for gong::GongState {
    fn router(self: Arc<Self>) -> Router {
        gong::router(self)
    }
    fn error(&self, status: StatusCode, message: &str, reference: &str) -> Response<Body> {
        gong::error(status, message, reference)
    }
    fn refuse(&self, request: &Request<Body>, reference: &str) -> Option<Response<Body>> {
        gong::refuse(self, request, reference)
    }
    fn fill_stats(&self, stats: &mut MockStats) {
        gong::GongState::fill_stats(self, stats);
    }
    fn records(&self, entity: &str) -> Vec<serde_json::Value> {
        gong::GongState::records(self, entity)
    }
}

impl MockBackend for conecrm::ConeState {
    fn router(self: Arc<Self>) -> Router {
        conecrm::router(self)
    }
    fn error(&self, status: StatusCode, message: &str, _reference: &str) -> Response<Body> {
        conecrm::error(status, message)
    }
    fn refuse(&self, request: &Request<Body>, _reference: &str) -> Option<Response<Body>> {
        conecrm::refuse(self, request)
    }
    fn fill_stats(&self, stats: &mut MockStats) {
        conecrm::ConeState::fill_stats(self, stats);
    }
    fn records(&self, entity: &str) -> Vec<serde_json::Value> {
        conecrm::ConeState::records(self, entity)
    }
}

impl MockBackend for sell::SellState {
    fn router(self: Arc<Self>) -> Router {
        sell::router(self)
    }
    fn error(&self, status: StatusCode, message: &str, reference: &str) -> Response<Body> {
        sell::error(status, sell::fault_code(status), message, reference)
    }
    fn refuse(&self, request: &Request<Body>, reference: &str) -> Option<Response<Body>> {
        sell::refuse(self, request, reference)
    }
    fn fill_stats(&self, stats: &mut MockStats) {
        sell::SellState::fill_stats(self, stats);
    }
    fn records(&self, entity: &str) -> Vec<serde_json::Value> {
        sell::SellState::records(self, entity)
    }
}

impl System {
    /// A fresh mock of this system, seeded from `config`, serving at
    /// `base_url` (Sell's next-page links name it): the one place a system
    /// is matched to its mock.
    pub fn backend(self, config: &MockConfig, base_url: &str) -> Arc<dyn MockBackend> {
        match self {
            System::Gong => Arc::new(gong::GongState::new(config)),
            System::Conecrm => Arc::new(conecrm::ConeState::new(config)),
            System::ZendeskSell => Arc::new(sell::SellState::new(config, base_url)),
        }
    }
}

/// What the service and the handle share.
struct Shared {
    system: System,
    config: MockConfig,
    backend: Arc<dyn MockBackend>,
    requests: AtomicU64,
    faults: AtomicU64,
}

/// A running mock server on `127.0.0.1` (a random port). Dropping it stops
/// the server too; [`RunningMock::shutdown`] also waits for it.
pub struct RunningMock {
    shared: Arc<Shared>,
    base_url: String,
    stop: CancellationToken,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for RunningMock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningMock")
            .field("system", &self.shared.system)
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl RunningMock {
    /// Seeds the state and starts serving `system` on a random port of
    /// `127.0.0.1`. Must be called inside a Tokio runtime.
    ///
    /// # Errors
    /// The I/O error if the listener cannot be bound.
    pub async fn start(system: System, config: MockConfig) -> io::Result<RunningMock> {
        Self::start_on(system, config, SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    /// As [`RunningMock::start`], on a given address (e.g. a fixed port for
    /// `crm mock serve`).
    ///
    /// # Errors
    /// The I/O error if the listener cannot be bound.
    pub async fn start_on(
        system: System,
        config: MockConfig,
        addr: SocketAddr,
    ) -> io::Result<RunningMock> {
        let listener = TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        let base_url = format!("http://{local}");
        let backend = system.backend(&config, &base_url);
        let router = Arc::clone(&backend).router();
        let shared = Arc::new(Shared {
            system,
            config,
            backend,
            requests: AtomicU64::new(0),
            faults: AtomicU64::new(0),
        });
        let stop = CancellationToken::new();
        let task = tokio::spawn(accept_loop(
            listener,
            Arc::clone(&shared),
            router,
            stop.clone(),
        ));
        tracing::debug!(%system, %base_url, "mock started");
        Ok(RunningMock {
            shared,
            base_url,
            stop,
            task: Some(task),
        })
    }

    /// The system served.
    pub fn system(&self) -> System {
        self.shared.system
    }

    /// The base URL, e.g. `http://127.0.0.1:43817` (no trailing slash).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The configuration the server runs with.
    pub fn config(&self) -> &MockConfig {
        &self.shared.config
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> MockStats {
        let mut stats = MockStats {
            requests: self.shared.requests.load(Ordering::SeqCst),
            faults_injected: self.shared.faults.load(Ordering::SeqCst),
            ..MockStats::default()
        };
        self.shared.backend.fill_stats(&mut stats);
        stats
    }

    /// A snapshot of one entity's records, as the API would answer them
    /// (Sell: the `data` objects; ConeCRM: the records; Gong: the stored
    /// objects). Entity names: Gong `ACCOUNT`, `CONTACT`, `DEAL`, `LEAD`,
    /// `BUSINESS_USER`, `STAGE`; ConeCRM `account`, `contact`, `lead`,
    /// `task`, `stage`, `custom_field`; Sell `contact`, `deal`, `lead`,
    /// `note`, `order`, `task`, `pipeline`, `stage`, `product`,
    /// `custom_field` (plural forms are accepted). An unknown name gives an
    /// empty list.
    pub fn records(&self, entity: &str) -> Vec<serde_json::Value> {
        self.shared.backend.records(entity)
    }

    /// Stops accepting, closes every connection and waits for the server
    /// to end.
    pub async fn shutdown(mut self) {
        self.stop.cancel();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningMock {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    router: Router,
    stop: CancellationToken,
) {
    let mut connections = JoinSet::new();
    loop {
        let accepted = tokio::select! {
            () = stop.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        while connections.try_join_next().is_some() {}
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(error) => {
                tracing::debug!(%error, "accept failed");
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let shared = Arc::clone(&shared);
        let router = router.clone();
        let stop = stop.clone();
        connections.spawn(async move {
            let close = CancellationToken::new();
            let service_close = close.clone();
            let service = hyper::service::service_fn(move |request: Request<Incoming>| {
                let shared = Arc::clone(&shared);
                let router = router.clone();
                let close = service_close.clone();
                async move {
                    Ok::<_, Infallible>(serve(shared, router, request.map(Body::new), close).await)
                }
            });
            let connection = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                result = connection => {
                    if let Err(error) = result {
                        tracing::trace!(%error, "connection ended");
                    }
                }
                // Dropping the connection future closes the socket unanswered.
                () = close.cancelled() => {}
                () = stop.cancelled() => {}
            }
        });
    }
    connections.shutdown().await;
}

/// Handles one request: count it, decide its fault, add latency, check
/// credentials, route it.
async fn serve(
    shared: Arc<Shared>,
    router: Router,
    mut request: Request<Body>,
    close: CancellationToken,
) -> Response<Body> {
    let n = shared.requests.fetch_add(1, Ordering::SeqCst);
    let config = &shared.config;
    let fault = fault::decide(config.seed, n, &config.faults);
    if !config.faults.latency.is_zero() {
        tokio::time::sleep(config.faults.latency).await;
    }
    let reference = http::reference(config.seed, n);
    if let Some(fault) = fault {
        shared.faults.fetch_add(1, Ordering::SeqCst);
        tracing::debug!(n, fault = fault.name(), "injecting a fault");
    }
    match fault {
        Some(Fault::RateLimited { retry_after_secs }) => {
            http::drain(request.into_body(), DRAIN_LIMIT).await;
            let mut response = shared.backend.error(
                StatusCode::TOO_MANY_REQUESTS,
                "rate limit exceeded",
                &reference,
            );
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(retry_after_secs));
            return response;
        }
        Some(Fault::ServerError { status }) => {
            http::drain(request.into_body(), DRAIN_LIMIT).await;
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return shared
                .backend
                .error(status, "injected server error", &reference);
        }
        Some(Fault::Drop) => return never_answer(&close).await,
        Some(Fault::Truncate) | None => {}
    }
    request.extensions_mut().insert(RequestNo(n));
    let response = match shared.backend.refuse(&request, &reference) {
        Some(refusal) => {
            http::drain(request.into_body(), DRAIN_LIMIT).await;
            refusal
        }
        None => match router.oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        },
    };
    if fault == Some(Fault::Truncate) {
        return truncate(response, &close).await;
    }
    response
}

/// Closes the connection without answering.
async fn never_answer(close: &CancellationToken) -> Response<Body> {
    close.cancel();
    std::future::pending::<()>().await;
    Response::new(Body::empty())
}

/// Re-sends `response` with a body that breaks off halfway.
async fn truncate(response: Response<Body>, close: &CancellationToken) -> Response<Body> {
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return never_answer(close).await;
    };
    if bytes.len() < 2 {
        // Nothing to cut: the answer is lost whole instead.
        return never_answer(close).await;
    }
    let half = bytes.slice(..bytes.len() / 2);
    parts
        .headers
        .insert(CONTENT_LENGTH, HeaderValue::from(bytes.len()));
    let first = futures::stream::once(async move { Ok::<_, io::Error>(half) });
    let broken = futures::stream::once(async {
        // Pending first, so hyper flushes the half already written.
        tokio::time::sleep(Duration::from_millis(20)).await;
        Err(io::Error::other("body truncated by crm-mock"))
    });
    Response::from_parts(
        parts,
        Body::from_stream(futures::StreamExt::chain(first, broken)),
    )
}
