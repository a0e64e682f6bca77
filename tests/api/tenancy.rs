//! Nothing crosses an organization's walls, nor its environments'.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Backend, Creds, TestApp, assert_error, spawn_app};
use crate::on_both_backends;

on_both_backends!(organizations_and_environments_are_walled_off);

async fn ids(app: &TestApp, creds: &Creds, path: &str) -> Vec<String> {
    let v: Value = app
        .as_client(creds, Method::GET, path)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].to_string())
        .collect()
}

async fn organizations_and_environments_are_walled_off(backend: Backend) {
    let app = spawn_app(backend).await;
    let a = app.create_org("A", None).await;
    let b = app.create_org("B", None).await;
    let b_client = &b.production.client_id;

    // A cannot list, read, change, rotate or delete B's clients, nor tell them from absent ones.
    let listed = ids(&app, &a.production, "/api/v1/clients/").await;
    assert_eq!(listed, [format!("\"{}\"", a.production.client_id)]);
    let path = format!("/api/v1/clients/{b_client}");
    for (method, path, body) in [
        (Method::GET, path.clone(), None),
        (
            Method::PATCH,
            path.clone(),
            Some(json!({ "name": "pwned" })),
        ),
        (Method::POST, format!("{path}/rotate-secret"), None),
        (Method::DELETE, path.clone(), None),
    ] {
        let resp = app
            .send(&a.production, method.clone(), &path, body.as_ref())
            .await;
        let body = assert_error(resp, 404, "not_found").await;
        assert_eq!(body["detail"], "client not found", "{method} {path}");
    }
    // B's client is untouched.
    let mine: Value = app
        .as_client(&b.production, Method::GET, &path)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(mine["name"], "B production key");
    assert_eq!(
        app.as_client(&b.production, Method::GET, "/api/v1/clients/")
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    // Sandbox credentials cannot see production's clients, and the other way round.
    let sandbox_view = ids(&app, &a.sandbox, "/api/v1/clients/").await;
    assert_eq!(sandbox_view, [format!("\"{}\"", a.sandbox.client_id)]);
    let resp = app
        .as_client(
            &a.sandbox,
            Method::GET,
            &format!("/api/v1/clients/{}", a.production.client_id),
        )
        .send()
        .await
        .unwrap();
    assert_error(resp, 404, "not_found").await;

    // Logs and audit entries stay in their tenant too.
    let b_logs = app
        .wait_for_logs(&b.production, &format!("client_id={b_client}"), 2)
        .await;
    assert!(b_logs["total"].as_u64().unwrap() >= 2);
    let a_view_of_b = app
        .as_client(
            &a.production,
            Method::GET,
            &format!("/api/v1/analytics/logs/?client_id={b_client}"),
        )
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(a_view_of_b["total"], 0);
    let a_logs = app.wait_for_logs(&a.production, "", 1).await;
    for entry in a_logs["items"].as_array().unwrap() {
        assert_ne!(entry["client_id"], b_client.as_str());
    }
    let a_audit = ids(
        &app,
        &a.production,
        &format!("/api/v1/audit-logs/?resource_id={b_client}"),
    )
    .await;
    assert!(a_audit.is_empty());
    let sandbox_audit: Value = app
        .as_client(&a.sandbox, Method::GET, "/api/v1/audit-logs/")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for entry in sandbox_audit["items"].as_array().unwrap() {
        assert_eq!(entry["resource_id"], a.sandbox.client_id.as_str());
    }
}
