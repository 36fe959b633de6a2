//! Lazy streams over the paged list operations.
//!
//! `GET /api/account` pages with `offset`/`limit` and answers a `total`;
//! `GET /api/contact` pages with `start`/`limit` and answers a bare array.
//! Each stream asks for the next page only when the previous one is used up,
//! and stops at `total`, on a short page or on an empty page.
//!
//! Loop guards: the offsets are computed here and only grow, so they cannot
//! cycle; but a server that ignores them would answer the same page forever
//! (contacts have no `total` to stop at). A page whose records repeat an
//! earlier page of the walk is therefore
//! [`PaginationError::RepeatedPage`](crm_client_runtime::paginate::PaginationError::RepeatedPage)
//! ([`ApiError::Pagination`]), after the pages before it
//! ([`RepeatedPages`]: one fingerprint per page).

use std::sync::{Arc, Mutex, PoisonError};

use crm_client_runtime::ApiError;
use crm_client_runtime::paginate::{Page, Paginator, RepeatedPages};
use futures::Stream;

use crate::types::{Account, Contact};
use crate::{Client, builder};

impl Client {
    /// Every account, fetched lazily `page_size` at a time. `configure` sets
    /// the other parameters of each page's request (search, sort, exclude,
    /// franchise); `offset` and `limit` are set by the stream.
    ///
    /// ```no_run
    /// use futures::TryStreamExt;
    /// # async fn run(client: conecrm_api::Client) -> Result<(), conecrm_api::ApiError<()>> {
    /// let accounts: Vec<_> = client
    ///     .get_accounts_stream(100, |request| request.search("acme").sort_field("name"))
    ///     .try_collect()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn get_accounts_stream<'a, F>(
        &'a self,
        page_size: u32,
        configure: F,
    ) -> impl Stream<Item = Result<Account, ApiError<()>>> + 'a
    where
        F: Fn(builder::GetAccounts<'a>) -> builder::GetAccounts<'a> + 'a,
    {
        let limit = i64::from(page_size.max(1));
        let guard = Arc::new(Mutex::new(RepeatedPages::new("get_accounts")));
        Paginator::new(0_i64)
            .operation("get_accounts")
            .items(move |offset| {
                let request = configure(self.get_accounts()).offset(offset).limit(limit);
                let guard = Arc::clone(&guard);
                async move {
                    let page = request.send_typed().await?;
                    check(&guard, &page.accounts)?;
                    let end = offset.saturating_add(count(&page.accounts));
                    let more = match page.total {
                        Some(total) => end < total,
                        None => count(&page.accounts) >= limit,
                    };
                    Ok(Page {
                        items: page.accounts,
                        next: more.then_some(end),
                    })
                }
            })
    }

    /// Every contact, fetched lazily `page_size` at a time (`start`/`limit`;
    /// a page shorter than `page_size` is the last). `configure` sets the
    /// other parameters of each page's request.
    pub fn get_contacts_stream<'a, F>(
        &'a self,
        page_size: u32,
        configure: F,
    ) -> impl Stream<Item = Result<Contact, ApiError<()>>> + 'a
    where
        F: Fn(builder::GetContacts<'a>) -> builder::GetContacts<'a> + 'a,
    {
        let limit = i64::from(page_size.max(1));
        let guard = Arc::new(Mutex::new(RepeatedPages::new("get_contacts")));
        Paginator::new(0_i64)
            .operation("get_contacts")
            .items(move |start| {
                let request = configure(self.get_contacts()).start(start).limit(limit);
                let guard = Arc::clone(&guard);
                async move {
                    let contacts = request.send_typed().await?;
                    check(&guard, &contacts)?;
                    let more = count(&contacts) >= limit;
                    let end = start.saturating_add(count(&contacts));
                    Ok(Page {
                        items: contacts,
                        next: more.then_some(end),
                    })
                }
            })
    }
}

/// Records a page with the walk's repeated-page guard.
fn check<T: serde::Serialize>(
    guard: &Mutex<RepeatedPages>,
    items: &[T],
) -> Result<(), ApiError<()>> {
    guard
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .check(items)
        .map_err(ApiError::from)
}

fn count<T>(items: &[T]) -> i64 {
    i64::try_from(items.len()).unwrap_or(i64::MAX)
}
