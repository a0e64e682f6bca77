//! Delivering alerts: every worker process polls for due alerts, takes each with a lease (a
//! conditional update only one process can win), posts it signed, and records the outcome.
//! A failed attempt is retried after a doubling delay until `alerts.max_attempts`; a worker
//! that dies mid-delivery loses its lease and another worker takes the alert over.

use std::future::Future;
use std::time::Duration;

use chrono::Utc;
use companin_config::AlertSettings;
use companin_entity::{alert_delivery, environment};
use companin_worker::egress;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::sign;

pub const PENDING: &str = "pending";
pub const DELIVERED: &str = "delivered";
pub const FAILED: &str = "failed";

/// Alerts one poll takes at most.
const BATCH: u64 = 16;

/// The delivery side of one worker process.
pub struct Deliverer {
    db: DatabaseConnection,
    http: reqwest::Client,
    settings: AlertSettings,
    allow_private: bool,
}

impl Deliverer {
    /// `allow_private` lets webhooks reach non-public addresses (`crawl.allow_private_networks`).
    pub fn new(
        db: DatabaseConnection,
        settings: AlertSettings,
        allow_private: bool,
    ) -> anyhow::Result<Self> {
        // Every connection goes through the SSRF guard: a webhook host that resolves to a
        // private address when the alert is sent is refused like one that did when it was set.
        let http = egress::client(&egress::Options {
            user_agent: concat!("Companin-Alerts/", env!("CARGO_PKG_VERSION")).to_owned(),
            timeout: Duration::from_secs(settings.timeout_secs),
            max_redirects: 0,
            allow_private,
        })?;
        Ok(Self {
            db,
            http,
            settings,
            allow_private,
        })
    }

    /// How long a taken alert stays with its worker: the request's timeout and some room.
    fn lease(&self) -> chrono::Duration {
        chrono::Duration::seconds(self.settings.timeout_secs as i64 * 2 + 5)
    }

    /// Polls until `stop` resolves.
    pub async fn run(self, stop: impl Future<Output = ()>) {
        let mut ticks =
            tokio::time::interval(Duration::from_millis(self.settings.poll_interval_ms));
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tokio::pin!(stop);
        loop {
            tokio::select! {
                _ = &mut stop => return,
                _ = ticks.tick() => {}
            }
            if let Err(e) = self.deliver_due().await {
                tracing::warn!(error = %e, "alert delivery poll failed; retrying");
            }
        }
    }

    /// Sends every alert due now; answers how many were attempted.
    pub async fn deliver_due(&self) -> Result<usize, DbErr> {
        use alert_delivery::Column as C;
        let now = crate::db::now();
        let due = alert_delivery::Entity::find()
            .filter(C::Status.eq(PENDING))
            .filter(C::NextAttemptAt.lte(now))
            .filter(
                Condition::any()
                    .add(C::LockedUntil.is_null())
                    .add(C::LockedUntil.lt(now)),
            )
            .order_by_asc(C::NextAttemptAt)
            .limit(BATCH)
            .all(&self.db)
            .await?;
        let mut attempted = 0;
        for alert in due {
            if self.take(&alert).await? {
                attempted += 1;
                self.attempt(alert).await?;
            }
        }
        Ok(attempted)
    }

    /// Takes the lease of `alert` if no other worker holds it.
    async fn take(&self, alert: &alert_delivery::Model) -> Result<bool, DbErr> {
        use alert_delivery::Column as C;
        let now = crate::db::now();
        let taken = alert_delivery::Entity::update_many()
            .col_expr(C::LockedUntil, Expr::value(now + self.lease()))
            .filter(C::Id.eq(alert.id))
            .filter(C::Status.eq(PENDING))
            .filter(C::Attempts.eq(alert.attempts))
            .filter(
                Condition::any()
                    .add(C::LockedUntil.is_null())
                    .add(C::LockedUntil.lt(now)),
            )
            .exec(&self.db)
            .await?;
        Ok(taken.rows_affected == 1)
    }

    async fn attempt(&self, alert: alert_delivery::Model) -> Result<(), DbErr> {
        let webhook = environment::Entity::find_by_id((alert.org_id.clone(), alert.environment))
            .one(&self.db)
            .await?
            .and_then(|env| env.alert_webhook_url.zip(env.alert_webhook_secret));
        let attempts = alert.attempts + 1;
        let Some((url, secret)) = webhook else {
            // The webhook was removed after the alert was raised.
            return self
                .finish(
                    &alert,
                    attempts,
                    FAILED,
                    None,
                    Some("the webhook was removed".into()),
                )
                .await;
        };
        if !self.allow_private
            && let Some(refused) = egress::parse(&url)
                .and_then(|u| egress::check_literal(&u))
                .err()
        {
            let error = format!("not sent: {refused}");
            return self
                .finish(&alert, attempts, FAILED, None, Some(error))
                .await;
        }
        let kind = format!("rate_limit.{}", alert.kind);
        let sent = self
            .http
            .post(&url)
            .header("Content-Type", "application/json")
            .header(
                "X-Companin-Signature",
                sign(&secret, alert.payload.as_bytes()),
            )
            .header("X-Companin-Event", kind.as_str())
            .header("X-Companin-Delivery", alert.id.to_string())
            .body(alert.payload.clone())
            .send()
            .await;
        let (status, error) = match sent {
            Ok(resp) if resp.status().is_success() => (Some(resp.status().as_u16()), None),
            Ok(resp) => (
                Some(resp.status().as_u16()),
                Some(format!("the receiver answered {}", resp.status())),
            ),
            // The whole chain: the guard's reason sits under reqwest's own message.
            Err(e) => (
                None,
                Some(format!("sending failed: {:#}", anyhow::Error::new(e))),
            ),
        };
        let outcome = match (&error, attempts >= self.settings.max_attempts as i32) {
            (None, _) => DELIVERED,
            (Some(_), true) => FAILED,
            (Some(_), false) => PENDING,
        };
        tracing::info!(
            alert_id = alert.id,
            org_id = %alert.org_id,
            kind = %kind,
            attempts,
            status = ?status,
            outcome,
            error = error.as_deref(),
            "alert delivery attempt"
        );
        self.finish(&alert, attempts, outcome, status, error).await
    }

    async fn finish(
        &self,
        alert: &alert_delivery::Model,
        attempts: i32,
        outcome: &str,
        response_status: Option<u16>,
        error: Option<String>,
    ) -> Result<(), DbErr> {
        use alert_delivery::Column as C;
        let now = Utc::now();
        // Doubling delays: base, 2 * base, 4 * base, ...
        let backoff = self
            .settings
            .retry_backoff_ms
            .saturating_mul(1 << (attempts - 1).clamp(0, 20));
        let mut update = alert_delivery::Entity::update_many()
            .col_expr(C::Status, Expr::value(outcome))
            .col_expr(C::Attempts, Expr::value(attempts))
            .col_expr(
                C::LockedUntil,
                Expr::value(Option::<chrono::DateTime<Utc>>::None),
            )
            .col_expr(
                C::ResponseStatus,
                Expr::value(response_status.map(i32::from)),
            )
            .col_expr(C::LastError, Expr::value(error));
        if outcome == DELIVERED {
            update = update.col_expr(C::DeliveredAt, Expr::value(Some(crate::db::now())));
        }
        if outcome == PENDING {
            let next = now + chrono::Duration::milliseconds(backoff as i64);
            update = update.col_expr(C::NextAttemptAt, Expr::value(next));
        }
        update.filter(C::Id.eq(alert.id)).exec(&self.db).await?;
        Ok(())
    }
}
