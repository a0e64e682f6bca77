//! Authentication and rate limiting, before routing.

use std::sync::Arc;

use companin_entity::Environment;
use companin_service::auth::credentials;
use companin_service::auth::jwt::{SCOPE_FULL, SCOPE_WIDGET};
use companin_service::auth::{AuthMethod, MemberGrant, Principal};
use companin_service::ids::{ClientId, OrgId};
use companin_service::rate_limit::widget::Traffic;
use companin_service::rate_limit::{Decision, Period};
use companin_service::telemetry::RateLimitEventRecord;
use poem::{Endpoint, IntoResponse, Middleware, Request, Response};

use crate::error::{ApiError, ErrorCode, into_poem};
use crate::http::client_address::client_address;
use crate::http::context::RequestContext;
use crate::state::AppState;

pub const API_KEY_HEADER: &str = "x-api-key";
pub const API_SECRET_HEADER: &str = "x-api-secret";
/// The console's session cookie (`HttpOnly`, `SameSite=Strict`).
pub const SESSION_COOKIE: &str = "companin_session";
/// The environment a console session works in (`production` unless it says `sandbox`).
pub const ENVIRONMENT_HEADER: &str = "x-environment";

/// Verifies the credentials a request carries, charges its organization's rate limit, and
/// leaves the [`Principal`] in the request. Requests without credentials pass through; the
/// routes that need them answer 401.
pub struct Authenticate {
    state: Arc<AppState>,
}

impl Authenticate {
    pub fn new(state: Arc<AppState>) -> Self {
        Self { state }
    }
}

impl<E: Endpoint> Middleware<E> for Authenticate {
    type Output = AuthenticateEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        AuthenticateEndpoint {
            inner,
            state: self.state.clone(),
        }
    }
}

pub struct AuthenticateEndpoint<E> {
    inner: E,
    state: Arc<AppState>,
}

impl<E: Endpoint> Endpoint for AuthenticateEndpoint<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> poem::Result<Response> {
        // The operator's console session stands alone: an admin route needs nothing else.
        if let Some(session) = super::operator::session(&self.state, &req)
            .await
            .map_err(into_poem)?
        {
            req.set_data(session);
            return self.inner.call(req).await.map(IntoResponse::into_response);
        }
        let Some(mut principal) = authenticate(&self.state, &req).await.map_err(into_poem)? else {
            return self.inner.call(req).await.map(IntoResponse::into_response);
        };
        let ctx = req.data::<Arc<RequestContext>>().cloned();
        if principal.member.is_some() {
            if let Some(ctx) = &ctx {
                ctx.set_principal(principal.clone());
            }
            console_checks(&req, &principal).map_err(into_poem)?;
        }
        if let Some(grant) = &principal.widget {
            // A refusal is logged as the tenant's, like the rate limit's.
            if let Some(ctx) = &ctx {
                ctx.set_principal(principal.clone());
            }
            let address = widget_address(&self.state, &req);
            self.state
                .widget_limiter
                .check(Traffic {
                    org_id: principal.org_id.as_str(),
                    environment: principal.environment,
                    address: address.as_deref(),
                    origin: grant.origin.as_deref(),
                    visitor: Some(&grant.visitor_id),
                    token: false,
                })
                .await
                .map_err(into_poem)?;
        }
        let version = charge(&self.state, &principal, ctx.as_ref())
            .await
            .map_err(into_poem)?;
        if version > principal.credentials_version {
            // The tenant changed since the client was cached (perhaps in another process:
            // a rotated secret, a deactivated client): check the credentials anew.
            self.state.credentials.invalidate(&principal.client_id);
            principal = authenticate(&self.state, &req)
                .await
                .and_then(|p| p.ok_or_else(invalid_credentials))
                .map_err(into_poem)?;
        }
        principal.config_version = version;
        req.set_data(principal);
        self.inner.call(req).await.map(IntoResponse::into_response)
    }
}

/// What a console session may send: a write must carry the session's anti-CSRF token (a page
/// of another site can make the browser send the cookie, never the header), and the member's
/// role must allow the route.
fn console_checks(req: &Request, principal: &Principal) -> Result<(), ApiError> {
    let Some(member) = &principal.member else {
        return Ok(());
    };
    let method = req.method().as_str();
    let path = req.uri().path();
    let path = path.strip_prefix(crate::http::API_PREFIX).unwrap_or(path);
    // Signing in (again) opens a new session: the old cookie's token is not asked for.
    let opens_a_session = matches!(
        path.trim_end_matches('/'),
        "/auth/login" | "/auth/accept-invitation"
    );
    super::csrf::check(req, &member.csrf_token, opens_a_session)?;
    if !companin_service::members::allows(member.role, method, path) {
        let least = companin_service::members::required_role(method, path);
        return Err(ApiError::new(
            ErrorCode::InsufficientRole,
            format!(
                "the {} role may not do this{}",
                member.role,
                least.map_or(String::new(), |r| format!("; it needs {r} or above"))
            ),
        )
        .with_data(serde_json::json!({
            "role": member.role.as_str(),
            "required": least.map(|r| r.as_str()),
        })));
    }
    Ok(())
}

/// The key the widget limits count the caller of `req` under.
pub fn widget_address(state: &AppState, req: &Request) -> Option<String> {
    let header = state.settings.http.client_ip_header.as_deref();
    client_address(req, header).map(companin_service::rate_limit::widget::address_key)
}

/// Charges one request of `principal` to its tenant's rate limit: notes the caller and the
/// rate-limit headers on the request's context, records warnings and refusals, and answers
/// 429 when the limit is used up. Returns the tenant's configuration version (see
/// [`companin_service::cache`]).
pub async fn charge(
    state: &AppState,
    principal: &Principal,
    ctx: Option<&Arc<RequestContext>>,
) -> Result<i64, ApiError> {
    if let Some(ctx) = ctx {
        ctx.set_principal(principal.clone());
    }
    let decision = state.limiter.check(principal).await?;
    if let Some(ctx) = ctx {
        ctx.set_rate_limit(decision.headers());
    }
    for event in decision.events() {
        state
            .telemetry
            .record_rate_limit_event(RateLimitEventRecord {
                org_id: principal.org_id.to_string(),
                environment: principal.environment,
                client_id: principal.client_id.to_string(),
                kind: event.kind,
                period: event.period,
                window_start: event.window_start,
                max_requests: event.limit,
                used: event.used,
                request_id: ctx.map(|c| c.request_id.clone()).unwrap_or_default(),
                at: companin_service::db::now(),
            })
            .await;
    }
    match decision {
        Decision::Allowed { config_version, .. } => Ok(config_version),
        Decision::Blocked {
            retry_after,
            refused,
            ..
        } => Err(rate_limited(refused.period, refused.limit, retry_after)),
    }
}

fn rate_limited(period: Period, limit: i64, retry_after: u64) -> ApiError {
    let what = match period {
        Period::Hour => format!("the rate limit of {limit} requests per hour"),
        Period::Day => format!("the daily quota of {limit} requests"),
    };
    ApiError {
        retry_after: Some(retry_after),
        ..ApiError::new(
            ErrorCode::RateLimited,
            format!("{what} is used up; retry in {retry_after} s"),
        )
        .with_data(serde_json::json!({ "window": period.as_str(), "limit": limit }))
    }
}

fn header<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// The caller of `req`, if it sent credentials; an error if they are wrong.
async fn authenticate(state: &AppState, req: &Request) -> Result<Option<Principal>, ApiError> {
    let key = header(req, API_KEY_HEADER);
    let secret = header(req, API_SECRET_HEADER);
    if key.is_some() || secret.is_some() {
        return match (key, secret) {
            (Some(key), None) if credentials::is_secret_key(key.trim()) => {
                secret_key(state, key.trim()).await.map(Some)
            }
            (Some(key), Some(secret)) => key_pair(state, key, secret).await.map(Some),
            _ => Err(ApiError::new(
                ErrorCode::MissingCredentials,
                "send both `X-API-Key` and `X-API-Secret`, or a secret key (`ck_live_…`, \
                 `ck_test_…`) alone in `X-API-Key`",
            )),
        };
    }
    if let Some(value) = header(req, "authorization") {
        return bearer(state, value).await.map(Some);
    }
    match req.cookie().get(SESSION_COOKIE) {
        Some(cookie) => console_session(state, req, cookie.value_str()).await,
        None => Ok(None),
    }
}

/// The member a session cookie names, working in the environment `X-Environment` names. A
/// cookie naming no open session counts as none: the routes that need credentials answer 401.
async fn console_session(
    state: &AppState,
    req: &Request,
    token: &str,
) -> Result<Option<Principal>, ApiError> {
    let environment = match header(req, ENVIRONMENT_HEADER).map(str::trim) {
        None | Some("") => Environment::Production,
        Some(name) => Environment::parse(name).ok_or_else(|| {
            ApiError::validation(ENVIRONMENT_HEADER, "must be `production` or `sandbox`")
        })?,
    };
    let Some(session) = companin_service::members::session(&state.db, token).await? else {
        return Ok(None);
    };
    Ok(Some(Principal {
        org_id: OrgId::from_db(session.member.org_id.clone()),
        environment,
        client_id: ClientId::from_db(session.member.id.clone()),
        method: AuthMethod::Session,
        member: Some(MemberGrant {
            member_id: session.member.id,
            role: session.member.role,
            csrf_token: session.csrf_token,
            expires_at: session.expires_at,
        }),
        config_version: 0,
        widget: None,
        // Read from the database on every request: never stale.
        credentials_version: i64::MAX,
    }))
}

fn invalid_credentials() -> ApiError {
    ApiError::new(
        ErrorCode::InvalidCredentials,
        "the API key and secret do not match an active client",
    )
}

async fn key_pair(state: &AppState, key: &str, secret: &str) -> Result<Principal, ApiError> {
    let id = ClientId::parse(key.trim()).ok_or_else(invalid_credentials)?;
    let client = state
        .credentials
        .get(&id)
        .await?
        .ok_or_else(invalid_credentials)?;
    let matches =
        credentials::verify_secret(&client.secret_salt, &client.secret_hash, secret.trim());
    if !matches || !client.usable {
        return Err(invalid_credentials());
    }
    Ok(Principal {
        org_id: client.org_id.clone(),
        environment: client.environment,
        client_id: client.id.clone(),
        method: AuthMethod::KeyPair,
        member: None,
        config_version: 0,
        widget: None,
        credentials_version: client.version,
    })
}

/// The client a one-string secret key names, if the secret it carries is the client's and the
/// environment it names is the client's.
async fn secret_key(state: &AppState, key: &str) -> Result<Principal, ApiError> {
    let (id, environment, secret) =
        credentials::parse_secret_key(key).ok_or_else(invalid_credentials)?;
    let principal = key_pair(state, id.as_str(), &secret).await?;
    if principal.environment != environment {
        return Err(invalid_credentials());
    }
    Ok(principal)
}

async fn bearer(state: &AppState, value: &str) -> Result<Principal, ApiError> {
    let token = value
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidToken,
                "the Authorization header must be `Bearer <token>`",
            )
        })?;
    if credentials::is_secret_key(token) {
        return secret_key(state, token).await;
    }
    let claims = state.jwt.verify(token)?;
    let revoked = || ApiError::new(ErrorCode::InvalidToken, "the bearer token has been revoked");
    let id = ClientId::parse(&claims.sub).ok_or_else(revoked)?;
    let client = state.credentials.get(&id).await?.ok_or_else(revoked)?;
    let same_tenant = client.org_id.as_str() == claims.org && client.environment == claims.env;
    if !client.usable || client.secret_version != claims.sv || !same_tenant {
        return Err(revoked());
    }
    let widget = match (claims.scope.as_str(), claims.widget) {
        (SCOPE_FULL, None) => None,
        (SCOPE_WIDGET, Some(grant)) => Some(Arc::new(grant)),
        _ => return Err(revoked()),
    };
    Ok(Principal {
        org_id: client.org_id.clone(),
        environment: client.environment,
        client_id: client.id.clone(),
        method: AuthMethod::Bearer,
        member: None,
        config_version: 0,
        widget,
        credentials_version: client.version,
    })
}
