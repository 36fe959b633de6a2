//! `cargo xtask`: workspace tasks. See `cargo xtask --help`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use xtask::{FileStatus, Mode, TARGETS, Target};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "crm-bridge workspace tasks")]
struct Cli {
    /// The workspace root (default: the one this xtask belongs to).
    #[arg(long, global = true)]
    root: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate every raw client crate's src/generated.rs from specs/.
    Regenerate {
        /// Write nothing; fail naming each file that is stale.
        #[arg(long)]
        check: bool,
        /// Only this target (see `cargo xtask list`).
        #[arg(long)]
        only: Option<String>,
    },
    /// List the generation targets: spec → crate → file.
    List,
    /// Print a target's API-surface summary (what the insta snapshot holds).
    Surface {
        /// The target's short name.
        target: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = cli.root.unwrap_or_else(workspace_root);
    match cli.command {
        Command::List => {
            for t in TARGETS {
                println!("{:<14} {:<28} → {:<20} {}", t.name, t.spec, t.krate, t.out);
            }
            ExitCode::SUCCESS
        }
        Command::Surface { target } => match xtask::targets::find(&target) {
            None => unknown(&target),
            Some(t) => match xtask::load_spec(&root.join(t.spec), t.spec) {
                Ok(spec) => {
                    print!("{}", xtask::surface::api_surface(&spec.openapi));
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::FAILURE
                }
            },
        },
        Command::Regenerate { check, only } => {
            let selected: Vec<Target> = match &only {
                None => TARGETS.to_vec(),
                Some(name) => match xtask::targets::find(name) {
                    Some(t) => vec![*t],
                    None => return unknown(name),
                },
            };
            regenerate(
                &root,
                &selected,
                if check { Mode::Check } else { Mode::Write },
            )
        }
    }
}

fn regenerate(root: &Path, targets: &[Target], mode: Mode) -> ExitCode {
    let started = std::time::Instant::now();
    let report = xtask::run(root, targets, mode);
    for outcome in &report.outcomes {
        match &outcome.status {
            FileStatus::Unchanged => println!("unchanged  {}", outcome.out.display()),
            FileStatus::Written => println!("written    {}", outcome.out.display()),
            FileStatus::Stale { diff } => {
                println!("STALE      {}", outcome.out.display());
                println!("{diff}");
            }
        }
    }
    for (target, error) in &report.errors {
        eprintln!("error: target `{target}`: {error}");
    }
    let stale: Vec<String> = report
        .stale()
        .map(|o| o.out.display().to_string())
        .collect();
    if !stale.is_empty() {
        eprintln!(
            "\n{} generated file(s) are stale: {}\nrun `cargo xtask regenerate` and commit the result",
            stale.len(),
            stale.join(", ")
        );
    }
    eprintln!(
        "{} target(s) in {:.2}s",
        targets.len(),
        started.elapsed().as_secs_f64()
    );
    if report.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn unknown(name: &str) -> ExitCode {
    let names: Vec<&str> = TARGETS.iter().map(|t| t.name).collect();
    eprintln!(
        "error: unknown target `{name}`; known: {}",
        names.join(", ")
    );
    ExitCode::FAILURE
}

/// The workspace root: the parent of this crate's manifest directory.
fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(Path::to_path_buf).unwrap_or(manifest)
}
