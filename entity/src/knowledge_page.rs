//! The pages of a crawled URL item: one row per page reached, with what its last fetch found.

use sea_orm::entity::prelude::*;

use crate::{Environment, PageStatus};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "knowledge_pages")]
pub struct Model {
    /// `pg_` followed by a UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub knowledge_id: String,
    pub org_id: String,
    pub environment: Environment,
    /// The page's URL in normal form (fragment dropped; canonical when the page names one).
    pub url: String,
    /// Links followed from the submitted URL to reach it (0: the URL itself, or a sitemap entry).
    pub depth: i32,
    pub status: PageStatus,
    pub reason: Option<String>,
    pub http_status: Option<i32>,
    pub title: Option<String>,
    pub media_type: Option<String>,
    /// sha256 of the body last parsed.
    pub content_hash: Option<String>,
    /// Validators for conditional requests.
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// The extracted text (`{title, sections: [{heading, text}]}`), re-embedded by a reindex
    /// without fetching again.
    pub content: Option<Json>,
    /// JSON array of the absolute URLs the page links to (followed again when it is unchanged).
    pub links: Json,
    pub chunk_count: i32,
    pub last_fetched_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
