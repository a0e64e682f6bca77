//! The request log and the audit log.

use chrono::{DateTime, Utc};
use companin_entity::{audit_log, request_log};
use poem_openapi::Object;

use super::list_type;

/// One API request.
#[derive(Debug, Object)]
pub struct RequestLogEntry {
    pub id: i64,
    pub time: DateTime<Utc>,
    pub method: String,
    /// The route template, e.g. `/api/v1/clients/{id}`.
    pub route: String,
    pub status: u16,
    pub latency_ms: f64,
    pub client_id: Option<String>,
    pub request_id: String,
}

impl From<request_log::Model> for RequestLogEntry {
    fn from(m: request_log::Model) -> Self {
        RequestLogEntry {
            id: m.id,
            time: m.created_at,
            method: m.method,
            route: m.route,
            status: u16::try_from(m.status).unwrap_or_default(),
            latency_ms: m.latency_ms,
            client_id: m.client_id,
            request_id: m.request_id,
        }
    }
}

list_type!(
    /// A page of request log entries, newest first.
    RequestLogList,
    RequestLogEntry
);

/// Who made a change.
#[derive(Debug, Object)]
pub struct Actor {
    /// `client` (an API credential), `member` (a team member in the console), `operator`
    /// (admin routes), `cli`, or `system` (the sandbox's sample data).
    #[oai(rename = "type")]
    pub actor_type: String,
    /// The acting client, when `type` is `client`.
    pub client_id: Option<String>,
    /// The acting team member, when `type` is `member`.
    pub member_id: Option<String>,
}

/// One change to a resource.
#[derive(Debug, Object)]
pub struct AuditLogEntry {
    pub id: String,
    pub time: DateTime<Utc>,
    pub actor: Actor,
    /// `<resource>.<verb>`, e.g. `client.created`, `client.secret_rotated`.
    pub action: String,
    pub resource_type: String,
    pub resource_id: String,
    /// Changed fields as `{"field": {"from": .., "to": ..}}`; secrets never appear.
    pub changes: Option<serde_json::Value>,
    pub request_id: Option<String>,
}

impl From<audit_log::Model> for AuditLogEntry {
    fn from(m: audit_log::Model) -> Self {
        AuditLogEntry {
            id: m.id,
            time: m.created_at,
            // The stored row names a member where it would name a client.
            actor: if m.actor_type == "member" {
                Actor {
                    actor_type: m.actor_type,
                    client_id: None,
                    member_id: m.actor_client_id,
                }
            } else {
                Actor {
                    actor_type: m.actor_type,
                    client_id: m.actor_client_id,
                    member_id: None,
                }
            },
            action: m.action,
            resource_type: m.resource_type,
            resource_id: m.resource_id,
            changes: m.changes,
            request_id: m.request_id,
        }
    }
}

list_type!(
    /// A page of audit log entries, newest first.
    AuditLogList,
    AuditLogEntry
);
