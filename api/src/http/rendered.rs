//! JSON responses rendered once and served many times: cached reads keep the bytes, not the
//! rows, so a cache hit costs no cloning, conversion or serialisation.

use std::marker::PhantomData;

use bytes::Bytes;
use poem::{IntoResponse, Response};
use poem_openapi::ApiResponse;
use poem_openapi::payload::Payload;
use poem_openapi::registry::{MetaMediaType, MetaResponse, MetaResponses, MetaSchemaRef, Registry};
use poem_openapi::types::{ToJSON, Type};

const CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// The JSON of a `T`, documented exactly as `Json<T>` would be.
pub struct RenderedJson<T> {
    body: Bytes,
    _type: PhantomData<fn() -> T>,
}

impl<T> Clone for RenderedJson<T> {
    fn clone(&self) -> Self {
        Self {
            body: self.body.clone(),
            _type: PhantomData,
        }
    }
}

impl<T: ToJSON> RenderedJson<T> {
    pub fn render(value: &T) -> Self {
        let json = value.to_json().unwrap_or_default();
        Self {
            // Serialising a JSON value into memory cannot fail.
            body: Bytes::from(serde_json::to_vec(&json).unwrap_or_default()),
            _type: PhantomData,
        }
    }
}

impl<T: Type> Payload for RenderedJson<T> {
    const CONTENT_TYPE: &'static str = CONTENT_TYPE;

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: Send> IntoResponse for RenderedJson<T> {
    fn into_response(self) -> Response {
        Response::builder()
            .content_type(CONTENT_TYPE)
            .body(self.body)
    }
}

impl<T: Type> ApiResponse for RenderedJson<T> {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: vec![MetaResponse {
                description: "",
                status: Some(200),
                status_range: None,
                content: vec![MetaMediaType {
                    content_type: CONTENT_TYPE,
                    schema: T::schema_ref(),
                }],
                headers: vec![],
            }],
        }
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}
