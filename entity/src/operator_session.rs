//! The platform operator's console session: opened with the operator token, named by an
//! `HttpOnly` cookie. Deleting the row ends it at once, in every process.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "operator_sessions")]
pub struct Model {
    /// Hex sha256 of the cookie's token (the token itself is never stored).
    #[sea_orm(primary_key, auto_increment = false)]
    pub token_hash: String,
    /// Sent back in `X-CSRF-Token` by every write made with the cookie.
    pub csrf_token: String,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
