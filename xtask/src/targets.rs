//! The one table of generated crates: spec → crate → generator settings.
//!
//! A new system is one more [`Target`] row in [`TARGETS`]; its generator
//! settings are one reviewable function.

use progenitor::{GenerationSettings, HooksMode, InterfaceStyle, TagStyle};
use quote::quote;

/// One generated file: the spec it comes from, where it goes, and how it is generated.
#[derive(Clone, Copy, Debug)]
pub struct Target {
    /// Short name used by `--only` and in messages, e.g. `gong-crm`.
    pub name: &'static str,
    /// The spec, relative to the workspace root.
    pub spec: &'static str,
    /// The crate that owns the generated file.
    pub krate: &'static str,
    /// The generated file, relative to the workspace root.
    pub out: &'static str,
    /// Generator settings for this target.
    pub settings: fn(&mut GenerationSettings),
    /// The client carries a `crm_client_runtime::Runtime`: emit the
    /// runtime glue (`Client::from_config`/`runtime`, the `ClientHooks`
    /// impl, and `send()`/`send_typed()` returning `ApiError` on every
    /// operation builder; see [`crate::glue`]). Open-enum text conversions
    /// are emitted either way.
    pub runtime: bool,
}

/// Every generated file of the workspace.
pub const TARGETS: &[Target] = &[
    Target {
        name: "gong-crm",
        spec: "specs/gong-crm.yaml",
        krate: "gong-crm-api",
        out: "crates/gong-crm-api/src/generated.rs",
        settings: raw_client,
        runtime: true,
    },
    Target {
        name: "conecrm",
        spec: "specs/conecrm.yaml",
        krate: "conecrm-api",
        out: "crates/conecrm-api/src/generated.rs",
        settings: raw_client,
        runtime: true,
    },
    Target {
        name: "zendesk-sell",
        spec: "specs/zendesk-sell.yaml",
        krate: "zendesk-sell-api",
        out: "crates/zendesk-sell-api/src/generated.rs",
        settings: raw_client,
        runtime: true,
    },
];

/// The target used for the small fixture specs under `tests/fixtures/`
/// (only `name` and `settings` matter: the fixtures' code goes to tests).
pub const FIXTURE: Target = Target {
    name: "fixture",
    spec: "tests/fixtures/*.yaml",
    krate: "crm-bridge-tests",
    out: "$OUT_DIR/<fixture>.rs",
    settings: fixture,
    runtime: false,
};

/// Looks a target up by its short name.
pub fn find(name: &str) -> Option<&'static Target> {
    TARGETS.iter().find(|t| t.name == name)
}

/// Settings shared by the raw client crates.
///
/// - Builder interface (`client.op().param(x).send()`), tags merged into one `Client`.
/// - `BTreeMap` for maps, so JSON objects keep a stable order.
/// - The client carries a `crm_client_runtime::Runtime` as its inner value and
///   must implement `ClientHooks` for it (`HooksMode::Expected`): that hook is
///   where auth, retries and rate limiting run, written once in the runtime crate.
/// - `PartialEq` on every type so callers and tests can compare values.
pub fn raw_client(settings: &mut GenerationSettings) {
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        .with_map_type("::std::collections::BTreeMap")
        .with_inner_type(quote!(crm_client_runtime::Runtime))
        .with_hooks(HooksMode::Expected)
        .with_derive("PartialEq");
}

/// Settings for the small fixture specs under `tests/fixtures/`: the same as
/// [`raw_client`] but with no inner runtime, so the output is self-contained.
pub fn fixture(settings: &mut GenerationSettings) {
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        .with_map_type("::std::collections::BTreeMap")
        .with_derive("PartialEq");
}
