//! `companin bench chat`: `send-message` latency on each reply path — a curated Q&A, an
//! extractive reply, and the local generator (with its time to first token and decode rate)
//! — over a scratch tenant holding part of a BEIR corpus.
//!
//! Requests go through the same service the route calls (checks, retrieval, reply, storage),
//! without the HTTP layer.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;
use companin_config::{ReplyGenerator, Settings};
use companin_service::assistants::config::{Config, ReplyMode};
use companin_service::conversations::reply::{self, Reply, SendMessage};
use companin_service::knowledge::create::Qa;
use companin_service::knowledge::{self, NewItem, NewSource};
use companin_service::{Actor, assistants, sessions};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::scratch::{Scratch, percentile_ms as percentile, read_corpus};

/// Curated Q&A items made from the first queries, at most.
const MAX_QAS: usize = 10;

#[derive(Debug, Deserialize)]
struct BeirQuery {
    text: String,
}

fn read_queries(path: &Path) -> anyhow::Result<Vec<String>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| Ok(serde_json::from_str::<BeirQuery>(l)?.text))
        .collect()
}

/// Sends `message` in `session` and waits for the stored reply.
async fn ask(scratch: &Scratch, session: &str, message: &str) -> anyhow::Result<(Reply, Duration)> {
    let started = Instant::now();
    let prepared = reply::prepare(
        &scratch.state,
        &scratch.tenant,
        SendMessage {
            session_id: session.to_owned(),
            message: message.to_owned(),
            conversation_id: None,
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("send-message refused: {}", e.detail))?;
    let stored = prepared
        .run_to_end(&scratch.state)
        .await
        .map_err(|e| anyhow::anyhow!("send-message failed: {}", e.detail))?;
    Ok((stored, started.elapsed()))
}

async fn session_for(scratch: &Scratch, config: Config) -> anyhow::Result<String> {
    let tenant = &scratch.tenant;
    let state = &scratch.state;
    let assistant = assistants::create(&state.db_write, tenant, &Actor::Cli, config)
        .await
        .map_err(|e| anyhow::anyhow!("creating an assistant: {}", e.detail))?;
    let session = sessions::create(
        &state.db_write,
        &state.settings.sessions,
        tenant,
        &Actor::Cli,
        sessions::NewSession {
            assistant_id: assistant.id,
            ..Default::default()
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("creating a session: {}", e.detail))?;
    Ok(session.id)
}

/// Prints a path's latencies and adds them to the summary.
fn report(name: &str, mut times: Vec<Duration>, summary: &mut serde_json::Map<String, Value>) {
    times.sort();
    let (p50, p99) = (percentile(&times, 0.50), percentile(&times, 0.99));
    println!(
        "{name:<12} n={:<4} p50 {p50:>8.1} ms  p99 {p99:>8.1} ms",
        times.len()
    );
    summary.insert(format!("{name}_p50_ms"), json!(p50));
    summary.insert(format!("{name}_p99_ms"), json!(p99));
}

pub async fn chat(
    settings: &Settings,
    corpus: &Path,
    queries: &Path,
    docs: usize,
    requests: usize,
    generated: usize,
) -> anyhow::Result<()> {
    let mut settings = settings.clone();
    settings.conversations.generator = ReplyGenerator::Local;
    let embedder = tokio::task::spawn_blocking({
        let settings = settings.clone();
        move || companin_worker::load_embedder(&settings)
    })
    .await??;
    let corpus = read_corpus(corpus, Some(docs))?;
    let questions = read_queries(queries)?;
    let qas = (questions.len() / 2).min(MAX_QAS);
    anyhow::ensure!(qas > 0, "the queries file needs at least two queries");
    let scratch = Scratch::open(&settings, embedder, None).await?;
    println!("ingesting {} documents and {qas} curated Q&A", corpus.len());
    for (i, question) in questions.iter().take(qas).enumerate() {
        let item = NewItem {
            title: None,
            source: NewSource::Qa(Qa {
                question: question.clone(),
                answer: format!("Curated answer number {i}."),
                ..Default::default()
            }),
            metadata: None,
            assistant_ids: None,
            language: None,
            replace: false,
        };
        knowledge::create(&scratch.state, &scratch.tenant, &Actor::Cli, item)
            .await
            .map_err(|e| anyhow::anyhow!("creating a Q&A: {}", e.detail))?;
    }
    let ingested = scratch.ingest(&corpus).await?;
    println!(
        "{} items ready, {} chunks, in {:.1} s",
        ingested.ready,
        ingested.chunks,
        ingested.elapsed.as_secs_f64()
    );

    let base = Config::named("Bench");
    let extractive = session_for(
        &scratch,
        Config {
            reply_mode: ReplyMode::Extractive,
            ..base.clone()
        },
    )
    .await?;
    let generative = session_for(&scratch, base).await?;
    // One warm-up request loads the embedder and the index.
    let others = &questions[qas..];
    ask(&scratch, &extractive, &others[0]).await?;

    let mut qa_times = Vec::new();
    let mut qa_hits = 0;
    for i in 0..requests {
        let (r, t) = ask(&scratch, &extractive, &questions[i % qas]).await?;
        qa_hits += usize::from(r.message.reply_kind.as_deref() == Some("qa"));
        qa_times.push(t);
    }
    let mut ex_times = Vec::new();
    let mut answered = 0;
    for i in 0..requests {
        let (r, t) = ask(&scratch, &extractive, &others[i % others.len()]).await?;
        answered += usize::from(r.answered);
        ex_times.push(t);
    }
    let mut summary = serde_json::Map::new();
    println!("send-message through the service (checks, retrieval, reply, storage):");
    report("qa", qa_times, &mut summary);
    println!("             {qa_hits}/{requests} answered from the curated Q&A");
    report("extractive", ex_times, &mut summary);
    println!("             {answered}/{requests} answered (the rest fell back)");
    summary.insert("qa_answered".into(), json!(qa_hits));
    summary.insert("extractive_answered".into(), json!(answered));

    if generated > 0 {
        // The first reply loads the model; it is not timed.
        ask(&scratch, &generative, &others[0]).await?;
        let mut times = Vec::new();
        let mut first = Vec::new();
        let mut rates = Vec::new();
        for i in 0..generated {
            let (r, t) = ask(&scratch, &generative, &others[(i + 1) % others.len()]).await?;
            if r.message.reply_kind.as_deref() != Some("local") {
                println!("  (question {i} fell back; not generated)");
                continue;
            }
            let ttft = Duration::from_millis(r.message.first_token_ms.unwrap_or(0).max(0) as u64);
            let tokens = r.message.completion_tokens.unwrap_or(0).max(0) as f64;
            let decode = t.saturating_sub(ttft).as_secs_f64();
            println!(
                "  local reply {i}: {} prompt tokens, {tokens} generated, first text {:.2} s, {:.1} tokens/s",
                r.message.prompt_tokens.unwrap_or(0),
                ttft.as_secs_f64(),
                tokens / decode.max(1e-9)
            );
            times.push(t);
            first.push(ttft);
            rates.push(tokens / decode.max(1e-9));
        }
        if !times.is_empty() {
            report("local", times, &mut summary);
            first.sort();
            rates.sort_by(f64::total_cmp);
            let (ttft, rate) = (percentile(&first, 0.5), rates[rates.len() / 2]);
            println!(
                "             time to first text p50 {ttft:.0} ms; decode p50 {rate:.1} tokens/s"
            );
            summary.insert("local_first_text_p50_ms".into(), json!(ttft));
            summary.insert("local_decode_tokens_per_s".into(), json!(rate));
        }
    }
    scratch.close().await?;
    // The figures as one JSON line, for scripts.
    println!("{}", Value::Object(summary));
    Ok(())
}
