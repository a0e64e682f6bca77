//! The embedder matches an independent implementation (Python sentence-transformers), whose
//! vectors for a handful of sentences are committed as a fixture by
//! `scripts/make-embedding-fixture.py`. Needs the models folder (`scripts/fetch-models`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use companin_inference::{Embedder, EmbedderOptions, dot};
use serde::Deserialize;

#[derive(Deserialize)]
struct Reference {
    max_seq_length: usize,
    sentences: Vec<String>,
    vectors: Vec<Vec<f32>>,
}

fn models_dir() -> PathBuf {
    std::env::var_os("COMPANIN_MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../models"))
}

fn reference() -> Reference {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/minilm_reference.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn load(batch_size: usize) -> Embedder {
    let options = EmbedderOptions {
        threads: 2,
        batch_size,
        ..EmbedderOptions::default()
    };
    Embedder::load(&models_dir(), options)
        .unwrap_or_else(|e| panic!("the embedder needs the models folder: {e}"))
}

#[test]
fn vectors_match_sentence_transformers() {
    let reference = reference();
    assert_eq!(reference.max_seq_length, 256);
    // Batch sizes 1 and 3 exercise padding: padded and unpadded runs must agree.
    for batch_size in [1, 3, 32] {
        let embedder = load(batch_size);
        assert_eq!(embedder.dimension(), 384);
        let vectors = embedder.embed(&reference.sentences).unwrap();
        assert_eq!(vectors.len(), reference.sentences.len());
        for ((sentence, ours), theirs) in reference
            .sentences
            .iter()
            .zip(&vectors)
            .zip(&reference.vectors)
        {
            let norm = dot(ours, ours).sqrt();
            assert!((norm - 1.0).abs() < 1e-4, "not unit length: {norm}");
            let theirs_norm = dot(theirs, theirs).sqrt();
            let cosine = dot(ours, theirs) / theirs_norm;
            assert!(
                cosine >= 0.999,
                "batch {batch_size}: cosine {cosine} for {:?}",
                sentence.chars().take(40).collect::<String>()
            );
        }
    }
}

#[test]
fn spans_pool_the_tokens_they_cover() {
    let embedder = load(8);
    let text = "The lamp is warm. Shipping takes two days.";
    let first = 0..17;
    let out = embedder
        .embed_with_spans(&[text], &[vec![first.clone(), 18..text.len(), 400..410]])
        .unwrap();
    let spans = &out[0].spans;
    assert_eq!(spans.len(), 3);
    let a = spans[0].as_ref().unwrap();
    let b = spans[1].as_ref().unwrap();
    assert!((dot(a, a) - 1.0).abs() < 1e-4);
    assert!(spans[2].is_none(), "a span outside the text has no vector");
    // Contextual span vectors are closer to their own sentence's embedding than to the other's.
    let alone = embedder.embed(&[&text[first], &text[18..]]).unwrap();
    assert!(dot(a, &alone[0]) > dot(a, &alone[1]));
    assert!(dot(b, &alone[1]) > dot(b, &alone[0]));
}

#[test]
fn empty_input_is_fine() {
    let embedder = load(4);
    assert!(embedder.embed::<&str>(&[]).unwrap().is_empty());
    let v = embedder.embed(&[""]).unwrap();
    assert_eq!(v[0].len(), 384);
}
