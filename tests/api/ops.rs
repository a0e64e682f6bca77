//! Health, readiness and metrics.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Backend, spawn_app};

#[tokio::test]
async fn health_readiness_and_metrics() {
    let app = spawn_app(Backend::Sqlite).await;
    let resp = app.request(Method::GET, "/healthz").send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.json::<Value>().await.unwrap(),
        json!({ "status": "ok" })
    );
    let resp = app.request(Method::GET, "/readyz").send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.json::<Value>().await.unwrap(),
        json!({ "status": "ready", "checks": { "database": "ok" } })
    );

    let org = app.create_org("Acme", None).await;
    app.as_client(&org.production, Method::GET, "/api/v1/clients/")
        .send()
        .await
        .unwrap();
    let resp = app.request(Method::GET, "/metrics").send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let text = resp.text().await.unwrap();
    assert!(
        text.contains(
            r#"companin_http_requests_total{method="GET",route="/api/v1/clients",status="200"}"#
        ),
        "{text}"
    );
    assert!(
        text.contains("companin_http_request_duration_seconds_bucket"),
        "{text}"
    );
}
