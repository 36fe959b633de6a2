//! Every Core API list as a lazy `Stream` of records.
//!
//! [`PagedList::stream`] walks a configured list request page by page
//! (`page=1, 2, …` with the request's `per_page`, filters and `sort_by`)
//! until a page has no `meta.links.next_page`. A page is fetched only when
//! the consumer has used the previous one.
//!
//! A next-page link must name the following page (`page=N+1` after page
//! `N`); any other link (no `page=`, not a positive number, a page skipped
//! or repeated) is [`PaginationError::UnexpectedLink`], an error rather
//! than the end of the list, so a list is never cut short silently. A page
//! position seen before in the walk is [`PaginationError::Cycle`] (the
//! runtime's [`Paginator`] guard).
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use zendesk_sell_api::{Client, PagedList};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let sell = Client::with_token("ACCESS_TOKEN")?;
//! let mut contacts = std::pin::pin!(sell.list_contacts().per_page(100u32).sort_by("updated_at:desc").stream());
//! while let Some(contact) = contacts.try_next().await? {
//!     println!("{} {:?}", contact.id, contact.name);
//! }
//! # Ok(()) }
//! ```

use std::future::Future;
use std::num::NonZeroU32;

use crm_client_runtime::ApiError;
use crm_client_runtime::paginate::{Page, PaginationError, Paginator};
use futures::Stream;

use crate::builder;
use crate::envelope::CollectionEnvelope;
use crate::types::ErrorResponse;

/// A list request that can be walked page by page.
pub trait PagedList: Clone + Send + Sized {
    /// The record type, e.g. [`Contact`](crate::types::Contact).
    type Item: Send;

    /// The operation id, for errors (e.g. `"list_contacts"`).
    const OPERATION: &'static str = "list";

    /// This request for page `page`.
    fn at_page(self, page: NonZeroU32) -> Self;

    /// Fetches this request's page: its records and the next page number.
    ///
    /// # Errors
    /// The call's [`ApiError`]; [`ApiError::Pagination`] when the page's
    /// next-page link does not name the following page (the page's records
    /// are then not returned: [`stream`](Self::stream) yields them first).
    fn fetch_page(
        self,
        page: NonZeroU32,
    ) -> impl Future<Output = Result<Page<Self::Item, NonZeroU32>, ApiError<ErrorResponse>>> + Send;

    /// Every record of every page, from page 1, fetched lazily. A bad
    /// next-page link or a cycle is an error after the records of the page
    /// that carried it.
    fn stream(self) -> impl Stream<Item = Result<Self::Item, ApiError<ErrorResponse>>> + Send {
        Paginator::new(NonZeroU32::MIN)
            .operation(Self::OPERATION)
            .items(move |page| self.clone().fetch_page(page))
    }
}

/// The page a next-page `link` found on page `page` leads to: it must be
/// `page + 1`.
fn following_page(
    operation: &'static str,
    page: NonZeroU32,
    link: &str,
) -> Result<NonZeroU32, PaginationError> {
    let expected = page.checked_add(1);
    let unexpected = |reason: String| PaginationError::UnexpectedLink {
        operation,
        link: link.to_owned(),
        page: u64::from(page.get()),
        reason,
    };
    match (crate::envelope::page_parameter(link), expected) {
        (Some(next), Some(expected)) if next == expected => Ok(next),
        (Some(next), Some(expected)) => Err(unexpected(format!(
            "it names page {next}, not the following page {expected}"
        ))),
        (None, _) => Err(unexpected(
            "it has no `page` parameter with a positive number".to_owned(),
        )),
        (Some(_), None) => Err(unexpected("page numbers ran out".to_owned())),
    }
}

macro_rules! paged {
    ($($builder:ident => $collection:ident, $op:literal;)*) => {$(
        impl PagedList for builder::$builder<'_> {
            type Item = <crate::types::$collection as CollectionEnvelope>::Data;
            const OPERATION: &'static str = $op;

            fn at_page(self, page: NonZeroU32) -> Self {
                self.page(page)
            }

            async fn fetch_page(
                self,
                page: NonZeroU32,
            ) -> Result<Page<Self::Item, NonZeroU32>, ApiError<ErrorResponse>> {
                let answer: crate::types::$collection = self.at_page(page).send_typed().await?;
                let next = answer
                    .next_page_url()
                    .map(|link| following_page($op, page, link))
                    .transpose()?;
                Ok(Page {
                    next,
                    items: answer.into_items(),
                })
            }

            fn stream(
                self,
            ) -> impl Stream<Item = Result<Self::Item, ApiError<ErrorResponse>>> + Send {
                // The position carries a bad link forward as an error, so
                // the page that had it is yielded before the error.
                Paginator::new(Ok::<NonZeroU32, PaginationError>(NonZeroU32::MIN))
                    .operation($op)
                    .items(move |position: Result<NonZeroU32, PaginationError>| {
                        let request = self.clone();
                        async move {
                            let page = position?;
                            let answer: crate::types::$collection =
                                request.at_page(page).send_typed().await?;
                            let next = answer
                                .next_page_url()
                                .map(|link| following_page($op, page, link));
                            Ok(Page {
                                next,
                                items: answer.into_items(),
                            })
                        }
                    })
            }
        }
    )*};
}

paged! {
    ListContacts => ContactCollection, "list_contacts";
    ListDeals => DealCollection, "list_deals";
    ListLeads => LeadCollection, "list_leads";
    ListNotes => NoteCollection, "list_notes";
    ListOrders => OrderCollection, "list_orders";
    ListTasks => TaskCollection, "list_tasks";
    ListPipelines => PipelineCollection, "list_pipelines";
    ListStages => StageCollection, "list_stages";
    ListProducts => ProductCollection, "list_products";
    ListUsers => UserCollection, "list_users";
}
