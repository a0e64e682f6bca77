//! The one error shape of the API and the one table from error code to HTTP status.
//!
//! Every layer produces [`ApiError`] (or a poem error that [`ApiError::from_poem`] maps); the
//! request-context middleware is the only place that turns it into a response, so every error
//! body carries the request id.

use std::fmt;
use std::marker::PhantomData;

use poem::http::StatusCode;
use poem_openapi::registry::{MetaMediaType, MetaResponse, MetaResponses, Registry};
use poem_openapi::types::Type;
use poem_openapi::{ApiResponse, Object};
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
            pub fn status(self) -> StatusCode {
                match self {
                    // The table holds only valid status literals.
                    $( ErrorCode::$variant => StatusCode::from_u16($status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), )*
                }
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
    InvalidCredentials => (401, "invalid_credentials", "Unknown client, wrong secret, or a deactivated or deleted client."),
    InvalidToken => (401, "invalid_token", "The bearer token is malformed, tampered with, signed with another key, or revoked."),
    TokenExpired => (401, "token_expired", "The bearer token has expired; request a new one."),
    InvalidOperatorToken => (401, "invalid_operator_token", "Admin routes need the operator token in `X-Operator-Token`."),
    InvalidUserHash => (401, "invalid_user_hash", "`user_hash` is not the HMAC-SHA256 of `user_id` keyed with the client secret (or the client's secret predates identity verification: rotate it)."),
    InsufficientScope => (403, "insufficient_scope", "A widget token may not use this route: it reaches only the widget config, its own sessions and conversations, messages and feedback."),
    OriginNotAllowed => (403, "origin_not_allowed", "Widget tokens are issued only to pages on one of the client's `allowed_origins`; the request's `Origin` is missing or not among them."),
    UrlNotAllowed => (422, "url_not_allowed", "The URL is not http(s), or its host is or resolves to a loopback, private, link-local or other non-public address (`crawl.allow_private_networks` lifts that rule)."),
    SandboxOnly => (403, "sandbox_only", "Only sandbox credentials may reset the sandbox; production data is never touched by it."),
    AdminDisabled => (403, "admin_disabled", "Admin routes are off because no operator token is configured."),
    NotFound => (404, "not_found", "No such route, or no such resource in this organization and environment."),
    MethodNotAllowed => (405, "method_not_allowed", "The route exists but not with this HTTP method."),
    AssistantInactive => (409, "assistant_inactive", "The assistant is deactivated (`is_active: false`) and takes no new sessions or messages."),
    JobFinished => (409, "job_finished", "The job has already finished; there is nothing to cancel."),
    NotSyncable => (409, "not_syncable", "Only URL items are fetched again; files, texts and Q&A change by upload or edit."),
    IdempotencyInProgress => (409, "idempotency_in_progress", "The first request with this `Idempotency-Key` is still running; retry once it has answered."),
    SessionExpired => (410, "session_expired", "The session has ended or expired; start a new one."),
    PayloadTooLarge => (413, "payload_too_large", "The request body is larger than the configured limit."),
    UnsupportedMediaType => (415, "unsupported_media_type", "The body's `Content-Type` is not one this route accepts."),
    ValidationError => (422, "validation_error", "The request is well-formed but a field or parameter is invalid; `data` names it."),
    IdempotencyKeyReused => (422, "idempotency_key_reused", "This `Idempotency-Key` was used with a different request (method, path or body); use a new key for a new request."),
    RateLimited => (429, "rate_limited", "The organization's request limit for this window is used up, or a widget visitor sent too many messages this minute; retry after `Retry-After` seconds."),
    Internal => (500, "internal_error", "An unexpected error; quote the `request_id` when reporting it."),
    GenerationFailed => (502, "generation_failed", "The reply generator (the local model or the configured OpenAI-compatible endpoint) failed while replying; nothing was stored."),
    Busy => (503, "busy", "Every reply generator of this server is taken and as many replies wait as may; retry after `Retry-After` seconds."),
    Unavailable => (503, "unavailable", "A dependency (such as the database) is not reachable right now; retry after `Retry-After` seconds."),
}

/// The error body, the same for every error of every route.
#[derive(Debug, Clone, Object, serde::Serialize)]
pub struct ErrorBody {
    /// Always `error`.
    pub status: String,
    /// The HTTP status, repeated.
    pub status_code: u16,
    /// A stable machine-readable code (see docs/api.md).
    pub code: String,
    /// A human sentence saying what went wrong.
    pub detail: String,
    /// Field details, when there are any.
    pub data: Option<Value>,
    /// The request id, also sent as `X-Request-Id`.
    pub request_id: String,
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

    /// The body for this error with the given request id.
    pub fn body(&self, request_id: &str) -> ErrorBody {
        ErrorBody {
            status: "error".to_owned(),
            status_code: self.code.status().as_u16(),
            code: self.code.as_str().to_owned(),
            detail: self.detail.clone(),
            data: self.data.clone(),
            request_id: request_id.to_owned(),
        }
    }

    /// Maps any error that reached the outermost middleware to the API's error, keeping ours
    /// as they are and giving poem's and poem-openapi's own errors their documented codes.
    pub fn from_poem(err: &poem::Error) -> ApiError {
        use poem_openapi::error::{
            AuthorizationError, ContentTypeError, ParseParamError, ParsePathError,
            ParseRequestPayloadError,
        };

        if let Some(api) = err.downcast_ref::<ApiError>() {
            return api.shallow_clone();
        }
        if err.is::<ParseParamError>() || err.is::<ParsePathError>() {
            return ApiError::new(ErrorCode::ValidationError, err.to_string());
        }
        if err.is::<ParseRequestPayloadError>() {
            return ApiError::new(ErrorCode::InvalidJson, err.to_string());
        }
        if let Some(ct) = err.downcast_ref::<ContentTypeError>() {
            let detail = match ct {
                ContentTypeError::ExpectContentType => {
                    "this route needs a body with `Content-Type: application/json`".to_owned()
                }
                ContentTypeError::NotSupported { content_type } => format!(
                    "content type `{content_type}` is not supported here; send application/json"
                ),
            };
            return ApiError::new(ErrorCode::UnsupportedMediaType, detail)
                .with_data(serde_json::json!({ "supported": ["application/json"] }));
        }
        if err.is::<AuthorizationError>() {
            return ApiError::new(
                ErrorCode::MissingCredentials,
                "this route needs credentials: send `X-API-Key` and `X-API-Secret`, or `Authorization: Bearer <token>`",
            );
        }
        let (code, detail) = match err.status() {
            StatusCode::NOT_FOUND => (ErrorCode::NotFound, "no route matches this path".to_owned()),
            StatusCode::METHOD_NOT_ALLOWED => (
                ErrorCode::MethodNotAllowed,
                "this route does not accept this HTTP method".to_owned(),
            ),
            StatusCode::PAYLOAD_TOO_LARGE => (
                ErrorCode::PayloadTooLarge,
                "the request body is too large".to_owned(),
            ),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                (ErrorCode::UnsupportedMediaType, err.to_string())
            }
            status if status.is_client_error() => (ErrorCode::BadRequest, err.to_string()),
            _ => return ApiError::internal(anyhow::anyhow!("{err}")),
        };
        ApiError::new(code, detail)
    }

    /// A copy without the (non-clonable) internal cause.
    fn shallow_clone(&self) -> ApiError {
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

impl poem::error::ResponseError for ApiError {
    fn status(&self) -> StatusCode {
        self.code.status()
    }
}

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

/// A set of HTTP error statuses an operation can answer, for the OpenAPI document.
pub trait ErrorSet: Send + Sync + 'static {
    const STATUSES: &'static [u16];
}

/// The error side of an operation's result: an [`ApiError`] at run time, and in the OpenAPI
/// document every status of the set `S` with the error body.
pub struct Errors<S: ErrorSet>(pub ApiError, PhantomData<S>);

impl<S: ErrorSet> From<ApiError> for Errors<S> {
    fn from(err: ApiError) -> Self {
        Errors(err, PhantomData)
    }
}

impl<S: ErrorSet> From<sea_orm::DbErr> for Errors<S> {
    fn from(err: sea_orm::DbErr) -> Self {
        Errors(err.into(), PhantomData)
    }
}

impl<S: ErrorSet> From<Errors<S>> for poem::Error {
    fn from(err: Errors<S>) -> Self {
        poem::Error::from(err.0)
    }
}

impl<S: ErrorSet> ApiResponse for Errors<S> {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: S::STATUSES
                .iter()
                .map(|&status| MetaResponse {
                    description: status_description(status),
                    status: Some(status),
                    status_range: None,
                    content: vec![MetaMediaType {
                        content_type: "application/json; charset=utf-8",
                        schema: ErrorBody::schema_ref(),
                    }],
                    headers: vec![],
                })
                .collect(),
        }
    }

    fn register(registry: &mut Registry) {
        ErrorBody::register(registry);
    }
}

/// What each error status means in this API, naming its codes.
fn status_description(status: u16) -> &'static str {
    match status {
        400 => "Malformed request or JSON body (`invalid_json`, `bad_request`).",
        401 => {
            "Missing or invalid credentials (`missing_credentials`, `invalid_credentials`, `invalid_token`, `token_expired`, `invalid_operator_token`, `invalid_user_hash`)."
        }
        403 => {
            "Not allowed (`insufficient_scope` for widget tokens, `origin_not_allowed`, `admin_disabled`)."
        }
        404 => "No such resource in this organization and environment (`not_found`).",
        409 => {
            "The resource's state forbids this (`assistant_inactive`, ...), or the first request \
                with this `Idempotency-Key` is still running (`idempotency_in_progress`)."
        }
        410 => "The session has ended or expired (`session_expired`).",
        413 => "Body larger than the configured limit (`payload_too_large`).",
        415 => "Body content type not accepted (`unsupported_media_type`).",
        422 => {
            "A field or parameter is invalid (`validation_error`); `data` names it. Or the \
                `Idempotency-Key` was used with another request (`idempotency_key_reused`)."
        }
        429 => "Rate limit exhausted (`rate_limited`); see `Retry-After`.",
        500 => "Unexpected error (`internal_error`).",
        503 => {
            "A dependency is unavailable (`unavailable`), or every reply generator is taken \
                (`busy`); see `Retry-After`."
        }
        _ => "Error.",
    }
}

macro_rules! error_set {
    ($( $(#[$meta:meta])* $name:ident: [$($status:literal),*]; )*) => {
        $(
            $(#[$meta])*
            pub struct $name;
            impl ErrorSet for $name {
                const STATUSES: &'static [u16] = &[$($status),*];
            }
        )*
    };
}

error_set! {
    /// An authenticated read with query parameters.
    ListErrors: [401, 403, 422, 429, 500];
    /// An authenticated read of one resource by id.
    GetErrors: [401, 403, 404, 429, 500];
    /// An authenticated read under one resource by id, with query or path parameters.
    ListByIdErrors: [401, 403, 404, 422, 429, 500];
    /// An authenticated create with a JSON body.
    CreateErrors: [400, 401, 403, 409, 413, 415, 422, 429, 500];
    /// An authenticated change of one resource by id, with a JSON body.
    UpdateErrors: [400, 401, 403, 404, 409, 413, 415, 422, 429, 500];
    /// An authenticated action on one resource by id, without a body.
    ActionErrors: [401, 403, 404, 409, 422, 429, 500];
    /// Exchanging the key pair for a token.
    TokenErrors: [401, 429, 500];
    /// Operator routes.
    AdminErrors: [400, 401, 403, 404, 413, 415, 422, 500];
}

/// Result of an operation documented with the error set `S`.
pub type ApiResult<T, S> = Result<T, Errors<S>>;

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
            assert!(code.status().is_client_error() || code.status().is_server_error());
        }
    }

    #[test]
    fn internal_errors_hide_their_cause() {
        let err = ApiError::internal(anyhow::anyhow!("password=hunter2 leaked"));
        let body = err.body("req-1");
        assert_eq!(body.status_code, 500);
        assert!(!body.detail.contains("hunter2"));
        assert!(err.to_string().contains("hunter2"), "kept for the logs");
    }
}
