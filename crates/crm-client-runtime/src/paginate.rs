//! Lazy pagination as a `futures::Stream`.
//!
//! One adapter serves every paging scheme: a `fetch` function takes the
//! position of a page (Sell's page number, ConeCRM's offset, Gong's
//! `records.cursor`) and returns the page's items and the position of the
//! next page, if any. Nothing is fetched until the stream is polled, and a
//! page is fetched only when the consumer has used up the previous one
//! (back-pressure). Loop guards: an empty page ends the stream, and so does
//! a next position equal to one already fetched (a server that repeats a
//! cursor), or [`Paginator::max_pages`].

use std::future::Future;

use futures::stream::{self, Stream, TryStreamExt};

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
}

impl<C> Paginator<C>
where
    C: Clone + PartialEq + Send + 'static,
{
    /// Starts at `first`.
    pub fn new(first: C) -> Self {
        Paginator {
            first,
            max_pages: None,
        }
    }

    /// Stops after `pages` pages, whatever the server says.
    pub fn max_pages(mut self, pages: u64) -> Self {
        self.max_pages = Some(pages);
        self
    }

    /// The pages, fetched lazily one at a time.
    pub fn pages<T, E, F, Fut>(self, fetch: F) -> impl Stream<Item = Result<Page<T, C>, E>>
    where
        F: FnMut(C) -> Fut,
        Fut: Future<Output = Result<Page<T, C>, E>>,
    {
        struct State<C, F> {
            next: Option<C>,
            seen: Vec<C>,
            fetched: u64,
            fetch: F,
        }
        let max_pages = self.max_pages;
        let state = State {
            next: Some(self.first),
            seen: Vec::new(),
            fetched: 0,
            fetch,
        };
        stream::try_unfold(state, move |mut state| async move {
            let Some(position) = state.next.take() else {
                return Ok(None);
            };
            if max_pages.is_some_and(|max| state.fetched >= max) {
                return Ok(None);
            }
            let page = (state.fetch)(position.clone()).await?;
            state.fetched += 1;
            state.seen.push(position);
            if page.items.is_empty() {
                state.next = None; // an empty page ends the walk
            } else if let Some(next) = &page.next {
                if state.seen.contains(next) {
                    tracing::warn!("the server repeated a page position: stopping");
                    state.next = None;
                } else {
                    state.next = Some(next.clone());
                }
            }
            // keep only recent positions: cursors repeat from recent pages
            if state.seen.len() > 16 {
                state.seen.remove(0);
            }
            Ok(Some((page, state)))
        })
    }

    /// The items of every page, in order, fetched lazily.
    pub fn items<T, E, F, Fut>(self, fetch: F) -> impl Stream<Item = Result<T, E>>
    where
        F: FnMut(C) -> Fut,
        Fut: Future<Output = Result<Page<T, C>, E>>,
    {
        self.pages(fetch)
            .map_ok(|page| stream::iter(page.items.into_iter().map(Ok)))
            .try_flatten()
    }
}

/// A convenience: [`Paginator::new`]`(first).items(fetch)`.
pub fn items<T, C, E, F, Fut>(first: C, fetch: F) -> impl Stream<Item = Result<T, E>>
where
    C: Clone + PartialEq + Send + 'static,
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

    /// 25 items served 10 per page by page number (1-based), like Sell.
    fn numbered(
        fetches: Arc<AtomicU32>,
    ) -> impl FnMut(u32) -> futures::future::Ready<Result<Page<u32, u32>, String>> {
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
    async fn a_repeated_cursor_or_an_empty_page_ends_the_walk() {
        let calls = Arc::new(AtomicU32::new(0));
        let c = Arc::clone(&calls);
        let looping = move |cursor: String| {
            c.fetch_add(1, Ordering::SeqCst);
            // the server always answers with the same next cursor
            futures::future::ready(Ok::<_, ()>(Page::more(
                vec![cursor.clone()],
                "B".to_owned(),
            )))
        };
        let all = collect(items("A".to_owned(), looping)).await.unwrap();
        assert_eq!(all, vec!["A", "B"]);
        assert_eq!(calls.load(Ordering::SeqCst), 2);

        let empty = |_: u32| futures::future::ready(Ok::<_, ()>(Page::<u32, u32>::more(vec![], 2)));
        assert!(collect(items(1, empty)).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn an_error_is_yielded_and_max_pages_bounds_the_walk() {
        let failing = |page: u32| {
            futures::future::ready(if page < 3 {
                Ok(Page::more(vec![page], page + 1))
            } else {
                Err("boom")
            })
        };
        let results: Vec<Result<u32, &str>> = items(1, failing).collect().await;
        assert_eq!(results, vec![Ok(1), Ok(2), Err("boom")]);

        let fetches = Arc::new(AtomicU32::new(0));
        let two = collect(Paginator::new(1).max_pages(2).items(numbered(fetches)))
            .await
            .unwrap();
        assert_eq!(two.len(), 20);
    }
}
