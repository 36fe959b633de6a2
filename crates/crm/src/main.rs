//! `crm`: sync, export and demo between Gong, ConeCRM and Zendesk Sell.
//! See `crm --help`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use crm::config::{Config, Environment};
use crm::demo::DemoOptions;
use crm::{Clients, CrmError, Progress, SyncRequest};
use crm_core::EntityKind;
use crm_core::{ConvertOptions, Currency, System};
use std::io::IsTerminal;

#[derive(Parser)]
#[command(
    name = "crm",
    version,
    about = "Move CRM records between Gong, ConeCRM and Zendesk Sell without silent loss"
)]
struct Cli {
    /// More logging (-v info, -vv debug, -vvv trace); logs go to stderr.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    /// No progress bars.
    #[arg(long, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start three mock servers seeded with data and sync between them.
    Demo {
        /// Records per entity seeded in Sell and ConeCRM.
        #[arg(long, default_value_t = 2_000)]
        records: usize,
        /// Seed of the generated data.
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Sync records from one system to another (real endpoints).
    #[command(after_help = SYNC_HELP)]
    Sync(SyncArgs),
    /// Export a system's records (in the common model) as LDJSON or JSON.
    Export {
        /// The system: zendesk-sell or conecrm.
        #[arg(long)]
        from: System,
        /// The format.
        #[arg(long, value_enum, default_value_t = Format::Ldjson)]
        format: Format,
        /// Only these entities.
        #[arg(long, value_delimiter = ',')]
        entities: Vec<EntityKind>,
        /// The output file (default: stdout).
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// The configuration file.
        #[arg(long, default_value = "crm.toml")]
        config: PathBuf,
    },
    /// Mock servers for trying crm-bridge without real accounts.
    Mock {
        #[command(subcommand)]
        command: MockCommand,
    },
}

/// Where `crm sync` finds its configuration and secrets.
const SYNC_HELP: &str = "\
crm.toml (or --config FILE):
  [gong]
  integration_id = 6286478263646123457   # required for gong
  base_url = \"https://api.gong.io\"       # optional, also for [conecrm] and [zendesk_sell]
  currency = \"USD\"                       # the Gong company's currency
  requests_per_second = 3                # optional; 0 = no client-side limit

Secrets, from the environment only (never printed):
  GONG_ACCESS_KEY + GONG_ACCESS_KEY_SECRET, or GONG_BEARER_TOKEN
  CONECRM_TOKEN
  ZENDESK_SELL_TOKEN, or ZENDESK_SELL_CLIENT_ID + ZENDESK_SELL_CLIENT_SECRET + ZENDESK_SELL_REFRESH_TOKEN

`crm mock serve` prints a crm.toml and credentials for local mock servers.";

/// The options of `crm sync`.
#[derive(clap::Args)]
struct SyncArgs {
    /// The source system: zendesk-sell or conecrm.
    #[arg(long)]
    from: System,
    /// The target system: gong, conecrm or zendesk-sell.
    #[arg(long)]
    to: System,
    /// Only these entities (default: all the pair supports).
    #[arg(long, value_delimiter = ',')]
    entities: Vec<EntityKind>,
    /// Convert and print the loss report; write nothing.
    #[arg(long)]
    dry_run: bool,
    /// The configuration file (endpoints, Gong integration id).
    #[arg(long, default_value = "crm.toml")]
    config: PathBuf,
    /// The checkpoint file of this sync.
    #[arg(long, default_value = "crm-sync.checkpoint.json")]
    checkpoint: PathBuf,
    /// Resume an interrupted sync from its checkpoint.
    #[arg(long)]
    resume: bool,
    /// Send only what changed since the last sync (zendesk-sell -> gong:
    /// read from Sell's Firehose at the positions in the state file).
    #[arg(long)]
    incremental: bool,
    /// Where Firehose positions are kept between syncs.
    #[arg(long, default_value = "crm-sync.state.json")]
    state: PathBuf,
}

/// The export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// One JSON entity per line.
    Ldjson,
    /// One JSON array.
    Json,
}

#[derive(Subcommand)]
enum MockCommand {
    /// Serve the three mocks until Ctrl-C, printing their URLs and credentials.
    Serve {
        /// Records per entity seeded in Sell and ConeCRM.
        #[arg(long, default_value_t = 1_000)]
        records: usize,
        /// Seed of the generated data and faults.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Probability of a 5xx answer.
        #[arg(long, default_value_t = 0.0)]
        error_rate: f64,
        /// How long Gong takes to process an upload, in milliseconds.
        #[arg(long, default_value_t = 500)]
        gong_processing_ms: u64,
        /// The bearer token the ConeCRM and Sell mocks accept (default: a
        /// public test token as long as a real Sell token).
        #[arg(long)]
        token: Option<String>,
        /// The access key the Gong mock accepts (default: a public test key).
        #[arg(long)]
        gong_access_key: Option<String>,
        /// The access key secret the Gong mock accepts (default: a public
        /// test secret).
        #[arg(long)]
        gong_access_key_secret: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose);
    let progress = if cli.quiet || !std::io::stderr().is_terminal() {
        Progress::Hidden
    } else {
        Progress::Bars
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(3);
        }
    };
    let is_sync = matches!(&cli.command, Command::Sync(args) if !args.dry_run);
    let is_serve = matches!(cli.command, Command::Mock { .. });
    runtime.block_on(async {
        tokio::select! {
            code = run(cli.command, progress) => code,
            _ = tokio::signal::ctrl_c() => {
                if is_serve {
                    eprintln!("mock servers stopped");
                    ExitCode::SUCCESS
                } else {
                    if is_sync {
                        eprintln!("interrupted: run the same `crm sync` with --resume to finish it");
                    } else {
                        eprintln!("interrupted");
                    }
                    ExitCode::from(130)
                }
            }
        }
    })
}

async fn run(command: Command, progress: Progress) -> ExitCode {
    let outcome = match command {
        Command::Demo { records, seed } => demo(records, seed, progress).await,
        Command::Sync(args) => sync(args, progress).await,
        Command::Export {
            from,
            format,
            entities,
            output,
            config,
        } => export(from, format, &entities, output, &config).await,
        Command::Mock {
            command:
                MockCommand::Serve {
                    records,
                    seed,
                    error_rate,
                    gong_processing_ms,
                    token,
                    gong_access_key,
                    gong_access_key_secret,
                },
        } => {
            let auth = crm_mock::MockAuth::Systems {
                token: token.unwrap_or_else(|| crm_mock::MOCK_TOKEN.to_owned()),
                gong_user: gong_access_key.unwrap_or_else(|| crm_mock::GONG_ACCESS_KEY.to_owned()),
                gong_password: gong_access_key_secret
                    .unwrap_or_else(|| crm_mock::GONG_ACCESS_KEY_SECRET.to_owned()),
            };
            serve(
                records,
                seed,
                error_rate,
                Duration::from_millis(gong_processing_ms),
                auth,
            )
            .await
        }
    };
    match outcome {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

async fn demo(records: usize, seed: u64, progress: Progress) -> Result<ExitCode, CrmError> {
    eprintln!(
        "starting mock Gong, ConeCRM and Zendesk Sell servers with {records} records per entity (seed {seed})…"
    );
    let outcome = crm::demo::run(&DemoOptions {
        records,
        seed,
        progress,
    })
    .await?;
    println!("{}", crm::summary::table(&outcome.reports));
    let total: u64 = outcome.reports.iter().map(|r| r.records()).sum();
    println!(
        "{total} records synced in {:.2}s",
        outcome.elapsed.as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

async fn sync(args: SyncArgs, progress: Progress) -> Result<ExitCode, CrmError> {
    let SyncArgs {
        from,
        to,
        entities,
        dry_run,
        config: config_path,
        checkpoint,
        resume,
        incremental,
        state,
    } = args;
    let config = Config::load(&config_path)?;
    let clients = Clients::from_config(&config, &Environment, &[from, to])?;
    let mut request = SyncRequest::new(from, to);
    request.entities = entities;
    request.dry_run = dry_run;
    request.checkpoint = Some(checkpoint);
    request.resume = resume;
    request.incremental = incremental;
    request.state = Some(state);
    request.progress = progress;
    request.options = ConvertOptions {
        gong_currency: config
            .gong
            .as_ref()
            .and_then(|g| g.currency.clone())
            .map(Currency::new),
        default_modified_date: Some(chrono::Utc::now()),
    };
    let report = crm::sync(&clients, &request).await?;
    println!("{}", crm::summary::table(std::slice::from_ref(&report)));
    Ok(if report.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

async fn export(
    from: System,
    format: Format,
    entities: &[EntityKind],
    output: Option<PathBuf>,
    config_path: &std::path::Path,
) -> Result<ExitCode, CrmError> {
    let config = Config::load(config_path)?;
    let clients = Clients::from_config(&config, &Environment, &[from])?;
    let connectors = clients.connectors(100, &Default::default());
    // Checked before the output file is created, so a wrong request
    // leaves an existing file as it was.
    let exportable = connectors.exportable(from)?;
    if let Some(kind) = entities.iter().find(|k| !exportable.contains(k)) {
        return Err(CrmError::Unsupported(format!(
            "{from}: {kind} cannot be exported"
        )));
    }
    let format = match format {
        Format::Ldjson => crm_sync::export::Format::Ldjson,
        Format::Json => crm_sync::export::Format::Json,
    };
    let count = match &output {
        Some(path) => {
            let file = std::fs::File::create(path).map_err(|source| CrmError::Io {
                path: path.clone(),
                source,
            })?;
            let mut out = std::io::BufWriter::new(file);
            crm_sync::export::export(&connectors, from, entities, format, &mut out).await?
        }
        None => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            crm_sync::export::export(&connectors, from, entities, format, &mut out).await?
        }
    };
    eprintln!("{count} records exported");
    Ok(ExitCode::SUCCESS)
}

async fn serve(
    records: usize,
    seed: u64,
    error_rate: f64,
    gong_processing: Duration,
    auth: crm_mock::MockAuth,
) -> Result<ExitCode, CrmError> {
    let mut config = crm_mock::MockConfig::new(seed);
    config.seed_records = records;
    config.auth = auth.clone();
    config.faults.error_rate = error_rate;
    config.gong_processing = gong_processing;
    let mocks = crm::demo::start_mocks(config).await?;
    let integration = mocks.clients.gong.as_ref().map_or(0, |g| g.integration_id);
    // stdout is the configuration file only (`crm mock serve > crm.toml`
    // gives valid TOML); what a person reads goes to stderr.
    eprintln!("mock servers are up; the crm.toml for them is on stdout");
    println!("# crm.toml for the crm-bridge mock servers");
    println!(
        "[gong]\nbase_url = \"{}\"\nintegration_id = {integration}\ncurrency = \"USD\"\nrequests_per_second = 0\n",
        mocks.gong.base_url()
    );
    println!(
        "[conecrm]\nbase_url = \"{}\"\nrequests_per_second = 0\n",
        mocks.conecrm.base_url()
    );
    println!(
        "[zendesk_sell]\nbase_url = \"{}\"\nrequests_per_second = 0",
        mocks.sell.base_url()
    );
    println!("# end of crm.toml");
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    eprintln!(
        "export the mocks' credentials (test-only; given with --token … or the public defaults):"
    );
    if let (crm_mock::MockAuth::Basic { user, password }, crm_mock::MockAuth::Bearer(token)) = (
        auth.resolve(crm_mock::System::Gong),
        auth.resolve(crm_mock::System::ZendeskSell),
    ) {
        eprintln!("  export GONG_ACCESS_KEY={user} GONG_ACCESS_KEY_SECRET={password}");
        eprintln!("  export CONECRM_TOKEN={token} ZENDESK_SELL_TOKEN={token}");
    }
    eprintln!("then: crm sync --from zendesk-sell --to gong");
    eprintln!("Ctrl-C stops the servers.");
    std::future::pending::<()>().await;
    Ok(ExitCode::SUCCESS)
}

fn init_logging(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
