//! Conversations, messages, replies and feedback.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use companin_entity::{conversation, feedback, message};
use companin_service::conversations::{self, Source};
use poem_openapi::{Enum, Object, Union};
use serde_json::Value;

use super::list_type;

/// A visitor's message to the assistant of their session.
#[derive(Debug, Object)]
pub struct SendMessage {
    /// An active session of the organization's environment.
    pub session_id: String,
    /// The question (at most the configured number of characters, 4,000 by default).
    pub message: String,
    /// A conversation of this session to continue; by default the session's latest (or a
    /// new one).
    pub conversation_id: Option<String>,
    /// Stream the reply as server-sent events (as `Accept: text/event-stream` does).
    #[oai(default)]
    pub stream: bool,
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum MessageRole {
    User,
    Assistant,
}

/// A passage a reply was grounded in.
#[derive(Debug, Clone, Object)]
pub struct MessageSource {
    pub knowledge_id: String,
    pub chunk_id: Option<String>,
    /// The item's title.
    pub title: String,
    /// The file name or page URL.
    pub source: Option<String>,
    /// The passage's text.
    pub snippet: String,
    /// Cosine similarity of the passage to the question (for a curated Q&A: of its
    /// question).
    pub score: f64,
}

impl From<Source> for MessageSource {
    fn from(s: Source) -> Self {
        MessageSource {
            knowledge_id: s.knowledge_id,
            chunk_id: s.chunk_id,
            title: s.title,
            source: s.source,
            snippet: s.snippet,
            score: s.score,
        }
    }
}

/// The assistant's reply as `send-message` returns it.
#[derive(Debug, Object)]
pub struct ReplyMessage {
    pub id: String,
    pub role: MessageRole,
    pub content: String,
    pub created_at: DateTime<Utc>,
}

/// The reply to a message.
#[derive(Debug, Object)]
pub struct MessageReply {
    pub conversation_id: String,
    pub message: ReplyMessage,
    /// The passages the reply used (empty for the fallback).
    pub sources: Vec<MessageSource>,
    /// The assistant version that answered.
    pub assistant_version: i32,
    /// `false` when nothing relevant was found and the reply is the fallback message.
    pub answered: bool,
    /// The stored id of the visitor's message.
    pub user_message_id: String,
}

impl From<conversations::reply::Reply> for MessageReply {
    fn from(r: conversations::reply::Reply) -> Self {
        MessageReply {
            conversation_id: r.conversation_id,
            message: ReplyMessage {
                id: r.message.id,
                role: MessageRole::Assistant,
                content: r.message.content,
                created_at: r.message.created_at,
            },
            sources: r.sources.into_iter().map(MessageSource::from).collect(),
            assistant_version: r.assistant_version,
            answered: r.answered,
            user_message_id: r.user_message_id,
        }
    }
}

/// `event: delta` — the next piece of the reply's text.
#[derive(Debug, Object)]
pub struct DeltaEvent {
    pub text: String,
}

/// `event: sources` — the passages the reply used.
#[derive(Debug, Object)]
pub struct SourcesEvent {
    pub sources: Vec<MessageSource>,
}

/// `event: done` — the reply is whole and stored.
#[derive(Debug, Object)]
pub struct DoneEvent {
    pub conversation_id: String,
    pub message_id: String,
    pub user_message_id: String,
    pub assistant_version: i32,
    pub answered: bool,
    pub created_at: DateTime<Utc>,
}

/// `event: error` — the reply failed mid-way; nothing was stored. Same fields as every
/// error body.
#[derive(Debug, Object)]
pub struct ErrorEvent {
    pub status: String,
    pub status_code: u16,
    pub code: String,
    pub detail: String,
    pub request_id: String,
}

/// One server-sent event of a streamed reply: `delta`s, then `sources`, then `done` (or
/// `error`).
#[derive(Debug, Union)]
#[oai(one_of)]
pub enum ReplyEvent {
    Delta(DeltaEvent),
    Sources(SourcesEvent),
    Done(DoneEvent),
    Error(ErrorEvent),
}

impl ReplyEvent {
    /// The SSE event name.
    pub fn name(&self) -> &'static str {
        match self {
            ReplyEvent::Delta(_) => "delta",
            ReplyEvent::Sources(_) => "sources",
            ReplyEvent::Done(_) => "done",
            ReplyEvent::Error(_) => "error",
        }
    }
}

fn object(v: Value) -> BTreeMap<String, Value> {
    match v {
        Value::Object(o) => o.into_iter().collect(),
        _ => BTreeMap::new(),
    }
}

/// A conversation of a session with its assistant.
#[derive(Debug, Object)]
pub struct Conversation {
    pub id: String,
    pub session_id: String,
    pub assistant_id: String,
    pub visitor_id: String,
    pub user_id: Option<String>,
    /// The visitor's context traits as of the last message.
    pub context: BTreeMap<String, Value>,
    pub message_count: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_message_at: DateTime<Utc>,
}

impl From<conversation::Model> for Conversation {
    fn from(m: conversation::Model) -> Self {
        Conversation {
            id: m.id,
            session_id: m.session_id,
            assistant_id: m.assistant_id,
            visitor_id: m.visitor_id,
            user_id: m.user_id,
            context: object(m.context),
            message_count: m.message_count,
            created_at: m.created_at,
            updated_at: m.updated_at,
            last_message_at: m.last_message_at,
        }
    }
}

/// A stored message.
#[derive(Debug, Object)]
pub struct Message {
    pub id: String,
    pub conversation_id: String,
    pub role: MessageRole,
    pub content: String,
    /// For replies: the passages used.
    pub sources: Vec<MessageSource>,
    /// For replies: `false` for the fallback message.
    pub answered: Option<bool>,
    /// For replies: `qa`, `extractive`, `local`, `openai` or `fallback`.
    pub reply_kind: Option<String>,
    /// For replies: the assistant version that answered.
    pub assistant_version: Option<i32>,
    /// For replies: milliseconds from the question to the whole reply.
    pub latency_ms: Option<i64>,
    /// For replies: milliseconds from the question to the reply's first text.
    pub first_token_ms: Option<i64>,
    pub created_at: DateTime<Utc>,
}

impl From<message::Model> for Message {
    fn from(m: message::Model) -> Self {
        Message {
            sources: conversations::sources_of(&m)
                .into_iter()
                .map(MessageSource::from)
                .collect(),
            role: if m.role == "assistant" {
                MessageRole::Assistant
            } else {
                MessageRole::User
            },
            id: m.id,
            conversation_id: m.conversation_id,
            content: m.content,
            answered: m.answered,
            reply_kind: m.reply_kind,
            assistant_version: m.assistant_version,
            latency_ms: m.latency_ms,
            first_token_ms: m.first_token_ms,
            created_at: m.created_at,
        }
    }
}

/// A conversation with its messages and the feedback given on it, oldest first.
#[derive(Debug, Object)]
pub struct ConversationDetail {
    #[oai(flatten)]
    pub conversation: Conversation,
    pub messages: Vec<Message>,
    /// Ratings of the conversation or of its replies (`message_id`).
    pub feedback: Vec<Feedback>,
}

list_type!(
    /// A page of conversations, newest first.
    ConversationList,
    Conversation
);
list_type!(
    /// A page of a conversation's messages, oldest first.
    MessageList,
    Message
);

/// A rating of a conversation or of one reply in it.
#[derive(Debug, Object)]
pub struct CreateFeedback {
    /// 1 (bad) to 5 (excellent).
    pub rating: i64,
    /// At most 5,000 characters.
    pub comment: Option<String>,
    /// A message of this conversation, to rate one reply.
    pub message_id: Option<String>,
}

/// Stored feedback.
#[derive(Debug, Object)]
pub struct Feedback {
    pub id: String,
    pub conversation_id: String,
    pub message_id: Option<String>,
    pub rating: i16,
    pub comment: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<feedback::Model> for Feedback {
    fn from(m: feedback::Model) -> Self {
        Feedback {
            id: m.id,
            conversation_id: m.conversation_id,
            message_id: m.message_id,
            rating: m.rating,
            comment: m.comment,
            created_at: m.created_at,
        }
    }
}
