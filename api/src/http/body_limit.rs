//! The request body limit, answered with the API's 413 whether or not the client sent a
//! `Content-Length`: a body of unannounced length (HTTP/1.1 chunked, or any HTTP/2 request
//! without the header) is read here up to the limit, before any route or extractor sees it.

use poem::error::ReadBodyError;
use poem::http::header::CONTENT_LENGTH;
use poem::{Body, Endpoint, Middleware, Request};

use crate::error::{ApiError, ErrorCode, into_poem};

pub struct BodyLimit {
    max: usize,
    /// Routes (path suffixes, without a trailing slash) with their own limit.
    routes: Vec<(&'static str, usize)>,
}

impl BodyLimit {
    pub fn new(max: usize) -> Self {
        Self {
            max,
            routes: Vec::new(),
        }
    }

    /// A different limit for requests whose path ends with `suffix`.
    pub fn with_route(mut self, suffix: &'static str, max: usize) -> Self {
        self.routes.push((suffix, max));
        self
    }
}

impl<E: Endpoint> Middleware<E> for BodyLimit {
    type Output = BodyLimitEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        BodyLimitEndpoint {
            inner,
            max: self.max,
            routes: self.routes.clone(),
        }
    }
}

pub struct BodyLimitEndpoint<E> {
    inner: E,
    max: usize,
    routes: Vec<(&'static str, usize)>,
}

fn too_large(max: usize) -> ApiError {
    ApiError::new(
        ErrorCode::PayloadTooLarge,
        format!("the request body is larger than the limit of {max} bytes"),
    )
    .with_data(serde_json::json!({ "max_bytes": max }))
}

impl<E: Endpoint> Endpoint for BodyLimitEndpoint<E> {
    type Output = E::Output;

    async fn call(&self, mut req: Request) -> poem::Result<Self::Output> {
        let path = req.uri().path().trim_end_matches('/');
        let max = self
            .routes
            .iter()
            .find(|(suffix, _)| path.ends_with(suffix))
            .map_or(self.max, |(_, max)| *max);
        let declared = req
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|len| len > max as u64) {
            return Err(into_poem(too_large(max)));
        }
        // Without Content-Length the length is known only once the body has been read: an
        // HTTP/1.1 request has one only when chunked, but an HTTP/2 request may carry one in
        // DATA frames with no header at all. Either way it is read here, up to the limit (an
        // empty body costs nothing).
        if declared.is_none() {
            let bytes = req
                .take_body()
                .into_bytes_limit(max)
                .await
                .map_err(|e| match e {
                    ReadBodyError::PayloadTooLarge => too_large(max),
                    other => ApiError::new(
                        ErrorCode::BadRequest,
                        format!("the request body could not be read: {other}"),
                    ),
                })
                .map_err(into_poem)?;
            req.set_body(Body::from(bytes));
        }
        self.inner.call(req).await
    }
}
