//! The sweeper: no job is stuck because a process died at the wrong moment.
//!
//! A job is handed over in two writes that cannot share a transaction (our row, then apalis'
//! queue entry through its own pool), and a worker can die while running one. So every worker
//! process, every `worker.heartbeat_secs`:
//! - hands over every `queued` row that has no queue entry (`pushed_at` unset) and has been
//!   waiting for two heartbeats: its creator died between the two writes, or its push failed;
//! - queues again every `running` row whose worker has been silent for four heartbeats
//!   (apalis re-delivers a dead worker's task itself after two; this covers a task it lost).
//!
//! With the default heartbeat of 15 s both happen within a minute. Two processes may sweep
//! the same row at once: the second delivery that results finds the job claimed or finished
//! ([`jobs::start`]), so nothing runs twice.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use companin_entity::db::now;
use companin_entity::job;
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::{Queue, Runtime};
use companin_entity::{JobKind, JobStatus};

/// Rows looked at per sweep and question.
const BATCH: u64 = 500;

/// How long a running job's worker may be silent before another delivery takes it over
/// ([`crate::jobs::start`]): three heartbeats, one more than apalis waits before it re-delivers.
pub fn takeover_after(heartbeat_secs: u64) -> Duration {
    Duration::from_secs(std::cmp::max(heartbeat_secs, 1) * 3)
}

/// Sweeps every `worker.heartbeat_secs` until `stop` resolves.
pub async fn run<F>(rt: Arc<Runtime>, jobs_lane: Queue, stop: F)
where
    F: Future<Output = ()>,
{
    let every = Duration::from_secs(std::cmp::max(rt.settings.worker.heartbeat_secs, 1));
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => return,
            () = tokio::time::sleep(every) => {}
        }
        match sweep(&rt, &jobs_lane).await {
            Ok(Swept { handed, requeued }) if handed + requeued > 0 => {
                tracing::info!(handed, requeued, "job sweeper recovered jobs");
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "job sweep failed"),
        }
    }
}

/// What one sweep did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    /// Queued rows without a queue entry, handed over.
    pub handed: usize,
    /// Running rows of silent workers, queued again.
    pub requeued: usize,
}

/// One sweep (see the module doc).
pub async fn sweep(rt: &Runtime, jobs_lane: &Queue) -> Result<Swept, DbErr> {
    use job::Column as C;
    let heartbeat = std::cmp::max(rt.settings.worker.heartbeat_secs, 1);
    let ago = |beats: u64| {
        now() - chrono::Duration::seconds(i64::try_from(heartbeat * beats).unwrap_or(i64::MAX))
    };
    let mut swept = Swept::default();

    // Running, and silent for four heartbeats: back to queued, without a queue entry.
    let last_heard = || Func::coalesce([Expr::col(C::HeartbeatAt), Expr::col(C::UpdatedAt)]);
    let silent = job::Entity::find()
        .filter(C::Status.eq(JobStatus::Running))
        .filter(Expr::expr(last_heard()).lt(ago(4)))
        .limit(BATCH)
        .all(&rt.db)
        .await?;
    for row in &silent {
        let res = job::Entity::update_many()
            .col_expr(C::Status, Expr::value(JobStatus::Queued.as_str()))
            .col_expr(
                C::PushedAt,
                Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
            )
            .col_expr(
                C::Error,
                Expr::value("its worker stopped responding; queued again"),
            )
            .col_expr(C::UpdatedAt, Expr::value(ago(2)))
            .filter(C::Id.eq(row.id.as_str()))
            .filter(C::Status.eq(JobStatus::Running))
            .filter(C::Attempts.eq(row.attempts))
            .filter(Expr::expr(last_heard()).lt(ago(4)))
            .exec(&rt.db)
            .await?;
        swept.requeued += usize::try_from(res.rows_affected).unwrap_or(0);
    }

    // Queued for two heartbeats without a queue entry: hand over.
    let unpushed = job::Entity::find()
        .filter(C::Status.eq(JobStatus::Queued))
        .filter(C::PushedAt.is_null())
        .filter(C::UpdatedAt.lte(ago(2)))
        .order_by_asc(C::UpdatedAt)
        .limit(BATCH)
        .all(&rt.db)
        .await?;
    for row in unpushed {
        let lane = if row.kind == JobKind::Summarize {
            // Only processes that write summaries have that lane; they sweep these.
            match &rt.enrichment {
                Some(lane) => lane,
                None => continue,
            }
        } else {
            jobs_lane
        };
        match lane.hand_off(&rt.db, &row.id).await {
            Ok(()) => swept.handed += 1,
            Err(e) => tracing::warn!(job_id = %row.id, error = %e, "cannot hand a job over"),
        }
    }
    Ok(swept)
}
