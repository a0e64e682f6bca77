//! Rollups of the request log, and the reads that combine them with the log itself.
//!
//! Writing: the request-log writer sums each batch into hourly totals (per client and
//! endpoint) and hourly and daily latency histograms (per endpoint), and adds them to the
//! rollup tables in the transaction that inserts the rows, so rollups and rows never
//! disagree. Keys are written in sorted order so that concurrent writers lock rows in the
//! same order.
//!
//! Reading: a range `[from, to)` is split into whole hours (or days), read from the rollups,
//! and the partial hour (day) at each end, read from the log; the sum is exact. A percentile
//! is located in the histogram, then read exactly from the latencies of its bucket only
//! (sealed per hour, see [`super::samples`]).
//!
//! Retention deletes the log oldest first, and the rollups only of the hours (days) it swept
//! whole, so the hour it swept in part keeps rollups that count rows no longer in the log.
//! Every read therefore starts no earlier than the tenant's oldest log entry
//! ([`within_log`]): that hour is then a partial one, read from the rows left.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use companin_entity::latency_rollup::bucket;
use sea_orm::{ConnectionTrait, DbErr, Value};

use super::sql::{self, Query, Range, at};
use crate::Tenant;

const HOUR: i64 = 3600;
const DAY: i64 = 86_400;
/// Rows per upsert statement (10 parameters each).
const UPSERT_ROWS: usize = 500;

type HourKey = (String, String, i64, String, String, String);
/// `(org, environment, hour or day, method, route, latency bucket)`.
type HistogramKey = (String, String, i64, String, String, i32);

/// One hour's sums for one client and endpoint.
#[derive(Debug, Default)]
struct HourSums {
    requests: i64,
    errors: i64,
    server_errors: i64,
    latency_sum_ms: f64,
}

/// The sums of one batch of request-log rows.
#[derive(Debug, Default)]
pub struct Sums {
    hourly: BTreeMap<HourKey, HourSums>,
    hourly_latency: BTreeMap<HistogramKey, i64>,
    daily_latency: BTreeMap<HistogramKey, i64>,
}

/// One request as the rollups see it.
pub struct Logged<'a> {
    pub org_id: &'a str,
    pub environment: &'a str,
    pub client_id: Option<&'a str>,
    pub method: &'a str,
    pub route: &'a str,
    pub status: u16,
    pub latency_ms: f64,
    pub at: DateTime<Utc>,
}

impl Sums {
    pub fn add(&mut self, r: Logged<'_>) {
        let secs = r.at.timestamp();
        let hourly = self
            .hourly
            .entry((
                r.org_id.to_owned(),
                r.environment.to_owned(),
                secs.div_euclid(HOUR) * HOUR,
                r.client_id.unwrap_or_default().to_owned(),
                r.method.to_owned(),
                r.route.to_owned(),
            ))
            .or_default();
        hourly.requests += 1;
        hourly.errors += i64::from(r.status >= 400);
        hourly.server_errors += i64::from(r.status >= 500);
        hourly.latency_sum_ms += r.latency_ms;
        let b = bucket(r.latency_ms);
        for (map, unit) in [
            (&mut self.hourly_latency, HOUR),
            (&mut self.daily_latency, DAY),
        ] {
            *map.entry((
                r.org_id.to_owned(),
                r.environment.to_owned(),
                secs.div_euclid(unit) * unit,
                r.method.to_owned(),
                r.route.to_owned(),
                b,
            ))
            .or_default() += 1;
        }
    }

    /// Adds the sums to the rollup tables.
    pub async fn write(&self, conn: &impl ConnectionTrait) -> Result<(), DbErr> {
        let hourly: Vec<Vec<Value>> = self
            .hourly
            .iter()
            .map(|((org, env, hour, client, method, route), sums)| {
                vec![
                    org.as_str().into(),
                    env.as_str().into(),
                    (*hour).into(),
                    client.as_str().into(),
                    method.as_str().into(),
                    route.as_str().into(),
                    sums.requests.into(),
                    sums.errors.into(),
                    sums.server_errors.into(),
                    sums.latency_sum_ms.into(),
                ]
            })
            .collect();
        upsert(
            conn,
            "request_rollups (org_id, environment, hour, client_id, method, route, requests, \
             errors, server_errors, latency_sum_ms)",
            "(org_id, environment, hour, client_id, method, route)",
            "requests = request_rollups.requests + excluded.requests, \
             errors = request_rollups.errors + excluded.errors, \
             server_errors = request_rollups.server_errors + excluded.server_errors, \
             latency_sum_ms = request_rollups.latency_sum_ms + excluded.latency_sum_ms",
            hourly,
        )
        .await?;
        for (table, unit, map) in [
            ("latency_hour_rollups", "hour", &self.hourly_latency),
            ("latency_rollups", "day", &self.daily_latency),
        ] {
            let rows: Vec<Vec<Value>> = map
                .iter()
                .map(|((org, env, start, method, route, bucket), n)| {
                    vec![
                        org.as_str().into(),
                        env.as_str().into(),
                        (*start).into(),
                        method.as_str().into(),
                        route.as_str().into(),
                        (*bucket).into(),
                        (*n).into(),
                    ]
                })
                .collect();
            upsert(
                conn,
                &format!("{table} (org_id, environment, {unit}, method, route, bucket, requests)"),
                &format!("(org_id, environment, {unit}, method, route, bucket)"),
                &format!("requests = {table}.requests + excluded.requests"),
                rows,
            )
            .await?;
        }
        Ok(())
    }
}

/// `INSERT INTO {target} VALUES ... ON CONFLICT {key} DO UPDATE SET {update}`, in chunks.
pub(super) async fn upsert(
    conn: &impl ConnectionTrait,
    target: &str,
    key: &str,
    update: &str,
    rows: Vec<Vec<Value>>,
) -> Result<(), DbErr> {
    for chunk in rows.chunks(UPSERT_ROWS) {
        let mut q = Query::new(conn.get_database_backend());
        q.push(&format!("INSERT INTO {target} VALUES "));
        for (i, row) in chunk.iter().enumerate() {
            q.push(if i == 0 { "(" } else { ", (" });
            for (j, value) in row.iter().enumerate() {
                if j > 0 {
                    q.push(", ");
                }
                q.bind(value.clone());
            }
            q.push(")");
        }
        q.push(&format!(" ON CONFLICT {key} DO UPDATE SET {update}"));
        q.execute(conn).await?;
    }
    Ok(())
}

/// Request totals of one group.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Totals {
    pub requests: u64,
    /// Status 400 or above.
    pub errors: u64,
    /// Status 500 or above (counted in `errors` too).
    pub server_errors: u64,
    pub latency_sum_ms: f64,
}

impl Totals {
    fn add(&mut self, other: Totals) {
        self.requests += other.requests;
        self.errors += other.errors;
        self.server_errors += other.server_errors;
        self.latency_sum_ms += other.latency_sum_ms;
    }
}

/// What request totals are grouped by.
#[derive(Debug, Clone, Copy)]
pub enum Group {
    /// `(method, route)`.
    Endpoint,
    /// `(client_id, client_id)`.
    Client,
    /// `(bucket start, bucket start)` in unix seconds, for buckets of this many seconds (a
    /// multiple of an hour). (Keys are pairs; a group of one column repeats it, as PostgreSQL
    /// refuses a constant in `GROUP BY`.)
    Time(i64),
}

/// `[from, to)` as a partial piece before the first whole unit, the whole units, and a
/// partial piece after them.
pub(super) struct Split {
    edges: Vec<Range>,
    pub(super) whole: Option<(i64, i64)>,
}

pub(super) fn split(range: &Range, unit: i64) -> Split {
    let from = range.from.timestamp() + i64::from(range.from.timestamp_subsec_nanos() > 0);
    let first = (from + unit - 1).div_euclid(unit) * unit;
    let last = range.to.timestamp().div_euclid(unit) * unit;
    if first >= last {
        return Split {
            edges: vec![*range],
            whole: None,
        };
    }
    let mut edges = Vec::new();
    if range.from < at(first) {
        edges.push(Range {
            from: range.from,
            to: at(first),
        });
    }
    if at(last) < range.to {
        edges.push(Range {
            from: at(last),
            to: range.to,
        });
    }
    Split {
        edges,
        whole: Some((first, last)),
    }
}

/// What request totals can be narrowed to: the columns the hourly rollups keep.
#[derive(Debug, Clone, Copy, Default)]
pub struct Narrow<'a> {
    pub client_id: Option<&'a str>,
    pub method: Option<&'a str>,
    pub route: Option<&'a str>,
}

impl Narrow<'_> {
    /// Appends ` AND column = value` for each column narrowed; requests without a client
    /// are `''` in the rollups and NULL in the log, and match no client id either way.
    fn push_to(&self, q: &mut Query) {
        for (column, value) in [
            ("client_id", self.client_id),
            ("method", self.method),
            ("route", self.route),
        ] {
            if let Some(value) = value {
                q.push(&format!(" AND {column} = ")).bind(value);
            }
        }
    }
}

/// Which end of a tenant's request log.
#[derive(Debug, Clone, Copy)]
pub enum End {
    Oldest,
    Newest,
}

/// The time of the tenant's oldest (newest) log entry; `None` when it has none. One probe of
/// the `(tenant, time)` index.
pub async fn log_end(
    conn: &impl ConnectionTrait,
    tenant: &Tenant,
    end: End,
) -> Result<Option<DateTime<Utc>>, DbErr> {
    let aggregate = match end {
        End::Oldest => "MIN",
        End::Newest => "MAX",
    };
    let mut q = Query::new(conn.get_database_backend());
    q.push(&format!(
        "SELECT {aggregate}(created_at) FROM request_logs WHERE "
    ))
    .tenant("", tenant);
    match q.one(conn).await? {
        Some(row) => sql::time(&row, 0),
        None => Ok(None),
    }
}

/// `range`, started no earlier than the tenant's oldest log entry (see the module's docs);
/// `None` when nothing of the log is left in it.
pub async fn within_log(
    conn: &impl ConnectionTrait,
    tenant: &Tenant,
    range: &Range,
) -> Result<Option<Range>, DbErr> {
    let Some(oldest) = log_end(conn, tenant, End::Oldest).await? else {
        return Ok(None);
    };
    let from = range.from.max(oldest);
    Ok((from < range.to).then_some(Range { from, to: range.to }))
}

/// Request totals in `range`, grouped, optionally narrowed. Exact: whole hours from the
/// rollups, the partial hours at the ends from the log.
pub async fn totals(
    conn: &impl ConnectionTrait,
    tenant: &Tenant,
    range: &Range,
    group: Group,
    narrow: &Narrow<'_>,
) -> Result<BTreeMap<(String, String), Totals>, DbErr> {
    let mut out: BTreeMap<(String, String), Totals> = BTreeMap::new();
    let Some(range) = within_log(conn, tenant, range).await? else {
        return Ok(out);
    };
    let backend = conn.get_database_backend();
    let parts = split(&range, HOUR);
    let mut queries = Vec::new();
    if let Some((first, last)) = parts.whole {
        let keys = match group {
            Group::Endpoint => "method, route".to_owned(),
            Group::Client => "client_id, client_id".to_owned(),
            Group::Time(size) => {
                let start = format!("CAST(hour / {size} * {size} AS TEXT)");
                format!("{start}, {start}")
            }
        };
        let mut q = Query::new(backend);
        q.push(&format!(
            "SELECT {keys}, CAST(SUM(requests) AS BIGINT), CAST(SUM(errors) AS BIGINT), \
             SUM(latency_sum_ms), CAST(SUM(server_errors) AS BIGINT) \
             FROM request_rollups WHERE "
        ))
        .tenant("", tenant)
        .push(" AND hour >= ")
        .bind(first)
        .push(" AND hour < ")
        .bind(last);
        narrow.push_to(&mut q);
        q.push(&format!(" GROUP BY {keys}"));
        queries.push(q);
    }
    for edge in &parts.edges {
        let mut q = Query::new(backend);
        let keys = match group {
            Group::Endpoint => "method, route".to_owned(),
            Group::Client => "COALESCE(client_id, ''), COALESCE(client_id, '')".to_owned(),
            Group::Time(size) => {
                let start = format!(
                    "CAST({} / {size} * {size} AS TEXT)",
                    q.epoch_seconds("created_at")
                );
                format!("{start}, {start}")
            }
        };
        q.push(&format!(
            "SELECT {keys}, COUNT(*), SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END), \
             SUM(latency_ms), SUM(CASE WHEN status >= 500 THEN 1 ELSE 0 END) \
             FROM request_logs WHERE "
        ))
        .tenant("", tenant)
        .range("created_at", edge);
        narrow.push_to(&mut q);
        q.push(&format!(" GROUP BY {keys}"));
        queries.push(q);
    }
    for q in queries {
        for row in q.all(conn).await? {
            let key = (row.try_get_by_index(0)?, row.try_get_by_index(1)?);
            out.entry(key).or_default().add(Totals {
                requests: sql::int(&row, 2)?,
                errors: sql::int(&row, 3)?,
                server_errors: sql::int(&row, 5)?,
                latency_sum_ms: sql::float(&row, 4)?.unwrap_or(0.0),
            });
        }
    }
    Ok(out)
}

type Histograms = BTreeMap<(String, String), BTreeMap<i32, u64>>;

/// Latency histograms per endpoint over `range`: bucket → requests. Whole days come from the
/// daily histograms, whole hours of the partial days from the hourly ones, and only the
/// partial hours at the very ends from the log.
pub async fn histograms(
    conn: &impl ConnectionTrait,
    tenant: &Tenant,
    range: &Range,
) -> Result<Histograms, DbErr> {
    let mut out = Histograms::new();
    let Some(range) = within_log(conn, tenant, range).await? else {
        return Ok(out);
    };
    let days = split(&range, DAY);
    if let Some(whole) = days.whole {
        add_histograms(conn, tenant, "latency_rollups", "day", whole, &mut out).await?;
    }
    for day_edge in &days.edges {
        let hours = split(day_edge, HOUR);
        if let Some(whole) = hours.whole {
            add_histograms(
                conn,
                tenant,
                "latency_hour_rollups",
                "hour",
                whole,
                &mut out,
            )
            .await?;
        }
        for edge in &hours.edges {
            let mut q = Query::new(conn.get_database_backend());
            q.push("SELECT method, route, latency_ms FROM request_logs WHERE ")
                .tenant("", tenant)
                .range("created_at", edge);
            for row in q.all(conn).await? {
                let latency: f64 = row.try_get_by_index(2)?;
                *out.entry((row.try_get_by_index(0)?, row.try_get_by_index(1)?))
                    .or_default()
                    .entry(bucket(latency))
                    .or_default() += 1;
            }
        }
    }
    Ok(out)
}

/// Adds the histogram rows of `table` with `column` in `[first, last)` to `out`.
async fn add_histograms(
    conn: &impl ConnectionTrait,
    tenant: &Tenant,
    table: &str,
    column: &str,
    (first, last): (i64, i64),
    out: &mut Histograms,
) -> Result<(), DbErr> {
    let mut q = Query::new(conn.get_database_backend());
    q.push(&format!(
        "SELECT method, route, bucket, CAST(SUM(requests) AS BIGINT) FROM {table} WHERE "
    ))
    .tenant("", tenant)
    .push(&format!(" AND {column} >= "))
    .bind(first)
    .push(&format!(" AND {column} < "))
    .bind(last)
    .push(" GROUP BY method, route, bucket");
    for row in q.all(conn).await? {
        let b: i32 = row.try_get_by_index(2)?;
        *out.entry((row.try_get_by_index(0)?, row.try_get_by_index(1)?))
            .or_default()
            .entry(b)
            .or_default() += sql::int(&row, 3)?;
    }
    Ok(())
}

/// Deletes rollups of hours (days) that ended before `cutoff`.
pub async fn sweep(conn: &impl ConnectionTrait, cutoff: DateTime<Utc>) -> Result<u64, DbErr> {
    let backend = conn.get_database_backend();
    let secs = cutoff.timestamp();
    let mut deleted = 0;
    for (table, column, unit) in [
        ("request_rollups", "hour", HOUR),
        ("latency_hour_rollups", "hour", HOUR),
        ("latency_rollups", "day", DAY),
        ("latency_samples", "hour", HOUR),
    ] {
        let mut q = Query::new(backend);
        q.push(&format!("DELETE FROM {table} WHERE {column} < "))
            .bind(secs - unit);
        deleted += q.execute(conn).await?;
    }
    Ok(deleted)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn ranges_split_into_whole_hours_and_edges() {
        let s = split(
            &Range {
                from: t("2026-11-28T10:15:00Z"),
                to: t("2026-11-28T13:20:00Z"),
            },
            HOUR,
        );
        assert_eq!(
            s.whole,
            Some((
                t("2026-11-28T11:00:00Z").timestamp(),
                t("2026-11-28T13:00:00Z").timestamp()
            ))
        );
        assert_eq!(s.edges.len(), 2);
        assert_eq!(s.edges[0].to, t("2026-11-28T11:00:00Z"));
        assert_eq!(s.edges[1].from, t("2026-11-28T13:00:00Z"));

        let aligned = split(
            &Range {
                from: t("2026-11-28T10:00:00Z"),
                to: t("2026-11-28T12:00:00Z"),
            },
            HOUR,
        );
        assert!(aligned.edges.is_empty());

        let short = split(
            &Range {
                from: t("2026-11-28T10:15:00Z"),
                to: t("2026-11-28T10:45:00Z"),
            },
            HOUR,
        );
        assert_eq!(short.whole, None);
        assert_eq!(short.edges.len(), 1);
    }
}
