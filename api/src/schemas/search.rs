//! Searching knowledge: what retrieval returns for a query, with its scores.

use poem_openapi::{Enum, Object};

/// `POST /knowledge/search`.
#[derive(Debug, Object)]
pub struct SearchKnowledge {
    /// What to look for, as a visitor would ask it.
    pub query: String,
    /// Search as this assistant would: within its knowledge scope, with its `retrieval`
    /// settings. Without it: every item of the environment, `min_score` 0.
    pub assistant_id: Option<String>,
    /// Chunks to return (1 to 50); the assistant's `retrieval.top_k`, else 5.
    pub top_k: Option<u32>,
}

/// A retriever that ranked a chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum Retriever {
    /// Vector similarity (HNSW over the embeddings).
    Dense,
    /// BM25 over the chunk's words.
    Lexical,
}

/// A ranked chunk.
#[derive(Debug, Object)]
pub struct SearchHit {
    pub knowledge_id: String,
    pub chunk_id: String,
    /// The item's title.
    pub title: String,
    /// The file name or URL.
    pub source: Option<String>,
    /// The chunk's text.
    pub snippet: String,
    /// Relevance of the chunk to the query (0 to 1): its cosine similarity, read on one scale
    /// whatever the embedder; what `min_score` is compared with. The order is the fused ranking of both retrievers, so it need not be monotonic.
    pub score: f64,
    /// The retrievers whose results held this chunk.
    pub retrievers: Vec<Retriever>,
}

/// The search's results, best first.
#[derive(Debug, Object)]
pub struct SearchResults {
    pub items: Vec<SearchHit>,
    pub total: u64,
    /// The `top_k` applied.
    pub top_k: u32,
    /// The `min_score` applied.
    pub min_score: f64,
}
