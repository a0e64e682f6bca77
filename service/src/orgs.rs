//! Organizations: created by the platform operator (CLI or admin routes) together with their
//! two environments and a first client in each.

use companin_entity::{Environment, client, environment, organization};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, Set};
use serde_json::json;

use super::audit::{self, Change};
use super::{Actor, Tenant, clients};
use crate::Paging;
use crate::auth::seal::SecretSeal;
use crate::error::ApiError;
use crate::ids::OrgId;

/// A new organization with the first client (and its secret) of each environment.
pub struct NewOrg {
    pub org: organization::Model,
    pub production: (client::Model, String),
    pub sandbox: (client::Model, String),
}

fn clean_name(name: &str) -> Result<String, ApiError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(ApiError::validation("name", "must not be blank"));
    }
    Ok(name.to_owned())
}

fn check_limit(field: &str, limit: Option<i64>) -> Result<(), ApiError> {
    match limit {
        Some(n) if n < 1 => Err(ApiError::validation(field, "must be at least 1")),
        _ => Ok(()),
    }
}

/// An organization's own limits; `None` is the configured default.
#[derive(Debug, Default, Clone, Copy)]
pub struct OwnLimits {
    pub per_hour: Option<i64>,
    pub per_day: Option<i64>,
}

/// Creates an organization, its environments and one client per environment, atomically.
pub async fn create(
    db: &DatabaseConnection,
    seal: &SecretSeal,
    name: &str,
    limits: OwnLimits,
    actor: &Actor,
) -> Result<NewOrg, ApiError> {
    let name = clean_name(name)?;
    check_limit("rate_limit_per_hour", limits.per_hour)?;
    check_limit("rate_limit_per_day", limits.per_day)?;
    let txn = crate::db::begin_write(db).await?;
    let now = crate::db::now();
    let org = organization::ActiveModel {
        id: Set(OrgId::generate().into_string()),
        name: Set(name),
        rate_limit_per_hour: Set(limits.per_hour),
        rate_limit_per_day: Set(limits.per_day),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let mut first_clients = Vec::with_capacity(2);
    for env in Environment::ALL {
        environment::ActiveModel {
            org_id: Set(org.id.clone()),
            environment: Set(env),
            config_version: Set(0),
            index_version: Set(0),
            index_log_from: Set(0),
            created_at: Set(now),
            alert_webhook_url: Set(None),
            alert_webhook_secret: Set(None),
        }
        .insert(&txn)
        .await?;
        let tenant = Tenant {
            org_id: OrgId::from_db(org.id.clone()),
            environment: env,
        };
        let name = format!("{} {env} key", org.name);
        first_clients
            .push(clients::insert(&txn, (&tenant, seal), actor, name, Vec::new(), true).await?);
    }
    txn.commit().await?;
    let mut first_clients = first_clients.into_iter();
    match (first_clients.next(), first_clients.next()) {
        (Some(production), Some(sandbox)) => Ok(NewOrg {
            org,
            production,
            sandbox,
        }),
        _ => Err(ApiError::internal(anyhow::anyhow!(
            "organization created without its two clients"
        ))),
    }
}

pub async fn list(
    db: &DatabaseConnection,
    paging: Paging,
) -> Result<(Vec<organization::Model>, u64), ApiError> {
    let query = organization::Entity::find();
    Ok(super::page(
        db,
        query,
        organization::Column::CreatedAt,
        organization::Column::Id,
        paging,
    )
    .await?)
}

pub async fn get(conn: &impl ConnectionTrait, id: &str) -> Result<organization::Model, ApiError> {
    organization::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::not_found("organization"))
}

/// Requested changes to an organization. A limit of `Some(None)` returns to the default.
#[derive(Debug, Default)]
pub struct Update {
    pub name: Option<String>,
    pub rate_limit_per_hour: Option<Option<i64>>,
    pub rate_limit_per_day: Option<Option<i64>>,
}

/// Applies changes; a limit change is recorded in the audit log of both environments, whose
/// requests it governs.
pub async fn update(
    db: &DatabaseConnection,
    id: &str,
    update: Update,
    actor: &Actor,
) -> Result<organization::Model, ApiError> {
    let name = update.name.as_deref().map(clean_name).transpose()?;
    if let Some(limit) = update.rate_limit_per_hour {
        check_limit("rate_limit_per_hour", limit)?;
    }
    if let Some(limit) = update.rate_limit_per_day {
        check_limit("rate_limit_per_day", limit)?;
    }
    let txn = crate::db::begin_write(db).await?;
    let current = get(&txn, id).await?;
    let mut changes = serde_json::Map::new();
    let mut row: organization::ActiveModel = current.clone().into();
    if let Some(name) = name.filter(|n| *n != current.name) {
        changes.insert("name".into(), json!({ "from": current.name, "to": name }));
        row.name = Set(name);
    }
    if let Some(limit) = update
        .rate_limit_per_hour
        .filter(|l| *l != current.rate_limit_per_hour)
    {
        changes.insert(
            "rate_limit_per_hour".into(),
            json!({ "from": current.rate_limit_per_hour, "to": limit }),
        );
        row.rate_limit_per_hour = Set(limit);
    }
    if let Some(limit) = update
        .rate_limit_per_day
        .filter(|l| *l != current.rate_limit_per_day)
    {
        changes.insert(
            "rate_limit_per_day".into(),
            json!({ "from": current.rate_limit_per_day, "to": limit }),
        );
        row.rate_limit_per_day = Set(limit);
    }
    if changes.is_empty() {
        return Ok(current);
    }
    row.updated_at = Set(crate::db::now());
    let updated = row.update(&txn).await?;
    let change = Change {
        action: "organization.updated",
        resource_type: "organization",
        resource_id: &updated.id,
        changes: Some(serde_json::Value::Object(changes)),
    };
    audit::record_org_wide(&txn, &OrgId::from_db(updated.id.clone()), actor, change).await?;
    txn.commit().await?;
    Ok(updated)
}
