//! `/contexts/`: what is known about a session, a visitor or a user (their traits).

use std::sync::Arc;

use companin_service::Paging;
use companin_service::{Actor, Tenant, contexts};
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::{ApiTags, request_id};
use crate::auth::scheme::ClientAuth;
use crate::error::{
    ActionErrors, ApiResult, ErrorSet, Errors, GetErrors, ListErrors, UpdateErrors,
};
use crate::http::context::RequestContext;
use crate::http::idempotency::IdempotencyKey;
use crate::http::json::JsonBody;
use crate::schemas::sessions::{Context, ContextList, CreateContext, UpdateContext, to_map};
use crate::state::AppState;

/// Creating a context: also 404 for an unknown session.
pub struct CreateContextErrors;
impl ErrorSet for CreateContextErrors {
    const STATUSES: &'static [u16] = &[400, 401, 403, 404, 409, 413, 415, 422, 429, 500];
}

#[derive(ApiResponse)]
enum ContextCreated {
    /// The context.
    #[oai(status = 201)]
    Created(Json<Context>),
}

#[derive(ApiResponse)]
enum Deleted {
    /// Deleted.
    #[oai(status = 204)]
    Deleted,
}

pub struct ContextsApi;

#[OpenApi(tag = "ApiTags::Sessions")]
impl ContextsApi {
    /// Add a context
    ///
    /// About exactly one of `session_id`, `visitor_id` or `user_id`.
    #[oai(path = "/contexts/", method = "post", operation_id = "create_context")]
    async fn create_context(
        &self,
        /// Makes a retry safe: the same key with the same request answers the first
        /// response again (`Idempotent-Replayed: true`) without doing the work twice.
        #[oai(name = "Idempotency-Key", validator(min_length = 1, max_length = 255))]
        _idempotency_key: IdempotencyKey,
        state: Data<&Arc<AppState>>,
        ctx: Data<&Arc<RequestContext>>,
        auth: ClientAuth,
        body: JsonBody<CreateContext>,
    ) -> Result<ContextCreated, Errors<CreateContextErrors>> {
        let p = auth.principal();
        let b = body.0;
        let subject = contexts::Subject::one_of(b.session_id, b.visitor_id, b.user_id)?;
        let row = contexts::create(
            &state.db_write,
            &Tenant::from(p),
            &Actor::from_principal(p, request_id(&ctx)),
            subject,
            to_map(b.traits),
            b.crm.map(|c| contexts::Crm {
                provider: c.provider,
                external_id: c.external_id,
            }),
        )
        .await?;
        Ok(ContextCreated::Created(Json(row.into())))
    }

    /// List contexts
    #[oai(path = "/contexts/", method = "get", operation_id = "list_contexts")]
    #[allow(clippy::too_many_arguments)]
    async fn list_contexts(
        &self,
        state: Data<&Arc<AppState>>,
        auth: ClientAuth,
        session_id: Query<Option<String>>,
        visitor_id: Query<Option<String>>,
        user_id: Query<Option<String>>,
        /// Only contexts mapped to this CRM record id.
        crm_external_id: Query<Option<String>>,
        /// Page size (1 to 100, default 20).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<u64>>,
        /// Items to skip.
        offset: Query<Option<u64>>,
    ) -> ApiResult<Json<ContextList>, ListErrors> {
        let paging = Paging::new(limit.0, offset.0);
        let filter = contexts::Filter {
            session_id: session_id.0,
            visitor_id: visitor_id.0,
            user_id: user_id.0,
            crm_external_id: crm_external_id.0,
        };
        let (items, total) =
            contexts::list(&state.db, &Tenant::from(auth.principal()), filter, paging).await?;
        Ok(Json(ContextList::new(
            items.into_iter().map(Context::from).collect(),
            total,
            paging,
        )))
    }

    /// Get a context
    #[oai(path = "/contexts/:id", method = "get", operation_id = "get_context")]
    async fn get_context(
        &self,
        state: Data<&Arc<AppState>>,
        auth: ClientAuth,
        id: Path<String>,
    ) -> ApiResult<Json<Context>, GetErrors> {
        let row = contexts::get(&state.db, &Tenant::from(auth.principal()), &id.0).await?;
        Ok(Json(row.into()))
    }

    /// Update a context
    ///
    /// Traits are merged: new keys are added, existing ones replaced, `null` removes a key.
    #[oai(
        path = "/contexts/:id",
        method = "patch",
        operation_id = "update_context"
    )]
    async fn update_context(
        &self,
        state: Data<&Arc<AppState>>,
        ctx: Data<&Arc<RequestContext>>,
        auth: ClientAuth,
        id: Path<String>,
        body: JsonBody<UpdateContext>,
    ) -> ApiResult<Json<Context>, UpdateErrors> {
        let p = auth.principal();
        let b = body.0;
        let crm = Option::<Option<_>>::from(b.crm).map(|crm| {
            crm.map(|c| contexts::Crm {
                provider: c.provider,
                external_id: c.external_id,
            })
        });
        let row = contexts::update(
            &state.db_write,
            &Tenant::from(p),
            &Actor::from_principal(p, request_id(&ctx)),
            &id.0,
            contexts::Update {
                traits: b.traits.map(to_map),
                crm,
            },
        )
        .await?;
        Ok(Json(row.into()))
    }

    /// Delete a context
    #[oai(
        path = "/contexts/:id",
        method = "delete",
        operation_id = "delete_context"
    )]
    async fn delete_context(
        &self,
        state: Data<&Arc<AppState>>,
        ctx: Data<&Arc<RequestContext>>,
        auth: ClientAuth,
        id: Path<String>,
    ) -> ApiResult<Deleted, ActionErrors> {
        let p = auth.principal();
        contexts::delete(
            &state.db_write,
            &Tenant::from(p),
            &Actor::from_principal(p, request_id(&ctx)),
            &id.0,
        )
        .await?;
        Ok(Deleted::Deleted)
    }
}
