//! `companin bench ingest`: the ingestion pipeline's throughput against the raw embedder's,
//! measured in one run on the same texts.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;
use companin_config::Settings;
use companin_ingest::{ChunkOptions, chunk::chunk, parse::plain};
use serde_json::json;

use crate::scratch::{Doc, Ingested, Scratch, read_corpus};

/// Abstracts embedded whole, as the Python baseline (bench/embed_sbert.py) does.
const ABSTRACTS: usize = 512;

fn rate(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64().max(1e-9)
}

/// Runs the benchmark and prints its figures.
pub async fn ingest(
    settings: &Settings,
    corpus: &Path,
    limit: Option<usize>,
    summaries: usize,
) -> anyhow::Result<()> {
    let docs = read_corpus(corpus, limit)?;
    anyhow::ensure!(!docs.is_empty(), "the corpus is empty");
    let loading = settings.clone();
    let embedder = tokio::task::spawn_blocking(move || companin_worker::load_embedder(&loading))
        .await
        .context("loading the embedding model")??;
    let options = ChunkOptions {
        max_tokens: settings.ingest.chunk_tokens,
        overlap_tokens: settings.ingest.chunk_overlap_tokens,
    };

    // The texts the pipeline will embed, made by the same chunker.
    let mut chunk_texts = Vec::new();
    let chunking = Instant::now();
    for d in &docs {
        if let Ok(parsed) = plain(&d.text) {
            chunk_texts.extend(
                chunk(&parsed, &d.title, embedder.tokenizer(), options)
                    .into_iter()
                    .map(|c| c.content),
            );
        }
    }
    let chunking = chunking.elapsed();
    println!(
        "chunker: {} documents into {} chunks in {:.2} s ({:.1} docs/s)",
        docs.len(),
        chunk_texts.len(),
        chunking.as_secs_f64(),
        rate(docs.len(), chunking)
    );
    let titles: Vec<String> = docs.iter().map(|d| d.title.clone()).collect();
    // Whole abstracts (truncated by the model at 256 tokens), as bench/embed_sbert.py
    // embeds them, for the comparison with sentence-transformers.
    let abstracts: Vec<String> = docs
        .iter()
        .take(ABSTRACTS)
        .map(|d| format!("{} {}", d.title, d.text))
        .collect();
    let abstract_count = abstracts.len();
    let raw = embedder.clone();
    let texts = chunk_texts.clone();
    let [short, whole, long] =
        tokio::task::spawn_blocking(move || -> anyhow::Result<[Duration; 3]> {
            raw.embed(&texts[..texts.len().min(64)])?;
            let t = Instant::now();
            raw.embed(&titles)?;
            let short = t.elapsed();
            let t = Instant::now();
            raw.embed(&abstracts)?;
            let whole = t.elapsed();
            let t = Instant::now();
            raw.embed(&texts)?;
            Ok([short, whole, t.elapsed()])
        })
        .await??;
    println!(
        "raw embedder: {:.1} docs/s on the first {abstract_count} abstracts (title + text, 256-token window)",
        rate(abstract_count, whole)
    );
    println!(
        "raw embedder (batch {}, {} threads): {:.1} sentences/s on {} titles; {:.1} chunks/s on the pipeline's {} chunks",
        embedder.options().batch_size,
        settings.embedder.threads,
        rate(docs.len(), short),
        docs.len(),
        rate(chunk_texts.len(), long),
        chunk_texts.len(),
    );

    // The pipeline: a scratch database, the real create path, the real workers. Generated
    // summaries are measured apart (below): the pipeline's figure is time to `ready`.
    let scratch = Scratch::open(settings, embedder.clone(), None).await?;
    let Ingested {
        created,
        ready,
        failed,
        chunks,
        enqueue: enqueued,
        elapsed,
        ..
    } = scratch.ingest(&docs).await?;
    let worker_concurrency = scratch.state.settings.worker.concurrency;
    scratch.close().await?;

    let pipeline_chunks = rate(usize::try_from(chunks).unwrap_or(0), elapsed);
    let raw_chunks = rate(chunk_texts.len(), long);
    let report = json!({
        "documents": docs.len(),
        "items": created,
        "ready": ready,
        "failed": failed,
        "chunks": chunks,
        "enqueue_s": enqueued.as_secs_f64(),
        "pipeline_s": elapsed.as_secs_f64(),
        "pipeline_docs_per_s": rate(created, elapsed),
        "pipeline_chunks_per_s": pipeline_chunks,
        "raw_chunks_per_s": raw_chunks,
        "raw_docs_per_s": rate(created, long),
        "raw_sentences_per_s": rate(docs.len(), short),
        "raw_abstracts_per_s": rate(abstract_count, whole),
        "pipeline_over_raw": pipeline_chunks / raw_chunks.max(1e-9),
        "worker_concurrency": worker_concurrency,
    });
    println!(
        "pipeline: {} items ready ({} failed) with {} chunks in {:.1} s: {:.1} docs/s, {:.1} chunks/s = {:.0} % of the raw embedder",
        ready,
        failed,
        chunks,
        elapsed.as_secs_f64(),
        rate(created, elapsed),
        pipeline_chunks,
        100.0 * pipeline_chunks / raw_chunks.max(1e-9)
    );
    let mut report = report;
    if summaries > 0 {
        report["summaries"] = bench_summaries(settings, &docs[..summaries.min(docs.len())]).await?;
    }
    println!("{report}");
    Ok(())
}

/// Generated summaries of the first documents, one after another as the enrichment lane
/// writes them, with the same prompt and bounds.
async fn bench_summaries(settings: &Settings, docs: &[Doc]) -> anyhow::Result<serde_json::Value> {
    let loading = settings.clone();
    let generator = tokio::task::spawn_blocking(move || companin_worker::load_generator(&loading))
        .await
        .context("loading the generator")??;
    let texts: Vec<(String, String)> = docs
        .iter()
        .map(|d| (d.title.clone(), d.text.clone()))
        .collect();
    let gen_settings = settings.generator.clone();
    let (elapsed, prompt_tokens, completion_tokens, prefill, usable, example) =
        tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
            let started = Instant::now();
            let (mut prompt, mut completion, mut prefill, mut usable) =
                (0usize, 0usize, Duration::ZERO, 0usize);
            let mut example = None;
            for (title, text) in &texts {
                let g = companin_worker::generate_summary(
                    &generator,
                    &gen_settings,
                    title,
                    text,
                    &|| false,
                )?;
                prompt += g.prompt_tokens;
                completion += g.completion_tokens;
                prefill += g.prefill;
                if let Some(summary) = companin_worker::usable_summary(&g, title) {
                    usable += 1;
                    example.get_or_insert(summary);
                }
            }
            Ok((
                started.elapsed(),
                prompt,
                completion,
                prefill,
                usable,
                example,
            ))
        })
        .await??;
    let n = docs.len();
    println!(
        "generated summaries: {n} in {:.1} s = {:.2} docs/s; prefill {:.0} tokens/s, decode {:.1} tokens/s; {usable} usable",
        elapsed.as_secs_f64(),
        rate(n, elapsed),
        rate(prompt_tokens, prefill),
        rate(completion_tokens, elapsed.saturating_sub(prefill)),
    );
    if let Some(example) = &example {
        println!("example summary: {example}");
    }
    Ok(json!({
        "documents": n,
        "seconds": elapsed.as_secs_f64(),
        "docs_per_s": rate(n, elapsed),
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "prefill_tokens_per_s": rate(prompt_tokens, prefill),
        "decode_tokens_per_s": rate(completion_tokens, elapsed.saturating_sub(prefill)),
        "usable": usable,
    }))
}
