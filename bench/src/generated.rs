//! Generated chunks for the search benchmarks: word sequences drawn from a corpus' own word
//! frequencies, embedded by the real model, the vectors cached between runs.

use std::path::Path;

use anyhow::Context;
use companin_entity::knowledge_chunk::encode_vector;
use indicatif::{ProgressBar, ProgressStyle};

use crate::scratch::read_corpus;

/// The words of a BEIR corpus (lower-cased, three letters or more), repeated as often as
/// they occur.
pub fn corpus_words(corpus: &Path) -> anyhow::Result<Vec<String>> {
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
    Ok(words)
}

/// The vectors of `texts`, read from the cache at `path` when it holds these texts' vectors,
/// else embedded (and written there).
pub async fn embed_cached(
    embedder: &std::sync::Arc<companin_inference::Embedder>,
    texts: Vec<String>,
    path: Option<&Path>,
) -> anyhow::Result<Vec<Vec<f32>>> {
    let kept = fingerprint(&texts);
    let cached = path.and_then(|path| read_vectors(path, &kept, texts.len(), embedder.dimension()));
    if let (Some(vectors), Some(path)) = (cached, path) {
        println!("vectors read from {}", path.display());
        return Ok(vectors);
    }
    let vectors = embed_all(embedder, texts).await?;
    if let Some(path) = path {
        write_vectors(path, &kept, &vectors)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(vectors)
}

/// A small deterministic generator (xorshift64*), so runs are comparable.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// `n` texts of 12 to 40 words drawn from `words` (so with the corpus' word frequencies).
pub fn generate(words: &[String], n: usize, rng: &mut Rng) -> Vec<String> {
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
pub fn rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4096)
}

/// Embeds `texts` in batches, with a progress bar.
async fn embed_all(
    embedder: &std::sync::Arc<companin_inference::Embedder>,
    texts: Vec<String>,
) -> anyhow::Result<Vec<Vec<f32>>> {
    let bar = ProgressBar::new(texts.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("embedding {bar:40} {pos}/{len} {per_sec} eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let embedder = embedder.clone();
    let progress = bar.clone();
    let vectors = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<Vec<f32>>> {
        let mut out = Vec::with_capacity(texts.len());
        for batch in texts.chunks(1024) {
            out.extend(embedder.embed(batch)?);
            progress.inc(batch.len() as u64);
        }
        Ok(out)
    })
    .await??;
    bar.finish_and_clear();
    Ok(vectors)
}

/// The vector cache's first bytes.
const CACHE_MAGIC: &[u8; 8] = b"CMPNVEC1";
/// The cache's header: magic, fingerprint, vector count and dimension (u64 each).
const CACHE_HEADER: usize = 8 + 32 + 8 + 8;

/// What the cached vectors were embedded from: the texts' sha256, so a change of generator,
/// corpus, sizes or query count is a miss rather than wrong vectors.
fn fingerprint(texts: &[String]) -> [u8; 32] {
    use sha2::Digest;
    let mut hasher = sha2::Sha256::new();
    for t in texts {
        hasher.update((t.len() as u64).to_le_bytes());
        hasher.update(t.as_bytes());
    }
    hasher.finalize().into()
}

/// The cached `count` vectors of `dim` embedded from the texts of `fingerprint`, or `None`
/// (missing, other texts, or unreadable).
fn read_vectors(
    path: &Path,
    fingerprint: &[u8; 32],
    count: usize,
    dim: usize,
) -> Option<Vec<Vec<f32>>> {
    let bytes = std::fs::read(path).ok()?;
    if bytes.len() != CACHE_HEADER + count * dim * 4
        || &bytes[..8] != CACHE_MAGIC
        || &bytes[8..40] != fingerprint
    {
        return None;
    }
    let word = |at: usize| bytes[at..at + 8].try_into().ok().map(u64::from_le_bytes);
    if word(40)? != count as u64 || word(48)? != dim as u64 || dim == 0 {
        return None;
    }
    Some(
        bytes[CACHE_HEADER..]
            .chunks_exact(dim * 4)
            .map(companin_entity::knowledge_chunk::decode_vector)
            .collect(),
    )
}

fn write_vectors(path: &Path, fingerprint: &[u8; 32], vectors: &[Vec<f32>]) -> std::io::Result<()> {
    let dim = vectors.first().map_or(0, Vec::len);
    let mut bytes = Vec::with_capacity(CACHE_HEADER + vectors.len() * dim * 4);
    bytes.extend_from_slice(CACHE_MAGIC);
    bytes.extend_from_slice(fingerprint);
    bytes.extend_from_slice(&(vectors.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&(dim as u64).to_le_bytes());
    for v in vectors {
        bytes.extend_from_slice(&encode_vector(v));
    }
    std::fs::write(path, bytes)
}
