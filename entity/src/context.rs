//! Contexts: traits about a session, a visitor or a user, which reach the assistant's prompt.

use sea_orm::entity::prelude::*;

use crate::Environment;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contexts")]
pub struct Model {
    /// `ctx_` followed by a UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub org_id: String,
    pub environment: Environment,
    /// Exactly one of the three subjects is set.
    pub session_id: Option<String>,
    pub visitor_id: Option<String>,
    pub user_id: Option<String>,
    /// A JSON object of traits.
    pub traits: Json,
    pub crm_provider: Option<String>,
    pub crm_external_id: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
