//! Liveness, readiness and metrics, outside the versioned API.

use std::sync::Arc;

use poem::web::{Data, Json};
use poem::{IntoResponse, Response, handler};
use serde_json::json;

use crate::error::{ApiError, ErrorCode, into_poem};
use crate::state::AppState;

/// The process is up.
#[handler]
pub async fn healthz() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

/// The process can serve: its database answers.
#[handler]
pub async fn readyz(state: Data<&Arc<AppState>>) -> poem::Result<Json<serde_json::Value>> {
    match companin_service::db::ping(&state.db).await {
        Ok(()) => Ok(Json(
            json!({ "status": "ready", "checks": { "database": "ok" } }),
        )),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check: database unreachable");
            Err(into_poem(ApiError {
                retry_after: Some(5),
                ..ApiError::new(ErrorCode::Unavailable, "the database is not reachable")
                    .with_data(json!({ "checks": { "database": "unreachable" } }))
            }))
        }
    }
}

/// Prometheus text exposition. Job counts are read from the database at each scrape.
#[handler]
pub async fn metrics(state: Data<&Arc<AppState>>) -> Response {
    if let Err(e) = crate::http::metrics::refresh_job_gauges(&state.db).await {
        tracing::warn!(error = %e, "metrics: counting jobs failed");
    }
    let body = crate::http::metrics::install()
        .map(|handle| handle.render())
        .unwrap_or_default();
    body.with_content_type("text/plain; version=0.0.4")
        .into_response()
}
