//! `Idempotency-Key` on every POST: a retry with the same key and request replays the first
//! response (`Idempotent-Replayed: true`) without doing the work again; the same key with
//! another request is 422 `idempotency_key_reused`; a retry while the first still runs is 409
//! `idempotency_in_progress`. Keys belong to one tenant.

use std::sync::atomic::Ordering;
use std::time::Duration;

use reqwest::{Method, Response};
use serde_json::{Value, json};

use crate::conversations::{
    REFUND_QUESTION, extractive_assistant, fake_openai, openai_app, parse_events, session, shop,
};
use crate::helpers::{Backend, Creds, TestApp, assert_error, spawn_app};
use crate::search::{POLLING_LIMIT, assistant};

/// A POST with `key`, answering the response.
async fn post(app: &TestApp, c: &Creds, path: &str, key: &str, body: Option<&Value>) -> Response {
    let mut request = app
        .as_client(c, Method::POST, path)
        .header("Idempotency-Key", key);
    if let Some(body) = body {
        request = request.json(body);
    }
    request.send().await.unwrap()
}

/// Status, whether it was replayed, and the body.
async fn read(resp: Response) -> (u16, bool, Value) {
    let status = resp.status().as_u16();
    let replayed = resp
        .headers()
        .get("idempotent-replayed")
        .is_some_and(|v| v == "true");
    (status, replayed, resp.json().await.unwrap_or(Value::Null))
}

/// The first request runs; its retry replays it, byte for byte; a new body with the key is
/// refused. Answers the first body.
async fn replays(app: &TestApp, c: &Creds, path: &str, key: &str, body: Option<Value>) -> Value {
    let (status, replayed, first) = read(post(app, c, path, key, body.as_ref()).await).await;
    assert!(status < 300, "{path}: {status} {first}");
    assert!(!replayed, "{path}: the first request is not a replay");
    let (again, replayed, second) = read(post(app, c, path, key, body.as_ref()).await).await;
    assert_eq!(again, status, "{path}");
    assert!(replayed, "{path}: Idempotent-Replayed");
    assert_eq!(second, first, "{path}: the same response");
    let other = Some(json!({"something": "else"}));
    let resp = post(app, c, path, key, other.as_ref()).await;
    assert_error(resp, 422, "idempotency_key_reused").await;
    first
}

async fn count(app: &TestApp, c: &Creds, path: &str) -> u64 {
    let (status, page) = app.call(c, Method::GET, path, None).await;
    assert_eq!(status, 200, "{page}");
    page["total"].as_u64().unwrap()
}

async fn every_create_replays_its_first_answer(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = app.create_org("Acme", Some(POLLING_LIMIT)).await;
    let c = &org.production;

    // Clients: the replay carries the same secret, and one client was made.
    let before = count(&app, c, "/api/v1/clients/").await;
    let made = replays(
        &app,
        c,
        "/api/v1/clients/",
        "client-1",
        Some(json!({"name": "CRM"})),
    )
    .await;
    assert!(made["client_secret"].is_string(), "{made}");
    assert_eq!(count(&app, c, "/api/v1/clients/").await, before + 1);

    // Sessions.
    let bot = extractive_assistant(&app, c, json!({})).await;
    let body = json!({"assistant_id": bot, "visitor_id": "vis-1"});
    let made = replays(&app, c, "/api/v1/sessions/", "session-1", Some(body)).await;
    assert_eq!(count(&app, c, "/api/v1/sessions/").await, 1, "{made}");

    // Knowledge: one item, one job.
    let body = json!({"type": "text", "title": "Hours", "content": "We open at nine."});
    let made = replays(&app, c, "/api/v1/knowledge/", "text-1", Some(body)).await;
    assert!(made["job_id"].is_string(), "{made}");
    assert_eq!(count(&app, c, "/api/v1/knowledge/").await, 1);
    crate::knowledge::wait_done(&app, c, made["id"].as_str().unwrap()).await;

    // Send-message and feedback (the extractive reply needs no generator).
    let sess = session(&app, c, &bot).await;
    let body = json!({"session_id": sess, "message": "When do you open?"});
    let reply = replays(
        &app,
        c,
        "/api/v1/conversations/send-message",
        "ask-1",
        Some(body),
    )
    .await;
    let conversation = reply["conversation_id"].as_str().unwrap();
    let path = format!("/api/v1/conversations/{conversation}/messages");
    assert_eq!(count(&app, c, &path).await, 2, "one question, one reply");
    let path = format!("/api/v1/conversations/{conversation}/feedback");
    replays(&app, c, &path, "rate-1", Some(json!({"rating": 5}))).await;
    let (_, stats) = app
        .call(c, Method::GET, "/api/v1/analytics/conversations/", None)
        .await;
    assert_eq!(stats["totals"]["satisfaction"]["count"], 1, "{stats}");

    // The sandbox reset: one job.
    let s = &org.sandbox;
    let job = replays(&app, s, "/api/v1/sandbox/reset", "reset-1", None).await;
    assert!(job["id"].is_string(), "{job}");

    // Keys are the tenant's own: another organization's same key runs its own request.
    let other = app.create_org("Other", Some(POLLING_LIMIT)).await;
    let resp = post(
        &app,
        &other.production,
        "/api/v1/clients/",
        "client-1",
        Some(&json!({"name": "CRM"})),
    )
    .await;
    let (status, replayed, theirs) = read(resp).await;
    assert_eq!(status, 201);
    assert!(!replayed);
    assert_ne!(theirs["client_id"], made_client_id(&app, c).await);

    // A key must be 1 to 255 visible characters.
    let resp = post(
        &app,
        c,
        "/api/v1/clients/",
        &"k".repeat(256),
        Some(&json!({"name": "X"})),
    )
    .await;
    let body = assert_error(resp, 422, "validation_error").await;
    assert_eq!(body["data"]["field"], "Idempotency-Key", "{body}");
    // Without a key, nothing changes.
    let (status, _, _) = read(post_without_key(&app, c).await).await;
    assert_eq!(status, 201);
}

async fn made_client_id(app: &TestApp, c: &Creds) -> Value {
    let (_, page) = app
        .call(c, Method::GET, "/api/v1/clients/?limit=100", None)
        .await;
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["name"] == "CRM")
        .map(|item| item["client_id"].clone())
        .unwrap()
}

async fn post_without_key(app: &TestApp, c: &Creds) -> Response {
    app.as_client(c, Method::POST, "/api/v1/clients/")
        .json(&json!({"name": "No key"}))
        .send()
        .await
        .unwrap()
}

/// A generated reply, retried while it is being written and after: one generation, one
/// question stored, the same reply replayed — as JSON and as server-sent events.
#[test]
fn retries_of_a_message_never_store_or_generate_twice() {
    crate::helpers::run(async {
        let pieces = vec!["Returns are ", "accepted within ", "30 days [1]."];
        let fake = fake_openai(pieces, Duration::from_millis(300), false).await;
        let app = openai_app(&fake).await;
        let org = app.create_org("Acme", Some(POLLING_LIMIT)).await;
        let c = org.production.clone();
        shop(&app, &c).await;
        let bot = assistant(&app, &c, json!({"name": "Ada"})).await;
        let sess = session(&app, &c, &bot).await;
        let body = json!({"session_id": sess, "message": REFUND_QUESTION});
        let path = "/api/v1/conversations/send-message";

        let first = {
            let (app, c, body) = (app.base.clone(), c.clone(), body.clone());
            tokio::spawn(async move {
                crate::helpers::http_client()
                    .post(format!("{app}{path}"))
                    .header("X-API-Key", &c.client_id)
                    .header("X-API-Secret", &c.client_secret)
                    .header("Idempotency-Key", "ask-1")
                    .json(&body)
                    .send()
                    .await
                    .unwrap()
            })
        };
        // While the reply is being written (about a second), a retry is told to wait.
        tokio::time::sleep(Duration::from_millis(400)).await;
        let resp = post(&app, &c, path, "ask-1", Some(&body)).await;
        assert!(resp.headers().contains_key("retry-after"));
        assert_error(resp, 409, "idempotency_in_progress").await;
        let (status, replayed, reply) = read(first.await.unwrap()).await;
        assert_eq!(status, 200, "{reply}");
        assert!(!replayed);
        let (status, replayed, again) =
            read(post(&app, &c, path, "ask-1", Some(&body)).await).await;
        assert_eq!((status, replayed), (200, true));
        assert_eq!(again, reply);
        assert_eq!(fake.requests.lock().unwrap().len(), 1, "generated once");
        let conversation = reply["conversation_id"].as_str().unwrap();
        let messages = format!("/api/v1/conversations/{conversation}/messages");
        assert_eq!(count(&app, &c, &messages).await, 2, "stored once");

        // Streamed: the retry replays the events the first request sent.
        let body = json!({"session_id": sess, "message": "And shipping?", "stream": true});
        let resp = post(&app, &c, path, "ask-2", Some(&body)).await;
        assert_eq!(resp.status(), 200);
        let events = resp.text().await.unwrap();
        assert!(
            parse_events(&events).iter().any(|(name, _)| name == "done"),
            "{events}"
        );
        // The stream is kept once it has ended, a moment after the client read its end.
        let mut replay = String::new();
        for _ in 0..50 {
            let resp = post(&app, &c, path, "ask-2", Some(&body)).await;
            if resp.status() == 200 {
                assert_eq!(resp.headers()["idempotent-replayed"], "true");
                assert!(
                    resp.headers()["content-type"]
                        .to_str()
                        .unwrap()
                        .starts_with("text/event-stream")
                );
                replay = resp.text().await.unwrap();
                break;
            }
            assert_error(resp, 409, "idempotency_in_progress").await;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(replay, events);
        assert_eq!(
            fake.sent.load(Ordering::SeqCst),
            6,
            "two replies of three pieces"
        );
        assert_eq!(count(&app, &c, &messages).await, 4);
    })
}

crate::on_both_backends!(every_create_replays_its_first_answer);
