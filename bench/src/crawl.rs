//! `companin bench crawl`: a local site of corpus documents crawled into a scratch tenant, then
//! synced twice: once unchanged, once with a tenth of its pages edited. Measured in one run, so
//! the ratios (what a sync of an unchanged site costs against the first crawl) hold across
//! machines.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use anyhow::Context;
use companin_config::Settings;
use companin_entity::{job, knowledge_item};
use companin_service::Actor;
use companin_service::knowledge::url::{self, NewUrl};
use companin_worker::crawl::BoundsChange;
use sea_orm::EntityTrait;
use serde_json::json;

use crate::scratch::{Doc, Scratch, read_corpus};

/// The site: one page per document, and an index linking them all.
type Pages = Arc<RwLock<HashMap<String, String>>>;

fn page(doc: &Doc, edit: Option<&str>) -> String {
    let text = match edit {
        Some(note) => format!("{} {note}", doc.text),
        None => doc.text.clone(),
    };
    format!(
        "<html><head><title>{}</title></head><body><main><h1>{}</h1><p>{}</p></main></body></html>",
        doc.title, doc.title, text
    )
}

async fn serve(pages: Pages) -> anyhow::Result<String> {
    use poem::{EndpointExt, Route, handler};

    #[handler]
    fn answer(req: &poem::Request, pages: poem::web::Data<&Pages>) -> poem::Response {
        let found = pages
            .read()
            .ok()
            .and_then(|p| p.get(req.uri().path()).cloned());
        match found {
            Some(body) => poem::Response::builder()
                .content_type("text/html; charset=utf-8")
                .body(body),
            None => poem::Response::builder()
                .status(poem::http::StatusCode::NOT_FOUND)
                .finish(),
        }
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let acceptor = poem::listener::TcpAcceptor::from_tokio(listener)?;
    let app = Route::new().at("/*path", answer).data(pages);
    tokio::spawn(poem::Server::new_with_acceptor(acceptor).run(app));
    Ok(format!("http://{addr}"))
}

/// Waits for the job, answering how long it took.
async fn wait(scratch: &Scratch, job_id: &str) -> anyhow::Result<Duration> {
    let started = Instant::now();
    loop {
        let row = job::Entity::find_by_id(job_id)
            .one(&scratch.state.db)
            .await?
            .context("the job vanished")?;
        match row.status.as_str() {
            "succeeded" => return Ok(started.elapsed()),
            "failed" | "canceled" => {
                anyhow::bail!("the crawl ended {}: {:?}", row.status, row.error)
            }
            _ => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
}

/// Runs the benchmark and prints its figures.
pub async fn crawl(settings: &Settings, corpus: &Path, pages: usize) -> anyhow::Result<()> {
    let docs = read_corpus(corpus, Some(pages))?;
    anyhow::ensure!(!docs.is_empty(), "the corpus is empty");
    let site: Pages = Arc::default();
    let index: String = (0..docs.len())
        .map(|i| format!("<a href=\"/doc/{i}\">{i}</a> "))
        .collect();
    if let Ok(mut s) = site.write() {
        s.insert(
            "/".into(),
            format!("<html><body><main><p>Index.</p>{index}</main></body></html>"),
        );
        for (i, d) in docs.iter().enumerate() {
            s.insert(format!("/doc/{i}"), page(d, None));
        }
    }
    let base = serve(site.clone()).await?;

    let mut s = settings.clone();
    // The site is on loopback and answers at once: the crawl's own cost is what is measured.
    s.crawl.allow_private_networks = true;
    s.crawl.politeness_delay_ms = 0;
    s.crawl.max_pages = s.crawl.max_pages.max(docs.len() as u32 + 1);
    let loading = s.clone();
    let embedder = tokio::task::spawn_blocking(move || companin_worker::load_embedder(&loading))
        .await
        .context("loading the embedding model")??;
    let scratch = Scratch::open(&s, embedder, None).await?;
    let created = url::create(
        &scratch.state,
        &scratch.tenant,
        &Actor::Cli,
        NewUrl {
            url: format!("{base}/"),
            title: None,
            crawl: Some(BoundsChange {
                max_depth: Some(1),
                max_pages: Some(docs.len() as u32 + 1),
                ..BoundsChange::default()
            }),
            refresh_interval_hours: None,
            language: None,
            metadata: None,
            assistant_ids: None,
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("{}", e.detail))?;
    let item = match created {
        companin_service::knowledge::Created::Accepted(row)
        | companin_service::knowledge::Created::Existing(row) => row,
    };
    let first = wait(&scratch, item.job_id.as_deref().unwrap_or_default()).await?;
    let changes = |row: &knowledge_item::Model| row.sync_changes.clone().unwrap_or(json!({}));
    let synced = |scratch: &Scratch, id: String| {
        let state = scratch.state.clone();
        let tenant = scratch.tenant.clone();
        async move {
            let row = url::sync(&state, &tenant, &Actor::Cli, &id)
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.detail))?;
            anyhow::Ok(row.job_id.unwrap_or_default())
        }
    };
    let row = knowledge_item::Entity::find_by_id(item.id.as_str())
        .one(&scratch.state.db)
        .await?
        .context("the item vanished")?;
    println!(
        "first crawl: {} pages, {} chunks in {:.2} s ({:.1} pages/s) {}",
        docs.len() + 1,
        row.chunk_count,
        first.as_secs_f64(),
        (docs.len() + 1) as f64 / first.as_secs_f64(),
        changes(&row)
    );

    let job = synced(&scratch, item.id.clone()).await?;
    let unchanged = wait(&scratch, &job).await?;
    let row = knowledge_item::Entity::find_by_id(item.id.as_str())
        .one(&scratch.state.db)
        .await?
        .context("the item vanished")?;
    println!(
        "sync, nothing changed: {:.2} s ({:.1} pages/s, {:.1} % of the first crawl) {}",
        unchanged.as_secs_f64(),
        (docs.len() + 1) as f64 / unchanged.as_secs_f64(),
        100.0 * unchanged.as_secs_f64() / first.as_secs_f64(),
        changes(&row)
    );

    if let Ok(mut s) = site.write() {
        for (i, d) in docs.iter().enumerate().filter(|(i, _)| i % 10 == 0) {
            s.insert(
                format!("/doc/{i}"),
                page(d, Some("Edited since the first crawl.")),
            );
        }
    }
    let job = synced(&scratch, item.id.clone()).await?;
    let tenth = wait(&scratch, &job).await?;
    let row = knowledge_item::Entity::find_by_id(item.id.as_str())
        .one(&scratch.state.db)
        .await?
        .context("the item vanished")?;
    println!(
        "sync, a tenth edited: {:.2} s ({:.1} % of the first crawl) {}",
        tenth.as_secs_f64(),
        100.0 * tenth.as_secs_f64() / first.as_secs_f64(),
        changes(&row)
    );
    scratch.close().await
}
