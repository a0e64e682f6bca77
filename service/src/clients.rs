//! An organization's OAuth applications: create, read, change, delete, rotate. Every change
//! writes its audit entry in the same transaction.

use companin_entity::client;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, Set,
};
use serde_json::{Value, json};

use super::audit::{self, Change};
use super::{Actor, Tenant, bump_config_version};
use crate::Paging;
use crate::auth::credentials::{generate_salt, generate_secret, hash_secret};
use crate::auth::seal::SecretSeal;
use crate::error::ApiError;
use crate::ids::ClientId;

/// Checks and normalises one allowed origin to `scheme://host[:port]`.
pub fn normalize_origin(raw: &str) -> Result<String, ApiError> {
    let invalid = |why: &str| {
        ApiError::validation(
            "allowed_origins",
            format!("contains `{raw}`, which {why}; use scheme://host[:port]"),
        )
    };
    let url = url::Url::parse(raw.trim()).map_err(|_| invalid("is not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("is not http or https"));
    }
    if url.host_str().is_none() {
        return Err(invalid("has no host"));
    }
    let bare = url.path() == "/" && url.query().is_none() && url.fragment().is_none();
    if !bare || !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("has more than an origin"));
    }
    Ok(url.origin().ascii_serialization())
}

fn normalize_origins(raw: &[String]) -> Result<Vec<String>, ApiError> {
    let mut out: Vec<String> = Vec::with_capacity(raw.len());
    for origin in raw {
        let origin = normalize_origin(origin)?;
        if !out.contains(&origin) {
            out.push(origin);
        }
    }
    Ok(out)
}

fn clean_name(name: &str) -> Result<String, ApiError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(ApiError::validation("name", "must not be blank"));
    }
    Ok(name.to_owned())
}

/// A new client's row, not yet stored, and its secret.
pub fn new_client(
    tenant: &Tenant,
    seal: &SecretSeal,
    name: String,
    allowed_origins: Vec<String>,
    is_active: bool,
) -> (client::ActiveModel, String) {
    let secret = generate_secret();
    let salt = generate_salt();
    let now = crate::db::now();
    let model = client::ActiveModel {
        id: Set(ClientId::generate().into_string()),
        org_id: Set(tenant.org_id.to_string()),
        environment: Set(tenant.environment),
        name: Set(name),
        secret_hash: Set(hash_secret(&salt, &secret)),
        secret_salt: Set(salt),
        secret_version: Set(1),
        secret_sealed: Set(Some(seal.seal(&secret))),
        allowed_origins: Set(json!(allowed_origins)),
        is_active: Set(is_active),
        created_at: Set(now),
        updated_at: Set(now),
        deleted_at: Set(None),
    };
    (model, secret)
}

/// Stores a client created inside `conn`'s transaction, with its audit entry.
pub async fn insert(
    conn: &impl ConnectionTrait,
    (tenant, seal): (&Tenant, &SecretSeal),
    actor: &Actor,
    name: String,
    allowed_origins: Vec<String>,
    is_active: bool,
) -> Result<(client::Model, String), DbErr> {
    let (model, secret) = new_client(tenant, seal, name, allowed_origins, is_active);
    let model = model.insert(conn).await?;
    bump_config_version(conn, tenant).await?;
    audit::record(
        conn,
        tenant,
        actor,
        Change {
            action: "client.created",
            resource_type: "client",
            resource_id: &model.id,
            changes: Some(json!({
                "name": { "to": model.name },
                "allowed_origins": { "to": model.allowed_origins },
                "is_active": { "to": model.is_active },
            })),
        },
    )
    .await?;
    Ok((model, secret))
}

/// Creates a client in the tenant and returns it with its secret.
pub async fn create(
    db: &DatabaseConnection,
    (tenant, seal): (&Tenant, &SecretSeal),
    actor: &Actor,
    name: &str,
    allowed_origins: &[String],
    is_active: bool,
) -> Result<(client::Model, String), ApiError> {
    let name = clean_name(name)?;
    let origins = normalize_origins(allowed_origins)?;
    let txn = crate::db::begin_write(db).await?;
    let created = insert(&txn, (tenant, seal), actor, name, origins, is_active).await?;
    txn.commit().await?;
    Ok(created)
}

fn tenant_clients(tenant: &Tenant) -> sea_orm::Select<client::Entity> {
    client::Entity::find()
        .filter(tenant.rows::<client::Column>())
        .filter(client::Column::DeletedAt.is_null())
}

pub async fn list(
    db: &DatabaseConnection,
    tenant: &Tenant,
    paging: Paging,
) -> Result<(Vec<client::Model>, u64), ApiError> {
    let query = tenant_clients(tenant);
    Ok(super::page(
        db,
        query,
        client::Column::CreatedAt,
        client::Column::Id,
        paging,
    )
    .await?)
}

/// The tenant's client with this id, if there is one (another tenant's id finds nothing).
pub async fn find(
    conn: &impl ConnectionTrait,
    tenant: &Tenant,
    id: &str,
) -> Result<Option<client::Model>, ApiError> {
    Ok(tenant_clients(tenant)
        .filter(client::Column::Id.eq(id))
        .one(conn)
        .await?)
}

/// The tenant's client with this id; 404 for anything else, including other tenants' ids.
pub async fn get(
    conn: &impl ConnectionTrait,
    tenant: &Tenant,
    id: &str,
) -> Result<client::Model, ApiError> {
    find(conn, tenant, id)
        .await?
        .ok_or_else(|| ApiError::not_found("client"))
}

/// Requested changes to a client.
#[derive(Debug, Default)]
pub struct Update {
    pub name: Option<String>,
    pub allowed_origins: Option<Vec<String>>,
    pub is_active: Option<bool>,
}

pub async fn update(
    db: &DatabaseConnection,
    tenant: &Tenant,
    actor: &Actor,
    id: &str,
    update: Update,
) -> Result<client::Model, ApiError> {
    let name = update.name.as_deref().map(clean_name).transpose()?;
    let origins = update
        .allowed_origins
        .as_deref()
        .map(normalize_origins)
        .transpose()?;
    let txn = crate::db::begin_write(db).await?;
    let current = get(&txn, tenant, id).await?;
    let mut changes = serde_json::Map::new();
    let mut row: client::ActiveModel = current.clone().into();
    if let Some(name) = name.filter(|n| *n != current.name) {
        changes.insert("name".into(), json!({ "from": current.name, "to": name }));
        row.name = Set(name);
    }
    if let Some(origins) = origins
        .map(|o| json!(o))
        .filter(|o| *o != current.allowed_origins)
    {
        changes.insert(
            "allowed_origins".into(),
            json!({ "from": current.allowed_origins, "to": origins }),
        );
        row.allowed_origins = Set(origins);
    }
    if let Some(active) = update.is_active.filter(|a| *a != current.is_active) {
        changes.insert(
            "is_active".into(),
            json!({ "from": current.is_active, "to": active }),
        );
        row.is_active = Set(active);
    }
    if changes.is_empty() {
        return Ok(current);
    }
    row.updated_at = Set(crate::db::now());
    let updated = row.update(&txn).await?;
    audit::commit_config_change(
        txn,
        tenant,
        actor,
        Change {
            action: "client.updated",
            resource_type: "client",
            resource_id: id,
            changes: Some(Value::Object(changes)),
        },
    )
    .await?;
    Ok(updated)
}

/// Soft-deletes a client: hidden everywhere, never authenticates again.
pub async fn delete(
    db: &DatabaseConnection,
    tenant: &Tenant,
    actor: &Actor,
    id: &str,
) -> Result<(), ApiError> {
    let txn = crate::db::begin_write(db).await?;
    let current = get(&txn, tenant, id).await?;
    let now = crate::db::now();
    let mut row: client::ActiveModel = current.into();
    row.deleted_at = Set(Some(now));
    row.is_active = Set(false);
    row.updated_at = Set(now);
    row.update(&txn).await?;
    audit::commit_config_change(
        txn,
        tenant,
        actor,
        Change {
            action: "client.deleted",
            resource_type: "client",
            resource_id: id,
            changes: None,
        },
    )
    .await?;
    Ok(())
}

/// Replaces the secret; the old one, and every token issued under it, stop working.
pub async fn rotate_secret(
    db: &DatabaseConnection,
    (tenant, seal): (&Tenant, &SecretSeal),
    actor: &Actor,
    id: &str,
) -> Result<(client::Model, String), ApiError> {
    let txn = crate::db::begin_write(db).await?;
    let current = get(&txn, tenant, id).await?;
    let secret = generate_secret();
    let salt = generate_salt();
    let version = current.secret_version + 1;
    let mut row: client::ActiveModel = current.into();
    row.secret_hash = Set(hash_secret(&salt, &secret));
    row.secret_salt = Set(salt);
    row.secret_version = Set(version);
    row.secret_sealed = Set(Some(seal.seal(&secret)));
    row.updated_at = Set(crate::db::now());
    let updated = row.update(&txn).await?;
    audit::commit_config_change(
        txn,
        tenant,
        actor,
        Change {
            action: "client.secret_rotated",
            resource_type: "client",
            resource_id: id,
            changes: Some(json!({ "secret_version": { "from": version - 1, "to": version } })),
        },
    )
    .await?;
    Ok((updated, secret))
}

#[cfg(test)]
mod tests {
    use super::normalize_origin;

    #[test]
    fn origins_are_exact_scheme_host_port() {
        assert_eq!(
            normalize_origin("https://Example.com/").ok().as_deref(),
            Some("https://example.com")
        );
        assert_eq!(
            normalize_origin("http://localhost:3000").ok().as_deref(),
            Some("http://localhost:3000")
        );
        assert_eq!(
            normalize_origin("https://example.com:443").ok().as_deref(),
            Some("https://example.com")
        );
        for bad in [
            "example.com",
            "ftp://example.com",
            "https://example.com/path",
            "https://user@example.com",
            "https://example.com/?q=1",
            "*",
        ] {
            assert!(normalize_origin(bad).is_err(), "{bad}");
        }
    }
}
