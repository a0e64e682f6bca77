//! Exact percentiles without an index maintained on every request: each hour of the request
//! log, once it has ended, is sealed into `latency_samples` — per endpoint and latency bucket,
//! the hour's latencies sorted in one blob — and the index on `(endpoint, bucket, time)`, whose
//! upkeep cost about a fifth of the authenticated request rate on SQLite, is dropped.
//!
//! `latency_sealing` holds one row: every hour before `sealed_until` (unix seconds) has been
//! sealed. It starts empty (`NULL`): the first seal starts at the oldest row of the log, so
//! existing rows are sealed by the workers after the upgrade.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

#[derive(DeriveMigrationName)]
pub struct Migration;

const BUCKET_INDEX: &str = "idx_request_logs_tenant_endpoint_bucket";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("latency_samples")
                    .col(string("org_id"))
                    .col(string_len("environment", 16))
                    .col(string_len("method", 16))
                    .col(string("route"))
                    .col(integer("bucket"))
                    .col(big_integer("hour"))
                    .col(big_integer("requests"))
                    .col(blob("latencies"))
                    // A percentile reads one endpoint's bucket over a range of hours.
                    .primary_key(
                        Index::create()
                            .col("org_id")
                            .col("environment")
                            .col("method")
                            .col("route")
                            .col("bucket")
                            .col("hour"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("latency_sealing")
                    .col(integer("id").primary_key())
                    .col(big_integer_null("sealed_until"))
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared("INSERT INTO latency_sealing (id) VALUES (1)")
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name(BUCKET_INDEX)
                    .table("request_logs")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(BUCKET_INDEX)
                    .table("request_logs")
                    .col("org_id")
                    .col("environment")
                    .col("route")
                    .col("method")
                    .col("latency_bucket")
                    .col("created_at")
                    .col("latency_ms")
                    .to_owned(),
            )
            .await?;
        for table in ["latency_sealing", "latency_samples"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
