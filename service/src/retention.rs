//! Retention: request logs and rate-limit records older than the configured age, and expired
//! idempotency keys, console sessions and sign-in counts, are deleted by a periodic sweep in
//! every worker process. Deleting by age is idempotent, so several
//! processes sweeping at once only repeat each other's no-op; each sweep deletes in bounded
//! batches so that SQLite's single writer is never held for long.

use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, Utc};
use companin_config::RequestLogSettings;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr};

use super::analytics::sql::Query;

/// Rows deleted by one statement.
const BATCH: u64 = 10_000;

/// What one sweep deleted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    pub request_logs: u64,
    pub rate_limit_events: u64,
    /// Hourly windows and daily quota windows.
    pub rate_limit_windows: u64,
    /// Hourly and daily rollups of the request log, and its sealed latency samples.
    pub rollups: u64,
    /// Webhook deliveries (rate-limit alerts among them), sent or not.
    pub webhook_deliveries: u64,
}

/// Deletes every request log and rate-limit event written before `cutoff`, and every
/// rate-limit window and request rollup whose hour (or day) ended before it, and the webhook
/// deliveries (alerts among them) made before it.
pub async fn sweep(db: &impl ConnectionTrait, cutoff: DateTime<Utc>) -> Result<Swept, DbErr> {
    let request_logs = delete_batched(db, "request_logs", cutoff).await?;
    let rate_limit_events = delete_batched(db, "rate_limit_events", cutoff).await?;
    let mut windows = Query::new(db.get_database_backend());
    windows
        .push("DELETE FROM rate_limit_windows WHERE window_start < ")
        .bind(cutoff.timestamp() - crate::rate_limit::WINDOW_SECS);
    let mut days = Query::new(db.get_database_backend());
    days.push("DELETE FROM rate_limit_days WHERE window_start < ")
        .bind(cutoff.timestamp() - crate::rate_limit::Period::Day.secs());
    let rate_limit_windows = windows.execute(db).await? + days.execute(db).await?;
    let rollups = super::analytics::rollups::sweep(db, cutoff).await?;
    let webhook_deliveries = delete_batched(db, "webhook_deliveries", cutoff).await?;
    Ok(Swept {
        request_logs,
        rate_limit_events,
        rate_limit_windows,
        rollups,
        webhook_deliveries,
    })
}

/// Deletes the rows of `table` created before `cutoff`, [`BATCH`] at a time, oldest first: a
/// sweep cut short leaves the log whole from its oldest row on, which is where the analytics
/// reports start reading it (`rollups::within_log`).
async fn delete_batched(
    db: &impl ConnectionTrait,
    table: &str,
    cutoff: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let mut total = 0;
    loop {
        let mut q = Query::new(db.get_database_backend());
        q.push(&format!(
            "DELETE FROM {table} WHERE id IN (SELECT id FROM {table} WHERE created_at < "
        ))
        .bind(cutoff)
        .push(&format!(" ORDER BY created_at LIMIT {BATCH})"));
        let deleted = q.execute(db).await?;
        total += deleted;
        if deleted < BATCH {
            return Ok(total);
        }
    }
}

/// Sweeps every `retention_sweep_secs` (the first sweep right away) until `stop` resolves:
/// expired idempotency keys and ended widget limit windows always, the logs only when retention is on (`retention_days`
/// above 0).
pub async fn run(
    db: DatabaseConnection,
    settings: RequestLogSettings,
    stop: impl Future<Output = ()>,
) {
    let age = (settings.retention_days > 0)
        .then(|| chrono::Duration::days(i64::from(settings.retention_days)));
    let mut ticks = tokio::time::interval(Duration::from_secs(settings.retention_sweep_secs));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut stop => return,
            _ = ticks.tick() => {}
        }
        match super::idempotency::sweep(&db, Utc::now()).await {
            Ok(0) => {}
            Ok(keys) => tracing::info!(keys, "expired idempotency keys deleted"),
            Err(e) => {
                tracing::warn!(error = %e, "idempotency key sweep failed; retrying next time")
            }
        }
        match crate::members::sweep(&db, Utc::now()).await {
            Ok(0) => {}
            Ok(rows) => tracing::info!(rows, "expired console sessions and sign-in counts deleted"),
            Err(e) => {
                tracing::warn!(error = %e, "console session sweep failed; retrying next time")
            }
        }
        match crate::rate_limit::widget::sweep(&db, Utc::now().timestamp()).await {
            Ok(0) => {}
            Ok(windows) => tracing::info!(windows, "ended widget limit windows deleted"),
            Err(e) => tracing::warn!(error = %e, "widget window sweep failed; retrying next time"),
        }
        let Some(age) = age else { continue };
        match sweep(&db, Utc::now() - age).await {
            Ok(swept) if swept != Swept::default() => tracing::info!(
                request_logs = swept.request_logs,
                rate_limit_events = swept.rate_limit_events,
                rate_limit_windows = swept.rate_limit_windows,
                rollups = swept.rollups,
                webhook_deliveries = swept.webhook_deliveries,
                "retention sweep deleted old records"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "retention sweep failed; retrying next time"),
        }
    }
}
