//! The lexical side of retrieval: BM25 over an in-memory tantivy index of the chunks' text.
//! Each chunk is analysed in its own language (Snowball stemmer and stop words) in a field of
//! that language; a query is analysed once per language present, after dropping the stop words
//! of the languages it is written in, so `canciones` finds `canción` and a Spanish question
//! still matches an English product name. The index lives in memory; a snapshot keeps a copy
//! of its files ([`LexicalIndex::save`]), so a restart reads them back instead of analysing
//! every chunk again.

use std::collections::{BTreeSet, HashSet};
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use tantivy::collector::{FilterCollector, TopDocs};
use tantivy::directory::RamDirectory;
use tantivy::index::SegmentComponent;
use tantivy::query::BooleanQuery;
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    StopWordFilter, TextAnalyzer,
};
use tantivy::{Directory, Index, IndexReader, ReloadPolicy, TantivyDocument, Term};

use crate::dense::Scored;

const SLOT: &str = "slot";
/// The indexing arena of the short-lived writer (tantivy's minimum is 15 MB per thread).
const WRITER_MEMORY: usize = 32 * 1024 * 1024;
/// Longest token kept, in bytes.
const LONGEST_TOKEN: usize = 40;

/// Languages with a Snowball stemmer (ISO 639-1 code), each with its own field. Text in any
/// other language goes to the plain field: lower-cased and folded only. Text of no known
/// language (a table of figures, a chunk stored before languages were detected) is analysed
/// in English, as every chunk was before.
const STEMMED: [(&str, Language); 18] = [
    ("ar", Language::Arabic),
    ("da", Language::Danish),
    ("de", Language::German),
    ("el", Language::Greek),
    ("en", Language::English),
    ("es", Language::Spanish),
    ("fi", Language::Finnish),
    ("fr", Language::French),
    ("hu", Language::Hungarian),
    ("it", Language::Italian),
    ("nb", Language::Norwegian),
    ("nl", Language::Dutch),
    ("pt", Language::Portuguese),
    ("ro", Language::Romanian),
    ("ru", Language::Russian),
    ("sv", Language::Swedish),
    ("ta", Language::Tamil),
    ("tr", Language::Turkish),
];
/// The plain field's position, after the stemmed ones.
const PLAIN: usize = STEMMED.len();
/// The language of text of no known language.
const UNKNOWN: &str = "en";

/// Slots accepted by a search: `mask[slot]`.
pub type Mask = Arc<Vec<bool>>;

pub struct LexicalIndex {
    /// Where the index's files are (in memory).
    files: RamDirectory,
    index: Index,
    reader: IndexReader,
    slot: Field,
    /// One text field per language of [`STEMMED`], then the plain one.
    fields: Vec<Field>,
    analyzers: Vec<TextAnalyzer>,
    /// Fields holding at least one chunk: the only ones a query is analysed for.
    present: BTreeSet<usize>,
}

/// The field of a language (an ISO 639-1 code or a BCP-47 tag).
fn field_of(language: Option<&str>) -> usize {
    let language = language.unwrap_or(UNKNOWN);
    let primary = language.split('-').next().unwrap_or_default();
    let primary = if primary == "no" { "nb" } else { primary };
    STEMMED
        .iter()
        .position(|(code, _)| primary.eq_ignore_ascii_case(code))
        .unwrap_or(PLAIN)
}

/// Stop words of a language, for the languages tantivy has no list of (NLTK's).
fn stop_filter(code: &str, language: Language) -> StopWordFilter {
    StopWordFilter::new(language).unwrap_or_else(|| {
        let words = stop_words::lookup(code).unwrap_or_default();
        StopWordFilter::remove(words.iter().map(|w| (*w).to_owned()))
    })
}

/// The analyzer of field `field`.
fn analyzer(field: usize) -> TextAnalyzer {
    let base = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(LONGEST_TOKEN))
        .filter(LowerCaser);
    match STEMMED.get(field) {
        Some(&(code, language)) => base
            .filter(stop_filter(code, language))
            .filter(Stemmer::new(language))
            // After the stemmer, whose rules expect the accents: `envio` still meets `envío`.
            .filter(AsciiFoldingFilter)
            .build(),
        None => base.filter(AsciiFoldingFilter).build(),
    }
}

/// The names of the text fields: one per language of [`STEMMED`], then the plain one.
fn field_names() -> impl Iterator<Item = &'static str> + Clone {
    STEMMED
        .iter()
        .map(|(code, _)| *code)
        .chain(std::iter::once("plain"))
}

/// The index's schema: the slot, and a text field per language.
fn schema() -> Schema {
    let mut schema = Schema::builder();
    schema.add_u64_field(SLOT, FAST | INDEXED);
    for name in field_names() {
        schema.add_text_field(
            &format!("text_{name}"),
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(&format!("companin_{name}"))
                    .set_index_option(IndexRecordOption::WithFreqs),
            ),
        );
    }
    schema.build()
}

/// What [`SAVED_LIST`] holds.
#[derive(Debug, Serialize, Deserialize)]
struct Saved {
    /// The files written, `meta.json` first.
    files: Vec<String>,
    /// The fields holding chunks.
    present: Vec<usize>,
}

/// tantivy's own list of the index's segments.
const META_FILE: &str = "meta.json";

/// The words of `query`, lower-cased, without the stop words of `languages` (those of
/// `field`'s own language are its analyzer's to drop).
fn without_stop_words(query: &str, languages: &[String], field: usize) -> String {
    let own = STEMMED.get(field).map(|(code, _)| *code);
    let lists: Vec<&[&str]> = languages
        .iter()
        .map(|l| l.split('-').next().unwrap_or_default())
        .filter(|l| Some(*l) != own)
        .filter_map(stop_words::lookup)
        .collect();
    if lists.is_empty() {
        return query.to_owned();
    }
    let mut plain = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(LowerCaser)
        .build();
    let mut stream = plain.token_stream(query);
    let mut kept = Vec::new();
    while stream.advance() {
        let word = stream.token().text.as_str();
        if !lists.iter().any(|list| list.contains(&word)) {
            kept.push(word.to_owned());
        }
    }
    kept.join(" ")
}

/// The components of a segment a snapshot copies (the others exist only while writing).
const SAVED_COMPONENTS: [SegmentComponent; 7] = [
    SegmentComponent::Postings,
    SegmentComponent::Positions,
    SegmentComponent::Terms,
    SegmentComponent::Store,
    SegmentComponent::FastFields,
    SegmentComponent::FieldNorms,
    SegmentComponent::Delete,
];

/// The file listing a saved index's files, written last.
const SAVED_LIST: &str = "files.json";

impl LexicalIndex {
    pub fn new() -> tantivy::Result<LexicalIndex> {
        let files = RamDirectory::create();
        let index = Index::create(files.clone(), schema(), tantivy::IndexSettings::default())?;
        Self::over(files, index, BTreeSet::new())
    }

    /// The index over `index`'s files, its analyzers registered.
    fn over(
        files: RamDirectory,
        index: Index,
        present: BTreeSet<usize>,
    ) -> tantivy::Result<LexicalIndex> {
        let schema = index.schema();
        let slot = schema.get_field(SLOT)?;
        let fields = field_names()
            .map(|name| schema.get_field(&format!("text_{name}")))
            .collect::<tantivy::Result<Vec<Field>>>()?;
        let analyzers: Vec<TextAnalyzer> = (0..fields.len()).map(analyzer).collect();
        for (name, analyzer) in field_names().zip(&analyzers) {
            index
                .tokenizers()
                .register(&format!("companin_{name}"), analyzer.clone());
        }
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(LexicalIndex {
            files,
            index,
            reader,
            slot,
            fields,
            analyzers,
            present,
        })
    }

    /// Copies the index's files into `dir` (which must exist), the list of them last.
    pub fn save(&self, dir: &Path) -> Result<(), String> {
        let mut names = vec![META_FILE.to_owned()];
        for segment in self
            .index
            .searchable_segment_metas()
            .map_err(|e| e.to_string())?
        {
            for component in SAVED_COMPONENTS {
                let path = segment.relative_path(component);
                if self.files.exists(&path).map_err(|e| e.to_string())? {
                    names.push(path.to_string_lossy().into_owned());
                }
            }
        }
        for name in &names {
            let bytes = self
                .files
                .open_read(Path::new(name))
                .map_err(|e| format!("reading {name}: {e}"))?
                .read_bytes()
                .map_err(|e| format!("reading {name}: {e}"))?;
            std::fs::write(dir.join(name), bytes.as_slice())
                .map_err(|e| format!("writing {name}: {e}"))?;
        }
        let list = Saved {
            files: names,
            present: self.present.iter().copied().collect(),
        };
        let json = serde_json::to_vec(&list).map_err(|e| e.to_string())?;
        std::fs::write(dir.join(SAVED_LIST), json).map_err(|e| format!("{SAVED_LIST}: {e}"))
    }

    /// An index read back from the files [`LexicalIndex::save`] wrote in `dir`.
    pub fn load(dir: &Path) -> Result<LexicalIndex, String> {
        let list: Saved = serde_json::from_slice(
            &std::fs::read(dir.join(SAVED_LIST)).map_err(|e| format!("{SAVED_LIST}: {e}"))?,
        )
        .map_err(|e| format!("{SAVED_LIST}: {e}"))?;
        let files = RamDirectory::create();
        for name in &list.files {
            // Names are the index's own; anything else in the list means a foreign file.
            if name.contains('/') || name.starts_with('.') {
                return Err(format!("{SAVED_LIST} names {name}"));
            }
            let bytes = std::fs::read(dir.join(name)).map_err(|e| format!("{name}: {e}"))?;
            files
                .atomic_write(Path::new(name), &bytes)
                .map_err(|e| format!("{name}: {e}"))?;
        }
        let index = Index::open(files.clone()).map_err(|e| e.to_string())?;
        // Every segment file ends with its checksum: a damaged file is refused here rather
        // than met by a search.
        for name in list.files.iter().filter(|name| *name != META_FILE) {
            match index.directory().validate_checksum(Path::new(name)) {
                Ok(true) => {}
                Ok(false) => return Err(format!("{name} is damaged (checksum)")),
                Err(e) => return Err(format!("{name} is damaged: {e}")),
            }
        }
        if index.schema() != schema() {
            return Err("the saved index has another schema".to_owned());
        }
        Self::over(files, index, list.present.into_iter().collect()).map_err(|e| e.to_string())
    }

    /// Indexes `docs` (slot, text, language as an ISO 639-1 code) and makes them searchable.
    pub fn add<'a>(
        &mut self,
        docs: impl IntoIterator<Item = (usize, &'a str, Option<&'a str>)>,
    ) -> tantivy::Result<()> {
        // A writer per batch: its arena is freed in between, and many tenants stay cheap.
        let mut writer = self.index.writer_with_num_threads(1, WRITER_MEMORY)?;
        for (slot, text, language) in docs {
            let field = field_of(language);
            self.present.insert(field);
            let mut doc = TantivyDocument::default();
            doc.add_u64(self.slot, slot as u64);
            doc.add_text(self.fields[field], text);
            writer.add_document(doc)?;
        }
        writer.commit()?;
        writer.wait_merging_threads()?;
        self.reader.reload()
    }

    /// Bytes of the index's segments (held in memory).
    pub fn memory_bytes(&self) -> usize {
        self.reader
            .searcher()
            .space_usage()
            .map_or(0, |usage| usage.total().get_bytes() as usize)
    }

    /// The query's distinct analysed terms in every field that holds chunks.
    fn terms(&self, query: &str, languages: &[String]) -> Vec<Term> {
        let mut seen = HashSet::new();
        let mut terms = Vec::new();
        for &field in &self.present {
            let words = without_stop_words(query, languages, field);
            let mut analyzer = self.analyzers[field].clone();
            let mut stream = analyzer.token_stream(&words);
            while stream.advance() {
                let word = stream.token().text.clone();
                if seen.insert((field, word.clone())) {
                    terms.push(Term::from_field_text(self.fields[field], &word));
                }
            }
        }
        terms
    }

    /// The `k` slots with the best BM25 scores for `query` (any of its terms), written in
    /// `languages` (ISO 639-1 codes or BCP-47 tags: its detected language, the assistant's),
    /// among those `mask` accepts, best first.
    pub fn search(
        &self,
        query: &str,
        languages: &[String],
        k: usize,
        mask: Option<Mask>,
    ) -> tantivy::Result<Vec<Scored>> {
        let terms = self.terms(query, languages);
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
        index
            .add(texts.iter().enumerate().map(|(i, t)| (i, *t, Some("en"))))
            .unwrap();
        index
    }

    fn en() -> Vec<String> {
        vec!["en".to_owned()]
    }

    fn slots(found: &[Scored]) -> Vec<usize> {
        found.iter().map(|(s, _)| *s).collect()
    }

    #[test]
    fn ranks_by_bm25_with_stemming() {
        let index = index(&[
            "The cat sat on the mat.",
            "Refund policy: refunds are issued within 30 days.",
            "Shipping takes five days; refunding shipping costs is not possible.",
        ]);
        let found = index
            .search("How do I get a refund?", &en(), 10, None)
            .unwrap();
        let slots: Vec<usize> = found.iter().map(|(s, _)| *s).collect();
        // "refund" matches "refunds" and "refunding"; the denser document ranks first.
        assert_eq!(slots, vec![1, 2]);
        assert!(found[0].1 > found[1].1);
    }

    #[test]
    fn stop_words_and_punctuation_alone_find_nothing() {
        let index = index(&["The cat sat on the mat."]);
        assert!(
            index
                .search("the of and ?!", &en(), 10, None)
                .unwrap()
                .is_empty()
        );
        assert!(index.search("", &en(), 10, None).unwrap().is_empty());
    }

    #[test]
    fn the_mask_filters_inside_the_search() {
        let mut index = index(&["alpha beta", "alpha", "alpha gamma"]);
        index.add([(3usize, "alpha alpha", Some("en"))]).unwrap();
        let mask: Mask = Arc::new(vec![false, true, false, true]);
        let found = index.search("alpha", &en(), 1, Some(mask)).unwrap();
        assert_eq!(found.len(), 1);
        assert!(found[0].0 == 1 || found[0].0 == 3);
        assert_eq!(index.search("alpha", &en(), 10, None).unwrap().len(), 4);
    }

    #[test]
    fn spanish_chunks_are_stemmed_in_spanish() {
        let mut index = LexicalIndex::new().unwrap();
        index
            .add([
                (0, "La canción del verano suena en la radio.", Some("es")),
                (1, "Las devoluciones tardan cinco días.", Some("es")),
                (2, "Songs of the summer play on the radio.", Some("en")),
            ])
            .unwrap();
        let es = vec!["es".to_owned()];
        // Plural and accent differ; the Snowball stemmer brings both to `cancion`.
        assert_eq!(
            slots(&index.search("canciones", &es, 10, None).unwrap()),
            [0]
        );
        assert_eq!(slots(&index.search("Canción", &es, 10, None).unwrap()), [0]);
        // Without the accent a visitor may not type.
        assert_eq!(
            slots(&index.search("devolucion", &es, 10, None).unwrap()),
            [1]
        );
        // Spanish stop words alone find nothing, in any field.
        assert!(
            index
                .search("¿de la en las?", &es, 10, None)
                .unwrap()
                .is_empty()
        );
        // English text keeps English stemming.
        assert_eq!(slots(&index.search("song", &en(), 10, None).unwrap()), [2]);
    }

    #[test]
    fn a_spanish_query_matches_an_english_product_name() {
        let mut index = LexicalIndex::new().unwrap();
        index
            .add([
                (0, "The Aurora desk lamp ships in two days.", Some("en")),
                (1, "Returns are accepted within 30 days.", Some("en")),
                (2, "Texto en chino: Aurora", Some("zh")),
            ])
            .unwrap();
        let found = index
            .search(
                "¿Cuánto tarda la lámpara Aurora?",
                &["es".to_owned()],
                10,
                None,
            )
            .unwrap();
        let found = slots(&found);
        assert!(found.contains(&0) && found.contains(&2), "{found:?}");
        assert!(!found.contains(&1));
    }

    #[test]
    fn a_saved_index_reads_back_alike_and_takes_more() {
        let mut index = LexicalIndex::new().unwrap();
        index
            .add([
                (0, "Refunds are issued within 30 days.", Some("en")),
                (1, "Las devoluciones tardan cinco días.", Some("es")),
            ])
            .unwrap();
        index
            .add([(2, "Refund requests go to the desk.", Some("en"))])
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        index.save(dir.path()).unwrap();
        let mut loaded = LexicalIndex::load(dir.path()).unwrap();
        let es = vec!["es".to_owned()];
        for (query, languages) in [("refund", en()), ("devolución", es.clone())] {
            assert_eq!(
                index.search(query, &languages, 10, None).unwrap(),
                loaded.search(query, &languages, 10, None).unwrap(),
                "{query}"
            );
        }
        assert_eq!(loaded.present, index.present);
        loaded.add([(3, "A refund in cash.", Some("en"))]).unwrap();
        assert_eq!(
            slots(&loaded.search("refund", &en(), 10, None).unwrap()).len(),
            3
        );

        // A damaged file is refused.
        let postings = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|x| x == "idx"))
            .unwrap();
        let mut bytes = std::fs::read(&postings).unwrap();
        bytes[0] ^= 0xff;
        std::fs::write(&postings, bytes).unwrap();
        let refused = LexicalIndex::load(dir.path()).err().unwrap();
        assert!(refused.contains("damaged"), "{refused}");
    }

    #[test]
    fn languages_map_to_their_fields() {
        assert_eq!(STEMMED[field_of(Some("es"))].0, "es");
        assert_eq!(STEMMED[field_of(Some("es-MX"))].0, "es");
        assert_eq!(STEMMED[field_of(Some("no"))].0, "nb");
        assert_eq!(field_of(Some("zh")), PLAIN);
        assert_eq!(STEMMED[field_of(None)].0, "en");
    }
}
