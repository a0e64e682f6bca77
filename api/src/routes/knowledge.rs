//! `/knowledge/...`: what assistants know: files, texts, Q&A and URLs, their chunks and pages.

use std::sync::Arc;

use companin_ingest::SourceFormat;
use companin_service::Paging;
use companin_service::knowledge::url::UrlPatch;
use companin_service::knowledge::{self, Created, NewItem, NewSource};
use companin_service::{Actor, Tenant};
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{ApiResponse, OpenApi};
use serde_json::{Map, Value, json};

use super::{ApiTags, request_id};
use crate::auth::scheme::ClientAuth;
use crate::error::{
    ActionErrors, ApiError, ApiResult, ErrorCode, ErrorSet, Errors, GetErrors, ListByIdErrors,
    ListErrors, UpdateErrors,
};
use crate::http::context::RequestContext;
use crate::http::idempotency::IdempotencyKey;
use crate::http::json::JsonBody;
use crate::schemas::jobs::Job;
use crate::schemas::knowledge::{
    ChunkList, CreateKnowledge, CreateKnowledgeType, CreateQa, CreateUrl, KnowledgeItem,
    KnowledgeList, KnowledgeStatus, KnowledgeType, PageList, PageStatus, Reindex, UpdateKnowledge,
    UpdateQa, UploadFile,
};
use crate::schemas::sessions::to_map;
use crate::state::AppState;

/// Creating knowledge: 503 when no queue is reachable.
pub struct CreateKnowledgeErrors;
impl ErrorSet for CreateKnowledgeErrors {
    const STATUSES: &'static [u16] = &[400, 401, 403, 404, 409, 413, 415, 422, 429, 500, 503];
}

/// Syncing a URL: 409 for other items, 503 when no queue is reachable.
pub struct SyncErrors;
impl ErrorSet for SyncErrors {
    const STATUSES: &'static [u16] = &[400, 401, 403, 404, 409, 422, 429, 500, 503];
}

#[derive(ApiResponse)]
enum ItemCreated {
    /// Stored as `pending`; its processing is queued as `job_id`.
    #[oai(status = 202)]
    Accepted(Json<KnowledgeItem>),
    /// The same content is already stored in this environment: that item.
    #[oai(status = 200)]
    Existing(Json<KnowledgeItem>),
}

impl From<Created> for ItemCreated {
    fn from(c: Created) -> Self {
        match c {
            Created::Accepted(row) => ItemCreated::Accepted(Json(row.into())),
            Created::Existing(row) => ItemCreated::Existing(Json(row.into())),
        }
    }
}

#[derive(ApiResponse)]
enum ItemChanged {
    /// Changed; content changes are re-processed as `job_id`.
    #[oai(status = 200)]
    Ok(Json<KnowledgeItem>),
}

#[derive(ApiResponse)]
enum SyncQueued {
    /// A crawl of the URL is queued (or was already in flight) as `job_id`.
    #[oai(status = 202)]
    Accepted(Json<KnowledgeItem>),
}

#[derive(ApiResponse)]
pub(super) enum JobAccepted {
    /// Queued.
    #[oai(status = 202)]
    Accepted(Json<Job>),
}

#[derive(ApiResponse)]
enum Deleted {
    /// Deleted, with its chunks and vectors.
    #[oai(status = 204)]
    Deleted,
}

/// Parses a multipart text field holding a JSON object.
fn metadata_field(raw: Option<String>) -> Result<Option<Map<String, Value>>, ApiError> {
    let Some(raw) = raw.filter(|r| !r.trim().is_empty()) else {
        return Ok(None);
    };
    match serde_json::from_str::<Value>(&raw) {
        Ok(Value::Object(o)) => Ok(Some(o)),
        _ => Err(ApiError::validation("metadata", "must be a JSON object")),
    }
}

/// Parses a multipart text field holding assistant ids: a JSON array or a comma list.
fn assistant_ids_field(raw: Option<String>) -> Result<Option<Vec<String>>, ApiError> {
    let Some(raw) = raw.filter(|r| !r.trim().is_empty()) else {
        return Ok(None);
    };
    if raw.trim_start().starts_with('[') {
        return serde_json::from_str::<Vec<String>>(&raw)
            .map(Some)
            .map_err(|_| ApiError::validation("assistant_ids", "must be a JSON array of ids"));
    }
    Ok(Some(
        raw.split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect(),
    ))
}

fn unsupported(name: &str, media_type: Option<&str>) -> ApiError {
    let supported: Vec<&str> = SourceFormat::ALL.iter().map(|f| f.media_type()).collect();
    ApiError::new(
        ErrorCode::UnsupportedMediaType,
        format!(
            "`{name}` ({}) is not a supported file type; supported: {}",
            media_type.unwrap_or("unknown type"),
            SourceFormat::supported_list()
        ),
    )
    .with_data(json!({ "supported": supported }))
}

pub struct KnowledgeApi;

#[OpenApi(tag = "ApiTags::Knowledge")]
impl KnowledgeApi {
    /// Upload a file
    ///
    /// PDF, plain text (UTF-8), Markdown, HTML, CSV or JSON, up to `ingest.max_file_bytes`
    /// (25 MiB by default). Answers 202 with the `pending` item and its `job_id`; a file
    /// whose content is already stored answers 200 with that item.
    #[oai(
        path = "/knowledge/files/",
        method = "post",
        operation_id = "upload_knowledge_file"
    )]
    async fn upload(
        &self,
        /// Makes a retry safe: the same key with the same request answers the first
        /// response again (`Idempotent-Replayed: true`) without doing the work twice.
        #[oai(name = "Idempotency-Key", validator(min_length = 1, max_length = 255))]
        _idempotency_key: IdempotencyKey,
        state: Data<&Arc<AppState>>,
        ctx: Data<&Arc<RequestContext>>,
        auth: ClientAuth,
        body: UploadFile,
    ) -> Result<ItemCreated, Errors<CreateKnowledgeErrors>> {
        let p = auth.principal();
        let max = state.settings.ingest.max_file_bytes;
        let name = body.file.file_name().unwrap_or("upload").to_owned();
        let media_type = body.file.content_type().map(str::to_owned);
        let format = SourceFormat::detect(media_type.as_deref(), Some(&name))
            .ok_or_else(|| unsupported(&name, media_type.as_deref()))?;
        if body.file.size() as u64 > max {
            return Err(too_large(max).into());
        }
        let bytes = body.file.into_vec().await.map_err(|e| {
            ApiError::new(
                ErrorCode::BadRequest,
                format!("the file could not be read: {e}"),
            )
        })?;
        if bytes.len() as u64 > max {
            return Err(too_large(max).into());
        }
        let new = NewItem {
            title: body.title,
            source: NewSource::File {
                file_name: name,
                media_type: format.media_type(),
                bytes,
            },
            metadata: metadata_field(body.metadata)?,
            assistant_ids: assistant_ids_field(body.assistant_ids)?,
            language: body.language,
            replace: body.replace.unwrap_or(false),
        };
        let created = knowledge::create(
            &state,
            &Tenant::from(p),
            &Actor::from_principal(p, request_id(&ctx)),
            new,
        )
        .await?;
        Ok(created.into())
    }

    /// Add a text, a Q&A or a URL
    ///
    /// One entry point for `{"type": "text", "title", "content"}`,
    /// `{"type": "qa", "question", "answer", ...}` and `{"type": "url", "url", "crawl", ...}`,
    /// doing what the typed routes do.
    #[oai(
        path = "/knowledge/",
        method = "post",
        operation_id = "create_knowledge"
    )]
    async fn create(
        &self,
        /// Makes a retry safe: the same key with the same request answers the first
        /// response again (`Idempotent-Replayed: true`) without doing the work twice.
        #[oai(name = "Idempotency-Key", validator(min_length = 1, max_length = 255))]
        _idempotency_key: IdempotencyKey,
        state: Data<&Arc<AppState>>,
        ctx: Data<&Arc<RequestContext>>,
        auth: ClientAuth,
        body: JsonBody<CreateKnowledge>,
    ) -> Result<ItemCreated, Errors<CreateKnowledgeErrors>> {
        let p = auth.principal();
        let b = body.0;
        let new = match b.kind {
            CreateKnowledgeType::Url => {
                let typed = CreateUrl {
                    url: b
                        .url
                        .ok_or_else(|| ApiError::validation("url", "a URL item needs its url"))?,
                    title: b.title,
                    crawl: b.crawl,
                    refresh_interval_hours: b.refresh_interval_hours,
                    metadata: b.metadata,
                    assistant_ids: b.assistant_ids,
                    language: b.language,
                };
                let created = knowledge::url::create(
                    &state,
                    &Tenant::from(p),
                    &Actor::from_principal(p, request_id(&ctx)),
                    typed.into(),
                )
                .await?;
                return Ok(created.into());
            }
            CreateKnowledgeType::Text => {
                let content = b
                    .content
                    .ok_or_else(|| ApiError::validation("content", "a text needs its content"))?;
                let max = state.settings.ingest.max_file_bytes;
                if content.len() as u64 > max {
                    return Err(too_large(max).into());
                }
                NewItem {
                    title: b.title,
                    source: NewSource::Text { content },
                    metadata: b.metadata.map(to_map),
                    assistant_ids: b.assistant_ids,
                    language: b.language,
                    replace: b.replace,
                }
            }
            CreateKnowledgeType::Qa => {
                let typed = CreateQa {
                    question: b.question.ok_or_else(|| {
                        ApiError::validation("question", "a Q&A needs a question")
                    })?,
                    answer: b
                        .answer
                        .ok_or_else(|| ApiError::validation("answer", "a Q&A needs an answer"))?,
                    alternate_questions: b.alternate_questions,
                    tags: b.tags,
                    title: b.title,
                    metadata: b.metadata,
                    assistant_ids: b.assistant_ids,
                    language: b.language,
                };
                NewItem {
                    replace: b.replace,
                    ..typed.into()
                }
            }
        };
        let created = knowledge::create(
            &state,
            &Tenant::from(p),
            &Actor::from_principal(p, request_id(&ctx)),
            new,
        )
        .await?;
        Ok(created.into())
    }

    /// Add a URL
    ///
    /// Crawls the page (and, within `crawl`'s bounds, the pages it links to or the sitemap
    /// lists) in the background: robots.txt obeyed, politely, never reaching private
    /// addresses (422 `url_not_allowed`). Answers 202 with the `pending` item and its
    /// `job_id` (progress in pages on `GET /jobs/{id}`); a URL already added answers 200 with
    /// that item, a sync of it queued.
    #[oai(
        path = "/knowledge/urls/",
        method = "post",
        operation_id = "create_knowledge_url"
    )]
    async fn create_url(
        &self,
        /// Makes a retry safe: the same key with the same request answers the first
        /// response again (`Idempotent-Replayed: true`) without doing the work twice.
        #[oai(name = "Idempotency-Key", validator(min_length = 1, max_length = 255))]
        _idempotency_key: IdempotencyKey,
        state: Data<&Arc<AppState>>,
        ctx: Data<&Arc<RequestContext>>,
        auth: ClientAuth,
        body: JsonBody<CreateUrl>,
    ) -> Result<ItemCreated, Errors<CreateKnowledgeErrors>> {
        let p = auth.principal();
        let created = knowledge::url::create(
            &state,
            &Tenant::from(p),
            &Actor::from_principal(p, request_id(&ctx)),
            body.0.into(),
        )
        .await?;
        Ok(created.into())
    }

    /// Add a Q&A
    ///
    /// Found by its question and alternates (each embedded on its own), answered verbatim.
    #[oai(path = "/knowledge/qas/", method = "post", operation_id = "create_qa")]
    async fn create_qa(
        &self,
        /// Makes a retry safe: the same key with the same request answers the first
        /// response again (`Idempotent-Replayed: true`) without doing the work twice.
        #[oai(name = "Idempotency-Key", validator(min_length = 1, max_length = 255))]
        _idempotency_key: IdempotencyKey,
        state: Data<&Arc<AppState>>,
        ctx: Data<&Arc<RequestContext>>,
        auth: ClientAuth,
        body: JsonBody<CreateQa>,
    ) -> Result<ItemCreated, Errors<CreateKnowledgeErrors>> {
        let p = auth.principal();
        let created = knowledge::create(
            &state,
            &Tenant::from(p),
            &Actor::from_principal(p, request_id(&ctx)),
            body.0.into(),
        )
        .await?;
        Ok(created.into())
    }

    /// Change a Q&A
    #[oai(
        path = "/knowledge/qas/:id",
        method = "patch",
        operation_id = "update_qa"
    )]
    async fn update_qa(
        &self,
        state: Data<&Arc<AppState>>,
        ctx: Data<&Arc<RequestContext>>,
        auth: ClientAuth,
        id: Path<String>,
        body: JsonBody<UpdateQa>,
    ) -> Result<ItemChanged, Errors<UpdateErrors>> {
        let p = auth.principal();
        let b = body.0;
        let row = knowledge::create::update_qa(
            &state,
            &Tenant::from(p),
            &Actor::from_principal(p, request_id(&ctx)),
            &id.0,
            knowledge::create::QaPatch {
                question: b.question,
                answer: b.answer,
                alternate_questions: b.alternate_questions,
                tags: b.tags,
            },
        )
        .await?;
        Ok(ItemChanged::Ok(Json(row.into())))
    }

    /// Delete a Q&A
    #[oai(
        path = "/knowledge/qas/:id",
        method = "delete",
        operation_id = "delete_qa"
    )]
    async fn delete_qa(
        &self,
        state: Data<&Arc<AppState>>,
        ctx: Data<&Arc<RequestContext>>,
        auth: ClientAuth,
        id: Path<String>,
    ) -> ApiResult<Deleted, ActionErrors> {
        let p = auth.principal();
        let tenant = Tenant::from(p);
        let item = knowledge::get(&state.db, &tenant, &id.0).await?;
        if item.kind != "qa" {
            return Err(ApiError::not_found("Q&A").into());
        }
        knowledge::delete(
            &state,
            &tenant,
            &Actor::from_principal(p, request_id(&ctx)),
            &id.0,
        )
        .await?;
        Ok(Deleted::Deleted)
    }

    /// List knowledge items
    #[oai(path = "/knowledge/", method = "get", operation_id = "list_knowledge")]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        state: Data<&Arc<AppState>>,
        auth: ClientAuth,
        #[oai(name = "type")] kind: Query<Option<KnowledgeType>>,
        status: Query<Option<KnowledgeStatus>>,
        /// Items linked to this assistant.
        assistant_id: Query<Option<String>>,
        /// Words in the title, file name or question.
        q: Query<Option<String>>,
        /// Page size (1 to 100, default 20).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<u64>>,
        /// Items to skip.
        offset: Query<Option<u64>>,
    ) -> ApiResult<Json<KnowledgeList>, ListErrors> {
        let paging = Paging::new(limit.0, offset.0);
        let filter = knowledge::Filter {
            kind: kind.0.map(|k| enum_name(&k)),
            status: status.0.map(Into::into),
            assistant_id: assistant_id.0,
            q: q.0,
        };
        let (items, total) =
            knowledge::list(&state.db, &Tenant::from(auth.principal()), filter, paging).await?;
        Ok(Json(KnowledgeList::new(
            items.into_iter().map(KnowledgeItem::from).collect(),
            total,
            paging,
        )))
    }

    /// Get a knowledge item
    #[oai(
        path = "/knowledge/:id",
        method = "get",
        operation_id = "get_knowledge"
    )]
    async fn get(
        &self,
        state: Data<&Arc<AppState>>,
        auth: ClientAuth,
        id: Path<String>,
    ) -> ApiResult<Json<KnowledgeItem>, GetErrors> {
        let row = knowledge::get(&state.db, &Tenant::from(auth.principal()), &id.0).await?;
        Ok(Json(row.into()))
    }

    /// List an item's chunks
    #[oai(
        path = "/knowledge/:id/chunks",
        method = "get",
        operation_id = "list_knowledge_chunks"
    )]
    async fn chunks(
        &self,
        state: Data<&Arc<AppState>>,
        auth: ClientAuth,
        id: Path<String>,
        /// Page size (1 to 100, default 20).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<u64>>,
        /// Chunks to skip.
        offset: Query<Option<u64>>,
    ) -> ApiResult<Json<ChunkList>, ListByIdErrors> {
        let paging = Paging::new(limit.0, offset.0);
        let (rows, total) =
            knowledge::chunks(&state.db, &Tenant::from(auth.principal()), &id.0, paging).await?;
        Ok(Json(ChunkList::new(
            rows.into_iter().map(Into::into).collect(),
            total,
            paging,
        )))
    }

    /// List a URL's crawled pages
    ///
    /// Each page reached: its URL (its chunks' `source`), status (`ok`, `skipped` or `failed`
    /// with the reason), last fetch and content hash.
    #[oai(
        path = "/knowledge/:id/pages",
        method = "get",
        operation_id = "list_knowledge_pages"
    )]
    async fn pages(
        &self,
        state: Data<&Arc<AppState>>,
        auth: ClientAuth,
        id: Path<String>,
        status: Query<Option<PageStatus>>,
        /// Page size (1 to 100, default 20).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<u64>>,
        /// Pages to skip.
        offset: Query<Option<u64>>,
    ) -> ApiResult<Json<PageList>, ListByIdErrors> {
        let paging = Paging::new(limit.0, offset.0);
        let (rows, total) = knowledge::pages(
            &state.db,
            &Tenant::from(auth.principal()),
            &id.0,
            status.0.map(Into::into),
            paging,
        )
        .await?;
        Ok(Json(PageList::new(
            rows.into_iter().map(Into::into).collect(),
            total,
            paging,
        )))
    }

    /// Sync a URL now
    ///
    /// Fetches the URL's pages again: unchanged pages (304, or the same content) are not
    /// re-embedded, changed ones are, new ones are added and gone ones pruned. Answers 202
    /// with the item and the crawl's `job_id` (the one already in flight, if any). 409
    /// `not_syncable` for files, texts and Q&A.
    #[oai(
        path = "/knowledge/:id/sync",
        method = "post",
        operation_id = "sync_knowledge"
    )]
    async fn sync(
        &self,
        /// Makes a retry safe: the same key with the same request answers the first
        /// response again (`Idempotent-Replayed: true`) without doing the work twice.
        #[oai(name = "Idempotency-Key", validator(min_length = 1, max_length = 255))]
        _idempotency_key: IdempotencyKey,
        state: Data<&Arc<AppState>>,
        ctx: Data<&Arc<RequestContext>>,
        auth: ClientAuth,
        id: Path<String>,
    ) -> Result<SyncQueued, Errors<SyncErrors>> {
        let p = auth.principal();
        let row = knowledge::url::sync(
            &state,
            &Tenant::from(p),
            &Actor::from_principal(p, request_id(&ctx)),
            &id.0,
        )
        .await?;
        Ok(SyncQueued::Accepted(Json(row.into())))
    }

    /// Change a knowledge item
    #[oai(
        path = "/knowledge/:id",
        method = "patch",
        operation_id = "update_knowledge"
    )]
    async fn update(
        &self,
        state: Data<&Arc<AppState>>,
        ctx: Data<&Arc<RequestContext>>,
        auth: ClientAuth,
        id: Path<String>,
        body: JsonBody<UpdateKnowledge>,
    ) -> Result<ItemChanged, Errors<UpdateErrors>> {
        let p = auth.principal();
        let b = body.0;
        let row = knowledge::update(
            &state,
            &Tenant::from(p),
            &Actor::from_principal(p, request_id(&ctx)),
            &id.0,
            knowledge::Patch {
                title: b.title,
                metadata: b.metadata.map(to_map),
                assistant_ids: b.assistant_ids,
                language: match b.language {
                    MaybeUndefined::Undefined => None,
                    MaybeUndefined::Null => Some(None),
                    MaybeUndefined::Value(l) => Some(Some(l)),
                },
                url: UrlPatch {
                    refresh_interval_hours: match b.refresh_interval_hours {
                        MaybeUndefined::Undefined => None,
                        MaybeUndefined::Null => Some(None),
                        MaybeUndefined::Value(h) => Some(Some(h)),
                    },
                    crawl: b.crawl.map(Into::into),
                },
            },
        )
        .await?;
        Ok(ItemChanged::Ok(Json(row.into())))
    }

    /// Delete a knowledge item
    ///
    /// Its chunks and vectors go in the same transaction; retrieval stops finding it at once.
    #[oai(
        path = "/knowledge/:id",
        method = "delete",
        operation_id = "delete_knowledge"
    )]
    async fn delete(
        &self,
        state: Data<&Arc<AppState>>,
        ctx: Data<&Arc<RequestContext>>,
        auth: ClientAuth,
        id: Path<String>,
    ) -> ApiResult<Deleted, ActionErrors> {
        let p = auth.principal();
        knowledge::delete(
            &state,
            &Tenant::from(p),
            &Actor::from_principal(p, request_id(&ctx)),
            &id.0,
        )
        .await?;
        Ok(Deleted::Deleted)
    }

    /// Re-index knowledge
    ///
    /// Re-chunks and re-embeds the environment's items (or one), e.g. after a model change,
    /// as a job.
    #[oai(
        path = "/knowledge/reindex",
        method = "post",
        operation_id = "reindex_knowledge"
    )]
    async fn reindex(
        &self,
        /// Makes a retry safe: the same key with the same request answers the first
        /// response again (`Idempotent-Replayed: true`) without doing the work twice.
        #[oai(name = "Idempotency-Key", validator(min_length = 1, max_length = 255))]
        _idempotency_key: IdempotencyKey,
        state: Data<&Arc<AppState>>,
        ctx: Data<&Arc<RequestContext>>,
        auth: ClientAuth,
        body: JsonBody<Reindex>,
    ) -> Result<JobAccepted, Errors<CreateKnowledgeErrors>> {
        let p = auth.principal();
        let row = knowledge::reindex(
            &state,
            &Tenant::from(p),
            &Actor::from_principal(p, request_id(&ctx)),
            body.0.knowledge_id,
        )
        .await?;
        Ok(JobAccepted::Accepted(Json(row.into())))
    }
}

fn enum_name<T: poem_openapi::types::ToJSON>(v: &T) -> String {
    v.to_json()
        .and_then(|j| j.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn too_large(max: u64) -> ApiError {
    ApiError::new(
        ErrorCode::PayloadTooLarge,
        format!("the file is larger than the limit of {max} bytes"),
    )
    .with_data(json!({ "max_bytes": max }))
}
