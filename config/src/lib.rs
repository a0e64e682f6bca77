//! Typed, layered settings for every Companin process.
//!
//! Layers, lowest first: compiled defaults, `companin.toml` (path from `--config` or
//! `COMPANIN_CONFIG`), `COMPANIN_*` environment variables (flat names such as
//! `COMPANIN_DATABASE_URL` or `COMPANIN_RATE_LIMIT_DEFAULT_PER_HOUR`), then command-line flags.
//! The result is validated once at start; an error names the bad key. Secrets are wrapped in
//! [`secrecy::SecretString`] (and database passwords redacted) so they never print.
//!
//! Nothing here is shared mutable state: a process loads its [`Settings`] once and passes them
//! down.
//!
//! Depends on no other crate of the workspace; every other crate may depend on it.

mod load;
mod secrets;
mod settings;
mod validate;

use std::path::PathBuf;

pub use load::{CliOverrides, DEFAULT_CONFIG_FILE, environment, layers};
pub use secrets::JWT_SECRET_FILE;
pub use settings::{
    AlertSettings, AuthSettings, ConversationSettings, CrawlSettings, DatabaseUrl, EmbedderModel,
    EmbedderSettings, GeneratorSettings, HttpSettings, IngestSettings, LogFormat, LogSettings,
    RateLimitSettings, ReplyGenerator, RequestLogSettings, SandboxSettings, SearchSettings,
    SessionSettings, Settings, WebhookSettings, WidgetSettings, WorkerSettings, redact_password,
};

/// Why settings could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration file {0} does not exist")]
    MissingFile(PathBuf),
    #[error("invalid configuration: {0}")]
    Parse(Box<figment::Error>),
    #[error("invalid configuration: `{key}` {message}")]
    Invalid { key: &'static str, message: String },
    #[error("could not read or create the JWT secret file {path}: {source}")]
    SecretFile {
        path: PathBuf,
        source: std::io::Error,
    },
}
