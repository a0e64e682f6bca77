//! Prometheus metrics: requests by route and status with a latency histogram, requests per
//! organization (only when the operator turns it on, with a bounded number of organization
//! labels), reply and ingestion latencies, and, at scrape time, background jobs by status.
//!
//! No label takes a caller's string as it came: routes are documented templates (or
//! `<unmatched>`), methods one of HTTP's own ([`method_label`]), statuses numbers.

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Statement};

const LATENCY_BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];
/// Replies and ingestion take from milliseconds (a curated answer) to minutes (a large PDF).
const SLOW_BUCKETS: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0,
];

/// Organizations that get a label of their own; the rest share `other`, so that a platform
/// with many tenants cannot grow the metrics without bound.
pub const MAX_ORG_LABELS: usize = 100;
const OTHER_ORGS: &str = "other";

/// Job statuses, reported even when no job has them (a series that vanishes is harder to
/// alert on than one at zero).
const JOB_STATUSES: [&str; 5] = ["queued", "running", "succeeded", "failed", "canceled"];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
static ORG_LABELS: Mutex<Option<HashSet<String>>> = Mutex::new(None);

/// Installs the process-wide recorder once (several apps in one test process share it) and
/// returns its handle, or `None` if another recorder was installed first.
pub fn install() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let mut builder = PrometheusBuilder::new().set_buckets_for_metric(
                Matcher::Full("companin_http_request_duration_seconds".to_owned()),
                &LATENCY_BUCKETS,
            );
            for name in [
                "companin_reply_duration_seconds",
                "companin_reply_first_text_seconds",
                "companin_ingestion_duration_seconds",
            ] {
                builder = builder
                    .ok()?
                    .set_buckets_for_metric(Matcher::Full(name.to_owned()), &SLOW_BUCKETS);
            }
            let recorder = builder.ok()?.build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder).ok()?;
            Some(handle)
        })
        .as_ref()
}

/// The label of an organization: its id while fewer than [`MAX_ORG_LABELS`] organizations
/// have one, else `other`.
fn org_label(org_id: &str) -> String {
    let mut labels = ORG_LABELS.lock().unwrap_or_else(|p| p.into_inner());
    let labels = labels.get_or_insert_with(HashSet::new);
    if labels.contains(org_id) {
        return org_id.to_owned();
    }
    if labels.len() < MAX_ORG_LABELS {
        labels.insert(org_id.to_owned());
        return org_id.to_owned();
    }
    OTHER_ORGS.to_owned()
}

/// The label of a request method: one of the methods HTTP defines, else `OTHER` (a method is
/// any token a client cares to send).
pub fn method_label(method: &poem::http::Method) -> &'static str {
    use poem::http::Method as M;
    match *method {
        M::GET => "GET",
        M::POST => "POST",
        M::PUT => "PUT",
        M::PATCH => "PATCH",
        M::DELETE => "DELETE",
        M::HEAD => "HEAD",
        M::OPTIONS => "OPTIONS",
        M::CONNECT => "CONNECT",
        M::TRACE => "TRACE",
        _ => "OTHER",
    }
}

/// Counts one finished request; `org_id` only when per-organization counts are on.
pub fn record_request(
    method: &'static str,
    route: &str,
    status: u16,
    latency: Duration,
    org_id: Option<&str>,
) {
    let labels = [
        ("method", method.to_owned()),
        ("route", route.to_owned()),
        ("status", status.to_string()),
    ];
    metrics::counter!("companin_http_requests_total", &labels).increment(1);
    metrics::histogram!(
        "companin_http_request_duration_seconds",
        &[("method", method.to_owned()), ("route", route.to_owned())]
    )
    .record(latency.as_secs_f64());
    if let Some(org_id) = org_id {
        let class = format!("{}xx", status / 100);
        metrics::counter!(
            "companin_org_requests_total",
            &[("org", org_label(org_id)), ("status_class", class)]
        )
        .increment(1);
    }
}

/// Sets the `companin_jobs` gauge from the job table: how many jobs have each status now.
pub async fn refresh_job_gauges(db: &DatabaseConnection) -> Result<(), DbErr> {
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT status, COUNT(*) FROM background_jobs GROUP BY status",
        ))
        .await?;
    let mut counts: Vec<(String, i64)> = JOB_STATUSES.iter().map(|s| (s.to_string(), 0)).collect();
    for row in rows {
        let status: String = row.try_get_by_index(0)?;
        let count: i64 = row.try_get_by_index(1)?;
        match counts.iter_mut().find(|(s, _)| *s == status) {
            Some(slot) => slot.1 = count,
            None => counts.push((status, count)),
        }
    }
    for (status, count) in counts {
        metrics::gauge!("companin_jobs", &[("status", status)]).set(count as f64);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_outside_http_share_one_label() {
        let custom = poem::http::Method::from_bytes(b"SUPERLONGCUSTOMMETHOD").unwrap();
        assert_eq!(method_label(&custom), "OTHER");
        assert_eq!(method_label(&poem::http::Method::PATCH), "PATCH");
    }

    #[test]
    fn organization_labels_are_bounded() {
        let first = org_label("org_first");
        assert_eq!(first, "org_first");
        for i in 0..MAX_ORG_LABELS * 2 {
            let _ = org_label(&format!("org_{i}"));
        }
        assert_eq!(
            org_label("org_first"),
            "org_first",
            "a known org keeps its label"
        );
        assert_eq!(org_label("org_late_comer"), OTHER_ORGS);
        let labels = ORG_LABELS.lock().unwrap();
        assert_eq!(labels.as_ref().map(HashSet::len), Some(MAX_ORG_LABELS));
    }
}
