//! The product's operations over storage, called by the HTTP routes and the CLI alike:
//! assistants, knowledge, sessions and contexts, conversations and their replies, analytics,
//! audit, alerts, the rate limits and credentials. Functions here take a [`Tenant`] and scope
//! every query by it.
//!
//! Owns: the error codes ([`error`]), ids, paging, credential hashing and sealing, the
//! rate-limit arithmetic and counters, reply generation, and the request-log writer.
//! Depends on `entity`, `config`, `retrieval`, `inference`, `ingest` and `worker`'s public API.
//! Must not depend on poem or poem-openapi: the compiler keeps the operations ignorant of
//! HTTP, which is `companin_api`'s part.

pub mod alerts;
pub mod analytics;
pub mod assistants;
pub mod audit;
pub mod auth;
pub mod cache;
pub mod clients;
pub mod contexts;
pub mod conversations;
pub mod db;
pub mod error;
pub mod generation;
pub mod idempotency;
pub mod ids;
pub mod jobs;
pub mod knowledge;
pub mod members;
pub mod metrics;
pub mod orgs;
mod platform;
pub mod rate_limit;
pub mod request_logs;
pub mod retention;
pub mod sandbox;
pub mod search;
pub mod sessions;
pub mod telemetry;
pub mod webhooks;
pub mod widget;

pub use platform::Platform;

use companin_entity::{Environment, environment};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, ExprTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Select,
};

use crate::auth::Principal;
use crate::ids::{ClientId, OrgId};

/// Default page size of list routes.
pub const DEFAULT_LIMIT: u64 = 20;
/// Largest page size of list routes.
pub const MAX_LIMIT: u64 = 100;

/// A page request, from the `limit` and `offset` query parameters.
#[derive(Debug, Clone, Copy)]
pub struct Paging {
    pub limit: u64,
    pub offset: u64,
}

impl Paging {
    pub fn new(limit: Option<u64>, offset: Option<u64>) -> Self {
        Self {
            limit: limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT),
            // The databases take signed 64-bit offsets (a larger one panicked in the driver);
            // past the last row, any offset answers the same empty page.
            offset: Ord::min(offset.unwrap_or(0), i64::MAX as u64),
        }
    }
}

/// Whether a write failed on a unique index (a race another writer won).
pub(crate) fn is_unique_violation(e: &DbErr) -> bool {
    matches!(
        e.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

/// One organization's environment: the wall around every resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    pub org_id: OrgId,
    pub environment: Environment,
}

impl From<&Principal> for Tenant {
    fn from(p: &Principal) -> Self {
        Tenant {
            org_id: p.org_id.clone(),
            environment: p.environment,
        }
    }
}

impl Tenant {
    /// The condition that keeps a query to this tenant's rows of the table whose columns are
    /// `C`: `.filter(tenant.rows::<assistant::Column>())`.
    pub fn rows<C: TenantColumns>(&self) -> Condition {
        Condition::all()
            .add(C::ORG_ID.eq(self.org_id.as_str()))
            .add(C::ENVIRONMENT.eq(self.environment))
    }
}

/// The columns of a tenant-owned table that name its tenant.
pub trait TenantColumns: ColumnTrait {
    const ORG_ID: Self;
    const ENVIRONMENT: Self;
}

macro_rules! tenant_columns {
    ($($table:ident),* $(,)?) => {
        $(impl TenantColumns for companin_entity::$table::Column {
            const ORG_ID: Self = companin_entity::$table::Column::OrgId;
            const ENVIRONMENT: Self = companin_entity::$table::Column::Environment;
        })*
    };
}

tenant_columns!(
    assistant,
    assistant_promotion,
    audit_log,
    client,
    context,
    conversation,
    environment,
    feedback,
    idempotency_key,
    job,
    knowledge_chunk,
    knowledge_item,
    knowledge_page,
    message,
    rate_limit_event,
    rate_limit_window,
    request_log,
    session,
    webhook_delivery,
    webhook_endpoint,
);

/// Who makes a change, for the audit log.
#[derive(Debug, Clone)]
pub enum Actor {
    /// An API credential, with the request it made.
    Client {
        client_id: ClientId,
        request_id: String,
    },
    /// A team member signed in to the console, with the request it made.
    Member {
        member_id: String,
        request_id: String,
    },
    /// The platform operator through the admin routes.
    Operator { request_id: String },
    /// The `companin` command line.
    Cli,
    /// The service itself: the sandbox's sample data.
    System,
}

impl Actor {
    pub fn from_principal(p: &Principal, request_id: &str) -> Self {
        if let Some(member) = &p.member {
            return Actor::Member {
                member_id: member.member_id.clone(),
                request_id: request_id.to_owned(),
            };
        }
        Actor::Client {
            client_id: p.client_id.clone(),
            request_id: request_id.to_owned(),
        }
    }
}

/// Records a change to the tenant's configuration, so that no process serves a cached read of
/// it from before the change (see [`crate::cache`]). Call inside the change's transaction.
pub async fn bump_config_version(
    conn: &impl ConnectionTrait,
    tenant: &Tenant,
) -> Result<(), DbErr> {
    use environment::Column as C;
    environment::Entity::update_many()
        .col_expr(C::ConfigVersion, Expr::col(C::ConfigVersion).add(1))
        .filter(tenant.rows::<C>())
        .exec(conn)
        .await
        .map(|_| ())
}

/// Checks a JSON object given by a client (metadata, traits) against size limits, naming
/// `field` in the error.
pub fn check_object(
    field: &str,
    object: &serde_json::Map<String, serde_json::Value>,
    max_keys: usize,
    max_bytes: usize,
) -> Result<(), crate::error::ApiError> {
    use crate::error::ApiError;
    if object.len() > max_keys {
        return Err(ApiError::validation(
            field,
            format!("must have at most {max_keys} keys"),
        ));
    }
    if let Some(key) = object
        .keys()
        .find(|k| k.is_empty() || k.chars().count() > 100)
    {
        return Err(ApiError::validation(
            &format!("{field}.{key}"),
            "keys must be 1 to 100 characters",
        ));
    }
    let size = serde_json::to_vec(object)
        .map(|v| v.len())
        .unwrap_or(usize::MAX);
    if size > max_bytes {
        return Err(ApiError::validation(
            field,
            format!("must be at most {max_bytes} bytes of JSON (got {size})"),
        ));
    }
    Ok(())
}

/// Merges `patch` into `target`: a `null` value removes its key.
pub fn merge_object(
    target: &mut serde_json::Map<String, serde_json::Value>,
    patch: serde_json::Map<String, serde_json::Value>,
) {
    for (key, value) in patch {
        if serde_json::Value::is_null(&value) {
            target.remove(&key);
        } else {
            target.insert(key, value);
        }
    }
}

/// A client-given identifier (visitor id, user id): trimmed, 1 to 200 characters.
pub fn clean_identifier(field: &str, raw: &str) -> Result<String, crate::error::ApiError> {
    let value = raw.trim();
    if value.is_empty() || value.chars().count() > 200 {
        return Err(crate::error::ApiError::validation(
            field,
            "must be 1 to 200 characters",
        ));
    }
    Ok(value.to_owned())
}

/// One page of `query`, ordered by `newest` then `id` descending (newest first, ties broken
/// by the time-ordered id), and the number of rows across all pages.
pub async fn page<E>(
    conn: &impl ConnectionTrait,
    query: Select<E>,
    newest: E::Column,
    id: E::Column,
    paging: Paging,
) -> Result<(Vec<E::Model>, u64), DbErr>
where
    E: EntityTrait,
    E::Model: Send + Sync,
{
    let total = query.clone().count(conn).await?;
    let items = query
        .order_by_desc(newest)
        .order_by_desc(id)
        .limit(paging.limit)
        .offset(paging.offset)
        .all(conn)
        .await?;
    Ok((items, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_stays_within_what_the_databases_take() {
        let p = Paging::new(Some(0), Some(u64::MAX));
        assert_eq!((p.limit, p.offset), (1, i64::MAX as u64));
        let p = Paging::new(Some(1_000), None);
        assert_eq!((p.limit, p.offset), (MAX_LIMIT, 0));
    }
}
