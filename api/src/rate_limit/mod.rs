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
mod visitor;

pub use visitor::VisitorCap;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use companin_entity::{Environment, organization};
use poem::http::HeaderMap;
use poem::http::header::{HeaderName, HeaderValue};
use sea_orm::{DatabaseConnection, DbErr, EntityTrait};
use tokio::sync::{mpsc, oneshot};

use crate::auth::Principal;
use crate::auth::jwt::unix_now;
use crate::error::ApiError;
use crate::ids::OrgId;

/// Length of a window.
pub const WINDOW_SECS: i64 = 3600;
/// Most requests charged by one upsert.
const MAX_BATCH: usize = 1024;
/// Scheduler turns a busy tenant's task gives other requests to join its next batch.
const GATHER_YIELDS: usize = 4;
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
    Allowed {
        headers: RateLimitHeaders,
        /// The tenant's configuration version, read after the request arrived.
        config_version: i64,
        /// This is the first request past 80 % of the limit in its window.
        warning: bool,
    },
    Blocked {
        headers: RateLimitHeaders,
        /// Seconds until the window resets.
        retry_after: u64,
        /// Requests admitted in the window.
        used: i64,
    },
}

impl Decision {
    pub fn headers(&self) -> RateLimitHeaders {
        match self {
            Decision::Allowed { headers: h, .. } | Decision::Blocked { headers: h, .. } => *h,
        }
    }

    /// The rate-limit event this decision is, if any: `(kind, requests used in the window)`.
    pub fn event(&self) -> Option<(&'static str, i64)> {
        match *self {
            Decision::Allowed {
                headers,
                warning: true,
                ..
            } => Some(("warning", headers.limit - headers.remaining)),
            Decision::Allowed { .. } => None,
            Decision::Blocked { used, .. } => Some(("blocked", used)),
        }
    }
}

type Reply = oneshot::Sender<Result<Decision, DbErr>>;
type TenantKey = (OrgId, Environment);

/// Settings and handles every tenant task shares.
#[derive(Clone)]
struct Shared {
    db: DatabaseConnection,
    default_limit: i64,
    limit_refresh: Duration,
}

/// The limiter of one process.
pub struct RateLimiter {
    shared: Shared,
    tenants: Mutex<HashMap<TenantKey, mpsc::Sender<Reply>>>,
}

impl RateLimiter {
    pub fn new(db: DatabaseConnection, default_limit: u32, limit_refresh: Duration) -> Self {
        Self {
            shared: Shared {
                db,
                default_limit: i64::from(default_limit),
                limit_refresh,
            },
            tenants: Mutex::new(HashMap::new()),
        }
    }

    /// Charges one request of `principal`'s tenant.
    pub async fn check(&self, principal: &Principal) -> Result<Decision, ApiError> {
        let key = (principal.org_id.clone(), principal.environment);
        // A second attempt covers a tenant task that ended (it only ends with its sender).
        for _ in 0..2 {
            let sender = self.sender(&key);
            let (reply, answer) = oneshot::channel();
            if sender.send(reply).await.is_err() {
                self.forget(&key);
                continue;
            }
            return match answer.await {
                Ok(Ok(decision)) => Ok(decision),
                // An unreachable database is a 503 like anywhere else.
                Ok(Err(cause)) if crate::error::database_unreachable(&cause) => Err(cause.into()),
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

    fn sender(&self, key: &TenantKey) -> mpsc::Sender<Reply> {
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

async fn run_tenant(shared: Shared, key: TenantKey, mut rx: mpsc::Receiver<Reply>) {
    let (org_id, environment) = key;
    let mut limit = LimitCache {
        value: shared.default_limit,
        read_at: None,
    };
    let mut batch = Vec::with_capacity(64);
    let mut busy = false;
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        if busy {
            // Under concurrent load, let the requests already being handled reach the queue
            // so that one upsert charges them all. A lone client never waits here.
            for _ in 0..GATHER_YIELDS {
                tokio::task::yield_now().await;
            }
            while batch.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(reply) => batch.push(reply),
                    Err(_) => break,
                }
            }
        }
        busy = batch.len() > 1;
        let replies = std::mem::take(&mut batch);
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
                replies.len() as i64,
            )
            .await?;
            Ok::<_, DbErr>(Outcome {
                max,
                admitted_before: grant.admitted - grant.granted,
                granted: grant.granted,
                admitted_after: grant.admitted,
                config_version: grant.config_version,
                window_start,
                now,
            })
        }
        .await;
        match charged {
            Ok(outcome) => {
                for (i, reply) in replies.into_iter().enumerate() {
                    let _ = reply.send(Ok(outcome.decision(i)));
                }
            }
            Err(e) => {
                for reply in replies {
                    let _ = reply.send(Err(e.clone()));
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
    config_version: i64,
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
            Decision::Allowed {
                headers: RateLimitHeaders {
                    limit: self.max,
                    remaining: (self.max - position).max(0),
                    reset,
                },
                config_version: self.config_version,
                warning: position == self.warning_position(),
            }
        } else {
            Decision::Blocked {
                headers: RateLimitHeaders {
                    limit: self.max,
                    remaining: 0,
                    reset,
                },
                retry_after: (reset - self.now).max(1) as u64,
                used: self.admitted_after,
            }
        }
    }

    /// The place in the window of the first request past 80 % of the limit: the first
    /// position p with p > 0.8 * max, in integers 5p > 4 * max.
    fn warning_position(&self) -> i64 {
        self.max * 4 / 5 + 1
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
            config_version: 4,
            window_start: 3600,
            now: 3700,
        }
    }

    fn warnings(o: &Outcome, batch: usize) -> Vec<usize> {
        (0..batch)
            .filter(|&i| {
                o.decision(i)
                    .event()
                    .is_some_and(|(kind, _)| kind == "warning")
            })
            .collect()
    }

    #[test]
    fn the_first_granted_of_a_batch_are_admitted() {
        let o = outcome(10, 7, 3);
        assert_eq!(
            o.decision(0),
            Decision::Allowed {
                headers: RateLimitHeaders {
                    limit: 10,
                    remaining: 2,
                    reset: 7200,
                },
                config_version: 4,
                warning: false,
            }
        );
        assert_eq!(o.decision(2).headers().remaining, 0);
        assert_eq!(
            o.decision(3),
            Decision::Blocked {
                headers: RateLimitHeaders {
                    limit: 10,
                    remaining: 0,
                    reset: 7200,
                },
                retry_after: 3500,
                used: 10,
            }
        );
        assert_eq!(o.decision(3).event(), Some(("blocked", 10)));
    }

    #[test]
    fn warning_falls_on_the_first_request_past_eighty_percent() {
        // Limit 10: the 9th request is the first past 8.
        assert_eq!(warnings(&outcome(10, 0, 10), 10), [8]);
        assert_eq!(warnings(&outcome(10, 8, 1), 1), [0]);
        assert_eq!(outcome(10, 8, 1).decision(0).event(), Some(("warning", 9)));
        assert!(warnings(&outcome(10, 9, 1), 1).is_empty());
        assert!(warnings(&outcome(10, 0, 8), 8).is_empty());
        // Limit 1000: request 801.
        assert_eq!(warnings(&outcome(1000, 790, 20), 20), [10]);
        // Limit 1: the first request is already past 80 %.
        assert_eq!(warnings(&outcome(1, 0, 1), 1), [0]);
    }
}
