//! `companin eval`: retrieval quality. `beir` reads a BEIR dataset (SciFact); `squad` a
//! question–passage set in SQuAD's format (MLQA's Spanish dev split, as Spanish questions over
//! the Spanish passages or over the parallel English ones), each distinct passage a document
//! whose only relevant query is its own questions. The corpus goes through the real ingestion
//! pipeline into a scratch tenant, each query through the real retrieval with the languages
//! the service would give it (one document per item, so a document's rank is its best
//! chunk's), and the rankings are scored with nDCG@10, MRR@10 and recall@1/5/10/100.

use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use companin_config::Settings;
use companin_retrieval::{Hit, Mode, Query, Scope};
use serde::Deserialize;
use serde_json::json;

use crate::scratch::{Doc, Scratch, percentile_ms as percentile, read_corpus};

/// Documents ranked per query (recall@100 needs them all).
const DEPTH: usize = 100;

#[derive(Deserialize)]
struct BeirQuery {
    #[serde(rename = "_id")]
    id: String,
    text: String,
}

/// Relevance grades by query id, then document id (grades above 0 are relevant).
type Qrels = HashMap<String, HashMap<String, u32>>;

fn read_qrels(path: &Path) -> anyhow::Result<Qrels> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut qrels: Qrels = HashMap::new();
    for (n, line) in text.lines().enumerate() {
        let fields: Vec<&str> = line.split('\t').map(str::trim).collect();
        if fields.len() < 3 || (n == 0 && fields[0] == "query-id") {
            continue;
        }
        let grade: u32 = fields[2]
            .parse()
            .with_context(|| format!("{} line {}: bad score", path.display(), n + 1))?;
        qrels
            .entry(fields[0].to_owned())
            .or_default()
            .insert(fields[1].to_owned(), grade);
    }
    Ok(qrels)
}

fn read_queries(path: &Path) -> anyhow::Result<Vec<BeirQuery>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, l)| {
            serde_json::from_str(l).with_context(|| format!("{} line {}", path.display(), n + 1))
        })
        .collect()
}

/// nDCG@k with linear gains (trec_eval's, as BEIR reports it).
pub fn ndcg_at(ranked: &[String], grades: &HashMap<String, u32>, k: usize) -> f64 {
    let discount = |i: usize| 1.0 / ((i + 2) as f64).log2();
    let dcg: f64 = ranked
        .iter()
        .take(k)
        .enumerate()
        .map(|(i, d)| f64::from(grades.get(d).copied().unwrap_or(0)) * discount(i))
        .sum();
    let mut ideal: Vec<u32> = grades.values().copied().filter(|g| *g > 0).collect();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let idcg: f64 = ideal
        .iter()
        .take(k)
        .enumerate()
        .map(|(i, g)| f64::from(*g) * discount(i))
        .sum();
    if idcg > 0.0 { dcg / idcg } else { 0.0 }
}

/// Share of the relevant documents found in the first `k`.
pub fn recall_at(ranked: &[String], grades: &HashMap<String, u32>, k: usize) -> f64 {
    let relevant = grades.values().filter(|g| **g > 0).count();
    if relevant == 0 {
        return 0.0;
    }
    let found = ranked
        .iter()
        .take(k)
        .filter(|d| grades.get(*d).is_some_and(|g| *g > 0))
        .count();
    found as f64 / relevant as f64
}

/// The reciprocal rank of the first relevant document within the first `k` (0 if none).
pub fn reciprocal_rank_at(ranked: &[String], grades: &HashMap<String, u32>, k: usize) -> f64 {
    ranked
        .iter()
        .take(k)
        .position(|d| grades.get(d).is_some_and(|g| *g > 0))
        .map_or(0.0, |i| 1.0 / (i + 1) as f64)
}

/// A retrieval task: documents, queries (id, text), and the judgments.
struct Task {
    docs: Vec<Doc>,
    queries: Vec<(String, String)>,
    qrels: Qrels,
}

#[derive(Deserialize)]
struct Squad {
    data: Vec<SquadArticle>,
}

#[derive(Deserialize)]
struct SquadArticle {
    #[serde(default)]
    title: String,
    paragraphs: Vec<SquadParagraph>,
}

#[derive(Deserialize)]
struct SquadParagraph {
    context: String,
    qas: Vec<SquadQuestion>,
}

#[derive(Deserialize)]
struct SquadQuestion {
    id: String,
    question: String,
}

/// A SQuAD-format file as a retrieval task: each distinct passage is a document (titled with
/// its article, as a knowledge item has a title), each question a query judged by its own
/// passage; the first `limit` questions only, over every passage.
fn read_squad(path: &Path, limit: Option<usize>) -> anyhow::Result<Task> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let squad: Squad =
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    let mut docs: Vec<Doc> = Vec::new();
    let mut doc_of_context: HashMap<String, String> = HashMap::new();
    let mut queries = Vec::new();
    let mut qrels: Qrels = HashMap::new();
    for article in squad.data {
        for paragraph in article.paragraphs {
            let context = paragraph.context.trim().to_owned();
            let doc = match doc_of_context.get(&context) {
                Some(id) => id.clone(),
                None => {
                    let id = format!("p{}", docs.len());
                    doc_of_context.insert(context.clone(), id.clone());
                    docs.push(Doc {
                        id: id.clone(),
                        title: article.title.clone(),
                        text: context,
                    });
                    id
                }
            };
            for q in paragraph.qas {
                if limit.is_some_and(|l| queries.len() >= l) {
                    continue;
                }
                qrels
                    .entry(q.id.clone())
                    .or_default()
                    .insert(doc.clone(), 1);
                queries.push((q.id, q.question));
            }
        }
    }
    anyhow::ensure!(!queries.is_empty(), "{} holds no question", path.display());
    Ok(Task {
        docs,
        queries,
        qrels,
    })
}

/// `companin eval squad`: the passages and questions of a SQuAD-format file, asked of an
/// assistant whose language is `language`.
pub async fn squad(
    settings: &Settings,
    file: &Path,
    limit: Option<usize>,
    language: &str,
    modes: &[Mode],
    work_dir: Option<&Path>,
) -> anyhow::Result<()> {
    let task = read_squad(file, limit)?;
    let mut report = run(settings, &task, language, modes, work_dir).await?;
    report.insert("file".to_owned(), json!(file.display().to_string()));
    println!("{}", serde_json::Value::Object(report));
    Ok(())
}

/// Runs the evaluation and prints one line per mode, then the figures as JSON.
pub async fn beir(
    settings: &Settings,
    data: &Path,
    split: &str,
    modes: &[Mode],
    work_dir: Option<&Path>,
) -> anyhow::Result<()> {
    let docs = read_corpus(&data.join("corpus.jsonl"), None)?;
    let qrels = read_qrels(&data.join("qrels").join(format!("{split}.tsv")))?;
    let queries: Vec<(String, String)> = read_queries(&data.join("queries.jsonl"))?
        .into_iter()
        .filter(|q| qrels.get(&q.id).is_some_and(|g| g.values().any(|g| *g > 0)))
        .map(|q| (q.id, q.text))
        .collect();
    anyhow::ensure!(
        !queries.is_empty(),
        "no query of {} has a relevance judgment in the {split} split",
        data.display()
    );
    let task = Task {
        docs,
        queries,
        qrels,
    };
    let mut report = run(settings, &task, "en", modes, work_dir).await?;
    report.insert("split".to_owned(), json!(split));
    println!("{}", serde_json::Value::Object(report));
    Ok(())
}

/// Ingests the task's documents into a scratch tenant, asks its queries in every mode, and
/// prints one line per mode; answers the figures.
async fn run(
    settings: &Settings,
    task: &Task,
    language: &str,
    modes: &[Mode],
    work_dir: Option<&Path>,
) -> anyhow::Result<serde_json::Map<String, serde_json::Value>> {
    let Task {
        docs,
        queries,
        qrels,
    } = task;
    let loading = settings.clone();
    let embedder = tokio::task::spawn_blocking(move || companin_worker::load_embedder(&loading))
        .await
        .context("loading the embedding model")??;

    let scratch = Scratch::open(settings, embedder.clone(), work_dir).await?;
    let ingested = scratch.ingest(docs).await?;
    println!(
        "corpus: {} documents, {} items ready ({} failed, {} new), {} chunks, ingested in {:.1} s",
        docs.len(),
        ingested.ready,
        ingested.failed,
        ingested.created,
        ingested.chunks,
        ingested.elapsed.as_secs_f64()
    );
    let doc_of_item: HashMap<String, String> = ingested
        .item_ids
        .iter()
        .zip(docs)
        .filter_map(|(item, doc)| Some((item.clone()?, doc.id.clone())))
        .collect();

    let relevance = embedder.model().relevance();
    let cross_language_lexical = embedder.model().cross_language_lexical();
    let texts: Vec<String> = queries.iter().map(|(_, text)| text.clone()).collect();
    let vectors = tokio::task::spawn_blocking(move || embedder.embed_queries(&texts))
        .await
        .context("embedding the queries")??;
    let languages: Vec<Vec<String>> = queries
        .iter()
        .map(|(_, text)| companin_service::search::query_languages(text, Some(language)))
        .collect();
    let registry = scratch.state.search.registry();
    let tenant = &scratch.tenant;
    let t = Instant::now();
    registry
        .sync(tenant.org_id.as_str(), tenant.environment)
        .await?;
    let build = t.elapsed();
    println!("index built in {:.2} s", build.as_secs_f64());

    let scope = Scope::all();
    let mut report = serde_json::Map::new();
    for &mode in modes {
        let mut sums = [0.0f64; 6];
        let mut latencies = Vec::with_capacity(queries.len());
        // Cosines of the first relevant document and of the tenth document, when ranked, and
        // how they read as relevance.
        let (mut relevant, mut tenth) = (Vec::new(), Vec::new());
        let (mut relevant_read, mut tenth_read) = (Vec::new(), Vec::new());
        for (((id, text), vector), languages) in queries.iter().zip(&vectors).zip(&languages) {
            let t = Instant::now();
            let hits = registry
                .search(
                    tenant.org_id.as_str(),
                    tenant.environment,
                    &Query {
                        text,
                        languages,
                        vector,
                        mode,
                        top_k: DEPTH,
                        per_item: 1,
                        min_score: -1.0,
                        min_score_across_languages: -1.0,
                        cross_language_lexical,
                        scope: &scope,
                    },
                )
                .await?;
            latencies.push(t.elapsed());
            let ranked: Vec<String> = hits
                .iter()
                .filter_map(|h| doc_of_item.get(&h.knowledge_id).cloned())
                .collect();
            let grades = &qrels[id];
            let is_relevant = |h: &&Hit| {
                doc_of_item
                    .get(&h.knowledge_id)
                    .is_some_and(|d| grades.get(d).is_some_and(|g| *g > 0))
            };
            let read = |h: &Hit| relevance.of(h.score, h.across_languages);
            if let Some(h) = hits.iter().find(is_relevant) {
                relevant.push(h.score);
                relevant_read.push(read(h));
            }
            if let Some(h) = hits.get(9) {
                tenth.push(h.score);
                tenth_read.push(read(h));
            }
            let scores = [
                ndcg_at(&ranked, grades, 10),
                reciprocal_rank_at(&ranked, grades, 10),
                recall_at(&ranked, grades, 1),
                recall_at(&ranked, grades, 5),
                recall_at(&ranked, grades, 10),
                recall_at(&ranked, grades, 100),
            ];
            sums.iter_mut().zip(scores).for_each(|(s, x)| *s += x);
        }
        let n = queries.len() as f64;
        let [ndcg, mrr, r1, r5, r10, r100] = sums.map(|s| s / n);
        latencies.sort_unstable();
        let (p50, p99) = (percentile(&latencies, 0.5), percentile(&latencies, 0.99));
        println!(
            "{:<8} nDCG@10 {ndcg:.4}  MRR@10 {mrr:.4}  recall@1 {r1:.4}  recall@5 {r5:.4}  recall@10 {r10:.4}  recall@100 {r100:.4}  ({} queries, search p50 {p50:.2} ms, p99 {p99:.2} ms)",
            mode.as_str(),
            queries.len(),
        );
        let quartiles = |scores: &mut Vec<f32>| {
            scores.sort_unstable_by(f32::total_cmp);
            [0.25, 0.5, 0.75].map(|p| {
                let i = ((scores.len().max(1) - 1) as f64 * p).round() as usize;
                scores.get(i).copied().unwrap_or(f32::NAN)
            })
        };
        let (relevant, tenth) = (quartiles(&mut relevant), quartiles(&mut tenth));
        if mode == Mode::Dense {
            // What the thresholds (`min_score`, `min_relevance`) see: the model's cosines
            // read as relevance (docs/benchmarks.md, "Relevance across embedders").
            println!(
                "dense cosines, quartiles: relevant document {relevant:.3?}, tenth document {tenth:.3?}; as relevance: {:.3?}, {:.3?}",
                quartiles(&mut relevant_read),
                quartiles(&mut tenth_read),
            );
        }
        report.insert(
            mode.as_str().to_owned(),
            json!({
                "ndcg_at_10": ndcg,
                "mrr_at_10": mrr,
                "recall_at_1": r1,
                "recall_at_5": r5,
                "recall_at_10": r10,
                "recall_at_100": r100,
                "queries": queries.len(),
                "search_p50_ms": p50,
                "search_p99_ms": p99,
                "relevant_cosine_quartiles": relevant,
                "tenth_cosine_quartiles": tenth,
            }),
        );
    }
    report.insert("language".to_owned(), json!(language));
    report.insert("documents".to_owned(), json!(docs.len()));
    report.insert("chunks".to_owned(), json!(ingested.chunks));
    report.insert("index_build_s".to_owned(), json!(build.as_secs_f64()));
    scratch.close().await?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grades(pairs: &[(&str, u32)]) -> HashMap<String, u32> {
        pairs.iter().map(|(d, g)| ((*d).to_owned(), *g)).collect()
    }

    fn ranked(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|d| (*d).to_owned()).collect()
    }

    #[test]
    fn ndcg_is_one_for_the_ideal_order_and_discounts_later_hits() {
        let g = grades(&[("a", 1), ("b", 1)]);
        assert!((ndcg_at(&ranked(&["a", "b", "x"]), &g, 10) - 1.0).abs() < 1e-12);
        // One relevant document at rank 2 of two relevant: (1/log2 3) / (1 + 1/log2 3).
        let expected = (1.0 / 3f64.log2()) / (1.0 + 1.0 / 3f64.log2());
        assert!((ndcg_at(&ranked(&["x", "a"]), &g, 10) - expected).abs() < 1e-12);
        assert_eq!(ndcg_at(&ranked(&["x", "y"]), &g, 10), 0.0);
        // Beyond the cut-off nothing counts.
        assert_eq!(ndcg_at(&ranked(&["x", "a"]), &g, 1), 0.0);
    }

    #[test]
    fn recall_counts_relevant_documents_within_the_cut_off() {
        let g = grades(&[("a", 1), ("b", 2), ("c", 0)]);
        assert_eq!(recall_at(&ranked(&["a", "c", "b"]), &g, 2), 0.5);
        assert_eq!(recall_at(&ranked(&["a", "c", "b"]), &g, 3), 1.0);
        assert_eq!(recall_at(&ranked(&[]), &grades(&[]), 10), 0.0);
    }

    #[test]
    fn reciprocal_rank_is_that_of_the_first_relevant_document() {
        let g = grades(&[("a", 1), ("b", 1)]);
        assert_eq!(reciprocal_rank_at(&ranked(&["x", "b", "a"]), &g, 10), 0.5);
        assert_eq!(reciprocal_rank_at(&ranked(&["a"]), &g, 10), 1.0);
        assert_eq!(reciprocal_rank_at(&ranked(&["x", "a"]), &g, 1), 0.0);
    }

    #[test]
    fn squad_passages_are_documents_judged_by_their_questions() {
        let dir = std::env::temp_dir().join(format!("squad-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("dev.json");
        let squad = json!({"version": "1", "data": [
            {"title": "Madrid", "paragraphs": [
                {"context": "Madrid es la capital.", "qas": [
                    {"id": "q1", "question": "¿Cuál es la capital?", "answers": []},
                    {"id": "q2", "question": "¿Qué es Madrid?", "answers": []}]},
                {"context": "Tiene tres millones de habitantes.", "qas": [
                    {"id": "q3", "question": "¿Cuántos habitantes?", "answers": []}]}]},
            {"title": "Otra", "paragraphs": [
                {"context": " Madrid es la capital. ", "qas": [
                    {"id": "q4", "question": "¿Capital?", "answers": []}]}]}]});
        std::fs::write(&path, squad.to_string()).unwrap();
        let task = read_squad(&path, None).unwrap();
        assert_eq!(task.docs.len(), 2, "the repeated passage is one document");
        assert_eq!(task.docs[0].title, "Madrid");
        assert_eq!(task.queries.len(), 4);
        assert_eq!(task.qrels["q4"]["p0"], 1);
        assert_eq!(task.qrels["q3"]["p1"], 1);
        let first = read_squad(&path, Some(2)).unwrap();
        assert_eq!((first.queries.len(), first.docs.len()), (2, 2));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn qrels_skip_the_header_and_keep_grades() {
        let dir = std::env::temp_dir().join(format!("qrels-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("train.tsv");
        std::fs::write(
            &path,
            "query-id\tcorpus-id\tscore\n1\t10\t1\n1\t11\t2\n2\t12\t1\n",
        )
        .unwrap();
        let q = read_qrels(&path).unwrap();
        assert_eq!(q["1"]["11"], 2);
        assert_eq!(q["2"].len(), 1);
        assert!(read_qrels(&dir.join("missing.tsv")).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
