//! The common entity model of crm-bridge and lossless conversions between
//! Gong's CRM integration, ConeCRM and Zendesk Sell.
//!
//! - [`model`]: Account, Contact, Deal, Lead, User, Pipeline, Stage, Note,
//!   Task, each with its ids in every system, custom fields, per-system
//!   extras and the raw payload.
//! - [`convert`]: [`ToCore`] (system → core: never fails, never drops),
//!   [`FromCore`] (core → system: the value and a [`LossReport`]), and
//!   [`convert()`](convert::convert) for A → B in one call.
//! - One cargo feature per system (`gong`, `conecrm`, `zendesk-sell`, all on
//!   by default), so depending on two systems does not compile the third.

#[cfg(feature = "conecrm")]
pub mod conecrm;
pub mod convert;
pub mod custom;
#[cfg(feature = "gong")]
pub mod gong;
pub mod loss;
pub mod model;
pub mod secrets;
pub mod support;
pub mod system;
pub mod values;
#[cfg(feature = "zendesk-sell")]
pub mod zendesk_sell;

pub use convert::{ConvertError, ConvertOptions, Converted, FromCore, ToCore, convert};
pub use custom::{CustomFields, CustomValue};
pub use loss::{Loss, LossReason, LossReport};
pub use model::{
    Account, Contact, Deal, DealStatus, Entity, EntityKind, Extras, Lead, Meta, Note, Pipeline,
    RawPayload, Ref, Stage, Task, User,
};
pub use system::{ExternalId, Identities, System};
pub use values::{Address, Currency, Email, Money, Phone, PhoneKind};
