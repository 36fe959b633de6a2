//! Credentials, held so they never print.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};

/// How requests are authenticated.
///
/// `Debug` never shows a credential:
///
/// ```
/// use crm_client_runtime::Auth;
/// let auth = Auth::basic("my-access-key", "my-secret");
/// let shown = format!("{auth:?}");
/// assert!(!shown.contains("my-access-key") && !shown.contains("my-secret"));
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub enum Auth {
    /// No `Authorization` header (e.g. for a local mock server).
    None,
    /// HTTP Basic: `base64(username:password)`, e.g. Gong's access key and secret.
    Basic {
        /// The user name (Gong: the access key). Treated as a secret too.
        username: SecretString,
        /// The password (Gong: the access key secret).
        password: SecretString,
    },
    /// `Authorization: Bearer <token>` (OAuth access token, JWT).
    Bearer(SecretString),
    /// OAuth 2.0 bearer tokens renewed with a refresh token (feature `oauth2`).
    #[cfg(feature = "oauth2")]
    OAuth2(crate::oauth::OAuth2Credentials),
}

impl Auth {
    /// HTTP Basic credentials.
    pub fn basic(username: impl Into<String>, password: impl Into<String>) -> Self {
        Auth::Basic {
            username: SecretString::from(username.into()),
            password: SecretString::from(password.into()),
        }
    }

    /// A bearer token.
    pub fn bearer(token: impl Into<String>) -> Self {
        Auth::Bearer(SecretString::from(token.into()))
    }

    /// OAuth 2.0 credentials renewed with a refresh token (feature `oauth2`).
    #[cfg(feature = "oauth2")]
    pub fn oauth2(credentials: crate::oauth::OAuth2Credentials) -> Self {
        Auth::OAuth2(credentials)
    }

    /// The fixed `Authorization` header value, marked sensitive (so `reqwest`
    /// and `http` never print it). `Ok(None)` for [`Auth::None`] and for
    /// refreshed OAuth tokens (the runtime asks the token source per request).
    pub fn header_value(&self) -> Result<Option<HeaderValue>, InvalidCredentials> {
        let text = match self {
            Auth::None => return Ok(None),
            #[cfg(feature = "oauth2")]
            Auth::OAuth2(_) => return Ok(None),
            Auth::Basic { username, password } => {
                let user = username.expose_secret();
                if user.contains(':') {
                    return Err(InvalidCredentials("the Basic user name contains `:`"));
                }
                let raw = format!("{user}:{}", password.expose_secret());
                format!("Basic {}", STANDARD.encode(raw))
            }
            Auth::Bearer(token) => format!("Bearer {}", token.expose_secret()),
        };
        let mut value = HeaderValue::from_str(&text).map_err(|_| {
            InvalidCredentials("the credential contains characters not allowed in a header")
        })?;
        value.set_sensitive(true);
        Ok(Some(value))
    }

    /// The scheme's name, for messages: `none`, `basic` or `bearer`.
    pub fn scheme(&self) -> &'static str {
        match self {
            Auth::None => "none",
            Auth::Basic { .. } => "basic",
            Auth::Bearer(_) => "bearer",
            #[cfg(feature = "oauth2")]
            Auth::OAuth2(_) => "oauth2",
        }
    }
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::None => f.write_str("Auth::None"),
            Auth::Basic { .. } => f.write_str("Auth::Basic([REDACTED])"),
            Auth::Bearer(_) => f.write_str("Auth::Bearer([REDACTED])"),
            #[cfg(feature = "oauth2")]
            Auth::OAuth2(_) => f.write_str("Auth::OAuth2([REDACTED])"),
        }
    }
}

/// A credential that cannot be sent as an HTTP header. The message never
/// contains the credential.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid credentials: {0}")]
pub struct InvalidCredentials(pub &'static str);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_header_is_base64_of_key_colon_secret_and_sensitive() {
        let value = Auth::basic("key", "secret")
            .header_value()
            .unwrap()
            .unwrap();
        assert_eq!(value.to_str().unwrap(), "Basic a2V5OnNlY3JldA==");
        assert!(value.is_sensitive());
        assert_eq!(format!("{value:?}"), "Sensitive");
    }

    #[test]
    fn bearer_header() {
        let value = Auth::bearer("abc.def").header_value().unwrap().unwrap();
        assert_eq!(value.to_str().unwrap(), "Bearer abc.def");
        assert!(value.is_sensitive());
    }

    #[test]
    fn bad_credentials_are_typed_errors_without_the_secret() {
        let err = Auth::bearer("line\nbreak-secret")
            .header_value()
            .unwrap_err();
        assert!(!err.to_string().contains("break-secret"));
        let err = Auth::basic("a:b", "pw").header_value().unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid credentials: the Basic user name contains `:`"
        );
    }

    #[test]
    fn debug_redacts() {
        for auth in [Auth::basic("k3y", "s3cret"), Auth::bearer("t0k3n")] {
            let shown = format!("{auth:?}");
            for secret in ["k3y", "s3cret", "t0k3n"] {
                assert!(!shown.contains(secret), "{shown}");
            }
        }
    }
}
