//! The one error shape, from every layer.

use reqwest::Method;
use sea_orm::ConnectionTrait;
use serde_json::json;

use crate::helpers::{Backend, assert_error, spawn_app, spawn_app_with};

#[test]
fn unknown_route_is_404_with_the_error_shape() {
    crate::helpers::run(async {
        let app = spawn_app(Backend::Sqlite).await;
        let resp = app
            .request(Method::GET, "/api/v1/nothing-here")
            .send()
            .await
            .unwrap();
        let body = assert_error(resp, 404, "not_found").await;
        assert_eq!(body["detail"], "no route matches this path");
        assert_eq!(body["data"], json!(null));
        let resp = app.request(Method::GET, "/elsewhere").send().await.unwrap();
        assert_error(resp, 404, "not_found").await;
    })
}

#[test]
fn wrong_method_is_405() {
    crate::helpers::run(async {
        let app = spawn_app(Backend::Sqlite).await;
        let org = app.create_org("Acme", None).await;
        let resp = app
            .as_client(&org.production, Method::PUT, "/api/v1/clients/")
            .send()
            .await
            .unwrap();
        // RFC 9110: a 405 says which methods the route takes.
        assert_eq!(resp.headers()["allow"], "GET, POST");
        let body = assert_error(resp, 405, "method_not_allowed").await;
        assert_eq!(
            body["detail"],
            "this route does not accept this HTTP method"
        );
        let path = format!("/api/v1/clients/{}", org.production.client_id);
        for method in [Method::POST, Method::TRACE] {
            let resp = app
                .as_client(&org.production, method, &path)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 405);
            assert_eq!(resp.headers()["allow"], "DELETE, GET, PATCH");
        }
        // Unauthenticated requests are told too.
        let resp = app
            .request(Method::DELETE, "/api/v1/widget/token")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.headers()["allow"], "POST");
    })
}

#[test]
fn malformed_json_is_400() {
    crate::helpers::run(async {
        let app = spawn_app(Backend::Sqlite).await;
        let org = app.create_org("Acme", None).await;
        let resp = app
            .as_client(&org.production, Method::POST, "/api/v1/clients/")
            .header("content-type", "application/json")
            .body("{\"name\": ")
            .send()
            .await
            .unwrap();
        let body = assert_error(resp, 400, "invalid_json").await;
        assert_eq!(body["data"], json!({ "line": 1, "column": 9 }));
        let resp = app
            .as_client(&org.production, Method::POST, "/api/v1/clients/")
            .header("content-type", "application/json")
            .send()
            .await
            .unwrap();
        let body = assert_error(resp, 400, "invalid_json").await;
        assert_eq!(
            body["detail"],
            "the request body is empty; send a JSON object"
        );
        // Nothing was created by either attempt.
        let list: serde_json::Value = app
            .as_client(&org.production, Method::GET, "/api/v1/clients/")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(list["total"], 1);
    })
}

#[test]
fn body_too_large_is_413_with_or_without_content_length() {
    crate::helpers::run(async {
        let app = spawn_app_with(Backend::Sqlite, |s| s.http.body_limit_bytes = 2048).await;
        let org = app.create_org("Acme", None).await;
        let big = format!("{{\"name\": \"{}\"}}", "a".repeat(4096));
        let resp = app
            .as_client(&org.production, Method::POST, "/api/v1/clients/")
            .header("content-type", "application/json")
            .body(big.clone())
            .send()
            .await
            .unwrap();
        let body = assert_error(resp, 413, "payload_too_large").await;
        assert_eq!(body["data"], json!({ "max_bytes": 2048 }));
        assert_eq!(
            body["detail"],
            "the request body is larger than the limit of 2048 bytes"
        );

        // Chunked: no Content-Length, the limit is enforced while reading.
        let stream = futures::stream::iter(
            big.into_bytes()
                .chunks(512)
                .map(|c| Ok::<_, std::io::Error>(c.to_vec()))
                .collect::<Vec<_>>(),
        );
        let resp = app
            .as_client(&org.production, Method::POST, "/api/v1/clients/")
            .header("content-type", "application/json")
            .body(reqwest::Body::wrap_stream(stream))
            .send()
            .await
            .unwrap();
        assert_error(resp, 413, "payload_too_large").await;
    })
}

#[test]
fn wrong_content_type_is_415() {
    crate::helpers::run(async {
        let app = spawn_app(Backend::Sqlite).await;
        let org = app.create_org("Acme", None).await;
        let resp = app
            .as_client(&org.production, Method::POST, "/api/v1/clients/")
            .header("content-type", "text/plain")
            .body("name=x")
            .send()
            .await
            .unwrap();
        let body = assert_error(resp, 415, "unsupported_media_type").await;
        assert_eq!(body["data"], json!({ "supported": ["application/json"] }));
        assert_eq!(
            body["detail"],
            "content type `text/plain` is not supported here; send application/json"
        );
    })
}

#[test]
fn invalid_fields_and_parameters_are_422() {
    crate::helpers::run(async {
        let app = spawn_app(Backend::Sqlite).await;
        let org = app.create_org("Acme", None).await;
        let cases = [
            (
                json!({ "name": "" }),
                json!({ "field": "name", "reason": "must not be empty" }),
            ),
            (
                json!({ "nome": "x" }),
                json!({ "field": "name", "reason": "is required" }),
            ),
            (
                json!({ "name": "x", "is_active": "yes" }),
                json!({ "field": "is_active", "reason": "must be a boolean" }),
            ),
            (
                json!({ "name": "x", "allowed_origins": "https://a.example" }),
                json!({ "field": "allowed_origins", "reason": "must be an array" }),
            ),
            (
                json!({ "name": "x", "extra": 1 }),
                json!({ "field": "extra", "reason": "is not a known field" }),
            ),
            (
                json!({ "name": "x", "allowed_origins": [{}] }),
                json!({ "field": "allowed_origins[0]", "reason": "must be a string" }),
            ),
            (
                json!(["name"]),
                json!({ "field": "body", "reason": "must be a JSON object" }),
            ),
        ];
        for (body, data) in cases {
            let resp = app
                .as_client(&org.production, Method::POST, "/api/v1/clients/")
                .json(&body)
                .send()
                .await
                .unwrap();
            let err = assert_error(resp, 422, "validation_error").await;
            assert_eq!(err["data"], data, "{body}");
        }
        let resp = app
            .as_client(&org.production, Method::POST, "/api/v1/clients/")
            .json(&json!({ "name": "web", "allowed_origins": ["https://a.example/path"] }))
            .send()
            .await
            .unwrap();
        let err = assert_error(resp, 422, "validation_error").await;
        assert_eq!(err["data"]["field"], "allowed_origins");

        let resp = app
            .as_client(&org.production, Method::GET, "/api/v1/clients/?limit=101")
            .send()
            .await
            .unwrap();
        assert_error(resp, 422, "validation_error").await;
        let resp = app
            .as_client(
                &org.production,
                Method::GET,
                "/api/v1/analytics/logs/?from=yesterday",
            )
            .send()
            .await
            .unwrap();
        assert_error(resp, 422, "validation_error").await;

        // None of the refused bodies created anything.
        let list: serde_json::Value = app
            .as_client(&org.production, Method::GET, "/api/v1/clients/")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(list["total"], 1);
    })
}

#[test]
fn forbidden_is_403() {
    crate::helpers::run(async {
        // Admin routes without a configured operator token are off for everyone.
        let app = spawn_app_with(Backend::Sqlite, |s| s.admin_token = None).await;
        let resp = app
            .as_operator(Method::GET, "/api/v1/admin/orgs/")
            .send()
            .await
            .unwrap();
        let body = assert_error(resp, 403, "admin_disabled").await;
        assert_eq!(
            body["detail"],
            "admin routes are disabled: set COMPANIN_ADMIN_TOKEN to enable them"
        );
    })
}

#[test]
fn internal_errors_are_500_without_internals() {
    crate::helpers::run(async {
        let app = spawn_app(Backend::Sqlite).await;
        let org = app.create_org("Acme", None).await;
        app.db()
            .await
            .execute_unprepared("DROP TABLE audit_logs")
            .await
            .unwrap();
        let resp = app
            .as_client(&org.production, Method::GET, "/api/v1/audit-logs/")
            .send()
            .await
            .unwrap();
        let body = assert_error(resp, 500, "internal_error").await;
        assert_eq!(
            body["detail"],
            "an unexpected error occurred; quote the request id when reporting it"
        );
        assert!(!body.to_string().contains("audit_logs"));
    })
}

#[test]
fn request_ids_are_echoed_or_made() {
    crate::helpers::run(async {
        let app = spawn_app(Backend::Sqlite).await;
        let resp = app
            .request(Method::GET, "/healthz")
            .header("X-Request-Id", "my-trace-123")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.headers()["x-request-id"], "my-trace-123");
        let resp = app
            .request(Method::GET, "/api/v1/missing")
            .header("X-Request-Id", "abc-42")
            .send()
            .await
            .unwrap();
        let body = assert_error(resp, 404, "not_found").await;
        assert_eq!(body["request_id"], "abc-42");
        let resp = app.request(Method::GET, "/healthz").send().await.unwrap();
        let made = resp.headers()["x-request-id"].to_str().unwrap().to_owned();
        assert_eq!(made.len(), 36, "a UUID: {made}");
    })
}

#[test]
fn every_error_code_is_documented() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/api.md"))
        .expect("docs/api.md");
    for code in companin_service::error::ErrorCode::ALL {
        let row = format!("| `{}` | {} |", code.as_str(), code.status());
        assert!(doc.contains(&row), "docs/api.md lacks the row {row}");
    }
}
