//! The extractive reply: no model, only the sentences of the retrieved passages that best
//! match the question, each group followed by the number of the passage it came from.
//!
//! Sentences are scored by the question's words they contain (lower-cased, stop words of
//! English and of the question's language left out, accents folded, crudely stemmed), each
//! word weighted by how rare it is among the candidate sentences,
//! plus a small bonus for coming from a better-ranked passage. The chosen sentences keep
//! their passage's rank and, within a passage, their original order, so the reply reads as
//! the source does.

use std::collections::{HashMap, HashSet};

use companin_ingest::enrich::StopWords;
use unicode_normalization::{UnicodeNormalization, char::is_combining_mark};

/// Most sentences in a reply.
pub const MAX_SENTENCES: usize = 3;
/// Longest sentence kept whole, in characters; longer ones are cut at a word.
const MAX_SENTENCE_CHARS: usize = 400;

/// The reply and which of the given passages it cites (indexes into them, in citation
/// order: the reply's `[1]` is `cited[0]`).
#[derive(Debug, Clone, PartialEq)]
pub struct Extract {
    /// The reply as the pieces it streams in; joined, they are the whole reply.
    pub pieces: Vec<String>,
    pub cited: Vec<usize>,
}

impl Extract {
    pub fn text(&self) -> String {
        self.pieces.concat()
    }
}

/// Composes a reply to `question` from `passages` (best first).
pub fn compose(question: &str, passages: &[&str]) -> Extract {
    let stop = stop_words(question);
    let wanted: HashSet<String> = terms(question, &stop).collect();
    let sentences: Vec<(usize, usize, String)> = passages
        .iter()
        .enumerate()
        .flat_map(|(p, text)| {
            sentences(text)
                .into_iter()
                .enumerate()
                .map(move |(i, s)| (p, i, s))
        })
        .collect();
    if sentences.is_empty() {
        return Extract {
            pieces: Vec::new(),
            cited: Vec::new(),
        };
    }
    // How many candidate sentences hold each wanted term.
    let mut holders: HashMap<&str, usize> = HashMap::new();
    let sentence_terms: Vec<HashSet<String>> = sentences
        .iter()
        .map(|(_, _, s)| terms(s, &stop).filter(|t| wanted.contains(t)).collect())
        .collect();
    for found in &sentence_terms {
        for t in found {
            *holders.entry(t.as_str()).or_default() += 1;
        }
    }
    let n = sentences.len() as f64;
    let mut scored: Vec<(f64, usize)> = sentence_terms
        .iter()
        .enumerate()
        .map(|(i, found)| {
            let overlap: f64 = found
                .iter()
                .map(|t| {
                    let df = holders.get(t.as_str()).copied().unwrap_or(1) as f64;
                    1.0 + (n / df).ln()
                })
                .sum();
            let (passage, position, _) = &sentences[i];
            // Better passages and earlier sentences win ties.
            let prior = 0.3 / (1.0 + *passage as f64) + 0.05 / (1.0 + *position as f64);
            (overlap + prior, i)
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let best_overlap = scored.first().map(|(s, _)| *s).unwrap_or(0.0);
    let mut chosen: Vec<usize> = if best_overlap < 1.0 {
        // No sentence shares a word with the question (the passages matched by meaning):
        // the opening of the best passage says what it is about.
        sentences
            .iter()
            .enumerate()
            .filter(|(_, (p, _, _))| *p == 0)
            .map(|(i, _)| i)
            .take(2)
            .collect()
    } else {
        scored
            .iter()
            .filter(|(score, _)| *score >= 1.0)
            .take(MAX_SENTENCES)
            .map(|(_, i)| *i)
            .collect()
    };
    // Passage rank, then the order within the passage.
    chosen.sort_by_key(|&i| (sentences[i].0, sentences[i].1));
    let mut pieces = Vec::new();
    let mut cited: Vec<usize> = Vec::new();
    for (k, &i) in chosen.iter().enumerate() {
        let (passage, _, text) = &sentences[i];
        if cited.last() != Some(passage) {
            cited.push(*passage);
        }
        let mut piece = String::new();
        if k > 0 {
            piece.push(' ');
        }
        piece.push_str(text);
        let last_of_passage = chosen
            .get(k + 1)
            .is_none_or(|&next| sentences[next].0 != *passage);
        if last_of_passage {
            piece.push_str(&format!(" [{}]", cited.len()));
        }
        pieces.push(piece);
    }
    Extract { pieces, cited }
}

/// `text` cut down to about `max_chars` for a prompt: the sentences that share the most words
/// with `question`, in their own order (all of it when it fits).
pub fn tighten(question: &str, text: &str, max_chars: usize) -> String {
    let all = sentences(text);
    let length = |s: &String| s.chars().count() + 1;
    if all.iter().map(length).sum::<usize>() <= max_chars + 1 {
        return all.join(" ");
    }
    let stop = stop_words(question);
    let wanted: HashSet<String> = terms(question, &stop).collect();
    let mut order: Vec<(usize, usize)> = all
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let shared: HashSet<String> = terms(s, &stop).filter(|t| wanted.contains(t)).collect();
            (shared.len(), i)
        })
        .collect();
    order.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut keep = Vec::new();
    let mut used = 0;
    for &(_, i) in &order {
        if used + length(&all[i]) <= max_chars + 1 {
            used += length(&all[i]);
            keep.push(i);
        }
    }
    if keep.is_empty() {
        // Even the best sentence is too long: its beginning.
        let best = order.first().map_or("", |&(_, i)| all[i].as_str());
        return best.chars().take(max_chars).collect();
    }
    keep.sort_unstable();
    keep.iter()
        .map(|&i| all[i].as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The passage's sentences (Unicode's boundaries, with abbreviations kept whole:
/// [`companin_ingest::sentences`]), each line's list markers dropped; a Q&A chunk
/// (`Q: ...\nA: ...`) gives only its answer.
pub fn sentences(text: &str) -> Vec<String> {
    let text = match (text.strip_prefix("Q: "), text.find("\nA: ")) {
        (Some(_), Some(at)) => &text[at + 4..],
        _ => text,
    };
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim().trim_start_matches(['#', '-', '*', '>']).trim();
        for range in companin_ingest::sentences::split(line) {
            push_sentence(&mut out, &line[range]);
        }
    }
    out
}

fn push_sentence(out: &mut Vec<String>, raw: &str) {
    let s = raw.trim();
    // Fragments without a letter (numbering, rules) say nothing on their own.
    if !s.chars().any(char::is_alphabetic) {
        return;
    }
    if s.chars().count() <= MAX_SENTENCE_CHARS {
        out.push(s.to_owned());
        return;
    }
    let cut: String = s.chars().take(MAX_SENTENCE_CHARS).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    out.push(format!("{cut}…"));
}

/// The words left out of a question's terms: English's stop words and its own language's.
fn stop_words(question: &str) -> StopWords {
    StopWords::of(companin_ingest::language::detect_query(question))
}

/// Lower-cased words without stop words, accents folded and crudely stemmed, so that
/// `returns` meets `return` and `envios` meets `envío`.
fn terms<'a>(text: &'a str, stop: &'a StopWords) -> impl Iterator<Item = String> + 'a {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .filter(|w| !stop.contains(w))
        .map(|w| {
            stem(
                &w.nfd()
                    .filter(|c| !is_combining_mark(*c))
                    .collect::<String>(),
            )
        })
}

fn stem(word: &str) -> String {
    for suffix in ["ing", "ed", "es", "s"] {
        if let Some(root) = word.strip_suffix(suffix)
            && root.chars().count() >= 3
        {
            return root.to_owned();
        }
    }
    word.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_sentences_that_answer_and_cites_their_passage() {
        let passages = [
            "Our store opened in 1998. Returns are accepted within 45 days of delivery. \
             Shipping is free over 50 euros.",
            "Gift cards never expire.",
        ];
        let reply = compose("How many days do I have for returns?", &passages);
        assert_eq!(
            reply.text(),
            "Returns are accepted within 45 days of delivery. [1]"
        );
        assert_eq!(reply.cited, vec![0]);
    }

    #[test]
    fn sentences_from_two_passages_are_numbered_in_citation_order() {
        let passages = [
            "Gift cards never expire.",
            "Returns of gift cards are not possible.",
        ];
        let reply = compose("Can gift cards be returned, do they expire?", &passages);
        assert_eq!(reply.cited, vec![0, 1]);
        assert!(reply.text().ends_with("[2]"), "{}", reply.text());
        assert_eq!(reply.pieces.concat(), reply.text());
    }

    #[test]
    fn a_meaning_only_match_answers_with_the_opening_of_the_best_passage() {
        let passages = ["Parcels leave our warehouse daily. They arrive in two days."];
        let reply = compose("delivery time?", &passages);
        assert_eq!(
            reply.text(),
            "Parcels leave our warehouse daily. They arrive in two days. [1]"
        );
    }

    #[test]
    fn tightening_keeps_the_matching_sentences_in_order() {
        let text = "Our store opened in 1998. Returns are accepted within 45 days. \
                    Shipping is free over 50 euros. Refunds reach you in five days.";
        assert_eq!(tighten("refunds", text, 1_000).len(), text.len());
        assert_eq!(
            tighten("How do returns and refunds work?", text, 70),
            "Returns are accepted within 45 days. Refunds reach you in five days."
        );
        assert_eq!(tighten("returns", "One very long sentence.", 8), "One very");
    }

    #[test]
    fn spanish_questions_match_by_their_content_words() {
        let passages = [
            "La tienda abrió en 1998 en el centro de la ciudad. Los envíos a la península \
             tardan de tres a cinco días. La devolución es gratuita.",
        ];
        // `de`, `la`, `el` are in every sentence; `envio` (unaccented) is the word that counts.
        let reply = compose("¿Cuánto tarda el envio a la península?", &passages);
        assert_eq!(
            reply.text(),
            "Los envíos a la península tardan de tres a cinco días. [1]"
        );
    }

    #[test]
    fn spanish_sentences_split_at_question_and_exclamation_marks() {
        assert_eq!(
            sentences("El envío tarda tres días. ¿Necesita más? ¡Escríbanos! Atiende la Sra. Gil."),
            vec![
                "El envío tarda tres días.",
                "¿Necesita más?",
                "¡Escríbanos!",
                "Atiende la Sra. Gil."
            ]
        );
    }

    #[test]
    fn qa_chunks_give_their_answer_and_abbreviations_do_not_split() {
        assert_eq!(
            sentences("Q: When?\nA: Within 45 days. Labels cost 4.90 e.g. for EU."),
            vec!["Within 45 days.", "Labels cost 4.90 e.g. for EU."]
        );
        assert!(compose("anything", &[]).pieces.is_empty());
    }
}
