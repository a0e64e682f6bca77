//! One tenant's index in memory: its chunks by slot, the vector and lexical indexes over them,
//! which slots are still live, and the search that fuses the two within a scope.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::dense::{self, DenseIndex, Scored};
use crate::fusion::{self, Candidate, Mode};
use crate::lexical::{LexicalIndex, Mask};

/// Below this many candidate chunks the vector search is an exact scan: as fast as the graph
/// at this size, and it never misses (which matters most for narrow scopes).
const EXACT_LIMIT: usize = 4_096;
/// Graph candidates explored per search, at least (more when more results are asked for):
/// at 100k chunks, recall@10 0.95 or better against an exact scan, under a millisecond
/// (`companin bench search`, docs/benchmarks.md).
pub const EF_SEARCH: usize = 160;
/// Results taken from each retriever before fusion, at least.
const MIN_DEPTH: usize = 50;

/// A chunk as loaded from the database.
#[derive(Debug, Clone)]
pub struct ChunkRow {
    pub id: String,
    pub knowledge_id: String,
    pub content: String,
    /// ISO 639-1 code of the chunk's language, when known.
    pub language: Option<String>,
    /// Empty when the chunk awaits its vector from the index's model (another model made the
    /// stored one): the chunk is then searched by BM25 only.
    pub vector: Vec<f32>,
}

/// Each slot's item, language and whether it holds the chunk's vector, as a snapshot keeps
/// them ([`TenantIndex::slot_state`]).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct SlotState {
    /// The items, by ordinal.
    pub items: Vec<String>,
    /// The item ordinal of each slot.
    pub item_of: Vec<u32>,
    /// The language of each slot's chunk, packed ([`language_key`]).
    pub language_of: Vec<u32>,
    pub has_vector: Vec<bool>,
}

/// The knowledge items a search may draw from.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// `None`: every item of the tenant.
    pub allowed: Option<HashSet<String>>,
    pub excluded: HashSet<String>,
}

impl Scope {
    /// Every item of the tenant.
    pub fn all() -> Scope {
        Scope::default()
    }

    fn is_everything(&self) -> bool {
        self.allowed.is_none() && self.excluded.is_empty()
    }

    /// Whether the item `id` is in scope: allowed, and not excluded.
    pub fn admits(&self, id: &str) -> bool {
        !self.excluded.contains(id) && self.allowed.as_ref().is_none_or(|a| a.contains(id))
    }
}

/// What to search for, and how.
#[derive(Debug, Clone)]
pub struct Query<'a> {
    pub text: &'a str,
    /// The languages the text is written in, as far as known (its detected language, the
    /// assistant's): their stop words are dropped from it before BM25.
    pub languages: &'a [String],
    /// The query's embedding (normalised here).
    pub vector: &'a [f32],
    pub mode: Mode,
    /// Chunks returned, at most.
    pub top_k: usize,
    /// Chunks of one item returned, at most.
    pub per_item: usize,
    /// Least cosine similarity of a returned chunk to the query.
    pub min_score: f32,
    /// The same for a chunk in none of `languages`, whose cosines may run lower.
    pub min_score_across_languages: f32,
    /// What a BM25 rank counts in hybrid search, against a dense one, for a chunk in none of
    /// `languages` (1: as much as any). Across languages BM25 matches only names, figures and
    /// cognates: worth less than vectors that cross languages, worth more than vectors that
    /// do not.
    pub cross_language_lexical: f32,
    pub scope: &'a Scope,
}

/// A ranked chunk.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub chunk_id: String,
    pub knowledge_id: String,
    /// Cosine similarity of the chunk's vector to the query's, floored at 0: what
    /// `min_score` is compared with, whichever retriever found the chunk.
    pub score: f32,
    /// 1-based rank in the vector results, when they held it.
    pub dense_rank: Option<usize>,
    /// 1-based rank in the BM25 results, when they held it.
    pub lexical_rank: Option<usize>,
    /// Whether the chunk is in none of the query's languages (both known): cosines across
    /// languages run lower than within one.
    pub across_languages: bool,
}

pub struct TenantIndex {
    /// The tenant's index version this index reflects.
    version: i64,
    chunk_ids: Vec<String>,
    /// Item ordinal of each slot.
    item_of: Vec<u32>,
    /// Slot of each live chunk id.
    slot_of: HashMap<String, usize>,
    items: Vec<String>,
    item_ordinal: HashMap<String, u32>,
    /// Live slots of each item.
    item_slots: Vec<Vec<usize>>,
    live: Mask,
    /// Slots whose vector is the chunk's (false: a zero placeholder, the chunk awaiting
    /// re-embedding). Only these take part in vector search.
    has_vector: Mask,
    /// Live slots without a vector.
    awaiting: usize,
    /// The language of each slot's chunk ([`language_key`]).
    language_of: Vec<u32>,
    dense: DenseIndex,
    lexical: LexicalIndex,
    /// Chunks added since the last snapshot.
    unsaved: usize,
}

/// A `String`'s header.
const STRING_BYTES: usize = 24;
/// A hash map entry's share beyond its key's text: the slot, the control byte, and the load
/// factor's slack.
const MAP_ENTRY_BYTES: usize = 16;

/// The item ordinal of a masked snapshot slot (never read: masked slots are never returned).
const NO_ITEM: u32 = u32::MAX;

/// The language of a chunk stored before languages were detected.
const UNKNOWN_LANGUAGE: u32 = 0;

/// A language tag's primary subtag (`es` of `es-MX`), lower-cased and packed into a number
/// (its first four bytes), for comparing languages without a string per chunk.
fn language_key(tag: &str) -> u32 {
    let primary = tag.split('-').next().unwrap_or_default();
    primary
        .bytes()
        .take(4)
        .fold(0, |key, b| (key << 8) | u32::from(b.to_ascii_lowercase()))
}

impl TenantIndex {
    /// An empty index of `dim`-dimensional vectors, at `version`.
    pub fn new(dim: usize, capacity: usize, version: i64) -> tantivy::Result<TenantIndex> {
        Ok(TenantIndex {
            version,
            chunk_ids: Vec::with_capacity(capacity),
            item_of: Vec::with_capacity(capacity),
            slot_of: HashMap::with_capacity(capacity),
            items: Vec::new(),
            item_ordinal: HashMap::new(),
            item_slots: Vec::new(),
            live: Arc::new(Vec::with_capacity(capacity)),
            has_vector: Arc::new(Vec::with_capacity(capacity)),
            awaiting: 0,
            language_of: Vec::with_capacity(capacity),
            dense: DenseIndex::new(dim, capacity),
            lexical: LexicalIndex::new()?,
            unsaved: 0,
        })
    }

    pub fn version(&self) -> i64 {
        self.version
    }

    pub fn set_version(&mut self, version: i64) {
        self.version = version;
    }

    pub fn dim(&self) -> usize {
        self.dense.dim()
    }

    /// Live chunks.
    pub fn len(&self) -> usize {
        self.slot_of.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slot_of.is_empty()
    }

    /// Slots held for chunks that are gone (masked at query time until a rebuild).
    pub fn masked(&self) -> usize {
        self.chunk_ids.len() - self.slot_of.len()
    }

    /// Live chunks that await a vector from the index's model (found by BM25 only).
    pub fn awaiting(&self) -> usize {
        self.awaiting
    }

    /// Whether `chunk_id` is live here.
    pub fn contains(&self, chunk_id: &str) -> bool {
        self.slot_of.contains_key(chunk_id)
    }

    /// The live chunk ids.
    pub fn chunk_ids(&self) -> impl Iterator<Item = &str> {
        self.slot_of.keys().map(String::as_str)
    }

    /// Adds chunks. Rows without a vector are searched by BM25 only; rows whose vector has
    /// another dimension are skipped and counted.
    pub fn add(&mut self, mut rows: Vec<ChunkRow>) -> tantivy::Result<usize> {
        // Slots in id order, however the rows were gathered: processes that hold the same
        // chunks number them alike and break ties alike.
        rows.sort_unstable_by(|a, b| a.id.cmp(&b.id));
        let dim = self.dim();
        let (rows, wrong): (Vec<ChunkRow>, Vec<ChunkRow>) = rows
            .into_iter()
            .filter(|r| !self.slot_of.contains_key(&r.id))
            .partition(|r| r.vector.len() == dim || r.vector.is_empty());
        let first = self.chunk_ids.len();
        // A chunk awaiting its vector holds its slot with a zero vector, which the graph leaves
        // unlinked and a search never returns (see `has_vector`).
        let vectors: Vec<Vec<f32>> = rows
            .iter()
            .map(|r| {
                if r.vector.is_empty() {
                    vec![0.0; dim]
                } else {
                    r.vector.clone()
                }
            })
            .collect();
        self.lexical.add(
            rows.iter()
                .enumerate()
                .map(|(i, r)| (first + i, r.content.as_str(), r.language.as_deref())),
        )?;
        if dim > 0 {
            // (An index of no vectors at all, every chunk awaiting one, has no graph.)
            self.dense.extend(&vectors);
        }
        self.unsaved += rows.len();
        for row in rows {
            self.push_live(row);
        }
        Ok(wrong.len())
    }

    /// Records a live chunk at the next slot (its vector is in the dense index already).
    fn push_live(&mut self, row: ChunkRow) {
        let slot = self.chunk_ids.len();
        let ordinal = match self.item_ordinal.get(&row.knowledge_id) {
            Some(&o) => o,
            None => {
                let o = u32::try_from(self.items.len()).unwrap_or(u32::MAX);
                self.items.push(row.knowledge_id.clone());
                self.item_ordinal.insert(row.knowledge_id, o);
                self.item_slots.push(Vec::new());
                o
            }
        };
        self.item_slots[ordinal as usize].push(slot);
        self.item_of.push(ordinal);
        self.slot_of.insert(row.id.clone(), slot);
        self.chunk_ids.push(row.id);
        Arc::make_mut(&mut self.live).push(true);
        self.language_of.push(
            row.language
                .as_deref()
                .map_or(UNKNOWN_LANGUAGE, language_key),
        );
        let has_vector = !row.vector.is_empty();
        Arc::make_mut(&mut self.has_vector).push(has_vector);
        if !has_vector {
            self.awaiting += 1;
        }
    }

    /// The chunk id of every slot, `None` for masked ones: what a snapshot records next to the
    /// graph.
    pub fn slots(&self) -> Vec<Option<&str>> {
        self.chunk_ids
            .iter()
            .zip(self.live.iter())
            .map(|(id, live)| live.then_some(id.as_str()))
            .collect()
    }

    /// Bytes this index holds, estimated (what `search.memory_budget_mb` counts): the vector
    /// and lexical indexes, and per slot its chunk id (in the slot list and the id map) with
    /// the item, language and mask entries.
    pub fn memory_bytes(&self) -> usize {
        let ids: usize = self.chunk_ids.iter().map(|id| id.capacity()).sum();
        let per_slot = 2 * STRING_BYTES + MAP_ENTRY_BYTES + 4 + 4 + 2;
        self.dense.memory_bytes()
            + self.lexical.memory_bytes()
            + 2 * ids
            + self.chunk_ids.len() * per_slot
    }

    /// Chunks added since the last snapshot.
    pub fn unsaved(&self) -> usize {
        self.unsaved
    }

    pub fn mark_saved(&mut self) {
        self.unsaved = 0;
    }

    pub fn dense(&self) -> &DenseIndex {
        &self.dense
    }

    pub fn lexical(&self) -> &LexicalIndex {
        &self.lexical
    }

    /// What a snapshot keeps of each slot besides its chunk id ([`TenantIndex::slots`]), the
    /// graph and the BM25 files: enough to restore the index without the chunks' rows.
    pub fn slot_state(&self) -> SlotState {
        SlotState {
            items: self.items.clone(),
            item_of: self.item_of.clone(),
            language_of: self.language_of.clone(),
            has_vector: self.has_vector.as_ref().clone(),
        }
    }

    /// The index a snapshot holds whole: its graph with the flat vectors, its chunk ids by slot
    /// (`None`: masked), each slot's state and the BM25 index, at `version`. An error when
    /// they disagree on the number of slots.
    pub fn restore(
        version: i64,
        dense: DenseIndex,
        slots: Vec<Option<String>>,
        state: SlotState,
        lexical: LexicalIndex,
    ) -> Result<TenantIndex, String> {
        let count = slots.len();
        if dense.len() != count
            || state.item_of.len() != count
            || state.language_of.len() != count
            || state.has_vector.len() != count
        {
            return Err(format!(
                "{count} slots, but {} vectors and {} slot states",
                dense.len(),
                state.item_of.len()
            ));
        }
        let mut index = TenantIndex {
            version,
            chunk_ids: Vec::with_capacity(count),
            item_of: Vec::with_capacity(count),
            slot_of: HashMap::with_capacity(count),
            item_ordinal: state
                .items
                .iter()
                .enumerate()
                .map(|(o, id)| (id.clone(), u32::try_from(o).unwrap_or(NO_ITEM)))
                .collect(),
            item_slots: vec![Vec::new(); state.items.len()],
            items: state.items,
            live: Arc::new(Vec::with_capacity(count)),
            has_vector: Arc::new(Vec::with_capacity(count)),
            awaiting: 0,
            language_of: state.language_of,
            dense,
            lexical,
            unsaved: 0,
        };
        for (slot, id) in slots.into_iter().enumerate() {
            let ordinal = state.item_of[slot];
            let Some(id) = id.filter(|_| (ordinal as usize) < index.items.len()) else {
                index.chunk_ids.push(String::new());
                index.item_of.push(NO_ITEM);
                Arc::make_mut(&mut index.live).push(false);
                Arc::make_mut(&mut index.has_vector).push(false);
                continue;
            };
            let has_vector = state.has_vector[slot];
            index.item_slots[ordinal as usize].push(slot);
            index.item_of.push(ordinal);
            index.slot_of.insert(id.clone(), slot);
            index.chunk_ids.push(id);
            Arc::make_mut(&mut index.live).push(true);
            Arc::make_mut(&mut index.has_vector).push(has_vector);
            if !has_vector {
                index.awaiting += 1;
            }
        }
        Ok(index)
    }

    /// Masks the given chunks: they are never returned again.
    pub fn remove<'a>(&mut self, chunk_ids: impl IntoIterator<Item = &'a str>) {
        let live = Arc::make_mut(&mut self.live);
        for id in chunk_ids {
            if let Some(slot) = self.slot_of.remove(id) {
                live[slot] = false;
                if !self.has_vector[slot] {
                    self.awaiting -= 1;
                }
                let slots = &mut self.item_slots[self.item_of[slot] as usize];
                slots.retain(|s| *s != slot);
            }
        }
    }

    /// The slots `scope` allows (`None`: all slots are live and allowed), and how many.
    fn mask(&self, scope: &Scope) -> (Option<Mask>, usize) {
        if scope.is_everything() {
            let all_live = self.masked() == 0;
            return ((!all_live).then(|| self.live.clone()), self.len());
        }
        let items_slots = |ids: &HashSet<String>| {
            ids.iter()
                .filter_map(|id| self.item_ordinal.get(id))
                .flat_map(|&o| self.item_slots[o as usize].iter().copied())
                .collect::<Vec<usize>>()
        };
        let mut mask = match &scope.allowed {
            Some(allowed) => {
                let mut mask = vec![false; self.chunk_ids.len()];
                for slot in items_slots(allowed) {
                    mask[slot] = true;
                }
                mask
            }
            None => self.live.as_ref().clone(),
        };
        for slot in items_slots(&scope.excluded) {
            mask[slot] = false;
        }
        let count = mask.iter().filter(|m| **m).count();
        (Some(Arc::new(mask)), count)
    }

    /// The best chunks for `query` within its scope: fused, thresholded, grouped.
    pub fn search(&self, query: &Query<'_>) -> tantivy::Result<Vec<Hit>> {
        let (mask, candidates) = self.mask(query.scope);
        if candidates == 0 || query.top_k == 0 {
            return Ok(Vec::new());
        }
        let mut vector = query.vector.to_vec();
        dense::normalize(&mut vector);
        let depth = MIN_DEPTH.max(3 * query.top_k);
        let dense_hits = if query.mode.uses_dense() && vector.len() == self.dim() {
            self.dense_search(&vector, depth, self.with_vectors(mask.as_ref()), candidates)
        } else {
            Vec::new()
        };
        let lexical_hits = if query.mode.uses_lexical() {
            self.lexical
                .search(query.text, query.languages, depth, mask)?
        } else {
            Vec::new()
        };
        let spoken: Vec<u32> = query.languages.iter().map(|l| language_key(l)).collect();
        let across_languages = |slot: usize| {
            let language = self.language_of[slot];
            !(spoken.is_empty() || language == UNKNOWN_LANGUAGE || spoken.contains(&language))
        };
        let lexical_weight = |slot: usize| {
            if across_languages(slot) {
                query.cross_language_lexical
            } else {
                1.0
            }
        };
        let fused = fusion::fuse(query.mode, &dense_hits, &lexical_hits, lexical_weight);
        let mut per_item: HashMap<u32, usize> = HashMap::new();
        let mut hits = Vec::with_capacity(query.top_k);
        for Candidate {
            slot,
            dense_rank,
            lexical_rank,
        } in fused
        {
            // Unrelated texts can sit slightly below zero; scores are reported in [0, 1], so a
            // `min_score` of 0 means no threshold at all.
            let score = if vector.len() == self.dim() {
                self.dense.similarity(&vector, slot).max(0.0)
            } else {
                0.0
            };
            // A chunk awaiting its vector has no similarity to compare: BM25 found it, and
            // it is kept (score 0) so that a model change does not hide it meanwhile.
            let across_languages = across_languages(slot);
            let min_score = if across_languages {
                query.min_score_across_languages
            } else {
                query.min_score
            };
            if score < min_score && self.has_vector[slot] {
                continue;
            }
            let taken = per_item.entry(self.item_of[slot]).or_default();
            if *taken >= query.per_item.max(1) {
                continue;
            }
            *taken += 1;
            hits.push(Hit {
                chunk_id: self.chunk_ids[slot].clone(),
                knowledge_id: self.items[self.item_of[slot] as usize].clone(),
                score,
                dense_rank,
                lexical_rank,
                across_languages,
            });
            if hits.len() == query.top_k {
                break;
            }
        }
        Ok(hits)
    }

    /// `mask` narrowed to the slots with a vector (unchanged when every live slot has one).
    fn with_vectors(&self, mask: Option<&Mask>) -> Option<Mask> {
        if self.awaiting == 0 {
            return mask.cloned();
        }
        let base = mask.unwrap_or(&self.live);
        Some(Arc::new(
            base.iter()
                .zip(self.has_vector.iter())
                .map(|(allowed, has)| *allowed && *has)
                .collect(),
        ))
    }

    /// The `depth` nearest allowed slots: exact for few candidates, else the graph (with an
    /// exact pass when a narrow filter starved the graph search).
    fn dense_search(
        &self,
        vector: &[f32],
        depth: usize,
        mask: Option<Mask>,
        candidates: usize,
    ) -> Vec<Scored> {
        let mask = mask.as_ref();
        let allowed = |slot: &usize| mask.is_none_or(|m| m[*slot]);
        let exact = || {
            self.dense
                .exact(vector, depth, (0..self.dense.len()).filter(allowed))
        };
        if candidates <= EXACT_LIMIT {
            return exact();
        }
        let ef = EF_SEARCH.max(depth);
        let found = match mask {
            Some(_) => self.dense.search(vector, depth, ef, Some(&allowed)),
            None => self.dense.search(vector, depth, ef, None),
        };
        if found.len() < depth.min(candidates) / 2 {
            return exact();
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, item: &str, content: &str, vector: &[f32]) -> ChunkRow {
        ChunkRow {
            id: id.to_owned(),
            knowledge_id: item.to_owned(),
            content: content.to_owned(),
            language: Some("en".to_owned()),
            vector: vector.to_vec(),
        }
    }

    fn sample() -> TenantIndex {
        let mut index = TenantIndex::new(3, 8, 1).unwrap();
        index
            .add(vec![
                row("c1", "k1", "refund policy for orders", &[1.0, 0.0, 0.0]),
                row("c2", "k1", "refunds take thirty days", &[0.9, 0.1, 0.0]),
                row("c3", "k1", "more about refunds", &[0.8, 0.2, 0.0]),
                row("c4", "k2", "shipping times", &[0.0, 1.0, 0.0]),
                row("c5", "k3", "refund exceptions", &[0.7, 0.0, 0.3]),
            ])
            .unwrap();
        index
    }

    fn query<'a>(scope: &'a Scope, mode: Mode) -> Query<'a> {
        Query {
            text: "refund",
            languages: &[],
            vector: &[1.0, 0.0, 0.0],
            mode,
            top_k: 10,
            per_item: 2,
            min_score: 0.0,
            min_score_across_languages: 0.0,
            cross_language_lexical: 0.25,
            scope,
        }
    }

    fn ids(hits: &[Hit]) -> Vec<&str> {
        hits.iter().map(|h| h.chunk_id.as_str()).collect()
    }

    #[test]
    fn groups_chunks_per_item_and_reports_cosine_scores() {
        let index = sample();
        let all = Scope::all();
        let hits = index.search(&query(&all, Mode::Dense)).unwrap();
        // k1 gives its best two chunks only.
        assert_eq!(ids(&hits), vec!["c1", "c2", "c5", "c4"]);
        assert!((hits[0].score - 1.0).abs() < 1e-6);
        assert_eq!(hits[0].dense_rank, Some(1));
        assert_eq!(hits[0].lexical_rank, None);
    }

    #[test]
    fn hybrid_marks_both_retrievers_and_min_score_filters() {
        let index = sample();
        let all = Scope::all();
        let mut q = query(&all, Mode::Hybrid);
        q.min_score = 0.5;
        let hits = index.search(&q).unwrap();
        assert!(hits.iter().all(|h| h.score >= 0.5));
        assert!(!ids(&hits).contains(&"c4"));
        let c1 = hits.iter().find(|h| h.chunk_id == "c1").unwrap();
        assert!(c1.dense_rank.is_some() && c1.lexical_rank.is_some());
    }

    #[test]
    fn scope_and_exclusions_filter_inside_the_search() {
        let index = sample();
        let selected = Scope {
            allowed: Some(HashSet::from(["k2".to_owned(), "k3".to_owned()])),
            excluded: HashSet::from(["k3".to_owned()]),
        };
        for mode in [Mode::Dense, Mode::Lexical, Mode::Hybrid] {
            let hits = index.search(&query(&selected, mode)).unwrap();
            assert!(hits.iter().all(|h| h.knowledge_id == "k2"), "{mode:?}");
        }
        let mut q = query(&selected, Mode::Dense);
        q.top_k = 1;
        assert_eq!(ids(&index.search(&q).unwrap()), vec!["c4"]);
        // The same rule, asked of one item.
        assert!(selected.admits("k2"));
        assert!(!selected.admits("k3") && !selected.admits("k1"));
        let all_but = Scope {
            allowed: None,
            excluded: HashSet::from(["k1".to_owned()]),
        };
        assert!(all_but.admits("k2") && !all_but.admits("k1"));
    }

    #[test]
    fn removed_chunks_are_never_returned_and_can_come_back_under_new_ids() {
        let mut index = sample();
        index.remove(["c1", "c2", "c3"]);
        assert_eq!(index.masked(), 3);
        assert_eq!(index.len(), 2);
        let all = Scope::all();
        for mode in [Mode::Dense, Mode::Lexical, Mode::Hybrid] {
            let hits = index.search(&query(&all, mode)).unwrap();
            assert!(hits.iter().all(|h| h.knowledge_id != "k1"), "{mode:?}");
        }
        let skipped = index
            .add(vec![
                row("c6", "k1", "refund policy, new version", &[1.0, 0.0, 0.0]),
                row("c7", "k1", "wrong model", &[1.0, 0.0]),
            ])
            .unwrap();
        assert_eq!(skipped, 1);
        let hits = index.search(&query(&all, Mode::Dense)).unwrap();
        assert_eq!(hits[0].chunk_id, "c6");
        assert_eq!(hits[0].knowledge_id, "k1");
    }

    #[test]
    fn bm25_counts_less_in_hybrid_for_chunks_in_another_language() {
        // The vectors put the English chunk first, BM25 the Spanish one, each second in the
        // other list: the chunk in the query's own language wins the fusion.
        let mut index = TenantIndex::new(3, 2, 1).unwrap();
        let mut spanish = row("es1", "k1", "acme acme impresora", &[0.9, 0.1, 0.0]);
        spanish.language = Some("es".to_owned());
        let english = row(
            "en1",
            "k2",
            "the acme printer manual and its many chapters",
            &[1.0, 0.0, 0.0],
        );
        index.add(vec![spanish, english]).unwrap();
        let all = Scope::all();
        let ask_weighing = |languages: &[String], weight: f32| {
            let mut q = query(&all, Mode::Hybrid);
            q.text = "acme";
            q.languages = languages;
            q.cross_language_lexical = weight;
            index.search(&q).unwrap()
        };
        let ask = |languages: &[String]| ask_weighing(languages, 0.25);
        let in_spanish = ask(&["es".to_owned()]);
        assert_eq!(ids(&in_spanish), vec!["es1", "en1"]);
        assert_eq!(in_spanish[0].lexical_rank, Some(1));
        assert_eq!(in_spanish[0].dense_rank, Some(2));
        assert!(!in_spanish[0].across_languages && in_spanish[1].across_languages);
        // Each chunk is held to its own threshold: here only the English one's is out of reach.
        let mut q = query(&all, Mode::Hybrid);
        q.text = "acme";
        let spanish_only = ["es".to_owned()];
        q.languages = &spanish_only;
        q.min_score_across_languages = 1.5;
        assert_eq!(ids(&index.search(&q).unwrap()), vec!["es1"]);
        assert_eq!(ids(&ask(&["en-GB".to_owned()])), vec!["en1", "es1"]);
        // A query of no known language weighs both alike (a tie, broken by slot), as does a
        // weight of 1.
        assert_eq!(ids(&ask(&[])), vec!["en1", "es1"]);
        assert_eq!(
            ids(&ask_weighing(&["es".to_owned()], 1.0)),
            vec!["en1", "es1"]
        );
    }

    #[test]
    fn language_keys_compare_primary_subtags() {
        assert_eq!(language_key("es"), language_key("ES-mx"));
        assert_ne!(language_key("es"), language_key("en"));
        assert_ne!(language_key("es"), UNKNOWN_LANGUAGE);
    }
}
