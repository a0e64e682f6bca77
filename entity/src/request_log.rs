//! One row per API request, written in batches off the request path.

use sea_orm::entity::prelude::*;

use crate::Environment;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "request_logs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The tenant, when the request authenticated.
    pub org_id: Option<String>,
    pub environment: Option<Environment>,
    pub client_id: Option<String>,
    pub request_id: String,
    pub method: String,
    /// The route template (`/api/v1/clients/{id}`), or the raw path when no route matched.
    pub route: String,
    pub status: i32,
    pub latency_ms: f64,
    /// The latency's histogram bucket ([`crate::latency_rollup::bucket`]): a percentile's
    /// exact value is read from the rows of one bucket.
    pub latency_bucket: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
