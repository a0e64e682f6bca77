//! `/sessions/`: who the assistant talks to (what is known about them is in `contexts`).

use std::sync::Arc;

use companin_service::Paging;
use companin_service::{Actor, Tenant, contexts, sessions};
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::{ApiTags, request_id};
use crate::auth::scheme::{ClientAuth, VisitorAuth};
use crate::error::{ActionErrors, ApiError, ApiResult, ErrorSet, Errors, GetErrors, ListErrors};
use crate::http::context::RequestContext;
use crate::http::idempotency::IdempotencyKey;
use crate::http::json::JsonBody;
use crate::schemas::sessions::{
    CreateSession, Session, SessionList, SessionTraits, UpdateSession, to_map,
};
use crate::state::AppState;

/// Creating a session: also 404 for an unknown assistant and 409 for an inactive one.
pub struct CreateSessionErrors;
impl ErrorSet for CreateSessionErrors {
    const STATUSES: &'static [u16] = &[400, 401, 403, 404, 409, 413, 415, 422, 429, 500];
}

/// Changing a session: also 410 once it has ended or expired.
pub struct UpdateSessionErrors;
impl ErrorSet for UpdateSessionErrors {
    const STATUSES: &'static [u16] = &[400, 401, 403, 404, 410, 413, 415, 422, 429, 500];
}

#[derive(ApiResponse)]
enum SessionCreated {
    /// The session, active until `expires_at`.
    #[oai(status = 201)]
    Created(Json<Session>),
}

pub struct SessionsApi;

#[OpenApi(tag = "ApiTags::Sessions")]
impl SessionsApi {
    /// Start a session
    ///
    /// With a widget token, the session is the token's visitor's: `visitor_id` and `user_id`
    /// come from the token (the verified user, or none), and the assistant must be the one
    /// the token is bound to, if any.
    #[oai(path = "/sessions/", method = "post", operation_id = "create_session")]
    async fn create(
        &self,
        /// Makes a retry safe: the same key with the same request answers the first
        /// response again (`Idempotent-Replayed: true`) without doing the work twice.
        #[oai(name = "Idempotency-Key", validator(min_length = 1, max_length = 255))]
        _idempotency_key: IdempotencyKey,
        state: Data<&Arc<AppState>>,
        ctx: Data<&Arc<RequestContext>>,
        auth: VisitorAuth,
        body: JsonBody<CreateSession>,
    ) -> Result<SessionCreated, Errors<CreateSessionErrors>> {
        let p = auth.principal();
        let b = body.0;
        let mut new = sessions::NewSession {
            assistant_id: b.assistant_id,
            visitor_id: b.visitor_id,
            user_id: b.user_id,
            locale: b.locale,
            metadata: b.metadata.map(to_map),
            expires_in: b.expires_in,
        };
        if let Some(visitor) = auth.visitor() {
            if !visitor.allows_assistant(new.assistant_id.trim()) {
                return Err(ApiError::not_found("assistant").into());
            }
            new.visitor_id = Some(visitor.visitor_id.clone());
            new.user_id = visitor.user_id.clone();
        }
        let row = sessions::create(
            &state.db_write,
            &state.settings.sessions,
            &Tenant::from(p),
            &Actor::from_principal(p, request_id(&ctx)),
            new,
        )
        .await?;
        Ok(SessionCreated::Created(Json(row.into())))
    }

    /// List sessions
    #[oai(path = "/sessions/", method = "get", operation_id = "list_sessions")]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        state: Data<&Arc<AppState>>,
        auth: ClientAuth,
        assistant_id: Query<Option<String>>,
        visitor_id: Query<Option<String>>,
        user_id: Query<Option<String>>,
        /// `true`: neither ended nor expired; `false`: ended or expired.
        active: Query<Option<bool>>,
        /// Page size (1 to 100, default 20).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<u64>>,
        /// Items to skip.
        offset: Query<Option<u64>>,
    ) -> ApiResult<Json<SessionList>, ListErrors> {
        let paging = Paging::new(limit.0, offset.0);
        let filter = sessions::Filter {
            assistant_id: assistant_id.0,
            visitor_id: visitor_id.0,
            user_id: user_id.0,
            active: active.0,
        };
        let (items, total) =
            sessions::list(&state.db, &Tenant::from(auth.principal()), filter, paging).await?;
        Ok(Json(SessionList::new(
            items.into_iter().map(Session::from).collect(),
            total,
            paging,
        )))
    }

    /// Get a session
    #[oai(path = "/sessions/:id", method = "get", operation_id = "get_session")]
    async fn get(
        &self,
        state: Data<&Arc<AppState>>,
        auth: VisitorAuth,
        id: Path<String>,
    ) -> ApiResult<Json<Session>, GetErrors> {
        let mut row = sessions::get(&state.db, &Tenant::from(auth.principal()), &id.0).await?;
        if let Some(visitor) = auth.visitor() {
            row = visitor.session(row)?;
        }
        Ok(Json(row.into()))
    }

    /// Update a session
    ///
    /// Merges or replaces metadata and extends the expiry; 410 once the session has ended or
    /// expired.
    #[oai(
        path = "/sessions/:id",
        method = "patch",
        operation_id = "update_session"
    )]
    async fn update(
        &self,
        state: Data<&Arc<AppState>>,
        ctx: Data<&Arc<RequestContext>>,
        auth: ClientAuth,
        id: Path<String>,
        body: JsonBody<UpdateSession>,
    ) -> Result<Json<Session>, Errors<UpdateSessionErrors>> {
        let p = auth.principal();
        let b = body.0;
        let row = sessions::update(
            &state.db_write,
            &state.settings.sessions,
            &Tenant::from(p),
            &Actor::from_principal(p, request_id(&ctx)),
            &id.0,
            sessions::Update {
                metadata: b.metadata.map(to_map),
                replace_metadata: b.replace_metadata,
                expires_in: b.expires_in,
            },
        )
        .await?;
        Ok(Json(row.into()))
    }

    /// End a session
    ///
    /// Messages to it answer 410 afterwards. Ending an ended session changes nothing.
    #[oai(
        path = "/sessions/:id/end",
        method = "post",
        operation_id = "end_session"
    )]
    async fn end(
        &self,
        /// Makes a retry safe: the same key with the same request answers the first
        /// response again (`Idempotent-Replayed: true`) without doing the work twice.
        #[oai(name = "Idempotency-Key", validator(min_length = 1, max_length = 255))]
        _idempotency_key: IdempotencyKey,
        state: Data<&Arc<AppState>>,
        ctx: Data<&Arc<RequestContext>>,
        auth: ClientAuth,
        id: Path<String>,
    ) -> ApiResult<Json<Session>, ActionErrors> {
        let p = auth.principal();
        let row = sessions::end(
            &state.db_write,
            &Tenant::from(p),
            &Actor::from_principal(p, request_id(&ctx)),
            &id.0,
        )
        .await?;
        Ok(Json(row.into()))
    }

    /// The traits that apply to a session
    ///
    /// What the assistant will know about the person: the user's contexts, overridden by the
    /// visitor's, overridden by the session's own.
    #[oai(
        path = "/sessions/:id/traits",
        method = "get",
        operation_id = "get_session_traits"
    )]
    async fn traits(
        &self,
        state: Data<&Arc<AppState>>,
        auth: ClientAuth,
        id: Path<String>,
    ) -> ApiResult<Json<SessionTraits>, GetErrors> {
        let tenant = Tenant::from(auth.principal());
        let session = sessions::get(&state.db, &tenant, &id.0).await?;
        let (traits, context_ids) =
            contexts::traits_for_session(&state.db, &tenant, &session).await?;
        Ok(Json(SessionTraits {
            session_id: session.id,
            traits: traits.into_iter().collect(),
            context_ids,
        }))
    }
}
