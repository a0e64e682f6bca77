//! The scale-out deployment as the README describes it: several `companin serve --no-worker`
//! processes behind a load balancer, several `companin worker` processes, one PostgreSQL.
//! Real processes of the built binary, each with its own data directory (as on separate
//! machines), driven at once.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use reqwest::Method;
use sea_orm::{ConnectionTrait, Database};
use serde_json::json;

use crate::conversations::{extractive_assistant, session};
use crate::faults::{PrivatePostgres, assert_whole, create_docs};
use crate::helpers::{
    Backend, JWT_SECRET, Killed, OPERATOR_TOKEN, TestApp, http_client, models_dir,
};
use crate::knowledge::wait_done_within;
use crate::search::{POLLING_LIMIT, item_ids, search};

/// One process of the deployment, killed when dropped; its log is kept for the error check.
struct Process {
    _child: Killed,
    log: std::path::PathBuf,
}

fn companin(db_url: &str, dir: &Path, name: &str, args: &[&str]) -> Process {
    let data = dir.join(name);
    std::fs::create_dir_all(&data).unwrap();
    let log = dir.join(format!("{name}.log"));
    let child = Command::new(env!("CARGO_BIN_EXE_companin"))
        .args(args)
        .env_remove("COMPANIN_CONFIG")
        .env("COMPANIN_DATABASE_URL", db_url)
        .env("COMPANIN_DATA_DIR", &data)
        .env("COMPANIN_MODELS_DIR", models_dir())
        .env("COMPANIN_AUTH_JWT_SECRET", JWT_SECRET)
        .env("COMPANIN_ADMIN_TOKEN", OPERATOR_TOKEN)
        .env("COMPANIN_WORKER_HEARTBEAT_SECS", "1")
        .env("COMPANIN_WORKER_POLL_INTERVAL_MS", "50")
        .env("COMPANIN_EMBEDDER_THREADS", "1")
        .env("COMPANIN_GENERATOR_SUMMARIES", "false")
        .env("COMPANIN_SANDBOX_SEED_ON_CREATE", "false")
        .env("COMPANIN_REQUEST_LOG_FLUSH_INTERVAL_MS", "20")
        .env("COMPANIN_LOG_LEVEL", "warn")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("companin starts");
    Process {
        _child: Killed(child),
        log,
    }
}

/// A `companin serve --no-worker` on a free port, once `/readyz` says it is ready.
async fn api_process(db_url: &str, dir: &Path, name: &str) -> (Process, TestApp) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let process = companin(
        db_url,
        dir,
        name,
        &["serve", "--no-worker", "--listen", &listen],
    );
    let base = format!("http://{listen}");
    let http = http_client();
    // Start-up loads the embedding model; other tests keep both cores busy meanwhile.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    loop {
        if let Ok(resp) = http.get(format!("{base}/readyz")).send().await
            && resp.status() == 200
        {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{name} never became ready: {}",
            std::fs::read_to_string(&process.log).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    (process, TestApp::client_of(&base, db_url))
}

/// Two API processes and two workers on one PostgreSQL: uploads, searches and conversations
/// sent to both API processes at once; every item is ingested exactly once, both processes
/// find every item at once, a rate limit holds exactly across them, and no process logs an
/// error.
#[test]
fn two_api_processes_and_two_workers_share_one_postgres() {
    crate::helpers::run(async {
        let dir = tempfile::tempdir().unwrap();
        // A PostgreSQL of its own: four processes at full load hold up to about 150
        // connections (32 per pool, and the queues'), more than the shared server's 100
        // leave to the tests running beside this one.
        let server = PrivatePostgres::start_with(400);
        let admin = Database::connect(server.url("postgres")).await.unwrap();
        admin
            .execute_unprepared("CREATE DATABASE companin")
            .await
            .unwrap();
        drop(admin);
        let db_url = server.url("companin");
        let migrated = Command::new(env!("CARGO_BIN_EXE_companin"))
            .arg("migrate")
            .env_remove("COMPANIN_CONFIG")
            .env("COMPANIN_DATABASE_URL", &db_url)
            .env("COMPANIN_DATA_DIR", dir.path().join("migrate"))
            .output()
            .unwrap();
        assert!(
            migrated.status.success(),
            "{}",
            String::from_utf8_lossy(&migrated.stderr)
        );
        let ((api_a, a), (api_b, b)) = tokio::join!(
            api_process(&db_url, dir.path(), "api-a"),
            api_process(&db_url, dir.path(), "api-b")
        );
        let workers = [
            companin(&db_url, dir.path(), "worker-1", &["worker"]),
            companin(&db_url, dir.path(), "worker-2", &["worker"]),
        ];
        let org = a.create_org("Acme", Some(POLLING_LIMIT)).await;
        let c = &org.production;

        // Uploads to both API processes at once; the two workers share the jobs.
        let (from_a, from_b) = tokio::join!(create_docs(&a, c, 0..20), create_docs(&b, c, 20..40));
        let items: Vec<(usize, String)> = from_a.into_iter().chain(from_b).enumerate().collect();
        for (i, id) in &items {
            let via = if i % 2 == 0 { &a } else { &b };
            let item = wait_done_within(via, c, id, Duration::from_secs(300)).await;
            assert_eq!(item["status"], "ready", "{item}");
        }
        let pg = Database::connect(&db_url).await.unwrap();
        assert_whole(&pg, 40).await;

        // Each API process keeps its own index; both find every item as soon as it is ready
        // (a search first catches up with the index version in the database).
        for (i, id) in items.iter().step_by(5) {
            let query = format!("warehouse shelf {i} spare parts");
            let body = json!({"query": query, "top_k": 3});
            let (on_a, on_b) =
                tokio::join!(search(&a, c, body.clone()), search(&b, c, body.clone()));
            let (on_a, on_b) = (item_ids(&on_a), item_ids(&on_b));
            assert_eq!(on_a.first(), Some(id), "{query}: {on_a:?}");
            assert_eq!(on_a, on_b, "{query}: both processes answer alike");
        }

        // Conversations through both at once, each session opened on one process and its
        // message sent through the other.
        let assistant = extractive_assistant(&a, c, json!({})).await;
        let conversations = (0..8).map(|i| {
            let (open_on, send_on) = if i % 2 == 0 { (&a, &b) } else { (&b, &a) };
            let assistant = assistant.as_str();
            async move {
                let session = session(open_on, c, assistant).await;
                send_on
                    .call(
                        c,
                        Method::POST,
                        "/api/v1/conversations/send-message",
                        Some(json!({
                            "session_id": session,
                            "message": format!("How many boxes does warehouse shelf {i} hold?"),
                        })),
                    )
                    .await
            }
        });
        for (status, reply) in futures::future::join_all(conversations).await {
            assert_eq!(status, 200, "{reply}");
            assert_eq!(reply["answered"], true, "{reply}");
            assert!(
                !reply["sources"].as_array().unwrap().is_empty(),
                "a grounded reply: {reply}"
            );
        }

        // A limit of 25 an hour, asked 60 times through both processes at once: exactly 25.
        let limited = a.create_org("Limited", Some(25)).await;
        let calls = (0..60).map(|i| {
            let via = if i % 2 == 0 { &a } else { &b };
            via.as_client(&limited.production, Method::GET, "/api/v1/clients/")
                .send()
        });
        let statuses: Vec<u16> = futures::future::join_all(calls)
            .await
            .into_iter()
            .map(|r| r.unwrap().status().as_u16())
            .collect();
        assert_eq!(
            statuses.iter().filter(|s| **s == 200).count(),
            25,
            "{statuses:?}"
        );
        assert_eq!(
            statuses.iter().filter(|s| **s == 429).count(),
            35,
            "{statuses:?}"
        );

        // Nobody logged an error.
        for process in [&api_a, &api_b].into_iter().chain(&workers) {
            let log = std::fs::read_to_string(&process.log).unwrap();
            assert!(
                !log.lines().any(|l| l.contains("ERROR")),
                "{}: {log}",
                process.log.display()
            );
        }
    })
}

/// Readiness names what is missing: a server whose models folder lacks the embedding model
/// never becomes ready, and says so.
#[test]
fn readiness_says_when_the_model_is_missing() {
    crate::helpers::run(async {
        let app = crate::helpers::spawn_app_opts(
            Backend::Sqlite,
            companin_api::StartOptions { worker: false },
            |s| s.models_dir = std::path::PathBuf::from("/nonexistent/models"),
        )
        .await;
        let resp = app.request(Method::GET, "/readyz").send().await.unwrap();
        assert!(resp.headers().contains_key("retry-after"));
        let body = crate::helpers::assert_error(resp, 503, "unavailable").await;
        assert_eq!(
            body["data"]["checks"],
            json!({ "database": "ok", "queue": "ok", "models": "unavailable" }),
            "{body}"
        );
        assert!(
            body["detail"]
                .as_str()
                .unwrap()
                .starts_with("not ready: models: "),
            "{body}"
        );
    })
}
