#![doc = include_str!("../README.md")]

#[cfg(feature = "conecrm")]
pub mod conecrm;
pub mod convert;
pub mod custom;
pub mod domains;
#[cfg(feature = "gong")]
pub mod gong;
pub mod loss;
pub mod mapping;
pub mod model;
pub mod record;
pub mod secrets;
pub mod support;
pub mod system;
pub mod urls;
pub mod values;
#[cfg(feature = "zendesk-sell")]
pub mod zendesk_sell;

pub use convert::{
    ConvertError, ConvertOptions, Converted, FromCore, ToCore, convert, convert_owned,
};
pub use custom::{CustomFields, CustomValue};
pub use loss::{Hidden, Loss, LossReason, LossReport};
pub use model::{
    Account, Contact, Deal, DealStatus, Entity, EntityKind, Extras, Lead, Meta, Note, Pipeline,
    RawPayload, Ref, Stage, Task, User,
};
pub use record::{Record, UnknownEntityKind};
pub use system::{ExternalId, Identities, System};
pub use values::{Address, Currency, Email, Money, Phone, PhoneKind};
