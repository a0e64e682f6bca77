//! The source formats the pipeline reads.

use std::fmt;

/// A supported file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFormat {
    Pdf,
    Text,
    Markdown,
    Html,
    Csv,
    Json,
}

impl SourceFormat {
    pub const ALL: [SourceFormat; 6] = [
        SourceFormat::Pdf,
        SourceFormat::Text,
        SourceFormat::Markdown,
        SourceFormat::Html,
        SourceFormat::Csv,
        SourceFormat::Json,
    ];

    /// The canonical media type, as stored on the item.
    pub fn media_type(self) -> &'static str {
        match self {
            SourceFormat::Pdf => "application/pdf",
            SourceFormat::Text => "text/plain",
            SourceFormat::Markdown => "text/markdown",
            SourceFormat::Html => "text/html",
            SourceFormat::Csv => "text/csv",
            SourceFormat::Json => "application/json",
        }
    }

    fn extensions(self) -> &'static [&'static str] {
        match self {
            SourceFormat::Pdf => &["pdf"],
            SourceFormat::Text => &["txt", "text"],
            SourceFormat::Markdown => &["md", "markdown"],
            SourceFormat::Html => &["html", "htm"],
            SourceFormat::Csv => &["csv"],
            SourceFormat::Json => &["json"],
        }
    }

    /// From a media type (parameters ignored), e.g. `text/html; charset=utf-8`.
    pub fn from_media_type(media_type: &str) -> Option<Self> {
        let essence = media_type.split(';').next()?.trim().to_ascii_lowercase();
        let format = match essence.as_str() {
            "application/pdf" => SourceFormat::Pdf,
            "text/plain" => SourceFormat::Text,
            "text/markdown" | "text/x-markdown" => SourceFormat::Markdown,
            "text/html" | "application/xhtml+xml" => SourceFormat::Html,
            "text/csv" | "application/csv" => SourceFormat::Csv,
            "application/json" | "text/json" => SourceFormat::Json,
            _ => return None,
        };
        Some(format)
    }

    /// From a file name's extension.
    pub fn from_file_name(name: &str) -> Option<Self> {
        let (_, ext) = name.rsplit_once('.')?;
        let ext = ext.to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|f| f.extensions().contains(&ext.as_str()))
    }

    /// The format of an upload: a specific media type wins; a generic one
    /// (`application/octet-stream`, none) falls back to the file name's extension.
    pub fn detect(media_type: Option<&str>, file_name: Option<&str>) -> Option<Self> {
        media_type
            .and_then(Self::from_media_type)
            .or_else(|| file_name.and_then(Self::from_file_name))
    }

    /// The supported types, for error messages.
    pub fn supported_list() -> String {
        Self::ALL
            .iter()
            .map(|f| format!("{} (.{})", f.media_type(), f.extensions().join(", .")))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for SourceFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.media_type())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_type_then_name() {
        assert_eq!(
            SourceFormat::detect(Some("text/html; charset=utf-8"), Some("a.txt")),
            Some(SourceFormat::Html)
        );
        assert_eq!(
            SourceFormat::detect(Some("application/octet-stream"), Some("Guide.PDF")),
            Some(SourceFormat::Pdf)
        );
        assert_eq!(
            SourceFormat::detect(None, Some("notes.md")),
            Some(SourceFormat::Markdown)
        );
        assert_eq!(SourceFormat::detect(Some("image/png"), Some("a.png")), None);
        assert_eq!(SourceFormat::detect(None, Some("noext")), None);
        for f in SourceFormat::ALL {
            assert_eq!(SourceFormat::from_media_type(f.media_type()), Some(f));
        }
        assert!(SourceFormat::supported_list().contains("text/csv (.csv)"));
    }
}
