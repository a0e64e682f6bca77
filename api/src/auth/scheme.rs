//! The security schemes as poem-openapi sees them: documentation of each way to authenticate
//! and extraction of the [`Principal`] that [`super::middleware::Authenticate`] verified.

use std::sync::Arc;

use companin_service::auth::widget::{WidgetGrant, insufficient_scope};
use companin_service::auth::{AuthMethod, Principal};
use companin_service::members::operator::OperatorSession;
use poem::Request;
use poem_openapi::SecurityScheme;
use poem_openapi::auth::{ApiKey, Bearer};
use secrecy::ExposeSecret;

use crate::error::{ApiError, ErrorCode, into_poem};
use crate::state::AppState;

/// `X-API-Key: <client_id>` together with `X-API-Secret: <client_secret>`, or the client's
/// one-string secret key (`ck_live_…` or `ck_test_…`, shown with the secret) alone in
/// `X-API-Key`.
#[derive(SecurityScheme)]
#[oai(
    ty = "api_key",
    key_name = "X-API-Key",
    key_in = "header",
    checker = "key_pair_principal"
)]
pub struct KeyPairAuth(pub Principal);

/// `Authorization: Bearer <token>` with a token from `POST /api/v1/auth/token`, or with the
/// client's one-string secret key (`ck_live_…` or `ck_test_…`).
#[derive(SecurityScheme)]
#[oai(ty = "bearer", bearer_format = "JWT", checker = "bearer_principal")]
pub struct BearerAuth(pub Principal);

/// `Authorization: Bearer <token>` with a widget token from `POST /api/v1/widget/token`: one
/// visitor's sessions and conversations only.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", bearer_format = "JWT", checker = "widget_caller")]
pub struct WidgetAuth(pub WidgetCaller);

/// A widget token's caller.
#[derive(Debug, Clone)]
pub struct WidgetCaller {
    pub principal: Principal,
    pub grant: Arc<WidgetGrant>,
}

/// A team member's console session: the `HttpOnly` cookie `companin_session` set by
/// `POST /api/v1/auth/login`. Writes must also send the session's `X-CSRF-Token`; the member's
/// role must allow the route (403 `insufficient_role`). `X-Environment: sandbox` works in the
/// sandbox.
#[derive(SecurityScheme)]
#[oai(
    ty = "api_key",
    key_name = "companin_session",
    key_in = "cookie",
    checker = "session_principal"
)]
pub struct SessionAuth(pub Principal);

/// Any way of authenticating a client, or a member's console session. A widget token answers
/// 403 `insufficient_scope`.
#[derive(SecurityScheme)]
// The last variant's refusal is the one a request matching none of them gets: bearer's, so
// that a widget token answers 403 `insufficient_scope`.
pub enum ClientAuth {
    KeyPair(KeyPairAuth),
    Session(SessionAuth),
    Bearer(BearerAuth),
}

impl ClientAuth {
    /// The authenticated caller.
    pub fn principal(&self) -> &Principal {
        match self {
            ClientAuth::KeyPair(auth) => &auth.0,
            ClientAuth::Bearer(auth) => &auth.0,
            ClientAuth::Session(auth) => &auth.0,
        }
    }
}

/// A client, or a widget token on the routes a widget needs (its own visitor's data only).
#[derive(SecurityScheme)]
pub enum VisitorAuth {
    KeyPair(KeyPairAuth),
    Widget(WidgetAuth),
    Session(SessionAuth),
    Bearer(BearerAuth),
}

impl VisitorAuth {
    /// The authenticated caller.
    pub fn principal(&self) -> &Principal {
        match self {
            VisitorAuth::KeyPair(auth) => &auth.0,
            VisitorAuth::Widget(auth) => &auth.0.principal,
            VisitorAuth::Bearer(auth) => &auth.0,
            VisitorAuth::Session(auth) => &auth.0,
        }
    }

    /// The visitor a widget token is limited to; `None` for a client's own credentials.
    pub fn visitor(&self) -> Option<&WidgetGrant> {
        match self {
            VisitorAuth::Widget(auth) => Some(&auth.0.grant),
            _ => None,
        }
    }
}

async fn key_pair_principal(req: &Request, _key: ApiKey) -> Option<Principal> {
    req.data::<Principal>()
        .filter(|p| p.method == AuthMethod::KeyPair)
        .cloned()
}

async fn bearer_principal(req: &Request, _token: Bearer) -> poem::Result<Principal> {
    match req.data::<Principal>() {
        Some(p) if p.method == AuthMethod::Bearer && p.widget.is_some() => {
            Err(into_poem(insufficient_scope()))
        }
        // A JWT, or a one-string secret key sent as a bearer token.
        Some(p) if matches!(p.method, AuthMethod::Bearer | AuthMethod::KeyPair) => Ok(p.clone()),
        // As if the scheme found nothing, like the other schemes' checkers.
        _ => Err(poem_openapi::error::AuthorizationError.into()),
    }
}

async fn session_principal(req: &Request, _cookie: ApiKey) -> Option<Principal> {
    req.data::<Principal>()
        .filter(|p| p.method == AuthMethod::Session)
        .cloned()
}

async fn widget_caller(req: &Request, _token: Bearer) -> Option<WidgetCaller> {
    let principal = req.data::<Principal>()?;
    let grant = principal.widget.clone()?;
    Some(WidgetCaller {
        principal: principal.clone(),
        grant,
    })
}

/// The platform operator: `X-Operator-Token` equal to the configured `admin_token`.
#[derive(SecurityScheme)]
// Named as it was when it was the only operator scheme, for clients of the document.
#[oai(
    rename = "OperatorAuth",
    ty = "api_key",
    key_name = "X-Operator-Token",
    key_in = "header",
    checker = "operator_check"
)]
pub struct OperatorTokenAuth(pub ());

/// The platform operator's console session: the `HttpOnly` cookie `companin_operator` set by
/// `POST /api/v1/auth/operator/login`. Writes must also send the session's `X-CSRF-Token`.
#[derive(SecurityScheme)]
#[oai(
    ty = "api_key",
    key_name = "companin_operator",
    key_in = "cookie",
    checker = "operator_session"
)]
pub struct OperatorSessionAuth(pub OperatorSession);

/// The platform operator, by token or console session.
#[derive(SecurityScheme)]
// The last variant's refusal is the one a request matching neither gets: the token's, which
// says whether admin routes are on and whether the token was wrong.
pub enum OperatorAuth {
    Session(OperatorSessionAuth),
    Token(OperatorTokenAuth),
}

async fn operator_session(req: &Request, _cookie: ApiKey) -> Option<OperatorSession> {
    req.data::<OperatorSession>().cloned()
}

async fn operator_check(req: &Request, token: ApiKey) -> poem::Result<()> {
    let configured = req
        .data::<std::sync::Arc<AppState>>()
        .and_then(|state| state.settings.admin_token.clone())
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::AdminDisabled,
                "admin routes are disabled: set COMPANIN_ADMIN_TOKEN to enable them",
            )
        })
        .map_err(into_poem)?;
    let expected = configured.expose_secret().as_bytes();
    if companin_service::auth::credentials::constant_time_eq(expected, token.key.as_bytes()) {
        Ok(())
    } else {
        Err(into_poem(ApiError::new(
            ErrorCode::InvalidOperatorToken,
            "the operator token is not valid",
        )))
    }
}
