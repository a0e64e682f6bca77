//! Conversations: reading them back with their messages, and feedback on them. Replying is
//! in [`reply`].

pub mod prompt;
pub mod reply;

use chrono::{DateTime, Utc};
use companin_entity::{conversation, feedback, message};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait,
};
use serde::{Deserialize, Serialize};

use super::Tenant;
use crate::Paging;
use crate::error::ApiError;
use crate::ids::{FeedbackId, MessageId};

/// Longest feedback comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 5_000;

/// A passage a reply cited, as stored with the message and returned to clients.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Source {
    pub knowledge_id: String,
    pub chunk_id: Option<String>,
    pub title: String,
    pub source: Option<String>,
    pub snippet: String,
    pub score: f64,
}

/// The sources stored with a message (an empty list for anything unreadable).
pub fn sources_of(m: &message::Model) -> Vec<Source> {
    serde_json::from_value(m.sources.clone()).unwrap_or_default()
}

/// A message of a conversation as stored: who said what, and when. A reply adds what made it,
/// its sources, the assistant version and its timings.
pub fn new_message(
    tenant: &Tenant,
    conversation_id: &str,
    role: &str,
    content: impl Into<String>,
    at: DateTime<Utc>,
) -> message::Model {
    message::Model {
        id: MessageId::generate().into_string(),
        conversation_id: conversation_id.to_owned(),
        org_id: tenant.org_id.to_string(),
        environment: tenant.environment,
        role: role.to_owned(),
        content: content.into(),
        reply_kind: None,
        answered: None,
        sources: serde_json::json!([]),
        assistant_version: None,
        prompt_tokens: None,
        completion_tokens: None,
        latency_ms: None,
        first_token_ms: None,
        created_at: at,
    }
}

fn tenant_conversations(tenant: &Tenant) -> sea_orm::Select<conversation::Entity> {
    conversation::Entity::find().filter(tenant.rows::<conversation::Column>())
}

/// Filters of `GET /conversations/`.
#[derive(Debug, Default)]
pub struct Filter {
    pub session_id: Option<String>,
    pub assistant_id: Option<String>,
    /// Conversations started at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Conversations started before this time.
    pub to: Option<DateTime<Utc>>,
    /// Conversations with a feedback of this rating (1 to 5).
    pub rating: Option<i16>,
}

pub async fn list(
    db: &DatabaseConnection,
    tenant: &Tenant,
    filter: Filter,
    paging: Paging,
) -> Result<(Vec<conversation::Model>, u64), ApiError> {
    use conversation::Column as C;
    if let (Some(from), Some(to)) = (filter.from, filter.to)
        && from > to
    {
        return Err(ApiError::validation("from", "must not be after `to`"));
    }
    let mut query = tenant_conversations(tenant);
    if let Some(v) = filter.session_id {
        query = query.filter(C::SessionId.eq(v));
    }
    if let Some(v) = filter.assistant_id {
        query = query.filter(C::AssistantId.eq(v));
    }
    if let Some(v) = filter.from {
        query = query.filter(C::CreatedAt.gte(v));
    }
    if let Some(v) = filter.to {
        query = query.filter(C::CreatedAt.lt(v));
    }
    if let Some(v) = filter.rating {
        let rated = feedback::Entity::find()
            .select_only()
            .column(feedback::Column::ConversationId)
            .filter(tenant.rows::<feedback::Column>())
            .filter(feedback::Column::Rating.eq(v))
            .into_query();
        query = query.filter(C::Id.in_subquery(rated));
    }
    Ok(super::page(db, query, C::CreatedAt, C::Id, paging).await?)
}

/// The feedback given on a conversation (on it or on its replies), oldest first; at most
/// `limit` entries.
pub async fn feedback_of(
    db: &DatabaseConnection,
    tenant: &Tenant,
    conversation_id: &str,
    limit: u64,
) -> Result<Vec<feedback::Model>, ApiError> {
    Ok(feedback::Entity::find()
        .filter(tenant.rows::<feedback::Column>())
        .filter(feedback::Column::ConversationId.eq(conversation_id))
        .order_by_asc(feedback::Column::CreatedAt)
        .order_by_asc(feedback::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// The tenant's conversation with this id; 404 for other tenants' ids.
pub async fn get(
    conn: &impl ConnectionTrait,
    tenant: &Tenant,
    id: &str,
) -> Result<conversation::Model, ApiError> {
    tenant_conversations(tenant)
        .filter(conversation::Column::Id.eq(id))
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::not_found("conversation"))
}

/// A page of a conversation's messages, oldest first, and their number.
pub async fn messages(
    db: &DatabaseConnection,
    tenant: &Tenant,
    conversation_id: &str,
    paging: Paging,
) -> Result<(Vec<message::Model>, u64), ApiError> {
    use message::Column as C;
    let conversation = get(db, tenant, conversation_id).await?;
    let query = message::Entity::find()
        .filter(tenant.rows::<C>())
        .filter(C::ConversationId.eq(conversation.id));
    let total = query.clone().count(db).await?;
    let items = query
        .order_by_asc(C::CreatedAt)
        .order_by_asc(C::Id)
        .limit(paging.limit)
        .offset(paging.offset)
        .all(db)
        .await?;
    Ok((items, total))
}

/// Feedback to record.
#[derive(Debug)]
pub struct NewFeedback {
    pub rating: i64,
    pub comment: Option<String>,
    pub message_id: Option<String>,
}

/// Records feedback on a conversation (or on one of its replies).
pub async fn add_feedback(
    db: &DatabaseConnection,
    tenant: &Tenant,
    conversation_id: &str,
    new: NewFeedback,
) -> Result<feedback::Model, ApiError> {
    let rating = i16::try_from(new.rating)
        .ok()
        .filter(|r| (1..=5).contains(r))
        .ok_or_else(|| ApiError::validation("rating", "must be an integer from 1 to 5"))?;
    let comment = new
        .comment
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty());
    if comment
        .as_ref()
        .is_some_and(|c| c.chars().count() > MAX_COMMENT_CHARS)
    {
        return Err(ApiError::validation(
            "comment",
            format!("must be at most {MAX_COMMENT_CHARS} characters"),
        ));
    }
    let conversation = get(db, tenant, conversation_id).await?;
    if let Some(id) = &new.message_id {
        let belongs = message::Entity::find()
            .filter(tenant.rows::<message::Column>())
            .filter(message::Column::ConversationId.eq(conversation.id.as_str()))
            .filter(message::Column::Id.eq(id.as_str()))
            .count(db)
            .await?
            > 0;
        if !belongs {
            return Err(ApiError::validation(
                "message_id",
                "is not a message of this conversation",
            ));
        }
    }
    let row = feedback::Model {
        id: FeedbackId::generate().into_string(),
        org_id: tenant.org_id.to_string(),
        environment: tenant.environment,
        conversation_id: conversation.id,
        message_id: new.message_id,
        rating,
        comment,
        created_at: crate::db::now(),
    };
    let txn = crate::db::begin_write(db).await?;
    feedback::Entity::insert(row.clone().into_active_model())
        .exec_without_returning(&txn)
        .await?;
    let data = serde_json::json!({
        "id": row.id,
        "conversation_id": row.conversation_id,
        "message_id": row.message_id,
        "rating": row.rating,
        "comment": row.comment,
        "created_at": row.created_at,
    });
    companin_entity::webhook_event::emit(
        &txn,
        &row.org_id,
        row.environment,
        "feedback.created",
        data,
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}
