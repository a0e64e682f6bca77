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
