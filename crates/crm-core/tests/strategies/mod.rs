//! proptest strategies for the generated record types of every system.

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test support"
)]

use proptest::prelude::*;
use serde_json::{Map, Value};

#[cfg(feature = "gong")]
pub mod gong;
pub mod schema;

/// The properties' configuration: `PROPTEST_CASES` cases (10,000 unless
/// set), no failure files written into the source tree.
pub fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(10_000);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Any text: ASCII, unicode (incl. astral and combining), empty.
pub fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[a-zA-Z0-9 ._@+-]{0,24}",
        any::<String>(),
        "\\PC{0,12}",
    ]
}

pub fn opt<T: std::fmt::Debug + Clone>(
    s: impl Strategy<Value = T>,
) -> impl Strategy<Value = Option<T>> {
    prop::option::weighted(0.7, s)
}

/// Finite floats across the whole range (incl. extremes and subnormals).
pub fn float() -> impl Strategy<Value = f64> {
    prop_oneof![
        -1e9f64..1e9f64,
        Just(0.0),
        Just(-0.0),
        Just(f64::MAX),
        Just(f64::MIN),
        Just(f64::MIN_POSITIVE),
        Just(1e-300),
        Just(123_456_789.123_456_78),
        any::<f64>().prop_filter("finite", |f| f.is_finite()),
    ]
}

/// UTC timestamps with sub-second precision, 1970..2100.
pub fn timestamp() -> impl Strategy<Value = chrono::DateTime<chrono::Utc>> {
    (0i64..4_102_444_800, 0u32..1_000_000_000)
        .prop_map(|(s, n)| chrono::DateTime::from_timestamp(s, n).unwrap())
}

pub fn date() -> impl Strategy<Value = chrono::NaiveDate> {
    (1900i32..2100, 1u32..=12, 1u32..=28)
        .prop_map(|(y, m, d)| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap())
}

/// JSON values for custom fields: null, bools, numbers (incl. extremes),
/// strings, lists, nested objects.
pub fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        float().prop_map(Value::from),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z]{1,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Custom/unknown fields whose names avoid `reserved`.
pub fn extra_fields(
    reserved: &'static [&'static str],
) -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::btree_map("x_[a-zA-Z0-9_]{1,10}|custom_[a-z]{1,6}", json(), 0..4).prop_map(
        move |m| {
            m.into_iter()
                .filter(|(k, _)| !reserved.contains(&k.as_str()))
                .collect()
        },
    )
}
