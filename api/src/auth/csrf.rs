//! The anti-CSRF check every console session shares (a member's and the operator's): a write
//! made with a session cookie must send that session's token in `X-CSRF-Token`. A page of
//! another site can make the browser send the cookie, never the header.

use companin_service::auth::credentials::constant_time_eq;
use poem::Request;

use crate::error::{ApiError, ErrorCode};

/// The anti-CSRF header every write made with a session cookie carries.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Refuses a write without `expected` in [`CSRF_HEADER`]. Reads pass, and so does a request
/// that opens a new session (`opens_a_session`: the old cookie's token is not asked for).
pub fn check(req: &Request, expected: &str, opens_a_session: bool) -> Result<(), ApiError> {
    let safe = matches!(req.method().as_str(), "GET" | "HEAD" | "OPTIONS") || opens_a_session;
    let sent = req
        .headers()
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if safe || constant_time_eq(sent.as_bytes(), expected.as_bytes()) {
        return Ok(());
    }
    Err(ApiError::new(
        ErrorCode::CsrfFailed,
        "a write made with the session cookie must send its `X-CSRF-Token`",
    ))
}
