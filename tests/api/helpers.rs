//! `spawn_app()` and friends: a real server on a random port over a fresh database.

use std::time::Duration;

use companin_api::Server;
use companin_config::{DatabaseUrl, Settings};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use secrecy::SecretString;
use serde_json::{Value, json};

/// The JWT key every test server signs with, so tests can forge tokens of their own.
pub const JWT_SECRET: &str = "test-jwt-secret-test-jwt-secret-test-jwt-secret";
/// The operator token of every test server.
pub const OPERATOR_TOKEN: &str = "test-operator-token-test-operator-token";

/// Where the storage-facing tests run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Generates one test per backend for an `async fn name(backend: Backend)`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[test]
                fn sqlite() {
                    $crate::helpers::run(super::$name($crate::helpers::Backend::Sqlite))
                }
                #[test]
                fn postgres() {
                    $crate::helpers::run(super::$name($crate::helpers::Backend::Postgres))
                }
            }
        )*
    };
}

/// Longest a test may take before it fails as stuck (CI's whole run is bounded; a test that
/// waits forever would otherwise hide which one it was).
const TEST_LIMIT: Duration = Duration::from_secs(900);
/// Longest a finished test waits for work left on its runtime's blocking pool.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Runs one test on its own two-thread runtime, as `#[tokio::test]` would, with two bounds
/// it lacks: the test fails past [`TEST_LIMIT`], and the runtime's shutdown waits for
/// blocking work (a model call, a child process being read) at most [`SHUTDOWN_GRACE`]
/// instead of forever.
pub fn run(test: impl std::future::Future<Output = ()>) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("test runtime");
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        runtime.block_on(async {
            if tokio::time::timeout(TEST_LIMIT, test).await.is_err() {
                panic!("the test did not finish within {} s", TEST_LIMIT.as_secs());
            }
        })
    }));
    runtime.shutdown_timeout(SHUTDOWN_GRACE);
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// Longest one request of a test may take: a server that stops answering fails the test
/// that asked, with the request in its message.
const REQUEST_LIMIT: Duration = Duration::from_secs(120);

/// The HTTP client of the tests.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(REQUEST_LIMIT)
        .build()
        .expect("HTTP client")
}

/// Administrative URL of the local PostgreSQL, where each test creates its own database.
fn postgres_admin_url() -> String {
    std::env::var("COMPANIN_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A database no other test uses.
pub struct TestDatabase {
    pub url: String,
}

impl TestDatabase {
    pub async fn new(backend: Backend, dir: &std::path::Path) -> TestDatabase {
        match backend {
            Backend::Sqlite => TestDatabase {
                url: format!("sqlite://{}?mode=rwc", dir.join("test.db").display()),
            },
            Backend::Postgres => {
                let admin_url = postgres_admin_url();
                let admin = Database::connect(&admin_url).await.unwrap_or_else(|e| {
                    panic!(
                        "PostgreSQL is not reachable at {admin_url} ({e}); the PostgreSQL tests \
                         need it: start it, or point COMPANIN_TEST_POSTGRES_URL at one"
                    )
                });
                drop_stale_databases(&admin).await;
                let name = format!("companin_test_{}", uuid::Uuid::now_v7().simple());
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create test database");
                let (base, _) = admin_url
                    .rsplit_once('/')
                    .expect("admin url has a database");
                TestDatabase {
                    url: format!("{base}/{name}"),
                }
            }
        }
    }
}

/// Drops test databases left by runs more than an hour old (their names carry a UUIDv7, whose
/// timestamp says when they were made), once per test process.
async fn drop_stale_databases(admin: &DatabaseConnection) {
    static DONE: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    DONE.get_or_init(|| async {
        let rows = admin
            .query_all_raw(sea_orm::Statement::from_string(
                admin.get_database_backend(),
                "SELECT datname FROM pg_database WHERE datname LIKE 'companin_test_%'",
            ))
            .await
            .unwrap_or_default();
        let cutoff = chrono::Utc::now().timestamp() - 3600;
        for row in rows {
            let Ok(name) = row.try_get_by_index::<String>(0) else {
                continue;
            };
            let made_at = name
                .strip_prefix("companin_test_")
                .and_then(|hex| uuid::Uuid::parse_str(hex).ok())
                .and_then(|id| id.get_timestamp())
                .map(|ts| ts.to_unix().0 as i64);
            if made_at.is_some_and(|t| t < cutoff) {
                let _ = admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await;
            }
        }
    })
    .await;
}

/// A child process killed (SIGKILL) when dropped, so a failing test leaves none behind.
pub struct Killed(pub std::process::Child);

impl Killed {
    pub fn kill(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

impl Drop for Killed {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Credentials of one client.
#[derive(Debug, Clone)]
pub struct Creds {
    pub client_id: String,
    pub client_secret: String,
}

impl Creds {
    pub fn from_json(v: &Value) -> Creds {
        Creds {
            client_id: v["client_id"].as_str().expect("client_id").to_owned(),
            client_secret: v["client_secret"]
                .as_str()
                .expect("client_secret")
                .to_owned(),
        }
    }
}

/// An organization made for a test.
#[derive(Debug, Clone)]
pub struct TestOrg {
    pub id: String,
    pub production: Creds,
    pub sandbox: Creds,
}

pub struct TestApp {
    pub base: String,
    pub http: reqwest::Client,
    pub db_url: String,
    pub settings: Settings,
    server: Option<Server>,
    _dir: tempfile::TempDir,
}

/// Settings of a test server over `db_url` with its data in `dir`.
pub fn test_settings(db_url: &str, dir: &std::path::Path) -> Settings {
    let mut settings = Settings {
        listen: "127.0.0.1:0".parse().expect("addr"),
        data_dir: dir.join("data"),
        database_url: Some(DatabaseUrl(db_url.to_owned())),
        auto_migrate: Some(true),
        admin_token: Some(SecretString::from(OPERATOR_TOKEN)),
        ..Settings::default()
    };
    settings.auth.jwt_secret = Some(SecretString::from(JWT_SECRET));
    settings.request_log.flush_interval_ms = 20;
    settings.models_dir = models_dir();
    // PDFs are read by `companin read-pdf` in a child process; this test binary is not it.
    settings.ingest.pdf_reader = Some(env!("CARGO_BIN_EXE_companin").into());
    // Jobs are picked up quickly, and a dead worker's jobs are re-queued within seconds.
    settings.worker.poll_interval_ms = 50;
    settings.worker.heartbeat_secs = 1;
    settings.worker.retry_backoff_ms = 100;
    // Alerts are sent, and retried, within a moment.
    settings.alerts.poll_interval_ms = 50;
    settings.alerts.retry_backoff_ms = 100;
    settings.webhooks.poll_interval_ms = 50;
    settings.webhooks.retry_backoff_ms = 100;
    settings.embedder.threads = 2;
    // Generated summaries cost seconds of CPU per document; the tests that are about them
    // turn them on.
    settings.generator.summaries = false;
    settings.generator.threads = 2;
    // Seeding costs embedding work in every test that makes an org; the sandbox tests turn
    // it on.
    settings.sandbox.seed_on_create = false;
    // Test servers (webhook receivers, sites) listen on loopback; the SSRF tests turn the
    // guard back on.
    settings.crawl.allow_private_networks = true;
    // Test sites are local and answer at once.
    settings.crawl.politeness_delay_ms = 0;
    settings
}

/// The repository's models folder (`scripts/fetch-models` fills it).
pub fn models_dir() -> std::path::PathBuf {
    std::env::var_os("COMPANIN_MODELS_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models"))
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

pub async fn spawn_app_with(backend: Backend, configure: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_app_opts(backend, companin_api::StartOptions::default(), configure).await
}

/// A test server with explicit start options (e.g. without in-process workers).
pub async fn spawn_app_opts(
    backend: Backend,
    options: companin_api::StartOptions,
    configure: impl FnOnce(&mut Settings),
) -> TestApp {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = TestDatabase::new(backend, dir.path()).await;
    spawn_app_in(dir, &db.url, options, configure).await
}

/// A second server over the database of `other`, as another process behind a load balancer
/// would be (its own caches, limiter and connection pool).
pub async fn spawn_sibling(other: &TestApp) -> TestApp {
    spawn_sibling_with(other, |_| {}).await
}

/// [`spawn_sibling`] with its own settings changes.
pub async fn spawn_sibling_with(other: &TestApp, configure: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = tempfile::tempdir().expect("tempdir");
    spawn_app_in(
        dir,
        &other.db_url,
        companin_api::StartOptions::default(),
        configure,
    )
    .await
}

/// A test server over the database at `db_url` (one the test made itself).
pub async fn spawn_app_at(
    db_url: &str,
    options: companin_api::StartOptions,
    configure: impl FnOnce(&mut Settings),
) -> TestApp {
    spawn_app_in(
        tempfile::tempdir().expect("tempdir"),
        db_url,
        options,
        configure,
    )
    .await
}

async fn spawn_app_in(
    dir: tempfile::TempDir,
    db_url: &str,
    options: companin_api::StartOptions,
    configure: impl FnOnce(&mut Settings),
) -> TestApp {
    let mut settings = test_settings(db_url, dir.path());
    configure(&mut settings);
    let server = companin_api::start(settings.clone(), options)
        .await
        .expect("server starts");
    let addr = server.addr;
    TestApp {
        base: format!("http://{addr}"),
        http: http_client(),
        db_url: db_url.to_owned(),
        settings,
        server: Some(server),
        _dir: dir,
    }
}

impl TestApp {
    /// A client of a server running elsewhere (a `companin serve` process) at `base`.
    pub fn client_of(base: &str, db_url: &str) -> TestApp {
        TestApp {
            base: base.to_owned(),
            http: http_client(),
            db_url: db_url.to_owned(),
            settings: Settings::default(),
            server: None,
            _dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http.request(method, self.url(path))
    }

    /// A request authenticated with a key pair.
    pub fn as_client(&self, creds: &Creds, method: Method, path: &str) -> RequestBuilder {
        self.request(method, path)
            .header("X-API-Key", &creds.client_id)
            .header("X-API-Secret", &creds.client_secret)
    }

    /// A request authenticated with a bearer token.
    pub fn with_token(&self, token: &str, method: Method, path: &str) -> RequestBuilder {
        self.request(method, path).bearer_auth(token)
    }

    pub fn as_operator(&self, method: Method, path: &str) -> RequestBuilder {
        self.request(method, path)
            .header("X-Operator-Token", OPERATOR_TOKEN)
    }

    /// Sends a request as `creds`, with a JSON body when there is one.
    pub async fn send(
        &self,
        creds: &Creds,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Response {
        let mut req = self.as_client(creds, method, path);
        if let Some(body) = body {
            req = req.json(body);
        }
        req.send().await.expect("request")
    }

    /// [`TestApp::send`], answering the status and the JSON body (`null` when there is none).
    pub async fn call(
        &self,
        creds: &Creds,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let resp = self.send(creds, method, path, body.as_ref()).await;
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// Creates an organization through the admin API.
    pub async fn create_org(&self, name: &str, rate_limit_per_hour: Option<i64>) -> TestOrg {
        let mut body = json!({ "name": name });
        if let Some(limit) = rate_limit_per_hour {
            body["rate_limit_per_hour"] = json!(limit);
            // A test that raises the hourly limit to poll freely needs the day as large.
            if limit > 1000 {
                body["rate_limit_per_day"] = json!(limit);
            }
        }
        let resp = self
            .as_operator(Method::POST, "/api/v1/admin/orgs/")
            .json(&body)
            .send()
            .await
            .expect("request");
        assert_eq!(resp.status(), StatusCode::CREATED);
        let v: Value = resp.json().await.expect("json");
        TestOrg {
            id: v["organization"]["id"].as_str().expect("id").to_owned(),
            production: Creds::from_json(&v["production"]),
            sandbox: Creds::from_json(&v["sandbox"]),
        }
    }

    /// Changes an organization's hourly limit through the admin API.
    pub async fn set_rate_limit(&self, org_id: &str, per_hour: i64) {
        let resp = self
            .as_operator(Method::PATCH, &format!("/api/v1/admin/orgs/{org_id}"))
            .json(&json!({ "rate_limit_per_hour": per_hour }))
            .send()
            .await
            .expect("request");
        assert_eq!(resp.status(), StatusCode::OK);
    }

    /// A bearer token for `creds`.
    pub async fn token(&self, creds: &Creds) -> String {
        let resp = self
            .as_client(creds, Method::POST, "/api/v1/auth/token")
            .send()
            .await
            .expect("request");
        assert_eq!(resp.status(), StatusCode::OK);
        let v: Value = resp.json().await.expect("json");
        v["token"].as_str().expect("token").to_owned()
    }

    /// A direct connection to the app's database, for checks the API does not expose.
    pub async fn db(&self) -> DatabaseConnection {
        Database::connect(&self.db_url).await.expect("connect")
    }

    /// Polls the request log until it holds `n` rows for `creds`' tenant.
    pub async fn wait_for_logs(&self, creds: &Creds, query: &str, n: u64) -> Value {
        let path = format!("/api/v1/analytics/logs/?{query}");
        // Generous: on a loaded CI machine the log writer's batches can lag by seconds.
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while std::time::Instant::now() < deadline {
            let v: Value = self
                .as_client(creds, Method::GET, &path)
                .send()
                .await
                .expect("request")
                .json()
                .await
                .expect("json");
            // The poll itself is logged too, so it can only add rows, never hide them.
            if v["total"].as_u64().unwrap_or(0) >= n {
                return v;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("request log never reached {n} rows for {query}");
    }

    /// Stops the server gracefully.
    pub async fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            server.stop().await.expect("clean shutdown");
        }
    }
}

/// Asserts the one error shape with this status and code, and that its request id is the one
/// in `X-Request-Id`; returns the body.
pub async fn assert_error(resp: Response, status: u16, code: &str) -> Value {
    assert_eq!(resp.status().as_u16(), status, "status");
    let header_id = resp
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .expect("X-Request-Id on every response");
    let body: Value = resp.json().await.expect("error body is JSON");
    let keys: Vec<&str> = body
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "code",
            "data",
            "detail",
            "request_id",
            "status",
            "status_code"
        ],
        "{body}"
    );
    assert_eq!(body["status"], "error", "{body}");
    assert_eq!(body["status_code"], status, "{body}");
    assert_eq!(body["code"], code, "{body}");
    assert!(
        body["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "{body}"
    );
    assert_eq!(body["request_id"], header_id.as_str(), "{body}");
    body
}
