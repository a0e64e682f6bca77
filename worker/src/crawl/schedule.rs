//! Queuing syncs: on demand (the API) and on schedule (every worker process runs
//! [`run`]). An item has at most one crawl at a time, across every process: a sync is
//! queued by moving the item's `job_id` from the job it had to the new one with a
//! compare-and-set, and only when that job has finished; a second claimant finds `job_id`
//! moved and answers the job in flight instead. The schedule is `next_sync_at` in the
//! database, so it survives restarts.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use companin_entity::db::{begin_write, now};
use companin_entity::{JobKind, job, knowledge_item};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde_json::json;

use crate::jobs;
use crate::{Queue, Runtime};

/// What asking for a sync did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// A new crawl job was inserted (push it to the queue once the transaction commits).
    Queued(String),
    /// A job of the item is still queued or running: that one.
    InFlight(String),
}

/// In `conn` (a write transaction): queues a crawl of `item`, or answers the job already in
/// flight for it. `None` when the item changed under us (another process claimed it first;
/// read it again).
pub async fn claim(
    conn: &impl ConnectionTrait,
    item: &knowledge_item::Model,
    next_sync_at: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<Option<Claim>, DbErr> {
    use knowledge_item::Column as C;
    if let Some(current) = &item.job_id
        && let Some(row) = job::Entity::find_by_id(current.as_str()).one(conn).await?
        && !row.status.is_terminal()
    {
        return Ok(Some(Claim::InFlight(row.id)));
    }
    let job_id = jobs::new_id();
    let mut update = knowledge_item::Entity::update_many()
        .col_expr(C::JobId, Expr::value(job_id.as_str()))
        .col_expr(C::NextSyncAt, Expr::value(next_sync_at))
        .col_expr(C::UpdatedAt, Expr::value(now()))
        .filter(C::Id.eq(item.id.as_str()));
    update = match &item.job_id {
        Some(current) => update.filter(C::JobId.eq(current.as_str())),
        None => update.filter(C::JobId.is_null()),
    };
    if update.exec(conn).await?.rows_affected == 0 {
        return Ok(None);
    }
    jobs::new_row(
        &job_id,
        &item.org_id,
        item.environment,
        JobKind::Crawl,
        Some(&item.id),
        json!({}),
    )
    .insert(conn)
    .await?;
    Ok(Some(Claim::Queued(job_id)))
}

/// Until `shutdown`, queues the syncs that are due, every `crawl.scheduler_interval_secs`.
pub async fn run<F>(rt: Arc<Runtime>, queue: Queue, shutdown: F)
where
    F: Future<Output = ()> + Send,
{
    let every = Duration::from_secs(rt.settings.crawl.scheduler_interval_secs);
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => return,
            _ = tokio::time::sleep(every) => {}
        }
        match queue_due(&rt, &queue).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(queued = n, "scheduled url syncs queued"),
            Err(e) => tracing::warn!(error = %e, "cannot queue scheduled url syncs"),
        }
    }
}

/// Items looked at per round.
const BATCH: u64 = 100;

/// Queues a crawl for every URL item whose `next_sync_at` has passed; answers how many.
pub async fn queue_due(rt: &Runtime, queue: &Queue) -> Result<usize, DbErr> {
    use knowledge_item::Column as C;
    let at = now();
    let due = knowledge_item::Entity::find()
        .filter(C::Kind.eq("url"))
        .filter(C::RefreshIntervalHours.is_not_null())
        .filter(C::NextSyncAt.lte(at))
        .order_by_asc(C::NextSyncAt)
        .limit(BATCH)
        .all(&rt.db)
        .await?;
    let mut queued = 0;
    for item in due {
        let hours = item.refresh_interval_hours.unwrap_or(1).max(1);
        // Due again one interval from now, whatever this crawl does; its end sets the next
        // time from when it finished.
        let next = at + chrono::Duration::hours(i64::from(hours));
        let txn = begin_write(&rt.db).await?;
        let claimed = claim(&txn, &item, Some(next)).await?;
        txn.commit().await?;
        if let Some(Claim::Queued(job_id)) = claimed {
            if let Err(e) = queue.hand_off(&rt.db, &job_id).await {
                // The row stays queued without a queue entry: the sweeper hands it over.
                tracing::warn!(job_id, error = %e, "cannot enqueue a scheduled sync yet");
            }
            queued += 1;
        }
    }
    Ok(queued)
}
