//! The first response of a POST sent with an `Idempotency-Key`, replayed to its retries.

use sea_orm::entity::prelude::*;

use crate::Environment;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency_keys")]
pub struct Model {
    /// `idem_` followed by a UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub org_id: String,
    pub environment: Environment,
    /// Who sent it within the tenant: the client id, and for a widget token its visitor.
    pub caller: String,
    pub key: String,
    /// Hex sha256 of the method, path, query and body: a retry must send the same.
    pub request_hash: String,
    /// `running` while the first request is being answered, `done` once its response is kept.
    pub state: String,
    pub response_status: Option<i32>,
    pub response_type: Option<String>,
    pub response_body: Option<Vec<u8>>,
    /// A `running` key whose request has not answered by then (its process died) may be
    /// taken over by a retry.
    pub locked_until: DateTimeUtc,
    pub created_at: DateTimeUtc,
    /// When the key is forgotten (24 hours after the first request).
    pub expires_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
