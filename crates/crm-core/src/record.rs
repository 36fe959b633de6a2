//! What every core record has: a kind and a [`Meta`] (ids, custom fields,
//! extras, deletion flag, timestamps). Code that handles records of any
//! kind (the sync engine, exports, tests) goes through [`Record`].

use std::fmt;
use std::str::FromStr;

use crate::model::{
    Account, Contact, Deal, Entity, EntityKind, Lead, Meta, Note, Pipeline, Stage, Task, User,
};

/// A core record: its kind and its [`Meta`].
///
/// ```
/// use crm_core::{Account, EntityKind, Record, System};
///
/// let mut account = Account::default();
/// account.meta_mut().ids.set(System::ZendeskSell, "42");
/// assert_eq!(Account::KIND, EntityKind::Account);
/// assert_eq!(account.meta().ids.get(System::ZendeskSell), Some("42"));
/// ```
pub trait Record {
    /// The kind of every value of this type.
    const KIND: EntityKind;
    /// The record's meta.
    fn meta(&self) -> &Meta;
    /// The record's meta, mutably.
    fn meta_mut(&mut self) -> &mut Meta;
    /// The record as an [`Entity`].
    fn into_entity(self) -> Entity;
}

macro_rules! record {
    ($($ty:ident),* $(,)?) => {$(
        impl Record for $ty {
            const KIND: EntityKind = EntityKind::$ty;
            fn meta(&self) -> &Meta {
                &self.meta
            }
            fn meta_mut(&mut self) -> &mut Meta {
                &mut self.meta
            }
            fn into_entity(self) -> Entity {
                Entity::$ty(self)
            }
        }
    )*};
}

record!(
    Account, Contact, Deal, Lead, User, Pipeline, Stage, Note, Task
);

impl Entity {
    /// The meta, mutably.
    pub fn meta_mut(&mut self) -> &mut Meta {
        match self {
            Entity::Account(e) => &mut e.meta,
            Entity::Contact(e) => &mut e.meta,
            Entity::Deal(e) => &mut e.meta,
            Entity::Lead(e) => &mut e.meta,
            Entity::User(e) => &mut e.meta,
            Entity::Pipeline(e) => &mut e.meta,
            Entity::Stage(e) => &mut e.meta,
            Entity::Note(e) => &mut e.meta,
            Entity::Task(e) => &mut e.meta,
        }
    }

    /// A record of `kind` that only says "the record with these ids was
    /// deleted at `at`": its meta has the ids, `deleted` and the time, every
    /// other field is empty. `None` for [`EntityKind::Other`].
    pub fn tombstone(kind: EntityKind, meta: Meta) -> Option<Entity> {
        let meta = Meta {
            deleted: true,
            ..meta
        };
        Some(match kind {
            EntityKind::Account => Entity::Account(Account {
                meta,
                ..Account::default()
            }),
            EntityKind::Contact => Entity::Contact(Contact {
                meta,
                ..Contact::default()
            }),
            EntityKind::Deal => Entity::Deal(Deal {
                meta,
                ..Deal::default()
            }),
            EntityKind::Lead => Entity::Lead(Lead {
                meta,
                ..Lead::default()
            }),
            EntityKind::User => Entity::User(User {
                meta,
                ..User::default()
            }),
            EntityKind::Pipeline => Entity::Pipeline(Pipeline {
                meta,
                ..Pipeline::default()
            }),
            EntityKind::Stage => Entity::Stage(Stage {
                meta,
                ..Stage::default()
            }),
            EntityKind::Note => Entity::Note(Note {
                meta,
                ..Note::default()
            }),
            EntityKind::Task => Entity::Task(Task {
                meta,
                ..Task::default()
            }),
            EntityKind::Other => return None,
        })
    }
}

impl EntityKind {
    /// Every named kind, in the order a sync moves them (what others refer
    /// to first: users own records, stages place deals, accounts hold
    /// contacts and deals).
    pub const ALL: [EntityKind; 9] = [
        EntityKind::User,
        EntityKind::Pipeline,
        EntityKind::Stage,
        EntityKind::Account,
        EntityKind::Contact,
        EntityKind::Deal,
        EntityKind::Lead,
        EntityKind::Note,
        EntityKind::Task,
    ];

    /// The singular name: `account`, `contact`, … (`other`).
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Account => "account",
            EntityKind::Contact => "contact",
            EntityKind::Deal => "deal",
            EntityKind::Lead => "lead",
            EntityKind::User => "user",
            EntityKind::Pipeline => "pipeline",
            EntityKind::Stage => "stage",
            EntityKind::Note => "note",
            EntityKind::Task => "task",
            EntityKind::Other => "other",
        }
    }

    /// The plural name used in reports and on the command line: `accounts`, ….
    pub fn plural(self) -> &'static str {
        match self {
            EntityKind::Account => "accounts",
            EntityKind::Contact => "contacts",
            EntityKind::Deal => "deals",
            EntityKind::Lead => "leads",
            EntityKind::User => "users",
            EntityKind::Pipeline => "pipelines",
            EntityKind::Stage => "stages",
            EntityKind::Note => "notes",
            EntityKind::Task => "tasks",
            EntityKind::Other => "others",
        }
    }
}

impl fmt::Display for EntityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.plural())
    }
}

/// A name that is not an entity kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown entity {0:?}: expected one of users, pipelines, stages, accounts, contacts, deals, leads, notes, tasks"
)]
pub struct UnknownEntityKind(pub String);

impl FromStr for EntityKind {
    type Err = UnknownEntityKind;

    /// Reads the singular or plural name, in any case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        EntityKind::ALL
            .into_iter()
            .find(|k| k.as_str() == lower || k.plural() == lower)
            .ok_or_else(|| UnknownEntityKind(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_read_their_singular_and_plural_names() {
        for kind in EntityKind::ALL {
            assert_eq!(kind.as_str().parse::<EntityKind>(), Ok(kind));
            assert_eq!(kind.plural().to_uppercase().parse::<EntityKind>(), Ok(kind));
        }
        assert!("widgets".parse::<EntityKind>().is_err());
    }

    #[test]
    fn a_tombstone_carries_the_ids_and_the_flag_only() {
        let mut meta = Meta::default();
        meta.ids.set(crate::System::ZendeskSell, "7");
        let Some(Entity::Deal(deal)) = Entity::tombstone(EntityKind::Deal, meta) else {
            panic!("a deal tombstone");
        };
        assert!(deal.meta.deleted);
        assert_eq!(deal.meta.ids.get(crate::System::ZendeskSell), Some("7"));
        assert_eq!(deal.name, None);
    }
}
