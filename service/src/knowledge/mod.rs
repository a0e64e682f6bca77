//! Knowledge items: created from files, texts, curated Q&A and crawled URLs, processed by the
//! workers.
//!
//! Creating stores the item as `pending` with its source bytes and a queued job row in one
//! transaction, then enqueues the job; the workers do the rest (see the `worker` crate).
//! A content hash already present in the tenant answers the existing item instead (one
//! item per content, enforced by a unique index so concurrent duplicates meet there too).

pub mod create;
pub mod url;

use companin_entity::{
    JobKind, KnowledgeStatus, PageStatus, job, knowledge_chunk, knowledge_item, knowledge_page,
};
use companin_worker::bump_index_version;
use companin_worker::jobs;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::{Map, Value, json};

pub use self::create::{Created, NewItem, NewSource, create};
use super::audit::{self, Change};
use super::{Actor, Tenant, check_object, merge_object};
use crate::Paging;
use crate::Platform;
use crate::error::{ApiError, ErrorCode};
use crate::ids::KnowledgeId;

/// Most keys in an item's metadata.
pub const MAX_METADATA_KEYS: usize = 100;
/// Largest metadata, as JSON.
pub const MAX_METADATA_BYTES: usize = 16 * 1024;
/// Most assistants an item is linked to.
pub const MAX_ASSISTANT_IDS: usize = 100;

/// The tenant's item, or 404.
pub async fn get(
    conn: &impl ConnectionTrait,
    tenant: &Tenant,
    id: &str,
) -> Result<knowledge_item::Model, ApiError> {
    use knowledge_item::Column as C;
    let Some(id) = KnowledgeId::parse(id) else {
        return Err(ApiError::not_found("knowledge item"));
    };
    knowledge_item::Entity::find_by_id(id.as_str())
        .filter(tenant.rows::<C>())
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::not_found("knowledge item"))
}

/// Filters of `GET /knowledge/`.
#[derive(Debug, Default)]
pub struct Filter {
    pub kind: Option<String>,
    pub status: Option<KnowledgeStatus>,
    pub assistant_id: Option<String>,
    /// Words in the title, source or question.
    pub q: Option<String>,
}

pub async fn list(
    db: &DatabaseConnection,
    tenant: &Tenant,
    filter: Filter,
    paging: Paging,
) -> Result<(Vec<knowledge_item::Model>, u64), ApiError> {
    use knowledge_item::Column as C;
    let mut query = knowledge_item::Entity::find().filter(tenant.rows::<C>());
    if let Some(kind) = filter.kind {
        query = query.filter(C::Kind.eq(kind));
    }
    if let Some(status) = filter.status {
        query = query.filter(C::Status.eq(status));
    }
    if let Some(assistant) = filter.assistant_id {
        // assistant_ids is a JSON array of ids, which never contain quotes: the quoted id is
        // a whole element.
        let needle = format!("%\"{}\"%", escape_like(assistant.trim()));
        query = query.filter(Expr::col(C::AssistantIds).cast_as("text").like(needle));
    }
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let pattern = format!("%{}%", escape_like(&q.to_lowercase()));
        let lower = |c: C| Expr::expr(sea_orm::sea_query::Func::lower(Expr::col(c)));
        query = query.filter(
            Condition::any()
                .add(lower(C::Title).like(pattern.clone()))
                .add(lower(C::Source).like(pattern.clone()))
                .add(lower(C::Question).like(pattern)),
        );
    }
    Ok(super::page(db, query, C::CreatedAt, C::Id, paging).await?)
}

/// `s` without LIKE's `%` and escape characters (`_` stays: it matches itself too).
fn escape_like(s: &str) -> String {
    s.replace(['%', '\\'], "")
}

/// The item's crawled pages, shallowest first, then by URL (`status` filters).
pub async fn pages(
    db: &DatabaseConnection,
    tenant: &Tenant,
    id: &str,
    status: Option<PageStatus>,
    paging: Paging,
) -> Result<(Vec<knowledge_page::Model>, u64), ApiError> {
    use knowledge_page::Column as C;
    use sea_orm::{PaginatorTrait, QuerySelect};
    let item = get(db, tenant, id).await?;
    let mut query = knowledge_page::Entity::find()
        .filter(C::KnowledgeId.eq(item.id))
        .filter(tenant.rows::<C>());
    if let Some(status) = status {
        query = query.filter(C::Status.eq(status));
    }
    let total = query.clone().count(db).await?;
    let rows = query
        .order_by_asc(C::Depth)
        .order_by_asc(C::Url)
        .offset(paging.offset)
        .limit(paging.limit)
        .all(db)
        .await?;
    Ok((rows, total))
}

/// The item's chunks in order.
pub async fn chunks(
    db: &DatabaseConnection,
    tenant: &Tenant,
    id: &str,
    paging: Paging,
) -> Result<(Vec<knowledge_chunk::Model>, u64), ApiError> {
    use knowledge_chunk::Column as C;
    let item = get(db, tenant, id).await?;
    let query = knowledge_chunk::Entity::find()
        .filter(C::KnowledgeId.eq(item.id))
        .filter(tenant.rows::<C>())
        .order_by_asc(C::Position);
    use sea_orm::{PaginatorTrait, QuerySelect};
    let total = query.clone().count(db).await?;
    let rows = query
        .offset(paging.offset)
        .limit(paging.limit)
        .all(db)
        .await?;
    Ok((rows, total))
}

/// Checks `metadata` and returns it as an object.
pub fn clean_metadata(value: Option<Map<String, Value>>) -> Result<Map<String, Value>, ApiError> {
    let mut object = Map::new();
    merge_object(&mut object, value.unwrap_or_default());
    check_object("metadata", &object, MAX_METADATA_KEYS, MAX_METADATA_BYTES)?;
    Ok(object)
}

/// Checks that every id names an assistant of the tenant; answers them de-duplicated.
pub async fn clean_assistant_ids(
    conn: &impl ConnectionTrait,
    tenant: &Tenant,
    ids: Option<Vec<String>>,
) -> Result<Vec<String>, ApiError> {
    let mut out: Vec<String> = Vec::new();
    for id in ids.unwrap_or_default() {
        let id = id.trim().to_owned();
        if !out.contains(&id) {
            out.push(id);
        }
    }
    if out.len() > MAX_ASSISTANT_IDS {
        return Err(ApiError::validation(
            "assistant_ids",
            format!("at most {MAX_ASSISTANT_IDS} assistants"),
        ));
    }
    for id in &out {
        if super::assistants::get(conn, tenant, id).await.is_err() {
            return Err(ApiError::validation(
                "assistant_ids",
                format!("no assistant `{id}` in this organization and environment"),
            ));
        }
    }
    Ok(out)
}

/// A change to an item's own fields (`PATCH /knowledge/{id}`).
#[derive(Debug, Default)]
pub struct Patch {
    pub title: Option<String>,
    pub metadata: Option<Map<String, Value>>,
    pub assistant_ids: Option<Vec<String>>,
    /// The language it is written in: `Some(None)` goes back to detecting it.
    pub language: Option<Option<String>>,
    /// URL items: refresh schedule and crawl bounds.
    pub url: url::UrlPatch,
}

/// Changes title, metadata (merged; `null` removes a key), assistant links, language and, for
/// URLs, the refresh schedule and crawl bounds. A new title or language re-processes the item,
/// since every chunk carries the title and is stemmed in the language; new crawl bounds queue
/// a sync.
pub async fn update(
    state: &Platform,
    tenant: &Tenant,
    actor: &Actor,
    id: &str,
    patch: Patch,
) -> Result<knowledge_item::Model, ApiError> {
    let txn = crate::db::begin_write(&state.db_write).await?;
    let item = get(&txn, tenant, id).await?;
    let mut changes = Map::new();
    let mut active = item.clone().into_active_model();
    let mut reprocess = false;
    if let Some(title) = patch.title {
        let title = create::clean_title(&title)?;
        if title != item.title {
            changes.insert("title".into(), json!({"from": item.title, "to": title}));
            active.title = Set(title);
            reprocess = true;
        }
    }
    if let Some(language) = patch.language {
        let language = create::clean_language(language)?;
        if language != item.language_chosen {
            changes.insert(
                "language".into(),
                json!({"from": item.language_chosen, "to": language}),
            );
            create::set_language(&mut active, language);
            reprocess = true;
        }
    }
    if let Some(m) = patch.metadata {
        let mut merged = match &item.metadata {
            Value::Object(o) => o.clone(),
            _ => Map::new(),
        };
        merge_object(&mut merged, m);
        check_object("metadata", &merged, MAX_METADATA_KEYS, MAX_METADATA_BYTES)?;
        changes.insert(
            "metadata".into(),
            json!({"from": item.metadata, "to": merged}),
        );
        active.metadata = Set(Value::Object(merged));
    }
    if let Some(ids) = patch.assistant_ids {
        let ids = clean_assistant_ids(&txn, tenant, Some(ids)).await?;
        changes.insert(
            "assistant_ids".into(),
            json!({"from": item.assistant_ids, "to": ids}),
        );
        active.assistant_ids = Set(json!(ids));
    }
    let resync = if patch.url.is_empty() {
        false
    } else {
        url::apply_patch(state, &item, &mut active, patch.url, &mut changes)?
    };
    // A sync re-reads the pages; the title reaches the chunks of pages without their own.
    let job_id = (reprocess && !resync).then(jobs::new_id);
    if let Some(job_id) = &job_id {
        jobs::new_row(
            job_id,
            &item.org_id,
            item.environment,
            JobKind::Ingest,
            Some(&item.id),
            json!({}),
        )
        .insert(&txn)
        .await?;
        active.status = Set(KnowledgeStatus::Pending);
        active.job_id = Set(Some(job_id.clone()));
        // The job it supersedes may still be running: a new version makes that one's result
        // stale, so only this job's chunks (with the new title) are stored.
        active.version = Set(item.version + 1);
    }
    active.updated_at = Set(crate::db::now());
    let row = active.update(&txn).await?;
    audit::commit_change(
        txn,
        tenant,
        actor,
        Change {
            action: "knowledge.updated",
            resource_type: "knowledge",
            resource_id: &row.id,
            changes: Some(Value::Object(changes)),
        },
    )
    .await?;
    if let Some(job_id) = job_id {
        create::push(state, &job_id).await?;
    }
    if resync {
        return url::sync(state, tenant, actor, &row.id).await;
    }
    Ok(row)
}

/// Deletes the item with its chunks and vectors, in one transaction that moves the tenant's
/// index version; queued jobs for it find nothing left to do.
pub async fn delete(
    state: &Platform,
    tenant: &Tenant,
    actor: &Actor,
    id: &str,
) -> Result<(), ApiError> {
    let txn = crate::db::begin_write(&state.db_write).await?;
    let item = get(&txn, tenant, id).await?;
    knowledge_chunk::Entity::delete_many()
        .filter(knowledge_chunk::Column::KnowledgeId.eq(item.id.as_str()))
        .exec(&txn)
        .await?;
    knowledge_page::Entity::delete_many()
        .filter(knowledge_page::Column::KnowledgeId.eq(item.id.as_str()))
        .exec(&txn)
        .await?;
    knowledge_item::Entity::delete_by_id(item.id.as_str())
        .exec(&txn)
        .await?;
    // Queued jobs of the item are canceled with it.
    job::Entity::update_many()
        .col_expr(job::Column::CancelRequested, Expr::value(true))
        .filter(job::Column::KnowledgeId.eq(item.id.as_str()))
        .filter(job::Column::Status.is_in([
            companin_entity::JobStatus::Queued,
            companin_entity::JobStatus::Running,
        ]))
        .exec(&txn)
        .await?;
    bump_index_version(&txn, &item.org_id, item.environment).await?;
    audit::commit_change(
        txn,
        tenant,
        actor,
        Change {
            action: "knowledge.deleted",
            resource_type: "knowledge",
            resource_id: &item.id,
            changes: Some(
                json!({ "title": { "from": item.title }, "type": { "from": item.kind } }),
            ),
        },
    )
    .await?;
    Ok(())
}

/// Queues a re-index of the tenant's items (or one), answering the job.
pub async fn reindex(
    state: &Platform,
    tenant: &Tenant,
    actor: &Actor,
    knowledge_id: Option<String>,
) -> Result<job::Model, ApiError> {
    let txn = crate::db::begin_write(&state.db_write).await?;
    let only = match knowledge_id {
        Some(id) => Some(get(&txn, tenant, &id).await?.id),
        None => None,
    };
    let job_id = jobs::new_id();
    let row = jobs::new_row(
        &job_id,
        tenant.org_id.as_str(),
        tenant.environment,
        JobKind::Reindex,
        only.as_deref(),
        json!({ "knowledge_id": only }),
    )
    .insert(&txn)
    .await?;
    audit::commit_change(
        txn,
        tenant,
        actor,
        Change {
            action: "knowledge.reindexed",
            resource_type: "knowledge",
            resource_id: only.as_deref().unwrap_or("*"),
            changes: Some(json!({ "job_id": { "to": job_id } })),
        },
    )
    .await?;
    create::push(state, &job_id).await?;
    Ok(row)
}

/// The stored chunks another embedder than `model` made, counted by model. Search compares
/// only `model`'s vectors, so until a reindex those chunks are found by their words alone.
pub async fn chunks_of_other_embedders(
    db: &impl ConnectionTrait,
    model: &str,
) -> Result<Vec<(String, i64)>, sea_orm::DbErr> {
    knowledge_chunk::Entity::find()
        .select_only()
        .column(knowledge_chunk::Column::Embedder)
        .column_as(knowledge_chunk::Column::Id.count(), "chunks")
        .filter(knowledge_chunk::Column::Embedder.ne(model))
        .group_by(knowledge_chunk::Column::Embedder)
        .order_by_asc(knowledge_chunk::Column::Embedder)
        .into_tuple()
        .all(db)
        .await
}

/// 503 when this process has no queue to put jobs on.
pub fn no_queue() -> ApiError {
    ApiError::new(
        ErrorCode::Unavailable,
        "the job queue is not available in this process",
    )
}
