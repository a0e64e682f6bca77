//! The audit trail: one row per change, written in the same transaction as the change.

use sea_orm::entity::prelude::*;

use crate::Environment;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_logs")]
pub struct Model {
    /// `aud_` followed by a UUIDv7 (so ids sort by time).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub org_id: String,
    pub environment: Environment,
    /// `client` (an API credential), `operator` (admin routes) or `cli`.
    pub actor_type: String,
    /// The acting client, when `actor_type` is `client`.
    pub actor_client_id: Option<String>,
    /// `<resource>.<verb>`, e.g. `client.created`, `client.secret_rotated`.
    pub action: String,
    pub resource_type: String,
    pub resource_id: String,
    /// Changed fields as `{"field": {"from": .., "to": ..}}`; secrets never appear.
    pub changes: Option<Json>,
    pub request_id: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
