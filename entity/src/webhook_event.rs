//! Emitting a webhook event: one pending delivery per active endpoint of the tenant that asked
//! for the event's type, written in the caller's transaction (so an event is sent only if the
//! change it reports committed, and is never lost after it did). The workers deliver them.

use chrono::SecondsFormat;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, QueryFilter, Statement};
use serde_json::{Value, json};

use crate::{Environment, KnowledgeStatus, knowledge_item, webhook_endpoint};

/// Every event type an endpoint may ask for.
pub const EVENT_TYPES: [&str; 10] = [
    "conversation.created",
    "message.created",
    "feedback.created",
    "session.created",
    "session.ended",
    "knowledge.ready",
    "knowledge.failed",
    "knowledge.synced",
    "ratelimit.warning",
    "ratelimit.blocked",
];

/// A delivery waiting for its first attempt.
pub const PENDING: &str = "pending";

const INSERT: &str = "INSERT INTO webhook_deliveries \
    (id, org_id, environment, endpoint_id, event_id, event_type, sequence, payload, status, \
     attempts, next_attempt_at, created_at) \
    VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8, 0, $9, $9) \
    ON CONFLICT (endpoint_id, event_id, sequence) DO NOTHING";

/// A new id with `prefix`, time-ordered.
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}{}", uuid::Uuid::now_v7().simple())
}

/// The envelope every event is posted in.
pub fn envelope(
    id: &str,
    event_type: &str,
    at: chrono::DateTime<chrono::Utc>,
    org_id: &str,
    environment: Environment,
    data: Value,
) -> Value {
    json!({
        "id": id,
        "type": event_type,
        "created_at": at.to_rfc3339_opts(SecondsFormat::Micros, true),
        "org_id": org_id,
        "environment": environment.as_str(),
        "data": data,
    })
}

/// Queues the event `event_type` with `data` for the tenant's endpoints that asked for it,
/// under a new event id.
pub async fn emit(
    conn: &impl ConnectionTrait,
    org_id: &str,
    environment: Environment,
    event_type: &str,
    data: Value,
) -> Result<(), DbErr> {
    emit_as(conn, &new_id("evt_"), org_id, environment, event_type, data).await
}

/// Like [`emit`], under the event id `event_id`: an event emitted twice with one id (a
/// rate-limit threshold seen by two processes) is delivered once per endpoint.
pub async fn emit_as(
    conn: &impl ConnectionTrait,
    event_id: &str,
    org_id: &str,
    environment: Environment,
    event_type: &str,
    data: Value,
) -> Result<(), DbErr> {
    use sea_orm::ColumnTrait;
    use webhook_endpoint::Column as C;
    let endpoints = webhook_endpoint::Entity::find()
        .filter(C::OrgId.eq(org_id))
        .filter(C::Environment.eq(environment))
        .filter(C::IsActive.eq(true))
        .all(conn)
        .await?;
    let wanted = |e: &webhook_endpoint::Model| {
        e.events
            .as_array()
            .is_some_and(|types| types.iter().any(|t| t.as_str() == Some(event_type)))
    };
    let now = crate::db::now();
    let mut payload = None;
    let backend = conn.get_database_backend();
    for endpoint in endpoints.iter().filter(|e| wanted(e)) {
        let body = payload.get_or_insert_with(|| {
            envelope(event_id, event_type, now, org_id, environment, data.clone()).to_string()
        });
        conn.execute_raw(Statement::from_sql_and_values(
            backend,
            crate::db::placeholders(backend, INSERT),
            [
                new_id("whd_").into(),
                org_id.into(),
                environment.as_str().into(),
                endpoint.id.as_str().into(),
                event_id.into(),
                event_type.into(),
                body.as_str().into(),
                PENDING.into(),
                now.into(),
            ],
        ))
        .await?;
    }
    Ok(())
}

/// A knowledge item as its webhook events carry it.
pub fn knowledge_data(item: &knowledge_item::Model) -> Value {
    json!({
        "id": item.id,
        "type": item.kind,
        "title": item.title,
        "source": item.source,
        "status": item.status.as_str(),
        "error": item.error,
        "chunk_count": item.chunk_count,
        "version": item.version,
        "language": item.language,
        "updated_at": item.updated_at,
    })
}

/// `knowledge.ready` or `knowledge.failed` for an item that has just become so; nothing for
/// other states.
pub async fn emit_knowledge_status(
    conn: &impl ConnectionTrait,
    item: &knowledge_item::Model,
) -> Result<(), DbErr> {
    let event_type = match item.status {
        KnowledgeStatus::Ready => "knowledge.ready",
        KnowledgeStatus::Failed => "knowledge.failed",
        _ => return Ok(()),
    };
    emit(
        conn,
        &item.org_id,
        item.environment,
        event_type,
        knowledge_data(item),
    )
    .await
}
