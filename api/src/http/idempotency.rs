//! `Idempotency-Key` on every POST (see [`companin_service::idempotency`] for the rules).
//!
//! Runs after authentication (a key belongs to a tenant and a caller) and around routing.
//! The first request with a key runs; a response below 500 is kept and replayed to retries
//! with `Idempotent-Replayed: true`, while an error (a 5xx, or a request that never got an
//! answer) lets the key go, so a retry runs again. A streamed reply (server-sent events) is
//! kept as it passes to the client, and only once it ended; a client that leaves mid-stream
//! stops the reply (nothing is stored), and the key is let go with it.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use companin_service::Tenant;
use companin_service::auth::Principal;
use companin_service::idempotency::{self, Begin, Scope, Stored};
use futures::stream::{BoxStream, Stream, StreamExt};
use poem::http::header::CONTENT_TYPE;
use poem::http::{HeaderValue, Method};
use poem::{Body, Endpoint, IntoResponse, Middleware, Request, Response};
use sea_orm::DatabaseConnection;
use sha2::{Digest, Sha256};

use crate::error::{ApiError, ErrorCode, into_poem};
use crate::state::AppState;

pub const IDEMPOTENCY_KEY_HEADER: &str = "idempotency-key";

/// The `Idempotency-Key` header as every POST operation documents it (the middleware does the
/// work; the operation only declares it).
pub type IdempotencyKey = poem_openapi::param::Header<Option<String>>;
pub const REPLAYED_HEADER: &str = "idempotent-replayed";

pub struct Idempotency {
    state: Arc<AppState>,
}

impl Idempotency {
    pub fn new(state: Arc<AppState>) -> Self {
        Self { state }
    }
}

impl<E: Endpoint> Middleware<E> for Idempotency {
    type Output = IdempotencyEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        IdempotencyEndpoint {
            inner,
            state: self.state.clone(),
        }
    }
}

pub struct IdempotencyEndpoint<E> {
    inner: E,
    state: Arc<AppState>,
}

/// The caller a key belongs to within its tenant: the client, and for a widget token the
/// visitor it speaks for (two visitors may well pick the same key).
fn caller_of(principal: &Principal) -> String {
    match &principal.widget {
        Some(grant) => format!("{}/{}", principal.client_id, grant.visitor_id),
        None => principal.client_id.to_string(),
    }
}

/// The request as a retry must repeat it: method, path and query, body.
fn request_hash(req: &Request, body: &[u8]) -> String {
    let mut hash = Sha256::new();
    hash.update(req.method().as_str());
    hash.update(b" ");
    hash.update(
        req.uri()
            .path_and_query()
            .map_or(req.uri().path(), |p| p.as_str()),
    );
    hash.update(b"\n");
    hash.update(body);
    hex::encode(hash.finalize())
}

fn replay(stored: Stored) -> Response {
    let mut response = Response::builder()
        .status(
            poem::http::StatusCode::from_u16(stored.status).unwrap_or(poem::http::StatusCode::OK),
        )
        .header(REPLAYED_HEADER, "true")
        .body(stored.body);
    if let Some(value) = stored
        .content_type
        .and_then(|t| HeaderValue::from_str(&t).ok())
    {
        response.headers_mut().insert(CONTENT_TYPE, value);
    }
    response
}

impl<E: Endpoint> Endpoint for IdempotencyEndpoint<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> poem::Result<Response> {
        let key = match req.headers().get(IDEMPOTENCY_KEY_HEADER) {
            Some(key) if req.method() == Method::POST => {
                key.to_str().unwrap_or_default().to_owned()
            }
            _ => return self.inner.call(req).await.map(IntoResponse::into_response),
        };
        // Without credentials there is no tenant to keep the key for: the token routes mint
        // a fresh token each time, which a retry may just as well get.
        let Some(principal) = req.data::<Principal>().cloned() else {
            return self.inner.call(req).await.map(IntoResponse::into_response);
        };
        if !idempotency::valid_key(&key) {
            return Err(into_poem(ApiError::validation(
                "Idempotency-Key",
                format!(
                    "must be 1 to {} visible ASCII characters",
                    idempotency::MAX_KEY_LEN
                ),
            )));
        }
        // Bounded by the body limit, which runs first.
        let body = req.take_body().into_bytes().await?;
        let hash = request_hash(&req, &body);
        req.set_body(body);
        let tenant = Tenant::from(&principal);
        let caller = caller_of(&principal);
        let scope = Scope {
            tenant: &tenant,
            caller: &caller,
            key: &key,
        };
        let db = &self.state.db_write;
        let begun = idempotency::begin(db, &scope, &hash)
            .await
            .map_err(|e| into_poem(e.into()))?;
        let id = match begun {
            Begin::Run(id) => id,
            Begin::Replay(stored) => return Ok(replay(stored)),
            Begin::Reused => {
                return Err(into_poem(ApiError::new(
                    ErrorCode::IdempotencyKeyReused,
                    "this Idempotency-Key was used with another request; use a new key for a \
                     new request",
                )));
            }
            Begin::InProgress => {
                return Err(into_poem(ApiError {
                    retry_after: Some(1),
                    ..ApiError::new(
                        ErrorCode::IdempotencyInProgress,
                        "the first request with this Idempotency-Key is still running; retry \
                         once it has answered",
                    )
                }));
            }
        };
        let mut response = match self.inner.call(req).await {
            Ok(response) => response.into_response(),
            Err(e) => {
                let_go(db, &id).await;
                return Err(e);
            }
        };
        if response.status().is_server_error() {
            let_go(db, &id).await;
            return Ok(response);
        }
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let status = response.status().as_u16();
        let streamed = content_type
            .as_deref()
            .is_some_and(|t| t.starts_with("text/event-stream"));
        if streamed {
            let body = response.take_body().into_bytes_stream().boxed();
            response.set_body(Body::from_bytes_stream(Tee {
                inner: body,
                kept: Vec::new(),
                keep: Some(Keep {
                    db: db.clone(),
                    id,
                    status,
                    content_type,
                }),
            }));
            return Ok(response);
        }
        let body = response.take_body().into_vec().await?;
        let stored = Stored {
            status,
            content_type,
            body: body.clone(),
        };
        if let Err(e) = idempotency::complete(db, &id, stored).await {
            // The work is done and answered; a retry will run it again, which the caller's
            // key was meant to prevent, so say so loudly.
            tracing::error!(idempotency_id = %id, error = %e, "cannot keep the response of an idempotent request");
        }
        response.set_body(body);
        Ok(response)
    }
}

async fn let_go(db: &DatabaseConnection, id: &str) {
    if let Err(e) = idempotency::release(db, id).await {
        tracing::warn!(idempotency_id = id, error = %e, "cannot release an idempotency key");
    }
}

/// Where a streamed response is kept once it ended.
struct Keep {
    db: DatabaseConnection,
    id: String,
    status: u16,
    content_type: Option<String>,
}

/// A response stream passed through and kept; kept for replay when it ends, the key let go
/// when the client leaves first.
struct Tee {
    inner: BoxStream<'static, Result<Bytes, std::io::Error>>,
    kept: Vec<u8>,
    keep: Option<Keep>,
}

impl Stream for Tee {
    type Item = Result<Bytes, std::io::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let next = self.inner.poll_next_unpin(cx);
        match &next {
            Poll::Ready(Some(Ok(bytes))) => self.kept.extend_from_slice(bytes),
            Poll::Ready(None) => {
                if let Some(keep) = self.keep.take() {
                    let body = std::mem::take(&mut self.kept);
                    tokio::spawn(async move {
                        let stored = Stored {
                            status: keep.status,
                            content_type: keep.content_type,
                            body,
                        };
                        if let Err(e) = idempotency::complete(&keep.db, &keep.id, stored).await {
                            tracing::error!(idempotency_id = %keep.id, error = %e, "cannot keep a streamed idempotent response");
                        }
                    });
                }
            }
            _ => {}
        }
        next
    }
}

impl Drop for Tee {
    fn drop(&mut self) {
        if let Some(keep) = self.keep.take() {
            tokio::spawn(async move { let_go(&keep.db, &keep.id).await });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_covers_method_path_query_and_body() {
        let req = |uri: &str| {
            Request::builder()
                .method(Method::POST)
                .uri_str(uri)
                .finish()
        };
        let a = request_hash(&req("/api/v1/clients"), b"{}");
        assert_eq!(a, request_hash(&req("/api/v1/clients"), b"{}"));
        assert_ne!(a, request_hash(&req("/api/v1/clients?x=1"), b"{}"));
        assert_ne!(a, request_hash(&req("/api/v1/sessions"), b"{}"));
        assert_ne!(a, request_hash(&req("/api/v1/clients"), b"{ }"));
    }
}
