//! CORS for the API: browsers on an origin some active client allows (its `allowed_origins`)
//! may call it; no other origin is ever echoed, and there is no wildcard.
//!
//! poem's own CORS middleware decides from a fixed list or a synchronous predicate; here the
//! list lives in the database and changes with the clients, so the decision is a cached
//! lookup. Credentials travel as bearer tokens, never cookies, so
//! `Access-Control-Allow-Credentials` is not sent: the token, issued only to allowed origins,
//! is what guards the data.

use std::sync::Arc;
use std::time::Duration;

use companin_entity::client;
use poem::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use poem::{Endpoint, IntoResponse, Middleware, Request, Response};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};

use crate::http::context::RequestContext;

/// Methods a browser may use across origins.
const ALLOW_METHODS: &str = "GET, POST, PATCH, PUT, DELETE";
/// Request headers a browser may send across origins.
const ALLOW_HEADERS: &str = "authorization, content-type, accept, x-request-id";
/// Response headers a page may read.
const EXPOSE_HEADERS: &str = "x-request-id, x-ratelimit-limit, x-ratelimit-remaining, \
                              x-ratelimit-reset, retry-after";
/// How long a browser may reuse a preflight answer, in seconds.
const PREFLIGHT_MAX_AGE: &str = "600";

/// Which origins some active client allows, cached for a few seconds per origin.
#[derive(Clone)]
pub struct AllowedOrigins {
    db: DatabaseConnection,
    cache: moka::sync::Cache<String, bool>,
}

impl AllowedOrigins {
    pub fn new(db: DatabaseConnection, ttl: Duration) -> Self {
        Self {
            db,
            // Bounded: any page can send any `Origin`.
            cache: moka::sync::Cache::builder()
                .max_capacity(10_000)
                .time_to_live(ttl)
                .build(),
        }
    }

    /// Whether an active client lists `origin` (already in `scheme://host[:port]` form).
    pub async fn allows(&self, origin: &str) -> Result<bool, DbErr> {
        if let Some(hit) = self.cache.get(origin) {
            return Ok(hit);
        }
        // The JSON text narrows the rows; the parsed list decides exactly.
        let quoted = serde_json::Value::from(origin).to_string();
        let rows = client::Entity::find()
            .filter(client::Column::IsActive.eq(true))
            .filter(client::Column::DeletedAt.is_null())
            .filter(Expr::cust("CAST(allowed_origins AS TEXT)").like(format!("%{quoted}%")))
            .all(&self.db)
            .await?;
        let allowed = rows.iter().any(|row| {
            serde_json::from_value::<Vec<String>>(row.allowed_origins.clone())
                .is_ok_and(|list| list.iter().any(|o| o == origin))
        });
        self.cache.insert(origin.to_owned(), allowed);
        Ok(allowed)
    }

    /// Forgets every answer, after a client's origins or state changed in this process.
    pub fn invalidate_all(&self) {
        self.cache.invalidate_all();
    }
}

/// Answers preflights and marks the request's origin as allowed for [`super::context`] to
/// echo on the response, errors included.
pub struct Cors {
    origins: AllowedOrigins,
}

impl Cors {
    pub fn new(origins: AllowedOrigins) -> Self {
        Self { origins }
    }
}

impl<E: Endpoint> Middleware<E> for Cors {
    type Output = CorsEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        CorsEndpoint {
            inner,
            origins: self.origins.clone(),
        }
    }
}

pub struct CorsEndpoint<E> {
    inner: E,
    origins: AllowedOrigins,
}

impl<E: Endpoint> Endpoint for CorsEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        let origin = req
            .headers()
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok())
            .and_then(|o| companin_service::clients::normalize_origin(o).ok());
        let allowed = match &origin {
            Some(origin) => self
                .origins
                .allows(origin)
                .await
                .map_err(|e| crate::error::into_poem(e.into()))?,
            None => false,
        };
        if allowed && let (Some(origin), Some(ctx)) = (&origin, req.data::<Arc<RequestContext>>()) {
            ctx.set_cors_origin(origin.clone());
        }
        let preflight = req.method() == Method::OPTIONS
            && req
                .headers()
                .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
        if preflight {
            let mut response = StatusCode::NO_CONTENT.into_response();
            if allowed {
                let headers = response.headers_mut();
                headers.insert(
                    header::ACCESS_CONTROL_ALLOW_METHODS,
                    HeaderValue::from_static(ALLOW_METHODS),
                );
                headers.insert(
                    header::ACCESS_CONTROL_ALLOW_HEADERS,
                    HeaderValue::from_static(ALLOW_HEADERS),
                );
                headers.insert(
                    header::ACCESS_CONTROL_MAX_AGE,
                    HeaderValue::from_static(PREFLIGHT_MAX_AGE),
                );
            }
            return Ok(response);
        }
        self.inner.call(req).await.map(IntoResponse::into_response)
    }
}

/// The CORS headers of a response to a request from `origin` (allowed), or only `Vary` when
/// the request named no allowed origin.
pub fn apply(headers: &mut HeaderMap, origin: Option<&str>) {
    headers.append(header::VARY, HeaderValue::from_static("origin"));
    let Some(value) = origin.and_then(|o| HeaderValue::from_str(o).ok()) else {
        return;
    };
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(EXPOSE_HEADERS),
    );
}
