//! CSV rows and JSON documents as readable lines: `header: value` and `path: value`.

use serde_json::Value;

use super::{ParseError, Parsed, Section, utf8};

/// Each row becomes one line naming its columns: `sku: AUR-100; product: Aurora desk lamp`.
pub(super) fn csv(bytes: &[u8]) -> Result<Parsed, ParseError> {
    utf8(bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes));
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| ParseError::BadCsv(e.to_string()))?
        .iter()
        .map(str::to_owned)
        .collect();
    let mut lines = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| ParseError::BadCsv(e.to_string()))?;
        let fields: Vec<String> = record
            .iter()
            .enumerate()
            .filter(|(_, v)| !v.is_empty())
            .map(|(i, v)| match headers.get(i).filter(|h| !h.is_empty()) {
                Some(h) => format!("{h}: {v}"),
                None => format!("column {}: {v}", i + 1),
            })
            .collect();
        if !fields.is_empty() {
            lines.push(fields.join("; "));
        }
    }
    Ok(Parsed {
        title: None,
        sections: vec![Section {
            heading: None,
            text: lines.join("\n"),
        }],
    })
}

/// Leaves flattened to `path: value` lines, e.g. `store.warehouses[0].city: Tromsø`.
pub(super) fn json(bytes: &[u8]) -> Result<Parsed, ParseError> {
    let value: Value = serde_json::from_str(utf8(bytes)?.trim_start_matches('\u{feff}'))
        .map_err(|e| ParseError::BadJson(e.to_string()))?;
    let mut lines = Vec::new();
    flatten(&value, &mut String::new(), &mut lines);
    Ok(Parsed {
        title: None,
        sections: vec![Section {
            heading: None,
            text: lines.join("\n"),
        }],
    })
}

fn flatten(value: &Value, path: &mut String, out: &mut Vec<String>) {
    let len = path.len();
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
                flatten(v, path, out);
                path.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                path.push_str(&format!("[{i}]"));
                flatten(v, path, out);
                path.truncate(len);
            }
        }
        Value::Null => {}
        Value::String(s) if s.trim().is_empty() => {}
        leaf => {
            let text = match leaf {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let label = if path.is_empty() {
                "value"
            } else {
                path.as_str()
            };
            out.push(format!("{label}: {text}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_keep_their_headers() {
        let p = csv(b"sku,product,colour\nA1,Lamp,\"steel, brushed\"\nB2,Kettle,\n").unwrap();
        assert_eq!(
            p.sections[0].text,
            "sku: A1; product: Lamp; colour: steel, brushed\nsku: B2; product: Kettle"
        );
        assert!(matches!(
            csv(b"a,b\n\xFF,1"),
            Err(ParseError::InvalidUtf8 { .. })
        ));
    }

    #[test]
    fn json_is_flattened_to_paths() {
        let p = json(
            br#"{"store":{"warehouses":[{"city":"Troms\u00f8","doors":6}]},"ok":true,"none":null}"#,
        )
        .unwrap();
        assert_eq!(
            p.sections[0].text,
            // Object keys come in sorted order.
            "ok: true\nstore.warehouses[0].city: Tromsø\nstore.warehouses[0].doors: 6"
        );
        assert!(matches!(json(b"{nope"), Err(ParseError::BadJson(_))));
    }
}
