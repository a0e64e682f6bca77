//! SentencePiece's Unigram model for the tokenizers library, with its vocabulary in one hash
//! map.
//!
//! Why not the library's own: its Unigram model finds pieces with a byte trie that keeps a
//! hash map in every node. For XLM-R's 250,002 pieces (multilingual-e5-small's tokenizer) that
//! is 296 MB held for the life of the process, more than the encoder's weights. This model
//! keeps each piece in a vector (by id) and as a key of one hash map (a `serve` with E5 went
//! from 505 to 257 MB resident with it), and finds the same segmentation: the same best-path
//! search (SentencePiece's optimised Viterbi, as the library runs it), visiting the characters
//! in order, so equal scores are broken the same way (the path that reached a position first
//! keeps it). Normalisation, pre-tokenisation, special tokens, offsets and post-processing
//! stay the library's ([`crate::tokenizer::TextTokenizer`]).

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use rustc_hash::FxHashMap;
use serde::Deserialize;
use tokenizers::models::unigram::UnigramTrainer;
use tokenizers::{Model, Token};

/// How far below the rarest piece an unknown character scores (SentencePiece's
/// `kUnkPenalty`).
const UNK_PENALTY: f64 = 10.0;

/// A Unigram model read from a `tokenizer.json`'s `model` (`{"type": "Unigram", "unk_id",
/// "vocab": [[piece, score], …]}`). Byte fallback is not supported: such a file is refused,
/// and the caller uses the library's model instead.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "UnigramFile")]
pub struct CompactUnigram {
    /// Each piece and its log-probability, by id.
    pieces: Vec<(Box<str>, f64)>,
    ids: FxHashMap<Box<str>, u32>,
    unk_id: u32,
    /// What an unknown character scores.
    unk_score: f64,
    /// The longest piece, in bytes: no longer substring is looked up.
    longest: usize,
}

#[derive(Deserialize)]
struct UnigramFile {
    #[serde(rename = "type")]
    kind: String,
    unk_id: Option<usize>,
    vocab: Vec<(String, f64)>,
    #[serde(default)]
    byte_fallback: bool,
}

impl TryFrom<UnigramFile> for CompactUnigram {
    type Error = String;

    fn try_from(file: UnigramFile) -> Result<Self, String> {
        if file.kind != "Unigram" {
            return Err(format!("a {} model, not Unigram", file.kind));
        }
        if file.byte_fallback {
            return Err("a Unigram model with byte fallback".to_owned());
        }
        let unk_id = file
            .unk_id
            .filter(|&id| id < file.vocab.len())
            .and_then(|id| u32::try_from(id).ok())
            .ok_or("a Unigram model without an unknown-token id")?;
        let min_score = file
            .vocab
            .iter()
            .map(|(_, score)| *score)
            .fold(f64::INFINITY, f64::min);
        let mut ids = FxHashMap::default();
        ids.reserve(file.vocab.len());
        let mut pieces = Vec::with_capacity(file.vocab.len());
        let mut longest = 0;
        for (id, (piece, score)) in file.vocab.into_iter().enumerate() {
            let id = u32::try_from(id).map_err(|_| "more pieces than ids")?;
            let piece: Box<str> = piece.into_boxed_str();
            longest = longest.max(piece.len());
            // A piece listed twice keeps its last id, as in the library.
            ids.insert(piece.clone(), id);
            pieces.push((piece, score));
        }
        Ok(CompactUnigram {
            pieces,
            ids,
            unk_id,
            unk_score: min_score - UNK_PENALTY,
            longest,
        })
    }
}

/// The best path's last step to a position: where it starts, the piece and the path's score.
#[derive(Debug, Clone, Copy)]
struct Step {
    start: Option<usize>,
    id: u32,
    score: f64,
}

impl CompactUnigram {
    /// The most probable split of `text` into pieces, as byte ranges; a run of characters no
    /// piece covers is one range (the unknown token).
    fn segment(&self, text: &str) -> Vec<Range<usize>> {
        let mut best = vec![
            Step {
                start: None,
                id: 0,
                score: 0.0,
            };
            text.len() + 1
        ];
        for (start, ch) in text.char_indices() {
            let here = best[start].score;
            let rest = &text[start..];
            let mut single = false;
            let ends = rest
                .char_indices()
                .map(|(i, c)| i + c.len_utf8())
                .take_while(|&end| end <= self.longest);
            for end in ends {
                let Some(&id) = self.ids.get(&rest[..end]) else {
                    continue;
                };
                let score = self.pieces[id as usize].1 + here;
                offer(&mut best[start + end], start, id, score);
                single |= end == ch.len_utf8();
            }
            if !single {
                let score = self.unk_score + here;
                offer(&mut best[start + ch.len_utf8()], start, self.unk_id, score);
            }
        }
        let mut ranges = Vec::new();
        let mut unknown_end = None;
        let mut end = text.len();
        while end > 0 {
            let step = best[end];
            let start = step.start.unwrap_or(0);
            if step.id == self.unk_id {
                unknown_end.get_or_insert(end);
            } else {
                if let Some(unknown_end) = unknown_end.take() {
                    ranges.push(end..unknown_end);
                }
                ranges.push(start..end);
            }
            end = start;
        }
        if let Some(unknown_end) = unknown_end {
            ranges.push(0..unknown_end);
        }
        ranges.reverse();
        ranges
    }
}

/// Makes the path through `start` with `id` the best to `to` if it scores higher than the one
/// there (the first offered wins a tie).
fn offer(to: &mut Step, start: usize, id: u32, score: f64) {
    if to.start.is_none() || score > to.score {
        *to = Step {
            start: Some(start),
            id,
            score,
        };
    }
}

impl Model for CompactUnigram {
    type Trainer = UnigramTrainer;

    fn tokenize(&self, sequence: &str) -> tokenizers::Result<Vec<Token>> {
        Ok(self
            .segment(sequence)
            .into_iter()
            .map(|range| {
                let piece = &sequence[range.clone()];
                let id = self.ids.get(piece).copied().unwrap_or(self.unk_id);
                Token::new(id, piece.to_owned(), (range.start, range.end))
            })
            .collect())
    }

    fn token_to_id(&self, token: &str) -> Option<u32> {
        self.ids.get(token).copied()
    }

    fn id_to_token(&self, id: u32) -> Option<String> {
        self.pieces
            .get(id as usize)
            .map(|(piece, _)| piece.to_string())
    }

    fn get_vocab(&self) -> HashMap<String, u32> {
        self.ids
            .iter()
            .map(|(piece, &id)| (piece.to_string(), id))
            .collect()
    }

    fn get_vocab_size(&self) -> usize {
        self.pieces.len()
    }

    fn save(&self, _folder: &Path, _prefix: Option<&str>) -> tokenizers::Result<Vec<PathBuf>> {
        Err("the compact Unigram model is read-only".into())
    }

    fn get_trainer(&self) -> UnigramTrainer {
        UnigramTrainer::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(vocab: &[(&str, f64)]) -> CompactUnigram {
        CompactUnigram::try_from(UnigramFile {
            kind: "Unigram".to_owned(),
            unk_id: Some(0),
            vocab: vocab.iter().map(|(p, s)| (p.to_string(), *s)).collect(),
            byte_fallback: false,
        })
        .unwrap()
    }

    fn pieces(model: &CompactUnigram, text: &str) -> Vec<(String, u32)> {
        model
            .tokenize(text)
            .unwrap()
            .into_iter()
            .map(|t| (t.value, t.id))
            .collect()
    }

    #[test]
    fn the_most_probable_split_wins() {
        let m = model(&[
            ("<unk>", 0.0),
            ("a", -1.0),
            ("b", -1.0),
            ("ab", -1.5),
            ("abc", -4.0),
            ("c", -1.0),
        ]);
        // ab + c (-2.5) beats abc (-4.0) and a + b + c (-3.0).
        assert_eq!(
            pieces(&m, "abc"),
            vec![("ab".to_owned(), 3), ("c".to_owned(), 5)]
        );
    }

    #[test]
    fn a_tie_goes_to_the_path_offered_first() {
        // a + a and aa both score -2: aa reaches the end first (from the first character).
        let m = model(&[("<unk>", 0.0), ("a", -1.0), ("aa", -2.0)]);
        assert_eq!(pieces(&m, "aa"), vec![("aa".to_owned(), 2)]);
    }

    #[test]
    fn unknown_characters_in_a_row_are_one_unknown_token_with_offsets() {
        let m = model(&[("<unk>", 0.0), ("a", -1.0), ("é", -1.0)]);
        let tokens = m.tokenize("aЖЖéa").unwrap();
        let got: Vec<(u32, (usize, usize))> = tokens.iter().map(|t| (t.id, t.offsets)).collect();
        assert_eq!(
            got,
            vec![(1, (0, 1)), (0, (1, 5)), (2, (5, 7)), (1, (7, 8))]
        );
        assert!(m.tokenize("").unwrap().is_empty());
    }

    #[test]
    fn other_models_are_refused() {
        let file = |kind: &str, byte_fallback| UnigramFile {
            kind: kind.to_owned(),
            unk_id: Some(0),
            vocab: vec![("<unk>".to_owned(), 0.0)],
            byte_fallback,
        };
        assert!(CompactUnigram::try_from(file("BPE", false)).is_err());
        assert!(CompactUnigram::try_from(file("Unigram", true)).is_err());
        assert!(CompactUnigram::try_from(file("Unigram", false)).is_ok());
    }
}
