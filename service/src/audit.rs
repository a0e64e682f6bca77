//! Writing and reading the audit log. Entries are written inside the transaction of the change
//! they describe, so the log never misses nor invents a change.

use chrono::{DateTime, Utc};
use companin_entity::audit_log;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait, QueryFilter, Set,
};
use serde_json::Value;

use super::{Actor, Tenant, bump_config_version};
use crate::Paging;
use crate::ids::{AuditId, OrgId};

/// One change to record.
pub struct Change<'a> {
    pub action: &'a str,
    pub resource_type: &'a str,
    pub resource_id: &'a str,
    pub changes: Option<Value>,
}

pub async fn record(
    conn: &impl ConnectionTrait,
    tenant: &Tenant,
    actor: &Actor,
    change: Change<'_>,
) -> Result<(), DbErr> {
    let (actor_type, actor_client_id, request_id) = match actor {
        Actor::Client {
            client_id,
            request_id,
        } => (
            "client",
            Some(client_id.to_string()),
            Some(request_id.clone()),
        ),
        // A member's id stands where a client's would: who, within the organization.
        Actor::Member {
            member_id,
            request_id,
        } => ("member", Some(member_id.clone()), Some(request_id.clone())),
        Actor::Operator { request_id } => ("operator", None, Some(request_id.clone())),
        Actor::Cli => ("cli", None, None),
        Actor::System => ("system", None, None),
    };
    audit_log::Entity::insert(audit_log::ActiveModel {
        id: Set(AuditId::generate().into_string()),
        org_id: Set(tenant.org_id.to_string()),
        environment: Set(tenant.environment),
        actor_type: Set(actor_type.to_owned()),
        actor_client_id: Set(actor_client_id),
        action: Set(change.action.to_owned()),
        resource_type: Set(change.resource_type.to_owned()),
        resource_id: Set(change.resource_id.to_owned()),
        changes: Set(change.changes),
        request_id: Set(request_id),
        created_at: Set(crate::db::now()),
    })
    .exec_without_returning(conn)
    .await
    .map(|_| ())
}

/// Records a change of the whole organization (its settings, its members) in the audit log of
/// both its environments.
pub async fn record_org_wide(
    conn: &impl ConnectionTrait,
    org: &OrgId,
    actor: &Actor,
    change: Change<'_>,
) -> Result<(), sea_orm::DbErr> {
    for environment in companin_entity::Environment::ALL {
        let tenant = Tenant {
            org_id: org.clone(),
            environment,
        };
        let copy = Change {
            action: change.action,
            resource_type: change.resource_type,
            resource_id: change.resource_id,
            changes: change.changes.clone(),
        };
        record(conn, &tenant, actor, copy).await?;
    }
    Ok(())
}

/// Ends a change: records it in the audit log and commits `txn`, so the change and its entry
/// land together or not at all.
pub async fn commit_change(
    txn: DatabaseTransaction,
    tenant: &Tenant,
    actor: &Actor,
    change: Change<'_>,
) -> Result<(), DbErr> {
    record(&txn, tenant, actor, change).await?;
    txn.commit().await
}

/// Ends a change of the tenant's configuration: moves its configuration version (so no
/// process serves a cached read from before it), records it in the audit log and commits.
pub async fn commit_config_change(
    txn: DatabaseTransaction,
    tenant: &Tenant,
    actor: &Actor,
    change: Change<'_>,
) -> Result<(), DbErr> {
    bump_config_version(&txn, tenant).await?;
    commit_change(txn, tenant, actor, change).await
}

/// Filters of `GET /audit-logs/`.
#[derive(Debug, Default)]
pub struct Filter {
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    pub action: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

pub async fn list(
    conn: &impl ConnectionTrait,
    tenant: &Tenant,
    filter: Filter,
    paging: Paging,
) -> Result<(Vec<audit_log::Model>, u64), DbErr> {
    use audit_log::Column as C;
    let mut query = audit_log::Entity::find().filter(tenant.rows::<C>());
    if let Some(v) = filter.resource_type {
        query = query.filter(C::ResourceType.eq(v));
    }
    if let Some(v) = filter.resource_id {
        query = query.filter(C::ResourceId.eq(v));
    }
    if let Some(v) = filter.action {
        query = query.filter(C::Action.eq(v));
    }
    if let Some(v) = filter.from {
        query = query.filter(C::CreatedAt.gte(v));
    }
    if let Some(v) = filter.to {
        query = query.filter(C::CreatedAt.lt(v));
    }
    super::page(conn, query, C::CreatedAt, C::Id, paging).await
}
