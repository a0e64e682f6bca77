//! `/widget/...`: the token a page on an allowed origin gets without a secret, and the
//! assistant's public face.

use std::sync::Arc;

use companin_service::auth::{AuthMethod, Principal};
use companin_service::rate_limit::widget::Traffic;
use companin_service::{Tenant, assistants, widget};
use poem::Request;
use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;

use super::ApiTags;
use crate::auth::middleware::{charge, widget_address};
use crate::auth::scheme::WidgetAuth;
use crate::error::{ApiError, ApiResult, ErrorSet, ListByIdErrors};
use crate::http::context::RequestContext;
use crate::http::json::JsonBody;
use crate::schemas::widget::{CreateWidgetToken, WidgetConfig, WidgetToken};
use crate::state::AppState;

/// Issuing a widget token: 401 for an unknown or inactive client or a wrong `user_hash`, 403
/// for an origin not allowed, 404/409 for an unknown or inactive assistant.
pub struct WidgetTokenErrors;
impl ErrorSet for WidgetTokenErrors {
    const STATUSES: &'static [u16] = &[400, 401, 403, 404, 409, 413, 415, 422, 429, 500];
}

pub struct WidgetApi;

#[OpenApi(tag = "ApiTags::Widget")]
impl WidgetApi {
    /// Get a widget token
    ///
    /// Called by the widget in the browser, without a secret: the request's `Origin` must be
    /// one of the client's `allowed_origins`. The token reaches only the widget routes, for
    /// one visitor: anonymous, unless `user_id` comes with `user_hash` = hex
    /// HMAC-SHA256(`user_id`, key = client secret) computed by the customer's server. Each
    /// token request counts against the widget's limits (per client address, per origin, the
    /// widget's share of the organization's budget), then costs one request of the
    /// organization's rate limit.
    ///
    /// Or called by the customer's server with the client's key pair (or its one-string
    /// secret key): no `Origin` is needed, `client_id` may be left out, and a `user_id` sent
    /// is taken as verified. The page then starts the widget with the token (`data-token`,
    /// or `Companin.init({token})`). Such a request costs one request of the rate limit.
    #[oai(
        path = "/widget/token",
        method = "post",
        operation_id = "create_widget_token"
    )]
    async fn token(
        &self,
        state: Data<&Arc<AppState>>,
        request: &Request,
        body: JsonBody<CreateWidgetToken>,
    ) -> ApiResult<Json<WidgetToken>, WidgetTokenErrors> {
        let b = body.0;
        let admitted = match request.data::<Principal>() {
            // The customer's server, already charged by the authentication middleware.
            Some(caller) if caller.method == AuthMethod::KeyPair => {
                widget::vouch(&state, caller, b.client_id.as_deref()).await?
            }
            _ => from_page(&state, request, b.client_id.as_deref()).await?,
        };
        let issued = widget::issue(
            &state,
            admitted,
            widget::TokenRequest {
                assistant_id: b.assistant_id,
                user_id: b.user_id,
                user_hash: b.user_hash,
                visitor_id: b.visitor_id,
            },
        )
        .await?;
        Ok(Json(WidgetToken {
            token: issued.token,
            expires_in: issued.expires_in,
            token_type: "Bearer".to_owned(),
            authenticated: issued.grant.authenticated(),
            visitor_id: issued.grant.visitor_id,
            assistant_id: issued.grant.assistant_id,
        }))
    }

    /// The assistant's public configuration
    ///
    /// What the widget shows before the first message. A token bound to an assistant reads
    /// that one; an unbound token names it with `assistant_id`.
    #[oai(
        path = "/widget/config",
        method = "get",
        operation_id = "get_widget_config"
    )]
    async fn config(
        &self,
        state: Data<&Arc<AppState>>,
        auth: WidgetAuth,
        assistant_id: Query<Option<String>>,
    ) -> ApiResult<Json<WidgetConfig>, ListByIdErrors> {
        let (principal, grant) = (&auth.0.principal, &auth.0.grant);
        let id = assistant_id
            .0
            .or_else(|| grant.assistant_id.clone())
            .ok_or_else(|| ApiError::validation("assistant_id", "is required"))?;
        if !grant.allows_assistant(&id) {
            return Err(ApiError::not_found("assistant").into());
        }
        let assistant = assistants::get(&state.db, &Tenant::from(principal), id.trim()).await?;
        Ok(Json(WidgetConfig {
            assistant_id: assistant.id,
            name: assistant.name,
            description: assistant.description,
            language: assistant.language,
            greeting: assistant.greeting,
        }))
    }
}

/// A page's request for a token: the client it names must allow the page's `Origin`. The
/// request counts against the widget's own limits first, so that no page can spend the server
/// keys' budget, then costs one request of the organization's rate limit.
async fn from_page(
    state: &AppState,
    request: &Request,
    client_id: Option<&str>,
) -> Result<widget::Admitted, ApiError> {
    let client_id = client_id.ok_or_else(|| {
        ApiError::validation(
            "client_id",
            "is required (or call with the client's key pair from your server)",
        )
    })?;
    let origin = request
        .headers()
        .get(poem::http::header::ORIGIN)
        .and_then(|v| v.to_str().ok());
    let admitted = widget::admit(state, origin, client_id).await?;
    let caller = admitted.principal();
    let ctx = request.data::<Arc<RequestContext>>();
    if let Some(ctx) = ctx {
        // A refusal is logged as the tenant's, like the rate limit's.
        ctx.set_principal(caller.clone());
    }
    let address = widget_address(state, request);
    state
        .widget_limiter
        .check(Traffic {
            org_id: caller.org_id.as_str(),
            environment: caller.environment,
            address: address.as_deref(),
            origin: admitted.origin(),
            visitor: None,
            token: true,
        })
        .await?;
    charge(state, &caller, ctx).await?;
    Ok(admitted)
}
