//! Faults with real processes: a worker killed mid-ingestion, a server killed mid-upload, and
//! PostgreSQL restarted under a running service. After each, every accepted item reaches
//! `ready` (or `failed`), none has a chunk twice, and no job is left `running` or `queued`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use reqwest::Method;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::{Value, json};

use crate::helpers::{
    Backend, Creds, JWT_SECRET, Killed, TestApp, TestDatabase, assert_error, spawn_app_at,
    spawn_app_opts,
};
use crate::knowledge::{spawn_worker, wait_done, wait_done_within};

/// These tests poll; the default hourly limit would run out.
const POLLING_LIMIT: i64 = 1_000_000;

/// One row of a count query.
async fn count(db: &DatabaseConnection, sql: &str) -> i64 {
    db.query_one_raw(Statement::from_string(
        db.get_database_backend(),
        sql.to_owned(),
    ))
    .await
    .unwrap()
    .unwrap()
    .try_get_by_index::<i64>(0)
    .unwrap()
}

/// A short text, one chunk, unique per `i`.
fn doc(i: usize) -> Value {
    json!({
        "type": "text",
        "title": format!("Note {i}"),
        "content": format!(
            "Note number {i} of the fault drill. The warehouse shelf {i} holds {} boxes of \
             spare parts for the model {} kettle.",
            i * 7 % 97,
            i % 13
        ),
    })
}

/// Creates texts `range`, twenty at a time, answering their ids.
pub(crate) async fn create_docs(
    app: &TestApp,
    c: &Creds,
    range: std::ops::Range<usize>,
) -> Vec<String> {
    let mut ids = Vec::new();
    let all: Vec<usize> = range.collect();
    for batch in all.chunks(20) {
        let calls = batch
            .iter()
            .map(|i| app.call(c, Method::POST, "/api/v1/knowledge/", Some(doc(*i))));
        for (status, item) in futures::future::join_all(calls).await {
            assert_eq!(status, 202, "{item}");
            ids.push(item["id"].as_str().unwrap().to_owned());
        }
    }
    ids
}

/// Waits until `sql` counts at least `n`.
async fn wait_count(db: &DatabaseConnection, sql: &str, n: i64, within: Duration) {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let now = count(db, sql).await;
        if now >= n {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{sql}: {now} of {n}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Every item of the tenant has exactly its chunks, once each, and no job is left
/// `running` or `queued` within a minute.
pub(crate) async fn assert_whole(db: &DatabaseConnection, items: i64) {
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM knowledge_items WHERE status = 'ready'"
        )
        .await,
        items
    );
    let chunks = count(db, "SELECT COUNT(*) FROM knowledge_chunks").await;
    let counted = count(
        db,
        "SELECT COALESCE(SUM(chunk_count), 0) FROM knowledge_items",
    )
    .await;
    assert_eq!(chunks, counted, "every item's chunk_count is its chunks");
    assert_eq!(chunks, items, "one chunk per note, as without the fault");
    let doubled = count(
        db,
        "SELECT COUNT(*) FROM (SELECT knowledge_id, position FROM knowledge_chunks \
         GROUP BY knowledge_id, position HAVING COUNT(*) > 1) AS d",
    )
    .await;
    assert_eq!(doubled, 0, "no chunk stored twice");
    let unfinished = "SELECT COUNT(*) FROM background_jobs WHERE status IN ('running', 'queued')";
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while count(db, unfinished).await > 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "jobs left unfinished"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// `companin worker` killed with SIGKILL in the middle of 500 documents, then started again.
async fn a_worker_killed_mid_ingestion_loses_and_doubles_nothing(backend: Backend) {
    let app = spawn_app_opts(
        backend,
        companin_api::StartOptions { worker: false },
        |_| {},
    )
    .await;
    let org = app.create_org("Acme", Some(POLLING_LIMIT)).await;
    let c = &org.production;
    let total = 500;
    create_docs(&app, c, 0..total).await;
    let db = app.db().await;
    let mut first = Killed(spawn_worker(&app));
    let ready = "SELECT COUNT(*) FROM knowledge_items WHERE status = 'ready'";
    wait_count(&db, ready, 100, Duration::from_secs(300)).await;
    first.kill();
    let done_at_kill = count(&db, ready).await;
    assert!(
        done_at_kill < total as i64,
        "killed in the middle ({done_at_kill})"
    );
    let _second = Killed(spawn_worker(&app));
    wait_count(&db, ready, total as i64, Duration::from_secs(600)).await;
    assert_whole(&db, total as i64).await;
}

/// The `companin` binary with the test environment's models and keys.
fn companin(db_url: &str, data_dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_companin"));
    command
        .env("COMPANIN_DATABASE_URL", db_url)
        .env("COMPANIN_DATA_DIR", data_dir)
        .env("COMPANIN_MODELS_DIR", crate::helpers::models_dir())
        .env("COMPANIN_AUTH_JWT_SECRET", JWT_SECRET)
        .env("COMPANIN_WORKER_HEARTBEAT_SECS", "1")
        .env("COMPANIN_WORKER_POLL_INTERVAL_MS", "50")
        .env("COMPANIN_EMBEDDER_THREADS", "2")
        .env("COMPANIN_GENERATOR_SUMMARIES", "false")
        .env("COMPANIN_SANDBOX_SEED_ON_CREATE", "false")
        .env("COMPANIN_LOG_LEVEL", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

/// `companin serve` (with its workers) on a free port, once it answers.
async fn serve(db_url: &str, data_dir: &Path) -> (Killed, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = Killed(
        companin(db_url, data_dir)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .spawn()
            .unwrap(),
    );
    let base = format!("http://127.0.0.1:{port}");
    for _ in 0..300 {
        if reqwest::get(format!("{base}/healthz")).await.is_ok() {
            return (server, base);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("companin serve did not start");
}

/// `companin serve` killed with SIGKILL while uploads stream in; after a restart every upload
/// it accepted is processed (those whose queue entry it never wrote too).
async fn a_server_killed_during_uploads_leaves_no_item_behind(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDatabase::new(backend, dir.path()).await;
    let data = dir.path().join("data");
    let run = |args: &[&str]| {
        let out = companin(&db.url, &data)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    run(&["migrate"]);
    let org = run(&[
        "org",
        "create",
        "--name",
        "Acme",
        "--json",
        "--rate-limit-per-hour",
        "1000000",
    ]);
    let org: Value = serde_json::from_slice(&org).unwrap();
    let c = Creds::from_json(&org["production"]);
    let (mut server, base) = serve(&db.url, &data).await;

    // Uploads keep coming from four clients until the server dies under them.
    let accepted = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let uploads = (0..4).map(|client| {
        let (base, c, accepted) = (base.clone(), c.clone(), accepted.clone());
        tokio::spawn(async move {
            let http = crate::helpers::http_client();
            for i in 0.. {
                let resp = http
                    .post(format!("{base}/api/v1/knowledge/"))
                    .header("X-API-Key", &c.client_id)
                    .header("X-API-Secret", &c.client_secret)
                    .json(&doc(client * 10_000 + i))
                    .send()
                    .await;
                let Ok(resp) = resp else { return };
                if resp.status() == 202 {
                    let item: Value = resp.json().await.unwrap_or(Value::Null);
                    if let Some(id) = item["id"].as_str() {
                        accepted.lock().unwrap().push(id.to_owned());
                    }
                }
            }
        })
    });
    let uploads: Vec<_> = uploads.collect();
    while accepted.lock().unwrap().len() < 40 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill();
    for upload in uploads {
        upload.await.unwrap();
    }
    let accepted = accepted.lock().unwrap().clone();

    let (_server, base) = serve(&db.url, &data).await;
    let app = TestApp::client_of(&base, &db.url);
    for id in &accepted {
        let item = wait_done(&app, &c, id).await;
        assert!(
            item["status"] == "ready" || item["status"] == "failed",
            "{item}"
        );
    }
    let conn = Database::connect(&db.url).await.unwrap();
    let items = count(&conn, "SELECT COUNT(*) FROM knowledge_items").await;
    assert!(items >= accepted.len() as i64);
    // Items committed before the kill whose answer was lost are processed too.
    wait_count(
        &conn,
        "SELECT COUNT(*) FROM knowledge_items WHERE status IN ('ready', 'failed')",
        items,
        Duration::from_secs(120),
    )
    .await;
    assert_whole(&conn, items).await;
}

/// A PostgreSQL server of the test's own, which it may stop and start (the machine's shared
/// one serves the other tests).
pub(crate) struct PrivatePostgres {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
    /// PostgreSQL's own limit on connections.
    max_connections: u32,
}

impl PrivatePostgres {
    fn start() -> PrivatePostgres {
        Self::start_with(100)
    }

    /// A private server that admits `max_connections` connections (PostgreSQL's default is
    /// 100: several Companin processes at full load use more).
    pub(crate) fn start_with(max_connections: u32) -> PrivatePostgres {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL's server binaries under /usr/lib/postgresql")
            .flatten()
            .map(|e| e.path().join("bin"))
            .filter(|p| p.join("initdb").exists())
            .max()
            .expect("an initdb");
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let pg = PrivatePostgres {
            bin,
            dir,
            port,
            max_connections,
        };
        if Self::as_root() {
            // PostgreSQL refuses to run as root: its files belong to `postgres`.
            let chown = Command::new("chown")
                .arg("-R")
                .arg("postgres:")
                .arg(pg.dir.path())
                .status()
                .unwrap();
            assert!(chown.success());
        }
        let data = pg.data();
        pg.run(
            "initdb",
            &["-D", &data, "-U", "postgres", "--auth=trust", "-E", "UTF8"],
        );
        pg.start_again();
        pg
    }

    fn as_root() -> bool {
        let out = Command::new("id").arg("-u").output().unwrap();
        String::from_utf8_lossy(&out.stdout).trim() == "0"
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn run(&self, program: &str, args: &[&str]) {
        let program = self.bin.join(program);
        let mut command = if Self::as_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        };
        let out = command.args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn start_again(&self) {
        let log = self.dir.path().join("log").display().to_string();
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections={}",
            self.port,
            self.dir.path().display(),
            self.max_connections
        );
        self.run(
            "pg_ctl",
            &[
                "start",
                "-w",
                "-D",
                &self.data(),
                "-l",
                &log,
                "-o",
                &options,
            ],
        );
    }

    fn stop(&self) {
        self.run("pg_ctl", &["stop", "-w", "-m", "fast", "-D", &self.data()]);
    }

    pub(crate) fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let _ = Command::new(self.bin.join("pg_ctl"))
            .args(["stop", "-m", "immediate", "-D", &self.data()])
            .output();
        if Self::as_root() {
            let _ = Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(self.bin.join("pg_ctl"))
                .args(["stop", "-m", "immediate", "-D", &self.data()])
                .output();
        }
    }
}

/// PostgreSQL stopped and started again under a running server and worker: requests answer
/// 503 `unavailable` meanwhile and work again afterwards, without restarting Companin, and
/// the jobs caught by the outage finish.
#[test]
fn postgres_restarted_under_the_service_loses_nothing() {
    crate::helpers::run(async {
        let pg = PrivatePostgres::start();
        let admin = Database::connect(pg.url("postgres")).await.unwrap();
        admin
            .execute_unprepared("CREATE DATABASE companin")
            .await
            .unwrap();
        drop(admin);
        let app = spawn_app_at(
            &pg.url("companin"),
            companin_api::StartOptions::default(),
            |_| {},
        )
        .await;
        let org = app.create_org("Acme", Some(POLLING_LIMIT)).await;
        let c = &org.production;
        let before = create_docs(&app, c, 0..10).await;
        for id in &before {
            assert_eq!(wait_done(&app, c, id).await["status"], "ready");
        }
        // Work in flight when the database goes away.
        let caught = create_docs(&app, c, 10..30).await;
        pg.stop();
        // The credential cache may still admit the caller; the database behind answers nothing.
        tokio::time::sleep(Duration::from_secs(6)).await;
        let resp = app
            .as_client(c, Method::GET, "/api/v1/knowledge/")
            .timeout(Duration::from_secs(60))
            .send()
            .await
            .unwrap();
        assert!(
            resp.headers().contains_key("retry-after"),
            "{:?}",
            resp.headers()
        );
        assert_error(resp, 503, "unavailable").await;
        let resp = app.request(Method::GET, "/readyz").send().await.unwrap();
        assert_error(resp, 503, "unavailable").await;

        pg.start_again();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            let resp = app
                .as_client(c, Method::GET, "/api/v1/knowledge/")
                .send()
                .await
                .unwrap();
            if resp.status() == 200 {
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "never recovered: {}",
                resp.status()
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        // A job whose attempt met the outage is taken over once its worker has been silent
        // for three heartbeats (45 s), then retried after its backoff: under a loaded machine
        // that and the ingestion of twenty documents can pass two minutes.
        for id in caught.iter().chain(&before) {
            let item = wait_done_within(&app, c, id, Duration::from_secs(300)).await;
            assert_eq!(item["status"], "ready", "{id}");
        }
        let db = Database::connect(pg.url("companin")).await.unwrap();
        assert_whole(&db, 30).await;
    })
}

crate::on_both_backends!(
    a_worker_killed_mid_ingestion_loses_and_doubles_nothing,
    a_server_killed_during_uploads_leaves_no_item_behind,
);
