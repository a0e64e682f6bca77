//! Token-sized chunks with their title and heading as a prefix, so each stands on its own.

use text_splitter::{ChunkConfig, TextSplitter};
use tokenizers::Tokenizer;

use crate::parse::Parsed;

/// How text is cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkOptions {
    /// Most tokens in a chunk (of the embedding model's tokenizer), prefix included.
    pub max_tokens: usize,
    /// Tokens shared by neighbouring chunks, so a sentence cut at a boundary is whole in one.
    pub overlap_tokens: usize,
}

impl Default for ChunkOptions {
    fn default() -> Self {
        Self {
            max_tokens: 200,
            overlap_tokens: 20,
        }
    }
}

/// Fewest tokens left for the body when a long title and heading eat into a chunk.
const MIN_BODY_TOKENS: usize = 32;

/// A piece of a source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    pub heading: Option<String>,
    /// `title — heading` prefix and the body: what is embedded, stored and cited.
    pub content: String,
    /// Where the body starts in `content` (after the prefix).
    pub body_start: usize,
    pub token_count: usize,
}

fn count(tokenizer: &Tokenizer, text: &str) -> usize {
    tokenizer
        .encode_fast(text, false)
        .map(|e| e.get_ids().len())
        .unwrap_or(text.split_whitespace().count())
}

/// The chunks of a parsed source titled `title`.
pub fn chunk(
    parsed: &Parsed,
    title: &str,
    tokenizer: &Tokenizer,
    options: ChunkOptions,
) -> Vec<Chunk> {
    let mut chunks = Vec::new();
    for section in &parsed.sections {
        let mut prefix = title.trim().to_owned();
        if let Some(h) = section.heading.as_deref().filter(|h| *h != title.trim()) {
            if prefix.is_empty() {
                prefix = h.to_owned();
            } else {
                prefix = format!("{prefix} — {h}");
            }
        }
        if !prefix.is_empty() {
            prefix.push('\n');
        }
        let prefix_tokens = count(tokenizer, &prefix);
        let capacity = options
            .max_tokens
            .saturating_sub(prefix_tokens)
            .max(MIN_BODY_TOKENS);
        let overlap = options.overlap_tokens.min(capacity / 2);
        let config = ChunkConfig::new(capacity)
            .with_sizer(tokenizer)
            .with_overlap(overlap)
            .unwrap_or_else(|_| ChunkConfig::new(capacity).with_sizer(tokenizer));
        let splitter = TextSplitter::new(config);
        for body in splitter.chunks(&section.text) {
            let body = body.trim();
            if body.is_empty() {
                continue;
            }
            let content = format!("{prefix}{body}");
            chunks.push(Chunk {
                heading: section.heading.clone(),
                token_count: count(tokenizer, &content),
                body_start: prefix.len(),
                content,
            });
        }
    }
    chunks
}
