//! The `crawl` job: fetch a URL item's pages within its bounds, politely and through the SSRF
//! guard, and keep the item's chunks in step with the site.
//!
//! Each page reached is a `knowledge_pages` row; its chunks carry its URL as their source.
//! A sync sends conditional requests and compares content hashes, so an unchanged page costs
//! no parsing or embedding (its links come from the last parse); a changed page's chunks are
//! replaced in one transaction; a new page is added; a page that answers 404/410, or that the
//! crawl no longer reaches within its bounds, is pruned with its chunks. A crawl that met a
//! passing failure (timeout, 5xx) prunes only the pages known to be gone: what it could not
//! reach may still be there.

mod bounds;
mod fetch;
mod hosts;
mod pages;
mod schedule;
mod scope;
mod sitemap;

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use companin_config::CrawlSettings;
use companin_entity::{KnowledgeStatus, PageStatus, job, knowledge_item, knowledge_page};
use companin_ingest::parse::page_links;
use companin_ingest::prepare::PrepareError;
use companin_ingest::{Parsed, Prepared, Section, Source, SourceFormat, content_hash, prepare};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use url::Url;

pub use self::bounds::{Bounds, BoundsChange, InvalidBound, MAX_PATTERN_CHARS, MAX_PATTERNS};
use self::fetch::{Body, Fetched, RobotsBlock, Validators};
pub use self::fetch::{FetchOptions, Fetcher};
pub use self::hosts::HostGate;
use self::pages::{Chunks, PageRecord, RootEnrichment};
pub use self::schedule::{Claim, claim, run as run_scheduler};
pub use self::scope::normalize;
use self::scope::{Scope, resolve};
use crate::Runtime;
use crate::pipeline::{Failure, blocking_failed, chunk_options, find_item, parse_bytes};
use crate::progress::Control;
use crate::store;

/// What a sync changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Changes {
    /// New pages, embedded.
    pub added: u32,
    /// Pages whose content changed, re-embedded.
    pub updated: u32,
    /// Pages gone (404/410, or out of reach), pruned with their chunks.
    pub removed: u32,
    /// Pages fetched and found as they were: not parsed, not embedded.
    pub unchanged: u32,
    /// Pages not read: refused (robots.txt, the SSRF guard), too large, not a readable type,
    /// or failed this time (their earlier text is kept).
    pub skipped: u32,
}

/// The process-wide pieces every crawl shares.
pub struct Crawling {
    pub guard: crate::egress::Guard,
    pub hosts: Arc<HostGate>,
}

impl Crawling {
    pub fn new(settings: &CrawlSettings) -> Crawling {
        Crawling {
            guard: crate::egress::Guard::from_settings(settings),
            hosts: Arc::new(HostGate::new(settings.per_host_concurrency)),
        }
    }
}

/// One attempt at a `crawl` job.
pub async fn run(
    rt: &Arc<Runtime>,
    job: &job::Model,
    control: &Arc<Control>,
) -> Result<(), Failure> {
    let Some(id) = job.knowledge_id.as_deref() else {
        return Err(Failure::Permanent("the job names no knowledge item".into()));
    };
    let Some(item) = find_item(rt, &job.org_id, job.environment, id).await? else {
        return Ok(());
    };
    if item.kind != "url" {
        return Err(Failure::Permanent("only URL items are crawled".into()));
    }
    // A newer sync of the item took over (its job is the item's now): this one is stale.
    if item.job_id.as_deref() != Some(job.id.as_str()) {
        tracing::info!(job_id = %job.id, knowledge_id = %item.id, "crawl superseded; skipped");
        return Ok(());
    }
    let root = item
        .source
        .as_deref()
        .and_then(|s| Url::parse(s).ok())
        .map(normalize)
        .ok_or_else(|| Failure::Permanent("the item has no URL".into()))?;
    let settings = &rt.settings.crawl;
    let bounds = Bounds::of(&item).within(settings);
    let fetcher = Fetcher::new(
        &rt.crawling.guard,
        rt.crawling.hosts.clone(),
        FetchOptions {
            user_agent: settings.user_agent.clone(),
            timeout: Duration::from_secs(settings.timeout_secs),
            max_redirects: settings.max_redirects,
            max_bytes: settings.max_page_bytes,
            delay: Duration::from_millis(settings.politeness_delay_ms),
        },
    )
    .map_err(|e| Failure::Permanent(format!("cannot prepare the HTTP client: {e}")))?;
    if item.chunk_count == 0 {
        store::set_status(
            &rt.db,
            &item,
            KnowledgeStatus::Processing,
            None,
            control.fence(),
        )
        .await?;
    }
    let known = pages::load(&rt.db, &item.id).await?;
    let mut crawl = Crawl {
        rt,
        control,
        scope: Scope::new(&root, &bounds),
        bounds,
        fetcher,
        known,
        visited: HashSet::new(),
        seen: HashSet::new(),
        frontier: VecDeque::new(),
        changes: Changes::default(),
        complete: true,
        gone: HashSet::new(),
        root_key: root.to_string(),
        root_reason: None,
        root_summary: None,
        root_title: None,
        item,
    };
    crawl.seed(root).await;
    if crawl.walk().await? == Flow::Stop {
        return Ok(());
    }
    crawl.finish().await
}

/// Whether the crawl goes on.
#[derive(Debug, PartialEq, Eq)]
enum Flow {
    Go,
    /// The item was deleted meanwhile.
    Stop,
}

struct Crawl<'a> {
    rt: &'a Arc<Runtime>,
    control: &'a Arc<Control>,
    item: knowledge_item::Model,
    bounds: Bounds,
    scope: Scope,
    fetcher: Fetcher,
    /// The item's pages before this sync, by URL.
    known: HashMap<String, knowledge_page::Model>,
    /// Pages recorded this sync.
    visited: HashSet<String>,
    /// URLs queued this sync (a page is fetched once).
    seen: HashSet<String>,
    frontier: VecDeque<(Url, u32)>,
    changes: Changes,
    /// No passing failure met: pages not reached are gone.
    complete: bool,
    /// Known pages that answered 404 or 410.
    gone: HashSet<String>,
    root_key: String,
    root_reason: Option<String>,
    root_summary: Option<RootEnrichment>,
    root_title: Option<String>,
}

impl Crawl<'_> {
    fn push(&mut self, url: Url, depth: u32) {
        if self.scope.admits(&url) && self.seen.insert(url.to_string()) {
            self.frontier.push_back((url, depth));
        }
    }

    async fn seed(&mut self, root: Url) {
        self.seen.insert(root.to_string());
        self.frontier.push_back((root.clone(), 0));
        if self.bounds.use_sitemap {
            let limit = self.bounds.max_pages as usize * 4;
            for url in self.fetcher.sitemap_pages(&root, limit).await {
                self.push(url, 0);
            }
        }
    }

    fn report(&self, done: usize) {
        let max = self.bounds.max_pages as usize;
        let found = self.seen.len().min(max).max(done);
        self.control.set_pages(done, found);
        self.control.set_progress(done as f64 / found.max(1) as f64);
    }

    async fn walk(&mut self) -> Result<Flow, Failure> {
        let mut done = 0;
        while let Some((url, depth)) = self.frontier.pop_front() {
            if done >= self.bounds.max_pages as usize {
                break;
            }
            if self.control.is_canceled() {
                return Err(Failure::Canceled);
            }
            self.report(done);
            if self.visit(url, depth).await? == Flow::Stop {
                return Ok(Flow::Stop);
            }
            done += 1;
        }
        self.report(done);
        Ok(Flow::Go)
    }

    async fn visit(&mut self, url: Url, depth: u32) -> Result<Flow, Failure> {
        let key = url.to_string();
        match self.fetcher.robots_allow(&url).await {
            Ok(()) => {}
            Err(RobotsBlock::Disallowed) => {
                return self
                    .skip(&key, depth, "disallowed by robots.txt".into(), None)
                    .await;
            }
            Err(RobotsBlock::Refused(reason)) => return self.skip(&key, depth, reason, None).await,
            Err(RobotsBlock::Unavailable(reason)) => {
                return self.fail(&key, depth, reason, None).await;
            }
        }
        let validators = self
            .known
            .get(&key)
            .filter(|p| has_text(p))
            .map(|p| Validators {
                etag: p.etag.clone(),
                last_modified: p.last_modified.clone(),
            });
        match self.fetcher.fetch(&url, validators.as_ref()).await {
            Fetched::NotModified => self.unchanged(&key, depth, None).await,
            Fetched::Gone(status) => {
                if self.known.contains_key(&key) {
                    self.gone.insert(key.clone());
                }
                if key == self.root_key {
                    self.root_reason = Some(format!("the page answered HTTP {status}"));
                }
                Ok(Flow::Go)
            }
            Fetched::Skipped { reason, status } => self.skip(&key, depth, reason, status).await,
            Fetched::Failed { reason, status } => self.fail(&key, depth, reason, status).await,
            Fetched::Body(body) => self.read(&url, depth, body).await,
        }
    }

    async fn save(&mut self, record: PageRecord, chunks: Chunks) -> Result<Flow, Failure> {
        let key = record.url.clone();
        let existing = self.known.get(&key);
        let fence = self.control.fence();
        let embedder = self.rt.embedder_name();
        match pages::save(
            &self.rt.db,
            &self.item,
            existing,
            record,
            chunks,
            embedder,
            fence,
        )
        .await?
        {
            Some(_) => {
                self.visited.insert(key);
                Ok(Flow::Go)
            }
            None => Ok(Flow::Stop),
        }
    }

    /// A page not read, for a reason that holds until the next sync.
    async fn skip(
        &mut self,
        key: &str,
        depth: u32,
        reason: String,
        status: Option<u16>,
    ) -> Result<Flow, Failure> {
        if key == self.root_key {
            self.root_reason = Some(reason.clone());
        }
        let had_chunks = self.known.get(key).is_some_and(|p| p.chunk_count > 0);
        if had_chunks {
            self.changes.removed += 1;
        } else {
            self.changes.skipped += 1;
        }
        self.save(
            PageRecord {
                reason: Some(reason),
                http_status: status.map(i32::from),
                ..PageRecord::new(key.to_owned(), depth as i32, PageStatus::Skipped)
            },
            if had_chunks {
                Chunks::Drop
            } else {
                Chunks::Keep
            },
        )
        .await
    }

    /// A page whose fetch failed this time: its earlier text stays.
    async fn fail(
        &mut self,
        key: &str,
        depth: u32,
        reason: String,
        status: Option<u16>,
    ) -> Result<Flow, Failure> {
        self.complete = false;
        if key == self.root_key {
            self.root_reason = Some(reason.clone());
        }
        self.changes.skipped += 1;
        self.save(
            PageRecord {
                reason: Some(reason),
                http_status: status.map(i32::from),
                ..PageRecord::new(key.to_owned(), depth as i32, PageStatus::Failed)
            },
            Chunks::Keep,
        )
        .await
    }

    /// A page as it was: nothing parsed or embedded; its stored links are followed.
    async fn unchanged(
        &mut self,
        key: &str,
        depth: u32,
        body: Option<&Body>,
    ) -> Result<Flow, Failure> {
        let Some(page) = self.known.get(key).cloned() else {
            return Ok(Flow::Go);
        };
        self.changes.unchanged += 1;
        let links: Vec<String> = serde_json::from_value(page.links.clone()).unwrap_or_default();
        let flow = self
            .save(
                PageRecord {
                    http_status: Some(body.map_or(304, |b| i32::from(b.status))),
                    title: page.title.clone(),
                    media_type: page.media_type.clone(),
                    content_hash: page.content_hash.clone(),
                    validators: match body {
                        Some(b) => b.validators.clone(),
                        None => Validators {
                            etag: page.etag.clone(),
                            last_modified: page.last_modified.clone(),
                        },
                    },
                    links: links.clone(),
                    ..PageRecord::new(key.to_owned(), depth as i32, PageStatus::Ok)
                },
                Chunks::Keep,
            )
            .await?;
        self.follow(links.iter().filter_map(|l| Url::parse(l).ok()), depth);
        Ok(flow)
    }

    fn follow(&mut self, links: impl Iterator<Item = Url>, depth: u32) {
        if depth >= self.bounds.max_depth {
            return;
        }
        for link in links {
            self.push(link, depth + 1);
        }
    }

    /// A fetched body: unchanged (by hash), or parsed and embedded.
    async fn read(&mut self, requested: &Url, depth: u32, body: Body) -> Result<Flow, Failure> {
        let mut key = body.url.to_string();
        if key != requested.as_str() {
            // Redirected: the page is known by where it was found.
            if !self.scope.admits(&body.url) {
                let reason = format!("redirected outside the crawl's bounds, to {key}");
                return self.skip(requested.as_str(), depth, reason, None).await;
            }
            if self.visited.contains(&key) {
                return Ok(Flow::Go);
            }
            self.seen.insert(key.clone());
            if requested.as_str() == self.root_key {
                self.root_key = key.clone();
            }
        }
        let hash = content_hash(&body.bytes);
        if self.is_unchanged(&key, &hash) {
            return self.unchanged(&key, depth, Some(&body)).await;
        }
        let mut links = Vec::new();
        let mut follow = true;
        let mut noindex = false;
        if body.format == SourceFormat::Html {
            let text = String::from_utf8_lossy(&body.bytes);
            let found = page_links(&text);
            let base = found
                .base
                .as_deref()
                .and_then(|b| resolve(&body.url, b))
                .unwrap_or_else(|| body.url.clone());
            links = found
                .links
                .iter()
                .filter_map(|h| resolve(&base, h))
                .collect();
            follow = !found.nofollow;
            noindex = found.noindex;
            let canonical = found
                .canonical
                .as_deref()
                .and_then(|c| resolve(&base, c))
                .filter(|c| c.host_str() == body.url.host_str() && self.scope.admits(c));
            if let Some(canonical) = canonical
                && canonical != body.url
            {
                // The page names its one URL: it is recorded (and fetched) once, under that.
                let canonical = canonical.to_string();
                if self.visited.contains(&canonical) {
                    return Ok(Flow::Go);
                }
                self.seen.insert(canonical.clone());
                if key == self.root_key {
                    self.root_key = canonical.clone();
                }
                key = canonical;
                if self.is_unchanged(&key, &hash) {
                    return self.unchanged(&key, depth, Some(&body)).await;
                }
            }
        }
        let link_strings: Vec<String> = links.iter().map(Url::to_string).collect();
        if follow {
            self.follow(links.into_iter(), depth);
        }
        if noindex {
            return self
                .skip(
                    &key,
                    depth,
                    "the page asks not to be indexed (robots meta tag)".into(),
                    Some(body.status),
                )
                .await;
        }
        let parsed = match parse_body(self.rt, body.format, body.bytes).await? {
            Ok(parsed) => parsed,
            Err(reason) => return self.skip(&key, depth, reason, Some(body.status)).await,
        };
        let title = parsed.title.clone();
        let prepared = embed(
            self.rt,
            title.as_deref().unwrap_or(&self.item.title),
            self.item.language_chosen.as_deref(),
            &parsed,
            self.control,
        )
        .await?;
        let existed = self.known.get(&key).is_some_and(has_text);
        if key == self.root_key {
            self.root_summary = Some(RootEnrichment {
                summary: prepared.summary.clone(),
                keywords: prepared.keywords.clone(),
                language: prepared.language.clone(),
            });
            self.root_title = title.clone();
        }
        let flow = self
            .save(
                PageRecord {
                    url: key,
                    depth: depth as i32,
                    status: PageStatus::Ok,
                    http_status: Some(i32::from(body.status)),
                    title,
                    media_type: Some(body.format.media_type().to_owned()),
                    content_hash: Some(hash),
                    validators: body.validators,
                    content: Some(content_json(&parsed)),
                    links: link_strings,
                    reason: None,
                },
                Chunks::Replace(prepared.chunks),
            )
            .await?;
        if existed {
            self.changes.updated += 1;
        } else {
            self.changes.added += 1;
        }
        Ok(flow)
    }

    fn is_unchanged(&self, key: &str, hash: &str) -> bool {
        self.known
            .get(key)
            .is_some_and(|p| has_text(p) && p.content_hash.as_deref() == Some(hash))
    }

    /// Prunes what is gone and records the sync on the item.
    async fn finish(mut self) -> Result<(), Failure> {
        let stale: Vec<&knowledge_page::Model> = self
            .known
            .values()
            .filter(|p| !self.visited.contains(&p.url))
            .filter(|p| self.complete || self.gone.contains(&p.url))
            .collect();
        self.changes.removed += stale.iter().filter(|p| p.chunk_count > 0).count() as u32;
        pages::prune(&self.rt.db, &self.item, &stale, self.control.fence()).await?;
        let Some(item) = find_item(
            self.rt,
            &self.item.org_id,
            self.item.environment,
            &self.item.id,
        )
        .await?
        else {
            return Ok(());
        };
        let readable = item.chunk_count > 0;
        if !readable && !self.complete {
            // Nothing readable yet and a passing failure: worth another attempt.
            return Err(Failure::Retryable(
                self.root_reason
                    .unwrap_or_else(|| "the site could not be reached".into()),
            ));
        }
        let interval = item.refresh_interval_hours.filter(|h| *h > 0);
        let title = self
            .root_title
            .filter(|_| Some(item.title.as_str()) == item.source.as_deref());
        let outcome = pages::Outcome {
            status: if readable {
                KnowledgeStatus::Ready
            } else {
                KnowledgeStatus::Failed
            },
            error: (!readable).then(|| {
                self.root_reason
                    .unwrap_or_else(|| "no page within the crawl's bounds had text to read".into())
            }),
            changes: json!(self.changes),
            next_sync_at: interval
                .map(|h| companin_entity::db::now() + chrono::Duration::hours(i64::from(h))),
            title,
            summary: self.root_summary,
        };
        tracing::info!(knowledge_id = %item.id, changes = ?self.changes, "url synced");
        pages::finish(&self.rt.db, &item, outcome, self.control.fence()).await?;
        Ok(())
    }
}

/// Whether the page holds text from a fetch: read this time or before (a failed fetch keeps
/// the last good text).
fn has_text(page: &knowledge_page::Model) -> bool {
    page.status != PageStatus::Skipped && page.content_hash.is_some()
}

/// Parses a page body: the outer error is the job's, the inner one the page's.
async fn parse_body(
    rt: &Runtime,
    format: SourceFormat,
    bytes: Vec<u8>,
) -> Result<Result<Parsed, String>, Failure> {
    let parsed = parse_bytes(rt, format, bytes).await?;
    Ok(parsed.map_err(|e| e.to_string()))
}

/// Chunks and embeds a page; cancel is checked between batches.
async fn embed(
    rt: &Arc<Runtime>,
    title: &str,
    language: Option<&str>,
    parsed: &Parsed,
    control: &Arc<Control>,
) -> Result<Prepared, Failure> {
    let (embedder, options, control) = (rt.embedder.clone(), chunk_options(rt), control.clone());
    let (title, language, parsed) = (
        title.to_owned(),
        language.map(str::to_owned),
        parsed.clone(),
    );
    tokio::task::spawn_blocking(move || {
        let mut progress = |_: usize, _: usize| !control.is_canceled();
        prepare(
            Source::Document {
                title: &title,
                parsed: &parsed,
            },
            language.as_deref(),
            &*embedder,
            options,
            &mut progress,
        )
    })
    .await
    .map_err(blocking_failed)?
    .map_err(|e| match e {
        PrepareError::Canceled => Failure::Canceled,
        PrepareError::Model(e) => Failure::Permanent(format!("embedding failed: {e}")),
    })
}

/// A page's extracted text as stored.
fn content_json(parsed: &Parsed) -> Value {
    json!({
        "title": parsed.title,
        "sections": parsed.sections.iter().map(|s| json!({"heading": s.heading, "text": s.text})).collect::<Vec<_>>(),
    })
}

/// The stored text read back.
fn parsed_from(content: &Value) -> Option<Parsed> {
    let sections = content
        .get("sections")?
        .as_array()?
        .iter()
        .filter_map(|s| {
            Some(Section {
                heading: s.get("heading").and_then(Value::as_str).map(str::to_owned),
                text: s.get("text")?.as_str()?.to_owned(),
            })
        })
        .collect();
    Some(Parsed {
        title: content
            .get("title")
            .and_then(Value::as_str)
            .map(str::to_owned),
        sections,
    })
}

/// Re-embeds a URL item's pages from their stored text, without fetching (a reindex, or a
/// new title). Progress goes to `control`, scaled into `range`.
pub async fn reembed(
    rt: &Arc<Runtime>,
    item: knowledge_item::Model,
    control: &Arc<Control>,
    range: (f64, f64),
) -> Result<(), Failure> {
    let pages: Vec<knowledge_page::Model> = pages::load(&rt.db, &item.id)
        .await?
        .into_values()
        .filter(has_text)
        .collect();
    let total = pages.len().max(1) as f64;
    for (i, page) in pages.into_iter().enumerate() {
        if control.is_canceled() {
            return Err(Failure::Canceled);
        }
        control.set_progress(range.0 + (range.1 - range.0) * i as f64 / total);
        let Some(parsed) = page.content.as_ref().and_then(parsed_from) else {
            continue;
        };
        let prepared = embed(
            rt,
            page.title.as_deref().unwrap_or(&item.title),
            item.language_chosen.as_deref(),
            &parsed,
            control,
        )
        .await?;
        let record = PageRecord {
            url: page.url.clone(),
            depth: page.depth,
            // A page whose last fetch failed stays so; its kept text is what is re-embedded.
            status: if page.status == PageStatus::Failed {
                PageStatus::Failed
            } else {
                PageStatus::Ok
            },
            reason: page.reason.clone(),
            http_status: page.http_status,
            title: page.title.clone(),
            media_type: page.media_type.clone(),
            content_hash: page.content_hash.clone(),
            validators: Validators {
                etag: page.etag.clone(),
                last_modified: page.last_modified.clone(),
            },
            content: None,
            links: serde_json::from_value(page.links.clone()).unwrap_or_default(),
        };
        if pages::save(
            &rt.db,
            &item,
            Some(&page),
            record,
            Chunks::Replace(prepared.chunks),
            rt.embedder_name(),
            control.fence(),
        )
        .await?
        .is_none()
        {
            return Ok(());
        }
    }
    // Nothing crawled yet (its first crawl is still to come): the crawl sets the status.
    if let Some(item) = find_item(rt, &item.org_id, item.environment, &item.id).await?
        && item.chunk_count > 0
    {
        store::set_status(&rt.db, &item, KnowledgeStatus::Ready, None, control.fence()).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_text_reads_back_as_parsed() {
        let parsed = Parsed {
            title: Some("Pack".into()),
            sections: vec![
                Section {
                    heading: Some("Care".into()),
                    text: "Wash cold.".into(),
                },
                Section {
                    heading: None,
                    text: "Dry flat.".into(),
                },
            ],
        };
        assert_eq!(parsed_from(&content_json(&parsed)), Some(parsed));
    }
}
