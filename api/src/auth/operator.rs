//! The platform operator's console session, read off its cookie before routing: the admin
//! routes accept it in place of `X-Operator-Token`, and its writes must carry the session's
//! anti-CSRF token, as a member's do.

use companin_service::members::operator::{self, OperatorSession};
use poem::Request;

use crate::error::ApiError;
use crate::state::AppState;

/// The operator's session cookie (`HttpOnly`, `SameSite=Strict`).
pub const OPERATOR_COOKIE: &str = "companin_operator";

/// The routes an operator session works on (under the API prefix).
pub fn operator_route(path: &str) -> bool {
    path.starts_with("/admin/") || path.starts_with("/auth/operator/")
}

/// The open operator session the request's cookie names, on an operator route, while admin
/// routes are on; `None` otherwise (the route then answers as if no cookie had been sent). A
/// write without the session's `X-CSRF-Token` is refused.
pub async fn session(state: &AppState, req: &Request) -> Result<Option<OperatorSession>, ApiError> {
    let path = req.uri().path();
    let path = path.strip_prefix(crate::http::API_PREFIX).unwrap_or(path);
    if !operator_route(path) || state.settings.admin_token.is_none() {
        return Ok(None);
    }
    let Some(cookie) = req.cookie().get(OPERATOR_COOKIE) else {
        return Ok(None);
    };
    let Some(session) = operator::session(&state.db, cookie.value_str()).await? else {
        return Ok(None);
    };
    let opens_a_session = path.trim_end_matches('/') == "/auth/operator/login";
    super::csrf::check(req, &session.csrf_token, opens_a_session)?;
    Ok(Some(session))
}
