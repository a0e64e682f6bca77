//! Raising alerts from rate-limit events: one per tenant, window and kind, and only for
//! tenants with an alert webhook; and the `ratelimit.*` events of the event webhooks. Both
//! are webhook deliveries whose event id names the tenant, window and kind: the unique index
//! on `(endpoint_id, event_id, sequence)` makes "once per window" hold across processes, and
//! the statement is a no-op for every later event of the same window.

use chrono::{DateTime, Utc};
use companin_entity::Environment;
use sea_orm::{ConnectionTrait, DbErr, Statement};
use serde_json::json;

use companin_entity::webhook_event::{PENDING, new_id};

use super::ENDPOINT;
use crate::rate_limit::Period;

const INSERT: &str = r#"
INSERT INTO webhook_deliveries
    (id, org_id, environment, endpoint_id, event_id, event_type, sequence, payload, status,
     attempts, next_attempt_at, created_at)
SELECT $1, $2, $3, $4, $5, $6, 0, $7, $8, 0, $9, $9
FROM environments
WHERE org_id = $2 AND environment = $3 AND alert_webhook_url IS NOT NULL
ON CONFLICT (endpoint_id, event_id, sequence) DO NOTHING
"#;

fn unix(secs: i64) -> String {
    DateTime::<Utc>::from_timestamp(secs, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A rate-limit event that may raise an alert.
#[derive(Debug, Clone)]
pub struct Threshold {
    pub org_id: String,
    pub environment: Environment,
    /// `warning` or `blocked`.
    pub kind: String,
    /// The hourly limit's window or the daily quota's.
    pub period: Period,
    pub window_start: i64,
    pub limit: i64,
    pub used: i64,
    /// The client whose request passed the threshold.
    pub client_id: String,
    pub at: DateTime<Utc>,
}

impl Threshold {
    /// The alert's kind: the event's for the hourly limit (`warning`, `blocked`), prefixed
    /// `daily_` for the daily quota, so each window alerts once.
    pub fn alert_kind(&self) -> String {
        match self.period {
            Period::Hour => self.kind.clone(),
            Period::Day => format!("daily_{}", self.kind),
        }
    }

    /// The alert's id: tenant, window and kind.
    pub fn alert_id(&self) -> String {
        format!(
            "alert_{}_{}_{}_{}",
            self.org_id,
            self.environment.as_str(),
            self.window_start,
            self.alert_kind()
        )
    }

    /// The body posted: stable field names, the window, and who passed the threshold.
    pub fn payload(&self) -> String {
        let kind = self.alert_kind();
        json!({
            "id": self.alert_id(),
            "type": format!("rate_limit.{kind}"),
            "window": self.period.as_str(),
            "org_id": self.org_id,
            "environment": self.environment.as_str(),
            "window_start": unix(self.window_start),
            "window_reset": unix(self.window_start + self.period.secs()),
            "limit": self.limit,
            "used": self.used,
            "client_id": self.client_id,
            "occurred_at": self.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        })
        .to_string()
    }
}

/// Queues `ratelimit.warning` / `ratelimit.blocked` webhook events for the thresholds passed
/// (inside the caller's transaction). The event id names the tenant, window and kind, so a
/// threshold seen again (by this process or another) is delivered once per endpoint.
pub async fn emit_events(conn: &impl ConnectionTrait, events: &[Threshold]) -> Result<(), DbErr> {
    let mut seen = std::collections::HashSet::new();
    for event in events {
        let kind = event.alert_kind();
        let id = format!(
            "evt_ratelimit_{}_{}_{}_{}",
            event.org_id, event.environment, event.window_start, kind
        );
        if !seen.insert(id.clone()) {
            continue;
        }
        let data = json!({
            "window": event.period.as_str(),
            "window_start": unix(event.window_start),
            "window_reset": unix(event.window_start + event.period.secs()),
            "limit": event.limit,
            "used": event.used,
            "client_id": event.client_id,
            "occurred_at": event.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        });
        let event_type = format!("ratelimit.{}", event.kind);
        companin_entity::webhook_event::emit_as(
            conn,
            &id,
            &event.org_id,
            event.environment,
            &event_type,
            data,
        )
        .await?;
    }
    Ok(())
}

/// Queues the alerts of `events` (inside the caller's transaction).
pub async fn raise(conn: &impl ConnectionTrait, events: &[Threshold]) -> Result<(), DbErr> {
    let backend = conn.get_database_backend();
    let sql = crate::db::placeholders(backend, INSERT);
    // Within a batch, only the first event of each window and kind can raise an alert.
    let mut seen = std::collections::HashSet::new();
    for event in events {
        let kind = event.alert_kind();
        let key = (
            event.org_id.clone(),
            event.environment,
            kind.clone(),
            event.window_start,
        );
        if !seen.insert(key) {
            continue;
        }
        conn.execute_raw(Statement::from_sql_and_values(
            backend,
            sql.clone(),
            [
                new_id("whd_").into(),
                event.org_id.as_str().into(),
                event.environment.as_str().into(),
                ENDPOINT.into(),
                event.alert_id().into(),
                format!("rate_limit.{kind}").into(),
                event.payload().into(),
                PENDING.into(),
                crate::db::now().into(),
            ],
        ))
        .await?;
    }
    Ok(())
}
