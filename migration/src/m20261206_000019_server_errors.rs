//! Server errors (status 500 or above) in the hourly request rollups beside all errors, so
//! that traffic over time splits into successes, client errors and server errors. The rows
//! already summed get theirs from the log that is left.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("request_rollups")
                    .add_column(big_integer("server_errors").default(0))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        let epoch = match db.get_database_backend() {
            DbBackend::Postgres => "CAST(FLOOR(EXTRACT(EPOCH FROM created_at)) AS BIGINT)",
            _ => "unixepoch(created_at)",
        };
        // One grouped pass over the log's server errors, not a subquery per rollup row.
        db.execute_unprepared(&format!(
            "UPDATE request_rollups SET server_errors = s.n FROM ( \
                 SELECT org_id, environment, {epoch} / 3600 * 3600 AS hour, \
                        COALESCE(client_id, '') AS client_id, method, route, COUNT(*) AS n \
                 FROM request_logs \
                 WHERE status >= 500 AND org_id IS NOT NULL AND environment IS NOT NULL \
                 GROUP BY org_id, environment, {epoch} / 3600 * 3600, COALESCE(client_id, ''), \
                          method, route) AS s \
             WHERE request_rollups.org_id = s.org_id \
               AND request_rollups.environment = s.environment \
               AND request_rollups.hour = s.hour \
               AND request_rollups.client_id = s.client_id \
               AND request_rollups.method = s.method \
               AND request_rollups.route = s.route"
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("request_rollups")
                    .drop_column("server_errors")
                    .to_owned(),
            )
            .await
    }
}
