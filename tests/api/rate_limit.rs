//! Exact per-organization limits, under concurrency and across processes.

use std::process::Stdio;
use std::time::{Duration, Instant};

use futures::future::join_all;
use reqwest::{Method, Response};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::Value;

use crate::helpers::{Backend, Creds, TestApp, TestDatabase, assert_error, spawn_app};
use crate::on_both_backends;

on_both_backends!(
    exactly_the_limit_is_admitted_under_concurrency,
    the_daily_quota_is_exact_and_says_it_ran_out,
);

#[derive(Debug, Default)]
struct Tally {
    admitted: usize,
    refused: usize,
    remaining_seen: Vec<i64>,
}

async fn tally(responses: Vec<Response>, limit: i64) -> Tally {
    let mut t = Tally::default();
    for resp in responses {
        let h = resp.headers();
        assert_eq!(h["x-ratelimit-limit"].to_str().unwrap(), limit.to_string());
        let reset: i64 = h["x-ratelimit-reset"].to_str().unwrap().parse().unwrap();
        assert_eq!(reset % 3600, 0, "windows are aligned hours");
        let remaining: i64 = h["x-ratelimit-remaining"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        match resp.status().as_u16() {
            200 => {
                t.admitted += 1;
                t.remaining_seen.push(remaining);
            }
            429 => {
                t.refused += 1;
                assert_eq!(remaining, 0);
                let retry: u64 = h["retry-after"].to_str().unwrap().parse().unwrap();
                assert!((1..=3600).contains(&retry));
                let body = assert_error(resp, 429, "rate_limited").await;
                assert!(body["detail"].as_str().unwrap().starts_with(&format!(
                    "the rate limit of {limit} requests per hour is used up"
                )));
            }
            other => panic!("unexpected status {other}"),
        }
    }
    t.remaining_seen.sort_unstable();
    t
}

/// Counts rate-limit events of a kind, waiting for the batched writer.
async fn events(app_db: &sea_orm::DatabaseConnection, org: &str, kind: &str, want: i64) -> i64 {
    let backend = app_db.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => {
            "SELECT COUNT(*) FROM rate_limit_events WHERE org_id = $1 AND kind = $2"
        }
        _ => "SELECT COUNT(*) FROM rate_limit_events WHERE org_id = ? AND kind = ?",
    };
    let mut count = 0;
    for _ in 0..100 {
        let row = app_db
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                sql,
                [org.into(), kind.into()],
            ))
            .await
            .unwrap()
            .unwrap();
        count = row.try_get_by_index::<i64>(0).unwrap();
        if count >= want {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    count
}

async fn exactly_the_limit_is_admitted_under_concurrency(backend: Backend) {
    let app = spawn_app(backend).await;
    let limit = 25;
    let org = app.create_org("Limited", Some(limit)).await;
    let sends = (0..60).map(|_| {
        app.as_client(&org.production, Method::GET, "/api/v1/clients/")
            .send()
    });
    let responses: Vec<Response> = join_all(sends)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let t = tally(responses, limit).await;
    assert_eq!(t.admitted, 25);
    assert_eq!(t.refused, 35);
    // Each admitted request saw its own place in the window.
    assert_eq!(t.remaining_seen, (0..25).collect::<Vec<i64>>());

    // The sandbox has its own window; an unauthenticated request carries no limit headers.
    let resp = app
        .as_client(&org.sandbox, Method::GET, "/api/v1/clients/")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["x-ratelimit-remaining"], "24");
    let resp = app
        .request(Method::GET, "/api/v1/clients/")
        .send()
        .await
        .unwrap();
    assert!(resp.headers().get("x-ratelimit-limit").is_none());

    let db = app.db().await;
    assert_eq!(events(&db, &org.id, "blocked", 35).await, 35);
    assert_eq!(events(&db, &org.id, "warning", 1).await, 1);
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            format!(
                "SELECT client_id, used FROM rate_limit_events WHERE org_id = '{}' AND kind = 'warning'",
                org.id
            ),
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        row.try_get_by_index::<String>(0).unwrap(),
        org.production.client_id
    );
    assert_eq!(
        row.try_get_by_index::<i64>(1).unwrap(),
        21,
        "first past 80 % of 25"
    );
}

/// An organization with its own limits, through the admin API.
async fn org_with_limits(app: &TestApp, per_hour: i64, per_day: i64) -> crate::helpers::TestOrg {
    let resp = app
        .as_operator(Method::POST, "/api/v1/admin/orgs/")
        .json(&serde_json::json!({
            "name": "Quota", "rate_limit_per_hour": per_hour, "rate_limit_per_day": per_day
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["organization"]["rate_limit_per_day"], per_day, "{v}");
    assert_eq!(
        v["organization"]["rate_limit_per_day_is_custom"], true,
        "{v}"
    );
    crate::helpers::TestOrg {
        id: v["organization"]["id"].as_str().unwrap().to_owned(),
        production: Creds::from_json(&v["production"]),
        sandbox: Creds::from_json(&v["sandbox"]),
    }
}

fn header(resp: &Response, name: &str) -> String {
    resp.headers()[name].to_str().unwrap().to_owned()
}

/// Rows of a window table for the org, summed.
async fn admitted(db: &sea_orm::DatabaseConnection, table: &str, org: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT COALESCE(SUM(admitted), 0) FROM {table} WHERE org_id = '{org}'"),
        ))
        .await
        .unwrap()
        .unwrap();
    // SUM of BIGINT is NUMERIC on PostgreSQL.
    row.try_get_by_index::<i64>(0)
        .or_else(|_| {
            row.try_get_by_index::<sea_orm::prelude::Decimal>(0)
                .map(|d| d.to_string().parse().unwrap())
        })
        .unwrap()
}

/// The daily quota beside a roomier hourly limit: exactly the quota is admitted under
/// concurrency, refusals name the day and wait for midnight, the headers report the day as
/// the window nearest to running out, and the events say which window they are about.
async fn the_daily_quota_is_exact_and_says_it_ran_out(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = org_with_limits(&app, 100, 20).await;
    let sends = (0..50).map(|_| {
        app.as_client(&org.production, Method::GET, "/api/v1/clients/")
            .send()
    });
    let mut admitted_remaining = Vec::new();
    let mut refused = 0;
    for resp in join_all(sends).await.into_iter().map(Result::unwrap) {
        assert_eq!(header(&resp, "x-ratelimit-limit"), "20");
        let reset: i64 = header(&resp, "x-ratelimit-reset").parse().unwrap();
        assert_eq!(reset % 86_400, 0, "the day resets at midnight UTC");
        assert_eq!(
            header(&resp, "ratelimit-policy"),
            "\"hour\";q=100;w=3600, \"day\";q=20;w=86400"
        );
        let remaining: i64 = header(&resp, "x-ratelimit-remaining").parse().unwrap();
        let current = header(&resp, "ratelimit");
        assert!(
            current.starts_with(&format!("\"day\";r={remaining};t=")),
            "{current}"
        );
        if resp.status() == 200 {
            admitted_remaining.push(remaining);
            continue;
        }
        refused += 1;
        assert_eq!(remaining, 0);
        let retry: i64 = header(&resp, "retry-after").parse().unwrap();
        let now = chrono::Utc::now().timestamp();
        assert!(
            (retry - (reset - now)).abs() <= 2,
            "{retry} vs {}",
            reset - now
        );
        let body = assert_error(resp, 429, "rate_limited").await;
        assert_eq!(
            body["detail"].as_str().unwrap(),
            format!("the daily quota of 20 requests is used up; retry in {retry} s")
        );
        assert_eq!(
            body["data"],
            serde_json::json!({"window": "day", "limit": 20})
        );
    }
    admitted_remaining.sort_unstable();
    assert_eq!(admitted_remaining, (0..20).collect::<Vec<i64>>());
    assert_eq!(refused, 30);

    // The counters agree: the hour gave back what the day refused.
    let db = app.db().await;
    assert_eq!(admitted(&db, "rate_limit_days", &org.id).await, 20);
    assert_eq!(admitted(&db, "rate_limit_windows", &org.id).await, 20);

    // Events say which window; the report shows both windows. (Reading it takes quota: the
    // operator raises the day first, which running servers apply within seconds.)
    assert_eq!(events(&db, &org.id, "blocked", 30).await, 30);
    let resp = app
        .as_operator(Method::PATCH, &format!("/api/v1/admin/orgs/{}", org.id))
        .json(&serde_json::json!({"rate_limit_per_day": 1000}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let path = "/api/v1/analytics/rate-limits/?window=day&kind=warning";
    let started = Instant::now();
    let report = loop {
        let (status, report) = app.call(&org.production, Method::GET, path, None).await;
        if status == 200 {
            break report;
        }
        assert!(started.elapsed() < Duration::from_secs(5), "{report}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(report["events"]["total"], 1, "{report}");
    assert_eq!(report["events"]["items"][0]["window"], "day");
    assert_eq!(
        report["events"]["items"][0]["used"], 17,
        "first past 80 % of 20"
    );
    assert_eq!(report["current_day"]["limit"], 1000, "{report}");
    let used = report["current_day"]["used"].as_i64().unwrap();
    assert_eq!(used, 21, "the twenty, and this request: {report}");
    assert_eq!(report["current_window"]["used"], used, "{report}");
    let path = "/api/v1/analytics/rate-limits/?window=hour";
    let (_, report) = app.call(&org.sandbox, Method::GET, path, None).await;
    assert_eq!(
        report["events"]["total"], 0,
        "the sandbox has its own windows: {report}"
    );

    // A roomy day with a tight hour: the hour is the window reported.
    let tight = org_with_limits(&app, 5, 1000).await;
    let resp = app
        .as_client(&tight.production, Method::GET, "/api/v1/clients/")
        .send()
        .await
        .unwrap();
    assert_eq!(header(&resp, "x-ratelimit-limit"), "5");
    assert!(header(&resp, "ratelimit").starts_with("\"hour\";r=4;t="));
}

#[test]
fn every_authenticated_response_carries_the_limit_headers() {
    crate::helpers::run(async {
        let app = spawn_app(Backend::Sqlite).await;
        let org = app.create_org("Acme", Some(100)).await;
        for (method, path) in [
            (Method::GET, "/api/v1/clients/"),
            (Method::GET, "/api/v1/no-such-route"),
            (Method::GET, "/api/v1/clients/?limit=0"),
            (Method::POST, "/api/v1/auth/token"),
        ] {
            let resp = app
                .as_client(&org.production, method, path)
                .send()
                .await
                .unwrap();
            for h in [
                "x-ratelimit-limit",
                "x-ratelimit-remaining",
                "x-ratelimit-reset",
                "ratelimit-policy",
                "ratelimit",
            ] {
                assert!(resp.headers().contains_key(h), "{path} lacks {h}");
            }
        }
        // Bearer requests count against the same window.
        let token = app.token(&org.production).await;
        let resp = app
            .with_token(&token, Method::GET, "/api/v1/clients/")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.headers()["x-ratelimit-remaining"], "94");
    })
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn companin(db_url: &str, data_dir: &std::path::Path) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_companin"));
    cmd.env("COMPANIN_DATABASE_URL", db_url)
        .env("COMPANIN_DATA_DIR", data_dir)
        .env("COMPANIN_AUTH_JWT_SECRET", crate::helpers::JWT_SECRET)
        .env_remove("COMPANIN_CONFIG")
        .kill_on_drop(true);
    cmd
}

async fn wait_healthy(http: &reqwest::Client, base: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        let healthy = http.get(format!("{base}/healthz")).send().await;
        if healthy.is_ok_and(|r| r.status() == 200) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("server at {base} did not become healthy");
}

#[test]
fn two_server_processes_share_one_exact_limit() {
    crate::helpers::run(async {
        let dir = tempfile::tempdir().unwrap();
        let db = TestDatabase::new(Backend::Postgres, dir.path()).await;
        let status = companin(&db.url, dir.path())
            .arg("migrate")
            .stdout(Stdio::null())
            .status()
            .await
            .unwrap();
        assert!(status.success());
        let out = companin(&db.url, dir.path())
            .args([
                "org",
                "create",
                "--name",
                "Shared",
                "--rate-limit-per-hour",
                "30",
                "--json",
            ])
            .output()
            .await
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let org: Value = serde_json::from_slice(&out.stdout).unwrap();
        let creds = Creds::from_json(&org["production"]);
        let out = companin(&db.url, dir.path())
            .args([
                "org",
                "create",
                "--name",
                "Daily",
                "--rate-limit-per-day",
                "25",
                "--json",
            ])
            .output()
            .await
            .unwrap();
        assert!(out.status.success());
        let daily: Value = serde_json::from_slice(&out.stdout).unwrap();
        let daily = Creds::from_json(&daily["production"]);

        let mut servers = Vec::new();
        let mut bases = Vec::new();
        for _ in 0..2 {
            let port = free_port();
            let child = companin(&db.url, dir.path())
                .arg("serve")
                .env("COMPANIN_LISTEN", format!("127.0.0.1:{port}"))
                .env("COMPANIN_LOG_LEVEL", "warn")
                .stdout(Stdio::null())
                .spawn()
                .unwrap();
            servers.push(child);
            bases.push(format!("http://127.0.0.1:{port}"));
        }
        let http = crate::helpers::http_client();
        for base in &bases {
            wait_healthy(&http, base).await;
        }
        let sends = (0..80).map(|i| {
            http.get(format!("{}/api/v1/clients/", bases[i % 2]))
                .header("X-API-Key", &creds.client_id)
                .header("X-API-Secret", &creds.client_secret)
                .send()
        });
        let responses: Vec<Response> = join_all(sends)
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
        let t = tally(responses, 30).await;
        assert_eq!(t.admitted, 30);
        assert_eq!(t.refused, 50);
        assert_eq!(t.remaining_seen, (0..30).collect::<Vec<i64>>());

        // The daily quota holds across both processes just as exactly.
        let sends = (0..60).map(|i| {
            http.get(format!("{}/api/v1/clients/", bases[i % 2]))
                .header("X-API-Key", &daily.client_id)
                .header("X-API-Secret", &daily.client_secret)
                .send()
        });
        let statuses: Vec<u16> = join_all(sends)
            .await
            .into_iter()
            .map(|r| r.unwrap().status().as_u16())
            .collect();
        assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 25);
        assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 35);
        for mut server in servers {
            server.kill().await.unwrap();
        }
    })
}

#[test]
fn a_limit_set_from_the_cli_reaches_a_running_server() {
    crate::helpers::run(async {
        let app: TestApp = spawn_app(Backend::Sqlite).await;
        let org = app.create_org("Acme", None).await;
        let limit_of = |resp: &Response| {
            resp.headers()["x-ratelimit-limit"]
                .to_str()
                .unwrap()
                .to_owned()
        };
        let resp = app
            .as_client(&org.production, Method::GET, "/api/v1/clients/")
            .send()
            .await
            .unwrap();
        assert_eq!(limit_of(&resp), "1000");

        let out = companin(&app.db_url, &app.settings.data_dir)
            .args(["org", "set-limit", "--org", &org.id, "--per-hour", "7"])
            .output()
            .await
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let changed_at = Instant::now();
        loop {
            let resp = app
                .as_client(&org.production, Method::GET, "/api/v1/clients/")
                .send()
                .await
                .unwrap();
            if limit_of(&resp) == "7" {
                break;
            }
            assert!(
                changed_at.elapsed() < Duration::from_secs(5),
                "the new limit did not apply within 5 s"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        // The daily quota too; the tighter of the two is the one reported.
        let out = companin(&app.db_url, &app.settings.data_dir)
            .args(["org", "set-limit", "--org", &org.id, "--per-day", "6"])
            .output()
            .await
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let out = companin(&app.db_url, &app.settings.data_dir)
            .args(["org", "set-limit", "--org", &org.id])
            .output()
            .await
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "nothing to set is an error");
        let changed_at = Instant::now();
        loop {
            let resp = app
                .as_client(&org.production, Method::GET, "/api/v1/clients/")
                .send()
                .await
                .unwrap();
            if header(&resp, "ratelimit-policy").contains("\"day\";q=6;") {
                break;
            }
            assert!(changed_at.elapsed() < Duration::from_secs(5));
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        // At most 6 requests of this day can ever be admitted now.
        let mut last = 0;
        for _ in 0..7 {
            let resp = app
                .as_client(&org.production, Method::GET, "/api/v1/clients/")
                .send()
                .await
                .unwrap();
            last = resp.status().as_u16();
        }
        assert_eq!(last, 429);
    })
}
