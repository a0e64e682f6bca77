//! The ingest and reindex jobs: read an item's source, run the pipeline, store the result.

use std::sync::Arc;

use companin_entity::{Environment, KnowledgeStatus, knowledge_item};
use companin_ingest::prepare::PrepareError;
use companin_ingest::{Source, prepare};
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use crate::Runtime;
use crate::pipeline::{Failure, blocking_failed, chunk_options, parse_item};
use crate::progress::Control;
use crate::store;

/// Runs the pipeline on one item and stores its chunks. Progress goes to `control`, scaled
/// into `range`.
pub async fn ingest_item(
    rt: &Arc<Runtime>,
    item: knowledge_item::Model,
    control: &Arc<Control>,
    range: (f64, f64),
) -> Result<(), Failure> {
    if item.kind == "url" {
        // Its pages' stored text, re-embedded; fetching is the crawl's work.
        return crate::crawl::reembed(rt, item, control, range).await;
    }
    let t0 = std::time::Instant::now();
    if !store::set_status(
        &rt.db,
        &item,
        KnowledgeStatus::Processing,
        None,
        control.fence(),
    )
    .await?
    {
        // Deleted, replaced, or this attempt's job taken over: nothing of ours to do.
        return Ok(());
    }
    let t1 = std::time::Instant::now();
    let parsed = match item.kind.as_str() {
        "qa" => None,
        _ => Some(parse_item(rt, &item).await?),
    };
    let t2 = std::time::Instant::now();
    let embedder = rt.embedder.clone();
    let options = chunk_options(rt);
    let work_item = item.clone();
    let work_control = control.clone();
    let prepared = tokio::task::spawn_blocking(move || {
        let mut progress = |done: usize, total: usize| {
            let fraction = if total == 0 {
                1.0
            } else {
                done as f64 / total as f64
            };
            work_control.set_progress(range.0 + (range.1 - range.0) * fraction);
            !work_control.is_canceled()
        };
        let alternates: Vec<String> =
            serde_json::from_value(work_item.alternate_questions.clone()).unwrap_or_default();
        let source = match &parsed {
            Some(parsed) => Source::Document {
                title: &work_item.title,
                parsed,
            },
            None => Source::Qa {
                question: work_item.question.as_deref().unwrap_or_default(),
                alternates: &alternates,
                answer: work_item.answer.as_deref().unwrap_or_default(),
            },
        };
        prepare(
            source,
            work_item.language_chosen.as_deref(),
            &*embedder,
            options,
            &mut progress,
        )
    })
    .await
    .map_err(blocking_failed)?
    .map_err(|e| match e {
        PrepareError::Canceled => Failure::Canceled,
        PrepareError::Model(e) => Failure::Permanent(format!("embedding failed: {e}")),
    })?;
    let t3 = std::time::Instant::now();
    let chunks = prepared.chunks.len();
    if store::replace_chunks(&rt.db, &item, prepared, rt.embedder_name(), control.fence()).await? {
        crate::enrich::schedule_summary(rt, &item).await;
    } else {
        tracing::info!(knowledge_id = %item.id, "item changed or deleted while processing; result dropped");
    }
    let ms = |a: std::time::Instant, b: std::time::Instant| (b - a).as_secs_f64() * 1e3;
    let t4 = std::time::Instant::now();
    // Seen on `/metrics` of a server running its workers in process.
    metrics::histogram!("companin_ingestion_duration_seconds", "kind" => item.kind.clone())
        .record((t4 - t0).as_secs_f64());
    tracing::info!(
        knowledge_id = %item.id,
        chunks,
        mark_ms = ms(t0, t1),
        parse_ms = ms(t1, t2),
        prepare_ms = ms(t2, t3),
        store_ms = ms(t3, t4),
        "item ingested"
    );
    Ok(())
}

/// The items a reindex covers: one, or all of the tenant's, oldest first.
pub async fn reindex_items(
    rt: &Runtime,
    org_id: &str,
    env: Environment,
    only: Option<&str>,
) -> Result<Vec<knowledge_item::Model>, DbErr> {
    use knowledge_item::Column as C;
    let mut q = knowledge_item::Entity::find()
        .filter(C::OrgId.eq(org_id))
        .filter(C::Environment.eq(env));
    if let Some(id) = only {
        q = q.filter(C::Id.eq(id));
    }
    q.order_by_asc(C::CreatedAt).all(&rt.db).await
}
