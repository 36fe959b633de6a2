//! The summary table printed at the end of a sync or the demo. Colour
//! (bold header, failures red, skips and losses yellow) follows
//! `console`'s stdout setting, which `--color` and `NO_COLOR` set
//! ([`crate::progress::ColorChoice::apply`]).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use console::style;
use crm_core::System;
use crm_sync::SyncReport;

/// A created/updated count, or `-` where the target does not say (Gong's
/// bulk upload inserts or updates without telling which).
fn counted(target: System, n: u64) -> String {
    if target == System::Gong {
        "-".to_owned()
    } else {
        n.to_string()
    }
}

/// The summary table of several syncs.
pub fn table(reports: &[SyncReport]) -> String {
    let mut out = String::new();
    let header = format!(
        "{:<24} {:<10} {:>8} {:>8} {:>8} {:>8} {:>8} {:>7} {:>8}",
        "sync", "entity", "read", "written", "created", "updated", "skipped", "failed", "time"
    );
    let _ = writeln!(out, "{}", style(header).bold());
    let _ = writeln!(out, "{}", "-".repeat(100));
    for r in reports {
        let label = format!(
            "{} -> {}{}",
            r.from,
            r.to,
            if r.dry_run { " (dry)" } else { "" }
        );
        for (i, e) in r.entities.iter().enumerate() {
            let time = if i == 0 {
                format!("{:.2}s", r.elapsed.as_secs_f64())
            } else {
                String::new()
            };
            let entity = if e.done_before {
                format!("{} (done)", e.kind)
            } else {
                e.kind.to_string()
            };
            let _ = writeln!(
                out,
                "{:<24} {:<10} {:>8} {:>8} {:>8} {:>8} {:>8} {:>7} {:>8}",
                if i == 0 { label.as_str() } else { "" },
                entity,
                e.read,
                e.written,
                counted(r.to, e.created),
                counted(r.to, e.updated),
                if e.skipped > 0 {
                    style(e.skipped).yellow()
                } else {
                    style(e.skipped)
                },
                if e.failed > 0 {
                    style(e.failed).red().bold()
                } else {
                    style(e.failed)
                },
                time
            );
        }
    }
    let mut losses: BTreeMap<String, u64> = BTreeMap::new();
    for r in reports {
        for e in &r.entities {
            for (path, n) in &e.losses {
                *losses
                    .entry(format!("{} -> {}: {path}", r.from, r.to))
                    .or_insert(0) += n;
            }
        }
    }
    if !losses.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            style("fields not carried (records), by field:").yellow()
        );
        for (path, n) in &losses {
            let _ = writeln!(out, "  {n:>8}  {path}");
        }
    }
    for r in reports
        .iter()
        .filter(|r| r.to == System::Gong && !r.dry_run)
    {
        let Some(deals) = r.entity(crm_core::EntityKind::Deal) else {
            continue;
        };
        let visible = deals.written.saturating_sub(deals.hidden_records);
        let _ = write!(
            out,
            "\nGong deal board ({} -> gong): {visible} of {} deals visible",
            r.from, deals.written
        );
        if deals.hidden.is_empty() {
            let _ = writeln!(out);
        } else {
            let why: Vec<String> = deals
                .hidden
                .iter()
                .map(|(field, n)| {
                    format!(
                        "{n} without {}",
                        field.trim_start_matches("deal.").replace('_', " ")
                    )
                })
                .collect();
            let _ = writeln!(out, "; hidden: {}", why.join(", "));
        }
    }
    let mut header = false;
    for r in reports {
        for e in &r.entities {
            if e.problems.is_empty() {
                continue;
            }
            if !header {
                let _ = writeln!(out, "\n{}", style("first problems:").red());
                header = true;
            }
            let _ = writeln!(out, "  {} -> {} {}:", r.from, r.to, e.kind);
            for p in e.problems.iter().take(3) {
                let _ = writeln!(out, "    - {p}");
            }
        }
    }
    out
}

/// The line that says what Gong's deal board shows, read back from Gong
/// (the mock): deals visible, and why the others are not.
pub fn gong_board(board: &crm_mock::GongBoard) -> String {
    let mut why = Vec::new();
    for (n, reason) in [
        (
            board.without_account,
            "no uploaded account (not in Gong at all)",
        ),
        (
            board.without_known_owner,
            "an owner who is no Gong business user",
        ),
        (board.without_close_date, "no close date"),
    ] {
        if n > 0 {
            why.push(format!("{n} with {reason}"));
        }
    }
    let mut line = format!(
        "Gong deal board (read back): {} of {} deals visible",
        board.visible, board.deals
    );
    if !why.is_empty() {
        line.push_str("; hidden: ");
        line.push_str(&why.join(", "));
    }
    let undeclared: u64 = board
        .undeclared_fields
        .values()
        .flat_map(|f| f.values())
        .sum();
    if undeclared > 0 {
        line.push_str(&format!(
            "\n{undeclared} additional field values are not displayed by Gong (no entity schema declares them)"
        ));
    }
    line
}
