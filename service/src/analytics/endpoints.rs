//! Per-endpoint traffic: requests, errors, mean latency and exact nearest-rank percentiles.

use sea_orm::{DatabaseConnection, DbErr};

use super::rollups::{self, Group, Narrow};
use super::samples;
use super::sql::{P50, P95, Range};
use crate::Tenant;

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

/// Every endpoint the tenant called in `range`, busiest first. Read from one snapshot, so the
/// percentiles come from exactly the rows the histograms counted.
pub async fn endpoints(
    db: &DatabaseConnection,
    tenant: &Tenant,
    range: &Range,
) -> Result<Vec<EndpointStats>, DbErr> {
    let txn = crate::db::begin_snapshot(db).await?;
    let conn = &txn;
    let totals = rollups::totals(conn, tenant, range, Group::Endpoint, &Narrow::default()).await?;
    let histograms = rollups::histograms(conn, tenant, range).await?;
    let latencies = samples::Latencies::read(conn, tenant, range).await?;
    let mut out = Vec::with_capacity(totals.len());
    for ((method, route), t) in totals {
        if t.requests == 0 {
            continue;
        }
        let mut percentiles = [0.0; 2];
        if let Some(histogram) = histograms.get(&(method.clone(), route.clone())) {
            for (slot, p) in percentiles.iter_mut().zip([P50, P95]) {
                let endpoint = (method.as_str(), route.as_str());
                *slot = samples::percentile(
                    conn,
                    tenant,
                    range,
                    endpoint,
                    histogram,
                    &latencies,
                    p.into(),
                )
                .await?
                .unwrap_or(0.0);
            }
        }
        out.push(EndpointStats {
            avg_latency_ms: t.latency_sum_ms / t.requests as f64,
            p50_latency_ms: percentiles[0],
            p95_latency_ms: percentiles[1],
            method,
            route,
            requests: t.requests,
            errors: t.errors,
        });
    }
    // Read-only: ending it either way releases the snapshot.
    txn.commit().await?;
    out.sort_by(|a, b| {
        b.requests
            .cmp(&a.requests)
            .then_with(|| a.route.cmp(&b.route))
            .then_with(|| a.method.cmp(&b.method))
    });
    Ok(out)
}
