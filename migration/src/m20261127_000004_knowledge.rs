//! Knowledge items, their chunks and vectors, background jobs, and the tenant index version.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("environments")
                    .add_column(big_integer("index_version").default(0))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("knowledge_items")
                    .col(string("id").primary_key())
                    .col(string("org_id"))
                    .col(string_len("environment", 16))
                    .col(string_len("kind", 16))
                    .col(text("title"))
                    .col(text_null("source"))
                    .col(string_null("media_type"))
                    .col(blob_null("content"))
                    .col(text_null("question"))
                    .col(text_null("answer"))
                    .col(json("alternate_questions"))
                    .col(json("tags"))
                    .col(string_len("status", 16))
                    .col(text_null("error"))
                    .col(text_null("summary"))
                    .col(string_len_null("summary_kind", 16))
                    .col(json("keywords"))
                    .col(integer("chunk_count"))
                    .col(string_len("content_hash", 64))
                    .col(integer("version"))
                    .col(json("metadata"))
                    .col(json("assistant_ids"))
                    .col(string_null("job_id"))
                    .col(timestamp_with_time_zone_null("last_synced_at"))
                    .col(timestamp_with_time_zone_null("next_sync_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;
        // One item per content in a tenant: concurrent duplicate uploads meet here.
        manager
            .create_index(
                Index::create()
                    .name("idx_knowledge_items_tenant_hash")
                    .table("knowledge_items")
                    .col("org_id")
                    .col("environment")
                    .col("content_hash")
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_knowledge_items_tenant_time")
                    .table("knowledge_items")
                    .col("org_id")
                    .col("environment")
                    .col("created_at")
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("knowledge_chunks")
                    .col(string("id").primary_key())
                    .col(string("knowledge_id"))
                    .col(string("org_id"))
                    .col(string_len("environment", 16))
                    .col(integer("position"))
                    .col(text_null("heading"))
                    .col(text("content"))
                    .col(integer("token_count"))
                    .col(blob("embedding"))
                    .col(text_null("source"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("knowledge_chunks", "knowledge_id")
                            .to("knowledge_items", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_knowledge_chunks_item")
                    .table("knowledge_chunks")
                    .col("knowledge_id")
                    .col("position")
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_knowledge_chunks_tenant")
                    .table("knowledge_chunks")
                    .col("org_id")
                    .col("environment")
                    .to_owned(),
            )
            .await?;

        // Not `jobs`: apalis' SQLite storage owns a `Jobs` table, and SQLite names are
        // case-insensitive.
        manager
            .create_table(
                Table::create()
                    .table("background_jobs")
                    .col(string("id").primary_key())
                    .col(string("org_id"))
                    .col(string_len("environment", 16))
                    .col(string_len("kind", 16))
                    .col(string_null("knowledge_id"))
                    .col(json("params"))
                    .col(string_len("status", 16))
                    .col(integer("attempts"))
                    .col(double("progress"))
                    .col(text_null("error"))
                    .col(boolean("cancel_requested"))
                    .col(timestamp_with_time_zone("enqueued_at"))
                    .col(timestamp_with_time_zone_null("started_at"))
                    .col(timestamp_with_time_zone_null("finished_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_background_jobs_tenant_time")
                    .table("background_jobs")
                    .col("org_id")
                    .col("environment")
                    .col("enqueued_at")
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["background_jobs", "knowledge_chunks", "knowledge_items"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table("environments")
                    .drop_column("index_version")
                    .to_owned(),
            )
            .await
    }
}
