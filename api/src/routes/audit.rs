//! `/audit-logs/`: every change, by whom.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use companin_service::Paging;
use companin_service::{Tenant, audit};
use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;

use super::ApiTags;
use crate::auth::scheme::ClientAuth;
use crate::error::{ApiResult, ListErrors};
use crate::schemas::logs::{AuditLogEntry, AuditLogList};
use crate::state::AppState;

pub struct AuditApi;

#[OpenApi(tag = "ApiTags::Audit")]
impl AuditApi {
    /// Audit log
    ///
    /// Every change in the caller's organization and environment, newest first.
    #[oai(
        path = "/audit-logs/",
        method = "get",
        operation_id = "list_audit_logs"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        state: Data<&Arc<AppState>>,
        auth: ClientAuth,
        /// Only this kind of resource, e.g. `client`.
        resource_type: Query<Option<String>>,
        /// Only this resource.
        resource_id: Query<Option<String>>,
        /// Only this action, e.g. `client.secret_rotated`.
        action: Query<Option<String>>,
        /// Only changes at or after this time (RFC 3339).
        from: Query<Option<DateTime<Utc>>>,
        /// Only changes before this time (RFC 3339).
        to: Query<Option<DateTime<Utc>>>,
        /// Page size (1 to 100, default 20).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<u64>>,
        /// Items to skip.
        offset: Query<Option<u64>>,
    ) -> ApiResult<Json<AuditLogList>, ListErrors> {
        let paging = Paging::new(limit.0, offset.0);
        let filter = audit::Filter {
            resource_type: resource_type.0,
            resource_id: resource_id.0,
            action: action.0,
            from: from.0,
            to: to.0,
        };
        let (items, total) =
            audit::list(&state.db, &Tenant::from(auth.principal()), filter, paging).await?;
        Ok(Json(AuditLogList::new(
            items.into_iter().map(AuditLogEntry::from).collect(),
            total,
            paging,
        )))
    }
}
