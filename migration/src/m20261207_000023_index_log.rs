//! A log of each tenant's chunk changes by index version, so that a search index behind the
//! database reads what changed since its version instead of every chunk id.
//!
//! - `knowledge_chunks.added_version`: the index version whose transaction added the chunk,
//!   stamped by `bump_index_version` (NULL until then). Chunks stored before hold 0.
//! - `knowledge_chunk_removals`: one row per deleted chunk, written by a trigger (so deletes
//!   by cascade are logged too), its `version` stamped the same way.
//! - `environments.index_log_from`: an index at this version or later may catch up from the
//!   log; older ones diff every chunk id as before. It starts at the version each tenant has
//!   now, and moves on as old removals are pruned.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const POSTGRES_TRIGGER: &str = r#"
CREATE FUNCTION log_knowledge_chunk_removal() RETURNS trigger AS $$
BEGIN
    INSERT INTO knowledge_chunk_removals (org_id, environment, chunk_id)
    VALUES (OLD.org_id, OLD.environment, OLD.id);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER knowledge_chunk_removed AFTER DELETE ON knowledge_chunks
    FOR EACH ROW EXECUTE FUNCTION log_knowledge_chunk_removal();
"#;

const SQLITE_TRIGGER: &str = r#"
CREATE TRIGGER knowledge_chunk_removed AFTER DELETE ON knowledge_chunks
BEGIN
    INSERT INTO knowledge_chunk_removals (org_id, environment, chunk_id)
    VALUES (OLD.org_id, OLD.environment, OLD.id);
END;
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("knowledge_chunks")
                    .add_column(big_integer_null("added_version"))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared("UPDATE knowledge_chunks SET added_version = 0")
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_knowledge_chunks_added_version")
                    .table("knowledge_chunks")
                    .col("org_id")
                    .col("environment")
                    .col("added_version")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("knowledge_chunk_removals")
                    .col(big_integer("id").auto_increment().primary_key())
                    .col(string("org_id"))
                    .col(string_len("environment", 16))
                    .col(string("chunk_id"))
                    .col(big_integer_null("version"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_knowledge_chunk_removals_version")
                    .table("knowledge_chunk_removals")
                    .col("org_id")
                    .col("environment")
                    .col("version")
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("environments")
                    .add_column(big_integer("index_log_from").default(0))
                    .to_owned(),
            )
            .await?;
        db.execute_unprepared("UPDATE environments SET index_log_from = index_version")
            .await?;
        let trigger = match db.get_database_backend() {
            DbBackend::Postgres => POSTGRES_TRIGGER,
            _ => SQLITE_TRIGGER,
        };
        db.execute_unprepared(trigger).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let drop = match db.get_database_backend() {
            DbBackend::Postgres => {
                "DROP TRIGGER IF EXISTS knowledge_chunk_removed ON knowledge_chunks; \
                 DROP FUNCTION IF EXISTS log_knowledge_chunk_removal();"
            }
            _ => "DROP TRIGGER IF EXISTS knowledge_chunk_removed",
        };
        db.execute_unprepared(drop).await?;
        manager
            .drop_table(Table::drop().table("knowledge_chunk_removals").to_owned())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_knowledge_chunks_added_version")
                    .table("knowledge_chunks")
                    .to_owned(),
            )
            .await?;
        for (table, column) in [
            ("knowledge_chunks", "added_version"),
            ("environments", "index_log_from"),
        ] {
            manager
                .alter_table(Table::alter().table(table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}
