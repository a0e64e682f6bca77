//! Conversations: the exchanges of one session with its assistant.

use sea_orm::entity::prelude::*;

use crate::Environment;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "conversations")]
pub struct Model {
    /// `conv_` followed by a UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub org_id: String,
    pub environment: Environment,
    pub session_id: String,
    pub assistant_id: String,
    pub visitor_id: String,
    pub user_id: Option<String>,
    /// The visitor's merged context traits (a JSON object) as of the last message.
    pub context: Json,
    pub message_count: i32,
    /// Assistant replies, and those that fell back for want of relevant knowledge: kept here
    /// so that conversation reports need not read every message.
    pub reply_count: i32,
    pub unanswered_count: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub last_message_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
