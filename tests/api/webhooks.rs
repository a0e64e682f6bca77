//! Event webhooks: a local receiver checks every post's Standard Webhooks signature, sees
//! each event under one id across retries (it fails the first two posts of each), and
//! redelivery on demand; endpoints are validated, rotated, walled per tenant, and turned off
//! after failing for the configured time; rate-limit events come once per window across two
//! processes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use hmac::{Hmac, Mac};
use reqwest::Method;
use serde_json::{Value, json};
use sha2::Sha256;

use crate::helpers::{
    Backend, Creds, TestApp, assert_error, run, spawn_app, spawn_app_with, spawn_sibling,
};
use crate::knowledge::{fixture, upload, wait_done};
use crate::on_both_backends;
use crate::search::POLLING_LIMIT;

on_both_backends!(events_are_signed_retried_and_delivered_once_per_id);

/// One post the receiver got.
#[derive(Debug, Clone)]
struct Received {
    id: String,
    timestamp: String,
    signature: String,
    body: String,
    answered: u16,
}

/// A receiver that answers 500 to the first `failures` posts of each event id (or to all,
/// with `usize::MAX`), then 200.
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    fn got(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Waits until `done` holds of what was received (up to 60 s).
    async fn until(&self, what: &str, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        for _ in 0..1200 {
            let got = self.got();
            if done(&got) {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("timed out waiting for {what}: {:#?}", self.got());
    }
}

async fn receiver(failures: usize) -> Receiver {
    use poem::{EndpointExt, Route, handler, post};

    #[derive(Clone)]
    struct Shared {
        failures: usize,
        got: Arc<Mutex<Vec<Received>>>,
    }
    #[handler]
    async fn hook(
        req: &poem::Request,
        body: String,
        shared: poem::web::Data<&Shared>,
    ) -> poem::Response {
        let header = |name: &str| {
            req.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let mut got = shared.got.lock().unwrap();
        let id = header("webhook-id");
        let before = got.iter().filter(|r| r.id == id).count();
        let answered = if before < shared.failures { 500 } else { 200 };
        got.push(Received {
            id,
            timestamp: header("webhook-timestamp"),
            signature: header("webhook-signature"),
            body,
            answered,
        });
        poem::Response::builder()
            .status(poem::http::StatusCode::from_u16(answered).unwrap())
            .body("")
    }
    let got = Arc::new(Mutex::new(Vec::new()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Route::new().at("/hook", post(hook)).data(Shared {
        failures,
        got: got.clone(),
    });
    let acceptor = poem::listener::TcpAcceptor::from_tokio(listener).unwrap();
    tokio::spawn(poem::Server::new_with_acceptor(acceptor).run(app));
    Receiver {
        url: format!("http://{addr}/hook"),
        got,
    }
}

/// Whether `r` carries the Standard Webhooks signature of its id, timestamp and body.
fn verifies(secret: &str, r: &Received) -> bool {
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{}.{}.{}", r.id, r.timestamp, r.body).as_bytes());
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    r.signature == format!("v1,{expected}")
}

async fn create_endpoint(app: &TestApp, c: &Creds, url: &str, events: Value) -> Value {
    let (status, endpoint) = app
        .call(
            c,
            Method::POST,
            "/api/v1/webhooks/",
            Some(json!({"url": url, "events": events, "description": "CRM"})),
        )
        .await;
    assert_eq!(status, 201, "{endpoint}");
    endpoint
}

async fn events_are_signed_retried_and_delivered_once_per_id(backend: Backend) {
    let hook = receiver(2).await;
    let app = spawn_app(backend).await;
    let org = app.create_org("Hooks", Some(POLLING_LIMIT)).await;
    let c = &org.production;
    let endpoint = create_endpoint(
        &app,
        c,
        &hook.url,
        json!([
            "session.created",
            "session.ended",
            "conversation.created",
            "message.created",
            "feedback.created",
            "knowledge.ready",
            "knowledge.failed"
        ]),
    )
    .await;
    let secret = endpoint["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{endpoint}");
    let id = endpoint["id"].as_str().unwrap().to_owned();
    // Shown once: reading the endpoint never shows the secret.
    let (status, read) = app
        .call(c, Method::GET, &format!("/api/v1/webhooks/{id}"), None)
        .await;
    assert_eq!(status, 200, "{read}");
    assert!(read.get("secret").is_none(), "{read}");
    assert_eq!(read["is_active"], true);

    // A knowledge item that becomes ready, one that fails, a conversation with feedback, and
    // a session that ends.
    let (status, qa) = app
        .call(
            c,
            Method::POST,
            "/api/v1/knowledge/qas/",
            Some(json!({"question": "Do you ship to Iceland?",
                        "answer": "Yes, in five to eight business days."})),
        )
        .await;
    assert_eq!(status, 202, "{qa}");
    assert_eq!(
        wait_done(&app, c, qa["id"].as_str().unwrap()).await["status"],
        "ready"
    );
    let (status, broken) = upload(
        &app,
        c,
        "invalid-utf8.txt",
        "text/plain",
        fixture("invalid-utf8.txt"),
        &[],
    )
    .await;
    assert_eq!(status, 202, "{broken}");
    assert_eq!(
        wait_done(&app, c, broken["id"].as_str().unwrap()).await["status"],
        "failed"
    );
    let (status, bot) = app
        .call(
            c,
            Method::POST,
            "/api/v1/assistants/",
            Some(json!({"name": "Shop help", "reply_mode": "extractive"})),
        )
        .await;
    assert_eq!(status, 201, "{bot}");
    let (status, session) = app
        .call(
            c,
            Method::POST,
            "/api/v1/sessions/",
            Some(json!({"assistant_id": bot["id"], "visitor_id": "device-1"})),
        )
        .await;
    assert_eq!(status, 201, "{session}");
    let session_id = session["id"].as_str().unwrap();
    let (status, reply) = app
        .call(
            c,
            Method::POST,
            "/api/v1/conversations/send-message",
            Some(json!({"session_id": session_id, "message": "Do you ship to Iceland?"})),
        )
        .await;
    assert_eq!(status, 200, "{reply}");
    let conversation = reply["conversation_id"].as_str().unwrap();
    let (status, v) = app
        .call(
            c,
            Method::POST,
            &format!("/api/v1/conversations/{conversation}/feedback"),
            Some(json!({"rating": 5})),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    let (status, v) = app
        .call(
            c,
            Method::POST,
            &format!("/api/v1/sessions/{session_id}/end"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{v}");

    // Seven events, each posted three times under one id (two failures, then success).
    let delivered = |got: &[Received]| {
        let mut ids: Vec<&str> = got
            .iter()
            .filter(|r| r.answered == 200)
            .map(|r| r.id.as_str())
            .collect();
        ids.dedup();
        ids.len()
    };
    hook.until("seven delivered events", |got| delivered(got) >= 7)
        .await;
    // Room for a duplicate to show up, if there were one.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let got = hook.got();
    let mut by_id: HashMap<&str, Vec<&Received>> = HashMap::new();
    for r in &got {
        by_id.entry(r.id.as_str()).or_default().push(r);
    }
    assert_eq!(by_id.len(), 7, "{got:#?}");
    let mut types = Vec::new();
    for (event_id, posts) in &by_id {
        let answers: Vec<u16> = posts.iter().map(|r| r.answered).collect();
        assert_eq!(
            answers,
            [500, 500, 200],
            "{event_id}: retried until it got through, once"
        );
        assert!(
            posts.iter().all(|r| r.body == posts[0].body),
            "the same body every time"
        );
        assert!(
            posts.iter().all(|r| verifies(&secret, r)),
            "signed: {posts:#?}"
        );
        let body: Value = serde_json::from_str(&posts[0].body).unwrap();
        assert_eq!(body["id"], *event_id);
        assert_eq!(body["org_id"], org.id.as_str());
        assert_eq!(body["environment"], "production");
        assert!(
            body["created_at"].is_string() && body["data"].is_object(),
            "{body}"
        );
        types.push(body["type"].as_str().unwrap().to_owned());
        if body["type"] == "message.created" {
            let data = &body["data"];
            assert_eq!(data["message"]["content"], "Do you ship to Iceland?");
            assert_eq!(
                data["reply"]["content"],
                "Yes, in five to eight business days."
            );
            assert_eq!(
                data["reply"]["sources"][0]["knowledge_id"], qa["id"],
                "{data}"
            );
            assert_eq!(data["conversation_id"], conversation);
        }
        if body["type"] == "knowledge.failed" {
            assert_eq!(body["data"]["id"], broken["id"]);
            assert!(
                body["data"]["error"].as_str().unwrap().contains("UTF-8"),
                "{body}"
            );
        }
    }
    types.sort();
    assert_eq!(
        types,
        [
            "conversation.created",
            "feedback.created",
            "knowledge.failed",
            "knowledge.ready",
            "message.created",
            "session.created",
            "session.ended"
        ]
    );

    // The deliveries, as the API lists them.
    let (status, list) = app
        .call(
            c,
            Method::GET,
            &format!("/api/v1/webhooks/{id}/deliveries?limit=100"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["total"], 7, "{list}");
    let items = list["items"].as_array().unwrap();
    assert!(
        items.iter().all(|d| d["status"] == "delivered"
            && d["attempts"] == 3
            && d["response_status"] == 200
            && d["duration_ms"].is_number()),
        "{list}"
    );
    let (status, failed) = app
        .call(
            c,
            Method::GET,
            &format!("/api/v1/webhooks/{id}/deliveries?status=failed"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(failed["total"], 0);
    let (status, bad) = app
        .call(
            c,
            Method::GET,
            &format!("/api/v1/webhooks/{id}/deliveries?status=lost"),
            None,
        )
        .await;
    assert_eq!(status, 422, "{bad}");

    // Redelivered on demand: the same id and body again.
    let first = &items[0];
    let (status, again) = app
        .call(
            c,
            Method::POST,
            &format!(
                "/api/v1/webhooks/{id}/deliveries/{}/redeliver",
                first["id"].as_str().unwrap()
            ),
            None,
        )
        .await;
    assert_eq!(status, 202, "{again}");
    assert_eq!(again["event_id"], first["event_id"]);
    assert_ne!(again["id"], first["id"]);
    let event_id = first["event_id"].as_str().unwrap().to_owned();
    let got = hook
        .until("the redelivery", |got| {
            got.iter().filter(|r| r.id == event_id).count() == 4
        })
        .await;
    let posts: Vec<&Received> = got.iter().filter(|r| r.id == event_id).collect();
    assert_eq!(posts[3].body, posts[0].body);
    assert!(verifies(&secret, posts[3]));

    // Another tenant (the same organization's sandbox) sees none of it.
    let (status, _) = app
        .call(
            &org.sandbox,
            Method::GET,
            &format!("/api/v1/webhooks/{id}"),
            None,
        )
        .await;
    assert_eq!(status, 404);
    let (_, list) = app
        .call(&org.sandbox, Method::GET, "/api/v1/webhooks/", None)
        .await;
    assert_eq!(list["total"], 0);
    let (status, _) = app
        .call(
            &org.sandbox,
            Method::GET,
            &format!("/api/v1/webhooks/{id}/deliveries"),
            None,
        )
        .await;
    assert_eq!(status, 404);
}

#[test]
fn endpoints_are_validated_rotated_and_turned_off_after_failing() {
    run(async {
        let ok = receiver(0).await;
        let down = receiver(usize::MAX).await;
        let app = spawn_app_with(Backend::Sqlite, |s| s.webhooks.disable_after_secs = 1).await;
        let org = app.create_org("Hooks", Some(POLLING_LIMIT)).await;
        let c = &org.production;

        // Bad input is refused, naming the field, and creates nothing.
        for (body, field) in [
            (json!({"url": ok.url, "events": ["message.sent"]}), "events"),
            (json!({"url": ok.url, "events": []}), "events"),
            (
                json!({"url": "ftp://example.com/", "events": ["session.created"]}),
                "url",
            ),
            (json!({"url": ok.url}), "events"),
        ] {
            let resp = app
                .as_client(c, Method::POST, "/api/v1/webhooks/")
                .json(&body)
                .send()
                .await
                .unwrap();
            let err = assert_error(resp, 422, "validation_error").await;
            assert!(err["detail"].as_str().unwrap().contains(field), "{err}");
        }
        let (_, list) = app.call(c, Method::GET, "/api/v1/webhooks/", None).await;
        assert_eq!(list["total"], 0);

        // A rotated secret signs what is sent from then on.
        let endpoint = create_endpoint(&app, c, &ok.url, json!(["session.created"])).await;
        let id = endpoint["id"].as_str().unwrap();
        let (status, rotated) = app
            .call(
                c,
                Method::POST,
                &format!("/api/v1/webhooks/{id}/rotate-secret"),
                None,
            )
            .await;
        assert_eq!(status, 200, "{rotated}");
        let secret = rotated["secret"].as_str().unwrap();
        assert_ne!(secret, endpoint["secret"].as_str().unwrap());
        let (status, bot) = app
            .call(
                c,
                Method::POST,
                "/api/v1/assistants/",
                Some(json!({"name": "Help"})),
            )
            .await;
        assert_eq!(status, 201, "{bot}");
        let session = json!({"assistant_id": bot["id"], "visitor_id": "v1"});
        let (status, _) = app
            .call(c, Method::POST, "/api/v1/sessions/", Some(session.clone()))
            .await;
        assert_eq!(status, 201);
        let got = ok.until("the session event", |got| !got.is_empty()).await;
        assert!(verifies(secret, &got[0]));
        assert!(!verifies(endpoint["secret"].as_str().unwrap(), &got[0]));

        // An endpoint that keeps failing is turned off (here after a second), with an audit
        // entry, and turned on again by PATCH.
        let failing = create_endpoint(&app, c, &down.url, json!(["session.created"])).await;
        let failing_id = failing["id"].as_str().unwrap();
        let mut turned_off = Value::Null;
        for _ in 0..200 {
            let (status, _) = app
                .call(c, Method::POST, "/api/v1/sessions/", Some(session.clone()))
                .await;
            assert_eq!(status, 201);
            let (_, now) = app
                .call(
                    c,
                    Method::GET,
                    &format!("/api/v1/webhooks/{failing_id}"),
                    None,
                )
                .await;
            if now["is_active"] == false {
                turned_off = now;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(
            turned_off["disabled_reason"]
                .as_str()
                .is_some_and(|r| r.contains("failed")),
            "{turned_off}"
        );
        let (_, audit) = app
            .call(
                c,
                Method::GET,
                &format!("/api/v1/audit-logs/?resource_id={failing_id}&action=webhook.disabled"),
                None,
            )
            .await;
        assert_eq!(audit["total"], 1, "{audit}");
        let (_, pending) = app
            .call(
                c,
                Method::GET,
                &format!("/api/v1/webhooks/{failing_id}/deliveries?status=pending"),
                None,
            )
            .await;
        assert_eq!(pending["total"], 0, "nothing is left waiting: {pending}");
        let (status, on) = app
            .call(
                c,
                Method::PATCH,
                &format!("/api/v1/webhooks/{failing_id}"),
                Some(json!({"is_active": true})),
            )
            .await;
        assert_eq!(status, 200, "{on}");
        assert_eq!(on["is_active"], true);
        assert_eq!(on["disabled_reason"], Value::Null);
        // The healthy endpoint got every session event.
        let (_, healthy) = app
            .call(c, Method::GET, &format!("/api/v1/webhooks/{id}"), None)
            .await;
        assert_eq!(healthy["is_active"], true);

        let (status, _) = app
            .call(
                c,
                Method::DELETE,
                &format!("/api/v1/webhooks/{failing_id}"),
                None,
            )
            .await;
        assert_eq!(status, 204);
        let (status, _) = app
            .call(
                c,
                Method::GET,
                &format!("/api/v1/webhooks/{failing_id}"),
                None,
            )
            .await;
        assert_eq!(status, 404);
    });
}

#[test]
fn rate_limit_events_come_once_per_window_across_processes() {
    run(async {
        let hook = receiver(0).await;
        let app = spawn_app_with(Backend::Sqlite, |s| s.rate_limit.limit_refresh_secs = 0).await;
        let sibling = spawn_sibling(&app).await;
        let org = app.create_org("Limited", Some(5)).await;
        let c = &org.production;
        crate::analytics::away_from_window_edge().await;
        let endpoint = create_endpoint(
            &app,
            c,
            &hook.url,
            json!(["ratelimit.warning", "ratelimit.blocked"]),
        )
        .await;
        let secret = endpoint["secret"].as_str().unwrap().to_owned();
        // Requests 2 to 4 are admitted; the 5th passes 80 % of 5; the 6th and 7th are refused.
        for (i, server) in [&app, &sibling, &app, &sibling, &app, &sibling]
            .into_iter()
            .enumerate()
        {
            let (status, _) = server.call(c, Method::GET, "/api/v1/clients/", None).await;
            assert_eq!(status, if i < 4 { 200 } else { 429 }, "request {}", i + 2);
        }
        hook.until("both rate-limit events", |got| got.len() >= 2)
            .await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let got = hook.got();
        assert_eq!(got.len(), 2, "{got:#?}");
        let mut types: Vec<String> = got
            .iter()
            .map(|r| {
                assert!(verifies(&secret, r));
                let body: Value = serde_json::from_str(&r.body).unwrap();
                assert_eq!(body["data"]["limit"], 5);
                assert_eq!(body["data"]["client_id"], c.client_id.as_str());
                body["type"].as_str().unwrap().to_owned()
            })
            .collect();
        types.sort();
        assert_eq!(types, ["ratelimit.blocked", "ratelimit.warning"]);
    });
}
