//! Background jobs as users see them (`GET /jobs/{id}`). The queue itself is apalis' table;
//! this row is the job's public record: status, progress, attempts, error and cancel flag.

use sea_orm::entity::prelude::*;

use crate::{Environment, JobKind, JobStatus};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "background_jobs")]
pub struct Model {
    /// `job_` followed by a UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub org_id: String,
    pub environment: Environment,
    /// `ingest`, `reindex`, `summarize`, `crawl` or `sandbox_reset`.
    pub kind: JobKind,
    pub knowledge_id: Option<String>,
    /// Kind-specific arguments (JSON object).
    pub params: Json,
    pub status: JobStatus,
    pub attempts: i32,
    /// 0.0 to 1.0.
    pub progress: f64,
    pub error: Option<String>,
    pub cancel_requested: bool,
    /// Crawls: pages visited so far, and pages found within the bounds so far.
    pub pages_done: Option<i32>,
    pub pages_found: Option<i32>,
    pub enqueued_at: DateTimeUtc,
    pub started_at: Option<DateTimeUtc>,
    pub finished_at: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
    /// When its queue entry was written; `None` while it has none (the sweeper pushes it).
    pub pushed_at: Option<DateTimeUtc>,
    /// When the worker running it last said it was alive.
    pub heartbeat_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
