//! Sentence boundaries. Unicode's rules (UAX #29) already keep `4.90`, `e.g. for` and
//! `¿Cuánto tarda? Tres días.` right, and end a sentence at a line break; what they cannot
//! know is an abbreviation before a capital (`Sr. García`, `Dr. Smith`, `J. Smith`), so a
//! boundary right after one is taken back.

use std::ops::Range;

use unicode_segmentation::UnicodeSegmentation;

/// Abbreviations usually followed by a name or a number, lower-cased, without their last dot
/// (English, Spanish, Portuguese, French, German). Those of several letters with dots
/// (`p. ej.`, `EE. UU.`, `z. B.`) are covered by their parts: single letters count as initials.
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "st", "vs", "inc", "ltd", "jr", "fig", "approx", "dept", "sr",
    "sra", "srta", "dra", "ud", "uds", "núm", "pág", "págs", "aprox", "av", "avda", "tel", "ej",
    "ee", "lic", "ing", "arq", "sto", "sta", "dña", "exmo", "exma", "profa", "mme", "mlle", "mgr",
    "bzw", "usw", "ca", "nr", "str", "hr", "fr", "vol", "cap", "art",
];

/// Byte ranges of the sentences of `text`, trimmed, none empty.
pub fn split(text: &str) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = Vec::new();
    let mut start: Option<usize> = None;
    for (at, piece) in text.split_sentence_bound_indices() {
        let from = start.unwrap_or(at);
        let end = at + piece.len();
        if ends_with_abbreviation(piece) && !piece.ends_with('\n') {
            start = Some(from);
            continue;
        }
        start = None;
        push_trimmed(text, from..end, &mut out);
    }
    if let Some(from) = start {
        push_trimmed(text, from..text.len(), &mut out);
    }
    out
}

fn push_trimmed(text: &str, range: Range<usize>, out: &mut Vec<Range<usize>>) {
    let s = &text[range.clone()];
    let lead = s.len() - s.trim_start().len();
    let trail = s.len() - s.trim_end().len();
    let (a, b) = (range.start + lead, range.end - trail);
    if b > a {
        out.push(a..b);
    }
}

/// Whether `sentence` ends with an abbreviation or an initial and its dot (`Sr.`, `J.`).
fn ends_with_abbreviation(sentence: &str) -> bool {
    let Some(body) = sentence.trim_end().strip_suffix('.') else {
        return false;
    };
    let lower = body.to_lowercase();
    let last = lower
        .rsplit(|c: char| c.is_whitespace() || "([{¿¡\"'«".contains(c))
        .next()
        .unwrap_or_default();
    if last.chars().count() == 1 && last.chars().all(char::is_alphabetic) {
        return true;
    }
    ABBREVIATIONS.contains(&last)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sentences(text: &str) -> Vec<&str> {
        split(text).into_iter().map(|r| &text[r]).collect()
    }

    #[test]
    fn spanish_questions_exclamations_and_abbreviations() {
        assert_eq!(
            sentences(
                "¿Cuánto tarda el envío? Tres días. ¡Gracias por su compra! El Sr. García y la \
                 Dra. Pérez firman el contrato, p. ej. el lunes. Pague 4.90 EUR en EE. UU. sin \
                 recargo."
            ),
            [
                "¿Cuánto tarda el envío?",
                "Tres días.",
                "¡Gracias por su compra!",
                "El Sr. García y la Dra. Pérez firman el contrato, p. ej. el lunes.",
                "Pague 4.90 EUR en EE. UU. sin recargo."
            ]
        );
    }

    #[test]
    fn english_initials_numbers_and_lines() {
        assert_eq!(
            sentences("Ask Dr. Smith or J. Doe. Labels cost 4.90 e.g. for EU.\nA new line"),
            [
                "Ask Dr. Smith or J. Doe.",
                "Labels cost 4.90 e.g. for EU.",
                "A new line"
            ]
        );
        assert!(sentences("  \n ").is_empty());
        assert_eq!(sentences("No end"), ["No end"]);
    }
}
