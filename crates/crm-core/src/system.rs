//! The systems and a record's identities in each of them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A CRM system crm-bridge talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum System {
    /// Gong's generic CRM integration.
    Gong,
    /// ConeCRM.
    Conecrm,
    /// Zendesk Sell.
    ZendeskSell,
}

impl System {
    /// Every system.
    pub const ALL: [System; 3] = [System::Gong, System::Conecrm, System::ZendeskSell];

    /// The name used in paths and configuration: `gong`, `conecrm`, `zendesk-sell`.
    pub fn as_str(self) -> &'static str {
        match self {
            System::Gong => "gong",
            System::Conecrm => "conecrm",
            System::ZendeskSell => "zendesk-sell",
        }
    }
}

impl fmt::Display for System {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not a system.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown system {0:?}: expected gong, conecrm or zendesk-sell")]
pub struct UnknownSystem(pub String);

impl FromStr for System {
    type Err = UnknownSystem;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "gong" => Ok(System::Gong),
            "conecrm" | "cone" => Ok(System::Conecrm),
            "zendesk-sell" | "zendesk_sell" | "sell" => Ok(System::ZendeskSell),
            _ => Err(UnknownSystem(s.to_owned())),
        }
    }
}

/// A record's id in one system. Ids are kept as that system writes them
/// (Sell's numbers as decimal text, ConeCRM's UUIDs, Gong's `objectId`s); one
/// system's id is never used as another's.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ExternalId {
    /// The system.
    pub system: System,
    /// The id in that system.
    pub id: String,
}

impl ExternalId {
    /// An id in `system`.
    pub fn new(system: System, id: impl Into<String>) -> Self {
        ExternalId {
            system,
            id: id.into(),
        }
    }
}

impl fmt::Display for ExternalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.system, self.id)
    }
}

/// A record's ids, at most one per system.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Identities(Vec<ExternalId>);

impl Identities {
    /// No ids.
    pub fn new() -> Self {
        Identities(Vec::new())
    }

    /// One id.
    pub fn one(system: System, id: impl Into<String>) -> Self {
        Identities(vec![ExternalId::new(system, id)])
    }

    /// The id in `system`.
    pub fn get(&self, system: System) -> Option<&str> {
        self.0
            .iter()
            .find(|e| e.system == system)
            .map(|e| e.id.as_str())
    }

    /// Sets the id in `system` (replacing one there was).
    pub fn set(&mut self, system: System, id: impl Into<String>) {
        let id = id.into();
        match self.0.iter_mut().find(|e| e.system == system) {
            Some(existing) => existing.id = id,
            None => {
                self.0.push(ExternalId::new(system, id));
                self.0.sort();
            }
        }
    }

    /// Returns these ids with the id in `system` set.
    pub fn with(mut self, system: System, id: impl Into<String>) -> Self {
        self.set(system, id);
        self
    }

    /// Every id.
    pub fn iter(&self) -> impl Iterator<Item = &ExternalId> {
        self.0.iter()
    }

    /// Whether there is no id.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Merges `other`'s ids into these (ids already here win).
    pub fn merge(&mut self, other: &Identities) {
        for id in &other.0 {
            if self.get(id.system).is_none() {
                self.set(id.system, id.id.clone());
            }
        }
    }
}
