//! Per-credential traffic: requests, errors, rate-limit refusals, last use.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use companin_entity::client;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use super::rollups::{self, Group, Narrow};
use super::sql::{self, Query, Range};
use crate::Tenant;

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
    let clients = client::Entity::find()
        .filter(tenant.rows::<client::Column>())
        .filter(client::Column::DeletedAt.is_null())
        .order_by_asc(client::Column::CreatedAt)
        .order_by_asc(client::Column::Id)
        .all(conn)
        .await?;
    let totals = rollups::totals(conn, tenant, range, Group::Client, &Narrow::default()).await?;

    let mut q = Query::new(conn.get_database_backend());
    q.push("SELECT client_id, COUNT(*) FROM rate_limit_events WHERE ")
        .tenant("", tenant)
        .range("created_at", range)
        .push(" AND kind = 'blocked' GROUP BY client_id");
    let mut refusals = BTreeMap::new();
    for row in q.all(conn).await? {
        let id: String = row.try_get_by_index(0)?;
        refusals.insert(id, sql::int(&row, 1)?);
    }

    let mut out = Vec::with_capacity(clients.len());
    for c in clients {
        let t = totals
            .get(&(c.id.clone(), c.id.clone()))
            .copied()
            .unwrap_or_default();
        // Only a client with requests in the range has a latest one: one index probe each.
        let last_used_at = if t.requests > 0 {
            let mut q = Query::new(conn.get_database_backend());
            q.push("SELECT MAX(created_at) FROM request_logs WHERE ")
                .tenant("", tenant)
                .push(" AND client_id = ")
                .bind(c.id.as_str())
                .range("created_at", range);
            match q.one(conn).await? {
                Some(row) => sql::time(&row, 0)?,
                None => None,
            }
        } else {
            None
        };
        out.push(KeyStats {
            rate_limit_refusals: refusals.get(&c.id).copied().unwrap_or(0),
            client_id: c.id,
            name: c.name,
            is_active: c.is_active,
            requests: t.requests,
            errors: t.errors,
            last_used_at,
        });
    }
    // Stable: equally busy clients keep their creation order.
    out.sort_by_key(|k| std::cmp::Reverse(k.requests));
    Ok(out)
}
