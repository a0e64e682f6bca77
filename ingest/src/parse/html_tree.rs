//! HTML into scraper's tree, its nesting capped first.
//!
//! html5ever's tree builder checks, for most block start tags, whether a `<p>` is open "in
//! button scope": a walk down its stack of open elements to the nearest scope boundary. A page
//! of 100,000 nested `<div>`s makes that 5·10⁹ steps (19 s for 1 MB, hours for 25 MB), and the
//! parse cannot be interrupted. So tokens pass through [`DepthCap`] on their way from the
//! tokenizer to the tree builder: past [`MAX_DEPTH`] open elements, further start tags (and
//! their end tags) are dropped while their text is kept, as browsers do with such pages.

use std::cell::RefCell;
use std::collections::HashMap;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{
    BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};
use html5ever::tree_builder::{TreeBuilder, TreeBuilderOpts, TreeSink};
use html5ever::{LocalName, TokenizerResult};
use scraper::{Html, HtmlTreeSink};

/// Most elements open at once (Chromium's parser stops nesting at 512 too).
pub const MAX_DEPTH: usize = 512;

/// Elements that never have children.
const VOID: &[&str] = &[
    "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "img", "input",
    "keygen", "link", "meta", "param", "source", "track", "wbr",
];

/// Elements whose content is raw text: never dropped, or the tokenizer would read their text
/// as markup.
const RAW: &[&str] = &[
    "script",
    "style",
    "textarea",
    "title",
    "xmp",
    "iframe",
    "noembed",
    "noframes",
    "noscript",
    "plaintext",
];

/// Elements a start tag of the same name closes (`<li>a<li>b` are siblings).
const SELF_CLOSING_SIBLINGS: &[&str] = &["p", "li", "dt", "dd", "option", "tr", "td", "th"];

/// Parses `text` as a whole HTML document, as [`Html::parse_document`] does, with its nesting
/// capped at [`MAX_DEPTH`].
pub fn parse_document(text: &str) -> Html {
    let builder = TreeBuilder::new(
        HtmlTreeSink::new(Html::new_document()),
        TreeBuilderOpts::default(),
    );
    let tokenizer = Tokenizer::new(DepthCap::new(builder), TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(text));
    // Feeding pauses at a script's end (a browser would run it there) and at a `<meta charset>`
    // (a browser might restart in another encoding); the text is already UTF-8, so parsing
    // just goes on until the input is done.
    while !matches!(tokenizer.feed(&input), TokenizerResult::Done) {}
    tokenizer.end();
    tokenizer.sink.inner.sink.finish()
}

/// A token sink that forwards to `inner`, keeping a model of the open elements.
struct DepthCap<S> {
    inner: S,
    state: RefCell<Open>,
}

/// The open elements as the tokens say (a model: the tree builder's own stack also closes
/// elements implicitly, which the model follows only for the common cases).
#[derive(Default)]
struct Open {
    stack: Vec<LocalName>,
    /// How many of each name are on `stack`, so an end tag finds its element in O(1).
    counts: HashMap<LocalName, usize>,
    /// Start tags dropped past the cap whose end tags are still to come, by name.
    dropped: HashMap<LocalName, usize>,
}

impl Open {
    fn push(&mut self, name: LocalName) {
        *self.counts.entry(name.clone()).or_default() += 1;
        self.stack.push(name);
    }

    fn pop(&mut self) -> Option<LocalName> {
        let name = self.stack.pop()?;
        if let Some(n) = self.counts.get_mut(&name) {
            *n -= 1;
        }
        Some(name)
    }

    /// Whether a start tag reaches the tree builder.
    fn start(&mut self, name: &LocalName, self_closing: bool) -> bool {
        if self_closing || VOID.contains(&&**name) {
            return true;
        }
        if SELF_CLOSING_SIBLINGS.contains(&&**name) && self.stack.last() == Some(name) {
            self.pop();
        }
        if self.stack.len() >= MAX_DEPTH && !RAW.contains(&&**name) {
            *self.dropped.entry(name.clone()).or_default() += 1;
            return false;
        }
        self.push(name.clone());
        true
    }

    /// Whether an end tag reaches the tree builder.
    fn end(&mut self, name: &LocalName) -> bool {
        // The dropped elements are the innermost, so their end tags come first.
        if let Some(n) = self.dropped.get_mut(name).filter(|n| **n > 0) {
            *n -= 1;
            return false;
        }
        if self.counts.get(name).is_some_and(|n| *n > 0) {
            while let Some(top) = self.pop() {
                if top == *name {
                    break;
                }
            }
        }
        true
    }
}

impl<S> DepthCap<S> {
    fn new(inner: S) -> Self {
        DepthCap {
            inner,
            state: RefCell::new(Open::default()),
        }
    }
}

impl<S: TokenSink> TokenSink for DepthCap<S> {
    type Handle = S::Handle;

    fn process_token(&self, token: Token, line_number: u64) -> TokenSinkResult<S::Handle> {
        if let Token::TagToken(tag) = &token {
            let mut open = self.state.borrow_mut();
            let forward = match tag.kind {
                TagKind::StartTag => open.start(&tag.name, tag.self_closing),
                TagKind::EndTag => open.end(&tag.name),
            };
            if !forward {
                return TokenSinkResult::Continue;
            }
        }
        self.inner.process_token(token, line_number)
    }

    fn end(&self) {
        self.inner.end()
    }

    fn adjusted_current_node_present_but_not_in_html_namespace(&self) -> bool {
        self.inner
            .adjusted_current_node_present_but_not_in_html_namespace()
    }
}

#[cfg(test)]
mod tests {
    use scraper::Selector;

    use super::*;

    fn depth_of_deepest(html: &Html) -> usize {
        html.tree
            .nodes()
            .map(|n| n.ancestors().count())
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn ordinary_pages_parse_as_scraper_parses_them() {
        let page = r#"<!doctype html><html><head><meta charset="utf-8"><title>T &amp; U</title>
            <script>if (a < b) { x = "</p>"; }</script></head><body><ul><li>one<li>two</ul>
            <p>para<p>next <b>bold <i>both</b> italic</i><table><tr><td>cell</table>
            <textarea><b>raw</b></textarea></body></html>"#;
        assert_eq!(
            parse_document(page).html(),
            Html::parse_document(page).html()
        );
    }

    #[test]
    fn nesting_stops_at_the_cap_and_the_text_stays() {
        let depth = 100_000;
        let page = format!(
            "<html><body>{}deep{}<p id=after>after</p></body></html>",
            "<div>".repeat(depth),
            "</div>".repeat(depth)
        );
        let started = std::time::Instant::now();
        let html = parse_document(&page);
        assert!(started.elapsed().as_secs() < 5, "{:?}", started.elapsed());
        assert!(depth_of_deepest(&html) <= MAX_DEPTH + 4);
        let body = Selector::parse("body").unwrap();
        let text: String = html.select(&body).next().unwrap().text().collect();
        assert_eq!(text, "deepafter");
        // What follows the deep part is still where it belongs: a child of the body.
        let after = Selector::parse("body > p#after").unwrap();
        assert_eq!(html.select(&after).count(), 1);
    }
}
