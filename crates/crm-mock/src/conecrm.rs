//! The ConeCRM mock (`specs/conecrm.yaml`).
//!
//! - Credentials: a bearer token (default [`crate::MOCK_TOKEN`]); otherwise
//!   401 `{"code": 401, "message": "Invalid JWT Token"}` (LexikJWT's shape,
//!   which decodes as the spec's `ErrorResponse`). Other errors are the
//!   spec's shapes: validation `{"message", "errors": {field: [..]}}`, a task
//!   validation error as a bare string (as the seed documents), and
//!   `{"error": ".."}` for missing records.
//! - Ids are UUIDv7 minted from the seeded generator on a logical clock, so
//!   they sort by creation and repeat run after run.
//! - Accounts: list (`offset`/`limit`, `search`, `exclude`, `franchise`,
//!   `sortField`/`sortDirection`, with `total`), create, update (PATCH:
//!   attributes given replace), delete. The request's nested
//!   `primaryContact` / `contacts` link an existing contact (by `id`) or
//!   create one (no `id`); the spec has no other way to create contacts.
//!   Attributes the spec does not name (e.g. `thirdPartyIds`) are stored as
//!   given.
//! - Contacts: list (`start`/`limit`, same filters; a bare array), open
//!   leads of a contact, find by phone (always the array arm).
//! - Leads: create (subject, department, contact, source, franchise
//!   required; the contact must exist), copy. Leads are listed through the
//!   query builder.
//! - Tasks: create, update (PATCH), delete. Stages: list, get, create (201),
//!   update, delete (204; 400 while a lead uses it). Custom fields: list,
//!   list per entity, create, update, delete (by `id` or `fieldName`).
//! - Query builder: `POST /api/query-builder/filter/{entity}` evaluates the
//!   nested rule groups (`and`/`or`, `not`, the operators of the spec plus
//!   `=`, `!=`, `<`, `<=`, `>`, `>=`) over account, contact, lead, task or
//!   stage records (field names may be dotted, e.g. `contact.id`);
//!   `GET /api/query-builder/config/{entity}`, `GET /api/filters` and
//!   `GET /api/filters/{entity}` describe the fields.
//! - Not implemented (404 `{"error": ..}`): automations, custom labels,
//!   saved filters.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{Request, StatusCode, Uri};
use axum::response::Response;
use axum::routing::{get, patch, post};
use rand::Rng;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::counts::WriteCounts;
use crate::http::{self, Params};
use crate::rng::{self, MockRng, stream};
use crate::seed_data::{self as words, chance, pick};
use crate::{MockAuth, MockConfig, MockStats, System};

/// 2024-01-01T00:00:00Z in milliseconds: the logical clock of minted ids.
const EPOCH_MS: u64 = 1_704_067_200_000;

/// The largest JSON request body read.
const BODY_LIMIT: usize = 8 * 1024 * 1024;

/// The entities the mock keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Entity {
    Account,
    Contact,
    Lead,
    Task,
    Stage,
    CustomField,
}

impl Entity {
    const ALL: [Entity; 6] = [
        Entity::Account,
        Entity::Contact,
        Entity::Lead,
        Entity::Task,
        Entity::Stage,
        Entity::CustomField,
    ];

    fn name(self) -> &'static str {
        match self {
            Entity::Account => "account",
            Entity::Contact => "contact",
            Entity::Lead => "lead",
            Entity::Task => "task",
            Entity::Stage => "stage",
            Entity::CustomField => "custom_field",
        }
    }

    fn named(name: &str) -> Option<Entity> {
        let name = name.trim_end_matches('s');
        Entity::ALL
            .into_iter()
            .find(|e| e.name() == name || (*e == Entity::CustomField && name == "custom-field"))
    }
}

/// The records of one entity, in creation (= id) order.
type Store = BTreeMap<Uuid, Map<String, Value>>;

/// Fixed reference ids the seeded records point to.
#[derive(Debug, Clone)]
struct Refs {
    tenant: Uuid,
    user: Uuid,
    franchises: Vec<Uuid>,
    departments: Vec<Uuid>,
    sources: Vec<Uuid>,
    statuses: Vec<Uuid>,
}

/// The ConeCRM mock's state.
pub(crate) struct ConeState {
    auth: MockAuth,
    inner: Mutex<Inner>,
}

struct Inner {
    stores: BTreeMap<Entity, Store>,
    ids: MockRng,
    clock_ms: u64,
    refs: Refs,
    counts: WriteCounts,
}

impl Inner {
    fn mint(&mut self) -> Uuid {
        self.clock_ms += 1;
        rng::uuid_v7(self.clock_ms, &mut self.ids)
    }

    fn store(&mut self, entity: Entity) -> &mut Store {
        self.stores.entry(entity).or_default()
    }

    fn get(&self, entity: Entity, id: &Uuid) -> Option<&Map<String, Value>> {
        self.stores.get(&entity).and_then(|s| s.get(id))
    }

    fn wrote(&mut self, entity: Entity) {
        self.counts.wrote(entity.name());
    }

    fn deleted(&mut self, entity: Entity) {
        self.counts.deleted(entity.name());
    }

    /// A record as the API answers it: references to contacts and accounts
    /// expanded one level.
    fn render(&self, entity: Entity, record: &Map<String, Value>) -> Value {
        let mut out = record.clone();
        match entity {
            Entity::Account => {
                if let Some(id) = ref_id(record.get("primaryContact")) {
                    out.insert("primaryContact".into(), self.summary(Entity::Contact, &id));
                }
                let contacts: Vec<Value> = ref_ids(record.get("contacts"))
                    .iter()
                    .map(|id| self.summary(Entity::Contact, id))
                    .collect();
                out.insert("contacts".into(), Value::Array(contacts));
            }
            Entity::Contact => {
                let accounts: Vec<Value> = ref_ids(record.get("accounts"))
                    .iter()
                    .map(|id| self.summary(Entity::Account, id))
                    .collect();
                out.insert("accounts".into(), Value::Array(accounts));
            }
            _ => {}
        }
        Value::Object(out)
    }

    /// A contact or account without its own nested lists.
    fn summary(&self, entity: Entity, id: &Uuid) -> Value {
        match self.get(entity, id) {
            Some(record) => {
                let mut out = record.clone();
                out.remove("contacts");
                out.remove("accounts");
                out.remove("primaryContact");
                Value::Object(out)
            }
            None => json!({"id": id}),
        }
    }
}

fn ref_id(value: Option<&Value>) -> Option<Uuid> {
    value?.get("id")?.as_str()?.parse().ok()
}

fn ref_ids(value: Option<&Value>) -> Vec<Uuid> {
    value
        .and_then(Value::as_array)
        .map(|items| items.iter().filter_map(|v| ref_id(Some(v))).collect())
        .unwrap_or_default()
}

fn entity_ref(id: &Uuid) -> Value {
    json!({"id": id})
}

impl ConeState {
    pub fn new(config: &MockConfig) -> Self {
        let mut ids = rng::rng(config.seed, stream::IDS);
        let mut clock_ms = EPOCH_MS - 86_400_000;
        let mut mint = |n: usize| -> Vec<Uuid> {
            (0..n)
                .map(|_| {
                    clock_ms += 1;
                    rng::uuid_v7(clock_ms, &mut ids)
                })
                .collect()
        };
        let refs = Refs {
            tenant: mint(1)[0],
            user: mint(1)[0],
            franchises: mint(2),
            departments: mint(2),
            sources: mint(3),
            statuses: mint(3),
        };
        let mut inner = Inner {
            stores: Entity::ALL.iter().map(|e| (*e, Store::new())).collect(),
            ids,
            clock_ms,
            refs,
            counts: WriteCounts::default(),
        };
        seed(&mut inner, config.seed, config.seed_records);
        ConeState {
            auth: config.auth.resolve(System::Conecrm),
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
        let Some(entity) = Entity::named(entity) else {
            return Vec::new();
        };
        let inner = self.lock();
        inner
            .stores
            .get(&entity)
            .map(|store| store.values().map(|r| inner.render(entity, r)).collect())
            .unwrap_or_default()
    }
}

fn base_record(inner: &mut Inner, dtype: &str, when: &str) -> (Uuid, Map<String, Value>) {
    let id = inner.mint();
    let user = entity_ref(&inner.refs.user);
    let record = json!({
        "id": id, "dateCreated": when, "createdBy": user, "dateModified": when,
        "modifiedBy": user, "isDeleted": false, "dateDeleted": null, "deletedBy": null,
        "dtype": dtype,
    });
    match record {
        Value::Object(map) => (id, map),
        _ => (id, Map::new()),
    }
}

/// Seeds stages always, and N accounts, N contacts and N leads.
fn seed(inner: &mut Inner, seed: u64, n: usize) {
    let before =
        http::rfc3339(chrono::DateTime::from_timestamp(1_703_980_800, 0).unwrap_or_default());
    let mut stages = Vec::new();
    for (i, name) in [
        "New",
        "Contacted",
        "Qualified",
        "Test drive",
        "Negotiation",
        "Sold",
        "Lost",
    ]
    .iter()
    .enumerate()
    {
        let id = inner.mint();
        stages.push(id);
        inner.store(Entity::Stage).insert(
            id,
            obj(json!({"id": id, "name": name, "position": i + 1, "dateCreated": before})),
        );
    }
    for (entity, field, kind) in [
        ("contact", "loyaltyNumber", "text"),
        ("lead", "tradeInVin", "text"),
        ("account", "fleetSize", "number"),
    ] {
        let id = inner.mint();
        inner.store(Entity::CustomField).insert(
            id,
            obj(json!({"id": id, "entity": entity, "fieldName": field, "fieldType": kind, "options": null})),
        );
    }
    if n == 0 {
        return;
    }
    let mut rng = rng::rng(seed, stream::SEED);
    let refs = inner.refs.clone();
    let mut contacts = Vec::with_capacity(n);
    let mut secs = 1_704_067_200_i64;
    for i in 0..n {
        secs += rng.random_range(30..600);
        let when = http::rfc3339(chrono::DateTime::from_timestamp(secs, 0).unwrap_or_default());
        let (id, mut record) = base_record(inner, "contact", &when);
        let first = *pick(&mut rng, words::FIRST_NAMES);
        let last = *pick(&mut rng, words::LAST_NAMES);
        let (city, province, postal, country) = *pick(&mut rng, words::PLACES);
        let email = format!("{}@example.com", words::email_local(first, last, i as u64));
        let third_party = if chance(&mut rng, 0.3) {
            json!([{"systemName": "CRM_SYSTEM_A", "thirdPartyId": format!("CUSTOMER_{:05}", i), "metadata": "{\"source\": \"web_form\"}"}])
        } else {
            json!([])
        };
        let fields = json!({
            "primaryEmail": if i % 89 == 5 { Value::Null } else { json!(email) },
            "secondaryEmail": null,
            "homePhone": if chance(&mut rng, 0.3) { json!(words::phone(&mut rng)) } else { Value::Null },
            "workPhone": words::phone(&mut rng),
            "workPhoneExtension": if chance(&mut rng, 0.2) { json!(format!("{}", rng.random_range(100..999))) } else { json!("") },
            "mobilePhone": if chance(&mut rng, 0.6) { json!(words::phone(&mut rng)) } else { Value::Null },
            "address": format!("{} {}", rng.random_range(1..2000), pick(&mut rng, words::STREETS)),
            "city": city, "province": province, "postalCode": postal, "country": country,
            "language": pick(&mut rng, &["fr-CA", "en-CA", "en-US"]),
            "isActive": !chance(&mut rng, 0.05),
            "thirdPartyIds": third_party,
            "firstName": first, "lastName": last,
            "companyName": if chance(&mut rng, 0.5) { json!(pick(&mut rng, words::COMPANY_STEMS)) } else { Value::Null },
            "civility": pick(&mut rng, &["M.", "Mme", "Mr", "Ms", "Dr", ""]),
            "preferredMethodOfContact": pick(&mut rng, &["email", "phone", "sms"]),
            "franchise": entity_ref(pick(&mut rng, &refs.franchises)),
            "accounts": [],
        });
        record.extend(obj(fields));
        inner.store(Entity::Contact).insert(id, record);
        contacts.push(id);
    }
    let mut accounts = Vec::with_capacity(n);
    for i in 0..n {
        secs += rng.random_range(30..600);
        let when = http::rfc3339(chrono::DateTime::from_timestamp(secs, 0).unwrap_or_default());
        let (id, mut record) = base_record(inner, "account", &when);
        let stem = pick(&mut rng, words::COMPANY_STEMS);
        let suffix = pick(&mut rng, words::COMPANY_SUFFIXES);
        let name = if i % 71 == 3 {
            String::new()
        } else {
            format!("{stem} {suffix}").trim().to_owned()
        };
        let (city, province, postal, country) = *pick(&mut rng, words::PLACES);
        let primary = contacts[i];
        let mut linked = vec![primary];
        if i + 1 < n && chance(&mut rng, 0.3) {
            linked.push(contacts[i + 1]);
        }
        let fields = json!({
            "primaryEmail": format!("info{i}@{}", words::domain(&name)),
            "secondaryEmail": null,
            "homePhone": null,
            "workPhone": words::phone(&mut rng),
            "workPhoneExtension": "",
            "mobilePhone": null,
            "address": format!("{} {}", rng.random_range(1..2000), pick(&mut rng, words::STREETS)),
            "city": city, "province": province, "postalCode": postal, "country": country,
            "language": pick(&mut rng, &["fr-CA", "en-CA", "en-US"]),
            "isActive": true,
            "thirdPartyIds": [],
            "name": name,
            "primaryContact": entity_ref(&primary),
            "contacts": linked.iter().map(entity_ref).collect::<Vec<_>>(),
            "franchise": entity_ref(pick(&mut rng, &refs.franchises)),
        });
        record.extend(obj(fields));
        inner.store(Entity::Account).insert(id, record);
        for contact in linked {
            if let Some(c) = inner.store(Entity::Contact).get_mut(&contact)
                && let Some(Value::Array(list)) = c.get_mut("accounts")
            {
                list.push(entity_ref(&id));
            }
        }
        accounts.push(id);
    }
    let makes = [
        ("Honda", "Civic"),
        ("Toyota", "RAV4"),
        ("Ford", "F-150"),
        ("Tesla", "Model 3"),
        ("Škoda", "Octavia"),
        ("Hyundai", "Ioniq 5"),
    ];
    for _ in 0..n {
        secs += rng.random_range(30..600);
        let when = http::rfc3339(chrono::DateTime::from_timestamp(secs, 0).unwrap_or_default());
        let (id, mut record) = base_record(inner, "lead", &when);
        let k = rng.random_range(0..n);
        let (make, model) = *pick(&mut rng, &makes);
        let year = rng.random_range(2019..2026);
        let stage_no = rng.random_range(0..stages.len());
        let stage = stages[stage_no];
        let due = http::rfc3339(
            chrono::DateTime::from_timestamp(secs + rng.random_range(1..30) * 86_400, 0)
                .unwrap_or_default(),
        );
        let fields = json!({
            "subject": format!("{year} {make} {model}"),
            "description": if chance(&mut rng, 0.3) { json!("Wants a test drive on Saturday.") } else { Value::Null },
            "status": entity_ref(pick(&mut rng, &refs.statuses)),
            "source": entity_ref(pick(&mut rng, &refs.sources)),
            "contact": entity_ref(&contacts[k]),
            "account": entity_ref(&accounts[k]),
            "franchise": entity_ref(pick(&mut rng, &refs.franchises)),
            "department": entity_ref(pick(&mut rng, &refs.departments)),
            "dueDate": due,
            "stage": entity_ref(&stage),
            "direction": pick(&mut rng, &["inbound", "outbound"]),
            "isQualified": chance(&mut rng, 0.5),
            "priority": rng.random_range(0..4),
            "thirdPartyIds": [],
            "category": "CAR",
            "makeStr": make, "modelStr": model, "yearStr": year.to_string(),
            "visitCount": rng.random_range(0..5),
            "isTakeOver": false, "isWalkAroundDone": false,
            "presaleVisitCount": 0, "postsaleVisitCount": 0,
            "customerInitiated": chance(&mut rng, 0.6),
            "assignees": [entity_ref(&refs.user)],
            "creditAssessments": [], "incentives": [], "packages": [], "surveys": [],
        });
        record.extend(obj(fields));
        // A lead in "Sold" was closed with an order, one in "Lost" was lost:
        // the state ConeCRM keeps on the lead itself.
        match stage_no {
            5 => {
                record.insert("connectionClosedDate".into(), json!(due));
                record.insert("orderPlaced".into(), json!(true));
            }
            6 => {
                record.insert("lostDate".into(), json!(due));
                record.insert("isLostApproved".into(), json!(true));
            }
            _ => {}
        }
        inner.store(Entity::Lead).insert(id, record);
    }
}

fn obj(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// ConeCRM's `{"error": ..}` answer.
pub(crate) fn error(status: StatusCode, message: &str) -> Response {
    http::json(status, &json!({"error": message}))
}

/// A validation answer: `{"message": "Invalid data", "errors": {field: [msg]}}`.
fn invalid(field: &str, message: &str) -> Response {
    http::json(
        StatusCode::BAD_REQUEST,
        &json!({"message": "Invalid data", "errors": {field: [message]}}),
    )
}

/// Refuses a request without the accepted bearer token.
pub(crate) fn refuse(state: &ConeState, request: &Request<Body>) -> Option<Response> {
    if http::authorized(request.headers(), &state.auth) {
        return None;
    }
    let message = if request
        .headers()
        .contains_key(axum::http::header::AUTHORIZATION)
    {
        "Invalid JWT Token"
    } else {
        "JWT Token not found"
    };
    Some(http::json(
        StatusCode::UNAUTHORIZED,
        &json!({"code": 401, "message": message}),
    ))
}

/// The ConeCRM routes.
pub(crate) fn router(state: Arc<ConeState>) -> Router {
    Router::new()
        .route("/api/account", get(list_accounts).post(create_account))
        .route(
            "/api/account/{id}",
            patch(update_account).delete(delete_account),
        )
        .route("/api/contact", get(list_contacts))
        .route("/api/contact/{id}/lead/open", get(contact_open_leads))
        .route("/api/contact/phone/{phone}", get(contacts_by_phone))
        .route("/api/lead", post(create_lead))
        .route("/api/lead/{id}/copy", post(copy_lead))
        .route("/api/task", post(create_task))
        .route("/api/task/{id}", patch(update_task).delete(delete_task))
        .route("/api/stage", get(list_stages).post(create_stage))
        .route(
            "/api/stage/{id}",
            get(get_stage).patch(update_stage).delete(delete_stage),
        )
        .route(
            "/api/custom-field",
            get(list_custom_fields).post(create_custom_field),
        )
        .route(
            "/api/custom-field/{key}",
            get(custom_fields_of_entity)
                .patch(update_custom_field)
                .delete(delete_custom_field),
        )
        .route("/api/query-builder/filter/{entity}", post(query_filter))
        .route("/api/query-builder/config/{entity}", get(query_config))
        .route("/api/filters", get(all_filters))
        .route("/api/filters/{entity}", get(entity_filters))
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
        .with_state(state)
}

async fn not_found(request: Request<Body>) -> Response {
    error(
        StatusCode::NOT_FOUND,
        &format!(
            "No route found for \"{} {}\"",
            request.method(),
            request.uri().path()
        ),
    )
}

type St = State<Arc<ConeState>>;

macro_rules! tri {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(response) => return response,
        }
    };
}

async fn read_object(body: Body) -> Result<Map<String, Value>, Response> {
    let bytes = http::read_body(body, BODY_LIMIT)
        .await
        .map_err(|m| error(StatusCode::BAD_REQUEST, &m))?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(error(
            StatusCode::BAD_REQUEST,
            "The body must be a JSON object",
        )),
        Err(e) => Err(error(
            StatusCode::BAD_REQUEST,
            &format!("Invalid JSON: {e}"),
        )),
    }
}

fn params(uri: &Uri) -> Result<Params, Response> {
    Params::of(uri).ok_or_else(|| error(StatusCode::BAD_REQUEST, "Invalid query string"))
}

fn parse_id(text: &str, what: &str) -> Result<Uuid, Response> {
    text.parse::<Uuid>()
        .map_err(|_| error(StatusCode::NOT_FOUND, &format!("{what} not found")))
}

fn now() -> String {
    http::rfc3339(http::now_utc())
}

fn text_of(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(s)) => s.to_lowercase(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}

/// Filters and sorts customers (accounts or contacts) as the list
/// operations do; returns the matching ids in order.
fn select_customers(inner: &Inner, entity: Entity, p: &Params) -> Result<Vec<Uuid>, Response> {
    let store = inner.stores.get(&entity);
    let search = p
        .get("search")
        .map(str::to_lowercase)
        .filter(|s| !s.is_empty());
    let exclude = p.get("exclude").and_then(|s| s.parse::<Uuid>().ok());
    let franchise = p.get("franchise").and_then(|s| s.parse::<Uuid>().ok());
    let fields: &[&str] = match entity {
        Entity::Account => &[
            "name",
            "primaryEmail",
            "secondaryEmail",
            "workPhone",
            "mobilePhone",
            "homePhone",
            "city",
        ],
        _ => &[
            "firstName",
            "lastName",
            "companyName",
            "primaryEmail",
            "secondaryEmail",
            "workPhone",
            "mobilePhone",
            "homePhone",
            "city",
        ],
    };
    let mut rows: Vec<(&Uuid, &Map<String, Value>)> = store
        .into_iter()
        .flatten()
        .filter(|(id, _)| Some(**id) != exclude)
        .filter(|(_, r)| franchise.is_none_or(|f| ref_id(r.get("franchise")) == Some(f)))
        .filter(|(_, r)| {
            search.as_ref().is_none_or(|s| {
                fields
                    .iter()
                    .any(|f| text_of(r.get(*f)).contains(s.as_str()))
                    || (entity == Entity::Contact
                        && format!(
                            "{} {}",
                            text_of(r.get("firstName")),
                            text_of(r.get("lastName"))
                        )
                        .contains(s.as_str()))
            })
        })
        .collect();
    let descending = match p.get("sortDirection") {
        None => false,
        Some(d) if d.eq_ignore_ascii_case("asc") => false,
        Some(d) if d.eq_ignore_ascii_case("desc") => true,
        Some(_) => {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "sortDirection must be ASC or DESC",
            ));
        }
    };
    if let Some(field) = p.get("sortField").filter(|f| !f.is_empty()) {
        rows.sort_by(|(a_id, a), (b_id, b)| {
            let (x, y) = (a.get(field), b.get(field));
            let ord = match (x.is_none_or(Value::is_null), y.is_none_or(Value::is_null)) {
                (true, true) => std::cmp::Ordering::Equal,
                (true, false) => std::cmp::Ordering::Greater,
                (false, true) => std::cmp::Ordering::Less,
                (false, false) => text_of(x).cmp(&text_of(y)),
            };
            let ord = if descending { ord.reverse() } else { ord };
            ord.then_with(|| a_id.cmp(b_id))
        });
    } else if descending {
        rows.reverse();
    }
    Ok(rows.into_iter().map(|(id, _)| *id).collect())
}

fn paging(p: &Params, start_key: &str) -> Result<(usize, usize), Response> {
    let number = |key: &str, default: usize| -> Result<usize, Response> {
        match p.get(key) {
            None | Some("") => Ok(default),
            Some(t) => t.parse::<usize>().map_err(|_| {
                error(
                    StatusCode::BAD_REQUEST,
                    &format!("{key} must be a non-negative integer"),
                )
            }),
        }
    };
    Ok((number(start_key, 0)?, number("limit", 25)?))
}

async fn list_accounts(State(state): St, uri: Uri) -> Response {
    let p = tri!(params(&uri));
    let (offset, limit) = tri!(paging(&p, "offset"));
    let inner = state.lock();
    let ids = tri!(select_customers(&inner, Entity::Account, &p));
    let total = ids.len();
    let accounts: Vec<Value> = ids
        .iter()
        .skip(offset)
        .take(limit)
        .filter_map(|id| {
            inner
                .get(Entity::Account, id)
                .map(|r| inner.render(Entity::Account, r))
        })
        .collect();
    drop(inner);
    http::json(
        StatusCode::OK,
        &json!({"total": total, "accounts": accounts}),
    )
}

async fn list_contacts(State(state): St, uri: Uri) -> Response {
    let p = tri!(params(&uri));
    let (start, limit) = tri!(paging(&p, "start"));
    let inner = state.lock();
    let ids = tri!(select_customers(&inner, Entity::Contact, &p));
    let contacts: Vec<Value> = ids
        .iter()
        .skip(start)
        .take(limit)
        .filter_map(|id| {
            inner
                .get(Entity::Contact, id)
                .map(|r| inner.render(Entity::Contact, r))
        })
        .collect();
    drop(inner);
    http::json(StatusCode::OK, &contacts)
}

/// Links or creates the contacts an account request nests; returns their ids.
fn nested_contacts(
    inner: &mut Inner,
    values: Vec<Value>,
    when: &str,
) -> Result<Vec<Uuid>, Response> {
    let mut ids = Vec::new();
    for value in values {
        let Value::Object(mut contact) = value else {
            return Err(invalid("contacts", "Each contact must be an object."));
        };
        match contact.get("id").and_then(Value::as_str) {
            Some(text) => {
                let id = text
                    .parse::<Uuid>()
                    .ok()
                    .filter(|id| inner.get(Entity::Contact, id).is_some())
                    .ok_or_else(|| invalid("contacts", &format!("Contact {text} not found.")))?;
                ids.push(id);
            }
            None => {
                if contact
                    .get("lastName")
                    .is_none_or(|v| v.as_str().is_none_or(|s| s.trim().is_empty()))
                    && contact
                        .get("firstName")
                        .is_none_or(|v| v.as_str().is_none_or(|s| s.trim().is_empty()))
                {
                    return Err(invalid(
                        "contacts",
                        "A new contact needs a firstName or a lastName.",
                    ));
                }
                let (id, mut record) = base_record(inner, "contact", when);
                contact.remove("accounts");
                for (k, v) in [("isActive", json!(true)), ("thirdPartyIds", json!([]))] {
                    record.insert(k.into(), v);
                }
                record.extend(contact);
                record.insert("accounts".into(), json!([]));
                inner.store(Entity::Contact).insert(id, record);
                inner.wrote(Entity::Contact);
                ids.push(id);
            }
        }
    }
    Ok(ids)
}

fn link_contacts(inner: &mut Inner, account: &Uuid, before: &[Uuid], after: &[Uuid]) {
    for id in before.iter().filter(|id| !after.contains(id)) {
        if let Some(Value::Array(list)) = inner
            .store(Entity::Contact)
            .get_mut(id)
            .and_then(|c| c.get_mut("accounts"))
        {
            list.retain(|r| ref_id(Some(r)) != Some(*account));
        }
    }
    for id in after {
        if let Some(c) = inner.store(Entity::Contact).get_mut(id) {
            let list = c.entry("accounts").or_insert_with(|| json!([]));
            if let Value::Array(list) = list
                && !list.iter().any(|r| ref_id(Some(r)) == Some(*account))
            {
                list.push(entity_ref(account));
            }
        }
    }
}

fn check_emails(body: &Map<String, Value>) -> Result<(), Response> {
    for field in ["primaryEmail", "secondaryEmail"] {
        if let Some(Value::String(email)) = body.get(field)
            && !email.is_empty()
            && !email.contains('@')
        {
            return Err(invalid(field, "This value is not a valid email address."));
        }
    }
    Ok(())
}

/// Applies an account request to `record` (nested contacts resolved).
fn apply_account(
    inner: &mut Inner,
    account: &Uuid,
    record: &mut Map<String, Value>,
    mut body: Map<String, Value>,
    when: &str,
) -> Result<(), Response> {
    check_emails(&body)?;
    let before = ref_ids(record.get("contacts"));
    let primary = match body.remove("primaryContact") {
        Some(Value::Null) => Some(None),
        Some(value) => Some(nested_contacts(inner, vec![value], when)?.first().copied()),
        None => None,
    };
    let listed = match body.remove("contacts") {
        Some(Value::Array(values)) => Some(nested_contacts(inner, values, when)?),
        Some(Value::Null) => Some(Vec::new()),
        Some(_) => return Err(invalid("contacts", "This value should be of type array.")),
        None => None,
    };
    for key in ["id", "dateCreated", "createdBy", "dtype"] {
        body.remove(key);
    }
    record.extend(body);
    let mut contacts = listed.unwrap_or_else(|| before.clone());
    if let Some(primary) = primary {
        record.insert(
            "primaryContact".into(),
            primary.as_ref().map_or(Value::Null, entity_ref),
        );
        if let Some(id) = primary
            && !contacts.contains(&id)
        {
            contacts.insert(0, id);
        }
    }
    record.insert(
        "contacts".into(),
        Value::Array(contacts.iter().map(entity_ref).collect()),
    );
    record.insert("dateModified".into(), json!(when));
    link_contacts(inner, account, &before, &contacts);
    Ok(())
}

async fn create_account(State(state): St, body: Body) -> Response {
    let body = tri!(read_object(body).await);
    if body
        .get("name")
        .is_none_or(|v| v.as_str().is_none_or(|s| s.trim().is_empty()))
    {
        return invalid("name", "This value should not be blank.");
    }
    let when = now();
    let mut inner = state.lock();
    let (id, mut record) = base_record(&mut inner, "account", &when);
    for (k, v) in [
        ("isActive", json!(true)),
        ("thirdPartyIds", json!([])),
        ("primaryContact", Value::Null),
        ("contacts", json!([])),
    ] {
        record.insert(k.into(), v);
    }
    tri!(apply_account(&mut inner, &id, &mut record, body, &when));
    let answer = inner.render(Entity::Account, &record);
    inner.store(Entity::Account).insert(id, record);
    inner.wrote(Entity::Account);
    drop(inner);
    http::json(StatusCode::OK, &answer)
}

async fn update_account(State(state): St, Path(id): Path<String>, body: Body) -> Response {
    let id = tri!(parse_id(&id, "Account"));
    let body = tri!(read_object(body).await);
    if body
        .get("name")
        .is_some_and(|v| v.as_str().is_none_or(|s| s.trim().is_empty()))
    {
        return invalid("name", "This value should not be blank.");
    }
    let when = now();
    let mut inner = state.lock();
    let Some(mut record) = inner.get(Entity::Account, &id).cloned() else {
        return error(StatusCode::NOT_FOUND, "Account not found");
    };
    tri!(apply_account(&mut inner, &id, &mut record, body, &when));
    let answer = inner.render(Entity::Account, &record);
    inner.store(Entity::Account).insert(id, record);
    inner.wrote(Entity::Account);
    drop(inner);
    http::json(StatusCode::OK, &answer)
}

async fn delete_account(State(state): St, Path(id): Path<String>) -> Response {
    let id = tri!(parse_id(&id, "Account"));
    let mut inner = state.lock();
    let Some(record) = inner.store(Entity::Account).remove(&id) else {
        return error(StatusCode::NOT_FOUND, "Account not found");
    };
    let linked = ref_ids(record.get("contacts"));
    link_contacts(&mut inner, &id, &linked, &[]);
    inner.deleted(Entity::Account);
    drop(inner);
    empty(StatusCode::OK)
}

fn empty(status: StatusCode) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = status;
    response
}

async fn contact_open_leads(State(state): St, Path(id): Path<String>) -> Response {
    let id = tri!(parse_id(&id, "Contact"));
    let inner = state.lock();
    if inner.get(Entity::Contact, &id).is_none() {
        return error(StatusCode::NOT_FOUND, "Contact not found");
    }
    let lost = inner
        .stores
        .get(&Entity::Stage)
        .into_iter()
        .flatten()
        .filter(|(_, s)| matches!(s.get("name").and_then(Value::as_str), Some("Lost" | "Sold")))
        .map(|(id, _)| *id)
        .collect::<Vec<_>>();
    let leads: Vec<Value> = inner
        .stores
        .get(&Entity::Lead)
        .into_iter()
        .flatten()
        .filter(|(_, l)| ref_id(l.get("contact")) == Some(id))
        .filter(|(_, l)| l.get("connectionClosedDate").is_none_or(Value::is_null))
        .filter(|(_, l)| ref_id(l.get("stage")).is_none_or(|s| !lost.contains(&s)))
        .map(|(_, l)| Value::Object(l.clone()))
        .collect();
    drop(inner);
    http::json(StatusCode::OK, &leads)
}

fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

async fn contacts_by_phone(State(state): St, Path(phone): Path<String>) -> Response {
    let wanted = digits(&phone);
    let inner = state.lock();
    let found: Vec<Value> = inner
        .stores
        .get(&Entity::Contact)
        .into_iter()
        .flatten()
        .filter(|(_, c)| {
            !wanted.is_empty()
                && ["homePhone", "workPhone", "mobilePhone"].iter().any(|f| {
                    c.get(*f)
                        .and_then(Value::as_str)
                        .is_some_and(|p| digits(p) == wanted)
                })
        })
        .map(|(_, c)| inner.render(Entity::Contact, c))
        .collect();
    drop(inner);
    http::json(StatusCode::OK, &found)
}

/// Checks the references a lead request must carry.
fn check_lead_refs(inner: &Inner, body: &Map<String, Value>) -> Result<(), Response> {
    for field in ["subject"] {
        if body
            .get(field)
            .is_none_or(|v| v.as_str().is_none_or(|s| s.trim().is_empty()))
        {
            return Err(invalid(field, "This value should not be blank."));
        }
    }
    for field in ["department", "contact", "source", "franchise"] {
        if ref_id(body.get(field)).is_none() {
            return Err(invalid(field, "This value should not be blank."));
        }
    }
    if let Some(contact) = ref_id(body.get("contact"))
        && inner.get(Entity::Contact, &contact).is_none()
    {
        return Err(invalid("contact", "Contact not found."));
    }
    if let Some(account) = ref_id(body.get("account"))
        && inner.get(Entity::Account, &account).is_none()
    {
        return Err(invalid("account", "Account not found."));
    }
    Ok(())
}

fn new_lead(inner: &mut Inner, body: Map<String, Value>, when: &str) -> Map<String, Value> {
    let (id, mut record) = base_record(inner, "lead", when);
    let first_stage = inner
        .stores
        .get(&Entity::Stage)
        .and_then(|s| s.keys().next().copied());
    let status = inner.refs.statuses.first().copied();
    let defaults = json!({
        "subject": null, "description": null, "status": status.as_ref().map(entity_ref),
        "dateFirstModified": null, "firstModifiedBy": null, "source": null, "contact": null,
        "account": null, "franchise": null, "dueDate": null,
        "stage": first_stage.as_ref().map(entity_ref), "direction": "inbound",
        "isQualified": false, "connectionClosedDate": null, "priority": null, "thirdPartyIds": [],
        "category": null, "automationDay": null, "visitCount": 0, "isTakeOver": false,
        "isWalkAroundDone": false, "presaleVisitCount": 0, "postsaleVisitCount": 0,
        "customerInitiated": false, "creditAssessments": [], "incentives": [], "packages": [],
        "surveys": [],
    });
    record.extend(obj(defaults));
    record.extend(body);
    record.insert("id".into(), json!(id));
    record
}

async fn create_lead(State(state): St, body: Body) -> Response {
    let body = tri!(read_object(body).await);
    let when = now();
    let mut inner = state.lock();
    tri!(check_lead_refs(&inner, &body));
    let record = new_lead(&mut inner, body, &when);
    let answer = Value::Object(record.clone());
    if let Some(id) = ref_id(Some(&answer)) {
        inner.store(Entity::Lead).insert(id, record);
    }
    inner.wrote(Entity::Lead);
    drop(inner);
    http::json(StatusCode::OK, &answer)
}

async fn copy_lead(State(state): St, Path(id): Path<String>, body: Body) -> Response {
    let id = tri!(parse_id(&id, "Lead"));
    let mut body = tri!(read_object(body).await);
    let when = now();
    let mut inner = state.lock();
    let Some(original) = inner.get(Entity::Lead, &id).cloned() else {
        return error(StatusCode::NOT_FOUND, "Lead not found");
    };
    let Some(contact) = body.remove("contact") else {
        return invalid("contact", "This value should not be blank.");
    };
    let contact = tri!(nested_contacts(&mut inner, vec![contact], &when));
    let mut copy = original;
    for key in [
        "id",
        "dateCreated",
        "createdBy",
        "dateModified",
        "modifiedBy",
        "thirdPartyIds",
    ] {
        copy.remove(key);
    }
    copy.insert(
        "contact".into(),
        contact.first().map_or(Value::Null, entity_ref),
    );
    for key in ["account", "department", "franchise"] {
        if let Some(value) = body.remove(key) {
            copy.insert(
                key.into(),
                ref_id(Some(&value))
                    .as_ref()
                    .map_or(Value::Null, entity_ref),
            );
        }
    }
    if let Some(Value::String(subject)) = body.remove("subject") {
        copy.insert("subject".into(), json!(subject));
    }
    let record = new_lead(&mut inner, copy, &when);
    let answer = Value::Object(record.clone());
    if let Some(id) = ref_id(Some(&answer)) {
        inner.store(Entity::Lead).insert(id, record);
    }
    inner.wrote(Entity::Lead);
    drop(inner);
    http::json(StatusCode::OK, &answer)
}

/// Applies a TaskRequest to a task record; `creating` requires the
/// mandatory fields. Errors are the seed's bare strings.
fn apply_task(
    inner: &Inner,
    record: &mut Map<String, Value>,
    body: Map<String, Value>,
    creating: bool,
) -> Result<(), Response> {
    let blank =
        |v: Option<&Value>| v.is_none_or(|v| v.as_str().is_none_or(|s| s.trim().is_empty()));
    for field in ["title", "assignee"] {
        if (creating || body.contains_key(field)) && blank(body.get(field)) {
            return Err(http::json(
                StatusCode::BAD_REQUEST,
                &json!(format!("{field} This value should not be blank.")),
            ));
        }
    }
    for (key, value) in body {
        match key.as_str() {
            "assignee" => {
                record.insert("assignee".into(), json!({"id": value}));
            }
            "contact" | "account" | "connection" => {
                let entity = match key.as_str() {
                    "contact" => Entity::Contact,
                    "account" => Entity::Account,
                    _ => Entity::Lead,
                };
                match value.as_str() {
                    None => {
                        record.insert(key, Value::Null);
                    }
                    Some(text) => {
                        let found = text
                            .parse::<Uuid>()
                            .ok()
                            .filter(|id| inner.get(entity, id).is_some());
                        let Some(id) = found else {
                            return Err(http::json(
                                StatusCode::BAD_REQUEST,
                                &json!(format!("{key} The {} does not exist.", entity.name())),
                            ));
                        };
                        record.insert(key, entity_ref(&id));
                    }
                }
            }
            "id" | "dateCreated" | "createdBy" | "dtype" => {}
            _ => {
                record.insert(key, value);
            }
        }
    }
    Ok(())
}

async fn create_task(State(state): St, body: Body) -> Response {
    let body = tri!(read_object(body).await);
    let when = now();
    let mut inner = state.lock();
    let (id, mut record) = base_record(&mut inner, "task", &when);
    let tenant = entity_ref(&inner.refs.tenant);
    record.extend(obj(json!({
        "type": null, "connection": null, "start": null, "end": null, "title": null,
        "note": null, "assignee": null, "taskDone": false, "notified": false, "edited": null,
        "tenant": tenant, "contact": null, "account": null,
    })));
    tri!(apply_task(&inner, &mut record, body, true));
    inner.store(Entity::Task).insert(id, record.clone());
    inner.wrote(Entity::Task);
    drop(inner);
    http::json(StatusCode::OK, &record)
}

async fn update_task(State(state): St, Path(id): Path<String>, body: Body) -> Response {
    let id = tri!(parse_id(&id, "Task"));
    let body = tri!(read_object(body).await);
    let mut inner = state.lock();
    let Some(mut record) = inner.get(Entity::Task, &id).cloned() else {
        return error(StatusCode::NOT_FOUND, "Task not found");
    };
    tri!(apply_task(&inner, &mut record, body, false));
    record.insert("dateModified".into(), json!(now()));
    record.insert("edited".into(), json!(true));
    inner.store(Entity::Task).insert(id, record.clone());
    inner.wrote(Entity::Task);
    drop(inner);
    http::json(StatusCode::OK, &record)
}

async fn delete_task(State(state): St, Path(id): Path<String>) -> Response {
    let id = tri!(parse_id(&id, "Task"));
    let mut inner = state.lock();
    if inner.store(Entity::Task).remove(&id).is_none() {
        return error(StatusCode::NOT_FOUND, "Task not found");
    }
    inner.deleted(Entity::Task);
    empty(StatusCode::OK)
}

async fn list_stages(State(state): St) -> Response {
    let inner = state.lock();
    let stages: Vec<&Map<String, Value>> = inner
        .stores
        .get(&Entity::Stage)
        .into_iter()
        .flatten()
        .map(|(_, s)| s)
        .collect();
    http::json(StatusCode::OK, &stages)
}

async fn get_stage(State(state): St, Path(id): Path<String>) -> Response {
    let id = tri!(parse_id(&id, "Stage"));
    let inner = state.lock();
    match inner.get(Entity::Stage, &id) {
        Some(stage) => http::json(StatusCode::OK, stage),
        None => error(StatusCode::NOT_FOUND, "Stage not found"),
    }
}

async fn create_stage(State(state): St, body: Body) -> Response {
    let mut body = tri!(read_object(body).await);
    if body
        .get("name")
        .is_none_or(|v| v.as_str().is_none_or(|s| s.trim().is_empty()))
    {
        return error(StatusCode::BAD_REQUEST, "name is required");
    }
    let mut inner = state.lock();
    let id = inner.mint();
    body.insert("id".into(), json!(id));
    inner.store(Entity::Stage).insert(id, body.clone());
    inner.wrote(Entity::Stage);
    drop(inner);
    http::json(StatusCode::CREATED, &body)
}

async fn update_stage(State(state): St, Path(id): Path<String>, body: Body) -> Response {
    let id = tri!(parse_id(&id, "Stage"));
    let mut body = tri!(read_object(body).await);
    if body
        .get("name")
        .is_some_and(|v| v.as_str().is_none_or(|s| s.trim().is_empty()))
    {
        return error(StatusCode::BAD_REQUEST, "name must not be blank");
    }
    body.remove("id");
    let mut inner = state.lock();
    let Some(stage) = inner.store(Entity::Stage).get_mut(&id) else {
        return error(StatusCode::NOT_FOUND, "Stage not found");
    };
    stage.extend(body);
    let answer = stage.clone();
    inner.wrote(Entity::Stage);
    drop(inner);
    http::json(StatusCode::OK, &answer)
}

async fn delete_stage(State(state): St, Path(id): Path<String>) -> Response {
    let id = tri!(parse_id(&id, "Stage"));
    let mut inner = state.lock();
    if inner.get(Entity::Stage, &id).is_none() {
        return error(StatusCode::NOT_FOUND, "Stage not found");
    }
    let used = inner
        .stores
        .get(&Entity::Lead)
        .into_iter()
        .flatten()
        .any(|(_, l)| ref_id(l.get("stage")) == Some(id));
    if used {
        return error(
            StatusCode::BAD_REQUEST,
            "Cannot delete stage that is used in connections or pipelines",
        );
    }
    inner.store(Entity::Stage).remove(&id);
    inner.deleted(Entity::Stage);
    empty(StatusCode::NO_CONTENT)
}

async fn list_custom_fields(State(state): St) -> Response {
    let inner = state.lock();
    let fields: Vec<&Map<String, Value>> = inner
        .stores
        .get(&Entity::CustomField)
        .into_iter()
        .flatten()
        .map(|(_, f)| f)
        .collect();
    http::json(StatusCode::OK, &fields)
}

async fn custom_fields_of_entity(State(state): St, Path(entity): Path<String>) -> Response {
    let inner = state.lock();
    let fields: Vec<&Map<String, Value>> = inner
        .stores
        .get(&Entity::CustomField)
        .into_iter()
        .flatten()
        .map(|(_, f)| f)
        .filter(|f| f.get("entity").and_then(Value::as_str) == Some(entity.as_str()))
        .collect();
    http::json(StatusCode::OK, &fields)
}

/// The custom field named by `key` (its `id` or `fieldName`).
fn find_custom_field(inner: &Inner, key: &str) -> Option<Uuid> {
    let store = inner.stores.get(&Entity::CustomField)?;
    if let Ok(id) = key.parse::<Uuid>()
        && store.contains_key(&id)
    {
        return Some(id);
    }
    store
        .iter()
        .find(|(_, f)| f.get("fieldName").and_then(Value::as_str) == Some(key))
        .map(|(id, _)| *id)
}

async fn create_custom_field(State(state): St, body: Body) -> Response {
    let mut body = tri!(read_object(body).await);
    for field in ["entity", "fieldName"] {
        if body
            .get(field)
            .is_none_or(|v| v.as_str().is_none_or(|s| s.trim().is_empty()))
        {
            return error(StatusCode::BAD_REQUEST, &format!("{field} is required"));
        }
    }
    let mut inner = state.lock();
    let id = inner.mint();
    body.insert("id".into(), json!(id));
    inner.store(Entity::CustomField).insert(id, body.clone());
    inner.wrote(Entity::CustomField);
    drop(inner);
    http::json(StatusCode::OK, &body)
}

async fn update_custom_field(State(state): St, Path(key): Path<String>, body: Body) -> Response {
    let mut body = tri!(read_object(body).await);
    body.remove("id");
    let mut inner = state.lock();
    let Some(id) = find_custom_field(&inner, &key) else {
        return error(StatusCode::BAD_REQUEST, "Custom field not found");
    };
    let Some(field) = inner.store(Entity::CustomField).get_mut(&id) else {
        return error(StatusCode::BAD_REQUEST, "Custom field not found");
    };
    field.extend(body);
    let answer = field.clone();
    inner.wrote(Entity::CustomField);
    drop(inner);
    http::json(StatusCode::OK, &answer)
}

async fn delete_custom_field(State(state): St, Path(key): Path<String>) -> Response {
    let mut inner = state.lock();
    let Some(id) = find_custom_field(&inner, &key) else {
        return error(StatusCode::BAD_REQUEST, "Custom field not found");
    };
    inner.store(Entity::CustomField).remove(&id);
    inner.deleted(Entity::CustomField);
    empty(StatusCode::OK)
}

/// Reads a dotted field path (`contact.id`) of a rendered record.
fn field_value<'v>(record: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(record, |v, part| v.get(part))
}

fn compare_text(a: &str, b: &str) -> std::cmp::Ordering {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x.partial_cmp(&y).unwrap_or(std::cmp::Ordering::Equal),
        _ => a.to_lowercase().cmp(&b.to_lowercase()),
    }
}

/// Evaluates one rule or group of the query builder.
fn matches(node: &Value, record: &Value) -> Result<bool, String> {
    if let Some(rules) = node.get("rules") {
        let rules = rules.as_array().ok_or("rules must be an array")?;
        let any = node
            .get("combinator")
            .and_then(Value::as_str)
            .is_some_and(|c| c.eq_ignore_ascii_case("or"));
        let mut result = !any;
        for rule in rules {
            let m = matches(rule, record)?;
            if any && m {
                result = true;
                break;
            }
            if !any && !m {
                result = false;
                break;
            }
        }
        let negate = node.get("not").and_then(Value::as_bool) == Some(true);
        return Ok(result != negate);
    }
    let field = node
        .get("field")
        .and_then(Value::as_str)
        .ok_or("a rule needs a field")?;
    let operator = node.get("operator").and_then(Value::as_str).unwrap_or("=");
    let wanted = match node.get("value") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    let actual = field_value(record, field);
    let is_null = actual.is_none_or(Value::is_null);
    let text = match actual {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(Value::Object(o)) => o
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        Some(other) => other.to_string(),
    };
    let (lt, lw) = (text.to_lowercase(), wanted.to_lowercase());
    let list: Vec<String> = wanted.split(',').map(|s| s.trim().to_lowercase()).collect();
    Ok(match operator {
        "=" => compare_text(&text, &wanted).is_eq(),
        "!=" => !compare_text(&text, &wanted).is_eq(),
        "<" => !is_null && compare_text(&text, &wanted).is_lt(),
        "<=" => !is_null && compare_text(&text, &wanted).is_le(),
        ">" => !is_null && compare_text(&text, &wanted).is_gt(),
        ">=" => !is_null && compare_text(&text, &wanted).is_ge(),
        "contains" => lt.contains(&lw),
        "doesNotContain" => !lt.contains(&lw),
        "beginsWith" => lt.starts_with(&lw),
        "doesNotBeginWith" => !lt.starts_with(&lw),
        "endsWith" => lt.ends_with(&lw),
        "doesNotEndWith" => !lt.ends_with(&lw),
        "null" => is_null,
        "notNull" => !is_null,
        "in" => list.contains(&lt),
        "notIn" => !list.contains(&lt),
        "between" | "notBetween" => {
            let inside = list.len() == 2
                && !is_null
                && compare_text(&text, &list[0]).is_ge()
                && compare_text(&text, &list[1]).is_le();
            inside == (operator == "between")
        }
        other => return Err(format!("unknown operator {other:?}")),
    })
}

async fn query_filter(State(state): St, Path(entity): Path<String>, body: Body) -> Response {
    let Some(entity) = Entity::named(&entity).filter(|e| *e != Entity::CustomField) else {
        return error(StatusCode::NOT_FOUND, "Entity not found");
    };
    let body = tri!(read_object(body).await);
    let query = body
        .get("query")
        .cloned()
        .unwrap_or_else(|| json!({"rules": []}));
    let inner = state.lock();
    let mut data = Vec::new();
    for record in inner
        .stores
        .get(&entity)
        .into_iter()
        .flatten()
        .map(|(_, r)| r)
    {
        let rendered = inner.render(entity, record);
        match matches(&query, &rendered) {
            Ok(true) => data.push(rendered),
            Ok(false) => {}
            Err(message) => return error(StatusCode::BAD_REQUEST, &message),
        }
    }
    drop(inner);
    http::json(StatusCode::OK, &json!({"success": true, "data": data}))
}

/// The filterable fields per entity: name, label, type.
fn entity_fields(entity: Entity) -> &'static [(&'static str, &'static str, &'static str)] {
    match entity {
        Entity::Account => &[
            ("name", "Name", "string"),
            ("primaryEmail", "Email", "string"),
            ("city", "City", "string"),
            ("country", "Country", "string"),
            ("isActive", "Active", "boolean"),
        ],
        Entity::Contact => &[
            ("firstName", "First name", "string"),
            ("lastName", "Last name", "string"),
            ("primaryEmail", "Email", "string"),
            ("city", "City", "string"),
            ("language", "Language", "enum"),
            ("isActive", "Active", "boolean"),
        ],
        Entity::Lead => &[
            ("subject", "Subject", "string"),
            ("contact.id", "Contact", "string"),
            ("stage.id", "Stage", "string"),
            ("dueDate", "Due date", "datetime"),
            ("priority", "Priority", "number"),
            ("isQualified", "Qualified", "boolean"),
        ],
        Entity::Task => &[
            ("title", "Title", "string"),
            ("taskDone", "Done", "boolean"),
            ("start", "Start", "datetime"),
            ("contact.id", "Contact", "string"),
        ],
        Entity::Stage | Entity::CustomField => &[("name", "Name", "string")],
    }
}

const OPERATORS: [&str; 18] = [
    "=",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "contains",
    "doesNotContain",
    "beginsWith",
    "doesNotBeginWith",
    "endsWith",
    "doesNotEndWith",
    "null",
    "notNull",
    "in",
    "notIn",
    "between",
    "notBetween",
];

fn filters_of(entity: Entity) -> Vec<Value> {
    entity_fields(entity)
        .iter()
        .map(|(field, label, kind)| json!({"field": field, "type": kind, "label": label, "operators": OPERATORS, "options": null}))
        .collect()
}

async fn query_config(Path(entity): Path<String>) -> Response {
    let Some(entity) = Entity::named(&entity).filter(|e| *e != Entity::CustomField) else {
        return error(StatusCode::NOT_FOUND, "Entity not found");
    };
    let fields: Vec<Value> = entity_fields(entity)
        .iter()
        .map(|(name, label, kind)| json!({"name": name, "label": label, "type": kind}))
        .collect();
    http::json(
        StatusCode::OK,
        &json!({"fields": fields, "operators": OPERATORS}),
    )
}

async fn all_filters() -> Response {
    let data: Vec<Value> = [Entity::Account, Entity::Contact, Entity::Lead, Entity::Task]
        .into_iter()
        .map(|e| json!({"entity": e.name(), "filters": filters_of(e)}))
        .collect();
    http::json(StatusCode::OK, &json!({"data": data}))
}

async fn entity_filters(Path(entity): Path<String>) -> Response {
    match Entity::named(&entity).filter(|e| *e != Entity::CustomField) {
        Some(entity) => http::json(StatusCode::OK, &filters_of(entity)),
        None => error(
            StatusCode::NOT_FOUND,
            "Entity not found or no filters available",
        ),
    }
}
