//! `companin sandbox seed --org ID`: the sandbox reset job's work, run in this process with a
//! progress bar (no server or worker needed).

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use companin_config::Settings;
use companin_entity::organization;
use companin_service::ids::OrgId;
use companin_service::sandbox;
use companin_worker::Control;
use companin_worker::Runtime;
use indicatif::{ProgressBar, ProgressStyle};
use sea_orm::EntityTrait;

pub async fn seed(settings: &Settings, org_id: &str) -> anyhow::Result<()> {
    let org = OrgId::parse(org_id.trim())
        .with_context(|| format!("`{org_id}` is not an organization id (org_…)"))?;
    let pools = companin_service::db::Pools::open(settings).await?;
    companin_service::db::prepare(&pools.write, settings).await?;
    let found = organization::Entity::find_by_id(org.as_str())
        .one(&pools.read)
        .await
        .context("looking up the organization")?;
    if found.is_none() {
        pools.close().await;
        anyhow::bail!("no organization {org}");
    }
    let loading = settings.clone();
    let embedder = tokio::task::spawn_blocking(move || companin_worker::load_embedder(&loading))
        .await
        .context("loading the embedding model")??;
    let runtime = Arc::new(Runtime::new(
        pools.write.clone(),
        embedder,
        settings.clone(),
    )?);
    let control = Arc::new(Control::default());
    let bar = ProgressBar::new(100);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos:>3}%  {elapsed_precise}  seeding the sandbox")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let shown = {
        let (bar, control) = (bar.clone(), control.clone());
        tokio::spawn(async move {
            loop {
                bar.set_position((control.progress() * 100.0) as u64);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    let result = sandbox::reset(&runtime, &org, None, &control).await;
    shown.abort();
    bar.finish_and_clear();
    pools.close().await;
    let seeded =
        result.map_err(|f| anyhow::anyhow!("seeding the sandbox failed: {}", f.message()))?;
    println!("Sandbox of {org} seeded:");
    println!("  assistant     {}", seeded.assistant_id);
    println!("  knowledge     {}", seeded.knowledge_ids.join(", "));
    println!("  session       {}", seeded.session_id);
    println!("  conversation  {}", seeded.conversation_id);
    Ok(())
}
