//! The conversion traits.
//!
//! - [`ToCore`]: a system's record → the common model. Never fails and drops
//!   nothing: fields without a slot go to [`Meta::extras`](crate::model::Meta),
//!   the whole record to [`Meta::raw`](crate::model::Meta).
//! - [`FromCore`]: the common model → a system's record, with a
//!   [`LossReport`] listing every field the target cannot represent. Values
//!   the target refuses (an id it cannot accept) are a [`ConvertError`].
//! - [`convert`]: A → core → B in one call.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::loss::LossReport;
use crate::system::System;
use crate::urls::RecordUrls;
use crate::values::Currency;

/// A record that converts into the common model.
pub trait ToCore {
    /// The core type it becomes.
    type Core;

    /// Converts; never fails, never drops a field.
    fn to_core(&self) -> Self::Core;

    /// Converts, consuming the record (it becomes the raw payload without
    /// being copied).
    fn into_core(self) -> Self::Core
    where
        Self: Sized,
    {
        self.to_core()
    }
}

/// A record that can be built from the common model.
pub trait FromCore<C>: Sized {
    /// Converts `core`, reporting what could not be carried.
    ///
    /// # Errors
    /// [`ConvertError`] when the target refuses a value (e.g. an id it cannot
    /// take, or a record missing a field the target requires).
    fn from_core(core: &C, options: &ConvertOptions) -> Result<Converted<Self>, ConvertError>;
}

/// A converted value and what it lost.
#[derive(Debug, Clone, PartialEq)]
pub struct Converted<T> {
    /// The value.
    pub value: T,
    /// What could not be carried.
    pub losses: LossReport,
}

impl<T> Converted<T> {
    /// A value that lost nothing.
    pub fn lossless(value: T) -> Self {
        Converted {
            value,
            losses: LossReport::new(),
        }
    }

    /// Maps the value, keeping the report.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Converted<U> {
        Converted {
            value: f(self.value),
            losses: self.losses,
        }
    }
}

/// Choices a conversion needs from the caller.
///
/// The default sends no amount whose currency it cannot vouch for: with no
/// [`gong_currency`](Self::gong_currency), an amount that names a currency
/// goes to Gong as the additional fields `amountInSourceCurrency` and
/// `sourceCurrency` (and is reported), never as `amount`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConvertOptions {
    /// The currency of the Gong company (Gong has one currency per company
    /// and no currency field). An amount in another currency is converted
    /// with [`currency_rates`](Self::currency_rates) when it has a rate;
    /// otherwise it is kept in additional fields and reported (reason
    /// `currency`), never sent as if it were in this one.
    pub gong_currency: Option<Currency>,
    /// Exchange rates into [`gong_currency`](Self::gong_currency): one unit
    /// of the key currency is worth this many units of the company's.
    pub currency_rates: BTreeMap<Currency, Decimal>,
    /// Where each record can be opened in its source system (Gong's `url`):
    /// the default holds working templates for Sell and ConeCRM.
    pub record_urls: RecordUrls,
    /// The `modifiedDate` given to a record that has neither an update nor a
    /// creation time (e.g. ConeCRM accounts), where the target requires one
    /// (Gong). Without it such a record is a
    /// [`ConvertError::MissingRequired`]. The `crm` command sets it to the
    /// sync's start.
    pub default_modified_date: Option<crate::values::Timestamp>,
}

/// A value the target system refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConvertError {
    /// The record's id for the target cannot be used there.
    #[error("{system}: id {id:?} is not usable: {reason}")]
    InvalidId {
        /// The target.
        system: System,
        /// The id.
        id: String,
        /// Why.
        reason: String,
    },
    /// The target requires a field the record does not have.
    #[error("{system}: required field {field} is missing")]
    MissingRequired {
        /// The target.
        system: System,
        /// The field.
        field: &'static str,
    },
    /// A value the target refuses.
    #[error("{system}: field {field}: {reason}")]
    InvalidValue {
        /// The target.
        system: System,
        /// The field.
        field: &'static str,
        /// Why.
        reason: String,
    },
}

/// Converts `source` (system A) into system B through the common model.
///
/// # Errors
/// As [`FromCore::from_core`].
pub fn convert<A, B>(source: &A, options: &ConvertOptions) -> Result<Converted<B>, ConvertError>
where
    A: ToCore,
    B: FromCore<A::Core>,
{
    B::from_core(&source.to_core(), options)
}

/// [`convert`] for an owned source, which becomes the raw payload without
/// being copied ([`ToCore::into_core`]): the form for a stream of records.
///
/// # Errors
/// As [`FromCore::from_core`].
pub fn convert_owned<A, B>(
    source: A,
    options: &ConvertOptions,
) -> Result<Converted<B>, ConvertError>
where
    A: ToCore,
    B: FromCore<A::Core>,
{
    B::from_core(&source.into_core(), options)
}
