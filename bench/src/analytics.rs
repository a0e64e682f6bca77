//! `companin bench analytics`: every analytics route over a month of generated traffic for one
//! organization — by default 1,000,000 request-log rows and 100,000 messages — on SQLite and
//! PostgreSQL, timed over HTTP against the real server (authentication and the rate limit
//! included).

use std::time::Instant;

use anyhow::Context;
use chrono::{DateTime, Utc};
use companin_config::{DatabaseUrl, Settings};
use companin_entity::{
    Environment, KnowledgeStatus, conversation, feedback, knowledge_chunk, knowledge_item,
    latency_rollup, message, rate_limit_event, rate_limit_window, request_log, session,
};
use companin_service::analytics::rollups::{Logged, Sums};
use companin_service::assistants::config::Config;
use companin_service::auth::seal::SecretSeal;
use companin_service::ids::OrgId;
use companin_service::rate_limit::WINDOW_SECS;
use companin_service::{Actor, Tenant, assistants, clients, orgs};
use indicatif::{ProgressBar, ProgressStyle};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ConnectionTrait, Database, DatabaseConnection,
    EntityTrait, IntoActiveModel, Set, TransactionTrait,
};
use serde_json::{Value, json};

use crate::scratch::percentile_ms;

/// What to generate and how often to time each route.
#[derive(Debug, Clone)]
pub struct Options {
    pub rows: usize,
    pub messages: usize,
    /// Knowledge chunks, [`CHUNKS_PER_ITEM`] to an item.
    pub chunks: usize,
    pub days: i64,
    pub runs: usize,
    /// `sqlite` and/or `postgres`.
    pub databases: Vec<String>,
    /// An administrative PostgreSQL URL; a scratch database is created beside it and dropped.
    pub postgres_url: String,
}

/// Rows per insert statement: 10 columns stay well under SQLite's 32,766 bound parameters.
const INSERT_ROWS: usize = 2_000;
const CLIENTS: usize = 5;
const ASSISTANTS: usize = 3;
const SESSIONS: usize = 500;
/// Chunks of each generated knowledge item.
const CHUNKS_PER_ITEM: usize = 100;
/// The id of the first generated knowledge item (`kn_` and 32 hex digits, as ids are).
const FIRST_ITEM: &str = "kn_00000000000000000000000000000000";
/// Each generated conversation: a question and a reply, twice.
const MESSAGES_PER_CONVERSATION: usize = 4;

/// (method, route template) of the generated traffic, the busiest first.
const ENDPOINTS: [(&str, &str); 10] = [
    ("POST", "/api/v1/conversations/send-message"),
    ("POST", "/api/v1/knowledge/search"),
    ("GET", "/api/v1/conversations/{id}"),
    ("POST", "/api/v1/sessions"),
    ("GET", "/api/v1/knowledge"),
    ("GET", "/api/v1/assistants/{id}"),
    ("POST", "/api/v1/knowledge/qas"),
    ("PATCH", "/api/v1/assistants/{id}"),
    ("GET", "/api/v1/analytics/usage"),
    ("POST", "/api/v1/auth/token"),
];

/// A database that lives for one run.
enum ScratchDb {
    Sqlite {
        _dir: tempfile::TempDir,
        url: String,
    },
    Postgres {
        admin: DatabaseConnection,
        name: String,
        url: String,
    },
}

impl ScratchDb {
    async fn create(kind: &str, postgres_url: &str) -> anyhow::Result<ScratchDb> {
        let name = format!("companin_bench_{}", uuid::Uuid::now_v7().simple());
        match kind {
            "sqlite" => {
                let dir = tempfile::tempdir().context("creating a scratch folder")?;
                let url = format!(
                    "sqlite://{}?mode=rwc",
                    dir.path().join("bench.db").display()
                );
                Ok(ScratchDb::Sqlite { _dir: dir, url })
            }
            "postgres" => {
                let admin = Database::connect(postgres_url)
                    .await
                    .with_context(|| format!("connecting to {postgres_url}"))?;
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .context("creating the scratch database")?;
                let mut url = url::Url::parse(postgres_url).context("the PostgreSQL URL")?;
                url.set_path(&name);
                Ok(ScratchDb::Postgres {
                    admin,
                    name,
                    url: url.to_string(),
                })
            }
            other => anyhow::bail!("unknown database {other:?}: use sqlite or postgres"),
        }
    }

    fn url(&self) -> &str {
        match self {
            ScratchDb::Sqlite { url, .. } | ScratchDb::Postgres { url, .. } => url,
        }
    }

    async fn drop(self) -> anyhow::Result<()> {
        if let ScratchDb::Postgres { admin, name, .. } = self {
            admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await
                .context("dropping the scratch database")?;
        }
        Ok(())
    }
}

pub async fn analytics(settings: &Settings, options: &Options) -> anyhow::Result<()> {
    let mut summary = serde_json::Map::new();
    for kind in &options.databases {
        println!("== {kind}");
        let scratch = ScratchDb::create(kind, &options.postgres_url).await?;
        let result = run(settings, scratch.url(), options).await;
        scratch.drop().await?;
        summary.insert(kind.clone(), result?);
    }
    println!("{}", serde_json::to_string_pretty(&Value::Object(summary))?);
    Ok(())
}

/// Seeds one database, serves it, and times every route.
async fn run(settings: &Settings, url: &str, options: &Options) -> anyhow::Result<Value> {
    let data = tempfile::tempdir().context("creating a data folder")?;
    let mut s = settings.clone();
    s.database_url = Some(DatabaseUrl(url.to_owned()));
    s.data_dir = data.path().to_path_buf();
    s.listen = "127.0.0.1:0".parse().context("listen address")?;
    s.auto_migrate = Some(true);
    let db = companin_service::db::connect(&s).await?;
    companin_service::db::prepare(&db, &s).await?;

    let now = Utc::now();
    let to = now;
    let from = now - chrono::Duration::days(options.days);
    let started = Instant::now();
    let seal = SecretSeal::new(&s.jwt_secret()?);
    let (key, secret) = seed(&db, &seal, options, from, to).await?;
    let seeding = started.elapsed();
    // What the workers do with each hour once it has ended: the hours before the last one
    // or two are sealed, the rest is read from the log.
    let sealing = Instant::now();
    let hours = companin_service::analytics::samples::seal_due(&db, Utc::now()).await?;
    let sealing = sealing.elapsed();
    // As autovacuum (PostgreSQL) or `PRAGMA optimize` would after a bulk load: the planner
    // needs statistics of the new rows. On PostgreSQL, what autovacuum does within minutes of
    // a bulk load also sets the visibility map, without which counting a million rows by
    // index-only scan visits every heap page (the log's total took 1.7 s before it, 2026-11-29).
    let maintenance = if s.is_sqlite() {
        "ANALYZE"
    } else {
        "VACUUM ANALYZE"
    };
    db.execute_unprepared(maintenance).await?;
    println!("seeded in {:.1} s", seeding.as_secs_f64());
    println!(
        "sealed {hours} hours of latency samples in {:.1} s",
        sealing.as_secs_f64()
    );
    db.close().await.ok();

    let server = companin_api::start(s, companin_api::StartOptions { worker: false }).await?;
    let base = format!("http://{}", server.addr);
    let http = reqwest::Client::new();
    let range = format!(
        "from={}&to={}",
        from.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        to.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    );
    let routes = [
        ("logs", format!("/api/v1/analytics/logs/?{range}")),
        ("endpoints", format!("/api/v1/analytics/endpoints/?{range}")),
        (
            "usage_hour",
            format!("/api/v1/analytics/usage/?interval=hour&{range}"),
        ),
        (
            "usage_day",
            format!("/api/v1/analytics/usage/?interval=day&{range}"),
        ),
        ("keys", format!("/api/v1/analytics/keys/?{range}")),
        (
            "rate_limits",
            format!("/api/v1/analytics/rate-limits/?{range}"),
        ),
        (
            "conversations",
            format!("/api/v1/analytics/conversations/?{range}"),
        ),
    ];
    let mut figures = serde_json::Map::new();
    for (name, path) in routes {
        let mut times = Vec::with_capacity(options.runs);
        for run in 0..options.runs + 1 {
            let t = Instant::now();
            let resp = http
                .get(format!("{base}{path}"))
                .header("X-API-Key", &key)
                .header("X-API-Secret", &secret)
                .send()
                .await
                .with_context(|| format!("GET {path}"))?;
            let status = resp.status();
            let body = resp.bytes().await?;
            anyhow::ensure!(
                status.is_success(),
                "GET {path} answered {status}: {}",
                String::from_utf8_lossy(&body)
            );
            // The first run warms the caches.
            if run > 0 {
                times.push(t.elapsed());
            }
        }
        times.sort();
        let (p50, p95) = (percentile_ms(&times, 0.5), percentile_ms(&times, 0.95));
        println!("{name:<14} p50 {p50:>8.1} ms  p95 {p95:>8.1} ms");
        figures.insert(name.into(), json!({"p50_ms": p50, "p95_ms": p95}));
    }
    let views = time_views(&http, &base, (&key, &secret), from, to, options.runs).await?;
    server.stop().await?;
    Ok(json!({
        "rows": options.rows,
        "messages": options.messages,
        "chunks": options.chunks,
        "views": views,
        "days": options.days,
        "runs": options.runs,
        "seed_secs": seeding.as_secs_f64(),
        "routes": figures,
    }))
}

/// The requests each console view sends when it opens (as the browser sends them: at once),
/// over the bench's whole range where the view takes one (analytics defaults to the last
/// seven days, home to today: the month is the heavier case).
fn view_requests(range: &str, today: &str) -> Vec<(&'static str, Vec<String>)> {
    let knowledge = (0..4)
        .map(|i| {
            let status = ["ready", "processing", "pending", "failed"][i];
            format!("/api/v1/knowledge/?status={status}&limit=5")
        })
        .collect::<Vec<_>>();
    vec![
        (
            "home",
            [
                vec![
                    format!("/api/v1/analytics/endpoints/?{today}"),
                    format!("/api/v1/analytics/rate-limits/?limit=1&{today}"),
                    format!("/api/v1/analytics/conversations/?{today}"),
                    format!("/api/v1/analytics/logs/?min_status=500&limit=5&{today}"),
                ],
                knowledge,
            ]
            .concat(),
        ),
        (
            "analytics",
            vec![
                format!("/api/v1/analytics/usage/?interval=day&{range}"),
                format!("/api/v1/analytics/endpoints/?{range}"),
                format!("/api/v1/analytics/keys/?{range}"),
                format!("/api/v1/analytics/rate-limits/?limit=1&{range}"),
                format!("/api/v1/analytics/conversations/?{range}"),
                format!("/api/v1/analytics/logs/?limit=50&offset=0&{range}"),
            ],
        ),
        (
            "knowledge",
            vec![
                "/api/v1/knowledge/?limit=50&offset=0".to_owned(),
                "/api/v1/assistants/?limit=100".to_owned(),
            ],
        ),
        // The item first, then its chunks (a text item has no crawled pages).
        (
            "knowledge_item",
            vec![format!("/api/v1/knowledge/{FIRST_ITEM}")],
        ),
        (
            "knowledge_item_chunks",
            vec![format!("/api/v1/knowledge/{FIRST_ITEM}/chunks?limit=100")],
        ),
        (
            "conversations",
            vec![
                "/api/v1/conversations/?limit=50&offset=0".to_owned(),
                "/api/v1/assistants/?limit=100".to_owned(),
            ],
        ),
        (
            "audit",
            vec!["/api/v1/audit-logs/?limit=50&offset=0".to_owned()],
        ),
    ]
}

/// Times each console view's requests, sent together, from the first sent to the last
/// answered: one warm-up, then `runs` timed.
async fn time_views(
    http: &reqwest::Client,
    base: &str,
    (key, secret): (&str, &str),
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    runs: usize,
) -> anyhow::Result<Value> {
    let stamp = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let range = format!("from={}&to={}", stamp(from), stamp(to));
    let midnight = to
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        .and_utc();
    let today = format!("from={}&to={}", stamp(midnight), stamp(to));
    let mut figures = serde_json::Map::new();
    for (view, paths) in view_requests(&range, &today) {
        let mut times = Vec::with_capacity(runs);
        for run in 0..runs + 1 {
            let t = Instant::now();
            let answers = futures::future::join_all(paths.iter().map(|path| async move {
                let resp = http
                    .get(format!("{base}{path}"))
                    .header("X-API-Key", key)
                    .header("X-API-Secret", secret)
                    .send()
                    .await
                    .with_context(|| format!("GET {path}"))?;
                let status = resp.status();
                let body = resp.bytes().await?;
                anyhow::ensure!(
                    status.is_success(),
                    "GET {path} answered {status}: {}",
                    String::from_utf8_lossy(&body)
                );
                Ok(())
            }))
            .await;
            answers.into_iter().collect::<anyhow::Result<Vec<()>>>()?;
            if run > 0 {
                times.push(t.elapsed());
            }
        }
        times.sort();
        let (p50, p95) = (percentile_ms(&times, 0.5), percentile_ms(&times, 0.95));
        println!("view {view:<14} p50 {p50:>8.1} ms  p95 {p95:>8.1} ms");
        figures.insert(view.into(), json!({"p50_ms": p50, "p95_ms": p95}));
    }
    Ok(Value::Object(figures))
}

fn bar(len: usize, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(len as u64);
    bar.set_style(
        ProgressStyle::with_template(&format!("{what:<14} {{bar:40}} {{pos}}/{{len}} {{eta}}"))
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

/// A time in `[from, to)`, uniformly.
fn between(rng: &mut StdRng, from: DateTime<Utc>, to: DateTime<Utc>) -> DateTime<Utc> {
    let span = (to - from).num_microseconds().unwrap_or(1).max(1);
    from + chrono::Duration::microseconds(rng.gen_range(0..span))
}

/// One organization with its clients, assistants, sessions, conversations, messages, feedback,
/// request logs and rate-limit records. Answers a key pair of the organization.
async fn seed(
    db: &DatabaseConnection,
    seal: &SecretSeal,
    options: &Options,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> anyhow::Result<(String, String)> {
    let mut rng = StdRng::seed_from_u64(7);
    let created = orgs::create(
        db,
        seal,
        "Analytics bench",
        orgs::OwnLimits {
            per_hour: Some(i64::from(u32::MAX)),
            per_day: Some(i64::from(u32::MAX)),
        },
        &Actor::Cli,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{}", e.detail))?;
    let tenant = Tenant {
        org_id: OrgId::from_db(created.org.id.clone()),
        environment: Environment::Production,
    };
    let (first, secret) = created.production;
    let mut client_ids = vec![first.id.clone()];
    for i in 1..CLIENTS {
        let (client, _) = clients::insert(
            db,
            (&tenant, seal),
            &Actor::Cli,
            format!("key {i}"),
            vec![],
            true,
        )
        .await?;
        client_ids.push(client.id);
    }
    let mut assistant_ids = Vec::new();
    for i in 0..ASSISTANTS {
        let a = assistants::create(db, &tenant, &Actor::Cli, Config::named(&format!("Bot {i}")))
            .await
            .map_err(|e| anyhow::anyhow!("{}", e.detail))?;
        assistant_ids.push(a.id);
    }
    let org_id = tenant.org_id.to_string();
    let sessions: Vec<session::ActiveModel> = (0..SESSIONS)
        .map(|i| {
            let at = between(&mut rng, from, to);
            session::Model {
                id: format!("ses_bench{i:06}"),
                org_id: org_id.clone(),
                environment: Environment::Production,
                assistant_id: assistant_ids[i % ASSISTANTS].clone(),
                visitor_id: format!("visitor-{i}"),
                user_id: None,
                locale: None,
                metadata: json!({}),
                created_at: at,
                updated_at: at,
                expires_at: to + chrono::Duration::days(1),
                last_activity_at: at,
                ended_at: None,
            }
            .into_active_model()
        })
        .collect();
    insert_all::<session::Entity>(db, sessions, "sessions").await?;

    let conversations = options.messages / MESSAGES_PER_CONVERSATION;
    let mut convs = Vec::with_capacity(conversations);
    let mut messages = Vec::with_capacity(options.messages);
    let mut ratings = Vec::new();
    for i in 0..conversations {
        let session = i % SESSIONS;
        let start = between(&mut rng, from, to - chrono::Duration::hours(1));
        let end = start + chrono::Duration::milliseconds(rng.gen_range(5_000..600_000));
        let id = format!("conv_bench{i:07}");
        let answered: Vec<bool> = (0..MESSAGES_PER_CONVERSATION / 2)
            .map(|_| rng.gen_bool(0.85))
            .collect();
        convs.push(
            conversation::Model {
                id: id.clone(),
                org_id: org_id.clone(),
                environment: Environment::Production,
                session_id: format!("ses_bench{session:06}"),
                assistant_id: assistant_ids[session % ASSISTANTS].clone(),
                visitor_id: format!("visitor-{session}"),
                user_id: None,
                context: json!({}),
                message_count: MESSAGES_PER_CONVERSATION as i32,
                reply_count: answered.len() as i32,
                unanswered_count: answered.iter().filter(|a| !**a).count() as i32,
                created_at: start,
                updated_at: end,
                last_message_at: end,
            }
            .into_active_model(),
        );
        for m in 0..MESSAGES_PER_CONVERSATION {
            let reply = m % 2 == 1;
            let at = if m + 1 == MESSAGES_PER_CONVERSATION {
                end
            } else {
                start + (end - start) * m as i32 / MESSAGES_PER_CONVERSATION as i32
            };
            messages.push(
                message::Model {
                    id: format!("msg_bench{i:07}_{m}"),
                    conversation_id: id.clone(),
                    org_id: org_id.clone(),
                    environment: Environment::Production,
                    role: if reply { "assistant" } else { "user" }.into(),
                    content: "generated".into(),
                    reply_kind: reply.then(|| "extractive".into()),
                    answered: reply.then(|| answered[m / 2]),
                    sources: json!([]),
                    assistant_version: reply.then_some(1),
                    prompt_tokens: None,
                    completion_tokens: None,
                    latency_ms: None,
                    first_token_ms: None,
                    created_at: at,
                }
                .into_active_model(),
            );
        }
        if rng.gen_bool(0.3) {
            ratings.push(
                feedback::Model {
                    id: format!("fb_bench{i:07}"),
                    org_id: org_id.clone(),
                    environment: Environment::Production,
                    conversation_id: id,
                    message_id: None,
                    rating: rng.gen_range(1..=5),
                    comment: None,
                    created_at: end,
                }
                .into_active_model(),
            );
        }
    }
    insert_all::<conversation::Entity>(db, convs, "conversations").await?;
    insert_all::<message::Entity>(db, messages, "messages").await?;
    insert_all::<feedback::Entity>(db, ratings, "feedback").await?;

    let logs = bar(options.rows, "request logs");
    let mut left = options.rows;
    while left > 0 {
        let n = left.min(INSERT_ROWS * 10);
        let mut sums = Sums::default();
        let rows: Vec<request_log::ActiveModel> = (0..n)
            .map(|_| {
                // Skewed towards the busiest endpoints; mostly fast, a slow tail.
                let e = (rng.gen_range(0.0f64..1.0).powi(2) * ENDPOINTS.len() as f64) as usize;
                let (method, route) = ENDPOINTS[e.min(ENDPOINTS.len() - 1)];
                let status = match rng.gen_range(0..100) {
                    0..=89 => 200,
                    90..=94 => 404,
                    95..=97 => 422,
                    _ => 429,
                };
                let mut latency = (rng.gen_range(-0.5f64..2.5)).exp();
                if rng.gen_bool(0.02) {
                    latency *= 20.0;
                }
                let client = &client_ids[rng.gen_range(0..CLIENTS)];
                let at = between(&mut rng, from, to);
                // What the request-log writer adds to the rollups with each batch.
                sums.add(Logged {
                    org_id: &org_id,
                    environment: Environment::Production.as_str(),
                    client_id: Some(client),
                    method,
                    route,
                    status: status as u16,
                    latency_ms: latency,
                    at,
                });
                request_log::ActiveModel {
                    id: NotSet,
                    org_id: Set(Some(org_id.clone())),
                    environment: Set(Some(Environment::Production)),
                    client_id: Set(Some(client.clone())),
                    request_id: Set(uuid::Uuid::now_v7().to_string()),
                    method: Set(method.into()),
                    route: Set(route.into()),
                    status: Set(status),
                    latency_ms: Set(latency),
                    latency_bucket: Set(latency_rollup::bucket(latency)),
                    created_at: Set(at),
                }
            })
            .collect();
        let txn = db.begin().await?;
        for chunk in rows.chunks(INSERT_ROWS) {
            request_log::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(&txn)
                .await?;
        }
        sums.write(&txn).await?;
        txn.commit().await?;
        left -= n;
        logs.inc(n as u64);
    }
    logs.finish();

    // One rate-limit window per hour of the range; a busy hour now and then passes 80 % of a
    // limit of 2,000 and a few pass it.
    let first_window = from.timestamp() - from.timestamp().rem_euclid(WINDOW_SECS);
    let mut windows = Vec::new();
    let mut events = Vec::new();
    let mut start = first_window;
    while start < to.timestamp() {
        let requested: i64 = rng.gen_range(500..2_300);
        let admitted = requested.min(2_000);
        windows.push(
            rate_limit_window::Model {
                org_id: org_id.clone(),
                environment: Environment::Production,
                window_start: start,
                max_requests: 2_000,
                admitted,
                requested,
                last_grant: 1,
            }
            .into_active_model(),
        );
        let at = DateTime::from_timestamp(start + 1800, 0).unwrap_or(to);
        let client = &client_ids[rng.gen_range(0..CLIENTS)];
        let event = |kind: &str, used: i64| rate_limit_event::ActiveModel {
            id: NotSet,
            org_id: Set(org_id.clone()),
            environment: Set(Environment::Production),
            client_id: Set(client.clone()),
            kind: Set(kind.into()),
            period: Set("hour".into()),
            window_start: Set(start),
            max_requests: Set(2_000),
            used: Set(used),
            request_id: Set(uuid::Uuid::now_v7().to_string()),
            created_at: Set(at),
        };
        if requested > 1_600 {
            events.push(event("warning", 1_601));
        }
        for _ in admitted..requested {
            events.push(event("blocked", 2_000));
        }
        start += WINDOW_SECS;
    }
    insert_all::<rate_limit_window::Entity>(db, windows, "rate windows").await?;
    insert_all::<rate_limit_event::Entity>(db, events, "rate events").await?;
    seed_knowledge(db, &org_id, options.chunks, from, to, &mut rng).await?;
    Ok((first.id, secret))
}

/// Ready text items of [`CHUNKS_PER_ITEM`] chunks each, `chunks` in all. The chunks carry no
/// vectors: the views timed here list and read them; searching them is `bench search`'s.
async fn seed_knowledge(
    db: &DatabaseConnection,
    org_id: &str,
    chunks: usize,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    rng: &mut StdRng,
) -> anyhow::Result<()> {
    let items = chunks.div_ceil(CHUNKS_PER_ITEM);
    let mut rows = Vec::with_capacity(items);
    let mut pieces = Vec::with_capacity(chunks);
    for i in 0..items {
        let at = between(rng, from, to);
        let id = format!("kn_{i:032x}");
        let count = CHUNKS_PER_ITEM.min(chunks - i * CHUNKS_PER_ITEM);
        rows.push(
            knowledge_item::Model {
                id: id.clone(),
                org_id: org_id.to_owned(),
                environment: Environment::Production,
                kind: "text".into(),
                title: format!("Guide {i}"),
                source: None,
                media_type: Some("text/plain".into()),
                content: None,
                question: None,
                answer: None,
                alternate_questions: json!([]),
                tags: json!([]),
                status: KnowledgeStatus::Ready,
                error: None,
                summary: Some(format!("Part {i} of the product guide.")),
                summary_kind: Some("extractive".into()),
                keywords: json!(["guide", "product"]),
                language: Some("en".to_owned()),
                language_chosen: None,
                chunk_count: count as i32,
                content_hash: format!("{i:064x}"),
                version: 1,
                metadata: json!({}),
                assistant_ids: json!([]),
                job_id: None,
                crawl: None,
                refresh_interval_hours: None,
                sync_changes: None,
                last_synced_at: None,
                next_sync_at: None,
                created_at: at,
                updated_at: at,
            }
            .into_active_model(),
        );
        for position in 0..count {
            pieces.push(
                knowledge_chunk::Model {
                    id: format!("ch_bench{i:06}_{position:03}"),
                    knowledge_id: id.clone(),
                    org_id: org_id.to_owned(),
                    environment: Environment::Production,
                    position: position as i32,
                    heading: None,
                    content: format!(
                        "Section {position} of guide {i}: how the product is set up, used and \
                         looked after, in a paragraph of ordinary length for a chunk."
                    ),
                    token_count: 30,
                    embedding: Vec::new(),
                    source: None,
                    page_id: None,
                    language: Some("en".to_owned()),
                    embedder: "all-MiniLM-L6-v2".to_owned(),
                    created_at: at,
                    added_version: Some(0),
                }
                .into_active_model(),
            );
        }
    }
    insert_all::<knowledge_item::Entity>(db, rows, "knowledge items").await?;
    insert_all::<knowledge_chunk::Entity>(db, pieces, "knowledge chunks").await?;
    Ok(())
}

/// Inserts `rows` in statements of [`INSERT_ROWS`], in one transaction, with a progress bar.
async fn insert_all<E>(
    db: &DatabaseConnection,
    rows: Vec<E::ActiveModel>,
    what: &str,
) -> anyhow::Result<()>
where
    E: EntityTrait,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Clone + Send,
{
    let progress = bar(rows.len(), what);
    let txn = db.begin().await?;
    for chunk in rows.chunks(INSERT_ROWS) {
        E::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await?;
        progress.inc(chunk.len() as u64);
    }
    txn.commit().await?;
    progress.finish();
    Ok(())
}
