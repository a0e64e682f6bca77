//! Daily quota windows (UTC days): the shared counter every API process increments, shaped
//! like the hourly `rate_limit_windows`.

use sea_orm::entity::prelude::*;

use crate::Environment;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rate_limit_days")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub org_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub environment: Environment,
    /// Unix seconds at which the window opened (a multiple of 86400: midnight UTC).
    #[sea_orm(primary_key, auto_increment = false)]
    pub window_start: i64,
    /// The limit in force at the latest admission.
    pub max_requests: i64,
    /// Requests admitted in the window; never above `max_requests`.
    pub admitted: i64,
    /// Requests that asked, admitted or not (`requested - admitted` were refused).
    pub requested: i64,
    /// How many the latest increment admitted: lets one atomic upsert report its own grant.
    pub last_grant: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
