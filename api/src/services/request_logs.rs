//! Reading the request log of a tenant.

use chrono::{DateTime, Utc};
use companin_entity::request_log;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
};

use super::Tenant;
use crate::schemas::Paging;

/// Filters of `GET /analytics/logs/`.
#[derive(Debug, Default)]
pub struct Filter {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub status: Option<u16>,
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

fn query(tenant: &Tenant, filter: Filter) -> Select<request_log::Entity> {
    use request_log::Column as C;
    let mut query = request_log::Entity::find()
        .filter(C::OrgId.eq(tenant.org_id.as_str()))
        .filter(C::Environment.eq(tenant.environment));
    if let Some(v) = filter.from {
        query = query.filter(C::CreatedAt.gte(v));
    }
    if let Some(v) = filter.to {
        query = query.filter(C::CreatedAt.lt(v));
    }
    if let Some(v) = filter.status {
        query = query.filter(C::Status.eq(i32::from(v)));
    }
    if let Some(v) = filter.method {
        query = query.filter(C::Method.eq(v.to_ascii_uppercase()));
    }
    if let Some(v) = filter.route {
        query = query.filter(C::Route.eq(v));
    }
    if let Some(v) = filter.client_id {
        query = query.filter(C::ClientId.eq(v));
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
    let query = query(tenant, filter);
    // Counted before sorting: PostgreSQL would otherwise sort every row just to count them.
    let total = query.clone().count(conn).await?;
    let items = sorted(query, sort)
        .limit(paging.limit)
        .offset(paging.offset)
        .all(conn)
        .await?;
    Ok((items, total))
}

/// Every matching entry, in order, up to [`MAX_EXPORT_ROWS`], as CSV with a header row.
pub async fn export_csv(
    conn: &impl ConnectionTrait,
    tenant: &Tenant,
    filter: Filter,
    sort: Sort,
) -> anyhow::Result<Vec<u8>> {
    let rows = sorted(query(tenant, filter), sort)
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
