//! `companin bench tenants`: many tenants' search indexes held to `search.memory_budget_mb`.
//!
//! Every tenant gets its own draw of generated chunks (a pool of texts embedded once by the
//! real model, each tenant taking a different subset), stored in a scratch SQLite database.
//! Each tenant is searched once (its index built and its snapshot written), then tenants are
//! searched in a random order: most searches find their tenant's index gone from memory and
//! load it from its snapshot. Then a new registry (a restarted process) searches the first
//! tenants once each. Every answer is checked for the tenant's own chunks only, and counted
//! when the chunk asked about came first.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use companin_config::{DatabaseUrl, Settings};
use companin_entity::knowledge_chunk::{self, encode_vector};
use companin_entity::{Environment, environment};
use companin_retrieval::{Mode, Query, Registry, Scope};
use indicatif::{ProgressBar, ProgressStyle};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, Set};
use serde_json::json;

use crate::generated::{Rng, corpus_words, embed_cached, generate, rss_bytes};
use crate::scratch::percentile_ms as percentile;

/// Rows per insert.
const INSERT_BATCH: usize = 500;
/// Chunks per generated item.
const CHUNKS_PER_ITEM: usize = 5;
/// Results asked for, as the API's default `top_k`.
const TOP_K: usize = 5;
/// Tenants searched after the restart.
const RESTARTED: usize = 50;

/// What to measure.
pub struct Options {
    pub tenants: usize,
    /// Chunks per tenant.
    pub chunks: usize,
    /// Generated texts embedded, which the tenants draw their chunks from.
    pub pool: usize,
    /// Searches timed, in a random order of tenants.
    pub searches: usize,
    /// The registry's memory budget, in MiB.
    pub budget_mb: usize,
    /// Where the pool's vectors are kept between runs.
    pub vectors: Option<PathBuf>,
    /// Keep the scratch database and snapshots here, and reuse them when they hold this run's
    /// chunks.
    pub work_dir: Option<PathBuf>,
}

/// The chunk id of a tenant's `n`th chunk: the tenant can be read back from it.
fn chunk_id(tenant: usize, n: usize) -> String {
    format!("chk_t{tenant:05}_{n:06}")
}

fn org_id(tenant: usize) -> String {
    format!("org_t{tenant:05}")
}

/// Each tenant's chunks: `chunks` indices into the pool, distinct while the pool is large
/// enough (else drawn with repeats, each repeat made a variant of its text, see
/// [`Chunks::chunk`]).
fn draws(rng: &mut Rng, tenants: usize, chunks: usize, pool: usize) -> Vec<Vec<u32>> {
    let mut order: Vec<u32> = (0..pool as u32).collect();
    (0..tenants)
        .map(|_| {
            if chunks > pool {
                return (0..chunks).map(|_| rng.below(pool) as u32).collect();
            }
            // A partial Fisher-Yates shuffle: the first `chunks` places.
            for i in 0..chunks {
                let j = i + rng.below(pool - i);
                order.swap(i, j);
            }
            order[..chunks].to_vec()
        })
        .collect()
}

/// The tenants' chunks: pool texts with their vectors.
struct Chunks {
    texts: Vec<String>,
    vectors: Vec<Vec<f32>>,
    draws: Vec<Vec<u32>>,
    /// Each chunk is a variant of its pool text (more chunks per tenant than the pool holds).
    variants: bool,
}

impl Chunks {
    /// The text and vector of `tenant`'s chunk `n`. A variant carries a word of its own and
    /// its vector is moved a little (deterministically), so no two chunks are the same.
    fn chunk(&self, tenant: usize, n: usize) -> (String, Vec<f32>) {
        let at = self.draws[tenant][n] as usize;
        let (text, vector) = (&self.texts[at], &self.vectors[at]);
        if !self.variants {
            return (text.clone(), vector.clone());
        }
        let mut jitter = Rng((n as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let moved = vector
            .iter()
            .map(|x| x + (jitter.below(1_000) as f32 / 1_000.0 - 0.5) * 0.02)
            .collect();
        (format!("{text} variant{n:x}"), moved)
    }
}

/// One timed search and what it found.
struct Timed {
    elapsed: Duration,
    /// The index was not in memory: built, or loaded from its snapshot.
    loaded: bool,
    /// The chunk asked about came first.
    found: bool,
}

/// Runs the benchmark and prints its figures.
pub async fn tenants(settings: &Settings, corpus: &Path, options: &Options) -> anyhow::Result<()> {
    anyhow::ensure!(
        options.tenants > 0 && options.chunks > 0 && options.pool > 0,
        "nothing to measure"
    );
    let words = corpus_words(corpus)?;
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let texts = generate(&words, options.pool, &mut rng);
    let loading = settings.clone();
    let embedder = tokio::task::spawn_blocking(move || companin_worker::load_embedder(&loading))
        .await
        .context("loading the embedding model")??;
    let vectors = embed_cached(&embedder, texts.clone(), options.vectors.as_deref()).await?;
    let chunks = Chunks {
        draws: draws(&mut rng, options.tenants, options.chunks, options.pool),
        texts,
        vectors,
        variants: options.chunks > options.pool,
    };

    let temporary;
    let dir = match &options.work_dir {
        Some(dir) => {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            dir.clone()
        }
        None => {
            temporary = tempfile::tempdir()?;
            temporary.path().to_path_buf()
        }
    };
    let mut scratch = settings.clone();
    scratch.database_url = Some(DatabaseUrl(format!(
        "sqlite://{}?mode=rwc",
        dir.join("tenants.db").display()
    )));
    let pools = companin_service::db::Pools::open(&scratch).await?;
    companin_service::db::prepare(&pools.write, &scratch).await?;
    let model = settings.embedder.model.name();
    let expected = (options.tenants * options.chunks) as u64;
    let stored = knowledge_chunk::Entity::find().count(&pools.read).await?;
    if stored == expected {
        println!("{stored} chunks found in {}", dir.display());
    } else {
        anyhow::ensure!(stored == 0, "{} holds another run's chunks", dir.display());
        insert(&pools.write, &chunks, model).await?;
    }

    let registry = Registry::new(pools.read.clone(), model)
        .with_snapshots(dir.join("index"))
        .with_memory_budget(options.budget_mb << 20);
    let rss_start = rss_bytes();

    // Every tenant once, in order: built from the database (or, in a reused folder, loaded).
    let bar = progress(options.tenants as u64, "first searches");
    let mut first = Vec::with_capacity(options.tenants);
    let started = Instant::now();
    let mut found_first = 0;
    for tenant in 0..options.tenants {
        let timed = search(&registry, tenant, 0, &chunks).await?;
        found_first += usize::from(timed.found);
        first.push(timed.elapsed);
        bar.inc(1);
    }
    bar.finish_and_clear();
    let warm = started.elapsed();
    first.sort_unstable();

    // Then in a random order.
    let bar = progress(options.searches as u64, "searches");
    let (mut all, mut resident, mut loaded) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..options.searches {
        let tenant = rng.below(options.tenants);
        let n = rng.below(options.chunks);
        let timed = search(&registry, tenant, n, &chunks).await?;
        found_first += usize::from(timed.found);
        all.push(timed.elapsed);
        if timed.loaded {
            loaded.push(timed.elapsed);
        } else {
            resident.push(timed.elapsed);
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    for list in [&mut all, &mut resident, &mut loaded] {
        list.sort_unstable();
    }
    let (in_memory, bytes) = registry.resident();
    let grown_mb = rss_bytes().saturating_sub(rss_start) as f64 / 1e6;

    // A restart: a new registry over the same snapshots, each of the first tenants searched once.
    drop(registry);
    let registry = Registry::new(pools.read.clone(), model)
        .with_snapshots(dir.join("index"))
        .with_memory_budget(options.budget_mb << 20);
    let mut restarted = Vec::new();
    for tenant in 0..options.tenants.min(RESTARTED) {
        let timed = search(&registry, tenant, 0, &chunks).await?;
        anyhow::ensure!(
            timed.loaded,
            "the restarted registry held tenant {tenant} already"
        );
        found_first += usize::from(timed.found);
        restarted.push(timed.elapsed);
    }
    restarted.sort_unstable();
    let asked = options.tenants + options.searches + restarted.len();

    println!(
        "{} tenants x {} chunks, budget {} MiB: first searches took {:.0} s in all (p50 {:.1} ms, p99 {:.1} ms)",
        options.tenants,
        options.chunks,
        options.budget_mb,
        warm.as_secs_f64(),
        percentile(&first, 0.5),
        percentile(&first, 0.99)
    );
    println!(
        "{} searches in a random order: p50 {:.2} ms, p99 {:.2} ms; index in memory {} times (p50 {:.2} ms, p99 {:.2} ms), loaded {} times (p50 {:.2} ms, p99 {:.2} ms)",
        all.len(),
        percentile(&all, 0.5),
        percentile(&all, 0.99),
        resident.len(),
        percentile(&resident, 0.5),
        percentile(&resident, 0.99),
        loaded.len(),
        percentile(&loaded, 0.5),
        percentile(&loaded, 0.99)
    );
    println!(
        "{in_memory} tenants in memory at the end, {:.0} MB by their estimate ({} bytes per chunk); resident set grew {grown_mb:.0} MB",
        bytes as f64 / 1e6,
        bytes / (in_memory * options.chunks).max(1)
    );
    println!(
        "after a restart, the first search of {} tenants (index loaded from its snapshot): p50 {:.1} ms, p99 {:.1} ms",
        restarted.len(),
        percentile(&restarted, 0.5),
        percentile(&restarted, 0.99)
    );
    println!(
        "every answer held only its tenant's chunks; the chunk asked about came first in {found_first} of {asked}"
    );
    let report = json!({
        "tenants": options.tenants,
        "chunks_per_tenant": options.chunks,
        "budget_mb": options.budget_mb,
        "first_searches_s": warm.as_secs_f64(),
        "first_search_p50_ms": percentile(&first, 0.5),
        "first_search_p99_ms": percentile(&first, 0.99),
        "searches": all.len(),
        "search_p50_ms": percentile(&all, 0.5),
        "search_p99_ms": percentile(&all, 0.99),
        "in_memory_searches": resident.len(),
        "in_memory_p50_ms": percentile(&resident, 0.5),
        "in_memory_p99_ms": percentile(&resident, 0.99),
        "loaded_searches": loaded.len(),
        "loaded_p50_ms": percentile(&loaded, 0.5),
        "loaded_p99_ms": percentile(&loaded, 0.99),
        "tenants_in_memory": in_memory,
        "estimate_mb": bytes as f64 / 1e6,
        "resident_growth_mb": grown_mb,
        "restart_first_search_p50_ms": percentile(&restarted, 0.5),
        "restart_first_search_p99_ms": percentile(&restarted, 0.99),
        "asked_chunk_first": found_first,
        "asked": asked,
    });
    println!("{report}");
    pools.close().await;
    Ok(())
}

fn progress(len: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template(&format!("{what} {{bar:40}} {{pos}}/{{len}} eta {{eta}}"))
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

/// Searches `tenant` for its chunk `n` (by that chunk's own text and vector), timing the
/// catch-up (a load when the index is not in memory) and the search together. An answer
/// holding another tenant's chunk is an error.
async fn search(
    registry: &Registry,
    tenant: usize,
    n: usize,
    chunks: &Chunks,
) -> anyhow::Result<Timed> {
    let org = org_id(tenant);
    let (text, vector) = chunks.chunk(tenant, n);
    let scope = Scope::all();
    let started = Instant::now();
    let caught_up = registry.sync(&org, Environment::Production).await?;
    let hits = registry
        .search(
            &org,
            Environment::Production,
            &Query {
                text: &text,
                languages: &[],
                vector: &vector,
                mode: Mode::Hybrid,
                top_k: TOP_K,
                per_item: 2,
                min_score: 0.0,
                min_score_across_languages: 0.0,
                cross_language_lexical: 1.0,
                scope: &scope,
            },
        )
        .await?;
    let elapsed = started.elapsed();
    let own = format!("chk_t{tenant:05}_");
    if let Some(stranger) = hits.iter().find(|h| !h.chunk_id.starts_with(&own)) {
        anyhow::bail!("{org}'s search returned {}", stranger.chunk_id);
    }
    Ok(Timed {
        elapsed,
        loaded: caught_up.rebuilt || caught_up.loaded_snapshot,
        found: hits
            .first()
            .is_some_and(|h| h.chunk_id == chunk_id(tenant, n)),
    })
}

/// Stores every tenant's chunks (environment rows and chunks only: what the search index
/// reads; foreign keys are off on the scratch database's one writing connection).
async fn insert(db: &DatabaseConnection, chunks: &Chunks, model: &str) -> anyhow::Result<()> {
    db.execute_unprepared("PRAGMA foreign_keys = OFF").await?;
    let now = chrono::Utc::now();
    let bar = progress(chunks.draws.len() as u64, "storing tenants");
    for (tenant, draw) in chunks.draws.iter().enumerate() {
        environment::Entity::insert(environment::ActiveModel {
            org_id: Set(org_id(tenant)),
            environment: Set(Environment::Production),
            config_version: Set(0),
            index_version: Set(1),
            created_at: Set(now),
            ..Default::default()
        })
        .exec(db)
        .await?;
        let rows: Vec<knowledge_chunk::ActiveModel> = (0..draw.len())
            .map(|n| {
                let (text, vector) = chunks.chunk(tenant, n);
                knowledge_chunk::ActiveModel {
                    id: Set(chunk_id(tenant, n)),
                    knowledge_id: Set(format!("kn_t{tenant:05}_{:06}", n / CHUNKS_PER_ITEM)),
                    org_id: Set(org_id(tenant)),
                    environment: Set(Environment::Production),
                    position: Set((n % CHUNKS_PER_ITEM) as i32),
                    heading: Set(None),
                    content: Set(text),
                    token_count: Set(0),
                    embedding: Set(encode_vector(&vector)),
                    source: Set(None),
                    page_id: Set(None),
                    language: Set(Some("en".to_owned())),
                    embedder: Set(model.to_owned()),
                    created_at: Set(now),
                    added_version: Set(Some(1)),
                }
            })
            .collect();
        for batch in rows.chunks(INSERT_BATCH) {
            knowledge_chunk::Entity::insert_many(batch.to_vec())
                .exec(db)
                .await?;
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    db.execute_unprepared("PRAGMA foreign_keys = ON").await?;
    Ok(())
}
