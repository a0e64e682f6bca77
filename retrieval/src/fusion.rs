//! Putting the two retrievers' lists together: reciprocal rank fusion for hybrid search.

use std::collections::HashMap;

use crate::dense::Scored;

/// Which retrievers rank the results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Vector similarity alone.
    Dense,
    /// BM25 alone.
    Lexical,
    /// Both, fused by reciprocal rank.
    Hybrid,
}

impl Mode {
    pub const ALL: [Mode; 3] = [Mode::Dense, Mode::Lexical, Mode::Hybrid];

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Dense => "dense",
            Mode::Lexical => "lexical",
            Mode::Hybrid => "hybrid",
        }
    }

    pub fn parse(s: &str) -> Option<Mode> {
        Mode::ALL.into_iter().find(|m| m.as_str() == s)
    }

    pub fn uses_dense(self) -> bool {
        self != Mode::Lexical
    }

    pub fn uses_lexical(self) -> bool {
        self != Mode::Dense
    }
}

/// The usual reciprocal-rank-fusion constant: it flattens the gap between the first ranks so
/// that agreement between the retrievers outweighs one retriever's first place.
const RRF_K: f32 = 60.0;

/// A fused result: the slot and its rank (1-based) in each list that held it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    pub slot: usize,
    pub dense_rank: Option<usize>,
    pub lexical_rank: Option<usize>,
}

/// The lists in `mode`'s order, best first (each list is best first already). In hybrid mode
/// a BM25 rank counts `lexical_weight(slot)` of a dense one.
pub fn fuse(
    mode: Mode,
    dense: &[Scored],
    lexical: &[Scored],
    lexical_weight: impl Fn(usize) -> f32,
) -> Vec<Candidate> {
    let mut by_slot: HashMap<usize, Candidate> = HashMap::new();
    for (list, is_dense) in [(dense, true), (lexical, false)] {
        for (rank, &(slot, _)) in list.iter().enumerate() {
            let c = by_slot.entry(slot).or_insert(Candidate {
                slot,
                dense_rank: None,
                lexical_rank: None,
            });
            let field = if is_dense {
                &mut c.dense_rank
            } else {
                &mut c.lexical_rank
            };
            *field = Some(rank + 1);
        }
    }
    let key = |c: &Candidate| -> f32 {
        let rrf = |rank: Option<usize>| rank.map_or(0.0, |r| 1.0 / (RRF_K + r as f32));
        match mode {
            // A list's own order; the other list's entries never appear alone in it.
            Mode::Dense => rrf(c.dense_rank),
            Mode::Lexical => rrf(c.lexical_rank),
            Mode::Hybrid => rrf(c.dense_rank) + lexical_weight(c.slot) * rrf(c.lexical_rank),
        }
    };
    let mut fused: Vec<Candidate> = by_slot.into_values().filter(|c| key(c) > 0.0).collect();
    fused.sort_by(|a, b| key(b).total_cmp(&key(a)).then(a.slot.cmp(&b.slot)));
    fused
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slots(c: &[Candidate]) -> Vec<usize> {
        c.iter().map(|c| c.slot).collect()
    }

    #[test]
    fn single_modes_keep_their_list_order() {
        let dense = [(3, 0.9), (1, 0.8)];
        let lexical = [(2, 12.0), (3, 7.0)];
        assert_eq!(
            slots(&fuse(Mode::Dense, &dense, &lexical, |_| 1.0)),
            vec![3, 1]
        );
        assert_eq!(
            slots(&fuse(Mode::Lexical, &dense, &lexical, |_| 1.0)),
            vec![2, 3]
        );
    }

    #[test]
    fn hybrid_rewards_agreement() {
        // 7 is second in both lists; 1 and 2 are each first in one list only.
        let dense = [(1, 0.9), (7, 0.8), (4, 0.7)];
        let lexical = [(2, 12.0), (7, 11.0), (5, 3.0)];
        let fused = fuse(Mode::Hybrid, &dense, &lexical, |_| 1.0);
        assert_eq!(fused[0].slot, 7);
        assert_eq!(fused[0].dense_rank, Some(2));
        assert_eq!(fused[0].lexical_rank, Some(2));
        assert_eq!(fused.len(), 5);
        assert_eq!(slots(&fused[1..3]), vec![1, 2]);
    }

    #[test]
    fn a_lighter_lexical_rank_yields_to_the_dense_one() {
        // 3 is first by vectors and 2 by BM25, each second in the other list: with equal
        // weights they tie (broken by slot); a lighter BM25 weight on 2 puts 3 first.
        let dense = [(3, 0.9), (2, 0.8)];
        let lexical = [(2, 12.0), (3, 11.0)];
        assert_eq!(
            slots(&fuse(Mode::Hybrid, &dense, &lexical, |_| 1.0)),
            vec![2, 3]
        );
        let lighter = fuse(Mode::Hybrid, &dense, &lexical, |s| {
            if s == 2 { 0.5 } else { 1.0 }
        });
        assert_eq!(slots(&lighter), vec![3, 2]);
        // Lexical mode keeps BM25's own order.
        let lexical_only = fuse(Mode::Lexical, &dense, &lexical, |_| 0.5);
        assert_eq!(slots(&lexical_only), vec![2, 3]);
    }

    #[test]
    fn modes_parse_from_their_names() {
        for m in Mode::ALL {
            assert_eq!(Mode::parse(m.as_str()), Some(m));
        }
        assert_eq!(Mode::parse("sparse"), None);
    }
}
