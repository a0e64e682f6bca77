//! Liveness, readiness and metrics, outside the versioned API.

use std::sync::Arc;
use std::time::Duration;

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

/// How long each readiness check may take before it counts as failed (or, for the model,
/// as still loading).
const CHECK_TIMEOUT: Duration = Duration::from_secs(3);

/// The process can serve: its database and its job queue answer, and its embedding model is
/// loaded. The first check after start-up may find the model still loading: not ready yet.
#[handler]
pub async fn readyz(state: Data<&Arc<AppState>>) -> poem::Result<Json<serde_json::Value>> {
    let state: Arc<AppState> = Arc::clone(state.0);
    let database = async {
        match tokio::time::timeout(CHECK_TIMEOUT, companin_service::db::ping(&state.db)).await {
            Ok(Ok(())) => Check::Ok,
            Ok(Err(e)) => Check::Failed("unreachable", e.to_string()),
            Err(_) => Check::Failed("unreachable", "no answer in time".to_owned()),
        }
    };
    let queue = async {
        let Some(queue) = &state.queue else {
            return Check::Off;
        };
        match tokio::time::timeout(CHECK_TIMEOUT, queue.ping()).await {
            Ok(Ok(())) => Check::Ok,
            Ok(Err(e)) => Check::Failed("unreachable", e.to_string()),
            Err(_) => Check::Failed("unreachable", "no answer in time".to_owned()),
        }
    };
    let models = async {
        // Loaded in a task of its own: a probe that gives up must not abandon the load.
        let loading = {
            let state = state.clone();
            tokio::spawn(async move { state.search.load_embedder().await })
        };
        match tokio::time::timeout(CHECK_TIMEOUT, loading).await {
            Ok(Ok(Ok(()))) => Check::Ok,
            Ok(Ok(Err(e))) => Check::Failed("unavailable", e.detail),
            Ok(Err(e)) => Check::Failed("unavailable", e.to_string()),
            Err(_) => Check::Failed("loading", "the embedding model is loading".to_owned()),
        }
    };
    let (database, queue, models) = tokio::join!(database, queue, models);
    let checks = json!({
        "database": database.state(),
        "queue": queue.state(),
        "models": models.state(),
    });
    let failed: Vec<String> = [
        ("database", &database),
        ("queue", &queue),
        ("models", &models),
    ]
    .into_iter()
    .filter_map(|(name, check)| match check {
        Check::Failed(_, why) => Some(format!("{name}: {why}")),
        Check::Ok | Check::Off => None,
    })
    .collect();
    if failed.is_empty() {
        return Ok(Json(json!({ "status": "ready", "checks": checks })));
    }
    tracing::warn!(failed = %failed.join("; "), "readiness check failed");
    Err(into_poem(ApiError {
        retry_after: Some(5),
        ..ApiError::new(
            ErrorCode::Unavailable,
            format!("not ready: {}", failed.join("; ")),
        )
        .with_data(json!({ "checks": checks }))
    }))
}

/// One readiness check's outcome.
enum Check {
    Ok,
    /// Not part of this process (a server built without a job queue).
    Off,
    /// Its state as reported (`unreachable`, `unavailable`, `loading`) and why.
    Failed(&'static str, String),
}

impl Check {
    fn state(&self) -> &'static str {
        match self {
            Check::Ok => "ok",
            Check::Off => "off",
            Check::Failed(state, _) => state,
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
