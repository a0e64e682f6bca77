//! Sitemaps (`<urlset>`) and sitemap indexes (`<sitemapindex>`): the `<loc>` of each entry.

use quick_xml::Reader;
use quick_xml::events::Event;

/// What a sitemap file lists.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Sitemap {
    /// Page URLs (`<urlset>`).
    pub pages: Vec<String>,
    /// Further sitemaps (`<sitemapindex>`).
    pub sitemaps: Vec<String>,
}

/// Reads a sitemap or sitemap index; what cannot be read is left out, never an error (a
/// broken sitemap only means fewer seeds).
pub fn parse(xml: &[u8]) -> Sitemap {
    let mut reader = Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut out = Sitemap::default();
    let mut index = false;
    let mut in_loc = false;
    let mut loc = String::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => match e.local_name().as_ref() {
                b"sitemapindex" => index = true,
                b"loc" => {
                    in_loc = true;
                    loc.clear();
                }
                _ => {}
            },
            Ok(Event::Text(t)) if in_loc => {
                if let Ok(text) = t.unescape() {
                    loc.push_str(&text);
                }
            }
            Ok(Event::CData(t)) if in_loc => loc.push_str(&String::from_utf8_lossy(&t)),
            Ok(Event::End(e)) if e.local_name().as_ref() == b"loc" => {
                in_loc = false;
                let entry = loc.trim().to_owned();
                if !entry.is_empty() {
                    if index {
                        out.sitemaps.push(entry);
                    } else {
                        out.pages.push(entry);
                    }
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
        buf.clear();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urlsets_and_indexes_are_told_apart() {
        let urlset = br#"<?xml version="1.0" encoding="UTF-8"?>
            <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
              <url><loc>https://shop.example/a?x=1&amp;y=2</loc><lastmod>2026-01-01</lastmod></url>
              <url><loc> https://shop.example/b </loc></url>
            </urlset>"#;
        assert_eq!(
            parse(urlset).pages,
            ["https://shop.example/a?x=1&y=2", "https://shop.example/b"]
        );
        let index = br#"<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
              <sitemap><loc><![CDATA[https://shop.example/s1.xml]]></loc></sitemap>
            </sitemapindex>"#;
        let parsed = parse(index);
        assert_eq!(parsed.sitemaps, ["https://shop.example/s1.xml"]);
        assert!(parsed.pages.is_empty());
        assert_eq!(parse(b"<urlset><url><loc>broken"), Sitemap::default());
    }
}
