//! The `companin` command line: the service, migrations, and operator commands.

mod bench;
mod bench_analytics;
mod bench_chat;
mod bench_crawl;
mod bench_search;
mod eval;
mod org;
mod reindex;
mod sandbox;
mod scratch;

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
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
    /// Measure retrieval quality
    Eval {
        #[command(subcommand)]
        command: EvalCommand,
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
    /// Print the OpenAPI document
    Openapi,
}

#[derive(Debug, Subcommand)]
enum BenchCommand {
    /// Time every analytics route over a month of generated traffic for one organization,
    /// on scratch SQLite and PostgreSQL databases
    Analytics {
        /// Request-log rows generated
        #[arg(long, default_value_t = 1_000_000)]
        rows: usize,
        /// Messages generated (four per conversation)
        #[arg(long, default_value_t = 100_000)]
        messages: usize,
        /// Days the traffic spans, and the range every report covers
        #[arg(long, default_value_t = 30)]
        days: i64,
        /// Timed requests per route (after one warm-up)
        #[arg(long, default_value_t = 20)]
        runs: usize,
        /// Databases to measure
        #[arg(long, value_delimiter = ',', default_values_t = ["sqlite".to_owned(), "postgres".to_owned()])]
        databases: Vec<String>,
        /// Administrative PostgreSQL URL; a scratch database is created there and dropped
        #[arg(
            long,
            env = "COMPANIN_BENCH_POSTGRES_URL",
            default_value = "postgres://postgres@127.0.0.1:5432/postgres"
        )]
        postgres_url: String,
    },
    /// Ingest a BEIR corpus (JSON lines of {_id, title, text}) through the real pipeline into
    /// a scratch database, and compare with the raw embedder on the same texts
    Ingest {
        #[arg(long)]
        corpus: PathBuf,
        /// Only the first N documents
        #[arg(long)]
        limit: Option<usize>,
        /// Also time generated summaries on the first N documents (0 skips them)
        #[arg(long, default_value_t = 10)]
        summaries: usize,
        /// Model weights directory [env: COMPANIN_MODELS_DIR; default: ./models]
        #[arg(long)]
        models_dir: Option<PathBuf>,
    },
    /// Crawl a local site of corpus documents into a scratch tenant, then sync it unchanged
    /// and with a tenth of its pages edited
    Crawl {
        /// The corpus (JSON lines of {_id, title, text}): one page per document
        #[arg(long)]
        corpus: PathBuf,
        /// Pages (documents) on the site
        #[arg(long, default_value_t = 300)]
        pages: usize,
        /// Model weights directory [env: COMPANIN_MODELS_DIR; default: ./models]
        #[arg(long)]
        models_dir: Option<PathBuf>,
    },
    /// Time send-message on each reply path (curated Q&A, extractive, the local generator)
    /// over a scratch tenant holding part of a BEIR corpus
    Chat {
        /// The corpus (JSON lines of {_id, title, text})
        #[arg(long)]
        corpus: PathBuf,
        /// Its queries (JSON lines of {_id, text}): the first ten become curated Q&A, the
        /// rest are asked
        #[arg(long)]
        queries: PathBuf,
        /// Documents ingested
        #[arg(long, default_value_t = 1_000)]
        docs: usize,
        /// Requests timed on the Q&A and extractive paths each
        #[arg(long, default_value_t = 100)]
        requests: usize,
        /// Replies written by the local generator (0 skips it)
        #[arg(long, default_value_t = 5)]
        generated: usize,
        /// Model weights directory [env: COMPANIN_MODELS_DIR; default: ./models]
        #[arg(long)]
        models_dir: Option<PathBuf>,
    },
    /// Time the vector index and the whole search at given sizes, over generated chunks with
    /// real MiniLM vectors (words drawn from a BEIR corpus)
    Search {
        #[arg(long)]
        corpus: PathBuf,
        /// Index sizes, in chunks
        #[arg(long, value_delimiter = ',', default_values_t = [10_000, 100_000])]
        sizes: Vec<usize>,
        /// Queries timed per size
        #[arg(long, default_value_t = 200)]
        queries: usize,
        /// Graph candidates explored per ANN query; several values trace recall against
        /// latency (the default is what the API's search uses for its default top_k)
        #[arg(long, value_delimiter = ',', default_values_t = [bench_search::EF])]
        ef: Vec<usize>,
        /// Keep the embedded vectors in this file and reuse them on later runs over the same
        /// generated text (embedding 100k chunks takes minutes)
        #[arg(long)]
        vectors: Option<PathBuf>,
        /// Measure the graph only, not the search service over a scratch tenant
        #[arg(long)]
        ann_only: bool,
        /// Model weights directory [env: COMPANIN_MODELS_DIR; default: ./models]
        #[arg(long)]
        models_dir: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum EvalCommand {
    /// Ingest a BEIR dataset's corpus into a scratch tenant through the real pipeline, run
    /// its queries through the real retrieval and print nDCG@10, recall@10 and recall@100
    Beir {
        /// The dataset folder: corpus.jsonl, queries.jsonl, qrels/<split>.tsv
        #[arg(long)]
        data: PathBuf,
        /// The relevance judgments to score against (tune on train only)
        #[arg(long, default_value = "train")]
        split: String,
        /// Only this retrieval mode [default: all three]
        #[arg(long, value_parser = ["dense", "lexical", "hybrid"])]
        mode: Option<String>,
        /// Keep the scratch database here, and reuse it (no re-ingestion) when it exists
        #[arg(long)]
        work_dir: Option<PathBuf>,
        /// Model weights directory [env: COMPANIN_MODELS_DIR; default: ./models]
        #[arg(long)]
        models_dir: Option<PathBuf>,
    },
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
            }
            | Command::Bench {
                command: BenchCommand::Ingest { models_dir, .. },
            }
            | Command::Bench {
                command: BenchCommand::Search { models_dir, .. },
            }
            | Command::Bench {
                command: BenchCommand::Chat { models_dir, .. },
            }
            | Command::Bench {
                command: BenchCommand::Crawl { models_dir, .. },
            }
            | Command::Eval {
                command: EvalCommand::Beir { models_dir, .. },
            } => models_dir.clone(),
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
            let options = crate::app::StartOptions { worker: !no_worker };
            crate::app::serve(settings, options).await
        }
        Command::Worker { .. } => crate::app::work(settings).await,
        Command::Reindex {
            org_id,
            knowledge_id,
            ..
        } => reindex::run(&settings, org_id.as_deref(), knowledge_id.as_deref()).await,
        Command::Bench {
            command:
                BenchCommand::Analytics {
                    rows,
                    messages,
                    days,
                    runs,
                    databases,
                    postgres_url,
                },
        } => {
            let options = bench_analytics::Options {
                rows,
                messages,
                days,
                runs,
                databases,
                postgres_url,
            };
            bench_analytics::analytics(&settings, &options).await
        }
        Command::Bench {
            command:
                BenchCommand::Ingest {
                    corpus,
                    limit,
                    summaries,
                    ..
                },
        } => bench::ingest(&settings, &corpus, limit, summaries).await,
        Command::Bench {
            command:
                BenchCommand::Search {
                    corpus,
                    sizes,
                    queries,
                    ef,
                    vectors,
                    ann_only,
                    ..
                },
        } => {
            let options = bench_search::Options {
                sizes,
                queries,
                ef,
                vectors,
                ann_only,
            };
            bench_search::search(&settings, &corpus, &options).await
        }
        Command::Bench {
            command: BenchCommand::Crawl { corpus, pages, .. },
        } => bench_crawl::crawl(&settings, &corpus, pages).await,
        Command::Bench {
            command:
                BenchCommand::Chat {
                    corpus,
                    queries,
                    docs,
                    requests,
                    generated,
                    ..
                },
        } => bench_chat::chat(&settings, &corpus, &queries, docs, requests, generated).await,
        Command::Eval {
            command:
                EvalCommand::Beir {
                    data,
                    split,
                    mode,
                    work_dir,
                    ..
                },
        } => {
            let modes: Vec<companin_retrieval::Mode> = match mode {
                Some(m) => companin_retrieval::Mode::parse(&m).into_iter().collect(),
                None => companin_retrieval::Mode::ALL.to_vec(),
            };
            eval::beir(&settings, &data, &split, &modes, work_dir.as_deref()).await
        }
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
            println!("{}", crate::routes::openapi_json());
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
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let result = match settings.log.format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
    if let Err(e) = result {
        eprintln!("warning: logging not initialised: {e}");
    }
}
