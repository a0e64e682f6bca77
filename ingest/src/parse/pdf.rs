//! PDF text through pdf-extract, which panics on some malformed files by design: the panic is
//! caught and becomes an error on the item, and the time spent is bounded.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

use super::{ParseError, Parsed, Section, normalize_text};

pub(super) fn parse(bytes: &[u8]) -> Result<Parsed, ParseError> {
    let pages = catch_unwind(AssertUnwindSafe(|| {
        pdf_extract::extract_text_from_mem_by_pages(bytes)
    }))
    .map_err(|panic| {
        let why = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "malformed file".to_owned());
        ParseError::BadPdf(why)
    })?
    .map_err(|e| {
        let message = e.to_string();
        if message.to_ascii_lowercase().contains("encrypt") || message.contains("decrypt") {
            ParseError::EncryptedPdf
        } else {
            ParseError::BadPdf(message)
        }
    })?;
    let sections = pages
        .iter()
        .enumerate()
        .filter(|(_, text)| !text.trim().is_empty())
        .map(|(i, text)| Section {
            heading: Some(format!("Page {}", i + 1)),
            text: normalize_text(text),
        })
        .collect();
    Ok(Parsed {
        title: None,
        sections,
    })
}

/// [`super::parse`] of a PDF on its own thread, given up after `limit`. A timed-out thread is
/// left to finish on its own (pdf-extract cannot be interrupted); its result is dropped.
pub fn parse_with_timeout(bytes: Vec<u8>, limit: Duration) -> Result<Parsed, ParseError> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("pdf-extract".into())
        .spawn(move || {
            let _ = tx.send(super::parse(crate::SourceFormat::Pdf, &bytes));
        })
        .map_err(|e| ParseError::BadPdf(format!("cannot start the PDF reader: {e}")))?;
    match rx.recv_timeout(limit) {
        Ok(result) => result,
        Err(_) => Err(ParseError::PdfTimeout(limit)),
    }
}
