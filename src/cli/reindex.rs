//! `companin reindex`: re-chunk and re-embed knowledge in this process, with a progress bar.

use std::sync::Arc;

use anyhow::Context;
use companin_config::Settings;
use companin_entity::knowledge_item;
use companin_worker::{Control, Failure, Lane, Queue, Runtime, fail_item, ingest_item};
use indicatif::{ProgressBar, ProgressStyle};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

pub async fn run(
    settings: &Settings,
    org_id: Option<&str>,
    knowledge_id: Option<&str>,
) -> anyhow::Result<()> {
    let pools = companin_service::db::Pools::open(settings).await?;
    companin_service::db::prepare(&pools.write, settings).await?;
    let mut query = knowledge_item::Entity::find().order_by_asc(knowledge_item::Column::CreatedAt);
    if let Some(org) = org_id {
        query = query.filter(knowledge_item::Column::OrgId.eq(org));
    }
    if let Some(id) = knowledge_id {
        query = query.filter(knowledge_item::Column::Id.eq(id));
    }
    let items = query
        .all(&pools.read)
        .await
        .context("listing knowledge items")?;
    if items.is_empty() {
        println!("nothing to re-index");
        pools.close().await;
        return Ok(());
    }
    let loading = settings.clone();
    let embedder = tokio::task::spawn_blocking(move || companin_worker::load_embedder(&loading))
        .await
        .context("loading the embedding model")??;
    println!(
        "re-indexing {} item(s) with {}",
        items.len(),
        embedder.model()
    );
    let mut runtime = Runtime::new(pools.write.clone(), embedder, settings.clone())?;
    if settings.generator.summaries {
        // The workers of `serve` or `companin worker` write the generated summaries.
        runtime = runtime.with_enrichment(Queue::connect_lane(settings, Lane::Enrichment).await?);
    }
    let runtime = Arc::new(runtime);
    let bar = ProgressBar::new(items.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} items  {elapsed_precise}  {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut failed = 0;
    for item in items.iter() {
        bar.set_message(item.title.chars().take(40).collect::<String>());
        let control = Arc::new(Control::default());
        if let Err(failure) = ingest_item(&runtime, item.clone(), &control, (0.0, 1.0)).await {
            failed += 1;
            fail_item(&runtime, item, &failure, &control).await?;
            if let Failure::Retryable(m) | Failure::Permanent(m) = &failure {
                bar.println(format!("{}: {m}", item.id));
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    println!(
        "re-indexed {} item(s); {failed} failed",
        items.len() - failed
    );
    pools.close().await;
    Ok(())
}
