//! Creating, replacing and editing the content of knowledge items.

use companin_entity::{JobKind, KnowledgeStatus, knowledge_item};
use companin_ingest::content_hash;
use companin_worker::jobs;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, Set,
};
use serde_json::{Map, Value, json};

use super::super::audit::{self, Change};
use super::super::{Actor, Tenant, is_unique_violation};
use super::{clean_assistant_ids, clean_metadata, get, no_queue};
use crate::Platform;
use crate::error::ApiError;
use crate::ids::KnowledgeId;

/// Longest title.
pub const MAX_TITLE_CHARS: usize = 500;
/// Longest question (and alternate question).
pub const MAX_QUESTION_CHARS: usize = 1_000;
/// Longest answer.
pub const MAX_ANSWER_CHARS: usize = 20_000;
/// Most alternate questions, and most tags.
pub const MAX_ALTERNATES: usize = 20;
pub const MAX_TAGS: usize = 20;
pub const MAX_TAG_CHARS: usize = 64;

/// Where an item's content comes from.
#[derive(Debug)]
pub enum NewSource {
    File {
        file_name: String,
        media_type: &'static str,
        bytes: Vec<u8>,
    },
    Text {
        content: String,
    },
    Qa(Qa),
}

/// A curated answer's content.
#[derive(Debug, Clone, Default)]
pub struct Qa {
    pub question: String,
    pub answer: String,
    pub alternate_questions: Vec<String>,
    pub tags: Vec<String>,
}

/// An item to create.
#[derive(Debug)]
pub struct NewItem {
    pub title: Option<String>,
    pub source: NewSource,
    pub metadata: Option<Map<String, Value>>,
    pub assistant_ids: Option<Vec<String>>,
    /// The language it is written in (a BCP-47 tag); detected when absent.
    pub language: Option<String>,
    /// Replace the content of the item with the same source (file name; title for texts)
    /// in place, keeping its id.
    pub replace: bool,
}

/// What creating answered.
#[derive(Debug)]
pub enum Created {
    /// Stored (or replaced) and queued: 202.
    Accepted(knowledge_item::Model),
    /// The same content was already there: 200 with that item.
    Existing(knowledge_item::Model),
}

pub fn clean_title(title: &str) -> Result<String, ApiError> {
    let title = title.trim();
    if title.is_empty() || title.chars().count() > MAX_TITLE_CHARS {
        return Err(ApiError::validation(
            "title",
            format!("must be 1 to {MAX_TITLE_CHARS} characters"),
        ));
    }
    Ok(title.to_owned())
}

fn clean_text(field: &str, value: &str, max: usize) -> Result<String, ApiError> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > max {
        return Err(ApiError::validation(
            field,
            format!("must be 1 to {max} characters"),
        ));
    }
    Ok(value.to_owned())
}

fn clean_list(
    field: &str,
    values: Vec<String>,
    most: usize,
    max_chars: usize,
) -> Result<Vec<String>, ApiError> {
    let mut out: Vec<String> = Vec::new();
    for v in values {
        let v = clean_text(field, &v, max_chars)?;
        if !out.contains(&v) {
            out.push(v);
        }
    }
    if out.len() > most {
        return Err(ApiError::validation(
            field,
            format!("at most {most} entries"),
        ));
    }
    Ok(out)
}

/// Checks a Q&A's fields.
pub fn clean_qa(qa: Qa) -> Result<Qa, ApiError> {
    let question = clean_text("question", &qa.question, MAX_QUESTION_CHARS)?;
    let mut alternates = clean_list(
        "alternate_questions",
        qa.alternate_questions,
        MAX_ALTERNATES,
        MAX_QUESTION_CHARS,
    )?;
    alternates.retain(|a| *a != question);
    Ok(Qa {
        answer: clean_text("answer", &qa.answer, MAX_ANSWER_CHARS)?,
        tags: clean_list("tags", qa.tags, MAX_TAGS, MAX_TAG_CHARS)?,
        question,
        alternate_questions: alternates,
    })
}

/// The identity of a Q&A's content: its phrasings and answer (tags are labels, not content).
fn qa_hash(qa: &Qa) -> String {
    let canonical = json!({
        "question": qa.question,
        "alternate_questions": qa.alternate_questions,
        "answer": qa.answer,
    });
    content_hash(format!("qa:{canonical}").as_bytes())
}

/// Fields that follow from the content, for a new or replaced item.
struct Content {
    kind: &'static str,
    title: String,
    source: Option<String>,
    media_type: Option<String>,
    bytes: Option<Vec<u8>>,
    qa: Option<Qa>,
    hash: String,
}

fn content(title: Option<String>, source: NewSource) -> Result<Content, ApiError> {
    let title = title.map(|t| clean_title(&t)).transpose()?;
    Ok(match source {
        NewSource::File {
            file_name,
            media_type,
            bytes,
        } => Content {
            kind: "file",
            title: match title {
                Some(t) => t,
                None => clean_title(&file_name).unwrap_or_else(|_| "Untitled file".to_owned()),
            },
            hash: content_hash(&bytes),
            source: Some(file_name),
            media_type: Some(media_type.to_owned()),
            bytes: Some(bytes),
            qa: None,
        },
        NewSource::Text { content } => {
            let Some(title) = title else {
                return Err(ApiError::validation("title", "a text needs a title"));
            };
            if content.trim().is_empty() {
                return Err(ApiError::validation("content", "must not be empty"));
            }
            Content {
                kind: "text",
                title,
                hash: content_hash(content.as_bytes()),
                source: None,
                media_type: Some("text/plain".to_owned()),
                bytes: Some(content.into_bytes()),
                qa: None,
            }
        }
        NewSource::Qa(qa) => {
            let qa = clean_qa(qa)?;
            Content {
                kind: "qa",
                title: match title {
                    Some(t) => t,
                    None => clean_title(&qa.question)?,
                },
                hash: qa_hash(&qa),
                source: None,
                media_type: None,
                bytes: None,
                qa: Some(qa),
            }
        }
    })
}

pub(crate) async fn find_by_hash(
    conn: &impl ConnectionTrait,
    tenant: &Tenant,
    hash: &str,
) -> Result<Option<knowledge_item::Model>, sea_orm::DbErr> {
    use knowledge_item::Column as C;
    knowledge_item::Entity::find()
        .filter(tenant.rows::<C>())
        .filter(C::ContentHash.eq(hash))
        .one(conn)
        .await
}

/// The item a `replace` targets: same kind and source (or title, for texts).
async fn find_replaced(
    txn: &DatabaseTransaction,
    tenant: &Tenant,
    c: &Content,
) -> Result<Option<knowledge_item::Model>, sea_orm::DbErr> {
    use knowledge_item::Column as C;
    let mut q = knowledge_item::Entity::find()
        .filter(tenant.rows::<C>())
        .filter(C::Kind.eq(c.kind));
    q = match &c.source {
        Some(source) => q.filter(C::Source.eq(source.as_str())),
        None => q.filter(C::Title.eq(c.title.as_str())),
    };
    q.order_by_desc(C::UpdatedAt).one(txn).await
}

fn set_content(active: &mut knowledge_item::ActiveModel, c: Content) {
    let qa = c.qa.unwrap_or_default();
    let is_qa = c.kind == "qa";
    active.title = Set(c.title);
    active.source = Set(c.source);
    active.media_type = Set(c.media_type);
    active.content = Set(c.bytes);
    active.question = Set(is_qa.then(|| qa.question.clone()));
    active.answer = Set(is_qa.then(|| qa.answer.clone()));
    active.alternate_questions = Set(json!(qa.alternate_questions));
    active.tags = Set(json!(qa.tags));
    active.content_hash = Set(c.hash);
}

/// The language an uploader chose, as stored: the primary subtag of a BCP-47 tag (`es` for
/// `es-MX`), which is what stemming and stop words depend on.
pub fn clean_language(raw: Option<String>) -> Result<Option<String>, ApiError> {
    raw.map(|raw| {
        let tag = crate::assistants::config::normalize_tag("language", &raw)?;
        Ok(companin_ingest::language::primary(&tag))
    })
    .transpose()
}

/// Sets the language the uploader chose (none: detected at ingestion).
pub fn set_language(active: &mut knowledge_item::ActiveModel, chosen: Option<String>) {
    active.language = Set(chosen.clone());
    active.language_chosen = Set(chosen);
}

/// Creates (or replaces) an item and queues its processing.
pub async fn create(
    state: &Platform,
    tenant: &Tenant,
    actor: &Actor,
    new: NewItem,
) -> Result<Created, ApiError> {
    if state.queue.is_none() {
        return Err(no_queue());
    }
    let metadata = clean_metadata(new.metadata)?;
    let language = clean_language(new.language)?;
    let c = content(new.title, new.source)?;
    let txn = crate::db::begin_write(&state.db_write).await?;
    if let Some(existing) = find_by_hash(&txn, tenant, &c.hash).await? {
        return Ok(Created::Existing(existing));
    }
    let assistant_ids = clean_assistant_ids(&txn, tenant, new.assistant_ids).await?;
    let job_id = jobs::new_id();
    let now = crate::db::now();
    let replaced = if new.replace {
        find_replaced(&txn, tenant, &c).await?
    } else {
        None
    };
    let (row, action) = match replaced {
        Some(old) => {
            let mut active = old.clone().into_active_model();
            set_content(&mut active, c);
            active.version = Set(old.version + 1);
            active.status = Set(KnowledgeStatus::Pending);
            active.error = Set(None);
            active.metadata = Set(Value::Object(metadata));
            active.assistant_ids = Set(json!(assistant_ids));
            active.job_id = Set(Some(job_id.clone()));
            active.updated_at = Set(now);
            set_language(&mut active, language);
            (active.update(&txn).await?, "knowledge.replaced")
        }
        None => {
            let hash = c.hash.clone();
            let mut active = new_row(tenant, c, metadata, &assistant_ids, Some(&job_id));
            set_language(&mut active, language);
            match active.insert(&txn).await {
                Ok(row) => (row, "knowledge.created"),
                Err(e) if is_unique_violation(&e) => {
                    // Lost a race with an identical upload (PostgreSQL; on SQLite the write
                    // lock orders them): answer the winner.
                    drop(txn);
                    return match find_by_hash(&state.db_write, tenant, &hash).await? {
                        Some(existing) => Ok(Created::Existing(existing)),
                        None => Err(e.into()),
                    };
                }
                Err(e) => return Err(e.into()),
            }
        }
    };
    jobs::new_row(
        &job_id,
        &row.org_id,
        row.environment,
        JobKind::Ingest,
        Some(&row.id),
        json!({}),
    )
    .insert(&txn)
    .await?;
    audit::commit_change(
        txn,
        tenant,
        actor,
        Change {
            action,
            resource_type: "knowledge",
            resource_id: &row.id,
            changes: Some(json!({
                "type": { "to": row.kind },
                "title": { "to": row.title },
                "source": { "to": row.source },
                "content_hash": { "to": row.content_hash },
                "version": { "to": row.version },
            })),
        },
    )
    .await?;
    push(state, &job_id).await?;
    Ok(Created::Accepted(row))
}

/// A new item's row, pending processing.
fn new_row(
    tenant: &Tenant,
    c: Content,
    metadata: Map<String, Value>,
    assistant_ids: &[String],
    job_id: Option<&str>,
) -> knowledge_item::ActiveModel {
    let now = crate::db::now();
    let mut active = knowledge_item::ActiveModel {
        id: Set(KnowledgeId::generate().into_string()),
        org_id: Set(tenant.org_id.to_string()),
        environment: Set(tenant.environment),
        kind: Set(c.kind.to_owned()),
        status: Set(KnowledgeStatus::Pending),
        error: Set(None),
        summary: Set(None),
        summary_kind: Set(None),
        keywords: Set(json!([])),
        chunk_count: Set(0),
        version: Set(1),
        metadata: Set(Value::Object(metadata)),
        assistant_ids: Set(json!(assistant_ids)),
        job_id: Set(job_id.map(str::to_owned)),
        last_synced_at: Set(None),
        next_sync_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    set_content(&mut active, c);
    active
}

/// Inserts a new item, pending, without queuing a job: for a caller that processes it itself
/// right after (the sandbox seed, inside its own job).
pub async fn insert_unqueued(
    conn: &impl ConnectionTrait,
    tenant: &Tenant,
    actor: &Actor,
    title: Option<String>,
    source: NewSource,
) -> Result<knowledge_item::Model, ApiError> {
    let row = new_row(tenant, content(title, source)?, Map::new(), &[], None)
        .insert(conn)
        .await?;
    audit::record(
        conn,
        tenant,
        actor,
        Change {
            action: "knowledge.created",
            resource_type: "knowledge",
            resource_id: &row.id,
            changes: Some(json!({
                "type": { "to": row.kind },
                "title": { "to": row.title },
                "content_hash": { "to": row.content_hash },
            })),
        },
    )
    .await?;
    Ok(row)
}

/// Replaces a Q&A's content in place (a new version, re-embedded).
pub async fn update_qa(
    state: &Platform,
    tenant: &Tenant,
    actor: &Actor,
    id: &str,
    patch: QaPatch,
) -> Result<knowledge_item::Model, ApiError> {
    if state.queue.is_none() {
        return Err(no_queue());
    }
    let txn = crate::db::begin_write(&state.db_write).await?;
    let item = get(&txn, tenant, id).await?;
    if item.kind != "qa" {
        return Err(ApiError::not_found("Q&A"));
    }
    let current = Qa {
        question: item.question.clone().unwrap_or_default(),
        answer: item.answer.clone().unwrap_or_default(),
        alternate_questions: serde_json::from_value(item.alternate_questions.clone())
            .unwrap_or_default(),
        tags: serde_json::from_value(item.tags.clone()).unwrap_or_default(),
    };
    let qa = clean_qa(Qa {
        question: patch.question.unwrap_or_else(|| current.question.clone()),
        answer: patch.answer.unwrap_or_else(|| current.answer.clone()),
        alternate_questions: patch
            .alternate_questions
            .unwrap_or_else(|| current.alternate_questions.clone()),
        tags: patch.tags.unwrap_or_else(|| current.tags.clone()),
    })?;
    let hash = qa_hash(&qa);
    let content_changed = hash != item.content_hash;
    if content_changed && let Some(other) = find_by_hash(&txn, tenant, &hash).await? {
        return Err(ApiError::validation(
            "question",
            format!(
                "knowledge item {} already has this question and answer",
                other.id
            ),
        ));
    }
    let mut active = item.clone().into_active_model();
    active.tags = Set(json!(qa.tags));
    let mut job_id = None;
    if content_changed {
        let title = if item.title == current.question {
            clean_title(&qa.question)?
        } else {
            item.title.clone()
        };
        let id = jobs::new_id();
        set_content(
            &mut active,
            Content {
                kind: "qa",
                title,
                source: None,
                media_type: None,
                bytes: None,
                hash,
                qa: Some(qa.clone()),
            },
        );
        active.version = Set(item.version + 1);
        active.status = Set(KnowledgeStatus::Pending);
        active.error = Set(None);
        active.job_id = Set(Some(id.clone()));
        job_id = Some(id);
    }
    active.updated_at = Set(crate::db::now());
    let row = active.update(&txn).await?;
    if let Some(job_id) = &job_id {
        jobs::new_row(
            job_id,
            &row.org_id,
            row.environment,
            JobKind::Ingest,
            Some(&row.id),
            json!({}),
        )
        .insert(&txn)
        .await?;
    }
    audit::commit_change(
        txn,
        tenant,
        actor,
        Change {
            action: "knowledge.updated",
            resource_type: "knowledge",
            resource_id: &row.id,
            changes: Some(json!({
                "question": { "from": current.question, "to": qa.question },
                "answer": { "from": current.answer, "to": qa.answer },
                "alternate_questions": { "from": current.alternate_questions, "to": qa.alternate_questions },
                "tags": { "from": current.tags, "to": qa.tags },
            })),
        },
    )
    .await?;
    if let Some(job_id) = job_id {
        push(state, &job_id).await?;
    }
    Ok(row)
}

/// A change to a Q&A's content.
#[derive(Debug, Default)]
pub struct QaPatch {
    pub question: Option<String>,
    pub answer: Option<String>,
    pub alternate_questions: Option<Vec<String>>,
    pub tags: Option<Vec<String>>,
}

/// Puts a job on the queue. The job's row is already committed: if the push fails (or this
/// process dies first), the row stays `queued` without a queue entry and a worker's sweeper
/// hands it over within a minute, so the request still succeeds and nothing is lost.
pub(crate) async fn push(state: &Platform, job_id: &str) -> Result<(), ApiError> {
    let queue = state.queue.as_ref().ok_or_else(no_queue)?;
    if let Err(e) = queue.hand_off(&state.db_write, job_id).await {
        tracing::warn!(job_id, error = %e, "cannot enqueue the job yet; the sweeper will");
    }
    Ok(())
}
