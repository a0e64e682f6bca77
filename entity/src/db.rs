//! Conventions every writer shares, the API and the workers alike.

use sea_orm::{
    DatabaseConnection, DatabaseTransaction, DbErr, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};

/// SQLite page cache per connection, in KiB when negative (`PRAGMA cache_size`): 32 MiB
/// instead of 2, so hot tables and the job queue stay in the process.
pub const SQLITE_CACHE_SIZE: &str = "-32768";

/// SQLite reads through a memory map of up to this many bytes (`PRAGMA mmap_size`) rather than
/// a `pread` copy per page.
pub const SQLITE_MMAP_SIZE: &str = "268435456";

/// A write transaction. On SQLite it takes the write lock up front (`BEGIN IMMEDIATE`), so two
/// writers queue for the lock instead of one failing on upgrade; other databases ignore it.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    })
    .await
}

/// The current time as the databases store it (microseconds), so that a row answered right
/// after it is written reads the same as when it is read back.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::SubsecRound;
    chrono::Utc::now().trunc_subsecs(6)
}
