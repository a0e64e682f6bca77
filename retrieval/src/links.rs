//! A flat copy of an hnsw_rs graph's links, and the search that walks it.
//!
//! hnsw_rs builds, grows and persists the graph. Its own search, though, spends more time on
//! bookkeeping than on distances (a lock per node read, a hash map of reference-counted nodes
//! for the visited set, two heap allocations per candidate), and it descends the upper layers
//! by a single hop per layer, so the bottom layer starts farther from the query than it needs
//! to. The copy holds the links as slot numbers in one array (the bottom layer) and small maps
//! (the upper layers, a few percent of the nodes); the search keeps a bit set of visited slots
//! and plain binary heaps, and reads vectors from the index's flat store.
//!
//! The copy cannot be patched: an insertion can rewrite the links of any node it touched, and
//! hnsw_rs does not say which. So it is taken again from time to time, and the slots added
//! since are searched exactly by the caller ([`crate::dense::DenseIndex`]).

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};

use hnsw_rs::prelude::{Distance, Hnsw};

/// Padding of a bottom-layer row that has fewer links than the row's width.
const NONE: u32 = u32::MAX;
/// An upper-layer node in its layer's map beside its links: key, boxed-slice header, and the
/// map's own share.
const UPPER_ENTRY_BYTES: usize = 32;

/// The graph's links, by slot (the id each vector was inserted with).
#[derive(Debug, Default)]
pub struct Links {
    /// Bottom-layer links: `width` entries per slot, padded with [`NONE`].
    bottom: Vec<u32>,
    width: usize,
    /// Slots covered: those below it (links to later slots are left out).
    slots: usize,
    /// `upper[l - 1]`: the links of each node present on layer `l` (1 and up).
    upper: Vec<HashMap<u32, Box<[u32]>>>,
    /// Where searches start: a node of the top layer, and that layer.
    entry: Option<(u32, usize)>,
}

/// A slot and its distance to the query, ordered by distance (then slot, for determinism).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Near {
    distance: f32,
    slot: u32,
}

impl Eq for Near {}

impl Ord for Near {
    fn cmp(&self, other: &Self) -> Ordering {
        self.distance
            .total_cmp(&other.distance)
            .then(self.slot.cmp(&other.slot))
    }
}

impl PartialOrd for Near {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Slots seen by one search.
struct Visited(Vec<u64>);

impl Visited {
    fn new(slots: usize) -> Visited {
        Visited(vec![0; slots.div_ceil(64)])
    }

    /// Marks `slot`, answering whether it was new.
    fn insert(&mut self, slot: u32) -> bool {
        let (word, bit) = (slot as usize / 64, 1u64 << (slot % 64));
        match self.0.get_mut(word) {
            Some(w) if *w & bit == 0 => {
                *w |= bit;
                true
            }
            _ => false,
        }
    }
}

impl Links {
    /// Bytes held: the bottom layer's table and the upper layers' lists.
    pub fn memory_bytes(&self) -> usize {
        let upper: usize = self
            .upper
            .iter()
            .flat_map(|layer| layer.values())
            .map(|links| UPPER_ENTRY_BYTES + links.len() * 4)
            .sum();
        self.bottom.capacity() * 4 + upper
    }

    /// Copies the links of `graph`, whose nodes were inserted with ids below `slots`.
    pub fn of<D: Distance<f32> + Send + Sync>(graph: &Hnsw<'_, f32, D>, slots: usize) -> Links {
        let m = usize::from(graph.get_max_nb_connection());
        // hnsw_rs keeps up to twice as many links on the bottom layer as above it.
        let width = 2 * m;
        let mut links = Links {
            bottom: vec![NONE; slots * width],
            width,
            slots,
            upper: Vec::new(),
            entry: None,
        };
        let indexation = graph.get_point_indexation();
        if graph.get_nb_point() == 0 {
            return links;
        }
        for point in indexation {
            let Ok(slot) = u32::try_from(point.get_origin_id()) else {
                continue;
            };
            if slot as usize >= slots {
                continue;
            }
            let level = usize::from(point.get_point_id().0);
            for (layer, neighbours) in point.get_neighborhood_id().iter().enumerate() {
                let ids = neighbours
                    .iter()
                    .filter_map(|n| u32::try_from(n.get_origin_id()).ok())
                    .filter(|&s| (s as usize) < slots);
                if layer == 0 {
                    let row = &mut links.bottom[slot as usize * width..][..width];
                    for (cell, id) in row.iter_mut().zip(ids) {
                        *cell = id;
                    }
                } else {
                    if links.upper.len() < layer {
                        links.upper.resize_with(layer, HashMap::new);
                    }
                    links.upper[layer - 1].insert(slot, ids.collect());
                }
            }
            if links.entry.is_none_or(|(_, top)| level > top) {
                links.entry = Some((slot, level));
            }
        }
        links
    }

    /// Slots covered by the copy (the graph's nodes below this slot when it was taken).
    pub fn slots(&self) -> usize {
        self.slots
    }

    /// The `ef` nearest slots to the query among those `keep` accepts, nearest first, with
    /// their distances; `distance(slot)` measures a slot against the query. The walk goes
    /// through every node, but only accepted ones are collected, as hnsw_rs' filtered search.
    pub fn search(
        &self,
        ef: usize,
        distance: impl Fn(u32) -> f32,
        keep: Option<&dyn Fn(&usize) -> bool>,
    ) -> Vec<(u32, f32)> {
        let Some((mut entry, top)) = self.entry else {
            return Vec::new();
        };
        let ef = ef.max(1);
        let mut entry_distance = distance(entry);
        // Greedy descent: on each upper layer, move to a nearer neighbour until none is.
        for layer in (1..=top).rev() {
            let Some(nodes) = self.upper.get(layer - 1) else {
                continue;
            };
            loop {
                let nearer = nodes
                    .get(&entry)
                    .into_iter()
                    .flat_map(|links| links.iter())
                    .map(|&s| (s, distance(s)))
                    .filter(|&(_, d)| d < entry_distance)
                    .min_by(|a, b| a.1.total_cmp(&b.1));
                match nearer {
                    Some((slot, d)) => (entry, entry_distance) = (slot, d),
                    None => break,
                }
            }
        }

        // Beam search on the bottom layer.
        let accepted = |slot: u32| keep.is_none_or(|keep| keep(&(slot as usize)));
        let mut visited = Visited::new(self.slots);
        visited.insert(entry);
        let first = Near {
            distance: entry_distance,
            slot: entry,
        };
        // Candidates nearest first (reversed order), results farthest first.
        let mut candidates = BinaryHeap::with_capacity(4 * ef);
        candidates.push(std::cmp::Reverse(first));
        let mut results = BinaryHeap::with_capacity(ef + 1);
        if accepted(entry) {
            results.push(first);
        }
        while let Some(std::cmp::Reverse(current)) = candidates.pop() {
            if results.len() >= ef && results.peek().is_some_and(|f: &Near| current > *f) {
                break;
            }
            let row = &self.bottom[current.slot as usize * self.width..][..self.width];
            for &slot in row.iter().take_while(|&&s| s != NONE) {
                if !visited.insert(slot) {
                    continue;
                }
                let near = Near {
                    distance: distance(slot),
                    slot,
                };
                let full = results.len() >= ef;
                if full && results.peek().is_some_and(|f| near >= *f) {
                    continue;
                }
                candidates.push(std::cmp::Reverse(near));
                if accepted(slot) {
                    results.push(near);
                    if results.len() > ef {
                        results.pop();
                    }
                }
            }
        }
        results
            .into_sorted_vec()
            .into_iter()
            .map(|n| (n.slot, n.distance))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::dense::DenseIndex;
    use crate::dense::tests::clustered as vectors;

    /// An index built in one insertion: past 1,024 vectors its links are copied once all are
    /// in, so every search walks the graph (no slot is left to the exact scan of recent
    /// additions).
    fn index(data: &[Vec<f32>]) -> DenseIndex {
        let mut index = DenseIndex::new(data[0].len(), data.len());
        index.extend(data);
        index
    }

    fn recall(
        index: &DenseIndex,
        queries: &[Vec<f32>],
        search: impl Fn(&[f32]) -> Vec<usize>,
    ) -> f64 {
        let mut hits = 0;
        for q in queries {
            let exact: Vec<usize> = index
                .exact(q, 10, 0..index.len())
                .into_iter()
                .map(|(s, _)| s)
                .collect();
            hits += search(q).iter().filter(|s| exact.contains(s)).count();
        }
        hits as f64 / (queries.len() * 10) as f64
    }

    #[test]
    fn the_walk_finds_what_the_graphs_own_search_finds() {
        let data = vectors(4000, 48, 11);
        let index = index(&data);
        let queries = vectors(100, 48, 12);
        for ef in [40, 60, 100] {
            let walk = recall(&index, &queries, |q| {
                index
                    .search(q, 10, ef, None)
                    .into_iter()
                    .map(|(s, _)| s)
                    .collect()
            });
            let own = recall(&index, &queries, |q| {
                index
                    .search_in_graph(q, 10, ef)
                    .into_iter()
                    .map(|(s, _)| s)
                    .collect()
            });
            // Both walk the same links from the same entry; they differ in the descent of
            // the upper layers, which moves recall by a point or so either way (more at an
            // ef below 40, where the start matters most).
            assert!(walk >= own - 0.02, "ef {ef}: walk {walk}, hnsw_rs {own}");
        }
        let walk = recall(&index, &queries, |q| {
            index
                .search(q, 10, 100, None)
                .into_iter()
                .map(|(s, _)| s)
                .collect()
        });
        assert!(walk >= 0.95, "recall@10 at ef 100: {walk}");
    }

    #[test]
    fn an_empty_index_finds_nothing() {
        let index = DenseIndex::new(8, 0);
        assert!(index.search(&[1.0; 8], 5, 10, None).is_empty());
    }

    #[test]
    fn a_filter_that_accepts_nothing_returns_nothing() {
        let data = vectors(1_500, 16, 9);
        let index = index(&data);
        let none = |_: &usize| false;
        assert!(index.search(&data[0], 5, 20, Some(&none)).is_empty());
    }
}
