//! One event for one webhook endpoint: its fixed body, and where its delivery stands.

use sea_orm::entity::prelude::*;

use crate::Environment;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_deliveries")]
pub struct Model {
    /// `whd_` followed by a UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub org_id: String,
    pub environment: Environment,
    pub endpoint_id: String,
    /// The event's id (`evt_…`): the `webhook-id` header, the same on every attempt and
    /// redelivery, for the receiver to deduplicate.
    pub event_id: String,
    pub event_type: String,
    /// 0 for the event's delivery, n for its n-th redelivery on demand.
    pub sequence: i32,
    /// The JSON envelope posted, fixed when the event happened.
    #[sea_orm(column_type = "Text")]
    pub payload: String,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    /// A worker holds the delivery until then; after it, another worker may take it over.
    pub locked_until: Option<DateTimeUtc>,
    /// The receiver's status of the latest attempt.
    pub response_status: Option<i32>,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    /// How long the latest attempt took.
    pub duration_ms: Option<i32>,
    pub created_at: DateTimeUtc,
    pub last_attempt_at: Option<DateTimeUtc>,
    pub delivered_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
