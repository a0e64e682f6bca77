//! The clients API and its audit trail.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    Backend, Creds, TestApp, assert_error, spawn_app, spawn_app_with, spawn_sibling,
    spawn_sibling_with,
};
use crate::on_both_backends;

on_both_backends!(
    client_lifecycle_is_audited,
    offsets_past_any_row_answer_an_empty_page,
    lists_paginate,
    reads_are_never_stale_across_processes,
    revoked_secrets_stop_working_in_every_process_at_once,
);

async fn get_json(app: &TestApp, creds: &Creds, path: &str) -> (u16, Value) {
    let resp = app
        .as_client(creds, Method::GET, path)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

/// Reads are cached per process; a change made through another process must still show in
/// the very next read.
async fn reads_are_never_stale_across_processes(backend: Backend) {
    let a = spawn_app(backend).await;
    let b = spawn_sibling(&a).await;
    let org = a.create_org("Acme", None).await;
    let me = &org.production;
    let (_, before) = get_json(&b, me, "/api/v1/clients/").await;
    assert_eq!(before["total"], 1);
    let path = format!("/api/v1/clients/{}", me.client_id);
    let (_, mine) = get_json(&b, me, &path).await;
    assert_eq!(mine["name"], "Acme production key");

    let created: Value = a
        .as_client(me, Method::POST, "/api/v1/clients/")
        .json(&json!({ "name": "second" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (_, after) = get_json(&b, me, "/api/v1/clients/").await;
    assert_eq!(after["total"], 2);
    assert_eq!(after["items"][0]["name"], "second");
    // Each change comes right after B has cached the current state.
    let (_, mine) = get_json(&b, me, &path).await;
    assert_eq!(mine["name"], "Acme production key");

    let resp = a
        .as_client(me, Method::PATCH, &path)
        .json(&json!({ "name": "renamed" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let (_, renamed) = get_json(&b, me, &path).await;
    assert_eq!(renamed["name"], "renamed");

    let second = format!("/api/v1/clients/{}", created["id"].as_str().unwrap());
    assert_eq!(get_json(&b, me, &second).await.0, 200);
    let resp = a
        .as_client(me, Method::DELETE, &second)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    let (status, _) = get_json(&b, me, &second).await;
    assert_eq!(status, 404);
    let (_, last) = get_json(&b, me, "/api/v1/clients/").await;
    assert_eq!(last["total"], 1);
}

/// A secret rotated, or a client deactivated, through one process stops working in another
/// with the very next request, though that process cached the client for a minute.
async fn revoked_secrets_stop_working_in_every_process_at_once(backend: Backend) {
    let cache_a_minute = |s: &mut companin_config::Settings| s.auth.credential_cache_ttl_secs = 60;
    let a = spawn_app_with(backend, cache_a_minute).await;
    let b = spawn_sibling_with(&a, cache_a_minute).await;
    let org = a.create_org("Acme", None).await;
    let admin = &org.production;
    let created: Value = a
        .as_client(admin, Method::POST, "/api/v1/clients/")
        .json(&json!({ "name": "integration" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let old = Creds::from_json(&created);
    let token = b.token(&old).await;
    // B has the client cached now, with the old secret.
    assert_eq!(get_json(&b, &old, "/api/v1/clients/").await.0, 200);

    let path = format!("/api/v1/clients/{}", old.client_id);
    let rotated: Value = a
        .as_client(admin, Method::POST, &format!("{path}/rotate-secret"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let new = Creds::from_json(&rotated);
    let resp = b
        .as_client(&old, Method::GET, "/api/v1/clients/")
        .send()
        .await
        .unwrap();
    assert_error(resp, 401, "invalid_credentials").await;
    let resp = b
        .with_token(&token, Method::GET, "/api/v1/clients/")
        .send()
        .await
        .unwrap();
    assert_error(resp, 401, "invalid_token").await;
    assert_eq!(get_json(&b, &new, "/api/v1/clients/").await.0, 200);

    let resp = a
        .as_client(admin, Method::PATCH, &path)
        .json(&json!({ "is_active": false }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let resp = b
        .as_client(&new, Method::GET, "/api/v1/clients/")
        .send()
        .await
        .unwrap();
    assert_error(resp, 401, "invalid_credentials").await;
}

async fn client_lifecycle_is_audited(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = app.create_org("Acme", None).await;
    let admin = &org.production;

    let resp = app
        .as_client(admin, Method::POST, "/api/v1/clients/")
        .json(&json!({ "name": "  Web shop ", "allowed_origins": ["https://Shop.example/", "http://localhost:3000"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let created: Value = resp.json().await.unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["client_id"], id.as_str());
    assert_eq!(created["name"], "Web shop");
    assert_eq!(created["environment"], "production");
    assert_eq!(
        created["allowed_origins"],
        json!(["https://shop.example", "http://localhost:3000"])
    );
    assert_eq!(created["is_active"], true);
    assert!(
        created["client_secret"]
            .as_str()
            .unwrap()
            .starts_with("cs_")
    );

    // Path parameters reach the handler intact, with and without a trailing slash.
    let path = format!("/api/v1/clients/{id}");
    let got: Value = app
        .as_client(admin, Method::GET, &path)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got["id"], id.as_str());
    assert!(
        got.get("client_secret").is_none(),
        "the secret is shown only once"
    );
    let resp = app
        .as_client(admin, Method::GET, &format!("{path}/"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let resp = app
        .as_client(
            admin,
            Method::GET,
            "/api/v1/clients/cli_0123456789abcdef0123456789abcdef",
        )
        .send()
        .await
        .unwrap();
    let body = assert_error(resp, 404, "not_found").await;
    assert_eq!(body["detail"], "client not found");

    let resp = app
        .as_client(admin, Method::PATCH, &path)
        .json(&json!({ "name": "Shop", "allowed_origins": [] }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let patched: Value = resp.json().await.unwrap();
    assert_eq!(patched["name"], "Shop");
    assert_eq!(patched["allowed_origins"], json!([]));
    // A PATCH that changes nothing writes no audit entry.
    let resp = app
        .as_client(admin, Method::PATCH, &path)
        .json(&json!({ "name": "Shop" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);

    let resp = app
        .as_client(admin, Method::POST, &format!("{path}/rotate-secret"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let resp = app
        .as_client(admin, Method::DELETE, &path)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert_eq!(resp.text().await.unwrap(), "");

    let audit: Value = app
        .as_client(
            admin,
            Method::GET,
            &format!("/api/v1/audit-logs/?resource_id={id}"),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "client.deleted",
            "client.secret_rotated",
            "client.updated",
            "client.created"
        ]
    );
    let update = &audit["items"][2];
    assert_eq!(update["actor"]["type"], "client");
    assert_eq!(update["actor"]["client_id"], admin.client_id.as_str());
    assert_eq!(update["resource_type"], "client");
    assert_eq!(
        update["changes"],
        json!({
            "name": { "from": "Web shop", "to": "Shop" },
            "allowed_origins": { "from": ["https://shop.example", "http://localhost:3000"], "to": [] }
        })
    );
    assert!(
        !audit.to_string().contains("cs_"),
        "no secret in the audit log"
    );

    // Filters.
    let rotated: Value = app
        .as_client(
            admin,
            Method::GET,
            "/api/v1/audit-logs/?action=client.secret_rotated",
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(rotated["total"], 1);
    // The organization's first clients were created from the admin route.
    let first: Value = app
        .as_client(
            admin,
            Method::GET,
            &format!("/api/v1/audit-logs/?resource_id={}", admin.client_id),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(first["items"][0]["actor"]["type"], "operator");
}

async fn lists_paginate(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = app.create_org("Acme", None).await;
    for i in 0..4 {
        let resp = app
            .as_client(&org.production, Method::POST, "/api/v1/clients/")
            .json(&json!({ "name": format!("c{i}") }))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201);
    }
    let page: Value = app
        .as_client(
            &org.production,
            Method::GET,
            "/api/v1/clients/?limit=2&offset=1",
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 5);
    assert_eq!(page["limit"], 2);
    assert_eq!(page["offset"], 1);
    let names: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["c2", "c1"], "newest first");
    let default: Value = app
        .as_client(&org.production, Method::GET, "/api/v1/clients/")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(default["limit"], 20);
    assert_eq!(default["offset"], 0);
}

/// Offsets beyond what the databases take (found by the fuzzer: one panicked the request)
/// answer an empty page like any offset past the last row.
async fn offsets_past_any_row_answer_an_empty_page(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = app.create_org("Acme", None).await;
    for path in [
        "/api/v1/clients/",
        "/api/v1/contexts/",
        "/api/v1/assistants/",
    ] {
        for offset in ["9223372036854775808", "18446744073709551615"] {
            let (status, page) =
                get_json(&app, &org.production, &format!("{path}?offset={offset}")).await;
            assert_eq!(status, 200, "{path} {offset}: {page}");
            assert_eq!(page["items"], serde_json::json!([]), "{path}");
        }
    }
}
