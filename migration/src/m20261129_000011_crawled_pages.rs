//! Crawled URLs: each page of a URL item, the item's crawl bounds and refresh schedule, what
//! its last sync changed, the page each chunk came from, and a crawl job's page counts.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Columns added to existing tables. SQLite alters one column per statement.
const ADDED: &[(&str, &str)] = &[
    ("knowledge_items", "crawl"),
    ("knowledge_items", "refresh_interval_hours"),
    ("knowledge_items", "sync_changes"),
    ("knowledge_chunks", "page_id"),
    ("background_jobs", "pages_done"),
    ("background_jobs", "pages_found"),
];

fn column(name: &'static str) -> ColumnDef {
    match name {
        "crawl" | "sync_changes" => json_null(name),
        "page_id" => string_null(name),
        _ => integer_null(name),
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, name) in ADDED {
            manager
                .alter_table(
                    Table::alter()
                        .table(*table)
                        .add_column(column(name))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_knowledge_chunks_page")
                    .table("knowledge_chunks")
                    .col("page_id")
                    .to_owned(),
            )
            .await?;
        // The scheduler's scan: items due for a re-sync.
        manager
            .create_index(
                Index::create()
                    .name("idx_knowledge_items_next_sync")
                    .table("knowledge_items")
                    .col("next_sync_at")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("knowledge_pages")
                    .col(string("id").primary_key())
                    .col(string("knowledge_id"))
                    .col(string("org_id"))
                    .col(string_len("environment", 16))
                    .col(text("url"))
                    .col(integer("depth"))
                    .col(string_len("status", 16))
                    .col(text_null("reason"))
                    .col(integer_null("http_status"))
                    .col(text_null("title"))
                    .col(string_len_null("media_type", 128))
                    .col(string_len_null("content_hash", 64))
                    .col(text_null("etag"))
                    .col(text_null("last_modified"))
                    .col(json_null("content"))
                    .col(json("links"))
                    .col(integer("chunk_count"))
                    .col(timestamp_with_time_zone_null("last_fetched_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("knowledge_pages", "knowledge_id")
                            .to("knowledge_items", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // A page is one row per item, however it was reached.
        manager
            .create_index(
                Index::create()
                    .name("idx_knowledge_pages_item_url")
                    .table("knowledge_pages")
                    .col("knowledge_id")
                    .col("url")
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("knowledge_pages").to_owned())
            .await?;
        for index in ["idx_knowledge_chunks_page", "idx_knowledge_items_next_sync"] {
            manager
                .drop_index(Index::drop().name(index).to_owned())
                .await?;
        }
        for (table, name) in ADDED.iter().rev() {
            manager
                .alter_table(Table::alter().table(*table).drop_column(*name).to_owned())
                .await?;
        }
        Ok(())
    }
}
