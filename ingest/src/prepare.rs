//! parse → chunk → embed → enrich, up to (not including) storage.

use std::collections::HashMap;
use std::ops::Range;

use companin_inference::{Embed, ModelError};

use crate::chunk::{Chunk, ChunkOptions, chunk};
use crate::enrich;
use crate::parse::Parsed;

/// Enrichment looks at this many chunks at most: a long document's keywords and summary come
/// from its beginning, which keeps enrichment's cost flat in the document's length.
const ENRICH_CHUNKS: usize = 64;
/// Sentences given a vector per chunk.
const SENTENCES_PER_CHUNK: usize = 16;
/// Occurrences of a phrase pooled per chunk.
const OCCURRENCES_PER_CHUNK: usize = 4;

/// What to prepare.
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    /// A parsed document (file, text, page).
    Document { title: &'a str, parsed: &'a Parsed },
    /// A curated answer: found by its question and alternates, answered verbatim.
    Qa {
        question: &'a str,
        alternates: &'a [String],
        answer: &'a str,
    },
}

/// A chunk with its vector.
#[derive(Debug, Clone)]
pub struct PreparedChunk {
    pub heading: Option<String>,
    pub content: String,
    pub token_count: usize,
    pub vector: Vec<f32>,
}

/// Everything storage needs.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub chunks: Vec<PreparedChunk>,
    pub keywords: Vec<String>,
    /// The extractive summary (none for Q&A).
    pub summary: Option<String>,
}

/// Why preparing stopped.
#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    #[error("canceled")]
    Canceled,
    #[error(transparent)]
    Model(#[from] ModelError),
}

/// Prepares `source`. `progress(done, total)` is called after each group of chunks is
/// embedded; returning `false` cancels.
pub fn prepare(
    source: Source<'_>,
    embedder: &dyn Embed,
    options: ChunkOptions,
    progress: &mut dyn FnMut(usize, usize) -> bool,
) -> Result<Prepared, PrepareError> {
    match source {
        Source::Document { title, parsed } => {
            let chunks = chunk(parsed, title, embedder.model().tokenizer(), options);
            prepare_chunks(chunks, embedder, progress, true)
        }
        Source::Qa {
            question,
            alternates,
            answer,
        } => {
            // Each phrasing is its own chunk, embedded on the question alone; the stored
            // content carries the answer so a match cites it verbatim.
            let content = |q: &str| format!("Q: {q}\nA: {answer}");
            let phrasings: Vec<&str> = std::iter::once(question)
                .chain(alternates.iter().map(String::as_str))
                .filter(|q| !q.trim().is_empty())
                .collect();
            let vectors: Vec<Vec<f32>> = embedder
                .embed_spans(&phrasings, &[])?
                .into_iter()
                .map(|e| e.vector)
                .collect();
            if !progress(phrasings.len(), phrasings.len()) {
                return Err(PrepareError::Canceled);
            }
            let keywords = qa_keywords(question, embedder)?;
            let chunks = phrasings
                .iter()
                .zip(vectors)
                .map(|(q, vector)| {
                    let content = content(q);
                    PreparedChunk {
                        heading: None,
                        token_count: embedder
                            .model()
                            .tokenizer()
                            .encode_fast(content.as_str(), false)
                            .map(|e| e.get_ids().len())
                            .unwrap_or(0),
                        content,
                        vector,
                    }
                })
                .collect();
            Ok(Prepared {
                chunks,
                keywords,
                summary: None,
            })
        }
    }
}

fn qa_keywords(question: &str, embedder: &dyn Embed) -> Result<Vec<String>, ModelError> {
    let chunks = vec![Chunk {
        heading: None,
        content: question.to_owned(),
        body_start: 0,
        token_count: 0,
    }];
    let mut never_cancel = |_, _| true;
    match prepare_chunks(chunks, embedder, &mut never_cancel, false) {
        Ok(p) => Ok(p.keywords),
        Err(PrepareError::Model(e)) => Err(e),
        Err(PrepareError::Canceled) => Ok(Vec::new()),
    }
}

fn prepare_chunks(
    chunks: Vec<Chunk>,
    embedder: &dyn Embed,
    progress: &mut dyn FnMut(usize, usize) -> bool,
    with_summary: bool,
) -> Result<Prepared, PrepareError> {
    // Phrase candidates over the enriched chunks, the most frequent kept.
    let enriched = chunks.len().min(ENRICH_CHUNKS);
    let per_chunk: Vec<HashMap<String, Vec<Range<usize>>>> = chunks[..enriched]
        .iter()
        .map(|c| {
            enrich::candidates(&c.content[c.body_start..])
                .into_iter()
                .map(|(k, spans)| {
                    let spans = spans
                        .into_iter()
                        .take(OCCURRENCES_PER_CHUNK)
                        .map(|r| r.start + c.body_start..r.end + c.body_start)
                        .collect();
                    (k, spans)
                })
                .collect()
        })
        .collect();
    let mut frequency: HashMap<String, usize> = HashMap::new();
    for map in &per_chunk {
        for (k, spans) in map {
            *frequency.entry(k.clone()).or_default() += spans.len();
        }
    }
    let top = enrich::top_candidates(&frequency);

    // Spans per chunk: its sentences first, then its occurrences of the top phrases.
    let mut requests: Vec<Vec<Range<usize>>> = Vec::with_capacity(chunks.len());
    let mut labels: Vec<Vec<Label>> = Vec::with_capacity(chunks.len());
    for (i, c) in chunks.iter().enumerate() {
        let mut spans = Vec::new();
        let mut meaning = Vec::new();
        if i < enriched {
            if with_summary {
                for r in enrich::sentences(&c.content[c.body_start..])
                    .into_iter()
                    .take(SENTENCES_PER_CHUNK)
                {
                    spans.push(r.start + c.body_start..r.end + c.body_start);
                    meaning.push(Label::Sentence);
                }
            }
            for (rank, k) in top.iter().enumerate() {
                for r in per_chunk[i].get(k).into_iter().flatten() {
                    spans.push(r.clone());
                    meaning.push(Label::Phrase(rank));
                }
            }
        }
        requests.push(spans);
        labels.push(meaning);
    }

    // One batch per step: progress and the cancel flag are checked after each.
    let group = embedder.model().options().batch_size.max(1);
    let total = chunks.len();
    let mut out = Vec::with_capacity(total);
    let mut phrase_sums: Vec<(Vec<f32>, usize)> = vec![(Vec::new(), 0); top.len()];
    let mut sentence_vectors = Vec::new();
    for (g, batch) in chunks.chunks(group).enumerate() {
        let first = g * group;
        let texts: Vec<&str> = batch.iter().map(|c| c.content.as_str()).collect();
        let embedded = embedder.embed_spans(&texts, &requests[first..first + batch.len()])?;
        for (offset, (c, e)) in batch.iter().zip(embedded).enumerate() {
            let i = first + offset;
            for ((span, label), vector) in requests[i].iter().zip(&labels[i]).zip(e.spans) {
                let Some(vector) = vector else { continue };
                match *label {
                    Label::Sentence => sentence_vectors.push((
                        sentence_vectors.len(),
                        c.content[span.clone()].to_owned(),
                        vector,
                    )),
                    Label::Phrase(rank) => {
                        let (sum, n) = &mut phrase_sums[rank];
                        if sum.is_empty() {
                            *sum = vec![0.0; vector.len()];
                        }
                        sum.iter_mut().zip(&vector).for_each(|(s, x)| *s += x);
                        *n += 1;
                    }
                }
            }
            out.push(PreparedChunk {
                heading: c.heading.clone(),
                content: c.content.clone(),
                token_count: c.token_count,
                vector: e.vector,
            });
        }
        if !progress(out.len(), total) {
            return Err(PrepareError::Canceled);
        }
    }

    let document = enrich::centroid(out.iter().take(enriched).map(|c| c.vector.as_slice()));
    let phrases = top
        .into_iter()
        .zip(phrase_sums)
        .filter(|(_, (_, n))| *n > 0)
        .map(|(k, (sum, _))| (k, companin_inference::normalize(sum)))
        .collect();
    let keywords = enrich::keywords(&document, phrases);
    let summary = if with_summary {
        enrich::summary(&document, sentence_vectors)
    } else {
        None
    };
    Ok(Prepared {
        chunks: out,
        keywords,
        summary,
    })
}

#[derive(Debug, Clone, Copy)]
enum Label {
    Sentence,
    Phrase(usize),
}
