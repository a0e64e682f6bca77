//! The apalis queues in the service's database, and the one task type they carry.

use std::time::Duration;

use apalis::prelude::TaskSink;
use apalis_postgres::PostgresStorage;
use apalis_sqlite::SqliteStorage;
use companin_config::Settings;
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};

/// A queued unit of work: the id of its `background_jobs` row, which holds the rest.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct JobTask {
    pub job_id: String,
}

/// The two queues ("lanes") jobs wait in. Enrichment (generated summaries) has its own lane
/// and its own few workers, so it can never hold up ingestion's workers, and it yields the CPU
/// while this process is ingesting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// Ingest and reindex jobs.
    Jobs,
    /// Low-priority model work on items already `ready`.
    Enrichment,
}

impl Lane {
    fn queue_name(self) -> &'static str {
        match self {
            Lane::Jobs => "companin-jobs",
            Lane::Enrichment => "companin-enrichment",
        }
    }

    /// Jobs of this lane one process runs at once.
    pub fn concurrency(self, settings: &Settings) -> usize {
        match self {
            Lane::Jobs => settings.worker.concurrency,
            Lane::Enrichment => settings.generator.concurrency,
        }
        .max(1)
    }
}

/// apalis' storage for [`JobTask`], in whichever database the service uses.
#[derive(Clone)]
pub enum Queue {
    Sqlite(SqliteStorage<JobTask>),
    Postgres(PostgresStorage<JobTask>),
}

impl std::fmt::Debug for Queue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Queue::Sqlite(_) => "Queue::Sqlite",
            Queue::Postgres(_) => "Queue::Postgres",
        })
    }
}

/// Why the queue could not be reached.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("cannot open the job queue: {0}")]
    Connect(#[from] sqlx::Error),
    #[error("cannot set up the job queue tables: {0}")]
    Setup(String),
    #[error("cannot enqueue the job: {0}")]
    Push(String),
}

impl Queue {
    /// Connects to the jobs lane in the database of `settings`, creating apalis' tables when
    /// missing (their own migrations, kept apart from ours).
    pub async fn connect(settings: &Settings) -> Result<Queue, QueueError> {
        Self::connect_lane(settings, Lane::Jobs).await
    }

    /// Connects to one lane's queue.
    pub async fn connect_lane(settings: &Settings, lane: Lane) -> Result<Queue, QueueError> {
        let url = settings.database_url();
        let heartbeat = Duration::from_secs(settings.worker.heartbeat_secs);
        let queue_name = lane.queue_name();
        // One poll may take as many jobs as the worker runs at once.
        let fetch = lane.concurrency(settings);
        if settings.is_sqlite() {
            use apalis_sqlite::{Config, SqliteConnectOptions, SqlitePoolOptions};
            use std::str::FromStr;
            // Its own small pool: the queue's polling must not queue behind the API's single
            // write connection. WAL and a busy timeout let them share the file; with WAL,
            // `synchronous = NORMAL` (as the API's connections use) survives a crash of the
            // process without an fsync per acknowledged job. The page cache and memory map
            // keep the frequent polls of a long queue from re-reading pages through syscalls.
            let options = SqliteConnectOptions::from_str(&url)?
                .create_if_missing(true)
                .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .pragma("cache_size", companin_entity::db::SQLITE_CACHE_SIZE)
                .pragma("mmap_size", companin_entity::db::SQLITE_MMAP_SIZE);
            let pool = SqlitePoolOptions::new()
                .max_connections(2)
                .connect_with(options)
                .await?;
            SqliteStorage::setup(&pool)
                .await
                .map_err(|e| QueueError::Setup(e.to_string()))?;
            let config = Config::default()
                .queue(queue_name)
                .heartbeat_interval(heartbeat)
                .missed_heartbeats(2)
                .batch_size(fetch);
            Ok(Queue::Sqlite(SqliteStorage::new(&pool).with_config(config)))
        } else {
            use apalis_postgres::Config;
            let pool = sqlx::pool::PoolOptions::<sqlx::Postgres>::new()
                .max_connections(4)
                .connect(&url)
                .await?;
            PostgresStorage::<()>::setup(&pool)
                .await
                .map_err(|e| QueueError::Setup(e.to_string()))?;
            let config = Config::default()
                .queue(queue_name)
                .heartbeat_interval(heartbeat)
                .missed_heartbeats(2)
                .batch_size(fetch);
            Ok(Queue::Postgres(
                PostgresStorage::new(&pool).with_config(config),
            ))
        }
    }

    /// Enqueues the job with this id and records on its row that it was. A job whose row was
    /// committed but whose push failed (or never happened: the process died in between)
    /// stays `queued` without `pushed_at`, and a worker's sweeper hands it over
    /// ([`crate::sweep`]); so a failed push loses nothing.
    pub async fn hand_off(&self, db: &DatabaseConnection, job_id: &str) -> Result<(), QueueError> {
        self.push(job_id).await?;
        if let Err(e) = crate::jobs::mark_pushed(db, job_id).await {
            // The sweeper will push it once more; the second delivery finds it claimed or done.
            tracing::warn!(job_id, error = %e, "cannot record that the job was queued");
        }
        Ok(())
    }

    /// Whether the queue answers: its table read through its own connections (a readiness
    /// check; jobs could not be queued or taken without it).
    pub async fn ping(&self) -> Result<(), QueueError> {
        let probe = match self {
            Queue::Sqlite(s) => sqlx::query("SELECT 1 FROM Jobs LIMIT 1")
                .fetch_optional(s.pool())
                .await
                .map(drop),
            Queue::Postgres(s) => sqlx::query("SELECT 1 FROM apalis.jobs LIMIT 1")
                .fetch_optional(s.pool())
                .await
                .map(drop),
        };
        probe.map_err(QueueError::Connect)
    }

    /// Enqueues the job with this id (see [`Queue::hand_off`], which callers use).
    async fn push(&self, job_id: &str) -> Result<(), QueueError> {
        let task = JobTask {
            job_id: job_id.to_owned(),
        };
        match self.clone() {
            Queue::Sqlite(mut s) => s
                .push(task)
                .await
                .map_err(|e| QueueError::Push(e.to_string())),
            Queue::Postgres(mut s) => s
                .push(task)
                .await
                .map_err(|e| QueueError::Push(e.to_string())),
        }
    }
}
