//! Incremental `zendesk-sell → gong` syncs: Sell's Firehose says what
//! changed since a saved position; the changed records are read back by id
//! (the list operations give the same record types a full sync converts)
//! and deletions become Gong records with `isDeleted: true`.
//!
//! See [`crate::state`] for where positions are kept.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use crm_core::{ConvertError, ConvertOptions, Converted, FromCore, System};
use futures::TryStreamExt;
use zendesk_sell_api::Client;
use zendesk_sell_api::firehose::{AtTop, FirehoseRequest, MAX_LIMIT, StartAt};
use zendesk_sell_api::types::{FirehoseEventType, FirehoseEventTypeKnown};

use crate::error::{CrmError, sell_err};
use crate::sync::{Entity, HasMeta};

/// What changed in one entity since a position.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// Ids created or updated (and not deleted since).
    pub upserted: BTreeSet<i64>,
    /// Ids deleted, with when.
    pub deleted: BTreeMap<i64, DateTime<Utc>>,
    /// The position after the newest event read: where the next run starts.
    pub position: String,
}

/// The newest position of `entity`'s Firehose stream (taken before a full
/// read, so the next incremental run misses nothing).
///
/// # Errors
/// [`CrmError::Api`] when Sell fails; [`CrmError::Unsupported`] for an
/// entity without a Firehose stream here.
pub async fn top(sell: &Client, entity: Entity) -> Result<String, CrmError> {
    match entity {
        Entity::Accounts | Entity::Contacts => top_of(sell, sell.stream_contacts()).await,
        Entity::Deals => top_of(sell, sell.stream_deals()).await,
        Entity::Leads => top_of(sell, sell.stream_leads()).await,
        Entity::Stages => Err(CrmError::Unsupported(
            "stages are always read in full".into(),
        )),
    }
}

async fn top_of<R: FirehoseRequest>(sell: &Client, request: R) -> Result<String, CrmError> {
    let mut pages = std::pin::pin!(
        sell.firehose(request, StartAt::Top)
            .at_top(AtTop::Stop)
            .pages()
    );
    match pages.try_next().await.map_err(sell_err)? {
        Some(page) => Ok(page.position),
        None => Err(sell_err("the Firehose gave no position for `top`")),
    }
}

/// What changed in `entity` from `start` up to the newest event.
///
/// # Errors
/// [`CrmError::Api`] when Sell fails (e.g. a position it no longer keeps:
/// run a full sync then).
pub async fn changes(sell: &Client, entity: Entity, start: &str) -> Result<Changes, CrmError> {
    let limit = MAX_LIMIT.get();
    match entity {
        Entity::Accounts => {
            collect(
                sell,
                sell.stream_contacts().limit(limit),
                start,
                |c| (c.id, c.is_organization),
                Some(true),
            )
            .await
        }
        Entity::Contacts => {
            collect(
                sell,
                sell.stream_contacts().limit(limit),
                start,
                |c| (c.id, c.is_organization),
                Some(false),
            )
            .await
        }
        Entity::Deals => {
            collect(
                sell,
                sell.stream_deals().limit(limit),
                start,
                |d| (d.id, None),
                None,
            )
            .await
        }
        Entity::Leads => {
            collect(
                sell,
                sell.stream_leads().limit(limit),
                start,
                |l| (l.id, None),
                None,
            )
            .await
        }
        Entity::Stages => Err(CrmError::Unsupported(
            "stages are always read in full".into(),
        )),
    }
}

/// Folds the events from `start` into the last state of each id. `pick`
/// gives a record's id and organisation flag; `organizations` keeps only
/// one kind of contact (a deletion of unknown kind is kept: a tombstone for
/// an id Gong does not have changes nothing).
async fn collect<R: FirehoseRequest>(
    sell: &Client,
    request: R,
    start: &str,
    pick: impl Fn(&R::Record) -> (Option<i64>, Option<bool>),
    organizations: Option<bool>,
) -> Result<Changes, CrmError> {
    let mut changes = Changes {
        position: start.to_owned(),
        ..Changes::default()
    };
    let consumer = sell
        .firehose(request, StartAt::Position(start.to_owned()))
        .at_top(AtTop::Stop);
    let mut pages = std::pin::pin!(consumer.pages());
    while let Some(page) = pages.try_next().await.map_err(sell_err)? {
        for event in &page.events {
            let (Some(id), kind) = pick(&event.record) else {
                continue;
            };
            let deleted = matches!(
                event.meta.event_type,
                FirehoseEventType::Known(FirehoseEventTypeKnown::Deleted)
            );
            let wanted = match (organizations, kind) {
                (Some(want), Some(is)) => want == is,
                (Some(_), None) => deleted,
                (None, _) => true,
            };
            if !wanted {
                continue;
            }
            if deleted {
                changes.upserted.remove(&id);
                changes
                    .deleted
                    .insert(id, event.meta.event_time.unwrap_or_else(Utc::now));
            } else {
                changes.deleted.remove(&id);
                changes.upserted.insert(id);
            }
        }
        changes.position = page.position;
    }
    Ok(changes)
}

/// A Gong record deleting Sell record `id` (deleted at `at`): a core `C`
/// with only its Sell id, `deleted` and the time, converted to `R`.
///
/// # Errors
/// As `R`'s conversion.
pub fn tombstone<C, R>(
    id: i64,
    at: DateTime<Utc>,
    o: &ConvertOptions,
) -> Result<Converted<R>, ConvertError>
where
    C: Default + HasMeta,
    R: FromCore<C>,
{
    let mut core = C::default();
    let meta = core.meta_mut();
    meta.ids.set(System::ZendeskSell, id.to_string());
    meta.deleted = true;
    meta.updated_at = Some(at);
    R::from_core(&core, o)
}
