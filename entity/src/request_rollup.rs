//! Hourly totals of the request log, per client and endpoint: what the traffic reports read
//! instead of scanning every row. Written by the request-log writer in the same transaction
//! as the rows they sum.

use sea_orm::entity::prelude::*;

use crate::Environment;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "request_rollups")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub org_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub environment: Environment,
    /// Unix seconds at which the hour starts.
    #[sea_orm(primary_key, auto_increment = false)]
    pub hour: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub client_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub method: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub route: String,
    pub requests: i64,
    /// Responses with status 400 or above.
    pub errors: i64,
    /// Responses with status 500 or above (counted in `errors` too).
    pub server_errors: i64,
    pub latency_sum_ms: f64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
