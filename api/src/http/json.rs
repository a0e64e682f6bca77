//! JSON request bodies that fail with the API's own codes: malformed JSON is 400
//! `invalid_json`, a well-formed body with a wrong or missing field is 422 `validation_error`.
//! (poem-openapi's own `Json` answers 400 for both.)

use std::any::TypeId;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use poem::{FromRequest, Request, RequestBody};
use poem_openapi::error::ContentTypeError;
use poem_openapi::payload::{ParsePayload, Payload};
use poem_openapi::registry::{MetaMediaType, MetaRequest, MetaSchema, MetaSchemaRef, Registry};
use poem_openapi::types::{ParseFromJSON, Type};
use poem_openapi::{ApiExtractor, ApiExtractorType, ExtractParamOptions};
use serde_json::Value;

use crate::error::{ApiError, ErrorCode, into_poem};

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

impl<T: ParseFromJSON + 'static> ParsePayload for JsonBody<T> {
    const IS_REQUIRED: bool = T::IS_REQUIRED;

    async fn from_request(request: &Request, body: &mut RequestBody) -> poem::Result<Self> {
        let data = <Vec<u8> as FromRequest>::from_request(request, body).await?;
        let value = if data.iter().all(u8::is_ascii_whitespace) {
            if T::IS_REQUIRED {
                return Err(into_poem(ApiError::new(
                    ErrorCode::InvalidJson,
                    "the request body is empty; send a JSON object",
                )));
            }
            Value::Null
        } else {
            serde_json::from_slice(&data).map_err(|e| {
                into_poem(
                    ApiError::new(
                        ErrorCode::InvalidJson,
                        format!("the request body is not valid JSON: {e}"),
                    )
                    .with_data(serde_json::json!({ "line": e.line(), "column": e.column() })),
                )
            })?
        };
        // An optional body left out has nothing to check.
        let absent = value.is_null() && !T::IS_REQUIRED;
        if let Some((field, reason)) = explain::<T>(&value).filter(|_| !absent) {
            return Err(into_poem(ApiError::validation(&field, reason)));
        }
        T::parse_from_json(Some(value))
            .map(JsonBody)
            .map_err(|e| into_poem(invalid_body(e.into_message())))
    }
}

/// Checks a body against the schema the OpenAPI document publishes — required fields, types
/// (strictly: poem-openapi alone would read `5` as the string `"5"`), enums, lengths, ranges,
/// item counts, nested objects, unknown fields — and names the first field at fault, which
/// poem-openapi's own messages do not always do.
fn explain<T: Type + 'static>(value: &Value) -> Option<(String, String)> {
    let registry = registry_of::<T>();
    let root = T::schema_ref();
    let schema = resolve(&registry, &root)?;
    check(&registry, schema, value, "")
}

/// The schemas of a body type, built once per type and process.
fn registry_of<T: Type + 'static>() -> Arc<Registry> {
    static REGISTRIES: OnceLock<Mutex<HashMap<TypeId, Arc<Registry>>>> = OnceLock::new();
    let registries = REGISTRIES.get_or_init(Default::default);
    let mut registries = registries.lock().unwrap_or_else(|p| p.into_inner());
    registries
        .entry(TypeId::of::<T>())
        .or_insert_with(|| {
            let mut registry = Registry::new();
            T::register(&mut registry);
            Arc::new(registry)
        })
        .clone()
}

/// The schema a reference (or an `allOf` wrapper around one) stands for.
fn resolve<'a>(registry: &'a Registry, schema: &'a MetaSchemaRef) -> Option<&'a MetaSchema> {
    match schema {
        MetaSchemaRef::Reference(name) => registry.schemas.get(name),
        MetaSchemaRef::Inline(inline) => match inline.all_of.first() {
            // A reference with a default or description added is written `allOf: [$ref, ..]`.
            Some(inner) if inline.properties.is_empty() => resolve(registry, inner),
            _ => Some(inline),
        },
    }
}

fn join(path: &str, field: &str) -> String {
    if path.is_empty() {
        field.to_owned()
    } else {
        format!("{path}.{field}")
    }
}

fn check(
    registry: &Registry,
    schema: &MetaSchema,
    v: &Value,
    path: &str,
) -> Option<(String, String)> {
    let at = |reason: String| {
        Some((
            if path.is_empty() {
                "body".to_owned()
            } else {
                path.to_owned()
            },
            reason,
        ))
    };
    match schema.ty {
        "object" if !schema.properties.is_empty() => {
            let Some(object) = v.as_object() else {
                return at("must be a JSON object".to_owned());
            };
            if let Some(field) = schema
                .required
                .iter()
                .find(|f| object.get(**f).is_none_or(Value::is_null))
            {
                return Some((join(path, field), "is required".to_owned()));
            }
            for (field, property) in &schema.properties {
                let Some(fv) = object.get(*field).filter(|fv| !fv.is_null()) else {
                    continue;
                };
                let property = resolve(registry, property)?;
                if let Some(found) = check(registry, property, fv, &join(path, field)) {
                    return Some(found);
                }
            }
            object
                .keys()
                .find(|k| !schema.properties.iter().any(|(p, _)| p == k))
                .map(|k| (join(path, k), "is not a known field".to_owned()))
        }
        "object" => (!v.is_object())
            .then(|| at("must be a JSON object".to_owned()))
            .flatten(),
        "string" => {
            if !schema.enum_items.is_empty() {
                if schema.enum_items.iter().any(|item| item == v) {
                    return None;
                }
                let allowed: Vec<String> =
                    schema.enum_items.iter().map(|i| i.to_string()).collect();
                return at(format!("must be one of {}", allowed.join(", ")));
            }
            let Some(s) = v.as_str() else {
                return at("must be a string".to_owned());
            };
            let len = s.chars().count();
            if let Some(max) = schema.max_length.filter(|max| len > *max) {
                return at(format!("must be at most {max} characters"));
            }
            if let Some(min) = schema.min_length.filter(|min| len < *min) {
                return at(if min == 1 {
                    "must not be empty".to_owned()
                } else {
                    format!("must be at least {min} characters")
                });
            }
            None
        }
        "integer" | "number" => {
            let Some(n) = v
                .as_f64()
                .filter(|_| schema.ty == "number" || v.is_i64() || v.is_u64())
            else {
                let what = if schema.ty == "integer" {
                    "an integer"
                } else {
                    "a number"
                };
                return at(format!("must be {what}"));
            };
            if let Some(max) = schema.maximum.filter(|max| n > *max) {
                return at(format!("must be at most {max}"));
            }
            if let Some(min) = schema.minimum.filter(|min| n < *min) {
                return at(format!("must be at least {min}"));
            }
            None
        }
        "boolean" => (!v.is_boolean())
            .then(|| at("must be a boolean".to_owned()))
            .flatten(),
        "array" => {
            let Some(items) = v.as_array() else {
                return at("must be an array".to_owned());
            };
            if let Some(max) = schema.max_items.filter(|max| items.len() > *max) {
                return at(format!("must hold at most {max} items"));
            }
            let item_schema = schema.items.as_deref().and_then(|i| resolve(registry, i))?;
            items
                .iter()
                .enumerate()
                .find_map(|(i, item)| check(registry, item_schema, item, &format!("{path}[{i}]")))
        }
        _ => None,
    }
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

impl<'a, T: ParseFromJSON + 'static> ApiExtractor<'a> for JsonBody<T> {
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
            // An optional body may be left out altogether.
            None if !<Self as ParsePayload>::IS_REQUIRED => {
                <Self as ParsePayload>::from_request(request, body).await
            }
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
