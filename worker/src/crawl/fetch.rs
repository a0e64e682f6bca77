//! Fetching for one crawl: robots.txt per origin, politeness per host, conditional requests,
//! a size cap, and only the types the pipeline reads. Every request goes through the SSRF
//! guard's client.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use companin_ingest::SourceFormat;
use reqwest::StatusCode;
use reqwest::header::{
    CONTENT_LENGTH, CONTENT_TYPE, ETAG, HeaderMap, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED,
};
use texting_robots::Robot;
use url::Url;

use super::hosts::HostGate;
use super::scope::{normalize, resolve};
use super::sitemap;
use crate::egress::{self, Guard, Refusal};

/// Largest robots.txt read (Google reads 500 KiB).
const MAX_ROBOTS_BYTES: u64 = 512 * 1024;
/// Most sitemap files read per crawl (an index and its sitemaps).
const MAX_SITEMAPS: usize = 20;

/// What a page's last fetch left to compare with.
#[derive(Debug, Clone, Default)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// A fetched page body.
#[derive(Debug)]
pub struct Body {
    /// Where it was found, after redirects, in normal form.
    pub url: Url,
    pub status: u16,
    pub format: SourceFormat,
    pub validators: Validators,
    pub bytes: Vec<u8>,
}

/// How a fetch ended.
#[derive(Debug)]
pub enum Fetched {
    /// 304: the page is as it was.
    NotModified,
    Body(Body),
    /// 404 or 410: the page is gone.
    Gone(u16),
    /// Not fetched for good reasons (robots.txt, the SSRF guard, size, type, redirects):
    /// recorded, not retried until the next sync.
    Skipped {
        reason: String,
        status: Option<u16>,
    },
    /// A failure that may pass (timeout, connection, 5xx, 429).
    Failed {
        reason: String,
        status: Option<u16>,
    },
}

/// Why robots.txt keeps a page from being fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RobotsBlock {
    /// Its rules disallow the page.
    Disallowed,
    /// The SSRF guard refuses the host (the reason says why).
    Refused(String),
    /// It could not be read this time: nothing is fetched from the host, but what an earlier
    /// sync read is kept (the outage may pass).
    Unavailable(String),
}

/// robots.txt of one origin, as it applies to us.
enum Robots {
    /// None found (4xx): everything allowed.
    All,
    /// The SSRF guard refuses the host: nothing of it is fetched.
    Refused(String),
    /// It could not be read (5xx, unreachable): nothing allowed this crawl (RFC 9309).
    Nothing(String),
    Rules(Box<Robot>),
}

/// How a crawl fetches.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    pub user_agent: String,
    pub timeout: Duration,
    pub max_redirects: usize,
    pub max_bytes: u64,
    pub delay: Duration,
}

/// One crawl's fetcher.
pub struct Fetcher {
    http: reqwest::Client,
    gate: Arc<HostGate>,
    options: FetchOptions,
    /// The user agent's first word, which robots.txt groups name.
    agent: String,
    robots: HashMap<String, Robots>,
}

impl Fetcher {
    pub fn new(guard: &Guard, gate: Arc<HostGate>, options: FetchOptions) -> reqwest::Result<Self> {
        let http = guard.client(&egress::Options {
            user_agent: options.user_agent.clone(),
            timeout: options.timeout,
            max_redirects: options.max_redirects,
            allow_private: guard.allow_private,
        })?;
        let agent = options
            .user_agent
            .split(['/', ' '])
            .next()
            .unwrap_or("Companin")
            .to_owned();
        Ok(Fetcher {
            http,
            gate,
            options,
            agent,
            robots: HashMap::new(),
        })
    }

    /// Whether robots.txt lets us fetch `url`.
    pub async fn robots_allow(&mut self, url: &Url) -> Result<(), RobotsBlock> {
        let origin = url.origin().ascii_serialization();
        if !self.robots.contains_key(&origin) {
            let robots = self.read_robots(url).await;
            self.robots.insert(origin.clone(), robots);
        }
        match self.robots.get(&origin) {
            Some(Robots::Rules(robot)) if !robot.allowed(url.as_str()) => {
                Err(RobotsBlock::Disallowed)
            }
            Some(Robots::Nothing(reason)) => Err(RobotsBlock::Unavailable(reason.clone())),
            Some(Robots::Refused(reason)) => Err(RobotsBlock::Refused(reason.clone())),
            _ => Ok(()),
        }
    }

    async fn read_robots(&self, url: &Url) -> Robots {
        let Ok(robots_url) = url.join("/robots.txt") else {
            return Robots::All;
        };
        let response = match self.get(&robots_url, HeaderMap::new()).await {
            Ok(r) => r,
            Err(e) if refused(&e) => return Robots::Refused(describe(&e)),
            Err(e) => {
                return Robots::Nothing(format!("robots.txt could not be read: {}", describe(&e)));
            }
        };
        let status = response.status();
        if status.is_client_error() && status != StatusCode::TOO_MANY_REQUESTS {
            return Robots::All;
        }
        if !status.is_success() {
            return Robots::Nothing(format!("robots.txt could not be read (HTTP {status})"));
        }
        match read_capped(response, MAX_ROBOTS_BYTES).await {
            Ok(Some(bytes)) => match Robot::new(&self.agent, &bytes) {
                Ok(robot) => Robots::Rules(Box::new(robot)),
                // The parser is forgiving; what it still rejects reads as no rules.
                Err(_) => Robots::All,
            },
            // Longer than the cap: the rules read so far are not the whole file.
            Ok(None) => Robots::All,
            Err(e) => Robots::Nothing(format!("robots.txt could not be read: {}", describe(&e))),
        }
    }

    /// The pause before the next request to `url`'s host: ours, or robots.txt's
    /// `Crawl-delay` when longer.
    fn delay_for(&self, url: &Url) -> Duration {
        let crawl_delay = match self.robots.get(&url.origin().ascii_serialization()) {
            Some(Robots::Rules(robot)) => robot
                .delay
                .filter(|d| d.is_finite() && *d > 0.0)
                .map(|d| Duration::from_secs_f32(d.min(60.0))),
            _ => None,
        };
        crawl_delay.unwrap_or_default().max(self.options.delay)
    }

    async fn get(&self, url: &Url, headers: HeaderMap) -> reqwest::Result<reqwest::Response> {
        let _turn = self
            .gate
            .turn(url.host_str().unwrap_or_default(), self.delay_for(url))
            .await;
        self.http.get(url.clone()).headers(headers).send().await
    }

    /// Fetches a page, conditionally when `validators` are given.
    pub async fn fetch(&self, url: &Url, validators: Option<&Validators>) -> Fetched {
        self.fetch_as(url, validators, false).await
    }

    /// [`Fetcher::fetch`]; with `any_type`, a body of any type is read (as plain text: a
    /// sitemap is XML, which no knowledge format is).
    async fn fetch_as(
        &self,
        url: &Url,
        validators: Option<&Validators>,
        any_type: bool,
    ) -> Fetched {
        let mut headers = HeaderMap::new();
        if let Some(v) = validators {
            if let Some(etag) = v.etag.as_deref().and_then(|e| e.parse().ok()) {
                headers.insert(IF_NONE_MATCH, etag);
            }
            if let Some(at) = v.last_modified.as_deref().and_then(|e| e.parse().ok()) {
                headers.insert(IF_MODIFIED_SINCE, at);
            }
        }
        let response = match self.get(url, headers).await {
            Ok(r) => r,
            Err(e) => return classify(&e),
        };
        let status = response.status();
        let code = Some(status.as_u16());
        match status {
            StatusCode::NOT_MODIFIED => return Fetched::NotModified,
            StatusCode::NOT_FOUND | StatusCode::GONE => return Fetched::Gone(status.as_u16()),
            s if s == StatusCode::TOO_MANY_REQUESTS || s.is_server_error() => {
                return Fetched::Failed {
                    reason: format!("the site answered HTTP {s}"),
                    status: code,
                };
            }
            s if !s.is_success() => {
                return Fetched::Skipped {
                    reason: format!("the site answered HTTP {s}"),
                    status: code,
                };
            }
            _ => {}
        }
        let final_url = normalize(response.url().clone());
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let media_type = header(CONTENT_TYPE);
        let format = match &media_type {
            Some(mt) => SourceFormat::detect(Some(mt), Some(final_url.path())),
            // No type given: judged by the path's extension, else read as a web page.
            None => SourceFormat::detect(None, Some(final_url.path())).or(Some(SourceFormat::Html)),
        };
        let format = if any_type {
            format.or(Some(SourceFormat::Text))
        } else {
            format
        };
        let Some(format) = format else {
            return Fetched::Skipped {
                reason: format!(
                    "`{}` is not a type Companin reads",
                    media_type.as_deref().unwrap_or("unknown")
                ),
                status: code,
            };
        };
        let validators = Validators {
            etag: header(ETAG),
            last_modified: header(LAST_MODIFIED),
        };
        let too_large = || Fetched::Skipped {
            reason: format!("larger than the limit of {} bytes", self.options.max_bytes),
            status: code,
        };
        match read_capped(response, self.options.max_bytes).await {
            Ok(Some(bytes)) => Fetched::Body(Body {
                url: final_url,
                status: status.as_u16(),
                format,
                validators,
                bytes,
            }),
            Ok(None) => too_large(),
            Err(e) => classify(&e),
        }
    }

    /// The page URLs the site's sitemaps list: those robots.txt names, else `/sitemap.xml`,
    /// following sitemap indexes (at most [`MAX_SITEMAPS`] files).
    pub async fn sitemap_pages(&mut self, root: &Url, limit: usize) -> Vec<Url> {
        let _ = self.robots_allow(root).await;
        let listed = match self.robots.get(&root.origin().ascii_serialization()) {
            Some(Robots::Rules(robot)) => robot.sitemaps.clone(),
            _ => Vec::new(),
        };
        let mut queue: Vec<Url> = listed.iter().filter_map(|s| resolve(root, s)).collect();
        if queue.is_empty()
            && let Some(default) = resolve(root, "/sitemap.xml")
        {
            queue.push(default);
        }
        let mut pages = Vec::new();
        let mut read = 0;
        while let Some(sitemap_url) = queue.pop() {
            if read >= MAX_SITEMAPS || pages.len() >= limit {
                break;
            }
            read += 1;
            if self.robots_allow(&sitemap_url).await.is_err() {
                continue;
            }
            let Fetched::Body(body) = self.fetch_as(&sitemap_url, None, true).await else {
                continue;
            };
            let found = sitemap::parse(&body.bytes);
            queue.extend(
                found
                    .sitemaps
                    .iter()
                    .filter_map(|s| resolve(&sitemap_url, s)),
            );
            pages.extend(found.pages.iter().filter_map(|p| resolve(&sitemap_url, p)));
        }
        pages.truncate(limit);
        pages
    }
}

/// The body, or `None` when it is longer than `max` bytes (announced or read).
async fn read_capped(
    mut response: reqwest::Response,
    max: u64,
) -> reqwest::Result<Option<Vec<u8>>> {
    let announced = response
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > max) {
        return Ok(None);
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if (bytes.len() + chunk.len()) as u64 > max {
            return Ok(None);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Some(bytes))
}

/// A request error, with its causes, in one line.
fn describe(e: &reqwest::Error) -> String {
    let mut out = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = cause.source();
    }
    out
}

/// Whether the SSRF guard refused somewhere in the error's causes.
fn refused(e: &reqwest::Error) -> bool {
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        if cause.downcast_ref::<Refusal>().is_some() {
            return true;
        }
        source = cause.source();
    }
    false
}

fn classify(e: &reqwest::Error) -> Fetched {
    let reason = describe(e);
    if e.is_redirect() || refused(e) {
        // Too many redirects, or a hop (or address) the guard refuses: the same next time.
        return Fetched::Skipped {
            reason,
            status: None,
        };
    }
    if e.is_timeout() {
        return Fetched::Failed {
            reason: "the request timed out".to_owned(),
            status: None,
        };
    }
    Fetched::Failed {
        reason,
        status: None,
    }
}
