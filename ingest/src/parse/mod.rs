//! Bytes of a supported format → text with its structure (title, headed sections).
//!
//! Every parser here is safe on hostile input: none recurses per level of the input's nesting
//! (HTML's nesting is capped as it is parsed and walked with an explicit stack, JSON's is capped
//! by serde_json), and none
//! lets the text it produces outgrow its input by more than [`MAX_EXPANSION`] times (a
//! [`Budget`]): the structured formats repeat a column header or key path on every line, so a
//! small file with a huge header could otherwise grow to gigabytes. PDFs are read in a child
//! process with memory and time limits ([`pdf`]).

mod budget;
mod html;
mod html_tree;
pub mod pdf;
mod structured;

use std::time::Duration;

pub use budget::{Budget, MAX_EXPANSION, MAX_LABEL_CHARS, MIN_TEXT_BUDGET, label};

use crate::format::SourceFormat;

/// Why a source could not be read. The message is shown to users on the item, so it says what
/// is wrong with their file, not how our code failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
pub enum ParseError {
    #[error("the file is not valid UTF-8 text (invalid bytes at offset {offset})")]
    InvalidUtf8 { offset: usize },
    #[error("the PDF is encrypted; upload a copy without a password")]
    EncryptedPdf,
    #[error("the PDF could not be read: {0}")]
    BadPdf(String),
    #[error("reading the PDF took longer than {0:?}")]
    PdfTimeout(Duration),
    #[error(
        "reading the PDF needed more than {0} MiB of memory (a compression bomb or a damaged file)"
    )]
    PdfMemory(u64),
    #[error("the PDF's compressed streams inflate to more than {0} MiB (a compression bomb?)")]
    PdfInflates(u64),
    /// Not the file's fault: the child process that reads PDFs could not run.
    #[error("the PDF reader could not run: {0}")]
    PdfReader(String),
    #[error(
        "the file expands to more than {limit} bytes of text ({MAX_EXPANSION} times its size); \
         split it or shorten its repeated headers or keys"
    )]
    TooMuchText { limit: usize },
    #[error("the JSON is nested deeper than {0} levels")]
    TooDeep(usize),
    #[error("the CSV could not be read: {0}")]
    BadCsv(String),
    #[error("the JSON could not be read: {0}")]
    BadJson(String),
    #[error("the file contains no text")]
    Empty,
}

/// A parsed source.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Parsed {
    /// A title found in the source itself (HTML `<title>`, first Markdown heading).
    pub title: Option<String>,
    pub sections: Vec<Section>,
}

/// A run of text under one heading.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Section {
    /// The heading path, e.g. `Leave > Carry-over`.
    pub heading: Option<String>,
    pub text: String,
}

impl Parsed {
    /// The whole text, headings included, as one string.
    pub fn full_text(&self) -> String {
        let mut out = String::new();
        for s in &self.sections {
            if let Some(h) = &s.heading {
                out.push_str(h);
                out.push('\n');
            }
            out.push_str(&s.text);
            out.push_str("\n\n");
        }
        out.trim_end().to_owned()
    }

    fn non_empty(self) -> Result<Self, ParseError> {
        if self.sections.iter().all(|s| s.text.trim().is_empty()) {
            return Err(ParseError::Empty);
        }
        Ok(self)
    }
}

/// Parses `bytes` as `format`, in this process. For PDFs that means no bound on the time or
/// memory pdf-extract takes: untrusted PDFs go through [`pdf::Reader`], which runs this in a
/// child process with limits.
pub fn parse(format: SourceFormat, bytes: &[u8]) -> Result<Parsed, ParseError> {
    let mut budget = Budget::for_input(bytes.len());
    let parsed = match format {
        SourceFormat::Pdf => pdf::parse(bytes, &mut budget)?,
        SourceFormat::Text => Parsed {
            title: None,
            sections: vec![Section {
                heading: None,
                text: normalize_text(utf8(bytes)?),
            }],
        },
        SourceFormat::Markdown => markdown(utf8(bytes)?, &mut budget)?,
        SourceFormat::Html => html::parse(utf8(bytes)?, &mut budget)?,
        SourceFormat::Csv => structured::csv(bytes, &mut budget)?,
        SourceFormat::Json => structured::json(bytes, &mut budget)?,
    };
    parsed.non_empty()
}

pub use html::{PageLinks, page_links};

/// Plain text parsed as such (the `text` knowledge type).
pub fn plain(text: &str) -> Result<Parsed, ParseError> {
    Parsed {
        title: None,
        sections: vec![Section {
            heading: None,
            text: normalize_text(text),
        }],
    }
    .non_empty()
}

/// UTF-8 text, with a byte-order mark dropped; invalid bytes are an error, not garbage.
fn utf8(bytes: &[u8]) -> Result<&str, ParseError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| ParseError::InvalidUtf8 {
        offset: e.valid_up_to(),
    })
}

/// Line endings unified, trailing spaces and runs of blank lines dropped.
fn normalize_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.replace("\r\n", "\n").replace('\r', "\n").lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.trim().to_owned()
}

/// Markdown split at its ATX headings (outside code fences); each section keeps its heading
/// path so a chunk from deep in a document still says where it is (each heading shortened to
/// [`MAX_LABEL_CHARS`], the whole within the budget).
fn markdown(text: &str, budget: &mut Budget) -> Result<Parsed, ParseError> {
    let mut sections = Vec::new();
    let mut path: Vec<(usize, String)> = Vec::new();
    let mut current = String::new();
    let mut title = None;
    let mut in_fence = false;
    let heading_of = |path: &[(usize, String)]| {
        (!path.is_empty()).then(|| {
            path.iter()
                .map(|(_, h)| h.as_str())
                .collect::<Vec<_>>()
                .join(" > ")
        })
    };
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            in_fence = !in_fence;
        }
        let level = trimmed.chars().take_while(|&c| c == '#').count();
        let is_heading = !in_fence && (1..=6).contains(&level) && trimmed[level..].starts_with(' ');
        if !is_heading {
            current.push_str(line);
            current.push('\n');
            continue;
        }
        let heading = label(trimmed[level..].trim().trim_end_matches('#').trim());
        if !current.trim().is_empty() {
            sections.push(budget.section(heading_of(&path), normalize_text(&current))?);
        }
        current.clear();
        if title.is_none() && level == 1 {
            title = Some(heading.clone());
        }
        path.retain(|(l, _)| *l < level);
        path.push((level, heading));
    }
    if !current.trim().is_empty() {
        sections.push(budget.section(heading_of(&path), normalize_text(&current))?);
    }
    Ok(Parsed { title, sections })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_utf8_is_an_error_with_its_offset() {
        let err = parse(SourceFormat::Text, b"abc\xC3\x28def").unwrap_err();
        assert_eq!(err, ParseError::InvalidUtf8 { offset: 3 });
        assert!(err.to_string().contains("UTF-8"));
    }

    #[test]
    fn text_is_normalised_and_bom_dropped() {
        let p = parse(
            SourceFormat::Text,
            b"\xEF\xBB\xBFHello  \r\n\r\n\r\n\r\nWorld\n",
        )
        .unwrap();
        assert_eq!(p.sections[0].text, "Hello\n\nWorld");
        assert_eq!(parse(SourceFormat::Text, b"  \n "), Err(ParseError::Empty));
    }

    #[test]
    fn markdown_sections_keep_their_heading_path() {
        let md = "# Handbook\nIntro.\n## Leave\nYou get 27 days.\n### Carry-over\nUntil March.\n```\n# not a heading\n```\n## Support\nHours.";
        let p = parse(SourceFormat::Markdown, md.as_bytes()).unwrap();
        assert_eq!(p.title.as_deref(), Some("Handbook"));
        let heads: Vec<_> = p
            .sections
            .iter()
            .map(|s| s.heading.clone().unwrap())
            .collect();
        assert_eq!(
            heads,
            [
                "Handbook",
                "Handbook > Leave",
                "Handbook > Leave > Carry-over",
                "Handbook > Support"
            ]
        );
        assert!(p.sections[2].text.contains("# not a heading"));
    }

    #[test]
    fn a_long_heading_over_many_sections_fails_instead_of_multiplying() {
        // One 1 MB heading, then 200,000 tiny sections under it: each section repeats the
        // heading path, so unbounded this would be 200 GB of text.
        let mut md = format!("# {}\n", "h".repeat(1 << 20));
        for _ in 0..200_000 {
            md.push_str("## a\nb\n");
        }
        let err = parse(SourceFormat::Markdown, md.as_bytes()).unwrap_err();
        assert!(matches!(err, ParseError::TooMuchText { .. }), "{err}");
        // The same headings over real text pass, shortened.
        let ok = format!(
            "# {}\n{}",
            "h".repeat(1 << 20),
            "Plenty of text.\n".repeat(1000)
        );
        let p = parse(SourceFormat::Markdown, ok.as_bytes()).unwrap();
        assert_eq!(
            p.title.as_ref().map(|t| t.chars().count()),
            Some(MAX_LABEL_CHARS + 1)
        );
    }
}
