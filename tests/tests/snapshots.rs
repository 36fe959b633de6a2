//! insta snapshots of the code generator's output.
//!
//! - `surface_<target>`: the API-surface summary of every real spec (one per
//!   row of the xtask target table), so a spec change is a small reviewable diff.
//! - `fixture_<name>`: the full generated code of each small fixture spec under
//!   `tests/fixtures/`, one quirk each.
//!
//! CI runs with `INSTA_UPDATE=no`: a stale or missing snapshot fails.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests panic on failure"
)]

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

#[test]
fn api_surface_of_every_spec() {
    for target in xtask::TARGETS {
        let spec = xtask::load_spec(&root().join(target.spec), target.spec)
            .unwrap_or_else(|e| panic!("{e}"));
        let surface = xtask::surface::api_surface(&spec.openapi);
        insta::assert_snapshot!(format!("surface_{}", target.name), surface);
    }
}

#[test]
fn generated_code_of_every_fixture() {
    insta::glob!("../fixtures", "*.yaml", |path| {
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        let display = format!("tests/fixtures/{name}.yaml");
        let spec = xtask::load_spec(path, &display).unwrap_or_else(|e| panic!("{e}"));
        let code =
            xtask::generate(&xtask::targets::FIXTURE, &spec).unwrap_or_else(|e| panic!("{e}"));
        insta::assert_snapshot!(code);
    });
}
