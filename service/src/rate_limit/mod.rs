//! Per-organization, per-environment rate limiting: an hourly limit and a daily quota, fixed
//! windows counted in the database, exact under concurrency and across processes.
//!
//! Concurrency model: one task per tenant owns that tenant's counter traffic. Requests queue on
//! its channel; the task takes everything queued (up to [`MAX_BATCH`]) and charges it with one
//! atomic upsert per window ([`store::increment`]): the hour admits what fits, the day admits
//! what fits of those, and the hour gives back what the day refused. The first `granted` of
//! the batch are admitted. A request is admitted only when both windows counted it, so neither
//! is ever exceeded; between an hourly admission and its refund another process may see the
//! hour one fuller than it ends up, which can only refuse, never over-admit. While one charge is
//! in flight the next batch gathers, so a busy tenant costs two database round trips per batch
//! instead of per request, and the database rows stay the single source of truth for every
//! process sharing them. Windows start by the database's clock.

mod store;
pub mod widget;

pub use store::Period;
pub use widget::WidgetLimiter;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use companin_entity::{Environment, organization};
use sea_orm::{DatabaseConnection, DbErr, EntityTrait};
use tokio::sync::{mpsc, oneshot};

use crate::auth::Principal;
use crate::error::ApiError;
use crate::ids::OrgId;

/// Length of an hourly window.
pub const WINDOW_SECS: i64 = 3600;
/// Most requests charged by one upsert.
const MAX_BATCH: usize = 1024;
/// Scheduler turns a busy tenant's task gives other requests to join its next batch.
const GATHER_YIELDS: usize = 4;
/// Requests waiting for their tenant's task beyond this wait for room.
const QUEUE_CAPACITY: usize = 8192;

/// One window as a response reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowState {
    pub period: Period,
    pub limit: i64,
    pub remaining: i64,
    /// Unix seconds at which the window resets.
    pub reset: i64,
}

/// The rate-limit headers of one response: both windows, and the time they were read at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitHeaders {
    pub hour: WindowState,
    pub day: WindowState,
    /// Unix seconds now, by the database's clock.
    pub now: i64,
}

impl RateLimitHeaders {
    /// The window nearest to running out: fewest requests left, the day on a tie (it takes
    /// longer to come back).
    pub fn nearest(&self) -> WindowState {
        if self.hour.remaining < self.day.remaining {
            self.hour
        } else {
            self.day
        }
    }

    /// The response headers, names in lower case: `X-RateLimit-*` of the nearest window, and
    /// the IETF fields: `RateLimit-Policy` lists both windows (`q` requests per `w` seconds),
    /// `RateLimit` the nearest one's remaining requests (`r`) and seconds until it resets
    /// (`t`).
    pub fn fields(&self) -> [(&'static str, String); 5] {
        let nearest = self.nearest();
        let policy = format!(
            "\"hour\";q={};w={}, \"day\";q={};w={}",
            self.hour.limit,
            Period::Hour.secs(),
            self.day.limit,
            Period::Day.secs()
        );
        let current = format!(
            "\"{}\";r={};t={}",
            nearest.period.as_str(),
            nearest.remaining,
            (nearest.reset - self.now).max(0)
        );
        [
            ("x-ratelimit-limit", nearest.limit.to_string()),
            ("x-ratelimit-remaining", nearest.remaining.to_string()),
            ("x-ratelimit-reset", nearest.reset.to_string()),
            ("ratelimit-policy", policy),
            ("ratelimit", current),
        ]
    }
}

/// A rate-limit event a decision is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    /// `warning` or `blocked`.
    pub kind: &'static str,
    pub period: Period,
    pub window_start: i64,
    pub limit: i64,
    /// Requests admitted in the window.
    pub used: i64,
}

/// Whether a request may proceed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allowed {
        headers: RateLimitHeaders,
        /// The tenant's configuration version, read after the request arrived.
        config_version: i64,
        /// The windows of which this is the first request past 80 % of the limit.
        warnings: [Option<Event>; 2],
    },
    Blocked {
        headers: RateLimitHeaders,
        /// Seconds until the window that refused resets.
        retry_after: u64,
        /// The window that refused (the day's when both are used up).
        refused: Event,
    },
}

impl Decision {
    pub fn headers(&self) -> RateLimitHeaders {
        match self {
            Decision::Allowed { headers: h, .. } | Decision::Blocked { headers: h, .. } => *h,
        }
    }

    /// The rate-limit events this decision is.
    pub fn events(&self) -> Vec<Event> {
        match *self {
            Decision::Allowed { warnings, .. } => warnings.into_iter().flatten().collect(),
            Decision::Blocked { refused, .. } => vec![refused],
        }
    }
}

type Reply = oneshot::Sender<Result<Decision, DbErr>>;
type TenantKey = (OrgId, Environment);

/// Settings and handles every tenant task shares.
#[derive(Clone)]
struct Shared {
    db: DatabaseConnection,
    defaults: Limits,
    limit_refresh: Duration,
}

/// An organization's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub per_hour: i64,
    pub per_day: i64,
}

impl Limits {
    /// The limits of `org` (its own where it set them, else `defaults`).
    pub fn of(org: Option<&organization::Model>, defaults: Limits) -> Limits {
        Limits {
            per_hour: org
                .and_then(|o| o.rate_limit_per_hour)
                .unwrap_or(defaults.per_hour),
            per_day: org
                .and_then(|o| o.rate_limit_per_day)
                .unwrap_or(defaults.per_day),
        }
    }
}

/// The limiter of one process.
pub struct RateLimiter {
    shared: Shared,
    tenants: Mutex<HashMap<TenantKey, mpsc::Sender<Reply>>>,
}

impl RateLimiter {
    pub fn new(db: DatabaseConnection, defaults: Limits, limit_refresh: Duration) -> Self {
        Self {
            shared: Shared {
                db,
                defaults,
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

/// The limits of an organization, re-read at most every `limit_refresh`.
struct LimitCache {
    value: Limits,
    read_at: Option<Instant>,
}

impl LimitCache {
    async fn get(&mut self, shared: &Shared, org_id: &OrgId) -> Result<Limits, DbErr> {
        let fresh = self
            .read_at
            .is_some_and(|at| at.elapsed() < shared.limit_refresh);
        if !fresh {
            let row = organization::Entity::find_by_id(org_id.as_str())
                .one(&shared.db)
                .await?;
            self.value = Limits::of(row.as_ref(), shared.defaults);
            self.read_at = Some(Instant::now());
        }
        Ok(self.value)
    }
}

async fn run_tenant(shared: Shared, key: TenantKey, mut rx: mpsc::Receiver<Reply>) {
    let (org_id, environment) = key;
    let mut limit = LimitCache {
        value: shared.defaults,
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
        let charged = charge(&shared, &mut limit, (&org_id, environment), replies.len()).await;
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

/// Charges a batch of `k` requests to the tenant's hour, then what the hour admitted to its
/// day, and gives the hour back what the day refused.
async fn charge(
    shared: &Shared,
    limit: &mut LimitCache,
    (org_id, environment): (&OrgId, Environment),
    k: usize,
) -> Result<Outcome, DbErr> {
    let limits = limit.get(shared, org_id).await?;
    let tenant = (org_id.as_str(), environment);
    let k = k as i64;
    let hour = store::increment(&shared.db, Period::Hour, tenant, limits.per_hour, k, k).await?;
    let day = store::increment(
        &shared.db,
        Period::Day,
        tenant,
        limits.per_day,
        k,
        hour.granted,
    )
    .await?;
    let refused_by_day = hour.granted - day.granted;
    if refused_by_day > 0 {
        store::refund(
            &shared.db,
            Period::Hour,
            tenant,
            hour.window_start,
            refused_by_day,
        )
        .await?;
    }
    Ok(Outcome {
        hour: Counted {
            period: Period::Hour,
            max: limits.per_hour,
            admitted_before: hour.admitted - hour.granted,
            admitted_after: hour.admitted - refused_by_day,
            granted: hour.granted,
            window_start: hour.window_start,
        },
        day: Counted {
            period: Period::Day,
            max: limits.per_day,
            admitted_before: day.admitted - day.granted,
            admitted_after: day.admitted,
            granted: day.granted,
            window_start: day.window_start,
        },
        config_version: hour.config_version,
        now: day.now,
    })
}

/// One window's side of a batch's charge.
#[derive(Debug, Clone, Copy)]
struct Counted {
    period: Period,
    max: i64,
    /// Admitted before the batch.
    admitted_before: i64,
    /// Admitted after it (refunds taken back).
    admitted_after: i64,
    /// Of the batch, how many this window admitted.
    granted: i64,
    window_start: i64,
}

impl Counted {
    fn reset(&self) -> i64 {
        self.window_start + self.period.secs()
    }

    /// The window as the `i`-th admitted request of the batch sees it.
    fn state_at(&self, position: i64) -> WindowState {
        WindowState {
            period: self.period,
            limit: self.max,
            remaining: (self.max - position).max(0),
            reset: self.reset(),
        }
    }

    /// The place in the window of the first request past 80 % of the limit: the first
    /// position p with p > 0.8 * max, in integers 5p > 4 * max.
    fn warning_position(&self) -> i64 {
        self.max * 4 / 5 + 1
    }

    fn event(&self, kind: &'static str, used: i64) -> Event {
        Event {
            kind,
            period: self.period,
            window_start: self.window_start,
            limit: self.max,
            used,
        }
    }
}

/// One batch's charge.
#[derive(Debug, Clone, Copy)]
struct Outcome {
    hour: Counted,
    day: Counted,
    config_version: i64,
    now: i64,
}

impl Outcome {
    /// The decision for the `i`-th request of the batch: the first `day.granted` are admitted
    /// (the day only ever saw what the hour admitted).
    fn decision(&self, i: usize) -> Decision {
        let i = i as i64;
        if i < self.day.granted {
            let hour_position = self.hour.admitted_before + i + 1;
            let day_position = self.day.admitted_before + i + 1;
            let warn = |w: &Counted, position: i64| {
                (position == w.warning_position()).then(|| w.event("warning", position))
            };
            return Decision::Allowed {
                headers: RateLimitHeaders {
                    hour: self.hour.state_at(hour_position),
                    day: self.day.state_at(day_position),
                    now: self.now,
                },
                config_version: self.config_version,
                warnings: [
                    warn(&self.hour, hour_position),
                    warn(&self.day, day_position),
                ],
            };
        }
        // Refused by the hour when the hour had no room for it, else by the day; the day
        // answers when both are used up, since it comes back last.
        let day_full = self.day.admitted_after >= self.day.max;
        let refuser = if i >= self.hour.granted && !day_full {
            self.hour
        } else {
            self.day
        };
        Decision::Blocked {
            // A window that refused is full: its remaining reads 0.
            headers: RateLimitHeaders {
                hour: self.hour.state_at(self.hour.admitted_after),
                day: self.day.state_at(self.day.admitted_after),
                now: self.now,
            },
            retry_after: (refuser.reset() - self.now).max(1) as u64,
            refused: refuser.event("blocked", refuser.admitted_after),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counted(period: Period, max: i64, before: i64, granted: i64) -> Counted {
        Counted {
            period,
            max,
            admitted_before: before,
            admitted_after: before + granted,
            granted,
            // Both windows opened at midnight of day 1; `now` is 100 s later.
            window_start: 86_400,
        }
    }

    /// A batch both windows admitted in full up to `granted`.
    fn outcome(hour: (i64, i64, i64), day: (i64, i64, i64)) -> Outcome {
        Outcome {
            hour: counted(Period::Hour, hour.0, hour.1, hour.2),
            day: counted(Period::Day, day.0, day.1, day.2),
            config_version: 4,
            now: 86_400 + 100,
        }
    }

    fn warnings(o: &Outcome, batch: usize, period: Period) -> Vec<usize> {
        (0..batch)
            .filter(|&i| {
                o.decision(i)
                    .events()
                    .iter()
                    .any(|e| e.kind == "warning" && e.period == period)
            })
            .collect()
    }

    #[test]
    fn the_first_granted_of_a_batch_are_admitted_and_see_the_nearest_window() {
        // Hour: 7 of 10 used, 3 more fit; day: 50 of 1000.
        let o = outcome((10, 7, 3), (1000, 50, 3));
        let Decision::Allowed { headers, .. } = o.decision(0) else {
            panic!("admitted")
        };
        assert_eq!(headers.hour.remaining, 2);
        assert_eq!(headers.day.remaining, 949);
        assert_eq!(headers.nearest().period, Period::Hour);
        let Decision::Blocked {
            retry_after,
            refused,
            headers,
        } = o.decision(3)
        else {
            panic!("refused")
        };
        assert_eq!(refused.period, Period::Hour);
        assert_eq!(refused.used, 10);
        assert_eq!(retry_after, 3500);
        assert_eq!(headers.nearest().period, Period::Hour);
        assert_eq!(headers.nearest().remaining, 0);
    }

    #[test]
    fn the_day_refuses_what_the_hour_admitted_and_answers_until_midnight() {
        // The hour admitted 5, the day had room for 2 only.
        let mut o = outcome((100, 0, 5), (10, 8, 2));
        o.hour.admitted_after = 2;
        assert!(matches!(o.decision(1), Decision::Allowed { .. }));
        let Decision::Blocked {
            retry_after,
            refused,
            headers,
        } = o.decision(2)
        else {
            panic!("refused by the day")
        };
        assert_eq!(refused.period, Period::Day);
        assert_eq!(refused.used, 10);
        // The day window resets a day after midnight; now is 100 s past it.
        assert_eq!(retry_after, 86_300);
        assert_eq!(headers.nearest().period, Period::Day);
        let map: std::collections::HashMap<_, _> = headers.fields().into_iter().collect();
        assert_eq!(map["x-ratelimit-limit"], "10");
        assert_eq!(map["x-ratelimit-remaining"], "0");
        assert_eq!(map["x-ratelimit-reset"], "172800");
        assert_eq!(
            map["ratelimit-policy"],
            "\"hour\";q=100;w=3600, \"day\";q=10;w=86400"
        );
        assert_eq!(map["ratelimit"], "\"day\";r=0;t=86300");
    }

    #[test]
    fn warning_falls_on_the_first_request_past_eighty_percent_of_each_window() {
        // Hour limit 10: the 9th request is the first past 8.
        let o = outcome((10, 0, 10), (1000, 0, 10));
        assert_eq!(warnings(&o, 10, Period::Hour), [8]);
        assert!(warnings(&o, 10, Period::Day).is_empty());
        // Day limit 10, hour 1000.
        let o = outcome((1000, 0, 10), (10, 0, 10));
        assert_eq!(warnings(&o, 10, Period::Day), [8]);
        // Both at once.
        let o = outcome((10, 8, 1), (10, 8, 1));
        assert_eq!(o.decision(0).events().len(), 2);
        // Limit 1000: request 801.
        assert_eq!(
            warnings(&outcome((1000, 790, 20), (5000, 0, 20)), 20, Period::Hour),
            [10]
        );
    }
}
