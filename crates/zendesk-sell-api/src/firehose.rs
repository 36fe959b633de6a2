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
//! **A stream that does not advance** is not polled in a tight loop. Sell's
//! rules: `meta.position` is the position *after* the page's events, and
//! `meta.top` says whether the newest event has been read. So at the top an
//! unchanged position with no events is the normal idle answer ([`AtTop`]
//! decides), while below the top every page must move the position and
//! should carry events. The consumer counts *stalled polls*: a page below
//! the top without events (moved or not), and any page whose events did not
//! move the position (at the top too — it contradicts itself). Such events
//! are yielded the first time they are seen at a position and never again.
//! Before each poll after a stalled one the consumer waits (doubling from
//! [`StallPolicy::initial_backoff`] to [`StallPolicy::max_backoff`], on the
//! client's clock); after [`StallPolicy::max_polls`] stalled polls in a row
//! the stream ends with [`PaginationError::Stalled`]. A page with new events
//! that moves the position, or an idle top page, resets the count.
//!
//! **A position returned twice** (the positions cycle, with any period) is
//! [`PaginationError::Cycle`]: the positions read are kept in a set for the
//! consumer's lifetime, one entry per page that moved the position. The
//! page that leads back is not yielded (persisting its position would
//! rewind the consumer).
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

use std::collections::HashSet;

use crm_client_runtime::paginate::PaginationError;
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

/// How long a stream that does not advance is polled; see the
/// [module docs](self).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StallPolicy {
    /// Stalled polls in a row that end the stream with
    /// [`PaginationError::Stalled`] (at least 1).
    pub max_polls: u32,
    /// The wait after the first stalled poll; doubled after each further one.
    pub initial_backoff: Duration,
    /// The longest wait between two polls.
    pub max_backoff: Duration,
}

impl Default for StallPolicy {
    /// 6 stalled polls, waiting 1, 2, 4, 8 and 16 s between them (31 s in
    /// all) before giving up.
    fn default() -> Self {
        StallPolicy {
            max_polls: 6,
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(30),
        }
    }
}

impl StallPolicy {
    /// The wait after the `n`th stalled poll in a row (1-based).
    pub fn backoff(&self, n: u32) -> Duration {
        let doublings = n.saturating_sub(1).min(30);
        self.initial_backoff
            .saturating_mul(1_u32 << doublings)
            .min(self.max_backoff)
    }
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

    /// The operation id, for errors (e.g. `"stream_deals"`).
    const OPERATION: &'static str = "firehose";

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
            const OPERATION: &'static str = $op;

            async fn fetch(
                self,
                position: String,
            ) -> Result<FirehosePage<Self::Record>, ApiError<ErrorResponse>> {
                let position = FirehosePosition::try_from(position.as_str()).map_err(|e| {
                    ApiError::InvalidRequest { operation: $op, message: format!("position: {e}") }
                })?;
                let page: crate::types::$page =
                    self.position(position).send_typed().await?;
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
    stall: StallPolicy,
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
            stall: StallPolicy::default(),
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

    /// Sets how long a stream that does not advance is polled.
    pub fn stall_policy(mut self, stall: StallPolicy) -> Self {
        self.stall = stall;
        self
    }

    /// The pages, fetched lazily. A page without events is yielded when it
    /// moves the position (so it can be persisted); at the top the stream
    /// ends or waits as [`AtTop`] says. A stream that stops advancing is
    /// polled with backoff, then ends with [`PaginationError::Stalled`]; a
    /// position seen twice ends it with [`PaginationError::Cycle`] (both as
    /// [`ApiError::Pagination`]); see the [module docs](self).
    pub fn pages(
        self,
    ) -> impl Stream<Item = Result<FirehosePage<R::Record>, ApiError<ErrorResponse>>> + Send {
        struct State<R> {
            request: R,
            position: String,
            at_top: AtTop,
            stall: StallPolicy,
            clock: Clock,
            /// Positions read so far (the start and every position a page moved to).
            seen: HashSet<String>,
            /// Whether events were yielded from a page that left the position as it was.
            yielded_here: bool,
            /// Stalled polls in a row.
            stalled: u32,
            /// Time waited for them.
            stalled_wait: Duration,
            /// The wait before the next poll.
            wait: Option<Duration>,
            done: bool,
        }
        let position = self.start.as_str().to_owned();
        let state = State {
            request: self.request,
            seen: HashSet::from([position.clone()]),
            position,
            at_top: self.at_top,
            stall: self.stall,
            clock: self.clock,
            yielded_here: false,
            stalled: 0,
            stalled_wait: Duration::ZERO,
            wait: None,
            done: false,
        };
        futures::stream::try_unfold(state, |mut state| async move {
            loop {
                if state.done {
                    return Ok(None);
                }
                if let Some(wait) = state.wait.take() {
                    state.clock.sleep(wait).await;
                }
                let mut page = state.request.clone().fetch(state.position.clone()).await?;
                let moved = page.position != state.position;
                let has_events = !page.events.is_empty();
                if moved {
                    if !state.seen.insert(page.position.clone()) {
                        return Err(ApiError::from(PaginationError::Cycle {
                            operation: R::OPERATION,
                            position: format!("{:?}", page.position),
                            pages: u64::try_from(state.seen.len()).unwrap_or(u64::MAX),
                        }));
                    }
                    state.position.clone_from(&page.position);
                    state.yielded_here = false;
                } else if has_events {
                    // Events that do not move the position: new only the
                    // first time; the page is not at the top whatever it says.
                    if state.yielded_here {
                        page.events.clear();
                    } else {
                        state.yielded_here = true;
                    }
                    page.top = false;
                }
                let fresh = !page.events.is_empty();
                let stalled = if moved {
                    !has_events && !page.top
                } else {
                    has_events || !page.top
                };
                if stalled {
                    state.stalled += 1;
                    if state.stalled >= state.stall.max_polls.max(1) {
                        return Err(ApiError::from(PaginationError::Stalled {
                            operation: R::OPERATION,
                            position: format!("{:?}", state.position),
                            polls: state.stalled,
                            waited_ms: u64::try_from(state.stalled_wait.as_millis())
                                .unwrap_or(u64::MAX),
                        }));
                    }
                    let wait = state.stall.backoff(state.stalled);
                    state.stalled_wait += wait;
                    state.wait = Some(wait);
                } else {
                    state.stalled = 0;
                    state.stalled_wait = Duration::ZERO;
                }
                if page.top {
                    match state.at_top {
                        AtTop::Stop => state.done = true,
                        AtTop::Wait(interval) => state.wait = Some(interval),
                    }
                }
                if fresh || moved {
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
