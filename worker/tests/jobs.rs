//! The job machinery on its own, with job kinds defined here: a panic is retried and then
//! fails the job with its message; a row committed without a queue entry, and a row whose
//! worker went silent, are picked up by the sweeper; a job delivered twice runs once.
//! Needs the models folder (`scripts/fetch-models`): the runtime loads the embedder.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use companin_config::{DatabaseUrl, Settings};
use companin_entity::{Environment, JobKind, JobStatus, job};
use companin_migration::{Migrator, MigratorTrait};
use companin_worker::{Control, Failure, JobHandler, Lane, Queue, Runtime, jobs};
use futures::future::BoxFuture;
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, IntoActiveModel, Set};
use serde_json::json;
use tokio::sync::oneshot;

/// The kinds the test handlers take over: a handler runs in place of a kind's built-in work,
/// and neither kind's work is special to the runner (no item to fail, the ordinary timeout).
const PANICS: JobKind = JobKind::Reindex;
const COUNTS: JobKind = JobKind::SandboxReset;

/// Panics, every attempt.
struct Panics;

impl JobHandler for Panics {
    fn run<'a>(
        &'a self,
        _rt: &'a Arc<Runtime>,
        _job: &'a job::Model,
        _control: &'a Arc<Control>,
    ) -> BoxFuture<'a, Result<(), Failure>> {
        Box::pin(async move { panic!("the handler broke on purpose ({})", 42) })
    }
}

/// Counts its runs, each taking a while.
struct Counts(Arc<AtomicUsize>, Duration);

impl JobHandler for Counts {
    fn run<'a>(
        &'a self,
        _rt: &'a Arc<Runtime>,
        _job: &'a job::Model,
        _control: &'a Arc<Control>,
    ) -> BoxFuture<'a, Result<(), Failure>> {
        Box::pin(async move {
            self.0.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(self.1).await;
            Ok(())
        })
    }
}

struct Harness {
    db: DatabaseConnection,
    settings: Settings,
    runs: Arc<AtomicUsize>,
    _dir: tempfile::TempDir,
}

impl Harness {
    async fn new() -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("jobs.db").display());
        let mut settings = Settings {
            database_url: Some(DatabaseUrl(url.clone())),
            data_dir: dir.path().to_path_buf(),
            models_dir: std::env::var_os("COMPANIN_MODELS_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../models")),
            ..Settings::default()
        };
        settings.worker.max_attempts = 2;
        settings.worker.retry_backoff_ms = 50;
        settings.worker.poll_interval_ms = 50;
        settings.worker.heartbeat_secs = 1;
        settings.embedder.threads = 1;
        let db = sea_orm::Database::connect(&url).await.unwrap();
        Migrator::up(&db, None).await.unwrap();
        Harness {
            db,
            settings,
            runs: Arc::new(AtomicUsize::new(0)),
            _dir: dir,
        }
    }

    /// Starts the jobs lane and the sweeper; dropping the sender stops them.
    async fn start(&self, run_for: Duration) -> (Queue, oneshot::Sender<()>) {
        let embedder = companin_worker::load_embedder(&self.settings).unwrap();
        let rt = Arc::new(
            Runtime::new(self.db.clone(), embedder, self.settings.clone())
                .unwrap()
                .with_handler(PANICS, Arc::new(Panics))
                .with_handler(COUNTS, Arc::new(Counts(self.runs.clone(), run_for))),
        );
        let queue = Queue::connect(&self.settings).await.unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let (lanes_stop, lanes_stopped) = tokio::sync::watch::channel(false);
        let signal = move || {
            let mut stopped = lanes_stopped.clone();
            async move {
                let _ = stopped.wait_for(|s| *s).await;
            }
        };
        tokio::spawn(companin_worker::run_sweeper(
            rt.clone(),
            queue.clone(),
            signal(),
        ));
        tokio::spawn(companin_worker::run_workers(
            rt,
            queue.clone(),
            Lane::Jobs,
            signal(),
        ));
        tokio::spawn(async move {
            let _ = stopped.await;
            let _ = lanes_stop.send(true);
        });
        (queue, stop)
    }

    async fn insert(&self, kind: JobKind) -> String {
        let id = jobs::new_id();
        jobs::new_row(
            &id,
            "org_test",
            Environment::Production,
            kind,
            None,
            json!({}),
        )
        .insert(&self.db)
        .await
        .unwrap();
        id
    }

    async fn row(&self, id: &str) -> job::Model {
        job::Entity::find_by_id(id)
            .one(&self.db)
            .await
            .unwrap()
            .unwrap()
    }

    async fn wait_finished(&self, id: &str, within: Duration) -> job::Model {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let row = self.row(id).await;
            if ["succeeded", "failed", "canceled"].contains(&row.status.as_str()) {
                return row;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "never finished: {row:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_job_is_retried_then_failed_with_its_message() {
    let h = Harness::new().await;
    let (queue, _stop) = h.start(Duration::ZERO).await;
    let id = h.insert(PANICS).await;
    queue.hand_off(&h.db, &id).await.unwrap();
    let row = h.wait_finished(&id, Duration::from_secs(60)).await;
    assert_eq!(row.status, JobStatus::Failed, "{row:?}");
    assert_eq!(row.attempts, 2, "retried within its attempts: {row:?}");
    let error = row.error.unwrap_or_default();
    assert!(
        error.contains("panicked: the handler broke on purpose (42)"),
        "{error}"
    );
    assert!(row.finished_at.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_committed_without_its_queue_entry_is_handed_over() {
    let h = Harness::new().await;
    // As if its creator died between committing the row and pushing it.
    let id = h.insert(COUNTS).await;
    assert!(h.row(&id).await.pushed_at.is_none());
    let (_queue, _stop) = h.start(Duration::ZERO).await;
    // Two heartbeats of grace, then the next sweep: a few seconds with a 1 s heartbeat.
    let row = h.wait_finished(&id, Duration::from_secs(30)).await;
    assert_eq!(row.status, JobStatus::Succeeded, "{row:?}");
    assert!(row.pushed_at.is_some());
    assert_eq!(h.runs.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_delivered_twice_runs_once() {
    let h = Harness::new().await;
    let (queue, _stop) = h.start(Duration::from_secs(2)).await;
    let id = h.insert(COUNTS).await;
    queue.hand_off(&h.db, &id).await.unwrap();
    // The second delivery arrives while the first runs.
    tokio::time::sleep(Duration::from_millis(500)).await;
    queue.hand_off(&h.db, &id).await.unwrap();
    let row = h.wait_finished(&id, Duration::from_secs(30)).await;
    assert_eq!(row.status, JobStatus::Succeeded, "{row:?}");
    assert_eq!(row.attempts, 1, "{row:?}");
    // Let the second delivery's retry come and go.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(h.runs.load(Ordering::SeqCst), 1);
    assert_eq!(h.row(&id).await.attempts, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_whose_worker_went_silent_runs_again() {
    let h = Harness::new().await;
    // Claimed by a worker that died without a word, long ago, with its task gone.
    let id = h.insert(COUNTS).await;
    let mut row = h.row(&id).await.into_active_model();
    let long_ago = companin_entity::db::now() - chrono::Duration::minutes(10);
    row.status = Set(JobStatus::Running);
    row.attempts = Set(1);
    row.pushed_at = Set(Some(long_ago));
    row.heartbeat_at = Set(Some(long_ago));
    row.updated_at = Set(long_ago);
    row.update(&h.db).await.unwrap();
    let (_queue, _stop) = h.start(Duration::ZERO).await;
    let row = h.wait_finished(&id, Duration::from_secs(30)).await;
    assert_eq!(row.status, JobStatus::Succeeded, "{row:?}");
    assert_eq!(row.attempts, 2, "{row:?}");
    assert_eq!(h.runs.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_stopped_by_a_queue_error_is_replaced() {
    use sea_orm::{ConnectionTrait, FromQueryResult, Statement};
    #[derive(FromQueryResult)]
    struct Count {
        n: i64,
    }
    let workers = |db: DatabaseConnection| async move {
        Count::find_by_statement(Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM Workers",
        ))
        .one(&db)
        .await
        .unwrap()
        .unwrap()
        .n
    };
    let h = Harness::new().await;
    let (queue, _stop) = h.start(Duration::ZERO).await;
    let first = h.insert(COUNTS).await;
    queue.hand_off(&h.db, &first).await.unwrap();
    h.wait_finished(&first, Duration::from_secs(30)).await;
    assert_eq!(workers(h.db.clone()).await, 1);

    // The queue's tables go away for a few heartbeats, as in a database restart: the apalis
    // worker's next heartbeat fails, which stops it for good.
    h.db.execute_unprepared("ALTER TABLE Workers RENAME TO WorkersAway")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    h.db.execute_unprepared("ALTER TABLE WorkersAway RENAME TO Workers")
        .await
        .unwrap();

    // Jobs still run: another worker took the stopped one's place.
    let second = h.insert(COUNTS).await;
    queue.hand_off(&h.db, &second).await.unwrap();
    let row = h.wait_finished(&second, Duration::from_secs(60)).await;
    assert_eq!(row.status, JobStatus::Succeeded, "{row:?}");
    assert!(
        workers(h.db.clone()).await >= 2,
        "a new worker registered in place of the stopped one"
    );
    assert_eq!(h.runs.load(Ordering::SeqCst), 2);
}
