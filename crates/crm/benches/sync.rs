//! Sell → Gong sync of about 100,000 records through the mocks, as a user
//! runs it: the mocks in their own process (`crm mock serve`, no faults,
//! Gong processing at once), this process configured from the TOML it
//! prints, no client-side rate limit ("fast").
//!
//! `cargo bench -p crm --bench sync [-- <records per entity>]` prints the
//! records, the time, records/s and this process's peak RSS (VmHWM): the
//! sync's own memory, the mocks' not included.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "benchmark")]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Instant;

use crm::Progress;
use crm::config::Config;
use crm::demo::mock_request;
use crm::{Clients, sync};
use crm_core::System;

/// Kills the mock server when dropped, also when the bench panics.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let per_entity: usize = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .map_or(33_334, |a| a.parse().expect("records per entity"));
    let mut server = Command::new(env!("CARGO_BIN_EXE_crm"))
        .args([
            "mock",
            "serve",
            "--records",
            &per_entity.to_string(),
            "--gong-processing-ms",
            "0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("crm mock serve starts");
    let stdout = server.stdout.take().unwrap();
    let server = KillOnDrop(server);
    let mut toml = String::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if line.starts_with("# end of crm.toml") {
            break;
        }
        toml.push_str(&line);
        toml.push('\n');
    }
    let config: Config = toml::from_str(&toml).expect("crm mock serve prints a usable crm.toml");
    let mut secrets = BTreeMap::new();
    for (name, value) in [
        ("GONG_ACCESS_KEY", crm_mock::GONG_ACCESS_KEY),
        ("GONG_ACCESS_KEY_SECRET", crm_mock::GONG_ACCESS_KEY_SECRET),
        ("ZENDESK_SELL_TOKEN", crm_mock::MOCK_TOKEN),
    ] {
        secrets.insert(name.to_owned(), value.to_owned());
    }
    let clients =
        Clients::from_config(&config, &secrets, &[System::ZendeskSell, System::Gong]).unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let request = mock_request(System::ZendeskSell, System::Gong, Progress::Hidden);
    let started = Instant::now();
    let report = runtime
        .block_on(sync(&clients, &request))
        .expect("the sync runs");
    let elapsed = started.elapsed();
    drop(server);

    let records = report.records();
    assert!(
        report.is_clean(),
        "{}",
        crm::summary::table(std::slice::from_ref(&report))
    );
    println!(
        "sell -> gong: {records} records in {:.2} s = {:.0} records/s; peak RSS of the syncing process {:.1} MiB",
        elapsed.as_secs_f64(),
        records as f64 / elapsed.as_secs_f64(),
        peak_rss_kib().unwrap_or(0) as f64 / 1024.0
    );
    for e in &report.entities {
        println!(
            "  {:<10} {:>8} read {:>8} written",
            e.kind.to_string(),
            e.read,
            e.written
        );
    }
}
