//! A tenant's webhook endpoint: where events of the types it asked for are posted, signed with
//! its secret.

use sea_orm::entity::prelude::*;

use crate::Environment;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_endpoints")]
pub struct Model {
    /// `whe_` followed by a UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub org_id: String,
    pub environment: Environment,
    pub url: String,
    pub description: Option<String>,
    /// JSON array of event types.
    pub events: Json,
    /// The signing secret, sealed like client secrets (the server must sign with it).
    #[sea_orm(column_type = "Text")]
    pub secret_sealed: String,
    /// `false` when turned off by the tenant, or by the server after failing for a day.
    pub is_active: bool,
    /// Why the server turned it off.
    #[sea_orm(column_type = "Text", nullable)]
    pub disabled_reason: Option<String>,
    /// The first failed attempt since the last successful one.
    pub failing_since: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
