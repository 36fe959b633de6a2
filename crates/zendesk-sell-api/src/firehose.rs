//! Consuming a Firehose (Sync API v3) stream from a saved position.
//!
//! A Firehose stream is read page by page: each request names a position
//! (`tail` = the oldest kept event, `top` = now, or the opaque
//! `meta.position` of the previous page) and the answer gives the events
//! after it, the position to continue from, and `meta.top` when the newest
//! event has been read. [`Consumer::pages`] turns that into a lazy `Stream`
//! of [`FirehosePage`]s; it stops at the top or keeps polling there
//! ([`AtTop`]).
//!
//! **Resuming without loss or duplicates**: a page is the unit of progress.
//! Process a page's events, then persist [`FirehosePage::position`]; after a
//! restart, start from that position ([`StartAt::Position`]): the next page
//! follows the last one processed. (Persisting before processing could lose
//! events on a crash; processing twice is possible only if the crash comes
//! between processing and persisting, as with any at-least-once consumer.)
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use zendesk_sell_api::Client;
//! use zendesk_sell_api::firehose::{AtTop, StartAt};
//!
//! # async fn run(saved: Option<String>) -> Result<(), Box<dyn std::error::Error>> {
//! let sell = Client::with_token("ACCESS_TOKEN")?;
//! let start = saved.map_or(StartAt::Tail, StartAt::Position);
//! let mut pages = std::pin::pin!(sell.firehose(sell.stream_deals(), start).at_top(AtTop::Stop).pages());
//! while let Some(page) = pages.try_next().await? {
//!     for event in &page.events {
//!         println!("{:?} deal {:?}", event.meta.event_type, event.record.id);
//!     }
//!     // persist page.position here
//! }
//! # Ok(()) }
//! ```

use std::future::Future;
use std::num::NonZeroU32;
use std::time::Duration;

use crm_client_runtime::{ApiError, Clock};
use futures::Stream;

use crate::envelope::StreamEnvelope;
use crate::types::{ErrorResponse, FirehoseEventMeta, FirehosePosition};
use crate::{Client, builder};

/// Where to start reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartAt {
    /// The oldest event Sell still keeps (about 72 hours back).
    Tail,
    /// Now: only events from here on.
    Top,
    /// A `meta.position` saved from an earlier page.
    Position(String),
}

impl StartAt {
    fn as_str(&self) -> &str {
        match self {
            StartAt::Tail => "tail",
            StartAt::Top => "top",
            StartAt::Position(p) => p,
        }
    }
}

/// What to do once the newest event has been read (`meta.top`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AtTop {
    /// End the stream.
    Stop,
    /// Wait this long, then ask again from the same position (follow the
    /// stream forever).
    Wait(Duration),
}

/// One event: the record as it is after the change, and the event's metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct FirehoseEvent<T> {
    /// The record.
    pub record: T,
    /// `event_type` (created, updated, deleted…), `sequence`, `event_time`.
    pub meta: FirehoseEventMeta,
}

/// An event with the position to persist after it (`Some` on the last
/// event of a page).
pub type EventWithCheckpoint<T> = (FirehoseEvent<T>, Option<String>);

/// One page of events and the position after it.
#[derive(Debug, Clone, PartialEq)]
pub struct FirehosePage<T> {
    /// The events, in order.
    pub events: Vec<FirehoseEvent<T>>,
    /// The position after this page: persist it once the events are processed.
    pub position: String,
    /// Whether this page reached the newest event.
    pub top: bool,
}

/// A Firehose request (one of the `stream_*` builders).
pub trait FirehoseRequest: Clone + Send + Sized {
    /// The record type of the events.
    type Record: Send;

    /// Fetches the page after `position`.
    fn fetch(
        self,
        position: String,
    ) -> impl Future<Output = Result<FirehosePage<Self::Record>, ApiError<ErrorResponse>>> + Send;
}

macro_rules! firehose {
    ($($builder:ident => $page:ident, $op:literal;)*) => {$(
        impl FirehoseRequest for builder::$builder<'_> {
            type Record = <crate::types::$page as StreamEnvelope>::Data;

            async fn fetch(
                self,
                position: String,
            ) -> Result<FirehosePage<Self::Record>, ApiError<ErrorResponse>> {
                let position = FirehosePosition::try_from(position.as_str()).map_err(|e| {
                    ApiError::InvalidRequest { operation: $op, message: format!("position: {e}") }
                })?;
                let page: crate::types::$page =
                    crm_client_runtime::error::typed($op, self.position(position).send().await).await?;
                Ok(FirehosePage {
                    position: page.meta.position.clone(),
                    top: page.meta.top,
                    events: page
                        .items
                        .into_iter()
                        .map(|item| FirehoseEvent { record: item.data, meta: item.meta })
                        .collect(),
                })
            }
        }
    )*};
}

firehose! {
    StreamContacts => ContactStreamPage, "stream_contacts";
    StreamCustomFields => CustomFieldStreamPage, "stream_custom_fields";
    StreamDeals => DealStreamPage, "stream_deals";
    StreamLeads => LeadStreamPage, "stream_leads";
    StreamNotes => NoteStreamPage, "stream_notes";
    StreamOrders => OrderStreamPage, "stream_orders";
    StreamProducts => ProductStreamPage, "stream_products";
    StreamStages => StageStreamPage, "stream_stages";
    StreamTasks => TaskStreamPage, "stream_tasks";
    StreamResource => GenericStreamPage, "stream_resource";
}

/// Reads a Firehose stream; see the [module docs](self).
#[derive(Debug, Clone)]
pub struct Consumer<R> {
    request: R,
    start: StartAt,
    at_top: AtTop,
    clock: Clock,
}

impl Client {
    /// A consumer of `request` (e.g. `client.stream_deals().limit(100u32)`)
    /// starting at `start`; it stops at the top unless told otherwise.
    pub fn firehose<R: FirehoseRequest>(&self, request: R, start: StartAt) -> Consumer<R> {
        Consumer {
            request,
            start,
            at_top: AtTop::Stop,
            clock: self.inner.options().clock.clone(),
        }
    }
}

impl<R: FirehoseRequest> Consumer<R> {
    /// Sets what happens at the top.
    pub fn at_top(mut self, at_top: AtTop) -> Self {
        self.at_top = at_top;
        self
    }

    /// The pages, fetched lazily. A page without events is yielded when it
    /// moves the position (so it can be persisted); at the top the stream
    /// ends or waits as [`AtTop`] says.
    pub fn pages(
        self,
    ) -> impl Stream<Item = Result<FirehosePage<R::Record>, ApiError<ErrorResponse>>> + Send {
        struct State<R> {
            request: R,
            position: String,
            at_top: AtTop,
            clock: Clock,
            done: bool,
            waiting: bool,
        }
        let state = State {
            request: self.request,
            position: self.start.as_str().to_owned(),
            at_top: self.at_top,
            clock: self.clock,
            done: false,
            waiting: false,
        };
        futures::stream::try_unfold(state, |mut state| async move {
            loop {
                if state.done {
                    return Ok(None);
                }
                if state.waiting {
                    if let AtTop::Wait(interval) = state.at_top {
                        state.clock.sleep(interval).await;
                    }
                    state.waiting = false;
                }
                let page = state.request.clone().fetch(state.position.clone()).await?;
                let moved = page.position != state.position;
                state.position.clone_from(&page.position);
                if page.top {
                    match state.at_top {
                        AtTop::Stop => state.done = true,
                        AtTop::Wait(_) => state.waiting = true,
                    }
                }
                if !page.events.is_empty() || moved {
                    return Ok(Some((page, state)));
                }
            }
        })
    }

    /// The events of every page, each with the page position to persist
    /// after it: `Some(position)` on the last event of a page (persist then),
    /// `None` on the others.
    pub fn events(
        self,
    ) -> impl Stream<Item = Result<EventWithCheckpoint<R::Record>, ApiError<ErrorResponse>>> + Send
    {
        use futures::TryStreamExt;
        self.pages()
            .map_ok(|page| {
                let last = page.events.len().saturating_sub(1);
                let position = page.position;
                futures::stream::iter(
                    page.events
                        .into_iter()
                        .enumerate()
                        .map(move |(i, event)| Ok((event, (i == last).then(|| position.clone())))),
                )
            })
            .try_flatten()
    }
}

/// The largest `limit` Sell accepts for one Firehose page.
pub const MAX_LIMIT: NonZeroU32 = match NonZeroU32::new(100) {
    Some(n) => n,
    None => NonZeroU32::MIN,
};
