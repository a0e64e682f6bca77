//! One chunk per position: of an item (files, texts, Q&A) or of a crawled page (URL items,
//! whose chunks are numbered per page). The workers already write an item's chunks one writer
//! at a time; these indexes are the last guard, so a bug or a race can fail a write but never
//! store a passage twice. Duplicates left by earlier versions are removed first.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const DEDUPLICATE: &str = "DELETE FROM knowledge_chunks WHERE id IN (
    SELECT id FROM (
        SELECT id, ROW_NUMBER() OVER (
            PARTITION BY knowledge_id, page_id, position ORDER BY created_at, id
        ) AS n
        FROM knowledge_chunks
    ) AS numbered WHERE n > 1
)";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(DEDUPLICATE).await?;
        // Partial indexes (alike on SQLite and PostgreSQL): a page's chunks have a page id,
        // and NULLs never collide in a unique index.
        db.execute_unprepared(
            "CREATE UNIQUE INDEX idx_knowledge_chunks_item_position \
             ON knowledge_chunks (knowledge_id, position) WHERE page_id IS NULL",
        )
        .await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX idx_knowledge_chunks_page_position \
             ON knowledge_chunks (page_id, position) WHERE page_id IS NOT NULL",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for index in [
            "idx_knowledge_chunks_item_position",
            "idx_knowledge_chunks_page_position",
        ] {
            manager
                .drop_index(
                    Index::drop()
                        .name(index)
                        .table("knowledge_chunks")
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
