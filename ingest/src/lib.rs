//! Knowledge ingestion: the pure steps that turn a source into chunks ready to store.
//!
//! `parse` turns bytes of a supported format into text with its headings; `chunk` splits it
//! into pieces sized in the embedding model's tokens, each prefixed with its title and heading
//! so it stands on its own; `prepare` detects the language of the item and of each chunk, embeds
//! the chunks and derives keywords and an extractive summary from the same forward passes. Nothing here knows about HTTP routes, databases or job
//! queues, so the API, the workers and the evaluation command all run the same pipeline code.
//!
//! Depends on `inference` only (for the embedder); must not depend on storage (`entity`),
//! jobs or HTTP.

pub mod chunk;
pub mod enrich;
pub mod format;
pub mod language;
pub mod parse;
pub mod prepare;
pub mod sentences;

pub use chunk::{Chunk, ChunkOptions};
pub use format::SourceFormat;
pub use parse::{ParseError, Parsed, Section};
pub use prepare::{Prepared, PreparedChunk, Source, prepare};

/// The hex sha256 of `bytes`: the identity of a source's content, for de-duplication.
pub fn content_hash(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(bytes))
}
