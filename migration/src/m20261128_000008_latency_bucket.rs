//! Each request-log row records its latency histogram bucket, and a percentile's exact value
//! is read through an index on `(endpoint, bucket, time)` instead of `(endpoint, latency)`.
//!
//! Rows are written in time order, so the new index grows at one end per endpoint and bucket;
//! the index on the latency itself took every insert to a random page, which halved the
//! request rate the log writer kept up with on SQLite.

use companin_entity::latency_rollup::{self, MAX_BUCKET, MIN_BUCKET};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement, Value};

#[derive(DeriveMigrationName)]
pub struct Migration;

const OLD_INDEX: &str = "idx_request_logs_tenant_endpoint_latency";
const NEW_INDEX: &str = "idx_request_logs_tenant_endpoint_bucket";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("request_logs")
                    .add_column(integer("latency_bucket").default(MIN_BUCKET))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        let backend = db.get_database_backend();
        let mut values = Vec::new();
        let case = bucket_case(backend, MIN_BUCKET, MAX_BUCKET, &mut values);
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            format!("UPDATE request_logs SET latency_bucket = {case}"),
            values,
        ))
        .await?;
        manager
            .drop_index(
                Index::drop()
                    .name(OLD_INDEX)
                    .table("request_logs")
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(NEW_INDEX)
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
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(NEW_INDEX)
                    .table("request_logs")
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(OLD_INDEX)
                    .table("request_logs")
                    .col("org_id")
                    .col("environment")
                    .col("route")
                    .col("method")
                    .col("latency_ms")
                    .col("created_at")
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("request_logs")
                    .drop_column("latency_bucket")
                    .to_owned(),
            )
            .await
    }
}

/// An SQL expression giving the bucket (within `lo..=hi`) of `latency_ms`: a binary search
/// over the very bounds [`latency_rollup::bucket`] compares with, bound as parameters so no
/// decimal text is parsed differently by the database.
fn bucket_case(backend: DbBackend, lo: i32, hi: i32, values: &mut Vec<Value>) -> String {
    if lo == hi {
        return lo.to_string();
    }
    let mid = lo + (hi - lo) / 2;
    // `mid + 1 > MIN_BUCKET`, so the bound exists.
    let split = latency_rollup::lower_bound(mid + 1).unwrap_or(0.0);
    values.push(split.into());
    let placeholder = match backend {
        DbBackend::Postgres => format!("CAST(${} AS DOUBLE PRECISION)", values.len()),
        _ => "?".to_owned(),
    };
    let below = bucket_case(backend, lo, mid, values);
    let above = bucket_case(backend, mid + 1, hi, values);
    format!("CASE WHEN latency_ms < {placeholder} THEN {below} ELSE {above} END")
}
