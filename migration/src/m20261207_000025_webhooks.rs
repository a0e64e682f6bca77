//! Event webhooks: a tenant's endpoints, and one delivery row per event and endpoint, which
//! the workers send (signed, retried with back-off) and which the API lists and redelivers.

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
                    .table("webhook_endpoints")
                    .col(string("id").primary_key())
                    .col(string("org_id"))
                    .col(string_len("environment", 16))
                    .col(string_len("url", 2048))
                    .col(string_null("description"))
                    .col(json("events"))
                    .col(text("secret_sealed"))
                    .col(boolean("is_active"))
                    .col(text_null("disabled_reason"))
                    .col(timestamp_with_time_zone_null("failing_since"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_endpoints_tenant")
                    .table("webhook_endpoints")
                    .col("org_id")
                    .col("environment")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("webhook_deliveries")
                    .col(string("id").primary_key())
                    .col(string("org_id"))
                    .col(string_len("environment", 16))
                    .col(string("endpoint_id"))
                    .col(string("event_id"))
                    .col(string_len("event_type", 64))
                    // 0 for the event's delivery, n for its n-th redelivery on demand.
                    .col(integer("sequence"))
                    .col(text("payload"))
                    .col(string_len("status", 16))
                    .col(integer("attempts"))
                    .col(timestamp_with_time_zone("next_attempt_at"))
                    .col(timestamp_with_time_zone_null("locked_until"))
                    .col(integer_null("response_status"))
                    .col(text_null("last_error"))
                    .col(integer_null("duration_ms"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("last_attempt_at"))
                    .col(timestamp_with_time_zone_null("delivered_at"))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "idx_webhook_deliveries_due",
                &["status", "next_attempt_at"][..],
            ),
            (
                "idx_webhook_deliveries_endpoint",
                &["endpoint_id", "created_at"][..],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table("webhook_deliveries");
            for col in cols {
                index.col(*col);
            }
            manager.create_index(index.to_owned()).await?;
        }
        // One delivery per event and endpoint (a redelivery is a new row, its `sequence` one
        // more): "once per window" of a rate-limit event holds across processes.
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_deliveries_event")
                    .table("webhook_deliveries")
                    .col("endpoint_id")
                    .col("event_id")
                    .col("sequence")
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["webhook_deliveries", "webhook_endpoints"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
