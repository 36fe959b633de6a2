//! The multipart LDJSON uploads progenitor cannot generate (`x-handwritten`
//! in the spec): `POST /v2/crm/entities` and the older
//! `POST /v2/crm/object/entities` and `POST /v2/crm/map/users`.
//!
//! They run on the same `reqwest::Client`, base URL and runtime hook as the
//! generated operations, and answer the same way: a
//! [`ResponseValue`] of
//! [`AsyncProcessingResponse`], or the
//! server's typed [`ErrorResponse`].

use std::fmt;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use progenitor_client::{ClientHooks, OperationInfo};
use reqwest::multipart::{Form, Part};

use crate::types::{AsyncProcessingResponse, ClientRequestId, CrmObjectType, ErrorResponse};
use crate::{ApiError, Client, Error, ResponseValue};

/// Gong's limit on one upload's payload: "200 MB", read as 200 × 10⁶ bytes
/// (the stricter reading of the documentation).
pub const MAX_UPLOAD_BYTES: u64 = 200_000_000;

/// The multipart part name Gong expects.
pub const PART_NAME: &str = "dataFile";

/// The content type sent for the LDJSON part.
pub const PART_CONTENT_TYPE: &str = "application/x-ndjson";

/// An LDJSON file to upload: a body and its exact length in bytes.
///
/// The body is streamed: a file on disk is read as it is sent, never loaded
/// whole. Its length must be known up front, so that an upload over
/// [`MAX_UPLOAD_BYTES`] is refused before anything is sent.
pub struct LdjsonFile {
    body: reqwest::Body,
    len: u64,
    file_name: String,
}

impl fmt::Debug for LdjsonFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LdjsonFile")
            .field("len", &self.len)
            .field("file_name", &self.file_name)
            .finish_non_exhaustive()
    }
}

impl LdjsonFile {
    /// Opens a file on disk; it is streamed when the upload is sent.
    ///
    /// # Errors
    /// [`UploadError::Io`] if the file cannot be opened or its size read.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self, UploadError> {
        let path = path.as_ref();
        let io = |source| UploadError::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = tokio::fs::File::open(path).await.map_err(io)?;
        let len = file.metadata().await.map_err(io)?.len();
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "data.ldjson".to_owned());
        Ok(LdjsonFile {
            body: reqwest::Body::wrap_stream(tokio_util::io::ReaderStream::new(file)),
            len,
            file_name,
        })
    }

    /// An in-memory file.
    pub fn from_bytes(bytes: impl Into<Bytes>) -> Self {
        let bytes = bytes.into();
        LdjsonFile {
            len: bytes.len() as u64,
            body: reqwest::Body::from(bytes),
            file_name: "data.ldjson".to_owned(),
        }
    }

    /// A stream of chunks whose total length is `len` bytes. If the stream
    /// yields a different number of bytes the server rejects the request.
    pub fn from_stream<S>(stream: S, len: u64) -> Self
    where
        S: futures::TryStream + Send + 'static,
        S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
        Bytes: From<S::Ok>,
    {
        LdjsonFile {
            body: reqwest::Body::wrap_stream(stream),
            len,
            file_name: "data.ldjson".to_owned(),
        }
    }

    /// Sets the file name sent in the part's `Content-Disposition`.
    pub fn with_file_name(mut self, name: impl Into<String>) -> Self {
        self.file_name = name.into();
        self
    }

    /// The length in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the file is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The file name sent with the part.
    pub fn file_name(&self) -> &str {
        &self.file_name
    }
}

/// Why an upload failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UploadError {
    /// The file is larger than Gong accepts; nothing was sent.
    #[error("the upload is {size} bytes, over Gong's limit of {limit} bytes; nothing was sent")]
    TooLarge {
        /// The file's size.
        size: u64,
        /// The limit ([`MAX_UPLOAD_BYTES`]).
        limit: u64,
    },
    /// The `clientRequestId` breaks the spec's rule (letters, digits, `-`, `_`); nothing was sent.
    #[error("invalid clientRequestId {value:?}: {reason}; nothing was sent")]
    InvalidClientRequestId {
        /// The value given.
        value: String,
        /// Why it was refused.
        reason: String,
    },
    /// The file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The request failed or the server answered with an error, exactly as a
    /// generated operation's `send()` reports it: an [`ApiError`] (e.g.
    /// `ApiError::Status` with the server's `requestId` and messages).
    #[error("{source}")]
    Request {
        /// The operation's id.
        operation: &'static str,
        /// The error.
        #[source]
        source: Box<ApiError<ErrorResponse>>,
    },
}

impl UploadError {
    /// The server's error body, when it answered with a documented error.
    pub fn error_response(&self) -> Option<&ErrorResponse> {
        match self {
            UploadError::Request { source, .. } => source.body(),
            _ => None,
        }
    }

    /// The HTTP status, when the server answered (also for an error answer
    /// whose body is not JSON, see [`crm_client_runtime::NonJsonErrorBody`]).
    pub fn status(&self) -> Option<reqwest::StatusCode> {
        match self {
            // A non-JSON error answer is already an `ApiError::Status`.
            UploadError::Request { source, .. } => source.status(),
            _ => None,
        }
    }
}

impl Client {
    /// Uploads an LDJSON file of one object type (`POST /v2/crm/entities`).
    ///
    /// Every line is one record of `object_type` (see the `Crm*Record`
    /// types), each `objectId` at most once (a later update of a record goes
    /// in a later file; [`Client::bulk_upload`] splits that way). Processing is
    /// asynchronous: poll [`Client::get_request_status`] with the same
    /// `client_request_id` until `DONE` or `FAILED`.
    ///
    /// # Errors
    /// [`UploadError::TooLarge`] or [`UploadError::InvalidClientRequestId`]
    /// before anything is sent; [`UploadError::Request`] for transport
    /// failures and error answers (with Gong's `requestId` and messages).
    pub async fn upload_crm_data(
        &self,
        integration_id: i64,
        object_type: CrmObjectType,
        client_request_id: &str,
        file: LdjsonFile,
    ) -> Result<ResponseValue<AsyncProcessingResponse>, UploadError> {
        let object_type = object_type.to_string();
        self.send_multipart(
            "upload_crm_data",
            "/v2/crm/entities",
            integration_id,
            Some(&object_type),
            client_request_id,
            file,
        )
        .await
    }

    /// Uploads an LDJSON file on the older path (`POST /v2/crm/object/entities`).
    ///
    /// # Errors
    /// As [`Client::upload_crm_data`].
    #[deprecated(note = "Gong replaced this path by POST /v2/crm/entities: use `upload_crm_data`")]
    pub async fn legacy_upload_crm_data(
        &self,
        integration_id: i64,
        object_type: CrmObjectType,
        client_request_id: &str,
        file: LdjsonFile,
    ) -> Result<ResponseValue<AsyncProcessingResponse>, UploadError> {
        let object_type = object_type.to_string();
        self.send_multipart(
            "legacy_upload_crm_data",
            "/v2/crm/object/entities",
            integration_id,
            Some(&object_type),
            client_request_id,
            file,
        )
        .await
    }

    /// Uploads the older user-mapping file (`POST /v2/crm/map/users`): lines
    /// of [`LegacyUserMappingRecord`](crate::types::LegacyUserMappingRecord).
    ///
    /// # Errors
    /// As [`Client::upload_crm_data`].
    #[deprecated(note = "Gong replaced this path by BUSINESS_USER uploads: use `upload_crm_data`")]
    pub async fn legacy_map_crm_users(
        &self,
        integration_id: i64,
        client_request_id: &str,
        file: LdjsonFile,
    ) -> Result<ResponseValue<AsyncProcessingResponse>, UploadError> {
        self.send_multipart(
            "legacy_map_crm_users",
            "/v2/crm/map/users",
            integration_id,
            None,
            client_request_id,
            file,
        )
        .await
    }

    async fn send_multipart(
        &self,
        operation: &'static str,
        path: &str,
        integration_id: i64,
        object_type: Option<&str>,
        client_request_id: &str,
        file: LdjsonFile,
    ) -> Result<ResponseValue<AsyncProcessingResponse>, UploadError> {
        if file.len > MAX_UPLOAD_BYTES {
            return Err(UploadError::TooLarge {
                size: file.len,
                limit: MAX_UPLOAD_BYTES,
            });
        }
        ClientRequestId::try_from(client_request_id).map_err(|e| {
            UploadError::InvalidClientRequestId {
                value: client_request_id.to_owned(),
                reason: e.to_string(),
            }
        })?;
        let sent = async {
            let part = Part::stream_with_length(file.body, file.len)
                .file_name(file.file_name)
                .mime_str(PART_CONTENT_TYPE)
                .map_err(|e| Error::InvalidRequest(e.to_string()))?;
            let form = Form::new().part(PART_NAME, part);

            let mut query = vec![("integrationId", integration_id.to_string())];
            if let Some(object_type) = object_type {
                query.push(("objectType", object_type.to_owned()));
            }
            query.push(("clientRequestId", client_request_id.to_owned()));

            let request = self
                .client
                .post(format!("{}{path}", self.baseurl))
                .header(reqwest::header::ACCEPT, "application/json")
                .query(&query)
                .multipart(form)
                .build()
                .map_err(|e| Error::InvalidRequest(e.to_string()))?;

            let info = OperationInfo {
                operation_id: operation,
            };
            let response = self
                .exec(request, &info)
                .await
                .map_err(Error::CommunicationError)?;
            match response.status().as_u16() {
                200..=299 => ResponseValue::from_response(response).await,
                400..=599 => {
                    let body = ResponseValue::<ErrorResponse>::from_response(response).await?;
                    Err(Error::ErrorResponse(body))
                }
                _ => Err(Error::UnexpectedResponse(response)),
            }
        }
        .await;
        crm_client_runtime::error::response(operation, sent)
            .await
            .map_err(|source| UploadError::Request {
                operation,
                source: Box::new(source),
            })
    }
}
