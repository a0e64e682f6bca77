//! Per-endpoint traffic: requests, errors, latency percentiles.

use sea_orm::{ConnectionTrait, DbErr};

use super::sql::{self, P50, P95, Query, Range};
use crate::services::Tenant;

/// One method and route template over the range.
#[derive(Debug, Clone, PartialEq)]
pub struct EndpointStats {
    pub method: String,
    pub route: String,
    pub requests: u64,
    /// Responses with status 400 or above (429 refusals included).
    pub errors: u64,
    pub avg_latency_ms: f64,
    pub p50_latency_ms: f64,
    pub p95_latency_ms: f64,
}

/// Every endpoint the tenant called in `range`, busiest first.
pub async fn endpoints(
    conn: &impl ConnectionTrait,
    tenant: &Tenant,
    range: &Range,
) -> Result<Vec<EndpointStats>, DbErr> {
    let mut q = Query::new(conn.get_database_backend());
    q.push(&format!(
        "SELECT method, route, COUNT(*), \
         SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END), AVG(latency_ms), {}, {} \
         FROM (SELECT method, route, status, latency_ms, \
               ROW_NUMBER() OVER (PARTITION BY method, route ORDER BY latency_ms) AS rn, \
               COUNT(*) OVER (PARTITION BY method, route) AS n \
               FROM request_logs WHERE ",
        sql::nearest_rank("latency_ms", "rn", "n", P50),
        sql::nearest_rank("latency_ms", "rn", "n", P95),
    ))
    .tenant("", tenant)
    .range("created_at", range)
    .push(") r GROUP BY method, route ORDER BY COUNT(*) DESC, route, method");
    q.all(conn)
        .await?
        .iter()
        .map(|row| {
            Ok(EndpointStats {
                method: row.try_get_by_index(0)?,
                route: row.try_get_by_index(1)?,
                requests: sql::int(row, 2)?,
                errors: sql::int(row, 3)?,
                avg_latency_ms: sql::float(row, 4)?.unwrap_or(0.0),
                p50_latency_ms: sql::float(row, 5)?.unwrap_or(0.0),
                p95_latency_ms: sql::float(row, 6)?.unwrap_or(0.0),
            })
        })
        .collect()
}
