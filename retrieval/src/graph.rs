//! The HNSW graph over a tenant's vectors (Malkov and Yashunin's hierarchical navigable small
//! world), held as slot numbers: insertion, search, and its snapshot form.
//!
//! Why our own and not a library's: the graph is most of a tenant's memory. hnsw_rs, which
//! built it until session 31, keeps each node's vector a second time and every link as a
//! shared pointer to a neighbour-and-distance record: 3.2 KB per chunk beside our 1.5 KB of
//! flat vectors, which no memory budget for a 100,000-chunk tenant could absorb. Here a link is
//! a `u32` slot: the bottom layer is one table of [`WIDTH`] slots per node, the upper layers
//! (a few percent of the nodes) small maps, and the vectors stay where the index already keeps
//! them, reached through the `distance` the caller passes.
//!
//! Insertion is the paper's: a node's level is drawn from an exponential distribution (here
//! from its slot number, so the same chunks inserted in the same order make the same graph), a
//! greedy descent to its top layer, then on each of its layers a beam search of
//! [`EF_CONSTRUCTION`] candidates, from which up to [`room`] neighbours are chosen by the paper's
//! heuristic (a candidate is kept only if it is nearer to the new node than to every neighbour
//! already kept, which keeps links pointing in different directions); each neighbour links
//! back, pruning its own list by the same heuristic when it is full.

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashMap};
use std::io::{Read, Write};

use crate::binary::{Reader, Writer};
use crate::rows::Rows;

/// Links per node on the upper layers: 16 is the usual balance of recall, memory and build
/// time for 384-dimensional text vectors.
pub const M: usize = 16;
/// Links per node on the bottom layer, twice [`M`] as the paper advises.
pub const WIDTH: usize = 2 * M;
/// Candidates explored when linking a new node.
pub const EF_CONSTRUCTION: usize = 200;
/// The highest layer a node can be drawn on (a level past 16 has a chance of 16^-16).
const MAX_LEVEL: usize = 16;
/// Padding of a bottom-layer row that has fewer links than [`WIDTH`].
const NONE: u32 = u32::MAX;
/// An upper-layer node in its layer's map beside its links: key, `Vec` header, and the map's
/// own share.
const UPPER_ENTRY_BYTES: usize = 48;

/// The graph's links, by slot.
#[derive(Debug)]
pub struct Graph {
    /// Bottom-layer links: a row of [`WIDTH`] per slot, linked or not, padded with [`NONE`].
    bottom: Rows<u32>,
    /// `upper[l - 1]`: the links of each node present on layer `l` (1 and up).
    upper: Vec<HashMap<u32, Vec<u32>>>,
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

/// The layer a slot is drawn on: `floor(-ln(u) / ln(M))` for a `u` in (0, 1] that the slot
/// number decides (splitmix64), so the same chunks inserted in the same order make the same
/// graph, in any process and in tests.
fn level_of(slot: u32) -> usize {
    let mut z = u64::from(slot).wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    let u = ((z >> 11) + 1) as f64 / (1u64 << 53) as f64;
    ((-u.ln() / (M as f64).ln()) as usize).min(MAX_LEVEL)
}

/// Links a node holds on `layer`: [`WIDTH`] on the bottom one, [`M`] above. A new node takes
/// as many as it may hold (hnswlib takes [`M`] on every layer: on 10,000 E5 vectors that
/// left recall@10 at 0.952 where this reaches 0.968, hnsw_rs 0.962 to 0.968, for a search
/// time about 5 % longer).
fn room(layer: usize) -> usize {
    if layer == 0 { WIDTH } else { M }
}

/// Up to `m` of `candidates` (nearest first) by the paper's heuristic: a candidate is kept when
/// no neighbour kept so far is nearer to it than the node is.
fn select(candidates: &[Near], m: usize, distance: &impl Fn(u32, u32) -> f32) -> Vec<u32> {
    let mut chosen: Vec<u32> = Vec::with_capacity(m);
    for c in candidates {
        if chosen.len() >= m {
            break;
        }
        if chosen.iter().all(|&s| distance(c.slot, s) >= c.distance) {
            chosen.push(c.slot);
        }
    }
    chosen
}

impl Graph {
    /// An empty graph with room for about `capacity` slots.
    pub fn with_capacity(capacity: usize) -> Graph {
        Graph {
            bottom: Rows::new(WIDTH, capacity),
            upper: Vec::new(),
            entry: None,
        }
    }

    /// Slots held, linked or not.
    pub fn slots(&self) -> usize {
        self.bottom.len()
    }

    /// Bytes held: the bottom layer's table and the upper layers' lists.
    pub fn memory_bytes(&self) -> usize {
        let upper: usize = self
            .upper
            .iter()
            .flat_map(|layer| layer.values())
            .map(|links| UPPER_ENTRY_BYTES + links.capacity() * 4)
            .sum();
        self.bottom.memory_bytes() + upper
    }

    /// The links of `slot` on `layer`.
    fn neighbours(&self, layer: usize, slot: u32) -> &[u32] {
        if layer == 0 {
            let Some(row) = self.bottom.get_fixed::<WIDTH>(slot as usize) else {
                return &[];
            };
            let len = row.iter().position(|&s| s == NONE).unwrap_or(WIDTH);
            &row[..len]
        } else {
            self.upper
                .get(layer - 1)
                .and_then(|nodes| nodes.get(&slot))
                .map_or(&[], Vec::as_slice)
        }
    }

    fn set_neighbours(&mut self, layer: usize, slot: u32, links: &[u32]) {
        if layer == 0 {
            if let Some(row) = self.bottom.get_mut(slot as usize) {
                row.fill(NONE);
                for (cell, &link) in row.iter_mut().zip(links) {
                    *cell = link;
                }
            }
        } else if let Some(nodes) = self.upper.get_mut(layer - 1) {
            nodes.insert(slot, links.to_vec());
        }
    }

    /// Adds the next slot without links: it is never reached (a chunk awaiting its vector).
    pub fn push_unlinked(&mut self) {
        self.bottom.push(&[], NONE);
    }

    /// Adds the next slot and links it; `distance(a, b)` measures two slots, this one included.
    pub fn push(&mut self, distance: impl Fn(u32, u32) -> f32) {
        let Ok(slot) = u32::try_from(self.slots()) else {
            return;
        };
        self.push_unlinked();
        let level = level_of(slot);
        if self.upper.len() < level {
            self.upper.resize_with(level, HashMap::new);
        }
        for nodes in &mut self.upper[..level] {
            nodes.insert(slot, Vec::new());
        }
        let Some((entry, top)) = self.entry else {
            self.entry = Some((slot, level));
            return;
        };
        let to_new = |s: u32| distance(slot, s);
        let mut nearest = Near {
            distance: to_new(entry),
            slot: entry,
        };
        for layer in (level + 1..=top).rev() {
            nearest = self.descend(layer, nearest, &to_new);
        }
        let mut entries = vec![nearest];
        for layer in (0..=level.min(top)).rev() {
            let found = self.beam(layer, &entries, EF_CONSTRUCTION, &to_new, None);
            let chosen = select(&found, room(layer), &distance);
            self.set_neighbours(layer, slot, &chosen);
            for &neighbour in &chosen {
                self.link(layer, neighbour, slot, &distance);
            }
            entries = found;
        }
        if level > top {
            self.entry = Some((slot, level));
        }
    }

    /// Adds `to` to the links of `from` on `layer`, pruning them by the heuristic when full.
    fn link(&mut self, layer: usize, from: u32, to: u32, distance: &impl Fn(u32, u32) -> f32) {
        let mut links = self.neighbours(layer, from).to_vec();
        if links.contains(&to) {
            return;
        }
        links.push(to);
        if links.len() > room(layer) {
            let mut candidates: Vec<Near> = links
                .iter()
                .map(|&slot| Near {
                    distance: distance(from, slot),
                    slot,
                })
                .collect();
            candidates.sort_unstable();
            links = select(&candidates, room(layer), distance);
        }
        self.set_neighbours(layer, from, &links);
    }

    /// Greedy descent on an upper layer: moves to a nearer neighbour until none is.
    fn descend(&self, layer: usize, mut nearest: Near, distance: &impl Fn(u32) -> f32) -> Near {
        loop {
            let nearer = self
                .neighbours(layer, nearest.slot)
                .iter()
                .map(|&slot| Near {
                    distance: distance(slot),
                    slot,
                })
                .filter(|n| n.distance < nearest.distance)
                .min();
            match nearer {
                Some(n) => nearest = n,
                None => return nearest,
            }
        }
    }

    /// The `ef` nearest slots to the query on `layer` among those `keep` accepts, nearest
    /// first, found from `entries`. The walk goes through every node, but only accepted ones
    /// are collected.
    fn beam(
        &self,
        layer: usize,
        entries: &[Near],
        ef: usize,
        distance: &impl Fn(u32) -> f32,
        keep: Option<&dyn Fn(&usize) -> bool>,
    ) -> Vec<Near> {
        let accepted = |slot: u32| keep.is_none_or(|keep| keep(&(slot as usize)));
        let mut visited = Visited::new(self.slots());
        // Candidates nearest first (reversed order), results farthest first.
        let mut candidates = BinaryHeap::with_capacity(4 * ef);
        let mut results: BinaryHeap<Near> = BinaryHeap::with_capacity(ef + 1);
        for &entry in entries {
            if visited.insert(entry.slot) {
                candidates.push(Reverse(entry));
                if accepted(entry.slot) {
                    results.push(entry);
                }
            }
        }
        while results.len() > ef {
            results.pop();
        }
        while let Some(Reverse(current)) = candidates.pop() {
            if results.len() >= ef && results.peek().is_some_and(|f| current > *f) {
                break;
            }
            for &slot in self.neighbours(layer, current.slot) {
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
                candidates.push(Reverse(near));
                if accepted(slot) {
                    results.push(near);
                    if results.len() > ef {
                        results.pop();
                    }
                }
            }
        }
        results.into_sorted_vec()
    }

    /// The `ef` nearest slots to the query among those `keep` accepts, nearest first, with
    /// their distances; `distance(slot)` measures a slot against the query.
    pub fn search(
        &self,
        ef: usize,
        distance: impl Fn(u32) -> f32,
        keep: Option<&dyn Fn(&usize) -> bool>,
    ) -> Vec<(u32, f32)> {
        let Some((entry, top)) = self.entry else {
            return Vec::new();
        };
        let mut nearest = Near {
            distance: distance(entry),
            slot: entry,
        };
        for layer in (1..=top).rev() {
            nearest = self.descend(layer, nearest, &distance);
        }
        self.beam(0, &[nearest], ef.max(1), &distance, keep)
            .into_iter()
            .map(|n| (n.slot, n.distance))
            .collect()
    }

    /// Writes the graph: the entry, the bottom table, then each upper layer's nodes in slot
    /// order with their links.
    pub(crate) fn write<W: Write>(&self, out: &mut Writer<W>) -> std::io::Result<()> {
        let (entry, top) = self.entry.unwrap_or((NONE, 0));
        out.u64(self.slots() as u64)?;
        out.u32(entry)?;
        out.u32(top as u32)?;
        for block in self.bottom.blocks() {
            out.u32s(block)?;
        }
        out.u32(self.upper.len() as u32)?;
        for nodes in &self.upper {
            let mut slots: Vec<&u32> = nodes.keys().collect();
            slots.sort_unstable();
            out.u64(slots.len() as u64)?;
            for slot in slots {
                let links = nodes.get(slot).map_or(&[][..], Vec::as_slice);
                out.u32(*slot)?;
                out.u32(links.len() as u32)?;
                out.u32s(links)?;
            }
        }
        Ok(())
    }

    /// Reads what [`Graph::write`] wrote, checking that every link and the entry name a slot
    /// the graph holds (a damaged file must fail here, not index out of bounds in a search).
    pub(crate) fn read<R: Read>(input: &mut Reader<R>) -> Result<Graph, String> {
        let slots = usize::try_from(input.u64()?).map_err(|e| e.to_string())?;
        if slots >= NONE as usize {
            return Err(format!("{slots} slots"));
        }
        let valid = |s: u32| (s as usize) < slots;
        let (entry, top) = (input.u32()?, input.u32()? as usize);
        let entry = match entry {
            NONE => None,
            e if valid(e) && top <= MAX_LEVEL => Some((e, top)),
            e => return Err(format!("entry {e} on layer {top}")),
        };
        let bottom = Rows::read(WIDTH, slots, |n, block| {
            input.u32s(n, block)?;
            match block.iter().find(|&&s| s != NONE && !valid(s)) {
                Some(bad) => Err(format!("a link to slot {bad} of {slots}")),
                None => Ok(()),
            }
        })?;
        let layers = input.u32()? as usize;
        if layers > MAX_LEVEL || entry.is_some_and(|(_, top)| top > layers) {
            return Err(format!("{layers} upper layers"));
        }
        let mut upper = Vec::with_capacity(layers);
        for _ in 0..layers {
            let count = usize::try_from(input.u64()?).map_err(|e| e.to_string())?;
            if count > slots {
                return Err(format!("{count} nodes on a layer of {slots} slots"));
            }
            let mut nodes = HashMap::with_capacity(count);
            for _ in 0..count {
                let slot = input.u32()?;
                let len = input.u32()? as usize;
                if !valid(slot) || len > M {
                    return Err(format!("slot {slot} with {len} links on an upper layer"));
                }
                let mut links = Vec::new();
                input.u32s(len, &mut links)?;
                if links.iter().any(|&s| !valid(s)) {
                    return Err(format!("a link out of slot {slot} past {slots}"));
                }
                nodes.insert(slot, links);
            }
            upper.push(nodes);
        }
        Ok(Graph {
            bottom,
            upper,
            entry,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dense::DenseIndex;
    use crate::dense::tests::clustered as vectors;

    fn index(data: &[Vec<f32>]) -> DenseIndex {
        let mut index = DenseIndex::new(data[0].len(), data.len());
        index.extend(data);
        index
    }

    fn recall(index: &DenseIndex, queries: &[Vec<f32>], ef: usize) -> f64 {
        let mut hits = 0;
        for q in queries {
            let exact: Vec<usize> = index
                .exact(q, 10, 0..index.len())
                .into_iter()
                .map(|(s, _)| s)
                .collect();
            hits += index
                .search(q, 10, ef, None)
                .iter()
                .filter(|(s, _)| exact.contains(s))
                .count();
        }
        hits as f64 / (queries.len() * 10) as f64
    }

    #[test]
    fn the_walk_finds_what_the_exact_scan_finds() {
        let data = vectors(4000, 48, 11);
        let index = index(&data);
        let queries = vectors(100, 48, 12);
        let at_40 = recall(&index, &queries, 40);
        let at_100 = recall(&index, &queries, 100);
        assert!(at_100 >= 0.95, "recall@10 at ef 100: {at_100}");
        assert!(at_100 >= at_40, "ef 40: {at_40}, ef 100: {at_100}");
    }

    #[test]
    fn levels_fall_off_as_the_paper_draws_them() {
        let levels: Vec<usize> = (0..100_000).map(level_of).collect();
        let above = |l: usize| levels.iter().filter(|&&x| x >= l).count() as f64 / 1e5;
        // P(level >= l) = M^-l.
        assert!((above(1) - 1.0 / 16.0).abs() < 0.005, "{}", above(1));
        assert!((above(2) - 1.0 / 256.0).abs() < 0.001, "{}", above(2));
        assert!(levels.iter().all(|&l| l <= MAX_LEVEL));
    }

    #[test]
    fn links_stay_within_their_width_and_point_both_ways_mostly() {
        let data = vectors(2000, 16, 5);
        let index = index(&data);
        let graph = index.graph();
        let mut back = 0;
        let mut total = 0;
        for slot in 0..graph.slots() as u32 {
            let links = graph.neighbours(0, slot);
            assert!(!links.is_empty() && links.len() <= WIDTH);
            assert!(!links.contains(&slot));
            total += links.len();
            back += links
                .iter()
                .filter(|&&n| graph.neighbours(0, n).contains(&slot))
                .count();
        }
        // Pruning drops some links back, never most of them.
        assert!(back * 2 > total, "{back} of {total} links are mutual");
    }

    #[test]
    fn a_written_graph_reads_back_the_same_and_damage_is_refused() {
        let data = vectors(1500, 16, 9);
        let index = index(&data);
        let mut out = Writer::new(Vec::new());
        index.graph().write(&mut out).unwrap();
        let bytes = out.finish().unwrap();
        let read = |bytes: &[u8]| Graph::read(&mut Reader::new(bytes, bytes.len() as u64));
        let copy = read(&bytes).unwrap();
        assert_eq!(copy.bottom, index.graph().bottom);
        assert_eq!(copy.upper, index.graph().upper);
        assert_eq!(copy.entry, index.graph().entry);

        assert!(read(&bytes[..bytes.len() - 3]).is_err(), "truncated");
        // A bottom-layer link past the last slot (the first link of slot 0).
        let mut bad = bytes.clone();
        bad[16..20].copy_from_slice(&5000u32.to_le_bytes());
        assert!(read(&bad).unwrap_err().contains("5000"));
        // An entry past the last slot.
        let mut bad = bytes;
        bad[8..12].copy_from_slice(&1500u32.to_le_bytes());
        assert!(read(&bad).is_err());
    }

    #[test]
    fn an_empty_graph_finds_nothing() {
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
