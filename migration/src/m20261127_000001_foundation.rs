//! Tenants, credentials and the operational tables: organizations, environments, clients,
//! request logs, rate-limit windows and events, audit logs.

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
                    .table("organizations")
                    .col(string("id").primary_key())
                    .col(string("name"))
                    .col(big_integer_null("rate_limit_per_hour"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("environments")
                    .col(string("org_id"))
                    .col(string_len("environment", 16))
                    .col(big_integer("config_version").default(0))
                    .col(timestamp_with_time_zone("created_at"))
                    .primary_key(Index::create().col("org_id").col("environment"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("environments", "org_id")
                            .to("organizations", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("clients")
                    .col(string("id").primary_key())
                    .col(string("org_id"))
                    .col(string_len("environment", 16))
                    .col(string("name"))
                    .col(string("secret_hash"))
                    .col(string("secret_salt"))
                    .col(integer("secret_version"))
                    .col(json("allowed_origins"))
                    .col(boolean("is_active"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(timestamp_with_time_zone_null("deleted_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("clients", "org_id")
                            .to("organizations", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_clients_tenant")
                    .table("clients")
                    .col("org_id")
                    .col("environment")
                    .col("created_at")
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("request_logs")
                    .col(big_pk_auto("id"))
                    .col(string_null("org_id"))
                    .col(string_len_null("environment", 16))
                    .col(string_null("client_id"))
                    .col(string("request_id"))
                    .col(string_len("method", 16))
                    .col(string("route"))
                    .col(integer("status"))
                    .col(double("latency_ms"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_request_logs_tenant_time")
                    .table("request_logs")
                    .col("org_id")
                    .col("environment")
                    .col("created_at")
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("rate_limit_windows")
                    .col(string("org_id"))
                    .col(string_len("environment", 16))
                    .col(big_integer("window_start"))
                    .col(big_integer("max_requests"))
                    .col(big_integer("admitted"))
                    .col(big_integer("requested"))
                    .col(big_integer("last_grant"))
                    .primary_key(
                        Index::create()
                            .col("org_id")
                            .col("environment")
                            .col("window_start"),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("rate_limit_events")
                    .col(big_pk_auto("id"))
                    .col(string("org_id"))
                    .col(string_len("environment", 16))
                    .col(string("client_id"))
                    .col(string_len("kind", 16))
                    .col(big_integer("window_start"))
                    .col(big_integer("max_requests"))
                    .col(big_integer("used"))
                    .col(string("request_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_rate_limit_events_tenant_time")
                    .table("rate_limit_events")
                    .col("org_id")
                    .col("environment")
                    .col("created_at")
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("audit_logs")
                    .col(string("id").primary_key())
                    .col(string("org_id"))
                    .col(string_len("environment", 16))
                    .col(string_len("actor_type", 16))
                    .col(string_null("actor_client_id"))
                    .col(string("action"))
                    .col(string("resource_type"))
                    .col(string("resource_id"))
                    .col(json_null("changes"))
                    .col(string_null("request_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_logs_tenant_time")
                    .table("audit_logs")
                    .col("org_id")
                    .col("environment")
                    .col("created_at")
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "audit_logs",
            "rate_limit_events",
            "rate_limit_windows",
            "request_logs",
            "clients",
            "environments",
            "organizations",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
