//! Every committed fixture through the real parsers, chunker and embedder.
//! Needs the models folder (`scripts/fetch-models`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use companin_inference::{Embedder, EmbedderOptions};
use companin_ingest::parse::parse;
use companin_ingest::{ChunkOptions, ParseError, Source, SourceFormat, prepare};

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/knowledge")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn text_of(name: &str) -> String {
    let format = SourceFormat::from_file_name(name).unwrap();
    parse(format, &fixture(name)).unwrap().full_text()
}

fn embedder() -> Embedder {
    let dir = std::env::var_os("COMPANIN_MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../models"));
    Embedder::load(
        &dir,
        EmbedderOptions {
            threads: 2,
            ..EmbedderOptions::default()
        },
    )
    .unwrap()
}

#[test]
fn each_format_yields_its_facts() {
    let pdf = text_of("guide.pdf");
    assert!(pdf.contains("warranty of 3 years"), "{pdf}");
    assert!(pdf.contains("12 seconds"), "page 2 is read: {pdf}");
    assert!(text_of("notes.txt").contains("Zéphyr café grinder"));
    let md = parse(SourceFormat::Markdown, &fixture("handbook.md")).unwrap();
    assert!(md.sections.iter().any(|s| s.heading.is_some()));
    assert!(md.full_text().contains("27 days"));
    let html = text_of("page.html");
    assert!(html.contains("28 litres"), "{html}");
    for decoy in [
        "SCRIPT-DECOY",
        "STYLE-DECOY",
        "NAV-DECOY",
        "HEADER-DECOY",
        "FOOTER-DECOY",
    ] {
        assert!(!html.contains(decoy), "{decoy} leaked: {html}");
    }
    let csv = text_of("prices.csv");
    assert!(
        csv.contains("sku: SOL-220; product: Solstice kettle; price_eur: 64.50"),
        "{csv}"
    );
    assert!(csv.contains("steel, brushed"));
    let json = text_of("catalog.json");
    assert!(json.contains("store.warehouses[0].city: Tromsø"), "{json}");
}

#[test]
fn broken_files_fail_clearly() {
    let err = parse(SourceFormat::Text, &fixture("invalid-utf8.txt")).unwrap_err();
    assert!(matches!(err, ParseError::InvalidUtf8 { .. }), "{err}");
    let err = parse(SourceFormat::Pdf, &fixture("corrupt.pdf")).unwrap_err();
    assert!(matches!(err, ParseError::BadPdf(_)), "{err}");
    let err = parse(SourceFormat::Pdf, &fixture("encrypted.pdf")).unwrap_err();
    assert_eq!(err, ParseError::EncryptedPdf);
}

#[test]
fn prepared_document_has_chunks_keywords_and_summary() {
    let embedder = embedder();
    let parsed = parse(SourceFormat::Markdown, &fixture("handbook.md")).unwrap();
    let options = ChunkOptions {
        max_tokens: 64,
        overlap_tokens: 8,
    };
    let mut calls = 0;
    let prepared = prepare(
        Source::Document {
            title: "Staff handbook",
            parsed: &parsed,
        },
        None,
        &embedder,
        options,
        &mut |done, total| {
            calls += 1;
            assert!(done <= total);
            true
        },
    )
    .unwrap();
    assert!(calls >= 1);
    assert!(prepared.chunks.len() > 1);
    for c in &prepared.chunks {
        assert!(
            c.content.starts_with("Staff handbook"),
            "prefixed: {}",
            c.content
        );
        assert!(
            c.token_count <= 64,
            "{} tokens: {}",
            c.token_count,
            c.content
        );
        assert_eq!(c.vector.len(), 384);
    }
    assert!(!prepared.keywords.is_empty());
    assert_eq!(prepared.language.as_deref(), Some("en"), "detected");
    assert!(
        prepared
            .chunks
            .iter()
            .all(|c| c.language.as_deref() == Some("en"))
    );
    let summary = prepared.summary.unwrap();
    assert!(!summary.is_empty() && summary.len() < 1200, "{summary}");
}

#[test]
fn qa_is_embedded_on_its_questions_and_cancel_stops() {
    let embedder = embedder();
    let alternates = vec!["When are returns accepted?".to_owned()];
    let prepared = prepare(
        Source::Qa {
            question: "What is the return policy?",
            alternates: &alternates,
            answer: "45 days.",
        },
        None,
        &embedder,
        ChunkOptions::default(),
        &mut |_, _| true,
    )
    .unwrap();
    assert_eq!(prepared.chunks.len(), 2);
    assert_eq!(
        prepared.chunks[1].content,
        "Q: When are returns accepted?\nA: 45 days."
    );
    let q = embedder.embed(&["When are returns accepted?"]).unwrap();
    let cos: f32 = q[0]
        .iter()
        .zip(&prepared.chunks[1].vector)
        .map(|(a, b)| a * b)
        .sum();
    assert!(cos > 0.999, "embedded on the question alone");

    let parsed = parse(SourceFormat::Text, &fixture("notes.txt")).unwrap();
    let err = prepare(
        Source::Document {
            title: "Notes",
            parsed: &parsed,
        },
        None,
        &embedder,
        ChunkOptions::default(),
        &mut |_, _| false,
    )
    .unwrap_err();
    assert!(matches!(
        err,
        companin_ingest::prepare::PrepareError::Canceled
    ));
}
