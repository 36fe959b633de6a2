//! Every Core API list as a lazy `Stream` of records.
//!
//! [`PagedList::stream`] walks a configured list request page by page
//! (`page=1, 2, …` with the request's `per_page`, filters and `sort_by`)
//! until a page has no `meta.links.next_page`. A page is fetched only when
//! the consumer has used the previous one.
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
use crm_client_runtime::paginate::{Page, Paginator};
use futures::Stream;

use crate::builder;
use crate::envelope::CollectionEnvelope;
use crate::types::ErrorResponse;

/// A list request that can be walked page by page.
pub trait PagedList: Clone + Send + Sized {
    /// The record type, e.g. [`Contact`](crate::types::Contact).
    type Item: Send;

    /// This request for page `page`.
    fn at_page(self, page: NonZeroU32) -> Self;

    /// Fetches this request's page: its records and the next page number.
    fn fetch_page(
        self,
        page: NonZeroU32,
    ) -> impl Future<Output = Result<Page<Self::Item, NonZeroU32>, ApiError<ErrorResponse>>> + Send;

    /// Every record of every page, from page 1, fetched lazily.
    fn stream(self) -> impl Stream<Item = Result<Self::Item, ApiError<ErrorResponse>>> + Send {
        Paginator::new(NonZeroU32::MIN).items(move |page| self.clone().fetch_page(page))
    }
}

macro_rules! paged {
    ($($builder:ident => $collection:ident, $op:literal;)*) => {$(
        impl PagedList for builder::$builder<'_> {
            type Item = <crate::types::$collection as CollectionEnvelope>::Data;

            fn at_page(self, page: NonZeroU32) -> Self {
                self.page(page)
            }

            async fn fetch_page(
                self,
                page: NonZeroU32,
            ) -> Result<Page<Self::Item, NonZeroU32>, ApiError<ErrorResponse>> {
                let answer: crate::types::$collection = crm_client_runtime::error::typed(
                    $op,
                    self.at_page(page).send().await,
                )
                .await?;
                Ok(Page {
                    next: answer.next_page(),
                    items: answer.into_items(),
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
}
