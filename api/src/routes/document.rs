//! The published OpenAPI document: poem-openapi's, with what its generator cannot say.
//!
//! - An optional field (`Option<T>`) is answered as `null` when it has no value, and `null`
//!   is accepted for it in bodies; poem-openapi writes it as merely not required. Every
//!   property that is not required is marked `nullable` (a `$ref` wrapped in `allOf`, since
//!   OpenAPI 3.0 ignores siblings of `$ref`).
//! - Unsigned integers (`format: uint32`/`uint64`) get `minimum: 0`: a negative value is
//!   refused (422), and clients and fuzzers should know so from the document.
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
            for child in map.values_mut() {
                walk(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(walk),
        _ => {}
    }
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
}
