//! `/jobs/...`: the background work on knowledge, and cancelling it.

use std::sync::Arc;

use companin_service::{Actor, Tenant, jobs};
use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;

use super::{ApiTags, request_id};
use crate::auth::scheme::ClientAuth;
use crate::error::{ApiResult, ErrorSet, Errors, GetErrors};
use crate::http::context::RequestContext;
use crate::http::idempotency::IdempotencyKey;
use crate::schemas::jobs::Job;
use crate::state::AppState;

/// Cancelling a job: 409 once it has finished.
pub struct CancelErrors;
impl ErrorSet for CancelErrors {
    const STATUSES: &'static [u16] = &[400, 401, 403, 404, 409, 422, 429, 500];
}

pub struct JobsApi;

#[OpenApi(tag = "ApiTags::Jobs")]
impl JobsApi {
    /// Get a job
    #[oai(path = "/jobs/:id", method = "get", operation_id = "get_job")]
    async fn get_job(
        &self,
        state: Data<&Arc<AppState>>,
        auth: ClientAuth,
        id: Path<String>,
    ) -> ApiResult<Json<Job>, GetErrors> {
        let row = jobs::get(&state.db, &Tenant::from(auth.principal()), &id.0).await?;
        Ok(Json(row.into()))
    }

    /// Cancel a job
    ///
    /// A queued job is canceled at once; a running one stops at its next check (between
    /// embedding batches) and then reads `canceled`. 409 once the job has finished.
    #[oai(
        path = "/jobs/:id/cancel",
        method = "post",
        operation_id = "cancel_job"
    )]
    async fn cancel_job(
        &self,
        /// Makes a retry safe: the same key with the same request answers the first
        /// response again (`Idempotent-Replayed: true`) without doing the work twice.
        #[oai(name = "Idempotency-Key", validator(min_length = 1, max_length = 255))]
        _idempotency_key: IdempotencyKey,
        state: Data<&Arc<AppState>>,
        ctx: Data<&Arc<RequestContext>>,
        auth: ClientAuth,
        id: Path<String>,
    ) -> Result<Json<Job>, Errors<CancelErrors>> {
        let p = auth.principal();
        let row = jobs::cancel(
            &state,
            &Tenant::from(p),
            &Actor::from_principal(p, request_id(&ctx)),
            &id.0,
        )
        .await?;
        Ok(Json(row.into()))
    }
}
