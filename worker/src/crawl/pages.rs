//! Writing what a crawl found: one page at a time (its chunks replaced atomically with its
//! row, the item's chunk count and the tenant's index version), pruning, and the item's end
//! state.

use std::collections::HashMap;

use companin_entity::db::{begin_write, now};
use companin_entity::{
    KnowledgeStatus, PageStatus, knowledge_chunk, knowledge_item, knowledge_page, webhook_event,
};
use companin_ingest::PreparedChunk;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, Set,
};
use serde_json::{Value, json};

use super::fetch::Validators;
use crate::jobs::Fence;
use crate::store::{bump_index_version, insert_chunks, lock_item};

/// The item's pages by URL.
pub async fn load(
    db: &DatabaseConnection,
    item_id: &str,
) -> Result<HashMap<String, knowledge_page::Model>, DbErr> {
    Ok(knowledge_page::Entity::find()
        .filter(knowledge_page::Column::KnowledgeId.eq(item_id))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.url.clone(), p))
        .collect())
}

/// What a fetch found out about a page.
#[derive(Debug)]
pub struct PageRecord {
    pub url: String,
    pub depth: i32,
    pub status: PageStatus,
    pub reason: Option<String>,
    pub http_status: Option<i32>,
    pub title: Option<String>,
    pub media_type: Option<String>,
    pub content_hash: Option<String>,
    pub validators: Validators,
    pub content: Option<Value>,
    pub links: Vec<String>,
}

impl PageRecord {
    /// A page at `depth` with `status`, nothing else known yet.
    pub fn new(url: String, depth: i32, status: PageStatus) -> Self {
        PageRecord {
            url,
            depth,
            status,
            reason: None,
            http_status: None,
            title: None,
            media_type: None,
            content_hash: None,
            validators: Validators::default(),
            content: None,
            links: Vec::new(),
        }
    }
}

/// What happens to a page's chunks.
#[derive(Debug)]
pub enum Chunks {
    /// Left as they are (unchanged, or a failed fetch keeping the last good text).
    Keep,
    /// Replaced.
    Replace(Vec<PreparedChunk>),
    /// Removed (the page is skipped now).
    Drop,
}

/// Records a page and applies `chunks`, in one transaction as the item's only writer. `None`
/// when the item was deleted meanwhile or the attempt lost its job (nothing written).
pub async fn save(
    db: &DatabaseConnection,
    item: &knowledge_item::Model,
    existing: Option<&knowledge_page::Model>,
    record: PageRecord,
    chunks: Chunks,
    embedder: &str,
    fence: Option<&Fence>,
) -> Result<Option<knowledge_page::Model>, DbErr> {
    let txn = begin_write(db).await?;
    if lock_item(&txn, &item.id, None, fence).await?.is_none() {
        return Ok(None);
    }
    let at = now();
    let page_id = match existing {
        Some(page) => page.id.clone(),
        None => format!("pg_{}", uuid::Uuid::now_v7().simple()),
    };
    let mut active = match existing {
        Some(page) => page.clone().into_active_model(),
        None => knowledge_page::ActiveModel {
            id: Set(page_id.clone()),
            knowledge_id: Set(item.id.clone()),
            org_id: Set(item.org_id.clone()),
            environment: Set(item.environment),
            chunk_count: Set(0),
            created_at: Set(at),
            ..Default::default()
        },
    };
    let changed_chunks = !matches!(chunks, Chunks::Keep);
    match chunks {
        Chunks::Keep => {}
        Chunks::Drop => {
            delete_chunks(&txn, &page_id).await?;
            active.chunk_count = Set(0);
        }
        Chunks::Replace(prepared) => {
            delete_chunks(&txn, &page_id).await?;
            active.chunk_count = Set(i32::try_from(prepared.len()).unwrap_or(i32::MAX));
            insert_chunks(
                &txn,
                item,
                Some(&page_id),
                Some(&record.url),
                embedder,
                prepared,
            )
            .await?;
        }
    }
    active.url = Set(record.url);
    active.depth = Set(record.depth);
    active.status = Set(record.status);
    active.reason = Set(record.reason);
    active.http_status = Set(record.http_status);
    if record.status != PageStatus::Failed {
        // A failed fetch keeps what the last good one found.
        active.title = Set(record.title);
        active.media_type = Set(record.media_type);
        active.content_hash = Set(record.content_hash);
        active.etag = Set(record.validators.etag);
        active.last_modified = Set(record.validators.last_modified);
        if record.content.is_some() || record.status != PageStatus::Ok {
            active.content = Set(record.content);
        }
        active.links = Set(json!(record.links));
    } else if existing.is_none() {
        active.links = Set(json!([]));
    }
    active.last_fetched_at = Set(Some(at));
    active.updated_at = Set(at);
    let page = match existing {
        Some(_) => active.update(&txn).await?,
        None => active.insert(&txn).await?,
    };
    if changed_chunks {
        recount(&txn, item).await?;
        bump_index_version(&txn, &item.org_id, item.environment).await?;
    }
    txn.commit().await?;
    Ok(Some(page))
}

async fn delete_chunks(conn: &impl ConnectionTrait, page_id: &str) -> Result<(), DbErr> {
    knowledge_chunk::Entity::delete_many()
        .filter(knowledge_chunk::Column::PageId.eq(page_id))
        .exec(conn)
        .await
        .map(|_| ())
}

/// Sets the item's chunk count from its chunks.
async fn recount(conn: &impl ConnectionTrait, item: &knowledge_item::Model) -> Result<(), DbErr> {
    let count = knowledge_chunk::Entity::find()
        .filter(knowledge_chunk::Column::KnowledgeId.eq(item.id.as_str()))
        .count(conn)
        .await?;
    knowledge_item::Entity::update_many()
        .col_expr(
            knowledge_item::Column::ChunkCount,
            Expr::value(i32::try_from(count).unwrap_or(i32::MAX)),
        )
        .filter(knowledge_item::Column::Id.eq(item.id.as_str()))
        .exec(conn)
        .await
        .map(|_| ())
}

/// Deletes pages with their chunks, in one transaction.
pub async fn prune(
    db: &DatabaseConnection,
    item: &knowledge_item::Model,
    pages: &[&knowledge_page::Model],
    fence: Option<&Fence>,
) -> Result<(), DbErr> {
    if pages.is_empty() {
        return Ok(());
    }
    let ids: Vec<&str> = pages.iter().map(|p| p.id.as_str()).collect();
    let txn = begin_write(db).await?;
    if lock_item(&txn, &item.id, None, fence).await?.is_none() {
        return Ok(());
    }
    knowledge_chunk::Entity::delete_many()
        .filter(knowledge_chunk::Column::KnowledgeId.eq(item.id.as_str()))
        .filter(knowledge_chunk::Column::PageId.is_in(ids.clone()))
        .exec(&txn)
        .await?;
    knowledge_page::Entity::delete_many()
        .filter(knowledge_page::Column::KnowledgeId.eq(item.id.as_str()))
        .filter(knowledge_page::Column::Id.is_in(ids))
        .exec(&txn)
        .await?;
    recount(&txn, item).await?;
    bump_index_version(&txn, &item.org_id, item.environment).await?;
    txn.commit().await
}

/// How a sync ended, for the item.
#[derive(Debug)]
pub struct Outcome {
    pub status: KnowledgeStatus,
    pub error: Option<String>,
    pub changes: Value,
    pub next_sync_at: Option<chrono::DateTime<chrono::Utc>>,
    pub title: Option<String>,
    pub summary: Option<RootEnrichment>,
}

/// What the root page gives the whole item: its summary, keywords and language.
#[derive(Debug, Clone)]
pub struct RootEnrichment {
    pub summary: Option<String>,
    pub keywords: Vec<String>,
    pub language: Option<String>,
}

/// Records the end of a sync on `item` (as just read); nothing when it was deleted since or
/// the attempt lost its job.
pub async fn finish(
    db: &DatabaseConnection,
    item: &knowledge_item::Model,
    outcome: Outcome,
    fence: Option<&Fence>,
) -> Result<(), DbErr> {
    let txn = begin_write(db).await?;
    if lock_item(&txn, &item.id, None, fence).await?.is_none() {
        return Ok(());
    }
    let at = now();
    let mut active = item.clone().into_active_model();
    active.status = Set(outcome.status.to_owned());
    active.error = Set(outcome.error);
    active.sync_changes = Set(Some(outcome.changes));
    active.last_synced_at = Set(Some(at));
    active.next_sync_at = Set(outcome.next_sync_at);
    if let Some(title) = outcome.title {
        active.title = Set(title);
    }
    if let Some(root) = outcome.summary {
        active.summary_kind = Set(root.summary.as_ref().map(|_| "extractive".to_owned()));
        active.summary = Set(root.summary);
        active.keywords = Set(json!(root.keywords));
        active.language = Set(root.language);
    }
    active.updated_at = Set(at);
    match active.update(&txn).await {
        Ok(synced) => {
            webhook_event::emit_knowledge_status(&txn, &synced).await?;
            let mut data = webhook_event::knowledge_data(&synced);
            data["changes"] = synced.sync_changes.clone().unwrap_or_default();
            data["last_synced_at"] = json!(synced.last_synced_at);
            webhook_event::emit(
                &txn,
                &synced.org_id,
                synced.environment,
                "knowledge.synced",
                data,
            )
            .await?;
            txn.commit().await
        }
        Err(DbErr::RecordNotUpdated) => txn.commit().await,
        Err(e) => Err(e),
    }
}
