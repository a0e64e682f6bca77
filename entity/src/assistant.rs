//! Assistants: an organization's personas. The row holds the current configuration; every
//! version of it is kept in `assistant_versions`.

use sea_orm::entity::prelude::*;

use crate::Environment;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "assistants")]
pub struct Model {
    /// `asst_` followed by a UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub org_id: String,
    pub environment: Environment,
    pub name: String,
    pub description: Option<String>,
    pub tone: String,
    /// A BCP-47 tag, normalised (`en`, `pt-BR`).
    pub language: String,
    /// Task templates, a JSON array of strings.
    pub default_tasks: Json,
    pub instructions: String,
    pub is_active: bool,
    /// `all` or `selected`.
    pub knowledge_scope: String,
    /// JSON array of knowledge item ids.
    pub knowledge_ids: Json,
    /// JSON array of knowledge item ids.
    pub excluded_knowledge_ids: Json,
    pub retrieval_top_k: i32,
    pub retrieval_min_score: f64,
    /// `generative` or `extractive`.
    pub reply_mode: String,
    pub fallback_message: String,
    /// What the widget says before the first question; none shows no greeting.
    pub greeting: Option<String>,
    /// The number of the current version; starts at 1.
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Set by DELETE: the assistant is hidden everywhere, its versions are kept.
    pub deleted_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
