//! The clients a sync uses.

use std::collections::BTreeMap;

use crm_client_runtime::ClientConfig;
use crm_core::System;
use crm_sync::Connectors;
use crm_sync::connectors::{ConeConnector, GongConnector, SellConnector};
use gong_crm_api::bulk::BulkOptions;

use crate::config::{Config, Secrets, client_config};
use crate::error::CrmError;

/// Gong as a target: the client and the integration to upload into.
#[derive(Debug, Clone)]
pub struct GongTarget {
    /// The client.
    pub client: gong_crm_api::Client,
    /// The generic CRM integration.
    pub integration_id: i64,
}

/// The clients of the systems configured.
#[derive(Debug, Clone, Default)]
pub struct Clients {
    /// Gong.
    pub gong: Option<GongTarget>,
    /// ConeCRM.
    pub conecrm: Option<conecrm_api::Client>,
    /// Zendesk Sell.
    pub sell: Option<zendesk_sell_api::Client>,
    /// Users' emails by system and user id (`[users.<system>]`), for
    /// sources that list none.
    pub user_emails: BTreeMap<System, BTreeMap<String, String>>,
}

fn build_error(system: System, e: impl std::fmt::Display) -> CrmError {
    CrmError::Client {
        system,
        message: e.to_string(),
    }
}

impl Clients {
    /// Clients for `systems`, configured from `config` and `secrets`.
    ///
    /// # Errors
    /// [`CrmError::Config`] for a missing section or secret,
    /// [`CrmError::Client`] if a client cannot be built.
    pub fn from_config(
        config: &Config,
        secrets: &dyn Secrets,
        systems: &[System],
    ) -> Result<Clients, CrmError> {
        let mut clients = Clients {
            user_emails: config.user_emails()?,
            ..Clients::default()
        };
        for &system in systems {
            let c = client_config(config, system, secrets)?;
            clients.add(system, c, config)?;
        }
        Ok(clients)
    }

    fn add(&mut self, system: System, c: ClientConfig, config: &Config) -> Result<(), CrmError> {
        match system {
            System::Gong => {
                let gong = config.gong.as_ref().ok_or_else(|| {
                    CrmError::Config(
                        "gong: the [gong] section with integration_id is missing".into(),
                    )
                })?;
                let integration_id = gong.integration_id.ok_or_else(|| {
                    CrmError::Config(
                        "gong: integration_id is missing from [gong]: `crm gong setup` registers an integration and prints its id".into(),
                    )
                })?;
                self.gong = Some(GongTarget {
                    client: gong_crm_api::Client::from_config(c)
                        .map_err(|e| build_error(system, e))?,
                    integration_id,
                });
            }
            System::Conecrm => {
                self.conecrm =
                    Some(conecrm_api::Client::from_config(c).map_err(|e| build_error(system, e))?);
            }
            System::ZendeskSell => {
                self.sell = Some(
                    zendesk_sell_api::Client::from_config(c).map_err(|e| build_error(system, e))?,
                );
            }
        }
        Ok(())
    }

    /// The connectors of the configured systems: the registry, one line per
    /// system. `page_size` is the records per page when reading, `bulk` the
    /// Gong upload's settings.
    pub fn connectors(&self, page_size: u32, bulk: &BulkOptions) -> Connectors {
        let mut connectors = Connectors::new();
        if let Some(g) = &self.gong {
            connectors.add(Box::new(
                GongConnector::new(g.client.clone(), g.integration_id).with_bulk(bulk.clone()),
            ));
        }
        if let Some(c) = &self.conecrm {
            connectors.add(Box::new(
                ConeConnector::new(c.clone())
                    .with_page_size(page_size)
                    .with_user_emails(self.emails_of(System::Conecrm)),
            ));
        }
        if let Some(s) = &self.sell {
            connectors.add(Box::new(
                SellConnector::new(s.clone())
                    .with_page_size(page_size)
                    .with_user_emails(self.emails_of(System::ZendeskSell)),
            ));
        }
        connectors
    }

    fn emails_of(&self, system: System) -> BTreeMap<String, String> {
        self.user_emails.get(&system).cloned().unwrap_or_default()
    }

    /// The Gong target.
    ///
    /// # Errors
    /// [`CrmError::Config`] when Gong is not configured.
    pub fn gong(&self) -> Result<&GongTarget, CrmError> {
        self.gong
            .as_ref()
            .ok_or_else(|| CrmError::Config("gong is not configured".into()))
    }

    /// The ConeCRM client.
    ///
    /// # Errors
    /// [`CrmError::Config`] when ConeCRM is not configured.
    pub fn conecrm(&self) -> Result<&conecrm_api::Client, CrmError> {
        self.conecrm
            .as_ref()
            .ok_or_else(|| CrmError::Config("conecrm is not configured".into()))
    }

    /// The Sell client.
    ///
    /// # Errors
    /// [`CrmError::Config`] when Sell is not configured.
    pub fn sell(&self) -> Result<&zendesk_sell_api::Client, CrmError> {
        self.sell
            .as_ref()
            .ok_or_else(|| CrmError::Config("zendesk-sell is not configured".into()))
    }
}
