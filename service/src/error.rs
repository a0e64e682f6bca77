//! The errors of the product's operations, in the API's terms: one table of stable codes, each
//! with the HTTP status it is answered with and what it means, and [`ApiError`], the error
//! every operation returns. Turning it into a response is the HTTP layer's part
//! (`companin_api::error`).

use std::fmt;

use serde_json::Value;

macro_rules! error_codes {
    ($( $variant:ident => ($status:literal, $code:literal, $doc:literal) ),* $(,)?) => {
        /// A stable, machine-readable error code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum ErrorCode {
            $( #[doc = $doc] $variant, )*
        }

        impl ErrorCode {
            /// Every code, in table order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),*];

            /// The wire name, e.g. `validation_error`.
            pub fn as_str(self) -> &'static str {
                match self { $( ErrorCode::$variant => $code, )* }
            }

            /// The HTTP status this code is answered with.
            pub fn status(self) -> u16 {
                match self { $( ErrorCode::$variant => $status, )* }
            }

            /// When a client sees this code.
            pub fn description(self) -> &'static str {
                match self { $( ErrorCode::$variant => $doc, )* }
            }
        }
    };
}

error_codes! {
    BadRequest => (400, "bad_request", "The request could not be read (bad headers or body encoding)."),
    InvalidJson => (400, "invalid_json", "The body is not well-formed JSON, or is empty where JSON is required."),
    MissingCredentials => (401, "missing_credentials", "No credentials: send `X-API-Key` and `X-API-Secret`, or `Authorization: Bearer <token>`."),
    InvalidCredentials => (401, "invalid_credentials", "Unknown client, wrong secret, or a deactivated or deleted client; or, signing in to the console, an email and password that do not match a member."),
    InvalidInvitation => (401, "invalid_invitation", "The invitation link is unknown, already used or expired; an owner can invite again."),
    InvalidToken => (401, "invalid_token", "The bearer token is malformed, tampered with, signed with another key, or revoked."),
    TokenExpired => (401, "token_expired", "The bearer token has expired; request a new one."),
    InvalidOperatorToken => (401, "invalid_operator_token", "Admin routes need the operator token in `X-Operator-Token`."),
    InvalidUserHash => (401, "invalid_user_hash", "`user_hash` is not the HMAC-SHA256 of `user_id` keyed with the client secret (or the client's secret predates identity verification: rotate it)."),
    InsufficientScope => (403, "insufficient_scope", "A widget token may not use this route: it reaches only the widget config, its own sessions and conversations, messages and feedback. Sandbox credentials may not manage the organization's members."),
    OriginNotAllowed => (403, "origin_not_allowed", "Widget tokens are issued only to pages on one of the client's `allowed_origins`; the request's `Origin` is missing or not among them."),
    UrlNotAllowed => (422, "url_not_allowed", "The URL is not http(s), or its host is or resolves to a loopback, private, link-local or other non-public address (`crawl.allow_private_networks` lifts that rule)."),
    InsufficientRole => (403, "insufficient_role", "The team member's role does not allow this request (viewers read; editors also change assistants, knowledge, sessions and conversations; admins everything but members; owners everything)."),
    CsrfFailed => (403, "csrf_failed", "A write made with the console's session cookie must send the session's `X-CSRF-Token`; cross-site requests are refused."),
    SandboxOnly => (403, "sandbox_only", "Only sandbox credentials may reset the sandbox or promote an assistant to production; production data is never touched by a reset."),
    AdminDisabled => (403, "admin_disabled", "Admin routes are off because no operator token is configured."),
    NotFound => (404, "not_found", "No such route, or no such resource in this organization and environment."),
    MethodNotAllowed => (405, "method_not_allowed", "The route exists but not with this HTTP method."),
    AssistantInactive => (409, "assistant_inactive", "The assistant is deactivated (`is_active: false`) and takes no new sessions or messages."),
    JobFinished => (409, "job_finished", "The job has already finished; there is nothing to cancel."),
    NotSyncable => (409, "not_syncable", "Only URL items are fetched again; files, texts and Q&A change by upload or edit."),
    EmailTaken => (409, "email_taken", "A member with this email already exists (an email names one member across the deployment)."),
    LastOwner => (409, "last_owner", "The change would leave the organization without an owner; make another member owner first."),
    PromotionInProgress => (409, "promotion_in_progress", "The same version of this assistant is being promoted by another request right now; retry once it has answered."),
    IdempotencyInProgress => (409, "idempotency_in_progress", "The first request with this `Idempotency-Key` is still running; retry once it has answered."),
    SessionExpired => (410, "session_expired", "The session has ended or expired; start a new one."),
    PayloadTooLarge => (413, "payload_too_large", "The request body is larger than the configured limit."),
    UnsupportedMediaType => (415, "unsupported_media_type", "The body's `Content-Type` is not one this route accepts."),
    ValidationError => (422, "validation_error", "The request is well-formed but a field or parameter is invalid; `data` names it."),
    IdempotencyKeyReused => (422, "idempotency_key_reused", "This `Idempotency-Key` was used with a different request (method, path or body); use a new key for a new request."),
    RateLimited => (429, "rate_limited", "The organization's request limit for this window is used up, or a widget visitor sent too many messages this minute; retry after `Retry-After` seconds."),
    SignInThrottled => (429, "sign_in_throttled", "Too many failed sign-ins for this account or from this address; retry after `Retry-After` seconds (each further failure doubles the wait)."),
    Internal => (500, "internal_error", "An unexpected error; quote the `request_id` when reporting it."),
    GenerationFailed => (502, "generation_failed", "The reply generator (the local model or the configured OpenAI-compatible endpoint) failed while replying; nothing was stored."),
    Busy => (503, "busy", "Every reply generator of this server is taken and as many replies wait as may; retry after `Retry-After` seconds."),
    Unavailable => (503, "unavailable", "A dependency (such as the database) is not reachable right now; retry after `Retry-After` seconds."),
}

/// An error on its way to the client.
#[derive(Debug)]
pub struct ApiError {
    pub code: ErrorCode,
    pub detail: String,
    pub data: Option<Value>,
    /// Seconds, for 429 and 503.
    pub retry_after: Option<u64>,
    /// The underlying cause of an internal error, for the logs only.
    pub source: Option<anyhow::Error>,
}

impl ApiError {
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self {
            code,
            detail: detail.into(),
            data: None,
            retry_after: None,
            source: None,
        }
    }

    pub fn with_data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }

    /// A 404 that says what was not found, without saying whether it exists elsewhere.
    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("{what} not found"))
    }

    /// A 422 naming the field at fault.
    pub fn validation(field: &str, reason: impl Into<String>) -> Self {
        let reason = reason.into();
        Self::new(ErrorCode::ValidationError, format!("`{field}` {reason}"))
            .with_data(serde_json::json!({ "field": field, "reason": reason }))
    }

    /// A 500 that keeps its cause for the logs and shows the client only the request id.
    pub fn internal(source: impl Into<anyhow::Error>) -> Self {
        Self {
            source: Some(source.into()),
            ..Self::new(
                ErrorCode::Internal,
                "an unexpected error occurred; quote the request id when reporting it",
            )
        }
    }

    /// A copy without the (non-clonable) internal cause.
    pub fn shallow_clone(&self) -> ApiError {
        ApiError {
            code: self.code,
            detail: self.detail.clone(),
            data: self.data.clone(),
            retry_after: self.retry_after,
            source: None,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.detail)?;
        if let Some(source) = &self.source {
            write!(f, ": {source:#}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// Seconds a client is asked to wait when the database cannot be reached.
const DATABASE_RETRY_AFTER: u64 = 5;

impl From<sea_orm::DbErr> for ApiError {
    fn from(err: sea_orm::DbErr) -> Self {
        if database_unreachable(&err) {
            tracing::warn!(error = %err, "the database is not reachable");
            return ApiError {
                retry_after: Some(DATABASE_RETRY_AFTER),
                ..ApiError::new(
                    ErrorCode::Unavailable,
                    "the database is not reachable right now; retry shortly",
                )
            };
        }
        ApiError::internal(anyhow::Error::new(err).context("database error"))
    }
}

/// Whether a database error says the database cannot be reached now (down, restarting, out
/// of connections), which a retry may cure, rather than that a statement or our code is
/// wrong.
pub fn database_unreachable(err: &sea_orm::DbErr) -> bool {
    use sea_orm::{DbErr, RuntimeErr};
    match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            use sea_orm::sqlx::Error as E;
            match e.as_ref() {
                E::Io(_) | E::Tls(_) | E::PoolTimedOut | E::PoolClosed | E::WorkerCrashed => true,
                // SQLSTATE class 08 (connection exception) and 57P01-57P03 (the server is
                // shutting down, crashed, or not accepting connections yet).
                E::Database(db) => db.code().is_some_and(|c| {
                    c.starts_with("08") || matches!(&*c, "57P01" | "57P02" | "57P03")
                }),
                _ => false,
            }
        }
        _ => false,
    }
}

impl<E> From<sea_orm::TransactionError<E>> for ApiError
where
    E: Into<ApiError> + std::error::Error,
{
    fn from(err: sea_orm::TransactionError<E>) -> Self {
        match err {
            sea_orm::TransactionError::Connection(db) => db.into(),
            sea_orm::TransactionError::Transaction(inner) => inner.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            assert!(seen.insert(code.as_str()), "duplicate {}", code.as_str());
            assert!(
                code.as_str()
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_')
            );
            assert!((400..600).contains(&code.status()));
        }
    }

    #[test]
    fn internal_errors_hide_their_cause() {
        let err = ApiError::internal(anyhow::anyhow!("password=hunter2 leaked"));
        assert_eq!(err.code.status(), 500);
        assert!(!err.detail.contains("hunter2"));
        assert!(err.to_string().contains("hunter2"), "kept for the logs");
    }
}
