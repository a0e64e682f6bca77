//! The typed settings and their compiled defaults.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// Every setting of a Companin process. Built by [`crate::Settings::load`]; each field's
/// default is the embedded, zero-service configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Address the HTTP server binds (`COMPANIN_LISTEN`).
    pub listen: SocketAddr,
    /// Where the SQLite database, the generated JWT secret and (later) indexes live
    /// (`COMPANIN_DATA_DIR`).
    pub data_dir: PathBuf,
    /// Where local model weights are read from (`COMPANIN_MODELS_DIR`).
    pub models_dir: PathBuf,
    /// `sqlite://...` or `postgres://...` (`COMPANIN_DATABASE_URL`); a SQLite file in the data
    /// directory when unset.
    pub database_url: Option<DatabaseUrl>,
    /// Most connections of the process's main pool (`COMPANIN_DATABASE_MAX_CONNECTIONS`); 8 on
    /// SQLite (plus its one write connection) and 32 on PostgreSQL when unset. The job queue
    /// has pools of its own.
    pub database_max_connections: Option<u32>,
    /// Run pending migrations when `serve` starts. Unset means: yes on SQLite, no on
    /// PostgreSQL (where several processes start at once and `companin migrate` runs once).
    pub auto_migrate: Option<bool>,
    /// Operator token guarding `/api/v1/admin/...` (header `X-Operator-Token`); the admin
    /// routes are disabled while it is unset.
    pub admin_token: Option<SecretString>,
    pub auth: AuthSettings,
    pub rate_limit: RateLimitSettings,
    pub http: HttpSettings,
    pub log: LogSettings,
    pub request_log: RequestLogSettings,
    pub sessions: SessionSettings,
    pub embedder: EmbedderSettings,
    pub generator: GeneratorSettings,
    pub conversations: ConversationSettings,
    pub ingest: IngestSettings,
    pub worker: WorkerSettings,
    pub alerts: AlertSettings,
    pub webhooks: WebhookSettings,
    pub widget: WidgetSettings,
    pub sandbox: SandboxSettings,
    pub crawl: CrawlSettings,
    pub search: SearchSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("./data"),
            models_dir: PathBuf::from("./models"),
            database_url: None,
            database_max_connections: None,
            auto_migrate: None,
            admin_token: None,
            auth: AuthSettings::default(),
            rate_limit: RateLimitSettings::default(),
            http: HttpSettings::default(),
            log: LogSettings::default(),
            request_log: RequestLogSettings::default(),
            sessions: SessionSettings::default(),
            embedder: EmbedderSettings::default(),
            generator: GeneratorSettings::default(),
            conversations: ConversationSettings::default(),
            ingest: IngestSettings::default(),
            worker: WorkerSettings::default(),
            alerts: AlertSettings::default(),
            webhooks: WebhookSettings::default(),
            widget: WidgetSettings::default(),
            sandbox: SandboxSettings::default(),
            crawl: CrawlSettings::default(),
            search: SearchSettings::default(),
        }
    }
}

impl Settings {
    /// The database URL in effect: the configured one, or a SQLite file in the data directory
    /// (created when missing).
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.0.clone(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("companin.db").display()
            ),
        }
    }

    /// Whether the database in effect is SQLite.
    pub fn is_sqlite(&self) -> bool {
        self.database_url().starts_with("sqlite:")
    }

    /// Most connections of the main pool.
    pub fn database_max_connections(&self) -> u32 {
        self.database_max_connections
            .unwrap_or(if self.is_sqlite() { 8 } else { 32 })
    }

    /// Whether `serve` should run pending migrations itself.
    pub fn auto_migrate(&self) -> bool {
        self.auto_migrate.unwrap_or_else(|| self.is_sqlite())
    }
}

/// Credentials and tokens.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    /// HS256 key for the JWTs this service issues (`COMPANIN_AUTH_JWT_SECRET`). When unset, a
    /// random key is generated on first start and kept in `<data_dir>/jwt_secret`. Several
    /// processes behind one load balancer must share it.
    pub jwt_secret: Option<SecretString>,
    /// Lifetime of tokens from `POST /api/v1/auth/token`, in seconds.
    pub token_ttl_secs: u64,
    /// How long a process trusts a client row it has read (secret hash, active flag) before
    /// reading it again. Rotation and deletion drop the entry at once in the process that made
    /// the change; other processes see it within this many seconds.
    pub credential_cache_ttl_secs: u64,
    /// Lifetime of a team member's console session, in seconds (signing in again starts a
    /// new one).
    pub session_ttl_secs: u64,
    /// How long an invitation (or `companin member create`'s sign-in link) stays usable, in
    /// hours.
    pub invitation_ttl_hours: u64,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            jwt_secret: None,
            token_ttl_secs: 3600,
            credential_cache_ttl_secs: 5,
            session_ttl_secs: 8 * 3600,
            invitation_ttl_hours: 72,
        }
    }
}

/// Requests Companin makes to URLs users give it (alert webhooks; pages to crawl).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CrawlSettings {
    /// Let those requests reach loopback, private, link-local and other non-public addresses
    /// (refused by default, against SSRF): for intranets and tests.
    pub allow_private_networks: bool,
    /// Hosts exempt from that rule (exact names, e.g. `wiki.intranet.example`): an intranet
    /// site can be crawled without opening every private address.
    pub allowed_hosts: Vec<String>,
    /// Fixed answers for name resolution, `host=address` (like curl's `--resolve`): pins a
    /// site to an address. The guard still judges the address.
    pub resolve: Vec<String>,
    /// The `User-Agent` of every crawl request; robots.txt rules are matched against its
    /// first word.
    pub user_agent: String,
    /// The most pages one crawl may fetch (`crawl.max_pages` of a URL is bounded by it).
    pub max_pages: u32,
    /// The deepest a crawl may follow links (`crawl.max_depth` is bounded by it).
    pub max_depth: u32,
    /// Largest page (or linked file) fetched, in bytes; larger ones are skipped.
    pub max_page_bytes: u64,
    /// Connect plus read time of one request, in seconds.
    pub timeout_secs: u64,
    /// Redirects followed per request.
    pub max_redirects: usize,
    /// Pause between two requests to one host, in milliseconds (a robots.txt `Crawl-delay`
    /// longer than this wins).
    pub politeness_delay_ms: u64,
    /// Requests to one host in flight at once, across every crawl of this process.
    pub per_host_concurrency: usize,
    /// How often the workers look for URLs due for their scheduled re-sync, in seconds.
    pub scheduler_interval_secs: u64,
    /// One crawl's time limit, in seconds (a long site crawl outlasts `worker.job_timeout_secs`).
    pub job_timeout_secs: u64,
}

impl Default for CrawlSettings {
    fn default() -> Self {
        Self {
            allow_private_networks: false,
            allowed_hosts: Vec::new(),
            resolve: Vec::new(),
            user_agent: concat!(
                "Companin/",
                env!("CARGO_PKG_VERSION"),
                " (knowledge-base crawler; +https://github.com/companin/companin)"
            )
            .to_owned(),
            max_pages: 500,
            max_depth: 5,
            max_page_bytes: 10 * 1024 * 1024,
            timeout_secs: 20,
            max_redirects: 5,
            politeness_delay_ms: 1_000,
            per_host_concurrency: 2,
            scheduler_interval_secs: 60,
            job_timeout_secs: 3_600,
        }
    }
}

/// The sandbox environment of every organization.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SandboxSettings {
    /// Seed a new organization's sandbox with sample data (a job run by the workers).
    pub seed_on_create: bool,
}

impl Default for SandboxSettings {
    fn default() -> Self {
        Self {
            seed_on_create: true,
        }
    }
}

/// The browser widget's tokens.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WidgetSettings {
    /// Lifetime of tokens from `POST /api/v1/widget/token`, in seconds: short, since a page
    /// holds them in the open.
    pub token_ttl_secs: u64,
    /// Messages one widget visitor may send per minute; 0 turns the cap off. Like every
    /// widget limit below, counted in the database: exact across processes.
    pub messages_per_minute: u32,
    /// Widget tokens one client address may get per minute, per organization.
    pub tokens_per_minute_per_address: u32,
    /// Widget requests (token requests included) one client address may make per minute,
    /// per organization.
    pub requests_per_minute_per_address: u32,
    /// Requests one widget visitor's token may make per minute.
    pub requests_per_minute_per_visitor: u32,
    /// Widget requests (token requests included) from one allowed origin per minute.
    pub requests_per_minute_per_origin: u32,
    /// The share (above 0, at most 1) of an organization's hourly limit and daily quota that
    /// widget traffic may use: the rest stays for its server keys, whatever anonymous pages
    /// do.
    pub budget_share: f64,
}

impl Default for WidgetSettings {
    fn default() -> Self {
        Self {
            token_ttl_secs: 3600,
            messages_per_minute: 20,
            tokens_per_minute_per_address: 10,
            requests_per_minute_per_address: 300,
            requests_per_minute_per_visitor: 120,
            requests_per_minute_per_origin: 3000,
            budget_share: 0.5,
        }
    }
}

/// Per-organization request limits.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitSettings {
    /// Requests per hour for an organization (per environment) without its own limit.
    pub default_per_hour: u32,
    /// Requests per UTC day for an organization (per environment) without its own quota.
    pub default_per_day: u32,
    /// How long a process keeps an organization's limit before reading it again, in seconds;
    /// a limit changed from the CLI applies to running servers within this delay.
    pub limit_refresh_secs: u64,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        Self {
            default_per_hour: 1000,
            default_per_day: 1000,
            limit_refresh_secs: 2,
        }
    }
}

/// HTTP server limits.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpSettings {
    /// Largest accepted request body, in bytes (413 beyond it).
    pub body_limit_bytes: u64,
    /// How long graceful shutdown waits for in-flight requests, in seconds.
    pub shutdown_grace_secs: u64,
    /// `/metrics` counts requests per organization, labelled with its id. Off by default:
    /// the endpoint has no authentication, and which tenants a platform serves is theirs.
    pub metrics_org_labels: bool,
    /// A header a reverse proxy in front of every process sets to the caller's address
    /// (`X-Forwarded-For`, `X-Real-IP`); its last address is the client's. Unset, the
    /// client is the connection's peer. Set it only behind such a proxy: callers reaching
    /// the service directly could otherwise name any address.
    pub client_ip_header: Option<String>,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            body_limit_bytes: 1024 * 1024,
            shutdown_grace_secs: 10,
            metrics_org_labels: false,
            client_ip_header: None,
        }
    }
}

/// Process logs.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    /// A `tracing` filter such as `info` or `companin_api=debug,info`.
    pub level: String,
    /// `text` for people, `json` for log collectors.
    pub format: LogFormat,
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            level: "info".to_owned(),
            format: LogFormat::Text,
        }
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

/// The buffered request-log writer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RequestLogSettings {
    /// Longest time a finished request waits in memory before its log row is written; rows
    /// gathered meanwhile go to the database in one insert.
    pub flush_interval_ms: u64,
    /// Most rows written by one insert.
    pub batch_size: usize,
    /// Request logs and rate-limit records older than this many days are deleted by the
    /// workers' retention sweep; 0 keeps them forever.
    pub retention_days: u32,
    /// Seconds between two retention sweeps of a worker process.
    pub retention_sweep_secs: u64,
}

impl Default for RequestLogSettings {
    fn default() -> Self {
        Self {
            flush_interval_ms: 200,
            batch_size: 250,
            retention_days: 90,
            retention_sweep_secs: 3600,
        }
    }
}

/// Visitor sessions.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SessionSettings {
    /// Lifetime of a session created without `expires_in`, in seconds.
    pub default_ttl_secs: u64,
    /// Longest `expires_in` accepted, in seconds.
    pub max_ttl_secs: u64,
}

impl Default for SessionSettings {
    fn default() -> Self {
        Self {
            default_ttl_secs: 24 * 3600,
            max_ttl_secs: 30 * 24 * 3600,
        }
    }
}

/// A database URL whose password never reaches logs or `Debug` output.
#[derive(Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct DatabaseUrl(pub String);

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redact_password(&self.0))
    }
}

/// The URL with any password replaced by `***`.
pub fn redact_password(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut url) if url.password().is_some() => {
            // set_password only fails for URLs that cannot carry one, ruled out above.
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        Ok(_) => raw.to_owned(),
        Err(_) => "<unparsable database url>".to_owned(),
    }
}

/// The local embedding model.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EmbedderSettings {
    /// Which model embeds chunks and questions. Every chunk records the model of its vector,
    /// and search uses only vectors of this one: after a change, `companin reindex` re-embeds.
    pub model: EmbedderModel,
    /// Inference threads; 0 uses one per core.
    pub threads: usize,
    /// Texts per forward pass.
    pub batch_size: usize,
}

/// The embedding models a server can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum EmbedderModel {
    /// English only; the smallest and fastest.
    #[serde(rename = "all-MiniLM-L6-v2")]
    MiniLmL6V2,
    /// About 100 languages, questions and passages across languages. The default: on English
    /// it is within 0.01 of MiniLM (SciFact train hybrid nDCG@10 0.727 against 0.729), and on
    /// Spanish far ahead of it (MLQA dev hybrid MRR@10 0.81 against 0.61; docs/benchmarks.md).
    #[default]
    #[serde(rename = "multilingual-e5-small")]
    MultilingualE5Small,
}

impl EmbedderModel {
    /// The model's name, as settings and stored chunks spell it.
    pub fn name(self) -> &'static str {
        match self {
            EmbedderModel::MiniLmL6V2 => "all-MiniLM-L6-v2",
            EmbedderModel::MultilingualE5Small => "multilingual-e5-small",
        }
    }
}

impl Default for EmbedderSettings {
    fn default() -> Self {
        Self {
            model: EmbedderModel::default(),
            threads: 0,
            batch_size: 32,
        }
    }
}

/// The local text generator (SmolLM2) and the work it does in the background.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GeneratorSettings {
    /// Inference threads; 0 uses one per core.
    pub threads: usize,
    /// Replace each document's extractive summary with a generated one, in a low-priority
    /// job after the item is ready.
    pub summaries: bool,
    /// Most tokens of a generated summary.
    pub summary_max_tokens: usize,
    /// Most tokens of the document the summary is written from (its beginning).
    pub summary_input_tokens: usize,
    /// Time allowed for one summary, in seconds; a slower one keeps what it has so far only
    /// if that ends a sentence, else the extractive summary stays.
    pub summary_timeout_secs: u64,
    /// Summaries written at once per process (each uses the generator's threads).
    pub concurrency: usize,
    /// Seconds the loaded generator may go unused (no summary, no local reply) before the
    /// process lets go of its memory; the next use loads it again. 0 keeps it loaded.
    pub unload_after_idle_secs: u64,
}

impl Default for GeneratorSettings {
    fn default() -> Self {
        Self {
            threads: 0,
            summaries: true,
            summary_max_tokens: 96,
            summary_input_tokens: 768,
            summary_timeout_secs: 60,
            concurrency: 1,
            unload_after_idle_secs: 300,
        }
    }
}

/// What writes an assistant's replies when its `reply_mode` is `generative`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReplyGenerator {
    /// SmolLM2 from the models folder, in this process.
    Local,
    /// An OpenAI-compatible `/v1/chat/completions` endpoint.
    Openai,
    /// No model: the sentences of the best passages that match the question.
    Extractive,
}

/// Conversations: how replies are grounded and generated.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConversationSettings {
    /// The generator for generative assistants (extractive assistants never use one).
    pub generator: ReplyGenerator,
    /// Longest visitor message, in characters (422 beyond it).
    pub max_message_chars: usize,
    /// Relevance (cosine similarity on the embedder's scale, as search scores) between the
    /// message and a curated question (or one of its alternates) at or above which the Q&A's
    /// answer is returned verbatim.
    pub qa_min_similarity: f32,
    /// Relevance (as search scores) a passage needs to count as relevant at all, whatever the
    /// assistant's own `min_score` (the higher of the two applies). Below it for every
    /// passage, the assistant answers with its fallback message.
    pub min_relevance: f32,
    /// Passages given to the generator (the best ones that pass).
    pub prompt_passages: usize,
    /// Earlier messages of the conversation given to the generator.
    pub history_messages: usize,
    /// Most tokens of a generated reply.
    pub max_reply_tokens: usize,
    /// Time allowed for one generated reply, in seconds; it keeps what it has by then.
    pub reply_timeout_secs: u64,
    /// Base URL of the OpenAI-compatible API, up to and including `/v1`.
    pub openai_base_url: Option<String>,
    /// Model name sent to that API.
    pub openai_model: String,
    /// Its API key (`COMPANIN_CONVERSATIONS_OPENAI_API_KEY`); sent as a bearer token.
    pub openai_api_key: Option<SecretString>,
    /// Replies the local model writes at once in a process (each uses every core).
    pub local_concurrency: usize,
    /// Replies sent to the OpenAI-compatible endpoint at once by a process.
    pub openai_concurrency: usize,
    /// Replies that may wait for a generator in a process, taking turns by tenant; one
    /// tenant may hold half. Past it a reply is refused with 503 `busy`.
    pub waiting_replies: usize,
}

impl Default for ConversationSettings {
    fn default() -> Self {
        Self {
            generator: ReplyGenerator::Local,
            max_message_chars: 4_000,
            qa_min_similarity: 0.8,
            min_relevance: 0.3,
            prompt_passages: 3,
            history_messages: 6,
            max_reply_tokens: 200,
            reply_timeout_secs: 60,
            openai_base_url: None,
            openai_model: "gpt-4o-mini".to_owned(),
            openai_api_key: None,
            local_concurrency: 1,
            openai_concurrency: 16,
            waiting_replies: 32,
        }
    }
}

/// Knowledge search.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SearchSettings {
    /// Memory the tenants' search indexes of one process may hold together, in MiB; beyond
    /// it the least recently searched are dropped from memory and loaded again (from their
    /// snapshot) when next searched. 0: no limit.
    pub memory_budget_mb: u64,
}

impl Default for SearchSettings {
    fn default() -> Self {
        Self {
            memory_budget_mb: 1024,
        }
    }
}

/// Knowledge ingestion.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IngestSettings {
    /// Largest uploaded file, in bytes (413 beyond it).
    pub max_file_bytes: u64,
    /// Most tokens per chunk (the embedding model's tokens, title prefix included).
    pub chunk_tokens: usize,
    /// Tokens shared by neighbouring chunks.
    pub chunk_overlap_tokens: usize,
    /// How long reading one PDF may take, in seconds (its reader process is killed then).
    pub pdf_timeout_secs: u64,
    /// Address space the process reading one PDF may map, in MiB: a compression bomb fails
    /// its item there.
    pub pdf_memory_mib: u64,
    /// The program that reads PDFs (run as `<program> read-pdf`); unset means this
    /// `companin` binary itself, which is what every deployment wants. Tests that run the
    /// app inside a test binary point it at the built `companin`.
    pub pdf_reader: Option<PathBuf>,
}

impl Default for IngestSettings {
    fn default() -> Self {
        Self {
            max_file_bytes: 25 * 1024 * 1024,
            chunk_tokens: 200,
            chunk_overlap_tokens: 20,
            pdf_timeout_secs: 60,
            pdf_memory_mib: 1024,
            pdf_reader: None,
        }
    }
}

/// Background workers (in `serve`, or alone in `companin worker`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WorkerSettings {
    /// Jobs one process runs at once.
    pub concurrency: usize,
    /// A job running longer than this fails its attempt, in seconds.
    pub job_timeout_secs: u64,
    /// Attempts per job before it fails for good.
    pub max_attempts: u32,
    /// First retry delay, in milliseconds; each further retry doubles it.
    pub retry_backoff_ms: u64,
    /// How often a worker says it is alive, in seconds. A job held by a worker silent for
    /// two intervals (its process died) is queued again.
    pub heartbeat_secs: u64,
    /// How often an idle worker looks for new jobs, in milliseconds.
    pub poll_interval_ms: u64,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self {
            // Jobs mostly wait for the embedder, whose batcher shares forward passes between
            // them: more jobs in flight make fuller batches, not more CPU contention. On the
            // SciFact corpus 16 took the pipeline from 73 % to 85 % of the raw embedder.
            concurrency: 16,
            job_timeout_secs: 600,
            max_attempts: 3,
            retry_backoff_ms: 2_000,
            heartbeat_secs: 15,
            poll_interval_ms: 500,
        }
    }
}

/// Event webhooks, delivered by the workers.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebhookSettings {
    /// First retry delay, in milliseconds; each further retry doubles it, up to
    /// `max_backoff_secs`.
    pub retry_backoff_ms: u64,
    /// Longest delay between two attempts, in seconds.
    pub max_backoff_secs: u64,
    /// An event is retried until it is this old, in seconds (a day), then marked failed.
    pub retry_for_secs: u64,
    /// An endpoint whose every attempt failed for this long, in seconds (a day), is turned
    /// off.
    pub disable_after_secs: u64,
    /// How often a worker looks for events to send, in milliseconds.
    pub poll_interval_ms: u64,
    /// Longest wait for the receiver's answer, in seconds.
    pub timeout_secs: u64,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            retry_backoff_ms: 30_000,
            max_backoff_secs: 3_600,
            retry_for_secs: 86_400,
            disable_after_secs: 86_400,
            poll_interval_ms: 1_000,
            timeout_secs: 10,
        }
    }
}

/// Rate-limit alerts posted to each tenant's webhook by the workers.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlertSettings {
    /// Attempts per alert before it is marked failed.
    pub max_attempts: u32,
    /// First retry delay, in milliseconds; each further retry doubles it.
    pub retry_backoff_ms: u64,
    /// How often a worker looks for alerts to send, in milliseconds.
    pub poll_interval_ms: u64,
    /// Longest wait for the receiver's answer, in seconds.
    pub timeout_secs: u64,
}

impl Default for AlertSettings {
    fn default() -> Self {
        Self {
            max_attempts: 6,
            retry_backoff_ms: 10_000,
            poll_interval_ms: 1_000,
            timeout_secs: 10,
        }
    }
}
