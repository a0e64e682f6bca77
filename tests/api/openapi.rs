//! The OpenAPI document: served, browsable, and identical to the committed copy.

use reqwest::Method;
use serde_json::Value;

use crate::helpers::{Backend, spawn_app};

const COMMITTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/openapi.json");

/// Fails when the API changed without docs/openapi.json; `UPDATE_OPENAPI=1` rewrites it.
#[test]
fn committed_spec_matches_the_generated_one() {
    let generated = format!("{}\n", companin_api::openapi_json());
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(COMMITTED, &generated).expect("write docs/openapi.json");
    }
    let committed = std::fs::read_to_string(COMMITTED).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/openapi.json is out of date: run `UPDATE_OPENAPI=1 cargo test --test api openapi` and review the diff"
    );
}

#[test]
fn every_operation_documents_its_errors_and_auth() {
    let spec: Value = serde_json::from_str(&companin_api::openapi_json()).unwrap();
    let schemes = spec["components"]["securitySchemes"].as_object().unwrap();
    assert!(schemes.contains_key("KeyPairAuth"));
    assert!(schemes.contains_key("BearerAuth"));
    assert!(schemes.contains_key("OperatorAuth"));
    assert_eq!(schemes["SessionAuth"]["in"], "cookie");
    assert_eq!(schemes["OperatorSessionAuth"]["in"], "cookie");
    for (path, ops) in spec["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            assert!(
                responses.contains_key("401"),
                "{method} {path} documents 401"
            );
            assert!(
                responses.contains_key("500"),
                "{method} {path} documents 500"
            );
            // The routes called without credentials: the widget's token (its `Origin` is
            // checked instead), and the console's sign-ins and invitation (the credentials are
            // the body).
            let public = [
                "/widget/token",
                "/auth/login",
                "/auth/accept-invitation",
                "/auth/operator/login",
            ];
            if !public.contains(&path.as_str()) {
                assert!(op["security"].is_array(), "{method} {path} names its auth");
            }
            for (status, r) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    assert_eq!(
                        r["content"]["application/json; charset=utf-8"]["schema"]["$ref"],
                        "#/components/schemas/ErrorBody",
                        "{method} {path} {status}"
                    );
                }
            }
        }
    }
}

#[test]
fn spec_and_swagger_ui_are_served() {
    crate::helpers::run(async {
        let app = spawn_app(Backend::Sqlite).await;
        let resp = app
            .request(Method::GET, "/api/v1/openapi.json")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let served: Value = resp.json().await.unwrap();
        let generated: Value = serde_json::from_str(&companin_api::openapi_json()).unwrap();
        assert_eq!(served, generated);
        let resp = app
            .request(Method::GET, "/api/v1/docs")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        assert!(
            resp.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert!(resp.text().await.unwrap().contains("swagger"));
    })
}
