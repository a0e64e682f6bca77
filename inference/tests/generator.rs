//! The generator loads from its one GGUF file, tokenizes ChatML correctly and answers within
//! its limits. Needs the models folder (`scripts/fetch-models`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use companin_inference::{Generator, GeneratorOptions, Limits, Message, Role, StopReason};

fn generator() -> &'static Generator {
    static GENERATOR: OnceLock<Generator> = OnceLock::new();
    GENERATOR.get_or_init(|| {
        let dir = std::env::var_os("COMPANIN_MODELS_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../models"));
        Generator::load(&dir, GeneratorOptions { threads: 2 })
            .unwrap_or_else(|e| panic!("the generator needs the models folder: {e}"))
    })
}

fn ask(question: &str, max_tokens: usize) -> companin_inference::Generated {
    generator()
        .chat(
            &[Message {
                role: Role::User,
                content: question,
            }],
            Limits {
                max_tokens,
                deadline: Duration::from_secs(120),
            },
            &|| false,
        )
        .unwrap()
}

#[test]
fn tokenizer_round_trips_and_keeps_chat_markers_whole() {
    let g = generator();
    let text = "Prices rose 12.5% in 2024 — café, naïve, 東京.";
    assert_eq!(g.truncate(text, 1_000).unwrap(), text);
    let prompt = Generator::prompt(&[Message {
        role: Role::User,
        content: "hi",
    }]);
    // <|im_start|> user \n hi <|im_end|> \n <|im_start|> assistant \n
    let tokens = g.count_tokens(&prompt).unwrap();
    assert!(
        tokens <= 12,
        "chat markers split into pieces: {tokens} tokens"
    );
    // Digits are single tokens, as SmolLM2 was trained.
    assert_eq!(g.count_tokens("2024").unwrap(), 4);
    let cut = g.truncate(text, 3).unwrap();
    assert!(text.starts_with(cut) && cut.len() < text.len() && !cut.is_empty());
}

#[test]
fn answers_a_simple_question() {
    let out = ask("What is the capital of France?", 16);
    assert!(
        out.text.contains("Paris"),
        "unexpected answer: {:?}",
        out.text
    );
    assert!(out.prompt_tokens > 5 && out.completion_tokens >= 1);
}

#[test]
fn stops_at_the_token_limit_and_on_cancel() {
    let out = ask("Write a long story about a lighthouse keeper.", 5);
    assert_eq!(out.stop, StopReason::Length);
    assert_eq!(out.completion_tokens, 5);
    let canceled = generator()
        .chat(
            &[Message {
                role: Role::User,
                content: "Write a long story about a lighthouse keeper.",
            }],
            Limits {
                max_tokens: 50,
                deadline: Duration::from_secs(120),
            },
            &|| true,
        )
        .unwrap();
    assert_eq!(canceled.stop, StopReason::Canceled);
    assert_eq!(canceled.completion_tokens, 1);
}
