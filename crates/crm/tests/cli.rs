//! The `crm` binary as a user runs it: against mock servers on loopback,
//! configured by a TOML file and environment variables.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use std::path::Path;
use std::process::{Command, Output};

use crm::demo::{Mocks, start_mocks};
use crm_mock::MockConfig;

const SECRET: &str = crm_mock::GONG_ACCESS_KEY_SECRET;

async fn mocks(records: usize) -> Mocks {
    start_mocks(MockConfig::new(5).with_seed_records(records))
        .await
        .unwrap()
}

fn write_config(dir: &Path, mocks: &Mocks) -> std::path::PathBuf {
    let gong = mocks.clients.gong.as_ref().unwrap();
    let text = format!(
        "[gong]\nbase_url = \"{}\"\nintegration_id = {}\ncurrency = \"USD\"\nrequests_per_second = 0\n\
         [conecrm]\nbase_url = \"{}\"\n[zendesk_sell]\nbase_url = \"{}\"\n",
        mocks.gong.base_url(),
        gong.integration_id,
        mocks.conecrm.base_url(),
        mocks.sell.base_url()
    );
    let path = dir.join("crm.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs `crm args…` with the mocks' credentials (unless `with_secrets` is
/// false) in `dir`, off the async runtime.
async fn crm(dir: &Path, args: &[&str], with_secrets: bool) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_crm"));
    command.current_dir(dir).args(args).env_remove("RUST_LOG");
    for name in [
        "GONG_ACCESS_KEY",
        "GONG_ACCESS_KEY_SECRET",
        "GONG_BEARER_TOKEN",
        "CONECRM_TOKEN",
        "ZENDESK_SELL_TOKEN",
        "ZENDESK_SELL_CLIENT_ID",
    ] {
        command.env_remove(name);
    }
    if with_secrets {
        command
            .env("GONG_ACCESS_KEY", crm_mock::GONG_ACCESS_KEY)
            .env("GONG_ACCESS_KEY_SECRET", SECRET)
            .env("CONECRM_TOKEN", crm_mock::MOCK_TOKEN)
            .env("ZENDESK_SELL_TOKEN", crm_mock::MOCK_TOKEN);
    }
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_runs_every_sync_and_prints_the_summary() {
    let dir = tempfile::tempdir().unwrap();
    let out = crm(dir.path(), &["demo", "--records", "60"], false).await;
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    for sync in [
        "zendesk-sell -> gong",
        "conecrm -> gong",
        "zendesk-sell -> conecrm",
        "conecrm -> zendesk-sell",
    ] {
        assert!(stdout.contains(sync), "{sync} missing from\n{stdout}");
    }
    assert!(stdout.contains("fields not carried"), "{stdout}");
    assert!(stdout.contains("records synced in"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_writes_to_gong_and_dry_run_writes_nothing() {
    let mocks = mocks(50).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &mocks);
    let config = config.to_str().unwrap();

    let dry = crm(
        dir.path(),
        &[
            "sync",
            "--from",
            "zendesk-sell",
            "--to",
            "gong",
            "--dry-run",
            "--config",
            config,
        ],
        true,
    )
    .await;
    let stdout = text(&dry.stdout);
    assert!(dry.status.success(), "{stdout}\n{}", text(&dry.stderr));
    assert!(
        stdout.contains("(dry)") && stdout.contains("fields not carried"),
        "{stdout}"
    );
    assert_eq!(
        mocks.gong.stats().gong_uploads,
        0,
        "a dry run uploads nothing"
    );
    assert!(!dir.path().join("crm-sync.checkpoint.json").exists());

    let real = crm(
        dir.path(),
        &[
            "sync",
            "--from",
            "zendesk-sell",
            "--to",
            "gong",
            "--config",
            config,
        ],
        true,
    )
    .await;
    assert!(
        real.status.success(),
        "{}\n{}",
        text(&real.stdout),
        text(&real.stderr)
    );
    let receipts: usize = mocks
        .gong
        .stats()
        .gong_receipts
        .values()
        .map(|ids| ids.len())
        .sum();
    let sell_records = ["contact", "deal", "lead", "stage"]
        .iter()
        .map(|e| mocks.sell.records(e).len())
        .sum::<usize>();
    assert_eq!(receipts, sell_records);
    assert!(
        !dir.path().join("crm-sync.checkpoint.json").exists(),
        "a finished sync removes its checkpoint"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_clear_with_their_exit_codes_and_never_show_secrets() {
    let mocks = mocks(5).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &mocks);
    let config = config.to_str().unwrap();

    // No secrets in the environment: 2, naming the variables.
    let out = crm(
        dir.path(),
        &[
            "sync",
            "--from",
            "zendesk-sell",
            "--to",
            "gong",
            "--config",
            config,
        ],
        false,
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("ZENDESK_SELL_TOKEN"),
        "{}",
        text(&out.stderr)
    );

    // Gong is not a source: 2.
    let out = crm(
        dir.path(),
        &[
            "sync", "--from", "gong", "--to", "conecrm", "--config", config,
        ],
        true,
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("gong cannot be a source"),
        "{}",
        text(&out.stderr)
    );

    // A missing config file: 2, naming it.
    let out = crm(
        dir.path(),
        &[
            "sync",
            "--from",
            "conecrm",
            "--to",
            "gong",
            "--config",
            "nowhere.toml",
        ],
        true,
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("nowhere.toml"),
        "{}",
        text(&out.stderr)
    );

    // A bad argument: clap's 2.
    let out = crm(
        dir.path(),
        &["sync", "--from", "salesforce", "--to", "gong"],
        true,
    )
    .await;
    assert_eq!(out.status.code(), Some(2));

    // Wrong credentials: the system's 401, and the secret never printed,
    // not even with every log on.
    let mut wrong = Command::new(env!("CARGO_BIN_EXE_crm"));
    wrong
        .current_dir(dir.path())
        .args([
            "-vvv",
            "sync",
            "--from",
            "zendesk-sell",
            "--to",
            "gong",
            "--config",
            config,
        ])
        .env("GONG_ACCESS_KEY", "AK-wrong-key")
        .env("GONG_ACCESS_KEY_SECRET", "SK-very-secret-value")
        .env("ZENDESK_SELL_TOKEN", "TK-very-secret-token");
    let out = tokio::task::spawn_blocking(move || wrong.output().unwrap())
        .await
        .unwrap();
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(3), "{all}");
    assert!(all.contains("401"), "{all}");
    for secret in ["SK-very-secret-value", "TK-very-secret-token"] {
        assert!(!all.contains(secret), "{secret} printed");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_streams_ldjson_and_json() {
    let mocks = mocks(40).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &mocks);
    let config = config.to_str().unwrap();

    let out = crm(
        dir.path(),
        &[
            "export",
            "--from",
            "zendesk-sell",
            "--format",
            "ldjson",
            "-o",
            "sell.ldjson",
            "--config",
            config,
        ],
        true,
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let file = std::fs::read_to_string(dir.path().join("sell.ldjson")).unwrap();
    let lines: Vec<serde_json::Value> = file
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    let sell_records = ["contact", "deal", "lead", "stage"]
        .iter()
        .map(|e| mocks.sell.records(e).len())
        .sum::<usize>();
    assert_eq!(lines.len(), sell_records);
    assert!(text(&out.stderr).contains(&format!("{sell_records} records exported")));

    let out = crm(
        dir.path(),
        &[
            "export",
            "--from",
            "conecrm",
            "--format",
            "json",
            "--entities",
            "accounts",
            "--config",
            config,
        ],
        true,
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let all: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).expect("a JSON array");
    assert_eq!(all.len(), mocks.conecrm.records("account").len());
}

/// Kills the child process when dropped, so a failing test leaves no server.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn mock_serve_prints_a_config_that_a_sync_can_use() {
    use std::io::{BufRead, BufReader};
    let mut server = Command::new(env!("CARGO_BIN_EXE_crm"))
        .args([
            "mock",
            "serve",
            "--records",
            "20",
            "--gong-processing-ms",
            "0",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = server.stdout.take().unwrap();
    let _server = KillOnDrop(server);
    let mut printed = String::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        printed.push_str(&line);
        printed.push('\n');
        if line == "# end of crm.toml" {
            break;
        }
    }
    // What `crm mock serve > crm.toml` writes is TOML, and nothing else.
    let parsed: toml::Table = toml::from_str(&printed).unwrap();
    assert_eq!(
        parsed.keys().map(String::as_str).collect::<Vec<_>>(),
        ["conecrm", "gong", "zendesk_sell"],
        "{printed}"
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("crm.toml"), &printed).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_crm"))
        .current_dir(dir.path())
        .args(["sync", "--from", "conecrm", "--to", "gong"])
        .env("GONG_ACCESS_KEY", crm_mock::GONG_ACCESS_KEY)
        .env("GONG_ACCESS_KEY_SECRET", crm_mock::GONG_ACCESS_KEY_SECRET)
        .env("CONECRM_TOKEN", crm_mock::MOCK_TOKEN)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{printed}\n{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(
        text(&out.stdout).contains("conecrm -> gong"),
        "{}",
        text(&out.stdout)
    );
}
