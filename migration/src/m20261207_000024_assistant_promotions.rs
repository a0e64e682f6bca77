//! Promotions of sandbox assistants to production (`POST /assistants/{id}/promote`): one row
//! per source assistant, source version and choice of knowledge, so a repeated promotion of
//! the same version answers the first one, and a later version updates the same production
//! assistant.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("assistant_promotions")
                    .col(string("id").primary_key())
                    .col(string("org_id"))
                    // The source's: the sandbox.
                    .col(string_len("environment", 16))
                    .col(string("source_assistant_id"))
                    .col(integer("source_version"))
                    .col(boolean("include_knowledge"))
                    // Unset while the promotion runs (the row is its claim).
                    .col(string_null("production_assistant_id"))
                    .col(integer_null("production_version"))
                    .col(json("knowledge"))
                    .col(json("unmapped_knowledge_ids"))
                    // Moves on when a promotion takes the row over (its production assistant
                    // was deleted, or an earlier attempt died).
                    .col(integer("attempt"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("finished_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_assistant_promotions_source")
                    .table("assistant_promotions")
                    .col("source_assistant_id")
                    .col("source_version")
                    .col("include_knowledge")
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("assistant_promotions").to_owned())
            .await
    }
}
