//! How far a crawl goes, and changing it: the one bounds type, used by the crawl, the
//! service's URL operations and (as its wire shape) the API.

use companin_config::CrawlSettings;
use companin_entity::knowledge_item;
use serde::{Deserialize, Serialize};

/// Most include (and exclude) patterns, and the longest.
pub const MAX_PATTERNS: usize = 20;
pub const MAX_PATTERN_CHARS: usize = 200;

/// How far a crawl goes from the submitted URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Bounds {
    /// Links followed from the submitted URL (0: that page only).
    pub max_depth: u32,
    /// Pages fetched at most.
    pub max_pages: u32,
    /// Only pages on the submitted URL's host (with or without `www.`).
    pub same_domain: bool,
    /// Path patterns (`*` any run of characters, `?` one) a page must match, when any.
    pub include: Vec<String>,
    /// Path patterns no page may match.
    pub exclude: Vec<String>,
    /// Also start from the pages the site's sitemaps list.
    pub use_sitemap: bool,
}

impl Default for Bounds {
    fn default() -> Self {
        Bounds {
            max_depth: 0,
            max_pages: 1,
            same_domain: true,
            include: Vec::new(),
            exclude: Vec::new(),
            use_sitemap: false,
        }
    }
}

impl Bounds {
    /// The item's bounds (the defaults when it has none).
    pub fn of(item: &knowledge_item::Model) -> Bounds {
        item.crawl
            .clone()
            .and_then(|c| serde_json::from_value(c).ok())
            .unwrap_or_default()
    }

    /// Held within the configured maxima.
    pub fn within(mut self, settings: &CrawlSettings) -> Bounds {
        self.max_pages = self.max_pages.clamp(1, settings.max_pages);
        self.max_depth = self.max_depth.min(settings.max_depth);
        self
    }
}

/// Bounds to set: what is left out keeps its current (or default) value.
#[derive(Debug, Default, Clone)]
pub struct BoundsChange {
    pub max_depth: Option<u32>,
    pub max_pages: Option<u32>,
    pub same_domain: Option<bool>,
    pub include: Option<Vec<String>>,
    pub exclude: Option<Vec<String>>,
    pub use_sitemap: Option<bool>,
}

/// A bound out of range: its field, as the API names it, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{field}` {reason}")]
pub struct InvalidBound {
    pub field: &'static str,
    pub reason: String,
}

impl InvalidBound {
    fn new(field: &'static str, reason: String) -> InvalidBound {
        InvalidBound { field, reason }
    }
}

impl Bounds {
    /// `change` applied, checked against the configured maxima; patterns trimmed.
    pub fn apply(
        mut self,
        change: BoundsChange,
        limits: &CrawlSettings,
    ) -> Result<Bounds, InvalidBound> {
        if let Some(depth) = change.max_depth {
            if depth > limits.max_depth {
                return Err(InvalidBound::new(
                    "crawl.max_depth",
                    format!(
                        "must be at most {} (crawl.max_depth in the configuration)",
                        limits.max_depth
                    ),
                ));
            }
            self.max_depth = depth;
        }
        if let Some(pages) = change.max_pages {
            if pages == 0 || pages > limits.max_pages {
                return Err(InvalidBound::new(
                    "crawl.max_pages",
                    format!(
                        "must be 1 to {} (crawl.max_pages in the configuration)",
                        limits.max_pages
                    ),
                ));
            }
            self.max_pages = pages;
        }
        if let Some(same) = change.same_domain {
            self.same_domain = same;
        }
        if let Some(include) = change.include {
            self.include = clean_patterns("crawl.include", include)?;
        }
        if let Some(exclude) = change.exclude {
            self.exclude = clean_patterns("crawl.exclude", exclude)?;
        }
        if let Some(sitemap) = change.use_sitemap {
            self.use_sitemap = sitemap;
        }
        Ok(self)
    }
}

fn clean_patterns(field: &'static str, patterns: Vec<String>) -> Result<Vec<String>, InvalidBound> {
    if patterns.len() > MAX_PATTERNS {
        return Err(InvalidBound::new(
            field,
            format!("at most {MAX_PATTERNS} patterns"),
        ));
    }
    patterns
        .into_iter()
        .map(|p| {
            let p = p.trim().to_owned();
            if p.is_empty() || p.chars().count() > MAX_PATTERN_CHARS {
                return Err(InvalidBound::new(
                    field,
                    format!("each pattern must be 1 to {MAX_PATTERN_CHARS} characters"),
                ));
            }
            Ok(p)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_default_to_one_page_and_stay_within_the_configured_maxima() {
        let settings = CrawlSettings {
            max_pages: 50,
            max_depth: 3,
            ..CrawlSettings::default()
        };
        assert_eq!(Bounds::default().within(&settings).max_pages, 1);
        let wide = Bounds {
            max_pages: 10_000,
            max_depth: 9,
            ..Bounds::default()
        }
        .within(&settings);
        assert_eq!((wide.max_pages, wide.max_depth), (50, 3));
    }

    #[test]
    fn a_change_keeps_what_it_leaves_out_and_refuses_what_is_out_of_range() {
        let limits = CrawlSettings {
            max_pages: 50,
            max_depth: 3,
            ..CrawlSettings::default()
        };
        let base = Bounds {
            max_pages: 10,
            include: vec!["/docs/*".into()],
            ..Bounds::default()
        };
        let changed = base
            .clone()
            .apply(
                BoundsChange {
                    max_depth: Some(2),
                    exclude: Some(vec!["  /private/*  ".into()]),
                    ..BoundsChange::default()
                },
                &limits,
            )
            .unwrap();
        assert_eq!((changed.max_depth, changed.max_pages), (2, 10));
        assert_eq!(changed.include, base.include);
        assert_eq!(changed.exclude, vec!["/private/*".to_owned()]);

        let refused = |change: BoundsChange| base.clone().apply(change, &limits).unwrap_err();
        let deep = refused(BoundsChange {
            max_depth: Some(4),
            ..BoundsChange::default()
        });
        assert_eq!(deep.field, "crawl.max_depth");
        let none = refused(BoundsChange {
            max_pages: Some(0),
            ..BoundsChange::default()
        });
        assert_eq!(none.field, "crawl.max_pages");
        let blank = refused(BoundsChange {
            include: Some(vec![" ".into()]),
            ..BoundsChange::default()
        });
        assert_eq!(blank.field, "crawl.include");
        let many = refused(BoundsChange {
            exclude: Some(vec!["/a".into(); MAX_PATTERNS + 1]),
            ..BoundsChange::default()
        });
        assert_eq!(many.to_string(), "`crawl.exclude` at most 20 patterns");
    }
}
