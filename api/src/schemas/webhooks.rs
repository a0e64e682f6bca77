//! Event webhooks: endpoints and their deliveries.

use chrono::{DateTime, Utc};
use companin_entity::webhook_event::PENDING;
use companin_entity::{webhook_delivery, webhook_endpoint};
use poem_openapi::Object;

use super::list_type;

/// Where events are posted. Each event is a JSON `POST` of the envelope
/// `{id, type, created_at, org_id, environment, data}`, signed as Standard Webhooks say:
/// headers `webhook-id` (the event id), `webhook-timestamp` (unix seconds) and
/// `webhook-signature` (`v1,` and the base64 HMAC-SHA256 of `{id}.{timestamp}.{body}` keyed
/// with the secret's bytes, the base64 after `whsec_`).
#[derive(Debug, Object)]
pub struct WebhookEndpoint {
    /// `whe_…`.
    pub id: String,
    pub url: String,
    pub description: Option<String>,
    /// The event types posted to it.
    pub events: Vec<String>,
    /// `false` when turned off, by the organization or by the server after a day of failures
    /// (`disabled_reason` says so); `PATCH {"is_active": true}` turns it on again.
    pub is_active: bool,
    pub disabled_reason: Option<String>,
    /// The first failed delivery since the last successful one.
    pub failing_since: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<webhook_endpoint::Model> for WebhookEndpoint {
    fn from(m: webhook_endpoint::Model) -> Self {
        WebhookEndpoint {
            id: m.id,
            url: m.url,
            description: m.description,
            events: serde_json::from_value(m.events).unwrap_or_default(),
            is_active: m.is_active,
            disabled_reason: m.disabled_reason,
            failing_since: m.failing_since,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// An endpoint with its signing secret, answered once by create and by rotate-secret.
#[derive(Debug, Object)]
pub struct WebhookEndpointWithSecret {
    #[oai(flatten)]
    pub endpoint: WebhookEndpoint,
    /// `whsec_` and 32 random bytes, base64. Shown only now; store it safely.
    pub secret: String,
}

/// A new endpoint.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct CreateWebhookEndpoint {
    /// An `http` or `https` URL with a public host (unless private networks are allowed).
    #[oai(validator(min_length = 1, max_length = 2048))]
    pub url: String,
    /// Event types: `conversation.created`, `message.created`, `feedback.created`,
    /// `session.created`, `session.ended`, `knowledge.ready`, `knowledge.failed`,
    /// `knowledge.synced`, `ratelimit.warning`, `ratelimit.blocked`.
    #[oai(validator(min_items = 1, max_items = 20))]
    pub events: Vec<String>,
    #[oai(validator(max_length = 500))]
    pub description: Option<String>,
    /// Defaults to `true`.
    pub is_active: Option<bool>,
}

/// Changes to an endpoint; absent fields stay as they are.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct UpdateWebhookEndpoint {
    #[oai(validator(min_length = 1, max_length = 2048))]
    pub url: Option<String>,
    #[oai(validator(min_items = 1, max_items = 20))]
    pub events: Option<Vec<String>>,
    /// An empty string removes it.
    #[oai(validator(max_length = 500))]
    pub description: Option<String>,
    /// `true` turns a turned-off endpoint on again (clearing `disabled_reason`).
    pub is_active: Option<bool>,
}

list_type!(
    /// A page of webhook endpoints, newest first.
    WebhookEndpointList,
    WebhookEndpoint
);

/// One event for one endpoint, and how its delivery went.
#[derive(Debug, Object)]
pub struct WebhookDelivery {
    /// `whd_…`.
    pub id: String,
    pub endpoint_id: String,
    /// The event's id: the `webhook-id` header, the same on every attempt and redelivery.
    pub event_id: String,
    pub event_type: String,
    /// `pending`, `delivered` or `failed` (retried for a day, or the endpoint was turned off).
    pub status: String,
    pub attempts: i32,
    /// The receiver's HTTP status at the latest attempt.
    pub response_status: Option<i32>,
    pub last_error: Option<String>,
    /// How long the latest attempt took.
    pub duration_ms: Option<i32>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    /// The JSON body posted.
    pub payload: serde_json::Value,
}

impl From<webhook_delivery::Model> for WebhookDelivery {
    fn from(m: webhook_delivery::Model) -> Self {
        WebhookDelivery {
            next_attempt_at: (m.status == PENDING).then_some(m.next_attempt_at),
            id: m.id,
            endpoint_id: m.endpoint_id,
            event_id: m.event_id,
            event_type: m.event_type,
            status: m.status,
            attempts: m.attempts,
            response_status: m.response_status,
            last_error: m.last_error,
            duration_ms: m.duration_ms,
            created_at: m.created_at,
            last_attempt_at: m.last_attempt_at,
            delivered_at: m.delivered_at,
            payload: serde_json::from_str(&m.payload).unwrap_or(serde_json::Value::Null),
        }
    }
}

list_type!(
    /// A page of an endpoint's deliveries, newest first.
    WebhookDeliveryList,
    WebhookDelivery
);
