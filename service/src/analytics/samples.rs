//! Sealed latency samples: the exact values behind the endpoint percentiles, kept without an
//! index on the request log.
//!
//! Once an hour of the log has ended, and [`GRACE_SECS`] more have passed so that rows still
//! buffered by a log writer have landed, a worker *seals* it: per tenant, endpoint and latency
//! bucket, the hour's latencies go, sorted, into one blob of `latency_samples`. A percentile
//! reads the blobs of one bucket for the sealed hours of its range and only the unsealed rest
//! from the log. The request path pays nothing for it; an index on the log that served the
//! same read cost about a fifth of the authenticated request rate on SQLite.
//!
//! `latency_sealing.sealed_until` (unix seconds) says how far sealing got: every hour before
//! it is sealed. Sealing an hour and moving that mark happen in one transaction, and the mark
//! only moves from the value the sealer read, so workers in several processes never seal an
//! hour twice nor skip one. A row that lands in an hour after it was sealed (a writer stalled
//! past the grace) is missing from the blobs; the reader notices that the histogram counts more
//! than the blobs hold and reads that bucket from the log instead, so the answer stays exact.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use companin_entity::latency_rollup::bucket;
use futures::TryStreamExt;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Statement, StreamTrait, Value};

use super::rollups::{split, upsert, within_log};
use super::sql::{self, Query, Range, at};
use crate::Tenant;

const HOUR: i64 = 3600;
/// How long after an hour's end it is sealed.
pub const GRACE_SECS: i64 = 600;
/// How often a worker looks for hours to seal.
const SEAL_EVERY: Duration = Duration::from_secs(60);

/// `(org, environment, method, route, bucket)`.
type SampleKey = (String, String, String, String, i32);

/// Where sealing got to: every hour before this (unix seconds) is sealed. `None` until the
/// first seal.
pub async fn sealed_until(conn: &impl ConnectionTrait) -> Result<Option<i64>, DbErr> {
    let mut q = Query::new(conn.get_database_backend());
    q.push("SELECT sealed_until FROM latency_sealing WHERE id = 1");
    match q.one(conn).await? {
        Some(row) => row.try_get_by_index(0),
        None => Ok(None),
    }
}

/// Seals every hour of the log that is due at `now`; answers how many hours it sealed
/// (empty stretches of the log are passed over, not counted).
pub async fn seal_due(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<u64, DbErr> {
    let due = (now.timestamp() - GRACE_SECS).div_euclid(HOUR) * HOUR;
    let mut sealed = 0;
    loop {
        let mark = sealed_until(db).await?;
        if mark.is_some_and(|m| m >= due) {
            return Ok(sealed);
        }
        // Empty stretches of the log are skipped at once.
        let hour = match first_row(db, mark, due).await? {
            Some(at) => at.timestamp().div_euclid(HOUR) * HOUR,
            None => {
                advance(db, mark, due, &BTreeMap::new()).await?;
                return Ok(sealed);
            }
        };
        let samples = read_hour(db, hour).await?;
        if advance(db, mark, hour + HOUR, &samples).await? {
            sealed += 1;
        }
    }
}

/// The time of the log's first row in `[mark, due)` (from its start when `mark` is `None`).
async fn first_row(
    conn: &impl ConnectionTrait,
    mark: Option<i64>,
    due: i64,
) -> Result<Option<DateTime<Utc>>, DbErr> {
    let mut q = Query::new(conn.get_database_backend());
    q.push("SELECT MIN(created_at) FROM request_logs WHERE created_at < ")
        .bind(at(due));
    if let Some(mark) = mark {
        q.push(" AND created_at >= ").bind(at(mark));
    }
    match q.one(conn).await? {
        Some(row) => sql::time(&row, 0),
        None => Ok(None),
    }
}

/// The latencies of the tenants' requests in the hour starting at `hour`, grouped and sorted.
/// Streamed, so a busy hour costs memory for its latencies only.
async fn read_hour(
    db: &DatabaseConnection,
    hour: i64,
) -> Result<BTreeMap<SampleKey, Vec<f64>>, DbErr> {
    let mut q = Query::new(db.get_database_backend());
    q.push(
        "SELECT org_id, environment, method, route, latency_ms FROM request_logs \
         WHERE org_id IS NOT NULL AND environment IS NOT NULL",
    )
    .range(
        "created_at",
        &Range {
            from: at(hour),
            to: at(hour + HOUR),
        },
    );
    let (backend, text, values) = q.into_parts();
    let mut rows = db
        .stream_raw(Statement::from_sql_and_values(backend, text, values))
        .await?;
    let mut out: BTreeMap<SampleKey, Vec<f64>> = BTreeMap::new();
    while let Some(row) = rows.try_next().await? {
        let latency: f64 = row.try_get_by_index(4)?;
        out.entry((
            row.try_get_by_index(0)?,
            row.try_get_by_index(1)?,
            row.try_get_by_index(2)?,
            row.try_get_by_index(3)?,
            bucket(latency),
        ))
        .or_default()
        .push(latency);
    }
    for latencies in out.values_mut() {
        latencies.sort_by(f64::total_cmp);
    }
    Ok(out)
}

/// Writes `samples` and moves the mark from `from` to `to`, in one transaction; does nothing
/// (answers `false`) when another worker moved the mark first.
async fn advance(
    db: &DatabaseConnection,
    from: Option<i64>,
    to: i64,
    samples: &BTreeMap<SampleKey, Vec<f64>>,
) -> Result<bool, DbErr> {
    let txn = crate::db::begin_write(db).await?;
    let mut q = Query::new(db.get_database_backend());
    q.push("UPDATE latency_sealing SET sealed_until = ")
        .bind(to)
        .push(" WHERE id = 1 AND ");
    match from {
        Some(from) => q.push("sealed_until = ").bind(from),
        None => q.push("sealed_until IS NULL"),
    };
    if q.execute(&txn).await? == 0 {
        txn.rollback().await?;
        return Ok(false);
    }
    let hour = to - HOUR;
    let rows = samples
        .iter()
        .map(|((org, env, method, route, b), latencies)| {
            vec![
                org.as_str().into(),
                env.as_str().into(),
                method.as_str().into(),
                route.as_str().into(),
                (*b).into(),
                hour.into(),
                (latencies.len() as i64).into(),
                Value::from(encode(latencies)),
            ]
        })
        .collect();
    upsert(
        &txn,
        "latency_samples (org_id, environment, method, route, bucket, hour, requests, latencies)",
        "(org_id, environment, method, route, bucket, hour)",
        "requests = excluded.requests, latencies = excluded.latencies",
        rows,
    )
    .await?;
    txn.commit().await?;
    Ok(true)
}

/// One report's access to the latencies of `range`: the whole hours sealed so far are read per
/// bucket from their samples; the rest of the range (the partial hours at its ends and the
/// hours not sealed yet) is read from the log once, for every endpoint and bucket at a time.
pub struct Latencies {
    /// The sealed whole hours of the range, `[first, last)` in unix seconds.
    sealed: Option<(i64, i64)>,
    /// The log's latencies outside those hours, by `(method, route, bucket)`.
    rest: BTreeMap<(String, String, i32), Vec<f64>>,
    /// Buckets read already, by `(method, route, bucket)`: a report asks for one bucket
    /// several times (an endpoint's own percentile, and the same bucket for all endpoints).
    read: Mutex<HashMap<(String, String, i32), Vec<f64>>>,
}

impl Latencies {
    pub async fn read(
        conn: &impl ConnectionTrait,
        tenant: &Tenant,
        range: &Range,
    ) -> Result<Self, DbErr> {
        let mut rest: BTreeMap<(String, String, i32), Vec<f64>> = BTreeMap::new();
        // As the histograms do: the hour retention swept in part is read from the log.
        let Some(range) = &within_log(conn, tenant, range).await? else {
            return Ok(Self {
                sealed: None,
                rest,
                read: Mutex::default(),
            });
        };
        let mark = sealed_until(conn).await?;
        // The range's whole hours, cut at the mark.
        let sealed = split(range, HOUR)
            .whole
            .zip(mark)
            .map(|((first, last), mark)| (first, last.min(mark)))
            .filter(|(first, last)| first < last);
        // Nothing sealed: the whole range would be read here, so each bucket is read from the
        // log on its own instead (see `bucket`).
        let Some((first, last)) = sealed else {
            return Ok(Self {
                sealed,
                rest,
                read: Mutex::default(),
            });
        };
        for edge in [
            Range {
                from: range.from,
                to: at(first),
            },
            Range {
                from: at(last),
                to: range.to,
            },
        ] {
            if edge.from >= edge.to {
                continue;
            }
            let mut q = Query::new(conn.get_database_backend());
            q.push("SELECT method, route, latency_ms FROM request_logs WHERE ")
                .tenant("", tenant)
                .range("created_at", &edge);
            for row in q.all(conn).await? {
                let latency: f64 = row.try_get_by_index(2)?;
                rest.entry((
                    row.try_get_by_index(0)?,
                    row.try_get_by_index(1)?,
                    bucket(latency),
                ))
                .or_default()
                .push(latency);
            }
        }
        Ok(Self {
            sealed,
            rest,
            read: Mutex::default(),
        })
    }

    /// The latencies of `endpoint`'s bucket `b` in the range.
    pub async fn bucket(
        &self,
        conn: &impl ConnectionTrait,
        tenant: &Tenant,
        range: &Range,
        endpoint: (&str, &str),
        b: i32,
    ) -> Result<Vec<f64>, DbErr> {
        let key = (endpoint.0.to_owned(), endpoint.1.to_owned(), b);
        if let Some(values) = self.remembered(&key) {
            return Ok(values);
        }
        let values = self.bucket_read(conn, tenant, range, endpoint, b).await?;
        if let Ok(mut read) = self.read.lock() {
            read.insert(key, values.clone());
        }
        Ok(values)
    }

    fn remembered(&self, key: &(String, String, i32)) -> Option<Vec<f64>> {
        self.read.lock().ok()?.get(key).cloned()
    }

    /// Reads `endpoint`'s bucket `b`: the sealed hours' samples and the rest of the range
    /// from the log, or the log alone when nothing is sealed.
    async fn bucket_read(
        &self,
        conn: &impl ConnectionTrait,
        tenant: &Tenant,
        range: &Range,
        endpoint: (&str, &str),
        b: i32,
    ) -> Result<Vec<f64>, DbErr> {
        let Some((first, last)) = self.sealed else {
            return from_log(conn, tenant, range, endpoint, b).await;
        };
        let (method, route) = endpoint;
        let mut q = Query::new(conn.get_database_backend());
        q.push("SELECT requests, latencies FROM latency_samples WHERE ")
            .tenant("", tenant)
            .push(" AND method = ")
            .bind(method)
            .push(" AND route = ")
            .bind(route)
            .push(" AND bucket = ")
            .bind(b)
            .push(" AND hour >= ")
            .bind(first)
            .push(" AND hour < ")
            .bind(last);
        let mut out = Vec::new();
        for row in q.all(conn).await? {
            let requests = sql::int(&row, 0)?;
            let blob: Vec<u8> = row.try_get_by_index(1)?;
            decode(&blob, requests, &mut out)?;
        }
        if let Some(rest) = self.rest.get(&(method.to_owned(), route.to_owned(), b)) {
            out.extend_from_slice(rest);
        }
        Ok(out)
    }
}

/// The latencies of `endpoint`'s bucket `b` in `range` (see [`Latencies`]).
pub async fn bucket_latencies(
    conn: &impl ConnectionTrait,
    tenant: &Tenant,
    range: &Range,
    endpoint: (&str, &str),
    b: i32,
) -> Result<Vec<f64>, DbErr> {
    Latencies::read(conn, tenant, range)
        .await?
        .bucket(conn, tenant, range, endpoint, b)
        .await
}

/// The latencies of `endpoint`'s bucket `b` in `range`, read from the log rows themselves.
pub async fn from_log(
    conn: &impl ConnectionTrait,
    tenant: &Tenant,
    range: &Range,
    (method, route): (&str, &str),
    b: i32,
) -> Result<Vec<f64>, DbErr> {
    let mut q = Query::new(conn.get_database_backend());
    q.push("SELECT latency_ms FROM request_logs WHERE ")
        .tenant("", tenant)
        .range("created_at", range)
        .push(" AND method = ")
        .bind(method)
        .push(" AND route = ")
        .bind(route)
        .push(" AND latency_bucket = ")
        .bind(b);
    q.all(conn)
        .await?
        .iter()
        .map(|row| row.try_get_by_index(0))
        .collect()
}

/// An endpoint (`(method, route)`) and its latency histogram over a range: bucket → requests.
pub type EndpointHistogram<'a> = ((&'a str, &'a str), &'a BTreeMap<i32, u64>);

/// The nearest-rank `per_mille` percentile of the latencies of one or more endpoints in
/// `range`, given each endpoint's histogram: their sum names the bucket holding rank ⌈n·p⌉,
/// and that bucket's latencies alone (see the module) give the exact value. `conn` must read
/// one snapshot, so that the histograms and the latencies agree.
pub async fn percentile(
    conn: &impl ConnectionTrait,
    tenant: &Tenant,
    range: &Range,
    histograms: &[EndpointHistogram<'_>],
    latencies: &Latencies,
    per_mille: u64,
) -> Result<Option<f64>, DbErr> {
    let mut merged: BTreeMap<i32, u64> = BTreeMap::new();
    for (_, histogram) in histograms {
        for (&b, &count) in *histogram {
            *merged.entry(b).or_default() += count;
        }
    }
    let n: u64 = merged.values().sum();
    if n == 0 {
        return Ok(None);
    }
    let rank = sql::rank(n, per_mille);
    let mut below = 0;
    for (&b, &count) in &merged {
        if below + count < rank {
            below += count;
            continue;
        }
        let mut values = Vec::new();
        for &(endpoint, histogram) in histograms {
            let Some(&counted) = histogram.get(&b) else {
                continue;
            };
            let mut found = latencies.bucket(conn, tenant, range, endpoint, b).await?;
            if found.len() as u64 != counted {
                // Rows landed in an hour after it was sealed: the log itself has them all.
                tracing::debug!(
                    bucket = b,
                    counted,
                    sealed = found.len(),
                    "latency samples short of the histogram; reading the bucket from the log"
                );
                found = from_log(conn, tenant, range, endpoint, b).await?;
            }
            values.append(&mut found);
        }
        let Some(last) = values.len().checked_sub(1) else {
            return Ok(None);
        };
        let k = usize::try_from(rank - below - 1)
            .unwrap_or(usize::MAX)
            .min(last);
        let (_, value, _) = values.select_nth_unstable_by(k, f64::total_cmp);
        return Ok(Some(*value));
    }
    Ok(None)
}

/// Seals due hours every minute (the first time right away) until `stop` resolves.
pub async fn run(db: DatabaseConnection, stop: impl Future<Output = ()>) {
    let mut ticks = tokio::time::interval(SEAL_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut stop => return,
            _ = ticks.tick() => {}
        }
        match seal_due(&db, Utc::now()).await {
            Ok(0) => {}
            Ok(hours) => tracing::info!(hours, "sealed the latency samples of past hours"),
            Err(e) => tracing::warn!(error = %e, "sealing latency samples failed; retrying later"),
        }
    }
}

/// Latencies as little-endian `f64`s, end to end.
fn encode(latencies: &[f64]) -> Vec<u8> {
    latencies.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// Appends the `requests` latencies of `blob` to `out`.
fn decode(blob: &[u8], requests: u64, out: &mut Vec<f64>) -> Result<(), DbErr> {
    if blob.len() as u64 != requests * 8 {
        return Err(DbErr::Type(format!(
            "latency samples: {} bytes for {requests} requests",
            blob.len()
        )));
    }
    out.extend(
        blob.chunks_exact(8)
            .map(|b| f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blobs_round_trip_exactly() {
        let values = [0.0, 1e-300, 0.123_456_789_012_345_67, 3.5, f64::MAX];
        let mut out = vec![42.0];
        decode(&encode(&values), values.len() as u64, &mut out).unwrap();
        assert_eq!(out[1..], values);
        assert_eq!(out[0], 42.0, "appended, not replaced");
    }

    #[test]
    fn a_blob_of_the_wrong_size_is_an_error() {
        let blob = encode(&[1.0, 2.0]);
        assert!(decode(&blob, 3, &mut Vec::new()).is_err());
        assert!(decode(&blob[..15], 2, &mut Vec::new()).is_err());
    }
}
