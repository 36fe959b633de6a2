//! Progress bars: an [`Observer`] drawing one indicatif bar per entity.

use std::sync::Mutex;
use std::time::Duration;

use crm_core::{EntityKind, System};
use crm_sync::{EntityReport, Observer};
use indicatif::{ProgressBar, ProgressStyle};

/// Whether to draw progress bars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Progress {
    /// No output (tests, pipes).
    #[default]
    Hidden,
    /// A progress bar per entity on stderr.
    Bars,
}

/// Draws a spinner per entity: records read, rate and time.
#[derive(Debug)]
pub struct Bars {
    progress: Progress,
    bar: Mutex<Option<ProgressBar>>,
}

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

impl Observer for Bars {
    fn entity_started(&self, from: System, to: System, kind: EntityKind) {
        if self.progress == Progress::Hidden {
            return;
        }
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {prefix:<28} {pos:>9} records  {per_sec}  {elapsed}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_prefix(format!("{from} -> {to} {kind}"));
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

    fn entity_finished(&self, _from: System, _to: System, _report: &EntityReport) {
        self.with_bar(|b| {
            if let Some(bar) = b.take() {
                bar.finish();
            }
        });
    }
}
