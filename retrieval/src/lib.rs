//! Retrieval for Companin (not built yet; see the retrieval and conversations issue).
//!
//! This crate will own the per-tenant vector index (hnsw_rs) over the vectors the `inference`
//! crate's embedder writes, lexical scoring, hybrid ranking within an assistant's knowledge
//! scope, and the registry that keeps one index per organization and environment in step with
//! the database, which stays the source of truth; indexes are snapshotted to the data
//! directory for fast restarts.
