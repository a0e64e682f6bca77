//! `/sandbox/...`: the sandbox environment's sample data.

use std::sync::Arc;

use companin_entity::Environment;
use companin_service::knowledge::no_queue;
use companin_service::sandbox;
use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::payload::Json;

use super::ApiTags;
use super::knowledge::JobAccepted;
use crate::auth::scheme::ClientAuth;
use crate::error::{ApiError, ErrorCode, ErrorSet, Errors};
use crate::http::idempotency::IdempotencyKey;
use crate::state::AppState;

/// Resetting the sandbox: 403 for production credentials, 503 without a queue.
pub struct ResetErrors;
impl ErrorSet for ResetErrors {
    const STATUSES: &'static [u16] = &[400, 401, 403, 409, 422, 429, 500, 503];
}

pub struct SandboxApi;

#[OpenApi(tag = "ApiTags::Sandbox")]
impl SandboxApi {
    /// Reset the sandbox
    ///
    /// Deletes the sandbox's assistants, knowledge, sessions, contexts, conversations and
    /// feedback, cancels its other jobs in flight, and seeds the sample data anew, as a job
    /// (`GET /jobs/{id}`). Audit and request logs stay. Sandbox credentials only: production credentials get 403
    /// `sandbox_only`, and production data is never touched.
    #[oai(
        path = "/sandbox/reset",
        method = "post",
        operation_id = "reset_sandbox"
    )]
    async fn reset(
        &self,
        /// Makes a retry safe: the same key with the same request answers the first
        /// response again (`Idempotent-Replayed: true`) without doing the work twice.
        #[oai(name = "Idempotency-Key", validator(min_length = 1, max_length = 255))]
        _idempotency_key: IdempotencyKey,
        state: Data<&Arc<AppState>>,
        auth: ClientAuth,
    ) -> Result<JobAccepted, Errors<ResetErrors>> {
        let p = auth.principal();
        if p.environment != Environment::Sandbox {
            return Err(ApiError::new(
                ErrorCode::SandboxOnly,
                "only sandbox credentials may reset the sandbox",
            )
            .into());
        }
        let queue = state.queue.as_ref().ok_or_else(no_queue)?;
        let job = sandbox::queue_reset(&state.db_write, queue, &p.org_id).await?;
        Ok(JobAccepted::Accepted(Json(job.into())))
    }
}
