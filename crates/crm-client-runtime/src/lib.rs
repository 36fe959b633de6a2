//! The small runtime shared by the crm-bridge raw client crates
//! (`gong-crm-api`, `conecrm-api`, `zendesk-sell-api`).
//!
//! Each generated `Client` carries a [`Runtime`] as its inner value and routes
//! every request through [`Runtime::execute`] (progenitor's `ClientHooks::exec`
//! hook), so authentication and the behaviour around a call are written once
//! here instead of three times. Secrets live in [`SecretString`]: they never
//! appear in `Debug` output, logs or error messages.
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
pub mod config;
mod runtime;

pub use auth::Auth;
pub use config::{BuildError, ClientConfig, Parts};
pub use runtime::Runtime;
pub use secrecy::{ExposeSecret, SecretString};
