//! `companin bench search`: the vector index and the whole search at 10k and 100k chunks.
//!
//! The chunks are generated text (word sequences drawn from a corpus' own word frequencies)
//! with real vectors of the configured embedder. For each size it reports the graph's build
//! rate and memory, the approximate search's latency and its recall@10 against an exact scan,
//! the cost of adding one more chunk, and the latency of the whole search service (query
//! embedding, index-version check, hybrid search, passages read back) over a scratch tenant
//! holding the same chunks.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use companin_config::Settings;
use companin_entity::knowledge_chunk::encode_vector;
use companin_entity::{knowledge_chunk, knowledge_item};
use companin_retrieval::dense::DenseIndex;
use companin_service::search::SearchRequest;
use companin_worker::bump_index_version;
use sea_orm::{EntityTrait, Set};
use serde_json::json;

use crate::generated::{Rng, corpus_words, embed_cached, generate, rss_bytes};
use crate::scratch::{Scratch, percentile_ms as percentile};

/// Results compared, as the recall@10.
const K: usize = 10;
/// Graph candidates explored, as the API's search does for its default `top_k`.
pub const EF: usize = companin_retrieval::tenant::EF_SEARCH;
/// Chunks per generated item.
const CHUNKS_PER_ITEM: usize = 5;
/// Rows per insert.
const INSERT_BATCH: usize = 500;

/// What to measure.
pub struct Options {
    /// Index sizes, in chunks.
    pub sizes: Vec<usize>,
    /// Queries timed per size.
    pub queries: usize,
    /// Graph candidates explored per ANN query, each measured in turn.
    pub ef: Vec<usize>,
    /// Where the embedded vectors are kept between runs.
    pub vectors: Option<PathBuf>,
    /// The graph only, no search service.
    pub ann_only: bool,
}

/// The ANN step at one `ef`.
struct AnnRun {
    ef: usize,
    p50_ms: f64,
    p99_ms: f64,
    recall: f64,
}

/// Times `search` over the queries: p50, p99 and recall@K against `exact`.
fn time_queries(
    queries: &[Vec<f32>],
    exact: &[Vec<usize>],
    search: impl Fn(&[f32]) -> Vec<(usize, f32)>,
) -> (f64, f64, f64) {
    let mut latencies = Vec::with_capacity(queries.len());
    let mut hits = 0usize;
    for (q, exact) in queries.iter().zip(exact) {
        let t = Instant::now();
        let found = search(q);
        latencies.push(t.elapsed());
        hits += found.iter().filter(|(s, _)| exact.contains(s)).count();
    }
    latencies.sort_unstable();
    (
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        hits as f64 / (queries.len() * K).max(1) as f64,
    )
}

/// Runs the benchmark and prints its figures.
pub async fn search(settings: &Settings, corpus: &Path, options: &Options) -> anyhow::Result<()> {
    let largest = options.sizes.iter().copied().max().unwrap_or(0);
    let queries = options.queries;
    anyhow::ensure!(
        largest > 0 && queries > 0 && !options.ef.is_empty(),
        "nothing to measure"
    );
    let words = corpus_words(corpus)?;
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let texts = generate(&words, largest, &mut rng);
    let query_texts = generate(&words, queries, &mut rng);

    let loading = settings.clone();
    let embedder = tokio::task::spawn_blocking(move || companin_worker::load_embedder(&loading))
        .await
        .context("loading the embedding model")??;
    let all: Vec<String> = texts.iter().chain(&query_texts).cloned().collect();
    let dim = embedder.dimension();
    let mut vectors = embed_cached(&embedder, all, options.vectors.as_deref()).await?;
    let query_vectors = vectors.split_off(largest);

    let mut report = serde_json::Map::new();
    for &size in &options.sizes {
        // The ANN step alone.
        let rss_before = rss_bytes();
        let vs = vectors[..size].to_vec();
        let qs = query_vectors.clone();
        let efs = options.ef.clone();
        let (build, rss_after, runs, add_one) =
            tokio::task::spawn_blocking(move || -> (Duration, u64, Vec<AnnRun>, Duration) {
                let started = Instant::now();
                let mut index = DenseIndex::new(dim, vs.len());
                index.extend(&vs);
                let build = started.elapsed();
                let rss_after = rss_bytes();
                let exact: Vec<Vec<usize>> = qs
                    .iter()
                    .map(|q| {
                        index
                            .exact(q, K, 0..index.len())
                            .into_iter()
                            .map(|(s, _)| s)
                            .collect()
                    })
                    .collect();
                let runs = efs
                    .iter()
                    .map(|&ef| {
                        let (p50_ms, p99_ms, recall) =
                            time_queries(&qs, &exact, |q| index.search(q, K, ef, None));
                        AnnRun {
                            ef,
                            p50_ms,
                            p99_ms,
                            recall,
                        }
                    })
                    .collect();
                // One more chunk, as an item made ready while the index serves.
                let t = Instant::now();
                index.extend(&qs[..1]);
                (build, rss_after, runs, t.elapsed())
            })
            .await?;
        let build_rate = size as f64 / build.as_secs_f64().max(1e-9);
        let memory_mb = rss_after.saturating_sub(rss_before) as f64 / 1e6;
        println!(
            "{size} chunks: graph built in {:.1} s ({build_rate:.0} chunks/s, +{memory_mb:.0} MB resident)",
            build.as_secs_f64()
        );
        println!(
            "{size} chunks: one more chunk added in {:.1} ms (graph insertion)",
            add_one.as_secs_f64() * 1e3
        );
        for run in &runs {
            println!(
                "{size} chunks: ANN top-{K} (ef {}) p50 {:.3} ms, p99 {:.3} ms, recall@{K} vs exact {:.4}",
                run.ef, run.p50_ms, run.p99_ms, run.recall
            );
        }
        let mut figures = json!({
            "graph_build_s": build.as_secs_f64(),
            "graph_build_chunks_per_s": build_rate,
            "graph_memory_mb": memory_mb,
            "add_one_chunk_ms": add_one.as_secs_f64() * 1e3,
            "ann": runs
                .iter()
                .map(|r| json!({
                    "ef": r.ef,
                    "p50_ms": r.p50_ms,
                    "p99_ms": r.p99_ms,
                    "recall_at_10": r.recall,
                }))
                .collect::<Vec<_>>(),
        });
        if options.ann_only {
            report.insert(size.to_string(), figures);
            continue;
        }

        // The whole search service over a scratch tenant holding the same chunks.
        let scratch = Scratch::open(settings, embedder.clone(), None).await?;
        insert(&scratch, &texts[..size], &vectors[..size]).await?;
        let rss_before = rss_bytes();
        let t = Instant::now();
        let search = |q: &str| {
            scratch.state.search.search(
                &scratch.state.db,
                &scratch.tenant,
                SearchRequest {
                    query: q.to_owned(),
                    ..SearchRequest::default()
                },
            )
        };
        search(&query_texts[0])
            .await
            .map_err(|e| anyhow::anyhow!("{}", e.detail))?;
        let first = t.elapsed();
        let index_mb = rss_bytes().saturating_sub(rss_before) as f64 / 1e6;
        // What `search.memory_budget_mb` counts for the tenant, against the growth above.
        let (_, estimate) = scratch.state.search.registry().resident();
        let mut whole = Vec::with_capacity(queries);
        for q in &query_texts {
            let t = Instant::now();
            search(q)
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.detail))?;
            whole.push(t.elapsed());
        }
        whole.sort_unstable();
        scratch.close().await?;
        let (p50, p99) = (percentile(&whole, 0.5), percentile(&whole, 0.99));
        println!(
            "{size} chunks: search service (embed + hybrid top-5 + passages) p50 {p50:.2} ms, p99 {p99:.2} ms; first search (index built from the database) {:.1} s, +{index_mb:.0} MB resident, {:.0} MB by the index's own estimate ({} bytes per chunk)",
            first.as_secs_f64(),
            estimate as f64 / 1e6,
            estimate / size.max(1)
        );
        if let Some(figures) = figures.as_object_mut() {
            figures.insert("search_p50_ms".to_owned(), json!(p50));
            figures.insert("search_p99_ms".to_owned(), json!(p99));
            figures.insert("first_search_s".to_owned(), json!(first.as_secs_f64()));
            figures.insert("tenant_index_memory_mb".to_owned(), json!(index_mb));
            figures.insert(
                "tenant_index_estimate_mb".to_owned(),
                json!(estimate as f64 / 1e6),
            );
        }
        report.insert(size.to_string(), figures);
    }
    report.insert("queries".to_owned(), json!(queries));
    println!("{}", serde_json::Value::Object(report));
    Ok(())
}

/// Stores the chunks as ready items of the scratch tenant, as the pipeline would have.
async fn insert(scratch: &Scratch, texts: &[String], vectors: &[Vec<f32>]) -> anyhow::Result<()> {
    let db = &scratch.state.db_write;
    let tenant = &scratch.tenant;
    let now = chrono::Utc::now();
    let items: Vec<knowledge_item::ActiveModel> = (0..texts.len().div_ceil(CHUNKS_PER_ITEM))
        .map(|i| knowledge_item::ActiveModel {
            id: Set(format!("kn_bench{i:08}")),
            org_id: Set(tenant.org_id.to_string()),
            environment: Set(tenant.environment),
            kind: Set("text".to_owned()),
            title: Set(format!("Generated {i}")),
            status: Set(companin_entity::KnowledgeStatus::Ready),
            keywords: Set(json!([])),
            alternate_questions: Set(json!([])),
            tags: Set(json!([])),
            chunk_count: Set(CHUNKS_PER_ITEM as i32),
            content_hash: Set(format!("bench-{i}")),
            version: Set(1),
            metadata: Set(json!({})),
            assistant_ids: Set(json!([])),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .collect();
    for batch in items.chunks(INSERT_BATCH) {
        knowledge_item::Entity::insert_many(batch.to_vec())
            .exec(db)
            .await?;
    }
    let chunks: Vec<knowledge_chunk::ActiveModel> = texts
        .iter()
        .zip(vectors)
        .enumerate()
        .map(|(n, (text, vector))| knowledge_chunk::ActiveModel {
            id: Set(format!("chk_bench{n:08}")),
            knowledge_id: Set(format!("kn_bench{:08}", n / CHUNKS_PER_ITEM)),
            org_id: Set(tenant.org_id.to_string()),
            environment: Set(tenant.environment),
            position: Set((n % CHUNKS_PER_ITEM) as i32),
            heading: Set(None),
            content: Set(text.clone()),
            token_count: Set(0),
            embedding: Set(encode_vector(vector)),
            source: Set(None),
            page_id: Set(None),
            language: Set(Some("en".to_owned())),
            embedder: Set(scratch.state.settings.embedder.model.name().to_owned()),
            created_at: Set(now),
            added_version: sea_orm::ActiveValue::NotSet,
        })
        .collect();
    for batch in chunks.chunks(INSERT_BATCH) {
        knowledge_chunk::Entity::insert_many(batch.to_vec())
            .exec(db)
            .await?;
    }
    bump_index_version(db, tenant.org_id.as_str(), tenant.environment).await?;
    Ok(())
}
