//! `POST /knowledge/search`: what retrieval returns for a query, in one assistant's scope.

use std::sync::Arc;

use companin_service::Tenant;
use companin_service::search::{Passage, SearchRequest};
use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::payload::Json;

use super::ApiTags;
use crate::auth::scheme::ClientAuth;
use crate::error::{ErrorSet, Errors};
use crate::http::idempotency::IdempotencyKey;
use crate::http::json::JsonBody;
use crate::schemas::search::{Retriever, SearchHit, SearchKnowledge, SearchResults};
use crate::state::AppState;

/// Searching: 404 for an unknown assistant, 503 when the embedding model is missing.
pub struct SearchErrors;
impl ErrorSet for SearchErrors {
    const STATUSES: &'static [u16] = &[400, 401, 403, 404, 409, 413, 415, 422, 429, 500, 503];
}

pub struct SearchApi;

#[OpenApi(tag = "ApiTags::Knowledge")]
impl SearchApi {
    /// Search knowledge
    ///
    /// The retrieval an assistant would do for `query`: hybrid search (vector similarity and
    /// BM25, fused by reciprocal rank) within the assistant's knowledge scope, at most three
    /// chunks per item, none below its `retrieval.min_score`. Each result says which
    /// retrievers found it; `score` is its cosine similarity to the query.
    #[oai(
        path = "/knowledge/search",
        method = "post",
        operation_id = "search_knowledge"
    )]
    async fn search(
        &self,
        /// Makes a retry safe: the same key with the same request answers the first
        /// response again (`Idempotent-Replayed: true`) without doing the work twice.
        #[oai(name = "Idempotency-Key", validator(min_length = 1, max_length = 255))]
        _idempotency_key: IdempotencyKey,
        state: Data<&Arc<AppState>>,
        auth: ClientAuth,
        body: JsonBody<SearchKnowledge>,
    ) -> Result<Json<SearchResults>, Errors<SearchErrors>> {
        let b = body.0;
        let outcome = state
            .search
            .search(
                &state.db,
                &Tenant::from(auth.principal()),
                SearchRequest {
                    query: b.query,
                    assistant_id: b.assistant_id,
                    top_k: b.top_k,
                },
            )
            .await?;
        let items: Vec<SearchHit> = outcome.passages.into_iter().map(search_hit).collect();
        Ok(Json(SearchResults {
            total: items.len() as u64,
            items,
            top_k: outcome.top_k,
            min_score: outcome.min_score,
        }))
    }
}

fn search_hit(p: Passage) -> SearchHit {
    let mut retrievers = Vec::new();
    if p.hit.dense_rank.is_some() {
        retrievers.push(Retriever::Dense);
    }
    if p.hit.lexical_rank.is_some() {
        retrievers.push(Retriever::Lexical);
    }
    SearchHit {
        knowledge_id: p.hit.knowledge_id,
        chunk_id: p.hit.chunk_id,
        title: p.title,
        source: p.source,
        snippet: p.content,
        // Rounded so that float noise does not show as 0.30000001.
        score: (f64::from(p.hit.score) * 1e6).round() / 1e6,
        retrievers,
    }
}
