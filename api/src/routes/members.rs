//! `/members/`: the organization's team (console sign-in). Only owners manage it (and the
//! organization's production credentials).

use std::sync::Arc;

use companin_entity::Environment;
use companin_service::auth::Principal;
use companin_service::auth::widget::insufficient_scope;
use companin_service::{Actor, Paging, members};
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::{ApiTags, request_id};
use crate::auth::scheme::ClientAuth;
use crate::error::{
    ActionErrors, ApiError, ApiResult, CreateErrors, ErrorCode, GetErrors, ListErrors, UpdateErrors,
};
use crate::http::context::RequestContext;
use crate::http::idempotency::IdempotencyKey;
use crate::http::json::JsonBody;
use crate::schemas::members::{InviteMember, Member, MemberInvitation, MemberList, UpdateMember};
use crate::state::AppState;

#[derive(ApiResponse)]
enum Invited {
    /// The member, invited; the invitation's token is shown only now.
    #[oai(status = 201)]
    Invited(Json<MemberInvitation>),
}

#[derive(ApiResponse)]
enum Removed {
    /// Removed; the member's sessions end at once.
    #[oai(status = 204)]
    Removed,
}

/// Members belong to the whole organization: sandbox credentials (handed to developers) may
/// not manage them.
fn org_wide(p: &Principal) -> Result<(), ApiError> {
    if p.member.is_none() && p.environment == Environment::Sandbox {
        return Err(ApiError::new(
            ErrorCode::InsufficientScope,
            "sandbox credentials cannot manage the organization's members",
        ));
    }
    if p.widget.is_some() {
        return Err(insufficient_scope());
    }
    Ok(())
}

pub struct MembersApi;

#[OpenApi(tag = "ApiTags::Members")]
impl MembersApi {
    /// Invite a member
    ///
    /// Adds a person with a role and returns a one-time invitation (valid for
    /// `auth.invitation_ttl_hours`, 72 by default) that sets their password.
    #[oai(path = "/members/", method = "post", operation_id = "invite_member")]
    async fn invite(
        &self,
        /// Makes a retry safe: the same key with the same request answers the first
        /// response again (`Idempotent-Replayed: true`) without doing the work twice.
        #[oai(name = "Idempotency-Key", validator(min_length = 1, max_length = 255))]
        _idempotency_key: IdempotencyKey,
        state: Data<&Arc<AppState>>,
        ctx: Data<&Arc<RequestContext>>,
        auth: ClientAuth,
        body: JsonBody<InviteMember>,
    ) -> ApiResult<Invited, CreateErrors> {
        let p = auth.principal();
        org_wide(p)?;
        let actor = Actor::from_principal(p, request_id(&ctx));
        let body = body.0;
        let ttl = state.settings.auth.invitation_ttl_hours;
        let who = (body.email.as_str(), body.role.into());
        let made = members::invite(&state.db_write, ttl, &p.org_id, &actor, who).await?;
        Ok(Invited::Invited(Json(MemberInvitation {
            invitation_path: members::invitation_path(&made.token),
            invitation_token: made.token,
            invitation_expires_at: made.expires_at,
            member: made.member.into(),
        })))
    }

    /// List members
    #[oai(path = "/members/", method = "get", operation_id = "list_members")]
    async fn list(
        &self,
        state: Data<&Arc<AppState>>,
        auth: ClientAuth,
        /// Page size (1 to 100, default 20).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<u64>>,
        /// Items to skip.
        offset: Query<Option<u64>>,
    ) -> ApiResult<Json<MemberList>, ListErrors> {
        let p = auth.principal();
        org_wide(p)?;
        let paging = Paging::new(limit.0, offset.0);
        let (rows, total) = members::list(&state.db, &p.org_id, paging).await?;
        let items = rows.into_iter().map(Member::from).collect();
        Ok(Json(MemberList::new(items, total, paging)))
    }

    /// Get a member
    #[oai(path = "/members/:id", method = "get", operation_id = "get_member")]
    async fn get(
        &self,
        state: Data<&Arc<AppState>>,
        auth: ClientAuth,
        id: Path<String>,
    ) -> ApiResult<Json<Member>, GetErrors> {
        let p = auth.principal();
        org_wide(p)?;
        let member = members::get(&state.db, &p.org_id, &id.0).await?;
        Ok(Json(member.into()))
    }

    /// Change a member's role
    ///
    /// Their open sessions carry the new role from their next request. The last owner stays
    /// an owner (409 `last_owner`).
    #[oai(
        path = "/members/:id",
        method = "patch",
        operation_id = "update_member"
    )]
    async fn update(
        &self,
        state: Data<&Arc<AppState>>,
        ctx: Data<&Arc<RequestContext>>,
        auth: ClientAuth,
        id: Path<String>,
        body: JsonBody<UpdateMember>,
    ) -> ApiResult<Json<Member>, UpdateErrors> {
        let p = auth.principal();
        org_wide(p)?;
        let actor = Actor::from_principal(p, request_id(&ctx));
        let role = body.0.role.into();
        let member = members::change_role(&state, &p.org_id, &actor, &id.0, role).await?;
        Ok(Json(member.into()))
    }

    /// Remove a member
    ///
    /// Their sessions end at once. The last owner cannot be removed (409 `last_owner`).
    #[oai(
        path = "/members/:id",
        method = "delete",
        operation_id = "remove_member"
    )]
    async fn remove(
        &self,
        state: Data<&Arc<AppState>>,
        ctx: Data<&Arc<RequestContext>>,
        auth: ClientAuth,
        id: Path<String>,
    ) -> ApiResult<Removed, ActionErrors> {
        let p = auth.principal();
        org_wide(p)?;
        let actor = Actor::from_principal(p, request_id(&ctx));
        members::remove(&state, &p.org_id, &actor, &id.0).await?;
        Ok(Removed::Removed)
    }
}
