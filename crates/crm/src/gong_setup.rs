//! `crm gong setup`: the Gong integration records are uploaded into.

use crm_core::System;
use crm_sync::SyncError;

use crate::config::{Config, Secrets, client_config};
use crate::error::CrmError;

/// What `crm gong setup` found or did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setup {
    /// The integration's id (for `integration_id` in `[gong]`).
    pub integration_id: i64,
    /// Whether this call registered it (false: it existed).
    pub registered: bool,
}

/// Finds the company's generic CRM integration, registering one named
/// `name` and owned by `owner_email` when there is none (Gong allows one).
///
/// # Errors
/// [`CrmError::Config`] for missing credentials, or when there is no
/// integration and no owner email to register one with; [`CrmError::Sync`]
/// when a Gong call fails.
pub async fn setup(
    config: &Config,
    secrets: &dyn Secrets,
    name: &str,
    owner_email: Option<&str>,
) -> Result<Setup, CrmError> {
    let client = gong_crm_api::Client::from_config(client_config(config, System::Gong, secrets)?)
        .map_err(|e| CrmError::Client {
        system: System::Gong,
        message: e.to_string(),
    })?;
    let listed = client
        .list_generic_crm_integration()
        .send_typed()
        .await
        .map_err(|e| SyncError::api(System::Gong, e))?;
    if let Some(id) = listed.integrations.iter().find_map(|i| i.integration_id) {
        return Ok(Setup {
            integration_id: id,
            registered: false,
        });
    }
    let owner_email = owner_email.ok_or_else(|| {
        CrmError::Config(
            "gong has no integration yet: give --owner-email (the person responsible for it) to register one".into(),
        )
    })?;
    let integration_id = register(&client, name, owner_email).await?;
    Ok(Setup {
        integration_id,
        registered: true,
    })
}

/// Registers a generic CRM integration named `name`, owned by
/// `owner_email`, and returns its id.
///
/// # Errors
/// [`SyncError`] when the call fails or the answer has no id.
pub async fn register(
    client: &gong_crm_api::Client,
    name: &str,
    owner_email: &str,
) -> Result<i64, SyncError> {
    let registered = client
        .register_generic_crm_integration()
        .body(gong_crm_api::types::GenericCrmRegistrationRequest {
            owner_email: owner_email.to_owned(),
            name: name.to_owned(),
        })
        .send_typed()
        .await
        .map_err(|e| SyncError::api(System::Gong, e))?;
    registered
        .integration_id
        .ok_or_else(|| SyncError::Protocol {
            system: System::Gong,
            operation: "register_generic_crm_integration",
            message: "the answer has no integrationId".into(),
        })
}
