//! `/assistants/`: personas with versioned configuration.

use std::sync::Arc;

use companin_service::Paging;
use companin_service::{Actor, Tenant, assistants};
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::{ApiTags, request_id};
use crate::auth::scheme::ClientAuth;
use crate::error::{
    ActionErrors, ApiResult, CreateErrors, ErrorSet, GetErrors, ListByIdErrors, ListErrors,
    UpdateErrors,
};
use crate::http::context::RequestContext;
use crate::http::idempotency::IdempotencyKey;
use crate::http::json::JsonBody;
use crate::schemas::assistants::{
    Assistant, AssistantList, AssistantVersion, AssistantVersionList, CreateAssistant,
    PromoteAssistant, Promotion, Rollback, UpdateAssistant,
};
use crate::state::AppState;

#[derive(ApiResponse)]
enum Created {
    /// The assistant, at version 1.
    #[oai(status = 201)]
    Created(Json<Assistant>),
}

#[derive(ApiResponse)]
enum Promoted {
    /// Promoted: the production assistant was created, or given a new version.
    #[oai(status = 201)]
    Created(Json<Promotion>),
    /// This version was promoted before (with the same `include_knowledge`): that promotion,
    /// and nothing changed.
    #[oai(status = 200)]
    Replayed(Json<Promotion>),
}

/// Promoting: 403 `sandbox_only` with production credentials, 409 `promotion_in_progress`
/// while another request promotes the same version, 503 without a job queue for the
/// knowledge copies.
pub struct PromoteErrors;
impl ErrorSet for PromoteErrors {
    const STATUSES: &'static [u16] = &[400, 401, 403, 404, 409, 413, 415, 422, 429, 500, 503];
}

#[derive(ApiResponse)]
enum Deleted {
    /// Deleted: hidden from every route; its versions are kept for the conversations that
    /// point to them.
    #[oai(status = 204)]
    Deleted,
}

pub struct AssistantsApi;

#[OpenApi(tag = "ApiTags::Assistants")]
impl AssistantsApi {
    /// Create an assistant
    #[oai(
        path = "/assistants/",
        method = "post",
        operation_id = "create_assistant"
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
        body: JsonBody<CreateAssistant>,
    ) -> ApiResult<Created, CreateErrors> {
        let p = auth.principal();
        let row = assistants::create(
            &state.db_write,
            &Tenant::from(p),
            &Actor::from_principal(p, request_id(&ctx)),
            body.0.into(),
        )
        .await?;
        Ok(Created::Created(Json(row.into())))
    }

    /// List assistants
    #[oai(
        path = "/assistants/",
        method = "get",
        operation_id = "list_assistants"
    )]
    async fn list(
        &self,
        state: Data<&Arc<AppState>>,
        auth: ClientAuth,
        /// Only active (`true`) or inactive (`false`) assistants.
        is_active: Query<Option<bool>>,
        /// Only assistants whose name contains this text (case-insensitive).
        q: Query<Option<String>>,
        /// Page size (1 to 100, default 20).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<u64>>,
        /// Items to skip.
        offset: Query<Option<u64>>,
    ) -> ApiResult<Json<AssistantList>, ListErrors> {
        let paging = Paging::new(limit.0, offset.0);
        let filter = assistants::Filter {
            is_active: is_active.0,
            q: q.0,
        };
        let (items, total) =
            assistants::list(&state.db, &Tenant::from(auth.principal()), filter, paging).await?;
        Ok(Json(AssistantList::new(
            items.into_iter().map(Assistant::from).collect(),
            total,
            paging,
        )))
    }

    /// Get an assistant
    #[oai(
        path = "/assistants/:id",
        method = "get",
        operation_id = "get_assistant"
    )]
    async fn get(
        &self,
        state: Data<&Arc<AppState>>,
        auth: ClientAuth,
        id: Path<String>,
    ) -> ApiResult<Json<Assistant>, GetErrors> {
        let row = assistants::get(&state.db, &Tenant::from(auth.principal()), &id.0).await?;
        Ok(Json(row.into()))
    }

    /// Update an assistant
    ///
    /// Every change creates a new immutable version; a PATCH that changes nothing does not.
    #[oai(
        path = "/assistants/:id",
        method = "patch",
        operation_id = "update_assistant"
    )]
    async fn update(
        &self,
        state: Data<&Arc<AppState>>,
        ctx: Data<&Arc<RequestContext>>,
        auth: ClientAuth,
        id: Path<String>,
        body: JsonBody<UpdateAssistant>,
    ) -> ApiResult<Json<Assistant>, UpdateErrors> {
        let p = auth.principal();
        let row = assistants::update(
            &state.db_write,
            &Tenant::from(p),
            &Actor::from_principal(p, request_id(&ctx)),
            &id.0,
            body.0.into(),
        )
        .await?;
        Ok(Json(row.into()))
    }

    /// Delete an assistant
    #[oai(
        path = "/assistants/:id",
        method = "delete",
        operation_id = "delete_assistant"
    )]
    async fn delete(
        &self,
        state: Data<&Arc<AppState>>,
        ctx: Data<&Arc<RequestContext>>,
        auth: ClientAuth,
        id: Path<String>,
    ) -> ApiResult<Deleted, ActionErrors> {
        let p = auth.principal();
        assistants::delete(
            &state.db_write,
            &Tenant::from(p),
            &Actor::from_principal(p, request_id(&ctx)),
            &id.0,
        )
        .await?;
        Ok(Deleted::Deleted)
    }

    /// List an assistant's versions
    #[oai(
        path = "/assistants/:id/versions",
        method = "get",
        operation_id = "list_assistant_versions"
    )]
    async fn versions(
        &self,
        state: Data<&Arc<AppState>>,
        auth: ClientAuth,
        id: Path<String>,
        /// Page size (1 to 100, default 20).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<u64>>,
        /// Items to skip.
        offset: Query<Option<u64>>,
    ) -> ApiResult<Json<AssistantVersionList>, ListByIdErrors> {
        let paging = Paging::new(limit.0, offset.0);
        let (items, total) =
            assistants::versions(&state.db, &Tenant::from(auth.principal()), &id.0, paging).await?;
        let items = items
            .into_iter()
            .map(AssistantVersion::from_row)
            .collect::<Result<_, _>>()?;
        Ok(Json(AssistantVersionList::new(items, total, paging)))
    }

    /// Get one version of an assistant
    #[oai(
        path = "/assistants/:id/versions/:version",
        method = "get",
        operation_id = "get_assistant_version"
    )]
    async fn version(
        &self,
        state: Data<&Arc<AppState>>,
        auth: ClientAuth,
        id: Path<String>,
        version: Path<i32>,
    ) -> ApiResult<Json<AssistantVersion>, ListByIdErrors> {
        let row = assistants::version(&state.db, &Tenant::from(auth.principal()), &id.0, version.0)
            .await?;
        Ok(Json(AssistantVersion::from_row(row)?))
    }

    /// Roll an assistant back to an earlier version
    ///
    /// The restored configuration becomes a new version; the history is never rewritten.
    #[oai(
        path = "/assistants/:id/rollback",
        method = "post",
        operation_id = "rollback_assistant"
    )]
    async fn rollback(
        &self,
        /// Makes a retry safe: the same key with the same request answers the first
        /// response again (`Idempotent-Replayed: true`) without doing the work twice.
        #[oai(name = "Idempotency-Key", validator(min_length = 1, max_length = 255))]
        _idempotency_key: IdempotencyKey,
        state: Data<&Arc<AppState>>,
        ctx: Data<&Arc<RequestContext>>,
        auth: ClientAuth,
        id: Path<String>,
        body: JsonBody<Rollback>,
    ) -> ApiResult<Json<Assistant>, UpdateErrors> {
        let p = auth.principal();
        let row = assistants::rollback(
            &state.db_write,
            &Tenant::from(p),
            &Actor::from_principal(p, request_id(&ctx)),
            &id.0,
            body.0.version,
        )
        .await?;
        Ok(Json(row.into()))
    }

    /// Promote a sandbox assistant to production
    ///
    /// Called with sandbox credentials: copies the assistant's active configuration to
    /// production, as a new assistant the first time and as a new version of that same
    /// production assistant afterwards, audited in both environments. With
    /// `include_knowledge`, the items the assistant answers from are copied too and ingested
    /// anew in production (not shared; an item production already holds is used). Knowledge
    /// ids in the configuration are mapped to the production items with the same content.
    /// Promoting the same version again answers the first promotion (200) and changes
    /// nothing. The body is optional.
    #[oai(
        path = "/assistants/:id/promote",
        method = "post",
        operation_id = "promote_assistant"
    )]
    async fn promote(
        &self,
        /// Makes a retry safe: the same key with the same request answers the first
        /// response again (`Idempotent-Replayed: true`) without doing the work twice.
        #[oai(name = "Idempotency-Key", validator(min_length = 1, max_length = 255))]
        _idempotency_key: IdempotencyKey,
        state: Data<&Arc<AppState>>,
        ctx: Data<&Arc<RequestContext>>,
        auth: ClientAuth,
        id: Path<String>,
        body: JsonBody<Option<PromoteAssistant>>,
    ) -> ApiResult<Promoted, PromoteErrors> {
        let p = auth.principal();
        let include_knowledge = body.0.and_then(|b| b.include_knowledge).unwrap_or(false);
        let promotion = assistants::promote::promote(
            &state,
            &Tenant::from(p),
            &Actor::from_principal(p, request_id(&ctx)),
            &id.0,
            include_knowledge,
        )
        .await?;
        Ok(if promotion.replayed {
            Promoted::Replayed(Json(promotion.into()))
        } else {
            Promoted::Created(Json(promotion.into()))
        })
    }
}
