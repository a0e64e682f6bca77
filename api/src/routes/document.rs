//! The published OpenAPI document: poem-openapi's, with what its generator cannot say.
//!
//! - An optional field (`Option<T>`) is answered as `null` when it has no value, and `null`
//!   is accepted for it in bodies; poem-openapi writes it as merely not required. Every
//!   property that is not required is marked `nullable` (a `$ref` wrapped in `allOf`, since
//!   OpenAPI 3.0 ignores siblings of `$ref`).
//! - Unsigned integers (`format: uint32`/`uint64`) get `minimum: 0`: a negative value is
//!   refused (422), and clients and fuzzers should know so from the document.
//! - A `$ref` with a description or a default is written by poem-openapi as `allOf` of the
//!   reference and a bare `{description, default}`; client generators (openapi-python-client)
//!   refuse `allOf` of a non-object. The annotations move up beside the `allOf`, which keeps
//!   the reference alone.
//! - A default that is an object (a nested settings object's defaults) moves into the
//!   description as JSON: generators cannot express an object default for a model, and the
//!   server fills it in anyway when the field is left out.
//!
//! The same document is served at `/openapi.json`, shown by `/docs` and committed as
//! docs/openapi.json.

use serde_json::{Value, json};

/// `spec` (poem-openapi's JSON) with the additions above.
pub fn finish(spec: &str) -> String {
    let Ok(mut doc) = serde_json::from_str::<Value>(spec) else {
        return spec.to_owned();
    };
    walk(&mut doc);
    serde_json::to_string_pretty(&doc).unwrap_or_else(|_| spec.to_owned())
}

/// Visits every object of the document; each schema gets its additions.
fn walk(value: &mut Value) {
    match value {
        Value::Object(map) => {
            lift_annotations(map);
            if map.get("default").is_some_and(Value::is_object)
                && let Some(default) = map.remove("default")
            {
                describe_default(map, &default);
            }
            if map
                .get("format")
                .and_then(Value::as_str)
                .is_some_and(|f| f.starts_with("uint"))
                && !map.contains_key("minimum")
            {
                map.insert("minimum".into(), json!(0));
            }
            let required: Vec<String> = map
                .get("required")
                .and_then(Value::as_array)
                .map(|r| {
                    r.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            if let Some(Value::Object(properties)) = map.get_mut("properties") {
                for (name, property) in properties.iter_mut() {
                    if !required.contains(name) {
                        make_nullable(property);
                    }
                }
            }
            for (key, child) in map.iter_mut() {
                match child {
                    // Names to schemas: a property may be called `default` or `allOf`, so
                    // only the schemas are visited, not this map as if it were one.
                    Value::Object(properties) if key == "properties" => {
                        properties.values_mut().for_each(walk)
                    }
                    _ => walk(child),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(walk),
        _ => {}
    }
}

/// Keys that only annotate a schema: an `allOf` member holding nothing else adds no type.
const ANNOTATIONS: [&str; 5] = ["description", "default", "example", "title", "deprecated"];

/// Moves annotation-only members of `allOf` up into the schema that holds it.
fn lift_annotations(map: &mut serde_json::Map<String, Value>) {
    let Some(Value::Array(members)) = map.remove("allOf") else {
        return;
    };
    let mut kept = Vec::with_capacity(members.len());
    for member in members {
        match member {
            Value::Object(annotations)
                if !annotations.is_empty()
                    && annotations
                        .keys()
                        .all(|k| ANNOTATIONS.contains(&k.as_str())) =>
            {
                for (key, value) in annotations {
                    map.entry(key).or_insert(value);
                }
            }
            other => kept.push(other),
        }
    }
    map.insert("allOf".into(), Value::Array(kept));
}

/// Appends "Default: `{...}`." to the schema's description.
fn describe_default(map: &mut serde_json::Map<String, Value>, default: &Value) {
    let sentence = format!("Default: `{default}`.");
    let description = match map.get("description").and_then(Value::as_str) {
        Some(text) if !text.is_empty() => format!("{text} {sentence}"),
        _ => sentence,
    };
    map.insert("description".into(), Value::String(description));
}

fn make_nullable(schema: &mut Value) {
    let Value::Object(map) = schema else {
        return;
    };
    if let Some(reference) = map.remove("$ref") {
        map.insert("allOf".into(), json!([{ "$ref": reference }]));
    }
    map.insert("nullable".into(), Value::Bool(true));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optional_properties_become_nullable_and_unsigned_integers_non_negative() {
        let spec = json!({
            "components": {"schemas": {"Item": {
                "type": "object",
                "required": ["id"],
                "properties": {
                    "id": {"type": "string"},
                    "error": {"type": "string"},
                    "kind": {"$ref": "#/components/schemas/Kind"},
                    "count": {"type": "integer", "format": "uint64"}
                }
            }}}
        });
        let done: Value = serde_json::from_str(&finish(&spec.to_string())).unwrap();
        let p = &done["components"]["schemas"]["Item"]["properties"];
        assert_eq!(p["id"], json!({"type": "string"}));
        assert_eq!(p["error"], json!({"type": "string", "nullable": true}));
        assert_eq!(
            p["kind"],
            json!({"allOf": [{"$ref": "#/components/schemas/Kind"}], "nullable": true})
        );
        assert_eq!(
            p["count"],
            json!({"type": "integer", "format": "uint64", "minimum": 0, "nullable": true})
        );
    }

    #[test]
    fn annotations_leave_all_of_and_object_defaults_become_prose() {
        let kind = json!({"$ref": "#/components/schemas/Kind"});
        let spec = json!({
            "components": {"schemas": {"Item": {
                "type": "object",
                "properties": {
                    "kind": {"allOf": [kind, {"default": "all"}], "default": "all"},
                    "limits": {
                        "allOf": [{"$ref": "#/components/schemas/Limits"},
                                  {"description": "How far.", "default": {"top_k": 5}}],
                        "description": "How far.",
                        "default": {"top_k": 5}
                    },
                    "both": {"allOf": [kind, {"type": "object"}]},
                    "default": {"type": "object", "default": {}}
                }
            }}}
        });
        let done: Value = serde_json::from_str(&finish(&spec.to_string())).unwrap();
        let p = &done["components"]["schemas"]["Item"]["properties"];
        assert_eq!(
            p["kind"],
            json!({"allOf": [kind], "default": "all", "nullable": true})
        );
        assert_eq!(
            p["limits"],
            json!({
                "allOf": [{"$ref": "#/components/schemas/Limits"}],
                "description": "How far. Default: `{\"top_k\":5}`.",
                "nullable": true
            })
        );
        // A member that adds a type is a real part of the composition and stays.
        assert_eq!(p["both"]["allOf"], json!([kind, {"type": "object"}]));
        // A property named `default` is a property, not a default.
        assert_eq!(p["default"]["type"], "object");
    }
}
