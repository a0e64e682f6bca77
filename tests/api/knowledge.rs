//! Knowledge ingestion end to end: uploads, texts and Q&A through the queue and the workers
//! into chunks; dedup and replace; bad inputs; cancel; tenant walls.

use std::time::Duration;

use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::helpers::{
    Backend, Creds, TestApp, assert_error, spawn_app, spawn_app_opts, spawn_app_with,
};

/// These tests poll jobs and items; the default hourly limit would run out.
const POLLING_LIMIT: i64 = 1_000_000;

pub fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/knowledge")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Uploads `bytes` as `name`, answering status and body.
pub async fn upload(
    app: &TestApp,
    creds: &Creds,
    name: &str,
    mime: &str,
    bytes: Vec<u8>,
    extra: &[(&str, &str)],
) -> (u16, Value) {
    let part = Part::bytes(bytes)
        .file_name(name.to_owned())
        .mime_str(mime)
        .unwrap();
    let mut form = Form::new().part("file", part);
    for (k, v) in extra {
        form = form.text(k.to_string(), v.to_string());
    }
    let resp = app
        .as_client(creds, Method::POST, "/api/v1/knowledge/files/")
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// Polls the item until it leaves `pending`/`processing`, for up to two minutes.
pub async fn wait_done(app: &TestApp, creds: &Creds, id: &str) -> Value {
    wait_done_within(app, creds, id, Duration::from_secs(120)).await
}

/// Polls the item until it leaves `pending`/`processing`, for up to `limit`.
pub async fn wait_done_within(app: &TestApp, creds: &Creds, id: &str, limit: Duration) -> Value {
    let path = format!("/api/v1/knowledge/{id}");
    let mut item = Value::Null;
    let deadline = tokio::time::Instant::now() + limit;
    while tokio::time::Instant::now() < deadline {
        let (status, now) = app.call(creds, Method::GET, &path, None).await;
        assert_eq!(status, 200, "{now}");
        if now["status"] == "ready" || now["status"] == "failed" {
            return now;
        }
        item = now;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Say where it stuck: the item and its job as the API shows them.
    let job = match item["job_id"].as_str() {
        Some(job_id) => {
            app.call(creds, Method::GET, &format!("/api/v1/jobs/{job_id}"), None)
                .await
                .1
        }
        None => Value::Null,
    };
    panic!("item {id} never finished: {item}; its job: {job}");
}

pub async fn chunks_text(app: &TestApp, creds: &Creds, id: &str) -> String {
    let (status, page) = app
        .call(
            creds,
            Method::GET,
            &format!("/api/v1/knowledge/{id}/chunks?limit=100"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{page}");
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["content"].as_str().unwrap().to_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Polls the job until it has finished, for up to three minutes (a long text embedded twice
/// by the default 12-layer model, on a CI machine busy with other tests).
pub async fn wait_job(app: &TestApp, creds: &Creds, id: &str) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(180);
    let mut last = Value::Null;
    while tokio::time::Instant::now() < deadline {
        last = job(app, creds, id).await;
        if ["succeeded", "failed", "canceled"].contains(&last["status"].as_str().unwrap()) {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("job {id} never finished: {last}");
}

async fn job(app: &TestApp, creds: &Creds, id: &str) -> Value {
    let (status, job) = app
        .call(creds, Method::GET, &format!("/api/v1/jobs/{id}"), None)
        .await;
    assert_eq!(status, 200, "{job}");
    job
}

async fn each_file_type_becomes_ready(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = app.create_org("Acme", Some(POLLING_LIMIT)).await;
    let c = &org.production;
    let cases = [
        ("guide.pdf", "application/pdf", "warranty of 3 years"),
        ("notes.txt", "text/plain", "Zéphyr café grinder"),
        ("handbook.md", "text/markdown", "27 days"),
        ("page.html", "text/html", "28 litres"),
        ("prices.csv", "text/csv", "sku: SOL-220"),
        ("catalog.json", "application/json", "Tromsø"),
    ];
    for (name, mime, fact) in cases {
        let (status, item) = upload(&app, c, name, mime, fixture(name), &[]).await;
        assert_eq!(status, 202, "{name}: {item}");
        assert_eq!(item["status"], "pending");
        assert_eq!(item["type"], "file");
        assert_eq!(item["source"], name);
        assert_eq!(item["title"], name);
        assert_eq!(item["media_type"], mime);
        assert_eq!(item["version"], 1);
        assert_eq!(item["content_hash"].as_str().unwrap().len(), 64);
        let job_id = item["job_id"].as_str().unwrap().to_owned();

        let done = wait_done(&app, c, item["id"].as_str().unwrap()).await;
        assert_eq!(done["status"], "ready", "{name}: {done}");
        assert!(done["chunk_count"].as_u64().unwrap() >= 1);
        assert!(done["error"].is_null());
        assert!(
            !done["keywords"].as_array().unwrap().is_empty(),
            "{name}: {done}"
        );
        let text = chunks_text(&app, c, done["id"].as_str().unwrap()).await;
        assert!(text.contains(fact), "{name}: {fact} not in {text}");
        assert!(text.starts_with(name), "chunks carry the title: {text}");

        let j = wait_job(&app, c, &job_id).await;
        assert_eq!(j["status"], "succeeded", "{j}");
        assert_eq!(j["kind"], "ingest");
        assert_eq!(j["attempts"], 1);
        assert_eq!(j["progress"], 1.0);
        assert!(j["started_at"].is_string() && j["finished_at"].is_string());
    }
    let html = chunks_text(&app, c, &find_id(&app, c, "page.html").await).await;
    for decoy in [
        "SCRIPT-DECOY",
        "STYLE-DECOY",
        "NAV-DECOY",
        "HEADER-DECOY",
        "FOOTER-DECOY",
    ] {
        assert!(!html.contains(decoy), "{decoy} indexed");
    }
    let (_, md) = app
        .call(
            c,
            Method::GET,
            &format!(
                "/api/v1/knowledge/{}",
                find_id(&app, c, "handbook.md").await
            ),
            None,
        )
        .await;
    assert_eq!(md["summary_kind"], "extractive");
    assert!(!md["summary"].as_str().unwrap().is_empty());
}

async fn find_id(app: &TestApp, c: &Creds, q: &str) -> String {
    let (_, page) = app
        .call(c, Method::GET, &format!("/api/v1/knowledge/?q={q}"), None)
        .await;
    page["items"][0]["id"].as_str().unwrap().to_owned()
}

async fn broken_files_fail_clearly(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = app.create_org("Acme", Some(POLLING_LIMIT)).await;
    let c = &org.production;
    let cases = [
        ("corrupt.pdf", "application/pdf", "PDF could not be read"),
        ("encrypted.pdf", "application/pdf", "encrypted"),
        ("invalid-utf8.txt", "text/plain", "not valid UTF-8"),
    ];
    for (name, mime, why) in cases {
        let (status, item) = upload(&app, c, name, mime, fixture(name), &[]).await;
        assert_eq!(status, 202, "{item}");
        let done = wait_done(&app, c, item["id"].as_str().unwrap()).await;
        assert_eq!(done["status"], "failed", "{name}: {done}");
        assert!(
            done["error"].as_str().unwrap().contains(why),
            "{name}: {done}"
        );
        assert_eq!(done["chunk_count"], 0);
        let j = wait_job(&app, c, item["job_id"].as_str().unwrap()).await;
        assert_eq!(j["status"], "failed");
        assert_eq!(j["attempts"], 1, "a broken file is not retried: {j}");
        assert!(j["error"].as_str().unwrap().contains(why));
    }
    // The worker lives on: a good file after the bad ones is processed.
    let (_, item) = upload(
        &app,
        c,
        "notes.txt",
        "text/plain",
        fixture("notes.txt"),
        &[],
    )
    .await;
    let done = wait_done(&app, c, item["id"].as_str().unwrap()).await;
    assert_eq!(done["status"], "ready");
}

async fn nothing_is_stored_for_refused_uploads(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.ingest.max_file_bytes = 1000).await;
    let org = app.create_org("Acme", Some(POLLING_LIMIT)).await;
    let c = &org.production;

    let (status, body) = upload(&app, c, "image.png", "image/png", fixture("image.png"), &[]).await;
    assert_eq!(status, 415, "{body}");
    assert_eq!(body["code"], "unsupported_media_type");
    assert!(
        body["detail"].as_str().unwrap().contains("application/pdf"),
        "{body}"
    );
    assert_eq!(body["data"]["supported"].as_array().unwrap().len(), 6);

    let big = "word ".repeat(400).into_bytes();
    let (status, body) = upload(&app, c, "big.txt", "text/plain", big.clone(), &[]).await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["code"], "payload_too_large");
    let resp = app
        .as_client(c, Method::POST, "/api/v1/knowledge/")
        .json(&json!({"type": "text", "title": "Big", "content": String::from_utf8(big).unwrap()}))
        .send()
        .await
        .unwrap();
    assert_error(resp, 413, "payload_too_large").await;

    // A body that is not multipart at all.
    let resp = app
        .as_client(c, Method::POST, "/api/v1/knowledge/files/")
        .json(&json!({"file": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 415);

    let (_, page) = app.call(c, Method::GET, "/api/v1/knowledge/", None).await;
    assert_eq!(page["total"], 0, "{page}");
    let db = app.db().await;
    use sea_orm::{EntityTrait, PaginatorTrait};
    assert_eq!(
        companin_entity::job::Entity::find()
            .count(&db)
            .await
            .unwrap(),
        0
    );
}

async fn duplicates_and_replace(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = app.create_org("Acme", Some(POLLING_LIMIT)).await;
    let c = &org.production;
    let (status, first) = upload(
        &app,
        c,
        "notes.txt",
        "text/plain",
        fixture("notes.txt"),
        &[],
    )
    .await;
    assert_eq!(status, 202);
    let id = first["id"].as_str().unwrap().to_owned();
    wait_done(&app, c, &id).await;

    // Same bytes under another name, or as a text: the same item, 200.
    let (status, again) =
        upload(&app, c, "copy.txt", "text/plain", fixture("notes.txt"), &[]).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["id"], id.as_str());
    let text = String::from_utf8(fixture("notes.txt")).unwrap();
    let (status, again) = app
        .call(
            c,
            Method::POST,
            "/api/v1/knowledge/",
            Some(json!({"type": "text", "title": "Notes", "content": text})),
        )
        .await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["id"], id.as_str());
    // The other environment is another tenant: not a duplicate there.
    let (status, _) = upload(
        &app,
        &org.sandbox,
        "notes.txt",
        "text/plain",
        fixture("notes.txt"),
        &[],
    )
    .await;
    assert_eq!(status, 202);

    // Replace: new content, same id, version 2, old chunks gone.
    let (status, replaced) = upload(
        &app,
        c,
        "notes.txt",
        "text/plain",
        b"Orders now ship from Marseille within 1 business day.".to_vec(),
        &[("replace", "true")],
    )
    .await;
    assert_eq!(status, 202, "{replaced}");
    assert_eq!(replaced["id"], id.as_str());
    assert_eq!(replaced["version"], 2);
    let done = wait_done(&app, c, &id).await;
    assert_eq!(done["status"], "ready");
    let chunks = chunks_text(&app, c, &id).await;
    assert!(
        chunks.contains("Marseille") && !chunks.contains("Lyon"),
        "{chunks}"
    );
    let (_, page) = app.call(c, Method::GET, "/api/v1/knowledge/", None).await;
    assert_eq!(page["total"], 1);

    // Without replace, other content under the same name is another item.
    let (status, other) = upload(
        &app,
        c,
        "notes.txt",
        "text/plain",
        b"A different note entirely.".to_vec(),
        &[],
    )
    .await;
    assert_eq!(status, 202);
    assert_ne!(other["id"], id.as_str());
}

async fn qa_lifecycle(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = app.create_org("Acme", Some(POLLING_LIMIT)).await;
    let c = &org.production;
    let body = json!({
        "question": "What is the return policy?",
        "answer": "Returns are accepted within 45 days; the label costs 4,90 €.",
        "alternate_questions": ["Can I send an order back?", "How long do I have to return?"],
        "tags": ["returns"],
    });
    let (status, qa) = app
        .call(
            c,
            Method::POST,
            "/api/v1/knowledge/qas/",
            Some(body.clone()),
        )
        .await;
    assert_eq!(status, 202, "{qa}");
    assert_eq!(qa["type"], "qa");
    assert_eq!(qa["title"], "What is the return policy?");
    assert_eq!(qa["tags"], json!(["returns"]));
    let id = qa["id"].as_str().unwrap().to_owned();
    let done = wait_done(&app, c, &id).await;
    assert_eq!(done["status"], "ready");
    assert_eq!(done["chunk_count"], 3, "one chunk per phrasing");
    let chunks = chunks_text(&app, c, &id).await;
    assert!(chunks.contains("Q: Can I send an order back?\nA: Returns are accepted within 45 days; the label costs 4,90 €."));

    // The same Q&A through the generic entry point is the same item.
    let mut generic = body.clone();
    generic["type"] = json!("qa");
    let (status, same) = app
        .call(c, Method::POST, "/api/v1/knowledge/", Some(generic))
        .await;
    assert_eq!(status, 200, "{same}");
    assert_eq!(same["id"], id.as_str());

    // A new answer re-embeds: version 2, new job.
    let (status, patched) = app
        .call(
            c,
            Method::PATCH,
            &format!("/api/v1/knowledge/qas/{id}"),
            Some(json!({"answer": "Within 60 days."})),
        )
        .await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["version"], 2);
    assert_ne!(patched["job_id"], qa["job_id"]);
    wait_done(&app, c, &id).await;
    assert!(
        chunks_text(&app, c, &id)
            .await
            .contains("A: Within 60 days.")
    );
    // Tags alone change no content.
    let (_, tagged) = app
        .call(
            c,
            Method::PATCH,
            &format!("/api/v1/knowledge/qas/{id}"),
            Some(json!({"tags": ["policy"]})),
        )
        .await;
    assert_eq!(tagged["version"], 2);
    assert_eq!(tagged["tags"], json!(["policy"]));

    let (status, _) = app
        .call(
            c,
            Method::DELETE,
            &format!("/api/v1/knowledge/qas/{id}"),
            None,
        )
        .await;
    assert_eq!(status, 204);
    let resp = app
        .send(c, Method::GET, &format!("/api/v1/knowledge/{id}"), None)
        .await;
    assert_error(resp, 404, "not_found").await;
}

async fn bad_inputs_name_their_field(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = app.create_org("Acme", Some(POLLING_LIMIT)).await;
    let c = &org.production;
    let cases = [
        (json!({"type": "text", "content": "hello"}), "title"),
        (json!({"type": "text", "title": "T"}), "content"),
        (
            json!({"type": "text", "title": "T", "content": "   "}),
            "content",
        ),
        (json!({"type": "qa", "question": "Q?"}), "answer"),
        (json!({"type": "qa", "answer": "A"}), "question"),
        (
            json!({"type": "video", "url": "https://example.com"}),
            "type",
        ),
        (json!({"type": "url"}), "url"),
        (
            json!({"type": "text", "title": "T", "content": "x", "assistant_ids": ["asst_00000000000000000000000000000000"]}),
            "assistant_ids",
        ),
        (
            json!({"type": "text", "title": "T", "content": "x", "metadata": "nope"}),
            "metadata",
        ),
    ];
    for (body, field) in cases {
        let resp = app
            .send(c, Method::POST, "/api/v1/knowledge/", Some(&body))
            .await;
        let err = assert_error(resp, 422, "validation_error").await;
        assert_eq!(err["data"]["field"], field, "{body} → {err}");
    }
    let resp = app
        .send(
            c,
            Method::POST,
            "/api/v1/knowledge/qas/",
            Some(&json!({"question": "", "answer": "A"})),
        )
        .await;
    assert_error(resp, 422, "validation_error").await;
    let (status, body) = upload(
        &app,
        c,
        "notes.txt",
        "text/plain",
        fixture("notes.txt"),
        &[("metadata", "[1]")],
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["data"]["field"], "metadata");
    let (_, page) = app.call(c, Method::GET, "/api/v1/knowledge/", None).await;
    assert_eq!(page["total"], 0, "nothing half-written: {page}");
}

async fn list_patch_and_delete(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = app.create_org("Acme", Some(POLLING_LIMIT)).await;
    let c = &org.production;
    let (_, assistant) = app
        .call(
            c,
            Method::POST,
            "/api/v1/assistants/",
            Some(json!({"name": "Helper"})),
        )
        .await;
    let asst = assistant["id"].as_str().unwrap();
    let (_, text) = app
        .call(
            c,
            Method::POST,
            "/api/v1/knowledge/",
            Some(json!({"type": "text", "title": "Shipping", "content": "Orders ship from Lyon within 2 business days.", "assistant_ids": [asst], "metadata": {"team": "ops"}})),
        )
        .await;
    let text_id = text["id"].as_str().unwrap().to_owned();
    let (_, qa) = app
        .call(
            c,
            Method::POST,
            "/api/v1/knowledge/qas/",
            Some(json!({"question": "Do you ship abroad?", "answer": "Yes, to the EU."})),
        )
        .await;
    wait_done(&app, c, &text_id).await;
    wait_done(&app, c, qa["id"].as_str().unwrap()).await;

    for (query, expected) in [
        ("type=text", 1),
        ("type=qa", 1),
        ("type=file", 0),
        ("status=ready", 2),
        ("status=failed", 0),
        (&format!("assistant_id={asst}") as &str, 1),
        ("q=SHIPP", 1),
        ("q=abroad", 1),
    ] {
        let (status, page) = app
            .call(c, Method::GET, &format!("/api/v1/knowledge/?{query}"), None)
            .await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(page["total"], expected, "{query}: {page}");
    }
    let resp = app
        .send(c, Method::GET, "/api/v1/knowledge/?type=video", None)
        .await;
    assert_error(resp, 422, "validation_error").await;

    // Metadata merges; a new title re-processes so every chunk carries it.
    let (status, patched) = app
        .call(
            c,
            Method::PATCH,
            &format!("/api/v1/knowledge/{text_id}"),
            Some(json!({"title": "Delivery", "metadata": {"team": null, "lang": "en"}, "assistant_ids": []})),
        )
        .await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["metadata"], json!({"lang": "en"}));
    assert_eq!(patched["assistant_ids"], json!([]));
    assert_ne!(patched["job_id"], text["job_id"]);
    wait_done(&app, c, &text_id).await;
    assert!(chunks_text(&app, c, &text_id).await.starts_with("Delivery"));

    // Delete removes chunks at once and moves the index version.
    let db = app.db().await;
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let version = |db: sea_orm::DatabaseConnection, org: String| async move {
        companin_entity::environment::Entity::find()
            .filter(companin_entity::environment::Column::OrgId.eq(org))
            .filter(
                companin_entity::environment::Column::Environment
                    .eq(companin_entity::Environment::Production),
            )
            .one(&db)
            .await
            .unwrap()
            .unwrap()
            .index_version
    };
    let before = version(db.clone(), org.id.clone()).await;
    assert!(before >= 3, "each ready item moved it: {before}");
    let (status, _) = app
        .call(
            c,
            Method::DELETE,
            &format!("/api/v1/knowledge/{text_id}"),
            None,
        )
        .await;
    assert_eq!(status, 204);
    let left = companin_entity::knowledge_chunk::Entity::find()
        .filter(companin_entity::knowledge_chunk::Column::KnowledgeId.eq(text_id.as_str()))
        .count(&db)
        .await
        .unwrap();
    assert_eq!(left, 0);
    assert_eq!(version(db.clone(), org.id.clone()).await, before + 1);
    let resp = app
        .send(
            c,
            Method::GET,
            &format!("/api/v1/knowledge/{text_id}/chunks"),
            None,
        )
        .await;
    assert_error(resp, 404, "not_found").await;

    // Every change is audited.
    let (_, audit) = app
        .call(
            c,
            Method::GET,
            &format!("/api/v1/audit-logs/?resource_id={text_id}"),
            None,
        )
        .await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    for a in [
        "knowledge.created",
        "knowledge.updated",
        "knowledge.deleted",
    ] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
}

/// Enough text for an ingestion that runs a few seconds.
fn long_text() -> String {
    (0..1200)
        .map(|i| {
            format!(
                "Paragraph {i}: the Aurora lamp number {i} was tested for {} hours in the lab. ",
                i * 7
            )
        })
        .collect()
}

async fn cancel_queued_and_running(backend: Backend) {
    // No worker in this process: jobs stay queued until cancelled.
    let app = spawn_app_opts(
        backend,
        companin_api::StartOptions { worker: false },
        |_| {},
    )
    .await;
    let org = app.create_org("Acme", Some(POLLING_LIMIT)).await;
    let c = &org.production;
    let (_, item) = app
        .call(
            c,
            Method::POST,
            "/api/v1/knowledge/",
            Some(json!({"type": "text", "title": "T", "content": "Some text to keep."})),
        )
        .await;
    let job_id = item["job_id"].as_str().unwrap().to_owned();
    assert_eq!(job(&app, c, &job_id).await["status"], "queued");
    let (status, canceled) = app
        .call(
            c,
            Method::POST,
            &format!("/api/v1/jobs/{job_id}/cancel"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{canceled}");
    assert_eq!(canceled["status"], "canceled");
    assert_eq!(canceled["cancel_requested"], true);
    let (_, failed) = app
        .call(
            c,
            Method::GET,
            &format!("/api/v1/knowledge/{}", item["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["error"], "ingestion was canceled");
    let resp = app
        .send(
            c,
            Method::POST,
            &format!("/api/v1/jobs/{job_id}/cancel"),
            None,
        )
        .await;
    assert_error(resp, 409, "job_finished").await;

    // A running job stops between embedding batches.
    let app = spawn_app(backend).await;
    let org = app.create_org("Acme", Some(POLLING_LIMIT)).await;
    let c = &org.production;
    let (_, item) = app
        .call(
            c,
            Method::POST,
            "/api/v1/knowledge/",
            Some(json!({"type": "text", "title": "Long", "content": long_text()})),
        )
        .await;
    let job_id = item["job_id"].as_str().unwrap().to_owned();
    wait_running(&app, c, &job_id).await;
    let (status, _) = app
        .call(
            c,
            Method::POST,
            &format!("/api/v1/jobs/{job_id}/cancel"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let last = wait_job(&app, c, &job_id).await;
    assert_eq!(last["status"], "canceled", "{last}");
    assert!(last["progress"].as_f64().unwrap() < 1.0);
    let done = wait_done(&app, c, item["id"].as_str().unwrap()).await;
    assert_eq!(done["status"], "failed");
    assert_eq!(done["chunk_count"], 0);
}

/// The chunks of an item: their count, and whether any position is there twice.
async fn chunk_rows(app: &TestApp, id: &str) -> (usize, bool) {
    let db = app.db().await;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let rows = companin_entity::knowledge_chunk::Entity::find()
        .filter(companin_entity::knowledge_chunk::Column::KnowledgeId.eq(id))
        .all(&db)
        .await
        .unwrap();
    let mut positions: Vec<i32> = rows.iter().map(|r| r.position).collect();
    positions.sort();
    positions.dedup();
    (rows.len(), positions.len() != rows.len())
}

/// A reindex of an item while its ingestion runs: two writers of one item at once, one after
/// the other in effect — every chunk stored once, the count right, both jobs done.
async fn a_reindex_overlapping_an_ingest_stores_each_chunk_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = app.create_org("Acme", Some(POLLING_LIMIT)).await;
    let c = &org.production;
    let (_, item) = app
        .call(
            c,
            Method::POST,
            "/api/v1/knowledge/",
            Some(json!({"type": "text", "title": "Long", "content": long_text()})),
        )
        .await;
    let id = item["id"].as_str().unwrap().to_owned();
    wait_running(&app, c, item["job_id"].as_str().unwrap()).await;
    let (status, reindex) = app
        .call(
            c,
            Method::POST,
            "/api/v1/knowledge/reindex",
            Some(json!({"knowledge_id": id})),
        )
        .await;
    assert_eq!(status, 202, "{reindex}");
    for job in [
        item["job_id"].as_str().unwrap(),
        reindex["id"].as_str().unwrap(),
    ] {
        let j = wait_job(&app, c, job).await;
        assert_eq!(j["status"], "succeeded", "{j}");
    }
    let done = wait_done(&app, c, &id).await;
    assert_eq!(done["status"], "ready", "{done}");
    let (rows, doubled) = chunk_rows(&app, &id).await;
    assert!(!doubled, "no position stored twice");
    assert_eq!(rows as u64, done["chunk_count"].as_u64().unwrap());
}

/// A new title while the old one's job runs: the item's version moves on, the old job's
/// result is dropped, and the chunks are the new title's only.
async fn a_title_change_supersedes_the_running_job(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = app.create_org("Acme", Some(POLLING_LIMIT)).await;
    let c = &org.production;
    let (_, item) = app
        .call(
            c,
            Method::POST,
            "/api/v1/knowledge/",
            Some(json!({"type": "text", "title": "Old title", "content": long_text()})),
        )
        .await;
    let id = item["id"].as_str().unwrap().to_owned();
    let first_job = item["job_id"].as_str().unwrap().to_owned();
    wait_running(&app, c, &first_job).await;
    let (status, patched) = app
        .call(
            c,
            Method::PATCH,
            &format!("/api/v1/knowledge/{id}"),
            Some(json!({"title": "New title"})),
        )
        .await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["version"], item["version"].as_i64().unwrap() + 1);
    let second_job = patched["job_id"].as_str().unwrap().to_owned();
    assert_ne!(second_job, first_job);
    for job in [&first_job, &second_job] {
        let j = wait_job(&app, c, job).await;
        assert_eq!(j["status"], "succeeded", "{j}");
    }
    let done = wait_done(&app, c, &id).await;
    assert_eq!(done["status"], "ready", "{done}");
    let text = chunks_text(&app, c, &id).await;
    assert!(text.contains("New title"), "{text}");
    assert!(!text.contains("Old title"), "the old job stored nothing");
    let (rows, doubled) = chunk_rows(&app, &id).await;
    assert!(!doubled);
    assert_eq!(rows as u64, done["chunk_count"].as_u64().unwrap());
}

async fn wait_running(app: &TestApp, c: &Creds, job_id: &str) -> Value {
    // Up to a minute: under a loaded CI machine the first embedding batch can take a while.
    for _ in 0..2400 {
        let j = job(app, c, job_id).await;
        if j["status"] == "running" && j["progress"].as_f64().unwrap() > 0.0 {
            return j;
        }
        assert!(
            ["queued", "running"].contains(&j["status"].as_str().unwrap()),
            "finished too soon: {j}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("job {job_id} never ran");
}

/// A `companin worker` process killed with SIGKILL mid-job: another worker takes the job
/// over once the dead one's heartbeats stop, and the item ends ready with each chunk once.
async fn killed_worker_job_is_taken_over(backend: Backend) {
    let app = spawn_app_opts(
        backend,
        companin_api::StartOptions { worker: false },
        |_| {},
    )
    .await;
    let org = app.create_org("Acme", Some(POLLING_LIMIT)).await;
    let c = &org.production;
    let (_, item) = app
        .call(
            c,
            Method::POST,
            "/api/v1/knowledge/",
            Some(json!({"type": "text", "title": "Long", "content": long_text()})),
        )
        .await;
    let id = item["id"].as_str().unwrap().to_owned();
    let job_id = item["job_id"].as_str().unwrap().to_owned();

    let mut first = crate::helpers::Killed(spawn_worker(&app));
    wait_running(&app, c, &job_id).await;
    first.kill();
    let _second = crate::helpers::Killed(spawn_worker(&app));
    let done = wait_done(&app, c, &id).await;

    assert_eq!(done["status"], "ready", "{done}");
    let j = wait_job(&app, c, &job_id).await;
    assert_eq!(j["status"], "succeeded", "{j}");
    assert_eq!(j["attempts"], 2, "{j}");
    let db = app.db().await;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let rows = companin_entity::knowledge_chunk::Entity::find()
        .filter(companin_entity::knowledge_chunk::Column::KnowledgeId.eq(id.as_str()))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(rows.len() as u64, done["chunk_count"].as_u64().unwrap());
    let mut positions: Vec<i32> = rows.iter().map(|r| r.position).collect();
    positions.sort();
    positions.dedup();
    assert_eq!(positions.len(), rows.len(), "no duplicated chunks");
}

pub fn spawn_worker(app: &TestApp) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_companin"))
        .arg("worker")
        .env("COMPANIN_DATABASE_URL", &app.db_url)
        .env("COMPANIN_DATA_DIR", &app.settings.data_dir)
        .env("COMPANIN_MODELS_DIR", &app.settings.models_dir)
        .env("COMPANIN_WORKER_HEARTBEAT_SECS", "1")
        .env("COMPANIN_WORKER_POLL_INTERVAL_MS", "50")
        .env("COMPANIN_EMBEDDER_THREADS", "2")
        .env("COMPANIN_GENERATOR_SUMMARIES", "false")
        .env("COMPANIN_AUTH_JWT_SECRET", crate::helpers::JWT_SECRET)
        .env("COMPANIN_LOG_LEVEL", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("companin worker starts")
}

/// An attempt that runs past the job timeout fails and is retried with backoff, up to the
/// bound; then the job and item fail with the reason.
async fn timeouts_are_retried_then_fail(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.worker.job_timeout_secs = 1;
        s.worker.max_attempts = 2;
    })
    .await;
    let org = app.create_org("Acme", Some(POLLING_LIMIT)).await;
    let c = &org.production;
    let (_, item) = app
        .call(
            c,
            Method::POST,
            "/api/v1/knowledge/",
            Some(json!({"type": "text", "title": "Long", "content": long_text()})),
        )
        .await;
    let j = wait_job(&app, c, item["job_id"].as_str().unwrap()).await;
    assert_eq!(j["status"], "failed", "{j}");
    assert_eq!(j["attempts"], 2, "{j}");
    assert!(
        j["error"].as_str().unwrap().contains("longer than 1 s"),
        "{j}"
    );
    let done = wait_done(&app, c, item["id"].as_str().unwrap()).await;
    assert_eq!(done["status"], "failed", "{done}");
    assert!(
        done["error"].as_str().unwrap().contains("longer than 1 s"),
        "{done}"
    );
}

async fn reindex_reprocesses_everything(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = app.create_org("Acme", Some(POLLING_LIMIT)).await;
    let c = &org.production;
    let (_, a) = app
        .call(
            c,
            Method::POST,
            "/api/v1/knowledge/",
            Some(json!({"type": "text", "title": "A", "content": "Alpha text."})),
        )
        .await;
    let (_, b) = upload(
        &app,
        c,
        "notes.txt",
        "text/plain",
        fixture("notes.txt"),
        &[],
    )
    .await;
    wait_done(&app, c, a["id"].as_str().unwrap()).await;
    wait_done(&app, c, b["id"].as_str().unwrap()).await;
    let (status, j) = app
        .call(
            c,
            Method::POST,
            "/api/v1/knowledge/reindex",
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 202, "{j}");
    assert_eq!(j["kind"], "reindex");
    let job_id = j["id"].as_str().unwrap().to_owned();
    let last = wait_job(&app, c, &job_id).await;
    assert_eq!(last["status"], "succeeded", "{last}");
    for id in [&a["id"], &b["id"]] {
        let (_, item) = app
            .call(
                c,
                Method::GET,
                &format!("/api/v1/knowledge/{}", id.as_str().unwrap()),
                None,
            )
            .await;
        assert_eq!(item["status"], "ready");
    }
    let resp = app
        .send(
            c,
            Method::POST,
            "/api/v1/knowledge/reindex",
            Some(&json!({"knowledge_id": "kn_nope"})),
        )
        .await;
    assert_error(resp, 404, "not_found").await;
}

async fn tenant_walls(backend: Backend) {
    let app = spawn_app(backend).await;
    let a = app.create_org("A", Some(POLLING_LIMIT)).await;
    let b = app.create_org("B", Some(POLLING_LIMIT)).await;
    let (_, item) = app
        .call(
            &a.production,
            Method::POST,
            "/api/v1/knowledge/qas/",
            Some(json!({"question": "Q?", "answer": "A."})),
        )
        .await;
    let id = item["id"].as_str().unwrap().to_owned();
    let job_id = item["job_id"].as_str().unwrap().to_owned();
    wait_done(&app, &a.production, &id).await;
    for other in [&b.production, &a.sandbox] {
        for (method, path, body) in [
            (Method::GET, format!("/api/v1/knowledge/{id}"), None),
            (Method::GET, format!("/api/v1/knowledge/{id}/chunks"), None),
            (
                Method::PATCH,
                format!("/api/v1/knowledge/{id}"),
                Some(json!({"title": "x"})),
            ),
            (Method::DELETE, format!("/api/v1/knowledge/{id}"), None),
            (
                Method::PATCH,
                format!("/api/v1/knowledge/qas/{id}"),
                Some(json!({"answer": "x"})),
            ),
            (Method::DELETE, format!("/api/v1/knowledge/qas/{id}"), None),
            (Method::GET, format!("/api/v1/jobs/{job_id}"), None),
            (Method::POST, format!("/api/v1/jobs/{job_id}/cancel"), None),
            (
                Method::POST,
                "/api/v1/knowledge/reindex".to_owned(),
                Some(json!({"knowledge_id": id})),
            ),
        ] {
            let resp = app.send(other, method.clone(), &path, body.as_ref()).await;
            assert_error(resp, 404, "not_found").await;
        }
        let (_, page) = app
            .call(other, Method::GET, "/api/v1/knowledge/", None)
            .await;
        assert_eq!(page["total"], 0);
        // The same content is not a duplicate across tenants.
        let (status, _) = app
            .call(
                other,
                Method::POST,
                "/api/v1/knowledge/qas/",
                Some(json!({"question": "Q?", "answer": "A."})),
            )
            .await;
        assert_eq!(status, 202);
    }
    let (_, still) = app
        .call(
            &a.production,
            Method::GET,
            &format!("/api/v1/knowledge/{id}"),
            None,
        )
        .await;
    assert_eq!(still["title"], "Q?");
}

/// With generated summaries on, a document is `ready` with its extractive summary first and
/// gets the generator's summary afterwards; a Q&A (whose answer is its summary) gets none.
async fn generated_summaries_follow_ready(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.generator.summaries = true;
        s.generator.summary_max_tokens = 48;
    })
    .await;
    let org = app.create_org("Acme", Some(POLLING_LIMIT)).await;
    let c = &org.production;
    let (status, item) = upload(
        &app,
        c,
        "handbook.md",
        "text/markdown",
        fixture("handbook.md"),
        &[],
    )
    .await;
    assert_eq!(status, 202, "{item}");
    let id = item["id"].as_str().unwrap().to_owned();
    let ready = wait_done(&app, c, &id).await;
    assert_eq!(ready["status"], "ready", "{ready}");
    let extractive = ready["summary"].as_str().unwrap().to_owned();
    let (_, qa) = app
        .call(
            c,
            Method::POST,
            "/api/v1/knowledge/qas/",
            Some(json!({"question": "How many days of leave?", "answer": "27 days a year."})),
        )
        .await;
    let qa_id = qa["id"].as_str().unwrap().to_owned();

    let mut generated = Value::Null;
    for _ in 0..2400 {
        let (_, now) = app
            .call(c, Method::GET, &format!("/api/v1/knowledge/{id}"), None)
            .await;
        if now["summary_kind"] == "generated" {
            generated = now;
            break;
        }
        assert_eq!(now["summary_kind"], "extractive", "{now}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        generated["summary_kind"], "generated",
        "no generated summary came"
    );
    let summary = generated["summary"].as_str().unwrap();
    assert!(summary.split_whitespace().count() >= 4, "{summary}");
    eprintln!("generated summary: {summary}");
    assert_ne!(summary, extractive);
    assert_eq!(generated["status"], "ready");
    assert_eq!(generated["chunk_count"], ready["chunk_count"]);

    let qa = wait_done(&app, c, &qa_id).await;
    assert_eq!(qa["status"], "ready", "{qa}");
    assert!(qa["summary_kind"].is_null(), "{qa}");
}

crate::on_both_backends!(
    a_reindex_overlapping_an_ingest_stores_each_chunk_once,
    a_title_change_supersedes_the_running_job,
    each_file_type_becomes_ready,
    generated_summaries_follow_ready,
    broken_files_fail_clearly,
    nothing_is_stored_for_refused_uploads,
    duplicates_and_replace,
    qa_lifecycle,
    bad_inputs_name_their_field,
    list_patch_and_delete,
    cancel_queued_and_running,
    killed_worker_job_is_taken_over,
    timeouts_are_retried_then_fail,
    reindex_reprocesses_everything,
    tenant_walls,
);
