//! Local models on candle, loaded once per process and shared ([`shared_embedder`],
//! [`shared_generator`]): the sentence embedder (all-MiniLM-L6-v2 or multilingual-e5-small)
//! and the text generator (SmolLM2-135M-Instruct).
//!
//! Owns: model files and their checksums, tokenizers, the encoder and decoder and their
//! kernels, batching. Depends on no other crate of the workspace (options come in as plain
//! values, not settings) and knows nothing of storage or HTTP.
//!
//! The models folder (`models_dir`, filled by `scripts/fetch-models`) holds the weights; every
//! file is checked against the sha256 recorded in the repository (`models.sha256`) before it
//! is used, so a missing, truncated or swapped file is a clear start-up error that says how to
//! fetch it, never a panic or a silently different model.

mod attention;
mod batcher;
mod bert;
mod e5s1;
mod embedder;
mod generator;
mod llama;
mod manifest;
mod shared;
mod simd;
mod tokenizer;
mod unigram;

pub use batcher::{Batcher, Embed};
pub use embedder::{
    EMBEDDER_DIR, Embedded, Embedder, EmbedderOptions, EmbeddingModel, Relevance, dot, normalize,
};
pub use generator::{
    GENERATOR_FILE, Generated, Generator, GeneratorOptions, Limits, Message, Role, StopReason,
};
pub use llama::CONTEXT_TOKENS;
pub use manifest::{ModelError, verify_file};
pub use shared::{after_unload, shared_embedder, shared_generator};
pub use tokenizer::TextTokenizer;
