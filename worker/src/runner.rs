//! The apalis workers: per process, one for each lane, running up to the lane's concurrency
//! of jobs at once.

use std::future::Future;

use futures::FutureExt;
use std::sync::Arc;
use std::time::Duration;

use apalis::layers::retry::HasherRng;
use apalis::layers::retry::backoff::{ExponentialBackoffMaker, MakeBackoff};
use apalis::prelude::*;
use companin_entity::job;

use crate::Runtime;
use crate::enrich;
use crate::ingest;
use crate::jobs::{self, Claim};
use crate::pipeline::{self, Failure};
use crate::progress::{self, Control};
use crate::queue::{JobTask, Lane, Queue};
use companin_entity::{JobKind, JobStatus};

/// A failed attempt that apalis should retry after its backoff.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct RetryLater(String);

/// How long to wait before replacing a worker that stopped on a queue error, at first and
/// at most (doubling in between; reset once a worker has run for [`HEALTHY_RUN`]).
const RESTART_FIRST: Duration = Duration::from_secs(1);
const RESTART_MAX: Duration = Duration::from_secs(30);
const HEALTHY_RUN: Duration = Duration::from_secs(60);

/// Runs workers on `queue` (of `lane`) until `shutdown` resolves; jobs in flight then finish
/// their current step or are picked up again by another worker.
///
/// An apalis worker stops for good at its first queue error (a failed poll or heartbeat,
/// e.g. while the database restarts). This one then starts another in its place after a
/// pause, for as long as the process runs: a database outage must never leave a process
/// that no longer takes jobs. The tasks the stopped worker held are re-delivered by apalis
/// (orphaned after two missed heartbeats) and, failing that, by the sweeper.
pub async fn run_workers<F>(
    rt: Arc<Runtime>,
    queue: Queue,
    lane: Lane,
    shutdown: F,
) -> anyhow::Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    let shutdown = shutdown.shared();
    let mut pause = RESTART_FIRST;
    loop {
        let started = std::time::Instant::now();
        let result = run_worker(rt.clone(), queue.clone(), lane, shutdown.clone()).await;
        if shutdown.peek().is_some() {
            return result;
        }
        let error = match result {
            Ok(()) => "it stopped".to_owned(),
            Err(e) => format!("{e:#}"),
        };
        if started.elapsed() >= HEALTHY_RUN {
            pause = RESTART_FIRST;
        }
        tracing::warn!(
            ?lane,
            error,
            pause_ms = pause.as_millis() as u64,
            "job worker stopped; starting another"
        );
        tokio::select! {
            () = shutdown.clone() => return Ok(()),
            () = tokio::time::sleep(pause) => {}
        }
        pause = (pause * 2).min(RESTART_MAX);
    }
}

/// One apalis worker on `queue`, until `shutdown` resolves or it meets a queue error.
async fn run_worker<F>(
    rt: Arc<Runtime>,
    queue: Queue,
    lane: Lane,
    shutdown: F,
) -> anyhow::Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    let settings = rt.settings.worker.clone();
    let concurrency = lane.concurrency(&rt.settings);
    let name = format!(
        "companin-{:?}-{}-{}",
        lane,
        std::process::id(),
        &uuid::Uuid::now_v7().simple().to_string()[20..]
    );
    let poll = Duration::from_millis(settings.poll_interval_ms);
    let first = Duration::from_millis(settings.retry_backoff_ms);
    let backoff = ExponentialBackoffMaker::new(first, first * 32, 0.2, HasherRng::default())
        .map_err(|e| anyhow::anyhow!("bad retry backoff: {e}"))?
        .make_backoff();
    // Our job row counts attempts and decides when a job has failed for good (it marks the
    // row and item, then answers Ok so apalis stops). apalis' own retry bound is only a
    // backstop, set with room to spare: its counter also moves when it re-queues a dead
    // worker's task, and it must never stop retrying while our row still says `queued`.
    let retries = usize::try_from(settings.max_attempts.saturating_mul(2)).unwrap_or(usize::MAX);
    tracing::info!(worker = %name, concurrency, "job worker started");
    macro_rules! run {
        ($storage:expr) => {
            WorkerBuilder::new(name.as_str())
                .backend($storage.poll_with_interval(poll))
                .data(rt.clone())
                .data(lane)
                .concurrency(concurrency)
                .retry(RetryPolicy::retries(retries).with_backoff(backoff))
                .build(handle)
                .run_until(async move {
                    shutdown.await;
                    Ok::<(), std::io::Error>(())
                })
                .await
        };
    }
    let result = match queue {
        Queue::Sqlite(storage) => run!(storage),
        Queue::Postgres(storage) => run!(storage),
    };
    result.map_err(|e| anyhow::anyhow!("job worker {name} stopped: {e}"))
}

async fn handle(task: JobTask, rt: Data<Arc<Runtime>>, lane: Data<Lane>) -> Result<(), RetryLater> {
    let rt: Arc<Runtime> = (*rt).clone();
    if *lane == Lane::Enrichment {
        // Low priority: the job stays queued while this process ingests. The grace covers
        // the gap between one ingest job and the next the worker polls for.
        let poll = Duration::from_millis(rt.settings.worker.poll_interval_ms);
        rt.ingestion.wait_idle(poll * 3).await;
    }
    // A panic fails the attempt (and is retried), never the worker: `run_job` catches the
    // panics of the job's own work and records them on the row. This covers its bookkeeping.
    std::panic::AssertUnwindSafe(run_job(&rt, &task.job_id))
        .catch_unwind()
        .await
        .unwrap_or_else(|panic| {
            Err(RetryLater(format!(
                "job {} panicked: {}",
                task.job_id,
                pipeline::panic_message(panic.as_ref())
            )))
        })
}

/// One attempt at a job, with its timeout, and the bookkeeping of how it ended.
pub async fn run_job(rt: &Arc<Runtime>, job_id: &str) -> Result<(), RetryLater> {
    let heartbeat = Duration::from_secs(rt.settings.worker.heartbeat_secs.max(1));
    let silence = crate::sweep::takeover_after(rt.settings.worker.heartbeat_secs);
    let job = match jobs::start(&rt.db, job_id, silence).await {
        Ok(Claim::Run(job)) => *job,
        Ok(Claim::Nothing) => return Ok(()),
        // Another worker runs it: asked again after a backoff, this delivery either finds
        // it finished or takes it over from a worker that died meanwhile.
        Ok(Claim::Busy) => return Err(RetryLater(format!("job {job_id} is running elsewhere"))),
        Err(e) => return Err(RetryLater(format!("cannot start job {job_id}: {e}"))),
    };
    let final_attempt =
        job.attempts >= i32::try_from(rt.settings.worker.max_attempts).unwrap_or(i32::MAX);
    let _busy = (job.kind != JobKind::Summarize).then(|| rt.ingestion.begin());
    let control = Arc::new(Control::fenced(jobs::Fence {
        job_id: job.id.clone(),
        attempt: job.attempts,
    }));
    let watcher = progress::watch(
        rt.db.clone(),
        job.id.clone(),
        job.attempts,
        heartbeat,
        control.clone(),
    );
    let limit = Duration::from_secs(if job.kind == JobKind::Crawl {
        rt.settings.crawl.job_timeout_secs
    } else {
        rt.settings.worker.job_timeout_secs
    });
    let started = std::time::Instant::now();
    // A panic in the job's work ends the attempt like any other failure worth retrying: the
    // row is re-queued or, on the last attempt, failed with the panic's message.
    let work = std::panic::AssertUnwindSafe(execute(rt, &job, &control, final_attempt))
        .catch_unwind()
        .map(|caught| {
            caught.unwrap_or_else(|panic| {
                Err(Failure::Retryable(format!(
                    "processing panicked: {}",
                    pipeline::panic_message(panic.as_ref())
                )))
            })
        });
    let outcome = match tokio::time::timeout(limit, work).await {
        Ok(Err(failure @ Failure::Retryable(_))) if final_attempt => {
            // The work's own failure handling may not have run (a panic skips it).
            record_item_failure(rt, &job, &control, &failure).await;
            Err(failure)
        }
        Ok(outcome) => outcome,
        Err(_) => {
            // The blocking work stops at its next check of the flag.
            control.cancel();
            let failure =
                Failure::Retryable(format!("the job took longer than {} s", limit.as_secs()));
            if final_attempt {
                record_item_failure(rt, &job, &control, &failure).await;
            }
            Err(failure)
        }
    };
    // Stopped before the bookkeeping, so a late progress write cannot follow the final one.
    drop(watcher);
    if let Some(pages) = control.pages() {
        // The last count, which the watcher may not have written.
        let _ = jobs::report_progress(&rt.db, &job.id, None, Some(pages)).await;
    }
    tracing::info!(
        job_id = %job.id,
        kind = %job.kind,
        attempt = job.attempts,
        elapsed_ms = started.elapsed().as_millis() as u64,
        outcome = ?outcome,
        "job attempt finished"
    );
    if control.is_taken_over() {
        // Its successor records how the job ends.
        return Ok(());
    }
    let attempt = job.attempts;
    let recorded = match outcome {
        Ok(()) => jobs::finish(&rt.db, &job.id, attempt, JobStatus::Succeeded, None).await,
        Err(Failure::Canceled) => {
            jobs::finish(&rt.db, &job.id, attempt, JobStatus::Canceled, None).await
        }
        Err(Failure::Retryable(m)) if !final_attempt => {
            return match jobs::requeue(&rt.db, &job.id, attempt, m.clone()).await {
                Ok(()) => Err(RetryLater(m)),
                Err(e) => Err(RetryLater(format!("{m}; and cannot record it: {e}"))),
            };
        }
        Err(Failure::Retryable(m) | Failure::Permanent(m)) => {
            jobs::finish(&rt.db, &job.id, attempt, JobStatus::Failed, Some(m)).await
        }
    };
    recorded.map_err(|e| RetryLater(format!("cannot record the end of job {}: {e}", job.id)))
}

/// Fails the item a job was making (ingest or crawl) when the job fails for good without its
/// own handling having done so (a timeout, a panic). Other kinds leave their item as it is: a
/// summary that could not be written leaves a ready item ready.
async fn record_item_failure(
    rt: &Arc<Runtime>,
    job: &job::Model,
    control: &Control,
    failure: &Failure,
) {
    if !matches!(job.kind, JobKind::Ingest | JobKind::Crawl) || control.is_taken_over() {
        return;
    }
    let Some(id) = job.knowledge_id.as_deref() else {
        return;
    };
    if let Ok(Some(item)) = pipeline::find_item(rt, &job.org_id, job.environment, id).await
        && let Err(e) = pipeline::fail_item(rt, &item, failure, control).await
    {
        tracing::warn!(knowledge_id = id, error = %e, "cannot record the item's failure");
    }
}

async fn execute(
    rt: &Arc<Runtime>,
    job: &job::Model,
    control: &Arc<Control>,
    final_attempt: bool,
) -> Result<(), Failure> {
    // A handler registered for the kind runs in place of the built-in work (the sandbox
    // reset's is the service's; tests substitute their own).
    if let Some(handler) = rt.handlers.get(&job.kind) {
        return handler.run(rt, job, control).await;
    }
    match job.kind {
        JobKind::Ingest => {
            let Some(id) = job.knowledge_id.as_deref() else {
                return Err(Failure::Permanent("the job names no knowledge item".into()));
            };
            // Deleted since it was queued: nothing left to do.
            let Some(item) = pipeline::find_item(rt, &job.org_id, job.environment, id).await?
            else {
                return Ok(());
            };
            let result = ingest::ingest_item(rt, item.clone(), control, (0.0, 1.0)).await;
            if let Err(failure) = &result
                && !control.is_taken_over()
                && (final_attempt || !matches!(failure, Failure::Retryable(_)))
            {
                pipeline::fail_item(rt, &item, failure, control).await?;
            }
            result
        }
        JobKind::Reindex => {
            let only = job.params.get("knowledge_id").and_then(|v| v.as_str());
            let items = ingest::reindex_items(rt, &job.org_id, job.environment, only).await?;
            let total = items.len().max(1) as f64;
            let mut failed = 0;
            for (i, item) in items.iter().enumerate() {
                if control.is_canceled() {
                    return Err(Failure::Canceled);
                }
                let range = (i as f64 / total, (i + 1) as f64 / total);
                match ingest::ingest_item(rt, item.clone(), control, range).await {
                    Ok(()) => {}
                    Err(Failure::Canceled) => {
                        if !control.is_taken_over() {
                            pipeline::fail_item(rt, item, &Failure::Canceled, control).await?;
                        }
                        return Err(Failure::Canceled);
                    }
                    Err(Failure::Retryable(m)) => return Err(Failure::Retryable(m)),
                    Err(failure) => {
                        pipeline::fail_item(rt, item, &failure, control).await?;
                        failed += 1;
                    }
                }
            }
            if failed > 0 {
                return Err(Failure::Permanent(format!(
                    "{failed} of {} items failed; each item records why",
                    items.len()
                )));
            }
            Ok(())
        }
        JobKind::Summarize => enrich::summarize(rt, job, control).await,
        JobKind::Crawl => {
            let result = crate::crawl::run(rt, job, control).await;
            if let Err(failure) = &result
                && (final_attempt || !matches!(failure, Failure::Retryable(_)))
            {
                record_item_failure(rt, job, control, failure).await;
            }
            result
        }
        JobKind::SandboxReset => Err(Failure::Permanent(format!(
            "no handler for `{}` jobs in this process",
            job.kind
        ))),
    }
}
