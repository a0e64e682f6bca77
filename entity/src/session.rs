//! Visitor sessions: one visitor talking to one assistant, for a bounded time.

use sea_orm::entity::prelude::*;

use crate::Environment;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sessions")]
pub struct Model {
    /// `sess_` followed by a UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub org_id: String,
    pub environment: Environment,
    pub assistant_id: String,
    /// Given by the client or generated (`vis_...`); identifies the browser or device.
    pub visitor_id: String,
    /// The customer's own user id, when the visitor is known to them.
    pub user_id: Option<String>,
    /// BCP-47 tag.
    pub locale: Option<String>,
    /// A JSON object of the customer's own fields (e.g. CRM mappings).
    pub metadata: Json,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub last_activity_at: DateTimeUtc,
    /// Set by `POST /sessions/{id}/end`.
    pub ended_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
