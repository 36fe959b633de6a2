//! Writing the generated files, or checking that the committed ones are fresh.

use std::path::{Path, PathBuf};

use similar::TextDiff;

use crate::codegen::generate;
use crate::spec::load_spec;
use crate::targets::Target;

/// Write the files, or only compare them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Write every file whose content changed.
    Write,
    /// Write nothing; report every stale file.
    Check,
}

/// What happened to one generated file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileStatus {
    /// The committed file already matches the spec.
    Unchanged,
    /// The file was (re)written (write mode).
    Written,
    /// The committed file differs from what the spec generates (check mode).
    Stale {
        /// A unified diff, committed → generated, cut to a readable length.
        diff: String,
    },
}

/// The result for one target.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The target's short name.
    pub target: &'static str,
    /// The generated file, relative to the root.
    pub out: PathBuf,
    /// What happened.
    pub status: FileStatus,
}

/// The result of a whole run: every target is attempted before reporting.
#[derive(Debug, Default)]
pub struct Report {
    /// Targets that generated.
    pub outcomes: Vec<Outcome>,
    /// Targets that failed, with the error text (names file and operation).
    pub errors: Vec<(&'static str, String)>,
}

impl Report {
    /// Files reported stale (check mode).
    pub fn stale(&self) -> impl Iterator<Item = &Outcome> {
        self.outcomes
            .iter()
            .filter(|o| matches!(o.status, FileStatus::Stale { .. }))
    }

    /// Files written (write mode).
    pub fn written(&self) -> impl Iterator<Item = &Outcome> {
        self.outcomes
            .iter()
            .filter(|o| o.status == FileStatus::Written)
    }

    /// Whether the run succeeded: no errors and, in check mode, nothing stale.
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty() && self.stale().next().is_none()
    }
}

/// Maximum diff lines shown per stale file.
const DIFF_LINES: usize = 40;

/// Generates every target under `root` and writes or checks its file.
pub fn run(root: &Path, targets: &[Target], mode: Mode) -> Report {
    let mut report = Report::default();
    for target in targets {
        match run_one(root, target, mode) {
            Ok(status) => report.outcomes.push(Outcome {
                target: target.name,
                out: PathBuf::from(target.out),
                status,
            }),
            Err(message) => report.errors.push((target.name, message)),
        }
    }
    report
}

fn run_one(root: &Path, target: &Target, mode: Mode) -> Result<FileStatus, String> {
    let spec = load_spec(&root.join(target.spec), target.spec).map_err(|e| e.to_string())?;
    let generated = generate(target, &spec).map_err(|e| e.to_string())?;
    let out = root.join(target.out);
    let committed = match std::fs::read(&out) {
        Ok(bytes) => Some(String::from_utf8_lossy(&bytes).replace("\r\n", "\n")),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(format!("{}: cannot read: {e}", target.out)),
    };
    if committed.as_deref() == Some(generated.as_str()) {
        return Ok(FileStatus::Unchanged);
    }
    match mode {
        Mode::Check => Ok(FileStatus::Stale {
            diff: short_diff(committed.as_deref().unwrap_or(""), &generated, target.out),
        }),
        Mode::Write => {
            write_atomically(&out, generated.as_bytes())
                .map_err(|e| format!("{}: cannot write: {e}", target.out))?;
            Ok(FileStatus::Written)
        }
    }
}

/// Writes through a temporary file in the same directory, then renames.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("rs.tmp");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

fn short_diff(old: &str, new: &str, name: &str) -> String {
    let diff = TextDiff::from_lines(old, new);
    let text = diff
        .unified_diff()
        .context_radius(2)
        .header(
            &format!("{name} (committed)"),
            &format!("{name} (from spec)"),
        )
        .to_string();
    let total = text.lines().count();
    let mut shown: Vec<&str> = text.lines().take(DIFF_LINES).collect();
    let more = format!("... {} more diff lines", total.saturating_sub(DIFF_LINES));
    if total > DIFF_LINES {
        shown.push(&more);
    }
    shown.join("\n")
}
