//! Checks that the deserialised settings make sense, naming the key at fault.

use secrecy::ExposeSecret;

use crate::ConfigError;
use crate::settings::Settings;

/// Shortest accepted JWT secret or operator token, in bytes.
const MIN_SECRET_LEN: usize = 32;
/// Longest accepted token lifetime: a week.
const MAX_TOKEN_TTL_SECS: u64 = 7 * 24 * 3600;
/// A console session lasts at most a week; an invitation at most 30 days.
const MAX_SESSION_TTL_SECS: u64 = 7 * 24 * 3600;
const MAX_INVITATION_TTL_HOURS: u64 = 30 * 24;

fn invalid(key: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key,
        message: message.into(),
    }
}

impl Settings {
    fn validate_crawl(&self) -> Result<(), ConfigError> {
        let c = &self.crawl;
        if c.user_agent.trim().is_empty() {
            return Err(invalid("crawl.user_agent", "must not be empty"));
        }
        let positive = [
            ("crawl.max_pages", u64::from(c.max_pages)),
            ("crawl.max_page_bytes", c.max_page_bytes),
            ("crawl.timeout_secs", c.timeout_secs),
            ("crawl.per_host_concurrency", c.per_host_concurrency as u64),
            ("crawl.scheduler_interval_secs", c.scheduler_interval_secs),
            ("crawl.job_timeout_secs", c.job_timeout_secs),
        ];
        for (key, value) in positive {
            if value == 0 {
                return Err(invalid(key, "must be at least 1"));
            }
        }
        if c.max_redirects > 20 {
            return Err(invalid("crawl.max_redirects", "must be at most 20"));
        }
        for entry in &c.resolve {
            let valid = entry.split_once('=').is_some_and(|(host, addr)| {
                !host.trim().is_empty() && addr.trim().parse::<std::net::IpAddr>().is_ok()
            });
            if !valid {
                return Err(invalid(
                    "crawl.resolve",
                    format!("`{entry}` is not `host=address` with an IP address"),
                ));
            }
        }
        Ok(())
    }

    /// Validates every setting; the first problem found is returned.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if let Some(url) = &self.database_url {
            let url = &url.0;
            let known = ["sqlite:", "postgres://", "postgresql://"];
            if !known.iter().any(|p| url.starts_with(p)) {
                return Err(invalid(
                    "database_url",
                    "must start with sqlite:, postgres:// or postgresql://",
                ));
            }
        }
        if self.data_dir.as_os_str().is_empty() {
            return Err(invalid("data_dir", "must not be empty"));
        }
        if self.models_dir.as_os_str().is_empty() {
            return Err(invalid("models_dir", "must not be empty"));
        }
        let secrets = [
            ("auth.jwt_secret", &self.auth.jwt_secret),
            ("admin_token", &self.admin_token),
        ];
        for (key, secret) in secrets {
            if secret
                .as_ref()
                .is_some_and(|s| s.expose_secret().len() < MIN_SECRET_LEN)
            {
                return Err(invalid(
                    key,
                    format!("must be at least {MIN_SECRET_LEN} bytes long"),
                ));
            }
        }
        if self.embedder.batch_size == 0 || self.embedder.batch_size > 1024 {
            return Err(invalid("embedder.batch_size", "must be between 1 and 1024"));
        }
        let g = &self.generator;
        if g.summary_max_tokens == 0 || g.summary_max_tokens > 512 {
            return Err(invalid(
                "generator.summary_max_tokens",
                "must be between 1 and 512",
            ));
        }
        if !(64..=1536).contains(&g.summary_input_tokens) {
            return Err(invalid(
                "generator.summary_input_tokens",
                "must be between 64 and 1536",
            ));
        }
        if g.summary_timeout_secs == 0 || g.concurrency == 0 {
            return Err(invalid(
                "generator",
                "summary_timeout_secs and concurrency must be positive",
            ));
        }
        let c = &self.conversations;
        if c.max_message_chars == 0 || c.max_message_chars > 100_000 {
            return Err(invalid(
                "conversations.max_message_chars",
                "must be between 1 and 100000",
            ));
        }
        for (key, value) in [
            ("conversations.qa_min_similarity", c.qa_min_similarity),
            ("conversations.min_relevance", c.min_relevance),
        ] {
            if !(0.0..=1.0).contains(&value) {
                return Err(invalid(key, "must be between 0 and 1"));
            }
        }
        if !(1..=10).contains(&c.prompt_passages) || c.history_messages > 50 {
            return Err(invalid(
                "conversations",
                "prompt_passages must be between 1 and 10 and history_messages at most 50",
            ));
        }
        if !(1..=2048).contains(&c.max_reply_tokens) || c.reply_timeout_secs == 0 {
            return Err(invalid(
                "conversations",
                "max_reply_tokens must be between 1 and 2048 and reply_timeout_secs positive",
            ));
        }
        if c.generator == crate::settings::ReplyGenerator::Openai {
            let Some(base) = &c.openai_base_url else {
                return Err(invalid(
                    "conversations.openai_base_url",
                    "is required when conversations.generator is openai",
                ));
            };
            match url::Url::parse(base) {
                Ok(u) if matches!(u.scheme(), "http" | "https") => {}
                _ => {
                    return Err(invalid(
                        "conversations.openai_base_url",
                        "must be an http or https URL",
                    ));
                }
            }
        }
        let chunk = self.ingest.chunk_tokens;
        if !(32..=256).contains(&chunk) {
            return Err(invalid(
                "ingest.chunk_tokens",
                "must be between 32 and 256 (the embedding model reads 256 tokens)",
            ));
        }
        if self.ingest.chunk_overlap_tokens >= chunk / 2 {
            return Err(invalid(
                "ingest.chunk_overlap_tokens",
                "must be less than half of ingest.chunk_tokens",
            ));
        }
        if self.ingest.max_file_bytes == 0 {
            return Err(invalid("ingest.max_file_bytes", "must be positive"));
        }
        if self.ingest.pdf_memory_mib < 128 {
            return Err(invalid(
                "ingest.pdf_memory_mib",
                "must be at least 128 (the reader's own code and stacks take part of it)",
            ));
        }
        if self.ingest.pdf_timeout_secs == 0 {
            return Err(invalid("ingest.pdf_timeout_secs", "must be positive"));
        }
        let w = &self.worker;
        if w.concurrency == 0 || w.max_attempts == 0 || w.job_timeout_secs == 0 {
            return Err(invalid(
                "worker",
                "concurrency, max_attempts and job_timeout_secs must be positive",
            ));
        }
        if w.heartbeat_secs == 0 || w.poll_interval_ms == 0 {
            return Err(invalid(
                "worker",
                "heartbeat_secs and poll_interval_ms must be positive",
            ));
        }
        let ttl = self.auth.token_ttl_secs;
        if ttl == 0 || ttl > MAX_TOKEN_TTL_SECS {
            return Err(invalid(
                "auth.token_ttl_secs",
                format!("must be between 1 and {MAX_TOKEN_TTL_SECS} (got {ttl})"),
            ));
        }
        let share = self.widget.budget_share;
        if !(share > 0.0 && share <= 1.0) {
            return Err(invalid(
                "widget.budget_share",
                format!("must be above 0 and at most 1 (got {share})"),
            ));
        }
        if let Some(header) = &self.http.client_ip_header
            && (header.is_empty()
                || !header
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        {
            return Err(invalid(
                "http.client_ip_header",
                format!("{header:?} is not a header name"),
            ));
        }
        let widget_ttl = self.widget.token_ttl_secs;
        if widget_ttl == 0 || widget_ttl > MAX_TOKEN_TTL_SECS {
            return Err(invalid(
                "widget.token_ttl_secs",
                format!("must be between 1 and {MAX_TOKEN_TTL_SECS} (got {widget_ttl})"),
            ));
        }
        self.validate_crawl()?;
        let session_ttl = self.auth.session_ttl_secs;
        if !(60..=MAX_SESSION_TTL_SECS).contains(&session_ttl) {
            return Err(invalid(
                "auth.session_ttl_secs",
                format!("must be between 60 and {MAX_SESSION_TTL_SECS} (got {session_ttl})"),
            ));
        }
        let invitation_ttl = self.auth.invitation_ttl_hours;
        if !(1..=MAX_INVITATION_TTL_HOURS).contains(&invitation_ttl) {
            return Err(invalid(
                "auth.invitation_ttl_hours",
                format!("must be between 1 and {MAX_INVITATION_TTL_HOURS} (got {invitation_ttl})"),
            ));
        }
        if self.auth.credential_cache_ttl_secs > 300 {
            return Err(invalid(
                "auth.credential_cache_ttl_secs",
                "must be at most 300 so that revoked credentials stop working promptly",
            ));
        }
        if self
            .database_max_connections
            .is_some_and(|n| !(2..=1000).contains(&n))
        {
            return Err(invalid(
                "database_max_connections",
                "must be between 2 and 1000",
            ));
        }
        if self.rate_limit.default_per_hour == 0 {
            return Err(invalid("rate_limit.default_per_hour", "must be at least 1"));
        }
        if self.rate_limit.default_per_day == 0 {
            return Err(invalid("rate_limit.default_per_day", "must be at least 1"));
        }
        if self.rate_limit.limit_refresh_secs > 60 {
            return Err(invalid(
                "rate_limit.limit_refresh_secs",
                "must be at most 60",
            ));
        }
        if self.http.body_limit_bytes < 1024 {
            return Err(invalid("http.body_limit_bytes", "must be at least 1024"));
        }
        if tracing_filter_is_blank(&self.log.level) {
            return Err(invalid("log.level", "must not be empty"));
        }
        if self.request_log.batch_size == 0 || self.request_log.batch_size > 5000 {
            return Err(invalid(
                "request_log.batch_size",
                "must be between 1 and 5000",
            ));
        }
        let sessions = &self.sessions;
        if sessions.max_ttl_secs < 60 {
            return Err(invalid("sessions.max_ttl_secs", "must be at least 60"));
        }
        if sessions.default_ttl_secs < 60 || sessions.default_ttl_secs > sessions.max_ttl_secs {
            return Err(invalid(
                "sessions.default_ttl_secs",
                "must be between 60 and sessions.max_ttl_secs",
            ));
        }
        if self.request_log.flush_interval_ms == 0 {
            return Err(invalid(
                "request_log.flush_interval_ms",
                "must be at least 1",
            ));
        }
        let alerts = &self.alerts;
        if alerts.max_attempts == 0 {
            return Err(invalid("alerts.max_attempts", "must be at least 1"));
        }
        if alerts.poll_interval_ms == 0 || alerts.timeout_secs == 0 {
            return Err(invalid(
                "alerts.poll_interval_ms",
                "the poll interval and the timeout must be at least 1",
            ));
        }
        let webhooks = &self.webhooks;
        for (key, value) in [
            ("webhooks.retry_backoff_ms", webhooks.retry_backoff_ms),
            ("webhooks.max_backoff_secs", webhooks.max_backoff_secs),
            ("webhooks.retry_for_secs", webhooks.retry_for_secs),
            ("webhooks.disable_after_secs", webhooks.disable_after_secs),
            ("webhooks.poll_interval_ms", webhooks.poll_interval_ms),
        ] {
            if value == 0 {
                return Err(invalid(key, "must be at least 1"));
            }
        }
        if !(1..=60).contains(&webhooks.timeout_secs) {
            return Err(invalid("webhooks.timeout_secs", "must be between 1 and 60"));
        }
        if self.request_log.retention_sweep_secs == 0 {
            return Err(invalid(
                "request_log.retention_sweep_secs",
                "must be at least 1",
            ));
        }
        Ok(())
    }
}

fn tracing_filter_is_blank(level: &str) -> bool {
    level.trim().is_empty()
}

#[cfg(test)]
// figment's `Jail` closures return its own (large) error type.
#[allow(clippy::result_large_err)]
mod tests {
    use std::path::PathBuf;

    use figment::providers::Serialized;
    use figment::{Figment, Jail};

    use crate::{CliOverrides, ConfigError, Settings, layers};

    fn load_in_jail() -> Result<Settings, ConfigError> {
        Settings::from_figment(layers(None, &CliOverrides::default()))
    }

    #[test]
    fn defaults_are_the_embedded_setup() {
        Jail::expect_with(|_| {
            let s = load_in_jail().map_err(|e| e.to_string())?;
            assert_eq!(s.listen.to_string(), "127.0.0.1:8080");
            assert_eq!(s.data_dir, PathBuf::from("./data"));
            assert_eq!(s.models_dir, PathBuf::from("./models"));
            assert_eq!(s.database_url(), "sqlite://./data/companin.db?mode=rwc");
            assert_eq!(s.rate_limit.default_per_hour, 1000);
            assert!(s.auto_migrate());
            Ok(())
        });
    }

    #[test]
    fn file_then_environment_then_cli() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "c.toml",
                "listen = \"0.0.0.0:9000\"\n[rate_limit]\ndefault_per_hour = 50\n[auth]\ntoken_ttl_secs = 60\n",
            )?;
            jail.set_env("COMPANIN_RATE_LIMIT_DEFAULT_PER_HOUR", "70");
            jail.set_env("COMPANIN_DATABASE_URL", "postgres://u:pw@db/x");
            jail.set_env("COMPANIN_TEST_DATABASE_URL", "ignored");
            let cli = CliOverrides {
                listen: Some("127.0.0.1:7000".into()),
                ..CliOverrides::default()
            };
            let s = Settings::from_figment(layers(Some("c.toml".as_ref()), &cli))
                .map_err(|e| e.to_string())?;
            assert_eq!(s.listen.to_string(), "127.0.0.1:7000");
            assert_eq!(s.rate_limit.default_per_hour, 70);
            assert_eq!(s.auth.token_ttl_secs, 60);
            assert!(!s.is_sqlite());
            assert!(!s.auto_migrate());
            assert_eq!(s.database_max_connections(), 32);
            jail.set_env("COMPANIN_DATABASE_MAX_CONNECTIONS", "12");
            let s = Settings::from_figment(layers(None, &cli)).map_err(|e| e.to_string())?;
            assert_eq!(s.database_max_connections(), 12);
            jail.set_env("COMPANIN_DATABASE_MAX_CONNECTIONS", "1");
            let err = load_in_jail()
                .expect_err("one connection is too few")
                .to_string();
            assert!(err.contains("database_max_connections"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn bad_values_name_their_key() {
        Jail::expect_with(|jail| {
            jail.set_env("COMPANIN_RATE_LIMIT_DEFAULT_PER_HOUR", "lots");
            let err = load_in_jail().expect_err("must fail").to_string();
            let lower = err.to_ascii_lowercase();
            assert!(lower.contains("rate_limit.default_per_hour"), "{err}");
            Ok(())
        });
        Jail::expect_with(|jail| {
            jail.set_env("COMPANIN_RATE_LIMIT_DEFAULT_PER_HOUR", "0");
            let err = load_in_jail().expect_err("must fail").to_string();
            assert_eq!(
                err,
                "invalid configuration: `rate_limit.default_per_hour` must be at least 1"
            );
            Ok(())
        });
        Jail::expect_with(|jail| {
            jail.set_env("COMPANIN_LISTEN_PORT", "1");
            let err = load_in_jail().expect_err("must fail").to_string();
            assert!(err.to_ascii_lowercase().contains("listen_port"), "{err}");
            Ok(())
        });
        Jail::expect_with(|jail| {
            // Widget settings come from their flat variables too, and are checked.
            jail.set_env("COMPANIN_WIDGET_TOKEN_TTL_SECS", "0");
            let err = load_in_jail().expect_err("must fail").to_string();
            assert!(err.contains("widget.token_ttl_secs"), "{err}");
            jail.set_env("COMPANIN_WIDGET_TOKEN_TTL_SECS", "120");
            jail.set_env("COMPANIN_WIDGET_MESSAGES_PER_MINUTE", "5");
            jail.set_env("COMPANIN_SANDBOX_SEED_ON_CREATE", "false");
            jail.set_env("COMPANIN_CRAWL_MAX_PAGES", "40");
            let s = load_in_jail().expect("valid");
            assert_eq!(s.crawl.max_pages, 40);
            assert_eq!(s.widget.token_ttl_secs, 120);
            assert_eq!(s.widget.messages_per_minute, 5);
            assert!(!s.sandbox.seed_on_create);
            Ok(())
        });
        Jail::expect_with(|jail| {
            jail.set_env("COMPANIN_WIDGET_BUDGET_SHARE", "0");
            let err = load_in_jail().expect_err("must fail").to_string();
            assert!(err.contains("widget.budget_share"), "{err}");
            jail.set_env("COMPANIN_WIDGET_BUDGET_SHARE", "1.5");
            let err = load_in_jail().expect_err("must fail").to_string();
            assert!(err.contains("widget.budget_share"), "{err}");
            jail.set_env("COMPANIN_WIDGET_BUDGET_SHARE", "0.25");
            jail.set_env("COMPANIN_HTTP_CLIENT_IP_HEADER", "X-Forwarded-For: evil");
            let err = load_in_jail().expect_err("must fail").to_string();
            assert!(err.contains("http.client_ip_header"), "{err}");
            jail.set_env("COMPANIN_HTTP_CLIENT_IP_HEADER", "X-Forwarded-For");
            let s = load_in_jail().expect("valid");
            assert_eq!(s.widget.budget_share, 0.25);
            assert_eq!(s.http.client_ip_header.as_deref(), Some("X-Forwarded-For"));
            Ok(())
        });
        Jail::expect_with(|jail| {
            jail.set_env("COMPANIN_CRAWL_RESOLVE", "[\"shop.example=not-an-ip\"]");
            let err = load_in_jail().expect_err("must fail").to_string();
            assert!(err.contains("crawl.resolve"), "{err}");
            Ok(())
        });
        Jail::expect_with(|jail| {
            jail.set_env("COMPANIN_AUTH_JWT_SECRET", "short");
            let err = load_in_jail().expect_err("must fail").to_string();
            assert!(err.contains("auth.jwt_secret"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn secrets_never_print() {
        let figment = Figment::new().merge(Serialized::defaults(serde_json_like()));
        let s = Settings::from_figment(figment).expect("valid");
        let debug = format!("{s:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(
            !debug.contains("operator-token-operator-token-000"),
            "{debug}"
        );
        assert!(
            !debug.contains("jwt-secret-jwt-secret-jwt-secret-0"),
            "{debug}"
        );
    }

    fn serde_json_like() -> std::collections::BTreeMap<&'static str, figment::value::Value> {
        use figment::value::{Dict, Value};
        let mut auth = Dict::new();
        auth.insert(
            "jwt_secret".into(),
            Value::from("jwt-secret-jwt-secret-jwt-secret-0"),
        );
        let mut map = std::collections::BTreeMap::new();
        map.insert(
            "database_url",
            Value::from("postgres://me:hunter2@localhost/db"),
        );
        map.insert(
            "admin_token",
            Value::from("operator-token-operator-token-000"),
        );
        map.insert("auth", Value::from(auth));
        map
    }
}
