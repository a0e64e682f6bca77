//! `/auth/`: a client's bearer token, a team member's console sign-in, and the platform
//! operator's.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use companin_entity::Environment;
use companin_service::members::{self, SignedIn, operator};
use poem::Request;
use poem::web::Data;
use poem::web::cookie::{Cookie, SameSite};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::{ApiTags, request_id};
use crate::auth::middleware::{SESSION_COOKIE, widget_address};
use crate::auth::operator::OPERATOR_COOKIE;
use crate::auth::scheme::{KeyPairAuth, OperatorSessionAuth, SessionAuth};
use crate::error::{
    AcceptErrors, AdminErrors, ApiError, ApiResult, ErrorCode, OperatorSignInErrors, SignInErrors,
    SignOutErrors, TokenErrors,
};
use crate::http::context::RequestContext;
use crate::http::json::JsonBody;
use crate::schemas::auth::Token;
use crate::schemas::members::{AcceptInvitation, ConsoleSession, SignIn};
use crate::schemas::orgs::{OperatorConsoleSession, OperatorSignIn};
use crate::state::AppState;

#[derive(ApiResponse)]
enum Opened {
    /// Signed in: the `HttpOnly` session cookie is set; send `csrf_token` as `X-CSRF-Token`
    /// with every write.
    #[oai(status = 200)]
    Opened(Json<ConsoleSession>, #[oai(header = "Set-Cookie")] String),
}

#[derive(ApiResponse)]
enum OperatorOpened {
    /// Signed in: the `HttpOnly` operator cookie is set; send `csrf_token` as `X-CSRF-Token`
    /// with every write.
    #[oai(status = 200)]
    Opened(
        Json<OperatorConsoleSession>,
        #[oai(header = "Set-Cookie")] String,
    ),
}

#[derive(ApiResponse)]
enum Closed {
    /// Signed out: the session cookie is cleared.
    #[oai(status = 204)]
    Closed(#[oai(header = "Set-Cookie")] String),
}

/// Whether the request reached this server over https (directly, or through a proxy that
/// says so): the session cookie is then `Secure`.
fn over_https(req: &Request) -> bool {
    req.uri().scheme_str() == Some("https")
        || req
            .headers()
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// The `Set-Cookie` value of a member's session cookie (`None` clears it).
fn session_cookie(req: &Request, session: Option<(&str, DateTime<Utc>)>) -> String {
    cookie(req, SESSION_COOKIE, session)
}

/// The `Set-Cookie` value of the cookie `name` holding a session (`None` clears it).
fn cookie(req: &Request, name: &str, session: Option<(&str, DateTime<Utc>)>) -> String {
    let mut cookie = Cookie::new_with_str(name, session.map_or("", |(token, _)| token));
    cookie.set_http_only(true);
    cookie.set_same_site(SameSite::Strict);
    cookie.set_path("/");
    cookie.set_secure(over_https(req));
    let max_age = session.map_or(0, |(_, expires)| {
        (expires - Utc::now()).num_seconds().max(0)
    });
    cookie.set_max_age(std::time::Duration::from_secs(max_age as u64));
    cookie.to_string()
}

fn opened(req: &Request, signed: SignedIn) -> Opened {
    let cookie = session_cookie(req, Some((&signed.token, signed.expires_at)));
    Opened::Opened(
        Json(ConsoleSession {
            org_id: signed.member.org_id.clone(),
            member: signed.member.into(),
            environment: Environment::Production.into(),
            csrf_token: signed.csrf_token,
            expires_at: signed.expires_at,
        }),
        cookie,
    )
}

pub struct AuthApi;

#[OpenApi(tag = "ApiTags::Auth")]
impl AuthApi {
    /// Exchange the key pair for a bearer token
    ///
    /// The token carries the client's full rights until it expires, the client is deactivated
    /// or deleted, or its secret is rotated.
    #[oai(path = "/auth/token", method = "post", operation_id = "create_token")]
    async fn token(
        &self,
        state: Data<&Arc<AppState>>,
        auth: KeyPairAuth,
    ) -> ApiResult<Json<Token>, TokenErrors> {
        let client = state
            .credentials
            .get(&auth.0.client_id)
            .await?
            .ok_or_else(|| ApiError::new(ErrorCode::InvalidCredentials, "unknown client"))?;
        let ttl = state.settings.auth.token_ttl_secs;
        let token = state.jwt.issue(&client, ttl)?;
        Ok(Json(Token {
            token,
            expires_in: ttl,
            token_type: "Bearer".to_owned(),
        }))
    }

    /// Sign in to the console
    ///
    /// A team member's email and password open a session: an `HttpOnly`, `SameSite=Strict`
    /// cookie page scripts cannot read. Repeated failures of one account or one address lock
    /// it for a growing while (429 `sign_in_throttled` with `Retry-After`).
    #[oai(path = "/auth/login", method = "post", operation_id = "sign_in")]
    async fn login(
        &self,
        state: Data<&Arc<AppState>>,
        ctx: Data<&Arc<RequestContext>>,
        req: &Request,
        body: JsonBody<SignIn>,
    ) -> ApiResult<Opened, SignInErrors> {
        let address = widget_address(&state, req);
        let signed = members::sign_in(
            &state,
            &body.0.email,
            &body.0.password,
            address.as_deref(),
            request_id(&ctx),
        )
        .await?;
        Ok(opened(req, signed))
    }

    /// Accept an invitation
    ///
    /// Sets the invited member's password (10 to 256 characters, not a common one) and signs
    /// them in. The invitation's token works once, before it expires.
    #[oai(
        path = "/auth/accept-invitation",
        method = "post",
        operation_id = "accept_invitation"
    )]
    async fn accept(
        &self,
        state: Data<&Arc<AppState>>,
        ctx: Data<&Arc<RequestContext>>,
        req: &Request,
        body: JsonBody<AcceptInvitation>,
    ) -> ApiResult<Opened, AcceptErrors> {
        let signed =
            members::accept_invitation(&state, &body.0.token, &body.0.password, request_id(&ctx))
                .await?;
        Ok(opened(req, signed))
    }

    /// The signed-in member
    ///
    /// The member, their organization, the environment the request worked in and the
    /// session's `csrf_token` (a reloaded console page reads it here).
    #[oai(
        path = "/auth/me",
        method = "get",
        operation_id = "get_console_session"
    )]
    async fn me(
        &self,
        state: Data<&Arc<AppState>>,
        auth: SessionAuth,
    ) -> ApiResult<Json<ConsoleSession>, SignOutErrors> {
        let p = &auth.0;
        let grant = p.member.as_ref().ok_or_else(not_a_session)?;
        let member = members::get(&state.db, &p.org_id, &grant.member_id).await?;
        Ok(Json(ConsoleSession {
            member: member.into(),
            org_id: p.org_id.to_string(),
            environment: p.environment.into(),
            csrf_token: grant.csrf_token.clone(),
            expires_at: grant.expires_at,
        }))
    }

    /// Sign out
    ///
    /// Ends this session (its cookie stops working at once, in every process).
    #[oai(path = "/auth/logout", method = "post", operation_id = "sign_out")]
    async fn logout(
        &self,
        state: Data<&Arc<AppState>>,
        ctx: Data<&Arc<RequestContext>>,
        req: &Request,
        _auth: SessionAuth,
    ) -> ApiResult<Closed, SignOutErrors> {
        if let Some(cookie) = req.cookie().get(SESSION_COOKIE) {
            members::sign_out(&state, cookie.value_str(), request_id(&ctx)).await?;
        }
        Ok(Closed::Closed(session_cookie(req, None)))
    }

    /// Sign out everywhere
    ///
    /// Ends every session of the signed-in member, on every device.
    #[oai(
        path = "/auth/logout-everywhere",
        method = "post",
        operation_id = "sign_out_everywhere"
    )]
    async fn logout_everywhere(
        &self,
        state: Data<&Arc<AppState>>,
        ctx: Data<&Arc<RequestContext>>,
        req: &Request,
        auth: SessionAuth,
    ) -> ApiResult<Closed, SignOutErrors> {
        let p = &auth.0;
        let grant = p.member.as_ref().ok_or_else(not_a_session)?;
        let member = members::get(&state.db_write, &p.org_id, &grant.member_id).await?;
        members::sign_out_everywhere(&state, &member, request_id(&ctx)).await?;
        Ok(Closed::Closed(session_cookie(req, None)))
    }
}

#[OpenApi(tag = "ApiTags::Admin")]
impl OperatorAuthApi {
    /// Sign in to the console as the platform operator
    ///
    /// The operator token opens a console session: an `HttpOnly`, `SameSite=Strict` cookie
    /// that the admin routes accept in place of `X-Operator-Token`. Repeated failures lock
    /// the operator's sign-in, and the client address, for a growing while (429
    /// `sign_in_throttled` with `Retry-After`).
    #[oai(
        path = "/auth/operator/login",
        method = "post",
        operation_id = "operator_sign_in"
    )]
    async fn login(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        body: JsonBody<OperatorSignIn>,
    ) -> ApiResult<OperatorOpened, OperatorSignInErrors> {
        let address = widget_address(&state, req);
        let signed = operator::sign_in(&state, &body.0.token, address.as_deref()).await?;
        let cookie = cookie(
            req,
            OPERATOR_COOKIE,
            Some((&signed.token, signed.expires_at)),
        );
        Ok(OperatorOpened::Opened(
            Json(OperatorConsoleSession {
                csrf_token: signed.csrf_token,
                expires_at: signed.expires_at,
            }),
            cookie,
        ))
    }

    /// The operator's console session
    ///
    /// The session's `csrf_token` (a reloaded console page reads it here).
    #[oai(
        path = "/auth/operator/me",
        method = "get",
        operation_id = "get_operator_session"
    )]
    async fn me(
        &self,
        auth: OperatorSessionAuth,
    ) -> ApiResult<Json<OperatorConsoleSession>, AdminErrors> {
        Ok(Json(OperatorConsoleSession {
            csrf_token: auth.0.csrf_token,
            expires_at: auth.0.expires_at,
        }))
    }

    /// Sign the operator out of the console
    ///
    /// Ends this operator session (its cookie stops working at once, in every process).
    #[oai(
        path = "/auth/operator/logout",
        method = "post",
        operation_id = "operator_sign_out"
    )]
    async fn logout(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        _auth: OperatorSessionAuth,
    ) -> ApiResult<Closed, AdminErrors> {
        if let Some(value) = req.cookie().get(OPERATOR_COOKIE) {
            operator::sign_out(&state.db_write, value.value_str()).await?;
        }
        Ok(Closed::Closed(cookie(req, OPERATOR_COOKIE, None)))
    }
}

/// The operator's console sign-in and sign-out.
pub struct OperatorAuthApi;

fn not_a_session() -> ApiError {
    ApiError::new(
        ErrorCode::MissingCredentials,
        "sign in to the console first",
    )
}
