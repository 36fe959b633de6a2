//! Getting at the records inside Sell's envelopes.
//!
//! Sell wraps every answer: one resource is `{data, meta}`, a page of a list
//! is `{items: [{data, meta}], meta: {type, count, links}}`, and a page of a
//! Firehose stream is `{items: [{data, meta}], meta: {position, top, links}}`.
//! The generated types mirror those envelopes exactly; the traits here take
//! the records out of them (a [`Contact`], not a
//! `ContactResponse`) and read the paging information.
//!
//! Each trait is implemented for the envelope types and for a
//! [`ResponseValue`] holding one, so it applies straight to what `send()`
//! returns:
//!
//! ```no_run
//! use zendesk_sell_api::{Client, CollectionEnvelope, SingleEnvelope};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let sell = Client::with_token("ACCESS_TOKEN")?;
//! let contact = sell.get_contact().id(1).send().await?.into_data();
//! println!("{:?}", contact.email);
//!
//! let page = sell.list_contacts().per_page(100u32).send().await?;
//! for contact in page.items() {
//!     println!("{}", contact.id);
//! }
//! if let Some(next) = page.next_page() {
//!     let _more = sell.list_contacts().per_page(100u32).page(next).send().await?;
//! }
//! # Ok(()) }
//! ```

use std::num::NonZeroU32;

use crate::ResponseValue;
use crate::types::{
    Account, AccountResponse, CollectionMeta, Contact, ContactCollection, ContactResponse,
    ContactStreamPage, CustomField, CustomFieldCollection, CustomFieldStreamPage, Deal,
    DealCollection, DealResponse, DealStreamPage, FirehoseContact, FirehoseCustomField,
    FirehoseDeal, FirehoseEventMeta, FirehoseLead, FirehoseNote, FirehoseOrder, FirehosePageMeta,
    FirehoseProduct, FirehoseStage, FirehoseTask, GenericStreamPage, JsonObject, Lead,
    LeadCollection, LeadResponse, LeadStreamPage, Note, NoteCollection, NoteResponse,
    NoteStreamPage, Order, OrderCollection, OrderResponse, OrderStreamPage, Pipeline,
    PipelineCollection, Product, ProductCollection, ProductStreamPage, ResourceMeta, Stage,
    StageCollection, StageStreamPage, Task, TaskCollection, TaskResponse, TaskStreamPage, User,
    UserCollection,
};

/// A single-resource envelope `{data, meta}`.
pub trait SingleEnvelope {
    /// The record inside, e.g. [`Contact`].
    type Data;

    /// The record.
    fn data(&self) -> &Self::Data;

    /// The record, without the envelope.
    fn into_data(self) -> Self::Data;

    /// The envelope's `meta` (the resource type name), when sent.
    fn resource_meta(&self) -> Option<&ResourceMeta>;
}

/// A page of a Core API list, `{items: [{data, meta}], meta}`.
///
/// Sell pages by number (`page`, `per_page`); the last page has no
/// `meta.links.next_page`.
pub trait CollectionEnvelope {
    /// The record type of the items, e.g. [`Contact`].
    type Data;

    /// The records on this page, in order.
    fn items(&self) -> impl Iterator<Item = &Self::Data>;

    /// The records on this page, without their envelopes.
    fn into_items(self) -> Vec<Self::Data>;

    /// The page's `meta` (`type`, `count`, `links`), when sent.
    fn collection_meta(&self) -> Option<&CollectionMeta>;

    /// The URL of the next page, or `None` on the last page (a missing or
    /// empty `meta.links.next_page`).
    fn next_page_url(&self) -> Option<&str> {
        self.collection_meta()
            .and_then(|meta| meta.links.as_ref())
            .and_then(|links| links.next_page.as_deref())
            .filter(|url| !url.trim().is_empty())
    }

    /// The number of the next page, read from the `page` query parameter of
    /// [`next_page_url`](Self::next_page_url): pass it to the list
    /// operation's `.page(..)`. `None` on the last page, or if the link has
    /// no valid `page` parameter (then follow the URL with
    /// [`Client::raw_request`](crate::Client::raw_request)).
    fn next_page(&self) -> Option<NonZeroU32> {
        self.next_page_url().and_then(page_parameter)
    }

    /// Whether this is the last page (no next page link).
    fn is_last_page(&self) -> bool {
        self.next_page_url().is_none()
    }
}

/// A page of a Firehose stream, `{items: [{data, meta}], meta: {position, top}}`.
///
/// Read a stream by calling it again with `.position(page.position())` until
/// [`is_top`](Self::is_top) is `true`; an empty page is normal.
pub trait StreamEnvelope {
    /// The record type of the events, e.g. [`FirehoseDeal`].
    type Data;

    /// The events on this page: each record with its event metadata
    /// (`event_type`, `sequence`, `event_time`, ...).
    fn events(&self) -> impl Iterator<Item = (&Self::Data, &FirehoseEventMeta)>;

    /// The records on this page, without their event metadata.
    fn into_records(self) -> Vec<Self::Data>;

    /// The page's `meta`: position and whether the top was reached.
    fn page_meta(&self) -> &FirehosePageMeta;

    /// The opaque position after this page (`meta.position`).
    fn position(&self) -> &str {
        &self.page_meta().position
    }

    /// `true` when the newest event has been read (`meta.top`): stop polling
    /// for now and come back later with the same position.
    fn is_top(&self) -> bool {
        self.page_meta().top
    }
}

/// The `page` query parameter of a next-page link, if it is a positive number.
pub(crate) fn page_parameter(url: &str) -> Option<NonZeroU32> {
    let query = url.split_once('?')?.1;
    let query = query.split_once('#').map_or(query, |(q, _)| q);
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(name, _)| *name == "page")
        .and_then(|(_, value)| value.parse().ok())
}

macro_rules! single {
    ($($envelope:ty => $data:ty;)*) => {$(
        impl SingleEnvelope for $envelope {
            type Data = $data;
            fn data(&self) -> &$data {
                &self.data
            }
            fn into_data(self) -> $data {
                self.data
            }
            fn resource_meta(&self) -> Option<&ResourceMeta> {
                self.meta.as_ref()
            }
        }
    )*};
}

macro_rules! collection {
    ($($envelope:ty => $data:ty;)*) => {$(
        impl CollectionEnvelope for $envelope {
            type Data = $data;
            fn items(&self) -> impl Iterator<Item = &$data> {
                self.items.iter().map(|item| &item.data)
            }
            fn into_items(self) -> Vec<$data> {
                self.items.into_iter().map(|item| item.data).collect()
            }
            fn collection_meta(&self) -> Option<&CollectionMeta> {
                self.meta.as_ref()
            }
        }
    )*};
}

macro_rules! stream {
    ($($envelope:ty => $data:ty;)*) => {$(
        impl StreamEnvelope for $envelope {
            type Data = $data;
            fn events(&self) -> impl Iterator<Item = (&$data, &FirehoseEventMeta)> {
                self.items.iter().map(|item| (&item.data, &item.meta))
            }
            fn into_records(self) -> Vec<$data> {
                self.items.into_iter().map(|item| item.data).collect()
            }
            fn page_meta(&self) -> &FirehosePageMeta {
                &self.meta
            }
        }
    )*};
}

single! {
    AccountResponse => Account;
    ContactResponse => Contact;
    DealResponse => Deal;
    LeadResponse => Lead;
    NoteResponse => Note;
    OrderResponse => Order;
    TaskResponse => Task;
}

collection! {
    ContactCollection => Contact;
    CustomFieldCollection => CustomField;
    DealCollection => Deal;
    LeadCollection => Lead;
    NoteCollection => Note;
    OrderCollection => Order;
    PipelineCollection => Pipeline;
    ProductCollection => Product;
    StageCollection => Stage;
    TaskCollection => Task;
    UserCollection => User;
}

stream! {
    ContactStreamPage => FirehoseContact;
    CustomFieldStreamPage => FirehoseCustomField;
    DealStreamPage => FirehoseDeal;
    GenericStreamPage => JsonObject;
    LeadStreamPage => FirehoseLead;
    NoteStreamPage => FirehoseNote;
    OrderStreamPage => FirehoseOrder;
    ProductStreamPage => FirehoseProduct;
    StageStreamPage => FirehoseStage;
    TaskStreamPage => FirehoseTask;
}

impl<T: SingleEnvelope> SingleEnvelope for ResponseValue<T> {
    type Data = T::Data;
    fn data(&self) -> &T::Data {
        self.as_ref().data()
    }
    fn into_data(self) -> T::Data {
        self.into_inner().into_data()
    }
    fn resource_meta(&self) -> Option<&ResourceMeta> {
        self.as_ref().resource_meta()
    }
}

impl<T: CollectionEnvelope> CollectionEnvelope for ResponseValue<T> {
    type Data = T::Data;
    fn items(&self) -> impl Iterator<Item = &T::Data> {
        self.as_ref().items()
    }
    fn into_items(self) -> Vec<T::Data> {
        self.into_inner().into_items()
    }
    fn collection_meta(&self) -> Option<&CollectionMeta> {
        self.as_ref().collection_meta()
    }
}

impl<T: StreamEnvelope> StreamEnvelope for ResponseValue<T> {
    type Data = T::Data;
    fn events(&self) -> impl Iterator<Item = (&T::Data, &FirehoseEventMeta)> {
        self.as_ref().events()
    }
    fn into_records(self) -> Vec<T::Data> {
        self.into_inner().into_records()
    }
    fn page_meta(&self) -> &FirehosePageMeta {
        self.as_ref().page_meta()
    }
}

#[cfg(test)]
mod tests {
    use super::page_parameter;

    #[test]
    fn page_numbers_are_read_from_next_page_links() {
        let page = |url: &str| page_parameter(url).map(|n| n.get());
        assert_eq!(
            page("https://api.getbase.com/v2/contacts?page=2&per_page=25"),
            Some(2)
        );
        assert_eq!(page("/v2/deals?per_page=100&page=17#frag"), Some(17));
        assert_eq!(page("/v2/deals?per_page=100"), None);
        assert_eq!(page("/v2/deals?page=0"), None);
        assert_eq!(page("/v2/deals?page=x"), None);
        assert_eq!(page("/v2/deals"), None);
    }
}
