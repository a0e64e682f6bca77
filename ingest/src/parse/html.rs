//! HTML main text: boilerplate (scripts, styles, navigation, headers, footers, asides, forms)
//! dropped, headings kept as section structure.

use ego_tree::NodeRef;
use scraper::{ElementRef, Node, Selector};

use super::{Budget, ParseError, Parsed, Section, label, normalize_text};

const SKIPPED: &[&str] = &[
    "script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form", "svg",
    "iframe", "button", "select", "head",
];
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "li",
    "ul",
    "ol",
    "tr",
    "table",
    "section",
    "article",
    "main",
    "pre",
    "blockquote",
    "dd",
    "dt",
    "dl",
    "br",
    "hr",
    "figcaption",
    "td",
    "th",
];

pub(super) fn parse(text: &str, budget: &mut Budget) -> Result<Parsed, ParseError> {
    let doc = super::html_tree::parse_document(text);
    let title = Selector::parse("title")
        .ok()
        .and_then(|s| doc.select(&s).next())
        .map(|t| label(&collapse(&t.text().collect::<String>())))
        .filter(|t| !t.is_empty());
    // The main content when the page marks it; the whole body otherwise.
    let root = ["main", "article", "body"]
        .iter()
        .filter_map(|tag| Selector::parse(tag).ok())
        .find_map(|s| doc.select(&s).next())
        .unwrap_or_else(|| doc.root_element());

    let mut walker = Walker {
        budget,
        sections: Vec::new(),
        headings: Vec::new(),
        text: String::new(),
    };
    walker.walk(root)?;
    walker.flush()?;
    Ok(Parsed {
        title,
        sections: walker.sections,
    })
}

/// What is left to do at a point of the walk.
enum Step<'a> {
    /// Read this node (and what is under it).
    Enter(NodeRef<'a, Node>),
    /// A block element has ended: its text ends a line.
    Close,
}

struct Walker<'b> {
    budget: &'b mut Budget,
    sections: Vec<Section>,
    headings: Vec<(usize, String)>,
    text: String,
}

impl Walker<'_> {
    /// Reads the text under `root` in document order, with an explicit stack: a page nested
    /// a hundred thousand elements deep costs memory in proportion, never the thread's stack.
    fn walk(&mut self, root: ElementRef<'_>) -> Result<(), ParseError> {
        let mut stack: Vec<Step<'_>> = root.children().rev().map(Step::Enter).collect();
        while let Some(step) = stack.pop() {
            let node = match step {
                Step::Close => {
                    self.text.push('\n');
                    continue;
                }
                Step::Enter(node) => node,
            };
            match node.value() {
                Node::Text(t) => self.text.push_str(t),
                Node::Element(e) => {
                    let name = e.name();
                    if SKIPPED.contains(&name) {
                        continue;
                    }
                    if let Some(level) = heading_level(name) {
                        self.flush()?;
                        let text = ElementRef::wrap(node)
                            .map(|h| collapse(&h.text().collect::<String>()))
                            .unwrap_or_default();
                        if !text.is_empty() {
                            self.headings.retain(|(l, _)| *l < level);
                            self.headings.push((level, label(&text)));
                        }
                        continue;
                    }
                    let block = BLOCKS.contains(&name);
                    if block {
                        self.text.push('\n');
                        stack.push(Step::Close);
                    }
                    if name == "td" || name == "th" {
                        self.text.push(' ');
                    }
                    stack.extend(node.children().rev().map(Step::Enter));
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), ParseError> {
        let lines: Vec<String> = self
            .text
            .lines()
            .map(collapse)
            .filter(|l| !l.is_empty())
            .collect();
        self.text.clear();
        if lines.is_empty() {
            return Ok(());
        }
        let heading = (!self.headings.is_empty()).then(|| {
            self.headings
                .iter()
                .map(|(_, h)| h.as_str())
                .collect::<Vec<_>>()
                .join(" > ")
        });
        let section = self
            .budget
            .section(heading, normalize_text(&lines.join("\n")))?;
        self.sections.push(section);
        Ok(())
    }
}

/// What a crawler needs from a page besides its text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageLinks {
    /// `<link rel="canonical" href>`, as written.
    pub canonical: Option<String>,
    /// `<base href>`, as written: relative links resolve against it.
    pub base: Option<String>,
    /// Every `<a href>` and `<area href>` not marked `rel="nofollow"`, as written, in order.
    pub links: Vec<String>,
    /// `<meta name="robots">` says `nofollow`: its links are not followed.
    pub nofollow: bool,
    /// `<meta name="robots">` says `noindex`: its text is not kept.
    pub noindex: bool,
}

/// The canonical URL, base, links and robots directives of an HTML page.
pub fn page_links(text: &str) -> PageLinks {
    let doc = super::html_tree::parse_document(text);
    let select = |css: &str| Selector::parse(css).ok();
    let attr_of = |css: &str, attr: &str| {
        select(css).and_then(|s| {
            doc.select(&s)
                .find_map(|e| e.value().attr(attr).map(|v| v.trim().to_owned()))
                .filter(|v| !v.is_empty())
        })
    };
    let mut out = PageLinks {
        canonical: attr_of("link[rel~=canonical]", "href"),
        base: attr_of("base[href]", "href"),
        ..PageLinks::default()
    };
    if let Some(s) = select("meta[name]") {
        for meta in doc.select(&s) {
            let name = meta.value().attr("name").unwrap_or_default();
            if !name.eq_ignore_ascii_case("robots") {
                continue;
            }
            let content = meta
                .value()
                .attr("content")
                .unwrap_or_default()
                .to_ascii_lowercase();
            let has = |word: &str| content.split(',').any(|d| d.trim() == word);
            out.nofollow |= has("nofollow") || has("none");
            out.noindex |= has("noindex") || has("none");
        }
    }
    if let Some(s) = select("a[href], area[href]") {
        for a in doc.select(&s) {
            let nofollow = a.value().attr("rel").is_some_and(|rel| {
                rel.split_whitespace()
                    .any(|r| r.eq_ignore_ascii_case("nofollow"))
            });
            let href = a.value().attr("href").unwrap_or_default().trim();
            if !nofollow && !href.is_empty() {
                out.links.push(href.to_owned());
            }
        }
    }
    out
}

fn heading_level(name: &str) -> Option<usize> {
    match name {
        "h1" => Some(1),
        "h2" => Some(2),
        "h3" => Some(3),
        "h4" => Some(4),
        "h5" => Some(5),
        "h6" => Some(6),
        _ => None,
    }
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_canonical_and_robots_directives_are_read() {
        let html = r#"<html><head><link rel="canonical" href="https://shop.example/pack">
            <base href="/docs/"><meta name="ROBOTS" content="noindex, follow"></head><body>
            <nav><a href="/">Home</a></nav><a href="care.html#wash">Care</a>
            <a href="/ads" rel="sponsored nofollow">Ad</a><a href=" ">blank</a>
            <map><area href="/map"></map></body></html>"#;
        let p = page_links(html);
        assert_eq!(p.canonical.as_deref(), Some("https://shop.example/pack"));
        assert_eq!(p.base.as_deref(), Some("/docs/"));
        assert_eq!(p.links, ["/", "care.html#wash", "/map"]);
        assert!(p.noindex);
        assert!(!p.nofollow);
    }

    #[test]
    fn keeps_the_article_and_drops_boilerplate() {
        let html = r#"<html><head><title> Pack  </title><style>x{}</style></head><body>
            <header>HEADER</header><nav>NAV</nav>
            <main><h1>Backpack</h1><p>Holds <b>28</b> litres.</p><script>SCRIPT</script>
            <h2>Care</h2><ul><li>Wash cold</li><li>Dry flat</li></ul></main>
            <footer>FOOTER</footer></body></html>"#;
        let p = parse(html, &mut Budget::for_input(html.len())).unwrap();
        assert_eq!(p.title.as_deref(), Some("Pack"));
        assert_eq!(p.sections.len(), 2);
        assert_eq!(p.sections[0].heading.as_deref(), Some("Backpack"));
        assert_eq!(p.sections[0].text, "Holds 28 litres.");
        assert_eq!(p.sections[1].heading.as_deref(), Some("Backpack > Care"));
        assert_eq!(p.sections[1].text, "Wash cold\nDry flat");
        let all = p
            .sections
            .iter()
            .map(|s| s.text.clone())
            .collect::<String>();
        for decoy in ["HEADER", "NAV", "SCRIPT", "FOOTER"] {
            assert!(!all.contains(decoy));
        }
    }

    #[test]
    fn a_page_nested_a_hundred_thousand_levels_deep_is_read() {
        // Walked recursively, this overflowed the stack and aborted the whole process. It
        // runs on a thread with a small stack, as a worker's blocking thread might have.
        let depth = 100_000;
        let html = format!(
            "<html><body>{}deep text{}<p>after</p></body></html>",
            "<div>".repeat(depth),
            "</div>".repeat(depth)
        );
        let p = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || parse(&html, &mut Budget::for_input(html.len())))
            .unwrap()
            .join()
            .unwrap()
            .unwrap();
        assert_eq!(p.sections.len(), 1);
        assert_eq!(p.sections[0].text, "deep text\nafter");
    }
}
