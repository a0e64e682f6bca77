//! The browser-facing files outside the versioned API: the chat widget script and its demo
//! page. Both are compiled into the binary, so a deployment is still one file.

use std::sync::LazyLock;

use poem::http::{StatusCode, header};
use poem::web::Query;
use poem::{IntoResponse, Request, Response, handler};
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// The widget script, with its version written in, and a content hash naming this build of it.
struct Script {
    body: String,
    /// First 16 hex digits of the SHA-256 of `body`.
    hash: String,
}

static WIDGET: LazyLock<Script> = LazyLock::new(|| {
    let body = include_str!("../../web/widget.js")
        .replace("__COMPANIN_VERSION__", env!("CARGO_PKG_VERSION"));
    let digest = hex::encode(Sha256::digest(body.as_bytes()));
    Script {
        hash: digest[..16].to_owned(),
        body,
    }
});

const DEMO_PAGE: &str = include_str!("../../web/demo.html");

#[derive(Debug, Deserialize)]
struct ScriptQuery {
    v: Option<String>,
}

/// `GET /widget.js`. Cacheable: an hour under its plain name (so a new release reaches pages
/// soon), a year when asked by its hash (`?v=`); revalidation by `ETag` answers 304.
#[handler]
pub fn widget_js(request: &Request, query: Query<ScriptQuery>) -> Response {
    let script = &*WIDGET;
    let etag = format!("\"{}\"", script.hash);
    let cache = if query.0.v.as_deref() == Some(script.hash.as_str()) {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=3600"
    };
    let fresh = request
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        script
            .body
            .as_str()
            .with_content_type("application/javascript; charset=utf-8")
            .into_response()
    };
    response
        .with_header(header::ETAG, etag)
        .with_header(header::CACHE_CONTROL, cache)
        .with_header("X-Widget-Version", script.hash.as_str())
        .into_response()
}

/// `GET /widget/demo`: a page to try the widget on this server (its own origin must be one of
/// the client's `allowed_origins`). The page reads the ids from its query string itself, so
/// nothing the visitor types is ever written into the HTML by the server. Only this server's
/// own pages may frame it: the console shows it as the widget's live preview.
#[handler]
pub fn widget_demo() -> Response {
    DEMO_PAGE
        .with_content_type("text/html; charset=utf-8")
        .with_header(header::CACHE_CONTROL, "no-cache")
        .with_header(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self' 'unsafe-inline'; \
             style-src 'self' 'unsafe-inline'; frame-ancestors 'self'",
        )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn the_script_names_its_version_and_stays_small() {
        let script = &*WIDGET;
        assert!(script.body.contains(env!("CARGO_PKG_VERSION")));
        assert!(!script.body.contains("__COMPANIN_VERSION__"));
        assert_eq!(script.hash.len(), 16);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(script.body.as_bytes()).unwrap();
        let gzipped = gz.finish().unwrap().len();
        // docs/benchmarks.md reports the size; this keeps it from creeping up unnoticed.
        assert!(gzipped < 10 * 1024, "widget.js is {gzipped} bytes gzipped");
    }
}
