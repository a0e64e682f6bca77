//! The messages of a conversation: the visitor's and the assistant's replies.

use sea_orm::entity::prelude::*;

use crate::Environment;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "messages")]
pub struct Model {
    /// `msg_` followed by a UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub conversation_id: String,
    pub org_id: String,
    pub environment: Environment,
    /// `user` or `assistant`.
    pub role: String,
    pub content: String,
    /// What produced a reply: `qa`, `extractive`, `local`, `openai` or `fallback`.
    pub reply_kind: Option<String>,
    /// For replies: `false` when the assistant had nothing relevant and fell back.
    pub answered: Option<bool>,
    /// The passages a reply cited, as a JSON array.
    pub sources: Json,
    /// The assistant version that answered.
    pub assistant_version: Option<i32>,
    pub prompt_tokens: Option<i32>,
    pub completion_tokens: Option<i32>,
    /// From receiving the question to the reply's end.
    pub latency_ms: Option<i64>,
    /// From receiving the question to the reply's first text.
    pub first_token_ms: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
