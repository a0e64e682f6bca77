//! The one error → HTTP mapping: the error body every route answers with, poem's own errors
//! mapped to the documented codes, and each operation's error statuses in the OpenAPI
//! document, described from the service's code table so the two cannot drift.
//!
//! Every layer produces [`ApiError`] (or a poem error that [`from_poem`] maps); the
//! request-context middleware is the only place that turns it into a response, so every error
//! body carries the request id.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::sync::LazyLock;

pub use companin_service::error::{ApiError, ErrorCode};

use poem::http::StatusCode;
use poem_openapi::registry::{MetaMediaType, MetaResponse, MetaResponses, Registry};
use poem_openapi::types::Type;
use poem_openapi::{ApiResponse, Object};
use serde_json::Value;

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

/// The body of `err` with the given request id.
pub fn error_body(err: &ApiError, request_id: &str) -> ErrorBody {
    ErrorBody {
        status: "error".to_owned(),
        status_code: err.code.status(),
        code: err.code.as_str().to_owned(),
        detail: err.detail.clone(),
        data: err.data.clone(),
        request_id: request_id.to_owned(),
    }
}

/// The HTTP status of an error code.
pub fn status_of(code: ErrorCode) -> StatusCode {
    // The code table holds only valid status literals (tested below).
    StatusCode::from_u16(code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// An [`ApiError`] as a poem error ([`into_poem`]): how handlers and middleware hand it to the
/// request-context middleware, which alone renders it.
#[derive(Debug)]
struct HttpError(ApiError);

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for HttpError {}

impl poem::error::ResponseError for HttpError {
    fn status(&self) -> StatusCode {
        status_of(self.0.code)
    }
}

/// `err` as a poem error.
pub fn into_poem(err: ApiError) -> poem::Error {
    poem::Error::from(HttpError(err))
}

/// Maps any error that reached the outermost middleware to the API's error, keeping ours as
/// they are and giving poem's and poem-openapi's own errors their documented codes.
pub fn from_poem(err: &poem::Error) -> ApiError {
    use poem_openapi::error::{
        AuthorizationError, ContentTypeError, ParseParamError, ParsePathError,
        ParseRequestPayloadError,
    };

    if let Some(HttpError(api)) = err.downcast_ref::<HttpError>() {
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
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (ErrorCode::UnsupportedMediaType, err.to_string()),
        status if status.is_client_error() => (ErrorCode::BadRequest, err.to_string()),
        _ => return ApiError::internal(anyhow::anyhow!("{err}")),
    };
    ApiError::new(code, detail)
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
        into_poem(err.0)
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

/// What each error status means in this API: its codes from the code table, each with when a
/// client sees it.
static STATUS_DESCRIPTIONS: LazyLock<BTreeMap<u16, &'static str>> = LazyLock::new(|| {
    let mut by_status: BTreeMap<u16, Vec<String>> = BTreeMap::new();
    for code in ErrorCode::ALL {
        by_status.entry(code.status()).or_default().push(format!(
            "- `{}`: {}",
            code.as_str(),
            code.description()
        ));
    }
    by_status
        .into_iter()
        // Built once per process for a dozen statuses: leaking gives the `&'static str` the
        // OpenAPI registry wants.
        .map(|(status, lines)| (status, &*lines.join("\n").leak()))
        .collect()
});

fn status_description(status: u16) -> &'static str {
    STATUS_DESCRIPTIONS
        .get(&status)
        .copied()
        .unwrap_or("An error status no code of the table has.")
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
    /// Signing in to the console with an email and password.
    SignInErrors: [400, 401, 413, 415, 422, 429, 500];
    /// Accepting an invitation (setting a password).
    AcceptErrors: [400, 401, 413, 415, 422, 500];
    /// The signed-in member's own session.
    SignOutErrors: [401, 403, 404, 429, 500];
    /// Operator routes.
    AdminErrors: [400, 401, 403, 404, 413, 415, 422, 500];
    /// The operator's console sign-in.
    OperatorSignInErrors: [400, 401, 403, 413, 415, 422, 429, 500];
}

/// Result of an operation documented with the error set `S`.
pub type ApiResult<T, S> = Result<T, Errors<S>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_status_has_its_codes() {
        let sets = [
            ListErrors::STATUSES,
            GetErrors::STATUSES,
            ListByIdErrors::STATUSES,
            CreateErrors::STATUSES,
            UpdateErrors::STATUSES,
            ActionErrors::STATUSES,
            TokenErrors::STATUSES,
            SignInErrors::STATUSES,
            AcceptErrors::STATUSES,
            SignOutErrors::STATUSES,
            AdminErrors::STATUSES,
            OperatorSignInErrors::STATUSES,
        ];
        for status in sets.into_iter().flatten() {
            assert!(
                STATUS_DESCRIPTIONS.contains_key(status),
                "status {status} is in an error set but no code has it"
            );
        }
        for code in ErrorCode::ALL {
            assert!(status_description(code.status()).contains(code.as_str()));
            assert_eq!(status_of(*code).as_u16(), code.status(), "a valid status");
        }
    }

    #[test]
    fn internal_errors_hide_their_cause() {
        let err = ApiError::internal(anyhow::anyhow!("password=hunter2 leaked"));
        let body = error_body(&err, "req-1");
        assert_eq!(body.status_code, 500);
        assert!(!body.detail.contains("hunter2"));
        assert!(err.to_string().contains("hunter2"), "kept for the logs");
    }
}
