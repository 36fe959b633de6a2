//! Small value types that carry CRM data without losing it: money as a
//! decimal, emails and phones as text that may be malformed, addresses.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A point in time, in UTC, with the precision the source had.
pub type Timestamp = chrono::DateTime<chrono::Utc>;

/// A calendar date without a time.
pub type Date = chrono::NaiveDate;

/// An amount of money: a decimal (never a float) and, when known, its currency.
///
/// ```
/// use crm_core::values::{Currency, Money};
/// let m = Money::parse("1234.50", Some(Currency::new("EUR"))).unwrap();
/// assert_eq!(m.amount.to_string(), "1234.50"); // the scale is kept
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    /// The amount.
    pub amount: Decimal,
    /// The currency, if the source said.
    pub currency: Option<Currency>,
}

impl Money {
    /// An amount in `currency`.
    pub fn new(amount: Decimal, currency: Option<Currency>) -> Self {
        Money { amount, currency }
    }

    /// Parses a decimal string (`"1234.50"`, `"-3"`, `"1e3"` is refused).
    pub fn parse(text: &str, currency: Option<Currency>) -> Option<Self> {
        Decimal::from_str(text.trim())
            .ok()
            .map(|amount| Money { amount, currency })
    }
}

/// Converts a JSON number to a decimal exactly as written (its shortest
/// round-trip form). `None` when it does not fit a decimal (beyond ±7.9e28
/// or with more than 28 fractional digits); callers keep such values verbatim.
pub fn decimal_from_f64(value: f64) -> Option<Decimal> {
    if !value.is_finite() {
        return None;
    }
    let text = format!("{value}");
    let decimal = Decimal::from_str(&text).ok()?;
    // only accept when the decimal reads back as the same float
    (decimal_to_f64(&decimal) == Some(value)).then_some(decimal)
}

/// Converts a decimal to the nearest float; `None` if it has no exact
/// round trip (callers report the precision lost).
pub fn decimal_to_f64(value: &Decimal) -> Option<f64> {
    value.to_string().parse::<f64>().ok()
}

/// An ISO 4217 currency code as the source wrote it (`"EUR"`); a value that
/// is not three letters is kept as is ([`Currency::is_iso`] tells).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Currency(String);

impl Currency {
    /// A currency code.
    pub fn new(code: impl Into<String>) -> Self {
        Currency(code.into())
    }

    /// The code as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the code looks like ISO 4217 (three ASCII upper-case letters).
    pub fn is_iso(&self) -> bool {
        self.0.len() == 3 && self.0.bytes().all(|b| b.is_ascii_uppercase())
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An email address as the source wrote it; possibly malformed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    /// An address.
    pub fn new(address: impl Into<String>) -> Self {
        Email(address.into())
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A plausibility check: one `@` with text on both sides and a dot in
    /// the domain. Invalid addresses are still carried, never dropped.
    pub fn looks_valid(&self) -> bool {
        let mut parts = self.0.split('@');
        match (parts.next(), parts.next(), parts.next()) {
            (Some(local), Some(domain), None) => {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            }
            _ => false,
        }
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a phone number is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhoneKind {
    /// The main or work number.
    Work,
    /// A home number.
    Home,
    /// A mobile number.
    Mobile,
    /// A fax number.
    Fax,
    /// Anything else.
    Other,
}

/// A phone number as the source wrote it, with its kind and extension.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Phone {
    /// The number, unparsed (`"(912) 507-4395"`, `"+14055766687"`).
    pub number: String,
    /// Its kind.
    pub kind: PhoneKind,
    /// An extension, if the source has one.
    pub extension: Option<String>,
}

impl Phone {
    /// A number of `kind`.
    pub fn new(number: impl Into<String>, kind: PhoneKind) -> Self {
        Phone {
            number: number.into(),
            kind,
            extension: None,
        }
    }

    /// The digits (and a leading `+`), for matching numbers written differently.
    pub fn normalized(&self) -> String {
        let mut out = String::new();
        for (i, c) in self.number.trim().chars().enumerate() {
            if c.is_ascii_digit() || (i == 0 && c == '+') {
                out.push(c);
            }
        }
        out
    }
}

/// A postal address; every part optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Address {
    /// Street lines.
    pub street: Option<String>,
    /// City.
    pub city: Option<String>,
    /// State, province or region.
    pub region: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// Country (as written: a name or a code).
    pub country: Option<String>,
}

impl Address {
    /// Whether every part is empty.
    pub fn is_empty(&self) -> bool {
        self.street.is_none()
            && self.city.is_none()
            && self.region.is_none()
            && self.postal_code.is_none()
            && self.country.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_convert_to_decimals_exactly_as_written() {
        assert_eq!(
            decimal_from_f64(7000.0).map(|d| d.to_string()),
            Some("7000".into())
        );
        assert_eq!(
            decimal_from_f64(0.1).map(|d| d.to_string()),
            Some("0.1".into())
        );
        assert_eq!(
            decimal_from_f64(-123.45).map(|d| d.to_string()),
            Some("-123.45".into())
        );
        assert_eq!(
            decimal_from_f64(1e300),
            None,
            "beyond a decimal: kept verbatim by callers"
        );
        assert_eq!(decimal_from_f64(f64::NAN), None);
        for v in [0.0, 1.5, 123456789.125, 3.3333333333333335, 1e-10] {
            let d = decimal_from_f64(v).unwrap();
            assert_eq!(decimal_to_f64(&d), Some(v), "{v}");
        }
    }

    #[test]
    fn emails_and_phones_tolerate_bad_data() {
        assert!(Email::new("jane@acme.com").looks_valid());
        for bad in ["", "jane", "@acme.com", "jane@acme", "a@b@c.d", "jane@.com"] {
            assert!(!Email::new(bad).looks_valid(), "{bad}");
        }
        assert_eq!(
            Phone::new("(912) 507-4395", PhoneKind::Work).normalized(),
            "9125074395"
        );
        assert_eq!(
            Phone::new(" +1 405 576 6687", PhoneKind::Mobile).normalized(),
            "+14055766687"
        );
    }

    #[test]
    fn money_keeps_its_scale() {
        let m = Money::parse("10.500", None).unwrap();
        assert_eq!(m.amount.to_string(), "10.500");
        assert!(Money::parse("ten", None).is_none());
        assert!(Currency::new("EUR").is_iso());
        assert!(!Currency::new("euro").is_iso());
    }
}
