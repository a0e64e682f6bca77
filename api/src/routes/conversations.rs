//! `/conversations/`: sending a message (a JSON reply or server-sent events), reading
//! conversations back, and feedback.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use companin_entity::conversation;
use companin_service::Paging;
use companin_service::conversations::{self, reply};
use companin_service::{Tenant, sessions};
use futures::StreamExt;
use futures::stream::BoxStream;
use poem::Request;
use poem::web::Data;
use poem::web::sse::Event;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::{EventStream, Json};
use poem_openapi::types::ToJSON;
use poem_openapi::{ApiResponse, OpenApi, ResponseContent};
use tokio::sync::mpsc;

use super::ApiTags;
use crate::auth::scheme::{ClientAuth, VisitorAuth};
use crate::error::{ApiError, ApiResult, ErrorSet, Errors, GetErrors, ListByIdErrors, ListErrors};
use crate::http::context::RequestContext;
use crate::http::idempotency::IdempotencyKey;
use crate::http::json::JsonBody;
use crate::schemas::conversations::{
    Conversation, ConversationDetail, ConversationList, CreateFeedback, DeltaEvent, DoneEvent,
    ErrorEvent, Feedback, Message, MessageList, MessageReply, MessageSource, ReplyEvent,
    SendMessage, SourcesEvent,
};
use crate::state::AppState;

/// Sending a message: 404 for an unknown session or conversation, 409 for an inactive
/// assistant, 410 for an ended or expired session, 502 when the generator fails, 503 when a
/// model is missing.
pub struct SendErrors;
impl ErrorSet for SendErrors {
    const STATUSES: &'static [u16] = &[
        400, 401, 403, 404, 409, 410, 413, 415, 422, 429, 500, 502, 503,
    ];
}

/// Feedback: 404 for an unknown conversation, 422 for a rating outside 1..5 or a message of
/// another conversation.
pub struct FeedbackErrors;
impl ErrorSet for FeedbackErrors {
    const STATUSES: &'static [u16] = &[400, 401, 403, 404, 409, 413, 415, 422, 429, 500];
}

/// The reply as one JSON body, or as server-sent events.
#[derive(ResponseContent)]
enum ReplyContent {
    Json(Json<MessageReply>),
    Stream(EventStream<BoxStream<'static, ReplyEvent>>),
}

#[derive(ApiResponse)]
enum Replied {
    /// The stored reply; with `stream` (or `Accept: text/event-stream`), events `delta`
    /// (text pieces), `sources`, then `done` — or `error` if the reply fails mid-way.
    #[oai(status = 200)]
    Ok(ReplyContent),
}

#[derive(ApiResponse)]
enum FeedbackCreated {
    /// The stored feedback.
    #[oai(status = 201)]
    Created(Json<Feedback>),
}

pub struct ConversationsApi;

#[OpenApi(tag = "ApiTags::Conversations")]
impl ConversationsApi {
    /// Send a message
    ///
    /// A curated Q&A that matches closely is answered verbatim; otherwise the reply is
    /// grounded in the passages retrieved within the assistant's knowledge scope, and when
    /// none is relevant the assistant's fallback message answers (`answered: false`).
    #[oai(
        path = "/conversations/send-message",
        method = "post",
        operation_id = "send_message"
    )]
    async fn send_message(
        &self,
        /// Makes a retry safe: the same key with the same request answers the first
        /// response again (`Idempotent-Replayed: true`) without doing the work twice.
        #[oai(name = "Idempotency-Key", validator(min_length = 1, max_length = 255))]
        _idempotency_key: IdempotencyKey,
        state: Data<&Arc<AppState>>,
        ctx: Data<&Arc<RequestContext>>,
        request: &Request,
        auth: VisitorAuth,
        body: JsonBody<SendMessage>,
    ) -> Result<Replied, Errors<SendErrors>> {
        let b = body.0;
        let tenant = Tenant::from(auth.principal());
        if let Some(visitor) = auth.visitor() {
            visitor.session(sessions::get(&state.db, &tenant, b.session_id.trim()).await?)?;
            state
                .widget_limiter
                .check_message(
                    tenant.org_id.as_str(),
                    tenant.environment,
                    &visitor.visitor_id,
                )
                .await?;
        }
        let wants_events = b.stream
            || request
                .headers()
                .get(poem::http::header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("text/event-stream"));
        let prepared = reply::prepare(
            &state,
            &tenant,
            reply::SendMessage {
                session_id: b.session_id,
                message: b.message,
                conversation_id: b.conversation_id,
            },
        )
        .await?;
        let state = Arc::clone(&state);
        if !wants_events {
            let stored = prepared.run_to_end(&state).await?;
            return Ok(Replied::Ok(ReplyContent::Json(Json(stored.into()))));
        }
        let (events, stream) = mpsc::channel::<ReplyEvent>(64);
        let request_id = ctx.request_id.clone();
        tokio::spawn(stream_reply(state, prepared, events, request_id));
        let stream = futures::stream::unfold(stream, |mut rx| async move {
            rx.recv().await.map(|event| (event, rx))
        })
        .boxed();
        Ok(Replied::Ok(ReplyContent::Stream(
            EventStream::new(stream).to_event(|event| {
                let data = event.to_json_string();
                Event::message(data).event_type(event.name())
            }),
        )))
    }

    /// List conversations
    #[oai(
        path = "/conversations/",
        method = "get",
        operation_id = "list_conversations"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        state: Data<&Arc<AppState>>,
        auth: ClientAuth,
        session_id: Query<Option<String>>,
        assistant_id: Query<Option<String>>,
        /// Conversations started at or after this time (RFC 3339).
        from: Query<Option<DateTime<Utc>>>,
        /// Conversations started before this time (RFC 3339).
        to: Query<Option<DateTime<Utc>>>,
        /// Conversations with a feedback of this rating (1 to 5).
        #[oai(validator(minimum(value = "1"), maximum(value = "5")))]
        rating: Query<Option<i16>>,
        /// Page size (1 to 100, default 20).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<u64>>,
        /// Items to skip.
        offset: Query<Option<u64>>,
    ) -> ApiResult<Json<ConversationList>, ListErrors> {
        let paging = Paging::new(limit.0, offset.0);
        let filter = conversations::Filter {
            session_id: session_id.0,
            assistant_id: assistant_id.0,
            from: from.0,
            to: to.0,
            rating: rating.0,
        };
        let (items, total) =
            conversations::list(&state.db, &Tenant::from(auth.principal()), filter, paging).await?;
        Ok(Json(ConversationList::new(
            items.into_iter().map(Conversation::from).collect(),
            total,
            paging,
        )))
    }

    /// Get a conversation with its messages and feedback
    ///
    /// The first 100 messages, oldest first; page through longer ones with
    /// `GET /conversations/{id}/messages`. The feedback given on it (the first 100), oldest
    /// first.
    #[oai(
        path = "/conversations/:id",
        method = "get",
        operation_id = "get_conversation"
    )]
    async fn get(
        &self,
        state: Data<&Arc<AppState>>,
        auth: VisitorAuth,
        id: Path<String>,
    ) -> ApiResult<Json<ConversationDetail>, GetErrors> {
        let tenant = Tenant::from(auth.principal());
        let conversation = visible(&state, &auth, &tenant, &id.0).await?;
        let (messages, _) =
            conversations::messages(&state.db, &tenant, &id.0, Paging::new(Some(100), None))
                .await?;
        let feedback = conversations::feedback_of(&state.db, &tenant, &id.0, 100).await?;
        Ok(Json(ConversationDetail {
            conversation: conversation.into(),
            messages: messages.into_iter().map(Message::from).collect(),
            feedback: feedback.into_iter().map(Feedback::from).collect(),
        }))
    }

    /// List a conversation's messages
    #[oai(
        path = "/conversations/:id/messages",
        method = "get",
        operation_id = "list_conversation_messages"
    )]
    async fn messages(
        &self,
        state: Data<&Arc<AppState>>,
        auth: VisitorAuth,
        id: Path<String>,
        /// Page size (1 to 100, default 20).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<u64>>,
        /// Items to skip.
        offset: Query<Option<u64>>,
    ) -> ApiResult<Json<MessageList>, ListByIdErrors> {
        let paging = Paging::new(limit.0, offset.0);
        let tenant = Tenant::from(auth.principal());
        if auth.visitor().is_some() {
            visible(&state, &auth, &tenant, &id.0).await?;
        }
        let (items, total) = conversations::messages(&state.db, &tenant, &id.0, paging).await?;
        Ok(Json(MessageList::new(
            items.into_iter().map(Message::from).collect(),
            total,
            paging,
        )))
    }

    /// Rate a conversation
    ///
    /// `rating` from 1 to 5, an optional comment, and optionally the reply rated (a message
    /// of this conversation).
    #[oai(
        path = "/conversations/:id/feedback",
        method = "post",
        operation_id = "create_feedback"
    )]
    async fn feedback(
        &self,
        /// Makes a retry safe: the same key with the same request answers the first
        /// response again (`Idempotent-Replayed: true`) without doing the work twice.
        #[oai(name = "Idempotency-Key", validator(min_length = 1, max_length = 255))]
        _idempotency_key: IdempotencyKey,
        state: Data<&Arc<AppState>>,
        auth: VisitorAuth,
        id: Path<String>,
        body: JsonBody<CreateFeedback>,
    ) -> Result<FeedbackCreated, Errors<FeedbackErrors>> {
        let b = body.0;
        let tenant = Tenant::from(auth.principal());
        if auth.visitor().is_some() {
            visible(&state, &auth, &tenant, &id.0).await?;
        }
        let row = conversations::add_feedback(
            &state.db_write,
            &tenant,
            &id.0,
            conversations::NewFeedback {
                rating: b.rating,
                comment: b.comment,
                message_id: b.message_id,
            },
        )
        .await?;
        Ok(FeedbackCreated::Created(Json(row.into())))
    }
}

/// The conversation, if the caller may see it: any of the tenant's for a client, only the
/// visitor's own for a widget token (404 otherwise, as for a foreign id).
async fn visible(
    state: &AppState,
    auth: &VisitorAuth,
    tenant: &Tenant,
    id: &str,
) -> Result<conversation::Model, ApiError> {
    let found = conversations::get(&state.db, tenant, id).await?;
    match auth.visitor() {
        Some(visitor) => visitor.conversation(found),
        None => Ok(found),
    }
}

/// Runs a prepared reply for an event stream: its pieces as `delta`s, then `sources` and
/// `done`, or `error`. When the client goes away the channel closes, which stops the reply.
async fn stream_reply(
    state: Arc<AppState>,
    prepared: reply::Prepared,
    events: mpsc::Sender<ReplyEvent>,
    request_id: String,
) {
    let (deltas, mut pieces) = mpsc::channel::<String>(64);
    let forward = {
        let events = events.clone();
        async move {
            while let Some(text) = pieces.recv().await {
                if events
                    .send(ReplyEvent::Delta(DeltaEvent { text }))
                    .await
                    .is_err()
                {
                    // Dropping `pieces` stops the reply.
                    return;
                }
            }
        }
    };
    let (stored, ()) = tokio::join!(prepared.run(&state, deltas), forward);
    let last = match stored {
        Ok(Some(r)) => {
            let sources = r.sources.iter().cloned().map(MessageSource::from).collect();
            if events
                .send(ReplyEvent::Sources(SourcesEvent { sources }))
                .await
                .is_err()
            {
                return;
            }
            ReplyEvent::Done(DoneEvent {
                conversation_id: r.conversation_id,
                message_id: r.message.id,
                user_message_id: r.user_message_id,
                assistant_version: r.assistant_version,
                answered: r.answered,
                created_at: r.message.created_at,
            })
        }
        Ok(None) => {
            tracing::info!(request_id, "the client left before the reply was whole");
            return;
        }
        Err(e) => {
            match &e.source {
                Some(source) => {
                    tracing::error!(request_id, error = ?source, "streamed reply failed")
                }
                None => {
                    tracing::warn!(request_id, code = e.code.as_str(), detail = %e.detail, "streamed reply failed")
                }
            }
            ReplyEvent::Error(ErrorEvent {
                status: "error".into(),
                status_code: e.code.status(),
                code: e.code.as_str().to_owned(),
                detail: e.detail,
                request_id,
            })
        }
    };
    let _ = events.send(last).await;
}
