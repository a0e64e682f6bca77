//! The prompt of a generated reply: the persona, what is known about the visitor, the last
//! turns, and the numbered passages with the question.

use serde_json::{Map, Value};

use crate::assistants::config::Config;
use crate::generation::extractive;
use crate::generation::{Prompt, Speaker};
use crate::search::Passage;

/// Characters of one passage given to the generator (its sentences that best match the
/// question): about 100 model tokens, so that three passages, the persona and the question
/// stay a prompt the local model prefills in under two seconds.
pub const PASSAGE_CHARS: usize = 400;
/// Characters of one earlier message given to the generator.
const HISTORY_CHARS: usize = 500;
/// Characters of the visitor's traits given to the generator.
const TRAITS_CHARS: usize = 500;

/// The chat prompt for `question`.
pub fn build(
    config: &Config,
    traits: &Map<String, Value>,
    history: &[(Speaker, String)],
    passages: &[&Passage],
    question: &str,
) -> Prompt {
    let mut messages = vec![(Speaker::System, system(config, traits))];
    for (speaker, text) in history {
        messages.push((*speaker, clip(text, HISTORY_CHARS)));
    }
    let mut user = String::from("Passages:\n");
    for (i, p) in passages.iter().enumerate() {
        user.push_str(&format!(
            "[{}] {}: {}\n",
            i + 1,
            p.title,
            extractive::tighten(question, &p.content, PASSAGE_CHARS)
        ));
    }
    user.push_str("\nQuestion: ");
    user.push_str(question);
    messages.push((Speaker::User, user));
    Prompt { messages }
}

fn system(config: &Config, traits: &Map<String, Value>) -> String {
    let mut s = format!("You are {}", config.name);
    if let Some(d) = config.description.as_deref().filter(|d| !d.is_empty()) {
        s.push_str(&format!(", {d}"));
    }
    s.push_str(&format!(
        ". Reply in a {} tone, in the language with the tag `{}`.",
        config.tone, config.language
    ));
    if !config.instructions.trim().is_empty() {
        s.push(' ');
        s.push_str(config.instructions.trim());
    }
    if !config.default_tasks.is_empty() {
        s.push_str(" You help with: ");
        s.push_str(&config.default_tasks.join("; "));
        s.push('.');
    }
    if !traits.is_empty() {
        let known: Vec<String> = traits
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => format!("{k}: {s}"),
                other => format!("{k}: {other}"),
            })
            .collect();
        s.push_str(" About the visitor: ");
        s.push_str(&clip(&known.join("; "), TRAITS_CHARS));
        s.push('.');
    }
    s.push_str(
        " Answer only from the numbered passages, citing them like [1]. If they do not \
         hold the answer, say that you do not know.",
    );
    s
}

/// `text` cut to at most `max` characters, at a word when there is one.
pub fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max).collect();
    match cut.rsplit_once(' ') {
        Some((head, _)) if !head.is_empty() => format!("{head}…"),
        _ => format!("{cut}…"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use companin_retrieval::Hit;

    fn config() -> Config {
        Config {
            description: Some("the help desk of Acme".into()),
            tone: "friendly".into(),
            language: "de".into(),
            default_tasks: vec!["returns".into()],
            instructions: "Be brief.".into(),
            ..Config::named("Ada")
        }
    }

    #[test]
    fn persona_traits_history_and_numbered_passages_reach_the_prompt() {
        let passage = Passage {
            hit: Hit {
                chunk_id: "chk_1".into(),
                knowledge_id: "kn_1".into(),
                score: 0.9,
                dense_rank: Some(1),
                lexical_rank: None,
                across_languages: false,
            },
            kind: "text".into(),
            title: "Returns".into(),
            source: None,
            content: "Returns are accepted\nwithin 45 days.".into(),
        };
        let mut traits = Map::new();
        traits.insert("plan".into(), Value::String("gold".into()));
        let history = vec![(Speaker::User, "hi".to_owned())];
        let prompt = build(&config(), &traits, &history, &[&passage], "How long?");
        let system = &prompt.messages[0].1;
        for part in [
            "Ada",
            "Acme",
            "friendly",
            "`de`",
            "Be brief.",
            "returns",
            "plan: gold",
        ] {
            assert!(system.contains(part), "{part} missing from {system}");
        }
        assert_eq!(prompt.messages[1], (Speaker::User, "hi".to_owned()));
        assert_eq!(
            prompt.messages[2].1,
            "Passages:\n[1] Returns: Returns are accepted within 45 days.\n\nQuestion: How long?"
        );
    }

    #[test]
    fn clipping_cuts_at_a_word() {
        assert_eq!(clip("one two three", 9), "one two…");
        assert_eq!(clip("short", 9), "short");
    }
}
