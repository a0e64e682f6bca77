//! Which URLs a crawl may visit, and the one spelling of each URL it keeps.

use url::Url;
use wildmatch::WildMatch;

use super::Bounds;

/// A URL in normal form: fragment dropped (it names a place in a page, not a page), an empty
/// query dropped, scheme and host lowercase and a default port left out (the `url` crate
/// does those two). Two spellings of one page meet as one key.
pub fn normalize(mut url: Url) -> Url {
    url.set_fragment(None);
    if url.query() == Some("") {
        url.set_query(None);
    }
    url
}

/// `href` resolved against `base`, in normal form, if it is an http(s) URL.
pub fn resolve(base: &Url, href: &str) -> Option<Url> {
    let url = base.join(href.trim()).ok()?;
    matches!(url.scheme(), "http" | "https").then(|| normalize(url))
}

/// The crawl bounds that depend on a URL alone (depth and page counts are the crawl's).
#[derive(Debug)]
pub struct Scope {
    host: String,
    same_domain: bool,
    include: Vec<WildMatch>,
    exclude: Vec<WildMatch>,
}

impl Scope {
    pub fn new(root: &Url, bounds: &Bounds) -> Scope {
        Scope {
            host: root.host_str().unwrap_or_default().to_ascii_lowercase(),
            same_domain: bounds.same_domain,
            include: bounds.include.iter().map(|p| WildMatch::new(p)).collect(),
            exclude: bounds.exclude.iter().map(|p| WildMatch::new(p)).collect(),
        }
    }

    /// Whether the crawl may visit `url`: on the submitted URL's host (unless `same_domain`
    /// is off), its path (with query) matching an `include` pattern when there are any, and no
    /// `exclude` pattern.
    pub fn admits(&self, url: &Url) -> bool {
        if self.same_domain && !self.same_host(url) {
            return false;
        }
        let path = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        };
        let included = self.include.is_empty()
            || self
                .include
                .iter()
                .any(|p| p.matches(&path) || p.matches(url.path()));
        included
            && !self
                .exclude
                .iter()
                .any(|p| p.matches(&path) || p.matches(url.path()))
    }

    /// The same host as the submitted URL, `www.` or not.
    fn same_host(&self, url: &Url) -> bool {
        let strip = |h: &str| h.strip_prefix("www.").unwrap_or(h).to_owned();
        url.host_str()
            .is_some_and(|h| strip(&h.to_ascii_lowercase()) == strip(&self.host))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn spellings_of_one_page_normalise_to_one_key() {
        let a = normalize(url("HTTP://Shop.Example:80/docs/a?#top"));
        let b = normalize(url("http://shop.example/docs/a#intro"));
        assert_eq!(a, b);
        assert_eq!(a.as_str(), "http://shop.example/docs/a");
        let base = url("https://shop.example/docs/a");
        assert_eq!(
            resolve(&base, "../b#x").unwrap().as_str(),
            "https://shop.example/b"
        );
        assert!(resolve(&base, "mailto:hi@shop.example").is_none());
        assert!(resolve(&base, "javascript:void(0)").is_none());
    }

    #[test]
    fn the_scope_keeps_to_the_host_and_patterns() {
        let bounds = Bounds {
            include: vec!["/docs/*".into()],
            exclude: vec!["/docs/private*".into()],
            ..Bounds::default()
        };
        let scope = Scope::new(&url("https://shop.example/docs/"), &bounds);
        assert!(scope.admits(&url("https://shop.example/docs/a")));
        assert!(scope.admits(&url("https://www.shop.example/docs/b?page=2")));
        assert!(!scope.admits(&url("https://shop.example/blog/a")));
        assert!(!scope.admits(&url("https://shop.example/docs/private/x")));
        assert!(!scope.admits(&url("https://other.example/docs/a")));
        let open = Scope::new(
            &url("https://shop.example/"),
            &Bounds {
                same_domain: false,
                ..Bounds::default()
            },
        );
        assert!(open.admits(&url("https://other.example/x")));
    }
}
