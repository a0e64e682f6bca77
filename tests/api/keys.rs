//! One-string secret keys (`ck_live_…`, `ck_test_…`) and widget tokens minted by the
//! customer's server with its credentials.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, assert_error, run, spawn_app};

/// A new organization as the admin route answers it: both environments' credentials.
async fn org(app: &TestApp) -> Value {
    let resp = app
        .as_operator(Method::POST, "/api/v1/admin/orgs/")
        .json(&json!({ "name": "Keys" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    resp.json().await.unwrap()
}

fn key(v: &Value) -> String {
    v["api_key"].as_str().expect("api_key").to_owned()
}

async fn with_key(app: &TestApp, key: &str, method: Method, path: &str) -> reqwest::Response {
    app.request(method, path)
        .header("X-API-Key", key)
        .send()
        .await
        .unwrap()
}

async fn with_bearer(app: &TestApp, key: &str, method: Method, path: &str) -> reqwest::Response {
    app.with_token(key, method, path).send().await.unwrap()
}

#[test]
fn a_secret_key_alone_authenticates_until_the_secret_is_rotated() {
    run(async {
        let app = spawn_app(Backend::Sqlite).await;
        let created = org(&app).await;
        let live = key(&created["production"]);
        let test = key(&created["sandbox"]);
        assert!(live.starts_with("ck_live_"), "{live}");
        assert!(test.starts_with("ck_test_"), "{test}");

        // Alone in X-API-Key, or as a bearer token: the client's own environment.
        let resp = with_key(&app, &live, Method::GET, "/api/v1/clients/").await;
        assert_eq!(resp.status(), 200);
        assert!(resp.headers().contains_key("x-ratelimit-remaining"));
        let page: Value = resp.json().await.unwrap();
        assert_eq!(page["items"][0]["environment"], "production", "{page}");
        let resp = with_bearer(&app, &test, Method::GET, "/api/v1/clients/").await;
        assert_eq!(resp.status(), 200);
        let page: Value = resp.json().await.unwrap();
        assert_eq!(page["items"][0]["environment"], "sandbox", "{page}");
        // Writes too, and the key pair inside it still works as two headers.
        let resp = app
            .request(Method::POST, "/api/v1/assistants/")
            .header("X-API-Key", &live)
            .json(&json!({ "name": "Keyed" }))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201);

        // A key whose secret, environment or shape is wrong is refused like a wrong pair.
        let mut wrong_secret = live.clone();
        let last = wrong_secret.pop().unwrap();
        wrong_secret.push(if last == 'A' { 'B' } else { 'A' });
        let relabelled = live.replacen("ck_live_", "ck_test_", 1);
        for bad in [&wrong_secret, &relabelled, &live[..40].to_owned()] {
            let resp = with_key(&app, bad, Method::GET, "/api/v1/clients/").await;
            assert_error(resp, 401, "invalid_credentials").await;
            let resp = with_bearer(&app, bad, Method::GET, "/api/v1/clients/").await;
            assert_error(resp, 401, "invalid_credentials").await;
        }
        // A client id alone is still half a key pair.
        let id = created["production"]["client_id"].as_str().unwrap();
        let resp = with_key(&app, id, Method::GET, "/api/v1/clients/").await;
        let body = assert_error(resp, 401, "missing_credentials").await;
        assert!(
            body["detail"].as_str().unwrap().contains("ck_live_"),
            "{body}"
        );

        // A new client gets its own key; rotating its secret replaces the key.
        let resp = app
            .request(Method::POST, "/api/v1/clients/")
            .header("X-API-Key", &live)
            .json(&json!({ "name": "Backend" }))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201);
        let backend: Value = resp.json().await.unwrap();
        let old = key(&backend);
        assert!(old.starts_with("ck_live_"), "{backend}");
        let resp = with_key(&app, &old, Method::GET, "/api/v1/clients/").await;
        assert_eq!(resp.status(), 200);
        let path = format!(
            "/api/v1/clients/{}/rotate-secret",
            backend["id"].as_str().unwrap()
        );
        let resp = with_key(&app, &live, Method::POST, &path).await;
        assert_eq!(resp.status(), 200);
        let rotated: Value = resp.json().await.unwrap();
        let new = key(&rotated);
        assert_ne!(new, old);
        let resp = with_key(&app, &old, Method::GET, "/api/v1/clients/").await;
        assert_error(resp, 401, "invalid_credentials").await;
        let resp = with_bearer(&app, &new, Method::GET, "/api/v1/clients/").await;
        assert_eq!(resp.status(), 200);

        // Shown once: listing and reading the client never show a key or a secret.
        let resp = with_key(&app, &new, Method::GET, &path.replace("/rotate-secret", "")).await;
        let read: Value = resp.json().await.unwrap();
        assert!(read.get("api_key").is_none() && read.get("client_secret").is_none());
    });
}

/// An assistant of the production client whose key is `live`.
async fn assistant(app: &TestApp, live: &str) -> String {
    let resp = app
        .request(Method::POST, "/api/v1/assistants/")
        .header("X-API-Key", live)
        .json(&json!({ "name": "Help", "reply_mode": "extractive" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let v: Value = resp.json().await.unwrap();
    v["id"].as_str().unwrap().to_owned()
}

#[test]
fn the_customers_server_mints_widget_tokens_with_its_credentials() {
    run(async {
        let app = spawn_app(Backend::Sqlite).await;
        let created = org(&app).await;
        let live = key(&created["production"]);
        let bot = assistant(&app, &live).await;

        // No Origin, no client_id, no user_hash: the server's credentials vouch for the user.
        let resp = app
            .request(Method::POST, "/api/v1/widget/token")
            .header("X-API-Key", &live)
            .json(&json!({ "assistant_id": bot, "user_id": "user-42" }))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let minted: Value = resp.json().await.unwrap();
        assert_eq!(minted["authenticated"], true, "{minted}");
        assert_eq!(minted["visitor_id"], "user-42");
        assert_eq!(minted["assistant_id"], bot.as_str());
        let token = minted["token"].as_str().unwrap();

        // A widget token like any other: the widget routes, for that visitor, and no more.
        let resp = app
            .with_token(token, Method::GET, "/api/v1/widget/config")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let resp = app
            .with_token(token, Method::POST, "/api/v1/sessions/")
            .json(&json!({ "assistant_id": bot }))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201);
        let session: Value = resp.json().await.unwrap();
        assert_eq!(session["user_id"], "user-42", "{session}");
        let resp = app
            .with_token(token, Method::GET, "/api/v1/clients/")
            .send()
            .await
            .unwrap();
        assert_error(resp, 403, "insufficient_scope").await;

        // The key pair works the same; without user_id the visitor is a new anonymous one.
        let production = &created["production"];
        let resp = app
            .request(Method::POST, "/api/v1/widget/token")
            .header("X-API-Key", production["client_id"].as_str().unwrap())
            .header(
                "X-API-Secret",
                production["client_secret"].as_str().unwrap(),
            )
            .json(&json!({ "client_id": production["client_id"] }))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let anonymous: Value = resp.json().await.unwrap();
        assert_eq!(anonymous["authenticated"], false, "{anonymous}");
        assert!(
            anonymous["visitor_id"]
                .as_str()
                .unwrap()
                .starts_with("vis_")
        );

        // Another client's id, or an assistant of another environment, is refused.
        let sandbox_id = created["sandbox"]["client_id"].as_str().unwrap();
        let resp = app
            .request(Method::POST, "/api/v1/widget/token")
            .header("X-API-Key", &live)
            .json(&json!({ "client_id": sandbox_id }))
            .send()
            .await
            .unwrap();
        let body = assert_error(resp, 422, "validation_error").await;
        assert!(
            body["detail"].as_str().unwrap().contains("client_id"),
            "{body}"
        );
        let resp = app
            .request(Method::POST, "/api/v1/widget/token")
            .header("X-API-Key", key(&created["sandbox"]))
            .json(&json!({ "assistant_id": bot }))
            .send()
            .await
            .unwrap();
        assert_error(resp, 404, "not_found").await;

        // A page without credentials still has to name its client (and send an allowed Origin).
        let resp = app
            .request(Method::POST, "/api/v1/widget/token")
            .header("Origin", "https://shop.example")
            .json(&json!({ "user_id": "user-42" }))
            .send()
            .await
            .unwrap();
        let body = assert_error(resp, 422, "validation_error").await;
        assert!(
            body["detail"].as_str().unwrap().contains("client_id"),
            "{body}"
        );
        let resp = app
            .request(Method::POST, "/api/v1/widget/token")
            .json(&json!({ "client_id": production["client_id"], "user_id": "user-42" }))
            .send()
            .await
            .unwrap();
        assert_error(resp, 403, "origin_not_allowed").await;
    });
}
