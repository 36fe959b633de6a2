//! The bulk upload pipeline against a Gong stand-in on loopback (wiremock):
//! files split under a tiny size limit, records checked against the fetched
//! schema, repeated ids (and only they) split into new files, uploads
//! retried with the same `clientRequestId`, statuses polled on a virtual
//! clock, and failed lines mapped back to input records.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests panic on failure"
)]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crm_client_runtime::RateLimit;
use crm_client_runtime::clock::{Clock, VirtualClock};
use gong_crm_api::bulk::{BulkError, BulkOptions, SchemaSource};
use gong_crm_api::types::{CrmAccountRecord, CrmObjectId, RequestStatus, RequestStatusKnown};
use gong_crm_api::{Auth, Client, RetryPolicy};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const INTEGRATION: i64 = 6_286_478_263_646_123_457;

fn account(id: &str, minute: u32, extra: Value) -> CrmAccountRecord {
    CrmAccountRecord {
        object_id: id.parse::<CrmObjectId>().unwrap(),
        modified_date: format!("2024-06-01T10:{minute:02}:00.250Z")
            .parse()
            .unwrap(),
        last_modified: None,
        is_deleted: None,
        url: None,
        name: Some(format!("Account {id}")),
        domains: vec![format!("{id}.example.com")],
        extra: extra.as_object().cloned().unwrap_or_default(),
    }
}

fn client(server: &MockServer) -> (Client, VirtualClock) {
    let (clock, handle) = Clock::virtual_clock();
    let client = Client::from_config(
        Client::config(Auth::basic("k", "s"))
            .with_base_url(server.uri())
            .with_rate_limit(RateLimit::unlimited())
            .with_retry(RetryPolicy::default().with_jitter(false))
            .with_clock(clock),
    )
    .unwrap();
    (client, handle)
}

/// Every uploaded file as (clientRequestId, LDJSON text), in arrival order.
#[derive(Clone, Default)]
struct Uploads(Arc<Mutex<Vec<(String, String)>>>);

/// Answers uploads with the next scripted status (the last one repeats) and
/// records the files.
struct UploadResponder {
    uploads: Uploads,
    script: Mutex<Vec<u16>>,
}

impl Respond for UploadResponder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let id = request
            .url
            .query_pairs()
            .find(|(k, _)| k == "clientRequestId")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        let status = {
            let mut script = self.script.lock().unwrap();
            if script.len() > 1 {
                script.remove(0)
            } else {
                script[0]
            }
        };
        self.uploads
            .0
            .lock()
            .unwrap()
            .push((id.clone(), multipart_text(request)));
        match status {
            201 => ResponseTemplate::new(201)
                .set_body_json(json!({"requestId": "r", "clientRequestId": id})),
            409 => ResponseTemplate::new(409).set_body_json(
                json!({"requestId": "r", "errors": ["clientRequestId already exists"]}),
            ),
            other => ResponseTemplate::new(other)
                .set_body_json(json!({"requestId": "r", "errors": ["try later"]})),
        }
    }
}

/// The text of the single multipart part (the test parses the boundary by hand
/// to stay synchronous inside `Respond`).
fn multipart_text(request: &Request) -> String {
    let content_type = request
        .headers
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap();
    let boundary = content_type.split("boundary=").nth(1).unwrap();
    let body = String::from_utf8(request.body.clone()).unwrap();
    let start = body.find("\r\n\r\n").unwrap() + 4;
    let end = body.rfind(&format!("\r\n--{boundary}--")).unwrap();
    assert!(body[..start].contains("name=\"dataFile\""));
    assert!(body[..start].contains("Content-Type: application/x-ndjson"));
    body[start..end].to_owned()
}

/// Answers status polls: `PENDING` `pending` times per id, then the final
/// answer from `finals` (default `DONE`).
struct StatusResponder {
    pending: usize,
    polls: Mutex<BTreeMap<String, usize>>,
    finals: BTreeMap<String, Value>,
    total: AtomicUsize,
}

impl Respond for StatusResponder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        self.total.fetch_add(1, Ordering::SeqCst);
        let id = request
            .url
            .query_pairs()
            .find(|(k, _)| k == "clientRequestId")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        let n = {
            let mut polls = self.polls.lock().unwrap();
            let n = polls.entry(id.clone()).or_insert(0);
            *n += 1;
            *n
        };
        if n <= self.pending {
            return ResponseTemplate::new(200).set_body_json(json!({"status": "PENDING"}));
        }
        let body = self
            .finals
            .iter()
            .find(|(suffix, _)| id.ends_with(suffix.as_str()))
            .map(|(_, v)| v.clone());
        ResponseTemplate::new(200)
            .set_body_json(body.unwrap_or_else(|| json!({"status": "DONE", "totalErrorCount": 0})))
    }
}

async fn gong(
    upload_script: Vec<u16>,
    pending: usize,
    finals: BTreeMap<String, Value>,
) -> (MockServer, Uploads) {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v2/crm/entity-schema"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "objectTypeToSelectedFields": {"ACCOUNT": [
                {"name": "tier", "label": "Tier", "type": "PICKLIST", "orderedValueList": ["Gold", "Silver"]},
                {"name": "arr", "label": "ARR", "type": "CURRENCY"}
            ]}
        })))
        .mount(&server)
        .await;
    let uploads = Uploads::default();
    Mock::given(method("POST"))
        .and(path("/v2/crm/entities"))
        .respond_with(UploadResponder {
            uploads: uploads.clone(),
            script: Mutex::new(upload_script),
        })
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/crm/request-status"))
        .respond_with(StatusResponder {
            pending,
            polls: Mutex::default(),
            finals,
            total: AtomicUsize::new(0),
        })
        .mount(&server)
        .await;
    (server, uploads)
}

fn ids_in(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["objectId"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn records_are_checked_split_uploaded_polled_and_failures_mapped_back() {
    let mut finals = BTreeMap::new();
    finals.insert(
        "ACCOUNT-00001".to_owned(),
        json!({"status": "FAILED", "totalErrorCount": 1, "totalSuccessCount": 1,
               "errors": [{"line": 2, "description": "domains: invalid"}]}),
    );
    let (server, uploads) = gong(vec![201], 1, finals).await;
    let (client, clock) = client(&server);

    let input = vec![
        account("a0", 0, json!({"tier": "Gold"})),
        account("a1", 1, json!({"arr": 1200.5})),
        account("a2", 2, json!({})),
        account("a3", 3, json!({"tier": "Bronze"})), // refused: not a picklist value
        account("a4", 4, json!({"note": "not in the schema"})),
        account("a1", 5, json!({})), // a1 again: must go to a later file
        account("a6", 6, json!({})),
        account("a7", 6, json!({})),
    ];
    let options = BulkOptions {
        max_file_bytes: 400,
        request_id_prefix: Some("run-1".into()),
        ..BulkOptions::default()
    };
    let report = client
        .bulk_upload(INTEGRATION)
        .options(options)
        .run_iter(input)
        .await
        .expect("runs");

    // Refused before sending, with its position.
    assert_eq!(report.records_in, 8);
    assert_eq!(report.rejected.len(), 1);
    assert_eq!(report.rejected[0].input_index, 3);
    assert_eq!(report.rejected[0].object_id, "a3");
    assert_eq!(report.records_sent, 7);
    assert_eq!(report.notes.unknown_fields.get("note"), Some(&1));
    assert_eq!(
        report.notes.truncated_datetimes, 7,
        "Gong wants no sub-second digits"
    );

    // Every file under the limit, ids unique within a file, nothing lost or doubled.
    let uploads = uploads.0.lock().unwrap().clone();
    assert_eq!(uploads.len(), report.files.len());
    let mut sent = Vec::new();
    for (i, (id, text)) in uploads.iter().enumerate() {
        assert_eq!(id, &format!("run-1-ACCOUNT-{i:05}"));
        assert!(text.len() <= 400, "file {i} is {} bytes", text.len());
        let ids = ids_in(text);
        let unique: std::collections::BTreeSet<_> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len(), "an objectId twice in file {i}");
        assert!(!text.contains(".250Z"));
        sent.extend(ids);
    }
    assert_eq!(sent, ["a0", "a1", "a2", "a4", "a1", "a6", "a7"]);
    let a1_files: Vec<usize> = uploads
        .iter()
        .enumerate()
        .filter(|(_, (_, t))| ids_in(t).contains(&"a1".to_owned()))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(
        a1_files.len(),
        2,
        "the second update of a1 is in a separate, later file"
    );

    // Statuses: each file polled (one PENDING, then final); waits on the virtual clock.
    assert_eq!(
        clock.sleeps(),
        vec![Duration::from_secs(1); report.files.len()]
    );
    let failed: Vec<_> = report.files.iter().filter(|f| !f.is_done()).collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(
        failed[0].status,
        Some(RequestStatus::Known(RequestStatusKnown::Failed))
    );
    let failure = &failed[0].failures[0];
    let expected_id = &ids_in(&uploads[1].1)[1];
    assert_eq!(failure.object_id.as_ref(), Some(expected_id));
    let input_ids = ["a0", "a1", "a2", "a3", "a4", "a1", "a6", "a7"];
    let index = failure.input_index.unwrap() as usize;
    assert_eq!(
        input_ids[index],
        expected_id.as_str(),
        "line 2 of file 1 maps to input {index}"
    );
    assert_eq!(failure.description, "domains: invalid");
    assert!(!report.is_complete_success());
}

/// The files' objectIds, in upload order.
fn files_of(uploads: &Uploads) -> Vec<Vec<String>> {
    uploads
        .0
        .lock()
        .unwrap()
        .iter()
        .map(|(_, t)| ids_in(t))
        .collect()
}

#[tokio::test]
async fn out_of_order_dates_stay_in_one_file() {
    let (server, uploads) = gong(vec![201], 0, BTreeMap::new()).await;
    let (client, _) = client(&server);
    let input = vec![
        account("b0", 5, json!({})),
        account("b1", 6, json!({})),
        account("b2", 1, json!({})),
    ];
    let options = BulkOptions {
        schema: SchemaSource::BuiltInOnly,
        ..BulkOptions::default()
    };
    let report = client
        .bulk_upload(INTEGRATION)
        .options(options)
        .run_iter(input)
        .await
        .unwrap();
    assert_eq!(files_of(&uploads), vec![vec!["b0", "b1", "b2"]]);
    assert!(report.is_complete_success());
}

#[tokio::test]
async fn unsorted_input_of_distinct_records_is_one_upload() {
    let (server, uploads) = gong(vec![201], 0, BTreeMap::new()).await;
    let (client, _) = client(&server);
    // 250 records listed by id while their dates run backwards and jump
    // about, as Sell lists deals: the old rule made ~120 files of these.
    let input: Vec<_> = (0..250u32)
        .map(|i| account(&format!("d{i:03}"), (i * 37 + 11) % 60, json!({})))
        .collect();
    let options = BulkOptions {
        schema: SchemaSource::BuiltInOnly,
        ..BulkOptions::default()
    };
    let report = client
        .bulk_upload(INTEGRATION)
        .options(options)
        .run_iter(input)
        .await
        .unwrap();
    let files = files_of(&uploads);
    assert_eq!(files.len(), 1, "one upload for one entity table");
    assert_eq!(files[0].len(), 250);
    assert_eq!(report.files.len(), 1);
    assert_eq!(report.records_sent, 250);
    assert!(report.is_complete_success());
}

#[tokio::test]
async fn a_repeated_object_id_makes_two_files_with_the_later_update_later() {
    let (server, uploads) = gong(vec![201], 0, BTreeMap::new()).await;
    let (client, _) = client(&server);
    let mut first = account("c1", 10, json!({}));
    first.name = Some("first".into());
    let mut second = account("c1", 3, json!({}));
    second.name = Some("second".into());
    let input = vec![
        account("c0", 1, json!({})),
        first,
        account("c2", 2, json!({})),
        second,
        account("c3", 0, json!({})),
    ];
    let options = BulkOptions {
        schema: SchemaSource::BuiltInOnly,
        ..BulkOptions::default()
    };
    let report = client
        .bulk_upload(INTEGRATION)
        .options(options)
        .run_iter(input)
        .await
        .unwrap();
    assert_eq!(
        files_of(&uploads),
        vec![vec!["c0", "c1", "c2"], vec!["c1", "c3"]]
    );
    let texts: Vec<String> = uploads
        .0
        .lock()
        .unwrap()
        .iter()
        .map(|(_, t)| t.clone())
        .collect();
    assert!(texts[0].contains("\"first\"") && !texts[0].contains("\"second\""));
    assert!(
        texts[1].contains("\"second\""),
        "the later update is in the later file"
    );
    assert_eq!(report.files[1].first_input_index, 3);
    assert!(report.is_complete_success());
}

#[tokio::test]
async fn a_failed_upload_is_retried_with_the_same_request_id_and_409_means_delivered() {
    // 503, then 409: the first attempt reached Gong after all.
    let (server, uploads) = gong(vec![503, 409], 0, BTreeMap::new()).await;
    let (client, clock) = client(&server);
    let options = BulkOptions {
        request_id_prefix: Some("retry".into()),
        schema: SchemaSource::BuiltInOnly,
        upload_retry: RetryPolicy::default().with_jitter(false),
        ..BulkOptions::default()
    };
    let report = client
        .bulk_upload(INTEGRATION)
        .options(options)
        .run_iter(vec![account("c0", 0, json!({}))])
        .await
        .unwrap();
    let ids: Vec<String> = uploads
        .0
        .lock()
        .unwrap()
        .iter()
        .map(|(id, _)| id.clone())
        .collect();
    assert_eq!(ids, vec!["retry-ACCOUNT-00000"; 2]);
    assert!(report.files[0].already_submitted);
    assert!(
        report.files[0].is_done(),
        "the status of the delivered file is polled"
    );
    assert_eq!(clock.sleeps(), vec![Duration::from_millis(250)]);
}

#[tokio::test]
async fn a_client_error_is_not_retried_and_the_partial_report_is_kept() {
    let (server, uploads) = gong(vec![201, 400], 0, BTreeMap::new()).await;
    let (client, _) = client(&server);
    let options = BulkOptions {
        max_file_bytes: 250,
        schema: SchemaSource::BuiltInOnly,
        ..BulkOptions::default()
    };
    let input = (0..4).map(|i| account(&format!("d{i}"), i, json!({})));
    let failure = client
        .bulk_upload(INTEGRATION)
        .options(options)
        .run_iter(input)
        .await
        .unwrap_err();
    assert!(
        matches!(failure.error, BulkError::Upload { file: 1, .. }),
        "{:?}",
        failure.error
    );
    assert_eq!(
        failure.report.files.len(),
        1,
        "file 0 was uploaded before the error"
    );
    assert_eq!(
        uploads.0.lock().unwrap().len(),
        2,
        "the 400 was not retried"
    );
    assert!(
        failure.to_string().contains("HTTP") || failure.to_string().contains("400"),
        "{failure}"
    );
}

#[tokio::test]
async fn a_file_that_never_finishes_times_out() {
    let (server, _) = gong(vec![201], usize::MAX, BTreeMap::new()).await;
    let (client, clock) = client(&server);
    let options = BulkOptions {
        schema: SchemaSource::BuiltInOnly,
        poll_timeout: Duration::from_secs(60),
        ..BulkOptions::default()
    };
    let failure = client
        .bulk_upload(INTEGRATION)
        .options(options)
        .run_iter(vec![account("e0", 0, json!({}))])
        .await
        .unwrap_err();
    assert!(
        matches!(failure.error, BulkError::PollTimeout { file: 0, .. }),
        "{:?}",
        failure.error
    );
    // 1 + 2 + 4 + 8 + 16 = 31 s waited; the next 30 s wait would pass 60 s.
    assert_eq!(
        clock.sleeps(),
        [1, 2, 4, 8, 16].map(Duration::from_secs).to_vec()
    );
}

/// Answers like Gong: 201 for a new clientRequestId, 409 for one seen before.
struct Dedup {
    seen: Mutex<Vec<String>>,
}

impl Respond for Dedup {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let id = request
            .url
            .query_pairs()
            .find(|(k, _)| k == "clientRequestId")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        let mut seen = self.seen.lock().unwrap();
        if seen.contains(&id) {
            ResponseTemplate::new(409)
                .set_body_json(json!({"errors": ["clientRequestId already exists"]}))
        } else {
            seen.push(id.clone());
            ResponseTemplate::new(201).set_body_json(json!({"clientRequestId": id}))
        }
    }
}

#[tokio::test]
async fn content_hash_ids_make_a_rerun_send_nothing_twice() {
    use gong_crm_api::RequestIds;
    let server = MockServer::start().await;
    let dedup = std::sync::Arc::new(Dedup {
        seen: Mutex::default(),
    });
    Mock::given(method("POST"))
        .and(path("/v2/crm/entities"))
        .respond_with(DedupProxy(std::sync::Arc::clone(&dedup)))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/crm/request-status"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status": "DONE"})))
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let options = || BulkOptions {
        max_file_bytes: 300,
        request_id_prefix: Some("sync-a".into()),
        request_ids: RequestIds::ContentHash,
        schema: SchemaSource::BuiltInOnly,
        ..BulkOptions::default()
    };
    let input = || (0..6).map(|i| account(&format!("f{i}"), i, json!({})));
    let first = client
        .bulk_upload(INTEGRATION)
        .options(options())
        .run_iter(input())
        .await
        .unwrap();
    assert!(first.files.len() > 1);
    assert!(first.files.iter().all(|f| !f.already_submitted));
    // The same data again (an interrupted sync resumed from the start):
    let second = client
        .bulk_upload(INTEGRATION)
        .options(options())
        .run_iter(input())
        .await
        .unwrap();
    assert_eq!(second.files.len(), first.files.len());
    assert!(
        second
            .files
            .iter()
            .all(|f| f.already_submitted && f.is_done())
    );
    let ids: Vec<_> = first
        .files
        .iter()
        .map(|f| f.client_request_id.clone())
        .collect();
    assert_eq!(
        ids,
        second
            .files
            .iter()
            .map(|f| f.client_request_id.clone())
            .collect::<Vec<_>>()
    );
    assert!(ids.iter().all(|id| id.starts_with("sync-a-ACCOUNT-") && id.len() == "sync-a-ACCOUNT-".len() + 24));
    assert_eq!(
        dedup.seen.lock().unwrap().len(),
        first.files.len(),
        "each file was accepted once"
    );
    // A changed record makes its file a new request.
    let changed = input().map(|mut r| {
        if r.object_id.as_str() == "f0" {
            r.name = Some("renamed".into());
        }
        r
    });
    let third = client
        .bulk_upload(INTEGRATION)
        .options(options())
        .run_iter(changed)
        .await
        .unwrap();
    assert_eq!(
        third.files.iter().filter(|f| !f.already_submitted).count(),
        1
    );
}

struct DedupProxy(std::sync::Arc<Dedup>);

impl Respond for DedupProxy {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        self.0.respond(request)
    }
}
