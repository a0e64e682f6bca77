//! Rate-limit alerts: a signed webhook post when an organization passes 80 % and 100 % of
//! its limit, once per window across processes, retried when the receiver fails; the
//! webhook's settings, their validation and audit, and tenant walls.

use std::sync::{Arc, Mutex};

use hmac::{Hmac, Mac};
use reqwest::Method;
use serde_json::{Value, json};
use sha2::Sha256;

use crate::analytics::away_from_window_edge;
use crate::helpers::{Backend, assert_error, spawn_app, spawn_app_with, spawn_sibling};
use crate::on_both_backends;

on_both_backends!(
    alerts_are_signed_sent_once_per_window_and_retried,
    webhook_settings_are_validated_and_audited,
    upgrading_moves_alerts_into_webhook_deliveries
);

/// One post the receiver got: signature header, event header, raw body, and what it answered.
#[derive(Debug, Clone)]
struct Received {
    signature: String,
    event: String,
    body: String,
    answered: u16,
}

/// A webhook receiver that answers 500 to its first `failures` posts, then 200.
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Received>>>,
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
        let answered = if got.len() < shared.failures {
            500
        } else {
            200
        };
        got.push(Received {
            signature: header("x-companin-signature"),
            event: header("x-companin-event"),
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

fn hmac_hex(secret: &str, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn alerts_are_signed_sent_once_per_window_and_retried(backend: Backend) {
    let hook = receiver(1).await;
    let app = spawn_app_with(backend, |s| s.rate_limit.limit_refresh_secs = 0).await;
    // A second process on the same database: it sends alerts too, never the same one twice.
    let sibling = spawn_sibling(&app).await;
    let org = app.create_org("Acme", Some(5)).await;
    let c = &org.production;
    away_from_window_edge().await;

    let (status, webhook) = app
        .call(
            c,
            Method::PUT,
            "/api/v1/alerts/webhook",
            Some(json!({"url": hook.url})),
        )
        .await;
    assert_eq!(status, 200, "{webhook}");
    let secret = webhook["secret"].as_str().unwrap().to_owned();
    assert!(
        secret.starts_with("whsec_") && secret.len() == 6 + 64,
        "{secret}"
    );
    assert_eq!(
        webhook["events"],
        json!(["rate_limit.warning", "rate_limit.blocked"])
    );
    // Requests 2 to 4 are admitted; the 5th passes 80 % of 5; the 6th and 7th are refused.
    for (i, server) in [&app, &sibling, &app, &sibling, &app, &sibling]
        .into_iter()
        .enumerate()
    {
        let (status, _) = server.call(c, Method::GET, "/api/v1/clients/", None).await;
        assert_eq!(status, if i < 4 { 200 } else { 429 }, "request {}", i + 2);
    }

    // One failed post (the first) and one delivered post per alert.
    for _ in 0..200 {
        let delivered = hook
            .got
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.answered == 200)
            .count();
        if delivered >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // Room for a duplicate to show up, if there were one.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let got = hook.got.lock().unwrap().clone();
    assert_eq!(got.len(), 3, "{got:#?}");
    let delivered: Vec<&Received> = got.iter().filter(|r| r.answered == 200).collect();
    let mut events: Vec<&str> = delivered.iter().map(|r| r.event.as_str()).collect();
    events.sort();
    assert_eq!(events, ["rate_limit.blocked", "rate_limit.warning"]);
    for r in &got {
        assert_eq!(
            r.signature,
            hmac_hex(&secret, &r.body),
            "signed with the secret"
        );
        let body: Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(body["type"], r.event.as_str());
        assert_eq!(body["org_id"], org.id.as_str());
        assert_eq!(body["environment"], "production");
        assert_eq!(body["limit"], 5);
        assert_eq!(body["used"], 5);
        assert_eq!(body["client_id"], c.client_id.as_str());
    }
    let failed: Value = serde_json::from_str(&got[0].body).unwrap();
    let retried = delivered
        .iter()
        .find(|r| serde_json::from_str::<Value>(&r.body).unwrap()["id"] == failed["id"])
        .expect("the failed alert is sent again");
    assert_eq!(retried.body, got[0].body, "the same alert, byte for byte");

    // Room for reading the record.
    app.set_rate_limit(&org.id, 1000).await;
    let (status, list) = app
        .call(c, Method::GET, "/api/v1/alerts/deliveries", None)
        .await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["total"], 2);
    let items = list["items"].as_array().unwrap();
    assert!(items.iter().all(|d| d["status"] == "delivered"), "{list}");
    let mut attempts: Vec<i64> = items
        .iter()
        .map(|d| d["attempts"].as_i64().unwrap())
        .collect();
    attempts.sort();
    assert_eq!(attempts, [1, 2]);
    assert!(items.iter().all(|d| d["response_status"] == 200));

    // The sandbox and other organizations see none of it.
    for creds in [&org.sandbox] {
        let (_, w) = app
            .call(creds, Method::GET, "/api/v1/alerts/webhook", None)
            .await;
        assert_eq!(w["url"], Value::Null);
        let (_, d) = app
            .call(creds, Method::GET, "/api/v1/alerts/deliveries", None)
            .await;
        assert_eq!(d["total"], 0);
    }
}

async fn webhook_settings_are_validated_and_audited(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = app.create_org("Acme", None).await;
    let other = app.create_org("Other", None).await;
    let c = &org.production;

    let (status, none) = app
        .call(c, Method::GET, "/api/v1/alerts/webhook", None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        (none["url"].clone(), none["secret"].clone()),
        (Value::Null, Value::Null)
    );
    for bad in [
        json!({"url": "ftp://example.com/hook"}),
        json!({"url": "not a url"}),
        json!({"url": ""}),
        json!({}),
        json!({"url": "https://example.com/hook", "extra": 1}),
    ] {
        let body = assert_error(
            app.send(c, Method::PUT, "/api/v1/alerts/webhook", Some(&bad))
                .await,
            422,
            "validation_error",
        )
        .await;
        assert!(body["detail"].as_str().is_some(), "{body}");
    }
    assert_error(
        app.send(
            c,
            Method::POST,
            "/api/v1/alerts/webhook/rotate-secret",
            None,
        )
        .await,
        404,
        "not_found",
    )
    .await;
    assert_error(
        app.send(c, Method::DELETE, "/api/v1/alerts/webhook", None)
            .await,
        404,
        "not_found",
    )
    .await;
    let (_, still) = app
        .call(c, Method::GET, "/api/v1/alerts/webhook", None)
        .await;
    assert_eq!(
        still["url"],
        Value::Null,
        "nothing half-written by the refusals"
    );

    let (status, first) = app
        .call(
            c,
            Method::PUT,
            "/api/v1/alerts/webhook",
            Some(json!({"url": "https://hooks.example.com/a"})),
        )
        .await;
    assert_eq!(status, 200);
    let (_, moved) = app
        .call(
            c,
            Method::PUT,
            "/api/v1/alerts/webhook",
            Some(json!({"url": "https://hooks.example.com/b"})),
        )
        .await;
    assert_eq!(moved["url"], "https://hooks.example.com/b");
    assert_eq!(
        moved["secret"], first["secret"],
        "a new URL keeps the secret"
    );
    let (status, rotated) = app
        .call(
            c,
            Method::POST,
            "/api/v1/alerts/webhook/rotate-secret",
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_ne!(rotated["secret"], first["secret"]);
    let (_, read) = app
        .call(c, Method::GET, "/api/v1/alerts/webhook", None)
        .await;
    assert_eq!(read["secret"], rotated["secret"]);

    // Another organization neither sees nor changes it.
    let (_, theirs) = app
        .call(
            &other.production,
            Method::GET,
            "/api/v1/alerts/webhook",
            None,
        )
        .await;
    assert_eq!(theirs["url"], Value::Null);

    let resp = app
        .send(c, Method::DELETE, "/api/v1/alerts/webhook", None)
        .await;
    assert_eq!(resp.status(), 204);
    let (_, gone) = app
        .call(c, Method::GET, "/api/v1/alerts/webhook", None)
        .await;
    assert_eq!(gone["url"], Value::Null);

    let (_, audit) = app
        .call(
            c,
            Method::GET,
            "/api/v1/audit-logs/?resource_type=alert_webhook",
            None,
        )
        .await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "alert_webhook.deleted",
            "alert_webhook.secret_rotated",
            "alert_webhook.updated",
            "alert_webhook.updated"
        ]
    );
    let text = audit.to_string();
    for secret in [&first["secret"], &rotated["secret"]] {
        assert!(
            !text.contains(secret.as_str().unwrap()),
            "no secret in the audit log"
        );
    }
    assert_eq!(
        audit["items"][0]["actor"]["client_id"],
        c.client_id.as_str()
    );
}

/// With the SSRF guard on (the default outside tests), a webhook may not point at loopback,
/// private or link-local addresses, literally or through a name.
#[test]
fn webhooks_cannot_reach_private_networks() {
    crate::helpers::run(async {
        let app = spawn_app_with(Backend::Sqlite, |s| {
            s.crawl.allow_private_networks = false;
        })
        .await;
        let org = app.create_org("Acme", None).await;
        let c = &org.production;
        for url in [
            "http://127.0.0.1:9000/hook",
            "http://localhost:9000/hook",
            "http://169.254.169.254/latest/meta-data/",
            "http://10.0.0.8/hook",
            "http://[::1]:9000/hook",
            "http://[::ffff:192.168.0.1]/hook",
        ] {
            let body = assert_error(
                app.send(
                    c,
                    Method::PUT,
                    "/api/v1/alerts/webhook",
                    Some(&json!({ "url": url })),
                )
                .await,
                422,
                "url_not_allowed",
            )
            .await;
            assert!(
                body["detail"].as_str().unwrap().contains("address"),
                "{url}: {body}"
            );
        }
        // Nothing was stored.
        let (status, webhook) = app
            .call(c, Method::GET, "/api/v1/alerts/webhook", None)
            .await;
        assert_eq!(status, 200);
        assert_eq!(webhook["url"], Value::Null, "{webhook}");
        // A scheme the guard never fetches is a plain validation error.
        assert_error(
            app.send(
                c,
                Method::PUT,
                "/api/v1/alerts/webhook",
                Some(&json!({ "url": "gopher://127.0.0.1/" })),
            )
            .await,
            422,
            "validation_error",
        )
        .await;
    })
}

/// A database with alerts from before the alert webhook became a subscriber of the event
/// webhooks: the migration moves them, delivered and waiting, into the webhook deliveries
/// under the event id their body carries, and drops the old table.
async fn upgrading_moves_alerts_into_webhook_deliveries(backend: Backend) {
    use companin_migration::{Migrator, MigratorTrait};
    use sea_orm::{ConnectionTrait, Database, Statement};

    let dir = tempfile::tempdir().unwrap();
    let test_db = crate::helpers::TestDatabase::new(backend, dir.path()).await;
    let db = Database::connect(test_db.url.clone()).await.unwrap();
    // Every migration before the move.
    Migrator::up(&db, Some(25)).await.unwrap();
    for (id, kind, status, attempts) in [
        (7, "warning", "delivered", 2),
        (8, "daily_blocked", "pending", 1),
    ] {
        db.execute_unprepared(&format!(
            "INSERT INTO alert_deliveries (id, org_id, environment, kind, window_start, payload, \
             status, attempts, next_attempt_at, response_status, last_error, created_at) \
             VALUES ({id}, 'org_a', 'production', '{kind}', 3600, '{{\"id\": \"x\"}}', \
             '{status}', {attempts}, '2026-12-01T10:00:00Z', 500, 'boom', '2026-12-01T10:00:00Z')"
        ))
        .await
        .unwrap();
    }
    Migrator::up(&db, None).await.unwrap();
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT id, endpoint_id, event_id, event_type, status, attempts, sequence, payload \
             FROM webhook_deliveries ORDER BY id",
        ))
        .await
        .unwrap();
    let rows: Vec<Value> = rows
        .iter()
        .map(|r| {
            let text = |i: usize| -> String { r.try_get_by_index(i).unwrap() };
            let number = |i: usize| -> i32 { r.try_get_by_index(i).unwrap() };
            json!([
                text(0),
                text(1),
                text(2),
                text(3),
                text(4),
                number(5),
                number(6),
                text(7)
            ])
        })
        .collect();
    let body = r#"{"id": "x"}"#;
    assert_eq!(
        rows,
        [
            json!([
                "whd_alert7",
                "alert",
                "alert_org_a_production_3600_warning",
                "rate_limit.warning",
                "delivered",
                2,
                0,
                body
            ]),
            json!([
                "whd_alert8",
                "alert",
                "alert_org_a_production_3600_daily_blocked",
                "rate_limit.daily_blocked",
                "pending",
                1,
                0,
                body
            ]),
        ]
    );
    let gone = db
        .execute_unprepared("SELECT COUNT(*) FROM alert_deliveries")
        .await;
    assert!(gone.is_err(), "the old table is dropped");
}
