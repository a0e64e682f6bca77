//! The `companin` command line: the service, migrations, and operator commands. The
//! measurements (`bench`, `eval`) come from `companin-bench`, behind the default `bench`
//! feature: `cargo build --no-default-features` leaves them out of the binary.

mod member;
mod org;
mod reindex;
mod sandbox;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use companin_config::{CliOverrides, LogFormat, Settings};
use companin_entity::Environment;

/// Companin: an organization's AI assistants behind one REST API.
#[derive(Debug, Parser)]
#[command(name = "companin", version, about)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Args)]
struct GlobalArgs {
    /// Configuration file [default: companin.toml when present; env: COMPANIN_CONFIG]
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Database URL, sqlite:... or postgres://... [env: COMPANIN_DATABASE_URL]
    #[arg(long, global = true)]
    database_url: Option<String>,
    /// Data directory [env: COMPANIN_DATA_DIR; default: ./data]
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HTTP API
    Serve {
        /// Address to listen on [env: COMPANIN_LISTEN; default: 127.0.0.1:8080]
        #[arg(long)]
        listen: Option<String>,
        /// Model weights directory [env: COMPANIN_MODELS_DIR; default: ./models]
        #[arg(long)]
        models_dir: Option<PathBuf>,
        /// Do not run job workers in this process (run `companin worker` elsewhere)
        #[arg(long)]
        no_worker: bool,
    },
    /// Run job workers only (any number of processes against one database)
    Worker {
        /// Model weights directory [env: COMPANIN_MODELS_DIR; default: ./models]
        #[arg(long)]
        models_dir: Option<PathBuf>,
    },
    /// Re-chunk and re-embed knowledge now, e.g. after a model change (a progress bar shows
    /// how far it is)
    Reindex {
        /// Only this organization's items (both environments)
        #[arg(long = "org")]
        org_id: Option<String>,
        /// Only this item
        #[arg(long)]
        knowledge_id: Option<String>,
        /// Model weights directory [env: COMPANIN_MODELS_DIR; default: ./models]
        #[arg(long)]
        models_dir: Option<PathBuf>,
    },
    /// Apply pending database migrations
    Migrate,
    /// Measure (a benchmark, not a test)
    #[cfg(feature = "bench")]
    Bench {
        #[command(subcommand)]
        command: companin_bench::BenchCommand,
    },
    /// Measure retrieval quality
    #[cfg(feature = "bench")]
    Eval {
        #[command(subcommand)]
        command: companin_bench::EvalCommand,
    },
    /// Manage organizations (tenants)
    Org {
        #[command(subcommand)]
        command: OrgCommand,
    },
    /// An organization's sandbox environment
    Sandbox {
        #[command(subcommand)]
        command: SandboxCommand,
    },
    /// Manage an organization's OAuth clients
    Client {
        #[command(subcommand)]
        command: ClientCommand,
    },
    /// Manage an organization's team members (who sign in to the console)
    Member {
        #[command(subcommand)]
        command: MemberCommand,
    },
    /// Print the OpenAPI document
    Openapi,
}

#[derive(Debug, Subcommand)]
enum SandboxCommand {
    /// Delete the sandbox's data and seed the sample data anew, in this process (production
    /// is never touched)
    Seed {
        #[arg(long = "org")]
        org_id: String,
        /// Model weights directory [env: COMPANIN_MODELS_DIR; default: ./models]
        #[arg(long)]
        models_dir: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum OrgCommand {
    /// Create an organization and print its first production and sandbox credentials
    Create {
        #[arg(long)]
        name: String,
        /// Requests per hour per environment [default: the configured default]
        #[arg(long)]
        rate_limit_per_hour: Option<u32>,
        /// Requests per UTC day per environment [default: the configured default]
        #[arg(long)]
        rate_limit_per_day: Option<u32>,
        /// Print JSON: {"org_id", "production": {"client_id", "client_secret"}, "sandbox": {...}}
        #[arg(long)]
        json: bool,
    },
    /// List organizations
    List {
        #[arg(long)]
        json: bool,
    },
    /// Change an organization's hourly limit and/or daily quota (running servers apply it
    /// within seconds)
    SetLimit {
        #[arg(long = "org")]
        org_id: String,
        /// Requests per hour per environment
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
        per_hour: Option<u32>,
        /// Requests per UTC day per environment
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
        per_day: Option<u32>,
    },
}

#[derive(Debug, Subcommand)]
enum ClientCommand {
    /// Create a client and print its credentials
    Create {
        #[arg(long = "org")]
        org_id: String,
        #[arg(long, value_parser = ["production", "sandbox"])]
        environment: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum MemberCommand {
    /// Add a member and print their one-time sign-in link (it sets their password)
    Create {
        #[arg(long = "org")]
        org_id: String,
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "owner", value_parser = ["owner", "admin", "editor", "viewer"])]
        role: String,
        #[arg(long)]
        json: bool,
    },
}

/// Entry point of the `companin` binary.
pub fn main() -> ExitCode {
    // The PDF reader's child process (see `companin_ingest::parse::pdf`): not a command for
    // people, so not in the help; it runs before anything else is set up, to stay small.
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some(companin_ingest::parse::pdf::SUBCOMMAND) {
        return companin_ingest::parse::pdf::child_main(&args[1..]);
    }
    let cli = Cli::parse();
    let overrides = CliOverrides {
        database_url: cli.global.database_url.clone(),
        data_dir: cli.global.data_dir.clone(),
        listen: match &cli.command {
            Command::Serve { listen, .. } => listen.clone(),
            _ => None,
        },
        models_dir: match &cli.command {
            Command::Serve { models_dir, .. }
            | Command::Worker { models_dir }
            | Command::Reindex { models_dir, .. }
            | Command::Sandbox {
                command: SandboxCommand::Seed { models_dir, .. },
            } => models_dir.clone(),
            #[cfg(feature = "bench")]
            Command::Bench { command } => command.models_dir(),
            #[cfg(feature = "bench")]
            Command::Eval { command } => command.models_dir(),
            _ => None,
        },
    };
    let settings = match Settings::load(cli.global.config.as_deref(), &overrides) {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let serving = matches!(cli.command, Command::Serve { .. } | Command::Worker { .. });
    init_logging(&settings, serving);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command, settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, settings: Settings) -> anyhow::Result<()> {
    match command {
        Command::Serve { no_worker, .. } => {
            let options = companin_api::StartOptions { worker: !no_worker };
            companin_api::serve(settings, options).await
        }
        Command::Worker { .. } => companin_api::work(settings).await,
        Command::Reindex {
            org_id,
            knowledge_id,
            ..
        } => reindex::run(&settings, org_id.as_deref(), knowledge_id.as_deref()).await,
        #[cfg(feature = "bench")]
        Command::Bench { command } => companin_bench::bench(command, &settings).await,
        #[cfg(feature = "bench")]
        Command::Eval { command } => companin_bench::eval(command, &settings).await,
        Command::Sandbox {
            command: SandboxCommand::Seed { org_id, .. },
        } => sandbox::seed(&settings, &org_id).await,
        Command::Migrate => {
            let db = companin_service::db::connect(&settings).await?;
            let pending = companin_service::db::pending_migrations(&db).await?;
            companin_service::db::migrate(&db).await?;
            println!("applied {pending} migration(s); the schema is up to date");
            Ok(())
        }
        Command::Openapi => {
            println!("{}", companin_api::openapi_json());
            Ok(())
        }
        Command::Org { command } => {
            let db = org::open(&settings).await?;
            match command {
                OrgCommand::Create {
                    name,
                    rate_limit_per_hour,
                    rate_limit_per_day,
                    json,
                } => {
                    let limits = (rate_limit_per_hour, rate_limit_per_day);
                    org::create(&db, &settings, &name, limits, json).await
                }
                OrgCommand::List { json } => org::list(&db, &settings, json).await,
                OrgCommand::SetLimit {
                    org_id,
                    per_hour,
                    per_day,
                } => org::set_limit(&db, &org_id, (per_hour, per_day)).await,
            }
        }
        Command::Member {
            command:
                MemberCommand::Create {
                    org_id,
                    email,
                    role,
                    json,
                },
        } => {
            let db = org::open(&settings).await?;
            let role = companin_entity::MemberRole::parse(&role)
                .ok_or_else(|| anyhow::anyhow!("unknown role {role}"))?;
            member::create(&db, &settings, &org_id, (&email, role), json).await
        }
        Command::Client { command } => {
            let db = org::open(&settings).await?;
            match command {
                ClientCommand::Create {
                    org_id,
                    environment,
                    name,
                    json,
                } => {
                    let environment = Environment::parse(&environment)
                        .ok_or_else(|| anyhow::anyhow!("unknown environment {environment}"))?;
                    org::create_client(&db, &settings, &org_id, environment, &name, json).await
                }
            }
        }
    }
}

/// Structured logs on stderr (stdout stays clean for command output). Operator commands log
/// only warnings unless `RUST_LOG` says otherwise.
fn init_logging(settings: &Settings, serving: bool) {
    use tracing_subscriber::EnvFilter;
    let default = if serving {
        settings.log.level.as_str()
    } else {
        "warn"
    };
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(default))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    // Colours only for a person at a terminal: a log file or collector gets plain lines (and
    // the server skips writing escape codes on every request).
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    let result = match settings.log.format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
    if let Err(e) = result {
        eprintln!("warning: logging not initialised: {e}");
    }
}
