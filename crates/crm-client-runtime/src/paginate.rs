//! Lazy pagination as a `futures::Stream`.
//!
//! One adapter serves every paging scheme: a `fetch` function takes the
//! position of a page (Sell's page number, ConeCRM's offset, Gong's
//! `records.cursor`) and returns the page's items and the position of the
//! next page, if any. Nothing is fetched until the stream is polled, and a
//! page is fetched only when the consumer has used up the previous one
//! (back-pressure).
//!
//! Loop guards: an empty page ends the stream, and so does
//! [`Paginator::max_pages`]. A next position equal to *any* position already
//! fetched in this walk (a server whose links cycle, with any period) is a
//! [`PaginationError::Cycle`]: the walk cannot go on and the pages behind
//! the cycle are unreachable, so it is an error, not the end. The positions
//! fetched are kept in a set for the walk's lifetime: its size is the
//! number of pages of the listing (bounded by the listing's length).

use std::collections::HashSet;
use std::fmt;
use std::future::Future;
use std::hash::Hash;

use futures::stream::{self, Stream, TryStreamExt};

/// A listing or stream that broke its own paging rules.
#[derive(Debug, Clone, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum PaginationError {
    /// The next position was fetched before in this walk: following it would
    /// loop forever.
    #[error(
        "{operation}: the server's next page ({position}) was already fetched, after {pages} \
         page(s): its paging loops"
    )]
    Cycle {
        /// The operation's id.
        operation: &'static str,
        /// The repeated position, as text (`Debug` form, escaped).
        position: String,
        /// Pages fetched when the cycle was seen.
        pages: u64,
    },
    /// A next-page link the client cannot follow to the next page (no
    /// `page=`, not a number, not the following page): reading it as the
    /// last page would silently drop the rest.
    #[error("{operation}: unexpected next-page link {link:?} after page {page}: {reason}")]
    UnexpectedLink {
        /// The operation's id.
        operation: &'static str,
        /// The link, as sent.
        link: String,
        /// The page it was on.
        page: u64,
        /// What is wrong with it.
        reason: String,
    },
    /// A stream stopped advancing: the same position (or no new events)
    /// poll after poll, though the server does not say it is at its end.
    #[error(
        "{operation}: the stream did not advance past {position} in {polls} poll(s) \
         ({waited_ms} ms of backoff); the server says it is not at the top"
    )]
    Stalled {
        /// The operation's id.
        operation: &'static str,
        /// The position it is stuck at (`Debug` form, escaped).
        position: String,
        /// Polls that gave nothing new in a row.
        polls: u32,
        /// Time waited between them, in milliseconds.
        waited_ms: u64,
    },
    /// A page repeated one already read (the same records again), though
    /// its position was new: the server ignores the position.
    #[error(
        "{operation}: page {page} repeats the records of an earlier page: the server ignores \
         the position it was asked for"
    )]
    RepeatedPage {
        /// The operation's id.
        operation: &'static str,
        /// The page's number in this walk (1-based).
        page: u64,
    },
}

impl PaginationError {
    /// The operation's id.
    pub fn operation(&self) -> &'static str {
        match self {
            PaginationError::Cycle { operation, .. }
            | PaginationError::UnexpectedLink { operation, .. }
            | PaginationError::Stalled { operation, .. }
            | PaginationError::RepeatedPage { operation, .. } => operation,
        }
    }
}

/// One page: its items and where the next page starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T, C> {
    /// The items.
    pub items: Vec<T>,
    /// The next page's position, or `None` on the last page.
    pub next: Option<C>,
}

impl<T, C> Page<T, C> {
    /// A page with a next position.
    pub fn more(items: Vec<T>, next: C) -> Self {
        Page {
            items,
            next: Some(next),
        }
    }

    /// The last page.
    pub fn last(items: Vec<T>) -> Self {
        Page { items, next: None }
    }
}

/// Builds page and item streams over a `fetch` function.
#[derive(Debug, Clone)]
pub struct Paginator<C> {
    first: C,
    max_pages: Option<u64>,
    operation: &'static str,
}

impl<C> Paginator<C>
where
    C: Clone + Eq + Hash + fmt::Debug + Send + 'static,
{
    /// Starts at `first`.
    pub fn new(first: C) -> Self {
        Paginator {
            first,
            max_pages: None,
            operation: "paginate",
        }
    }

    /// Names the operation in [`PaginationError`]s (default `"paginate"`).
    pub fn operation(mut self, operation: &'static str) -> Self {
        self.operation = operation;
        self
    }

    /// Stops after `pages` pages, whatever the server says.
    pub fn max_pages(mut self, pages: u64) -> Self {
        self.max_pages = Some(pages);
        self
    }

    /// The pages, fetched lazily one at a time.
    ///
    /// A page whose next position was already fetched in this walk yields
    /// the page, then [`PaginationError::Cycle`] (converted into `E`).
    pub fn pages<T, E, F, Fut>(self, fetch: F) -> impl Stream<Item = Result<Page<T, C>, E>>
    where
        E: From<PaginationError>,
        F: FnMut(C) -> Fut,
        Fut: Future<Output = Result<Page<T, C>, E>>,
    {
        enum Next<C> {
            Fetch(C),
            Fail(PaginationError),
            End,
        }
        struct State<C, F> {
            next: Next<C>,
            seen: HashSet<C>,
            fetched: u64,
            fetch: F,
        }
        let max_pages = self.max_pages;
        let operation = self.operation;
        let state = State {
            next: Next::Fetch(self.first),
            seen: HashSet::new(),
            fetched: 0,
            fetch,
        };
        stream::try_unfold(state, move |mut state| async move {
            let position = match std::mem::replace(&mut state.next, Next::End) {
                Next::Fetch(position) => position,
                Next::Fail(error) => return Err(E::from(error)),
                Next::End => return Ok(None),
            };
            if max_pages.is_some_and(|max| state.fetched >= max) {
                return Ok(None);
            }
            let page = (state.fetch)(position.clone()).await?;
            state.fetched += 1;
            state.seen.insert(position);
            if page.items.is_empty() {
                // an empty page ends the walk
            } else if let Some(next) = &page.next {
                state.next = if state.seen.contains(next) {
                    tracing::warn!(
                        operation,
                        ?next,
                        "the server's next page was already fetched"
                    );
                    Next::Fail(PaginationError::Cycle {
                        operation,
                        position: format!("{next:?}"),
                        pages: state.fetched,
                    })
                } else {
                    Next::Fetch(next.clone())
                };
            }
            Ok(Some((page, state)))
        })
    }

    /// The items of every page, in order, fetched lazily.
    pub fn items<T, E, F, Fut>(self, fetch: F) -> impl Stream<Item = Result<T, E>>
    where
        E: From<PaginationError>,
        F: FnMut(C) -> Fut,
        Fut: Future<Output = Result<Page<T, C>, E>>,
    {
        self.pages(fetch)
            .map_ok(|page| stream::iter(page.items.into_iter().map(Ok)))
            .try_flatten()
    }
}

/// Spots a page that repeats an earlier page of the same walk (the same
/// items, serialised), for listings whose positions cannot repeat (offsets
/// computed by the client) but whose server may ignore them and answer the
/// same page forever. One 64-bit fingerprint per page is kept: memory
/// bounded by the listing's number of pages.
///
/// ```
/// use crm_client_runtime::paginate::RepeatedPages;
/// let mut guard = RepeatedPages::new("get_contacts");
/// assert!(guard.check(&["a", "b"]).is_ok());
/// assert!(guard.check(&["c"]).is_ok());
/// assert!(guard.check(&["a", "b"]).is_err());
/// ```
#[derive(Debug, Clone)]
pub struct RepeatedPages {
    operation: &'static str,
    seen: HashSet<u64>,
    pages: u64,
}

impl RepeatedPages {
    /// A guard for one walk of `operation`.
    pub fn new(operation: &'static str) -> Self {
        RepeatedPages {
            operation,
            seen: HashSet::new(),
            pages: 0,
        }
    }

    /// Records the next page's `items`.
    ///
    /// # Errors
    /// [`PaginationError::RepeatedPage`] if an earlier page had the same
    /// (non-empty) items.
    pub fn check<T: serde::Serialize>(&mut self, items: &[T]) -> Result<(), PaginationError> {
        use std::hash::{DefaultHasher, Hasher};
        self.pages += 1;
        if items.is_empty() {
            return Ok(());
        }
        let mut hasher = DefaultHasher::new();
        match serde_json::to_vec(items) {
            Ok(bytes) => hasher.write(&bytes),
            // Not serialisable: nothing to compare; never a false alarm.
            Err(_) => return Ok(()),
        }
        if self.seen.insert(hasher.finish()) {
            Ok(())
        } else {
            Err(PaginationError::RepeatedPage {
                operation: self.operation,
                page: self.pages,
            })
        }
    }
}

/// A convenience: [`Paginator::new`]`(first).items(fetch)`.
pub fn items<T, C, E, F, Fut>(first: C, fetch: F) -> impl Stream<Item = Result<T, E>>
where
    C: Clone + Eq + Hash + fmt::Debug + Send + 'static,
    E: From<PaginationError>,
    F: FnMut(C) -> Fut,
    Fut: Future<Output = Result<Page<T, C>, E>>,
{
    Paginator::new(first).items(fetch)
}

/// Collects a stream of results into a `Vec`, stopping at the first error.
pub async fn collect<T, E>(stream: impl Stream<Item = Result<T, E>>) -> Result<Vec<T>, E> {
    stream.try_collect().await
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    use futures::StreamExt;

    use super::*;

    /// A fetch error or a loop guard's error.
    #[derive(Debug, PartialEq)]
    enum TestError {
        Fetch(&'static str),
        Paging(PaginationError),
    }

    impl From<PaginationError> for TestError {
        fn from(error: PaginationError) -> Self {
            TestError::Paging(error)
        }
    }

    type Fetched<T, C> = futures::future::Ready<Result<Page<T, C>, TestError>>;

    /// 25 items served 10 per page by page number (1-based), like Sell.
    fn numbered(fetches: Arc<AtomicU32>) -> impl FnMut(u32) -> Fetched<u32, u32> {
        move |page| {
            fetches.fetch_add(1, Ordering::SeqCst);
            let start = (page - 1) * 10;
            let items: Vec<u32> = (start..(start + 10).min(25)).collect();
            let more = start + 10 < 25;
            futures::future::ready(Ok(if more {
                Page::more(items, page + 1)
            } else {
                Page::last(items)
            }))
        }
    }

    #[tokio::test]
    async fn walks_every_page_in_order() {
        let fetches = Arc::new(AtomicU32::new(0));
        let all = collect(items(1, numbered(Arc::clone(&fetches))))
            .await
            .unwrap();
        assert_eq!(all, (0..25).collect::<Vec<_>>());
        assert_eq!(fetches.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn nothing_is_fetched_before_it_is_needed() {
        let fetches = Arc::new(AtomicU32::new(0));
        let stream = items(1, numbered(Arc::clone(&fetches)));
        assert_eq!(
            fetches.load(Ordering::SeqCst),
            0,
            "lazy: no request before polling"
        );
        let first: Vec<u32> = stream.take(10).map(Result::unwrap).collect().await;
        assert_eq!(first.len(), 10);
        assert_eq!(fetches.load(Ordering::SeqCst), 1, "ten items need one page");
    }

    #[tokio::test]
    async fn a_repeated_cursor_is_a_cycle_error_and_an_empty_page_ends_the_walk() {
        let calls = Arc::new(AtomicU32::new(0));
        let c = Arc::clone(&calls);
        let looping = move |cursor: String| {
            c.fetch_add(1, Ordering::SeqCst);
            // the server always answers with the same next cursor
            futures::future::ready(Ok::<_, TestError>(Page::more(
                vec![cursor.clone()],
                "B".to_owned(),
            )))
        };
        let results: Vec<Result<String, TestError>> = Paginator::new("A".to_owned())
            .operation("list_x")
            .items(looping)
            .collect()
            .await;
        assert_eq!(results.len(), 3, "{results:?}");
        assert_eq!(results[0], Ok("A".to_owned()));
        assert_eq!(results[1], Ok("B".to_owned()));
        assert_eq!(
            results[2],
            Err(TestError::Paging(PaginationError::Cycle {
                operation: "list_x",
                position: "\"B\"".to_owned(),
                pages: 2,
            }))
        );
        assert_eq!(calls.load(Ordering::SeqCst), 2);

        let empty =
            |_: u32| futures::future::ready(Ok::<_, TestError>(Page::<u32, u32>::more(vec![], 2)));
        assert!(collect(items(1, empty)).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn cycles_of_any_period_are_detected() {
        // Pages 1..=period, then the last page links back to page 1: the old
        // guard remembered 16 positions and looped forever on period 20.
        for period in [1_u32, 2, 16, 17, 20, 1000] {
            let calls = Arc::new(AtomicU32::new(0));
            let c = Arc::clone(&calls);
            let cycling = move |page: u32| {
                c.fetch_add(1, Ordering::SeqCst);
                let next = if page == period { 1 } else { page + 1 };
                futures::future::ready(Ok::<_, TestError>(Page::more(vec![page], next)))
            };
            let results: Vec<Result<u32, TestError>> = items(1, cycling)
                .take(10 * period as usize + 10)
                .collect()
                .await;
            assert_eq!(calls.load(Ordering::SeqCst), period, "period {period}");
            let (last, pages) = results.split_last().unwrap();
            assert_eq!(pages.len(), period as usize);
            assert!(
                matches!(last, Err(TestError::Paging(PaginationError::Cycle { pages, .. })) if *pages == u64::from(period)),
                "period {period}: {last:?}"
            );
        }
    }

    #[tokio::test]
    async fn an_error_is_yielded_and_max_pages_bounds_the_walk() {
        let failing = |page: u32| {
            futures::future::ready(if page < 3 {
                Ok(Page::more(vec![page], page + 1))
            } else {
                Err(TestError::Fetch("boom"))
            })
        };
        let results: Vec<Result<u32, TestError>> = items(1, failing).collect().await;
        assert_eq!(results, vec![Ok(1), Ok(2), Err(TestError::Fetch("boom"))]);

        let fetches = Arc::new(AtomicU32::new(0));
        let two = collect(Paginator::new(1).max_pages(2).items(numbered(fetches)))
            .await
            .unwrap();
        assert_eq!(two.len(), 20);
    }
}
