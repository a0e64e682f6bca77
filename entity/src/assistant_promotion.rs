//! A sandbox assistant's configuration (and optionally its knowledge) copied to production
//! (`POST /assistants/{id}/promote`). The row is written first as the promotion's claim, and
//! completed when the production assistant has its new version.

use sea_orm::entity::prelude::*;

use crate::Environment;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "assistant_promotions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub org_id: String,
    /// The source's environment: the sandbox.
    pub environment: Environment,
    /// The sandbox assistant promoted, and its version then.
    pub source_assistant_id: String,
    pub source_version: i32,
    pub include_knowledge: bool,
    /// The production assistant it became (or updated), and its version then; unset while the
    /// promotion runs.
    pub production_assistant_id: Option<String>,
    pub production_version: Option<i32>,
    /// JSON array of `{source_id, id, created}`: the sandbox items and their production copies.
    pub knowledge: Json,
    /// JSON array of the sandbox item ids the configuration named that production lacks.
    pub unmapped_knowledge_ids: Json,
    /// Moves on each time a promotion takes the row over (its production assistant was
    /// deleted, or an earlier attempt died unfinished).
    pub attempt: i32,
    /// When the current attempt started.
    pub created_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
