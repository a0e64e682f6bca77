//! Per-endpoint traffic: requests, errors, mean latency and exact nearest-rank percentiles,
//! and the same over all endpoints together.

use std::collections::BTreeMap;

use sea_orm::{DatabaseConnection, DbErr};

use super::rollups::{self, Group, Narrow, Totals};
use super::samples::{self, EndpointHistogram, Latencies};
use super::sql::{P50, P95, P99, Range};
use crate::Tenant;

/// One method and route template over the range.
#[derive(Debug, Clone, PartialEq)]
pub struct EndpointStats {
    pub method: String,
    pub route: String,
    pub traffic: Traffic,
}

/// Requests, errors and latencies of one endpoint or of all of them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Traffic {
    pub requests: u64,
    /// Responses with status 400 or above (429 refusals included).
    pub errors: u64,
    pub avg_latency_ms: f64,
    pub p50_latency_ms: f64,
    pub p95_latency_ms: f64,
    pub p99_latency_ms: f64,
}

/// The endpoints of a range, and their sum.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Endpoints {
    /// Busiest first.
    pub items: Vec<EndpointStats>,
    /// Every endpoint together: the percentiles are those of all the requests, not an
    /// average of the endpoints' percentiles.
    pub overall: Traffic,
}

/// Every endpoint the tenant called in `range`, and all of them together. Read from one
/// snapshot, so the percentiles come from exactly the rows the histograms counted.
pub async fn endpoints(
    db: &DatabaseConnection,
    tenant: &Tenant,
    range: &Range,
) -> Result<Endpoints, DbErr> {
    let txn = crate::db::begin_snapshot(db).await?;
    let conn = &txn;
    let totals = rollups::totals(conn, tenant, range, Group::Endpoint, &Narrow::default()).await?;
    let histograms = rollups::histograms(conn, tenant, range).await?;
    let latencies = Latencies::read(conn, tenant, range).await?;
    let read = Reader {
        conn,
        tenant,
        range,
        latencies: &latencies,
    };
    let empty = BTreeMap::new();
    let mut out = Endpoints::default();
    let mut all = Totals::default();
    let mut every = Vec::with_capacity(totals.len());
    for ((method, route), t) in &totals {
        if t.requests == 0 {
            continue;
        }
        let histogram = histograms
            .get(&(method.clone(), route.clone()))
            .unwrap_or(&empty);
        let endpoint = [((method.as_str(), route.as_str()), histogram)];
        out.items.push(EndpointStats {
            method: method.clone(),
            route: route.clone(),
            traffic: read.traffic(t, &endpoint).await?,
        });
        all.requests += t.requests;
        all.errors += t.errors;
        all.latency_sum_ms += t.latency_sum_ms;
        every.extend(endpoint);
    }
    if all.requests > 0 {
        out.overall = read.traffic(&all, &every).await?;
    }
    // Read-only: ending it either way releases the snapshot.
    txn.commit().await?;
    out.items.sort_by(|a, b| {
        b.traffic
            .requests
            .cmp(&a.traffic.requests)
            .then_with(|| a.route.cmp(&b.route))
            .then_with(|| a.method.cmp(&b.method))
    });
    Ok(out)
}

/// Reads percentiles from one snapshot.
struct Reader<'a, C> {
    conn: &'a C,
    tenant: &'a Tenant,
    range: &'a Range,
    latencies: &'a Latencies,
}

impl<C: sea_orm::ConnectionTrait> Reader<'_, C> {
    /// `t` (at least one request) with the percentiles of the endpoints `histograms` count.
    async fn traffic(
        &self,
        t: &Totals,
        histograms: &[EndpointHistogram<'_>],
    ) -> Result<Traffic, DbErr> {
        let mut percentiles = [0.0; 3];
        for (slot, p) in percentiles.iter_mut().zip([P50, P95, P99]) {
            *slot = samples::percentile(
                self.conn,
                self.tenant,
                self.range,
                histograms,
                self.latencies,
                p.into(),
            )
            .await?
            .unwrap_or(0.0);
        }
        Ok(Traffic {
            requests: t.requests,
            errors: t.errors,
            avg_latency_ms: t.latency_sum_ms / t.requests as f64,
            p50_latency_ms: percentiles[0],
            p95_latency_ms: percentiles[1],
            p99_latency_ms: percentiles[2],
        })
    }
}
