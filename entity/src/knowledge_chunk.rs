//! The chunks of a knowledge item, with their vectors.

use sea_orm::entity::prelude::*;

use crate::Environment;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "knowledge_chunks")]
pub struct Model {
    /// `chk_` followed by a UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub knowledge_id: String,
    pub org_id: String,
    pub environment: Environment,
    /// Order within the item, from 0.
    pub position: i32,
    pub heading: Option<String>,
    pub content: String,
    pub token_count: i32,
    /// The embedding: little-endian f32s.
    pub embedding: Vec<u8>,
    /// The page URL or file name, for citations.
    pub source: Option<String>,
    /// The crawled page it came from (URL items).
    pub page_id: Option<String>,
    /// ISO 639-1 code of its language, when known: how BM25 stems its words.
    pub language: Option<String>,
    /// The model that embedded it (`all-MiniLM-L6-v2`, `multilingual-e5-small`).
    pub embedder: String,
    pub created_at: DateTimeUtc,
    /// The index version whose transaction added it (see [`crate::index_log`]); `None` until
    /// that transaction moves the version.
    pub added_version: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// A vector as stored.
pub fn encode_vector(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// A stored vector read back.
pub fn decode_vector(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}
