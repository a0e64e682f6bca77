//! Hostile inputs fail one item or one request, never the process: files crafted to blow the
//! stack, the memory or the clock of a parser, bodies of unannounced length past the limit,
//! and proxy settings that would carry the crawler around its SSRF guard. Every hostile file
//! is built here, in the test.

use std::io::Write;
use std::time::Duration;

use bytes::Bytes;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Backend, Creds, TestApp, assert_error, spawn_app_with};
use crate::knowledge::{upload, wait_done, wait_job};

/// These tests poll jobs and items; the default hourly limit would run out.
const POLLING_LIMIT: i64 = 1_000_000;

/// HTML nested 100,000 elements deep (about 1 MB).
fn deep_html() -> Vec<u8> {
    let depth = 100_000;
    format!(
        "<html><body>{}The deepest sentence survives.{}</body></html>",
        "<div>".repeat(depth),
        "</div>".repeat(depth)
    )
    .into_bytes()
}

/// JSON whose one 1 MB key sits over a million one-digit values (3 MB): every value's line
/// would repeat the key.
fn long_key_json() -> Vec<u8> {
    let mut doc = format!("{{\"{}\":[", "k".repeat(1 << 20));
    doc.push_str(&"1,".repeat(1_000_000));
    doc.push_str("1]}");
    doc.into_bytes()
}

/// CSV whose 2 MB header sits over a million short rows (6 MB): every row would repeat it.
fn long_header_csv() -> Vec<u8> {
    let mut doc = format!("{},price\n", "h".repeat(2 << 20));
    doc.push_str(&"1,2\n".repeat(1_000_000));
    doc.into_bytes()
}

/// JSON nested 100,000 arrays deep.
fn deep_json() -> Vec<u8> {
    format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes()
}

/// A PDF of `objects` (numbered from 1; the first is the catalog), with its cross-reference
/// table.
fn pdf_of(objects: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in &offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

fn stream(dict: &str, content: &[u8]) -> Vec<u8> {
    let mut out = format!("<< {dict} /Length {} >>\nstream\n", content.len()).into_bytes();
    out.extend_from_slice(content);
    out.extend_from_slice(b"\nendstream");
    out
}

/// Catalog, pages and one page whose content is object 4 and whose resources name form
/// object 5 as `/X`.
fn one_page(content: Vec<u8>, more: Vec<Vec<u8>>) -> Vec<u8> {
    let mut objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R \
          /Resources << /XObject << /X 5 0 R >> >> >>"
            .to_vec(),
        content,
    ];
    objects.extend(more);
    pdf_of(&objects)
}

/// A PDF of under a megabyte whose page content inflates to 1 GiB.
fn pdf_bomb() -> Vec<u8> {
    let mut deflate = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let spaces = vec![b' '; 1 << 20];
    for _ in 0..1024 {
        deflate.write_all(&spaces).unwrap();
    }
    one_page(
        stream("/Filter /FlateDecode", &deflate.finish().unwrap()),
        Vec::new(),
    )
}

/// A PDF of 2 KB that spins with next to no memory: nine levels of forms, each drawing the
/// next ten times, a billion draws in all.
fn pdf_that_spins() -> Vec<u8> {
    let levels = 9;
    let forms = (0..levels)
        .map(|i| {
            if i + 1 < levels {
                let dict = format!(
                    "/Type /XObject /Subtype /Form /BBox [0 0 9 9] /Resources << /XObject << /X {} 0 R >> >>",
                    6 + i
                );
                stream(&dict, &b"/X Do ".repeat(10))
            } else {
                stream("/Type /XObject /Subtype /Form /BBox [0 0 9 9]", b"0 0 m")
            }
        })
        .collect();
    one_page(stream("", b"/X Do"), forms)
}

/// A PDF whose form draws itself: the reader recurses until its stack overflows.
fn pdf_that_recurses() -> Vec<u8> {
    let form = stream(
        "/Type /XObject /Subtype /Form /BBox [0 0 9 9] /Resources << /XObject << /X 5 0 R >> >>",
        b"/X Do",
    );
    one_page(stream("", b"/X Do"), vec![form])
}

/// The PIDs of this process's children that are PDF readers.
fn pdf_readers() -> Vec<u32> {
    let me = std::process::id().to_string();
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // The parent is the fourth field, after `pid (comm) state`.
        let parent = stat
            .rsplit_once(')')
            .map(|(_, rest)| rest.split_whitespace().nth(1));
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        if parent == Some(Some(me.as_str())) && cmdline.windows(8).any(|w| w == b"read-pdf") {
            found.push(pid);
        }
    }
    found
}

/// Uploads `bytes` and waits for its item: failed with `why`, no chunk kept, one attempt.
async fn fails_with(app: &TestApp, c: &Creds, name: &str, mime: &str, bytes: Vec<u8>, why: &str) {
    let (status, item) = upload(app, c, name, mime, bytes, &[]).await;
    assert_eq!(status, 202, "{name}: {item}");
    let done = wait_done(app, c, item["id"].as_str().unwrap()).await;
    assert_eq!(done["status"], "failed", "{name}: {done}");
    let error = done["error"].as_str().unwrap();
    assert!(error.contains(why), "{name}: {error}");
    assert_eq!(done["chunk_count"], 0, "{name}: {done}");
    let job = wait_job(app, c, item["job_id"].as_str().unwrap()).await;
    assert_eq!(job["status"], "failed", "{name}: {job}");
    assert_eq!(
        job["attempts"], 1,
        "{name}: a bad file is not retried: {job}"
    );
    let (_, chunks) = app
        .call(
            c,
            Method::GET,
            &format!("/api/v1/knowledge/{}/chunks", done["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(chunks["total"], 0, "{name}: nothing half-written: {chunks}");
}

#[test]
fn hostile_files_fail_their_item_and_nothing_else() {
    crate::helpers::run(async {
        let app = spawn_app_with(Backend::Sqlite, |s| {
            s.ingest.pdf_timeout_secs = 3;
            s.ingest.pdf_memory_mib = 384;
        })
        .await;
        let org = app.create_org("Acme", Some(POLLING_LIMIT)).await;
        let c = &org.production;

        // Deep HTML is read (walked without recursion), its deepest text kept.
        let (status, item) = upload(&app, c, "deep.html", "text/html", deep_html(), &[]).await;
        assert_eq!(status, 202, "{item}");
        let done = wait_done(&app, c, item["id"].as_str().unwrap()).await;
        assert_eq!(done["status"], "ready", "{done}");
        let text = crate::knowledge::chunks_text(&app, c, done["id"].as_str().unwrap()).await;
        assert!(text.contains("The deepest sentence survives."), "{text}");

        // Files that would multiply in memory fail with the reason, within their budget.
        let too_much = "times its size";
        fails_with(
            &app,
            c,
            "key.json",
            "application/json",
            long_key_json(),
            too_much,
        )
        .await;
        fails_with(
            &app,
            c,
            "header.csv",
            "text/csv",
            long_header_csv(),
            too_much,
        )
        .await;
        fails_with(
            &app,
            c,
            "deep.json",
            "application/json",
            deep_json(),
            "nested deeper than 128",
        )
        .await;

        // PDFs are read in a child process that is capped and killed, never left running.
        let started = std::time::Instant::now();
        let bomb = "inflate to more than 96 MiB";
        fails_with(&app, c, "bomb.pdf", "application/pdf", pdf_bomb(), bomb).await;
        let spin = "took longer than 3s";
        fails_with(
            &app,
            c,
            "spin.pdf",
            "application/pdf",
            pdf_that_spins(),
            spin,
        )
        .await;
        let crash = "the reader stopped";
        fails_with(
            &app,
            c,
            "cycle.pdf",
            "application/pdf",
            pdf_that_recurses(),
            crash,
        )
        .await;
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(
            pdf_readers(),
            Vec::<u32>::new(),
            "no PDF reader outlives its timeout"
        );

        // The process lives on, and so does its worker: a good file after the bad ones.
        let resp = app.request(Method::GET, "/healthz").send().await.unwrap();
        assert_eq!(resp.status(), 200);
        let (_, item) = upload(
            &app,
            c,
            "guide.pdf",
            "application/pdf",
            crate::knowledge::fixture("guide.pdf"),
            &[],
        )
        .await;
        let done = wait_done(&app, c, item["id"].as_str().unwrap()).await;
        assert_eq!(done["status"], "ready", "{done}");
    })
}

/// Sends `body` over HTTP/2 (prior knowledge, so no `Content-Length` and no chunked framing:
/// DATA frames only) and answers the status and JSON body.
async fn h2_post(
    app: &TestApp,
    path: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> (u16, Value) {
    let addr = app.base.trim_start_matches("http://");
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut client, connection) = h2::client::handshake(tcp).await.unwrap();
    tokio::spawn(async move {
        let _ = connection.await;
    });
    let mut request = http::Request::builder()
        .method("POST")
        .uri(format!("{}{path}", app.base));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let (response, mut stream) = client
        .send_request(request.body(()).unwrap(), false)
        .unwrap();
    // The server may answer (and reset the stream) before it has all of it.
    for piece in body.chunks(64 * 1024) {
        if stream
            .send_data(Bytes::copy_from_slice(piece), false)
            .is_err()
        {
            break;
        }
    }
    let _ = stream.send_data(Bytes::new(), true);
    let response = response.await.unwrap();
    let status = response.status().as_u16();
    let mut received = response.into_body();
    let mut data = Vec::new();
    while let Some(piece) = received.data().await {
        let piece = piece.unwrap();
        let _ = received.flow_control().release_capacity(piece.len());
        data.extend_from_slice(&piece);
    }
    (status, serde_json::from_slice(&data).unwrap_or(Value::Null))
}

#[test]
fn bodies_without_a_length_are_limited_on_every_route() {
    crate::helpers::run(async {
        let app = spawn_app_with(Backend::Sqlite, |s| s.http.body_limit_bytes = 4096).await;
        let org = app.create_org("Acme", None).await;
        let c = &org.production;
        let big = format!(
            r#"{{"client_id": "x", "pad": "{}"}}"#,
            " ".repeat(64 * 1024)
        )
        .into_bytes();
        let json = ("content-type", "application/json");

        // Unauthenticated, over HTTP/2: the widget token and the key-pair token.
        for path in ["/api/v1/widget/token", "/api/v1/auth/token"] {
            let (status, body) = h2_post(
                &app,
                path,
                &[json, ("origin", "https://shop.example")],
                big.clone(),
            )
            .await;
            assert_eq!(status, 413, "{path}: {body}");
            assert_eq!(body["code"], "payload_too_large", "{path}: {body}");
            assert_eq!(body["data"], json!({ "max_bytes": 4096 }), "{path}: {body}");
        }
        // Authenticated, over HTTP/2: refused whole, and nothing created.
        let auth = [
            json,
            ("x-api-key", c.client_id.as_str()),
            ("x-api-secret", c.client_secret.as_str()),
        ];
        let (_, page) = app.call(c, Method::GET, "/api/v1/clients/", None).await;
        let before = page["total"].as_u64().unwrap();
        let (status, body) = h2_post(&app, "/api/v1/clients/", &auth, big.clone()).await;
        assert_eq!(status, 413, "{body}");
        // A body under the limit over HTTP/2 works as over HTTP/1.1.
        let (status, body) = h2_post(
            &app,
            "/api/v1/clients/",
            &auth,
            br#"{"name": "Over h2"}"#.to_vec(),
        )
        .await;
        assert_eq!(status, 201, "{body}");
        let (_, page) = app.call(c, Method::GET, "/api/v1/clients/", None).await;
        assert_eq!(
            page["total"],
            before + 1,
            "only the one under the limit: {page}"
        );

        // HTTP/1.1 chunked, unauthenticated. Twice the limit: a body the socket takes whole, so
        // the server's early answer is not lost to a reset of the half-sent rest.
        let stream = futures::stream::iter(
            big[..8192]
                .chunks(1024)
                .map(|piece| Ok::<_, std::io::Error>(piece.to_vec()))
                .collect::<Vec<_>>(),
        );
        let resp = app
            .request(Method::POST, "/api/v1/widget/token")
            .header("content-type", "application/json")
            .header("origin", "https://shop.example")
            .body(reqwest::Body::wrap_stream(stream))
            .send()
            .await
            .unwrap();
        assert_error(resp, 413, "payload_too_large").await;
    })
}
