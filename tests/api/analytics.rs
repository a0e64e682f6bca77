//! Analytics reports against a known mix of traffic and conversations: exact counts, rates,
//! buckets, percentiles and averages on both databases, every refusal, and tenant walls.

use chrono::{DateTime, Duration, TimeZone, Utc};
use companin_entity::{
    Environment, conversation, feedback, latency_rollup, message, rate_limit_event,
    rate_limit_window, request_log, webhook_delivery,
};
use reqwest::Method;
use sea_orm::{ActiveValue::NotSet, ConnectionTrait, EntityTrait, IntoActiveModel, Set, Statement};
use serde_json::{Value, json};

use crate::conversations::session;
use crate::helpers::{
    Backend, Creds, TestApp, TestDatabase, assert_error, spawn_app, spawn_app_with,
};
use crate::on_both_backends;
use crate::search::assistant;

on_both_backends!(
    traffic_reports_are_exact,
    conversation_report_is_exact,
    usage_buckets_are_zero_filled,
    logs_filter_sort_and_export,
    bad_ranges_are_refused,
    reports_stop_at_the_tenant_wall,
    old_records_are_swept,
    rollups_and_log_edges_add_up_exactly,
    upgrading_sums_existing_rows_into_rollups
);

fn time(v: &Value) -> DateTime<Utc> {
    v.as_str()
        .unwrap_or_else(|| panic!("{v} is not a time"))
        .parse()
        .unwrap()
}

fn rfc(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

async fn get(app: &TestApp, creds: &Creds, path: &str) -> Value {
    let (status, v) = app.call(creds, Method::GET, path, None).await;
    assert_eq!(status, 200, "{path}: {v}");
    v
}

/// Waits until the request log holds `n` rows of the organization, without going through
/// the API (whose own requests would count against the tight limit of the test).
async fn wait_for_rows(app: &TestApp, org_id: &str, n: i64) {
    let db = app.db().await;
    let sql = format!("SELECT COUNT(*) FROM request_logs WHERE org_id = '{org_id}'");
    for _ in 0..200 {
        let row = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                sql.clone(),
            ))
            .await
            .unwrap()
            .unwrap();
        if row.try_get_by_index::<i64>(0).unwrap() >= n {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("the request log never reached {n} rows");
}

/// Keeps a test's traffic inside one rate-limit window.
pub async fn away_from_window_edge() {
    let into_hour = Utc::now().timestamp().rem_euclid(3600);
    if into_hour > 3600 - 30 {
        tokio::time::sleep(std::time::Duration::from_secs(
            (3600 - into_hour + 1) as u64,
        ))
        .await;
    }
}

/// The nearest-rank percentile of `values`.
fn nearest_rank(values: &[f64], p: f64) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let rank = (p * v.len() as f64).ceil() as usize;
    v[rank.max(1) - 1]
}

fn item<'a>(report: &'a Value, key: &str, value: &str) -> &'a Value {
    report["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i[key] == value)
        .unwrap_or_else(|| panic!("no item with {key} = {value} in {report}"))
}

fn endpoint<'a>(report: &'a Value, method: &str, route: &str) -> &'a Value {
    report["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["method"] == method && i["route"] == route)
        .unwrap_or_else(|| panic!("no {method} {route} in {report}"))
}

async fn traffic_reports_are_exact(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.rate_limit.limit_refresh_secs = 0).await;
    let org = app.create_org("Acme", Some(20)).await;
    let a = &org.production;
    away_from_window_edge().await;

    // Client A: one create (201), four lists, two misses (404), one invalid create (422).
    let (status, created) = app
        .call(
            a,
            Method::POST,
            "/api/v1/clients/",
            Some(json!({"name": "second"})),
        )
        .await;
    assert_eq!(status, 201);
    let b = Creds::from_json(&created);
    for _ in 0..4 {
        assert_eq!(
            app.call(a, Method::GET, "/api/v1/clients/", None).await.0,
            200
        );
    }
    for _ in 0..2 {
        let path = "/api/v1/clients/cli_0123456789abcdef0123456789abcdef";
        assert_eq!(app.call(a, Method::GET, path, None).await.0, 404);
    }
    let (status, _) = app
        .call(a, Method::POST, "/api/v1/clients/", Some(json!({})))
        .await;
    assert_eq!(status, 422);
    // Client B: twelve lists fill the limit of 20 (the 17th request overall passes 80 %),
    // then three are refused.
    for _ in 0..12 {
        assert_eq!(
            app.call(&b, Method::GET, "/api/v1/clients/", None).await.0,
            200
        );
    }
    for _ in 0..3 {
        assert_eq!(
            app.call(&b, Method::GET, "/api/v1/clients/", None).await.0,
            429
        );
    }
    let to = Utc::now();
    wait_for_rows(&app, &org.id, 23).await;
    // Room for the reports themselves.
    app.set_rate_limit(&org.id, 1000).await;
    let range = format!("from={}&to={}", rfc(to - Duration::hours(1)), rfc(to));

    let endpoints = get(&app, a, &format!("/api/v1/analytics/endpoints/?{range}")).await;
    assert_eq!(endpoints["total"], 3, "{endpoints}");
    let list = endpoint(&endpoints, "GET", "/api/v1/clients");
    assert_eq!(list["requests"], 19);
    assert_eq!(list["errors"], 3);
    assert!((list["error_rate"].as_f64().unwrap() - 3.0 / 19.0).abs() < 1e-12);
    let by_id = endpoint(&endpoints, "GET", "/api/v1/clients/{id}");
    assert_eq!(
        (by_id["requests"].as_u64(), by_id["errors"].as_u64()),
        (Some(2), Some(2))
    );
    assert_eq!(by_id["error_rate"], 1.0);
    assert_eq!(
        endpoints["items"][0]["route"], "/api/v1/clients",
        "busiest first"
    );
    let creates = endpoint(&endpoints, "POST", "/api/v1/clients");
    assert_eq!(
        (creates["requests"].as_u64(), creates["errors"].as_u64()),
        (Some(2), Some(1))
    );

    // The percentiles are the nearest-rank ones of the logged latencies.
    let logs = get(
        &app,
        a,
        &format!("/api/v1/analytics/logs/?route=/api/v1/clients&method=GET&limit=100&{range}"),
    )
    .await;
    assert_eq!(logs["total"], 19);
    let latencies: Vec<f64> = logs["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["latency_ms"].as_f64().unwrap())
        .collect();
    assert_eq!(
        list["p50_latency_ms"].as_f64().unwrap(),
        nearest_rank(&latencies, 0.5)
    );
    assert_eq!(
        list["p95_latency_ms"].as_f64().unwrap(),
        nearest_rank(&latencies, 0.95)
    );
    let mean = latencies.iter().sum::<f64>() / latencies.len() as f64;
    assert!((list["avg_latency_ms"].as_f64().unwrap() - mean).abs() < 1e-9);

    let keys = get(&app, a, &format!("/api/v1/analytics/keys/?{range}")).await;
    assert_eq!(
        keys["total"], 2,
        "only this environment's live clients: {keys}"
    );
    let ka = item(&keys, "client_id", &a.client_id);
    assert_eq!(
        (
            ka["requests"].as_u64(),
            ka["errors"].as_u64(),
            ka["rate_limit_refusals"].as_u64()
        ),
        (Some(8), Some(3), Some(0))
    );
    let kb = item(&keys, "client_id", &b.client_id);
    assert_eq!(
        (
            kb["requests"].as_u64(),
            kb["errors"].as_u64(),
            kb["rate_limit_refusals"].as_u64()
        ),
        (Some(15), Some(3), Some(3))
    );
    assert_eq!(kb["name"], "second");
    assert_eq!(
        keys["items"][0]["client_id"],
        b.client_id.as_str(),
        "busiest first"
    );
    let b_logs = get(
        &app,
        a,
        &format!("/api/v1/analytics/logs/?client_id={}&{range}", b.client_id),
    )
    .await;
    let newest: DateTime<Utc> = b_logs["items"][0]["time"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let last_used: DateTime<Utc> = kb["last_used_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(last_used, newest);

    let usage = get(
        &app,
        a,
        &format!("/api/v1/analytics/usage/?interval=hour&{range}"),
    )
    .await;
    // Buckets are whole hours, so the reports' own requests of this hour count too; they
    // all succeed. Client B made only the traffic, so its figures are exact.
    let requests = usage["totals"]["requests"].as_u64().unwrap();
    assert!((23..23 + 10).contains(&requests), "{usage}");
    assert_eq!(usage["totals"]["errors"], 6);
    let only_b = get(
        &app,
        a,
        &format!(
            "/api/v1/analytics/usage/?interval=hour&client_id={}&{range}",
            b.client_id
        ),
    )
    .await;
    assert_eq!(only_b["totals"]["requests"], 15);
    assert_eq!(only_b["totals"]["errors"], 3);
    assert_eq!(only_b["client_id"], b.client_id.as_str());

    let limits = get(&app, a, &format!("/api/v1/analytics/rate-limits/?{range}")).await;
    assert_eq!(limits["totals"]["blocked"], 3, "{limits}");
    assert_eq!(limits["totals"]["warnings"], 1);
    assert_eq!(limits["events"]["total"], 4);
    let warning = &limits["events"]["items"].as_array().unwrap()[3];
    assert_eq!(
        warning["kind"], "warning",
        "newest first: the warning came first"
    );
    assert_eq!(warning["client_id"], b.client_id.as_str());
    assert_eq!(warning["used"], 17);
    assert_eq!(warning["limit"], 20);
    let window = &limits["windows"][0];
    assert_eq!(window["blocked"], 3);
    // Every admitted request of the window so far: the traffic, then the reports.
    let current = &limits["current_window"];
    assert_eq!(current["limit"], 1000);
    assert_eq!(current["window_start"], window["start"]);
    assert_eq!(
        current["used"].as_i64().unwrap() + current["remaining"].as_i64().unwrap(),
        1000
    );
    assert!(current["used"].as_i64().unwrap() >= 20 + 6);
    assert!(window["allowed"].as_i64().unwrap() >= 20);
    let blocked = get(
        &app,
        a,
        &format!("/api/v1/analytics/rate-limits/?kind=blocked&limit=2&{range}"),
    )
    .await;
    assert_eq!(blocked["events"]["total"], 3);
    assert_eq!(blocked["events"]["items"].as_array().unwrap().len(), 2);
    let by_a = get(
        &app,
        a,
        &format!(
            "/api/v1/analytics/rate-limits/?client_id={}&{range}",
            a.client_id
        ),
    )
    .await;
    assert_eq!(by_a["events"]["total"], 0);
}

/// Conversations written straight to the database at known times, so that durations,
/// ratings and fallbacks are known exactly.
struct Seeded {
    x: String,
    y: String,
    base: DateTime<Utc>,
}

async fn seed_conversations(app: &TestApp, org_id: &str, creds: &Creds) -> Seeded {
    let x = assistant(app, creds, json!({"name": "X"})).await;
    let y = assistant(app, creds, json!({"name": "Y"})).await;
    let sx = session(app, creds, &x).await;
    let sy = session(app, creds, &y).await;
    let base = Utc.with_ymd_and_hms(2026, 1, 10, 10, 0, 0).unwrap();
    let db = app.db().await;
    // (assistant, session, start, duration ms, replies answered?, ratings)
    type Plan<'a> = (&'a str, &'a str, DateTime<Utc>, i64, &'a [bool], &'a [i16]);
    let plan: [Plan; 5] = [
        (&x, &sx, base, 10_000, &[true, false], &[5, 4]),
        (&x, &sx, base + Duration::hours(1), 30_000, &[false], &[2]),
        (&x, &sx, base + Duration::hours(2), 20_500, &[true], &[]),
        (&y, &sy, base + Duration::hours(3), 60_000, &[true], &[5]),
        // The day before: outside the reports' range.
        (&x, &sx, base - Duration::days(1), 5_000, &[false], &[1]),
    ];
    for (n, (assistant_id, session_id, start, millis, replies, ratings)) in
        plan.into_iter().enumerate()
    {
        let end = start + Duration::milliseconds(millis);
        let conversation_id = format!("conv_test{n}");
        conversation::Entity::insert(
            conversation::Model {
                id: conversation_id.clone(),
                org_id: org_id.to_owned(),
                environment: Environment::Production,
                session_id: session_id.to_owned(),
                assistant_id: assistant_id.to_owned(),
                visitor_id: "v".into(),
                user_id: None,
                context: json!({}),
                message_count: 2 * replies.len() as i32,
                reply_count: replies.len() as i32,
                unanswered_count: replies.iter().filter(|a| !**a).count() as i32,
                created_at: start,
                updated_at: end,
                last_message_at: end,
            }
            .into_active_model(),
        )
        .exec_without_returning(&db)
        .await
        .unwrap();
        for (i, answered) in replies.iter().enumerate() {
            for (role, at) in [("user", start), ("assistant", end)] {
                message::Entity::insert(
                    message::Model {
                        id: format!("msg_test{n}_{i}_{role}"),
                        conversation_id: conversation_id.clone(),
                        org_id: org_id.to_owned(),
                        environment: Environment::Production,
                        role: role.into(),
                        content: "…".into(),
                        reply_kind: (role == "assistant").then(|| "extractive".into()),
                        answered: (role == "assistant").then_some(*answered),
                        sources: json!([]),
                        assistant_version: None,
                        prompt_tokens: None,
                        completion_tokens: None,
                        latency_ms: None,
                        first_token_ms: None,
                        created_at: at,
                    }
                    .into_active_model(),
                )
                .exec_without_returning(&db)
                .await
                .unwrap();
            }
        }
        for (i, rating) in ratings.iter().enumerate() {
            feedback::Entity::insert(
                feedback::Model {
                    id: format!("fb_test{n}_{i}"),
                    org_id: org_id.to_owned(),
                    environment: Environment::Production,
                    conversation_id: conversation_id.clone(),
                    message_id: None,
                    rating: *rating,
                    comment: None,
                    created_at: end,
                }
                .into_active_model(),
            )
            .exec_without_returning(&db)
            .await
            .unwrap();
        }
    }
    Seeded { x, y, base }
}

fn distribution(stats: &Value) -> Vec<u64> {
    stats["satisfaction"]["distribution"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(i, d)| {
            assert_eq!(d["rating"], i + 1);
            d["count"].as_u64().unwrap()
        })
        .collect()
}

fn close(v: &Value, expected: f64) {
    let got = v.as_f64().unwrap_or_else(|| panic!("{v} is not a number"));
    assert!((got - expected).abs() < 1e-9, "{got} != {expected}");
}

async fn conversation_report_is_exact(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = app.create_org("Acme", None).await;
    let c = &org.production;
    let s = seed_conversations(&app, &org.id, c).await;
    let day = format!(
        "from={}&to={}",
        rfc(s.base - Duration::hours(10)),
        rfc(s.base + Duration::hours(14))
    );

    let report = get(&app, c, &format!("/api/v1/analytics/conversations/?{day}")).await;
    let t = &report["totals"];
    assert_eq!(t["conversations"], 4, "{report}");
    assert_eq!(t["messages"], 10);
    close(&t["avg_messages_per_conversation"], 2.5);
    close(
        &t["avg_duration_seconds"],
        (10.0 + 30.0 + 20.5 + 60.0) / 4.0,
    );
    close(&t["p50_duration_seconds"], 20.5);
    assert_eq!(distribution(t), [0, 1, 0, 1, 2]);
    assert_eq!(t["satisfaction"]["count"], 4);
    close(&t["satisfaction"]["average"], 4.0);
    close(&t["feedback_rate"], 0.75);
    assert_eq!(
        (t["replies"].as_u64(), t["unanswered"].as_u64()),
        (Some(5), Some(2))
    );
    close(&t["unanswered_rate"], 0.4);

    let per = report["assistants"].as_array().unwrap();
    assert_eq!(per.len(), 2);
    let x = &per[0];
    assert_eq!(x["assistant_id"], s.x.as_str(), "most conversations first");
    assert_eq!(x["name"], "X");
    assert_eq!(x["conversations"], 3);
    assert_eq!(x["messages"], 8);
    close(&x["avg_duration_seconds"], (10.0 + 30.0 + 20.5) / 3.0);
    close(&x["p50_duration_seconds"], 20.5);
    assert_eq!(distribution(x), [0, 1, 0, 1, 1]);
    close(&x["satisfaction"]["average"], 11.0 / 3.0);
    close(&x["feedback_rate"], 2.0 / 3.0);
    close(&x["unanswered_rate"], 0.5);
    let y = &per[1];
    assert_eq!(y["conversations"], 1);
    close(&y["p50_duration_seconds"], 60.0);
    close(&y["satisfaction"]["average"], 5.0);
    close(&y["unanswered_rate"], 0.0);

    let only_y = get(
        &app,
        c,
        &format!(
            "/api/v1/analytics/conversations/?assistant_id={}&{day}",
            s.y
        ),
    )
    .await;
    assert_eq!(only_y["totals"]["conversations"], 1);
    assert_eq!(only_y["assistants"].as_array().unwrap().len(), 1);

    // Without feedback, the average is null rather than a made-up zero.
    let empty = get(
        &app,
        c,
        &format!(
            "/api/v1/analytics/conversations/?from={}&to={}",
            rfc(s.base - Duration::days(30)),
            rfc(s.base - Duration::days(20))
        ),
    )
    .await;
    assert_eq!(empty["totals"]["conversations"], 0);
    assert_eq!(empty["totals"]["satisfaction"]["average"], Value::Null);
    assert_eq!(empty["assistants"], json!([]));
}

async fn usage_buckets_are_zero_filled(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = app.create_org("Acme", None).await;
    let c = &org.production;
    let s = seed_conversations(&app, &org.id, c).await;

    // From two hours before the first conversation, starting mid-hour: widened to whole hours.
    let hourly = get(
        &app,
        c,
        &format!(
            "/api/v1/analytics/usage/?interval=hour&from={}&to={}",
            rfc(s.base - Duration::minutes(90)),
            rfc(s.base + Duration::hours(4))
        ),
    )
    .await;
    assert_eq!(hourly["interval"], "hour");
    assert_eq!(
        time(&hourly["from"]),
        s.base - Duration::hours(2),
        "{hourly}"
    );
    assert_eq!(time(&hourly["to"]), s.base + Duration::hours(4));
    let buckets = hourly["buckets"].as_array().unwrap();
    assert_eq!(buckets.len(), 6);
    let messages: Vec<u64> = buckets
        .iter()
        .map(|b| b["messages"].as_u64().unwrap())
        .collect();
    assert_eq!(messages, [0, 0, 2, 1, 1, 1]);
    assert_eq!(time(&buckets[2]["start"]), s.base);
    assert!(
        buckets
            .iter()
            .all(|b| b["requests"] == 0 && b["errors"] == 0)
    );
    assert_eq!(hourly["totals"]["messages"], 5);

    let daily = get(
        &app,
        c,
        &format!(
            "/api/v1/analytics/usage/?interval=day&from={}&to={}",
            rfc(s.base - Duration::days(2)),
            rfc(s.base + Duration::days(1))
        ),
    )
    .await;
    let messages: Vec<u64> = daily["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["messages"].as_u64().unwrap())
        .collect();
    assert_eq!(messages, [0, 1, 5, 0], "{daily}");

    // Today's knowledge item appears in today's bucket of the default range (30 days).
    let (status, v) = app
        .call(
            c,
            Method::POST,
            "/api/v1/knowledge/qas/",
            Some(json!({"question": "Do you ship abroad?", "answer": "Yes."})),
        )
        .await;
    assert_eq!(status, 202, "{v}");
    let recent = get(&app, c, "/api/v1/analytics/usage/").await;
    assert_eq!(recent["interval"], "day");
    let buckets = recent["buckets"].as_array().unwrap();
    assert_eq!(buckets.len(), 30, "{recent}");
    assert_eq!(buckets[29]["knowledge_items"], 1);
    assert_eq!(recent["totals"]["knowledge_items"], 1);
}

async fn logs_filter_sort_and_export(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = app.create_org("Acme", None).await;
    let c = &org.production;
    for _ in 0..3 {
        assert_eq!(
            app.call(c, Method::GET, "/api/v1/clients/", None).await.0,
            200
        );
    }
    assert_eq!(
        app.call(c, Method::POST, "/api/v1/clients/", Some(json!({})))
            .await
            .0,
        422
    );
    let to = rfc(Utc::now());
    app.wait_for_logs(c, "route=/api/v1/clients", 4).await;

    let posts = get(
        &app,
        c,
        &format!("/api/v1/analytics/logs/?method=post&to={to}"),
    )
    .await;
    assert_eq!(posts["total"], 1);
    assert_eq!(posts["items"][0]["status"], 422);
    // Errors only: at least a status, counted exactly.
    for (min_status, expected) in [(400, 1), (423, 0), (200, 4)] {
        let errors = get(
            &app,
            c,
            &format!(
                "/api/v1/analytics/logs/?route=/api/v1/clients&min_status={min_status}&to={to}"
            ),
        )
        .await;
        assert_eq!(
            errors["total"], expected,
            "min_status={min_status}: {errors}"
        );
    }

    let slowest = get(
        &app,
        c,
        &format!("/api/v1/analytics/logs/?route=/api/v1/clients&sort=-latency&to={to}"),
    )
    .await;
    let latencies: Vec<f64> = slowest["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["latency_ms"].as_f64().unwrap())
        .collect();
    assert_eq!(latencies.len(), 4);
    assert!(latencies.windows(2).all(|w| w[0] >= w[1]), "{latencies:?}");
    let oldest = get(
        &app,
        c,
        &format!("/api/v1/analytics/logs/?route=/api/v1/clients&sort=time&to={to}"),
    )
    .await;
    assert_eq!(oldest["items"][0]["method"], "GET");
    assert_eq!(oldest["items"][3]["method"], "POST");

    // A latency band around the middle two of the four. (Bounds a hair wider than the
    // values: serde_json's default float parsing may land one ulp off what the server has.)
    let mut sorted = latencies.clone();
    sorted.sort_by(f64::total_cmp);
    let band = get(
        &app,
        c,
        &format!(
            "/api/v1/analytics/logs/?route=/api/v1/clients&min_latency_ms={}&max_latency_ms={}&to={to}",
            sorted[1] - 1e-9,
            sorted[2] + 1e-9
        ),
    )
    .await;
    assert_eq!(band["total"], 2, "{sorted:?} {band}");

    let resp = app
        .as_client(
            c,
            Method::GET,
            &format!("/api/v1/analytics/logs/?route=/api/v1/clients&sort=time&to={to}"),
        )
        .header("Accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = resp.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "time,method,route,status,latency_ms,client_id,request_id"
    );
    assert_eq!(lines.len(), 5, "a header and every matching row: {csv}");
    assert!(lines[1].contains(",GET,/api/v1/clients,200,"));
    assert!(lines[4].contains(",POST,/api/v1/clients,422,"));
    assert!(lines[4].contains(&c.client_id));

    // The CSV's numbers are exact (Rust prints and parses floats losslessly): bounds equal to
    // stored latencies are inclusive.
    let mut exact: Vec<f64> = lines[1..]
        .iter()
        .map(|l| l.split(',').nth(4).unwrap().parse().unwrap())
        .collect();
    exact.sort_by(f64::total_cmp);
    let band = get(
        &app,
        c,
        &format!(
            "/api/v1/analytics/logs/?route=/api/v1/clients&min_latency_ms={}&max_latency_ms={}&to={to}",
            exact[1], exact[2]
        ),
    )
    .await;
    assert_eq!(band["total"], 2, "{exact:?} {band}");
}

async fn bad_ranges_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = app.create_org("Acme", None).await;
    let c = &org.production;
    let now = Utc::now();
    for route in ["endpoints", "keys", "rate-limits", "conversations", "usage"] {
        let path = format!(
            "/api/v1/analytics/{route}/?from={}&to={}",
            rfc(now),
            rfc(now - Duration::hours(1))
        );
        let body = assert_error(
            app.send(c, Method::GET, &path, None).await,
            422,
            "validation_error",
        )
        .await;
        assert_eq!(body["data"]["field"], "from", "{route}: {body}");
    }
    let too_long = format!(
        "/api/v1/analytics/usage/?interval=hour&from={}&to={}",
        rfc(now - Duration::days(100)),
        rfc(now)
    );
    assert_error(
        app.send(c, Method::GET, &too_long, None).await,
        422,
        "validation_error",
    )
    .await;
    for bad in [
        "/api/v1/analytics/usage/?interval=week",
        "/api/v1/analytics/rate-limits/?kind=allowed",
        "/api/v1/analytics/logs/?sort=size",
        "/api/v1/analytics/logs/?min_latency_ms=5&max_latency_ms=1",
        "/api/v1/analytics/endpoints/?from=yesterday",
    ] {
        assert_error(
            app.send(c, Method::GET, bad, None).await,
            422,
            "validation_error",
        )
        .await;
    }
}

async fn reports_stop_at_the_tenant_wall(backend: Backend) {
    let app = spawn_app(backend).await;
    let acme = app.create_org("Acme", None).await;
    let other = app.create_org("Other", None).await;
    seed_conversations(&app, &acme.id, &acme.production).await;
    for _ in 0..3 {
        app.call(&acme.production, Method::GET, "/api/v1/clients/", None)
            .await;
    }
    app.wait_for_logs(&acme.production, "route=/api/v1/clients", 3)
        .await;
    let year = "from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z";
    for creds in [&other.production, &acme.sandbox] {
        let conv = get(
            &app,
            creds,
            &format!("/api/v1/analytics/conversations/?{year}"),
        )
        .await;
        assert_eq!(conv["totals"]["conversations"], 0);
        let usage = get(
            &app,
            creds,
            &format!("/api/v1/analytics/usage/?{year}&interval=day"),
        )
        .await;
        assert_eq!(usage["totals"]["messages"], 0);
        let endpoints = get(&app, creds, &format!("/api/v1/analytics/endpoints/?{year}")).await;
        assert!(
            endpoints["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|e| e["route"] != "/api/v1/clients"),
            "{endpoints}"
        );
        let keys = get(&app, creds, &format!("/api/v1/analytics/keys/?{year}")).await;
        assert_eq!(keys["total"], 1);
        assert_eq!(keys["items"][0]["client_id"], creds.client_id.as_str());
        let limits = get(
            &app,
            creds,
            &format!("/api/v1/analytics/rate-limits/?{year}"),
        )
        .await;
        assert_eq!(limits["events"]["total"], 0);
        // Another tenant's client names nothing here.
        let foreign = get(
            &app,
            creds,
            &format!(
                "/api/v1/analytics/usage/?{year}&client_id={}",
                acme.production.client_id
            ),
        )
        .await;
        assert_eq!(foreign["totals"]["requests"], 0);
    }
}

async fn old_records_are_swept(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.request_log.retention_days = 30;
        s.request_log.retention_sweep_secs = 1;
    })
    .await;
    let org = app.create_org("Acme", None).await;
    let db = app.db().await;
    let now = Utc::now();
    let mut sums = companin_service::analytics::rollups::Sums::default();
    for (n, age_days) in [40, 31, 29, 1].into_iter().enumerate() {
        let at = now - Duration::days(age_days);
        sums.add(companin_service::analytics::rollups::Logged {
            org_id: &org.id,
            environment: "production",
            client_id: None,
            method: "GET",
            route: "/api/v1/old",
            status: 200,
            latency_ms: 1.0,
            at,
        });
        request_log::Entity::insert(request_log::ActiveModel {
            id: NotSet,
            org_id: Set(Some(org.id.clone())),
            environment: Set(Some(Environment::Production)),
            client_id: Set(None),
            request_id: Set(format!("old-{n}")),
            method: Set("GET".into()),
            route: Set("/api/v1/old".into()),
            status: Set(200),
            latency_ms: Set(1.0),
            latency_bucket: Set(latency_rollup::bucket(1.0)),
            created_at: Set(at),
        })
        .exec_without_returning(&db)
        .await
        .unwrap();
        rate_limit_event::Entity::insert(rate_limit_event::ActiveModel {
            id: NotSet,
            org_id: Set(org.id.clone()),
            environment: Set(Environment::Production),
            client_id: Set(org.production.client_id.clone()),
            kind: Set("blocked".into()),
            period: Set("hour".into()),
            window_start: Set(at.timestamp() - at.timestamp().rem_euclid(3600)),
            max_requests: Set(10),
            used: Set(10),
            request_id: Set(format!("old-{n}")),
            created_at: Set(at),
        })
        .exec_without_returning(&db)
        .await
        .unwrap();
        // A delivered event and an alert (endpoint `alert`) of that age.
        for endpoint in ["whe_old", "alert"] {
            webhook_delivery::Entity::insert(
                webhook_delivery::Model {
                    id: format!("whd_old_{endpoint}_{n}"),
                    org_id: org.id.clone(),
                    environment: Environment::Production,
                    endpoint_id: endpoint.into(),
                    event_id: format!("evt_old_{n}"),
                    event_type: "session.created".into(),
                    sequence: 0,
                    payload: "{}".into(),
                    status: "delivered".into(),
                    attempts: 1,
                    next_attempt_at: at,
                    locked_until: None,
                    response_status: Some(200),
                    last_error: None,
                    duration_ms: Some(3),
                    created_at: at,
                    last_attempt_at: Some(at),
                    delivered_at: Some(at),
                }
                .into_active_model(),
            )
            .exec_without_returning(&db)
            .await
            .unwrap();
        }
        rate_limit_window::Entity::insert(
            rate_limit_window::Model {
                org_id: org.id.clone(),
                environment: Environment::Sandbox,
                window_start: at.timestamp() - at.timestamp().rem_euclid(3600),
                max_requests: 10,
                admitted: 10,
                requested: 11,
                last_grant: 0,
            }
            .into_active_model(),
        )
        .exec_without_returning(&db)
        .await
        .unwrap();
    }
    let count = |table: &'static str, column: &'static str| {
        let db = db.clone();
        let org_id = org.id.clone();
        async move {
            let sql =
                format!("SELECT COUNT(*) FROM {table} WHERE org_id = '{org_id}' AND {column}");
            db.query_one_raw(Statement::from_string(db.get_database_backend(), sql))
                .await
                .unwrap()
                .unwrap()
                .try_get_by_index::<i64>(0)
                .unwrap()
        }
    };
    sums.write(&db).await.unwrap();
    // The hours of those rows are sealed too (from the log's start).
    db.execute_unprepared("UPDATE latency_sealing SET sealed_until = NULL")
        .await
        .unwrap();
    companin_service::analytics::samples::seal_due(&db, now)
        .await
        .unwrap();
    // The 29- and 1-day-old records stay; the 31- and 40-day-old ones go, with their
    // rollups (one hourly total, one hourly histogram row and one sample row each), and the
    // webhook deliveries (two per age).
    let mut left = (0, 0, 0, 0, 0, 0, 0);
    for _ in 0..200 {
        left = (
            count("request_logs", "route = '/api/v1/old'").await,
            count("rate_limit_events", "request_id LIKE 'old-%'").await,
            count("rate_limit_windows", "environment = 'sandbox'").await,
            count("request_rollups", "route = '/api/v1/old'").await,
            count("latency_hour_rollups", "route = '/api/v1/old'").await,
            count("latency_samples", "route = '/api/v1/old'").await,
            count("webhook_deliveries", "event_id LIKE 'evt_old_%'").await,
        );
        if left == (2, 2, 2, 2, 2, 2, 4) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(left, (2, 2, 2, 2, 2, 2, 4));
}

/// Three days of generated requests, written with their rollups as the request-log writer
/// writes them; a range that starts and ends mid-hour (and mid-day) must give exactly what
/// the rows themselves give: with the hours' latencies read from the log, from their sealed
/// samples, and with a row that landed after its hour was sealed.
async fn rollups_and_log_edges_add_up_exactly(backend: Backend) {
    use companin_service::Tenant;
    use companin_service::analytics::Range;
    use companin_service::analytics::rollups::{Logged, Sums};
    use companin_service::analytics::samples;
    use companin_service::ids::OrgId;
    use std::collections::BTreeMap;

    // The rows are months old: the server's own retention sweep stays off, and the test
    // sweeps when it means to.
    let app = spawn_app_with(backend, |s| s.request_log.retention_days = 0).await;
    let org = app.create_org("Acme", None).await;
    let c = &org.production;
    let db = app.db().await;
    let base = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
    let endpoints = [("GET", "/api/v1/clients"), ("POST", "/api/v1/sessions")];
    // A small deterministic generator: no two latencies equal, statuses mixed.
    let mut rows: Vec<Row> = Vec::new();
    let mut sums = Sums::default();
    for i in 0..3000i64 {
        let at = base + Duration::seconds(i * 83 + (i * i) % 61);
        let (method, route) = endpoints[(i % 3 == 0) as usize];
        let status: i32 = [200, 200, 503, 404, 429][(i % 5) as usize];
        let latency = 0.2 + ((i * 7919) % 3001) as f64 * 0.013 + i as f64 * 1e-7;
        sums.add(Logged {
            org_id: &org.id,
            environment: "production",
            client_id: Some(&c.client_id),
            method,
            route,
            status: status as u16,
            latency_ms: latency,
            at,
        });
        rows.push((at, method, route, status, latency));
    }
    for chunk in rows.chunks(500) {
        request_log::Entity::insert_many(chunk.iter().map(
            |(at, method, route, status, latency)| request_log::ActiveModel {
                id: NotSet,
                org_id: Set(Some(org.id.clone())),
                environment: Set(Some(Environment::Production)),
                client_id: Set(Some(c.client_id.clone())),
                request_id: Set(format!("gen-{at}")),
                method: Set((*method).into()),
                route: Set((*route).into()),
                status: Set(*status),
                latency_ms: Set(*latency),
                latency_bucket: Set(latency_rollup::bucket(*latency)),
                created_at: Set(*at),
            },
        ))
        .exec_without_returning(&db)
        .await
        .unwrap();
    }
    sums.write(&db).await.unwrap();

    let from = base + Duration::minutes(17 * 60 + 13);
    let to = base + Duration::minutes(2 * 24 * 60 + 9 * 60 + 41);
    let sql = |q: &str| Statement::from_string(db.get_database_backend(), q.to_owned());

    // The rows landed after their hours were sealed (as if a writer had stalled): no samples
    // hold them, so the percentiles come from the log.
    let now = Utc::now();
    let due = (now.timestamp() - samples::GRACE_SECS).div_euclid(3600) * 3600;
    db.execute_raw(sql("DELETE FROM latency_samples"))
        .await
        .unwrap();
    db.execute_raw(sql(&format!(
        "UPDATE latency_sealing SET sealed_until = {due}"
    )))
    .await
    .unwrap();
    samples::seal_due(&db, now).await.unwrap();
    assert_eq!(samples::sealed_until(&db).await.unwrap(), Some(due));
    report_matches_rows(&app, c, &rows, from, to).await;

    // Sealed from the start: every hour of the three days gets its samples, and a percentile
    // reads them for the whole hours and the log for the partial hours at the ends.
    db.execute_raw(sql("UPDATE latency_sealing SET sealed_until = NULL"))
        .await
        .unwrap();
    // (The server's own sealer may take some of the hours; either way all are sealed once.)
    samples::seal_due(&db, now).await.unwrap();
    let count = db
        .query_one_raw(sql(&format!(
            "SELECT CAST(SUM(requests) AS BIGINT) FROM latency_samples WHERE org_id = '{}'",
            org.id
        )))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(count.try_get_by_index::<i64>(0).unwrap(), rows.len() as i64);
    let tenant = Tenant {
        org_id: OrgId::from_db(org.id.clone()),
        environment: Environment::Production,
    };
    let range = Range { from, to };
    for (method, route) in endpoints {
        let mut by_bucket: BTreeMap<i32, Vec<f64>> = BTreeMap::new();
        for r in rows
            .iter()
            .filter(|r| r.0 >= from && r.0 < to && r.1 == method && r.2 == route)
        {
            by_bucket
                .entry(latency_rollup::bucket(r.4))
                .or_default()
                .push(r.4);
        }
        for (b, mut expected) in by_bucket {
            let mut read = samples::bucket_latencies(&db, &tenant, &range, (method, route), b)
                .await
                .unwrap();
            read.sort_by(f64::total_cmp);
            expected.sort_by(f64::total_cmp);
            assert_eq!(read, expected, "{method} {route} bucket {b}");
        }
    }
    report_matches_rows(&app, c, &rows, from, to).await;

    // One more row lands in a sealed hour, in the bucket of a percentile, with its rollups:
    // the samples are short of the histogram, and the report still counts it.
    let latencies: Vec<f64> = rows
        .iter()
        .filter(|r| r.0 >= from && r.0 < to && r.1 == "GET")
        .map(|r| r.4)
        .collect();
    let late = (
        from + Duration::hours(3),
        "GET",
        "/api/v1/clients",
        200,
        nearest_rank(&latencies, 0.5) + 1e-6,
    );
    let mut sums = Sums::default();
    sums.add(Logged {
        org_id: &org.id,
        environment: "production",
        client_id: Some(&c.client_id),
        method: late.1,
        route: late.2,
        status: 200,
        latency_ms: late.4,
        at: late.0,
    });
    request_log::Entity::insert(request_log::ActiveModel {
        id: NotSet,
        org_id: Set(Some(org.id.clone())),
        environment: Set(Some(Environment::Production)),
        client_id: Set(Some(c.client_id.clone())),
        request_id: Set("late".into()),
        method: Set(late.1.into()),
        route: Set(late.2.into()),
        status: Set(late.3),
        latency_ms: Set(late.4),
        latency_bucket: Set(latency_rollup::bucket(late.4)),
        created_at: Set(late.0),
    })
    .exec_without_returning(&db)
    .await
    .unwrap();
    sums.write(&db).await.unwrap();
    rows.push(late);
    let b = latency_rollup::bucket(late.4);
    let holds = rows
        .iter()
        .filter(|r| r.0 >= from && r.0 < to && r.1 == "GET" && latency_rollup::bucket(r.4) == b)
        .count();
    let sampled = samples::bucket_latencies(&db, &tenant, &range, (late.1, late.2), b)
        .await
        .unwrap();
    assert_eq!(sampled.len() + 1, holds, "the samples miss the late row");
    assert_eq!(
        latency_rollup::bucket(nearest_rank(&latencies, 0.5)),
        b,
        "the late row is in the median's bucket"
    );
    report_matches_rows(&app, c, &rows, from, to).await;

    // Retention sweeps the log up to the middle of an hour inside the range (and of a day):
    // that hour's rollups, histograms and samples outlive some of its rows, and the reports
    // still give exactly what the rows left give.
    let cutoff = base + Duration::minutes(24 * 60 + 5 * 60 + 27);
    companin_service::retention::sweep(&db, cutoff)
        .await
        .unwrap();
    rows.retain(|r| r.0 >= cutoff);
    report_matches_rows(&app, c, &rows, from, to).await;
}

type Row = (DateTime<Utc>, &'static str, &'static str, i32, f64);

/// The endpoints, keys and hourly usage reports over `[from, to)` give exactly what `rows`
/// (every row of the tenant) give.
async fn report_matches_rows(
    app: &TestApp,
    c: &Creds,
    rows: &[Row],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) {
    let range = format!("from={}&to={}", rfc(from), rfc(to));
    let report = get(app, c, &format!("/api/v1/analytics/endpoints/?{range}")).await;
    // Each endpoint, then all of them together (`overall`).
    for (endpoint_of, e) in [
        (Some(("GET", "/api/v1/clients")), None),
        (Some(("POST", "/api/v1/sessions")), None),
        (None, Some(&report["overall"])),
    ] {
        let inside: Vec<&Row> = rows
            .iter()
            .filter(|r| r.0 >= from && r.0 < to)
            .filter(|r| endpoint_of.is_none_or(|(method, route)| r.1 == method && r.2 == route))
            .collect();
        let latencies: Vec<f64> = inside.iter().map(|r| r.4).collect();
        let e = match (endpoint_of, e) {
            (Some((method, route)), _) => endpoint(&report, method, route),
            (None, Some(overall)) => overall,
            (None, None) => unreachable!(),
        };
        assert_eq!(e["requests"], inside.len(), "{e}");
        assert_eq!(e["errors"], inside.iter().filter(|r| r.3 >= 400).count());
        // The percentiles are the rows' own values (compared as the server prints them).
        let printed = |v: f64| serde_json::from_str::<Value>(&json!(v).to_string()).unwrap();
        for (field, p) in [
            ("p50_latency_ms", 0.5),
            ("p95_latency_ms", 0.95),
            ("p99_latency_ms", 0.99),
        ] {
            assert_eq!(
                e[field],
                printed(nearest_rank(&latencies, p)),
                "{field} {e}"
            );
        }
        let mean = latencies.iter().sum::<f64>() / latencies.len() as f64;
        close(&e["avg_latency_ms"], mean);
    }
    let keys = get(app, c, &format!("/api/v1/analytics/keys/?{range}")).await;
    let inside: Vec<_> = rows.iter().filter(|r| r.0 >= from && r.0 < to).collect();
    let mine = item(&keys, "client_id", &c.client_id);
    assert_eq!(mine["requests"], inside.len());
    assert_eq!(
        mine["rate_limit_refusals"], 0,
        "refusals come from rate-limit events"
    );
    assert_eq!(
        time(&mine["last_used_at"]),
        inside.iter().map(|r| r.0).max().unwrap()
    );

    let hourly = get(
        app,
        c,
        &format!("/api/v1/analytics/usage/?interval=hour&{range}"),
    )
    .await;
    for b in hourly["buckets"].as_array().unwrap() {
        let start = time(&b["start"]);
        let statuses = rows
            .iter()
            .filter(|r| r.0 >= start && r.0 < start + Duration::hours(1))
            .map(|r| r.3)
            .collect::<Vec<_>>();
        assert_eq!(b["requests"], statuses.len(), "{b}");
        assert_eq!(
            b["errors"],
            statuses.iter().filter(|s| **s >= 400).count(),
            "{b}"
        );
        assert_eq!(
            b["server_errors"],
            statuses.iter().filter(|s| **s >= 500).count(),
            "{b}"
        );
    }

    // The log's total: from the rollups and the partial hours when the filter allows, from
    // the rows otherwise (status), and from the oldest row when the range has no start.
    let count = |keep: &dyn Fn(&Row) -> bool| {
        rows.iter()
            .filter(|r| r.0 >= from && r.0 < to && keep(r))
            .count()
    };
    let client = &c.client_id;
    for (query, expected) in [
        (String::new(), count(&|_| true)),
        ("&method=get".into(), count(&|r| r.1 == "GET")),
        (
            "&route=/api/v1/sessions".into(),
            count(&|r| r.2 == "/api/v1/sessions"),
        ),
        (
            format!("&client_id={client}&method=POST"),
            count(&|r| r.1 == "POST"),
        ),
        ("&client_id=cli_nobody".into(), 0),
        (
            "&status=404&method=GET".into(),
            count(&|r| r.3 == 404 && r.1 == "GET"),
        ),
    ] {
        let logs = get(app, c, &format!("/api/v1/analytics/logs/?{range}{query}")).await;
        assert_eq!(logs["total"], expected, "{query}");
    }
    let before_to = rows.iter().filter(|r| r.0 < to).count();
    let logs = get(app, c, &format!("/api/v1/analytics/logs/?to={}", rfc(to))).await;
    assert_eq!(logs["total"], before_to, "everything before `to`");
}

/// A database with request logs and conversations written before the rollups existed: the
/// migrations that add them sum the old rows in, and give each row its latency bucket.
async fn upgrading_sums_existing_rows_into_rollups(backend: Backend) {
    use companin_migration::{Migrator, MigratorTrait};
    use sea_orm::{ConnectOptions, Database};

    let dir = tempfile::tempdir().unwrap();
    let test_db = TestDatabase::new(backend, dir.path()).await;
    // One connection, so that switching off foreign keys holds for every statement: the
    // conversations here need no sessions.
    let mut options = ConnectOptions::new(test_db.url.clone());
    options.max_connections(1).min_connections(1);
    let db = Database::connect(options).await.unwrap();
    Migrator::up(&db, Some(6)).await.unwrap();
    db.execute_unprepared(match backend {
        Backend::Sqlite => "PRAGMA foreign_keys = OFF",
        Backend::Postgres => "SET session_replication_role = replica",
    })
    .await
    .unwrap();

    let t = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
    let backend_of = db.get_database_backend();
    let placeholders = |sql: &str| companin_entity::db::placeholders(backend_of, sql);
    let insert_log = |org: Option<&str>, request_id: String, status: i32, latency: f64, at| {
        let db = db.clone();
        let org = org.map(str::to_owned);
        let sql = placeholders(
            "INSERT INTO request_logs (org_id, environment, client_id, request_id, method, \
             route, status, latency_ms, created_at) \
             VALUES ($1, 'production', 'cli_a', $2, 'GET', '/api/v1/clients', $3, $4, $5)",
        );
        async move {
            db.execute_raw(Statement::from_sql_and_values(
                backend_of,
                sql,
                [
                    org.into(),
                    request_id.into(),
                    status.into(),
                    latency.into(),
                    sea_orm::Value::from(at),
                ],
            ))
            .await
            .unwrap();
        }
    };
    for (n, (at, status, latency)) in [
        ("2026-01-01T10:15:00Z", 200, 1.0),
        ("2026-01-01T10:45:00Z", 500, 3.0),
        ("2026-01-01T11:05:00Z", 200, 3.05),
    ]
    .into_iter()
    .enumerate()
    {
        insert_log(Some("org_x"), format!("r{n}"), status, latency, t(at)).await;
    }
    // Unauthenticated requests (no rollups) at the edges of buckets: the migration must
    // bucket every row exactly as the log writer does.
    let mut edges = vec![0.0, 1e-6, 0.2, 1.5, 1e9];
    for b in [-159, -1, 1, 17, 100, 319, 320] {
        let bound = latency_rollup::lower_bound(b).unwrap();
        edges.extend([bound, f64::from_bits(bound.to_bits() - 1)]);
    }
    for (n, latency) in edges.iter().enumerate() {
        let at = t("2026-01-02T00:00:00Z");
        insert_log(None, format!("edge{n}"), 200, *latency, at).await;
    }
    let sql = placeholders(
        "INSERT INTO conversations (id, org_id, environment, session_id, assistant_id, \
         visitor_id, context, message_count, created_at, updated_at, last_message_at) \
         VALUES ($1, 'org_x', 'production', 'ses_x', 'asst_x', 'v', $2, 4, $3, $3, $3)",
    );
    db.execute_raw(Statement::from_sql_and_values(
        backend_of,
        sql,
        [
            "conv_x".into(),
            sea_orm::Value::Json(Some(Box::new(json!({})))),
            t("2026-01-01T10:00:00Z").into(),
        ],
    ))
    .await
    .unwrap();
    for (n, (role, answered)) in [
        ("user", None),
        ("assistant", Some(true)),
        ("user", None),
        ("assistant", Some(false)),
    ]
    .into_iter()
    .enumerate()
    {
        message::Entity::insert(message::ActiveModel {
            id: Set(format!("msg_x{n}")),
            conversation_id: Set("conv_x".into()),
            org_id: Set("org_x".into()),
            environment: Set(Environment::Production),
            role: Set(role.into()),
            content: Set("…".into()),
            reply_kind: Set(None),
            answered: Set(answered),
            sources: Set(json!([])),
            assistant_version: Set(None),
            prompt_tokens: Set(None),
            completion_tokens: Set(None),
            latency_ms: Set(None),
            first_token_ms: Set(None),
            created_at: Set(t("2026-01-01T10:00:00Z")),
        })
        .exec_without_returning(&db)
        .await
        .unwrap();
    }

    Migrator::up(&db, None).await.unwrap();
    let rows = |sql: &'static str| {
        let db = db.clone();
        async move {
            db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
                .await
                .unwrap()
        }
    };
    let hours = rows(
        "SELECT hour, requests, errors, latency_sum_ms, server_errors FROM request_rollups \
              ORDER BY hour",
    )
    .await;
    let hours: Vec<(i64, i64, i64, f64, i64)> = hours
        .iter()
        .map(|r| {
            (
                r.try_get_by_index(0).unwrap(),
                r.try_get_by_index(1).unwrap(),
                r.try_get_by_index(2).unwrap(),
                r.try_get_by_index(3).unwrap(),
                r.try_get_by_index(4).unwrap(),
            )
        })
        .collect();
    let ten = t("2026-01-01T10:00:00Z").timestamp();
    assert_eq!(hours, [(ten, 2, 1, 4.0, 1), (ten + 3600, 1, 0, 3.05, 0)]);
    for table in [
        "SELECT CAST(SUM(requests) AS BIGINT) FROM latency_hour_rollups",
        "SELECT CAST(SUM(requests) AS BIGINT) FROM latency_rollups",
    ] {
        let sum: i64 = rows(table).await[0].try_get_by_index(0).unwrap();
        assert_eq!(sum, 3, "{table}");
    }
    let buckets = rows("SELECT COUNT(*) FROM latency_rollups").await;
    assert_eq!(
        buckets[0].try_get_by_index::<i64>(0).unwrap(),
        2,
        "3.0 and 3.05 share a bucket, 1.0 has its own"
    );
    let counters = rows("SELECT reply_count, unanswered_count FROM conversations").await;
    let counters: (i32, i32) = (
        counters[0].try_get_by_index(0).unwrap(),
        counters[0].try_get_by_index(1).unwrap(),
    );
    assert_eq!(counters, (2, 1));
    let logged = rows("SELECT latency_ms, latency_bucket FROM request_logs").await;
    assert_eq!(logged.len(), 3 + edges.len());
    for row in logged {
        let latency: f64 = row.try_get_by_index(0).unwrap();
        let stored: i32 = row.try_get_by_index(1).unwrap();
        assert_eq!(stored, latency_rollup::bucket(latency), "{latency}");
    }
}
