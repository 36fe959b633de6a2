//! The Gong CRM integration mock (`specs/gong-crm.yaml`).
//!
//! - Credentials: Basic (default `mock-key:mock-secret`) or Bearer, as
//!   configured; otherwise 401. Every error answer is Gong's
//!   `ErrorResponse {requestId, errors: [..]}`.
//! - Integrations: one at a time (`PUT` while one exists is a 409); ids are
//!   int64 above 2^53. `DELETE` is asynchronous like an upload: once
//!   processed, the integration, its objects and its schema are gone.
//! - `POST /v2/crm/entities`: the multipart `dataFile` is read as a stream,
//!   line by line (only the current line is buffered; accepted lines are
//!   kept once, as their JSON text, until processed). A `clientRequestId`
//!   already used (or being received) is a 409 and the file is not
//!   processed again; a file that breaks off mid-way frees its id. The
//!   answer is 201 `{requestId, clientRequestId}`. Processing takes
//!   [`MockConfig::gong_processing`]: `PENDING` for the first half,
//!   `IN_PROGRESS` for the second, then `DONE`, or `FAILED` with at most 20
//!   `errors[{line, description}]` for lines that are not JSON objects,
//!   lack `objectId`/`modifiedDate` (`modifiedDate` is optional for STAGE;
//!   STAGE needs `name`, BUSINESS_USER `emailAddress` unless deleted), carry
//!   an `objectId` that breaks Gong's rule (at most 64 letters, digits and
//!   `-`, or an email address), or repeat an `objectId` already in the
//!   file. Valid lines are processed even when others fail: each replaces
//!   the stored object with that `objectId` (`isDeleted: true` removes it;
//!   for a STAGE it sets `isActive: false`) and counts as a receipt.
//! - `GET /v2/crm/entities`: the JSON body's ids (the first 100) mapped to
//!   the stored objects, `null` for unknown ids; no body is a 415. Only
//!   ACCOUNT, CONTACT, DEAL and LEAD can be read back or have a schema
//!   (BUSINESS_USER and STAGE are a 400 there).
//! - Entity schema: fields per object type; every `POST` must repeat every
//!   field still defined (an omitted one is a 400), `isDeleted: true`
//!   removes a field, PICKLIST needs `orderedValueList`; it answers 201.
//! - Deleting the integration answers 201; an unknown `clientRequestId` on
//!   request-status is a 404.
//! - The legacy paths are implemented on the same state: integration
//!   new/list/delete, `object/entities` (201), `object/list`,
//!   `object/schema` (a deletion needs only `uniqueName`),
//!   `object/schema/list` (answers `objectTypeToSelectedFields`, as the
//!   current path), `map/users` (an
//!   LDJSON upload of `crmUserId` lines, kept as `USER_MAPPING` objects) and
//!   `stages` (upserts STAGE objects keyed by `internalName`).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Extension, FromRequest, Multipart, State};
use axum::http::{Request, StatusCode, Uri};
use axum::response::Response;
use axum::routing::{get, post, put};
use rand::Rng;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use tokio::time::Instant;

use crate::http::{self, Params, RequestNo};
use crate::rng::{self, MockRng, stream};
use crate::{MockAuth, MockConfig, MockStats, System};

/// Gong's upload limit (200 MB, read as 200 × 10⁶ bytes).
pub const MAX_UPLOAD_BYTES: u64 = 200_000_000;

/// The object types of uploads.
pub const OBJECT_TYPES: [&str; 6] = [
    "ACCOUNT",
    "CONTACT",
    "DEAL",
    "LEAD",
    "BUSINESS_USER",
    "STAGE",
];

/// The object types that can be read back and have a schema
/// (`GET /v2/crm/entities`, `/v2/crm/entity-schema`): not BUSINESS_USER or
/// STAGE, which only the upload takes.
pub const QUERY_OBJECT_TYPES: [&str; 4] = ["ACCOUNT", "CONTACT", "DEAL", "LEAD"];

/// The pseudo object type the legacy user mapping is kept under.
pub const USER_MAPPING: &str = "USER_MAPPING";

/// The most line errors a request status lists.
const MAX_LISTED_ERRORS: usize = 20;

/// The most ids `GET /v2/crm/entities` reads.
const MAX_READ_IDS: usize = 100;

/// A registered integration.
#[derive(Debug, Clone)]
struct Integration {
    id: i64,
    owner_email: String,
    name: String,
}

/// An accepted line: its `objectId`, its JSON text, whether it deletes.
#[derive(Debug)]
struct Accepted {
    object_id: String,
    text: Box<str>,
    deleted: bool,
}

#[derive(Debug)]
enum Work {
    /// The file is still being received (its id is reserved).
    Receiving,
    Upload {
        object_type: String,
        lines: Vec<Accepted>,
    },
    DeleteIntegration,
    /// Processed; nothing left to do.
    Done,
}

#[derive(Debug)]
struct AsyncRequest {
    integration_id: i64,
    received: Instant,
    ready: Instant,
    work: Work,
    applied: bool,
    errors: Vec<(i32, String)>,
    error_count: i32,
    success_count: i32,
}

/// The Gong mock's state.
pub(crate) struct GongState {
    seed: u64,
    auth: MockAuth,
    processing: Duration,
    inner: Mutex<Inner>,
}

struct Inner {
    integration: Option<Integration>,
    requests: HashMap<String, AsyncRequest>,
    pending: Vec<String>,
    objects: BTreeMap<String, HashMap<String, Box<str>>>,
    schema: BTreeMap<String, Vec<Value>>,
    receipts: BTreeMap<String, BTreeMap<String, u64>>,
    uploads: u64,
    duplicates: u64,
    ids: MockRng,
}

impl Inner {
    /// Applies every request whose processing time has passed.
    fn settle(&mut self, now: Instant) {
        if self.pending.is_empty() {
            return;
        }
        let due: Vec<String> = self
            .pending
            .iter()
            .filter(|id| self.requests.get(*id).is_some_and(|r| r.ready <= now))
            .cloned()
            .collect();
        self.pending.retain(|id| !due.contains(id));
        for id in due {
            let Some(request) = self.requests.get_mut(&id) else {
                continue;
            };
            request.applied = true;
            let work = std::mem::replace(&mut request.work, Work::Done);
            match work {
                Work::Upload { object_type, lines } => {
                    let receipts = self.receipts.entry(object_type.clone()).or_default();
                    let objects = self.objects.entry(object_type.clone()).or_default();
                    for line in lines {
                        *receipts.entry(line.object_id.clone()).or_default() += 1;
                        if line.deleted && object_type == "STAGE" {
                            let inactive = match serde_json::from_str::<Value>(&line.text) {
                                Ok(Value::Object(mut stage)) => {
                                    stage.insert("isActive".into(), json!(false));
                                    Value::Object(stage).to_string().into_boxed_str()
                                }
                                _ => line.text,
                            };
                            objects.insert(line.object_id, inactive);
                        } else if line.deleted {
                            objects.remove(&line.object_id);
                        } else {
                            objects.insert(line.object_id, line.text);
                        }
                    }
                }
                Work::DeleteIntegration => {
                    self.integration = None;
                    self.objects.clear();
                    self.schema.clear();
                }
                Work::Receiving | Work::Done => {}
            }
        }
    }
}

/// Whether `key` is a field Gong knows on `object_type` without a schema.
fn is_standard(object_type: &str, key: &str) -> bool {
    const COMMON: [&str; 5] = [
        "objectId",
        "modifiedDate",
        "isDeleted",
        "url",
        "lastModified",
    ];
    let own: &[&str] = match object_type {
        "ACCOUNT" => &["name", "domains"],
        "CONTACT" => &[
            "accountId",
            "emailAddress",
            "firstName",
            "lastName",
            "title",
            "phoneNumber",
        ],
        "DEAL" => &[
            "accountId",
            "ownerId",
            "name",
            "createdDate",
            "closeDate",
            "status",
            "stage",
            "amount",
            "isOpen",
            "isWon",
            "estimatedCloseDate",
            "actualCloseDate",
            "estimatedAmount",
            "actualAmount",
        ],
        "LEAD" => &[
            "emailAddress",
            "firstName",
            "lastName",
            "title",
            "phoneNumber",
            "convertedToDealId",
            "convertedToContactId",
            "convertedToAccountId",
        ],
        "BUSINESS_USER" => &["emailAddress"],
        "STAGE" => &["name", "isActive", "sortOrder", "internalName"],
        _ => &[],
    };
    COMMON.contains(&key) || own.contains(&key)
}

impl Inner {
    /// What Gong would show of what it holds.
    fn board(&self) -> crate::GongBoard {
        let mut board = crate::GongBoard::default();
        let parsed = |object_type: &str| -> Vec<Map<String, Value>> {
            self.objects
                .get(object_type)
                .into_iter()
                .flat_map(|objects| objects.values())
                .filter_map(|text| match serde_json::from_str::<Value>(text) {
                    Ok(Value::Object(map)) => Some(map),
                    _ => None,
                })
                .collect()
        };
        let accounts: HashSet<String> = self
            .objects
            .get("ACCOUNT")
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default();
        let users: HashSet<String> = parsed("BUSINESS_USER")
            .into_iter()
            .filter(|u| {
                u.get("emailAddress")
                    .and_then(Value::as_str)
                    .is_some_and(|e| !e.is_empty())
            })
            .filter_map(|u| u.get("objectId").and_then(Value::as_str).map(str::to_owned))
            .collect();
        let names = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
        for deal in parsed("DEAL") {
            board.deals += 1;
            let account = names(deal.get("accountId")).is_some_and(|a| accounts.contains(&a));
            let owner = names(deal.get("ownerId")).is_some_and(|o| users.contains(&o));
            let close = deal.get("closeDate").is_some_and(|c| !c.is_null());
            board.without_account += u64::from(!account);
            board.without_known_owner += u64::from(!owner);
            board.without_close_date += u64::from(!close);
            board.visible += u64::from(account && owner && close);
        }
        for object_type in self.objects.keys() {
            let declared: HashSet<&str> = self
                .schema
                .get(object_type)
                .into_iter()
                .flatten()
                .filter_map(|f| f.get("uniqueName").and_then(Value::as_str))
                .collect();
            let mut hidden: BTreeMap<String, u64> = BTreeMap::new();
            for record in parsed(object_type) {
                for (key, value) in &record {
                    if !value.is_null()
                        && !is_standard(object_type, key)
                        && !declared.contains(key.as_str())
                    {
                        *hidden.entry(key.clone()).or_default() += 1;
                    }
                }
            }
            if !hidden.is_empty() {
                board.undeclared_fields.insert(object_type.clone(), hidden);
            }
        }
        board
    }
}

impl GongState {
    pub fn new(config: &MockConfig) -> Self {
        GongState {
            seed: config.seed,
            auth: config.auth.resolve(System::Gong),
            processing: config.gong_processing,
            inner: Mutex::new(Inner {
                integration: None,
                requests: HashMap::new(),
                pending: Vec::new(),
                objects: BTreeMap::new(),
                schema: BTreeMap::new(),
                receipts: BTreeMap::new(),
                uploads: 0,
                duplicates: 0,
                ids: rng::rng(config.seed, stream::IDS),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        inner.settle(Instant::now());
        inner
    }

    pub fn fill_stats(&self, stats: &mut MockStats) {
        let inner = self.lock();
        stats.gong_board = inner.board();
        stats.gong_receipts = inner.receipts.clone();
        stats.gong_uploads = inner.uploads;
        stats.gong_duplicate_request_ids = inner.duplicates;
    }

    pub fn records(&self, entity: &str) -> Vec<Value> {
        let inner = self.lock();
        let Some(objects) = inner.objects.get(&entity.to_ascii_uppercase()) else {
            return Vec::new();
        };
        let mut ids: Vec<&String> = objects.keys().collect();
        ids.sort();
        ids.into_iter()
            .filter_map(|id| objects.get(id))
            .filter_map(|text| serde_json::from_str(text).ok())
            .collect()
    }
}

/// Gong's error answer.
pub(crate) fn error(status: StatusCode, message: &str, reference: &str) -> Response {
    http::json(
        status,
        &json!({"requestId": reference, "errors": [message]}),
    )
}

/// Refuses a request without the accepted credentials.
pub(crate) fn refuse(
    state: &GongState,
    request: &Request<Body>,
    reference: &str,
) -> Option<Response> {
    (!http::authorized(request.headers(), &state.auth)).then(|| {
        error(
            StatusCode::UNAUTHORIZED,
            "Unauthorized: the credentials are missing or invalid",
            reference,
        )
    })
}

/// The Gong routes.
pub(crate) fn router(state: Arc<GongState>) -> Router {
    let uploads = Router::new()
        .route("/v2/crm/entities", post(upload_current))
        .route("/v2/crm/object/entities", post(upload_legacy))
        .route("/v2/crm/map/users", post(upload_user_mapping))
        .layer(DefaultBodyLimit::disable());
    Router::new()
        .route(
            "/v2/crm/integrations",
            get(list_integrations)
                .put(register_integration)
                .delete(delete_integration),
        )
        .route("/v2/crm/integration/new", put(register_integration))
        .route("/v2/crm/integration/list", get(list_integrations))
        .route(
            "/v2/crm/integration/delete",
            axum::routing::delete(delete_integration),
        )
        .route("/v2/crm/entities", get(get_objects))
        .route("/v2/crm/object/list", get(get_objects))
        .route("/v2/crm/request-status", get(request_status))
        .route(
            "/v2/crm/entity-schema",
            get(list_schema).post(upload_schema),
        )
        .route("/v2/crm/object/schema", post(upload_schema_legacy))
        .route("/v2/crm/object/schema/list", get(list_schema_legacy))
        .route("/v2/crm/stages", post(upload_stages))
        .merge(uploads)
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
        .with_state(state)
}

/// What a handler knows about its request.
struct Call {
    state: Arc<GongState>,
    reference: String,
    params: Params,
}

impl Call {
    fn new(state: Arc<GongState>, n: RequestNo, uri: &Uri) -> Result<Call, Response> {
        let reference = http::reference(state.seed, n.0);
        match Params::of(uri) {
            Some(params) => Ok(Call {
                state,
                reference,
                params,
            }),
            None => Err(error(
                StatusCode::BAD_REQUEST,
                "the query string is not valid",
                &reference,
            )),
        }
    }

    fn bad(&self, message: &str) -> Response {
        error(StatusCode::BAD_REQUEST, message, &self.reference)
    }

    fn ok(&self, body: Value) -> Response {
        self.answer(StatusCode::OK, body)
    }

    /// A success answer with `status` (Gong answers some calls 201).
    fn answer(&self, status: StatusCode, mut body: Value) -> Response {
        body["requestId"] = json!(self.reference);
        http::json(status, &body)
    }

    /// The `integrationId` parameter, which must name the integration.
    fn integration_id(&self, inner: &Inner) -> Result<i64, Response> {
        let Some(text) = self.params.get("integrationId") else {
            return Err(self.bad("integrationId: must not be null"));
        };
        let Ok(id) = text.parse::<i64>() else {
            return Err(self.bad("integrationId: must be an int64"));
        };
        match &inner.integration {
            Some(integration) if integration.id == id => Ok(id),
            _ => Err(self.bad(&format!("integrationId: no integration {id}"))),
        }
    }

    /// The `objectType` parameter, one of `allowed`.
    fn object_type(&self, allowed: &[&str], required: bool) -> Result<Option<String>, Response> {
        match self.params.get("objectType") {
            None if required => Err(self.bad("objectType: must not be null")),
            None => Ok(None),
            Some(t) if allowed.contains(&t) => Ok(Some(t.to_owned())),
            Some(t) => Err(self.bad(&format!(
                "objectType: {t:?} is not one of {}",
                allowed.join(", ")
            ))),
        }
    }

    /// The `clientRequestId` parameter (letters, digits, `-`, `_`).
    fn client_request_id(&self) -> Result<String, Response> {
        match self.params.get("clientRequestId") {
            None => Err(self.bad("clientRequestId: must not be null")),
            Some(id)
                if !id.is_empty()
                    && id
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
            {
                Ok(id.to_owned())
            }
            Some(id) => Err(self.bad(&format!(
                "clientRequestId: {id:?} must be letters, digits, '-' and '_'"
            ))),
        }
    }
}

async fn not_found(State(state): State<Arc<GongState>>, request: Request<Body>) -> Response {
    let n = request.extensions().get::<RequestNo>().map_or(0, |n| n.0);
    error(
        StatusCode::NOT_FOUND,
        &format!(
            "no such endpoint: {} {}",
            request.method(),
            request.uri().path()
        ),
        &http::reference(state.seed, n),
    )
}

macro_rules! call {
    ($state:expr, $n:expr, $uri:expr) => {
        match Call::new($state, $n, &$uri) {
            Ok(call) => call,
            Err(response) => return response,
        }
    };
}

macro_rules! tri {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(response) => return response,
        }
    };
}

async fn list_integrations(
    State(state): State<Arc<GongState>>,
    Extension(n): Extension<RequestNo>,
    uri: Uri,
) -> Response {
    let call = call!(state, n, uri);
    let integrations: Vec<Value> = call
        .state
        .lock()
        .integration
        .iter()
        .map(|i| json!({"integrationId": i.id, "ownerEmail": i.owner_email, "name": i.name}))
        .collect();
    call.ok(json!({"integrations": integrations}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Registration {
    owner_email: String,
    name: String,
}

async fn register_integration(
    State(state): State<Arc<GongState>>,
    Extension(n): Extension<RequestNo>,
    uri: Uri,
    body: Body,
) -> Response {
    let call = call!(state, n, uri);
    let bytes = tri!(
        http::read_body(body, 1 << 20)
            .await
            .map_err(|m| call.bad(&m))
    );
    let registration: Registration =
        tri!(serde_json::from_slice(&bytes).map_err(|e| call.bad(&format!("invalid body: {e}"))));
    if registration.owner_email.trim().is_empty() || registration.name.trim().is_empty() {
        return call.bad("ownerEmail and name must not be empty");
    }
    let mut inner = call.state.lock();
    if let Some(existing) = &inner.integration {
        let id = existing.id;
        drop(inner);
        return error(
            StatusCode::CONFLICT,
            &format!("an integration already exists ({id}); delete it first"),
            &call.reference,
        );
    }
    let id = (1_i64 << 53) + inner.ids.random_range(1..(1_i64 << 62));
    inner.integration = Some(Integration {
        id,
        owner_email: registration.owner_email,
        name: registration.name,
    });
    drop(inner);
    call.ok(json!({"integrationId": id}))
}

async fn delete_integration(
    State(state): State<Arc<GongState>>,
    Extension(n): Extension<RequestNo>,
    uri: Uri,
) -> Response {
    let call = call!(state, n, uri);
    let client_request_id = tri!(call.client_request_id());
    let mut inner = call.state.lock();
    let integration_id = tri!(call.integration_id(&inner));
    if inner.requests.contains_key(&client_request_id) {
        inner.duplicates += 1;
        drop(inner);
        return error(
            StatusCode::CONFLICT,
            &format!("clientRequestId {client_request_id:?} was already used"),
            &call.reference,
        );
    }
    let now = Instant::now();
    inner.requests.insert(
        client_request_id.clone(),
        AsyncRequest {
            integration_id,
            received: now,
            ready: now + call.state.processing,
            work: Work::DeleteIntegration,
            applied: false,
            errors: Vec::new(),
            error_count: 0,
            success_count: 0,
        },
    );
    inner.pending.push(client_request_id.clone());
    inner.settle(now);
    drop(inner);
    // Gong answers the delete with 201 Created (both paths).
    call.answer(
        StatusCode::CREATED,
        json!({"clientRequestId": client_request_id}),
    )
}

async fn request_status(
    State(state): State<Arc<GongState>>,
    Extension(n): Extension<RequestNo>,
    uri: Uri,
) -> Response {
    let call = call!(state, n, uri);
    let client_request_id = tri!(call.client_request_id());
    let Some(integration_id) = call
        .params
        .get("integrationId")
        .and_then(|t| t.parse::<i64>().ok())
    else {
        return call.bad("integrationId: must not be null");
    };
    let inner = call.state.lock();
    let Some(request) = inner
        .requests
        .get(&client_request_id)
        .filter(|r| r.integration_id == integration_id && !matches!(r.work, Work::Receiving))
    else {
        drop(inner);
        return error(
            StatusCode::NOT_FOUND,
            &format!(
                "clientRequestId: no request {client_request_id:?} for integration {integration_id}"
            ),
            &call.reference,
        );
    };
    let now = Instant::now();
    let status = if request.applied {
        if request.error_count > 0 {
            "FAILED"
        } else {
            "DONE"
        }
    } else if now < request.received + (request.ready - request.received) / 2 {
        "PENDING"
    } else {
        "IN_PROGRESS"
    };
    let mut body = json!({"status": status});
    if request.applied {
        body["errors"] = Value::Array(
            request
                .errors
                .iter()
                .map(|(line, description)| json!({"line": line, "description": description}))
                .collect(),
        );
        body["totalErrorCount"] = json!(request.error_count);
        body["totalSuccessCount"] = json!(request.success_count);
    }
    drop(inner);
    call.ok(body)
}

async fn get_objects(
    State(state): State<Arc<GongState>>,
    Extension(n): Extension<RequestNo>,
    uri: Uri,
    body: Body,
) -> Response {
    let call = call!(state, n, uri);
    let object_type = tri!(call.object_type(&QUERY_OBJECT_TYPES, true)).unwrap_or_default();
    let bytes = tri!(
        http::read_body(body, 1 << 20)
            .await
            .map_err(|m| call.bad(&m))
    );
    if bytes.iter().all(u8::is_ascii_whitespace) {
        // No JSON body: Gong answers 415 Unsupported Media Type.
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "the request body must be a JSON array of object ids",
            &call.reference,
        );
    }
    let ids: Vec<String> = tri!(
        serde_json::from_slice(&bytes)
            .map_err(|e| call.bad(&format!("the body must be a JSON array of object ids: {e}")))
    );
    let inner = call.state.lock();
    tri!(call.integration_id(&inner));
    let objects = inner.objects.get(&object_type);
    let map: Map<String, Value> = ids
        .into_iter()
        .take(MAX_READ_IDS)
        .map(|id| {
            let object = objects
                .and_then(|o| o.get(&id))
                .and_then(|text| serde_json::from_str::<Value>(text).ok())
                .unwrap_or(Value::Null);
            (id, object)
        })
        .collect();
    drop(inner);
    call.ok(json!({"crmObjectsMap": map}))
}

fn selected_fields(inner: &Inner, object_type: Option<&str>) -> Map<String, Value> {
    match object_type {
        Some(t) => {
            let fields = inner.schema.get(t).cloned().unwrap_or_default();
            Map::from_iter([(t.to_owned(), Value::Array(fields))])
        }
        None => inner
            .schema
            .iter()
            .map(|(t, fields)| (t.clone(), Value::Array(fields.clone())))
            .collect(),
    }
}

async fn list_schema(
    State(state): State<Arc<GongState>>,
    Extension(n): Extension<RequestNo>,
    uri: Uri,
) -> Response {
    let call = call!(state, n, uri);
    let object_type = tri!(call.object_type(&QUERY_OBJECT_TYPES, false));
    let inner = call.state.lock();
    tri!(call.integration_id(&inner));
    let fields = selected_fields(&inner, object_type.as_deref());
    drop(inner);
    call.ok(json!({"objectTypeToSelectedFields": fields}))
}

async fn list_schema_legacy(
    State(state): State<Arc<GongState>>,
    Extension(n): Extension<RequestNo>,
    uri: Uri,
) -> Response {
    let call = call!(state, n, uri);
    let object_type = tri!(call.object_type(&QUERY_OBJECT_TYPES, true));
    let inner = call.state.lock();
    tri!(call.integration_id(&inner));
    let fields = selected_fields(&inner, object_type.as_deref());
    drop(inner);
    // The older path answers with the same key as the current one.
    call.ok(json!({"objectTypeToSelectedFields": fields}))
}

const FIELD_TYPES: [&str; 14] = [
    "BOOLEAN",
    "DATE",
    "DATETIME",
    "PICKLIST",
    "NUMBER",
    "PERCENT",
    "CURRENCY",
    "PHONENUMBER",
    "EMAILADDRESS",
    "REFERENCE",
    "ID",
    "STRING",
    "STRINGARRAY",
    "URL",
];

/// Checks and applies a schema upload; `legacy` allows deletions with only
/// `uniqueName`.
fn apply_schema(
    inner: &mut Inner,
    object_type: &str,
    fields: Vec<Value>,
    legacy: bool,
) -> Result<(), String> {
    let mut kept: Vec<Value> = Vec::new();
    let mut named: HashSet<String> = HashSet::new();
    for (i, field) in fields.iter().enumerate() {
        let Some(obj) = field.as_object() else {
            return Err(format!("[{i}]: must be an object"));
        };
        let text = |k: &str| obj.get(k).and_then(Value::as_str).map(str::to_owned);
        let name = text("uniqueName")
            .or_else(|| if legacy { text("name") } else { None })
            .filter(|n| !n.is_empty())
            .ok_or_else(|| format!("[{i}].uniqueName: must not be empty"))?;
        named.insert(name.clone());
        let deleted = obj.get("isDeleted").and_then(Value::as_bool) == Some(true);
        if deleted {
            continue;
        }
        let label = text("label");
        let kind = text("type");
        if !legacy && label.is_none() {
            return Err(format!("[{i}].label: must not be null"));
        }
        let Some(kind) = kind else {
            return Err(format!("[{i}].type: must not be null"));
        };
        if !FIELD_TYPES.contains(&kind.as_str()) {
            return Err(format!("[{i}].type: unknown field type {kind:?}"));
        }
        let values = obj.get("orderedValueList").cloned().unwrap_or(Value::Null);
        if kind == "PICKLIST" && values.as_array().is_none_or(|v| v.is_empty()) {
            return Err(format!("[{i}].orderedValueList: required for PICKLIST"));
        }
        kept.push(json!({
            "name": name,
            "uniqueName": name,
            "label": label,
            "type": kind,
            "lastModified": obj.get("lastModified").cloned().unwrap_or(Value::Null),
            "isDeleted": false,
            "referenceTo": obj.get("referenceTo").cloned().unwrap_or(Value::Null),
            "orderedValueList": values,
        }));
    }
    let omitted: Vec<String> = inner
        .schema
        .get(object_type)
        .into_iter()
        .flatten()
        .filter_map(|f| f.get("name").and_then(Value::as_str))
        .filter(|n| !named.contains(*n))
        .map(str::to_owned)
        .collect();
    if !omitted.is_empty() {
        return Err(format!(
            "every request must contain all the fields of the schema; omitted: {}",
            omitted.join(", ")
        ));
    }
    inner.schema.insert(object_type.to_owned(), kept);
    Ok(())
}

async fn schema_upload(
    state: Arc<GongState>,
    n: RequestNo,
    uri: Uri,
    body: Body,
    legacy: bool,
) -> Response {
    let call = call!(state, n, uri);
    let object_type = tri!(call.object_type(&QUERY_OBJECT_TYPES, true)).unwrap_or_default();
    let bytes = tri!(
        http::read_body(body, 8 << 20)
            .await
            .map_err(|m| call.bad(&m))
    );
    let fields: Vec<Value> = tri!(
        serde_json::from_slice(&bytes)
            .map_err(|e| call.bad(&format!("the body must be a JSON array of fields: {e}")))
    );
    let mut inner = call.state.lock();
    tri!(call.integration_id(&inner));
    let result = apply_schema(&mut inner, &object_type, fields, legacy);
    drop(inner);
    match result {
        // The current path answers 201 Created, the older one 200.
        Ok(()) if legacy => call.ok(json!({})),
        Ok(()) => call.answer(StatusCode::CREATED, json!({})),
        Err(message) => call.bad(&message),
    }
}

async fn upload_schema(
    State(state): State<Arc<GongState>>,
    Extension(n): Extension<RequestNo>,
    uri: Uri,
    body: Body,
) -> Response {
    schema_upload(state, n, uri, body, false).await
}

async fn upload_schema_legacy(
    State(state): State<Arc<GongState>>,
    Extension(n): Extension<RequestNo>,
    uri: Uri,
    body: Body,
) -> Response {
    schema_upload(state, n, uri, body, true).await
}

async fn upload_stages(
    State(state): State<Arc<GongState>>,
    Extension(n): Extension<RequestNo>,
    uri: Uri,
    body: Body,
) -> Response {
    let call = call!(state, n, uri);
    let bytes = tri!(
        http::read_body(body, 8 << 20)
            .await
            .map_err(|m| call.bad(&m))
    );
    let stages: Vec<Value> = tri!(
        serde_json::from_slice(&bytes)
            .map_err(|e| call.bad(&format!("the body must be a JSON array of stages: {e}")))
    );
    let mut checked = Vec::new();
    for (i, stage) in stages.into_iter().enumerate() {
        let name = stage
            .get("internalName")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let ok = name.as_deref().is_some_and(|n| !n.is_empty())
            && stage.get("name").is_some_and(Value::is_string)
            && stage.get("isActive").is_some_and(Value::is_boolean)
            && stage.get("sortOrder").is_some_and(Value::is_i64);
        match (ok, name) {
            (true, Some(name)) => checked.push((name, stage)),
            _ => {
                return call.bad(&format!(
                    "[{i}]: internalName, name, isActive and sortOrder are required"
                ));
            }
        }
    }
    let mut inner = call.state.lock();
    tri!(call.integration_id(&inner));
    let objects = inner.objects.entry("STAGE".to_owned()).or_default();
    for (name, stage) in checked {
        objects.insert(name, stage.to_string().into_boxed_str());
    }
    drop(inner);
    call.ok(json!({}))
}

/// Which upload endpoint.
#[derive(Clone, Copy, PartialEq, Eq)]
enum UploadKind {
    Current,
    Legacy,
    UserMapping,
}

async fn upload_current(
    State(state): State<Arc<GongState>>,
    Extension(n): Extension<RequestNo>,
    request: Request<Body>,
) -> Response {
    upload(state, n, request, UploadKind::Current).await
}

async fn upload_legacy(
    State(state): State<Arc<GongState>>,
    Extension(n): Extension<RequestNo>,
    request: Request<Body>,
) -> Response {
    upload(state, n, request, UploadKind::Legacy).await
}

async fn upload_user_mapping(
    State(state): State<Arc<GongState>>,
    Extension(n): Extension<RequestNo>,
    request: Request<Body>,
) -> Response {
    upload(state, n, request, UploadKind::UserMapping).await
}

async fn upload(
    state: Arc<GongState>,
    n: RequestNo,
    request: Request<Body>,
    kind: UploadKind,
) -> Response {
    let uri = request.uri().clone();
    let call = call!(state, n, uri);
    async fn refuse(request: Request<Body>, response: Response) -> Response {
        http::drain(request.into_body(), MAX_UPLOAD_BYTES).await;
        response
    }
    let checked = (|| {
        let object_type = match kind {
            UploadKind::UserMapping => USER_MAPPING.to_owned(),
            _ => call.object_type(&OBJECT_TYPES, true)?.unwrap_or_default(),
        };
        let client_request_id = call.client_request_id()?;
        Ok::<_, Response>((object_type, client_request_id))
    })();
    let (object_type, client_request_id) = match checked {
        Ok(v) => v,
        Err(response) => return refuse(request, response).await,
    };
    let announced = request
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|len| len > MAX_UPLOAD_BYTES + 1_000_000) {
        return error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "the payload exceeds 200 MB",
            &call.reference,
        );
    }
    // Reserve the clientRequestId before reading the file.
    let reserved: Result<i64, Response> = {
        let mut inner = call.state.lock();
        match call.integration_id(&inner) {
            Err(response) => Err(response),
            Ok(_) if inner.requests.contains_key(&client_request_id) => {
                inner.duplicates += 1;
                Err(error(
                    StatusCode::CONFLICT,
                    &format!("clientRequestId {client_request_id:?} was already used"),
                    &call.reference,
                ))
            }
            Ok(integration_id) => {
                let now = Instant::now();
                inner.requests.insert(
                    client_request_id.clone(),
                    AsyncRequest {
                        integration_id,
                        received: now,
                        ready: now,
                        work: Work::Receiving,
                        applied: false,
                        errors: Vec::new(),
                        error_count: 0,
                        success_count: 0,
                    },
                );
                Ok(integration_id)
            }
        }
    };
    let integration_id = match reserved {
        Ok(id) => id,
        Err(response) => return refuse(request, response).await,
    };
    // Released unless the whole file arrives: an answer with an error, or
    // a client that goes away mid-body (the handler is dropped), leaves the
    // id unused, as a request Gong never received.
    let reservation = Reservation {
        state: Arc::clone(&call.state),
        client_request_id: client_request_id.clone(),
        kept: false,
    };
    let received = match read_file(request, &object_type).await {
        Ok(Some(checker)) => checker,
        Ok(None) => {
            return call.bad("dataFile: must not be null");
        }
        Err(FileError::TooLarge) => {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "the payload exceeds 200 MB",
                &call.reference,
            );
        }
        Err(FileError::Broken(message)) => {
            return call.bad(&format!("the multipart body could not be read: {message}"));
        }
    };
    reservation.keep();
    let now = Instant::now();
    {
        let mut inner = call.state.lock();
        if let Some(request) = inner.requests.get_mut(&client_request_id) {
            request.received = now;
            request.ready = now + call.state.processing;
            request.error_count = received.error_count;
            request.success_count = i32::try_from(received.accepted.len()).unwrap_or(i32::MAX);
            request.errors = received.errors;
            request.work = Work::Upload {
                object_type,
                lines: received.accepted,
            };
        }
        inner.pending.push(client_request_id.clone());
        inner.uploads += 1;
        inner.settle(now);
    }
    tracing::debug!(integration_id, %client_request_id, "upload received");
    let mut response = call.ok(json!({"clientRequestId": client_request_id}));
    *response.status_mut() = StatusCode::CREATED;
    response
}

enum FileError {
    TooLarge,
    Broken(String),
}

/// A `clientRequestId` reserved while its file is read.
struct Reservation {
    state: Arc<GongState>,
    client_request_id: String,
    kept: bool,
}

impl Reservation {
    /// The file arrived: the id stays used.
    fn keep(mut self) {
        self.kept = true;
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if self.kept {
            return;
        }
        let mut inner = self.state.lock();
        if inner
            .requests
            .get(&self.client_request_id)
            .is_some_and(|r| matches!(r.work, Work::Receiving) && !r.applied)
        {
            inner.requests.remove(&self.client_request_id);
        }
    }
}

/// Streams the `dataFile` part through a [`LineChecker`]; `None` if there
/// is no such part.
async fn read_file(
    request: Request<Body>,
    object_type: &str,
) -> Result<Option<LineChecker>, FileError> {
    let mut multipart = Multipart::from_request(request, &())
        .await
        .map_err(|e| FileError::Broken(e.body_text()))?;
    let mut found = None;
    let mut total = 0u64;
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|e| FileError::Broken(e.body_text()))?
    {
        let is_file = field.name() == Some("dataFile") && found.is_none();
        let mut checker = LineChecker::new(object_type);
        while let Some(chunk) = field
            .chunk()
            .await
            .map_err(|e| FileError::Broken(e.body_text()))?
        {
            total = total.saturating_add(chunk.len() as u64);
            if total > MAX_UPLOAD_BYTES {
                return Err(FileError::TooLarge);
            }
            if is_file {
                checker.feed(&chunk);
            }
        }
        if is_file {
            checker.finish();
            found = Some(checker);
        }
    }
    Ok(found)
}

/// Checks LDJSON lines as they stream in.
struct LineChecker {
    object_type: String,
    line: i32,
    carry: Vec<u8>,
    accepted: Vec<Accepted>,
    errors: Vec<(i32, String)>,
    error_count: i32,
    seen: HashSet<String>,
}

/// The fields of a line the checks read; the rest is validated as JSON and
/// skipped.
#[derive(Deserialize)]
struct LineHead {
    #[serde(rename = "objectId")]
    object_id: Option<Value>,
    #[serde(rename = "modifiedDate")]
    modified_date: Option<Value>,
    #[serde(rename = "isDeleted")]
    is_deleted: Option<Value>,
    #[serde(rename = "emailAddress")]
    email_address: Option<Value>,
    name: Option<Value>,
    #[serde(rename = "crmUserId")]
    crm_user_id: Option<Value>,
}

impl LineChecker {
    fn new(object_type: &str) -> Self {
        LineChecker {
            object_type: object_type.to_owned(),
            line: 0,
            carry: Vec::new(),
            accepted: Vec::new(),
            errors: Vec::new(),
            error_count: 0,
            seen: HashSet::new(),
        }
    }

    fn feed(&mut self, mut chunk: &[u8]) {
        while let Some(at) = chunk.iter().position(|b| *b == b'\n') {
            let (line, rest) = chunk.split_at(at);
            if self.carry.is_empty() {
                self.check_line(line);
            } else {
                let mut whole = std::mem::take(&mut self.carry);
                whole.extend_from_slice(line);
                self.check_line(&whole);
            }
            chunk = &rest[1..];
        }
        self.carry.extend_from_slice(chunk);
    }

    fn finish(&mut self) {
        if !self.carry.is_empty() {
            let last = std::mem::take(&mut self.carry);
            self.check_line(&last);
        }
    }

    fn check_line(&mut self, raw: &[u8]) {
        self.line = self.line.saturating_add(1);
        let trimmed = raw.trim_ascii();
        if trimmed.is_empty() {
            return;
        }
        match self.check(trimmed) {
            Ok(accepted) => self.accepted.push(accepted),
            Err(description) => {
                self.error_count = self.error_count.saturating_add(1);
                if self.errors.len() < MAX_LISTED_ERRORS {
                    self.errors.push((self.line, description));
                }
            }
        }
    }

    fn check(&mut self, line: &[u8]) -> Result<Accepted, String> {
        if line.first() != Some(&b'{') {
            return Err("the line is not a JSON object".to_owned());
        }
        let text =
            std::str::from_utf8(line).map_err(|_| "the line is not valid UTF-8".to_owned())?;
        let head: LineHead =
            serde_json::from_str(text).map_err(|e| format!("the line is not valid JSON: {e}"))?;
        let deleted = match &head.is_deleted {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err("isDeleted: must be a boolean".to_owned()),
        };
        let user_mapping = self.object_type == USER_MAPPING;
        let id_field = if user_mapping {
            "crmUserId"
        } else {
            "objectId"
        };
        let id = match if user_mapping {
            &head.crm_user_id
        } else {
            &head.object_id
        } {
            Some(Value::String(id)) if !id.is_empty() => id.clone(),
            None | Some(Value::Null) => return Err(format!("{id_field}: must not be null")),
            Some(Value::String(_)) => return Err(format!("{id_field}: must not be empty")),
            Some(_) => return Err(format!("{id_field}: must be a string")),
        };
        if !user_mapping {
            check_object_id(&id)?;
            let stage = self.object_type == "STAGE";
            match &head.modified_date {
                None | Some(Value::Null) if stage => {}
                None | Some(Value::Null) => return Err("modifiedDate: must not be null".to_owned()),
                Some(Value::String(d)) if chrono::DateTime::parse_from_rfc3339(d).is_ok() => {}
                Some(_) => {
                    return Err("modifiedDate: must be an ISO-8601 date-time".to_owned());
                }
            }
            if stage
                && head
                    .name
                    .as_ref()
                    .is_none_or(|n| n.as_str().is_none_or(str::is_empty))
            {
                return Err("name: must not be empty".to_owned());
            }
        }
        if (user_mapping || self.object_type == "BUSINESS_USER")
            && !deleted
            && head
                .email_address
                .as_ref()
                .is_none_or(|e| e.as_str().is_none_or(str::is_empty))
        {
            return Err("emailAddress: mandatory unless isDeleted is true".to_owned());
        }
        if !self.seen.insert(id.clone()) {
            return Err(format!(
                "{id_field}: {id:?} appears more than once in the file"
            ));
        }
        Ok(Accepted {
            object_id: id,
            text: text.into(),
            deleted,
        })
    }
}

/// Gong's `objectId` rule: at most 64 characters, letters, digits and `-`,
/// or an email address.
fn check_object_id(id: &str) -> Result<(), String> {
    if id.chars().count() > 64 {
        return Err("objectId: must be at most 64 characters".to_owned());
    }
    let plain = id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if plain || is_email(id) {
        Ok(())
    } else {
        Err(format!(
            "objectId: {id:?} must be letters, digits and '-', or an email address"
        ))
    }
}

fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+/=?^_`{|}~.-".contains(&b));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels
            .iter()
            .all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
    local_ok && domain_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(object_type: &str, chunks: &[&str]) -> LineChecker {
        let mut c = LineChecker::new(object_type);
        for chunk in chunks {
            c.feed(chunk.as_bytes());
        }
        c.finish();
        c
    }

    #[test]
    fn lines_split_across_chunks_are_joined() {
        let c = run(
            "ACCOUNT",
            &[
                "{\"objectId\":\"a1\",\"modifiedDate\":\"2024-01-0",
                "1T00:00:00Z\"}\n{\"objectId\":\"a2\",\"modifiedDate\":\"2024-01-01T00:00:00Z\"}",
            ],
        );
        assert_eq!(c.accepted.len(), 2);
        assert_eq!(c.error_count, 0);
    }

    #[test]
    fn bad_lines_are_reported_by_number() {
        let c = run(
            "CONTACT",
            &[concat!(
                "{\"objectId\":\"c1\",\"modifiedDate\":\"2024-01-01T00:00:00Z\"}\n",
                "[1,2]\n",
                "{\"objectId\":\"bad_id\",\"modifiedDate\":\"2024-01-01T00:00:00Z\"}\n",
                "\n",
                "{\"objectId\":\"c2\"}\n",
                "{not json\n",
                "{\"objectId\":\"c1\",\"modifiedDate\":\"2024-01-01T00:00:00Z\"}\n",
                "{\"objectId\":\"jane@acme.io\",\"modifiedDate\":\"2024-01-01T00:00:00Z\"}\n",
            )],
        );
        let lines: Vec<i32> = c.errors.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, vec![2, 3, 5, 6, 7]);
        assert_eq!(c.accepted.len(), 2);
    }

    #[test]
    fn stage_and_user_rules() {
        let c = run(
            "STAGE",
            &["{\"objectId\":\"s1\",\"name\":\"Discovery\"}\n{\"objectId\":\"s2\"}"],
        );
        assert_eq!(c.accepted.len(), 1);
        assert_eq!(c.errors[0].0, 2);
        let c = run(
            "BUSINESS_USER",
            &[concat!(
                "{\"objectId\":\"u1\",\"modifiedDate\":\"2024-01-01T00:00:00Z\"}\n",
                "{\"objectId\":\"u2\",\"modifiedDate\":\"2024-01-01T00:00:00Z\",\"isDeleted\":true}\n",
            )],
        );
        assert_eq!(c.accepted.len(), 1);
        assert_eq!(c.errors[0].0, 1);
    }

    #[test]
    fn object_id_rule() {
        assert!(check_object_id("abc-123").is_ok());
        assert!(check_object_id("jane.doe+x@acme.co.uk").is_ok());
        assert!(check_object_id("a_b").is_err());
        assert!(check_object_id(&"x".repeat(65)).is_err());
        assert!(check_object_id("a@b").is_err());
    }
}
