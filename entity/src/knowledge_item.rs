//! Knowledge items: a file, a text, a curated Q&A or a crawled URL (its pages in
//! `knowledge_pages`).

use sea_orm::entity::prelude::*;

use crate::{Environment, KnowledgeStatus};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "knowledge_items")]
pub struct Model {
    /// `kn_` followed by a UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub org_id: String,
    pub environment: Environment,
    /// `file`, `text`, `qa` or `url`.
    pub kind: String,
    pub title: String,
    /// The file name or URL.
    pub source: Option<String>,
    /// The stored content's media type (files and texts).
    pub media_type: Option<String>,
    /// The uploaded bytes or the text, kept so the item can be re-processed.
    pub content: Option<Vec<u8>>,
    pub question: Option<String>,
    pub answer: Option<String>,
    /// JSON array of strings.
    pub alternate_questions: Json,
    /// JSON array of strings.
    pub tags: Json,
    pub status: KnowledgeStatus,
    pub error: Option<String>,
    pub summary: Option<String>,
    /// `extractive` or `generated`, with `summary`.
    pub summary_kind: Option<String>,
    /// JSON array of strings.
    pub keywords: Json,
    /// ISO 639-1 code of its language: `language_chosen` when set, else detected at ingestion.
    pub language: Option<String>,
    /// The language the uploader chose (none: detected).
    pub language_chosen: Option<String>,
    pub chunk_count: i32,
    /// sha256 of the content, unique within the tenant.
    pub content_hash: String,
    /// 1 at creation, +1 each time the content is replaced.
    pub version: i32,
    pub metadata: Json,
    /// JSON array of assistant ids this item is linked to.
    pub assistant_ids: Json,
    /// The ingestion job that last processed (or is processing) the item.
    pub job_id: Option<String>,
    /// URLs: the crawl bounds (`{max_depth, max_pages, same_domain, include, exclude,
    /// use_sitemap}`).
    pub crawl: Option<Json>,
    /// URLs: re-synced this often by the workers' scheduler (none: only on demand).
    pub refresh_interval_hours: Option<i32>,
    /// URLs: what the last sync changed (`{added, updated, removed, unchanged, skipped}`).
    pub sync_changes: Option<Json>,
    pub last_synced_at: Option<DateTimeUtc>,
    pub next_sync_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
