//! The vector side of retrieval: an HNSW graph (hnsw_rs) over unit vectors, and an exact scan
//! for candidate sets small enough that the scan is as fast as the graph and never misses.

use std::path::Path;

use hnsw_rs::prelude::{AnnT, Distance, Hnsw, HnswIo};

use crate::links::Links;

/// Links per node and layer: 16 is the usual balance of recall, memory and build time for
/// 384-dimensional text vectors.
const MAX_CONNECTIONS: usize = 16;
/// Candidates explored when linking a new node.
const EF_CONSTRUCTION: usize = 200;
const MAX_LAYERS: usize = 16;
/// Fewer additions than this go into the graph one by one (no thread-pool round trip).
const PARALLEL_INSERT_MIN: usize = 64;
/// Slots added since the links were last copied that searches scan exactly instead (about
/// 0.1 ms per search at most), before the copy is taken again. Copying chases two pointers
/// per link through hnsw_rs' nodes: 0.8 s at 100k chunks, so not after every item.
const UNLINKED_MAX: usize = 1_024;

/// One link in hnsw_rs' graph: an `Arc` to a neighbour-with-distance record (its pointer, the
/// record's pointer and distance, and the `Arc`'s two counts).
const GRAPH_LINK_BYTES: usize = 48;
/// A graph node beside its vector and links: its ids, the `Arc`s and lock around it, the
/// `Vec` headers of its vector and of its layers.
const GRAPH_NODE_BYTES: usize = 160;

/// `1 - cosine` of unit vectors, never below 0. hnsw_rs' own `DistDot` asserts that the dot
/// product of unit vectors is at most 1, which rounding breaks for identical vectors (a
/// duplicated chunk, or a query equal to a chunk): that would be a panic in a search.
#[derive(Debug, Default, Clone, Copy)]
pub struct UnitCosine;

impl Distance<f32> for UnitCosine {
    fn eval(&self, a: &[f32], b: &[f32]) -> f32 {
        (1.0 - dot(a, b)).max(0.0)
    }
}

/// The file name stem of a dumped graph.
const GRAPH_BASENAME: &str = "graph";

/// Loads a graph written by [`DenseIndex::dump`]. A truncated or foreign file makes hnsw_rs
/// panic rather than fail, so callers run this where a panic is caught (a blocking task).
pub fn load_graph(dir: &Path) -> Result<Hnsw<'static, f32, UnitCosine>, String> {
    // hnsw_rs ties a loaded graph's lifetime to its loader even when the vectors are copied
    // out (no memory map, the default). The loader is a few hundred bytes and a graph is
    // loaded once per tenant and process, so it is leaked rather than kept alongside.
    let loader: &'static mut HnswIo = Box::leak(Box::new(HnswIo::new(dir, GRAPH_BASENAME)));
    loader
        .load_hnsw::<f32, UnitCosine>()
        .map_err(|e| e.to_string())
}

/// A slot (the chunk's position in its tenant index) and its cosine similarity to the query.
pub type Scored = (usize, f32);

/// Unit vectors by slot, in a graph for approximate search and in flat blocks for exact
/// scores. Searches walk a flat copy of the graph's links ([`Links`]) and scan the slots added
/// since it was taken; it is taken again once those pass [`UNLINKED_MAX`].
pub struct DenseIndex {
    dim: usize,
    vectors: Blocks,
    graph: Hnsw<'static, f32, UnitCosine>,
    links: Links,
}

impl DenseIndex {
    /// An empty index of `dim`-dimensional vectors, sized for about `capacity` of them.
    pub fn new(dim: usize, capacity: usize) -> DenseIndex {
        DenseIndex {
            dim,
            vectors: Blocks::default(),
            graph: Hnsw::new(
                MAX_CONNECTIONS,
                capacity.max(1024),
                MAX_LAYERS,
                EF_CONSTRUCTION,
                UnitCosine,
            ),
            links: Links::default(),
        }
    }

    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Slots held (live or masked).
    pub fn len(&self) -> usize {
        self.vectors.len
    }

    pub fn is_empty(&self) -> bool {
        self.vectors.len == 0
    }

    /// An index over a graph loaded from a snapshot, its flat vectors copied from the graph's
    /// (nodes are numbered by slot, from 0). `None` when the graph's numbering has a gap or its
    /// vectors another size: not a graph this index wrote.
    pub fn from_graph(dim: usize, graph: Hnsw<'static, f32, UnitCosine>) -> Option<Self> {
        let count = graph.get_nb_point();
        let mut by_slot = vec![None; count];
        for point in graph.get_point_indexation() {
            let cell = by_slot.get_mut(point.get_origin_id())?;
            if point.get_v().len() != dim || cell.is_some() {
                return None;
            }
            *cell = Some(point);
        }
        let mut vectors = Blocks::default();
        for point in by_slot {
            vectors.push(point?.get_v());
        }
        let links = Links::of(&graph, count);
        Some(DenseIndex {
            dim,
            vectors,
            graph,
            links,
        })
    }

    /// Bytes this index holds, estimated: the flat vectors; the graph's own copy of each
    /// vector with its links, which hnsw_rs keeps as shared pointers to the neighbour and its
    /// distance ([`GRAPH_LINK_BYTES`] each, up to twice [`MAX_CONNECTIONS`] at the bottom);
    /// and the flat copy of the links.
    pub fn memory_bytes(&self) -> usize {
        let flat: usize = self.vectors.blocks.iter().map(|b| b.capacity() * 4).sum();
        let per_node = self.dim * 4 + 2 * MAX_CONNECTIONS * GRAPH_LINK_BYTES + GRAPH_NODE_BYTES;
        flat + self.graph_len() * per_node + self.links.memory_bytes()
    }

    /// Points in the graph.
    pub fn graph_len(&self) -> usize {
        self.graph.get_nb_point()
    }

    /// Appends a vector, normalised, to the flat store only (the graph already holds it, or
    /// the slot is masked and `v` is a placeholder).
    pub fn store(&mut self, v: &[f32]) {
        debug_assert_eq!(v.len(), self.dim);
        normalize(self.vectors.push(v));
    }

    /// Writes the graph (with its vectors) to `dir` as `graph.hnsw.graph` and
    /// `graph.hnsw.data`.
    pub fn dump(&self, dir: &Path) -> Result<(), String> {
        self.graph
            .file_dump(dir, GRAPH_BASENAME)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    /// Appends `vectors` (each `dim` long), normalised, at the next slots.
    pub fn extend(&mut self, vectors: &[Vec<f32>]) {
        if vectors.is_empty() {
            return;
        }
        let first = self.len();
        for v in vectors {
            self.store(v);
        }
        let rows: Vec<(&[f32], usize)> = (first..self.len())
            .map(|slot| (self.vector(slot), slot))
            .collect();
        if rows.len() >= PARALLEL_INSERT_MIN {
            self.graph.parallel_insert_slice(&rows);
        } else {
            for row in rows {
                self.graph.insert_slice(row);
            }
        }
        if self.len().saturating_sub(self.links.slots()) > UNLINKED_MAX {
            self.links = Links::of(&self.graph, self.len());
        }
    }

    /// The stored (unit) vector of `slot`.
    pub fn vector(&self, slot: usize) -> &[f32] {
        self.vectors.get(slot, self.dim).unwrap_or(&[])
    }

    /// Cosine similarity of the unit `query` to `slot`.
    pub fn similarity(&self, query: &[f32], slot: usize) -> f32 {
        dot(query, self.vector(slot))
    }

    /// Approximately the `k` slots nearest to the unit `query` among those `keep` accepts,
    /// best first, exploring `ef` candidates.
    pub fn search(
        &self,
        query: &[f32],
        k: usize,
        ef: usize,
        keep: Option<&dyn Fn(&usize) -> bool>,
    ) -> Vec<Scored> {
        if self.is_empty() || k == 0 {
            return Vec::new();
        }
        let distance = |slot: u32| {
            self.vectors
                .get(slot as usize, self.dim)
                .map_or(f32::INFINITY, |v| UnitCosine.eval(query, v))
        };
        let mut found = self.links.search(ef.max(k), distance, keep);
        let linked = self.links.slots().min(self.len());
        if linked < self.len() {
            let allowed = |s: &usize| keep.is_none_or(|keep| keep(s));
            found.extend(
                (linked..self.len())
                    .filter(allowed)
                    .map(|s| (s as u32, distance(s as u32))),
            );
            found.sort_unstable_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        }
        found.truncate(k);
        found
            .into_iter()
            .map(|(slot, d)| (slot as usize, 1.0 - d))
            .collect()
    }

    /// The same search through hnsw_rs' own search of the graph: what `companin bench search`
    /// compares the walk of [`Links`] against.
    pub fn search_in_graph(&self, query: &[f32], k: usize, ef: usize) -> Vec<Scored> {
        self.graph
            .search(query, k, ef.max(k))
            .into_iter()
            .map(|n| (n.d_id, 1.0 - n.distance))
            .collect()
    }

    /// Exactly the `k` slots of `slots` nearest to the unit `query`, best first.
    pub fn exact(
        &self,
        query: &[f32],
        k: usize,
        slots: impl Iterator<Item = usize>,
    ) -> Vec<Scored> {
        let scored: Vec<Scored> = slots.map(|s| (s, self.similarity(query, s))).collect();
        top_k(scored, k)
    }
}

/// Vectors in blocks of [`BLOCK`]: growing never moves what is stored (one flat array of 100k
/// vectors is 150 MB to copy when it outgrows its allocation, under the tenant's write lock).
#[derive(Default)]
struct Blocks {
    blocks: Vec<Vec<f32>>,
    len: usize,
}

/// Vectors per block.
const BLOCK: usize = 1_024;

impl Blocks {
    /// Appends `v` and answers the stored copy.
    fn push(&mut self, v: &[f32]) -> &mut [f32] {
        let index = self.len / BLOCK;
        if index == self.blocks.len() {
            self.blocks.push(Vec::with_capacity(BLOCK * v.len()));
        }
        self.len += 1;
        let block = &mut self.blocks[index];
        let start = block.len();
        block.extend_from_slice(v);
        &mut block[start..]
    }

    fn get(&self, slot: usize, dim: usize) -> Option<&[f32]> {
        let at = slot % BLOCK * dim;
        self.blocks.get(slot / BLOCK)?.get(at..at + dim)
    }
}

/// The `k` best of `scored`, best first (ties by slot, so results are stable).
pub fn top_k(mut scored: Vec<Scored>, k: usize) -> Vec<Scored> {
    let order = |a: &Scored, b: &Scored| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
    if scored.len() > k && k > 0 {
        scored.select_nth_unstable_by(k - 1, order);
        scored.truncate(k);
    } else if k == 0 {
        scored.clear();
    }
    scored.sort_unstable_by(order);
    scored
}

/// Dot product, dispatched at run time to the widest vector instructions the CPU has
/// (AVX-512 or AVX2 with FMA). The crate is compiled for baseline x86-64, where the compiler
/// alone would run it four lanes wide; this is the graph's distance, evaluated thousands of
/// times per search and per insertion (1.4× faster searches and builds at 100k chunks).
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let len = a.len().min(b.len());
    arch().dispatch(Dot {
        a: &a[..len],
        b: &b[..len],
    })
}

/// The CPU's instruction set, detected once.
fn arch() -> pulp::Arch {
    static ARCH: std::sync::OnceLock<pulp::Arch> = std::sync::OnceLock::new();
    *ARCH.get_or_init(pulp::Arch::new)
}

struct Dot<'a> {
    a: &'a [f32],
    b: &'a [f32],
}

impl pulp::WithSimd for Dot<'_> {
    type Output = f32;

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, simd: S) -> f32 {
        let (a, a_tail) = S::as_simd_f32s(self.a);
        let (b, b_tail) = S::as_simd_f32s(self.b);
        // Four accumulators hide the latency of the fused multiply-adds.
        let zero = simd.splat_f32s(0.0);
        let mut acc = [zero; 4];
        let (a4, a_rest) = a.split_at(a.len() / 4 * 4);
        let (b4, b_rest) = b.split_at(a4.len());
        for (x, y) in a4.chunks_exact(4).zip(b4.chunks_exact(4)) {
            for (i, acc) in acc.iter_mut().enumerate() {
                *acc = simd.mul_add_f32s(x[i], y[i], *acc);
            }
        }
        for (x, y) in a_rest.iter().zip(b_rest) {
            acc[0] = simd.mul_add_f32s(*x, *y, acc[0]);
        }
        let sum = simd.add_f32s(simd.add_f32s(acc[0], acc[1]), simd.add_f32s(acc[2], acc[3]));
        simd.reduce_sum_f32s(sum) + a_tail.iter().zip(b_tail).map(|(x, y)| x * y).sum::<f32>()
    }
}

/// Scales `v` to unit length (a zero vector stays zero).
pub fn normalize(v: &mut [f32]) {
    let norm = dot(v, v).sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Deterministic numbers in [-0.5, 0.5) (xorshift).
    fn xorshift(seed: u64) -> impl FnMut() -> f32 {
        let mut state = seed | 1;
        move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 40) as f32 / (1u64 << 24) as f32 - 0.5
        }
    }

    /// Deterministic pseudo-random unit vectors.
    fn vectors(n: usize, dim: usize, seed: u64) -> Vec<Vec<f32>> {
        let mut next = xorshift(seed);
        (0..n)
            .map(|_| {
                let mut v: Vec<f32> = (0..dim).map(|_| next()).collect();
                normalize(&mut v);
                v
            })
            .collect()
    }

    /// Deterministic unit vectors around a few centres, so that a graph has the clusters real
    /// text gives it.
    pub(crate) fn clustered(n: usize, dim: usize, seed: u64) -> Vec<Vec<f32>> {
        let mut next = xorshift(seed);
        let centres: Vec<Vec<f32>> = (0..8).map(|_| (0..dim).map(|_| next()).collect()).collect();
        (0..n)
            .map(|i| {
                let centre = &centres[i % centres.len()];
                let mut v: Vec<f32> = centre.iter().map(|c| c + 0.6 * next()).collect();
                normalize(&mut v);
                v
            })
            .collect()
    }

    #[test]
    fn dot_matches_the_plain_sum_at_every_length() {
        for len in [0, 1, 7, 8, 9, 384, 385] {
            let a: Vec<f32> = (0..len).map(|i| (i as f32 * 0.37).sin()).collect();
            let b: Vec<f32> = (0..len).map(|i| (i as f32 * 0.11).cos()).collect();
            let plain: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            assert!((dot(&a, &b) - plain).abs() < 1e-4, "len {len}");
        }
    }

    #[test]
    fn graph_search_finds_what_the_exact_scan_finds() {
        let data = vectors(3000, 32, 7);
        let mut index = DenseIndex::new(32, data.len());
        index.extend(&data[..10]);
        index.extend(&data[10..]);
        assert_eq!(index.len(), 3000);
        let queries = vectors(50, 32, 99);
        let mut hits = 0;
        for q in &queries {
            let exact = index.exact(q, 10, 0..index.len());
            let approx = index.search(q, 10, 100, None);
            assert_eq!(approx.len(), 10);
            hits += approx
                .iter()
                .filter(|(s, _)| exact.iter().any(|(e, _)| e == s))
                .count();
            // Scores are cosine similarities, consistent between the two paths.
            let (slot, score) = approx[0];
            assert!((index.similarity(q, slot) - score).abs() < 1e-4);
        }
        let recall = hits as f64 / (queries.len() * 10) as f64;
        assert!(recall >= 0.95, "recall@10 {recall}");
    }

    #[test]
    fn the_filter_keeps_only_accepted_slots() {
        // Past 1,024 vectors, so the graph is walked (not the scan of recent additions).
        let data = vectors(1_500, 16, 3);
        let mut index = DenseIndex::new(16, data.len());
        index.extend(&data);
        let keep = |s: &usize| s.is_multiple_of(5);
        let found = index.search(&data[1], 20, 200, Some(&keep));
        assert!(!found.is_empty());
        assert!(found.iter().all(|(s, _)| s % 5 == 0));
        // The query itself (slot 1) is filtered out even though it is the nearest.
        assert!(found.iter().all(|(s, _)| *s != 1));
    }

    #[test]
    fn identical_vectors_are_at_distance_zero_not_below() {
        // Values whose normalised dot product rounds above 1.
        let mut v: Vec<f32> = (0..384).map(|i| ((i * 7919) % 101) as f32 / 37.0).collect();
        normalize(&mut v);
        assert!(UnitCosine.eval(&v, &v) >= 0.0);
        let mut index = DenseIndex::new(384, 4);
        index.extend(&[v.clone(), v.clone(), v.clone()]);
        let found = index.search(&v, 3, 16, None);
        assert_eq!(found.len(), 3);
        assert!(found.iter().all(|(_, s)| (*s - 1.0).abs() < 1e-5));
    }

    #[test]
    fn slots_added_after_the_links_were_copied_are_found_and_filtered() {
        let data = vectors(UNLINKED_MAX + 600, 24, 21);
        let mut index = DenseIndex::new(24, data.len());
        index.extend(&data[..UNLINKED_MAX + 500]);
        assert_eq!(
            index.links.slots(),
            UNLINKED_MAX + 500,
            "a large batch is copied at once"
        );
        for v in &data[UNLINKED_MAX + 500..] {
            index.extend(std::slice::from_ref(v));
        }
        assert_eq!(
            index.links.slots(),
            UNLINKED_MAX + 500,
            "single additions wait"
        );
        for slot in [UNLINKED_MAX + 500, UNLINKED_MAX + 599] {
            let found = index.search(&data[slot], 3, 64, None);
            assert_eq!(found[0].0, slot);
            assert!((found[0].1 - 1.0).abs() < 1e-5);
            // A filter applies to the unlinked slots as well.
            let not_it = |s: &usize| *s != slot;
            let found = index.search(&data[slot], 3, 64, Some(&not_it));
            assert_eq!(found.len(), 3);
            assert!(found.iter().all(|(s, _)| *s != slot));
        }
        // Past the limit the links are copied again.
        let more = vectors(UNLINKED_MAX, 24, 22);
        for v in &more {
            index.extend(std::slice::from_ref(v));
        }
        assert!(index.links.slots() > UNLINKED_MAX + 500);
        let last = index.len() - 1;
        assert_eq!(index.search(index.vector(last), 1, 64, None)[0].0, last);
    }

    #[test]
    fn top_k_orders_best_first_and_bounds_the_length() {
        let scored = vec![(0, 0.1), (1, 0.9), (2, 0.5), (3, 0.9)];
        assert_eq!(top_k(scored.clone(), 2), vec![(1, 0.9), (3, 0.9)]);
        assert_eq!(top_k(scored.clone(), 10).len(), 4);
        assert!(top_k(scored, 0).is_empty());
    }
}
