//! The `background_jobs` rows: what users see of a job, and its cancel flag.
//!
//! A row is the job's single owner record. A worker claims it with one conditional update
//! (so two deliveries of one job never both run it), says it is alive while it runs
//! (`heartbeat_at`), and records the end only as the attempt that claimed it (a worker that
//! was presumed dead and replaced cannot overwrite its successor).

use std::time::Duration;

use companin_entity::db::now;
use companin_entity::{Environment, JobKind, JobStatus, job};
use sea_orm::sea_query::{Expr, Query, SimpleExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, Set,
};
use serde_json::Value;

/// A new job id.
pub fn new_id() -> String {
    format!("job_{}", uuid::Uuid::now_v7().simple())
}

/// A queued job's row, to insert in the same transaction as what it works on.
pub fn new_row(
    id: &str,
    org_id: &str,
    environment: Environment,
    kind: JobKind,
    knowledge_id: Option<&str>,
    params: Value,
) -> job::ActiveModel {
    let at = now();
    job::ActiveModel {
        id: Set(id.to_owned()),
        org_id: Set(org_id.to_owned()),
        environment: Set(environment),
        kind: Set(kind),
        knowledge_id: Set(knowledge_id.map(str::to_owned)),
        params: Set(params),
        status: Set(JobStatus::Queued),
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
        pushed_at: Set(None),
        heartbeat_at: Set(None),
    }
}

/// What a delivery of a job may do.
#[derive(Debug)]
pub enum Claim {
    /// Run this attempt (the row now says `running`, attempts + 1).
    Run(Box<job::Model>),
    /// Nothing to run: the job is unknown, finished (a duplicate delivery), or was canceled
    /// while queued (then it is marked `canceled`).
    Nothing,
    /// Another worker is running it and alive: try again later, in case it dies.
    Busy,
}

/// The attempt a worker holds a job as, used as a fencing token: every write a job makes to
/// its item is conditional on the attempt still holding the job. A worker presumed dead (its
/// heartbeats stopped, e.g. while the database was down) and replaced may wake up and carry
/// on for a moment; its writes then change nothing, so they never undo its successor's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fence {
    pub job_id: String,
    pub attempt: i32,
}

impl Fence {
    /// A condition that holds while this attempt still runs its job.
    pub fn holds(&self) -> SimpleExpr {
        use job::Column as C;
        Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from(job::Entity)
                .and_where(C::Id.eq(self.job_id.as_str()))
                .and_where(C::Attempts.eq(self.attempt))
                .and_where(C::Status.eq(JobStatus::Running))
                .to_owned(),
        )
    }
}

/// Whether the worker holding a `running` row has stopped saying it is alive.
pub fn is_silent(row: &job::Model, silence: Duration) -> bool {
    let last = row.heartbeat_at.unwrap_or(row.updated_at);
    let silence = chrono::Duration::from_std(silence).unwrap_or(chrono::Duration::MAX);
    last + silence < now()
}

/// Claims the job for an attempt. A `running` row is taken over only when its worker has
/// been silent for `silence` (it died); the claim is one update conditional on the row
/// being as read, so of two deliveries at once exactly one runs.
pub async fn start(
    db: &DatabaseConnection,
    job_id: &str,
    silence: Duration,
) -> Result<Claim, DbErr> {
    let Some(row) = job::Entity::find_by_id(job_id).one(db).await? else {
        return Ok(Claim::Nothing);
    };
    let status = row.status;
    if status.is_terminal() {
        return Ok(Claim::Nothing);
    }
    if status == JobStatus::Running && !is_silent(&row, silence) {
        return Ok(Claim::Busy);
    }
    use job::Column as C;
    let at = now();
    if row.cancel_requested {
        job::Entity::update_many()
            .col_expr(C::Status, Expr::value(JobStatus::Canceled.as_str()))
            .col_expr(C::FinishedAt, Expr::value(at))
            .col_expr(C::UpdatedAt, Expr::value(at))
            .filter(C::Id.eq(job_id))
            .filter(C::Attempts.eq(row.attempts))
            .filter(C::Status.eq(row.status))
            .exec(db)
            .await?;
        return Ok(Claim::Nothing);
    }
    let claimed = job::Entity::update_many()
        .col_expr(C::Status, Expr::value(JobStatus::Running.as_str()))
        .col_expr(C::Attempts, Expr::value(row.attempts + 1))
        .col_expr(C::Error, Expr::value(Option::<String>::None))
        .col_expr(C::StartedAt, Expr::value(row.started_at.unwrap_or(at)))
        .col_expr(C::HeartbeatAt, Expr::value(at))
        .col_expr(C::UpdatedAt, Expr::value(at))
        .filter(C::Id.eq(job_id))
        .filter(C::Attempts.eq(row.attempts))
        .filter(C::Status.eq(row.status))
        .exec(db)
        .await?;
    if claimed.rows_affected == 0 {
        // Another delivery claimed it between our read and our write.
        return Ok(Claim::Busy);
    }
    Ok(match job::Entity::find_by_id(job_id).one(db).await? {
        Some(row) => Claim::Run(Box::new(row)),
        None => Claim::Nothing,
    })
}

/// Says the attempt `attempt` of a running job is alive; answers whether it still owns the
/// job (it does not once it was taken over or ended).
pub async fn heartbeat(db: &DatabaseConnection, job_id: &str, attempt: i32) -> Result<bool, DbErr> {
    use job::Column as C;
    let res = job::Entity::update_many()
        .col_expr(C::HeartbeatAt, Expr::value(now()))
        .filter(C::Id.eq(job_id))
        .filter(C::Attempts.eq(attempt))
        .filter(C::Status.eq(JobStatus::Running))
        .exec(db)
        .await?;
    Ok(res.rows_affected > 0)
}

/// Records that the job's queue entry was written.
pub async fn mark_pushed(db: &DatabaseConnection, job_id: &str) -> Result<(), DbErr> {
    use job::Column as C;
    job::Entity::update_many()
        .col_expr(C::PushedAt, Expr::value(now()))
        .filter(C::Id.eq(job_id))
        .exec(db)
        .await
        .map(|_| ())
}

/// Records the end of attempt `attempt` of a job (nothing when another attempt owns it now).
pub async fn finish(
    db: &DatabaseConnection,
    job_id: &str,
    attempt: i32,
    status: JobStatus,
    error: Option<String>,
) -> Result<(), DbErr> {
    use job::Column as C;
    let at = now();
    let mut update = job::Entity::update_many()
        .col_expr(C::Status, Expr::value(status.as_str()))
        .col_expr(C::Error, Expr::value(error))
        .col_expr(C::FinishedAt, Expr::value(at))
        .col_expr(C::UpdatedAt, Expr::value(at));
    if status == JobStatus::Succeeded {
        update = update.col_expr(C::Progress, Expr::value(1.0));
    }
    update
        .filter(C::Id.eq(job_id))
        .filter(C::Attempts.eq(attempt))
        .exec(db)
        .await
        .map(|_| ())
}

/// Puts a failed attempt's job back in line (apalis retries it after a backoff), unless
/// another attempt owns it now.
pub async fn requeue(
    db: &DatabaseConnection,
    job_id: &str,
    attempt: i32,
    error: String,
) -> Result<(), DbErr> {
    use job::Column as C;
    job::Entity::update_many()
        .col_expr(C::Status, Expr::value(JobStatus::Queued.as_str()))
        .col_expr(C::Error, Expr::value(Some(error)))
        .col_expr(C::UpdatedAt, Expr::value(now()))
        .filter(C::Id.eq(job_id))
        .filter(C::Attempts.eq(attempt))
        .exec(db)
        .await
        .map(|_| ())
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
