//! The console's home and analytics views in Chromium, after known traffic: every chart
//! draws, series for series, what the analytics API returns for the range the page shows;
//! the home view's figures are the API's; the request log exports as CSV; failures show
//! their names as written.

use chrono::{Duration, Utc};
use companin_entity::{
    Environment, latency_rollup, rate_limit_event, rate_limit_window, request_log,
};
use companin_service::analytics::rollups::{Logged, Sums};
use reqwest::Method;
use sea_orm::{ActiveValue::NotSet, EntityTrait, IntoActiveModel, Set};
use serde_json::{Value, json};

use super::conversations::{post, rated};
use super::{accessible, invitation, screenshot, signed_in, until};
use crate::browser::js;
use crate::helpers::{Backend, Creds, TestApp, spawn_app};
use crate::knowledge::{upload, wait_done};

const ROUTES: [(&str, &str); 3] = [
    ("GET", "/api/v1/assistants"),
    ("POST", "/api/v1/conversations/send-message"),
    ("GET", "/api/v1/knowledge"),
];
const STATUSES: [i32; 8] = [200, 200, 201, 404, 429, 500, 503, 200];
const ROWS: i64 = 40;
const FAILED_NAME: &str = "<img src=x onerror=\"window.pwned = 1\">.json";

/// `ROWS` requests yesterday (UTC, 10:00 to 13:15), spread over three endpoints, two clients
/// and every status class, written with their rollups as the log writer writes them; and
/// two rate-limit refusals of `widget` with their hour's window.
async fn yesterday(app: &TestApp, org_id: &str, clients: [&str; 2]) {
    let db = app.db().await;
    let day = (Utc::now() - Duration::days(1)).date_naive();
    let start = day.and_hms_opt(10, 0, 0).unwrap().and_utc();
    let mut sums = Sums::default();
    for i in 0..ROWS {
        let at = start + Duration::minutes(5 * i);
        let (method, route) = ROUTES[(i % 3) as usize];
        let status = STATUSES[(i % 8) as usize];
        let client = clients[(i % 2) as usize];
        let latency = 5.0 + ((i * 37) % 100) as f64 * 1.3;
        sums.add(Logged {
            org_id,
            environment: "production",
            client_id: Some(client),
            method,
            route,
            status: status as u16,
            latency_ms: latency,
            at,
        });
        request_log::Entity::insert(request_log::ActiveModel {
            id: NotSet,
            org_id: Set(Some(org_id.to_owned())),
            environment: Set(Some(Environment::Production)),
            client_id: Set(Some(client.to_owned())),
            request_id: Set(format!("known-{i}")),
            method: Set(method.into()),
            route: Set(route.into()),
            status: Set(status),
            latency_ms: Set(latency),
            latency_bucket: Set(latency_rollup::bucket(latency)),
            created_at: Set(at),
        })
        .exec_without_returning(&db)
        .await
        .unwrap();
    }
    sums.write(&db).await.unwrap();
    let window = start.timestamp();
    for n in 0..2 {
        rate_limit_event::Entity::insert(rate_limit_event::ActiveModel {
            id: NotSet,
            org_id: Set(org_id.to_owned()),
            environment: Set(Environment::Production),
            client_id: Set(clients[1].to_owned()),
            kind: Set("blocked".into()),
            period: Set("hour".into()),
            window_start: Set(window),
            max_requests: Set(10),
            used: Set(10),
            request_id: Set(format!("refused-{n}")),
            created_at: Set(start + Duration::minutes(50 + n)),
        })
        .exec_without_returning(&db)
        .await
        .unwrap();
    }
    rate_limit_window::Entity::insert(
        rate_limit_window::Model {
            org_id: org_id.to_owned(),
            environment: Environment::Production,
            window_start: window,
            max_requests: 10,
            admitted: 10,
            requested: 12,
            last_grant: 0,
        }
        .into_active_model(),
    )
    .exec_without_returning(&db)
    .await
    .unwrap();
}

/// `n` requests a minute ago answered 500, logged with their rollups.
async fn server_errors_now(app: &TestApp, org_id: &str, client: &str, n: i64) {
    let db = app.db().await;
    let mut sums = Sums::default();
    for i in 0..n {
        let at = Utc::now() - Duration::seconds(60 - i);
        sums.add(Logged {
            org_id,
            environment: "production",
            client_id: Some(client),
            method: "GET",
            route: "/api/v1/assistants",
            status: 500,
            latency_ms: 3.0,
            at,
        });
        request_log::Entity::insert(request_log::ActiveModel {
            id: NotSet,
            org_id: Set(Some(org_id.to_owned())),
            environment: Set(Some(Environment::Production)),
            client_id: Set(Some(client.to_owned())),
            request_id: Set(format!("broken-{i}")),
            method: Set("GET".into()),
            route: Set("/api/v1/assistants".into()),
            status: Set(500),
            latency_ms: Set(3.0),
            latency_bucket: Set(latency_rollup::bucket(3.0)),
            created_at: Set(at),
        })
        .exec_without_returning(&db)
        .await
        .unwrap();
    }
    sums.write(&db).await.unwrap();
}

/// What each chart of the page drew: `{id: {labels, series: [[label, data]]}}`, once every
/// chart with data is drawn.
const DRAWN: &str = "
    const figures = [...document.querySelectorAll('figure.chart')];
    if (!figures.length || figures.some(f => f.querySelector('canvas') && !f.dataset.drawn)) return null;
    const out = {};
    for (const f of figures) {
      const c = f.querySelector('canvas') && Chart.getChart(f.querySelector('canvas'));
      out[f.dataset.chart] = c
        ? { labels: c.data.labels, series: c.data.datasets.map(d => [d.label, d.data]) }
        : { labels: [], series: [] };
    }
    return out;";

/// The API's report at `path` over the page's own range (`data-from`, `data-to` of
/// `#section`).
async fn report(
    app: &TestApp,
    c: &Creds,
    client: &fantoccini::Client,
    section: &str,
    path: &str,
) -> Value {
    let range = js(
        client,
        &format!("const s = document.getElementById('{section}'); return new URLSearchParams({{ from: s.dataset.from, to: s.dataset.to }}).toString();"),
    )
    .await;
    let sep = if path.contains('?') { '&' } else { '?' };
    let url = format!("/api/v1{path}{sep}{}", range.as_str().unwrap());
    let (status, v) = app.call(c, Method::GET, &url, None).await;
    assert_eq!(status, 200, "{url}: {v}");
    v
}

/// `f` of each item, as the browser hands numbers back (whole numbers as integers).
fn numbers(items: &Value, f: impl Fn(&Value) -> f64) -> Value {
    let number = |x: f64| {
        if x.fract() == 0.0 && x.abs() < 1e15 {
            json!(x as i64)
        } else {
            json!(x)
        }
    };
    json!(
        items
            .as_array()
            .unwrap()
            .iter()
            .map(|v| number(f(v)))
            .collect::<Vec<_>>()
    )
}

fn int(v: &Value, field: &str) -> f64 {
    v[field].as_f64().unwrap()
}

/// The digits of a figure's text: `1,234` and `1.234` both give 1234.
fn digits(shown: &Value) -> String {
    shown
        .as_str()
        .unwrap()
        .chars()
        .filter(char::is_ascii_digit)
        .collect()
}

#[test]
fn the_console_charts_and_home_show_what_the_analytics_api_reports() {
    crate::helpers::run(async {
        let app = spawn_app(Backend::Sqlite).await;
        let org = app.create_org("Shop", Some(1000)).await;
        let c = org.production.clone();
        let widget = post(&app, &c, "/clients/", json!({ "name": "Widget key" })).await;
        let widget = widget["client_id"].as_str().unwrap().to_owned();
        yesterday(&app, &org.id, [&c.client_id, &widget]).await;
        server_errors_now(&app, &org.id, &widget, 2).await;

        // Today: two rated conversations, one ready item and one that failed (its name is
        // markup, shown as written).
        let bot = post(
            &app,
            &c,
            "/assistants/",
            json!({ "name": "Help", "reply_mode": "extractive" }),
        )
        .await;
        let bot = bot["id"].as_str().unwrap().to_owned();
        rated(&app, &c, &bot, "vis-a", 5, "Good").await;
        rated(&app, &c, &bot, "vis-b", 2, "Meh").await;
        crate::search::add_text(&app, &c, "Hours", "We open at nine.", json!({})).await;
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let (status, failed) = upload(
            &app,
            &c,
            FAILED_NAME,
            "application/json",
            deep.into_bytes(),
            &[],
        )
        .await;
        assert_eq!(status, 202, "{failed}");
        let failed = wait_done(&app, &c, failed["id"].as_str().unwrap()).await;
        assert_eq!(failed["status"], "failed", "{failed}");

        let link = invitation(&app, &org, "vic@shop.example", "viewer").await;
        let console = signed_in(&app, &link, "vic@shop.example").await;
        let client = &console.client;

        // Home: the knowledge by status, the failed item by its literal name, the latest
        // server errors, today's conversations and satisfaction, the hour's limit.
        until(
            client,
            "the home figures",
            "const d = document.querySelector('[data-stat=ready] dd'); return d && d.textContent;",
        )
        .await;
        let stat =
            |id: &str| format!("return document.querySelector('[data-stat={id}] dd').textContent;");
        for (id, expected) in [
            ("ready", "1"),
            ("failed", "1"),
            ("pending", "0"),
            ("conversations", "2"),
        ] {
            assert_eq!(js(client, &stat(id)).await, expected, "{id}");
        }
        let satisfaction = js(client, &stat("satisfaction")).await;
        assert!(
            satisfaction.as_str().unwrap().starts_with("3.5"),
            "{satisfaction}"
        );
        let limits = report(&app, &c, client, "home", "/analytics/rate-limits/?limit=1").await;
        assert_eq!(limits["current_window"]["limit"], 1000, "{limits}");
        let hour = js(client, &stat("hour")).await;
        assert!(hour.as_str().unwrap().contains(" of 1,000 "), "{hour}");
        let shown = js(
            client,
            "return document.querySelector('#failed-knowledge a').textContent;",
        )
        .await;
        assert_eq!(shown, FAILED_NAME);
        assert!(js(client, "return window.pwned === undefined && !document.querySelector('#failed-knowledge img');").await.as_bool().unwrap());
        let errors = report(
            &app,
            &c,
            client,
            "home",
            "/analytics/logs/?min_status=500&limit=5",
        )
        .await;
        let expected: Vec<&str> = errors["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["request_id"].as_str().unwrap())
            .collect();
        assert_eq!(
            expected,
            ["broken-1", "broken-0"],
            "today's, newest first: {errors}"
        );
        let listed = js(client, "return [...document.querySelectorAll('#failed-requests tr[data-request]')].map(r => r.dataset.request);").await;
        assert_eq!(listed, json!(expected));
        screenshot(client, "home").await;
        accessible(client, "home").await;

        // Analytics over yesterday: every chart is the API's report of the page's range.
        let day = (Utc::now() - Duration::days(1)).format("%Y-%m-%d");
        client
            .goto(&app.url(&format!("/dashboard/analytics?from={day}&to={day}")))
            .await
            .unwrap();
        let drawn = until(client, "every chart drawn", DRAWN).await;
        let usage = report(
            &app,
            &c,
            client,
            "analytics",
            "/analytics/usage/?interval=hour",
        )
        .await;
        assert_eq!(
            usage["totals"]["requests"], ROWS,
            "the known traffic is in the range: {usage}"
        );
        assert_eq!(usage["totals"]["server_errors"], 10);
        let buckets = &usage["buckets"];
        assert_eq!(
            drawn["requests"]["series"],
            json!([
                [
                    "Succeeded",
                    numbers(buckets, |b| int(b, "requests") - int(b, "errors"))
                ],
                [
                    "Client errors (4xx)",
                    numbers(buckets, |b| int(b, "errors") - int(b, "server_errors"))
                ],
                [
                    "Server errors (5xx)",
                    numbers(buckets, |b| int(b, "server_errors"))
                ],
            ])
        );
        assert_eq!(drawn["requests"]["labels"].as_array().unwrap().len(), 24);
        assert_eq!(
            drawn["questions"]["series"][0][1],
            numbers(buckets, |b| int(b, "messages"))
        );

        let endpoints = report(&app, &c, client, "analytics", "/analytics/endpoints/").await;
        let items = &endpoints["items"];
        assert_eq!(endpoints["total"], 3, "{endpoints}");
        let names: Vec<String> = items
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                format!(
                    "{} {}",
                    e["method"].as_str().unwrap(),
                    e["route"].as_str().unwrap()
                )
            })
            .collect();
        assert_eq!(drawn["endpoints"]["labels"], json!(names));
        assert_eq!(
            drawn["endpoints"]["series"][0][1],
            numbers(items, |e| int(e, "requests"))
        );
        assert_eq!(drawn["latency"]["labels"], json!(names));
        for (i, p) in ["p50_latency_ms", "p95_latency_ms", "p99_latency_ms"]
            .iter()
            .enumerate()
        {
            assert_eq!(
                drawn["latency"]["series"][i][1],
                numbers(items, |e| int(e, p)),
                "{p}"
            );
        }
        let p95 = js(
            client,
            "return document.querySelector('[data-stat=p95] dd').textContent;",
        )
        .await;
        let shown: f64 = p95
            .as_str()
            .unwrap()
            .trim_end_matches(" ms")
            .replace(',', "")
            .parse()
            .unwrap();
        let overall = int(&endpoints["overall"], "p95_latency_ms");
        assert!(
            (shown - overall).abs() < 0.05 + 1e-9,
            "{p95} against {overall}"
        );
        assert_eq!(
            digits(
                &js(
                    client,
                    "return document.querySelector('[data-stat=requests] dd').textContent;"
                )
                .await
            ),
            ROWS.to_string()
        );

        let keys = report(&app, &c, client, "analytics", "/analytics/keys/").await;
        let items = &keys["items"];
        assert_eq!(
            drawn["keys"]["labels"],
            json!(
                items
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|k| k["name"].clone())
                    .collect::<Vec<_>>()
            )
        );
        assert_eq!(
            drawn["keys"]["series"][0][1],
            numbers(items, |k| int(k, "requests")
                - int(k, "rate_limit_refusals"))
        );
        assert_eq!(
            drawn["keys"]["series"][1][1],
            numbers(items, |k| int(k, "rate_limit_refusals"))
        );
        assert!(
            drawn["keys"]["series"][1][1]
                .as_array()
                .unwrap()
                .contains(&json!(2)),
            "{keys}"
        );

        let limits = report(
            &app,
            &c,
            client,
            "analytics",
            "/analytics/rate-limits/?limit=1",
        )
        .await;
        let windows = &limits["windows"];
        assert_eq!(windows.as_array().unwrap().len(), 1, "{limits}");
        assert_eq!(
            drawn["rate_limits"]["series"][0][1],
            numbers(windows, |w| int(w, "allowed"))
        );
        assert_eq!(
            drawn["rate_limits"]["series"][1][1],
            numbers(windows, |w| int(w, "blocked"))
        );
        screenshot(client, "analytics").await;
        accessible(client, "analytics").await;

        // The request log of the range, server errors only, and its CSV export.
        js(client, "const s = document.getElementById('min_status'); s.value = '500'; s.dispatchEvent(new Event('change', { bubbles: true }));").await;
        let total = until(client, "the server errors", "const t = document.getElementById('logs-total'); return t && t.textContent.endsWith(' 10') && t.textContent;").await;
        assert!(total.as_str().unwrap().starts_with("1–10"), "{total}");
        js(
            client,
            // The file the browser would save: its name from the link, its text from the
            // blob (the page's policy lets no script fetch a blob: address).
            "window.exported = null;
             let name = null;
             const click = HTMLAnchorElement.prototype.click;
             HTMLAnchorElement.prototype.click = function () {
               if (!this.download) return click.call(this);
               name = this.download;
             };
             const create = URL.createObjectURL;
             URL.createObjectURL = (blob) => {
               blob.text().then(text => { window.exported = { name, text }; });
               return create(blob);
             };
             document.getElementById('export-csv').click();",
        )
        .await;
        let exported = until(client, "the CSV export", "return window.exported;").await;
        assert_eq!(exported["name"], "request-log.csv");
        let csv = exported["text"].as_str().unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(
            lines[0],
            "time,method,route,status,latency_ms,client_id,request_id"
        );
        assert_eq!(lines.len(), 11, "{csv}");
        assert!(lines[1..].iter().all(|l| l.contains(",50")), "{csv}");

        // Today: the conversations' charts and figures (nothing the page does changes them).
        let today = Utc::now().format("%Y-%m-%d");
        client
            .goto(&app.url(&format!("/dashboard/analytics?from={today}&to={today}")))
            .await
            .unwrap();
        let drawn = until(client, "today's charts", DRAWN).await;
        let talks = report(&app, &c, client, "analytics", "/analytics/conversations/").await;
        let distribution = &talks["totals"]["satisfaction"]["distribution"];
        assert_eq!(
            drawn["satisfaction"]["series"][0][1],
            numbers(distribution, |d| int(d, "count"))
        );
        assert_eq!(talks["totals"]["conversations"], 2, "{talks}");
        assert_eq!(
            js(
                client,
                "return document.querySelector('[data-stat=conversations] dd').textContent;"
            )
            .await,
            "2"
        );

        console.client.close().await.unwrap();
    });
}
