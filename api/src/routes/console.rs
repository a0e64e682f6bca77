//! `/dashboard/`: the operator console. Plain ES modules and one stylesheet, compiled into the
//! binary and served under a path naming this build (`/dashboard/assets/<build>/…`), so they
//! are cached for a year and a new release is fetched at once; the page itself is never cached,
//! and every other path under `/dashboard/` is that page (deep links work on reload). The
//! console is the API's first client: it calls only the public routes, with the session cookie.

use std::sync::LazyLock;

use poem::http::{StatusCode, header};
use poem::web::Path;
use poem::{IntoResponse, Response, handler};
use sha2::{Digest, Sha256};

/// `(path, contents)` of each named file under `web/console/`.
macro_rules! assets {
    ($($path:literal),* $(,)?) => {
        &[$(($path, include_str!(concat!("../../web/console/", $path)))),*]
    };
}

/// Every file of the console, by its path under the build's folder.
const ASSETS: &[(&str, &str)] = assets![
    "app.js",
    "api.js",
    "dom.js",
    "i18n.js",
    "i18n/en.js",
    "i18n/es.js",
    "roles.js",
    "views/accept.js",
    "views/account.js",
    "views/alerts.js",
    "views/analytics.js",
    "views/assistant.js",
    "views/assistant-fields.js",
    "views/assistants.js",
    "views/audit.js",
    "views/charts.js",
    "views/conversation.js",
    "views/conversations.js",
    "views/developers.js",
    "views/home.js",
    "views/knowledge.js",
    "views/knowledge-add.js",
    "views/knowledge-item.js",
    "views/listing.js",
    "views/members.js",
    "views/operator.js",
    "views/playground.js",
    "views/progress.js",
    "views/sandbox.js",
    "views/secret.js",
    "views/signin.js",
    "views/try-it.js",
    "views/versions.js",
    "views/webhooks.js",
    "console.css",
];

/// Libraries vendored from npm (their licences beside them), fetched only by the views that
/// use them, so they are not part of the first load.
const LAZY: &[(&str, &str)] = assets!["vendor/chart.js-4.6.2/chart.umd.min.js"];

/// No inline script or style, nothing from another origin, never in a frame; the one frame it
/// shows is this server's widget demo page (the widget's live preview).
const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; connect-src 'self'; frame-src 'self'; base-uri 'none'; \
    form-action 'self'; frame-ancestors 'none'";

/// The first 12 hex digits of the SHA-256 of every asset: this build's folder name.
static BUILD: LazyLock<String> = LazyLock::new(|| {
    let mut hasher = Sha256::new();
    for (name, body) in ASSETS.iter().chain(LAZY) {
        hasher.update(name.as_bytes());
        hasher.update([0]);
        hasher.update(body.as_bytes());
    }
    hex::encode(hasher.finalize())[..12].to_owned()
});

static PAGE: LazyLock<String> =
    LazyLock::new(|| include_str!("../../web/console/index.html").replace("__BUILD__", &BUILD));

fn secured(response: impl IntoResponse) -> Response {
    response
        .with_header("Content-Security-Policy", POLICY)
        .with_header("X-Frame-Options", "DENY")
        .with_header("X-Content-Type-Options", "nosniff")
        .with_header("Referrer-Policy", "no-referrer")
        .into_response()
}

fn page() -> Response {
    secured(
        PAGE.as_str()
            .with_content_type("text/html; charset=utf-8")
            .with_header(header::CACHE_CONTROL, "no-cache"),
    )
}

/// `GET /dashboard`: the console's page.
#[handler]
pub fn index() -> Response {
    page()
}

/// `GET /dashboard/*path`: an asset of this build, or the page (a view's deep link).
#[handler]
pub fn under(Path(path): Path<String>) -> Response {
    let Some(rest) = path.strip_prefix("assets/") else {
        return page();
    };
    let found = rest
        .split_once('/')
        .filter(|(build, _)| *build == BUILD.as_str())
        .and_then(|(_, file)| ASSETS.iter().chain(LAZY).find(|(name, _)| *name == file));
    let Some((name, body)) = found else {
        return secured(StatusCode::NOT_FOUND);
    };
    let content_type = if name.ends_with(".css") {
        "text/css; charset=utf-8"
    } else {
        "text/javascript; charset=utf-8"
    };
    secured(
        body.with_content_type(content_type)
            .with_header(header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn the_page_names_this_build_and_the_first_load_stays_light() {
        assert!(PAGE.contains(&format!("/dashboard/assets/{}/app.js", *BUILD)));
        assert!(!PAGE.contains("__BUILD__"));
        // Every module the page loads first, gzipped: the issue allows 150 KB of JS and CSS
        // (the chart library comes with the views that draw charts).
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        for (_, body) in ASSETS {
            gz.write_all(body.as_bytes()).unwrap();
        }
        let gzipped = gz.finish().unwrap().len();
        assert!(
            gzipped < 150 * 1024,
            "the console is {gzipped} bytes gzipped"
        );
    }

    #[test]
    fn every_module_imported_is_served() {
        for (name, body) in ASSETS {
            let folder = name.rsplit_once('/').map_or("", |(f, _)| f);
            for line in body.lines().filter(|l| l.starts_with("import ")) {
                let Some(spec) = line.split('\'').nth(1) else {
                    continue;
                };
                let mut parts: Vec<&str> = folder.split('/').filter(|p| !p.is_empty()).collect();
                for piece in spec.split('/') {
                    match piece {
                        "." => {}
                        ".." => {
                            parts.pop();
                        }
                        p => parts.push(p),
                    }
                }
                let target = parts.join("/");
                assert!(
                    ASSETS.iter().any(|(n, _)| *n == target),
                    "{name} imports {spec}, which is not served"
                );
            }
        }
    }

    #[test]
    fn the_charts_import_the_served_chart_library() {
        let charts = ASSETS
            .iter()
            .find(|(n, _)| *n == "views/charts.js")
            .unwrap()
            .1;
        for (name, body) in LAZY {
            assert!(charts.contains(&format!("'../{name}'")), "{name}");
            assert!(body.len() > 100_000, "{name} is the whole library");
        }
    }

    /// The keys of a catalogue: every `'key':` at the start of an entry.
    fn keys(catalogue: &str) -> std::collections::BTreeSet<&str> {
        catalogue
            .split('\'')
            .collect::<Vec<_>>()
            .windows(2)
            .filter(|w| w[1].starts_with(':'))
            .map(|w| w[0])
            .collect()
    }

    #[test]
    fn both_languages_have_every_string() {
        let find = |name: &str| ASSETS.iter().find(|(n, _)| *n == name).unwrap().1;
        let english = keys(find("i18n/en.js"));
        let spanish = keys(find("i18n/es.js"));
        assert!(english.len() > 100, "{} keys", english.len());
        let missing: Vec<_> = english.symmetric_difference(&spanish).collect();
        assert!(missing.is_empty(), "in one catalogue only: {missing:?}");
    }
}
