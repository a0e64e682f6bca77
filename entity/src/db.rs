//! Conventions every writer shares, the API and the workers alike.

use sea_orm::{
    AccessMode, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, IsolationLevel,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

/// SQLite page cache per connection, in KiB when negative (`PRAGMA cache_size`): 32 MiB
/// instead of 2, so hot tables and the job queue stay in the process.
pub const SQLITE_CACHE_SIZE: &str = "-32768";

/// SQLite reads through a memory map of up to this many bytes (`PRAGMA mmap_size`) rather than
/// a `pread` copy per page.
pub const SQLITE_MMAP_SIZE: &str = "268435456";

/// `sql` written with PostgreSQL's numbered placeholders (`$1`), for `backend`: SQLite reads
/// the same numbers as `?1`. (The statements never hold a `$` elsewhere.)
pub fn placeholders(backend: DbBackend, sql: &str) -> String {
    match backend {
        DbBackend::Postgres => sql.to_owned(),
        _ => sql.replace('$', "?"),
    }
}

/// A write transaction. On SQLite it takes the write lock up front (`BEGIN IMMEDIATE`), so two
/// writers queue for the lock instead of one failing on upgrade; other databases ignore it.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    })
    .await
}

/// A read-only transaction whose reads all see one snapshot: several queries that must agree
/// (a histogram and the rows it counts) are not torn by a writer in between. PostgreSQL needs
/// `REPEATABLE READ` for that; a SQLite transaction in WAL mode reads one snapshot from its
/// first read on (and refuses an isolation level, so none is asked of it).
pub async fn begin_snapshot(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let options = match db.get_database_backend() {
        DbBackend::Postgres => TransactionOptions {
            isolation_level: Some(IsolationLevel::RepeatableRead),
            access_mode: Some(AccessMode::ReadOnly),
            ..TransactionOptions::default()
        },
        _ => TransactionOptions::default(),
    };
    db.begin_with_options(options).await
}

/// The current time as the databases store it (microseconds), so that a row answered right
/// after it is written reads the same as when it is read back.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::SubsecRound;
    chrono::Utc::now().trunc_subsecs(6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_keep_their_numbers() {
        let sql = "UPDATE t SET a = $2 WHERE id = $1 AND b = $2";
        assert_eq!(placeholders(DbBackend::Postgres, sql), sql);
        assert_eq!(
            placeholders(DbBackend::Sqlite, sql),
            "UPDATE t SET a = ?2 WHERE id = ?1 AND b = ?2"
        );
    }
}
