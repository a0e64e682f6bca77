//! Retrieval for Companin: per-tenant hybrid search over the knowledge chunks.
//!
//! - [`dense`]: the chunks' unit vectors and the graph over them, with an exact scan for
//!   small or narrowly filtered candidate sets.
//! - [`graph`]: the HNSW graph, its links held as slot numbers: insertion and search.
//! - [`lexical`]: BM25 over an in-memory tantivy index of the chunks' text.
//! - [`fusion`]: reciprocal rank fusion of the two lists.
//! - [`tenant`]: one tenant's index, with its scope filter (applied inside both searches, so a
//!   narrow scope still fills `top_k`), deletion masks, thresholds and per-item grouping.
//! - [`registry`]: one index per organization and environment, kept in step with the
//!   database (the source of truth) through the tenant's index version.
//! - [`snapshot`]: the indexes written to the data directory, so a restart loads instead of
//!   rebuilding ([`binary`]: the numbers in those files).
//!
//! The query's embedding is made by the caller (the `inference` crate's embedder), so this
//! crate stays free of models.
//!
//! Depends on `entity` only (it reads the chunks); must not depend on models, jobs, services
//! or HTTP.

mod binary;
pub mod dense;
pub mod fusion;
pub mod graph;
pub mod lexical;
pub mod registry;
mod rows;
pub mod snapshot;
pub mod tenant;

pub use fusion::Mode;
pub use registry::{CatchUp, Registry, RetrievalError};
pub use tenant::{Hit, Query, Scope};
