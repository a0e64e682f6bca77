//! Per-credential traffic: requests, errors, rate-limit refusals, last use.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr};

use super::sql::{self, Query, Range};
use crate::services::Tenant;

#[derive(Debug, Clone, PartialEq)]
pub struct KeyStats {
    pub client_id: String,
    pub name: String,
    pub is_active: bool,
    pub requests: u64,
    pub errors: u64,
    /// Requests refused by the rate limit.
    pub rate_limit_refusals: u64,
    /// The latest request in the range.
    pub last_used_at: Option<DateTime<Utc>>,
}

/// Every live client of the tenant, the busiest first (clients without traffic included).
pub async fn keys(
    conn: &impl ConnectionTrait,
    tenant: &Tenant,
    range: &Range,
) -> Result<Vec<KeyStats>, DbErr> {
    let mut q = Query::new(conn.get_database_backend());
    q.push(
        "SELECT c.id, c.name, c.is_active, r.requests, r.errors, e.refusals, r.last_used \
         FROM clients c LEFT JOIN (SELECT client_id, COUNT(*) AS requests, \
             SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END) AS errors, \
             MAX(created_at) AS last_used \
           FROM request_logs WHERE ",
    )
    .tenant("", tenant)
    .range("created_at", range)
    .push(
        " GROUP BY client_id) r ON r.client_id = c.id \
         LEFT JOIN (SELECT client_id, COUNT(*) AS refusals FROM rate_limit_events WHERE ",
    )
    .tenant("", tenant)
    .range("created_at", range)
    .push(" AND kind = 'blocked' GROUP BY client_id) e ON e.client_id = c.id WHERE ")
    .tenant("c.", tenant)
    .push(
        " AND c.deleted_at IS NULL \
         ORDER BY COALESCE(r.requests, 0) DESC, c.created_at, c.id",
    );
    q.all(conn)
        .await?
        .iter()
        .map(|row| {
            Ok(KeyStats {
                client_id: row.try_get_by_index(0)?,
                name: row.try_get_by_index(1)?,
                is_active: row.try_get_by_index(2)?,
                requests: sql::int(row, 3)?,
                errors: sql::int(row, 4)?,
                rate_limit_refusals: sql::int(row, 5)?,
                last_used_at: sql::time(row, 6)?,
            })
        })
        .collect()
}
