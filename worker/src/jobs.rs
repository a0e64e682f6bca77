//! The `background_jobs` rows: what users see of a job, and its cancel flag.

use companin_entity::db::{begin_write, now};
use companin_entity::{Environment, job};
use sea_orm::{ActiveModelTrait, DatabaseConnection, DbErr, EntityTrait, IntoActiveModel, Set};
use serde_json::Value;

/// Ingest (or re-process) one knowledge item.
pub const KIND_INGEST: &str = "ingest";
/// Re-chunk and re-embed a tenant's items (all, or one).
pub const KIND_REINDEX: &str = "reindex";
/// Write a ready document's generated summary (enrichment lane).
pub const KIND_SUMMARIZE: &str = "summarize";
/// Fetch a URL item's pages and bring its chunks up to date.
pub const KIND_CRAWL: &str = "crawl";

/// Where a job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobStatus {
    Queued,
    Running,
    Succeeded,
    Failed,
    Canceled,
}

impl JobStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Succeeded => "succeeded",
            JobStatus::Failed => "failed",
            JobStatus::Canceled => "canceled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            JobStatus::Queued,
            JobStatus::Running,
            JobStatus::Succeeded,
            JobStatus::Failed,
            JobStatus::Canceled,
        ]
        .into_iter()
        .find(|j| j.as_str() == s)
    }

    /// Finished for good: never run again.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            JobStatus::Succeeded | JobStatus::Failed | JobStatus::Canceled
        )
    }
}

/// A new job id.
pub fn new_id() -> String {
    format!("job_{}", uuid::Uuid::now_v7().simple())
}

/// A queued job's row, to insert in the same transaction as what it works on.
pub fn new_row(
    id: &str,
    org_id: &str,
    environment: Environment,
    kind: &str,
    knowledge_id: Option<&str>,
    params: Value,
) -> job::ActiveModel {
    let at = now();
    job::ActiveModel {
        id: Set(id.to_owned()),
        org_id: Set(org_id.to_owned()),
        environment: Set(environment),
        kind: Set(kind.to_owned()),
        knowledge_id: Set(knowledge_id.map(str::to_owned)),
        params: Set(params),
        status: Set(JobStatus::Queued.as_str().to_owned()),
        attempts: Set(0),
        progress: Set(0.0),
        error: Set(None),
        cancel_requested: Set(false),
        pages_done: Set(None),
        pages_found: Set(None),
        enqueued_at: Set(at),
        started_at: Set(None),
        finished_at: Set(None),
        updated_at: Set(at),
    }
}

fn status_of(row: &job::Model) -> JobStatus {
    JobStatus::parse(&row.status).unwrap_or(JobStatus::Queued)
}

/// Claims the job for an attempt: `running`, one more attempt. `None` when there is nothing
/// to run: the job is unknown, already finished (a duplicate delivery), or was canceled while
/// queued (then it is marked `canceled`).
pub async fn start(db: &DatabaseConnection, job_id: &str) -> Result<Option<job::Model>, DbErr> {
    let txn = begin_write(db).await?;
    let Some(row) = job::Entity::find_by_id(job_id).one(&txn).await? else {
        return Ok(None);
    };
    if status_of(&row).is_terminal() {
        return Ok(None);
    }
    let at = now();
    let mut active = row.clone().into_active_model();
    if row.cancel_requested {
        active.status = Set(JobStatus::Canceled.as_str().to_owned());
        active.finished_at = Set(Some(at));
        active.updated_at = Set(at);
        active.update(&txn).await?;
        txn.commit().await?;
        return Ok(None);
    }
    active.status = Set(JobStatus::Running.as_str().to_owned());
    active.attempts = Set(row.attempts + 1);
    active.error = Set(None);
    if row.started_at.is_none() {
        active.started_at = Set(Some(at));
    }
    active.updated_at = Set(at);
    let row = active.update(&txn).await?;
    txn.commit().await?;
    Ok(Some(row))
}

/// Records the end of a job.
pub async fn finish(
    db: &DatabaseConnection,
    job_id: &str,
    status: JobStatus,
    error: Option<String>,
) -> Result<(), DbErr> {
    let Some(row) = job::Entity::find_by_id(job_id).one(db).await? else {
        return Ok(());
    };
    let at = now();
    let mut active = row.into_active_model();
    active.status = Set(status.as_str().to_owned());
    if status == JobStatus::Succeeded {
        active.progress = Set(1.0);
    }
    active.error = Set(error);
    active.finished_at = Set(Some(at));
    active.updated_at = Set(at);
    active.update(db).await.map(|_| ())
}

/// Puts a failed attempt's job back in line (apalis retries it after a backoff).
pub async fn requeue(db: &DatabaseConnection, job_id: &str, error: String) -> Result<(), DbErr> {
    let Some(row) = job::Entity::find_by_id(job_id).one(db).await? else {
        return Ok(());
    };
    let mut active = row.into_active_model();
    active.status = Set(JobStatus::Queued.as_str().to_owned());
    active.error = Set(Some(error));
    active.updated_at = Set(now());
    active.update(db).await.map(|_| ())
}

/// Stores progress (0 to 1, and a crawl's pages done and found) and answers whether a
/// cancel was asked for.
pub async fn report_progress(
    db: &DatabaseConnection,
    job_id: &str,
    progress: Option<f64>,
    pages: Option<(i32, i32)>,
) -> Result<bool, DbErr> {
    let Some(row) = job::Entity::find_by_id(job_id).one(db).await? else {
        return Ok(true);
    };
    let cancel = row.cancel_requested;
    let progress = progress.filter(|p| (p - row.progress).abs() > 1e-9);
    let pages = pages
        .filter(|(done, found)| row.pages_done != Some(*done) || row.pages_found != Some(*found));
    if progress.is_some() || pages.is_some() {
        let mut active = row.into_active_model();
        if let Some(p) = progress {
            active.progress = Set(p.clamp(0.0, 1.0));
        }
        if let Some((done, found)) = pages {
            active.pages_done = Set(Some(done));
            active.pages_found = Set(Some(found));
        }
        active.updated_at = Set(now());
        active.update(db).await?;
    }
    Ok(cancel)
}
