//! Analytics: indexes of the reports and the retention sweep, and rate-limit alerts (a
//! webhook per tenant and the deliveries queued for it).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// `(name, table, columns)`.
const INDEXES: [(&str, &str, &[&str]); 2] = [
    // The retention sweep deletes by age across all tenants.
    ("idx_request_logs_time", "request_logs", &["created_at"]),
    // Refusals per client in the keys report.
    (
        "idx_rate_limit_events_tenant_client",
        "rate_limit_events",
        &["org_id", "environment", "client_id", "created_at"],
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, columns) in INDEXES {
            let mut index = Index::create();
            index.name(name).table(table);
            for column in columns {
                index.col(*column);
            }
            manager.create_index(index.to_owned()).await?;
        }

        // One column per statement: SQLite alters a table one change at a time.
        for column in ["alert_webhook_url", "alert_webhook_secret"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("environments")
                        .add_column(string_null(column))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table("alert_deliveries")
                    .col(big_pk_auto("id"))
                    .col(string("org_id"))
                    .col(string_len("environment", 16))
                    .col(string_len("kind", 16))
                    .col(big_integer("window_start"))
                    .col(text("payload"))
                    .col(string_len("status", 16))
                    .col(integer("attempts"))
                    .col(timestamp_with_time_zone("next_attempt_at"))
                    .col(timestamp_with_time_zone_null("locked_until"))
                    .col(integer_null("response_status"))
                    .col(text_null("last_error"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("delivered_at"))
                    .to_owned(),
            )
            .await?;
        // Once per tenant, window and kind, however many processes see the threshold pass.
        manager
            .create_index(
                Index::create()
                    .name("idx_alert_deliveries_once")
                    .table("alert_deliveries")
                    .col("org_id")
                    .col("environment")
                    .col("window_start")
                    .col("kind")
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_alert_deliveries_due")
                    .table("alert_deliveries")
                    .col("status")
                    .col("next_attempt_at")
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("alert_deliveries").to_owned())
            .await?;
        for column in ["alert_webhook_secret", "alert_webhook_url"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("environments")
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for (name, table, _) in INDEXES {
            manager
                .drop_index(Index::drop().name(name).table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
