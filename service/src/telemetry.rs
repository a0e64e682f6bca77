//! Request logs and rate-limit events (and the alerts they raise), written in batches by one
//! background task so that no request waits for a database write of its own log row.
//!
//! Records go into a bounded channel; the writer gathers them for up to the flush interval (or
//! until a batch is full) and inserts each batch with one statement per table. On shutdown the
//! writer drains the channel before it exits: nothing accepted is lost.

use std::time::Duration;

use chrono::{DateTime, Utc};
use companin_entity::{Environment, latency_rollup, rate_limit_event, request_log};
use sea_orm::{ActiveValue::NotSet, DatabaseConnection, EntityTrait, Set, TransactionTrait};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::alerts;
use crate::alerts::raise::Threshold;
use crate::analytics::rollups::{Logged, Sums};

/// Records waiting beyond this make requests wait for room (back-pressure) rather than grow
/// memory without bound while the database is slow.
const CHANNEL_CAPACITY: usize = 65_536;

/// A finished API request.
#[derive(Debug, Clone)]
pub struct RequestRecord {
    pub org_id: Option<String>,
    pub environment: Option<Environment>,
    pub client_id: Option<String>,
    pub request_id: String,
    pub method: String,
    pub route: String,
    pub status: u16,
    pub latency_ms: f64,
    pub at: DateTime<Utc>,
}

/// A rate-limit event (`warning` or `blocked`).
#[derive(Debug, Clone)]
pub struct RateLimitEventRecord {
    pub org_id: String,
    pub environment: Environment,
    pub client_id: String,
    pub kind: &'static str,
    pub period: crate::rate_limit::Period,
    pub window_start: i64,
    pub max_requests: i64,
    pub used: i64,
    pub request_id: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug)]
enum Record {
    Request(RequestRecord),
    RateLimitEvent(RateLimitEventRecord),
}

/// The sending side; cheap to clone.
#[derive(Clone)]
pub struct TelemetryWriter {
    tx: mpsc::Sender<Record>,
}

/// Stops the writer after draining what it has been given.
pub struct TelemetryShutdown {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl TelemetryShutdown {
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        if let Err(e) = self.task.await {
            tracing::error!(error = %e, "request log writer ended abnormally");
        }
    }
}

impl TelemetryWriter {
    /// Starts the writer task.
    pub fn spawn(
        db: DatabaseConnection,
        batch_size: usize,
        flush_interval: Duration,
    ) -> (TelemetryWriter, TelemetryShutdown) {
        let (tx, rx) = mpsc::channel(CHANNEL_CAPACITY);
        let (stop, stop_rx) = watch::channel(false);
        let task = tokio::spawn(run(db, rx, stop_rx, batch_size, flush_interval));
        (TelemetryWriter { tx }, TelemetryShutdown { stop, task })
    }

    pub async fn record_request(&self, record: RequestRecord) {
        self.send(Record::Request(record)).await;
    }

    pub async fn record_rate_limit_event(&self, record: RateLimitEventRecord) {
        self.send(Record::RateLimitEvent(record)).await;
    }

    async fn send(&self, record: Record) {
        match self.tx.try_send(record) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(record)) => {
                if self.tx.send(record).await.is_err() {
                    tracing::warn!("request log writer has stopped; a record was not kept");
                }
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {
                tracing::warn!("request log writer has stopped; a record was not kept");
            }
        }
    }
}

async fn run(
    db: DatabaseConnection,
    mut rx: mpsc::Receiver<Record>,
    mut stop: watch::Receiver<bool>,
    batch_size: usize,
    flush_interval: Duration,
) {
    let mut buf = Vec::with_capacity(batch_size);
    let mut stopping = false;
    while !stopping {
        // Wait for a first record, then gather more for up to `flush_interval`: one insert
        // of many rows costs the database far less than many inserts of a few.
        tokio::select! {
            n = rx.recv_many(&mut buf, batch_size) => stopping = n == 0,
            _ = stop.changed() => stopping = true,
        }
        let deadline = tokio::time::Instant::now() + flush_interval;
        while !stopping && buf.len() < batch_size {
            let room = batch_size - buf.len();
            tokio::select! {
                n = rx.recv_many(&mut buf, room) => stopping = n == 0,
                _ = tokio::time::sleep_until(deadline) => break,
                _ = stop.changed() => stopping = true,
            }
        }
        if stopping {
            while let Ok(record) = rx.try_recv() {
                buf.push(record);
                if buf.len() >= batch_size {
                    write(&db, std::mem::take(&mut buf)).await;
                }
            }
        }
        write(&db, std::mem::take(&mut buf)).await;
    }
}

/// Inserts one batch, retrying a few times when the database is briefly unavailable.
async fn write(db: &DatabaseConnection, batch: Vec<Record>) {
    if batch.is_empty() {
        return;
    }
    let mut requests = Vec::new();
    let mut events = Vec::new();
    let mut thresholds = Vec::new();
    let mut sums = Sums::default();
    for record in batch {
        match record {
            Record::Request(r) => {
                if let (Some(org_id), Some(environment)) = (&r.org_id, r.environment) {
                    sums.add(Logged {
                        org_id,
                        environment: environment.as_str(),
                        client_id: r.client_id.as_deref(),
                        method: &r.method,
                        route: &r.route,
                        status: r.status,
                        latency_ms: r.latency_ms,
                        at: r.at,
                    });
                }
                requests.push(request_log::ActiveModel {
                    id: NotSet,
                    org_id: Set(r.org_id),
                    environment: Set(r.environment),
                    client_id: Set(r.client_id),
                    request_id: Set(r.request_id),
                    method: Set(r.method),
                    route: Set(r.route),
                    status: Set(i32::from(r.status)),
                    latency_ms: Set(r.latency_ms),
                    latency_bucket: Set(latency_rollup::bucket(r.latency_ms)),
                    created_at: Set(r.at),
                });
            }
            Record::RateLimitEvent(e) => {
                thresholds.push(Threshold {
                    org_id: e.org_id.clone(),
                    environment: e.environment,
                    kind: e.kind.to_owned(),
                    period: e.period,
                    window_start: e.window_start,
                    limit: e.max_requests,
                    used: e.used,
                    client_id: e.client_id.clone(),
                    at: e.at,
                });
                events.push(rate_limit_event::ActiveModel {
                    id: NotSet,
                    org_id: Set(e.org_id),
                    environment: Set(e.environment),
                    client_id: Set(e.client_id),
                    kind: Set(e.kind.to_owned()),
                    period: Set(e.period.as_str().to_owned()),
                    window_start: Set(e.window_start),
                    max_requests: Set(e.max_requests),
                    used: Set(e.used),
                    request_id: Set(e.request_id),
                    created_at: Set(e.at),
                });
            }
        }
    }
    let count = requests.len() + events.len();
    for attempt in 1..=5u32 {
        match insert(db, &requests, &sums, &events, &thresholds).await {
            Ok(()) => return,
            Err(e) if attempt < 5 => {
                tracing::warn!(error = %e, attempt, "writing request logs failed; retrying");
                tokio::time::sleep(Duration::from_millis(100 * u64::from(attempt))).await;
            }
            Err(e) => {
                tracing::error!(error = %e, lost = count, "writing request logs failed; giving up");
            }
        }
    }
}

/// Both tables, the rollups of the requests and the alerts the events raise, in one
/// transaction, so that a retry never writes a row twice and the rollups never disagree
/// with the rows.
async fn insert(
    db: &DatabaseConnection,
    requests: &[request_log::ActiveModel],
    sums: &Sums,
    events: &[rate_limit_event::ActiveModel],
    thresholds: &[Threshold],
) -> Result<(), sea_orm::DbErr> {
    let txn = db.begin().await?;
    if !requests.is_empty() {
        request_log::Entity::insert_many(requests.to_vec())
            .exec_without_returning(&txn)
            .await?;
        sums.write(&txn).await?;
    }
    if !events.is_empty() {
        rate_limit_event::Entity::insert_many(events.to_vec())
            .exec_without_returning(&txn)
            .await?;
        alerts::raise::raise(&txn, thresholds).await?;
        alerts::raise::emit_events(&txn, thresholds).await?;
    }
    txn.commit().await
}
