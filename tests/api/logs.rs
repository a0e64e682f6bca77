//! The request log: every API request, off the request path, nothing lost at shutdown.

use reqwest::Method;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

use crate::helpers::{Backend, spawn_app};
use crate::on_both_backends;

on_both_backends!(
    requests_are_logged_and_filterable,
    nothing_is_lost_on_graceful_shutdown
);

async fn requests_are_logged_and_filterable(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = app.create_org("Acme", None).await;
    let me = &org.production;
    let ok = app
        .as_client(me, Method::GET, "/api/v1/clients/")
        .send()
        .await
        .unwrap();
    let ok_id = ok.headers()["x-request-id"].to_str().unwrap().to_owned();
    let missing = app
        .as_client(
            me,
            Method::GET,
            "/api/v1/clients/cli_0123456789abcdef0123456789abcdef",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let invalid = app
        .as_client(me, Method::POST, "/api/v1/clients/")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(invalid.status(), 422);
    let before = chrono::Utc::now();

    let all = app.wait_for_logs(me, "route=/api/v1/clients", 2).await;
    assert_eq!(all["total"], 2);
    let get_entry = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["request_id"] == ok_id.as_str())
        .expect("the GET is logged under its request id");
    assert_eq!(get_entry["method"], "GET");
    assert_eq!(get_entry["status"], 200);
    assert_eq!(get_entry["client_id"], me.client_id.as_str());
    assert!(get_entry["latency_ms"].as_f64().unwrap() > 0.0);
    assert!(get_entry["time"].as_str().is_some());

    let by_template = app.wait_for_logs(me, "route=/api/v1/clients/{id}", 1).await;
    assert_eq!(by_template["total"], 1);
    assert_eq!(by_template["items"][0]["status"], 404);
    let by_status = app.wait_for_logs(me, "status=422", 1).await;
    assert_eq!(by_status["total"], 1);
    assert_eq!(by_status["items"][0]["method"], "POST");

    let to = before.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let from_future =
        (before + chrono::Duration::hours(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let none: Value = app
        .as_client(
            me,
            Method::GET,
            &format!("/api/v1/analytics/logs/?from={from_future}"),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(none["total"], 0);
    let earlier: Value = app
        .as_client(
            me,
            Method::GET,
            &format!("/api/v1/analytics/logs/?to={to}&limit=1"),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(earlier["total"], 3, "the three requests made before `to`");
    assert_eq!(earlier["items"].as_array().unwrap().len(), 1);
    assert_eq!(earlier["limit"], 1);
    let other_client = app
        .as_client(
            me,
            Method::GET,
            &format!(
                "/api/v1/analytics/logs/?client_id={}",
                org.sandbox.client_id
            ),
        )
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(
        other_client["total"], 0,
        "sandbox requests are not in production's log"
    );
}

async fn nothing_is_lost_on_graceful_shutdown(backend: Backend) {
    let mut app = spawn_app(backend).await;
    let org = app.create_org("Acme", None).await;
    for _ in 0..150 {
        let resp = app
            .as_client(&org.production, Method::GET, "/api/v1/clients/")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
    }
    app.stop().await;
    let db = app.db().await;
    let sql = format!(
        "SELECT COUNT(*) FROM request_logs WHERE org_id = '{}' AND route = '/api/v1/clients'",
        org.id
    );
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.try_get_by_index::<i64>(0).unwrap(), 150);
}
