//! Where a record can be opened in the system it came from: per source
//! system and entity kind, a URL template whose `{id}` is the record's id
//! there. Gong shows the `url` of every CRM record as its link back to the
//! CRM.
//!
//! ```
//! use crm_core::urls::RecordUrls;
//! use crm_core::{EntityKind, Meta, System};
//!
//! let urls = RecordUrls::default();
//! let deal = Meta::from_source(System::ZendeskSell, "42");
//! assert_eq!(
//!     urls.url(&deal, EntityKind::Deal).as_deref(),
//!     Some("https://app.futuresimple.com/sales/deals/42"),
//! );
//!
//! let mut own = RecordUrls::none();
//! own.set(System::Conecrm, EntityKind::Account, "https://crm.example.com/a/{id}")?;
//! assert_eq!(
//!     own.url(&Meta::from_source(System::Conecrm, "0190"), EntityKind::Account).as_deref(),
//!     Some("https://crm.example.com/a/0190"),
//! );
//! # Ok::<(), crm_core::urls::TemplateError>(())
//! ```

use std::collections::BTreeMap;

use crate::model::{EntityKind, Meta};
use crate::system::System;

/// The placeholder a template's record id goes in.
pub const ID: &str = "{id}";

/// URL templates by source system and entity kind.
///
/// [`RecordUrls::default`] holds working defaults: Zendesk Sell's web app
/// (`app.futuresimple.com`, where Sell's own links point) and ConeCRM's
/// (`app.conecrm.com`, beside its `api.conecrm.com`; a company on its own
/// host sets its templates in `crm.toml`'s `[urls]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordUrls {
    templates: BTreeMap<(System, EntityKind), String>,
}

/// A template that cannot make a URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("URL template {template:?}: {reason}")]
pub struct TemplateError {
    /// The template.
    pub template: String,
    /// Why.
    pub reason: &'static str,
}

impl Default for RecordUrls {
    fn default() -> Self {
        let mut urls = RecordUrls::none();
        let defaults = [
            (
                System::ZendeskSell,
                EntityKind::Account,
                "https://app.futuresimple.com/crm/contacts/{id}",
            ),
            (
                System::ZendeskSell,
                EntityKind::Contact,
                "https://app.futuresimple.com/crm/contacts/{id}",
            ),
            (
                System::ZendeskSell,
                EntityKind::Deal,
                "https://app.futuresimple.com/sales/deals/{id}",
            ),
            (
                System::ZendeskSell,
                EntityKind::Lead,
                "https://app.futuresimple.com/leads/{id}",
            ),
            (
                System::ZendeskSell,
                EntityKind::User,
                "https://app.futuresimple.com/settings/users/{id}",
            ),
            (
                System::Conecrm,
                EntityKind::Account,
                "https://app.conecrm.com/account/{id}",
            ),
            (
                System::Conecrm,
                EntityKind::Contact,
                "https://app.conecrm.com/contact/{id}",
            ),
            (
                System::Conecrm,
                EntityKind::Deal,
                "https://app.conecrm.com/lead/{id}",
            ),
            (
                System::Conecrm,
                EntityKind::Lead,
                "https://app.conecrm.com/lead/{id}",
            ),
            (
                System::Conecrm,
                EntityKind::User,
                "https://app.conecrm.com/user/{id}",
            ),
        ];
        for (system, kind, template) in defaults {
            urls.templates.insert((system, kind), template.to_owned());
        }
        urls
    }
}

impl RecordUrls {
    /// No templates: records get no URL unless they carry one.
    pub fn none() -> Self {
        RecordUrls {
            templates: BTreeMap::new(),
        }
    }

    /// Sets the template of `kind` records from `system`.
    ///
    /// # Errors
    /// [`TemplateError`] unless the template is an `http(s)://` URL holding
    /// [`ID`] once.
    pub fn set(
        &mut self,
        system: System,
        kind: EntityKind,
        template: impl Into<String>,
    ) -> Result<(), TemplateError> {
        let template = template.into();
        let reason = if !(template.starts_with("https://") || template.starts_with("http://")) {
            Some("a template starts with https:// or http://")
        } else if template.matches(ID).count() != 1 {
            Some("a template holds {id} exactly once")
        } else if template.chars().any(char::is_whitespace) {
            Some("a URL holds no spaces")
        } else {
            None
        };
        if let Some(reason) = reason {
            return Err(TemplateError { template, reason });
        }
        self.templates.insert((system, kind), template);
        Ok(())
    }

    /// Removes the template of `kind` records from `system`.
    pub fn unset(&mut self, system: System, kind: EntityKind) {
        self.templates.remove(&(system, kind));
    }

    /// The template of `kind` records from `system`.
    pub fn template(&self, system: System, kind: EntityKind) -> Option<&str> {
        self.templates.get(&(system, kind)).map(String::as_str)
    }

    /// The URL of a `kind` record in the system it was read from (the
    /// system of its raw payload; without one, the first of its systems
    /// with a template), with its id there percent-encoded into the
    /// template.
    pub fn url(&self, meta: &Meta, kind: EntityKind) -> Option<String> {
        let (template, id) = match &meta.raw {
            Some(raw) => {
                let system = raw.system();
                (self.template(system, kind)?, meta.ids.get(system)?)
            }
            None => meta.ids.iter().find_map(|id| {
                self.template(id.system, kind)
                    .map(|template| (template, id.id.as_str()))
            })?,
        };
        let encoded: String = url::form_urlencoded::byte_serialize(id.as_bytes()).collect();
        Some(template.replacen(ID, &encoded, 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_are_checked() {
        let mut urls = RecordUrls::none();
        for bad in [
            "ftp://x/{id}",
            "https://x/",
            "https://x/{id}/{id}",
            "https://x y/{id}",
        ] {
            assert!(
                urls.set(System::Conecrm, EntityKind::Lead, bad).is_err(),
                "{bad}"
            );
        }
        assert!(
            urls.set(System::Conecrm, EntityKind::Lead, "http://x/{id}")
                .is_ok()
        );
    }

    #[test]
    fn the_id_is_encoded_and_the_source_decides() {
        let urls = RecordUrls::default();
        let mut meta = Meta::from_source(System::ZendeskSell, "a b/c");
        meta.ids.set(System::Gong, "zs-1");
        assert_eq!(
            urls.url(&meta, EntityKind::Contact).as_deref(),
            Some("https://app.futuresimple.com/crm/contacts/a+b%2Fc")
        );
        assert_eq!(
            urls.url(&meta, EntityKind::Stage),
            None,
            "no template, no URL"
        );
        assert_eq!(RecordUrls::none().url(&meta, EntityKind::Contact), None);
    }
}
