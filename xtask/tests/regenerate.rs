//! `cargo xtask regenerate` end to end, on temporary copies of the workspace's
//! specs and generated files: the binary's exit codes and messages, and the
//! library's guarantees (any changed spec byte is caught, a second run writes
//! nothing, errors name the file and the operation).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests panic on failure"
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use xtask::{FileStatus, Mode, TARGETS};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// A temporary root holding every target's spec and committed generated file.
fn copy_of_workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for target in TARGETS {
        for file in [target.spec, target.out] {
            let to = dir.path().join(file);
            std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
            std::fs::copy(workspace().join(file), &to).expect("copy");
        }
    }
    dir
}

fn xtask(root: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("--root")
        .arg(root)
        .args(args)
        .output()
        .expect("xtask runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn committed_generated_files_are_fresh() {
    let report = xtask::run(&workspace(), TARGETS, Mode::Check);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let stale: Vec<_> = report
        .stale()
        .map(|o| o.out.display().to_string())
        .collect();
    assert!(
        stale.is_empty(),
        "stale: {stale:?}; run `cargo xtask regenerate`"
    );
}

#[test]
fn check_passes_on_a_fresh_copy_and_names_each_stale_file() {
    let root = copy_of_workspace();
    let (code, stdout, _) = xtask(root.path(), &["regenerate", "--check"]);
    assert_eq!(code, 0, "{stdout}");

    // A comment changes no generated code, only the recorded spec digest.
    let target = &TARGETS[0];
    let spec = root.path().join(target.spec);
    let mut text = std::fs::read_to_string(&spec).expect("read");
    text.push_str("# a comment\n");
    std::fs::write(&spec, text).expect("write");

    let (code, stdout, stderr) = xtask(root.path(), &["regenerate", "--check"]);
    assert_eq!(code, 1);
    assert!(
        stdout.contains(&format!("STALE      {}", target.out)),
        "{stdout}"
    );
    assert!(
        stdout.contains("-// spec sha256:") && stdout.contains("+// spec sha256:"),
        "diff shown: {stdout}"
    );
    assert!(stderr.contains("run `cargo xtask regenerate`"), "{stderr}");
    // --check wrote nothing
    let committed = std::fs::read(workspace().join(target.out)).expect("read");
    assert_eq!(
        std::fs::read(root.path().join(target.out)).expect("read"),
        committed
    );
}

#[test]
fn changing_any_byte_of_a_spec_makes_check_fail() {
    for target in TARGETS {
        let root = copy_of_workspace();
        let spec = root.path().join(target.spec);
        let original = std::fs::read(&spec).expect("read");
        // ~25 positions spread over the file, first and last byte included
        // (the header records the spec's SHA-256, so every byte counts).
        let step = (original.len() / 25).max(1);
        let mut positions: Vec<usize> = (0..original.len()).step_by(step).collect();
        positions.push(original.len() - 1);
        for &at in &positions {
            let mut changed = original.clone();
            changed[at] = if changed[at] == b'x' { b'y' } else { b'x' };
            std::fs::write(&spec, &changed).expect("write");
            let report = xtask::run(root.path(), std::slice::from_ref(target), Mode::Check);
            assert!(
                !report.is_ok(),
                "{}: byte {at} changed ({:?} -> 'x'/'y') but --check passed",
                target.spec,
                original[at] as char
            );
        }
        std::fs::write(&spec, &original).expect("restore");
        assert!(xtask::run(root.path(), std::slice::from_ref(target), Mode::Check).is_ok());
    }
}

#[test]
fn regenerating_twice_changes_nothing_the_second_time() {
    let root = copy_of_workspace();
    for target in TARGETS {
        std::fs::remove_file(root.path().join(target.out)).expect("remove");
    }
    let first = xtask::run(root.path(), TARGETS, Mode::Write);
    assert!(first.is_ok(), "{:?}", first.errors);
    assert_eq!(first.written().count(), TARGETS.len());

    let before: Vec<_> = TARGETS
        .iter()
        .map(|t| {
            std::fs::metadata(root.path().join(t.out))
                .and_then(|m| m.modified())
                .expect("mtime")
        })
        .collect();
    let second = xtask::run(root.path(), TARGETS, Mode::Write);
    assert!(
        second
            .outcomes
            .iter()
            .all(|o| o.status == FileStatus::Unchanged),
        "{:?}",
        second.outcomes
    );
    let after: Vec<_> = TARGETS
        .iter()
        .map(|t| {
            std::fs::metadata(root.path().join(t.out))
                .and_then(|m| m.modified())
                .expect("mtime")
        })
        .collect();
    assert_eq!(before, after, "unchanged files are not rewritten");
    // and the output is byte-identical to what is committed
    for t in TARGETS {
        assert_eq!(
            std::fs::read(root.path().join(t.out)).expect("read"),
            std::fs::read(workspace().join(t.out)).expect("read"),
            "{}",
            t.out
        );
    }
}

const HEAD: &str = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n";

fn spec_root(yaml: &str) -> tempfile::TempDir {
    let root = copy_of_workspace();
    std::fs::write(root.path().join(TARGETS[0].spec), yaml).expect("write");
    root
}

#[test]
fn spec_problems_fail_naming_the_file_and_the_operation() {
    let yaml = format!(
        "{HEAD}paths:\n  /a:\n    get:\n      operationId: dup\n      responses:\n        '200': {{description: ok}}\n  /b:\n    post:\n      operationId: dup\n      responses:\n        '400': {{description: bad}}\n"
    );
    let root = spec_root(&yaml);
    let (code, _, stderr) = xtask(root.path(), &["regenerate", "--check"]);
    assert_eq!(code, 1);
    let spec = TARGETS[0].spec;
    assert!(
        stderr.contains(&format!("{spec}: 2 problem(s)")),
        "{stderr}"
    );
    assert!(
        stderr.contains("operation dup (POST /b): operationId `dup` is already used by GET /a"),
        "{stderr}"
    );
    assert!(
        stderr.contains("operation dup (POST /b): has no 2xx response"),
        "{stderr}"
    );
}

#[test]
fn a_progenitor_panic_is_caught_and_the_operation_named() {
    // Two different success schemas on one operation make progenitor panic
    // (`response_types.len() <= 1`).
    let yaml = format!(
        "{HEAD}paths:\n  /fine:\n    get:\n      operationId: fine\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {{type: string}}\n  /two:\n    get:\n      operationId: two_successes\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {{type: string}}\n        '201':\n          description: created\n          content:\n            application/json:\n              schema: {{type: integer}}\n"
    );
    let root = spec_root(&yaml);
    let (code, _, stderr) = xtask(root.path(), &["regenerate"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("progenitor failed: panicked"), "{stderr}");
    assert!(
        stderr.contains("failing operation(s): two_successes (GET /two)"),
        "{stderr}"
    );
    assert!(!stderr.contains("fine (GET /fine)"), "{stderr}");
    assert!(
        !stderr.contains("RUST_BACKTRACE"),
        "the panic is reported, not printed: {stderr}"
    );
}

#[test]
fn openapi_31_is_refused_with_a_clear_message() {
    let root = spec_root("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n");
    let (code, _, stderr) = xtask(root.path(), &["regenerate", "--check"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("`openapi: 3.1.0` is not supported: progenitor reads OpenAPI 3.0.x only"),
        "{stderr}"
    );
}

#[test]
fn list_names_every_target() {
    let (code, stdout, _) = xtask(&workspace(), &["list"]);
    assert_eq!(code, 0);
    for t in TARGETS {
        assert!(
            stdout.contains(t.spec) && stdout.contains(t.out),
            "{stdout}"
        );
    }
}
