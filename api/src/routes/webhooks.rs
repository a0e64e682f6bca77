//! `/webhooks/...`: the organization's event webhook endpoints, their deliveries, and
//! redelivery on demand.

use std::sync::Arc;

use companin_service::webhooks::{self, DeliveryFilter, EndpointPatch, NewEndpoint};
use companin_service::{Actor, Paging, Tenant};
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::{ApiTags, request_id};
use crate::auth::scheme::ClientAuth;
use crate::error::{
    ActionErrors, ApiError, ApiResult, CreateErrors, GetErrors, ListByIdErrors, ListErrors,
    UpdateErrors,
};
use crate::http::context::RequestContext;
use crate::http::idempotency::IdempotencyKey;
use crate::http::json::JsonBody;
use crate::schemas::webhooks::{
    CreateWebhookEndpoint, UpdateWebhookEndpoint, WebhookDelivery, WebhookDeliveryList,
    WebhookEndpoint, WebhookEndpointList, WebhookEndpointWithSecret,
};
use crate::state::AppState;

#[derive(ApiResponse)]
enum Created {
    /// The endpoint, with its signing secret (shown this once).
    #[oai(status = 201)]
    Created(Json<WebhookEndpointWithSecret>),
}

#[derive(ApiResponse)]
enum Deleted {
    /// Deleted, with its deliveries; events not yet sent are dropped.
    #[oai(status = 204)]
    Deleted,
}

#[derive(ApiResponse)]
enum Redelivered {
    /// The new delivery of the event, sent by the workers within moments.
    #[oai(status = 202)]
    Accepted(Json<WebhookDelivery>),
}

pub struct WebhooksApi;

#[OpenApi(tag = "ApiTags::Webhooks")]
impl WebhooksApi {
    /// Create a webhook endpoint
    ///
    /// Events of the types listed are posted to the URL, signed with the secret answered here
    /// (once). At most 20 endpoints per environment.
    #[oai(path = "/webhooks/", method = "post", operation_id = "create_webhook")]
    async fn create(
        &self,
        /// Makes a retry safe: the same key with the same request answers the first
        /// response again (`Idempotent-Replayed: true`) without doing the work twice.
        #[oai(name = "Idempotency-Key", validator(min_length = 1, max_length = 255))]
        _idempotency_key: IdempotencyKey,
        state: Data<&Arc<AppState>>,
        ctx: Data<&Arc<RequestContext>>,
        auth: ClientAuth,
        body: JsonBody<CreateWebhookEndpoint>,
    ) -> ApiResult<Created, CreateErrors> {
        let p = auth.principal();
        let b = body.0;
        let (endpoint, secret) = webhooks::create(
            &state.db_write,
            (&Tenant::from(p), &state.seal),
            &Actor::from_principal(p, request_id(&ctx)),
            state.settings.crawl.allow_private_networks,
            NewEndpoint {
                url: b.url,
                events: b.events,
                description: b.description,
                is_active: b.is_active,
            },
        )
        .await?;
        Ok(Created::Created(Json(WebhookEndpointWithSecret {
            endpoint: endpoint.into(),
            secret,
        })))
    }

    /// List webhook endpoints
    #[oai(path = "/webhooks/", method = "get", operation_id = "list_webhooks")]
    async fn list(
        &self,
        state: Data<&Arc<AppState>>,
        auth: ClientAuth,
        /// Page size (1 to 100, default 20).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<u64>>,
        /// Items to skip.
        offset: Query<Option<u64>>,
    ) -> ApiResult<Json<WebhookEndpointList>, ListErrors> {
        let paging = Paging::new(limit.0, offset.0);
        let (items, total) =
            webhooks::list(&state.db, &Tenant::from(auth.principal()), paging).await?;
        let items = items.into_iter().map(WebhookEndpoint::from).collect();
        Ok(Json(WebhookEndpointList::new(items, total, paging)))
    }

    /// Get a webhook endpoint
    #[oai(path = "/webhooks/:id", method = "get", operation_id = "get_webhook")]
    async fn get(
        &self,
        state: Data<&Arc<AppState>>,
        auth: ClientAuth,
        id: Path<String>,
    ) -> ApiResult<Json<WebhookEndpoint>, GetErrors> {
        let endpoint = webhooks::get(&state.db, &Tenant::from(auth.principal()), &id.0).await?;
        Ok(Json(endpoint.into()))
    }

    /// Update a webhook endpoint
    ///
    /// `is_active: true` turns on an endpoint the server turned off after a day of failures.
    #[oai(
        path = "/webhooks/:id",
        method = "patch",
        operation_id = "update_webhook"
    )]
    async fn update(
        &self,
        state: Data<&Arc<AppState>>,
        ctx: Data<&Arc<RequestContext>>,
        auth: ClientAuth,
        id: Path<String>,
        body: JsonBody<UpdateWebhookEndpoint>,
    ) -> ApiResult<Json<WebhookEndpoint>, UpdateErrors> {
        let p = auth.principal();
        let b = body.0;
        let endpoint = webhooks::update(
            &state.db_write,
            &Tenant::from(p),
            &Actor::from_principal(p, request_id(&ctx)),
            state.settings.crawl.allow_private_networks,
            &id.0,
            EndpointPatch {
                url: b.url,
                events: b.events,
                description: b.description.map(Some),
                is_active: b.is_active,
            },
        )
        .await?;
        Ok(Json(endpoint.into()))
    }

    /// Delete a webhook endpoint
    #[oai(
        path = "/webhooks/:id",
        method = "delete",
        operation_id = "delete_webhook"
    )]
    async fn delete(
        &self,
        state: Data<&Arc<AppState>>,
        ctx: Data<&Arc<RequestContext>>,
        auth: ClientAuth,
        id: Path<String>,
    ) -> ApiResult<Deleted, ActionErrors> {
        let p = auth.principal();
        webhooks::delete(
            &state.db_write,
            &Tenant::from(p),
            &Actor::from_principal(p, request_id(&ctx)),
            &id.0,
        )
        .await?;
        Ok(Deleted::Deleted)
    }

    /// Rotate a webhook endpoint's secret
    ///
    /// Answers the new secret once; events sent from now on are signed with it.
    #[oai(
        path = "/webhooks/:id/rotate-secret",
        method = "post",
        operation_id = "rotate_webhook_secret"
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
    ) -> ApiResult<Json<WebhookEndpointWithSecret>, ActionErrors> {
        let p = auth.principal();
        let (endpoint, secret) = webhooks::rotate_secret(
            &state.db_write,
            (&Tenant::from(p), &state.seal),
            &Actor::from_principal(p, request_id(&ctx)),
            &id.0,
        )
        .await?;
        Ok(Json(WebhookEndpointWithSecret {
            endpoint: endpoint.into(),
            secret,
        }))
    }

    /// List an endpoint's deliveries
    ///
    /// Each event sent (or being sent) to the endpoint: status, attempts, the receiver's
    /// latest answer and how long it took, and the body.
    #[oai(
        path = "/webhooks/:id/deliveries",
        method = "get",
        operation_id = "list_webhook_deliveries"
    )]
    // Each query parameter is an argument: that is how poem-openapi documents them.
    #[allow(clippy::too_many_arguments)]
    async fn deliveries(
        &self,
        state: Data<&Arc<AppState>>,
        auth: ClientAuth,
        id: Path<String>,
        /// Only deliveries in this state: `pending`, `delivered` or `failed`.
        status: Query<Option<String>>,
        /// Only events of this type.
        event_type: Query<Option<String>>,
        /// Page size (1 to 100, default 20).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<u64>>,
        /// Items to skip.
        offset: Query<Option<u64>>,
    ) -> ApiResult<Json<WebhookDeliveryList>, ListByIdErrors> {
        let status = status.0.map(|s| s.trim().to_owned());
        if status
            .as_deref()
            .is_some_and(|s| !["pending", "delivered", "failed"].contains(&s))
        {
            return Err(ApiError::validation(
                "status",
                "must be `pending`, `delivered` or `failed`",
            )
            .into());
        }
        let paging = Paging::new(limit.0, offset.0);
        let (items, total) = webhooks::deliveries(
            &state.db,
            &Tenant::from(auth.principal()),
            &id.0,
            DeliveryFilter {
                status,
                event_type: event_type.0.map(|t| t.trim().to_owned()),
            },
            paging,
        )
        .await?;
        let items = items.into_iter().map(WebhookDelivery::from).collect();
        Ok(Json(WebhookDeliveryList::new(items, total, paging)))
    }

    /// Redeliver an event
    ///
    /// Sends the delivery's event to the endpoint again, as a new delivery with the same
    /// `webhook-id` and body (the receiver can tell it has it already).
    #[oai(
        path = "/webhooks/:id/deliveries/:delivery_id/redeliver",
        method = "post",
        operation_id = "redeliver_webhook"
    )]
    async fn redeliver(
        &self,
        /// Makes a retry safe: the same key with the same request answers the first
        /// response again (`Idempotent-Replayed: true`) without doing the work twice.
        #[oai(name = "Idempotency-Key", validator(min_length = 1, max_length = 255))]
        _idempotency_key: IdempotencyKey,
        state: Data<&Arc<AppState>>,
        ctx: Data<&Arc<RequestContext>>,
        auth: ClientAuth,
        id: Path<String>,
        delivery_id: Path<String>,
    ) -> ApiResult<Redelivered, ActionErrors> {
        let p = auth.principal();
        let delivery = webhooks::redeliver(
            &state.db_write,
            &Tenant::from(p),
            &Actor::from_principal(p, request_id(&ctx)),
            &id.0,
            &delivery_id.0,
        )
        .await?;
        Ok(Redelivered::Accepted(Json(delivery.into())))
    }
}
