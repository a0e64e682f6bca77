//! Health, readiness and metrics.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Backend, spawn_app, spawn_app_with};
use crate::knowledge::wait_done;

#[test]
fn health_readiness_and_metrics() {
    crate::helpers::run(async {
        let app = spawn_app(Backend::Sqlite).await;
        let resp = app.request(Method::GET, "/healthz").send().await.unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(
            resp.json::<Value>().await.unwrap(),
            json!({ "status": "ok" })
        );
        // Ready once the embedding model is in memory: until then `loading`, with a 503.
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
        let ready = loop {
            let resp = app.request(Method::GET, "/readyz").send().await.unwrap();
            let status = resp.status();
            let body = resp.json::<Value>().await.unwrap();
            if status == 200 {
                break body;
            }
            assert_eq!(status, 503, "{body}");
            assert_eq!(body["data"]["checks"]["models"], "loading", "{body}");
            assert!(
                tokio::time::Instant::now() < deadline,
                "never ready: {body}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        };
        assert_eq!(
            ready,
            json!({
                "status": "ready",
                "checks": { "database": "ok", "queue": "ok", "models": "ok" }
            })
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
        // No organization id reaches the unauthenticated endpoint unless the operator asks.
        assert!(!text.contains(&org.id), "{text}");
        assert!(text.contains(r#"companin_jobs{status="queued"}"#), "{text}");

        // An ingested item is timed, and its job counted.
        let (status, item) = app
            .call(
                &org.production,
                Method::POST,
                "/api/v1/knowledge/qas/",
                Some(json!({"question": "Do you ship abroad?", "answer": "Yes, worldwide."})),
            )
            .await;
        assert_eq!(status, 202, "{item}");
        let done = wait_done(&app, &org.production, item["id"].as_str().unwrap()).await;
        assert_eq!(done["status"], "ready");
        // The job is marked succeeded a moment after its item is ready.
        let mut text = String::new();
        for _ in 0..100 {
            text = app
                .request(Method::GET, "/metrics")
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            let succeeded = text
                .lines()
                .find_map(|l| l.strip_prefix(r#"companin_jobs{status="succeeded"} "#))
                .and_then(|v| v.parse::<f64>().ok());
            if succeeded.is_some_and(|n| n >= 1.0) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert!(
            text.contains(r#"companin_jobs{status="succeeded"} 1"#),
            "{text}"
        );
        assert!(
            text.contains(r#"companin_ingestion_duration_seconds_bucket{kind="qa""#),
            "{text}"
        );
    })
}

#[test]
fn metrics_labels_stay_bounded_and_org_ids_are_opt_in() {
    crate::helpers::run(async {
        let app = spawn_app_with(Backend::Sqlite, |s| s.http.metrics_org_labels = true).await;
        let org = app.create_org("Acme", None).await;
        app.as_client(&org.production, Method::GET, "/api/v1/clients/")
            .send()
            .await
            .unwrap();
        // A method of the caller's invention is counted, under a label of ours.
        let invented = Method::from_bytes(b"FROBNICATE-7b1c9").unwrap();
        let resp = app
            .as_client(&org.production, invented, "/api/v1/clients/")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 405);
        let text = app
            .request(Method::GET, "/metrics")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!text.contains("FROBNICATE"), "{text}");
        assert!(
            text.contains(
                r#"companin_http_requests_total{method="OTHER",route="/api/v1/clients",status="405"}"#
            ),
            "{text}"
        );
        // Turned on, per organization: under its own label unless the label budget is spent
        // (the tests of this process create many organizations).
        let own = format!(
            r#"companin_org_requests_total{{org="{}",status_class="2xx"}}"#,
            org.id
        );
        let shared = r#"companin_org_requests_total{org="other",status_class="2xx"}"#;
        assert!(text.contains(&own) || text.contains(shared), "{text}");
    })
}
