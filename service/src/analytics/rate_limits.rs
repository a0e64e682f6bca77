//! The rate limit as the tenant meets it: the current hourly window and day, allowed and
//! refused requests per hourly window, and the `warning` / `blocked` events of both.

use companin_entity::{organization, rate_limit_day, rate_limit_event, rate_limit_window};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};

use super::sql::Range;
use crate::Paging;
use crate::Tenant;
use crate::rate_limit::{Limits, Period, WINDOW_SECS};

/// The window in force now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CurrentWindow {
    /// Unix seconds at which it opened.
    pub window_start: i64,
    pub limit: i64,
    pub used: i64,
    pub remaining: i64,
    /// Unix seconds at which it resets.
    pub reset: i64,
}

/// One past or current window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowTotals {
    pub window_start: i64,
    pub limit: i64,
    pub allowed: i64,
    pub blocked: i64,
}

/// Filters of the event list.
#[derive(Debug, Default)]
pub struct EventFilter {
    /// `warning` or `blocked`.
    pub kind: Option<&'static str>,
    /// `hour` or `day`.
    pub period: Option<&'static str>,
    pub client_id: Option<String>,
}

/// The hourly window and the daily quota's window in force at `now`.
pub async fn current_windows(
    conn: &impl ConnectionTrait,
    tenant: &Tenant,
    defaults: Limits,
    now: i64,
) -> Result<(CurrentWindow, CurrentWindow), DbErr> {
    let org = organization::Entity::find_by_id(tenant.org_id.as_str())
        .one(conn)
        .await?;
    let limits = Limits::of(org.as_ref(), defaults);
    let key = |start: i64| (tenant.org_id.to_string(), tenant.environment, start);
    let hour_start = now - now.rem_euclid(Period::Hour.secs());
    let hour_used = rate_limit_window::Entity::find_by_id(key(hour_start))
        .one(conn)
        .await?
        .map_or(0, |w| w.admitted);
    let day_start = now - now.rem_euclid(Period::Day.secs());
    let day_used = rate_limit_day::Entity::find_by_id(key(day_start))
        .one(conn)
        .await?
        .map_or(0, |w| w.admitted);
    let window = |period: Period, window_start: i64, limit: i64, used: i64| CurrentWindow {
        window_start,
        limit,
        used,
        remaining: (limit - used).max(0),
        reset: window_start + period.secs(),
    };
    Ok((
        window(Period::Hour, hour_start, limits.per_hour, hour_used),
        window(Period::Day, day_start, limits.per_day, day_used),
    ))
}

/// The windows that overlap `range`, oldest first. Windows without any request have no row
/// and are left out.
pub async fn windows(
    conn: &impl ConnectionTrait,
    tenant: &Tenant,
    range: &Range,
) -> Result<Vec<WindowTotals>, DbErr> {
    use rate_limit_window::Column as C;
    // Window starts are whole seconds: a window overlaps when it ends after `from` and opens
    // before `to`.
    let ceil = |t: chrono::DateTime<chrono::Utc>| {
        t.timestamp() + i64::from(t.timestamp_subsec_nanos() > 0)
    };
    let rows = rate_limit_window::Entity::find()
        .filter(tenant.rows::<C>())
        .filter(C::WindowStart.gt(range.from.timestamp() - WINDOW_SECS))
        .filter(C::WindowStart.lt(ceil(range.to)))
        .order_by_asc(C::WindowStart)
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|w| WindowTotals {
            window_start: w.window_start,
            limit: w.max_requests,
            allowed: w.admitted,
            blocked: w.requested - w.admitted,
        })
        .collect())
}

/// A page of events, newest first, and how many match.
pub async fn events(
    conn: &impl ConnectionTrait,
    tenant: &Tenant,
    range: &Range,
    filter: EventFilter,
    paging: Paging,
) -> Result<(Vec<rate_limit_event::Model>, u64), DbErr> {
    use rate_limit_event::Column as C;
    let mut query = rate_limit_event::Entity::find()
        .filter(tenant.rows::<C>())
        .filter(C::CreatedAt.gte(range.from))
        .filter(C::CreatedAt.lt(range.to));
    if let Some(kind) = filter.kind {
        query = query.filter(C::Kind.eq(kind));
    }
    if let Some(period) = filter.period {
        query = query.filter(C::Period.eq(period));
    }
    if let Some(client) = filter.client_id {
        query = query.filter(C::ClientId.eq(client));
    }
    crate::page(conn, query, C::CreatedAt, C::Id, paging).await
}

/// How many events of `kind` happened in the range.
pub async fn count_events(
    conn: &impl ConnectionTrait,
    tenant: &Tenant,
    range: &Range,
    kind: &str,
) -> Result<u64, DbErr> {
    use rate_limit_event::Column as C;
    rate_limit_event::Entity::find()
        .filter(tenant.rows::<C>())
        .filter(C::CreatedAt.gte(range.from))
        .filter(C::CreatedAt.lt(range.to))
        .filter(C::Kind.eq(kind))
        .count(conn)
        .await
}
