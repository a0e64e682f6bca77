//! Writing what the pipeline prepared: chunks, vectors and the item's new state together.

use companin_entity::db::{begin_write, now};
use companin_entity::knowledge_chunk::encode_vector;
use companin_entity::{KnowledgeStatus, knowledge_chunk, knowledge_item, webhook_event};
use companin_ingest::{Prepared, PreparedChunk};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    IntoActiveModel, QueryFilter, Set,
};
use serde_json::json;

use crate::jobs::Fence;

/// Rows per multi-row insert (well under SQLite's bound on parameters).
const INSERT_BATCH: usize = 200;

pub use companin_entity::index_log::bump_index_version;

/// Sets an item's status (and error) unless its content moved on to another version, it was
/// deleted meanwhile, or `fence`'s attempt no longer holds its job; answers whether it did.
pub async fn set_status(
    db: &DatabaseConnection,
    item: &knowledge_item::Model,
    status: KnowledgeStatus,
    error: Option<String>,
    fence: Option<&Fence>,
) -> Result<bool, DbErr> {
    use knowledge_item::Column as C;
    let at = now();
    let mut update = knowledge_item::Entity::update_many()
        .col_expr(C::Status, Expr::value(status.as_str()))
        .col_expr(C::Error, Expr::value(error.clone()))
        .col_expr(C::UpdatedAt, Expr::value(at))
        .filter(C::Id.eq(item.id.as_str()))
        .filter(C::Version.eq(item.version));
    if let Some(fence) = fence {
        update = update.filter(fence.holds());
    }
    // With the event it causes (ready, failed), if any: both or neither.
    let txn = begin_write(db).await?;
    let changed = update.exec(&txn).await?.rows_affected > 0;
    if changed {
        let now_item = knowledge_item::Model {
            status,
            error,
            updated_at: at,
            ..item.clone()
        };
        webhook_event::emit_knowledge_status(&txn, &now_item).await?;
    }
    txn.commit().await?;
    Ok(changed)
}

/// Makes the transaction `conn` the item's only writer until it ends, and answers the item
/// as it is now (`None` when it was deleted, its version is no longer `version`, or
/// `fence`'s attempt no longer holds its job).
///
/// The first statement on the item is an update: on PostgreSQL it takes the row's lock, so a
/// second writer of the same item (a re-delivered job, a reindex overlapping an ingest) waits
/// here until the first commits, and then replaces that writer's chunks instead of adding
/// its own beside them. (SQLite's write transactions are exclusive already.)
pub async fn lock_item(
    conn: &impl ConnectionTrait,
    id: &str,
    version: Option<i32>,
    fence: Option<&Fence>,
) -> Result<Option<knowledge_item::Model>, DbErr> {
    use knowledge_item::Column as C;
    let mut touch = knowledge_item::Entity::update_many()
        .col_expr(C::UpdatedAt, Expr::value(now()))
        .filter(C::Id.eq(id));
    if let Some(version) = version {
        touch = touch.filter(C::Version.eq(version));
    }
    if let Some(fence) = fence {
        touch = touch.filter(fence.holds());
    }
    if touch.exec(conn).await?.rows_affected == 0 {
        return Ok(None);
    }
    knowledge_item::Entity::find_by_id(id).one(conn).await
}

/// Replaces the item's chunks with `prepared` and marks it `ready`, in one transaction with
/// the tenant's index version, as the item's only writer ([`lock_item`]). Answers `false`,
/// writing nothing, when the item was deleted or its content replaced since `item` was read:
/// that newer version has its own job.
pub async fn replace_chunks(
    db: &DatabaseConnection,
    item: &knowledge_item::Model,
    prepared: Prepared,
    embedder: &str,
    fence: Option<&Fence>,
) -> Result<bool, DbErr> {
    let txn = begin_write(db).await?;
    let Some(current) = lock_item(&txn, &item.id, Some(item.version), fence).await? else {
        return Ok(false);
    };
    knowledge_chunk::Entity::delete_many()
        .filter(knowledge_chunk::Column::KnowledgeId.eq(item.id.as_str()))
        .exec(&txn)
        .await?;
    let at = now();
    let chunk_count = prepared.chunks.len();
    insert_chunks(
        &txn,
        item,
        None,
        item.source.as_deref(),
        embedder,
        prepared.chunks,
    )
    .await?;
    let mut active = current.into_active_model();
    active.status = Set(KnowledgeStatus::Ready);
    active.error = Set(None);
    active.chunk_count = Set(i32::try_from(chunk_count).unwrap_or(i32::MAX));
    active.summary_kind = Set(prepared.summary.as_ref().map(|_| "extractive".to_owned()));
    active.summary = Set(prepared.summary);
    active.keywords = Set(json!(prepared.keywords));
    active.language = Set(prepared.language);
    active.updated_at = Set(at);
    let ready = active.update(&txn).await?;
    webhook_event::emit_knowledge_status(&txn, &ready).await?;
    bump_index_version(&txn, &item.org_id, item.environment).await?;
    txn.commit().await?;
    Ok(true)
}

/// Inserts an item's chunks (those of one page, for a URL: `page_id`, with the page's URL as
/// `source`), positions counted from 0, their vectors made by the model named `embedder`.
pub async fn insert_chunks(
    conn: &impl ConnectionTrait,
    item: &knowledge_item::Model,
    page_id: Option<&str>,
    source: Option<&str>,
    embedder: &str,
    chunks: Vec<PreparedChunk>,
) -> Result<(), DbErr> {
    let at = now();
    let mut rows = chunks
        .into_iter()
        .enumerate()
        .map(|(position, c)| knowledge_chunk::ActiveModel {
            id: Set(format!("chk_{}", uuid::Uuid::now_v7().simple())),
            knowledge_id: Set(item.id.clone()),
            org_id: Set(item.org_id.clone()),
            environment: Set(item.environment),
            position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
            heading: Set(c.heading),
            content: Set(c.content),
            token_count: Set(i32::try_from(c.token_count).unwrap_or(i32::MAX)),
            embedding: Set(encode_vector(&c.vector)),
            source: Set(source.map(str::to_owned)),
            page_id: Set(page_id.map(str::to_owned)),
            language: Set(c.language),
            embedder: Set(embedder.to_owned()),
            created_at: Set(at),
            added_version: sea_orm::ActiveValue::NotSet,
        })
        .peekable();
    while rows.peek().is_some() {
        let batch: Vec<_> = rows.by_ref().take(INSERT_BATCH).collect();
        knowledge_chunk::Entity::insert_many(batch)
            .exec(conn)
            .await?;
    }
    Ok(())
}

/// Stores a generated summary in place of the extractive one, unless the item changed (new
/// content version, or no longer `ready`) since `item` was read. Answers whether it was stored.
pub async fn set_generated_summary(
    db: &DatabaseConnection,
    item: &knowledge_item::Model,
    summary: String,
    fence: Option<&Fence>,
) -> Result<bool, DbErr> {
    use knowledge_item::Column as C;
    let mut update = knowledge_item::Entity::update_many()
        .col_expr(C::Summary, Expr::value(summary))
        .col_expr(C::SummaryKind, Expr::value("generated"))
        .col_expr(C::UpdatedAt, Expr::value(now()))
        .filter(C::Id.eq(item.id.as_str()))
        .filter(C::Version.eq(item.version))
        .filter(C::Status.eq(KnowledgeStatus::Ready));
    if let Some(fence) = fence {
        update = update.filter(fence.holds());
    }
    Ok(update.exec(db).await?.rows_affected > 0)
}
