//! The log of a tenant's chunk changes by index version.
//!
//! Every transaction that changes a tenant's chunks ends with [`bump_index_version`]: it moves
//! `environments.index_version` on and stamps the chunks that transaction added
//! (`knowledge_chunks.added_version`) and deleted (`knowledge_chunk_removals.version`, rows a
//! trigger writes on every delete) with the new version. The environment row's update holds
//! its lock (PostgreSQL) or the write lock (SQLite) until commit, so the tenant's versions
//! commit in order and a reader that saw version V has seen every change stamped V or lower:
//! the changes since V are those stamped higher, or not stamped yet.
//!
//! Removal rows are pruned as versions move on; `environments.index_log_from` says from which
//! version on the log is whole.

use sea_orm::{ConnectionTrait, DbErr, Statement, Value};

use crate::Environment;

/// Removals are kept for this many versions...
pub const LOG_KEEP_VERSIONS: i64 = 1_000;
/// ...and pruned every this many.
const PRUNE_EVERY: i64 = 100;

/// Moves the tenant's index version on, in the transaction that changed its chunks, and
/// stamps that transaction's changes with it; answers the new version.
pub async fn bump_index_version(
    conn: &impl ConnectionTrait,
    org_id: &str,
    env: Environment,
) -> Result<i64, DbErr> {
    let tenant = || -> Vec<Value> { vec![org_id.into(), env.as_str().into()] };
    let row = conn
        .query_one_raw(statement(
            conn,
            "UPDATE environments SET index_version = index_version + 1 \
             WHERE org_id = $1 AND environment = $2 RETURNING index_version",
            tenant(),
        ))
        .await?;
    let Some(row) = row else {
        // No such tenant (deleted meanwhile): nothing to stamp.
        return Ok(0);
    };
    let version: i64 = row.try_get_by_index(0)?;
    for sql in [
        "UPDATE knowledge_chunks SET added_version = $3 \
         WHERE org_id = $1 AND environment = $2 AND added_version IS NULL",
        "UPDATE knowledge_chunk_removals SET version = $3 \
         WHERE org_id = $1 AND environment = $2 AND version IS NULL",
    ] {
        let mut values = tenant();
        values.push(version.into());
        conn.execute_raw(statement(conn, sql, values)).await?;
    }
    if version % PRUNE_EVERY == 0 && version > LOG_KEEP_VERSIONS {
        let kept_from = version - LOG_KEEP_VERSIONS;
        for sql in [
            "DELETE FROM knowledge_chunk_removals \
             WHERE org_id = $1 AND environment = $2 AND version <= $3",
            "UPDATE environments SET index_log_from = $3 \
             WHERE org_id = $1 AND environment = $2 AND index_log_from < $3",
        ] {
            let mut values = tenant();
            values.push(kept_from.into());
            conn.execute_raw(statement(conn, sql, values)).await?;
        }
    }
    Ok(version)
}

/// `sql` written with PostgreSQL's `$n`, for the connection's database.
fn statement(conn: &impl ConnectionTrait, sql: &str, values: Vec<Value>) -> Statement {
    let backend = conn.get_database_backend();
    Statement::from_sql_and_values(backend, crate::db::placeholders(backend, sql), values)
}
