//! The lexical side of retrieval: BM25 over an in-memory tantivy index of the chunks' text,
//! English-stemmed with stop words removed. It is rebuilt from the database like the vectors,
//! so nothing of it is written to disk.

use std::collections::HashSet;
use std::sync::Arc;

use tantivy::collector::{FilterCollector, TopDocs};
use tantivy::query::BooleanQuery;
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter, TextAnalyzer,
};
use tantivy::{Index, IndexReader, ReloadPolicy, TantivyDocument, Term};

use crate::dense::Scored;

const ANALYZER: &str = "companin_en";
const SLOT: &str = "slot";
/// The indexing arena of the short-lived writer (tantivy's minimum is 15 MB per thread).
const WRITER_MEMORY: usize = 32 * 1024 * 1024;

/// Slots accepted by a search: `mask[slot]`.
pub type Mask = Arc<Vec<bool>>;

pub struct LexicalIndex {
    index: Index,
    reader: IndexReader,
    slot: Field,
    text: Field,
    analyzer: TextAnalyzer,
}

fn analyzer() -> TextAnalyzer {
    let builder = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser);
    match StopWordFilter::new(Language::English) {
        Some(stop) => builder
            .filter(stop)
            .filter(Stemmer::new(Language::English))
            .build(),
        None => builder.filter(Stemmer::new(Language::English)).build(),
    }
}

impl LexicalIndex {
    pub fn new() -> tantivy::Result<LexicalIndex> {
        let mut schema = Schema::builder();
        let slot = schema.add_u64_field(SLOT, FAST | INDEXED);
        let text = schema.add_text_field(
            "text",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(ANALYZER)
                    .set_index_option(IndexRecordOption::WithFreqs),
            ),
        );
        let index = Index::create_in_ram(schema.build());
        index.tokenizers().register(ANALYZER, analyzer());
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(LexicalIndex {
            index,
            reader,
            slot,
            text,
            analyzer: analyzer(),
        })
    }

    /// Indexes `docs` (slot, text) and makes them searchable.
    pub fn add<'a>(
        &mut self,
        docs: impl IntoIterator<Item = (usize, &'a str)>,
    ) -> tantivy::Result<()> {
        // A writer per batch: its arena is freed in between, and many tenants stay cheap.
        let mut writer = self.index.writer_with_num_threads(1, WRITER_MEMORY)?;
        for (slot, text) in docs {
            let mut doc = TantivyDocument::default();
            doc.add_u64(self.slot, slot as u64);
            doc.add_text(self.text, text);
            writer.add_document(doc)?;
        }
        writer.commit()?;
        writer.wait_merging_threads()?;
        self.reader.reload()
    }

    /// The query's distinct analysed terms.
    fn terms(&self, query: &str) -> Vec<Term> {
        let mut analyzer = self.analyzer.clone();
        let mut stream = analyzer.token_stream(query);
        let mut seen = HashSet::new();
        let mut terms = Vec::new();
        while stream.advance() {
            let word = stream.token().text.clone();
            if seen.insert(word.clone()) {
                terms.push(Term::from_field_text(self.text, &word));
            }
        }
        terms
    }

    /// The `k` slots with the best BM25 scores for `query` (any of its terms), among those
    /// `mask` accepts, best first.
    pub fn search(
        &self,
        query: &str,
        k: usize,
        mask: Option<Mask>,
    ) -> tantivy::Result<Vec<Scored>> {
        let terms = self.terms(query);
        if terms.is_empty() || k == 0 {
            return Ok(Vec::new());
        }
        let query = BooleanQuery::new_multiterms_query(terms);
        let searcher = self.reader.searcher();
        let top = match mask {
            Some(mask) => searcher.search(
                &query,
                &FilterCollector::new(
                    SLOT.to_owned(),
                    move |slot: u64| {
                        usize::try_from(slot).is_ok_and(|s| mask.get(s).copied().unwrap_or(false))
                    },
                    TopDocs::with_limit(k).order_by_score(),
                ),
            )?,
            None => searcher.search(&query, &TopDocs::with_limit(k).order_by_score())?,
        };
        let mut out = Vec::with_capacity(top.len());
        for (score, address) in top {
            let slots = searcher
                .segment_reader(address.segment_ord)
                .fast_fields()
                .u64(SLOT)?;
            if let Some(slot) = slots.first(address.doc_id) {
                out.push((slot as usize, score));
            }
        }
        // Equal scores in slot order, whatever the segments' layout: two processes holding
        // the same chunks rank them the same.
        out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(texts: &[&str]) -> LexicalIndex {
        let mut index = LexicalIndex::new().unwrap();
        index.add(texts.iter().copied().enumerate()).unwrap();
        index
    }

    #[test]
    fn ranks_by_bm25_with_stemming() {
        let index = index(&[
            "The cat sat on the mat.",
            "Refund policy: refunds are issued within 30 days.",
            "Shipping takes five days; refunding shipping costs is not possible.",
        ]);
        let found = index.search("How do I get a refund?", 10, None).unwrap();
        let slots: Vec<usize> = found.iter().map(|(s, _)| *s).collect();
        // "refund" matches "refunds" and "refunding"; the denser document ranks first.
        assert_eq!(slots, vec![1, 2]);
        assert!(found[0].1 > found[1].1);
    }

    #[test]
    fn stop_words_and_punctuation_alone_find_nothing() {
        let index = index(&["The cat sat on the mat."]);
        assert!(index.search("the of and ?!", 10, None).unwrap().is_empty());
        assert!(index.search("", 10, None).unwrap().is_empty());
    }

    #[test]
    fn the_mask_filters_inside_the_search() {
        let mut index = index(&["alpha beta", "alpha", "alpha gamma"]);
        index.add([(3usize, "alpha alpha")]).unwrap();
        let mask: Mask = Arc::new(vec![false, true, false, true]);
        let found = index.search("alpha", 1, Some(mask)).unwrap();
        assert_eq!(found.len(), 1);
        assert!(found[0].0 == 1 || found[0].0 == 3);
        assert_eq!(index.search("alpha", 10, None).unwrap().len(), 4);
    }
}
