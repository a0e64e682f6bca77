//! Reading the request log of a tenant.

use chrono::{DateTime, Utc};
use companin_entity::request_log;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
};

use super::Tenant;
use super::analytics::rollups::{self, End, Group, Narrow};
use super::analytics::sql::Range;
use crate::Paging;

/// Filters of `GET /analytics/logs/`.
#[derive(Debug, Default)]
pub struct Filter {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub status: Option<u16>,
    /// Only requests with at least this status (e.g. 500 for server errors).
    pub min_status: Option<u16>,
    pub method: Option<String>,
    pub route: Option<String>,
    pub client_id: Option<String>,
    /// Only requests that took at least this long.
    pub min_latency_ms: Option<f64>,
    /// Only requests that took at most this long.
    pub max_latency_ms: Option<f64>,
}

/// The order of the entries.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    #[default]
    Newest,
    Oldest,
    Slowest,
    Fastest,
}

/// Most rows one CSV export holds.
pub const MAX_EXPORT_ROWS: u64 = 100_000;

fn query(tenant: &Tenant, filter: &Filter) -> Select<request_log::Entity> {
    use request_log::Column as C;
    let mut query = request_log::Entity::find().filter(tenant.rows::<C>());
    if let Some(v) = filter.from {
        query = query.filter(C::CreatedAt.gte(v));
    }
    if let Some(v) = filter.to {
        query = query.filter(C::CreatedAt.lt(v));
    }
    if let Some(v) = filter.status {
        query = query.filter(C::Status.eq(i32::from(v)));
    }
    if let Some(v) = filter.min_status {
        query = query.filter(C::Status.gte(i32::from(v)));
    }
    if let Some(v) = &filter.method {
        query = query.filter(C::Method.eq(v.to_ascii_uppercase()));
    }
    if let Some(v) = &filter.route {
        query = query.filter(C::Route.eq(v.as_str()));
    }
    if let Some(v) = &filter.client_id {
        query = query.filter(C::ClientId.eq(v.as_str()));
    }
    if let Some(v) = filter.min_latency_ms {
        query = query.filter(C::LatencyMs.gte(v));
    }
    if let Some(v) = filter.max_latency_ms {
        query = query.filter(C::LatencyMs.lte(v));
    }
    query
}

fn sorted(query: Select<request_log::Entity>, sort: Sort) -> Select<request_log::Entity> {
    use request_log::Column as C;
    // The id breaks ties: rows are numbered in the order they were written.
    match sort {
        Sort::Newest => query.order_by_desc(C::CreatedAt).order_by_desc(C::Id),
        Sort::Oldest => query.order_by_asc(C::CreatedAt).order_by_asc(C::Id),
        Sort::Slowest => query.order_by_desc(C::LatencyMs).order_by_desc(C::Id),
        Sort::Fastest => query.order_by_asc(C::LatencyMs).order_by_asc(C::Id),
    }
}

/// One page of entries and how many match.
pub async fn list(
    conn: &impl ConnectionTrait,
    tenant: &Tenant,
    filter: Filter,
    sort: Sort,
    paging: Paging,
) -> Result<(Vec<request_log::Model>, u64), DbErr> {
    let total = count(conn, tenant, &filter).await?;
    let items = sorted(query(tenant, &filter), sort)
        .limit(paging.limit)
        .offset(paging.offset)
        .all(conn)
        .await?;
    Ok((items, total))
}

/// How many entries match. A filter the hourly rollups can answer (time, client, method,
/// route) is counted from them for the whole hours and from the log for the partial hours
/// at the ends, as the analytics reports are: exact, and a few thousand rows read instead of
/// every match.
async fn count(
    conn: &impl ConnectionTrait,
    tenant: &Tenant,
    filter: &Filter,
) -> Result<u64, DbErr> {
    if filter.status.is_some()
        || filter.min_status.is_some()
        || filter.min_latency_ms.is_some()
        || filter.max_latency_ms.is_some()
    {
        // Counted without sorting: PostgreSQL would otherwise sort every row to count them.
        return query(tenant, filter).count(conn).await;
    }
    // Without a start, from the oldest entry (which the totals never read before anyway).
    let from = filter.from.unwrap_or(DateTime::<Utc>::MIN_UTC);
    let to = match filter.to {
        Some(to) => to,
        // Just past the newest entry, so that it is in the range.
        None => match rollups::log_end(conn, tenant, End::Newest).await? {
            Some(newest) => newest + chrono::Duration::seconds(1),
            None => return Ok(0),
        },
    };
    if from >= to {
        return Ok(0);
    }
    let method = filter.method.as_deref().map(str::to_ascii_uppercase);
    let narrow = Narrow {
        client_id: filter.client_id.as_deref(),
        method: method.as_deref(),
        route: filter.route.as_deref(),
    };
    let totals =
        rollups::totals(conn, tenant, &Range { from, to }, Group::Endpoint, &narrow).await?;
    Ok(totals.values().map(|t| t.requests).sum())
}

/// Every matching entry, in order, up to [`MAX_EXPORT_ROWS`], as CSV with a header row.
pub async fn export_csv(
    conn: &impl ConnectionTrait,
    tenant: &Tenant,
    filter: Filter,
    sort: Sort,
) -> anyhow::Result<Vec<u8>> {
    let rows = sorted(query(tenant, &filter), sort)
        .limit(MAX_EXPORT_ROWS)
        .all(conn)
        .await?;
    let mut out = csv::Writer::from_writer(Vec::with_capacity(rows.len() * 128 + 128));
    out.write_record([
        "time",
        "method",
        "route",
        "status",
        "latency_ms",
        "client_id",
        "request_id",
    ])?;
    for r in rows {
        out.write_record([
            r.created_at
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
                .as_str(),
            &r.method,
            &r.route,
            &r.status.to_string(),
            &r.latency_ms.to_string(),
            r.client_id.as_deref().unwrap_or(""),
            &r.request_id,
        ])?;
    }
    Ok(out.into_inner()?)
}
