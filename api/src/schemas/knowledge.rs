//! Knowledge items, chunks and jobs.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use companin_entity::{knowledge_chunk, knowledge_item, knowledge_page};
use companin_service::knowledge::create::Qa;
use companin_service::knowledge::url::NewUrl;
use companin_service::knowledge::{NewItem, NewSource};
use companin_worker::crawl::{Bounds, BoundsChange, Changes};
use poem_openapi::types::MaybeUndefined;
use poem_openapi::types::multipart::Upload;
use poem_openapi::{Enum, Multipart, Object};
use serde_json::Value;

use super::sessions::to_map;
use super::{list_type, same_values};

/// What an item was made from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum KnowledgeType {
    File,
    Text,
    Qa,
    Url,
}

/// The types `POST /knowledge/` creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum CreateKnowledgeType {
    Text,
    Qa,
    Url,
}

/// How far a URL's crawl goes.
#[derive(Debug, Clone, Object)]
pub struct CrawlBounds {
    /// Links followed from the URL (0: that page only).
    pub max_depth: u32,
    /// Pages fetched at most.
    pub max_pages: u32,
    /// Only pages on the URL's host (with or without `www.`).
    pub same_domain: bool,
    /// Path patterns a page must match (`*` any characters, `?` one), when any.
    pub include: Vec<String>,
    /// Path patterns no page may match.
    pub exclude: Vec<String>,
    /// Also start from the pages the site's sitemaps list (robots.txt `Sitemap:` lines, else
    /// `/sitemap.xml`; sitemap indexes followed).
    pub use_sitemap: bool,
}

impl From<Bounds> for CrawlBounds {
    fn from(b: Bounds) -> Self {
        CrawlBounds {
            max_depth: b.max_depth,
            max_pages: b.max_pages,
            same_domain: b.same_domain,
            include: b.include,
            exclude: b.exclude,
            use_sitemap: b.use_sitemap,
        }
    }
}

/// Crawl bounds to set; what is left out keeps its value (the defaults for a new URL).
#[derive(Debug, Clone, Default, Object)]
pub struct CrawlBoundsInput {
    /// Links followed from the URL: 0 (the default, that page only) up to the configured
    /// `crawl.max_depth` (5).
    pub max_depth: Option<u32>,
    /// Pages fetched at most: 1 (the default) up to the configured `crawl.max_pages` (500).
    pub max_pages: Option<u32>,
    /// Only pages on the URL's host (default true).
    pub same_domain: Option<bool>,
    /// Path patterns a page must match (`*` any characters, `?` one); at most 20.
    pub include: Option<Vec<String>>,
    /// Path patterns no page may match; at most 20.
    pub exclude: Option<Vec<String>>,
    /// Also start from the sitemap's pages (default false).
    pub use_sitemap: Option<bool>,
}

impl From<CrawlBoundsInput> for BoundsChange {
    fn from(b: CrawlBoundsInput) -> Self {
        Self {
            max_depth: b.max_depth,
            max_pages: b.max_pages,
            same_domain: b.same_domain,
            include: b.include,
            exclude: b.exclude,
            use_sitemap: b.use_sitemap,
        }
    }
}

/// What a URL's last sync changed, in pages.
#[derive(Debug, Clone, Object)]
pub struct SyncChanges {
    /// New pages, embedded.
    pub added: u32,
    /// Pages whose content changed, re-embedded.
    pub updated: u32,
    /// Pages gone (404/410, or no longer reached within the bounds), pruned with their chunks.
    pub removed: u32,
    /// Pages found as they were (304, or the same content hash): not parsed or embedded.
    pub unchanged: u32,
    /// Pages not read: refused (robots.txt, the SSRF guard), too large, not a readable type,
    /// or failing this time (their earlier text is kept).
    pub skipped: u32,
}

impl From<Changes> for SyncChanges {
    fn from(c: Changes) -> Self {
        SyncChanges {
            added: c.added,
            updated: c.updated,
            removed: c.removed,
            unchanged: c.unchanged,
            skipped: c.skipped,
        }
    }
}

/// Where an item's processing stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum KnowledgeStatus {
    Pending,
    Processing,
    Ready,
    Failed,
}

same_values!(
    KnowledgeStatus,
    companin_entity::KnowledgeStatus,
    [Pending, Processing, Ready, Failed]
);

/// How an item's summary was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum SummaryKind {
    /// The most central sentences, chosen with the embedder.
    Extractive,
    /// Written by the local language model.
    Generated,
}

fn strings(v: &Value) -> Vec<String> {
    serde_json::from_value(v.clone()).unwrap_or_default()
}

fn object(v: Value) -> BTreeMap<String, Value> {
    match v {
        Value::Object(o) => o.into_iter().collect(),
        _ => BTreeMap::new(),
    }
}

/// Where an item's language comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum LanguageSource {
    /// Detected from its text at ingestion.
    Detected,
    /// Given by the uploader (`language` on create or update).
    Chosen,
}

/// A knowledge item.
#[derive(Debug, Object)]
pub struct KnowledgeItem {
    pub id: String,
    #[oai(rename = "type")]
    pub kind: KnowledgeType,
    pub title: String,
    /// The file name (files) or URL (urls).
    pub source: Option<String>,
    /// The stored content's media type (files and texts).
    pub media_type: Option<String>,
    pub status: KnowledgeStatus,
    /// Why processing failed (`status: failed`).
    pub error: Option<String>,
    pub summary: Option<String>,
    pub summary_kind: Option<SummaryKind>,
    pub keywords: Vec<String>,
    /// ISO 639-1 code of its language (`null` until processed, or when it has no words of a
    /// known language).
    pub language: Option<String>,
    /// Whether `language` was detected or chosen by the uploader.
    pub language_source: Option<LanguageSource>,
    pub chunk_count: u32,
    /// sha256 of the content; one item per content in an organization's environment.
    pub content_hash: String,
    /// 1 at creation, +1 each time the content is replaced.
    pub version: u32,
    pub metadata: BTreeMap<String, Value>,
    pub assistant_ids: Vec<String>,
    /// The job that last processed (or is processing) the item: `GET /jobs/{job_id}`.
    pub job_id: Option<String>,
    /// Q&A only.
    #[oai(skip_serializing_if_is_none)]
    pub question: Option<String>,
    /// Q&A only: answered verbatim.
    #[oai(skip_serializing_if_is_none)]
    pub answer: Option<String>,
    /// Q&A only.
    #[oai(skip_serializing_if_is_none)]
    pub alternate_questions: Option<Vec<String>>,
    /// Q&A only.
    #[oai(skip_serializing_if_is_none)]
    pub tags: Option<Vec<String>>,
    /// URLs only: how far the crawl goes.
    #[oai(skip_serializing_if_is_none)]
    pub crawl: Option<CrawlBounds>,
    /// URLs only: re-synced this often (`null`: only on demand).
    #[oai(skip_serializing_if_is_none)]
    pub refresh_interval_hours: Option<u32>,
    /// URLs only: what the last sync changed (`null` before the first).
    #[oai(skip_serializing_if_is_none)]
    pub sync_changes: Option<SyncChanges>,
    /// URLs: when the last sync finished.
    pub last_synced_at: Option<DateTime<Utc>>,
    /// URLs with `refresh_interval_hours`: when the workers sync it next.
    pub next_sync_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<knowledge_item::Model> for KnowledgeItem {
    fn from(m: knowledge_item::Model) -> Self {
        let kind = match m.kind.as_str() {
            "text" => KnowledgeType::Text,
            "qa" => KnowledgeType::Qa,
            "url" => KnowledgeType::Url,
            _ => KnowledgeType::File,
        };
        let status = m.status.into();
        let summary_kind = m.summary_kind.as_deref().map(|k| match k {
            "generated" => SummaryKind::Generated,
            _ => SummaryKind::Extractive,
        });
        let is_qa = kind == KnowledgeType::Qa;
        let is_url = kind == KnowledgeType::Url;
        let crawl = is_url.then(|| {
            CrawlBounds::from(
                m.crawl
                    .clone()
                    .and_then(|c| serde_json::from_value::<Bounds>(c).ok())
                    .unwrap_or_default(),
            )
        });
        let sync_changes = m
            .sync_changes
            .clone()
            .and_then(|c| serde_json::from_value::<Changes>(c).ok())
            .map(SyncChanges::from);
        KnowledgeItem {
            crawl,
            sync_changes,
            refresh_interval_hours: m.refresh_interval_hours.and_then(|h| u32::try_from(h).ok()),
            keywords: strings(&m.keywords),
            assistant_ids: strings(&m.assistant_ids),
            alternate_questions: is_qa.then(|| strings(&m.alternate_questions)),
            tags: is_qa.then(|| strings(&m.tags)),
            id: m.id,
            kind,
            title: m.title,
            source: m.source,
            media_type: m.media_type,
            status,
            error: m.error,
            summary: m.summary,
            summary_kind,
            language_source: match (&m.language_chosen, &m.language) {
                (Some(_), _) => Some(LanguageSource::Chosen),
                (None, Some(_)) => Some(LanguageSource::Detected),
                (None, None) => None,
            },
            language: m.language,
            chunk_count: u32::try_from(m.chunk_count).unwrap_or(0),
            content_hash: m.content_hash,
            version: u32::try_from(m.version).unwrap_or(0),
            metadata: object(m.metadata),
            job_id: m.job_id,
            question: m.question,
            answer: m.answer,
            last_synced_at: m.last_synced_at,
            next_sync_at: m.next_sync_at,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

list_type!(
    /// A page of knowledge items, newest first.
    KnowledgeList,
    KnowledgeItem
);

/// `POST /knowledge/`: a text (`title`, `content`), a Q&A (`question`, `answer`, ...) or a
/// URL (`url`, `crawl`, `refresh_interval_hours`).
#[derive(Debug, Object)]
pub struct CreateKnowledge {
    #[oai(rename = "type")]
    pub kind: CreateKnowledgeType,
    /// Required for texts; a Q&A defaults to its question, a URL to its page's title.
    #[oai(validator(max_length = 500))]
    pub title: Option<String>,
    /// URL only: the page (or site) to crawl.
    pub url: Option<String>,
    /// URL only.
    pub crawl: Option<CrawlBoundsInput>,
    /// URL only: re-sync this often, in hours (1 to 8760).
    pub refresh_interval_hours: Option<u32>,
    /// Text only.
    pub content: Option<String>,
    /// Q&A only.
    pub question: Option<String>,
    /// Q&A only.
    pub answer: Option<String>,
    /// Q&A only.
    pub alternate_questions: Option<Vec<String>>,
    /// Q&A only.
    pub tags: Option<Vec<String>>,
    pub metadata: Option<BTreeMap<String, Value>>,
    pub assistant_ids: Option<Vec<String>>,
    /// The language it is written in (BCP-47; its primary subtag is stored: `es` for
    /// `es-MX`): how its words are stemmed for search. Detected when absent.
    #[oai(validator(max_length = 64))]
    pub language: Option<String>,
    /// Texts: replace the content of the text with the same title, keeping its id.
    #[oai(default)]
    pub replace: bool,
}

/// `POST /knowledge/urls/`.
#[derive(Debug, Object)]
pub struct CreateUrl {
    /// An http or https URL whose host is public (unless `crawl.allow_private_networks`).
    pub url: String,
    /// Defaults to the page's title.
    #[oai(validator(max_length = 500))]
    pub title: Option<String>,
    /// Defaults: this page only.
    pub crawl: Option<CrawlBoundsInput>,
    /// Re-sync this often, in hours (1 to 8760); only on demand when absent.
    pub refresh_interval_hours: Option<u32>,
    pub metadata: Option<BTreeMap<String, Value>>,
    pub assistant_ids: Option<Vec<String>>,
    /// The language it is written in (BCP-47; its primary subtag is stored: `es` for
    /// `es-MX`): how its words are stemmed for search. Detected page by page when
    /// absent.
    #[oai(validator(max_length = 64))]
    pub language: Option<String>,
}

/// `POST /knowledge/qas/`.
#[derive(Debug, Object)]
pub struct CreateQa {
    #[oai(validator(min_length = 1, max_length = 1000))]
    pub question: String,
    #[oai(validator(min_length = 1, max_length = 20000))]
    pub answer: String,
    #[oai(validator(max_items = 20))]
    pub alternate_questions: Option<Vec<String>>,
    #[oai(validator(max_items = 20))]
    pub tags: Option<Vec<String>>,
    /// Defaults to the question.
    #[oai(validator(max_length = 500))]
    pub title: Option<String>,
    pub metadata: Option<BTreeMap<String, Value>>,
    pub assistant_ids: Option<Vec<String>>,
    /// The language it is written in (BCP-47; its primary subtag is stored: `es` for
    /// `es-MX`): how its words are stemmed for search. Detected when absent.
    #[oai(validator(max_length = 64))]
    pub language: Option<String>,
}

impl From<CreateUrl> for NewUrl {
    fn from(b: CreateUrl) -> Self {
        NewUrl {
            url: b.url,
            title: b.title,
            crawl: b.crawl.map(Into::into),
            refresh_interval_hours: b.refresh_interval_hours,
            metadata: b.metadata.map(to_map),
            assistant_ids: b.assistant_ids,
            language: b.language,
        }
    }
}

impl From<CreateQa> for NewItem {
    fn from(b: CreateQa) -> Self {
        NewItem {
            title: b.title,
            source: NewSource::Qa(Qa {
                question: b.question,
                answer: b.answer,
                alternate_questions: b.alternate_questions.unwrap_or_default(),
                tags: b.tags.unwrap_or_default(),
            }),
            metadata: b.metadata.map(to_map),
            assistant_ids: b.assistant_ids,
            language: b.language,
            replace: false,
        }
    }
}

/// `PATCH /knowledge/qas/{id}`: a new question, answer or alternates re-embed the Q&A.
#[derive(Debug, Object)]
pub struct UpdateQa {
    #[oai(validator(min_length = 1, max_length = 1000))]
    pub question: Option<String>,
    #[oai(validator(min_length = 1, max_length = 20000))]
    pub answer: Option<String>,
    #[oai(validator(max_items = 20))]
    pub alternate_questions: Option<Vec<String>>,
    #[oai(validator(max_items = 20))]
    pub tags: Option<Vec<String>>,
}

/// `PATCH /knowledge/{id}`.
#[derive(Debug, Object)]
pub struct UpdateKnowledge {
    /// A new title re-processes the item (every chunk carries it).
    #[oai(validator(min_length = 1, max_length = 500))]
    pub title: Option<String>,
    /// Merged into the metadata; a `null` value removes its key.
    pub metadata: Option<BTreeMap<String, Value>>,
    /// Replaces the linked assistants.
    pub assistant_ids: Option<Vec<String>>,
    /// The language it is written in (BCP-47; its primary subtag is stored); `null` goes back
    /// to detecting it. A change re-processes the item.
    #[oai(validator(max_length = 64))]
    pub language: MaybeUndefined<String>,
    /// URLs: re-sync this often, in hours (1 to 8760); `null` turns scheduled syncs off.
    pub refresh_interval_hours: MaybeUndefined<u32>,
    /// URLs: new crawl bounds (merged into the current ones); a change queues a sync.
    pub crawl: Option<CrawlBoundsInput>,
}

/// `POST /knowledge/files/` (multipart/form-data).
#[derive(Debug, Multipart)]
pub struct UploadFile {
    /// PDF, plain text, Markdown, HTML, CSV or JSON.
    pub file: Upload,
    /// Defaults to the file name.
    pub title: Option<String>,
    /// A JSON array of assistant ids, or ids separated by commas.
    pub assistant_ids: Option<String>,
    /// A JSON object.
    pub metadata: Option<String>,
    /// The language it is written in (BCP-47); detected when absent.
    pub language: Option<String>,
    /// Replace the content of the file with the same name, keeping its id.
    pub replace: Option<bool>,
}

/// `POST /knowledge/reindex`.
#[derive(Debug, Object)]
pub struct Reindex {
    /// Only this item; all of the environment's items when absent.
    pub knowledge_id: Option<String>,
}

/// A chunk of an item.
#[derive(Debug, Object)]
pub struct Chunk {
    pub id: String,
    pub knowledge_id: String,
    /// Order within the item (a URL item: within its page), from 0.
    pub position: u32,
    pub heading: Option<String>,
    /// The text as embedded and cited, title prefix included.
    pub content: String,
    pub token_count: u32,
    pub source: Option<String>,
    /// ISO 639-1 code of its language, when known: how its words are stemmed for search.
    pub language: Option<String>,
    /// The model that embedded it. Search compares only vectors of the server's model
    /// (`embedder.model`); a chunk of another one is found by its words until a re-index.
    pub embedder: String,
    pub created_at: DateTime<Utc>,
}

impl From<knowledge_chunk::Model> for Chunk {
    fn from(m: knowledge_chunk::Model) -> Self {
        Chunk {
            id: m.id,
            knowledge_id: m.knowledge_id,
            position: u32::try_from(m.position).unwrap_or(0),
            heading: m.heading,
            content: m.content,
            token_count: u32::try_from(m.token_count).unwrap_or(0),
            source: m.source,
            language: m.language,
            embedder: m.embedder,
            created_at: m.created_at,
        }
    }
}

list_type!(
    /// A page of an item's chunks, in order.
    ChunkList,
    Chunk
);

/// What the last fetch of a page found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum PageStatus {
    /// Read; its chunks are searchable.
    Ok,
    /// Not read, for `reason` (robots.txt, the SSRF guard, size, type, noindex).
    Skipped,
    /// The last fetch failed (`reason`); the text of an earlier fetch is kept.
    Failed,
}

same_values!(
    PageStatus,
    companin_entity::PageStatus,
    [Ok, Skipped, Failed]
);

/// A crawled page of a URL item.
#[derive(Debug, Object)]
pub struct KnowledgePage {
    pub id: String,
    pub knowledge_id: String,
    /// Its URL in normal form (canonical when the page names one); its chunks' `source`.
    pub url: String,
    /// Links followed from the item's URL to reach it (0: the URL itself or a sitemap entry).
    pub depth: u32,
    pub status: PageStatus,
    /// Why it was skipped or failed.
    pub reason: Option<String>,
    /// The HTTP status of the last fetch (304: unchanged).
    pub http_status: Option<u16>,
    pub title: Option<String>,
    pub media_type: Option<String>,
    /// sha256 of the content last read.
    pub content_hash: Option<String>,
    pub chunk_count: u32,
    pub last_fetched_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<knowledge_page::Model> for KnowledgePage {
    fn from(m: knowledge_page::Model) -> Self {
        let status = m.status.into();
        KnowledgePage {
            id: m.id,
            knowledge_id: m.knowledge_id,
            url: m.url,
            depth: u32::try_from(m.depth).unwrap_or(0),
            status,
            reason: m.reason,
            http_status: m.http_status.and_then(|s| u16::try_from(s).ok()),
            title: m.title,
            media_type: m.media_type,
            content_hash: m.content_hash,
            chunk_count: u32::try_from(m.chunk_count).unwrap_or(0),
            last_fetched_at: m.last_fetched_at,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

list_type!(
    /// A page of a URL item's crawled pages, shallowest first.
    PageList,
    KnowledgePage
);
