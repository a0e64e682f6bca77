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

/// Every file of the console, by its path under the build's folder.
const ASSETS: &[(&str, &str)] = &[
    ("app.js", include_str!("../../web/console/app.js")),
    ("api.js", include_str!("../../web/console/api.js")),
    ("dom.js", include_str!("../../web/console/dom.js")),
    ("i18n.js", include_str!("../../web/console/i18n.js")),
    ("i18n/en.js", include_str!("../../web/console/i18n/en.js")),
    ("i18n/es.js", include_str!("../../web/console/i18n/es.js")),
    (
        "views/account.js",
        include_str!("../../web/console/views/account.js"),
    ),
    (
        "views/accept.js",
        include_str!("../../web/console/views/accept.js"),
    ),
    (
        "views/members.js",
        include_str!("../../web/console/views/members.js"),
    ),
    (
        "views/signin.js",
        include_str!("../../web/console/views/signin.js"),
    ),
    ("console.css", include_str!("../../web/console/console.css")),
];

/// No inline script or style, nothing from another origin, never in a frame.
const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; \
    frame-ancestors 'none'";

/// The first 12 hex digits of the SHA-256 of every asset: this build's folder name.
static BUILD: LazyLock<String> = LazyLock::new(|| {
    let mut hasher = Sha256::new();
    for (name, body) in ASSETS {
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
        .and_then(|(_, file)| ASSETS.iter().find(|(name, _)| *name == file));
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
        // Every module the page may load, gzipped: the issue allows 150 KB of JS and CSS.
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
}
