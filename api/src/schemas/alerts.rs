//! The rate-limit alert webhook and its deliveries.

use chrono::{DateTime, Utc};
use companin_entity::webhook_delivery;
use companin_entity::webhook_event::PENDING;
use companin_service::alerts;
use poem_openapi::Object;

use super::list_type;

/// Where rate-limit alerts go. Each alert is a JSON `POST` signed with the secret: header
/// `X-Companin-Signature` is the hex HMAC-SHA256 of the raw body keyed with `secret`.
#[derive(Debug, Object)]
pub struct AlertWebhook {
    /// `null` while no webhook is set.
    pub url: Option<String>,
    /// The signing key, `whsec_` and 64 hex digits.
    pub secret: Option<String>,
    /// The events posted: `rate_limit.warning` (80 % of the window's limit passed) and
    /// `rate_limit.blocked` (the first refusal of the window), each at most once per window.
    pub events: Vec<String>,
}

impl From<alerts::Webhook> for AlertWebhook {
    fn from(w: alerts::Webhook) -> Self {
        AlertWebhook {
            url: w.url,
            secret: w.secret,
            events: alerts::EVENTS.iter().map(|e| e.to_string()).collect(),
        }
    }
}

/// Setting the webhook.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct SetAlertWebhook {
    /// An `http` or `https` URL.
    #[oai(validator(min_length = 1, max_length = 2048))]
    pub url: String,
}

/// One alert and how its delivery went.
#[derive(Debug, Object)]
pub struct AlertDelivery {
    /// The delivery (`whd_…`): alerts are deliveries of the event webhooks' sender.
    pub id: String,
    /// `rate_limit.warning` or `rate_limit.blocked`.
    #[oai(rename = "type")]
    pub event: String,
    pub window_start: DateTime<Utc>,
    /// `pending`, `delivered` or `failed` (every attempt failed).
    pub status: String,
    pub attempts: i32,
    /// The receiver's HTTP status at the latest attempt.
    pub response_status: Option<i32>,
    pub last_error: Option<String>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
    /// The JSON body posted.
    pub payload: serde_json::Value,
}

impl From<webhook_delivery::Model> for AlertDelivery {
    fn from(m: webhook_delivery::Model) -> Self {
        let payload: serde_json::Value =
            serde_json::from_str(&m.payload).unwrap_or(serde_json::Value::Null);
        let window_start = payload["window_start"]
            .as_str()
            .and_then(|at| DateTime::parse_from_rfc3339(at).ok())
            .map(|at| at.with_timezone(&Utc))
            .unwrap_or_default();
        AlertDelivery {
            id: m.id,
            event: m.event_type,
            window_start,
            next_attempt_at: (m.status == PENDING).then_some(m.next_attempt_at),
            status: m.status,
            attempts: m.attempts,
            response_status: m.response_status,
            last_error: m.last_error,
            created_at: m.created_at,
            delivered_at: m.delivered_at,
            payload,
        }
    }
}

list_type!(
    /// A page of alerts, newest first.
    AlertDeliveryList,
    AlertDelivery
);
