//! The bulk upload pipeline: typed records in, Gong request statuses out.
//!
//! [`BulkUpload::run`] takes any iterator or stream of one entity table's
//! records ([`GongRecord`]) and:
//!
//! 1. checks each against the integration's entity schema (fetched once, or
//!    given) — a refused record is reported with its input position and
//!    never sent ([`crate::validate`]);
//! 2. writes LDJSON to a spool file on disk, starting a new file only before
//!    one would exceed the size limit, at a record-count cap, or when an
//!    `objectId` repeats (Gong wants multiple updates of one record in
//!    separate files, the later update in the later file). The input's order
//!    does not matter otherwise: records listed by id, by date or at random
//!    fill the same number of files — one per 200 MB of one entity table;
//! 3. uploads each file with its own `clientRequestId`, retrying transport
//!    failures, 429 and 5xx with the same id (a 409 "already exists" after a
//!    retry means the earlier attempt arrived);
//! 4. polls `request-status` with backoff until `DONE` or `FAILED`, then maps
//!    each `errors[].line` back to the input record (position and
//!    `objectId`).
//!
//! Files are uploaded one after another, each once the previous is final, so
//! updates of the same object arrive in order. Memory stays flat in the
//! number of records: records stream through a buffered file, and the only
//! per-record state is a 64-bit hash of each `objectId` of the current file
//! (bounded by [`BulkOptions::max_records_per_file`]: at most about 9.5 MiB
//! at the default cap, grown in steps of 1.2 MiB).
//!
//! The calls one run makes are one schema fetch (with [`SchemaSource::Fetch`]),
//! then per file one upload and its status polls.

use std::collections::HashSet;
use std::fmt;
use std::hash::{BuildHasher, RandomState};
use std::io::{BufRead, BufWriter, Write};
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use crm_client_runtime::retry::{Decision, Outcome, RetryPolicy, TransportFailure, decide};
use futures::{Stream, StreamExt};
use sha2::{Digest, Sha256};

use crate::records::GongRecord;
use crate::types::{
    ClientRequestId, CrmObjectType, ErrorResponse, RequestStatus, RequestStatusKnown,
};
use crate::upload::{LdjsonFile, MAX_UPLOAD_BYTES, UploadError};
use crate::validate::{self, CheckNotes, EntitySchema, RecordProblem};
use crate::{ApiError, Client};

/// Where the entity schema used for checking comes from.
#[derive(Debug, Clone, Default)]
pub enum SchemaSource {
    /// `GET /v2/crm/entity-schema` for the object type, once per run.
    #[default]
    Fetch,
    /// This schema.
    Given(EntitySchema),
    /// Check only the built-in fields.
    BuiltInOnly,
}

/// How the bulk upload behaves.
#[derive(Debug, Clone)]
pub struct BulkOptions {
    /// The largest file uploaded, in bytes (default: Gong's limit minus room
    /// for the multipart framing).
    pub max_file_bytes: u64,
    /// The most records in one file. It bounds the memory used to spot
    /// repeated ids: about 19 bytes per record, 9.5 MiB at the default of
    /// 500,000 (which is 200 MB of 400-byte records).
    pub max_records_per_file: u64,
    /// The start of every `clientRequestId`. Default: unique per run.
    pub request_id_prefix: Option<String>,
    /// How each file's `clientRequestId` is formed after the prefix.
    pub request_ids: RequestIds,
    /// Where spool files are written (default: the system's temp directory).
    pub spool_dir: Option<PathBuf>,
    /// The schema to check records against.
    pub schema: SchemaSource,
    /// Wait for each file to be `DONE` or `FAILED` (needed for line errors).
    pub wait_for_completion: bool,
    /// The first wait between status polls; doubled up to `poll_max`.
    pub poll_initial: Duration,
    /// The longest wait between status polls.
    pub poll_max: Duration,
    /// The longest time to wait for one file's final status.
    pub poll_timeout: Duration,
    /// Retries of one file's upload (transport failures, 429, 5xx).
    pub upload_retry: RetryPolicy,
}

impl Default for BulkOptions {
    fn default() -> Self {
        BulkOptions {
            max_file_bytes: MAX_UPLOAD_BYTES - 64 * 1024,
            max_records_per_file: 500_000,
            request_id_prefix: None,
            request_ids: RequestIds::Sequential,
            spool_dir: None,
            schema: SchemaSource::Fetch,
            wait_for_completion: true,
            poll_initial: Duration::from_secs(1),
            poll_max: Duration::from_secs(30),
            poll_timeout: Duration::from_secs(2 * 3600),
            upload_retry: RetryPolicy::default()
                .with_max_attempts(6)
                .with_deadline(Some(Duration::from_secs(1800))),
        }
    }
}

/// How a file's `clientRequestId` is formed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RequestIds {
    /// `<prefix>-<TYPE>-<nnnnn>`: the file's number.
    #[default]
    Sequential,
    /// `<prefix>-<TYPE>-<sha256 of the file, 24 hex digits>`: the same file
    /// always gets the same id, so running a sync again (e.g. to resume an
    /// interrupted one) re-sends nothing Gong already has — it answers 409
    /// for those files and their status is polled — while a file whose
    /// content changed is a new request.
    ContentHash,
}

/// A record refused before upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// Its position in the input (0-based).
    pub input_index: u64,
    /// Its `objectId`.
    pub object_id: String,
    /// Why.
    pub problem: RecordProblem,
}

/// A line Gong reported as failed, mapped back to the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineFailure {
    /// The line in the file (1-based); 0 is a general processing error.
    pub line: i32,
    /// The record's position in the input, when the line is a record.
    pub input_index: Option<u64>,
    /// The record's `objectId`, read back from the file.
    pub object_id: Option<String>,
    /// Gong's description.
    pub description: String,
}

/// One uploaded file.
#[derive(Debug, Clone, PartialEq)]
pub struct FileReport {
    /// 0-based file number.
    pub index: usize,
    /// The `clientRequestId` it was uploaded with.
    pub client_request_id: String,
    /// Records in the file.
    pub records: u64,
    /// Bytes in the file.
    pub bytes: u64,
    /// Input position of its first record.
    pub first_input_index: u64,
    /// Gong already had this `clientRequestId` (409): an earlier attempt or
    /// run delivered it.
    pub already_submitted: bool,
    /// The final status (`None` when not waited for).
    pub status: Option<RequestStatus>,
    /// Gong's count of processed objects.
    pub success_count: Option<i32>,
    /// Gong's count of failed objects.
    pub error_count: Option<i32>,
    /// The failed lines (Gong lists at most 20 per file).
    pub failures: Vec<LineFailure>,
}

impl FileReport {
    /// Whether Gong finished the file without errors.
    pub fn is_done(&self) -> bool {
        matches!(
            self.status,
            Some(RequestStatus::Known(RequestStatusKnown::Done))
        )
    }
}

/// What a bulk upload did.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkReport {
    /// The entity table.
    pub object_type: CrmObjectType,
    /// Records read from the input.
    pub records_in: u64,
    /// Records written to files and uploaded.
    pub records_sent: u64,
    /// Records refused before upload.
    pub rejected: Vec<Rejected>,
    /// The uploaded files, in order.
    pub files: Vec<FileReport>,
    /// Unknown custom fields and normalised date-times.
    pub notes: CheckNotes,
}

impl BulkReport {
    fn new(object_type: CrmObjectType) -> Self {
        BulkReport {
            object_type,
            records_in: 0,
            records_sent: 0,
            rejected: Vec::new(),
            files: Vec::new(),
            notes: CheckNotes::default(),
        }
    }

    /// Every line Gong reported as failed, across files.
    pub fn failures(&self) -> impl Iterator<Item = &LineFailure> {
        self.files.iter().flat_map(|f| f.failures.iter())
    }

    /// Whether every record was sent and every file is `DONE`.
    pub fn is_complete_success(&self) -> bool {
        self.rejected.is_empty() && self.files.iter().all(FileReport::is_done)
    }
}

/// Why a bulk upload stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BulkError {
    /// A spool file could not be written or read.
    #[error("spool file {}: {source}", path.display())]
    Spool {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The entity schema could not be fetched.
    #[error("fetching the {object_type} entity schema: {source}")]
    Schema {
        /// The entity table.
        object_type: CrmObjectType,
        /// The error.
        #[source]
        source: Box<ApiError<ErrorResponse>>,
    },
    /// A file could not be uploaded (after retries).
    #[error("uploading file {file} ({client_request_id}): {source}")]
    Upload {
        /// The file number.
        file: usize,
        /// Its `clientRequestId`.
        client_request_id: String,
        /// The error.
        #[source]
        source: Box<UploadError>,
    },
    /// A file's status could not be read.
    #[error("reading the status of file {file} ({client_request_id}): {source}")]
    Status {
        /// The file number.
        file: usize,
        /// Its `clientRequestId`.
        client_request_id: String,
        /// The error.
        #[source]
        source: Box<ApiError<ErrorResponse>>,
    },
    /// A file did not reach a final status in time.
    #[error("file {file} ({client_request_id}) was not processed within {waited:?}")]
    PollTimeout {
        /// The file number.
        file: usize,
        /// Its `clientRequestId`.
        client_request_id: String,
        /// How long the pipeline waited.
        waited: Duration,
    },
}

/// A bulk upload that stopped early, with what it had done.
#[derive(Debug, thiserror::Error)]
#[error("{error} ({} file(s) uploaded before it)", report.files.len())]
pub struct BulkFailure {
    /// What was done before the error (files uploaded, records refused).
    pub report: Box<BulkReport>,
    /// The error.
    #[source]
    pub error: BulkError,
}

/// A configured bulk upload; see the [module docs](self).
#[derive(Debug)]
pub struct BulkUpload<'a> {
    client: &'a Client,
    integration_id: i64,
    options: BulkOptions,
}

impl Client {
    /// A bulk upload into integration `integration_id`.
    pub fn bulk_upload(&self, integration_id: i64) -> BulkUpload<'_> {
        BulkUpload {
            client: self,
            integration_id,
            options: BulkOptions::default(),
        }
    }
}

/// The keys of [`Spool::ids`] are already hashes (of the run's
/// [`RandomState`]): they are used as they are, not hashed again.
#[derive(Default, Clone, Copy)]
struct IdHashState;

impl BuildHasher for IdHashState {
    type Hasher = IdHasher;
    fn build_hasher(&self) -> IdHasher {
        IdHasher(0)
    }
}

/// See [`IdHashState`].
#[derive(Default)]
struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// The `objectId` hashes of one file, in segments of [`IdSet::SEGMENT`]
/// entries each sized once: memory grows in steps of about 1.2 MiB and never
/// holds a table and its doubled copy at once (a single growing table peaks
/// at 1.5 times its size while rehashing). A lookup probes every segment:
/// at most 8 at the default cap.
#[derive(Default)]
struct IdSet {
    segments: Vec<HashSet<u64, IdHashState>>,
}

impl IdSet {
    const SEGMENT: usize = 1 << 16;

    fn contains(&self, id: u64) -> bool {
        self.segments.iter().any(|s| s.contains(&id))
    }

    fn insert(&mut self, id: u64) {
        match self.segments.last_mut() {
            Some(last) if last.len() < Self::SEGMENT => {
                last.insert(id);
            }
            _ => {
                let mut segment = HashSet::with_capacity_and_hasher(Self::SEGMENT, IdHashState);
                segment.insert(id);
                self.segments.push(segment);
            }
        }
    }
}

/// The spool file being written.
struct Spool {
    hasher: Sha256,
    file: BufWriter<std::fs::File>,
    path: tempfile::TempPath,
    records: u64,
    bytes: u64,
    first_input_index: u64,
    /// Input positions refused while this file was open (to map lines back).
    skipped: Vec<u64>,
    ids: IdSet,
}

impl Spool {
    fn create(dir: &std::path::Path, first_input_index: u64) -> std::io::Result<Self> {
        let (file, path) = tempfile::Builder::new()
            .prefix("gong-bulk-")
            .suffix(".ldjson")
            .tempfile_in(dir)?
            .into_parts();
        Ok(Spool {
            hasher: Sha256::new(),
            file: BufWriter::with_capacity(256 * 1024, file),
            path,
            records: 0,
            bytes: 0,
            first_input_index,
            skipped: Vec::new(),
            ids: IdSet::default(),
        })
    }

    /// The input position of line `line` (1-based).
    fn input_index(&self, line: u64) -> u64 {
        let mut index = self.first_input_index + line.saturating_sub(1);
        for &skipped in &self.skipped {
            if skipped <= index {
                index += 1;
            } else {
                break;
            }
        }
        index
    }
}

impl<'a> BulkUpload<'a> {
    /// Replaces the options.
    pub fn options(mut self, options: BulkOptions) -> Self {
        self.options = options;
        self
    }

    /// Uploads every record of `records`; see the [module docs](self).
    ///
    /// # Errors
    /// [`BulkFailure`] (with the partial report) when a file cannot be
    /// spooled, uploaded or polled. Refused records and failed lines are not
    /// errors: they are in the report.
    pub async fn run_iter<R, I>(self, records: I) -> Result<BulkReport, BulkFailure>
    where
        R: GongRecord,
        I: IntoIterator<Item = R>,
    {
        self.run(futures::stream::iter(records)).await
    }

    /// Uploads every record of the stream `records`; see [`BulkUpload::run_iter`].
    ///
    /// # Errors
    /// As [`BulkUpload::run_iter`].
    pub async fn run<R, S>(self, records: S) -> Result<BulkReport, BulkFailure>
    where
        R: GongRecord,
        S: Stream<Item = R>,
    {
        let mut report = BulkReport::new(R::OBJECT_TYPE);
        match self.run_inner(records, &mut report).await {
            Ok(()) => Ok(report),
            Err(error) => Err(BulkFailure {
                report: Box::new(report),
                error,
            }),
        }
    }

    async fn run_inner<R, S>(&self, records: S, report: &mut BulkReport) -> Result<(), BulkError>
    where
        R: GongRecord,
        S: Stream<Item = R>,
    {
        let schema = self.schema(R::OBJECT_TYPE).await?;
        let dir = self
            .options
            .spool_dir
            .clone()
            .unwrap_or_else(std::env::temp_dir);
        let prefix = self
            .options
            .request_id_prefix
            .clone()
            .unwrap_or_else(default_prefix);
        let hasher = RandomState::new();
        let spool_error = |path: &std::path::Path| {
            let path = path.to_path_buf();
            move |source| BulkError::Spool { path, source }
        };

        let mut spool: Option<Spool> = None;
        let mut records = std::pin::pin!(records.enumerate());
        while let Some((index, record)) = records.next().await {
            let index = index as u64;
            report.records_in += 1;
            let line = validate::check(&record, &schema, &mut report.notes).and_then(|value| {
                let mut line = serde_json::to_vec(&value)
                    .map_err(|e| RecordProblem::Serialize(e.to_string()))?;
                line.push(b'\n');
                if line.len() as u64 > self.options.max_file_bytes {
                    return Err(RecordProblem::Invalid {
                        field: "(record)".to_owned(),
                        reason: format!(
                            "the record is {} bytes, over the {}-byte file limit",
                            line.len(),
                            self.options.max_file_bytes
                        ),
                    });
                }
                Ok(line)
            });
            let line = match line {
                Ok(line) => line,
                Err(problem) => {
                    report.rejected.push(Rejected {
                        input_index: index,
                        object_id: record.object_id().to_owned(),
                        problem,
                    });
                    if let Some(open) = spool.as_mut() {
                        open.skipped.push(index);
                    }
                    continue;
                }
            };
            let id_hash = hasher.hash_one(record.object_id());
            let roll = spool.as_ref().is_some_and(|s| {
                s.bytes + line.len() as u64 > self.options.max_file_bytes
                    || s.records >= self.options.max_records_per_file
                    || s.ids.contains(id_hash)
            });
            if roll && let Some(full) = spool.take() {
                self.submit(full, &prefix, report).await?;
            }
            let open = match spool.as_mut() {
                Some(open) => open,
                None => spool.insert(Spool::create(&dir, index).map_err(spool_error(&dir))?),
            };
            open.file
                .write_all(&line)
                .map_err(spool_error(&open.path))?;
            open.hasher.update(&line);
            open.records += 1;
            open.bytes += line.len() as u64;
            open.ids.insert(id_hash);
        }
        if let Some(last) = spool.take() {
            self.submit(last, &prefix, report).await?;
        }
        Ok(())
    }

    async fn schema(&self, object_type: CrmObjectType) -> Result<EntitySchema, BulkError> {
        match &self.options.schema {
            SchemaSource::Given(schema) => Ok(schema.clone()),
            SchemaSource::BuiltInOnly => Ok(EntitySchema::empty()),
            SchemaSource::Fetch => {
                // Business users and stages have no schema of their own.
                let Some(query_type) = crate::records::query_object_type(object_type) else {
                    return Ok(EntitySchema::empty());
                };
                let answer = self
                    .client
                    .list_crm_schema_fields()
                    .integration_id(self.integration_id)
                    .object_type(query_type)
                    .send()
                    .await
                    .map_err(|e| BulkError::Schema {
                        object_type,
                        source: Box::new(e),
                    })?;
                let fields = answer
                    .object_type_to_selected_fields
                    .get(&object_type.to_string())
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                Ok(EntitySchema::from_fields(fields))
            }
        }
    }

    /// Uploads one finished spool file and (optionally) waits for its status.
    async fn submit(
        &self,
        mut spool: Spool,
        prefix: &str,
        report: &mut BulkReport,
    ) -> Result<(), BulkError> {
        let path = spool.path.to_path_buf();
        spool.file.flush().map_err(|source| BulkError::Spool {
            path: path.clone(),
            source,
        })?;
        let index = report.files.len();
        let object_type = report.object_type;
        let client_request_id = match self.options.request_ids {
            RequestIds::Sequential => format!("{prefix}-{object_type}-{index:05}"),
            RequestIds::ContentHash => {
                let digest = std::mem::take(&mut spool.hasher).finalize();
                let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
                format!("{prefix}-{object_type}-{hex}")
            }
        };
        let (already_submitted, polled) = self
            .upload_and_poll(&path, object_type, &client_request_id, index)
            .await?;
        report.records_sent += spool.records;
        let mut file_report = FileReport {
            index,
            client_request_id: client_request_id.clone(),
            records: spool.records,
            bytes: spool.bytes,
            first_input_index: spool.first_input_index,
            already_submitted,
            status: None,
            success_count: None,
            error_count: None,
            failures: Vec::new(),
        };
        if let Some(status) = polled {
            file_report.status = status.status.clone();
            file_report.success_count = status.total_success_count;
            file_report.error_count = status.total_error_count;
            file_report.failures =
                map_failures(&spool, &path, &status.errors).map_err(|source| BulkError::Spool {
                    path: path.clone(),
                    source,
                })?;
        }
        tracing::debug!(
            file = index,
            records = spool.records,
            bytes = spool.bytes,
            status = ?file_report.status,
            "bulk file finished"
        );
        report.files.push(file_report);
        Ok(())
    }

    /// Uploads the file at `path` and (when waiting for completion) polls
    /// its status; returns whether Gong already had it (409) and the final
    /// status.
    ///
    /// A 409 whose request Gong then does not know (400 or 404 on
    /// request-status) is an earlier attempt of this same file still being
    /// received, or cut off before Gong had it all (an interrupted run's
    /// last file, resumed at once): the upload is tried again after a
    /// pause, a few times, before the error is returned.
    async fn upload_and_poll(
        &self,
        path: &std::path::Path,
        object_type: CrmObjectType,
        client_request_id: &str,
        index: usize,
    ) -> Result<(bool, Option<crate::types::RequestStatusResponse>), BulkError> {
        const UNKNOWN_AFTER_409_TRIES: u32 = 5;
        let clock = self.client.runtime().options().clock.clone();
        let mut tries = 0;
        loop {
            tries += 1;
            let already = self
                .upload_with_retries(path, object_type, client_request_id, index)
                .await?;
            if !self.options.wait_for_completion {
                return Ok((already, None));
            }
            match self.poll(client_request_id, index).await {
                Ok(status) => return Ok((already, Some(status))),
                Err(BulkError::Status { source, .. })
                    if already
                        && tries < UNKNOWN_AFTER_409_TRIES
                        && source
                            .status()
                            .is_some_and(|s| s.as_u16() == 400 || s.as_u16() == 404) =>
                {
                    let wait = self.options.poll_max.min(Duration::from_secs(2)) * tries;
                    tracing::info!(
                        file = index,
                        tries,
                        wait_ms = wait.as_millis() as u64,
                        "Gong knows the clientRequestId but not its request: an earlier attempt is unfinished; uploading again"
                    );
                    clock.sleep(wait).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Uploads the file at `path`; returns whether Gong already had it (409).
    async fn upload_with_retries(
        &self,
        path: &std::path::Path,
        object_type: CrmObjectType,
        client_request_id: &str,
        index: usize,
    ) -> Result<bool, BulkError> {
        let clock = self.client.runtime().options().clock.clone();
        let started = clock.now();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let file = LdjsonFile::open(path)
                .await
                .map_err(|e| BulkError::Upload {
                    file: index,
                    client_request_id: client_request_id.to_owned(),
                    source: Box::new(e),
                })?;
            let error = match self
                .client
                .upload_crm_data(self.integration_id, object_type, client_request_id, file)
                .await
            {
                Ok(_) => return Ok(false),
                Err(error) => error,
            };
            if error.status().map(|s| s.as_u16()) == Some(409) {
                tracing::info!(
                    file = index,
                    attempt,
                    "clientRequestId already known to Gong: polling its status"
                );
                return Ok(true);
            }
            let outcome = match &error {
                UploadError::Request { source, .. } => match source.as_ref() {
                    ApiError::Status {
                        status, headers, ..
                    } => Some(Outcome::Response {
                        status: *status,
                        retry_after: headers.get(reqwest::header::RETRY_AFTER),
                    }),
                    ApiError::Transport { source, .. } => {
                        Some(Outcome::Transport(TransportFailure::of(source)))
                    }
                    _ => None,
                },
                _ => None,
            };
            // The clientRequestId makes a repeated upload safe: idempotent.
            let decision = outcome.map(|outcome| {
                decide(
                    &self.options.upload_retry,
                    attempt,
                    clock.now() - started,
                    true,
                    outcome,
                    SystemTime::now(),
                    0.5,
                )
            });
            match decision {
                Some(Decision::Retry(wait)) => {
                    tracing::info!(
                        file = index,
                        attempt,
                        wait_ms = wait.as_millis() as u64,
                        "upload failed, retrying"
                    );
                    clock.sleep(wait).await;
                }
                _ => {
                    return Err(BulkError::Upload {
                        file: index,
                        client_request_id: client_request_id.to_owned(),
                        source: Box::new(error),
                    });
                }
            }
        }
    }

    /// Polls `request-status` until `DONE` or `FAILED`.
    async fn poll(
        &self,
        client_request_id: &str,
        index: usize,
    ) -> Result<crate::types::RequestStatusResponse, BulkError> {
        let clock = self.client.runtime().options().clock.clone();
        let started = clock.now();
        let mut delay = self.options.poll_initial;
        let id: ClientRequestId =
            client_request_id
                .parse()
                .map_err(
                    |e: crate::types::error::ConversionError| BulkError::Status {
                        file: index,
                        client_request_id: client_request_id.to_owned(),
                        source: Box::new(ApiError::InvalidRequest {
                            operation: "get_request_status",
                            message: e.to_string(),
                        }),
                    },
                )?;
        loop {
            let status = self
                .client
                .get_request_status()
                .integration_id(self.integration_id)
                .client_request_id(id.clone())
                .send()
                .await
                .map_err(|e| BulkError::Status {
                    file: index,
                    client_request_id: client_request_id.to_owned(),
                    source: Box::new(e),
                })?
                .into_inner();
            if matches!(
                status.status,
                Some(RequestStatus::Known(
                    RequestStatusKnown::Done | RequestStatusKnown::Failed
                ))
            ) {
                return Ok(status);
            }
            let waited = clock.now() - started;
            if waited + delay > self.options.poll_timeout {
                return Err(BulkError::PollTimeout {
                    file: index,
                    client_request_id: client_request_id.to_owned(),
                    waited,
                });
            }
            clock.sleep(delay).await;
            delay = (delay * 2).min(self.options.poll_max);
        }
    }
}

/// Maps Gong's line errors to input positions and `objectId`s, reading the
/// failed lines back from the spool file in one pass.
fn map_failures(
    spool: &Spool,
    path: &std::path::Path,
    errors: &[crate::types::LineErrorResponse],
) -> std::io::Result<Vec<LineFailure>> {
    if errors.is_empty() {
        return Ok(Vec::new());
    }
    let mut wanted: Vec<u64> = errors
        .iter()
        .filter_map(|e| e.line.and_then(|l| u64::try_from(l).ok()))
        .filter(|&l| l >= 1 && l <= spool.records)
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    let mut ids = std::collections::BTreeMap::new();
    if !wanted.is_empty() {
        let reader = std::io::BufReader::new(std::fs::File::open(path)?);
        let mut next = wanted.iter().copied().peekable();
        for (n, line) in reader.lines().enumerate() {
            let n = n as u64 + 1;
            let Some(&want) = next.peek() else { break };
            if n < want {
                continue;
            }
            let line = line?;
            let id = serde_json::from_str::<serde_json::Value>(&line)
                .ok()
                .and_then(|v| {
                    v.get("objectId")
                        .and_then(|i| i.as_str().map(str::to_owned))
                });
            ids.insert(n, id);
            next.next();
        }
    }
    Ok(errors
        .iter()
        .map(|e| {
            let line = e.line.unwrap_or(0);
            let known = u64::try_from(line)
                .ok()
                .filter(|&l| l >= 1 && l <= spool.records);
            LineFailure {
                line,
                input_index: known.map(|l| spool.input_index(l)),
                object_id: known.and_then(|l| ids.get(&l).cloned().flatten()),
                description: e.description.clone().unwrap_or_default(),
            }
        })
        .collect())
}

/// A `clientRequestId` prefix unique to this run.
fn default_prefix() -> String {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("bulk-{:x}-{:x}", nanos, std::process::id())
}

impl fmt::Display for LineFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.object_id, self.input_index) {
            (Some(id), Some(i)) => write!(
                f,
                "record {i} ({id}), line {}: {}",
                self.line, self.description
            ),
            _ => write!(f, "line {}: {}", self.line, self.description),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_set_finds_ids_across_segments() {
        let mut set = IdSet::default();
        let n = IdSet::SEGMENT as u64 + 5;
        for id in 0..n {
            assert!(!set.contains(id * 7919));
            set.insert(id * 7919);
        }
        assert_eq!(set.segments.len(), 2);
        assert!(set.contains(0) && set.contains((n - 1) * 7919));
        assert!(!set.contains(1));
    }

    #[test]
    fn lines_map_back_to_input_positions_past_refused_records() {
        let dir = tempfile::tempdir().unwrap();
        let mut spool = Spool::create(dir.path(), 10).unwrap();
        // input 10, 11 written; 12 refused; 13 written; 14, 15 refused; 16 written
        spool.skipped = vec![12, 14, 15];
        spool.records = 4;
        let mapped: Vec<u64> = (1..=4).map(|l| spool.input_index(l)).collect();
        assert_eq!(mapped, vec![10, 11, 13, 16]);
    }
}
