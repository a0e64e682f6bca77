//! The measurements behind `companin bench` and `companin eval`: benchmarks and retrieval
//! evaluation, each over a scratch tenant driven through the real pipeline. Not part of the
//! service: the `companin` binary includes them through its default `bench` feature.
//!
//! Owns: the command definitions, scratch tenants, corpus readers, the metrics they print.
//! Depends on every product crate (it measures them); nothing depends on it but the binary.

mod analytics;
mod chat;
mod crawl;
mod eval;
mod generated;
mod ingest;
mod scratch;
mod search;
mod tenants;

use std::path::PathBuf;

use clap::Subcommand;
use companin_config::Settings;

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Time every analytics route, and the requests of each console view, over a month of
    /// generated traffic for one organization, on scratch SQLite and PostgreSQL databases
    Analytics {
        /// Request-log rows generated
        #[arg(long, default_value_t = 1_000_000)]
        rows: usize,
        /// Messages generated (four per conversation)
        #[arg(long, default_value_t = 100_000)]
        messages: usize,
        /// Knowledge chunks generated (100 per item), for the console's knowledge views
        #[arg(long, default_value_t = 100_000)]
        chunks: usize,
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
        #[arg(long, value_delimiter = ',', default_values_t = [search::EF])]
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
    /// Search many tenants in a random order under the index memory budget, over generated
    /// chunks with real vectors (words drawn from a BEIR corpus): latency with the index in
    /// memory and loaded from its snapshot, and every answer checked for its tenant's chunks
    Tenants {
        #[arg(long)]
        corpus: PathBuf,
        #[arg(long, default_value_t = 1_000)]
        tenants: usize,
        /// Chunks per tenant
        #[arg(long, default_value_t = 1_000)]
        chunks: usize,
        /// Generated texts embedded, from which each tenant draws its chunks
        #[arg(long, default_value_t = 5_000)]
        pool: usize,
        /// Searches timed, in a random order of tenants
        #[arg(long, default_value_t = 2_000)]
        searches: usize,
        /// The index memory budget, in MiB [default: search.memory_budget_mb]
        #[arg(long)]
        budget_mb: Option<usize>,
        /// Keep the pool's vectors in this file and reuse them on later runs
        #[arg(long)]
        vectors: Option<PathBuf>,
        /// Keep the scratch database and snapshots here, and reuse them when they hold the
        /// same chunks
        #[arg(long)]
        work_dir: Option<PathBuf>,
        /// Model weights directory [env: COMPANIN_MODELS_DIR; default: ./models]
        #[arg(long)]
        models_dir: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum EvalCommand {
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
    /// Ingest the passages of a SQuAD-format file (such as MLQA's
    /// dev-context-es-question-es.json, or dev-context-en-question-es.json for Spanish
    /// questions over English passages) and score its questions' retrieval: MRR@10,
    /// recall@1/5/10/100, nDCG@10
    Squad {
        /// The SQuAD-format JSON file
        #[arg(long)]
        file: PathBuf,
        /// Only the first N questions (every passage is still ingested)
        #[arg(long)]
        limit: Option<usize>,
        /// The assistant's language the questions are asked of (BCP-47)
        #[arg(long, default_value = "es")]
        language: String,
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

impl BenchCommand {
    /// The model weights directory given on the command line, if any.
    pub fn models_dir(&self) -> Option<PathBuf> {
        match self {
            Self::Ingest { models_dir, .. }
            | Self::Search { models_dir, .. }
            | Self::Tenants { models_dir, .. }
            | Self::Chat { models_dir, .. }
            | Self::Crawl { models_dir, .. } => models_dir.clone(),
            Self::Analytics { .. } => None,
        }
    }
}

impl EvalCommand {
    /// The model weights directory given on the command line, if any.
    pub fn models_dir(&self) -> Option<PathBuf> {
        match self {
            Self::Beir { models_dir, .. } | Self::Squad { models_dir, .. } => models_dir.clone(),
        }
    }
}

/// Runs one benchmark and prints its figures.
pub async fn bench(command: BenchCommand, settings: &Settings) -> anyhow::Result<()> {
    match command {
        BenchCommand::Analytics {
            rows,
            messages,
            chunks,
            days,
            runs,
            databases,
            postgres_url,
        } => {
            let options = analytics::Options {
                rows,
                messages,
                chunks,
                days,
                runs,
                databases,
                postgres_url,
            };
            analytics::analytics(settings, &options).await
        }
        BenchCommand::Ingest {
            corpus,
            limit,
            summaries,
            ..
        } => ingest::ingest(settings, &corpus, limit, summaries).await,
        BenchCommand::Search {
            corpus,
            sizes,
            queries,
            ef,
            vectors,
            ann_only,
            ..
        } => {
            let options = search::Options {
                sizes,
                queries,
                ef,
                vectors,
                ann_only,
            };
            search::search(settings, &corpus, &options).await
        }
        BenchCommand::Tenants {
            corpus,
            tenants,
            chunks,
            pool,
            searches,
            budget_mb,
            vectors,
            work_dir,
            ..
        } => {
            let options = tenants::Options {
                tenants,
                chunks,
                pool,
                searches,
                budget_mb: budget_mb.unwrap_or(
                    usize::try_from(settings.search.memory_budget_mb).unwrap_or(usize::MAX),
                ),
                vectors,
                work_dir,
            };
            tenants::tenants(settings, &corpus, &options).await
        }
        BenchCommand::Crawl { corpus, pages, .. } => crawl::crawl(settings, &corpus, pages).await,
        BenchCommand::Chat {
            corpus,
            queries,
            docs,
            requests,
            generated,
            ..
        } => chat::chat(settings, &corpus, &queries, docs, requests, generated).await,
    }
}

/// Runs one evaluation and prints its scores.
pub async fn eval(command: EvalCommand, settings: &Settings) -> anyhow::Result<()> {
    match command {
        EvalCommand::Beir {
            data,
            split,
            mode,
            work_dir,
            ..
        } => eval::beir(settings, &data, &split, &modes(mode), work_dir.as_deref()).await,
        EvalCommand::Squad {
            file,
            limit,
            language,
            mode,
            work_dir,
            ..
        } => {
            let language = companin_ingest::language::primary(&language);
            let modes = modes(mode);
            eval::squad(
                settings,
                &file,
                limit,
                &language,
                &modes,
                work_dir.as_deref(),
            )
            .await
        }
    }
}

/// The retrieval modes asked for: one, or all three.
fn modes(mode: Option<String>) -> Vec<companin_retrieval::Mode> {
    match mode {
        Some(m) => companin_retrieval::Mode::parse(&m).into_iter().collect(),
        None => companin_retrieval::Mode::ALL.to_vec(),
    }
}
