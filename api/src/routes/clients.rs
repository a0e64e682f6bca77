//! `/clients/`: an organization's own OAuth applications.

use std::sync::Arc;

use companin_service::Paging;
use companin_service::ids::ClientId;
use companin_service::{Actor, Tenant, clients};
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::{ApiTags, request_id};
use crate::auth::scheme::ClientAuth;
use crate::error::{
    ActionErrors, ApiError, ApiResult, CreateErrors, GetErrors, ListErrors, UpdateErrors,
};
use crate::http::context::RequestContext;
use crate::http::idempotency::IdempotencyKey;
use crate::http::json::JsonBody;
use crate::http::rendered::RenderedJson;
use crate::schemas::clients::{Client, ClientList, ClientWithSecret, CreateClient, UpdateClient};
use crate::state::AppState;

#[derive(ApiResponse)]
enum Created {
    /// The client, with its secret (shown only now).
    #[oai(status = 201)]
    Created(Json<ClientWithSecret>),
}

#[derive(ApiResponse)]
enum Deleted {
    /// Deleted; the client's credentials and tokens stop working at once.
    #[oai(status = 204)]
    Deleted,
}

pub struct ClientsApi;

#[OpenApi(tag = "ApiTags::Clients")]
impl ClientsApi {
    /// Create a client
    ///
    /// The new client belongs to the caller's organization and environment.
    #[oai(path = "/clients/", method = "post", operation_id = "create_client")]
    async fn create(
        &self,
        /// Makes a retry safe: the same key with the same request answers the first
        /// response again (`Idempotent-Replayed: true`) without doing the work twice.
        #[oai(name = "Idempotency-Key", validator(min_length = 1, max_length = 255))]
        _idempotency_key: IdempotencyKey,
        state: Data<&Arc<AppState>>,
        ctx: Data<&Arc<RequestContext>>,
        auth: ClientAuth,
        body: JsonBody<CreateClient>,
    ) -> ApiResult<Created, CreateErrors> {
        let p = auth.principal();
        let body = body.0;
        let (client, secret) = clients::create(
            &state.db_write,
            (&Tenant::from(p), &state.seal),
            &Actor::from_principal(p, request_id(&ctx)),
            &body.name,
            body.allowed_origins.as_deref().unwrap_or_default(),
            body.is_active.unwrap_or(true),
        )
        .await?;
        Ok(Created::Created(Json(ClientWithSecret::new(
            client, secret,
        ))))
    }

    /// List clients
    #[oai(path = "/clients/", method = "get", operation_id = "list_clients")]
    async fn list(
        &self,
        state: Data<&Arc<AppState>>,
        auth: ClientAuth,
        /// Page size (1 to 100, default 20).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<u64>>,
        /// Items to skip.
        offset: Query<Option<u64>>,
    ) -> ApiResult<RenderedJson<ClientList>, ListErrors> {
        let p = auth.principal();
        let tenant = Tenant::from(p);
        let paging = Paging::new(limit.0, offset.0);
        let page = state
            .client_pages
            .get_or_load(p, (paging.limit, paging.offset), || async {
                let (items, total) = clients::list(&state.db, &tenant, paging).await?;
                let items = items.into_iter().map(Client::from).collect();
                Ok::<_, ApiError>(RenderedJson::render(&ClientList::new(items, total, paging)))
            })
            .await?;
        Ok(RenderedJson::clone(&page))
    }

    /// Get a client
    #[oai(path = "/clients/:id", method = "get", operation_id = "get_client")]
    async fn get(
        &self,
        state: Data<&Arc<AppState>>,
        auth: ClientAuth,
        id: Path<String>,
    ) -> ApiResult<RenderedJson<Client>, GetErrors> {
        let p = auth.principal();
        let tenant = Tenant::from(p);
        let row = state
            .client_rows
            .get_or_load(p, id.0.clone(), || async {
                let found = clients::find(&state.db, &tenant, &id.0).await?;
                Ok::<_, ApiError>(found.map(|c| RenderedJson::render(&Client::from(c))))
            })
            .await?;
        let client = Option::as_ref(&row).ok_or_else(|| ApiError::not_found("client"))?;
        Ok(client.clone())
    }

    /// Update a client
    ///
    /// `is_active: false` revokes the client's credentials and tokens at once.
    #[oai(
        path = "/clients/:id",
        method = "patch",
        operation_id = "update_client"
    )]
    async fn update(
        &self,
        state: Data<&Arc<AppState>>,
        ctx: Data<&Arc<RequestContext>>,
        auth: ClientAuth,
        id: Path<String>,
        body: JsonBody<UpdateClient>,
    ) -> ApiResult<Json<Client>, UpdateErrors> {
        let p = auth.principal();
        let body = body.0;
        let client = clients::update(
            &state.db_write,
            &Tenant::from(p),
            &Actor::from_principal(p, request_id(&ctx)),
            &id.0,
            clients::Update {
                name: body.name,
                allowed_origins: body.allowed_origins,
                is_active: body.is_active,
            },
        )
        .await?;
        forget(&state, &client.id);
        Ok(Json(client.into()))
    }

    /// Delete a client
    #[oai(
        path = "/clients/:id",
        method = "delete",
        operation_id = "delete_client"
    )]
    async fn delete(
        &self,
        state: Data<&Arc<AppState>>,
        ctx: Data<&Arc<RequestContext>>,
        auth: ClientAuth,
        id: Path<String>,
    ) -> ApiResult<Deleted, ActionErrors> {
        let p = auth.principal();
        clients::delete(
            &state.db_write,
            &Tenant::from(p),
            &Actor::from_principal(p, request_id(&ctx)),
            &id.0,
        )
        .await?;
        forget(&state, &id.0);
        Ok(Deleted::Deleted)
    }

    /// Rotate a client's secret
    ///
    /// Answers the new secret once; the old secret and every token issued under it stop
    /// working at once.
    #[oai(
        path = "/clients/:id/rotate-secret",
        method = "post",
        operation_id = "rotate_client_secret"
    )]
    async fn rotate_secret(
        &self,
        /// Makes a retry safe: the same key with the same request answers the first
        /// response again (`Idempotent-Replayed: true`) without doing the work twice.
        #[oai(name = "Idempotency-Key", validator(min_length = 1, max_length = 255))]
        _idempotency_key: IdempotencyKey,
        state: Data<&Arc<AppState>>,
        ctx: Data<&Arc<RequestContext>>,
        auth: ClientAuth,
        id: Path<String>,
    ) -> ApiResult<Json<ClientWithSecret>, ActionErrors> {
        let p = auth.principal();
        let (client, secret) = clients::rotate_secret(
            &state.db_write,
            (&Tenant::from(p), &state.seal),
            &Actor::from_principal(p, request_id(&ctx)),
            &id.0,
        )
        .await?;
        forget(&state, &client.id);
        Ok(Json(ClientWithSecret::new(client, secret)))
    }
}

/// Drops the cached credentials of a client that changed.
fn forget(state: &AppState, id: &str) {
    if let Some(id) = ClientId::parse(id) {
        state.credentials.invalidate(&id);
    }
    state.origins.invalidate_all();
}
