//! JSON request bodies that fail with the API's own codes: malformed JSON is 400
//! `invalid_json`, a well-formed body with a wrong or missing field is 422 `validation_error`.
//! (poem-openapi's own `Json` answers 400 for both.)

use poem::{FromRequest, Request, RequestBody};
use poem_openapi::error::ContentTypeError;
use poem_openapi::payload::{ParsePayload, Payload};
use poem_openapi::registry::{MetaMediaType, MetaRequest, MetaSchemaRef, Registry};
use poem_openapi::types::{ParseFromJSON, Type};
use poem_openapi::{ApiExtractor, ApiExtractorType, ExtractParamOptions};
use serde_json::Value;

use crate::error::{ApiError, ErrorCode};

/// A JSON request body.
pub struct JsonBody<T>(pub T);

impl<T: Type> Payload for JsonBody<T> {
    const CONTENT_TYPE: &'static str = "application/json";

    fn check_content_type(content_type: &str) -> bool {
        matches!(content_type.parse::<mime::Mime>(), Ok(ct)
            if ct.type_() == "application"
                && (ct.subtype() == "json" || ct.suffix().is_some_and(|s| s == "json")))
    }

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: ParseFromJSON> ParsePayload for JsonBody<T> {
    const IS_REQUIRED: bool = T::IS_REQUIRED;

    async fn from_request(request: &Request, body: &mut RequestBody) -> poem::Result<Self> {
        let data = <Vec<u8> as FromRequest>::from_request(request, body).await?;
        let value = if data.iter().all(u8::is_ascii_whitespace) {
            if T::IS_REQUIRED {
                return Err(ApiError::new(
                    ErrorCode::InvalidJson,
                    "the request body is empty; send a JSON object",
                )
                .into());
            }
            Value::Null
        } else {
            serde_json::from_slice(&data).map_err(|e| {
                ApiError::new(
                    ErrorCode::InvalidJson,
                    format!("the request body is not valid JSON: {e}"),
                )
                .with_data(serde_json::json!({ "line": e.line(), "column": e.column() }))
            })?
        };
        match T::parse_from_json(Some(value.clone())) {
            Ok(parsed) => Ok(JsonBody(parsed)),
            Err(e) => Err(match explain::<T>(&value) {
                Some((field, reason)) => ApiError::validation(&field, reason),
                None => invalid_body(e.into_message()),
            }
            .into()),
        }
    }
}

/// Names the field a body failed on, which poem-openapi's own message does not always do
/// (a missing field reads "expected string, found null"). Runs only on the error path.
fn explain<T: Type>(value: &Value) -> Option<(String, String)> {
    let mut registry = Registry::new();
    T::register(&mut registry);
    let schema = registry.schemas.get(&*T::name())?;
    let Some(object) = value.as_object() else {
        return (schema.ty == "object")
            .then(|| ("body".to_owned(), "must be a JSON object".to_owned()));
    };
    if let Some(field) = schema
        .required
        .iter()
        .find(|f| object.get(**f).is_none_or(Value::is_null))
    {
        return Some(((*field).to_owned(), "is required".to_owned()));
    }
    for (field, property) in &schema.properties {
        let Some(v) = object.get(*field).filter(|v| !v.is_null()) else {
            continue;
        };
        let ty = match property {
            MetaSchemaRef::Inline(s) => s.ty,
            MetaSchemaRef::Reference(name) => registry.schemas.get(name).map_or("object", |s| s.ty),
        };
        let (fits, expected) = match ty {
            "string" => (v.is_string() || v.is_number() || v.is_boolean(), "a string"),
            "boolean" => (v.is_boolean(), "a boolean"),
            "integer" => (v.is_i64() || v.is_u64(), "an integer"),
            "number" => (v.is_number(), "a number"),
            "array" => (v.is_array(), "an array"),
            "object" => (v.is_object(), "an object"),
            _ => (true, ""),
        };
        if !fits {
            return Some(((*field).to_owned(), format!("must be {expected}")));
        }
    }
    None
}

/// A 422 for a body that does not fit its schema, with poem-openapi's wording made readable.
fn invalid_body(message: String) -> ApiError {
    // poem-openapi nests "failed to parse \"Type\": " prefixes; the innermost part says what
    // is wrong.
    let reason = message
        .rsplit("failed to parse ")
        .next()
        .map(|tail| match tail.split_once(": ") {
            Some((_, rest)) => rest.to_owned(),
            None => tail.to_owned(),
        })
        .unwrap_or(message.clone());
    ApiError::new(
        ErrorCode::ValidationError,
        format!("the request body is invalid: {reason}"),
    )
    .with_data(serde_json::json!({ "reason": reason }))
}

impl<'a, T: ParseFromJSON> ApiExtractor<'a> for JsonBody<T> {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::RequestObject];

    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        <Self as Payload>::register(registry);
    }

    fn request_meta() -> Option<MetaRequest> {
        Some(MetaRequest {
            description: None,
            content: vec![MetaMediaType {
                content_type: <Self as Payload>::CONTENT_TYPE,
                schema: <Self as Payload>::schema_ref(),
            }],
            required: <Self as ParsePayload>::IS_REQUIRED,
        })
    }

    async fn from_request(
        request: &'a Request,
        body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        match request.content_type() {
            Some(ct) if Self::check_content_type(ct) => {
                <Self as ParsePayload>::from_request(request, body).await
            }
            Some(ct) => Err(ContentTypeError::NotSupported {
                content_type: ct.to_owned(),
            }
            .into()),
            None => Err(ContentTypeError::ExpectContentType.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::invalid_body;

    #[test]
    fn validation_messages_keep_the_innermost_reason() {
        let err = invalid_body(
            "failed to parse \"CreateClient\": field `name` verification failed. minLength(1)"
                .to_owned(),
        );
        assert_eq!(
            err.detail,
            "the request body is invalid: field `name` verification failed. minLength(1)"
        );
    }
}
