//! The shared counters: one atomic upsert per window and batch of requests, exact across
//! processes.
//!
//! The statement adds `k` requests to the tenant's window and admits as many of a `cap` as
//! still fit under the limit, in a single row update that PostgreSQL serialises with a row
//! lock and SQLite with its write lock. `last_grant` reports how many were admitted: every
//! `SET` expression reads the row as it was before the update, on both databases.
//!
//! The window is found by the database's clock, not the process's: processes whose clocks
//! disagree still count into the same window. The statement answers that clock's time too.
//!
//! The hourly statement also reads the tenant's configuration version, as of a moment after
//! every request of the batch arrived; handlers use it to serve cached reads that are never
//! older than the request (see `crate::cache`).

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use companin_entity::Environment;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement};

/// A rate-limit window: the hourly limit or the daily quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Period {
    Hour,
    Day,
}

impl Period {
    pub const ALL: [Period; 2] = [Period::Hour, Period::Day];

    /// Its length in seconds; windows start at multiples of it (UTC).
    pub fn secs(self) -> i64 {
        match self {
            Period::Hour => 3600,
            Period::Day => 86_400,
        }
    }

    /// Its name in events, headers and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Period::Hour => "hour",
            Period::Day => "day",
        }
    }

    fn table(self) -> &'static str {
        match self {
            Period::Hour => "rate_limit_windows",
            Period::Day => "rate_limit_days",
        }
    }
}

/// Written with PostgreSQL's `$n` placeholders; `{table}`, `{secs}` and `{now}` are filled in
/// per window and database ([`upsert_sql`]). `$3` is the limit, `$4` the requests asking,
/// `$5` how many of them may be admitted at most (fewer than `$4` when another window
/// already refused some).
const UPSERT: &str = r#"
INSERT INTO {table}
    (org_id, environment, window_start, max_requests, admitted, requested, last_grant)
VALUES
    ($1, $2, ({now}) / {secs} * {secs}, $3,
     CASE WHEN $5 < $3 THEN $5 ELSE $3 END,
     $4,
     CASE WHEN $5 < $3 THEN $5 ELSE $3 END)
ON CONFLICT (org_id, environment, window_start) DO UPDATE SET
    max_requests = excluded.max_requests,
    requested = {table}.requested + excluded.requested,
    admitted = CASE
        WHEN {table}.admitted + $5 <= excluded.max_requests
            THEN {table}.admitted + $5
        WHEN {table}.admitted < excluded.max_requests
            THEN excluded.max_requests
        ELSE {table}.admitted
    END,
    last_grant = CASE
        WHEN {table}.admitted + $5 <= excluded.max_requests
            THEN $5
        WHEN {table}.admitted < excluded.max_requests
            THEN excluded.max_requests - {table}.admitted
        ELSE 0
    END
RETURNING admitted, last_grant, window_start, ({now}),
    (SELECT config_version FROM environments
      WHERE environments.org_id = $1 AND environments.environment = $2)
"#;

/// Unix seconds by the database's clock.
pub(super) fn now_sql(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => "CAST(FLOOR(EXTRACT(EPOCH FROM clock_timestamp())) AS BIGINT)",
        _ => "CAST(strftime('%s', 'now') AS INTEGER)",
    }
}

fn upsert_sql(backend: DbBackend, period: Period) -> String {
    static BUILT: OnceLock<Mutex<HashMap<(bool, Period), String>>> = OnceLock::new();
    let postgres = backend == DbBackend::Postgres;
    let mut built = BUILT
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    built
        .entry((postgres, period))
        .or_insert_with(|| {
            let sql = UPSERT
                .replace("{table}", period.table())
                .replace("{secs}", &period.secs().to_string());
            let sql = crate::db::placeholders(backend, &sql);
            sql.replace("{now}", now_sql(backend))
        })
        .clone()
}

/// A window after one increment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    /// Admitted in the window, including this grant.
    pub admitted: i64,
    /// How many of the requested were admitted.
    pub granted: i64,
    /// Unix seconds at which the window opened.
    pub window_start: i64,
    /// Unix seconds now, by the database's clock.
    pub now: i64,
    /// The tenant's configuration version.
    pub config_version: i64,
}

/// Asks for `requested` admissions in the current `period` window, admitting `cap` of them at
/// most.
pub async fn increment(
    db: &DatabaseConnection,
    period: Period,
    (org_id, environment): (&str, Environment),
    limit: i64,
    requested: i64,
    cap: i64,
) -> Result<Grant, DbErr> {
    let backend = db.get_database_backend();
    let stmt = Statement::from_sql_and_values(
        backend,
        upsert_sql(backend, period),
        [
            org_id.into(),
            environment.as_str().into(),
            limit.into(),
            requested.into(),
            cap.into(),
        ],
    );
    let row = db
        .query_one_raw(stmt)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("rate-limit upsert returned no row".into()))?;
    Ok(Grant {
        admitted: row.try_get_by_index(0)?,
        granted: row.try_get_by_index(1)?,
        window_start: row.try_get_by_index(2)?,
        now: row.try_get_by_index(3)?,
        config_version: row.try_get_by_index::<Option<i64>>(4)?.unwrap_or(0),
    })
}

/// Takes back `n` admissions of the window at `window_start` (another window refused those
/// requests after this one admitted them).
pub async fn refund(
    db: &DatabaseConnection,
    period: Period,
    (org_id, environment): (&str, Environment),
    window_start: i64,
    n: i64,
) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let sql = format!(
        "UPDATE {} SET admitted = admitted - $1 \
         WHERE org_id = $2 AND environment = $3 AND window_start = $4",
        period.table()
    );
    let sql = crate::db::placeholders(backend, &sql);
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        sql,
        [
            n.into(),
            org_id.into(),
            environment.as_str().into(),
            window_start.into(),
        ],
    ))
    .await
    .map(|_| ())
}
