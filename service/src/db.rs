//! Connecting to the database in effect and bringing its schema up to date.

use std::time::Duration;

use anyhow::Context;
use companin_config::{Settings, redact_password};
use companin_migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};

/// The connection pools of a server process.
///
/// On SQLite, writes go through a pool of one connection: SQLite admits one writer at a time,
/// and a second connection that wants to write meets a locked database and sleeps in SQLite's
/// busy handler (a millisecond or more) where it could have waited its turn in the pool
/// without sleeping. Reads use the other pool, which WAL lets run beside the writer. On
/// PostgreSQL both are the same pool.
#[derive(Clone)]
pub struct Pools {
    pub read: DatabaseConnection,
    pub write: DatabaseConnection,
}

impl Pools {
    pub async fn open(settings: &Settings) -> anyhow::Result<Pools> {
        let read = connect(settings).await?;
        let write = if settings.is_sqlite() {
            connect_with(settings, 1).await?
        } else {
            read.clone()
        };
        Ok(Pools { read, write })
    }

    pub async fn close(self) {
        for (name, pool) in [("read", self.read), ("write", self.write)] {
            if let Err(e) = pool.close().await {
                tracing::warn!(error = %e, pool = name, "closing a database pool");
            }
        }
    }
}

/// Opens a pool. SQLite runs in WAL mode with a busy timeout so that readers never block the
/// writer and concurrent writers wait their turn instead of failing.
pub async fn connect(settings: &Settings) -> anyhow::Result<DatabaseConnection> {
    connect_with(settings, settings.database_max_connections()).await
}

async fn connect_with(
    settings: &Settings,
    max_connections: u32,
) -> anyhow::Result<DatabaseConnection> {
    let url = settings.database_url();
    if settings.is_sqlite() {
        std::fs::create_dir_all(&settings.data_dir).with_context(|| {
            format!(
                "creating the data directory {}",
                settings.data_dir.display()
            )
        })?;
    }
    let mut options = ConnectOptions::new(url.clone());
    options
        .sqlx_logging(false)
        .max_connections(max_connections)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(10))
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
                .pragma("cache_size", companin_entity::db::SQLITE_CACHE_SIZE)
                .pragma("mmap_size", companin_entity::db::SQLITE_MMAP_SIZE)
        });
    Database::connect(options)
        .await
        .with_context(|| format!("connecting to the database {}", redact_password(&url)))
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None)
        .await
        .context("applying database migrations")
}

/// Number of migrations not yet applied.
pub async fn pending_migrations(db: &DatabaseConnection) -> anyhow::Result<usize> {
    Ok(Migrator::get_pending_migrations(db)
        .await
        .context("reading the migration table")?
        .len())
}

/// Migrates when the settings say so, otherwise refuses to run on an outdated schema.
pub async fn prepare(db: &DatabaseConnection, settings: &Settings) -> anyhow::Result<()> {
    if settings.auto_migrate() {
        return migrate(db).await;
    }
    let pending = pending_migrations(db).await?;
    if pending > 0 {
        anyhow::bail!(
            "the database schema is {pending} migration(s) behind: run `companin migrate` first"
        );
    }
    Ok(())
}

/// Whether the database answers.
pub async fn ping(db: &DatabaseConnection) -> Result<(), sea_orm::DbErr> {
    db.execute_unprepared("SELECT 1").await.map(|_| ())
}

pub use companin_entity::db::{begin_snapshot, begin_write, now, placeholders};
