//! `crm export`: a system's records in the common model, streamed to a file
//! or stdout as LDJSON (one entity per line) or a JSON array.

use std::io::Write;

use crm_core::zendesk_sell::Party;
use crm_core::{Entity as CoreEntity, System, ToCore};
use futures::{Stream, StreamExt, TryStreamExt};
use zendesk_sell_api::PagedList;

use crate::clients::Clients;
use crate::error::{CrmError, cone_err, sell_err};
use crate::sync::Entity;

/// The output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One JSON entity per line.
    Ldjson,
    /// One JSON array.
    Json,
}

/// The entities `system` can export.
///
/// # Errors
/// [`CrmError::Unsupported`] for Gong (it has no list operation).
pub fn exportable(system: System) -> Result<Vec<Entity>, CrmError> {
    match system {
        System::Gong => Err(CrmError::Unsupported(
            "gong cannot be exported: its CRM integration API has no list operation".into(),
        )),
        System::ZendeskSell => Ok(vec![
            Entity::Stages,
            Entity::Accounts,
            Entity::Contacts,
            Entity::Deals,
            Entity::Leads,
        ]),
        System::Conecrm => Ok(vec![Entity::Stages, Entity::Accounts, Entity::Contacts]),
    }
}

/// Writes every record of `entities` of `system` to `out`; returns how many.
///
/// # Errors
/// [`CrmError`] when the system fails or the output cannot be written.
pub async fn export(
    clients: &Clients,
    system: System,
    entities: &[Entity],
    format: Format,
    out: &mut dyn Write,
    page_size: u32,
) -> Result<u64, CrmError> {
    let supported = exportable(system)?;
    let entities: Vec<Entity> = if entities.is_empty() {
        supported.clone()
    } else {
        entities.to_vec()
    };
    let io = |source| CrmError::Io {
        path: "<output>".into(),
        source,
    };
    let mut count = 0u64;
    if format == Format::Json {
        out.write_all(b"[").map_err(io)?;
    }
    for entity in entities {
        if !supported.contains(&entity) {
            return Err(CrmError::Unsupported(format!(
                "{system}: {} cannot be exported",
                entity.label()
            )));
        }
        let mut records = records(clients, system, entity, page_size)?;
        while let Some(record) = records.next().await {
            let record = record?;
            if format == Format::Json && count > 0 {
                out.write_all(b",\n").map_err(io)?;
            }
            serde_json::to_writer(&mut *out, &record).map_err(|e| io(e.into()))?;
            if format == Format::Ldjson {
                out.write_all(b"\n").map_err(io)?;
            }
            count += 1;
        }
    }
    if format == Format::Json {
        out.write_all(b"]\n").map_err(io)?;
    }
    out.flush().map_err(io)?;
    Ok(count)
}

type Records<'a> = std::pin::Pin<Box<dyn Stream<Item = Result<CoreEntity, CrmError>> + Send + 'a>>;

fn records<'a>(
    clients: &'a Clients,
    system: System,
    entity: Entity,
    page: u32,
) -> Result<Records<'a>, CrmError> {
    let party = |p: Party| match p {
        Party::Person(c) => CoreEntity::Contact(c),
        Party::Organization(a) => CoreEntity::Account(a),
    };
    Ok(match (system, entity) {
        (System::ZendeskSell, Entity::Stages) => Box::pin(
            clients
                .sell()?
                .list_stages()
                .per_page(page)
                .stream()
                .map_ok(|s| CoreEntity::Stage(s.into_core()))
                .map_err(sell_err),
        ),
        (System::ZendeskSell, Entity::Accounts) => Box::pin(
            clients
                .sell()?
                .list_contacts()
                .per_page(page)
                .is_organization(true)
                .stream()
                .map_ok(move |c| party(c.into_core()))
                .map_err(sell_err),
        ),
        (System::ZendeskSell, Entity::Contacts) => Box::pin(
            clients
                .sell()?
                .list_contacts()
                .per_page(page)
                .is_organization(false)
                .stream()
                .map_ok(move |c| party(c.into_core()))
                .map_err(sell_err),
        ),
        (System::ZendeskSell, Entity::Deals) => Box::pin(
            clients
                .sell()?
                .list_deals()
                .per_page(page)
                .stream()
                .map_ok(|d| CoreEntity::Deal(d.into_core()))
                .map_err(sell_err),
        ),
        (System::ZendeskSell, Entity::Leads) => Box::pin(
            clients
                .sell()?
                .list_leads()
                .per_page(page)
                .stream()
                .map_ok(|l| CoreEntity::Lead(l.into_core()))
                .map_err(sell_err),
        ),
        (System::Conecrm, Entity::Accounts) => Box::pin(
            clients
                .conecrm()?
                .get_accounts_stream(page, |b| b)
                .map_ok(|a| CoreEntity::Account(a.into_core()))
                .map_err(cone_err),
        ),
        (System::Conecrm, Entity::Contacts) => Box::pin(
            clients
                .conecrm()?
                .get_contacts_stream(page, |b| b)
                .map_ok(|c| CoreEntity::Contact(c.into_core()))
                .map_err(cone_err),
        ),
        (System::Conecrm, Entity::Stages) => {
            let cone = clients.conecrm()?;
            Box::pin(
                futures::stream::once(async move {
                    cone.list_stages().send_typed().await.map_err(cone_err)
                })
                .map_ok(|stages| {
                    futures::stream::iter(
                        stages
                            .into_iter()
                            .map(|s| Ok(CoreEntity::Stage(s.into_core()))),
                    )
                })
                .try_flatten(),
            )
        }
        (s, e) => {
            return Err(CrmError::Unsupported(format!(
                "{s}: {} cannot be exported",
                e.label()
            )));
        }
    })
}
