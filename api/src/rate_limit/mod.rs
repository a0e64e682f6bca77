//! Per-organization, per-environment rate limiting: fixed one-hour windows counted in the
//! database, exact under concurrency and across processes.
//!
//! Concurrency model: one task per tenant owns that tenant's counter traffic. Requests queue on
//! its channel; the task takes everything queued (up to [`MAX_BATCH`]), charges it with one
//! atomic upsert ([`store::increment`]), and admits the first `granted` of the batch. While one
//! upsert is in flight the next batch gathers, so a busy tenant costs one database round trip
//! per batch instead of per request, and the database row stays the single source of truth for
//! every process sharing it.

mod store;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::Utc;
use companin_entity::{Environment, organization};
use poem::http::HeaderMap;
use poem::http::header::{HeaderName, HeaderValue};
use sea_orm::{DatabaseConnection, DbErr, EntityTrait};
use tokio::sync::{mpsc, oneshot};

use crate::auth::Principal;
use crate::auth::jwt::unix_now;
use crate::error::ApiError;
use crate::ids::{ClientId, OrgId};
use crate::telemetry::{RateLimitEventRecord, TelemetryWriter};

/// Length of a window.
pub const WINDOW_SECS: i64 = 3600;
/// Most requests charged by one upsert.
const MAX_BATCH: usize = 1024;
/// Requests waiting for their tenant's task beyond this wait for room.
const QUEUE_CAPACITY: usize = 8192;

/// The `X-RateLimit-*` values of one response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitHeaders {
    pub limit: i64,
    pub remaining: i64,
    /// Unix seconds at which the window resets.
    pub reset: i64,
}

impl RateLimitHeaders {
    pub fn apply(&self, headers: &mut HeaderMap) {
        for (name, value) in [
            ("x-ratelimit-limit", self.limit),
            ("x-ratelimit-remaining", self.remaining),
            ("x-ratelimit-reset", self.reset),
        ] {
            headers.insert(HeaderName::from_static(name), HeaderValue::from(value));
        }
    }
}

/// Whether a request may proceed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allowed(RateLimitHeaders),
    Blocked {
        headers: RateLimitHeaders,
        /// Seconds until the window resets.
        retry_after: u64,
    },
}

impl Decision {
    pub fn headers(&self) -> RateLimitHeaders {
        match self {
            Decision::Allowed(h) | Decision::Blocked { headers: h, .. } => *h,
        }
    }
}

struct Ask {
    client_id: ClientId,
    request_id: String,
    reply: oneshot::Sender<Result<Decision, String>>,
}

type TenantKey = (OrgId, Environment);

/// Settings and handles every tenant task shares.
#[derive(Clone)]
struct Shared {
    db: DatabaseConnection,
    telemetry: TelemetryWriter,
    default_limit: i64,
    limit_refresh: Duration,
}

/// The limiter of one process.
pub struct RateLimiter {
    shared: Shared,
    tenants: Mutex<HashMap<TenantKey, mpsc::Sender<Ask>>>,
}

impl RateLimiter {
    pub fn new(
        db: DatabaseConnection,
        telemetry: TelemetryWriter,
        default_limit: u32,
        limit_refresh: Duration,
    ) -> Self {
        Self {
            shared: Shared {
                db,
                telemetry,
                default_limit: i64::from(default_limit),
                limit_refresh,
            },
            tenants: Mutex::new(HashMap::new()),
        }
    }

    /// Charges one request of `principal`'s tenant.
    pub async fn check(
        &self,
        principal: &Principal,
        request_id: &str,
    ) -> Result<Decision, ApiError> {
        let key = (principal.org_id.clone(), principal.environment);
        // A second attempt covers a tenant task that ended (it only ends with its sender).
        for _ in 0..2 {
            let sender = self.sender(&key);
            let (reply, answer) = oneshot::channel();
            let ask = Ask {
                client_id: principal.client_id.clone(),
                request_id: request_id.to_owned(),
                reply,
            };
            if sender.send(ask).await.is_err() {
                self.forget(&key);
                continue;
            }
            return match answer.await {
                Ok(Ok(decision)) => Ok(decision),
                Ok(Err(cause)) => Err(ApiError::internal(anyhow::anyhow!(
                    "rate-limit counter update failed: {cause}"
                ))),
                Err(_) => Err(ApiError::internal(anyhow::anyhow!(
                    "rate-limit task ended before answering"
                ))),
            };
        }
        Err(ApiError::internal(anyhow::anyhow!(
            "rate-limit task could not be started"
        )))
    }

    fn sender(&self, key: &TenantKey) -> mpsc::Sender<Ask> {
        let mut tenants = self.tenants.lock().unwrap_or_else(|p| p.into_inner());
        tenants
            .entry(key.clone())
            .or_insert_with(|| {
                let (tx, rx) = mpsc::channel(QUEUE_CAPACITY);
                tokio::spawn(run_tenant(self.shared.clone(), key.clone(), rx));
                tx
            })
            .clone()
    }

    fn forget(&self, key: &TenantKey) {
        let mut tenants = self.tenants.lock().unwrap_or_else(|p| p.into_inner());
        tenants.remove(key);
    }
}

/// The limit of an organization, re-read at most every `limit_refresh`.
struct LimitCache {
    value: i64,
    read_at: Option<Instant>,
}

impl LimitCache {
    async fn get(&mut self, shared: &Shared, org_id: &OrgId) -> Result<i64, DbErr> {
        let fresh = self
            .read_at
            .is_some_and(|at| at.elapsed() < shared.limit_refresh);
        if !fresh {
            let row = organization::Entity::find_by_id(org_id.as_str())
                .one(&shared.db)
                .await?;
            self.value = row
                .and_then(|org| org.rate_limit_per_hour)
                .unwrap_or(shared.default_limit);
            self.read_at = Some(Instant::now());
        }
        Ok(self.value)
    }
}

async fn run_tenant(shared: Shared, key: TenantKey, mut rx: mpsc::Receiver<Ask>) {
    let (org_id, environment) = key;
    let mut limit = LimitCache {
        value: shared.default_limit,
        read_at: None,
    };
    let mut batch = Vec::with_capacity(64);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let asks = std::mem::take(&mut batch);
        let now = unix_now() as i64;
        let window_start = now - now.rem_euclid(WINDOW_SECS);
        let charged = async {
            let max = limit.get(&shared, &org_id).await?;
            let grant = store::increment(
                &shared.db,
                org_id.as_str(),
                environment,
                window_start,
                max,
                asks.len() as i64,
            )
            .await?;
            Ok::<_, DbErr>((max, grant))
        }
        .await;
        match charged {
            Ok((max, grant)) => {
                let outcome = Outcome {
                    max,
                    admitted_before: grant.admitted - grant.granted,
                    granted: grant.granted,
                    admitted_after: grant.admitted,
                    window_start,
                    now,
                };
                answer(&shared, &org_id, environment, asks, outcome).await;
            }
            Err(e) => {
                let cause = e.to_string();
                for ask in asks {
                    let _ = ask.reply.send(Err(cause.clone()));
                }
            }
        }
    }
}

/// One batch's charge.
#[derive(Debug, Clone, Copy)]
struct Outcome {
    max: i64,
    admitted_before: i64,
    granted: i64,
    admitted_after: i64,
    window_start: i64,
    now: i64,
}

impl Outcome {
    /// The decision for the `i`-th request of the batch (the first `granted` are admitted).
    fn decision(&self, i: usize) -> Decision {
        let reset = self.window_start + WINDOW_SECS;
        let i = i as i64;
        if i < self.granted {
            let position = self.admitted_before + i + 1;
            Decision::Allowed(RateLimitHeaders {
                limit: self.max,
                remaining: (self.max - position).max(0),
                reset,
            })
        } else {
            Decision::Blocked {
                headers: RateLimitHeaders {
                    limit: self.max,
                    remaining: 0,
                    reset,
                },
                retry_after: (reset - self.now).max(1) as u64,
            }
        }
    }

    /// Index in the batch of the first request past 80 % of the limit, if this batch has it.
    fn warning_index(&self) -> Option<usize> {
        // The first position p with p > 0.8 * max, in integers: 5p > 4 * max.
        let threshold = self.max * 4 / 5 + 1;
        let first = self.admitted_before + 1;
        let last = self.admitted_before + self.granted;
        (first <= threshold && threshold <= last).then(|| (threshold - first) as usize)
    }
}

async fn answer(
    shared: &Shared,
    org_id: &OrgId,
    environment: Environment,
    asks: Vec<Ask>,
    outcome: Outcome,
) {
    let warning = outcome.warning_index();
    let at = Utc::now();
    for (i, ask) in asks.into_iter().enumerate() {
        let decision = outcome.decision(i);
        let kind = match decision {
            Decision::Blocked { .. } => Some("blocked"),
            Decision::Allowed(_) if warning == Some(i) => Some("warning"),
            Decision::Allowed(_) => None,
        };
        if let Some(kind) = kind {
            let used = match decision {
                Decision::Allowed(h) => h.limit - h.remaining,
                Decision::Blocked { .. } => outcome.admitted_after,
            };
            shared
                .telemetry
                .record_rate_limit_event(RateLimitEventRecord {
                    org_id: org_id.to_string(),
                    environment,
                    client_id: ask.client_id.to_string(),
                    kind,
                    window_start: outcome.window_start,
                    max_requests: outcome.max,
                    used,
                    request_id: ask.request_id.clone(),
                    at,
                })
                .await;
        }
        let _ = ask.reply.send(Ok(decision));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(max: i64, before: i64, granted: i64) -> Outcome {
        Outcome {
            max,
            admitted_before: before,
            granted,
            admitted_after: before + granted,
            window_start: 3600,
            now: 3700,
        }
    }

    #[test]
    fn the_first_granted_of_a_batch_are_admitted() {
        let o = outcome(10, 7, 3);
        assert_eq!(
            o.decision(0),
            Decision::Allowed(RateLimitHeaders {
                limit: 10,
                remaining: 2,
                reset: 7200
            })
        );
        assert_eq!(o.decision(2).headers().remaining, 0);
        assert!(matches!(
            o.decision(3),
            Decision::Blocked {
                retry_after: 3500,
                ..
            }
        ));
    }

    #[test]
    fn warning_falls_on_the_first_request_past_eighty_percent() {
        // Limit 10: the 9th request is the first past 8.
        assert_eq!(outcome(10, 0, 10).warning_index(), Some(8));
        assert_eq!(outcome(10, 8, 1).warning_index(), Some(0));
        assert_eq!(outcome(10, 9, 1).warning_index(), None);
        assert_eq!(outcome(10, 0, 8).warning_index(), None);
        // Limit 1000: request 801.
        assert_eq!(outcome(1000, 790, 20).warning_index(), Some(10));
        // Limit 1: the first request is already past 80 %.
        assert_eq!(outcome(1, 0, 1).warning_index(), Some(0));
    }
}
