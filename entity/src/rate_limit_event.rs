//! Rate-limit events: the first request past 80 % of a window (`warning`) and every refusal
//! (`blocked`), of the hourly limit or the daily quota.

use sea_orm::entity::prelude::*;

use crate::Environment;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rate_limit_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: String,
    pub environment: Environment,
    pub client_id: String,
    /// `warning` or `blocked`.
    pub kind: String,
    /// The window the event is about: `hour` or `day`.
    pub period: String,
    pub window_start: i64,
    pub max_requests: i64,
    /// Requests admitted in the window when the event happened.
    pub used: i64,
    pub request_id: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
