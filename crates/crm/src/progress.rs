//! Progress bars: an [`Observer`] drawing one indicatif bar per entity, and
//! the `--color` choice shared with the summary table.

use std::sync::Mutex;
use std::time::Duration;

use crm_core::{EntityKind, System};
use crm_sync::{EntityReport, Observer};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Whether to draw progress bars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Progress {
    /// No output (tests, pipes).
    #[default]
    Hidden,
    /// A progress bar per entity on stderr, when stderr is a terminal.
    Bars,
    /// A progress bar per entity on stderr even when it is not a terminal
    /// (`--progress always`: CI logs, tests).
    Always,
}

/// `--color`: whether the progress bars and the summary table use colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour when the output is a terminal and `NO_COLOR` is unset or empty.
    #[default]
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

impl ColorChoice {
    /// Whether to colour an output: `no_color` is the value of `NO_COLOR`
    /// (<https://no-color.org>: any non-empty value turns colour off under
    /// `auto`), `is_terminal` whether the output is a terminal.
    pub fn enabled(self, no_color: Option<&std::ffi::OsStr>, is_terminal: bool) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => is_terminal && no_color.is_none_or(|v| v.is_empty()),
        }
    }

    /// Applies the choice to the process's stdout (the summary table) and
    /// stderr (the progress bars), reading `NO_COLOR` from the environment.
    pub fn apply(self) {
        use std::io::IsTerminal as _;
        let no_color = std::env::var_os("NO_COLOR");
        console::set_colors_enabled(
            self.enabled(no_color.as_deref(), std::io::stdout().is_terminal()),
        );
        console::set_colors_enabled_stderr(
            self.enabled(no_color.as_deref(), std::io::stderr().is_terminal()),
        );
    }
}

/// Draws a bar per entity: the phase, records read, their rate and the time
/// taken; when the entity ends, its totals (read, written, failed).
#[derive(Debug)]
pub struct Bars {
    progress: Progress,
    bar: Mutex<Option<ProgressBar>>,
}

/// While records stream: spinner, pair and entity, phase, count, rate, time.
const RUNNING: &str =
    "{spinner:.cyan} {prefix:<28.bold} {msg:<9.dim} {pos:>9} records  {per_sec:.dim}  {elapsed}";
/// When the entity is done: its totals.
const FINISHED: &str = "{prefix:<28.bold} {msg}  {elapsed}";

impl Bars {
    /// Bars, or nothing for [`Progress::Hidden`].
    pub fn new(progress: Progress) -> Self {
        Bars {
            progress,
            bar: Mutex::new(None),
        }
    }

    fn with_bar(&self, f: impl FnOnce(&mut Option<ProgressBar>)) {
        if let Ok(mut bar) = self.bar.lock() {
            f(&mut bar);
        }
    }
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_spinner())
}

impl Observer for Bars {
    fn entity_started(&self, from: System, to: System, kind: EntityKind) {
        let target = match self.progress {
            Progress::Hidden => return,
            Progress::Bars => ProgressDrawTarget::stderr(),
            Progress::Always => ProgressDrawTarget::term_like(Box::new(console::Term::stderr())),
        };
        let bar = ProgressBar::with_draw_target(None, target);
        bar.set_style(style(RUNNING));
        bar.set_prefix(format!("{from} -> {to} {kind}"));
        bar.set_message("syncing");
        bar.enable_steady_tick(Duration::from_millis(120));
        self.with_bar(|b| *b = Some(bar));
    }

    fn records_read(&self, _kind: EntityKind, n: u64) {
        self.with_bar(|b| {
            if let Some(bar) = b {
                bar.inc(n);
            }
        });
    }

    fn entity_finished(&self, _from: System, _to: System, report: &EntityReport) {
        self.with_bar(|b| {
            if let Some(bar) = b.take() {
                bar.set_style(style(FINISHED));
                let failed = if report.failed > 0 {
                    console::style(format!("{} failed", report.failed))
                        .red()
                        .for_stderr()
                        .to_string()
                } else {
                    "0 failed".to_owned()
                };
                let done = if report.done_before {
                    " (done before)"
                } else {
                    ""
                };
                bar.finish_with_message(format!(
                    "{} read, {} written, {} skipped, {failed}{done}",
                    report.read, report.written, report.skipped
                ));
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::ColorChoice;
    use std::ffi::OsStr;

    #[test]
    fn no_color_turns_auto_off_but_not_always() {
        let set = Some(OsStr::new("1"));
        let empty = Some(OsStr::new(""));
        assert!(ColorChoice::Auto.enabled(None, true));
        assert!(ColorChoice::Auto.enabled(empty, true));
        assert!(!ColorChoice::Auto.enabled(set, true));
        assert!(!ColorChoice::Auto.enabled(None, false));
        assert!(ColorChoice::Always.enabled(set, false));
        assert!(!ColorChoice::Never.enabled(None, true));
    }
}
