//! Reading the request log of a tenant.

use chrono::{DateTime, Utc};
use companin_entity::request_log;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use super::Tenant;
use crate::schemas::Paging;

/// Filters of `GET /analytics/logs/`.
#[derive(Debug, Default)]
pub struct Filter {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub status: Option<u16>,
    pub route: Option<String>,
    pub client_id: Option<String>,
}

pub async fn list(
    conn: &impl ConnectionTrait,
    tenant: &Tenant,
    filter: Filter,
    paging: Paging,
) -> Result<(Vec<request_log::Model>, u64), DbErr> {
    use request_log::Column as C;
    let mut query = request_log::Entity::find()
        .filter(C::OrgId.eq(tenant.org_id.as_str()))
        .filter(C::Environment.eq(tenant.environment));
    if let Some(v) = filter.from {
        query = query.filter(C::CreatedAt.gte(v));
    }
    if let Some(v) = filter.to {
        query = query.filter(C::CreatedAt.lt(v));
    }
    if let Some(v) = filter.status {
        query = query.filter(C::Status.eq(i32::from(v)));
    }
    if let Some(v) = filter.route {
        query = query.filter(C::Route.eq(v));
    }
    if let Some(v) = filter.client_id {
        query = query.filter(C::ClientId.eq(v));
    }
    super::page(conn, query, C::CreatedAt, C::Id, paging).await
}
