//! The rate-limit alert webhook becomes one subscriber of the event webhooks' delivery: its
//! alerts, delivered and waiting, move into `webhook_deliveries` (endpoint `alert`, the event
//! id the alert's body already carried), and `alert_deliveries` goes.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const MOVE: &str = "INSERT INTO webhook_deliveries \
    (id, org_id, environment, endpoint_id, event_id, event_type, sequence, payload, status, \
     attempts, next_attempt_at, locked_until, response_status, last_error, duration_ms, \
     created_at, last_attempt_at, delivered_at) \
    SELECT 'whd_alert' || CAST(id AS TEXT), org_id, environment, 'alert', \
           'alert_' || org_id || '_' || environment || '_' || CAST(window_start AS TEXT) \
               || '_' || kind, \
           'rate_limit.' || kind, 0, payload, status, attempts, next_attempt_at, NULL, \
           response_status, last_error, NULL, created_at, NULL, delivered_at \
    FROM alert_deliveries";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.get_connection().execute_unprepared(MOVE).await?;
        manager
            .drop_table(Table::drop().table("alert_deliveries").to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // The table as it was, empty: the alerts stay with the webhook deliveries.
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
            .await
    }
}
