//! Rate-limit alerts waiting for, or done with, delivery to a tenant's webhook.

use sea_orm::entity::prelude::*;

use crate::Environment;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "alert_deliveries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: String,
    pub environment: Environment,
    /// `warning` (80 % of the limit passed) or `blocked` (100 %: the first refusal).
    pub kind: String,
    /// The rate-limit window (unix seconds) the alert is about; one alert per kind and window.
    pub window_start: i64,
    /// The JSON body posted, fixed when the alert was raised.
    #[sea_orm(column_type = "Text")]
    pub payload: String,
    /// `pending`, `delivered` or `failed` (retries exhausted).
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    /// A worker holds the delivery until then; after it, another worker may take it over.
    pub locked_until: Option<DateTimeUtc>,
    /// The receiver's status of the latest attempt.
    pub response_status: Option<i32>,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub delivered_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
