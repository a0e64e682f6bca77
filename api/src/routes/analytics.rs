//! `/analytics/...`: what the organization's traffic looks like.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;

use super::ApiTags;
use crate::auth::scheme::ClientAuth;
use crate::error::{ApiResult, ListErrors};
use crate::schemas::Paging;
use crate::schemas::logs::{RequestLogEntry, RequestLogList};
use crate::services::{Tenant, request_logs};
use crate::state::AppState;

pub struct AnalyticsApi;

#[OpenApi(tag = "ApiTags::Analytics")]
impl AnalyticsApi {
    /// Request log
    ///
    /// Every API request of the caller's organization and environment, newest first. Rows are
    /// written in batches a moment after each request finishes.
    #[oai(
        path = "/analytics/logs/",
        method = "get",
        operation_id = "list_request_logs"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn logs(
        &self,
        state: Data<&Arc<AppState>>,
        auth: ClientAuth,
        /// Only requests at or after this time (RFC 3339).
        from: Query<Option<DateTime<Utc>>>,
        /// Only requests before this time (RFC 3339).
        to: Query<Option<DateTime<Utc>>>,
        /// Only this HTTP status.
        #[oai(validator(minimum(value = "100"), maximum(value = "599")))]
        status: Query<Option<u16>>,
        /// Only this route template, e.g. `/api/v1/clients/{id}`.
        route: Query<Option<String>>,
        /// Only requests of this client.
        client_id: Query<Option<String>>,
        /// Page size (1 to 100, default 20).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<u64>>,
        /// Items to skip.
        offset: Query<Option<u64>>,
    ) -> ApiResult<Json<RequestLogList>, ListErrors> {
        let paging = Paging::new(limit.0, offset.0);
        let filter = request_logs::Filter {
            from: from.0,
            to: to.0,
            status: status.0,
            route: route.0,
            client_id: client_id.0,
        };
        let (items, total) =
            request_logs::list(&state.db, &Tenant::from(auth.principal()), filter, paging).await?;
        Ok(Json(RequestLogList::new(
            items.into_iter().map(RequestLogEntry::from).collect(),
            total,
            paging,
        )))
    }
}
