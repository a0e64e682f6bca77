//! Background work for Companin, on apalis.
//!
//! The queue lives in the service's own database: apalis' SQLite storage on the embedded
//! default, its PostgreSQL storage otherwise ([`Queue`]). A queued task carries only a job
//! id; the job's public record (status, attempts, progress, error, cancel flag) is our
//! `background_jobs` row ([`jobs`]), which the API reads for `GET /jobs/{id}`.
//!
//! Every attempt has a timeout, failures are retried with exponential backoff up to a bound,
//! a job held by a process that died is queued again once its heartbeats stop (apalis'
//! orphan recovery, and our own [`sweep`] for what apalis cannot see: a row committed but
//! never pushed), a delivery claims its row with one conditional update so a job never runs
//! twice at once, and long loops check a cooperative cancel flag. Re-running a job is
//! harmless: an item's chunks are replaced in one transaction, never appended.
//! `companin serve` runs these workers in-process; `companin worker` runs them alone, in any
//! number of processes against one database.
//!
//! The public surface is what this file exports: the queue and its runners, enqueueing
//! ([`jobs`]), the crawl bounds and re-sync claims ([`crawl`]), the SSRF guard ([`egress`]),
//! the index version, and the steps the sandbox and the CLI reuse (ingesting an item, failing
//! it, summarizing). The job kinds are private and import what they share from `pipeline`,
//! not each other. Depends on `config`, `entity`, `inference` and `ingest`; must not depend on
//! `service` or HTTP.

pub mod crawl;
pub mod egress;
mod enrich;
mod ingest;
pub mod jobs;
mod pipeline;
mod progress;
mod queue;
mod runner;
mod store;
mod sweep;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use companin_config::Settings;
use companin_entity::{JobKind, job};
use companin_inference::{
    Batcher, Embed, Embedder, EmbedderOptions, EmbeddingModel, Generator, GeneratorOptions,
};
use futures::future::BoxFuture;
use sea_orm::DatabaseConnection;

pub use enrich::{generate_summary, usable_summary};
pub use ingest::ingest_item;
pub use pipeline::{Failure, fail_item};
pub use progress::Control;
pub use queue::{Lane, Queue};
pub use runner::run_workers;
pub use store::bump_index_version;
pub use sweep::run as run_sweeper;

/// What job handlers share: the database, the embedder (behind a batcher that lets
/// concurrent jobs share forward passes), the enrichment lane when this process writes
/// generated summaries, and the settings.
pub struct Runtime {
    /// Writes (on SQLite, the process's single write connection).
    pub db: DatabaseConnection,
    pub embedder: Arc<dyn Embed>,
    pub settings: Settings,
    /// The enrichment lane ([`Runtime::with_enrichment`]): when set, every document that
    /// becomes ready gets a `summarize` job there.
    pub enrichment: Option<Queue>,
    /// Ingestion in flight here, which enrichment waits for.
    pub ingestion: enrich::Activity,
    /// Job kinds defined outside this crate, by kind.
    handlers: HashMap<JobKind, Arc<dyn JobHandler>>,
    /// What every crawl of the process shares: the SSRF guard and per-host politeness.
    pub crawling: crawl::Crawling,
}

/// The work of a job kind defined outside this crate ([`Runtime::with_handler`]).
pub trait JobHandler: Send + Sync {
    /// One attempt at `job`; `control` carries its progress and cancel flag.
    fn run<'a>(
        &'a self,
        rt: &'a Arc<Runtime>,
        job: &'a job::Model,
        control: &'a Arc<progress::Control>,
    ) -> BoxFuture<'a, Result<(), pipeline::Failure>>;
}

/// How long the batcher waits for other jobs' texts before running a partial batch.
const BATCH_WINDOW: Duration = Duration::from_millis(3);

impl Runtime {
    pub fn new(
        db: DatabaseConnection,
        embedder: Arc<Embedder>,
        settings: Settings,
    ) -> Result<Runtime, companin_inference::ModelError> {
        Ok(Runtime {
            db,
            embedder: Arc::new(Batcher::new(embedder, BATCH_WINDOW)?),
            enrichment: None,
            ingestion: enrich::Activity::default(),
            handlers: HashMap::new(),
            crawling: crawl::Crawling::new(&settings.crawl),
            settings,
        })
    }

    /// Runs jobs of `kind` with `handler`: work defined outside this crate (the service's
    /// sandbox reset) gets the same queue, retries, timeouts, progress and cancellation. A
    /// handler takes the place of the kind's built-in work, if it has any.
    pub fn with_handler(mut self, kind: JobKind, handler: Arc<dyn JobHandler>) -> Runtime {
        self.handlers.insert(kind, handler);
        self
    }

    /// The name of the model that embeds this runtime's chunks, recorded with each of them.
    pub fn embedder_name(&self) -> &'static str {
        self.embedder.model().model().name()
    }

    /// Queues a `summarize` job on `enrichment` for every document that becomes ready.
    pub fn with_enrichment(mut self, enrichment: Queue) -> Runtime {
        self.enrichment = Some(enrichment);
        self
    }
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime").finish_non_exhaustive()
    }
}

/// The embedder the settings ask for, shared by the whole process (see
/// [`companin_inference::shared_embedder`]).
pub fn load_embedder(settings: &Settings) -> Result<Arc<Embedder>, companin_inference::ModelError> {
    let options = EmbedderOptions {
        model: embedding_model(settings.embedder.model),
        threads: settings.embedder.threads,
        batch_size: settings.embedder.batch_size,
        ..EmbedderOptions::default()
    };
    companin_inference::shared_embedder(&settings.models_dir, options)
}

/// The inference crate's name for the model the settings choose.
pub fn embedding_model(model: companin_config::EmbedderModel) -> EmbeddingModel {
    match model {
        companin_config::EmbedderModel::MiniLmL6V2 => EmbeddingModel::MiniLmL6V2,
        companin_config::EmbedderModel::MultilingualE5Small => EmbeddingModel::MultilingualE5Small,
    }
}

/// Checks the generator's file (present, checksum) without loading it.
pub fn check_generator(settings: &Settings) -> Result<(), companin_inference::ModelError> {
    companin_inference::verify_file(&settings.models_dir, companin_inference::GENERATOR_FILE)
        .map(|_| ())
}

/// The generator the settings ask for, shared by the whole process: loaded on first use and
/// let go after `generator.unload_after_idle_secs` unused, so hold the result for one use only.
/// Blocking (a load takes about 3 s on two cores).
pub fn load_generator(
    settings: &Settings,
) -> Result<Arc<Generator>, companin_inference::ModelError> {
    let options = GeneratorOptions {
        threads: settings.generator.threads,
    };
    let idle = settings.generator.unload_after_idle_secs;
    let unload_after = (idle > 0).then(|| Duration::from_secs(idle));
    companin_inference::shared_generator(&settings.models_dir, options, unload_after)
}
