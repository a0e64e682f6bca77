//! A member's console session: the server-side row a session cookie names. Deleting the row
//! ends the session at once, in every process.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "member_sessions")]
pub struct Model {
    /// Hex sha256 of the cookie's token (the token itself is never stored).
    #[sea_orm(primary_key, auto_increment = false)]
    pub token_hash: String,
    pub member_id: String,
    /// Sent back in `X-CSRF-Token` by every write made with the cookie.
    pub csrf_token: String,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
