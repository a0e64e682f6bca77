//! Keywords and an extractive summary, ranked with the embedder.
//!
//! Both reuse the chunks' own forward passes: a sentence's or a phrase's vector is the mean of
//! the contextual token states it covers ([`companin_inference::Embedder::embed_with_spans`]),
//! so enrichment costs no extra model runs and an item is ready as soon as its chunks are.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use companin_inference::{dot, normalize};

/// Keywords kept per item.
pub const KEYWORDS: usize = 8;
/// Sentences in an extractive summary.
pub const SUMMARY_SENTENCES: usize = 3;
/// Phrase candidates scored per item (the most frequent).
const CANDIDATES: usize = 32;
/// How much a keyword must differ from those already picked (maximal marginal relevance).
const DIVERSITY: f32 = 0.5;

/// Stop words of every text, whatever its language: English's, with words common in technical
/// writing, and articles of languages that often mix into it.
const ALWAYS_STOP: &[&str] = &[
    "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any",
    "are", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both",
    "but", "by", "can", "could", "did", "do", "does", "doing", "down", "during", "each", "few",
    "for", "from", "further", "had", "has", "have", "having", "he", "her", "here", "hers", "him",
    "his", "how", "i", "if", "in", "into", "is", "it", "its", "itself", "just", "may", "me",
    "more", "most", "must", "my", "no", "nor", "not", "now", "of", "off", "on", "once", "only",
    "or", "other", "our", "ours", "out", "over", "own", "per", "same", "she", "should", "so",
    "some", "such", "than", "that", "the", "their", "them", "then", "there", "these", "they",
    "this", "those", "through", "to", "too", "under", "until", "up", "us", "very", "was", "we",
    "were", "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with",
    "within", "would", "you", "your", "yours", "via", "using", "used", "use", "one", "two",
    "three", "however", "thus", "among", "whether", "e", "g", "etc", "de", "la", "le", "et", "les",
    "des", "du", "un", "une", "der", "die", "das", "und",
];

/// The words a keyword never starts or ends with: [`ALWAYS_STOP`] and the stop words of the
/// text's language (NLTK's lists).
pub struct StopWords(HashSet<&'static str>);

impl StopWords {
    pub fn of(language: Option<&str>) -> StopWords {
        let own = language.and_then(stop_words::lookup).unwrap_or_default();
        StopWords(ALWAYS_STOP.iter().chain(own).copied().collect())
    }

    pub fn contains(&self, word: &str) -> bool {
        self.0.contains(word)
    }
}

/// Byte ranges of the sentences of `text` worth a vector (not too short).
pub fn sentences(text: &str) -> Vec<Range<usize>> {
    crate::sentences::split(text)
        .into_iter()
        .filter(|r| text[r.clone()].split_whitespace().count() >= 4)
        .collect()
}

/// Phrase candidates of `text`: runs of one to three words with no stopword at either end and
/// not only digits, with where each occurs.
pub fn candidates(text: &str, stop: &StopWords) -> HashMap<String, Vec<Range<usize>>> {
    let mut words: Vec<(Range<usize>, String)> = Vec::new();
    let mut start = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        let part_of_word = c.is_alphanumeric() || (c == '-' && start.is_some());
        match (part_of_word, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                let w = text[s..i].trim_end_matches('-');
                words.push((s..s + w.len(), w.to_lowercase()));
                start = None;
            }
            _ => {}
        }
    }
    let is_stop = |w: &str| w.len() < 2 || stop.contains(w) || w.chars().all(|c| c.is_numeric());
    let mut out: HashMap<String, Vec<Range<usize>>> = HashMap::new();
    for i in 0..words.len() {
        if is_stop(&words[i].1) {
            continue;
        }
        for n in 1..=3 {
            let Some(last) = words.get(i + n - 1) else {
                break;
            };
            if n > 1 && stop.contains(&last.1) {
                // Stopwords may sit inside a phrase, never at its end.
                continue;
            }
            // A phrase never spans a line or sentence break.
            let span = words[i].0.start..last.0.end;
            if text[span.clone()].contains(['\n', '.', ';', ':', ',', '!', '?']) {
                break;
            }
            if is_stop(&last.1) {
                continue;
            }
            let key = words[i..i + n]
                .iter()
                .map(|(_, w)| w.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            out.entry(key).or_default().push(span);
        }
    }
    out
}

/// The most frequent candidates, favouring longer phrases a little.
pub fn top_candidates(all: &HashMap<String, usize>) -> Vec<String> {
    let mut ranked: Vec<(&String, f32)> = all
        .iter()
        .map(|(k, &n)| (k, n as f32 * (1.0 + 0.5 * k.matches(' ').count() as f32)))
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    ranked
        .into_iter()
        .take(CANDIDATES)
        .map(|(k, _)| k.clone())
        .collect()
}

/// Keywords: candidates closest to the document vector, each also unlike those already picked.
pub fn keywords(document: &[f32], phrases: Vec<(String, Vec<f32>)>) -> Vec<String> {
    let mut left: Vec<(String, Vec<f32>, f32)> = phrases
        .into_iter()
        .map(|(k, v)| {
            let relevance = dot(document, &v);
            (k, v, relevance)
        })
        .collect();
    let mut picked: Vec<(String, Vec<f32>)> = Vec::new();
    while picked.len() < KEYWORDS && !left.is_empty() {
        let score = |(_, v, relevance): &(String, Vec<f32>, f32)| {
            let redundancy = picked.iter().map(|(_, p)| dot(p, v)).fold(0.0f32, f32::max);
            (1.0 - DIVERSITY) * relevance - DIVERSITY * redundancy
        };
        let best = (0..left.len())
            .max_by(|&a, &b| score(&left[a]).total_cmp(&score(&left[b])))
            .unwrap_or(0);
        let (k, v, _) = left.swap_remove(best);
        // A phrase that repeats a picked one's words adds nothing.
        if picked
            .iter()
            .any(|(p, _)| p.contains(&k) || k.contains(p.as_str()))
        {
            continue;
        }
        picked.push((k, v));
    }
    picked.into_iter().map(|(k, _)| k).collect()
}

/// The most central sentences (closest to the document vector), in document order, skipping
/// near-repeats of one already chosen.
pub fn summary(document: &[f32], sentences: Vec<(usize, String, Vec<f32>)>) -> Option<String> {
    let mut ranked: Vec<(usize, String, Vec<f32>, f32)> = sentences
        .into_iter()
        .map(|(order, s, v)| {
            let score = dot(document, &v);
            (order, s, v, score)
        })
        .collect();
    ranked.sort_by(|a, b| b.3.total_cmp(&a.3));
    let mut chosen: Vec<(usize, String, Vec<f32>)> = Vec::new();
    for (order, s, v, _) in ranked {
        if chosen.len() == SUMMARY_SENTENCES {
            break;
        }
        if chosen
            .iter()
            .any(|(_, c, cv)| *c == s || dot(cv, &v) > 0.95)
        {
            continue;
        }
        chosen.push((order, s, v));
    }
    chosen.sort_by_key(|c| c.0);
    let text = chosen
        .into_iter()
        .map(|(_, s, _)| s)
        .collect::<Vec<_>>()
        .join(" ");
    (!text.is_empty()).then_some(text)
}

/// The normalised mean of `vectors`.
pub fn centroid<'a>(vectors: impl Iterator<Item = &'a [f32]>) -> Vec<f32> {
    let mut sum: Vec<f32> = Vec::new();
    for v in vectors {
        if sum.is_empty() {
            sum = vec![0.0; v.len()];
        }
        sum.iter_mut().zip(v).for_each(|(s, x)| *s += x);
    }
    normalize(sum)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_split_on_stops_and_lines() {
        let t = "The lamp is warm and bright. Short one. Orders ship from Lyon quickly!\nA list line with words here";
        let s: Vec<&str> = sentences(t).into_iter().map(|r| &t[r]).collect();
        assert_eq!(
            s,
            [
                "The lamp is warm and bright.",
                "Orders ship from Lyon quickly!",
                "A list line with words here"
            ]
        );
    }

    #[test]
    fn candidates_skip_stopwords_and_breaks() {
        let t = "The Aurora desk lamp. The desk lamp has 3 years of warranty";
        let c = candidates(t, &StopWords::of(Some("en")));
        assert!(c.contains_key("aurora desk lamp"));
        assert_eq!(c["desk lamp"].len(), 2);
        assert!(c.contains_key("years of warranty"));
        assert!(!c.contains_key("the"));
        assert!(!c.contains_key("3"));
        assert!(
            !c.contains_key("lamp the desk"),
            "no phrase across a sentence end"
        );
        assert!(!c.keys().any(|k| k.ends_with(" of")));
    }

    #[test]
    fn spanish_candidates_skip_spanish_stop_words() {
        let t = "La garantía de la lámpara cubre dos años. Las lámparas de escritorio se envían \
                 desde Valencia.";
        let c = candidates(t, &StopWords::of(Some("es")));
        assert!(c.contains_key("garantía"));
        assert!(c.contains_key("lámparas de escritorio"));
        assert!(
            !c.keys()
                .any(|k| k.starts_with("la ") || k.starts_with("las "))
        );
        assert!(!c.contains_key("se"), "{c:?}");
        assert!(!c.keys().any(|k| k.ends_with(" desde")));
    }

    #[test]
    fn keywords_prefer_relevant_and_diverse() {
        let doc = normalize(vec![1.0, 1.0, 0.0]);
        let phrases = vec![
            ("lamp".to_owned(), normalize(vec![1.0, 0.9, 0.0])),
            ("desk lamp".to_owned(), normalize(vec![1.0, 0.95, 0.0])),
            ("warranty".to_owned(), normalize(vec![0.2, 1.0, 0.1])),
            ("weather".to_owned(), normalize(vec![0.0, 0.0, 1.0])),
        ];
        let k = keywords(&doc, phrases);
        assert_eq!(k[0], "desk lamp");
        assert!(
            !k.contains(&"lamp".to_owned()),
            "a repeat of a picked phrase is skipped"
        );
        assert!(k.contains(&"warranty".to_owned()));
    }
}
