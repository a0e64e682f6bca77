//! Delivering webhook events: every worker process polls for due deliveries, takes each with a
//! lease (a conditional update only one process can win), posts it signed, and records the
//! outcome. A failed attempt is retried after a doubling delay until the event is a day old
//! (`webhooks.retry_for_secs`); an endpoint whose attempts all failed for a day
//! (`webhooks.disable_after_secs`) is turned off, with an audit entry. A worker that dies
//! mid-delivery loses its lease and another takes the delivery over.
//!
//! The rate-limit alert webhook is one more subscriber: its deliveries (endpoint
//! [`alerts::ENDPOINT`]) go to the URL on the environment's row, in the alert webhook's own
//! format and signature, retried `alerts.max_attempts` times.

use std::future::Future;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use companin_config::{AlertSettings, WebhookSettings};
use companin_entity::webhook_event::PENDING;
use companin_entity::{environment, webhook_delivery, webhook_endpoint};
use companin_worker::egress;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde_json::json;

use super::sign;
use crate::alerts;
use crate::audit::{self, Change};
use crate::auth::seal::SecretSeal;
use crate::ids::OrgId;
use crate::{Actor, Tenant};

pub const DELIVERED: &str = "delivered";
pub const FAILED: &str = "failed";

/// Deliveries one poll takes at most.
const BATCH: u64 = 16;

/// The delivery side of one worker process.
pub struct Deliverer {
    db: DatabaseConnection,
    http: reqwest::Client,
    seal: SecretSeal,
    settings: WebhookSettings,
    alert_settings: AlertSettings,
    allow_private: bool,
}

/// What one attempt came to.
struct Outcome {
    status: &'static str,
    response_status: Option<u16>,
    error: Option<String>,
    duration_ms: Option<i32>,
}

impl Deliverer {
    /// `allow_private` lets webhooks reach non-public addresses (`crawl.allow_private_networks`).
    pub fn new(
        db: DatabaseConnection,
        seal: SecretSeal,
        (settings, alert_settings): (WebhookSettings, AlertSettings),
        allow_private: bool,
    ) -> anyhow::Result<Self> {
        // Every connection goes through the SSRF guard: a host that resolves to a private
        // address when the event is sent is refused like one that did when it was set.
        let http = egress::client(&egress::Options {
            user_agent: concat!("Companin-Webhooks/", env!("CARGO_PKG_VERSION")).to_owned(),
            timeout: Duration::from_secs(settings.timeout_secs),
            max_redirects: 0,
            allow_private,
        })?;
        Ok(Self {
            db,
            http,
            seal,
            settings,
            alert_settings,
            allow_private,
        })
    }

    /// How long a taken delivery stays with its worker: the longer request timeout and some
    /// room.
    fn lease(&self) -> chrono::Duration {
        let timeout = self
            .settings
            .timeout_secs
            .max(self.alert_settings.timeout_secs);
        chrono::Duration::seconds(timeout as i64 * 2 + 5)
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
                tracing::warn!(error = %e, "webhook delivery poll failed; retrying");
            }
        }
    }

    /// Sends every delivery due now; answers how many were attempted.
    pub async fn deliver_due(&self) -> Result<usize, DbErr> {
        use webhook_delivery::Column as C;
        let now = crate::db::now();
        let due = webhook_delivery::Entity::find()
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
        for delivery in due {
            if self.take(&delivery).await? {
                attempted += 1;
                self.attempt(delivery).await?;
            }
        }
        Ok(attempted)
    }

    /// Takes the lease of `delivery` if no other worker holds it.
    async fn take(&self, delivery: &webhook_delivery::Model) -> Result<bool, DbErr> {
        use webhook_delivery::Column as C;
        let now = crate::db::now();
        let taken = webhook_delivery::Entity::update_many()
            .col_expr(C::LockedUntil, Expr::value(now + self.lease()))
            .filter(C::Id.eq(delivery.id.as_str()))
            .filter(C::Status.eq(PENDING))
            .filter(C::Attempts.eq(delivery.attempts))
            .filter(
                Condition::any()
                    .add(C::LockedUntil.is_null())
                    .add(C::LockedUntil.lt(now)),
            )
            .exec(&self.db)
            .await?;
        Ok(taken.rows_affected == 1)
    }

    async fn attempt(&self, delivery: webhook_delivery::Model) -> Result<(), DbErr> {
        if delivery.endpoint_id == alerts::ENDPOINT {
            return self.attempt_alert(delivery).await;
        }
        let endpoint = webhook_endpoint::Entity::find_by_id(delivery.endpoint_id.as_str())
            .one(&self.db)
            .await?;
        let attempts = delivery.attempts + 1;
        let refused = |error: &str| Outcome {
            status: FAILED,
            response_status: None,
            error: Some(error.to_owned()),
            duration_ms: None,
        };
        let Some(endpoint) = endpoint.filter(|e| e.is_active) else {
            let outcome = refused("not sent: the endpoint was deleted or turned off");
            return self.finish(&delivery, attempts, outcome).await;
        };
        let Some(secret) = self.seal.open(&endpoint.secret_sealed) else {
            let outcome = refused(
                "not sent: the endpoint's secret cannot be opened (was the JWT key changed?)",
            );
            return self.finish(&delivery, attempts, outcome).await;
        };
        if !self.allow_private
            && let Some(refusal) = egress::parse(&endpoint.url)
                .and_then(|u| egress::check_literal(&u))
                .err()
        {
            let outcome = refused(&format!("not sent: {refusal}"));
            return self.finish(&delivery, attempts, outcome).await;
        }
        let timestamp = Utc::now().timestamp();
        let request = self
            .http
            .post(&endpoint.url)
            .header("webhook-id", delivery.event_id.as_str())
            .header("webhook-timestamp", timestamp.to_string())
            .header(
                "webhook-signature",
                sign(&secret, &delivery.event_id, timestamp, &delivery.payload),
            );
        let (response_status, error, duration_ms) = self.post(request, &delivery).await;
        let now = crate::db::now();
        let too_old = now - delivery.created_at
            >= chrono::Duration::seconds(self.settings.retry_for_secs as i64);
        let status = match (&error, too_old) {
            (None, _) => DELIVERED,
            (Some(_), true) => FAILED,
            (Some(_), false) => PENDING,
        };
        tracing::info!(
            delivery_id = %delivery.id,
            event_id = %delivery.event_id,
            event_type = %delivery.event_type,
            org_id = %delivery.org_id,
            attempts,
            status = ?response_status,
            outcome = status,
            error = error.as_deref(),
            "webhook delivery attempt"
        );
        let failed = error.is_some();
        self.finish(
            &delivery,
            attempts,
            Outcome {
                status,
                response_status,
                error,
                duration_ms,
            },
        )
        .await?;
        self.note_health(&endpoint, failed, now).await
    }

    /// Posts the delivery's body with `request`'s headers; answers the receiver's status, the
    /// error (none for a 2xx answer) and how long it took.
    async fn post(
        &self,
        request: reqwest::RequestBuilder,
        delivery: &webhook_delivery::Model,
    ) -> (Option<u16>, Option<String>, Option<i32>) {
        let started = Instant::now();
        let sent = request
            .header("Content-Type", "application/json")
            .body(delivery.payload.clone())
            .send()
            .await;
        let duration_ms = i32::try_from(started.elapsed().as_millis()).ok();
        match sent {
            Ok(resp) if resp.status().is_success() => {
                (Some(resp.status().as_u16()), None, duration_ms)
            }
            Ok(resp) => (
                Some(resp.status().as_u16()),
                Some(format!("the receiver answered {}", resp.status())),
                duration_ms,
            ),
            // The whole chain: the guard's reason sits under reqwest's own message.
            Err(e) => (
                None,
                Some(format!("sending failed: {:#}", anyhow::Error::new(e))),
                duration_ms,
            ),
        }
    }

    /// An alert to the tenant's alert webhook: signed `X-Companin-Signature` (hex HMAC-SHA256
    /// of the body keyed with the secret), retried `alerts.max_attempts` times.
    async fn attempt_alert(&self, delivery: webhook_delivery::Model) -> Result<(), DbErr> {
        let webhook =
            environment::Entity::find_by_id((delivery.org_id.clone(), delivery.environment))
                .one(&self.db)
                .await?
                .and_then(|env| env.alert_webhook_url.zip(env.alert_webhook_secret));
        let attempts = delivery.attempts + 1;
        let failed = |error: String| Outcome {
            status: FAILED,
            response_status: None,
            error: Some(error),
            duration_ms: None,
        };
        let Some((url, secret)) = webhook else {
            let outcome = failed("the webhook was removed".into());
            return self.finish(&delivery, attempts, outcome).await;
        };
        if !self.allow_private
            && let Some(refused) = egress::parse(&url)
                .and_then(|u| egress::check_literal(&u))
                .err()
        {
            let outcome = failed(format!("not sent: {refused}"));
            return self.finish(&delivery, attempts, outcome).await;
        }
        let request = self
            .http
            .post(&url)
            .timeout(Duration::from_secs(self.alert_settings.timeout_secs))
            .header(
                "X-Companin-Signature",
                alerts::sign(&secret, delivery.payload.as_bytes()),
            )
            .header("X-Companin-Event", delivery.event_type.as_str())
            .header("X-Companin-Delivery", delivery.id.as_str());
        let (response_status, error, duration_ms) = self.post(request, &delivery).await;
        let status = match (&error, attempts >= self.alert_settings.max_attempts as i32) {
            (None, _) => DELIVERED,
            (Some(_), true) => FAILED,
            (Some(_), false) => PENDING,
        };
        tracing::info!(
            delivery_id = %delivery.id,
            org_id = %delivery.org_id,
            kind = %delivery.event_type,
            attempts,
            status = ?response_status,
            outcome = status,
            error = error.as_deref(),
            "alert delivery attempt"
        );
        let outcome = Outcome {
            status,
            response_status,
            error,
            duration_ms,
        };
        self.finish(&delivery, attempts, outcome).await
    }

    /// Records an attempt's outcome and, for a retry, when the next one is due.
    async fn finish(
        &self,
        delivery: &webhook_delivery::Model,
        attempts: i32,
        outcome: Outcome,
    ) -> Result<(), DbErr> {
        use webhook_delivery::Column as C;
        let now = crate::db::now();
        let mut update = webhook_delivery::Entity::update_many()
            .col_expr(C::Status, Expr::value(outcome.status))
            .col_expr(C::Attempts, Expr::value(attempts))
            .col_expr(C::LockedUntil, Expr::value(Option::<DateTime<Utc>>::None))
            .col_expr(
                C::ResponseStatus,
                Expr::value(outcome.response_status.map(i32::from)),
            )
            .col_expr(C::LastError, Expr::value(outcome.error))
            .col_expr(C::DurationMs, Expr::value(outcome.duration_ms))
            .col_expr(C::LastAttemptAt, Expr::value(Some(now)));
        if outcome.status == DELIVERED {
            update = update.col_expr(C::DeliveredAt, Expr::value(Some(now)));
        }
        if outcome.status == PENDING {
            let wait = if delivery.endpoint_id == alerts::ENDPOINT {
                self.alert_backoff(attempts)
            } else {
                self.backoff(attempts)
            };
            update = update.col_expr(C::NextAttemptAt, Expr::value(now + wait));
        }
        update
            .filter(C::Id.eq(delivery.id.as_str()))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// The wait after the `attempts`-th failed attempt: base, 2 × base, 4 × base, … up to the
    /// longest.
    fn backoff(&self, attempts: i32) -> chrono::Duration {
        let doubled = self
            .settings
            .retry_backoff_ms
            .saturating_mul(1 << (attempts - 1).clamp(0, 30));
        let ms = doubled.min(self.settings.max_backoff_secs.saturating_mul(1000));
        chrono::Duration::milliseconds(i64::try_from(ms).unwrap_or(i64::MAX / 2))
    }

    /// The alert webhook's wait: `alerts.retry_backoff_ms`, doubled each time.
    fn alert_backoff(&self, attempts: i32) -> chrono::Duration {
        let ms = self
            .alert_settings
            .retry_backoff_ms
            .saturating_mul(1 << (attempts - 1).clamp(0, 20));
        chrono::Duration::milliseconds(i64::try_from(ms).unwrap_or(i64::MAX / 2))
    }

    /// Tracks whether the endpoint keeps failing, and turns it off once it has failed for
    /// `disable_after_secs` with no success in between.
    async fn note_health(
        &self,
        endpoint: &webhook_endpoint::Model,
        failed: bool,
        now: DateTime<Utc>,
    ) -> Result<(), DbErr> {
        use webhook_endpoint::Column as C;
        if !failed {
            if endpoint.failing_since.is_some() {
                webhook_endpoint::Entity::update_many()
                    .col_expr(C::FailingSince, Expr::value(Option::<DateTime<Utc>>::None))
                    .filter(C::Id.eq(endpoint.id.as_str()))
                    .exec(&self.db)
                    .await?;
            }
            return Ok(());
        }
        let Some(since) = endpoint.failing_since else {
            webhook_endpoint::Entity::update_many()
                .col_expr(C::FailingSince, Expr::value(Some(now)))
                .filter(C::Id.eq(endpoint.id.as_str()))
                .filter(C::FailingSince.is_null())
                .exec(&self.db)
                .await?;
            return Ok(());
        };
        if now - since < chrono::Duration::seconds(self.settings.disable_after_secs as i64) {
            return Ok(());
        }
        let reason = format!(
            "every delivery failed since {}",
            since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        );
        let txn = crate::db::begin_write(&self.db).await?;
        let turned_off = webhook_endpoint::Entity::update_many()
            .col_expr(C::IsActive, Expr::value(false))
            .col_expr(C::DisabledReason, Expr::value(Some(reason.clone())))
            .col_expr(C::UpdatedAt, Expr::value(now))
            .filter(C::Id.eq(endpoint.id.as_str()))
            .filter(C::IsActive.eq(true))
            .exec(&txn)
            .await?;
        if turned_off.rows_affected == 1 {
            use webhook_delivery::Column as D;
            webhook_delivery::Entity::update_many()
                .col_expr(D::Status, Expr::value(FAILED))
                .col_expr(
                    D::LastError,
                    Expr::value(Some("not sent: the endpoint was turned off")),
                )
                .filter(D::EndpointId.eq(endpoint.id.as_str()))
                .filter(D::Status.eq(PENDING))
                .exec(&txn)
                .await?;
            let tenant = Tenant {
                org_id: OrgId::from_db(endpoint.org_id.clone()),
                environment: endpoint.environment,
            };
            audit::record(
                &txn,
                &tenant,
                &Actor::System,
                Change {
                    action: "webhook.disabled",
                    resource_type: "webhook",
                    resource_id: &endpoint.id,
                    changes: Some(json!({
                        "is_active": { "from": true, "to": false },
                        "reason": reason,
                    })),
                },
            )
            .await?;
            tracing::warn!(endpoint_id = %endpoint.id, org_id = %endpoint.org_id, %reason, "webhook endpoint turned off");
        }
        txn.commit().await
    }
}
