//! The platform operator in the console: the operator token opens a cookie session (CSRF
//! token on writes, sign-out ends it, failures back off), and usage per organization counts
//! each organization's own traffic, conversations and knowledge.

use chrono::{Duration, Utc};
use reqwest::{Method, RequestBuilder, Response};
use serde_json::{Value, json};

use crate::helpers::{
    Backend, Creds, OPERATOR_TOKEN, TestApp, assert_error, spawn_app, spawn_app_with,
};
use crate::knowledge::wait_job;
use crate::on_both_backends;

on_both_backends!(
    the_operator_signs_in_with_a_cookie_and_a_csrf_token,
    usage_per_organization_counts_each_alone,
);

/// The operator's session: its cookie and anti-CSRF token.
struct Operator {
    cookie: String,
    csrf: String,
}

impl Operator {
    /// A request riding on the cookie, without the CSRF token.
    fn bare(&self, app: &TestApp, method: Method, path: &str) -> RequestBuilder {
        app.request(method, path)
            .header("Cookie", format!("companin_operator={}", self.cookie))
    }

    fn request(&self, app: &TestApp, method: Method, path: &str) -> RequestBuilder {
        self.bare(app, method, path)
            .header("X-CSRF-Token", &self.csrf)
    }
}

async fn login(app: &TestApp, token: &str) -> Response {
    app.request(Method::POST, "/api/v1/auth/operator/login")
        .json(&json!({ "token": token }))
        .send()
        .await
        .unwrap()
}

async fn signed_in(app: &TestApp) -> Operator {
    let resp = login(app, OPERATOR_TOKEN).await;
    assert_eq!(resp.status(), 200);
    let set = resp.headers()["set-cookie"].to_str().unwrap().to_owned();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set.contains(attribute), "{attribute} in {set}");
    }
    let cookie = set
        .split(';')
        .next()
        .unwrap()
        .strip_prefix("companin_operator=")
        .expect("the operator cookie")
        .to_owned();
    let body: Value = resp.json().await.unwrap();
    Operator {
        cookie,
        csrf: body["csrf_token"].as_str().unwrap().to_owned(),
    }
}

async fn orgs_total(app: &TestApp) -> u64 {
    let resp = app
        .as_operator(Method::GET, "/api/v1/admin/orgs/")
        .send()
        .await
        .unwrap();
    resp.json::<Value>().await.unwrap()["total"]
        .as_u64()
        .unwrap()
}

async fn the_operator_signs_in_with_a_cookie_and_a_csrf_token(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = app.create_org("Acme", None).await;

    assert_error(
        login(&app, "not the token").await,
        401,
        "invalid_operator_token",
    )
    .await;
    let operator = signed_in(&app).await;
    let resp = operator
        .bare(&app, Method::GET, "/api/v1/admin/orgs/")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "reads need no CSRF token");
    let me: Value = operator
        .bare(&app, Method::GET, "/api/v1/auth/operator/me")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["csrf_token"], operator.csrf.as_str());

    // A write without the token, or a cross-site form post riding on the cookie, is refused
    // and changes nothing; with it, the write goes through.
    let path = format!("/api/v1/admin/orgs/{}", org.id);
    let resp = operator
        .bare(&app, Method::PATCH, &path)
        .json(&json!({ "rate_limit_per_hour": 7 }))
        .send()
        .await
        .unwrap();
    assert_error(resp, 403, "csrf_failed").await;
    let before = orgs_total(&app).await;
    let resp = operator
        .bare(&app, Method::POST, "/api/v1/admin/orgs/")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Origin", "https://evil.example")
        .body("name=Evil")
        .send()
        .await
        .unwrap();
    assert_error(resp, 403, "csrf_failed").await;
    assert_eq!(orgs_total(&app).await, before, "nothing was created");
    let resp = operator
        .request(&app, Method::PATCH, &path)
        .json(&json!({ "rate_limit_per_hour": 7 }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let updated: Value = resp.json().await.unwrap();
    assert_eq!(updated["rate_limit_per_hour"], 7);

    // The cookie is the operator's only: no tenant route accepts it, and a client's key pair
    // opens no admin route.
    let resp = operator
        .request(&app, Method::GET, "/api/v1/clients/")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let resp = app
        .as_client(&org.production, Method::GET, "/api/v1/admin/orgs/")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);

    // Signing out ends the session at once.
    let resp = operator
        .request(&app, Method::POST, "/api/v1/auth/operator/logout")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert!(
        resp.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    let resp = operator
        .bare(&app, Method::GET, "/api/v1/admin/orgs/")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);

    // Five wrong tokens lock the operator's sign-in, the right token included, for a while.
    for _ in 0..5 {
        assert_error(
            login(&app, "a wrong guess").await,
            401,
            "invalid_operator_token",
        )
        .await;
    }
    let resp = login(&app, OPERATOR_TOKEN).await;
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=30).contains(&retry), "{retry}");
    assert_error(resp, 429, "sign_in_throttled").await;
    // The header token still works: the lock is on signing in to the console.
    assert_eq!(orgs_total(&app).await, before);
}

/// An organization created through the admin API, its sandbox seeded.
async fn seeded_org(app: &TestApp, name: &str) -> (String, Creds, Creds) {
    let resp = app
        .as_operator(Method::POST, "/api/v1/admin/orgs/")
        .json(&json!({ "name": name, "rate_limit_per_hour": 10_000, "rate_limit_per_day": 10_000 }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let created: Value = resp.json().await.unwrap();
    let (p, s) = (
        Creds::from_json(&created["production"]),
        Creds::from_json(&created["sandbox"]),
    );
    let job = created["sandbox_seed_job_id"].as_str().unwrap();
    assert_eq!(wait_job(app, &s, job).await["status"], "succeeded");
    let id = created["organization"]["id"].as_str().unwrap().to_owned();
    (id, p, s)
}

/// What an organization's own API says of `[from, to)`, both environments summed: requests,
/// errors, conversations, questions, knowledge items and chunks.
async fn own_view(app: &TestApp, envs: [&Creds; 2], range: &str) -> [u64; 6] {
    let mut out = [0; 6];
    for c in envs {
        let get = |path: String| async move {
            let (status, v) = app.call(c, Method::GET, &path, None).await;
            assert_eq!(status, 200, "{path}: {v}");
            v
        };
        let endpoints = get(format!("/api/v1/analytics/endpoints/?{range}")).await;
        out[0] += endpoints["overall"]["requests"].as_u64().unwrap();
        out[1] += endpoints["overall"]["errors"].as_u64().unwrap();
        let talks = get(format!("/api/v1/analytics/conversations/?{range}")).await;
        out[2] += talks["totals"]["conversations"].as_u64().unwrap();
        let usage = get(format!("/api/v1/analytics/usage/?interval=hour&{range}")).await;
        out[3] += usage["totals"]["messages"].as_u64().unwrap();
        let knowledge = get("/api/v1/knowledge/?limit=100".to_owned()).await;
        out[4] += knowledge["total"].as_u64().unwrap();
        out[5] += knowledge["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["chunk_count"].as_u64().unwrap())
            .sum::<u64>();
    }
    out
}

async fn usage_per_organization_counts_each_alone(backend: Backend) {
    // Seeded sandboxes: their sample data counts too.
    let app = spawn_app_with(backend, |s| s.sandbox.seed_on_create = true).await;
    let from = Utc::now() - Duration::minutes(5);
    let (busy, bp, bs) = seeded_org(&app, "Busy").await;
    let (quiet, qp, qs) = seeded_org(&app, "Quiet").await;
    crate::search::add_text(
        &app,
        &bp,
        "Hours",
        "We open at nine and close at five.",
        json!({}),
    )
    .await;
    for _ in 0..3 {
        assert_eq!(
            app.call(&bp, Method::GET, "/api/v1/clients/", None).await.0,
            200
        );
    }
    assert_eq!(
        app.call(&bp, Method::GET, "/api/v1/clients/nope", None)
            .await
            .0,
        404
    );
    // The range ends just after that last request: the log is written in order, so every
    // request before it is in the log once it is, and the polls after it fall outside.
    let last = app
        .wait_for_logs(&bp, "route=/api/v1/clients/{id}", 1)
        .await;
    let at: chrono::DateTime<Utc> = last["items"][0]["time"].as_str().unwrap().parse().unwrap();
    let to = at + Duration::milliseconds(1);
    let range = format!(
        "from={}&to={}",
        urlencoding(&from.to_rfc3339()),
        urlencoding(&to.to_rfc3339())
    );

    let operator = signed_in(&app).await;
    let resp = operator
        .bare(&app, Method::GET, &format!("/api/v1/admin/usage/?{range}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let report: Value = resp.json().await.unwrap();
    assert_eq!(report["total"], 2, "{report}");
    let of = |id: &str| {
        let item = report["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["organization"]["id"] == id)
            .unwrap_or_else(|| panic!("{id} in {report}"))
            .clone();
        [
            "requests",
            "errors",
            "conversations",
            "messages",
            "knowledge_items",
            "knowledge_chunks",
        ]
        .map(|k| item[k].as_u64().unwrap())
    };
    let (busy_usage, quiet_usage) = (of(&busy), of(&quiet));
    assert_eq!(busy_usage, own_view(&app, [&bp, &bs], &range).await);
    assert_eq!(quiet_usage, own_view(&app, [&qp, &qs], &range).await);
    assert!(busy_usage[0] >= 5 && busy_usage[1] >= 1, "{busy_usage:?}");
    assert_eq!(
        busy_usage[4],
        quiet_usage[4] + 1,
        "one more item: {busy_usage:?}"
    );
    assert!(busy_usage[5] > quiet_usage[5], "its chunks: {busy_usage:?}");
    assert!(
        quiet_usage[2] >= 1,
        "the seeded sandbox conversation counts"
    );

    // A page at a time; a range that ends before it starts is refused.
    let page: Value = app
        .as_operator(Method::GET, "/api/v1/admin/usage/?limit=1&offset=1")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            page["total"].as_u64(),
            page["items"].as_array().unwrap().len()
        ),
        (Some(2), 1)
    );
    assert_eq!(
        page["items"][0]["organization"]["id"],
        busy.as_str(),
        "newest first"
    );
    let resp = app
        .as_operator(
            Method::GET,
            &format!(
                "/api/v1/admin/usage/?from={}&to={}",
                urlencoding(&to.to_rfc3339()),
                urlencoding(&from.to_rfc3339())
            ),
        )
        .send()
        .await
        .unwrap();
    assert_error(resp, 422, "validation_error").await;
}

fn urlencoding(s: &str) -> String {
    s.replace('+', "%2B")
}
