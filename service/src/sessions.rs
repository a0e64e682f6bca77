//! Visitor sessions: created for an active assistant, bounded in time, ended explicitly or by
//! expiry.

use chrono::{DateTime, Duration, Utc};
use companin_config::SessionSettings;
use companin_entity::{session, webhook_event};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter, Set,
};
use serde_json::{Map, Value, json};

use super::audit::{self, Change};
use super::{Actor, Tenant, assistants, check_object, clean_identifier, merge_object};
use crate::Paging;
use crate::error::{ApiError, ErrorCode};
use crate::ids::{SessionId, VisitorId};

/// Most keys in a session's metadata.
pub const MAX_METADATA_KEYS: usize = 100;
/// Largest metadata, as JSON.
pub const MAX_METADATA_BYTES: usize = 16 * 1024;

/// Where a session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Active,
    Expired,
    Ended,
}

/// The status of a session at `now`.
pub fn status(s: &session::Model, now: DateTime<Utc>) -> Status {
    if s.ended_at.is_some() {
        Status::Ended
    } else if s.expires_at <= now {
        Status::Expired
    } else {
        Status::Active
    }
}

/// 410 unless the session is active.
pub fn ensure_active(s: &session::Model, now: DateTime<Utc>) -> Result<(), ApiError> {
    let why = match status(s, now) {
        Status::Active => return Ok(()),
        Status::Expired => "the session expired",
        Status::Ended => "the session has ended",
    };
    Err(ApiError::new(
        ErrorCode::SessionExpired,
        format!("{why}; start a new session"),
    ))
}

fn lifetime(settings: &SessionSettings, expires_in: Option<u64>) -> Result<Duration, ApiError> {
    let secs = expires_in.unwrap_or(settings.default_ttl_secs);
    if secs == 0 || secs > settings.max_ttl_secs {
        return Err(ApiError::validation(
            "expires_in",
            format!("must be between 1 and {} seconds", settings.max_ttl_secs),
        ));
    }
    Ok(Duration::seconds(i64::try_from(secs).unwrap_or(i64::MAX)))
}

fn metadata(value: Option<Map<String, Value>>) -> Result<Map<String, Value>, ApiError> {
    let mut object = Map::new();
    merge_object(&mut object, value.unwrap_or_default());
    check_object("metadata", &object, MAX_METADATA_KEYS, MAX_METADATA_BYTES)?;
    Ok(object)
}

/// A session to create.
#[derive(Debug, Default)]
pub struct NewSession {
    pub assistant_id: String,
    pub visitor_id: Option<String>,
    pub user_id: Option<String>,
    pub locale: Option<String>,
    pub metadata: Option<Map<String, Value>>,
    pub expires_in: Option<u64>,
}

pub async fn create(
    db: &DatabaseConnection,
    settings: &SessionSettings,
    tenant: &Tenant,
    actor: &Actor,
    new: NewSession,
) -> Result<session::Model, ApiError> {
    let visitor_id = match new.visitor_id {
        Some(v) => clean_identifier("visitor_id", &v)?,
        None => VisitorId::generate().into_string(),
    };
    let user_id = new
        .user_id
        .map(|u| clean_identifier("user_id", &u))
        .transpose()?;
    let locale = new
        .locale
        .map(|l| assistants::config::normalize_tag("locale", &l))
        .transpose()?;
    let metadata = metadata(new.metadata)?;
    let ttl = lifetime(settings, new.expires_in)?;

    let txn = crate::db::begin_write(db).await?;
    let assistant = assistants::get(&txn, tenant, new.assistant_id.trim()).await?;
    if !assistant.is_active {
        return Err(ApiError::new(
            ErrorCode::AssistantInactive,
            "the assistant is inactive and takes no new sessions",
        ));
    }
    let now = crate::db::now();
    let row = session::Model {
        id: SessionId::generate().into_string(),
        org_id: tenant.org_id.to_string(),
        environment: tenant.environment,
        assistant_id: assistant.id,
        visitor_id,
        user_id,
        locale,
        metadata: Value::Object(metadata),
        created_at: now,
        updated_at: now,
        expires_at: now + ttl,
        last_activity_at: now,
        ended_at: None,
    };
    session::Entity::insert(row.clone().into_active_model())
        .exec_without_returning(&txn)
        .await?;
    webhook_event::emit(
        &txn,
        &row.org_id,
        row.environment,
        "session.created",
        event_data(&row),
    )
    .await?;
    audit::commit_change(
        txn,
        tenant,
        actor,
        Change {
            action: "session.created",
            resource_type: "session",
            resource_id: &row.id,
            changes: Some(json!({
                "assistant_id": { "to": row.assistant_id },
                "visitor_id": { "to": row.visitor_id },
                "user_id": { "to": row.user_id },
                "expires_at": { "to": row.expires_at },
            })),
        },
    )
    .await?;
    Ok(row)
}

/// A session as its webhook events carry it.
fn event_data(s: &session::Model) -> Value {
    json!({
        "id": s.id,
        "assistant_id": s.assistant_id,
        "visitor_id": s.visitor_id,
        "user_id": s.user_id,
        "locale": s.locale,
        "metadata": s.metadata,
        "created_at": s.created_at,
        "expires_at": s.expires_at,
        "ended_at": s.ended_at,
    })
}

fn tenant_sessions(tenant: &Tenant) -> sea_orm::Select<session::Entity> {
    session::Entity::find().filter(tenant.rows::<session::Column>())
}

/// Filters of `GET /sessions/`.
#[derive(Debug, Default)]
pub struct Filter {
    pub assistant_id: Option<String>,
    pub visitor_id: Option<String>,
    pub user_id: Option<String>,
    /// `true`: neither ended nor expired; `false`: ended or expired.
    pub active: Option<bool>,
}

pub async fn list(
    db: &DatabaseConnection,
    tenant: &Tenant,
    filter: Filter,
    paging: Paging,
) -> Result<(Vec<session::Model>, u64), ApiError> {
    use session::Column as C;
    let mut query = tenant_sessions(tenant);
    if let Some(v) = filter.assistant_id {
        query = query.filter(C::AssistantId.eq(v));
    }
    if let Some(v) = filter.visitor_id {
        query = query.filter(C::VisitorId.eq(v));
    }
    if let Some(v) = filter.user_id {
        query = query.filter(C::UserId.eq(v));
    }
    let now = crate::db::now();
    match filter.active {
        Some(true) => {
            query = query
                .filter(C::EndedAt.is_null())
                .filter(C::ExpiresAt.gt(now));
        }
        Some(false) => {
            query = query.filter(
                Condition::any()
                    .add(C::EndedAt.is_not_null())
                    .add(C::ExpiresAt.lte(now)),
            );
        }
        None => {}
    }
    Ok(super::page(db, query, C::CreatedAt, C::Id, paging).await?)
}

/// The tenant's session with this id; 404 for other tenants' ids.
pub async fn get(
    conn: &impl ConnectionTrait,
    tenant: &Tenant,
    id: &str,
) -> Result<session::Model, ApiError> {
    tenant_sessions(tenant)
        .filter(session::Column::Id.eq(id))
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::not_found("session"))
}

/// Changes to a session.
#[derive(Debug, Default)]
pub struct Update {
    /// Merged into the metadata (a `null` value removes its key), or replacing it.
    pub metadata: Option<Map<String, Value>>,
    pub replace_metadata: bool,
    /// New lifetime, counted from now.
    pub expires_in: Option<u64>,
}

/// Changes an active session (410 otherwise); any change counts as activity.
pub async fn update(
    db: &DatabaseConnection,
    settings: &SessionSettings,
    tenant: &Tenant,
    actor: &Actor,
    id: &str,
    update: Update,
) -> Result<session::Model, ApiError> {
    let ttl = update
        .expires_in
        .map(|s| lifetime(settings, Some(s)))
        .transpose()?;
    let txn = crate::db::begin_write(db).await?;
    let current = get(&txn, tenant, id).await?;
    let now = crate::db::now();
    ensure_active(&current, now)?;
    let mut changes = Map::new();
    let mut row = current.clone().into_active_model();
    if let Some(patch) = update.metadata {
        let mut next = if update.replace_metadata {
            Map::new()
        } else {
            current.metadata.as_object().cloned().unwrap_or_default()
        };
        merge_object(&mut next, patch);
        check_object("metadata", &next, MAX_METADATA_KEYS, MAX_METADATA_BYTES)?;
        let next = Value::Object(next);
        if next != current.metadata {
            changes.insert(
                "metadata".into(),
                json!({ "from": current.metadata, "to": next }),
            );
            row.metadata = Set(next);
        }
    }
    if let Some(ttl) = ttl {
        let expires_at = now + ttl;
        changes.insert(
            "expires_at".into(),
            json!({ "from": current.expires_at, "to": expires_at }),
        );
        row.expires_at = Set(expires_at);
    }
    row.last_activity_at = Set(now);
    row.updated_at = Set(now);
    let updated = row.update(&txn).await?;
    if changes.is_empty() {
        txn.commit().await?;
    } else {
        let change = Change {
            action: "session.updated",
            resource_type: "session",
            resource_id: id,
            changes: Some(Value::Object(changes)),
        };
        audit::commit_change(txn, tenant, actor, change).await?;
    }
    Ok(updated)
}

/// Ends a session; ending an ended session changes nothing.
pub async fn end(
    db: &DatabaseConnection,
    tenant: &Tenant,
    actor: &Actor,
    id: &str,
) -> Result<session::Model, ApiError> {
    let txn = crate::db::begin_write(db).await?;
    let current = get(&txn, tenant, id).await?;
    if current.ended_at.is_some() {
        return Ok(current);
    }
    let now = crate::db::now();
    let mut row = current.into_active_model();
    row.ended_at = Set(Some(now));
    row.updated_at = Set(now);
    let ended = row.update(&txn).await?;
    webhook_event::emit(
        &txn,
        &ended.org_id,
        ended.environment,
        "session.ended",
        event_data(&ended),
    )
    .await?;
    audit::commit_change(
        txn,
        tenant,
        actor,
        Change {
            action: "session.ended",
            resource_type: "session",
            resource_id: id,
            changes: Some(json!({ "ended_at": { "to": now } })),
        },
    )
    .await?;
    Ok(ended)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_follows_end_then_expiry() {
        let now = crate::db::now();
        let mut s = session::Model {
            id: "sess_x".into(),
            org_id: "org_x".into(),
            environment: companin_entity::Environment::Production,
            assistant_id: "asst_x".into(),
            visitor_id: "v".into(),
            user_id: None,
            locale: None,
            metadata: json!({}),
            created_at: now,
            updated_at: now,
            expires_at: now + Duration::seconds(10),
            last_activity_at: now,
            ended_at: None,
        };
        assert_eq!(status(&s, now), Status::Active);
        assert_eq!(status(&s, now + Duration::seconds(10)), Status::Expired);
        s.ended_at = Some(now);
        assert_eq!(status(&s, now), Status::Ended);
        assert_eq!(
            ensure_active(&s, now).unwrap_err().code,
            ErrorCode::SessionExpired
        );
    }

    #[test]
    fn lifetimes_are_bounded() {
        let s = SessionSettings::default();
        assert_eq!(lifetime(&s, None).unwrap(), Duration::hours(24));
        assert_eq!(lifetime(&s, Some(1)).unwrap(), Duration::seconds(1));
        assert!(lifetime(&s, Some(0)).is_err());
        assert!(lifetime(&s, Some(s.max_ttl_secs + 1)).is_err());
    }
}
