//! URL knowledge end to end: a local site crawled within its bounds (robots.txt, sitemap,
//! redirects, size and type limits), synced again with conditional requests and content
//! hashes (unchanged pages keep their chunks, changed ones are re-embedded, gone ones pruned,
//! new ones added), the SSRF guard with injected name resolution, the scheduler across two
//! worker processes, bad inputs and tenant walls.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Backend, Creds, TestApp, assert_error, spawn_app_with, spawn_sibling_with};
use crate::knowledge::{fixture, wait_job};

/// These tests poll jobs and items; the default hourly limit would run out.
const POLLING_LIMIT: i64 = 1_000_000;

/// What the site answers for a path.
#[derive(Clone)]
pub(crate) struct Page {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
    /// Sent, and compared with `If-None-Match` (304 when equal).
    etag: Option<String>,
    location: Option<String>,
}

pub(crate) fn html(title: &str, body: &str) -> Page {
    let text =
        format!("<html><head><title>{title}</title></head><body><main>{body}</main></body></html>");
    Page {
        status: 200,
        content_type: "text/html; charset=utf-8",
        etag: Some(format!(
            "\"{:x}\"",
            text.len() * 31 + text.bytes().map(usize::from).sum::<usize>()
        )),
        body: text.into_bytes(),
        location: None,
    }
}

fn plain(content_type: &'static str, body: Vec<u8>) -> Page {
    Page {
        status: 200,
        content_type,
        body,
        etag: None,
        location: None,
    }
}

fn redirect(to: &str) -> Page {
    Page {
        status: 302,
        content_type: "text/plain",
        body: Vec::new(),
        etag: None,
        location: Some(to.to_owned()),
    }
}

#[derive(Default)]
struct SiteState {
    pages: HashMap<String, Page>,
    /// Requests per path.
    hits: HashMap<String, u32>,
    /// 304 answers per path.
    not_modified: HashMap<String, u32>,
}

/// A web site on loopback whose pages the test changes between syncs.
pub(crate) struct Site {
    base: String,
    state: Arc<Mutex<SiteState>>,
}

impl Site {
    pub(crate) async fn start() -> Site {
        use poem::{EndpointExt, Route, handler};

        #[handler]
        fn serve(
            req: &poem::Request,
            state: poem::web::Data<&Arc<Mutex<SiteState>>>,
        ) -> poem::Response {
            let path = req.uri().path().to_owned();
            let mut state = state.lock().unwrap();
            *state.hits.entry(path.clone()).or_default() += 1;
            let Some(page) = state.pages.get(&path).cloned() else {
                return poem::Response::builder()
                    .status(poem::http::StatusCode::NOT_FOUND)
                    .body("not found");
            };
            let asked = req
                .headers()
                .get("if-none-match")
                .and_then(|v| v.to_str().ok());
            if page.etag.is_some() && asked == page.etag.as_deref() {
                *state.not_modified.entry(path).or_default() += 1;
                return poem::Response::builder()
                    .status(poem::http::StatusCode::NOT_MODIFIED)
                    .body("");
            }
            let mut resp = poem::Response::builder()
                .status(poem::http::StatusCode::from_u16(page.status).unwrap())
                .content_type(page.content_type);
            if let Some(etag) = &page.etag {
                resp = resp.header("etag", etag.as_str());
            }
            if let Some(location) = &page.location {
                resp = resp.header("location", location.as_str());
            }
            resp.body(page.body)
        }

        let state = Arc::new(Mutex::new(SiteState::default()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = Route::new().at("/*path", serve).data(state.clone());
        let acceptor = poem::listener::TcpAcceptor::from_tokio(listener).unwrap();
        tokio::spawn(poem::Server::new_with_acceptor(acceptor).run(app));
        Site {
            base: format!("http://{addr}"),
            state,
        }
    }

    fn port(&self) -> u16 {
        self.base.rsplit(':').next().unwrap().parse().unwrap()
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub(crate) fn set(&self, path: &str, page: Page) {
        self.state
            .lock()
            .unwrap()
            .pages
            .insert(path.to_owned(), page);
    }

    fn remove(&self, path: &str) {
        self.state.lock().unwrap().pages.remove(path);
    }

    fn hits(&self, path: &str) -> u32 {
        self.state
            .lock()
            .unwrap()
            .hits
            .get(path)
            .copied()
            .unwrap_or(0)
    }

    fn not_modified(&self, path: &str) -> u32 {
        self.state
            .lock()
            .unwrap()
            .not_modified
            .get(path)
            .copied()
            .unwrap_or(0)
    }
}

/// The outfitter's site of the main test.
fn outfitter(site: &Site) {
    site.set(
        "/robots.txt",
        plain(
            "text/plain",
            b"User-agent: *\nDisallow: /private\n".to_vec(),
        ),
    );
    site.set(
        "/sitemap.xml",
        plain(
            "application/xml",
            format!(
                r#"<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
                <url><loc>{}</loc></url></urlset>"#,
                site.url("/returns")
            )
            .into_bytes(),
        ),
    );
    site.set(
        "/",
        html(
            "Trailhead Outfitters",
            r#"<h1>Trailhead Outfitters</h1><p>Gear for long walks in the hills.</p>
            <a href="/tents">Tents</a> <a href="/tents#reviews">Tent reviews</a>
            <a href="/packs">Packs</a> <a href="/private/margins">Margins</a>
            <a href="/loop">Loop</a> <a href="/catalogue">Catalogue</a>
            <a href="/logo.png">Logo</a> <a href="/guide.pdf">Guide</a>
            <a href="http://elsewhere.example/">Elsewhere</a>"#,
        ),
    );
    site.set(
        "/tents",
        html(
            "Tents",
            r#"<h1>Tents</h1><p>The Summit tent is waterproof to a hydrostatic head of 3000 mm.</p>
            <a href="/tents/ultralight">Ultralight</a>"#,
        ),
    );
    site.set(
        "/tents/ultralight",
        html(
            "Ultralight tent",
            "<h1>Ultralight</h1><p>The Feather tent packs down to the size of a water bottle.</p>",
        ),
    );
    site.set(
        "/packs",
        html(
            "Packs",
            "<h1>Packs</h1><p>The Ridge 28 pack weighs 900 grams and holds 28 litres.</p>",
        ),
    );
    site.set(
        "/private/margins",
        html("Margins", "<p>Our margin on tents is sixty percent.</p>"),
    );
    site.set("/loop", redirect("/loop-again"));
    site.set("/loop-again", redirect("/loop"));
    site.set(
        "/catalogue",
        html(
            "Catalogue",
            &"<p>Every item we have ever sold, listed.</p>".repeat(2_000),
        ),
    );
    site.set("/logo.png", plain("image/png", fixture("image.png")));
    site.set("/guide.pdf", plain("application/pdf", fixture("guide.pdf")));
    // Served without validators: an unchanged body is recognised by its hash.
    let mut returns = html(
        "Returns",
        "<h1>Returns</h1><p>Unused gear can be returned within 60 days for a full refund.</p>",
    );
    returns.etag = None;
    site.set("/returns", returns);
}

async fn add_url(app: &TestApp, c: &Creds, body: Value) -> (u16, Value) {
    app.call(c, Method::POST, "/api/v1/knowledge/urls/", Some(body))
        .await
}

async fn get_item(app: &TestApp, c: &Creds, id: &str) -> Value {
    let (status, item) = app
        .call(c, Method::GET, &format!("/api/v1/knowledge/{id}"), None)
        .await;
    assert_eq!(status, 200, "{item}");
    item
}

/// The item's pages by path (relative to `site`).
async fn pages(app: &TestApp, c: &Creds, id: &str, site: &Site) -> HashMap<String, Value> {
    let (status, list) = app
        .call(
            c,
            Method::GET,
            &format!("/api/v1/knowledge/{id}/pages?limit=100"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{list}");
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let url = p["url"].as_str().unwrap();
            (
                url.strip_prefix(&site.base).unwrap_or(url).to_owned(),
                p.clone(),
            )
        })
        .collect()
}

/// Chunk ids by source path.
async fn chunk_ids(
    app: &TestApp,
    c: &Creds,
    id: &str,
    site: &Site,
) -> HashMap<String, Vec<String>> {
    let (status, list) = app
        .call(
            c,
            Method::GET,
            &format!("/api/v1/knowledge/{id}/chunks?limit=100"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{list}");
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for chunk in list["items"].as_array().unwrap() {
        let source = chunk["source"].as_str().unwrap();
        out.entry(source.strip_prefix(&site.base).unwrap_or(source).to_owned())
            .or_default()
            .push(chunk["id"].as_str().unwrap().to_owned());
    }
    out
}

async fn top_source(app: &TestApp, c: &Creds, query: &str) -> (String, String) {
    let (status, found) = app
        .call(
            c,
            Method::POST,
            "/api/v1/knowledge/search",
            Some(json!({"query": query, "top_k": 1})),
        )
        .await;
    assert_eq!(status, 200, "{found}");
    let hit = &found["items"][0];
    (
        hit["source"].as_str().unwrap_or_default().to_owned(),
        hit["snippet"].as_str().unwrap_or_default().to_owned(),
    )
}

async fn a_site_is_crawled_within_bounds_and_kept_fresh(backend: Backend) {
    let site = Site::start().await;
    outfitter(&site);
    let app = spawn_app_with(backend, |s| s.crawl.max_page_bytes = 64 * 1024).await;
    let org = app.create_org("Trailhead", Some(POLLING_LIMIT)).await;
    let c = &org.production;

    let (status, item) = add_url(
        &app,
        c,
        json!({
            "url": site.url("/#top"),
            "crawl": {"max_depth": 2, "max_pages": 50, "use_sitemap": true},
        }),
    )
    .await;
    assert_eq!(status, 202, "{item}");
    assert_eq!(item["type"], "url");
    assert_eq!(item["status"], "pending");
    assert_eq!(item["source"], site.url("/"), "fragment dropped");
    assert_eq!(item["crawl"]["max_depth"], 2);
    assert_eq!(item["crawl"]["same_domain"], true);
    let id = item["id"].as_str().unwrap().to_owned();
    let job = wait_job(&app, c, item["job_id"].as_str().unwrap()).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["kind"], "crawl");
    assert_eq!(job["pages_done"], job["pages_found"], "{job}");
    assert_eq!(job["pages_done"], 10, "{job}");

    let item = get_item(&app, c, &id).await;
    assert_eq!(item["status"], "ready", "{item}");
    assert_eq!(item["title"], "Trailhead Outfitters", "the page's title");
    assert!(item["last_synced_at"].is_string());
    assert!(item["next_sync_at"].is_null(), "no refresh interval");
    assert_eq!(
        item["sync_changes"],
        json!({"added": 6, "updated": 0, "removed": 0, "unchanged": 0, "skipped": 4}),
        "{item}"
    );
    let found = pages(&app, c, &id, &site).await;
    for path in [
        "/",
        "/tents",
        "/tents/ultralight",
        "/packs",
        "/returns",
        "/guide.pdf",
    ] {
        assert_eq!(found[path]["status"], "ok", "{path}: {}", found[path]);
        assert!(found[path]["chunk_count"].as_u64().unwrap() > 0, "{path}");
        assert_eq!(found[path]["content_hash"].as_str().unwrap().len(), 64);
        assert!(found[path]["last_fetched_at"].is_string());
    }
    assert_eq!(found["/returns"]["depth"], 0, "a sitemap entry is a seed");
    assert_eq!(found["/tents/ultralight"]["depth"], 2);
    assert_eq!(found["/guide.pdf"]["media_type"], "application/pdf");
    let skipped = |path: &str, says: &str| {
        let page = &found[path];
        assert_eq!(page["status"], "skipped", "{path}: {page}");
        let reason = page["reason"].as_str().unwrap();
        assert!(reason.contains(says), "{path}: {reason}");
        assert_eq!(page["chunk_count"], 0);
    };
    skipped("/private/margins", "robots.txt");
    skipped("/loop", "redirect");
    skipped("/catalogue", "larger than");
    skipped("/logo.png", "image/png");
    assert_eq!(site.hits("/private/margins"), 0, "robots.txt obeyed");
    assert_eq!(site.hits("/tents"), 1, "the fragment link is the same page");
    assert_eq!(found.len(), 10, "{:?}", found.keys());
    let (source, _) = top_source(&app, c, "How much does the Ridge 28 pack weigh?").await;
    assert_eq!(source, site.url("/packs"), "citations name the exact page");
    let (source, _) = top_source(&app, c, "How long do I have to return unused gear?").await;
    assert_eq!(source, site.url("/returns"));
    let before = chunk_ids(&app, c, &id, &site).await;

    // The site changes: one page edited, one gone, one new (in the sitemap).
    site.set(
        "/packs",
        html(
            "Packs",
            "<h1>Packs</h1><p>The Ridge 28 pack now weighs 780 grams and holds 28 litres.</p>",
        ),
    );
    site.remove("/tents/ultralight");
    site.set(
        "/boots",
        html(
            "Boots",
            "<h1>Boots</h1><p>The Scree boot has a Vibram sole and a full leather upper.</p>",
        ),
    );
    site.set(
        "/sitemap.xml",
        plain(
            "application/xml",
            format!(
                "<urlset><url><loc>{}</loc></url><url><loc>{}</loc></url></urlset>",
                site.url("/returns"),
                site.url("/boots")
            )
            .into_bytes(),
        ),
    );
    let (status, synced) = app
        .call(
            c,
            Method::POST,
            &format!("/api/v1/knowledge/{id}/sync"),
            None,
        )
        .await;
    assert_eq!(status, 202, "{synced}");
    assert_ne!(synced["job_id"], item["job_id"]);
    let job = wait_job(&app, c, synced["job_id"].as_str().unwrap()).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    let item = get_item(&app, c, &id).await;
    assert_eq!(
        item["sync_changes"],
        json!({"added": 1, "updated": 1, "removed": 1, "unchanged": 4, "skipped": 4}),
        "{item}"
    );
    assert!(
        site.not_modified("/tents") >= 1,
        "a conditional request answered 304"
    );
    let after = chunk_ids(&app, c, &id, &site).await;
    for unchanged in ["/", "/tents", "/returns", "/guide.pdf"] {
        assert_eq!(
            after[unchanged], before[unchanged],
            "{unchanged} not re-embedded"
        );
    }
    assert!(
        after["/packs"]
            .iter()
            .all(|c| !before["/packs"].contains(c)),
        "re-embedded"
    );
    assert!(
        !after.contains_key("/tents/ultralight"),
        "pruned with its chunks"
    );
    assert!(after.contains_key("/boots"));
    let found = pages(&app, c, &id, &site).await;
    assert!(!found.contains_key("/tents/ultralight"));
    assert_eq!(found["/tents"]["http_status"], 304);
    let (source, snippet) = top_source(&app, c, "How much does the Ridge 28 pack weigh?").await;
    assert_eq!(source, site.url("/packs"));
    assert!(snippet.contains("780 grams"), "{snippet}");
    let (source, _) = top_source(&app, c, "Which sole does the Scree boot have?").await;
    assert_eq!(source, site.url("/boots"));

    // Narrower bounds and a schedule: the sync they queue prunes what is now out of reach.
    let (status, patched) = app
        .call(
            c,
            Method::PATCH,
            &format!("/api/v1/knowledge/{id}"),
            Some(json!({
                "crawl": {"max_depth": 0, "use_sitemap": false},
                "refresh_interval_hours": 24,
            })),
        )
        .await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["refresh_interval_hours"], 24);
    assert_eq!(patched["crawl"]["max_depth"], 0);
    assert_eq!(patched["crawl"]["max_pages"], 50, "unchanged bounds kept");
    let job = wait_job(&app, c, patched["job_id"].as_str().unwrap()).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    let item = get_item(&app, c, &id).await;
    assert_eq!(item["sync_changes"]["removed"], 5, "{item}");
    let found = pages(&app, c, &id, &site).await;
    assert_eq!(found.keys().collect::<Vec<_>>(), ["/"]);
    let next =
        chrono::DateTime::parse_from_rfc3339(item["next_sync_at"].as_str().unwrap()).unwrap();
    let hours = (next.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_minutes() as f64 / 60.0;
    assert!((23.5..=24.0).contains(&hours), "{hours}");

    // A reindex re-embeds the stored text of the pages without fetching them.
    let hits = site.hits("/");
    let old = chunk_ids(&app, c, &id, &site).await;
    let (status, job) = app
        .call(
            c,
            Method::POST,
            "/api/v1/knowledge/reindex",
            Some(json!({"knowledge_id": id})),
        )
        .await;
    assert_eq!(status, 202, "{job}");
    let job = wait_job(&app, c, job["id"].as_str().unwrap()).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    let new = chunk_ids(&app, c, &id, &site).await;
    assert_eq!(new["/"].len(), old["/"].len());
    assert!(
        new["/"].iter().all(|c| !old["/"].contains(c)),
        "re-embedded"
    );
    assert_eq!(site.hits("/"), hits, "nothing fetched");
    assert_eq!(get_item(&app, c, &id).await["status"], "ready");

    // robots.txt failing for a while is an outage, not a verdict: nothing is pruned.
    site.set(
        "/robots.txt",
        Page {
            status: 503,
            ..plain("text/plain", Vec::new())
        },
    );
    let (_, synced) = app
        .call(
            c,
            Method::POST,
            &format!("/api/v1/knowledge/{id}/sync"),
            None,
        )
        .await;
    wait_job(&app, c, synced["job_id"].as_str().unwrap()).await;
    let item = get_item(&app, c, &id).await;
    assert_eq!(item["status"], "ready", "{item}");
    assert_eq!(item["sync_changes"]["removed"], 0, "{item}");
    assert_eq!(item["chunk_count"].as_u64(), Some(new["/"].len() as u64));
    let found = pages(&app, c, &id, &site).await;
    assert_eq!(found["/"]["status"], "failed", "{}", found["/"]);
    assert!(
        found["/"]["reason"]
            .as_str()
            .unwrap()
            .contains("robots.txt")
    );
    site.set(
        "/robots.txt",
        plain(
            "text/plain",
            b"User-agent: *\nDisallow: /private\n".to_vec(),
        ),
    );

    // The same URL again is the same item, synced.
    let (status, again) = add_url(&app, c, json!({"url": site.url("/")})).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["id"], id.as_str());
    wait_job(&app, c, again["job_id"].as_str().unwrap()).await;
}

async fn bad_url_submissions_are_refused_and_store_nothing(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    let org = app.create_org("Trailhead", Some(POLLING_LIMIT)).await;
    let c = &org.production;
    let cases = [
        (
            json!({"url": "ftp://files.example/a"}),
            422,
            "url_not_allowed",
        ),
        (json!({"url": "file:///etc/passwd"}), 422, "url_not_allowed"),
        (json!({"url": "not a url"}), 422, "url_not_allowed"),
        (json!({"url": ""}), 422, "validation_error"),
        (
            json!({"url": "http://127.0.0.1/", "crawl": {"max_pages": 0}}),
            422,
            "validation_error",
        ),
        (
            json!({"url": "http://127.0.0.1/", "crawl": {"max_pages": 100000}}),
            422,
            "validation_error",
        ),
        (
            json!({"url": "http://127.0.0.1/", "crawl": {"max_depth": 99}}),
            422,
            "validation_error",
        ),
        (
            json!({"url": "http://127.0.0.1/", "crawl": {"include": [""]}}),
            422,
            "validation_error",
        ),
        (
            json!({"url": "http://127.0.0.1/", "refresh_interval_hours": 0}),
            422,
            "validation_error",
        ),
        (json!({"crawl": {}}), 422, "validation_error"),
    ];
    for (body, status, code) in cases {
        let resp = app
            .as_client(c, Method::POST, "/api/v1/knowledge/urls/")
            .json(&body)
            .send()
            .await
            .unwrap();
        let err = assert_error(resp, status, code).await;
        assert!(!err["detail"].as_str().unwrap().is_empty(), "{body}: {err}");
    }
    let resp = app
        .as_client(c, Method::POST, "/api/v1/knowledge/")
        .json(&json!({"type": "url"}))
        .send()
        .await
        .unwrap();
    let err = assert_error(resp, 422, "validation_error").await;
    assert_eq!(err["data"]["field"], "url", "{err}");
    let (_, list) = app.call(c, Method::GET, "/api/v1/knowledge/", None).await;
    assert_eq!(list["total"], 0, "nothing stored: {list}");

    // Only URLs are synced; only URLs have crawl settings.
    let (status, text) = app
        .call(
            c,
            Method::POST,
            "/api/v1/knowledge/",
            Some(json!({"type": "text", "title": "Hours", "content": "Open 9 to 5."})),
        )
        .await;
    assert_eq!(status, 202, "{text}");
    let id = text["id"].as_str().unwrap();
    let resp = app
        .as_client(c, Method::POST, &format!("/api/v1/knowledge/{id}/sync"))
        .send()
        .await
        .unwrap();
    assert_error(resp, 409, "not_syncable").await;
    let resp = app
        .as_client(c, Method::PATCH, &format!("/api/v1/knowledge/{id}"))
        .json(&json!({"refresh_interval_hours": 5}))
        .send()
        .await
        .unwrap();
    assert_error(resp, 422, "validation_error").await;
    let (_, pages) = app
        .call(
            c,
            Method::GET,
            &format!("/api/v1/knowledge/{id}/pages"),
            None,
        )
        .await;
    assert_eq!(pages["total"], 0);
}

/// The guard on (the default), with name resolution pinned by configuration: loopback in
/// any spelling is refused at submission, and a crawl of an exempt host cannot be redirected
/// to a private address.
async fn the_ssrf_guard_refuses_private_addresses(backend: Backend) {
    let site = Site::start().await;
    let port = site.port();
    site.set(
        "/",
        html(
            "Allowed",
            &r#"<p>An intranet page that the allowlist opens.</p>
            <a href="/hop-literal">one</a> <a href="/hop-name">two</a>
            <a href="http://rebound.test:PORT/secret">three</a>"#
                .replace("PORT", &port.to_string()),
        ),
    );
    site.set(
        "/hop-literal",
        redirect(&format!("http://127.0.0.1:{port}/secret")),
    );
    site.set(
        "/hop-name",
        redirect(&format!("http://rebound.test:{port}/secret")),
    );
    site.set("/secret", html("Secret", "<p>Cloud credentials.</p>"));
    let app = spawn_app_with(backend, |s| {
        s.crawl.allow_private_networks = false;
        s.crawl.resolve = vec![
            "shop.test=127.0.0.1".into(),
            "rebound.test=10.0.0.7".into(),
            "wiki.test=127.0.0.1".into(),
        ];
        s.crawl.allowed_hosts = vec!["wiki.test".into()];
    })
    .await;
    let org = app.create_org("Trailhead", Some(POLLING_LIMIT)).await;
    let c = &org.production;
    for url in [
        format!("http://127.0.0.1:{port}/"),
        format!("http://[::1]:{port}/"),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
        format!("http://[::ffff:127.0.0.1]:{port}/"),
        format!("http://shop.test:{port}/"),
        // IPv6 forms that lead into IPv4 or local space: 6to4 and NAT64 of loopback, local
        // NAT64, site-local, Teredo.
        format!("http://[2002:7f00:1::]:{port}/"),
        format!("http://[64:ff9b::7f00:1]:{port}/"),
        format!("http://[64:ff9b:1::a00:1]:{port}/"),
        format!("http://[fec0::1]:{port}/"),
        format!("http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]:{port}/"),
    ] {
        let resp = app
            .as_client(c, Method::POST, "/api/v1/knowledge/urls/")
            .json(&json!({"url": url}))
            .send()
            .await
            .unwrap();
        let err = assert_error(resp, 422, "url_not_allowed").await;
        let detail = err["detail"].as_str().unwrap();
        assert!(detail.contains("address"), "{url}: {detail}");
    }
    let (_, list) = app.call(c, Method::GET, "/api/v1/knowledge/", None).await;
    assert_eq!(list["total"], 0, "nothing stored: {list}");

    let (status, item) = add_url(
        &app,
        c,
        json!({
            "url": format!("http://wiki.test:{port}/"),
            "crawl": {"max_depth": 1, "max_pages": 10, "same_domain": false},
        }),
    )
    .await;
    assert_eq!(status, 202, "{item}");
    let id = item["id"].as_str().unwrap();
    let job = wait_job(&app, c, item["job_id"].as_str().unwrap()).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    let base = format!("http://wiki.test:{port}");
    let found = pages(
        &app,
        c,
        id,
        &Site {
            base,
            state: site.state.clone(),
        },
    )
    .await;
    assert_eq!(found["/"]["status"], "ok", "{found:?}");
    for hop in ["/hop-literal", "/hop-name"] {
        assert_eq!(found[hop]["status"], "skipped", "{hop}: {}", found[hop]);
        let reason = found[hop]["reason"].as_str().unwrap();
        assert!(
            reason.contains("loopback") || reason.contains("private"),
            "{hop}: {reason}"
        );
    }
    let linked = found
        .get(&format!("http://rebound.test:{port}/secret"))
        .unwrap_or_else(|| panic!("{found:?}"));
    assert_eq!(linked["status"], "skipped", "{linked}");
    assert!(
        linked["reason"].as_str().unwrap().contains("private"),
        "{linked}"
    );
    assert_eq!(
        site.hits("/secret"),
        0,
        "the private address was never fetched"
    );
}

/// Proxy variables in the worker's environment never carry a crawl: a proxy resolves and
/// connects on its own, past the guarded resolver, so the crawler goes direct or not at all.
#[test]
fn proxy_variables_never_carry_the_crawler() {
    crate::helpers::run(async {
        let site = Site::start().await;
        site.set(
            "/",
            html("Wiki", "<p>The intranet wiki, reached directly.</p>"),
        );
        let proxy = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let proxy_url = format!("http://{}", proxy.local_addr().unwrap());
        let proxied = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let count = proxied.clone();
        tokio::spawn(async move {
            while let Ok((conn, _)) = proxy.accept().await {
                count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                drop(conn);
            }
        });
        let app = crate::helpers::spawn_app_opts(
            Backend::Sqlite,
            companin_api::StartOptions { worker: false },
            |s| {
                s.crawl.allow_private_networks = false;
                s.crawl.resolve = vec!["wiki.test=127.0.0.1".into()];
                s.crawl.allowed_hosts = vec!["wiki.test".into()];
            },
        )
        .await;
        // The crawl runs in a `companin worker` whose environment names the proxy.
        let mut worker = std::process::Command::new(env!("CARGO_BIN_EXE_companin"))
            .arg("worker")
            .env("COMPANIN_DATABASE_URL", &app.db_url)
            .env("COMPANIN_DATA_DIR", &app.settings.data_dir)
            .env("COMPANIN_MODELS_DIR", &app.settings.models_dir)
            .env("COMPANIN_WORKER_POLL_INTERVAL_MS", "50")
            .env("COMPANIN_EMBEDDER_THREADS", "2")
            .env("COMPANIN_GENERATOR_SUMMARIES", "false")
            .env("COMPANIN_CRAWL_POLITENESS_DELAY_MS", "0")
            .env("COMPANIN_CRAWL_ALLOW_PRIVATE_NETWORKS", "false")
            .env("COMPANIN_CRAWL_ALLOWED_HOSTS", r#"["wiki.test"]"#)
            .env("COMPANIN_CRAWL_RESOLVE", r#"["wiki.test=127.0.0.1"]"#)
            .env("COMPANIN_LOG_LEVEL", "warn")
            .env("HTTP_PROXY", &proxy_url)
            .env("http_proxy", &proxy_url)
            .env("HTTPS_PROXY", &proxy_url)
            .env("ALL_PROXY", &proxy_url)
            .env_remove("NO_PROXY")
            .env_remove("no_proxy")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let org = app.create_org("Trailhead", Some(POLLING_LIMIT)).await;
        let c = &org.production;
        let (status, item) = add_url(
            &app,
            c,
            json!({"url": format!("http://wiki.test:{}/", site.port()), "crawl": {"max_pages": 1}}),
        )
        .await;
        assert_eq!(status, 202, "{item}");
        let job = wait_job(&app, c, item["job_id"].as_str().unwrap()).await;
        worker.kill().ok();
        worker.wait().ok();
        assert_eq!(job["status"], "succeeded", "{job}");
        assert_eq!(site.hits("/"), 1, "fetched directly");
        assert_eq!(
            proxied.load(std::sync::atomic::Ordering::SeqCst),
            0,
            "never through the proxy"
        );
    })
}

/// Scheduled syncs run on the workers of every process; each due item is synced once.
async fn scheduled_syncs_run_once_across_two_workers(backend: Backend) {
    let site = Site::start().await;
    site.set("/", html("Hours", "<p>The shop opens at nine.</p>"));
    let fast = |s: &mut companin_config::Settings| s.crawl.scheduler_interval_secs = 1;
    let app = spawn_app_with(backend, fast).await;
    let sibling = spawn_sibling_with(&app, fast).await;
    let org = app.create_org("Trailhead", Some(POLLING_LIMIT)).await;
    let c = &org.production;
    let (status, item) = add_url(
        &app,
        c,
        json!({"url": site.url("/"), "refresh_interval_hours": 1}),
    )
    .await;
    assert_eq!(status, 202, "{item}");
    let id = item["id"].as_str().unwrap().to_owned();
    wait_job(&app, c, item["job_id"].as_str().unwrap()).await;
    let first = get_item(&app, c, &id).await;
    assert!(first["next_sync_at"].is_string(), "{first}");
    assert_eq!(site.hits("/"), 1);

    // Due now, as if the hour had passed.
    site.set("/", html("Hours", "<p>The shop opens at ten.</p>"));
    make_due(&app, &id).await;
    let synced = wait_synced(&sibling, c, &first).await;
    assert_eq!(synced["sync_changes"]["updated"], 1, "{synced}");
    // Both schedulers look again several times; nothing more is queued.
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let crawls = companin_entity::job::Entity::find()
        .filter(companin_entity::job::Column::KnowledgeId.eq(id.as_str()))
        .all(&app.db().await)
        .await
        .unwrap();
    assert_eq!(crawls.len(), 2, "one first crawl and one scheduled");
    assert_eq!(site.hits("/"), 2);
    let next = get_item(&app, c, &id).await["next_sync_at"].clone();
    let next = chrono::DateTime::parse_from_rfc3339(next.as_str().unwrap()).unwrap();
    assert!(next.with_timezone(&chrono::Utc) > chrono::Utc::now() + chrono::Duration::minutes(55));
}

/// Two syncs of one URL asked at the same moment through two processes are one crawl: both
/// answer its job, and every page keeps exactly one set of chunks.
async fn two_syncs_of_one_url_at_once_are_one_crawl(backend: Backend) {
    let site = Site::start().await;
    outfitter(&site);
    let app = spawn_app_with(backend, |_| {}).await;
    let sibling = spawn_sibling_with(&app, |_| {}).await;
    let org = app.create_org("Trailhead", Some(POLLING_LIMIT)).await;
    let c = &org.production;
    let (status, item) = add_url(
        &app,
        c,
        json!({"url": site.url("/"), "crawl": {"max_depth": 2, "max_pages": 50}}),
    )
    .await;
    assert_eq!(status, 202, "{item}");
    let id = item["id"].as_str().unwrap().to_owned();
    let first = wait_job(&app, c, item["job_id"].as_str().unwrap()).await;
    assert_eq!(first["status"], "succeeded", "{first}");
    let chunks_once = get_item(&app, c, &id).await["chunk_count"].clone();

    site.set(
        "/packs",
        html(
            "Packs",
            "<h1>Packs</h1><p>The Ridge 28 pack now weighs 780 grams and holds 28 litres.</p>",
        ),
    );
    let path = format!("/api/v1/knowledge/{id}/sync");
    let ((one, a), (two, b)) = tokio::join!(
        app.call(c, Method::POST, &path, None),
        sibling.call(c, Method::POST, &path, None)
    );
    assert_eq!((one, two), (202, 202), "{a} {b}");
    assert_eq!(a["job_id"], b["job_id"], "one crawl answers both");
    let job = wait_job(&app, c, a["job_id"].as_str().unwrap()).await;
    assert_eq!(job["status"], "succeeded", "{job}");

    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let db = app.db().await;
    let crawls = companin_entity::job::Entity::find()
        .filter(companin_entity::job::Column::KnowledgeId.eq(id.as_str()))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(crawls.len(), 2, "the first crawl and one sync");
    let item = get_item(&app, c, &id).await;
    assert_eq!(item["status"], "ready", "{item}");
    assert_eq!(item["sync_changes"]["updated"], 1, "{item}");
    // The edited page has one chunk, like before; nothing was added twice.
    assert_eq!(item["chunk_count"], chunks_once, "{item}");
    let chunks = companin_entity::knowledge_chunk::Entity::find()
        .filter(companin_entity::knowledge_chunk::Column::KnowledgeId.eq(id.as_str()))
        .all(&db)
        .await
        .unwrap();
    let mut places: Vec<_> = chunks
        .iter()
        .map(|c| (c.page_id.clone(), c.position))
        .collect();
    places.sort();
    places.dedup();
    assert_eq!(places.len(), chunks.len(), "no page holds a position twice");
}

/// Polls the item until a sync newer than the one `before` shows has finished.
async fn wait_synced(app: &TestApp, c: &Creds, before: &Value) -> Value {
    let id = before["id"].as_str().unwrap();
    for _ in 0..200 {
        let item = get_item(app, c, id).await;
        if item["last_synced_at"] != before["last_synced_at"] {
            return item;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("item {id} was not synced again: {before}");
}

/// Moves the item's next sync into the past, as if its interval had passed.
async fn make_due(app: &TestApp, id: &str) {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    companin_entity::knowledge_item::Entity::update_many()
        .col_expr(
            companin_entity::knowledge_item::Column::NextSyncAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::minutes(1)),
        )
        .filter(companin_entity::knowledge_item::Column::Id.eq(id))
        .exec(&app.db().await)
        .await
        .unwrap();
}

/// The schedule lives in the database: a sync that fell due while no worker ran is done by
/// the next process to start.
async fn the_schedule_survives_a_restart(backend: Backend) {
    let site = Site::start().await;
    site.set("/", html("Hours", "<p>The shop opens at nine.</p>"));
    let fast = |s: &mut companin_config::Settings| s.crawl.scheduler_interval_secs = 1;
    let mut app = spawn_app_with(backend, fast).await;
    let org = app.create_org("Trailhead", Some(POLLING_LIMIT)).await;
    let c = &org.production;
    let (status, item) = add_url(
        &app,
        c,
        json!({"url": site.url("/"), "refresh_interval_hours": 6}),
    )
    .await;
    assert_eq!(status, 202, "{item}");
    let id = item["id"].as_str().unwrap().to_owned();
    wait_job(&app, c, item["job_id"].as_str().unwrap()).await;
    let first = get_item(&app, c, &id).await;
    app.stop().await;
    make_due(&app, &id).await;
    let restarted = spawn_sibling_with(&app, fast).await;
    let synced = wait_synced(&restarted, c, &first).await;
    assert_eq!(synced["sync_changes"]["unchanged"], 1, "{synced}");
    assert_eq!(site.hits("/"), 2);
}

async fn url_items_stay_within_their_tenant(backend: Backend) {
    let site = Site::start().await;
    site.set("/", html("Hours", "<p>The shop opens at nine.</p>"));
    let app = spawn_app_with(backend, |_| {}).await;
    let a = app.create_org("Trailhead", Some(POLLING_LIMIT)).await;
    let b = app.create_org("Rival", Some(POLLING_LIMIT)).await;
    let (status, item) = add_url(&app, &a.production, json!({"url": site.url("/")})).await;
    assert_eq!(status, 202, "{item}");
    let id = item["id"].as_str().unwrap();
    wait_job(&app, &a.production, item["job_id"].as_str().unwrap()).await;
    for creds in [&b.production, &a.sandbox] {
        for (method, path, body) in [
            (Method::GET, format!("/api/v1/knowledge/{id}/pages"), None),
            (Method::POST, format!("/api/v1/knowledge/{id}/sync"), None),
            (
                Method::PATCH,
                format!("/api/v1/knowledge/{id}"),
                Some(json!({"refresh_interval_hours": 2})),
            ),
        ] {
            let mut req = app.as_client(creds, method.clone(), &path);
            if let Some(body) = body {
                req = req.json(&body);
            }
            assert_error(req.send().await.unwrap(), 404, "not_found").await;
        }
    }
    // The same URL in another tenant is that tenant's own item.
    let (status, theirs) = add_url(&app, &b.production, json!({"url": site.url("/")})).await;
    assert_eq!(status, 202, "{theirs}");
    assert_ne!(theirs["id"], item["id"]);
    let mine = get_item(&app, &a.production, id).await;
    assert!(
        mine["refresh_interval_hours"].is_null(),
        "untouched: {mine}"
    );

    // One URL submitted several times at once is one item.
    let url = site.url("/hours");
    let posts = (0..5).map(|_| add_url(&app, &a.sandbox, json!({"url": url})));
    let answers = futures::future::join_all(posts).await;
    let created = answers.iter().filter(|(status, _)| *status == 202).count();
    assert_eq!(created, 1, "{answers:?}");
    assert!(
        answers.iter().all(|(status, item)| {
            [200, 202].contains(status) && item["id"] == answers[0].1["id"]
        })
    );
}

/// A crawl reports its pages as it goes and stops between pages when canceled.
async fn a_crawl_shows_its_pages_and_stops_when_canceled(backend: Backend) {
    let site = Site::start().await;
    let links: String = (0..30)
        .map(|n| format!(r#"<a href="/p{n}">{n}</a> "#))
        .collect();
    site.set("/", html("Index", &format!("<p>Thirty pages.</p>{links}")));
    for n in 0..30 {
        site.set(
            &format!("/p{n}"),
            html("Page", &format!("<p>Page number {n} of the site.</p>")),
        );
    }
    // A pause between requests keeps the crawl running long enough to watch and cancel.
    let app = spawn_app_with(backend, |s| s.crawl.politeness_delay_ms = 150).await;
    let org = app.create_org("Trailhead", Some(POLLING_LIMIT)).await;
    let c = &org.production;
    let (status, item) = add_url(
        &app,
        c,
        json!({"url": site.url("/"), "crawl": {"max_depth": 1, "max_pages": 31}}),
    )
    .await;
    assert_eq!(status, 202, "{item}");
    let job_id = item["job_id"].as_str().unwrap();
    let path = format!("/api/v1/jobs/{job_id}");
    let mut running = Value::Null;
    for _ in 0..400 {
        let (_, job) = app.call(c, Method::GET, &path, None).await;
        if job["pages_done"].as_u64().unwrap_or(0) >= 3 {
            running = job;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(running["status"], "running", "{running}");
    assert_eq!(
        running["pages_found"], 31,
        "every link found on the first page: {running}"
    );
    let (status, _) = app
        .call(c, Method::POST, &format!("{path}/cancel"), None)
        .await;
    assert_eq!(status, 200);
    let job = wait_job(&app, c, job_id).await;
    assert_eq!(job["status"], "canceled", "{job}");
    let done = job["pages_done"].as_u64().unwrap();
    assert!((3..31).contains(&done), "{job}");
    let fetched = (0..30).filter(|n| site.hits(&format!("/p{n}")) > 0).count() as u64;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let later = (0..30).filter(|n| site.hits(&format!("/p{n}")) > 0).count() as u64;
    assert_eq!(later, fetched, "nothing fetched after the cancel");
    assert!(fetched < 30, "{fetched}");
    let item = get_item(&app, c, item["id"].as_str().unwrap()).await;
    assert_eq!(
        item["status"], "ready",
        "the pages read before the cancel stay: {item}"
    );
}

crate::on_both_backends!(
    a_crawl_shows_its_pages_and_stops_when_canceled,
    a_site_is_crawled_within_bounds_and_kept_fresh,
    bad_url_submissions_are_refused_and_store_nothing,
    the_ssrf_guard_refuses_private_addresses,
    scheduled_syncs_run_once_across_two_workers,
    the_schedule_survives_a_restart,
    url_items_stay_within_their_tenant,
    two_syncs_of_one_url_at_once_are_one_crawl,
);
