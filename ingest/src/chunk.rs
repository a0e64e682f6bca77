//! Token-sized chunks with their title and heading as a prefix, so each stands on its own.

use companin_inference::TextTokenizer;
use text_splitter::{ChunkConfig, ChunkSizer, TextSplitter};

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

fn count(tokenizer: &TextTokenizer, text: &str) -> usize {
    tokenizer
        .count(text)
        .unwrap_or(text.split_whitespace().count())
}

/// Sizes text-splitter's chunks in the model's tokens.
struct Tokens<'a>(&'a TextTokenizer);

impl ChunkSizer for Tokens<'_> {
    fn size(&self, chunk: &str) -> usize {
        count(self.0, chunk)
    }
}

/// The beginning of `text` up to `most` tokens, ending with `…`.
fn cut_to_tokens(tokenizer: &TextTokenizer, text: &str, most: usize) -> String {
    let end = tokenizer
        .encode(text, false)
        .ok()
        .and_then(|e| e.get_offsets().get(most.saturating_sub(1)).map(|o| o.1))
        .filter(|end| text.is_char_boundary(*end))
        .unwrap_or_else(|| {
            // No offsets: as many characters as tokens, which is never more text.
            text.char_indices().nth(most).map_or(text.len(), |(i, _)| i)
        });
    format!("{}…", text[..end].trim_end())
}

/// The chunks of a parsed source titled `title`.
pub fn chunk(
    parsed: &Parsed,
    title: &str,
    tokenizer: &TextTokenizer,
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
        let mut prefix_tokens = count(tokenizer, &prefix);
        if prefix_tokens > options.max_tokens / 2 {
            // A title and heading path longer than half a chunk would be repeated on every
            // small piece of its section: keep the beginning.
            prefix = cut_to_tokens(tokenizer, &prefix, options.max_tokens / 2);
            prefix_tokens = count(tokenizer, &prefix);
        }
        if !prefix.is_empty() {
            prefix.push('\n');
            prefix_tokens += 1;
        }
        let capacity = options
            .max_tokens
            .saturating_sub(prefix_tokens)
            .max(MIN_BODY_TOKENS);
        let overlap = options.overlap_tokens.min(capacity / 2);
        let config = ChunkConfig::new(capacity)
            .with_sizer(Tokens(tokenizer))
            .with_overlap(overlap)
            .unwrap_or_else(|_| ChunkConfig::new(capacity).with_sizer(Tokens(tokenizer)));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::Section;

    #[test]
    fn a_long_heading_is_not_repeated_whole_on_every_chunk() {
        let words = |n: usize, w: &str| vec![w; n].join(" ");
        let parsed = Parsed {
            title: None,
            sections: vec![Section {
                heading: Some(words(2000, "heading")),
                text: words(3000, "body"),
            }],
        };
        let tokenizer = TextTokenizer::from_bytes(
            // A word-level tokenizer: one token per word, no model files needed.
            br#"{"version":"1.0","truncation":null,"padding":null,"added_tokens":[],
                "normalizer":null,"pre_tokenizer":{"type":"Whitespace"},"post_processor":null,
                "decoder":null,"model":{"type":"WordLevel","vocab":{"[UNK]":0,"heading":1,
                "body":2},"unk_token":"[UNK]"}}"#,
        )
        .unwrap();
        let options = ChunkOptions::default();
        let chunks = chunk(&parsed, "Title", &tokenizer, options);
        assert!(!chunks.is_empty());
        for c in &chunks {
            assert!(c.body_start < 1200, "prefix of {} bytes", c.body_start);
            assert!(c.content[..c.body_start].trim_end().ends_with('…'));
        }
        let body: usize = chunks
            .iter()
            .map(|c| c.content[c.body_start..].split_whitespace().count())
            .sum();
        assert!(body >= 3000, "every body word is in a chunk");
    }
}
