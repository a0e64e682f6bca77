//! `/alerts/...`: the webhook that hears when the organization nears or hits its rate limit,
//! and the record of what was sent to it.

use std::sync::Arc;

use companin_service::Paging;
use companin_service::{Actor, Tenant, alerts};
use poem::web::Data;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::{ApiTags, request_id};
use crate::auth::scheme::ClientAuth;
use crate::error::{ActionErrors, ApiResult, GetErrors, ListErrors, UpdateErrors};
use crate::http::context::RequestContext;
use crate::http::idempotency::IdempotencyKey;
use crate::http::json::JsonBody;
use crate::schemas::alerts::{AlertDelivery, AlertDeliveryList, AlertWebhook, SetAlertWebhook};
use crate::state::AppState;

#[derive(ApiResponse)]
enum Removed {
    /// Removed; alerts not yet sent are dropped.
    #[oai(status = 204)]
    Removed,
}

pub struct AlertsApi;

#[OpenApi(tag = "ApiTags::Analytics")]
impl AlertsApi {
    /// Alert webhook
    ///
    /// The webhook of the caller's organization and environment (`url` and `secret` are
    /// `null` while none is set).
    #[oai(
        path = "/alerts/webhook",
        method = "get",
        operation_id = "get_alert_webhook"
    )]
    async fn get(
        &self,
        state: Data<&Arc<AppState>>,
        auth: ClientAuth,
    ) -> ApiResult<Json<AlertWebhook>, GetErrors> {
        let webhook = alerts::get(&state.db, &Tenant::from(auth.principal())).await?;
        Ok(Json(webhook.into()))
    }

    /// Set the alert webhook
    ///
    /// Sets where alerts are posted. The signing secret is made the first time and kept
    /// when the URL changes.
    #[oai(
        path = "/alerts/webhook",
        method = "put",
        operation_id = "set_alert_webhook"
    )]
    async fn set(
        &self,
        state: Data<&Arc<AppState>>,
        ctx: Data<&Arc<RequestContext>>,
        auth: ClientAuth,
        body: JsonBody<SetAlertWebhook>,
    ) -> ApiResult<Json<AlertWebhook>, UpdateErrors> {
        let allow_private = state.settings.crawl.allow_private_networks;
        let url = alerts::validate_url(&body.0.url, allow_private).await?;
        let p = auth.principal();
        let webhook = alerts::set(
            &state.db_write,
            &Tenant::from(p),
            &Actor::from_principal(p, request_id(&ctx)),
            Some(url),
            false,
        )
        .await?;
        Ok(Json(webhook.into()))
    }

    /// Remove the alert webhook
    #[oai(
        path = "/alerts/webhook",
        method = "delete",
        operation_id = "delete_alert_webhook"
    )]
    async fn remove(
        &self,
        state: Data<&Arc<AppState>>,
        ctx: Data<&Arc<RequestContext>>,
        auth: ClientAuth,
    ) -> ApiResult<Removed, ActionErrors> {
        let p = auth.principal();
        alerts::remove(
            &state.db_write,
            &Tenant::from(p),
            &Actor::from_principal(p, request_id(&ctx)),
        )
        .await?;
        Ok(Removed::Removed)
    }

    /// Rotate the alert webhook's secret
    ///
    /// Alerts sent from now on are signed with the new secret.
    #[oai(
        path = "/alerts/webhook/rotate-secret",
        method = "post",
        operation_id = "rotate_alert_webhook_secret"
    )]
    async fn rotate(
        &self,
        /// Makes a retry safe: the same key with the same request answers the first
        /// response again (`Idempotent-Replayed: true`) without doing the work twice.
        #[oai(name = "Idempotency-Key", validator(min_length = 1, max_length = 255))]
        _idempotency_key: IdempotencyKey,
        state: Data<&Arc<AppState>>,
        ctx: Data<&Arc<RequestContext>>,
        auth: ClientAuth,
    ) -> ApiResult<Json<AlertWebhook>, ActionErrors> {
        let p = auth.principal();
        let webhook = alerts::set(
            &state.db_write,
            &Tenant::from(p),
            &Actor::from_principal(p, request_id(&ctx)),
            None,
            true,
        )
        .await?;
        Ok(Json(webhook.into()))
    }

    /// Alerts sent
    ///
    /// Every alert raised for the caller's organization and environment with its delivery
    /// status, newest first.
    #[oai(
        path = "/alerts/deliveries",
        method = "get",
        operation_id = "list_alert_deliveries"
    )]
    async fn deliveries(
        &self,
        state: Data<&Arc<AppState>>,
        auth: ClientAuth,
        /// Page size (1 to 100, default 20).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<u64>>,
        /// Items to skip.
        offset: Query<Option<u64>>,
    ) -> ApiResult<Json<AlertDeliveryList>, ListErrors> {
        let paging = Paging::new(limit.0, offset.0);
        let (items, total) =
            alerts::deliveries(&state.db, &Tenant::from(auth.principal()), paging).await?;
        Ok(Json(AlertDeliveryList::new(
            items.into_iter().map(AlertDelivery::from).collect(),
            total,
            paging,
        )))
    }
}
