//! CSV rows and JSON documents as readable lines: `header: value` and `path: value`.
//!
//! Both repeat a label on every line, so both write through the input's [`Budget`] and cut
//! labels to [`MAX_LABEL_CHARS`](super::MAX_LABEL_CHARS). JSON is flattened while it is read
//! (no document tree is built: a million small values would otherwise cost tens of bytes of
//! tree each before the first line is written).

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

use super::{Budget, ParseError, Parsed, Section, label, utf8};

/// How deep serde_json lets a document nest before it refuses it (its recursion limit).
const JSON_MAX_DEPTH: usize = 128;

/// Each row becomes one line naming its columns: `sku: AUR-100; product: Aurora desk lamp`.
pub(super) fn csv(bytes: &[u8], budget: &mut Budget) -> Result<Parsed, ParseError> {
    utf8(bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes));
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| ParseError::BadCsv(e.to_string()))?
        .iter()
        .map(label)
        .collect();
    let mut text = String::new();
    let mut line = String::new();
    for record in reader.records() {
        let record = record.map_err(|e| ParseError::BadCsv(e.to_string()))?;
        line.clear();
        for (i, value) in record.iter().enumerate().filter(|(_, v)| !v.is_empty()) {
            if !line.is_empty() {
                line.push_str("; ");
            }
            match headers.get(i).filter(|h| !h.is_empty()) {
                Some(h) => line.push_str(h),
                None => line.push_str(&format!("column {}", i + 1)),
            }
            line.push_str(": ");
            line.push_str(value);
        }
        if !line.is_empty() {
            budget.spend(line.len() + 1)?;
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str(&line);
        }
    }
    Ok(Parsed {
        title: None,
        sections: vec![Section {
            heading: None,
            text,
        }],
    })
}

/// Leaves flattened to `path: value` lines in document order, e.g.
/// `store.warehouses[0].city: Tromsø`.
pub(super) fn json(bytes: &[u8], budget: &mut Budget) -> Result<Parsed, ParseError> {
    let text = utf8(bytes)?.trim_start_matches('\u{feff}');
    let mut lines = Lines {
        text: String::new(),
        budget,
        over: None,
    };
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let read = Flatten {
        path: &mut String::new(),
        lines: &mut lines,
    }
    .deserialize(&mut deserializer)
    .and_then(|()| deserializer.end());
    if let Some(over) = lines.over {
        return Err(over);
    }
    read.map_err(|e| {
        if e.to_string().starts_with("recursion limit exceeded") {
            ParseError::TooDeep(JSON_MAX_DEPTH)
        } else {
            ParseError::BadJson(e.to_string())
        }
    })?;
    Ok(Parsed {
        title: None,
        sections: vec![Section {
            heading: None,
            text: lines.text,
        }],
    })
}

/// The flattened text, paid for line by line.
struct Lines<'b> {
    text: String,
    budget: &'b mut Budget,
    /// Why reading stopped, when the budget ran out (serde only carries a message).
    over: Option<ParseError>,
}

impl Lines<'_> {
    fn push<E: de::Error>(&mut self, path: &str, value: &str) -> Result<(), E> {
        let label = if path.is_empty() { "value" } else { path };
        if let Err(over) = self.budget.spend(label.len() + value.len() + 3) {
            self.over = Some(over);
            return Err(E::custom("the text budget ran out"));
        }
        if !self.text.is_empty() {
            self.text.push('\n');
        }
        self.text.push_str(label);
        self.text.push_str(": ");
        self.text.push_str(value);
        Ok(())
    }
}

/// Reads one JSON value at `path`, writing its leaves as lines.
struct Flatten<'p, 'l, 'b> {
    path: &'p mut String,
    lines: &'l mut Lines<'b>,
}

impl<'de> DeserializeSeed<'de> for Flatten<'_, '_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Flatten<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let len = self.path.len();
        while let Some(key) = map.next_key::<String>()? {
            if len > 0 {
                self.path.push('.');
            }
            self.path.push_str(&label(&key));
            map.next_value_seed(Flatten {
                path: self.path,
                lines: self.lines,
            })?;
            self.path.truncate(len);
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let len = self.path.len();
        let mut i = 0usize;
        loop {
            self.path.push_str(&format!("[{i}]"));
            let more = seq.next_element_seed(Flatten {
                path: self.path,
                lines: self.lines,
            })?;
            self.path.truncate(len);
            if more.is_none() {
                return Ok(());
            }
            i += 1;
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        if v.trim().is_empty() {
            return Ok(());
        }
        self.lines.push(self.path, v)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.lines.push(self.path, if v { "true" } else { "false" })
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.lines.push(self.path, &v.to_string())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.lines.push(self.path, &v.to_string())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        // serde_json's shortest form (`1e+300`, not three hundred digits).
        let text = serde_json::Number::from_f64(v).map_or_else(|| v.to_string(), |n| n.to_string());
        self.lines.push(self.path, &text)
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_keep_their_headers() {
        let p = csv(
            b"sku,product,colour\nA1,Lamp,\"steel, brushed\"\nB2,Kettle,\n",
            &mut Budget::for_input(64),
        )
        .unwrap();
        assert_eq!(
            p.sections[0].text,
            "sku: A1; product: Lamp; colour: steel, brushed\nsku: B2; product: Kettle"
        );
        assert!(matches!(
            csv(b"a,b\n\xFF,1", &mut Budget::for_input(8)),
            Err(ParseError::InvalidUtf8 { .. })
        ));
    }

    #[test]
    fn json_is_flattened_to_paths() {
        let json = |b: &[u8]| json(b, &mut Budget::for_input(b.len()));
        let p = json(
            br#"{"store":{"warehouses":[{"city":"Troms\u00f8","doors":6, "w": 1e300}]},"ok":true,"none":null}"#,
        )
        .unwrap();
        assert_eq!(
            p.sections[0].text,
            // Document order.
            "store.warehouses[0].city: Tromsø\nstore.warehouses[0].doors: 6\n\
             store.warehouses[0].w: 1e+300\nok: true"
        );
        assert!(matches!(json(b"{nope"), Err(ParseError::BadJson(_))));
        assert!(matches!(json(b"[1] 2"), Err(ParseError::BadJson(_))));
        assert_eq!(
            json(b"\"just text\"").unwrap().sections[0].text,
            "value: just text"
        );
    }

    #[test]
    fn a_huge_key_over_many_values_fails_within_its_budget() {
        // A 1 MB key over a million one-digit values: unbounded, every value's line would
        // repeat the key (a terabyte). Cut to a label it still outgrows eight times the
        // file, so the file fails with the reason, having used a bounded amount of memory.
        let mut doc = format!("{{\"{}\":[", "k".repeat(1 << 20));
        doc.push_str(&"1,".repeat(1_000_000));
        doc.push_str("1]}");
        let mut budget = Budget::for_input(doc.len());
        let err = json(doc.as_bytes(), &mut budget).unwrap_err();
        assert_eq!(
            err,
            ParseError::TooMuchText {
                limit: budget.limit()
            }
        );
    }

    #[test]
    fn a_huge_header_over_many_rows_fails_within_its_budget() {
        let mut doc = format!("{},b\n", "h".repeat(2 << 20));
        doc.push_str(&"1,\n".repeat(500_000));
        let mut budget = Budget::for_input(doc.len());
        let err = csv(doc.as_bytes(), &mut budget).unwrap_err();
        assert_eq!(
            err,
            ParseError::TooMuchText {
                limit: budget.limit()
            }
        );
        // Long headers over real rows pass, each cut to a label.
        let ok = format!("{},b\nvalue,2\n", "h".repeat(10_000));
        let p = csv(ok.as_bytes(), &mut Budget::for_input(ok.len())).unwrap();
        assert!(
            p.sections[0]
                .text
                .starts_with(&format!("{}…: value; b: 2", "h".repeat(120)))
        );
    }

    #[test]
    fn deep_json_is_refused_without_overflowing_the_stack() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let err = json(deep.as_bytes(), &mut Budget::for_input(deep.len())).unwrap_err();
        assert_eq!(err, ParseError::TooDeep(JSON_MAX_DEPTH));
        let deep = "{\"a\":".repeat(100_000);
        let err = json(deep.as_bytes(), &mut Budget::for_input(deep.len())).unwrap_err();
        assert_eq!(err, ParseError::TooDeep(JSON_MAX_DEPTH));
    }
}
