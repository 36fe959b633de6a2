//! The per-client state every request goes through.

use std::fmt;
use std::sync::Arc;

use reqwest::header::{AUTHORIZATION, HeaderValue};

use crate::auth::{Auth, InvalidCredentials};

/// The header progenitor adds to every generated request.
const PROGENITOR_API_VERSION: &str = "api-version";

/// The state a generated client carries as its inner value; clones share it.
///
/// Raw crates implement progenitor's `ClientHooks::exec` by calling
/// [`Runtime::execute`], so every generated and hand-written operation gets
/// the same treatment.
#[derive(Clone)]
pub struct Runtime {
    inner: Arc<Inner>,
}

struct Inner {
    auth: Auth,
    authorization: Option<HeaderValue>,
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("auth", &self.inner.auth)
            .finish_non_exhaustive()
    }
}

impl Runtime {
    /// A runtime that authenticates with `auth`.
    pub fn new(auth: Auth) -> Result<Self, InvalidCredentials> {
        let authorization = auth.header_value()?;
        Ok(Runtime {
            inner: Arc::new(Inner {
                auth,
                authorization,
            }),
        })
    }

    /// The credentials in use.
    pub fn auth(&self) -> &Auth {
        &self.inner.auth
    }

    /// Sends `request` with `client`, adding the `Authorization` header.
    ///
    /// progenitor adds an `api-version` header (a Dropshot convention) to
    /// every generated request; none of the CRM APIs defines it, so it is
    /// removed and the request on the wire is exactly what the spec documents.
    pub async fn execute(
        &self,
        client: &reqwest::Client,
        mut request: reqwest::Request,
    ) -> reqwest::Result<reqwest::Response> {
        request.headers_mut().remove(PROGENITOR_API_VERSION);
        if let Some(value) = &self.inner.authorization {
            request.headers_mut().insert(AUTHORIZATION, value.clone());
        }
        client.execute(request).await
    }
}
