//! The HTTP surface: one module per resource (an `#[OpenApi]` impl each), the operational
//! endpoints, and the assembly of the whole route tree.

mod admin;
mod alerts;
mod analytics;
mod assistants;
mod audit;
mod auth;
mod clients;
mod console;
mod contexts;
mod conversations;
mod document;
mod jobs;
mod knowledge;
mod members;
mod ops;
mod sandbox;
mod search;
mod sessions;
mod web;
mod webhooks;
mod widget;

use std::collections::HashMap;
use std::sync::Arc;

use poem::middleware::{CookieJarManager, NormalizePath, TrailingSlash};
use std::sync::OnceLock;

use poem::web::Html;
use poem::{Endpoint, EndpointExt, IntoResponse, Response, Route, get, handler};
use poem_openapi::{OpenApiService, Tags};

use crate::auth::middleware::Authenticate;
use crate::http::API_PREFIX;
use crate::http::body_limit::BodyLimit;
use crate::http::context::RequestContext;
use crate::http::cors::Cors;
use crate::http::idempotency::Idempotency;
use crate::http::observe::Observe;
use crate::state::AppState;

#[derive(Tags)]
enum ApiTags {
    /// Exchanging a key pair for a bearer token; team members signing in to the console.
    Auth,
    /// The organization's team: people who sign in to the console, each with a role.
    Members,
    /// An organization's OAuth applications (API credentials).
    Clients,
    /// Assistant personas and their configuration versions.
    Assistants,
    /// Visitor sessions and the contexts (traits) known about them.
    Sessions,
    /// Files, texts and curated Q&A the assistants answer from.
    Knowledge,
    /// Messages to assistants, their grounded replies, and feedback.
    Conversations,
    /// Background work: ingestion and re-indexing.
    Jobs,
    /// Request logs, usage, rate-limit monitoring and alerts.
    Analytics,
    /// Signed event webhooks: endpoints, deliveries, redelivery.
    Webhooks,
    /// The record of every change.
    Audit,
    /// The browser widget: its token (no secret, allowed origins only) and public config.
    Widget,
    /// The sandbox environment's sample data.
    Sandbox,
    /// Platform operator routes (`X-Operator-Token` or the operator's console session);
    /// organizations never reach them.
    Admin,
}

type Apis = (
    auth::AuthApi,
    members::MembersApi,
    clients::ClientsApi,
    assistants::AssistantsApi,
    sessions::SessionsApi,
    contexts::ContextsApi,
    knowledge::KnowledgeApi,
    search::SearchApi,
    jobs::JobsApi,
    conversations::ConversationsApi,
    analytics::AnalyticsApi,
    // Two APIs in one element: poem-openapi implements tuples of up to 16.
    (alerts::AlertsApi, webhooks::WebhooksApi),
    audit::AuditApi,
    widget::WidgetApi,
    sandbox::SandboxApi,
    // The operator's two APIs in one element: poem-openapi implements tuples of up to 16.
    (admin::AdminApi, auth::OperatorAuthApi),
);

/// The OpenAPI service: every documented route under [`API_PREFIX`].
pub fn openapi_service() -> OpenApiService<Apis, ()> {
    OpenApiService::new(
        (
            auth::AuthApi,
            members::MembersApi,
            clients::ClientsApi,
            assistants::AssistantsApi,
            sessions::SessionsApi,
            contexts::ContextsApi,
            knowledge::KnowledgeApi,
            search::SearchApi,
            jobs::JobsApi,
            conversations::ConversationsApi,
            analytics::AnalyticsApi,
            (alerts::AlertsApi, webhooks::WebhooksApi),
            audit::AuditApi,
            widget::WidgetApi,
            sandbox::SandboxApi,
            (admin::AdminApi, auth::OperatorAuthApi),
        ),
        "Companin API",
        env!("CARGO_PKG_VERSION"),
    )
    .description(
        "Companin runs an organization's AI assistants behind one REST API. Every error has the \
         shape `{status, status_code, code, detail, data, request_id}`; the codes are listed in \
         docs/api.md. Authenticated responses carry `X-RateLimit-Limit`, \
         `X-RateLimit-Remaining` and `X-RateLimit-Reset`. Every authenticated POST accepts an \
         `Idempotency-Key`: a retry with the same key and request replays the first response \
         (`Idempotent-Replayed: true`) without doing the work again.",
    )
    .server(API_PREFIX)
}

/// The published OpenAPI document, as committed in docs/openapi.json (see [`document`]);
/// made once per process.
pub fn openapi_json() -> String {
    document_json().to_owned()
}

fn document_json() -> &'static str {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    DOCUMENT.get_or_init(|| document::finish(&openapi_service().spec()))
}

/// `GET /api/v1/openapi.json`.
#[handler]
fn openapi_document() -> Response {
    document_json()
        .to_owned()
        .with_content_type("application/json")
        .into_response()
}

/// `GET /api/v1/docs`: Swagger UI over the published document.
#[handler]
fn swagger_ui() -> Html<String> {
    static PAGE: OnceLock<String> = OnceLock::new();
    Html(
        PAGE.get_or_init(|| {
            let service = openapi_service();
            // The page embeds poem-openapi's own document; it shows the published one.
            service
                .swagger_ui_html()
                .replace(&service.spec(), document_json())
        })
        .clone(),
    )
}

/// Maps poem's pattern of each documented route to its OpenAPI template, e.g.
/// `/api/v1/clients/:param0` to `/api/v1/clients/{id}`: poem-openapi renames path parameters
/// when it registers routes, but logs and metrics should name them as the documentation does.
pub fn route_templates() -> HashMap<String, String> {
    let spec: serde_json::Value = serde_json::from_str(&openapi_json()).unwrap_or_default();
    let Some(paths) = spec["paths"].as_object() else {
        return HashMap::new();
    };
    paths
        .keys()
        .map(|template| {
            let mut n = 0;
            let pattern: Vec<String> = template
                .split('/')
                .map(|segment| {
                    if segment.starts_with('{') {
                        n += 1;
                        format!(":param{}", n - 1)
                    } else {
                        segment.to_owned()
                    }
                })
                .collect();
            (
                format!("{API_PREFIX}{}", pattern.join("/")),
                format!("{API_PREFIX}{template}"),
            )
        })
        .collect()
}

/// The methods of each documented route, by template (`/api/v1/clients/{id}` →
/// `GET, PATCH, DELETE`): the `Allow` header of a 405.
pub fn route_methods() -> HashMap<String, String> {
    let spec: serde_json::Value = serde_json::from_str(document_json()).unwrap_or_default();
    let Some(paths) = spec["paths"].as_object() else {
        return HashMap::new();
    };
    paths
        .iter()
        .map(|(template, operations)| {
            let mut methods: Vec<String> = operations
                .as_object()
                .map(|o| o.keys().map(|m| m.to_ascii_uppercase()).collect())
                .unwrap_or_default();
            methods.sort();
            (format!("{API_PREFIX}{template}"), methods.join(", "))
        })
        .collect()
}

/// Room for the multipart framing and text fields of an upload, beyond the file.
const MULTIPART_OVERHEAD: usize = 64 * 1024;

/// The whole application.
pub fn app(state: Arc<AppState>) -> impl Endpoint {
    let service = openapi_service();
    let api = Route::new()
        .at("/openapi.json", get(openapi_document))
        .at("/docs", get(swagger_ui))
        .nest("/", service)
        .with(Idempotency::new(state.clone()))
        .with(Authenticate::new(state.clone()))
        // Parses the `Cookie` header once for the console's session cookie (poem panics when
        // a handler or scheme reads cookies without it).
        .with(CookieJarManager::new())
        .with(
            BodyLimit::new(
                usize::try_from(state.settings.http.body_limit_bytes).unwrap_or(usize::MAX),
            )
            // File uploads have their own, larger limit; the multipart framing gets room on
            // top of the file itself.
            .with_route(
                "/knowledge/files",
                usize::try_from(state.settings.ingest.max_file_bytes)
                    .unwrap_or(usize::MAX)
                    .saturating_add(MULTIPART_OVERHEAD),
            ),
        );
    Route::new()
        .at("/healthz", get(ops::healthz))
        .at("/readyz", get(ops::readyz))
        .at("/metrics", get(ops::metrics))
        .at("/widget.js", get(web::widget_js))
        .at("/widget/demo", get(web::widget_demo))
        .at("/dashboard", get(console::index))
        .at("/dashboard/*path", get(console::under))
        .nest(API_PREFIX, api)
        .data(state.clone())
        // The contract spells collection routes with a trailing slash (`/clients/`) while
        // poem-openapi registers them without; both spellings reach the same route.
        .with(NormalizePath::new(TrailingSlash::Trim))
        .with(Cors::new(state.origins.clone()))
        .with(Observe::new(
            state.telemetry.clone(),
            (route_templates(), route_methods()),
            state.settings.http.metrics_org_labels,
        ))
}

/// The request's context, set by the outermost middleware.
fn request_id(ctx: &Arc<RequestContext>) -> &str {
    &ctx.request_id
}
