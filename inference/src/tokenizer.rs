//! An embedding model's tokenizer, read from its `tokenizer.json`.
//!
//! A Unigram model (XLM-R's, for multilingual-e5-small) runs on [`CompactUnigram`] inside the
//! tokenizers library's own pipeline (normaliser, pre-tokeniser, special tokens, offsets,
//! post-processor, all read from the same file); any other model (MiniLM's WordPiece) is the
//! library's `Tokenizer` as it is. Both give the library's `Encoding`.

use std::path::Path;

use tokenizers::{
    DecoderWrapper, Encoding, NormalizerWrapper, PostProcessor, PostProcessorWrapper,
    PreTokenizerWrapper, Tokenizer, TokenizerImpl,
};

use crate::unigram::CompactUnigram;

/// The library's pipeline around [`CompactUnigram`].
type UnigramTokenizer = TokenizerImpl<
    CompactUnigram,
    NormalizerWrapper,
    PreTokenizerWrapper,
    PostProcessorWrapper,
    DecoderWrapper,
>;

/// A tokenizer that neither pads nor truncates (chunking counts tokens with it; the embedder
/// cuts its inputs to the model's window itself).
pub enum TextTokenizer {
    Unigram(Box<UnigramTokenizer>),
    Library(Box<Tokenizer>),
}

impl TextTokenizer {
    /// Reads `path`, a `tokenizer.json`.
    pub fn from_file(path: &Path) -> Result<Self, String> {
        Self::from_bytes(&std::fs::read(path).map_err(|e| e.to_string())?)
    }

    /// Reads a `tokenizer.json`'s content.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, String> {
        // A file whose model is not a plain Unigram one fails here and goes to the library.
        if let Ok(mut unigram) = serde_json::from_slice::<UnigramTokenizer>(bytes) {
            unigram.with_padding(None);
            unigram.with_truncation(None).map_err(|e| e.to_string())?;
            return Ok(TextTokenizer::Unigram(Box::new(unigram)));
        }
        let mut library = Tokenizer::from_bytes(bytes).map_err(|e| e.to_string())?;
        library.with_padding(None);
        library.with_truncation(None).map_err(|e| e.to_string())?;
        Ok(TextTokenizer::Library(Box::new(library)))
    }

    /// `text`'s tokens (with byte offsets), special tokens added when asked.
    pub fn encode(&self, text: &str, add_special_tokens: bool) -> tokenizers::Result<Encoding> {
        match self {
            TextTokenizer::Unigram(t) => t.encode(text, add_special_tokens),
            TextTokenizer::Library(t) => t.encode(text, add_special_tokens),
        }
    }

    /// How many tokens `text` makes, special tokens left out.
    pub fn count(&self, text: &str) -> tokenizers::Result<usize> {
        let encoding = match self {
            TextTokenizer::Unigram(t) => t.encode_fast(text, false),
            TextTokenizer::Library(t) => t.encode_fast(text, false),
        }?;
        Ok(encoding.len())
    }

    /// `texts` tokenised in parallel, without special tokens.
    pub fn encode_batch(&self, texts: Vec<String>) -> tokenizers::Result<Vec<Encoding>> {
        match self {
            TextTokenizer::Unigram(t) => t.encode_batch(texts, false),
            TextTokenizer::Library(t) => t.encode_batch(texts, false),
        }
    }

    /// `encoding` with the model's special tokens added.
    pub fn post_process(&self, encoding: Encoding) -> tokenizers::Result<Encoding> {
        match self {
            TextTokenizer::Unigram(t) => t.post_process(encoding, None, true),
            TextTokenizer::Library(t) => t.post_process(encoding, None, true),
        }
    }

    /// Special tokens the post-processor adds to one sequence.
    pub fn special_tokens(&self) -> usize {
        match self {
            TextTokenizer::Unigram(t) => t.get_post_processor().map(|p| p.added_tokens(false)),
            TextTokenizer::Library(t) => t.get_post_processor().map(|p| p.added_tokens(false)),
        }
        .unwrap_or(0)
    }
}
