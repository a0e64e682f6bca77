//! Visitor sessions and their contexts (traits).

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
                    .table("sessions")
                    .col(string("id").primary_key())
                    .col(string("org_id"))
                    .col(string_len("environment", 16))
                    .col(string("assistant_id"))
                    .col(string("visitor_id"))
                    .col(string_null("user_id"))
                    .col(string_len_null("locale", 64))
                    .col(json("metadata"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .col(timestamp_with_time_zone("last_activity_at"))
                    .col(timestamp_with_time_zone_null("ended_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("sessions", "assistant_id")
                            .to("assistants", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("idx_sessions_tenant_time", "created_at"),
            ("idx_sessions_tenant_visitor", "visitor_id"),
            ("idx_sessions_tenant_user", "user_id"),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table("sessions")
                        .col("org_id")
                        .col("environment")
                        .col(col)
                        .to_owned(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table("contexts")
                    .col(string("id").primary_key())
                    .col(string("org_id"))
                    .col(string_len("environment", 16))
                    .col(string_null("session_id"))
                    .col(string_null("visitor_id"))
                    .col(string_null("user_id"))
                    .col(json("traits"))
                    .col(string_null("crm_provider"))
                    .col(string_null("crm_external_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("idx_contexts_tenant_session", "session_id"),
            ("idx_contexts_tenant_visitor", "visitor_id"),
            ("idx_contexts_tenant_user", "user_id"),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table("contexts")
                        .col("org_id")
                        .col("environment")
                        .col(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["contexts", "sessions"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
