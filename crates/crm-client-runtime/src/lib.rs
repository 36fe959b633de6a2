//! The small runtime shared by the crm-bridge raw client crates
//! (`gong-crm-api`, `conecrm-api`, `zendesk-sell-api`).
//!
//! Each generated `Client` carries a [`Runtime`] as its inner value and routes
//! every request through [`Runtime::execute_operation`] (progenitor's
//! `ClientHooks::exec` hook), so the behaviour around a call is written once
//! here instead of three times:
//!
//! - authentication ([`Auth`]: Basic, Bearer, OAuth 2.0 with refresh behind
//!   the `oauth2` feature); secrets live in [`SecretString`] and never appear
//!   in `Debug` output, logs or error messages;
//! - retries ([`RetryPolicy`], [`retry::decide`]): 429 after `Retry-After`,
//!   5xx/timeouts/resets with jittered backoff for idempotent requests only,
//!   bounded by attempts and a deadline;
//! - an optional client-side rate limit ([`RateLimit`], governor) shared by
//!   every clone of a client;
//! - typed errors ([`ApiError`]) that keep the status, the parsed error body
//!   and the JSON path of a decode failure;
//! - bounded response bodies ([`body`]): a limit per operation, a typed
//!   error past it, never an unbounded read;
//! - lazy pagination streams ([`paginate`]) with loop guards;
//! - a [`Clock`] that tests replace with a virtual one.
//!
//! ```
//! use crm_client_runtime::{Auth, ClientConfig};
//!
//! let config = ClientConfig::new("https://api.example.com", Auth::bearer("t0ken"));
//! assert!(!format!("{config:?}").contains("t0ken"));
//! let parts = config.build()?;
//! assert_eq!(parts.base_url, "https://api.example.com");
//! # Ok::<(), crm_client_runtime::BuildError>(())
//! ```

pub mod auth;
pub mod body;
pub mod clock;
pub mod config;
pub mod error;
pub mod limit;
#[cfg(feature = "oauth2")]
pub mod oauth;
pub mod paginate;
pub mod retry;
mod runtime;

pub use auth::Auth;
pub use body::{BodyLimits, BodyTooLarge, NonJsonErrorBody};
pub use clock::Clock;
pub use config::{BuildError, ClientConfig, Parts};
pub use error::{ApiError, ErrorBody};
pub use limit::RateLimit;
pub use retry::RetryPolicy;
pub use runtime::{Runtime, RuntimeOptions, RuntimeStats};
pub use secrecy::{ExposeSecret, SecretString};
