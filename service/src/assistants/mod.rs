//! Assistants: create, read, change, delete, and their version history.
//!
//! Every change writes a new immutable version row with the full configuration. Changes are
//! optimistic: the row is updated only if its version is still the one read, and a change that
//! lost the race is re-applied on the fresh row, so concurrent PATCHes never share a version
//! number nor lose a field.

pub mod config;
pub mod promote;
pub mod texts;

use companin_entity::{assistant, assistant_version};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, ExprTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
};
use serde_json::{Value, json};

pub use self::config::{Config, KnowledgeScope, Patch, ReplyMode, Retrieval};
use super::audit::{self, Change};
use super::{Actor, Tenant, bump_config_version};
use crate::Paging;
use crate::error::ApiError;
use crate::ids::AssistantId;

/// Attempts of an optimistic change before giving up (only reached under extreme contention).
const MAX_ATTEMPTS: usize = 20;

fn tenant_assistants(tenant: &Tenant) -> sea_orm::Select<assistant::Entity> {
    assistant::Entity::find()
        .filter(tenant.rows::<assistant::Column>())
        .filter(assistant::Column::DeletedAt.is_null())
}

fn not_found() -> ApiError {
    ApiError::not_found("assistant")
}

/// Creates an assistant at version 1.
pub async fn create(
    db: &DatabaseConnection,
    tenant: &Tenant,
    actor: &Actor,
    config: Config,
) -> Result<assistant::Model, ApiError> {
    let config = config.validated()?;
    let now = crate::db::now();
    let mut row = assistant::Model {
        id: AssistantId::generate().into_string(),
        org_id: tenant.org_id.to_string(),
        environment: tenant.environment,
        name: String::new(),
        description: None,
        tone: String::new(),
        language: String::new(),
        default_tasks: json!([]),
        instructions: String::new(),
        is_active: true,
        knowledge_scope: String::new(),
        knowledge_ids: json!([]),
        excluded_knowledge_ids: json!([]),
        retrieval_top_k: 0,
        retrieval_min_score: 0.0,
        reply_mode: String::new(),
        fallback_message: String::new(),
        greeting: None,
        version: 1,
        created_at: now,
        updated_at: now,
        deleted_at: None,
    };
    config.apply_to(&mut row);
    let txn = crate::db::begin_write(db).await?;
    assistant::Entity::insert(row.clone().into_active_model())
        .exec_without_returning(&txn)
        .await?;
    insert_version(&txn, &row, &config, Vec::new(), None).await?;
    bump_config_version(&txn, tenant).await?;
    let changes = Config::from_row(&row)
        .to_json()
        .as_object()
        .map(|fields| {
            fields
                .iter()
                .map(|(k, v)| (k.clone(), json!({ "to": v })))
                .collect::<serde_json::Map<_, _>>()
        })
        .map(Value::Object);
    audit::commit_change(
        txn,
        tenant,
        actor,
        Change {
            action: "assistant.created",
            resource_type: "assistant",
            resource_id: &row.id,
            changes,
        },
    )
    .await?;
    Ok(row)
}

async fn insert_version(
    conn: &impl ConnectionTrait,
    row: &assistant::Model,
    config: &Config,
    changed_fields: Vec<String>,
    rolled_back_from: Option<i32>,
) -> Result<(), sea_orm::DbErr> {
    assistant_version::Entity::insert(assistant_version::ActiveModel {
        assistant_id: Set(row.id.clone()),
        version: Set(row.version),
        org_id: Set(row.org_id.clone()),
        environment: Set(row.environment),
        config: Set(config.to_json()),
        changed_fields: Set(json!(changed_fields)),
        rolled_back_from: Set(rolled_back_from),
        created_at: Set(row.updated_at),
    })
    .exec_without_returning(conn)
    .await
    .map(|_| ())
}

/// Filters of `GET /assistants/`.
#[derive(Debug, Default)]
pub struct Filter {
    pub is_active: Option<bool>,
    /// Case-insensitive substring of the name.
    pub q: Option<String>,
}

pub async fn list(
    db: &DatabaseConnection,
    tenant: &Tenant,
    filter: Filter,
    paging: Paging,
) -> Result<(Vec<assistant::Model>, u64), ApiError> {
    use sea_orm::sea_query::{Expr, Func};
    let mut query = tenant_assistants(tenant);
    if let Some(active) = filter.is_active {
        query = query.filter(assistant::Column::IsActive.eq(active));
    }
    if let Some(q) = filter
        .q
        .map(|q| q.trim().to_lowercase())
        .filter(|q| !q.is_empty())
    {
        let pattern = format!("%{}%", escape_like(&q));
        query = query.filter(
            Expr::expr(Func::lower(Expr::col(assistant::Column::Name)))
                .like(sea_orm::sea_query::LikeExpr::new(pattern).escape('\\')),
        );
    }
    Ok(super::page(
        db,
        query,
        assistant::Column::CreatedAt,
        assistant::Column::Id,
        paging,
    )
    .await?)
}

/// `%`, `_` and `\` match themselves in a `q` filter.
fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The tenant's assistant with this id; 404 for deleted ones and other tenants' ids.
pub async fn get(
    conn: &impl ConnectionTrait,
    tenant: &Tenant,
    id: &str,
) -> Result<assistant::Model, ApiError> {
    tenant_assistants(tenant)
        .filter(assistant::Column::Id.eq(id))
        .one(conn)
        .await?
        .ok_or_else(not_found)
}

/// What a change does to the current configuration.
enum Edit {
    Patch(Box<Patch>),
    Rollback(i32),
    /// A whole configuration (a promotion's, from the sandbox).
    Replace(Box<Config>),
}

/// Applies a PATCH; a PATCH that changes nothing returns the assistant as it is, with no new
/// version.
pub async fn update(
    db: &DatabaseConnection,
    tenant: &Tenant,
    actor: &Actor,
    id: &str,
    patch: Patch,
) -> Result<assistant::Model, ApiError> {
    change(db, tenant, actor, id, Edit::Patch(Box::new(patch))).await
}

/// Makes `config` the assistant's configuration, as a new version unless it already is.
pub async fn replace(
    db: &DatabaseConnection,
    tenant: &Tenant,
    actor: &Actor,
    id: &str,
    config: Config,
) -> Result<assistant::Model, ApiError> {
    change(db, tenant, actor, id, Edit::Replace(Box::new(config))).await
}

/// Makes a new version equal to version `version`.
pub async fn rollback(
    db: &DatabaseConnection,
    tenant: &Tenant,
    actor: &Actor,
    id: &str,
    version: i32,
) -> Result<assistant::Model, ApiError> {
    change(db, tenant, actor, id, Edit::Rollback(version)).await
}

async fn change(
    db: &DatabaseConnection,
    tenant: &Tenant,
    actor: &Actor,
    id: &str,
    what: Edit,
) -> Result<assistant::Model, ApiError> {
    for _ in 0..MAX_ATTEMPTS {
        let txn = crate::db::begin_write(db).await?;
        let current = get(&txn, tenant, id).await?;
        let before = Config::from_row(&current);
        let (after, rolled_back_from) = match &what {
            Edit::Patch(patch) => (before.patched((**patch).clone()).validated()?, None),
            Edit::Replace(config) => ((**config).clone().validated()?, None),
            Edit::Rollback(version) => {
                let old = find_version(&txn, &current, *version).await?;
                (Config::from_json(&old.config)?, Some(*version))
            }
        };
        let changes = after.changes_from(&before);
        if changes.is_empty() && rolled_back_from.is_none() {
            return Ok(current);
        }
        if let Some(updated) =
            write_version(&txn, &current, &after, &changes, rolled_back_from).await?
        {
            bump_config_version(&txn, tenant).await?;
            let action = match rolled_back_from {
                Some(_) => "assistant.rolled_back",
                None => "assistant.updated",
            };
            let mut recorded = changes;
            recorded.insert(
                "version".into(),
                json!({ "from": current.version, "to": updated.version }),
            );
            if let Some(from) = rolled_back_from {
                recorded.insert("restored_version".into(), json!(from));
            }
            audit::commit_change(
                txn,
                tenant,
                actor,
                Change {
                    action,
                    resource_type: "assistant",
                    resource_id: id,
                    changes: Some(Value::Object(recorded)),
                },
            )
            .await?;
            return Ok(updated);
        }
        // Another change took this version number first: read again and re-apply.
        txn.rollback().await?;
    }
    Err(ApiError::internal(anyhow::anyhow!(
        "assistant {id} kept changing under {MAX_ATTEMPTS} attempts"
    )))
}

/// Writes `after` as the version following `current`'s, if `current` is still the latest;
/// `None` when another change got there first.
async fn write_version(
    txn: &DatabaseTransaction,
    current: &assistant::Model,
    after: &Config,
    changes: &serde_json::Map<String, Value>,
    rolled_back_from: Option<i32>,
) -> Result<Option<assistant::Model>, ApiError> {
    let mut row = current.clone();
    after.apply_to(&mut row);
    row.version = current.version + 1;
    row.updated_at = crate::db::now();
    let mut active = row.clone().into_active_model().reset_all();
    active.id = sea_orm::ActiveValue::NotSet;
    let result = assistant::Entity::update_many()
        .set(active)
        .filter(assistant::Column::Id.eq(current.id.as_str()))
        .filter(assistant::Column::Version.eq(current.version))
        .exec(txn)
        .await?;
    if result.rows_affected == 0 {
        return Ok(None);
    }
    let changed: Vec<String> = changes.keys().cloned().collect();
    insert_version(txn, &row, after, changed, rolled_back_from).await?;
    Ok(Some(row))
}

/// Soft-deletes an assistant: 404 everywhere afterwards; its versions stay.
pub async fn delete(
    db: &DatabaseConnection,
    tenant: &Tenant,
    actor: &Actor,
    id: &str,
) -> Result<(), ApiError> {
    let txn = crate::db::begin_write(db).await?;
    let current = get(&txn, tenant, id).await?;
    let now = crate::db::now();
    let mut row = current.into_active_model();
    row.deleted_at = Set(Some(now));
    row.updated_at = Set(now);
    row.update(&txn).await?;
    audit::commit_config_change(
        txn,
        tenant,
        actor,
        Change {
            action: "assistant.deleted",
            resource_type: "assistant",
            resource_id: id,
            changes: None,
        },
    )
    .await?;
    Ok(())
}

async fn find_version(
    conn: &impl ConnectionTrait,
    assistant: &assistant::Model,
    version: i32,
) -> Result<assistant_version::Model, ApiError> {
    assistant_version::Entity::find_by_id((assistant.id.clone(), version))
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::not_found("assistant version"))
}

/// The versions of an assistant, newest first.
pub async fn versions(
    db: &DatabaseConnection,
    tenant: &Tenant,
    id: &str,
    paging: Paging,
) -> Result<(Vec<assistant_version::Model>, u64), ApiError> {
    let assistant = get(db, tenant, id).await?;
    let query = assistant_version::Entity::find()
        .filter(assistant_version::Column::AssistantId.eq(assistant.id.as_str()));
    let total = query.clone().count(db).await?;
    let items = query
        .order_by_desc(assistant_version::Column::Version)
        .limit(paging.limit)
        .offset(paging.offset)
        .all(db)
        .await?;
    Ok((items, total))
}

/// One version of an assistant.
pub async fn version(
    db: &DatabaseConnection,
    tenant: &Tenant,
    id: &str,
    version: i32,
) -> Result<assistant_version::Model, ApiError> {
    let assistant = get(db, tenant, id).await?;
    find_version(db, &assistant, version).await
}

#[cfg(test)]
mod tests {
    use super::escape_like;

    #[test]
    fn like_wildcards_are_literal() {
        assert_eq!(escape_like("50%_off\\"), "50\\%\\_off\\\\");
    }
}
