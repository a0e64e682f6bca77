//! `send-message`: from a visitor's question to a stored, cited reply.
//!
//! [`prepare`] does everything that can refuse the request (session, assistant, message) and
//! decides what the reply will be — a curated answer, the fallback, extracted sentences or a
//! generated text — before a byte of the response is written, so refusals are ordinary
//! errors even when the reply streams. [`Prepared::run`] then produces the text piece by
//! piece into a channel and stores both messages in one transaction once the reply is whole;
//! a reader that goes away stops the reply, and nothing is stored.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use companin_config::ReplyGenerator;
use companin_entity::{conversation, knowledge_item, message, session, webhook_event};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, EntityTrait, ExprTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::{Map, Value, json};
use tokio::sync::mpsc;

use super::{Source, new_message, prompt};
use crate::Platform;
use crate::assistants::config::{Config, ReplyMode};
use crate::error::{ApiError, ErrorCode};
use crate::generation::extractive::{self, Extract};
use crate::generation::{GenerationError, Prompt, ReplyLimits, Speaker, gate};
use crate::ids::ConversationId;
use crate::search::{Asked, Passage, query_languages, scope_of};
use crate::{Tenant, assistants, contexts, sessions};

/// Curated questions (a Q&A's question and each alternate are chunks of their own) compared
/// with the message, best-retrieved first.
const QA_QUESTIONS: usize = 9;
/// Passages retrieved at least, whatever the assistant's `top_k`: room for a Q&A to show up
/// beside document chunks.
const MIN_RETRIEVED: usize = 8;

/// A visitor's message.
#[derive(Debug, Clone)]
pub struct SendMessage {
    pub session_id: String,
    pub message: String,
    pub conversation_id: Option<String>,
}

/// What the reply will be.
enum Plan {
    /// A curated answer, verbatim.
    Qa { answer: String, source: Source },
    /// Nothing relevant: the assistant's fallback message.
    Fallback,
    /// Sentences of the passages.
    Extract {
        extract: Extract,
        sources: Vec<Source>,
    },
    /// A generated reply from the passages.
    Generate {
        generator: ReplyGenerator,
        prompt: Prompt,
        sources: Vec<Source>,
    },
}

/// A message checked and its reply decided, ready to run.
pub struct Prepared {
    tenant: Tenant,
    session: session::Model,
    assistant_version: i32,
    fallback_message: String,
    conversation: Option<conversation::Model>,
    traits: Map<String, Value>,
    message: String,
    received: Instant,
    received_at: DateTime<Utc>,
    plan: Plan,
    /// The generator's slot, held until the reply is done (see `generation::gate`).
    _slot: Option<gate::Permit>,
}

/// Seconds a client refused for a busy generator is asked to wait.
const BUSY_RETRY_AFTER: u64 = 5;

/// Waits for a slot of the plan's generator, in the tenant's turn; refuses (503 `busy`)
/// when as many replies wait as may.
async fn slot_for(
    state: &Platform,
    tenant: &Tenant,
    plan: &Plan,
) -> Result<Option<gate::Permit>, ApiError> {
    let Plan::Generate { generator, .. } = plan else {
        return Ok(None);
    };
    let Some(gate) = state.generators.gate(*generator) else {
        return Ok(None);
    };
    match gate.enter(tenant).await {
        Ok(permit) => Ok(Some(permit)),
        Err(busy) => Err(ApiError {
            retry_after: Some(BUSY_RETRY_AFTER),
            ..ApiError::new(
                ErrorCode::Busy,
                format!(
                    "every reply generator of this server is taken and {} replies wait; retry \
                     shortly",
                    busy.waiting
                ),
            )
        }),
    }
}

/// A stored reply.
#[derive(Debug, Clone)]
pub struct Reply {
    pub conversation_id: String,
    pub user_message_id: String,
    pub message: message::Model,
    pub sources: Vec<Source>,
    pub assistant_version: i32,
    pub answered: bool,
}

/// Checks the message and decides its reply (see the module documentation).
pub async fn prepare(
    state: &Platform,
    tenant: &Tenant,
    request: SendMessage,
) -> Result<Prepared, ApiError> {
    let received = Instant::now();
    let received_at = crate::db::now();
    let settings = &state.settings.conversations;
    let message = request.message.trim().to_owned();
    if message.is_empty() {
        return Err(ApiError::validation("message", "must not be empty"));
    }
    if message.chars().count() > settings.max_message_chars {
        return Err(ApiError::validation(
            "message",
            format!("must be at most {} characters", settings.max_message_chars),
        ));
    }
    let db = &state.db;
    let session = sessions::get(db, tenant, request.session_id.trim()).await?;
    sessions::ensure_active(&session, received_at)?;
    let assistant = assistants::get(db, tenant, &session.assistant_id).await?;
    if !assistant.is_active {
        return Err(ApiError::new(
            ErrorCode::AssistantInactive,
            "the assistant is inactive and takes no new messages",
        ));
    }
    let config = Config::from_row(&assistant);
    let conversation = conversation_of(state, tenant, &session, request.conversation_id).await?;
    let history = match &conversation {
        Some(c) => history(state, tenant, &c.id, settings.history_messages).await?,
        None => Vec::new(),
    };
    let (traits, _) = contexts::traits_for_session(db, tenant, &session).await?;

    let vector = state.search.embed(&message).await?;
    let scope = scope_of(db, tenant, &assistant, &config).await?;
    let wanted = (config.retrieval.top_k as usize)
        .max(settings.prompt_passages)
        .max(MIN_RETRIEVED);
    let languages = query_languages(&message, Some(&config.language));
    let asked = Asked {
        text: &message,
        languages: &languages,
        vector: &vector,
    };
    let passages = state
        .search
        .retrieve(db, tenant, asked, &scope, wanted, 0.0)
        .await?;

    let plan =
        if let Some((answer, source)) = curated_answer(state, tenant, &vector, &passages).await? {
            Plan::Qa { answer, source }
        } else {
            let threshold = (config.retrieval.min_score as f32).max(settings.min_relevance);
            let relevant: Vec<&Passage> = passages
                .iter()
                .filter(|p| p.hit.score >= threshold)
                .take((config.retrieval.top_k as usize).max(1))
                .collect();
            plan_reply(state, &config, &traits, history, &relevant, &message)
        };
    // Last: nothing after it may refuse the request, and the slot is held only while needed.
    let slot = slot_for(state, tenant, &plan).await?;
    Ok(Prepared {
        tenant: tenant.clone(),
        session,
        assistant_version: assistant.version,
        fallback_message: config.fallback(),
        conversation,
        traits,
        message,
        received,
        received_at,
        plan,
        _slot: slot,
    })
}

/// The conversation the message continues: the one named (it must be the session's), else
/// the session's latest, else none yet.
async fn conversation_of(
    state: &Platform,
    tenant: &Tenant,
    session: &session::Model,
    named: Option<String>,
) -> Result<Option<conversation::Model>, ApiError> {
    if let Some(id) = named {
        let found = super::get(&state.db, tenant, id.trim()).await?;
        if found.session_id != session.id {
            return Err(ApiError::not_found("conversation"));
        }
        return Ok(Some(found));
    }
    Ok(conversation::Entity::find()
        .filter(tenant.rows::<conversation::Column>())
        .filter(conversation::Column::SessionId.eq(session.id.as_str()))
        .order_by_desc(conversation::Column::CreatedAt)
        .order_by_desc(conversation::Column::Id)
        .one(&state.db)
        .await?)
}

/// The conversation's last `n` messages, oldest first.
async fn history(
    state: &Platform,
    tenant: &Tenant,
    conversation_id: &str,
    n: usize,
) -> Result<Vec<(Speaker, String)>, ApiError> {
    if n == 0 {
        return Ok(Vec::new());
    }
    use message::Column as C;
    let mut rows: Vec<(String, String)> = message::Entity::find()
        .select_only()
        .columns([C::Role, C::Content])
        .filter(tenant.rows::<C>())
        .filter(C::ConversationId.eq(conversation_id))
        .order_by_desc(C::CreatedAt)
        .order_by_desc(C::Id)
        .limit(n as u64)
        .into_tuple()
        .all(&state.db)
        .await?;
    rows.reverse();
    Ok(rows
        .into_iter()
        .map(|(role, content)| {
            let speaker = if role == "assistant" {
                Speaker::Assistant
            } else {
                Speaker::User
            };
            (speaker, content)
        })
        .collect())
}

/// The answer of the best curated Q&A among the retrieved passages whose question (or one of
/// its alternates) is at least `qa_min_similarity` close to the message, with its source.
async fn curated_answer(
    state: &Platform,
    tenant: &Tenant,
    vector: &[f32],
    passages: &[Passage],
) -> Result<Option<(String, Source)>, ApiError> {
    // Each Q&A chunk is one of its questions with the answer: `Q: question\nA: answer`.
    let candidates: Vec<(&Passage, String)> = passages
        .iter()
        .filter(|p| p.kind == "qa")
        .filter_map(|p| {
            let question = p.content.strip_prefix("Q: ")?.split("\nA: ").next()?;
            Some((p, question.trim().to_owned()))
        })
        .take(QA_QUESTIONS)
        .collect();
    if candidates.is_empty() {
        return Ok(None);
    }
    let questions = candidates.iter().map(|(_, q)| q.clone()).collect();
    let vectors = state.search.embed_all(questions).await?;
    let relevance = state.search.relevance();
    let best = candidates
        .iter()
        .zip(&vectors)
        .map(|((p, _), v)| {
            let cosine = companin_inference::dot(vector, v);
            (*p, relevance.of(cosine, p.hit.across_languages))
        })
        .max_by(|a, b| a.1.total_cmp(&b.1));
    let Some((passage, similarity)) = best else {
        return Ok(None);
    };
    if similarity < state.settings.conversations.qa_min_similarity {
        return Ok(None);
    }
    // The answer as curated, not as chunked.
    let answer: Option<Option<String>> = knowledge_item::Entity::find()
        .select_only()
        .column(knowledge_item::Column::Answer)
        .filter(tenant.rows::<knowledge_item::Column>())
        .filter(knowledge_item::Column::Id.eq(passage.hit.knowledge_id.as_str()))
        .into_tuple()
        .one(&state.db)
        .await?;
    let Some(Some(answer)) = answer else {
        return Ok(None);
    };
    let mut source = source_of(passage);
    source.score = f64::from(similarity.clamp(0.0, 1.0));
    Ok(Some((answer, source)))
}

fn source_of(p: &Passage) -> Source {
    Source {
        knowledge_id: p.hit.knowledge_id.clone(),
        chunk_id: Some(p.hit.chunk_id.clone()),
        title: p.title.clone(),
        source: p.source.clone(),
        snippet: p.content.clone(),
        score: f64::from(p.hit.score),
    }
}

fn plan_reply(
    state: &Platform,
    config: &Config,
    traits: &Map<String, Value>,
    history: Vec<(Speaker, String)>,
    relevant: &[&Passage],
    message: &str,
) -> Plan {
    if relevant.is_empty() {
        return Plan::Fallback;
    }
    let generator = match config.reply_mode {
        ReplyMode::Extractive => ReplyGenerator::Extractive,
        ReplyMode::Generative => state.settings.conversations.generator,
    };
    if generator == ReplyGenerator::Extractive {
        let texts: Vec<&str> = relevant.iter().map(|p| p.content.as_str()).collect();
        let extract = extractive::compose(message, &texts);
        if extract.pieces.is_empty() {
            return Plan::Fallback;
        }
        let sources = extract
            .cited
            .iter()
            .filter_map(|&i| relevant.get(i))
            .map(|p| source_of(p))
            .collect();
        return Plan::Extract { extract, sources };
    }
    let passages: Vec<&Passage> = relevant
        .iter()
        .take(state.settings.conversations.prompt_passages)
        .copied()
        .collect();
    Plan::Generate {
        generator,
        prompt: prompt::build(config, traits, &history, &passages, message),
        sources: passages.iter().map(|p| source_of(p)).collect(),
    }
}

/// How the reply was made, as stored.
struct Made {
    kind: &'static str,
    text: String,
    sources: Vec<Source>,
    answered: bool,
    first_text: Option<Duration>,
    prompt_tokens: Option<u32>,
    completion_tokens: Option<u32>,
}

impl Prepared {
    /// Produces the reply into `deltas` and stores it. `Ok(None)`: the reader went away
    /// before the reply was whole, and nothing was stored.
    pub async fn run(
        self,
        state: &Platform,
        deltas: mpsc::Sender<String>,
    ) -> Result<Option<Reply>, ApiError> {
        let made = match &self.plan {
            Plan::Qa { answer, source } => {
                let made = Made::fixed("qa", answer.clone(), vec![source.clone()], true);
                self.send_all(&deltas, std::slice::from_ref(answer), made)
                    .await
            }
            Plan::Fallback => self.fallback(&deltas).await,
            Plan::Extract { extract, sources } => {
                let made = Made::fixed("extractive", extract.text(), sources.clone(), true);
                self.send_all(&deltas, &extract.pieces, made).await
            }
            Plan::Generate {
                generator,
                prompt,
                sources,
            } => {
                match self
                    .generate(state, *generator, prompt, sources, &deltas)
                    .await?
                {
                    Some(made) if made.text.is_empty() => self.fallback(&deltas).await,
                    other => other,
                }
            }
        };
        let Some(made) = made else {
            return Ok(None);
        };
        self.store(state, made).await.map(Some)
    }

    /// [`Prepared::run`] for a caller that wants only the stored reply, not its pieces.
    pub async fn run_to_end(self, state: &Platform) -> Result<Reply, ApiError> {
        let (deltas, mut pieces) = mpsc::channel(64);
        let drain = async move { while pieces.recv().await.is_some() {} };
        let (stored, ()) = tokio::join!(self.run(state, deltas), drain);
        stored?.ok_or_else(|| {
            ApiError::internal(anyhow::anyhow!(
                "the reply stopped with its reader still there"
            ))
        })
    }

    async fn fallback(&self, deltas: &mpsc::Sender<String>) -> Option<Made> {
        let text = self.fallback_message.clone();
        let made = Made::fixed("fallback", text.clone(), Vec::new(), false);
        self.send_all(deltas, &[text], made).await
    }

    async fn send_all(
        &self,
        deltas: &mpsc::Sender<String>,
        pieces: &[String],
        mut made: Made,
    ) -> Option<Made> {
        made.first_text = Some(self.received.elapsed());
        for piece in pieces {
            deltas.send(piece.clone()).await.ok()?;
        }
        Some(made)
    }

    async fn generate(
        &self,
        state: &Platform,
        kind: ReplyGenerator,
        prompt: &Prompt,
        sources: &[Source],
        deltas: &mpsc::Sender<String>,
    ) -> Result<Option<Made>, ApiError> {
        let generator = state
            .generators
            .pick(kind)
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("no generator for {kind:?}")))?;
        let settings = &state.settings.conversations;
        let limits = ReplyLimits {
            max_tokens: settings.max_reply_tokens,
            deadline: Duration::from_secs(settings.reply_timeout_secs),
        };
        let (pieces, mut produced) = mpsc::channel::<String>(64);
        let received = self.received;
        let forward = async move {
            let mut text = String::new();
            let mut first = None;
            while let Some(piece) = produced.recv().await {
                first.get_or_insert_with(|| received.elapsed());
                text.push_str(&piece);
                if deltas.send(piece).await.is_err() {
                    // Dropping `produced` tells the generator to stop.
                    return None;
                }
            }
            Some((text, first))
        };
        let (usage, forwarded) = tokio::join!(generator.generate(prompt, limits, pieces), forward);
        let usage = usage.map_err(|e| match e {
            GenerationError::Unavailable(_) => ApiError::new(ErrorCode::Unavailable, e.to_string()),
            GenerationError::Failed(_) => ApiError::new(ErrorCode::GenerationFailed, e.to_string()),
        })?;
        let Some((text, first_text)) = forwarded else {
            return Ok(None);
        };
        Ok(Some(Made {
            kind: generator.kind(),
            text,
            sources: sources.to_vec(),
            answered: true,
            first_text,
            prompt_tokens: usage.prompt_tokens,
            completion_tokens: usage.completion_tokens,
        }))
    }

    /// Both messages, the conversation and the session's activity, in one transaction.
    async fn store(&self, state: &Platform, made: Made) -> Result<Reply, ApiError> {
        let tenant = &self.tenant;
        let now = crate::db::now();
        let txn = crate::db::begin_write(&state.db_write).await?;
        let mut created = None;
        let conversation_id = match &self.conversation {
            Some(c) => {
                use conversation::Column as C;
                conversation::Entity::update_many()
                    .col_expr(C::MessageCount, Expr::col(C::MessageCount).add(2))
                    .col_expr(C::ReplyCount, Expr::col(C::ReplyCount).add(1))
                    .col_expr(
                        C::UnansweredCount,
                        Expr::col(C::UnansweredCount).add(i32::from(!made.answered)),
                    )
                    .col_expr(C::LastMessageAt, Expr::value(now))
                    .col_expr(C::UpdatedAt, Expr::value(now))
                    .col_expr(C::Context, Expr::value(Value::Object(self.traits.clone())))
                    .filter(C::Id.eq(c.id.as_str()))
                    .exec(&txn)
                    .await?;
                c.id.clone()
            }
            None => {
                let row = conversation::Model {
                    id: ConversationId::generate().into_string(),
                    org_id: tenant.org_id.to_string(),
                    environment: tenant.environment,
                    session_id: self.session.id.clone(),
                    assistant_id: self.session.assistant_id.clone(),
                    visitor_id: self.session.visitor_id.clone(),
                    user_id: self.session.user_id.clone(),
                    context: Value::Object(self.traits.clone()),
                    message_count: 2,
                    reply_count: 1,
                    unanswered_count: i32::from(!made.answered),
                    created_at: self.received_at,
                    updated_at: now,
                    last_message_at: now,
                };
                conversation::Entity::insert(row.clone().into_active_model())
                    .exec_without_returning(&txn)
                    .await?;
                created = Some(json!({
                    "id": row.id,
                    "session_id": row.session_id,
                    "assistant_id": row.assistant_id,
                    "visitor_id": row.visitor_id,
                    "user_id": row.user_id,
                    "created_at": row.created_at,
                }));
                row.id
            }
        };
        let question = new_message(
            tenant,
            &conversation_id,
            "user",
            self.message.clone(),
            self.received_at,
        );
        let millis = |d: Duration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
        let reply = message::Model {
            reply_kind: Some(made.kind.to_owned()),
            answered: Some(made.answered),
            sources: serde_json::to_value(&made.sources).unwrap_or_else(|_| json!([])),
            assistant_version: Some(self.assistant_version),
            prompt_tokens: made.prompt_tokens.and_then(|t| i32::try_from(t).ok()),
            completion_tokens: made.completion_tokens.and_then(|t| i32::try_from(t).ok()),
            latency_ms: Some(millis(self.received.elapsed())),
            first_token_ms: made.first_text.map(millis),
            ..new_message(tenant, &conversation_id, "assistant", made.text, now)
        };
        message::Entity::insert_many([
            question.clone().into_active_model(),
            reply.clone().into_active_model(),
        ])
        .exec_without_returning(&txn)
        .await?;
        session::Entity::update_many()
            .col_expr(session::Column::LastActivityAt, Expr::value(now))
            .filter(session::Column::Id.eq(self.session.id.as_str()))
            .exec(&txn)
            .await?;
        let (org, env) = (tenant.org_id.as_str(), tenant.environment);
        if let Some(data) = created {
            webhook_event::emit(&txn, org, env, "conversation.created", data).await?;
        }
        let data = json!({
            "conversation_id": conversation_id,
            "session_id": self.session.id,
            "assistant_id": self.session.assistant_id,
            "message": {
                "id": question.id,
                "role": question.role,
                "content": question.content,
                "created_at": question.created_at,
            },
            "reply": {
                "id": reply.id,
                "role": reply.role,
                "content": reply.content,
                "reply_kind": reply.reply_kind,
                "answered": reply.answered,
                "sources": reply.sources,
                "created_at": reply.created_at,
            },
        });
        webhook_event::emit(&txn, org, env, "message.created", data).await?;
        txn.commit().await?;
        crate::metrics::record_reply(made.kind, self.received.elapsed(), made.first_text);
        tracing::info!(
            conversation_id = %conversation_id,
            reply_kind = made.kind,
            answered = made.answered,
            sources = made.sources.len(),
            latency_ms = reply.latency_ms,
            "reply stored"
        );
        Ok(Reply {
            conversation_id,
            user_message_id: question.id,
            message: reply,
            sources: made.sources,
            assistant_version: self.assistant_version,
            answered: made.answered,
        })
    }
}

impl Made {
    fn fixed(kind: &'static str, text: String, sources: Vec<Source>, answered: bool) -> Self {
        Made {
            kind,
            text,
            sources,
            answered,
            first_text: None,
            prompt_tokens: None,
            completion_tokens: None,
        }
    }
}
