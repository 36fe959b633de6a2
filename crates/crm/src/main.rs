//! `crm`: sync, export and demo between Gong, ConeCRM and Zendesk Sell.
//! See `crm --help`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{CommandFactory, Parser, Subcommand};
use crm::config::{Config, Environment};
use crm::demo::DemoOptions;
use crm::progress::ColorChoice;
use crm::{Clients, CrmError, Progress, SyncRequest};
use crm_core::EntityKind;
use crm_core::{ConvertOptions, System};
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
    /// No progress bars (as `--progress never`).
    #[arg(long, global = true)]
    quiet: bool,
    /// Progress bars on stderr: when it is a terminal (auto), always, never.
    #[arg(long, global = true, value_enum, default_value_t = When::Auto)]
    progress: When,
    /// Colour in progress bars and the summary table. `auto`: when the
    /// output is a terminal and NO_COLOR is unset.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    /// The configuration file (endpoints, Gong integration id). Default: the
    /// CRM_CONFIG variable, else crm-bridge/crm.toml in the user config
    /// directory if it exists, else ./crm.toml.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

/// `--progress`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum When {
    /// When stderr is a terminal.
    Auto,
    /// Even when stderr is not a terminal (logs).
    Always,
    /// Never.
    Never,
}

/// A system named on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum SystemArg {
    /// Gong's CRM integration API.
    Gong,
    /// ConeCRM.
    #[value(alias = "cone")]
    Conecrm,
    /// Zendesk Sell.
    #[value(alias = "sell", alias = "zendesk_sell")]
    ZendeskSell,
}

impl From<SystemArg> for System {
    fn from(arg: SystemArg) -> System {
        match arg {
            SystemArg::Gong => System::Gong,
            SystemArg::Conecrm => System::Conecrm,
            SystemArg::ZendeskSell => System::ZendeskSell,
        }
    }
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
        /// The system (sources: zendesk-sell, conecrm).
        #[arg(long, value_enum)]
        from: SystemArg,
        /// The format.
        #[arg(long, value_enum, default_value_t = Format::Ldjson)]
        format: Format,
        /// Only these entities.
        #[arg(long, value_delimiter = ',')]
        entities: Vec<EntityKind>,
        /// The output file (default: stdout).
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Print a shell completion script, e.g. `crm completions bash >
    /// ~/.local/share/bash-completion/completions/crm`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Gong: the integration records are uploaded into.
    Gong {
        #[command(subcommand)]
        command: GongCommand,
    },
    /// Mock servers for trying crm-bridge without real accounts.
    Mock {
        #[command(subcommand)]
        command: MockCommand,
    },
}

/// Where `crm sync` finds its configuration and secrets.
const SYNC_HELP: &str = "\
crm.toml (--config FILE, else $CRM_CONFIG, else crm-bridge/crm.toml in the user
config directory (~/.config on Linux and macOS) if it exists, else ./crm.toml):
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
    /// The source system (sources: zendesk-sell, conecrm).
    #[arg(long, value_enum)]
    from: SystemArg,
    /// The target system.
    #[arg(long, value_enum)]
    to: SystemArg,
    /// Only these entities (default: all the pair supports).
    #[arg(long, value_delimiter = ',')]
    entities: Vec<EntityKind>,
    /// Convert and print the loss report; write nothing.
    #[arg(long)]
    dry_run: bool,
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
enum GongCommand {
    /// Print the company's generic CRM integration id, registering one if
    /// there is none; put it in crm.toml as `[gong] integration_id`.
    Setup {
        /// The integration's name, when one is registered.
        #[arg(long, default_value = "crm-bridge")]
        name: String,
        /// The person responsible for the integration (needed to register one).
        #[arg(long)]
        owner_email: Option<String>,
    },
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
        /// Gong's port on 127.0.0.1 (default: a free one).
        #[arg(long, value_name = "PORT")]
        gong_port: Option<u16>,
        /// ConeCRM's port on 127.0.0.1 (default: a free one).
        #[arg(long, value_name = "PORT")]
        conecrm_port: Option<u16>,
        /// Zendesk Sell's port on 127.0.0.1 (default: a free one).
        #[arg(long, value_name = "PORT")]
        sell_port: Option<u16>,
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
    cli.color.apply();
    let progress = match cli.progress {
        _ if cli.quiet => Progress::Hidden,
        When::Never => Progress::Hidden,
        When::Always => Progress::Always,
        When::Auto if std::io::stderr().is_terminal() => Progress::Bars,
        When::Auto => Progress::Hidden,
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
            code = run(cli.command, cli.config, progress) => code,
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

async fn run(command: Command, config: Option<PathBuf>, progress: Progress) -> ExitCode {
    let outcome = match command {
        Command::Demo { records, seed } => demo(records, seed, progress).await,
        Command::Sync(args) => sync(args, config.as_deref(), progress).await,
        Command::Export {
            from,
            format,
            entities,
            output,
        } => export(from.into(), format, &entities, output, config.as_deref()).await,
        Command::Gong {
            command: GongCommand::Setup { name, owner_email },
        } => gong_setup(&name, owner_email.as_deref(), config.as_deref()).await,
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "crm", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Command::Mock {
            command:
                MockCommand::Serve {
                    records,
                    seed,
                    error_rate,
                    gong_processing_ms,
                    gong_port,
                    conecrm_port,
                    sell_port,
                    token,
                    gong_access_key,
                    gong_access_key_secret,
                },
        } => {
            let ports = crm::demo::MockPorts {
                gong: gong_port.unwrap_or(0),
                conecrm: conecrm_port.unwrap_or(0),
                sell: sell_port.unwrap_or(0),
            };
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
                ports,
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
    println!("{}\n", crm::summary::gong_board(&outcome.gong_board));
    let total: u64 = outcome.reports.iter().map(|r| r.records()).sum();
    println!(
        "{total} records synced in {:.2}s",
        outcome.elapsed.as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

async fn gong_setup(
    name: &str,
    owner_email: Option<&str>,
    config_path: Option<&std::path::Path>,
) -> Result<ExitCode, CrmError> {
    // No configuration file is fine here: Gong's default host and the
    // environment's credentials are enough to set up.
    let config = match Config::discover(config_path) {
        Ok((config, _)) => config,
        Err(_) if config_path.is_none() => Config::default(),
        Err(e) => return Err(e),
    };
    let setup = crm::gong_setup::setup(&config, &Environment, name, owner_email).await?;
    if setup.registered {
        eprintln!("registered a new Gong integration");
    } else {
        eprintln!("Gong already has an integration");
    }
    println!("[gong]\nintegration_id = {}", setup.integration_id);
    Ok(ExitCode::SUCCESS)
}

async fn sync(
    args: SyncArgs,
    config_path: Option<&std::path::Path>,
    progress: Progress,
) -> Result<ExitCode, CrmError> {
    let SyncArgs {
        from,
        to,
        entities,
        dry_run,
        checkpoint,
        resume,
        incremental,
        state,
    } = args;
    let (from, to) = (System::from(from), System::from(to));
    let (config, _) = Config::discover(config_path)?;
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
        default_modified_date: Some(chrono::Utc::now()),
        ..config.convert_options()?
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
    config_path: Option<&std::path::Path>,
) -> Result<ExitCode, CrmError> {
    let (config, _) = Config::discover(config_path)?;
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
    ports: crm::demo::MockPorts,
    auth: crm_mock::MockAuth,
) -> Result<ExitCode, CrmError> {
    let mut config = crm_mock::MockConfig::new(seed);
    config.seed_records = records;
    config.auth = auth.clone();
    config.faults.error_rate = error_rate;
    config.gong_processing = gong_processing;
    let mocks = crm::demo::start_mocks_on(config, ports).await?;
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
