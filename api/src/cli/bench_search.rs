//! `companin bench search`: the vector index and the whole search at 10k and 100k chunks.
//!
//! The chunks are generated text (word sequences drawn from a corpus' own word frequencies)
//! with real MiniLM vectors. For each size it reports the graph's build rate and memory, the
//! approximate search's latency and its recall@10 against an exact scan, and the latency of
//! the whole search service (query embedding, index-version check, hybrid search, passages
//! read back) over a scratch tenant holding the same chunks.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;
use companin_config::Settings;
use companin_entity::knowledge_chunk::encode_vector;
use companin_entity::{knowledge_chunk, knowledge_item};
use companin_retrieval::dense::DenseIndex;
use companin_worker::store::bump_index_version;
use indicatif::{ProgressBar, ProgressStyle};
use sea_orm::{EntityTrait, Set};
use serde_json::json;

use super::scratch::{Scratch, percentile_ms as percentile, read_corpus};
use crate::services::search::SearchRequest;

/// Results compared, as the recall@10.
const K: usize = 10;
/// Graph candidates explored, as the API's search does for its default `top_k`.
const EF: usize = 96;
/// Chunks per generated item.
const CHUNKS_PER_ITEM: usize = 5;
/// Rows per insert.
const INSERT_BATCH: usize = 500;

/// A small deterministic generator (xorshift64*), so runs are comparable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// `n` texts of 12 to 40 words drawn from `words` (so with the corpus' word frequencies).
fn generate(words: &[String], n: usize, rng: &mut Rng) -> Vec<String> {
    (0..n)
        .map(|_| {
            let len = 12 + rng.below(29);
            (0..len)
                .map(|_| words[rng.below(words.len())].as_str())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// Resident memory of this process, from `/proc` (0 where there is none).
fn rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4096)
}

/// Runs the benchmark and prints its figures.
pub async fn search(
    settings: &Settings,
    corpus: &Path,
    sizes: &[usize],
    queries: usize,
) -> anyhow::Result<()> {
    let largest = sizes.iter().copied().max().unwrap_or(0);
    anyhow::ensure!(largest > 0 && queries > 0, "nothing to measure");
    let words: Vec<String> = read_corpus(corpus, None)?
        .iter()
        .flat_map(|d| {
            d.text
                .split_whitespace()
                .map(|w| {
                    w.trim_matches(|c: char| !c.is_alphanumeric())
                        .to_lowercase()
                })
                .filter(|w| w.len() >= 3)
                .collect::<Vec<_>>()
        })
        .collect();
    anyhow::ensure!(!words.is_empty(), "the corpus has no words");
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let texts = generate(&words, largest, &mut rng);
    let query_texts = generate(&words, queries, &mut rng);

    let loading = settings.clone();
    let embedder = tokio::task::spawn_blocking(move || companin_worker::load_embedder(&loading))
        .await
        .context("loading the embedding model")??;
    let bar = ProgressBar::new((largest + queries) as u64);
    bar.set_style(
        ProgressStyle::with_template("embedding {bar:40} {pos}/{len} {per_sec} eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let (vectors, query_vectors) = {
        let embedder = embedder.clone();
        let bar = bar.clone();
        let all: Vec<String> = texts.iter().chain(&query_texts).cloned().collect();
        let mut vectors = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<Vec<f32>>> {
            let mut out = Vec::with_capacity(all.len());
            for batch in all.chunks(1024) {
                out.extend(embedder.embed(batch)?);
                bar.inc(batch.len() as u64);
            }
            Ok(out)
        })
        .await??;
        let queries = vectors.split_off(largest);
        (vectors, queries)
    };
    bar.finish_and_clear();
    let dim = embedder.dimension();

    let mut report = serde_json::Map::new();
    for &size in sizes {
        // The ANN step alone.
        let rss_before = rss_bytes();
        let vs = vectors[..size].to_vec();
        let qs = query_vectors.clone();
        let (build, rss_after, latencies, recall) =
            tokio::task::spawn_blocking(move || -> (Duration, u64, Vec<Duration>, f64) {
                let started = Instant::now();
                let mut index = DenseIndex::new(dim, vs.len());
                index.extend(&vs);
                let build = started.elapsed();
                let rss_after = rss_bytes();
                let mut latencies = Vec::with_capacity(qs.len());
                let mut hits = 0usize;
                for q in &qs {
                    let t = Instant::now();
                    let found = index.search(q, K, EF, None);
                    latencies.push(t.elapsed());
                    let exact = index.exact(q, K, 0..index.len());
                    hits += found
                        .iter()
                        .filter(|(s, _)| exact.iter().any(|(e, _)| e == s))
                        .count();
                }
                latencies.sort_unstable();
                (
                    build,
                    rss_after,
                    latencies,
                    hits as f64 / (qs.len() * K) as f64,
                )
            })
            .await?;
        let ann_p50 = percentile(&latencies, 0.5);
        let ann_p99 = percentile(&latencies, 0.99);
        let build_rate = size as f64 / build.as_secs_f64().max(1e-9);
        let memory_mb = rss_after.saturating_sub(rss_before) as f64 / 1e6;
        println!(
            "{size} chunks: graph built in {:.1} s ({build_rate:.0} chunks/s, +{memory_mb:.0} MB resident); ANN top-{K} (ef {EF}) p50 {ann_p50:.3} ms, p99 {ann_p99:.3} ms, recall@{K} vs exact {recall:.4}",
            build.as_secs_f64()
        );

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
            "{size} chunks: search service (embed + hybrid top-5 + passages) p50 {p50:.2} ms, p99 {p99:.2} ms; first search (index built from the database) {:.1} s, +{index_mb:.0} MB resident",
            first.as_secs_f64()
        );
        report.insert(
            size.to_string(),
            json!({
                "graph_build_s": build.as_secs_f64(),
                "graph_build_chunks_per_s": build_rate,
                "graph_memory_mb": memory_mb,
                "ann_p50_ms": ann_p50,
                "ann_p99_ms": ann_p99,
                "ann_recall_at_10": recall,
                "search_p50_ms": p50,
                "search_p99_ms": p99,
                "first_search_s": first.as_secs_f64(),
                "tenant_index_memory_mb": index_mb,
            }),
        );
    }
    report.insert("queries".to_owned(), json!(queries));
    report.insert("ef".to_owned(), json!(EF));
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
            status: Set("ready".to_owned()),
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
            created_at: Set(now),
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
