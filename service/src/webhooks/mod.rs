//! Event webhooks: a tenant's endpoints (URL, event types, signing secret), the deliveries the
//! workers make to them ([`deliver`]), and redelivery on demand.
//!
//! Events are written as deliveries by `companin_entity::webhook_event::emit` in the
//! transaction of the change they report. Each is posted as the JSON envelope
//! `{id, type, created_at, org_id, environment, data}`, signed as Standard Webhooks say
//! ([`sign`]).

pub mod deliver;

use base64::Engine;
use companin_entity::webhook_event::{EVENT_TYPES, PENDING, new_id};
use companin_entity::{webhook_delivery, webhook_endpoint};
use rand::RngCore;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::{Value, json};

use crate::audit::{self, Change};
use crate::auth::seal::SecretSeal;
use crate::error::ApiError;
use crate::{Actor, Paging, Tenant};

/// Most endpoints per tenant.
pub const MAX_ENDPOINTS: u64 = 20;
/// Longest description.
pub const MAX_DESCRIPTION_CHARS: usize = 500;

/// A new signing secret: `whsec_` and 32 random bytes, base64 (Standard Webhooks' form).
fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

/// The `webhook-signature` header of a message: `v1,` and the base64 HMAC-SHA256 of
/// `{id}.{timestamp}.{body}`, keyed with the secret's bytes (the base64 after `whsec_`).
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &str) -> String {
    let encoded = secret.strip_prefix("whsec_").unwrap_or(secret);
    let key = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .unwrap_or_else(|_| encoded.as_bytes().to_vec());
    let message = format!("{id}.{timestamp}.{body}");
    let mac = crate::auth::credentials::hmac_bytes(&key, message.as_bytes());
    format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac)
    )
}

/// An endpoint to create.
#[derive(Debug)]
pub struct NewEndpoint {
    pub url: String,
    pub events: Vec<String>,
    pub description: Option<String>,
    pub is_active: Option<bool>,
}

/// Changes to an endpoint; absent fields stay as they are.
#[derive(Debug, Default)]
pub struct EndpointPatch {
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    pub description: Option<Option<String>>,
    pub is_active: Option<bool>,
}

/// The event types asked for: known, none twice, at least one.
fn clean_events(events: Vec<String>) -> Result<Vec<String>, ApiError> {
    let mut out: Vec<String> = Vec::new();
    for event in events {
        let event = event.trim().to_owned();
        if !EVENT_TYPES.contains(&event.as_str()) {
            return Err(ApiError::validation(
                "events",
                format!(
                    "{event:?} is not an event type; the types are {}",
                    EVENT_TYPES.join(", ")
                ),
            ));
        }
        if !out.contains(&event) {
            out.push(event);
        }
    }
    if out.is_empty() {
        return Err(ApiError::validation(
            "events",
            "must name at least one event type",
        ));
    }
    Ok(out)
}

fn clean_description(description: Option<String>) -> Result<Option<String>, ApiError> {
    let description = description
        .map(|d| d.trim().to_owned())
        .filter(|d| !d.is_empty());
    if description
        .as_ref()
        .is_some_and(|d| d.chars().count() > MAX_DESCRIPTION_CHARS)
    {
        return Err(ApiError::validation(
            "description",
            format!("must be at most {MAX_DESCRIPTION_CHARS} characters"),
        ));
    }
    Ok(description)
}

fn not_found() -> ApiError {
    ApiError::not_found("webhook")
}

/// The tenant's endpoint with this id, or 404.
pub async fn get(
    conn: &impl ConnectionTrait,
    tenant: &Tenant,
    id: &str,
) -> Result<webhook_endpoint::Model, ApiError> {
    webhook_endpoint::Entity::find_by_id(id.trim())
        .filter(tenant.rows::<webhook_endpoint::Column>())
        .one(conn)
        .await?
        .ok_or_else(not_found)
}

/// Creates an endpoint; answers it with its secret, shown this once.
pub async fn create(
    db: &DatabaseConnection,
    (tenant, seal): (&Tenant, &SecretSeal),
    actor: &Actor,
    allow_private: bool,
    new: NewEndpoint,
) -> Result<(webhook_endpoint::Model, String), ApiError> {
    let url = crate::alerts::validate_url(new.url.trim(), allow_private).await?;
    let events = clean_events(new.events)?;
    let description = clean_description(new.description)?;
    let txn = crate::db::begin_write(db).await?;
    let count = webhook_endpoint::Entity::find()
        .filter(tenant.rows::<webhook_endpoint::Column>())
        .count(&txn)
        .await?;
    if count >= MAX_ENDPOINTS {
        return Err(ApiError::validation(
            "url",
            format!("an environment has at most {MAX_ENDPOINTS} webhook endpoints"),
        ));
    }
    let secret = new_secret();
    let now = crate::db::now();
    let row = webhook_endpoint::Model {
        id: new_id("whe_"),
        org_id: tenant.org_id.to_string(),
        environment: tenant.environment,
        url,
        description,
        events: json!(events),
        secret_sealed: seal.seal(&secret),
        is_active: new.is_active.unwrap_or(true),
        disabled_reason: None,
        failing_since: None,
        created_at: now,
        updated_at: now,
    };
    webhook_endpoint::Entity::insert(webhook_endpoint::ActiveModel::from(row.clone()))
        .exec_without_returning(&txn)
        .await?;
    audit::commit_change(
        txn,
        tenant,
        actor,
        Change {
            action: "webhook.created",
            resource_type: "webhook",
            resource_id: &row.id,
            changes: Some(json!({
                "url": { "to": row.url },
                "events": { "to": row.events },
                "is_active": { "to": row.is_active },
            })),
        },
    )
    .await?;
    Ok((row, secret))
}

/// A page of the tenant's endpoints, newest first.
pub async fn list(
    conn: &impl ConnectionTrait,
    tenant: &Tenant,
    paging: Paging,
) -> Result<(Vec<webhook_endpoint::Model>, u64), ApiError> {
    use webhook_endpoint::Column as C;
    let query = webhook_endpoint::Entity::find().filter(tenant.rows::<C>());
    Ok(crate::page(conn, query, C::CreatedAt, C::Id, paging).await?)
}

/// Changes an endpoint. Turning it on again clears what turned it off.
pub async fn update(
    db: &DatabaseConnection,
    tenant: &Tenant,
    actor: &Actor,
    allow_private: bool,
    id: &str,
    patch: EndpointPatch,
) -> Result<webhook_endpoint::Model, ApiError> {
    let url = match patch.url {
        Some(url) => Some(crate::alerts::validate_url(url.trim(), allow_private).await?),
        None => None,
    };
    let events = patch.events.map(clean_events).transpose()?;
    let description = patch.description.map(clean_description).transpose()?;
    let txn = crate::db::begin_write(db).await?;
    let current = get(&txn, tenant, id).await?;
    let mut active: webhook_endpoint::ActiveModel = current.clone().into();
    let mut changes = serde_json::Map::new();
    if let Some(url) = url.filter(|u| *u != current.url) {
        changes.insert("url".into(), json!({ "from": current.url, "to": url }));
        active.url = Set(url);
    }
    if let Some(events) = events.map(|e| json!(e)).filter(|e| *e != current.events) {
        changes.insert(
            "events".into(),
            json!({ "from": current.events, "to": events }),
        );
        active.events = Set(events);
    }
    if let Some(description) = description.filter(|d| *d != current.description) {
        changes.insert(
            "description".into(),
            json!({ "from": current.description, "to": description }),
        );
        active.description = Set(description);
    }
    if let Some(on) = patch.is_active.filter(|on| *on != current.is_active) {
        changes.insert(
            "is_active".into(),
            json!({ "from": current.is_active, "to": on }),
        );
        active.is_active = Set(on);
        if on {
            active.disabled_reason = Set(None);
            active.failing_since = Set(None);
        }
    }
    if changes.is_empty() {
        return Ok(current);
    }
    active.updated_at = Set(crate::db::now());
    let updated = active.update(&txn).await?;
    audit::commit_change(
        txn,
        tenant,
        actor,
        Change {
            action: "webhook.updated",
            resource_type: "webhook",
            resource_id: &updated.id,
            changes: Some(Value::Object(changes)),
        },
    )
    .await?;
    Ok(updated)
}

/// Replaces an endpoint's signing secret; answers the new one, shown this once.
pub async fn rotate_secret(
    db: &DatabaseConnection,
    (tenant, seal): (&Tenant, &SecretSeal),
    actor: &Actor,
    id: &str,
) -> Result<(webhook_endpoint::Model, String), ApiError> {
    let txn = crate::db::begin_write(db).await?;
    let current = get(&txn, tenant, id).await?;
    let secret = new_secret();
    let mut active: webhook_endpoint::ActiveModel = current.into();
    active.secret_sealed = Set(seal.seal(&secret));
    active.updated_at = Set(crate::db::now());
    let updated = active.update(&txn).await?;
    audit::commit_change(
        txn,
        tenant,
        actor,
        Change {
            action: "webhook.secret_rotated",
            resource_type: "webhook",
            resource_id: &updated.id,
            // The secret itself never reaches the audit log.
            changes: Some(json!({ "secret": { "rotated": true } })),
        },
    )
    .await?;
    Ok((updated, secret))
}

/// Deletes an endpoint and its deliveries (those waiting are never sent).
pub async fn delete(
    db: &DatabaseConnection,
    tenant: &Tenant,
    actor: &Actor,
    id: &str,
) -> Result<(), ApiError> {
    let txn = crate::db::begin_write(db).await?;
    let current = get(&txn, tenant, id).await?;
    webhook_delivery::Entity::delete_many()
        .filter(tenant.rows::<webhook_delivery::Column>())
        .filter(webhook_delivery::Column::EndpointId.eq(current.id.as_str()))
        .exec(&txn)
        .await?;
    webhook_endpoint::Entity::delete_by_id(current.id.as_str())
        .exec(&txn)
        .await?;
    audit::commit_change(
        txn,
        tenant,
        actor,
        Change {
            action: "webhook.deleted",
            resource_type: "webhook",
            resource_id: &current.id,
            changes: Some(json!({ "url": { "from": current.url, "to": null } })),
        },
    )
    .await?;
    Ok(())
}

/// Filters of an endpoint's deliveries.
#[derive(Debug, Default)]
pub struct DeliveryFilter {
    /// `pending`, `delivered` or `failed`.
    pub status: Option<String>,
    pub event_type: Option<String>,
}

/// A page of an endpoint's deliveries, newest first.
pub async fn deliveries(
    conn: &impl ConnectionTrait,
    tenant: &Tenant,
    endpoint_id: &str,
    filter: DeliveryFilter,
    paging: Paging,
) -> Result<(Vec<webhook_delivery::Model>, u64), ApiError> {
    use webhook_delivery::Column as C;
    let endpoint = get(conn, tenant, endpoint_id).await?;
    let mut query = webhook_delivery::Entity::find()
        .filter(tenant.rows::<C>())
        .filter(C::EndpointId.eq(endpoint.id.as_str()));
    if let Some(status) = filter.status {
        query = query.filter(C::Status.eq(status));
    }
    if let Some(event_type) = filter.event_type {
        query = query.filter(C::EventType.eq(event_type));
    }
    Ok(crate::page(conn, query, C::CreatedAt, C::Id, paging).await?)
}

/// Sends an event to the endpoint again, now: a new delivery of the same event (same id and
/// body, so the receiver can tell it already has it).
pub async fn redeliver(
    db: &DatabaseConnection,
    tenant: &Tenant,
    actor: &Actor,
    endpoint_id: &str,
    delivery_id: &str,
) -> Result<webhook_delivery::Model, ApiError> {
    use webhook_delivery::Column as C;
    let txn = crate::db::begin_write(db).await?;
    let endpoint = get(&txn, tenant, endpoint_id).await?;
    let original = webhook_delivery::Entity::find_by_id(delivery_id.trim())
        .filter(tenant.rows::<C>())
        .filter(C::EndpointId.eq(endpoint.id.as_str()))
        .one(&txn)
        .await?
        .ok_or_else(|| ApiError::not_found("delivery"))?;
    let last: Option<i32> = webhook_delivery::Entity::find()
        .select_only()
        .column(C::Sequence)
        .filter(C::EndpointId.eq(endpoint.id.as_str()))
        .filter(C::EventId.eq(original.event_id.as_str()))
        .order_by_desc(C::Sequence)
        .into_tuple()
        .one(&txn)
        .await?;
    let now = crate::db::now();
    let row = webhook_delivery::Model {
        id: new_id("whd_"),
        sequence: last.unwrap_or(0) + 1,
        status: PENDING.to_owned(),
        attempts: 0,
        next_attempt_at: now,
        locked_until: None,
        response_status: None,
        last_error: None,
        duration_ms: None,
        created_at: now,
        last_attempt_at: None,
        delivered_at: None,
        ..original
    };
    webhook_delivery::Entity::insert(webhook_delivery::ActiveModel::from(row.clone()))
        .exec_without_returning(&txn)
        .await?;
    audit::commit_change(
        txn,
        tenant,
        actor,
        Change {
            action: "webhook.redelivered",
            resource_type: "webhook",
            resource_id: &endpoint.id,
            changes: Some(json!({
                "event_id": { "to": row.event_id },
                "delivery_id": { "to": row.id },
            })),
        },
    )
    .await?;
    Ok(row)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_follow_standard_webhooks() {
        // The example of the Standard Webhooks specification.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            sign(secret, id, 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn event_types_are_checked_and_deduplicated() {
        let events = clean_events(vec![
            "message.created".into(),
            " message.created ".into(),
            "knowledge.ready".into(),
        ])
        .unwrap();
        assert_eq!(events, ["message.created", "knowledge.ready"]);
        let err = clean_events(vec!["message.sent".into()]).unwrap_err();
        assert!(err.detail.contains("message.sent"), "{}", err.detail);
        assert!(clean_events(vec![]).is_err());
    }

    #[test]
    fn secrets_have_the_standard_form() {
        let secret = new_secret();
        let key = secret.strip_prefix("whsec_").unwrap();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(key)
            .unwrap();
        assert_eq!(bytes.len(), 32);
        assert_ne!(secret, new_secret());
    }
}
