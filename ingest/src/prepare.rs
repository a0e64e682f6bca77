//! parse → chunk → embed → enrich, up to (not including) storage.

use std::collections::HashMap;
use std::ops::Range;

use companin_inference::{Embed, ModelError};

use crate::chunk::{Chunk, ChunkOptions, chunk};
use crate::enrich::{self, StopWords};
use crate::language;
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
    /// ISO 639-1 code of the chunk's language, when known: how its words are stemmed.
    pub language: Option<String>,
    pub token_count: usize,
    pub vector: Vec<f32>,
}

/// Everything storage needs.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub chunks: Vec<PreparedChunk>,
    /// ISO 639-1 code of the item's language: the uploader's choice, else detected.
    pub language: Option<String>,
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

/// Prepares `source`, written in `language` (an ISO 639-1 code) when the uploader said so,
/// else in the language detected. `progress(done, total)` is called after each group of
/// chunks is embedded; returning `false` cancels.
pub fn prepare(
    source: Source<'_>,
    language: Option<&str>,
    embedder: &dyn Embed,
    options: ChunkOptions,
    progress: &mut dyn FnMut(usize, usize) -> bool,
) -> Result<Prepared, PrepareError> {
    match source {
        Source::Document { title, parsed } => {
            let chunks = chunk(parsed, title, embedder.model().tokenizer(), options);
            let languages =
                Languages::of(language, chunks.iter().map(|c| &c.content[c.body_start..]));
            prepare_chunks(chunks, &languages, embedder, progress, true)
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
            // One language for every phrasing: a short question alone is too little to tell.
            let languages = Languages::of(
                language,
                phrasings.iter().copied().chain(std::iter::once(answer)),
            );
            let keywords = qa_keywords(question, &languages, embedder)?;
            let chunks = phrasings
                .iter()
                .zip(vectors)
                .map(|(q, vector)| {
                    let content = content(q);
                    PreparedChunk {
                        heading: None,
                        language: languages.item.clone(),
                        token_count: embedder.model().tokenizer().count(&content).unwrap_or(0),
                        content,
                        vector,
                    }
                })
                .collect();
            Ok(Prepared {
                chunks,
                language: languages.item,
                keywords,
                summary: None,
            })
        }
    }
}

/// The languages of an item: the uploader's choice, or the one detected over its text.
struct Languages {
    chosen: Option<String>,
    item: Option<String>,
    detected: Option<&'static str>,
}

impl Languages {
    fn of<'a>(chosen: Option<&str>, texts: impl Iterator<Item = &'a str>) -> Languages {
        let detected = match chosen {
            Some(_) => None,
            None => language::detect(&sample(texts)).map(|d| d.code),
        };
        Languages {
            chosen: chosen.map(str::to_owned),
            item: chosen.map(str::to_owned).or(detected.map(str::to_owned)),
            detected,
        }
    }

    /// A chunk's language: the chosen one, else its own when clear, else the item's.
    fn of_chunk(&self, text: &str) -> Option<String> {
        language::of_chunk(text, self.chosen.as_deref(), self.detected)
    }
}

/// The texts' beginning, enough to tell a language by.
fn sample<'a>(texts: impl Iterator<Item = &'a str>) -> String {
    const ENOUGH: usize = 8 * 1024;
    let mut out = String::new();
    for t in texts {
        if out.len() >= ENOUGH {
            break;
        }
        out.push_str(t);
        out.push('\n');
    }
    out
}

fn qa_keywords(
    question: &str,
    languages: &Languages,
    embedder: &dyn Embed,
) -> Result<Vec<String>, ModelError> {
    let chunks = vec![Chunk {
        heading: None,
        content: question.to_owned(),
        body_start: 0,
        token_count: 0,
    }];
    let mut never_cancel = |_, _| true;
    match prepare_chunks(chunks, languages, embedder, &mut never_cancel, false) {
        Ok(p) => Ok(p.keywords),
        Err(PrepareError::Model(e)) => Err(e),
        Err(PrepareError::Canceled) => Ok(Vec::new()),
    }
}

fn prepare_chunks(
    chunks: Vec<Chunk>,
    languages: &Languages,
    embedder: &dyn Embed,
    progress: &mut dyn FnMut(usize, usize) -> bool,
    with_summary: bool,
) -> Result<Prepared, PrepareError> {
    // Phrase candidates over the enriched chunks, the most frequent kept.
    let stop = StopWords::of(languages.item.as_deref());
    let enriched = chunks.len().min(ENRICH_CHUNKS);
    let per_chunk: Vec<HashMap<String, Vec<Range<usize>>>> = chunks[..enriched]
        .iter()
        .map(|c| {
            enrich::candidates(&c.content[c.body_start..], &stop)
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
                language: languages.of_chunk(&c.content[c.body_start..]),
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
        language: languages.item.clone(),
        keywords,
        summary,
    })
}

#[derive(Debug, Clone, Copy)]
enum Label {
    Sentence,
    Phrase(usize),
}
