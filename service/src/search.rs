//! Knowledge search: what an assistant would retrieve for a question, with scores.
//!
//! The query is embedded here (the process's shared embedder), then the tenant's index in the
//! [`Registry`] — caught up with the database first — ranks chunks by hybrid search within
//! the assistant's scope; the passages' text and titles are read back from the database.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use anyhow::Context;
use companin_config::Settings;
use companin_entity::{assistant, knowledge_chunk, knowledge_item};
use companin_inference::{Embedder, Relevance};
use companin_retrieval::{Hit, Mode, Query, Registry, Scope};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};

use super::Tenant;
use super::assistants::{self, config::Config, config::KnowledgeScope};
use crate::error::{ApiError, ErrorCode};

/// Longest query, in characters (longer ones would be truncated by the model anyway).
pub const MAX_QUERY_CHARS: usize = 2_000;
/// Chunks returned when neither the request nor an assistant says.
pub const DEFAULT_TOP_K: u32 = 5;
pub const MAX_TOP_K: u32 = 50;
/// Chunks of one item in the results, at most: the rest of the room goes to other items.
pub const PER_ITEM: usize = 3;

/// Retrieval for this process: the per-tenant indexes, and the embedder for queries.
pub struct Searcher {
    registry: Registry,
    /// How the embedder's cosines read as the scores thresholds are written in.
    relevance: Relevance,
    /// What BM25 counts in hybrid search across languages, for this embedder.
    cross_language_lexical: f32,
    settings: Settings,
    /// Set on the first search; later searches skip the loader (and its blocking task).
    embedder: tokio::sync::OnceCell<Arc<Embedder>>,
}

/// A ranked passage with what a citation needs.
#[derive(Debug, Clone)]
pub struct Passage {
    pub hit: Hit,
    /// The item's type (`file`, `text`, `qa`, ...).
    pub kind: String,
    pub title: String,
    pub source: Option<String>,
    pub content: String,
}

/// The languages a query is taken to be written in, for lexical search: its own when clearly
/// detected, and its assistant's (primary subtags, `es` for `es-MX`).
pub fn query_languages(text: &str, assistant_language: Option<&str>) -> Vec<String> {
    let mut out: Vec<String> = companin_ingest::language::detect_query(text)
        .map(str::to_owned)
        .into_iter()
        .collect();
    if let Some(tag) = assistant_language {
        let primary = companin_ingest::language::primary(tag);
        if !primary.is_empty() && !out.contains(&primary) {
            out.push(primary);
        }
    }
    out
}

/// A question as retrieval takes it.
#[derive(Debug, Clone, Copy)]
pub struct Asked<'a> {
    pub text: &'a str,
    /// [`query_languages`].
    pub languages: &'a [String],
    /// The text's embedding.
    pub vector: &'a [f32],
}

/// What a search asks for.
#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    pub query: String,
    pub assistant_id: Option<String>,
    pub top_k: Option<u32>,
}

/// The passages, with the limits applied.
#[derive(Debug, Clone)]
pub struct SearchOutcome {
    pub passages: Vec<Passage>,
    pub top_k: u32,
    pub min_score: f64,
}

impl Searcher {
    pub fn new(db: DatabaseConnection, settings: Settings) -> Searcher {
        // Graph snapshots sit in the data directory, next to the SQLite file on the embedded
        // default; each process keeps its own copy of the index in memory.
        let model = companin_worker::embedding_model(settings.embedder.model);
        Searcher {
            registry: Registry::new(db, settings.embedder.model.name())
                .with_snapshots(settings.data_dir.join("index"))
                .with_memory_budget(
                    usize::try_from(settings.search.memory_budget_mb.saturating_mul(1 << 20))
                        .unwrap_or(usize::MAX),
                ),
            relevance: model.relevance(),
            cross_language_lexical: model.cross_language_lexical(),
            settings,
            embedder: tokio::sync::OnceCell::new(),
        }
    }

    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// How the embedder's cosines read as relevance: passages' `score`, and what
    /// `min_score`, `min_relevance` and `qa_min_similarity` are compared with.
    pub fn relevance(&self) -> Relevance {
        self.relevance
    }

    /// The process's embedder (loaded on first use, shared with the workers).
    async fn embedder(&self) -> Result<Arc<Embedder>, ApiError> {
        self.embedder
            .get_or_try_init(|| async {
                let settings = self.settings.clone();
                tokio::task::spawn_blocking(move || companin_worker::load_embedder(&settings))
                    .await
                    .map_err(|e| {
                        ApiError::internal(anyhow::Error::new(e).context("loading the embedder"))
                    })?
                    .map_err(|e| {
                        ApiError::new(
                            ErrorCode::Unavailable,
                            format!("the embedding model is not available: {e}"),
                        )
                    })
            })
            .await
            .cloned()
    }

    /// Loads the embedding model unless it is loaded (a readiness check, and start-up's warm-up).
    pub async fn load_embedder(&self) -> Result<(), ApiError> {
        self.embedder().await.map(drop)
    }

    /// Embeds a query.
    pub async fn embed(&self, text: &str) -> Result<Vec<f32>, ApiError> {
        self.embed_all(vec![text.to_owned()])
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("the embedder returned no vector")))
    }

    /// Embeds several questions in one pass (unit-length vectors, in order).
    pub async fn embed_all(&self, texts: Vec<String>) -> Result<Vec<Vec<f32>>, ApiError> {
        let embedder = self.embedder().await?;
        tokio::task::spawn_blocking(move || embedder.embed_queries(&texts))
            .await
            .map_err(|e| ApiError::internal(anyhow::Error::new(e).context("embedding a query")))?
            .map_err(|e| ApiError::internal(anyhow::Error::new(e).context("embedding a query")))
    }

    /// Searches the tenant's knowledge as the request says.
    pub async fn search(
        &self,
        db: &DatabaseConnection,
        tenant: &Tenant,
        request: SearchRequest,
    ) -> Result<SearchOutcome, ApiError> {
        let query = request.query.trim();
        if query.is_empty() {
            return Err(ApiError::validation("query", "must not be empty"));
        }
        if query.chars().count() > MAX_QUERY_CHARS {
            return Err(ApiError::validation(
                "query",
                format!("must be at most {MAX_QUERY_CHARS} characters"),
            ));
        }
        if let Some(k) = request.top_k
            && !(1..=MAX_TOP_K).contains(&k)
        {
            return Err(ApiError::validation(
                "top_k",
                format!("must be between 1 and {MAX_TOP_K}"),
            ));
        }
        let (scope, top_k, min_score, language) = match request.assistant_id.as_deref() {
            Some(id) => {
                let row = assistants::get(db, tenant, id).await?;
                let config = Config::from_row(&row);
                let scope = scope_of(db, tenant, &row, &config).await?;
                (
                    scope,
                    request.top_k.unwrap_or(config.retrieval.top_k),
                    config.retrieval.min_score,
                    Some(config.language),
                )
            }
            None => (
                Scope::all(),
                request.top_k.unwrap_or(DEFAULT_TOP_K),
                0.0,
                None,
            ),
        };
        let vector = self.embed(query).await?;
        let languages = query_languages(query, language.as_deref());
        let asked = Asked {
            text: query,
            languages: &languages,
            vector: &vector,
        };
        let passages = self
            .retrieve(db, tenant, asked, &scope, top_k as usize, min_score as f32)
            .await?;
        Ok(SearchOutcome {
            passages,
            top_k,
            min_score,
        })
    }

    /// The best passages for an embedded query within `scope` (hybrid ranking, at most
    /// [`PER_ITEM`] per item, none under `min_score`), with their text; scores are relevance
    /// ([`Searcher::relevance`]).
    pub async fn retrieve(
        &self,
        db: &DatabaseConnection,
        tenant: &Tenant,
        asked: Asked<'_>,
        scope: &Scope,
        top_k: usize,
        min_score: f32,
    ) -> Result<Vec<Passage>, ApiError> {
        let hits = self
            .registry
            .search(
                tenant.org_id.as_str(),
                tenant.environment,
                &Query {
                    text: asked.text,
                    languages: asked.languages,
                    vector: asked.vector,
                    mode: Mode::Hybrid,
                    top_k,
                    per_item: PER_ITEM,
                    min_score: self.relevance.cosine_at(min_score, false),
                    min_score_across_languages: self.relevance.cosine_at(min_score, true),
                    cross_language_lexical: self.cross_language_lexical,
                    scope,
                },
            )
            .await
            .context("searching the knowledge index")
            .map_err(ApiError::internal)?
            .into_iter()
            .map(|hit| Hit {
                score: self.relevance.of(hit.score, hit.across_languages),
                ..hit
            })
            .collect();
        passages(db, tenant, hits).await
    }
}

/// The items an assistant answers from: all of the tenant's, or the selected ones (its
/// `knowledge_ids` and the items linked to it through their `assistant_ids`), minus the
/// excluded ones.
pub async fn scope_of(
    db: &DatabaseConnection,
    tenant: &Tenant,
    row: &assistant::Model,
    config: &Config,
) -> Result<Scope, ApiError> {
    let excluded: HashSet<String> = config.excluded_knowledge_ids.iter().cloned().collect();
    if config.knowledge_scope == KnowledgeScope::All {
        return Ok(Scope {
            allowed: None,
            excluded,
        });
    }
    use knowledge_item::Column as C;
    // Ids never contain quotes, so the quoted id matches a whole element of the JSON array.
    let linked: Vec<String> = knowledge_item::Entity::find()
        .select_only()
        .column(C::Id)
        .filter(tenant.rows::<C>())
        .filter(
            Expr::col(C::AssistantIds)
                .cast_as("text")
                .like(format!("%\"{}\"%", row.id)),
        )
        .into_tuple()
        .all(db)
        .await?;
    let allowed = config.knowledge_ids.iter().cloned().chain(linked).collect();
    Ok(Scope {
        allowed: Some(allowed),
        excluded,
    })
}

/// The hits with their text, title and source, in the hits' order. A hit whose chunk or item
/// vanished since the index caught up is left out.
async fn passages(
    db: &DatabaseConnection,
    tenant: &Tenant,
    hits: Vec<Hit>,
) -> Result<Vec<Passage>, ApiError> {
    if hits.is_empty() {
        return Ok(Vec::new());
    }
    let chunk_ids: Vec<&str> = hits.iter().map(|h| h.chunk_id.as_str()).collect();
    let item_ids: HashSet<&str> = hits.iter().map(|h| h.knowledge_id.as_str()).collect();
    let chunks: HashMap<String, (String, Option<String>)> = knowledge_chunk::Entity::find()
        .select_only()
        .columns([
            knowledge_chunk::Column::Id,
            knowledge_chunk::Column::Content,
            knowledge_chunk::Column::Source,
        ])
        .filter(tenant.rows::<knowledge_chunk::Column>())
        .filter(knowledge_chunk::Column::Id.is_in(chunk_ids))
        .into_tuple::<(String, String, Option<String>)>()
        .all(db)
        .await?
        .into_iter()
        .map(|(id, content, source)| (id, (content, source)))
        .collect();
    let items: HashMap<String, (String, String, Option<String>)> = knowledge_item::Entity::find()
        .select_only()
        .columns([
            knowledge_item::Column::Id,
            knowledge_item::Column::Kind,
            knowledge_item::Column::Title,
            knowledge_item::Column::Source,
        ])
        .filter(tenant.rows::<knowledge_item::Column>())
        .filter(knowledge_item::Column::Id.is_in(item_ids))
        .into_tuple::<(String, String, String, Option<String>)>()
        .all(db)
        .await?
        .into_iter()
        .map(|(id, kind, title, source)| (id, (kind, title, source)))
        .collect();
    Ok(hits
        .into_iter()
        .filter_map(|hit| {
            let (content, chunk_source) = chunks.get(&hit.chunk_id)?.clone();
            let (kind, title, item_source) = items.get(&hit.knowledge_id)?.clone();
            Some(Passage {
                kind,
                title,
                source: chunk_source.or(item_source),
                content,
                hit,
            })
        })
        .collect())
}
