//! OAuth applications (clients): the credentials an organization calls the API with.

use sea_orm::entity::prelude::*;

use crate::Environment;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "clients")]
pub struct Model {
    /// The public `client_id` (`cli_` followed by a UUIDv7), sent as `X-API-Key`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub org_id: String,
    pub environment: Environment,
    pub name: String,
    /// Hex HMAC-SHA256 of the secret keyed with `secret_salt`; the secret itself is never
    /// stored.
    pub secret_hash: String,
    /// Random per-client key of the secret hash, hex.
    pub secret_salt: String,
    /// Bumped by every rotation; tokens carry it, so rotation also revokes issued tokens.
    pub secret_version: i32,
    /// The secret sealed with this deployment's key (AES-256-GCM), for widget identity
    /// verification; `None` for secrets made before it existed (rotation adds it).
    pub secret_sealed: Option<String>,
    /// Exact origins (`scheme://host[:port]`) allowed for the widget and CORS, as a JSON array.
    pub allowed_origins: Json,
    pub is_active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Set by DELETE; a deleted client is hidden everywhere and never authenticates again.
    pub deleted_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
