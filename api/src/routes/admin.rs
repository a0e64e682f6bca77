//! `/admin/...`: the platform operator's routes, guarded by the operator token.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use companin_config::RateLimitSettings;
use companin_entity::organization;
use companin_service::Paging;
use companin_service::analytics::organizations;
use companin_service::ids::OrgId;
use companin_service::{Actor, orgs, sandbox};
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::{ApiTags, request_id};
use crate::auth::scheme::OperatorAuth;
use crate::error::{AdminErrors, ApiResult};
use crate::http::context::RequestContext;
use crate::http::json::JsonBody;
use crate::schemas::orgs::{
    ClientCredentials, CreateOrganization, CreatedOrganization, Organization, OrganizationList,
    OrganizationUsage, UpdateOrganization, UsageByOrganization,
};
use crate::state::AppState;

#[derive(ApiResponse)]
enum Created {
    /// The organization with its first production and sandbox credentials (shown only now).
    #[oai(status = 201)]
    Created(Json<CreatedOrganization>),
}

pub struct AdminApi;

/// The organization as the operator sees it, with the limits in force.
pub fn organization_view(org: organization::Model, defaults: &RateLimitSettings) -> Organization {
    Organization {
        rate_limit_is_custom: org.rate_limit_per_hour.is_some(),
        rate_limit_per_hour: org
            .rate_limit_per_hour
            .unwrap_or(i64::from(defaults.default_per_hour)),
        rate_limit_per_day_is_custom: org.rate_limit_per_day.is_some(),
        rate_limit_per_day: org
            .rate_limit_per_day
            .unwrap_or(i64::from(defaults.default_per_day)),
        id: org.id,
        name: org.name,
        created_at: org.created_at,
        updated_at: org.updated_at,
    }
}

#[OpenApi(tag = "ApiTags::Admin")]
impl AdminApi {
    /// Create an organization
    #[oai(
        path = "/admin/orgs/",
        method = "post",
        operation_id = "admin_create_org"
    )]
    async fn create(
        &self,
        state: Data<&Arc<AppState>>,
        ctx: Data<&Arc<RequestContext>>,
        _operator: OperatorAuth,
        body: JsonBody<CreateOrganization>,
    ) -> ApiResult<Created, AdminErrors> {
        let actor = Actor::Operator {
            request_id: request_id(&ctx).to_owned(),
        };
        let new = orgs::create(
            &state.db_write,
            &state.seal,
            &body.0.name,
            orgs::OwnLimits {
                per_hour: body.0.rate_limit_per_hour,
                per_day: body.0.rate_limit_per_day,
            },
            &actor,
        )
        .await?;
        // The credentials are shown only now: a seed that cannot be queued is logged (and
        // can be run with `companin sandbox seed`), never a reason to lose them.
        let sandbox_seed_job_id = match (&state.queue, state.settings.sandbox.seed_on_create) {
            (Some(queue), true) => {
                let org = OrgId::from_db(new.org.id.clone());
                match sandbox::queue_reset(&state.db_write, queue, &org).await {
                    Ok(job) => Some(job.id),
                    Err(e) => {
                        tracing::error!(org_id = %org, error = %e.detail, "cannot queue the sandbox seed");
                        None
                    }
                }
            }
            _ => None,
        };
        let credentials =
            |(client, secret): (companin_entity::client::Model, String)| ClientCredentials {
                api_key: crate::schemas::clients::secret_key(&client, &secret),
                client_id: client.id,
                client_secret: secret,
            };
        Ok(Created::Created(Json(CreatedOrganization {
            organization: organization_view(new.org, &state.settings.rate_limit),
            production: credentials(new.production),
            sandbox: credentials(new.sandbox),
            sandbox_seed_job_id,
        })))
    }

    /// List organizations
    #[oai(
        path = "/admin/orgs/",
        method = "get",
        operation_id = "admin_list_orgs"
    )]
    async fn list(
        &self,
        state: Data<&Arc<AppState>>,
        _operator: OperatorAuth,
        /// Page size (1 to 100, default 20).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<u64>>,
        /// Items to skip.
        offset: Query<Option<u64>>,
    ) -> ApiResult<Json<OrganizationList>, AdminErrors> {
        let paging = Paging::new(limit.0, offset.0);
        let (items, total) = orgs::list(&state.db, paging).await?;
        let defaults = &state.settings.rate_limit;
        Ok(Json(OrganizationList::new(
            items
                .into_iter()
                .map(|o| organization_view(o, defaults))
                .collect(),
            total,
            paging,
        )))
    }

    /// Usage per organization
    ///
    /// For a page of organizations (newest first): API requests and errors of both
    /// environments, conversations started and questions asked in `[from, to)` (default the
    /// last 30 days), and the knowledge each keeps now (items and indexed chunks).
    #[oai(
        path = "/admin/usage/",
        method = "get",
        operation_id = "admin_usage_by_org"
    )]
    async fn usage(
        &self,
        state: Data<&Arc<AppState>>,
        _operator: OperatorAuth,
        /// Start of the range (RFC 3339), default 30 days before `to`.
        from: Query<Option<DateTime<Utc>>>,
        /// End of the range, exclusive (RFC 3339), default now.
        to: Query<Option<DateTime<Utc>>>,
        /// Page size (1 to 100, default 20).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<u64>>,
        /// Organizations to skip.
        offset: Query<Option<u64>>,
    ) -> ApiResult<Json<UsageByOrganization>, AdminErrors> {
        let range = super::analytics::range(from.0, to.0)?;
        let paging = Paging::new(limit.0, offset.0);
        let (orgs, total) = orgs::list(&state.db, paging).await?;
        let ids: Vec<String> = orgs.iter().map(|o| o.id.clone()).collect();
        let mut usage = organizations::usage(&state.db, &ids, &range).await?;
        let defaults = &state.settings.rate_limit;
        let items = orgs
            .into_iter()
            .map(|org| {
                let u = usage.remove(&org.id).unwrap_or_default();
                OrganizationUsage {
                    organization: organization_view(org, defaults),
                    requests: u.requests,
                    errors: u.errors,
                    conversations: u.conversations,
                    messages: u.messages,
                    knowledge_items: u.knowledge_items,
                    knowledge_chunks: u.knowledge_chunks,
                }
            })
            .collect();
        Ok(Json(UsageByOrganization {
            from: range.from,
            to: range.to,
            items,
            total,
            limit: paging.limit,
            offset: paging.offset,
        }))
    }

    /// Get an organization
    #[oai(
        path = "/admin/orgs/:id",
        method = "get",
        operation_id = "admin_get_org"
    )]
    async fn get(
        &self,
        state: Data<&Arc<AppState>>,
        _operator: OperatorAuth,
        id: Path<String>,
    ) -> ApiResult<Json<Organization>, AdminErrors> {
        let org = orgs::get(&state.db, &id.0).await?;
        Ok(Json(organization_view(org, &state.settings.rate_limit)))
    }

    /// Update an organization
    ///
    /// A new `rate_limit_per_hour` or `rate_limit_per_day` applies to every running server
    /// within a few seconds; `null` returns to the default.
    #[oai(
        path = "/admin/orgs/:id",
        method = "patch",
        operation_id = "admin_update_org"
    )]
    async fn update(
        &self,
        state: Data<&Arc<AppState>>,
        ctx: Data<&Arc<RequestContext>>,
        _operator: OperatorAuth,
        id: Path<String>,
        body: JsonBody<UpdateOrganization>,
    ) -> ApiResult<Json<Organization>, AdminErrors> {
        let actor = Actor::Operator {
            request_id: request_id(&ctx).to_owned(),
        };
        let body = body.0;
        let update = orgs::Update {
            name: body.name,
            rate_limit_per_hour: body.rate_limit_per_hour.into(),
            rate_limit_per_day: body.rate_limit_per_day.into(),
        };
        let org = orgs::update(&state.db_write, &id.0, update, &actor).await?;
        Ok(Json(organization_view(org, &state.settings.rate_limit)))
    }
}
