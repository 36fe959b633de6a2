//! The Zendesk Sell mock (`specs/zendesk-sell.yaml`): the Core API v2 and
//! the Firehose API v3.
//!
//! - Every request needs a `User-Agent` (400 `invalid_user_agent` without
//!   one) and the configured credentials (401 `unauthorized`); every error
//!   is Sell's envelope `{errors: [{error: {code, message, …}, meta}], meta:
//!   {type, http_status, logref}}`, with `X-Request-Id` = `logref`.
//! - Contacts (persons and organisations), deals, leads, notes, orders,
//!   tasks, products, deal and lead sources, loss reasons, deal unqualified
//!   reasons, tags and calls: list, get, create (201), partial update (PUT),
//!   delete (204). Pipelines, stages, lead unqualified reasons, call
//!   outcomes, visits and visit outcomes: list. Users and text messages:
//!   list and get, and `GET /v2/users/self` (the account's admin,
//!   [`USER_ID`]). Collaborations: list, create, get, delete. Lead
//!   conversions: list and create (makes the organisation, the person and,
//!   unless `create_deal: false`, the deal). Nested under their parent (an
//!   unknown parent is a 404): `/v2/orders/{id}/line_items[/{id}]` (list,
//!   create, get, delete; name, SKU, description and price copied from an
//!   active product) and `/v2/deals/{id}/associated_contacts[/{contact_id}]`
//!   (list, create, delete). `GET /v2/accounts/self`, and the custom field
//!   definitions of contacts, leads, deals and prospects/customers.
//! - Seeded users: ids 1000001–1000005 are the owners and creators of the
//!   seeded records (1000001 the admin the token belongs to), 1000006 an
//!   inactive user; each has a name and an email.
//! - Lists page by number (`page` from 1, `per_page` 1–100, default 25; out
//!   of range is a 400 `invalid_param`, the spec's error for a bad
//!   parameter) in id order, or by `sort_by` (`field`, `field:desc`, several
//!   comma-separated), filter with `ids` and any attribute
//!   (`address[city]`, `custom_fields[name]`, …) compared exactly but
//!   case-insensitively, combined with AND (or OR with `inclusive=false`).
//!   Notes and tasks also take `q` (substring of `content`); tasks take
//!   `type` (`floating`/`related`), `overdue` and `remind`. Deals take
//!   `includes=associated_contacts`.
//! - Upserts (`POST /v2/{contacts,leads}/upsert`) read every query parameter
//!   as a filter: none given is a 400, one match is updated (200), none
//!   creates (201), several are a 409.
//! - Creates check the required attributes (422 `blank`) and every known
//!   attribute's JSON type (422 `invalid_type`); `is_organization` cannot
//!   change (422 `incorrect_value`); references must name existing records
//!   (a line item's active product, a call's or collaboration's resource, a
//!   collaborator user, a lead not converted before, a contact not yet
//!   associated with the deal) and resource types the resource takes (422).
//!   A deal's `value` is kept as the Core API answers it, a JSON number (a
//!   decimal string sent in is converted), so `sort_by=value` is numeric.
//! - Firehose `/v3/<resource>/stream?position=tail|top|<position>&limit=`
//!   (limit 1–100, default 25) serves an append-only log of every create,
//!   update and delete (seeded records are `created` events) with
//!   `meta: {position, top, links.next}`; records in the Firehose form
//!   (`custom_field_values` instead of `custom_fields`, deal `value` as a
//!   decimal string). Nothing expires, so no 410 is ever sent.

mod firehose;
mod seed;
pub(crate) mod table;

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Router;
use axum::body::Body;
use axum::extract::{Extension, Path, State};
use axum::http::header::USER_AGENT;
use axum::http::{HeaderValue, Method, Request, StatusCode, Uri};
use axum::response::Response;
use axum::routing::any;
use serde_json::{Map, Value, json};

use crate::counts::WriteCounts;
use crate::http::{self, Params, RequestNo};
use crate::{MockAuth, MockConfig, MockStats, System};
use table::{Table, field_path};

/// The id of the mock account's user: creator and default owner of records.
pub const USER_ID: i64 = 1_000_001;

/// The largest JSON request body read.
const BODY_LIMIT: usize = 8 * 1024 * 1024;

/// The resources the mock keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Resource {
    Contact,
    Deal,
    Lead,
    Note,
    Order,
    Task,
    Pipeline,
    Stage,
    Product,
    CustomField,
    User,
    LineItem,
    DealSource,
    LeadSource,
    LossReason,
    DealUnqualifiedReason,
    LeadUnqualifiedReason,
    Tag,
    AssociatedContact,
    LeadConversion,
    Call,
    CallOutcome,
    Visit,
    VisitOutcome,
    TextMessage,
    Collaboration,
}

/// What the Core API lets a client do with a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    List,
    Create,
    Get,
    Update,
    Delete,
}

impl Resource {
    pub const ALL: [Resource; 26] = [
        Resource::Contact,
        Resource::Deal,
        Resource::Lead,
        Resource::Note,
        Resource::Order,
        Resource::Task,
        Resource::Pipeline,
        Resource::Stage,
        Resource::Product,
        Resource::CustomField,
        Resource::User,
        Resource::LineItem,
        Resource::DealSource,
        Resource::LeadSource,
        Resource::LossReason,
        Resource::DealUnqualifiedReason,
        Resource::LeadUnqualifiedReason,
        Resource::Tag,
        Resource::AssociatedContact,
        Resource::LeadConversion,
        Resource::Call,
        Resource::CallOutcome,
        Resource::Visit,
        Resource::VisitOutcome,
        Resource::TextMessage,
        Resource::Collaboration,
    ];

    fn index(self) -> usize {
        self as usize
    }

    /// The `meta.type` name.
    pub fn singular(self) -> &'static str {
        match self {
            Resource::Contact => "contact",
            Resource::Deal => "deal",
            Resource::Lead => "lead",
            Resource::Note => "note",
            Resource::Order => "order",
            Resource::Task => "task",
            Resource::Pipeline => "pipeline",
            Resource::Stage => "stage",
            Resource::Product => "product",
            Resource::CustomField => "custom_field",
            Resource::User => "user",
            Resource::LineItem => "line_item",
            Resource::DealSource => "deal_source",
            Resource::LeadSource => "lead_source",
            Resource::LossReason => "loss_reason",
            Resource::DealUnqualifiedReason => "deal_unqualified_reason",
            Resource::LeadUnqualifiedReason => "lead_unqualified_reason",
            Resource::Tag => "tag",
            Resource::AssociatedContact => "associated_contact",
            Resource::LeadConversion => "lead_conversion",
            Resource::Call => "call",
            Resource::CallOutcome => "call_outcome",
            Resource::Visit => "visit",
            Resource::VisitOutcome => "visit_outcome",
            Resource::TextMessage => "text_message",
            Resource::Collaboration => "collaboration",
        }
    }

    /// The path name.
    pub fn plural(self) -> &'static str {
        match self {
            Resource::Contact => "contacts",
            Resource::Deal => "deals",
            Resource::Lead => "leads",
            Resource::Note => "notes",
            Resource::Order => "orders",
            Resource::Task => "tasks",
            Resource::Pipeline => "pipelines",
            Resource::Stage => "stages",
            Resource::Product => "products",
            Resource::CustomField => "custom_fields",
            Resource::User => "users",
            Resource::LineItem => "line_items",
            Resource::DealSource => "deal_sources",
            Resource::LeadSource => "lead_sources",
            Resource::LossReason => "loss_reasons",
            Resource::DealUnqualifiedReason => "deal_unqualified_reasons",
            Resource::LeadUnqualifiedReason => "lead_unqualified_reasons",
            Resource::Tag => "tags",
            Resource::AssociatedContact => "associated_contacts",
            Resource::LeadConversion => "lead_conversions",
            Resource::Call => "calls",
            Resource::CallOutcome => "call_outcomes",
            Resource::Visit => "visits",
            Resource::VisitOutcome => "visit_outcomes",
            Resource::TextMessage => "text_messages",
            Resource::Collaboration => "collaborations",
        }
    }

    /// A resource by its singular or plural name.
    pub fn named(name: &str) -> Option<Resource> {
        Resource::ALL
            .into_iter()
            .find(|r| r.singular() == name || r.plural() == name)
    }

    /// The top-level resource at `/v2/<plural>` (not the nested line items
    /// and associated contacts, nor custom fields, which live under their
    /// resource type).
    fn top_level(plural: &str) -> Option<Resource> {
        Resource::named(plural).filter(|r| {
            r.plural() == plural
                && !matches!(
                    r,
                    Resource::CustomField | Resource::LineItem | Resource::AssociatedContact
                )
        })
    }

    /// Whether the Core API allows `op` on it.
    fn allows(self, op: Op) -> bool {
        use Op::*;
        match self {
            Resource::Contact
            | Resource::Deal
            | Resource::Lead
            | Resource::Note
            | Resource::Order
            | Resource::Task
            | Resource::Product
            | Resource::DealSource
            | Resource::LeadSource
            | Resource::LossReason
            | Resource::DealUnqualifiedReason
            | Resource::Tag
            | Resource::Call => true,
            Resource::Pipeline
            | Resource::Stage
            | Resource::LeadUnqualifiedReason
            | Resource::CallOutcome
            | Resource::Visit
            | Resource::VisitOutcome => op == List,
            Resource::CustomField => false,
            Resource::User | Resource::TextMessage => matches!(op, List | Get),
            Resource::LineItem | Resource::Collaboration => {
                matches!(op, List | Create | Get | Delete)
            }
            Resource::AssociatedContact => matches!(op, List | Create | Delete),
            Resource::LeadConversion => matches!(op, List | Create),
        }
    }

    /// Whether the Firehose API streams it.
    fn streamed(self) -> bool {
        self.index() <= Resource::CustomField.index()
    }

    /// The first id given out.
    fn first_id(self) -> i64 {
        match self {
            Resource::Contact => 100_000_001,
            Resource::Deal => 200_000_001,
            Resource::Lead => 300_000_001,
            Resource::Note => 400_000_001,
            Resource::Order => 500_000_001,
            Resource::Task => 600_000_001,
            Resource::Pipeline => 1,
            Resource::Stage => 11,
            Resource::Product => 7_001,
            Resource::CustomField => 90_001,
            Resource::User => USER_ID,
            Resource::LineItem => 510_000_001,
            Resource::DealSource
            | Resource::LeadSource
            | Resource::LossReason
            | Resource::DealUnqualifiedReason
            | Resource::LeadUnqualifiedReason
            | Resource::CallOutcome
            | Resource::VisitOutcome => 1,
            Resource::Tag => 80_001,
            Resource::AssociatedContact => 1,
            Resource::LeadConversion => 310_000_001,
            Resource::Call => 700_000_001,
            Resource::Visit => 710_000_001,
            Resource::TextMessage => 720_000_001,
            Resource::Collaboration => 730_000_001,
        }
    }
}

/// A Firehose event.
#[derive(Debug, Clone)]
pub(crate) struct Event {
    kind: EventKind,
    time: i64,
    record: Arc<str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EventKind {
    Created,
    Updated,
    Deleted,
}

impl EventKind {
    fn as_str(self) -> &'static str {
        match self {
            EventKind::Created => "created",
            EventKind::Updated => "updated",
            EventKind::Deleted => "deleted",
        }
    }
}

/// The Sell mock's state.
pub(crate) struct SellState {
    seed: u64,
    auth: MockAuth,
    base_url: String,
    inner: Mutex<Inner>,
}

pub(crate) struct Inner {
    tables: Vec<Table>,
    events: Vec<Vec<Event>>,
    counts: WriteCounts,
    account: Value,
}

impl Inner {
    fn table(&mut self, resource: Resource) -> &mut Table {
        &mut self.tables[resource.index()]
    }

    fn log(&mut self, resource: Resource, kind: EventKind, time: i64, record: Arc<str>) {
        self.events[resource.index()].push(Event { kind, time, record });
    }
}

impl SellState {
    pub fn new(config: &MockConfig, base_url: &str) -> Self {
        let mut inner = Inner {
            tables: Resource::ALL
                .iter()
                .map(|r| Table::new(r.first_id()))
                .collect(),
            events: Resource::ALL.iter().map(|_| Vec::new()).collect(),
            counts: WriteCounts::default(),
            account: Value::Null,
        };
        seed::seed(&mut inner, config.seed, config.seed_records);
        SellState {
            seed: config.seed,
            auth: config.auth.resolve(System::ZendeskSell),
            base_url: base_url.to_owned(),
            inner: Mutex::new(inner),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn fill_stats(&self, stats: &mut MockStats) {
        self.lock().counts.fill(stats);
    }

    pub fn records(&self, entity: &str) -> Vec<Value> {
        let Some(resource) = Resource::named(entity) else {
            return Vec::new();
        };
        let mut inner = self.lock();
        inner
            .table(resource)
            .iter()
            .filter_map(|(_, text)| serde_json::from_str(text).ok())
            .collect()
    }
}

/// Sell's error envelope with one error.
pub(crate) fn error(status: StatusCode, code: &str, message: &str, reference: &str) -> Response {
    errors(
        status,
        vec![ErrorItem {
            code: code.to_owned(),
            message: message.to_owned(),
            resource: None,
            field: None,
        }],
        reference,
    )
}

/// The error code of a fault's status.
pub(crate) fn fault_code(status: StatusCode) -> &'static str {
    match status.as_u16() {
        429 => "rate_limit_exceeded",
        503 => "temporarily_unavailable",
        _ => "server_error",
    }
}

/// One error of an envelope.
#[derive(Debug, Clone)]
pub(crate) struct ErrorItem {
    code: String,
    message: String,
    resource: Option<&'static str>,
    field: Option<String>,
}

impl ErrorItem {
    fn field(code: &str, message: &str, resource: Resource, field: &str) -> Self {
        ErrorItem {
            code: code.to_owned(),
            message: message.to_owned(),
            resource: Some(resource.singular()),
            field: Some(format!("/data/{field}")),
        }
    }
}

fn errors(status: StatusCode, items: Vec<ErrorItem>, reference: &str) -> Response {
    let items: Vec<Value> = items
        .into_iter()
        .map(|item| {
            let mut error = json!({
                "code": item.code,
                "message": item.message,
                "details": item.message,
            });
            if let Some(resource) = item.resource {
                error["resource"] = json!(resource);
            }
            if let Some(field) = item.field {
                error["field"] = json!(field);
            }
            json!({
                "error": error,
                "meta": {"type": "error", "links": {"more_info": "https://developer.zendesk.com/api-reference/sales-crm/introduction/"}},
            })
        })
        .collect();
    let body = json!({
        "errors": items,
        "meta": {
            "type": "errors",
            "http_status": format!("{} {}", status.as_u16(), status.canonical_reason().unwrap_or("")),
            "logref": reference,
            "links": {"more_info": "https://developer.zendesk.com/api-reference/sales-crm/introduction/"},
        },
    });
    let mut response = http::json(status, &body);
    if let Ok(value) = HeaderValue::from_str(reference) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

/// Refuses a request without a `User-Agent` (400) or without the accepted
/// credentials (401).
pub(crate) fn refuse(
    state: &SellState,
    request: &Request<Body>,
    reference: &str,
) -> Option<Response> {
    let agent = request
        .headers()
        .get(USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if agent.trim().is_empty() {
        return Some(error(
            StatusCode::BAD_REQUEST,
            "invalid_user_agent",
            "The User-Agent header is missing or empty.",
            reference,
        ));
    }
    if !http::authorized(request.headers(), &state.auth) {
        return Some(error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "The access token is missing, malformed, expired or invalid.",
            reference,
        ));
    }
    None
}

/// The Sell routes.
pub(crate) fn router(state: Arc<SellState>) -> Router {
    Router::new()
        .route("/v2/{a}", any(v2_one))
        .route("/v2/{a}/{b}", any(v2_two))
        .route("/v2/{a}/{b}/{c}", any(v2_nested))
        .route("/v2/{a}/{b}/{c}/{d}", any(v2_nested_item))
        .route("/v3/{a}/stream", any(v3_stream))
        .fallback(not_found)
        .with_state(state)
}

async fn not_found(State(state): State<Arc<SellState>>, request: Request<Body>) -> Response {
    let n = request.extensions().get::<RequestNo>().map_or(0, |n| n.0);
    error(
        StatusCode::NOT_FOUND,
        "incorrect_path",
        "The requested path does not exist.",
        &http::reference(state.seed, n),
    )
}

/// What a handler needs about the request.
struct Call {
    state: Arc<SellState>,
    reference: String,
    params: Params,
}

impl Call {
    fn new(state: Arc<SellState>, n: RequestNo, uri: &Uri) -> Result<Call, Response> {
        let reference = http::reference(state.seed, n.0);
        let params = Params::of(uri).ok_or_else(|| {
            error(
                StatusCode::BAD_REQUEST,
                "invalid_param",
                "The query string is not valid.",
                &reference,
            )
        })?;
        Ok(Call {
            state,
            reference,
            params,
        })
    }

    fn error(&self, status: StatusCode, code: &str, message: &str) -> Response {
        error(status, code, message, &self.reference)
    }

    fn not_found(&self, what: &str) -> Response {
        self.error(
            StatusCode::NOT_FOUND,
            "not_found",
            &format!("{what} not found."),
        )
    }
}

async fn v2_one(
    State(state): State<Arc<SellState>>,
    Extension(n): Extension<RequestNo>,
    Path(a): Path<String>,
    method: Method,
    uri: Uri,
    body: Body,
) -> Response {
    let call = match Call::new(state, n, &uri) {
        Ok(call) => call,
        Err(response) => return response,
    };
    let Some(resource) = Resource::top_level(&a) else {
        return call.error(
            StatusCode::NOT_FOUND,
            "incorrect_path",
            "The requested path does not exist.",
        );
    };
    match method {
        Method::GET if resource.allows(Op::List) => list(&call, resource, None),
        Method::POST if resource.allows(Op::Create) => {
            match read_input(&call, body, resource).await {
                Ok(input) => create(&call, resource, None, input),
                Err(response) => response,
            }
        }
        _ => method_not_allowed(&call),
    }
}

async fn v2_two(
    State(state): State<Arc<SellState>>,
    Extension(n): Extension<RequestNo>,
    Path((a, b)): Path<(String, String)>,
    method: Method,
    uri: Uri,
    body: Body,
) -> Response {
    let call = match Call::new(state, n, &uri) {
        Ok(call) => call,
        Err(response) => return response,
    };
    match (a.as_str(), b.as_str()) {
        ("accounts", "self") if method == Method::GET => {
            let account = call.state.lock().account.clone();
            single_value(Resource::Pipeline, "account", &account)
        }
        ("users", "self") if method == Method::GET => get(&call, Resource::User, USER_ID),
        (kind @ ("contact" | "lead" | "deal" | "prospect_and_customer"), "custom_fields")
            if method == Method::GET =>
        {
            custom_fields(&call, kind)
        }
        (kind @ ("contacts" | "leads"), "upsert") if method == Method::POST => {
            let resource = if kind == "contacts" {
                Resource::Contact
            } else {
                Resource::Lead
            };
            match read_input(&call, body, resource).await {
                Ok(input) => upsert(&call, resource, input),
                Err(response) => response,
            }
        }
        (plural, id) => {
            let Some(resource) = Resource::top_level(plural)
                .filter(|r| r.allows(Op::Get) || r.allows(Op::Update) || r.allows(Op::Delete))
            else {
                return call.error(
                    StatusCode::NOT_FOUND,
                    "incorrect_path",
                    "The requested path does not exist.",
                );
            };
            let Ok(id) = id.parse::<i64>() else {
                return call.not_found(resource.singular());
            };
            match method {
                Method::GET if resource.allows(Op::Get) => get(&call, resource, id),
                Method::PUT if resource.allows(Op::Update) => {
                    match read_input(&call, body, resource).await {
                        Ok(input) => update(&call, resource, id, input),
                        Err(response) => response,
                    }
                }
                Method::DELETE if resource.allows(Op::Delete) => delete(&call, resource, id),
                _ => method_not_allowed(&call),
            }
        }
    }
}

/// A resource nested under a parent record: an order's line items, a
/// deal's associated contacts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scope {
    /// The parent resource.
    parent: Resource,
    /// The parent record's id.
    id: i64,
    /// The attribute of the nested record naming its parent.
    field: &'static str,
}

/// The nested resource at `/v2/<parent>/<id>/<child>`.
fn nested(parent: &str, child: &str) -> Option<(Resource, Resource, &'static str)> {
    match (parent, child) {
        ("orders", "line_items") => Some((Resource::Order, Resource::LineItem, "order_id")),
        ("deals", "associated_contacts") => {
            Some((Resource::Deal, Resource::AssociatedContact, "deal_id"))
        }
        _ => None,
    }
}

/// The parent of a nested request, or the 404 Sell answers for an unknown one.
fn scope_of(call: &Call, a: &str, b: &str, c: &str) -> Result<(Resource, Scope), Response> {
    let Some((parent, child, field)) = nested(a, c) else {
        return Err(call.error(
            StatusCode::NOT_FOUND,
            "incorrect_path",
            "The requested path does not exist.",
        ));
    };
    let id = b
        .parse::<i64>()
        .ok()
        .filter(|id| call.state.lock().table(parent).get(*id).is_some());
    match id {
        Some(id) => Ok((child, Scope { parent, id, field })),
        None => Err(call.not_found(parent.singular())),
    }
}

async fn v2_nested(
    State(state): State<Arc<SellState>>,
    Extension(n): Extension<RequestNo>,
    Path((a, b, c)): Path<(String, String, String)>,
    method: Method,
    uri: Uri,
    body: Body,
) -> Response {
    let call = match Call::new(state, n, &uri) {
        Ok(call) => call,
        Err(response) => return response,
    };
    let (resource, scope) = match scope_of(&call, &a, &b, &c) {
        Ok(found) => found,
        Err(response) => return response,
    };
    match method {
        Method::GET => list(&call, resource, Some(scope)),
        Method::POST => match read_input(&call, body, resource).await {
            Ok(input) => create(&call, resource, Some(scope), input),
            Err(response) => response,
        },
        _ => method_not_allowed(&call),
    }
}

async fn v2_nested_item(
    State(state): State<Arc<SellState>>,
    Extension(n): Extension<RequestNo>,
    Path((a, b, c, d)): Path<(String, String, String, String)>,
    method: Method,
    uri: Uri,
) -> Response {
    let call = match Call::new(state, n, &uri) {
        Ok(call) => call,
        Err(response) => return response,
    };
    let (resource, scope) = match scope_of(&call, &a, &b, &c) {
        Ok(found) => found,
        Err(response) => return response,
    };
    let Ok(key) = d.parse::<i64>() else {
        return call.not_found(resource.singular());
    };
    // Line items are addressed by their id, associated contacts by the
    // contact's id.
    let id = {
        let mut inner = call.state.lock();
        let table = inner.table(resource);
        table.ids().to_vec().into_iter().find(|id| {
            table.get_value(*id).is_some_and(|v| {
                v.get(scope.field).and_then(Value::as_i64) == Some(scope.id)
                    && match resource {
                        Resource::AssociatedContact => {
                            v.get("contact_id").and_then(Value::as_i64) == Some(key)
                        }
                        _ => *id == key,
                    }
            })
        })
    };
    let Some(id) = id else {
        return call.not_found(resource.singular());
    };
    match method {
        Method::GET if resource.allows(Op::Get) => get(&call, resource, id),
        Method::DELETE => delete(&call, resource, id),
        _ => method_not_allowed(&call),
    }
}

fn method_not_allowed(call: &Call) -> Response {
    call.error(
        StatusCode::NOT_FOUND,
        "incorrect_path",
        "The requested path does not exist for this method.",
    )
}

async fn v3_stream(
    State(state): State<Arc<SellState>>,
    Extension(n): Extension<RequestNo>,
    Path(a): Path<String>,
    method: Method,
    uri: Uri,
) -> Response {
    let call = match Call::new(state, n, &uri) {
        Ok(call) => call,
        Err(response) => return response,
    };
    if method != Method::GET {
        return method_not_allowed(&call);
    }
    let Some(resource) = Resource::named(&a).filter(|r| r.plural() == a && r.streamed()) else {
        return call.not_found("stream");
    };
    firehose::page(&call, resource)
}

/// Reads `{data: {...}}`.
async fn read_input(
    call: &Call,
    body: Body,
    resource: Resource,
) -> Result<Map<String, Value>, Response> {
    let bytes = http::read_body(body, BODY_LIMIT)
        .await
        .map_err(|m| call.error(StatusCode::BAD_REQUEST, "invalid_payload", &m))?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
        call.error(
            StatusCode::BAD_REQUEST,
            "invalid_payload",
            &format!("The payload is not valid JSON: {e}"),
        )
    })?;
    match value {
        Value::Object(mut envelope) => match envelope.remove("data") {
            Some(Value::Object(data)) => Ok(data),
            Some(_) => Err(errors(
                StatusCode::UNPROCESSABLE_ENTITY,
                vec![ErrorItem {
                    code: "invalid_type".into(),
                    message: "data must be an object".into(),
                    resource: Some(resource.singular()),
                    field: Some("/data".into()),
                }],
                &call.reference,
            )),
            None => Err(errors(
                StatusCode::UNPROCESSABLE_ENTITY,
                vec![ErrorItem {
                    code: "missing".into(),
                    message: "data is missing".into(),
                    resource: Some(resource.singular()),
                    field: Some("/data".into()),
                }],
                &call.reference,
            )),
        },
        _ => Err(call.error(
            StatusCode::BAD_REQUEST,
            "invalid_payload",
            "The payload must be a JSON object.",
        )),
    }
}

fn single(resource: Resource, record: &str) -> String {
    format!(
        "{{\"data\":{record},\"meta\":{{\"type\":\"{}\"}}}}",
        resource.singular()
    )
}

fn single_value(_resource: Resource, type_name: &str, record: &Value) -> Response {
    http::json(
        StatusCode::OK,
        &json!({"data": record, "meta": {"type": type_name}}),
    )
}

/// Query parameters that are not attribute filters.
const RESERVED: &[&str] = &[
    "page",
    "per_page",
    "sort_by",
    "ids",
    "inclusive",
    "includes",
    "q",
];

fn parse_bool(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

/// Intersects (`and`) or unites two ascending id lists.
fn combine(a: Option<Vec<i64>>, b: Vec<i64>, and: bool) -> Vec<i64> {
    let Some(a) = a else { return b };
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => {
                if !and {
                    out.push(a[i]);
                }
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                if !and {
                    out.push(b[j]);
                }
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    if !and {
        out.extend_from_slice(&a[i..]);
        out.extend_from_slice(&b[j..]);
    }
    out
}

/// A filter evaluated on a parsed record.
type Predicate = Box<dyn Fn(&Value) -> bool>;

fn list(call: &Call, resource: Resource, scope: Option<Scope>) -> Response {
    let p = &call.params;
    let bad = |m: &str| call.error(StatusCode::BAD_REQUEST, "invalid_param", m);
    let per_page = match p.get("per_page").map(str::parse::<u64>) {
        None => 25,
        Some(Ok(n)) if (1..=100).contains(&n) => n,
        Some(_) => return bad("per_page must be between 1 and 100."),
    };
    let page = match p.get("page").map(str::parse::<u64>) {
        None => 1,
        Some(Ok(n)) if n >= 1 => n,
        Some(_) => return bad("page must be a positive integer."),
    };
    let inclusive = match p.get("inclusive").map(parse_bool) {
        None => true,
        Some(Some(b)) => b,
        Some(None) => return bad("inclusive must be true or false."),
    };
    let ids: Option<Vec<i64>> = match p.get("ids") {
        None => None,
        Some(text) => {
            let parsed: Result<Vec<i64>, _> = text
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::parse::<i64>)
                .collect();
            match parsed {
                Ok(mut ids) => {
                    ids.sort_unstable();
                    ids.dedup();
                    Some(ids)
                }
                Err(_) => return bad("ids must be comma-separated integers."),
            }
        }
    };
    let is_task = resource == Resource::Task;
    let mut predicates: Vec<Predicate> = Vec::new();
    let mut filters: Vec<(Vec<String>, String)> = Vec::new();
    for (key, value) in &p.0 {
        if RESERVED.contains(&key.as_str()) {
            continue;
        }
        if is_task && matches!(key.as_str(), "type" | "overdue" | "remind") {
            let wanted = match key.as_str() {
                "type" => match value.as_str() {
                    "floating" => false,
                    "related" => true,
                    _ => return bad("type must be floating or related."),
                },
                _ => match parse_bool(value) {
                    Some(b) => b,
                    None => return bad(&format!("{key} must be true or false.")),
                },
            };
            let field = match key.as_str() {
                "type" => "resource_type",
                "overdue" => "overdue",
                _ => "remind_at",
            };
            predicates.push(Box::new(move |v: &Value| {
                let present = match v.get(field) {
                    None | Some(Value::Null) => false,
                    Some(Value::Bool(b)) => *b,
                    Some(_) => true,
                };
                present == wanted
            }));
            continue;
        }
        filters.push((field_path(key), value.clone()));
    }
    if let Some(scope) = scope {
        // A nested list holds only its parent's records, whatever the
        // `inclusive` mode of the other filters.
        predicates.push(Box::new(move |v: &Value| {
            v.get(scope.field).and_then(Value::as_i64) == Some(scope.id)
        }));
    }
    if let Some(q) = p.get("q").filter(|q| !q.is_empty()) {
        let q = q.to_lowercase();
        predicates.push(Box::new(move |v: &Value| {
            v.get("content")
                .and_then(Value::as_str)
                .is_some_and(|c| c.to_lowercase().contains(&q))
        }));
    }
    let with_contacts = resource == Resource::Deal
        && p.get("includes")
            .is_some_and(|i| i.split(',').any(|x| x.trim() == "associated_contacts"));

    let start = (page - 1).saturating_mul(per_page);
    let (rows, total) = {
        let mut inner = call.state.lock();
        let table = inner.table(resource);
        let mut candidates: Option<Vec<i64>> = None;
        for (path, value) in &filters {
            let matched = table.matching(path, value);
            candidates = Some(combine(candidates, matched, inclusive));
        }
        if let Some(ids) = ids {
            candidates = Some(combine(candidates, ids, true));
        }
        if !predicates.is_empty() {
            let pool: Vec<i64> = candidates.unwrap_or_else(|| table.ids().to_vec());
            candidates = Some(
                pool.into_iter()
                    .filter(|id| {
                        table
                            .get_value(*id)
                            .is_some_and(|v| predicates.iter().all(|pred| pred(&v)))
                    })
                    .collect(),
            );
        }
        let sorted = p.get("sort_by").filter(|s| !s.trim().is_empty());
        let page_ids: Vec<i64>;
        let total: usize;
        match (sorted, candidates) {
            (None, None) => {
                let all = table.ids();
                total = all.len();
                page_ids = slice(all, start, per_page).to_vec();
            }
            (None, Some(ids)) => {
                total = ids.len();
                page_ids = slice(&ids, start, per_page).to_vec();
            }
            (Some(sort_by), None) => {
                let order = table.sorted(sort_by);
                total = order.len();
                page_ids = slice(&order, start, per_page).to_vec();
            }
            (Some(sort_by), Some(ids)) => {
                let order = table.sorted(sort_by);
                let wanted: std::collections::HashSet<i64> = ids.into_iter().collect();
                let matched: Vec<i64> = order
                    .iter()
                    .copied()
                    .filter(|id| wanted.contains(id))
                    .collect();
                total = matched.len();
                page_ids = slice(&matched, start, per_page).to_vec();
            }
        }
        let rows: Vec<Arc<str>> = page_ids
            .iter()
            .filter_map(|id| table.get(*id).cloned())
            .collect();
        (rows, total)
    };
    let has_next = start.saturating_add(per_page) < total as u64;

    let mut body = String::with_capacity(rows.iter().map(|r| r.len() + 40).sum::<usize>() + 512);
    body.push_str("{\"items\":[");
    for (i, row) in rows.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        if with_contacts {
            body.push_str(&single(resource, &with_associated_contacts(row)));
        } else {
            body.push_str(&single(resource, row));
        }
    }
    body.push_str("],\"meta\":");
    let path = match scope {
        Some(scope) => format!(
            "{}/{}/{}",
            scope.parent.plural(),
            scope.id,
            resource.plural()
        ),
        None => resource.plural().to_owned(),
    };
    let links = links(call, &path, page, per_page, has_next);
    let meta = json!({"type": "collection", "count": rows.len(), "links": links});
    body.push_str(&meta.to_string());
    body.push('}');
    http::raw_json(StatusCode::OK, body)
}

fn slice(ids: &[i64], start: u64, len: u64) -> &[i64] {
    let start = usize::try_from(start).unwrap_or(usize::MAX).min(ids.len());
    let end = start
        .saturating_add(usize::try_from(len).unwrap_or(usize::MAX))
        .min(ids.len());
    &ids[start..end]
}

fn links(call: &Call, path: &str, page: u64, per_page: u64, has_next: bool) -> Value {
    let base = format!("{}/v2/{path}", call.state.base_url);
    let others: Vec<(String, String)> = call
        .params
        .0
        .iter()
        .filter(|(k, _)| k != "page" && k != "per_page")
        .cloned()
        .collect();
    let url = |n: u64| {
        let mut pairs = vec![
            ("page".to_owned(), n.to_string()),
            ("per_page".to_owned(), per_page.to_string()),
        ];
        pairs.extend(others.iter().cloned());
        let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        format!("{base}?{query}")
    };
    let mut links = Map::new();
    links.insert("self".into(), json!(url(page)));
    links.insert("first_page".into(), json!(url(1)));
    if page > 1 {
        links.insert("prev_page".into(), json!(url(page - 1)));
    }
    if has_next {
        links.insert("next_page".into(), json!(url(page + 1)));
    }
    Value::Object(links)
}

/// A deal with `associated_contacts` built from its `contact_id`.
fn with_associated_contacts(row: &str) -> String {
    let Ok(Value::Object(mut deal)) = serde_json::from_str::<Value>(row) else {
        return row.to_owned();
    };
    let items: Vec<Value> = deal
        .get("contact_id")
        .and_then(Value::as_i64)
        .map(|contact_id| {
            json!({"data": {"contact_id": contact_id, "role": "involved"}, "meta": {"type": "associated_contact"}})
        })
        .into_iter()
        .collect();
    deal.insert(
        "associated_contacts".into(),
        json!({"items": items, "meta": {"type": "collection", "count": items.len()}}),
    );
    Value::Object(deal).to_string()
}

fn get(call: &Call, resource: Resource, id: i64) -> Response {
    let row = call.state.lock().table(resource).get(id).cloned();
    match row {
        None => call.not_found(resource.singular()),
        Some(row) => {
            let includes = call
                .params
                .get("includes")
                .is_some_and(|i| i.contains("associated_contacts"));
            let text = if resource == Resource::Deal && includes {
                with_associated_contacts(&row)
            } else {
                row.to_string()
            };
            http::raw_json(StatusCode::OK, single(resource, &text))
        }
    }
}

/// The JSON type an attribute must have.
#[derive(Clone, Copy)]
enum Kind {
    Text,
    Int,
    Flag,
    Number,
    /// A number or a decimal string.
    Amount,
    Object,
    List,
}

fn kinds(resource: Resource) -> &'static [(&'static str, Kind)] {
    use Kind::*;
    match resource {
        Resource::Contact => &[
            ("owner_id", Int),
            ("is_organization", Flag),
            ("contact_id", Int),
            ("parent_organization_id", Int),
            ("name", Text),
            ("first_name", Text),
            ("last_name", Text),
            ("customer_status", Text),
            ("prospect_status", Text),
            ("title", Text),
            ("description", Text),
            ("industry", Text),
            ("website", Text),
            ("email", Text),
            ("phone", Text),
            ("mobile", Text),
            ("fax", Text),
            ("twitter", Text),
            ("facebook", Text),
            ("linkedin", Text),
            ("skype", Text),
            ("address", Object),
            ("billing_address", Object),
            ("shipping_address", Object),
            ("tags", List),
            ("custom_fields", Object),
        ],
        Resource::Deal => &[
            ("name", Text),
            ("value", Amount),
            ("currency", Text),
            ("hot", Flag),
            ("stage_id", Int),
            ("owner_id", Int),
            ("contact_id", Int),
            ("source_id", Int),
            ("loss_reason_id", Int),
            ("unqualified_reason_id", Int),
            ("customized_win_likelihood", Int),
            ("estimated_close_date", Text),
            ("last_stage_change_at", Text),
            ("added_on", Text),
            ("tags", List),
            ("custom_fields", Object),
        ],
        Resource::Lead => &[
            ("owner_id", Int),
            ("first_name", Text),
            ("last_name", Text),
            ("organization_name", Text),
            ("status", Text),
            ("source_id", Int),
            ("unqualified_reason_id", Int),
            ("title", Text),
            ("description", Text),
            ("industry", Text),
            ("website", Text),
            ("email", Text),
            ("phone", Text),
            ("mobile", Text),
            ("fax", Text),
            ("twitter", Text),
            ("facebook", Text),
            ("linkedin", Text),
            ("skype", Text),
            ("address", Object),
            ("tags", List),
            ("custom_fields", Object),
        ],
        Resource::Note => &[
            ("content", Text),
            ("resource_type", Text),
            ("resource_id", Int),
            ("is_important", Flag),
            ("type", Text),
            ("tags", List),
        ],
        Resource::Order => &[("deal_id", Int), ("discount", Number)],
        Resource::Task => &[
            ("content", Text),
            ("due_date", Text),
            ("owner_id", Int),
            ("resource_type", Text),
            ("resource_id", Int),
            ("completed", Flag),
            ("remind_at", Text),
        ],
        Resource::Product => &[
            ("name", Text),
            ("description", Text),
            ("sku", Text),
            ("active", Flag),
            ("max_discount", Number),
            ("max_markup", Number),
            ("cost", Amount),
            ("cost_currency", Text),
            ("prices", List),
        ],
        Resource::LineItem => &[
            ("product_id", Int),
            ("value", Amount),
            ("variation", Amount),
            ("currency", Text),
            ("quantity", Int),
        ],
        Resource::DealSource | Resource::LeadSource | Resource::Tag => {
            &[("name", Text), ("resource_type", Text)]
        }
        Resource::LossReason | Resource::DealUnqualifiedReason => &[("name", Text)],
        Resource::AssociatedContact => &[("contact_id", Int), ("role", Text)],
        Resource::LeadConversion => &[("lead_id", Int), ("owner_id", Int), ("create_deal", Flag)],
        Resource::Call => &[
            ("user_id", Int),
            ("summary", Text),
            ("recording_url", Text),
            ("outcome_id", Int),
            ("duration", Int),
            ("phone_number", Text),
            ("incoming", Flag),
            ("missed", Flag),
            ("external_id", Text),
            ("resource_id", Int),
            ("resource_type", Text),
            ("associated_deal_ids", List),
            ("made_at", Text),
        ],
        Resource::Collaboration => &[
            ("resource_type", Text),
            ("resource_id", Int),
            ("collaborator_id", Int),
        ],
        _ => &[],
    }
}

/// The resource a `resource_type` value names (`lead`, `contact`, `deal`).
fn attached(kind: &str) -> Option<Resource> {
    match kind {
        "lead" => Some(Resource::Lead),
        "contact" => Some(Resource::Contact),
        "deal" => Some(Resource::Deal),
        _ => None,
    }
}

/// The references a write must get right (422 otherwise): ids that name
/// existing records, resource types the resource accepts, an active
/// product for a line item, a contact not yet associated with the deal, a
/// lead not yet converted.
fn check_references(
    inner: &mut Inner,
    resource: Resource,
    scope: Option<Scope>,
    input: &Map<String, Value>,
) -> Vec<ErrorItem> {
    let mut problems = Vec::new();
    let int = |field: &str| input.get(field).and_then(Value::as_i64);
    let text = |field: &str| input.get(field).and_then(Value::as_str);
    fn exists(inner: &mut Inner, r: Resource, id: i64) -> bool {
        inner.table(r).get(id).is_some()
    }
    let must_exist =
        |inner: &mut Inner, problems: &mut Vec<ErrorItem>, r: Resource, field: &str| {
            if let Some(id) = int(field)
                && !exists(inner, r, id)
            {
                problems.push(ErrorItem::field(
                    "invalid",
                    &format!("does not name an existing {}", r.singular()),
                    resource,
                    field,
                ));
            }
        };
    let allowed_types: &[&str] = match resource {
        Resource::DealSource => &["deal"],
        Resource::LeadSource => &["lead"],
        Resource::Tag | Resource::Call | Resource::Collaboration => &["contact", "lead", "deal"],
        _ => &[],
    };
    if !allowed_types.is_empty()
        && let Some(kind) = text("resource_type")
        && !allowed_types.contains(&kind)
    {
        problems.push(ErrorItem::field(
            "inclusion",
            &format!("must be one of {}", allowed_types.join(", ")),
            resource,
            "resource_type",
        ));
    }
    match resource {
        Resource::Call | Resource::Collaboration => {
            if let (Some(kind), Some(id)) =
                (text("resource_type").and_then(attached), int("resource_id"))
                && !exists(inner, kind, id)
            {
                problems.push(ErrorItem::field(
                    "invalid",
                    &format!("does not name an existing {}", kind.singular()),
                    resource,
                    "resource_id",
                ));
            }
            must_exist(inner, &mut problems, Resource::User, "user_id");
            must_exist(inner, &mut problems, Resource::User, "collaborator_id");
            must_exist(inner, &mut problems, Resource::CallOutcome, "outcome_id");
        }
        Resource::LineItem => {
            if let Some(id) = int("product_id") {
                let active = inner
                    .table(Resource::Product)
                    .get_value(id)
                    .map(|p| p.get("active").and_then(Value::as_bool) != Some(false));
                match active {
                    None => problems.push(ErrorItem::field(
                        "invalid",
                        "does not name an existing product",
                        resource,
                        "product_id",
                    )),
                    Some(false) => problems.push(ErrorItem::field(
                        "invalid",
                        "names an inactive product",
                        resource,
                        "product_id",
                    )),
                    Some(true) => {}
                }
            }
        }
        Resource::AssociatedContact => {
            must_exist(inner, &mut problems, Resource::Contact, "contact_id");
            if let (Some(scope), Some(contact_id)) = (scope, int("contact_id")) {
                let table = inner.table(resource);
                let taken = table.ids().iter().any(|id| {
                    table.get_value(*id).is_some_and(|v| {
                        v.get(scope.field).and_then(Value::as_i64) == Some(scope.id)
                            && v.get("contact_id").and_then(Value::as_i64) == Some(contact_id)
                    })
                });
                if taken {
                    problems.push(ErrorItem::field(
                        "taken",
                        "is already associated with the deal",
                        resource,
                        "contact_id",
                    ));
                }
            }
        }
        Resource::LeadConversion => {
            must_exist(inner, &mut problems, Resource::Lead, "lead_id");
            must_exist(inner, &mut problems, Resource::User, "owner_id");
            if let Some(lead_id) = int("lead_id") {
                let table = inner.table(resource);
                let converted = table.ids().iter().any(|id| {
                    table
                        .get_value(*id)
                        .is_some_and(|v| v.get("lead_id").and_then(Value::as_i64) == Some(lead_id))
                });
                if converted {
                    problems.push(ErrorItem::field(
                        "invalid",
                        "the lead is already converted",
                        resource,
                        "lead_id",
                    ));
                }
            }
        }
        _ => {}
    }
    problems
}

fn check_types(resource: Resource, input: &Map<String, Value>) -> Vec<ErrorItem> {
    let mut problems = Vec::new();
    for (field, kind) in kinds(resource) {
        let Some(value) = input.get(*field) else {
            continue;
        };
        let ok = match (kind, value) {
            (_, Value::Null) => true,
            (Kind::Text, Value::String(_)) => true,
            (Kind::Int, Value::Number(n)) => n.is_i64(),
            (Kind::Flag, Value::Bool(_)) => true,
            (Kind::Number, Value::Number(_)) => true,
            (Kind::Amount, Value::Number(_)) => true,
            (Kind::Amount, Value::String(s)) => s.trim().parse::<f64>().is_ok(),
            (Kind::Object, Value::Object(_)) => true,
            (Kind::List, Value::Array(_)) => true,
            _ => false,
        };
        if !ok {
            problems.push(ErrorItem::field(
                "invalid_type",
                "has an invalid type",
                resource,
                field,
            ));
        }
    }
    problems
}

fn blank(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.trim().is_empty(),
        Some(_) => false,
    }
}

/// The attributes a create must carry.
fn check_required(resource: Resource, input: &Map<String, Value>) -> Vec<ErrorItem> {
    let required: Vec<&str> = match resource {
        Resource::Contact => {
            let org = input.get("is_organization").and_then(Value::as_bool) == Some(true);
            vec![if org { "name" } else { "last_name" }]
        }
        Resource::Deal => vec!["name", "contact_id"],
        Resource::Lead if blank(input.get("organization_name")) => vec!["last_name"],
        Resource::Note => vec!["content", "resource_type", "resource_id"],
        Resource::Order => vec!["deal_id"],
        Resource::Task => vec!["content"],
        Resource::Product => vec!["name"],
        Resource::LineItem => vec!["product_id", "value", "variation", "currency"],
        Resource::DealSource
        | Resource::LeadSource
        | Resource::LossReason
        | Resource::DealUnqualifiedReason => vec!["name"],
        Resource::Tag => vec!["name", "resource_type"],
        Resource::AssociatedContact => vec!["contact_id"],
        Resource::LeadConversion => vec!["lead_id"],
        Resource::Call => vec!["phone_number", "missed"],
        Resource::Collaboration => vec!["resource_type", "resource_id", "collaborator_id"],
        _ => Vec::new(),
    };
    required
        .into_iter()
        .filter(|field| blank(input.get(*field)))
        .map(|field| ErrorItem::field("blank", "can't be blank", resource, field))
        .collect()
}

/// Attributes the server owns; ignored in input.
const READ_ONLY: &[&str] = &["id", "creator_id", "created_at", "updated_at"];

/// The record a create starts from (the attributes Sell always answers).
fn defaults(inner: &mut Inner, resource: Resource, id: i64, now: &str) -> Map<String, Value> {
    let mut record = json!({"id": id, "created_at": now, "updated_at": now});
    match resource {
        Resource::Contact => {
            for (k, v) in [
                ("creator_id", json!(USER_ID)),
                ("owner_id", json!(USER_ID)),
                ("is_organization", json!(false)),
                ("contact_id", Value::Null),
                ("parent_organization_id", Value::Null),
                ("name", Value::Null),
                ("first_name", Value::Null),
                ("last_name", Value::Null),
                ("customer_status", json!("none")),
                ("prospect_status", json!("none")),
                ("title", Value::Null),
                ("description", Value::Null),
                ("industry", Value::Null),
                ("website", Value::Null),
                ("email", Value::Null),
                ("phone", Value::Null),
                ("mobile", Value::Null),
                ("fax", Value::Null),
                ("twitter", Value::Null),
                ("facebook", Value::Null),
                ("linkedin", Value::Null),
                ("skype", Value::Null),
                ("address", Value::Null),
                ("billing_address", Value::Null),
                ("shipping_address", Value::Null),
                ("tags", json!([])),
                ("custom_fields", json!({})),
            ] {
                record[k] = v;
            }
        }
        Resource::Deal => {
            let first_stage = inner.table(Resource::Stage).ids().first().copied();
            let currency = inner
                .account
                .get("currency")
                .cloned()
                .unwrap_or(json!("USD"));
            for (k, v) in [
                ("creator_id", json!(USER_ID)),
                ("owner_id", json!(USER_ID)),
                ("name", Value::Null),
                ("value", json!(0)),
                ("currency", currency),
                ("hot", json!(false)),
                ("stage_id", json!(first_stage)),
                ("contact_id", Value::Null),
                ("organization_id", Value::Null),
                ("source_id", Value::Null),
                ("loss_reason_id", Value::Null),
                ("unqualified_reason_id", Value::Null),
                ("customized_win_likelihood", Value::Null),
                ("estimated_close_date", Value::Null),
                ("last_stage_change_at", json!(now)),
                ("last_stage_change_by_id", json!(USER_ID)),
                ("added_on", json!(now)),
                (
                    "dropbox_email",
                    json!(format!("dropbox@{id}.deals.example.com")),
                ),
                ("last_activity_at", Value::Null),
                ("tags", json!([])),
                ("custom_fields", json!({})),
            ] {
                record[k] = v;
            }
        }
        Resource::Lead => {
            for (k, v) in [
                ("creator_id", json!(USER_ID)),
                ("owner_id", json!(USER_ID)),
                ("first_name", Value::Null),
                ("last_name", Value::Null),
                ("organization_name", Value::Null),
                ("status", json!("New")),
                ("source_id", Value::Null),
                ("unqualified_reason_id", Value::Null),
                ("title", Value::Null),
                ("description", Value::Null),
                ("industry", Value::Null),
                ("website", Value::Null),
                ("email", Value::Null),
                ("phone", Value::Null),
                ("mobile", Value::Null),
                ("fax", Value::Null),
                ("twitter", Value::Null),
                ("facebook", Value::Null),
                ("linkedin", Value::Null),
                ("skype", Value::Null),
                ("address", Value::Null),
                ("tags", json!([])),
                ("custom_fields", json!({})),
            ] {
                record[k] = v;
            }
        }
        Resource::Note => {
            for (k, v) in [
                ("creator_id", json!(USER_ID)),
                ("is_important", json!(false)),
                ("type", json!("regular")),
                ("tags", json!([])),
            ] {
                record[k] = v;
            }
        }
        Resource::Order => {
            record["deal_id"] = Value::Null;
            record["discount"] = json!(0);
        }
        Resource::Task => {
            for (k, v) in [
                ("creator_id", json!(USER_ID)),
                ("owner_id", json!(USER_ID)),
                ("content", Value::Null),
                ("due_date", Value::Null),
                ("resource_type", Value::Null),
                ("resource_id", Value::Null),
                ("completed", json!(false)),
                ("remind_at", Value::Null),
                ("completed_at", Value::Null),
                ("overdue", json!(false)),
            ] {
                record[k] = v;
            }
        }
        Resource::Product => {
            for (k, v) in [
                ("name", Value::Null),
                ("description", Value::Null),
                ("sku", Value::Null),
                ("active", json!(true)),
                ("max_discount", json!(0)),
                ("max_markup", json!(0)),
                ("cost", Value::Null),
                ("cost_currency", Value::Null),
                ("prices", json!([])),
                ("version", json!(1)),
            ] {
                record[k] = v;
            }
        }
        Resource::LineItem => {
            record["quantity"] = json!(1);
        }
        Resource::DealSource => {
            record["creator_id"] = json!(USER_ID);
            record["resource_type"] = json!("deal");
        }
        Resource::LeadSource => {
            record["creator_id"] = json!(USER_ID);
            record["resource_type"] = json!("lead");
        }
        Resource::LossReason | Resource::DealUnqualifiedReason | Resource::Tag => {
            record["creator_id"] = json!(USER_ID);
        }
        Resource::AssociatedContact => {
            record["role"] = json!("involved");
        }
        Resource::Call => {
            for (k, v) in [
                ("user_id", json!(USER_ID)),
                ("summary", Value::Null),
                ("recording_url", Value::Null),
                ("outcome_id", Value::Null),
                ("duration", json!(0)),
                ("incoming", json!(false)),
                ("external_id", Value::Null),
                ("resource_id", Value::Null),
                ("resource_type", Value::Null),
                ("associated_deal_ids", json!([])),
                ("made_at", json!(now)),
            ] {
                record[k] = v;
            }
        }
        Resource::Collaboration => {
            record["creator_id"] = json!(USER_ID);
        }
        _ => {}
    }
    match record {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// Derived attributes after a write: a task's `overdue` and `completed_at`.
fn derive(resource: Resource, record: &mut Map<String, Value>, now: &str) {
    if resource != Resource::Task {
        return;
    }
    let completed = record.get("completed").and_then(Value::as_bool) == Some(true);
    let due = record
        .get("due_date")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let overdue = !completed && due.is_some_and(|d| d.as_str() < now);
    record.insert("overdue".into(), json!(overdue));
    if completed && record.get("completed_at").is_none_or(Value::is_null) {
        record.insert("completed_at".into(), json!(now));
    }
    if !completed {
        record.insert("completed_at".into(), Value::Null);
    }
}

fn strip_read_only(input: &mut Map<String, Value>) {
    for field in READ_ONLY {
        input.remove(*field);
    }
}

/// Creates a record; the caller checked nothing yet.
fn insert_new(
    inner: &mut Inner,
    resource: Resource,
    scope: Option<Scope>,
    mut input: Map<String, Value>,
) -> Result<Arc<str>, Vec<ErrorItem>> {
    let mut problems = check_types(resource, &input);
    problems.extend(check_required(resource, &input));
    if problems.is_empty() {
        problems.extend(check_references(inner, resource, scope, &input));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    strip_read_only(&mut input);
    normalise_value(resource, &mut input);
    if resource == Resource::LeadConversion {
        return convert_lead(inner, &input);
    }
    let now_time = http::now_utc();
    let now = http::rfc3339(now_time);
    let id = inner.table(resource).next_id();
    let mut record = defaults(inner, resource, id, &now);
    if let Some(scope) = scope {
        record.insert(scope.field.into(), json!(scope.id));
    }
    if resource == Resource::LineItem
        && let Some(product) = input
            .remove("product_id")
            .and_then(|id| id.as_i64())
            .and_then(|id| inner.table(Resource::Product).get_value(id))
    {
        // Copied from the product; `product_id` is not answered back.
        for field in ["name", "sku", "description"] {
            record.insert(
                field.into(),
                product.get(field).cloned().unwrap_or(Value::Null),
            );
        }
        let currency = input.get("currency").and_then(Value::as_str).unwrap_or("");
        let price = product
            .get("prices")
            .and_then(Value::as_array)
            .and_then(|prices| {
                prices
                    .iter()
                    .find(|p| p.get("currency").and_then(Value::as_str) == Some(currency))
            })
            .and_then(|p| p.get("amount").cloned())
            .unwrap_or(Value::Null);
        record.insert("price".into(), price);
    }
    if resource == Resource::Deal
        && let Some(contact_id) = input.get("contact_id").and_then(Value::as_i64)
    {
        let organization = inner
            .table(Resource::Contact)
            .get_value(contact_id)
            .and_then(|c| {
                if c.get("is_organization").and_then(Value::as_bool) == Some(true) {
                    Some(contact_id)
                } else {
                    c.get("contact_id").and_then(Value::as_i64)
                }
            });
        record.insert("organization_id".into(), json!(organization));
    }
    table::merge(&mut record, input);
    derive(resource, &mut record, &now);
    let record = Value::Object(record);
    let text = inner.table(resource).insert(id, &record);
    inner.log(
        resource,
        EventKind::Created,
        now_time.timestamp(),
        Arc::clone(&text),
    );
    inner.counts.wrote(resource.singular());
    Ok(text)
}

/// Applies a partial update to record `id`.
fn apply_update(
    inner: &mut Inner,
    resource: Resource,
    id: i64,
    mut input: Map<String, Value>,
) -> Result<Option<Arc<str>>, Vec<ErrorItem>> {
    let Some(old) = inner.table(resource).get_value(id) else {
        return Ok(None);
    };
    let mut problems = check_types(resource, &input);
    if problems.is_empty() {
        problems.extend(check_references(inner, resource, None, &input));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    strip_read_only(&mut input);
    normalise_value(resource, &mut input);
    if resource == Resource::Contact
        && let Some(wanted) = input.get("is_organization").and_then(Value::as_bool)
        && Some(wanted) != old.get("is_organization").and_then(Value::as_bool)
    {
        return Err(vec![ErrorItem::field(
            "incorrect_value",
            "can only be set when the contact is created",
            resource,
            "is_organization",
        )]);
    }
    if resource == Resource::Order {
        input.retain(|k, _| k == "discount");
    }
    let Value::Object(mut record) = old.clone() else {
        return Ok(None);
    };
    let now_time = http::now_utc();
    let now = http::rfc3339(now_time);
    if resource == Resource::Deal
        && input.contains_key("stage_id")
        && input.get("stage_id") != record.get("stage_id")
    {
        record.insert("last_stage_change_at".into(), json!(now));
        record.insert("last_stage_change_by_id".into(), json!(USER_ID));
    }
    table::merge(&mut record, input);
    record.insert("updated_at".into(), json!(now));
    if resource == Resource::Product {
        let version = record.get("version").and_then(Value::as_i64).unwrap_or(0);
        record.insert("version".into(), json!(version + 1));
    }
    derive(resource, &mut record, &now);
    let record = Value::Object(record);
    let text = inner.table(resource).replace(id, &old, &record);
    inner.log(
        resource,
        EventKind::Updated,
        now_time.timestamp(),
        Arc::clone(&text),
    );
    inner.counts.wrote(resource.singular());
    Ok(Some(text))
}

/// A deal's `value` is kept as the Core API answers it: a JSON number (a
/// decimal string sent in is converted), so sorting by value is numeric.
fn normalise_value(resource: Resource, input: &mut Map<String, Value>) {
    if resource != Resource::Deal {
        return;
    }
    if let Some(Value::String(text)) = input.get("value")
        && let Some(number) = text
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
    {
        input.insert("value".into(), Value::Number(number));
    }
}

/// Converts a lead (checked): an organisation contact when the lead names
/// one, a person contact under it, a deal unless `create_deal` is false,
/// and the conversion record naming them.
fn convert_lead(inner: &mut Inner, input: &Map<String, Value>) -> Result<Arc<str>, Vec<ErrorItem>> {
    let lead_id = input.get("lead_id").and_then(Value::as_i64).unwrap_or(0);
    let lead = inner
        .table(Resource::Lead)
        .get_value(lead_id)
        .unwrap_or(Value::Null);
    let field = |name: &str| lead.get(name).cloned().unwrap_or(Value::Null);
    let owner = input
        .get("owner_id")
        .filter(|v| !v.is_null())
        .cloned()
        .unwrap_or_else(|| field("owner_id"));
    let id_of = |text: &Arc<str>| {
        serde_json::from_str::<Value>(text)
            .ok()
            .and_then(|v| v.get("id").and_then(Value::as_i64))
    };
    let organization_name = field("organization_name");
    let organization_id = match organization_name.as_str().filter(|n| !n.trim().is_empty()) {
        Some(name) => {
            let mut org = Map::new();
            org.insert("is_organization".into(), json!(true));
            org.insert("name".into(), json!(name));
            org.insert("owner_id".into(), owner.clone());
            id_of(&insert_new(inner, Resource::Contact, None, org)?)
        }
        None => None,
    };
    let mut person = Map::new();
    for name in [
        "first_name",
        "last_name",
        "email",
        "phone",
        "mobile",
        "title",
    ] {
        person.insert(name.into(), field(name));
    }
    if person.get("last_name").is_none_or(Value::is_null) {
        person.insert(
            "last_name".into(),
            json!(organization_name.as_str().unwrap_or("Unknown")),
        );
    }
    person.insert("contact_id".into(), json!(organization_id));
    person.insert("owner_id".into(), owner.clone());
    let individual_id = id_of(&insert_new(inner, Resource::Contact, None, person)?);
    let deal_id = if input.get("create_deal").and_then(Value::as_bool) == Some(false) {
        None
    } else {
        let mut deal = Map::new();
        let label = organization_name
            .as_str()
            .or_else(|| lead.get("last_name").and_then(Value::as_str))
            .unwrap_or("Converted lead");
        deal.insert("name".into(), json!(format!("{label} deal")));
        deal.insert("contact_id".into(), json!(individual_id));
        deal.insert("owner_id".into(), owner);
        id_of(&insert_new(inner, Resource::Deal, None, deal)?)
    };
    let now_time = http::now_utc();
    let now = http::rfc3339(now_time);
    let id = inner.table(Resource::LeadConversion).next_id();
    let record = json!({
        "id": id, "lead_id": lead_id, "individual_id": individual_id,
        "organization_id": organization_id, "deal_id": deal_id, "creator_id": USER_ID,
        "created_at": now, "updated_at": now,
    });
    let text = inner.table(Resource::LeadConversion).insert(id, &record);
    inner.counts.wrote(Resource::LeadConversion.singular());
    Ok(text)
}

fn create(
    call: &Call,
    resource: Resource,
    scope: Option<Scope>,
    input: Map<String, Value>,
) -> Response {
    let result = insert_new(&mut call.state.lock(), resource, scope, input);
    match result {
        Ok(text) => http::raw_json(StatusCode::CREATED, single(resource, &text)),
        Err(problems) => errors(StatusCode::UNPROCESSABLE_ENTITY, problems, &call.reference),
    }
}

fn update(call: &Call, resource: Resource, id: i64, input: Map<String, Value>) -> Response {
    let result = apply_update(&mut call.state.lock(), resource, id, input);
    match result {
        Ok(Some(text)) => http::raw_json(StatusCode::OK, single(resource, &text)),
        Ok(None) => call.not_found(resource.singular()),
        Err(problems) => errors(StatusCode::UNPROCESSABLE_ENTITY, problems, &call.reference),
    }
}

fn delete(call: &Call, resource: Resource, id: i64) -> Response {
    let mut inner = call.state.lock();
    match inner.table(resource).remove(id) {
        None => {
            drop(inner);
            call.not_found(resource.singular())
        }
        Some(text) => {
            inner.log(
                resource,
                EventKind::Deleted,
                http::now_utc().timestamp(),
                text,
            );
            inner.counts.deleted(resource.singular());
            let mut response = Response::new(Body::empty());
            *response.status_mut() = StatusCode::NO_CONTENT;
            response
        }
    }
}

fn upsert(call: &Call, resource: Resource, input: Map<String, Value>) -> Response {
    let inclusive = match call.params.get("inclusive").map(parse_bool) {
        None => true,
        Some(Some(b)) => b,
        Some(None) => {
            return call.error(
                StatusCode::BAD_REQUEST,
                "invalid_param",
                "inclusive must be true or false.",
            );
        }
    };
    let filters: Vec<(Vec<String>, String)> = call
        .params
        .0
        .iter()
        .filter(|(k, _)| k != "inclusive")
        .map(|(k, v)| (field_path(k), v.clone()))
        .collect();
    if filters.is_empty() {
        return call.error(
            StatusCode::BAD_REQUEST,
            "invalid_param",
            "At least one filter query parameter is required.",
        );
    }
    let mut inner = call.state.lock();
    let table = inner.table(resource);
    let mut matches: Option<Vec<i64>> = None;
    for (path, value) in &filters {
        let found = table.matching(path, value);
        matches = Some(combine(matches, found, inclusive));
    }
    let matches = matches.unwrap_or_default();
    match matches.as_slice() {
        [] => match insert_new(&mut inner, resource, None, input) {
            Ok(text) => http::raw_json(StatusCode::CREATED, single(resource, &text)),
            Err(problems) => errors(StatusCode::UNPROCESSABLE_ENTITY, problems, &call.reference),
        },
        [id] => match apply_update(&mut inner, resource, *id, input) {
            Ok(Some(text)) => http::raw_json(StatusCode::OK, single(resource, &text)),
            Ok(None) => call.not_found(resource.singular()),
            Err(problems) => errors(StatusCode::UNPROCESSABLE_ENTITY, problems, &call.reference),
        },
        several => {
            let count = several.len();
            drop(inner);
            call.error(
                StatusCode::CONFLICT,
                "invalid_param",
                &format!(
                    "{count} {} match the filters; an upsert needs at most one.",
                    resource.plural()
                ),
            )
        }
    }
}

fn custom_fields(call: &Call, kind: &str) -> Response {
    let mut inner = call.state.lock();
    let defs: Vec<Arc<str>> = inner
        .table(Resource::CustomField)
        .iter()
        .filter(|(_, text)| {
            serde_json::from_str::<Value>(text)
                .ok()
                .is_some_and(|v| v.get("resource_type").and_then(Value::as_str) == Some(kind))
        })
        .map(|(_, text)| Arc::clone(text))
        .collect();
    drop(inner);
    let mut body = String::from("{\"items\":[");
    for (i, def) in defs.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(&single(Resource::CustomField, def));
    }
    body.push_str("],\"meta\":");
    let url = format!("{}/v2/{kind}/custom_fields", call.state.base_url);
    body.push_str(
        &json!({"type": "collection", "count": defs.len(), "links": {"self": url, "first_page": url}})
            .to_string(),
    );
    body.push('}');
    http::raw_json(StatusCode::OK, body)
}
