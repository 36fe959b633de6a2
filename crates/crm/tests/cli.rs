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
    isolate(&mut command, dir);
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

/// No configuration from the machine running the tests: `CRM_CONFIG` and
/// `NO_COLOR` unset, the user config directory inside `dir`.
fn isolate(command: &mut Command, dir: &Path) {
    command
        .env_remove("CRM_CONFIG")
        .env_remove("NO_COLOR")
        .env("XDG_CONFIG_HOME", dir.join("xdg"))
        .env("HOME", dir.join("home"));
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
    let sell_records = ["user", "contact", "deal", "lead", "stage"]
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
    let sell_records = ["user", "contact", "deal", "lead", "stage"]
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

/// Whether `s` holds an SGR (colour/style) escape sequence.
fn has_sgr(s: &str) -> bool {
    s.split("\x1b[").skip(1).any(|rest| {
        let code: String = rest
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == ';')
            .collect();
        rest[code.len()..].starts_with('m')
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_is_found_by_flag_then_env_then_user_dir_then_working_dir() {
    let mocks = mocks(20).await;
    let dir = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let good = write_config(elsewhere.path(), &mocks);
    let dry = ["sync", "--from", "conecrm", "--to", "gong", "--dry-run"];
    let run = |envs: Vec<(&'static str, std::path::PathBuf)>, extra: Vec<String>| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_crm"));
        command.current_dir(dir.path()).args(dry).args(&extra);
        isolate(&mut command, dir.path());
        command
            .env("GONG_ACCESS_KEY", crm_mock::GONG_ACCESS_KEY)
            .env("GONG_ACCESS_KEY_SECRET", SECRET)
            .env("CONECRM_TOKEN", crm_mock::MOCK_TOKEN);
        for (k, v) in envs {
            command.env(k, v);
        }
        async move {
            tokio::task::spawn_blocking(move || command.output().unwrap())
                .await
                .unwrap()
        }
    };

    // Nothing anywhere: the error names every place looked in.
    let out = run(vec![], vec![]).await;
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    for place in [
        "--config",
        "$CRM_CONFIG",
        "xdg/crm-bridge/crm.toml",
        "./crm.toml",
    ] {
        assert!(err.contains(place), "{place} not named in {err}");
    }

    // CRM_CONFIG.
    let out = run(vec![("CRM_CONFIG", good.clone())], vec![]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));

    // --config wins over CRM_CONFIG.
    let out = run(
        vec![("CRM_CONFIG", dir.path().join("nowhere.toml"))],
        vec!["--config".into(), good.display().to_string()],
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = run(
        vec![("CRM_CONFIG", good.clone())],
        vec!["--config".into(), "nowhere.toml".into()],
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("nowhere.toml"));

    // The user config directory beats ./crm.toml (a broken one here).
    std::fs::write(dir.path().join("crm.toml"), "not toml = = =").unwrap();
    let out = run(vec![], vec![]).await;
    assert_eq!(out.status.code(), Some(2), "./crm.toml is read last");
    let user = dir.path().join("xdg").join("crm-bridge");
    std::fs::create_dir_all(&user).unwrap();
    std::fs::copy(&good, user.join("crm.toml")).unwrap();
    let out = run(vec![], vec![]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_lists_the_systems_and_completions_are_printed() {
    let dir = tempfile::tempdir().unwrap();
    // -h: one line per option; --help: each value with its meaning.
    let out = crm(dir.path(), &["sync", "-h"], false).await;
    assert!(out.status.success());
    let help = text(&out.stdout);
    assert!(
        help.contains("[possible values: gong, conecrm, zendesk-sell]"),
        "{help}"
    );
    let out = crm(dir.path(), &["sync", "--help"], false).await;
    let help = text(&out.stdout);
    for value in ["- gong:", "- conecrm:", "- zendesk-sell:"] {
        assert!(help.contains(value), "{value} in {help}");
    }
    assert!(help.contains("CRM_CONFIG"), "{help}");
    let out = crm(dir.path(), &["export", "-h"], false).await;
    assert!(text(&out.stdout).contains("possible values: gong, conecrm, zendesk-sell"));
    let out = crm(dir.path(), &["-h"], false).await;
    let help = text(&out.stdout);
    assert!(help.contains("--color <COLOR>"), "{help}");
    assert!(
        help.contains("[possible values: auto, always, never]"),
        "{help}"
    );
    // An alias still works, and an unknown system lists the values.
    let out = crm(
        dir.path(),
        &["sync", "--from", "salesforce", "--to", "gong"],
        false,
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("zendesk-sell"),
        "{}",
        text(&out.stderr)
    );

    for (shell, marker) in [
        ("bash", "_crm()"),
        ("zsh", "#compdef crm"),
        ("fish", "complete -c crm"),
    ] {
        let out = crm(dir.path(), &["completions", shell], false).await;
        assert!(out.status.success(), "{shell}: {}", text(&out.stderr));
        let script = text(&out.stdout);
        assert!(script.contains(marker), "{shell}:\n{script}");
        assert!(script.contains("mock"), "{shell}: subcommands completed");
    }
    let out = crm(dir.path(), &["completions", "tcsh"], false).await;
    assert_eq!(out.status.code(), Some(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn color_follows_the_flag_and_no_color_in_the_table_and_the_bars() {
    let mocks = mocks(20).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &mocks);
    let config = config.to_str().unwrap();
    let args = |color: &'static str| {
        vec![
            "--color",
            color,
            "--progress",
            "always",
            "sync",
            "--from",
            "conecrm",
            "--to",
            "gong",
            "--dry-run",
            "--config",
            config,
        ]
    };
    let out = crm(dir.path(), &args("always"), true).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(has_sgr(&stdout), "the table is coloured:\n{stdout:?}");
    assert!(has_sgr(&stderr), "the bars are coloured:\n{stderr:?}");
    assert!(stderr.contains("conecrm -> gong"), "{stderr:?}");
    assert!(
        stderr.contains("read,") && stderr.contains("written"),
        "totals shown: {stderr:?}"
    );

    let out = crm(dir.path(), &args("never"), true).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!has_sgr(&text(&out.stdout)), "{:?}", text(&out.stdout));
    assert!(!has_sgr(&text(&out.stderr)), "{:?}", text(&out.stderr));
    assert!(text(&out.stderr).contains("read,"), "bars still drawn");

    // auto: not a terminal, so no colour; NO_COLOR does not override `always`.
    let out = crm(dir.path(), &args("auto"), true).await;
    assert!(!has_sgr(&text(&out.stdout)) && !has_sgr(&text(&out.stderr)));
    let mut command = Command::new(env!("CARGO_BIN_EXE_crm"));
    command.current_dir(dir.path()).args(args("always"));
    isolate(&mut command, dir.path());
    command
        .env("NO_COLOR", "1")
        .env("GONG_ACCESS_KEY", crm_mock::GONG_ACCESS_KEY)
        .env("GONG_ACCESS_KEY_SECRET", SECRET)
        .env("CONECRM_TOKEN", crm_mock::MOCK_TOKEN);
    let out = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    assert!(
        has_sgr(&text(&out.stdout)),
        "an explicit --color always wins"
    );
    // Without --progress always, a pipe gets no bars.
    let out = crm(
        dir.path(),
        &[
            "sync",
            "--from",
            "conecrm",
            "--to",
            "gong",
            "--dry-run",
            "--config",
            config,
        ],
        true,
    )
    .await;
    assert!(
        !text(&out.stderr).contains("read,"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn mock_serve_listens_on_the_ports_asked_for() {
    use std::io::{BufRead, BufReader};
    let free = || {
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    };
    let (gong, cone, sell) = (free(), free(), free());
    let mut server = Command::new(env!("CARGO_BIN_EXE_crm"))
        .args([
            "mock",
            "serve",
            "--records",
            "5",
            "--gong-processing-ms",
            "0",
        ])
        .args(["--gong-port", &gong.to_string()])
        .args(["--conecrm-port", &cone.to_string()])
        .args(["--sell-port", &sell.to_string()])
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
    let parsed: toml::Table = toml::from_str(&printed).unwrap();
    let url = |section: &str| parsed[section]["base_url"].as_str().unwrap().to_owned();
    assert_eq!(url("gong"), format!("http://127.0.0.1:{gong}"));
    assert_eq!(url("conecrm"), format!("http://127.0.0.1:{cone}"));
    assert_eq!(url("zendesk_sell"), format!("http://127.0.0.1:{sell}"));
    // The port answers.
    assert!(std::net::TcpStream::connect(("127.0.0.1", gong)).is_ok());

    // A taken port: an error naming it, not a panic.
    let out = Command::new(env!("CARGO_BIN_EXE_crm"))
        .args(["mock", "serve", "--gong-port", &gong.to_string()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains(&gong.to_string()),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gong_setup_registers_once_and_sync_checks_the_integration() {
    let dir = tempfile::tempdir().unwrap();
    // A Gong without an integration.
    let gong = crm_mock::RunningMock::start(crm_mock::System::Gong, MockConfig::new(3))
        .await
        .unwrap();
    let sell = crm_mock::RunningMock::start(
        crm_mock::System::ZendeskSell,
        MockConfig::new(3).with_seed_records(8),
    )
    .await
    .unwrap();
    let base = format!(
        "[gong]\nbase_url = \"{}\"\nrequests_per_second = 0\n[zendesk_sell]\nbase_url = \"{}\"\n",
        gong.base_url(),
        sell.base_url()
    );
    std::fs::write(dir.path().join("crm.toml"), &base).unwrap();

    // Without an owner email nothing can be registered: a clear usage error.
    let out = crm(dir.path(), &["gong", "setup"], true).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("--owner-email"),
        "{}",
        text(&out.stderr)
    );

    let first = crm(
        dir.path(),
        &["gong", "setup", "--owner-email", "ops@example.com"],
        true,
    )
    .await;
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert!(text(&first.stderr).contains("registered"));
    let printed: toml::Value = toml::from_str(&text(&first.stdout)).unwrap();
    let id = printed["gong"]["integration_id"].as_integer().unwrap();
    // Run again: the same integration, nothing new registered.
    let again = crm(
        dir.path(),
        &["gong", "setup", "--owner-email", "ops@example.com"],
        true,
    )
    .await;
    assert!(
        text(&again.stderr).contains("already has"),
        "{}",
        text(&again.stderr)
    );
    assert_eq!(text(&again.stdout), text(&first.stdout));

    // A sync into an integration that does not exist stops before writing.
    let wrong = base.replace(
        "requests_per_second = 0\n[zendesk_sell]",
        &format!(
            "requests_per_second = 0\nintegration_id = {}\n[zendesk_sell]",
            id + 1
        ),
    );
    std::fs::write(dir.path().join("crm.toml"), &wrong).unwrap();
    let out = crm(
        dir.path(),
        &["sync", "--from", "zendesk-sell", "--to", "gong", "--quiet"],
        true,
    )
    .await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("does not exist") && stderr.contains(&id.to_string()),
        "{stderr}"
    );
    assert_eq!(gong.stats().gong_uploads, 0, "nothing uploaded");

    // With the id setup printed, the sync runs.
    let right = wrong.replace(
        &format!("integration_id = {}", id + 1),
        &format!("integration_id = {id}"),
    );
    std::fs::write(dir.path().join("crm.toml"), right).unwrap();
    let out = crm(
        dir.path(),
        &["sync", "--from", "zendesk-sell", "--to", "gong", "--quiet"],
        true,
    )
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(gong.stats().gong_uploads > 0);
    gong.shutdown().await;
    sell.shutdown().await;
}
