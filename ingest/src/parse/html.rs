//! HTML main text: boilerplate (scripts, styles, navigation, headers, footers, asides, forms)
//! dropped, headings kept as section structure.

use scraper::{ElementRef, Html, Node, Selector};

use super::{Parsed, Section, normalize_text};

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

pub(super) fn parse(text: &str) -> Parsed {
    let doc = Html::parse_document(text);
    let title = Selector::parse("title")
        .ok()
        .and_then(|s| doc.select(&s).next())
        .map(|t| collapse(&t.text().collect::<String>()))
        .filter(|t| !t.is_empty());
    // The main content when the page marks it; the whole body otherwise.
    let root = ["main", "article", "body"]
        .iter()
        .filter_map(|tag| Selector::parse(tag).ok())
        .find_map(|s| doc.select(&s).next())
        .unwrap_or_else(|| doc.root_element());

    let mut walker = Walker::default();
    walker.visit(root);
    walker.flush();
    Parsed {
        title,
        sections: walker.sections,
    }
}

#[derive(Default)]
struct Walker {
    sections: Vec<Section>,
    headings: Vec<(usize, String)>,
    text: String,
}

impl Walker {
    fn visit(&mut self, element: ElementRef<'_>) {
        for child in element.children() {
            match child.value() {
                Node::Text(t) => self.text.push_str(t),
                Node::Element(e) => {
                    let name = e.name();
                    if SKIPPED.contains(&name) {
                        continue;
                    }
                    let Some(child) = ElementRef::wrap(child) else {
                        continue;
                    };
                    if let Some(level) = heading_level(name) {
                        self.flush();
                        let heading = collapse(&child.text().collect::<String>());
                        if !heading.is_empty() {
                            self.headings.retain(|(l, _)| *l < level);
                            self.headings.push((level, heading));
                        }
                        continue;
                    }
                    let block = BLOCKS.contains(&name);
                    if block {
                        self.text.push('\n');
                    }
                    if name == "td" || name == "th" {
                        self.text.push(' ');
                    }
                    self.visit(child);
                    if block {
                        self.text.push('\n');
                    }
                }
                _ => {}
            }
        }
    }

    fn flush(&mut self) {
        let lines: Vec<String> = self
            .text
            .lines()
            .map(collapse)
            .filter(|l| !l.is_empty())
            .collect();
        self.text.clear();
        if lines.is_empty() {
            return;
        }
        let heading = (!self.headings.is_empty()).then(|| {
            self.headings
                .iter()
                .map(|(_, h)| h.as_str())
                .collect::<Vec<_>>()
                .join(" > ")
        });
        self.sections.push(Section {
            heading,
            text: normalize_text(&lines.join("\n")),
        });
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
    let doc = Html::parse_document(text);
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
        let p = parse(html);
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
}
