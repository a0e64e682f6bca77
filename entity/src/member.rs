//! Team members: people who sign in to the console, each with one role in one organization.

use sea_orm::entity::prelude::*;

use crate::MemberRole;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "members")]
pub struct Model {
    /// `mem_` followed by a UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub org_id: String,
    /// Lower-cased; unique across the deployment (it is what a person signs in with).
    pub email: String,
    pub role: MemberRole,
    /// The argon2id hash (PHC string); `None` until the member accepts an invitation.
    pub password_hash: Option<String>,
    /// Hex sha256 of the pending invitation's token (the token itself is shown once).
    pub invitation_hash: Option<String>,
    pub invitation_expires_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
