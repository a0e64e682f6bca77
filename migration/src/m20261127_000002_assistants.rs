//! Assistants and their immutable versions.

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
                    .table("assistants")
                    .col(string("id").primary_key())
                    .col(string("org_id"))
                    .col(string_len("environment", 16))
                    .col(string("name"))
                    .col(text_null("description"))
                    .col(string("tone"))
                    .col(string_len("language", 64))
                    .col(json("default_tasks"))
                    .col(text("instructions"))
                    .col(boolean("is_active"))
                    .col(string_len("knowledge_scope", 16))
                    .col(json("knowledge_ids"))
                    .col(json("excluded_knowledge_ids"))
                    .col(integer("retrieval_top_k"))
                    .col(double("retrieval_min_score"))
                    .col(string_len("reply_mode", 16))
                    .col(text("fallback_message"))
                    .col(integer("version"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(timestamp_with_time_zone_null("deleted_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("assistants", "org_id")
                            .to("organizations", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_assistants_tenant")
                    .table("assistants")
                    .col("org_id")
                    .col("environment")
                    .col("created_at")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("assistant_versions")
                    .col(string("assistant_id"))
                    .col(integer("version"))
                    .col(string("org_id"))
                    .col(string_len("environment", 16))
                    .col(json("config"))
                    .col(json("changed_fields"))
                    .col(integer_null("rolled_back_from"))
                    .col(timestamp_with_time_zone("created_at"))
                    .primary_key(Index::create().col("assistant_id").col("version"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("assistant_versions", "assistant_id")
                            .to("assistants", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["assistant_versions", "assistants"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
