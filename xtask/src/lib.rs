//! The generation logic behind `cargo xtask regenerate`.
//!
//! Everything `main.rs` does is a call into this library, so tests can run the
//! same code: load and check a spec ([`spec`]), generate a client with
//! progenitor ([`codegen`]) and add the glue to `crm-client-runtime` ([`glue`]), write or compare the committed files
//! ([`regenerate`]) and summarise a spec's API surface for snapshots
//! ([`surface`]). The table of generated crates lives in [`targets`]: adding a
//! system is one row there.

pub mod codegen;
pub mod glue;
pub mod regenerate;
pub mod spec;
pub mod surface;
pub mod targets;

pub use codegen::{GenError, generate};
pub use regenerate::{FileStatus, Mode, Report, run};
pub use spec::{LoadedSpec, Problem, SpecError, load_spec};
pub use targets::{TARGETS, Target};
