//! Rollups the analytics reports read instead of scanning every row: hourly request totals
//! per client and endpoint, hourly and daily latency histograms per endpoint, and reply
//! counters on conversations. Existing rows are summed into them.

use companin_entity::latency_rollup;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Latency histograms: `(table, time column)`.
const LATENCY_TABLES: [(&str, &str); 2] =
    [("latency_hour_rollups", "hour"), ("latency_rollups", "day")];

/// Request-log rows read per pass of the latency backfill.
const BACKFILL_BATCH: i64 = 10_000;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("request_rollups")
                    .col(string("org_id"))
                    .col(string_len("environment", 16))
                    .col(big_integer("hour"))
                    .col(string("client_id"))
                    .col(string_len("method", 16))
                    .col(string("route"))
                    .col(big_integer("requests"))
                    .col(big_integer("errors"))
                    .col(double("latency_sum_ms"))
                    .primary_key(
                        Index::create()
                            .col("org_id")
                            .col("environment")
                            .col("hour")
                            .col("client_id")
                            .col("method")
                            .col("route"),
                    )
                    .to_owned(),
            )
            .await?;
        for (table, unit) in LATENCY_TABLES {
            manager
                .create_table(
                    Table::create()
                        .table(table)
                        .col(string("org_id"))
                        .col(string_len("environment", 16))
                        .col(big_integer(unit))
                        .col(string_len("method", 16))
                        .col(string("route"))
                        .col(integer("bucket"))
                        .col(big_integer("requests"))
                        .primary_key(
                            Index::create()
                                .col("org_id")
                                .col("environment")
                                .col(unit)
                                .col("method")
                                .col("route")
                                .col("bucket"),
                        )
                        .to_owned(),
                )
                .await?;
        }
        // Newest-first pages of the log, ties broken by id, straight from the index (replaces
        // the index on the tenant and time alone, which it covers).
        manager
            .drop_index(
                Index::drop()
                    .name("idx_request_logs_tenant_time")
                    .table("request_logs")
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            (
                "idx_request_logs_tenant_time_id",
                &["org_id", "environment", "created_at", "id"][..],
            ),
            // A percentile's exact value: the rows of one endpoint within a latency band.
            (
                "idx_request_logs_tenant_endpoint_latency",
                &[
                    "org_id",
                    "environment",
                    "route",
                    "method",
                    "latency_ms",
                    "created_at",
                ][..],
            ),
            // A client's latest request.
            (
                "idx_request_logs_tenant_client_time",
                &["org_id", "environment", "client_id", "created_at"][..],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table("request_logs");
            for column in columns {
                index.col(*column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        for column in ["reply_count", "unanswered_count"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("conversations")
                        .add_column(integer(column).default(0))
                        .to_owned(),
                )
                .await?;
        }
        backfill(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in ["unanswered_count", "reply_count"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("conversations")
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for name in [
            "idx_request_logs_tenant_client_time",
            "idx_request_logs_tenant_endpoint_latency",
            "idx_request_logs_tenant_time_id",
        ] {
            manager
                .drop_index(Index::drop().name(name).table("request_logs").to_owned())
                .await?;
        }
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
        for table in ["latency_hour_rollups", "latency_rollups", "request_rollups"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

/// Sums the rows written before this migration into the new tables and counters.
async fn backfill(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let backend = db.get_database_backend();
    let epoch = match backend {
        DbBackend::Postgres => "CAST(FLOOR(EXTRACT(EPOCH FROM created_at)) AS BIGINT)",
        _ => "unixepoch(created_at)",
    };
    db.execute_unprepared(&format!(
        "INSERT INTO request_rollups \
         (org_id, environment, hour, client_id, method, route, requests, errors, latency_sum_ms) \
         SELECT org_id, environment, {epoch} / 3600 * 3600, COALESCE(client_id, ''), method, \
                route, COUNT(*), SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END), SUM(latency_ms) \
         FROM request_logs WHERE org_id IS NOT NULL AND environment IS NOT NULL \
         GROUP BY org_id, environment, {epoch} / 3600 * 3600, COALESCE(client_id, ''), \
                  method, route"
    ))
    .await?;
    db.execute_unprepared(
        "UPDATE conversations SET \
         reply_count = (SELECT COUNT(*) FROM messages m \
             WHERE m.conversation_id = conversations.id AND m.role = 'assistant'), \
         unanswered_count = (SELECT COUNT(*) FROM messages m \
             WHERE m.conversation_id = conversations.id AND m.role = 'assistant' \
               AND m.answered = FALSE)",
    )
    .await?;

    // Latency buckets need a logarithm, which SQLite lacks: read the rows in id order and
    // sum them here.
    let mut after = 0i64;
    loop {
        let rows = db
            .query_all_raw(Statement::from_string(
                backend,
                format!(
                    "SELECT id, org_id, environment, {epoch}, method, route, \
                     latency_ms FROM request_logs \
                     WHERE id > {after} AND org_id IS NOT NULL AND environment IS NOT NULL \
                     ORDER BY id LIMIT {BACKFILL_BATCH}"
                ),
            ))
            .await?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = last.try_get_by_index(0)?;
        type Key = (String, String, i64, String, String, i32);
        let mut sums: [std::collections::HashMap<Key, i64>; 2] = Default::default();
        for row in &rows {
            let latency: f64 = row.try_get_by_index(6)?;
            let secs: i64 = row.try_get_by_index(3)?;
            for (map, unit) in sums.iter_mut().zip([3600, 86_400]) {
                let key = (
                    row.try_get_by_index(1)?,
                    row.try_get_by_index(2)?,
                    secs.div_euclid(unit) * unit,
                    row.try_get_by_index(4)?,
                    row.try_get_by_index(5)?,
                    latency_rollup::bucket(latency),
                );
                *map.entry(key).or_default() += 1;
            }
        }
        for ((table, unit), map) in LATENCY_TABLES.into_iter().zip(sums) {
            let sql = format!(
                "INSERT INTO {table} (org_id, environment, {unit}, method, route, bucket, requests) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (org_id, environment, {unit}, method, route, bucket) \
                 DO UPDATE SET requests = {table}.requests + excluded.requests"
            );
            let sql = match backend {
                DbBackend::Postgres => sql,
                _ => sql.replace('$', "?"),
            };
            for ((org, env, start, method, route, bucket), n) in map {
                db.execute_raw(Statement::from_sql_and_values(
                    backend,
                    sql.clone(),
                    [
                        org.into(),
                        env.into(),
                        start.into(),
                        method.into(),
                        route.into(),
                        bucket.into(),
                        n.into(),
                    ],
                ))
                .await?;
            }
        }
    }
}
