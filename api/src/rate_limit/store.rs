//! The shared counter: one atomic upsert per batch of requests, exact across processes.
//!
//! The statement adds `k` requests to the tenant's window and admits as many as still fit
//! under the limit, in a single row update that PostgreSQL serialises with a row lock and
//! SQLite with its write lock. `last_grant` reports how many of the `k` were admitted: every
//! `SET` expression reads the row as it was before the update, on both databases.
//!
//! The same round trip reads the tenant's configuration version, as of a moment after every
//! request of the batch arrived; handlers use it to serve cached reads that are never older
//! than the request (see `crate::cache`).

use std::sync::OnceLock;

use companin_entity::Environment;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement};

/// Written with PostgreSQL's `$n` placeholders; [`upsert_sql`] gives SQLite's `?n`.
const UPSERT: &str = r#"
INSERT INTO rate_limit_windows
    (org_id, environment, window_start, max_requests, admitted, requested, last_grant)
VALUES
    ($1, $2, $3, $4,
     CASE WHEN $5 < $4 THEN $5 ELSE $4 END,
     $5,
     CASE WHEN $5 < $4 THEN $5 ELSE $4 END)
ON CONFLICT (org_id, environment, window_start) DO UPDATE SET
    max_requests = excluded.max_requests,
    requested = rate_limit_windows.requested + excluded.requested,
    admitted = CASE
        WHEN rate_limit_windows.admitted + excluded.requested <= excluded.max_requests
            THEN rate_limit_windows.admitted + excluded.requested
        WHEN rate_limit_windows.admitted < excluded.max_requests
            THEN excluded.max_requests
        ELSE rate_limit_windows.admitted
    END,
    last_grant = CASE
        WHEN rate_limit_windows.admitted + excluded.requested <= excluded.max_requests
            THEN excluded.requested
        WHEN rate_limit_windows.admitted < excluded.max_requests
            THEN excluded.max_requests - rate_limit_windows.admitted
        ELSE 0
    END
RETURNING admitted, last_grant,
    (SELECT config_version FROM environments
      WHERE environments.org_id = $1 AND environments.environment = $2)
"#;

fn upsert_sql(backend: DbBackend) -> &'static str {
    static SQLITE: OnceLock<String> = OnceLock::new();
    match backend {
        DbBackend::Postgres => UPSERT,
        _ => SQLITE.get_or_init(|| UPSERT.replace('$', "?")),
    }
}

/// The window after one increment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    /// Admitted in the window, including this grant.
    pub admitted: i64,
    /// How many of the requested were admitted.
    pub granted: i64,
    /// The tenant's configuration version.
    pub config_version: i64,
}

/// Asks for `requested` admissions in the window starting at `window_start`.
pub async fn increment(
    db: &DatabaseConnection,
    org_id: &str,
    environment: Environment,
    window_start: i64,
    limit: i64,
    requested: i64,
) -> Result<Grant, DbErr> {
    let backend = db.get_database_backend();
    let stmt = Statement::from_sql_and_values(
        backend,
        upsert_sql(backend),
        [
            org_id.into(),
            environment.as_str().into(),
            window_start.into(),
            limit.into(),
            requested.into(),
        ],
    );
    let row = db
        .query_one_raw(stmt)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("rate-limit upsert returned no row".into()))?;
    Ok(Grant {
        admitted: row.try_get_by_index(0)?,
        granted: row.try_get_by_index(1)?,
        config_version: row.try_get_by_index::<Option<i64>>(2)?.unwrap_or(0),
    })
}
