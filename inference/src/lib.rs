//! Local models on candle, loaded once per process and shared.
//!
//! The models folder (`models_dir`, filled by `scripts/fetch-models`) holds the weights; every
//! file is checked against the sha256 recorded in the repository (`models.sha256`) before it
//! is used, so a missing, truncated or swapped file is a clear start-up error that says how to
//! fetch it, never a panic or a silently different model.

mod batcher;
mod embedder;
mod manifest;

pub use batcher::{Batcher, Embed};
pub use embedder::{EMBEDDER_DIR, Embedded, Embedder, EmbedderOptions, dot, normalize};
pub use manifest::{ModelError, verify_file};
