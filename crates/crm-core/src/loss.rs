//! What a conversion into a system could not carry.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Why a field did not make it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LossReason {
    /// The target has no field for it.
    NoField,
    /// The target holds fewer values (e.g. one phone where there were three).
    TooMany,
    /// The target's type is narrower (a float for a decimal, a date for a
    /// timestamp): the value changed.
    Precision,
    /// The target cannot express this currency.
    Currency,
    /// The value belongs to another system and has no meaning here.
    OtherSystem,
}

impl fmt::Display for LossReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LossReason::NoField => "no field in the target",
            LossReason::TooMany => "the target holds fewer values",
            LossReason::Precision => "the target's type is narrower",
            LossReason::Currency => "the target cannot express the currency",
            LossReason::OtherSystem => "specific to another system",
        })
    }
}

/// One field that was not carried (or not exactly).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Loss {
    /// Where, e.g. `contact.phones[2]` or `extras.zendesk-sell.dropbox_email`.
    pub path: Cow<'static, str>,
    /// Why.
    pub reason: LossReason,
    /// The value that was not carried, as JSON.
    pub value: Value,
}

/// Every field a conversion could not represent. Empty means nothing was lost.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LossReport {
    /// The losses, in the order they were found.
    pub losses: Vec<Loss>,
    /// Nothing lost, but the target will not show the record where users
    /// look for it (a Gong deal without an account, owner or close date).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hidden: Vec<Hidden>,
}

/// Why the target will not show a record it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hidden {
    /// The field at fault, e.g. `deal.account`.
    pub path: Cow<'static, str>,
    /// What the target does with such a record.
    pub why: String,
}

impl LossReport {
    /// An empty report.
    pub fn new() -> Self {
        LossReport::default()
    }

    /// Records a loss.
    pub fn push(
        &mut self,
        path: impl Into<Cow<'static, str>>,
        reason: LossReason,
        value: impl Serialize,
    ) {
        self.losses.push(Loss {
            path: path.into(),
            reason,
            value: serde_json::to_value(value).unwrap_or(Value::Null),
        });
    }

    /// Records a loss when `value` is present (`Some`, non-empty).
    pub fn lost_if_some<T: Serialize>(
        &mut self,
        path: &'static str,
        reason: LossReason,
        value: &Option<T>,
    ) {
        if let Some(v) = value {
            self.push(path, reason, v);
        }
    }

    /// Records each item of a non-empty list as lost.
    pub fn lost_items<T: Serialize>(&mut self, path: &str, reason: LossReason, items: &[T]) {
        for (i, item) in items.iter().enumerate() {
            self.push(format!("{path}[{i}]"), reason, item);
        }
    }

    /// Notes that the target will not show the record because of `path`.
    pub fn hide(&mut self, path: impl Into<Cow<'static, str>>, why: impl Into<String>) {
        self.hidden.push(Hidden {
            path: path.into(),
            why: why.into(),
        });
    }

    /// Whether nothing was lost.
    pub fn is_empty(&self) -> bool {
        self.losses.is_empty()
    }

    /// The number of losses.
    pub fn len(&self) -> usize {
        self.losses.len()
    }

    /// The lost paths.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.losses.iter().map(|l| l.path.as_ref())
    }

    /// Adds another report's losses.
    pub fn extend(&mut self, other: LossReport) {
        self.losses.extend(other.losses);
        self.hidden.extend(other.hidden);
    }
}

impl fmt::Display for LossReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.losses.is_empty() {
            return f.write_str("nothing lost");
        }
        for (i, loss) in self.losses.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{} ({})", loss.path, loss.reason)?;
        }
        Ok(())
    }
}
