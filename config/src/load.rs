//! Layering: compiled defaults < `companin.toml` < `COMPANIN_*` environment < CLI flags.

use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::Serialize;

use crate::ConfigError;
use crate::settings::Settings;

/// The file read when neither `--config` nor `COMPANIN_CONFIG` names one and it exists.
pub const DEFAULT_CONFIG_FILE: &str = "companin.toml";

/// Sections of the settings; a flat variable `COMPANIN_<SECTION>_<KEY>` sets `section.key`.
/// Longest names first so that `request_log_*` is not read as `log` + `request_...`.
const SECTIONS: [&str; 17] = [
    "conversations",
    "webhooks",
    "crawl",
    "sandbox",
    "search",
    "widget",
    "request_log",
    "rate_limit",
    "generator",
    "sessions",
    "alerts",
    "embedder",
    "worker",
    "ingest",
    "auth",
    "http",
    "log",
];

/// Environment variables with the prefix that are not settings.
const NOT_SETTINGS: [&str; 1] = ["config"];

/// Values given on the command line; `None` leaves the lower layers in charge.
#[derive(Debug, Default, Clone, Serialize)]
pub struct CliOverrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub models_dir: Option<PathBuf>,
}

impl Settings {
    /// Loads and validates the settings of this process from every layer.
    ///
    /// `config_file` is the `--config` flag; without it `COMPANIN_CONFIG` is read, then
    /// `companin.toml` in the working directory when present. A named file that does not exist
    /// is an error.
    pub fn load(config_file: Option<&Path>, cli: &CliOverrides) -> Result<Settings, ConfigError> {
        let from_env = std::env::var_os("COMPANIN_CONFIG").map(PathBuf::from);
        let named = config_file.map(Path::to_path_buf).or(from_env);
        let file = match named {
            Some(path) if !path.is_file() => return Err(ConfigError::MissingFile(path)),
            Some(path) => Some(path),
            None => Some(PathBuf::from(DEFAULT_CONFIG_FILE)).filter(|p| p.is_file()),
        };
        Self::from_figment(layers(file.as_deref(), cli))
    }

    /// Extracts and validates settings from an assembled figment (used by tests to inject
    /// their own layers).
    pub fn from_figment(figment: Figment) -> Result<Settings, ConfigError> {
        let settings: Settings = figment
            .extract()
            .map_err(|e| ConfigError::Parse(Box::new(e)))?;
        settings.validate()?;
        Ok(settings)
    }
}

/// The figment of every layer, lowest first.
pub fn layers(file: Option<&Path>, cli: &CliOverrides) -> Figment {
    let mut figment = Figment::new();
    if let Some(file) = file {
        figment = figment.merge(Toml::file_exact(file));
    }
    figment
        .merge(environment())
        .merge(Serialized::defaults(cli.clone()))
}

/// `COMPANIN_*` variables, flat names mapped to sections.
pub fn environment() -> Env {
    Env::prefixed("COMPANIN_")
        .ignore(&NOT_SETTINGS)
        // Variables of the test harness share the prefix but are not settings.
        .filter(|key| !key.as_str().to_ascii_lowercase().starts_with("test_"))
        .map(|key| section_key(&key.as_str().to_ascii_lowercase()).into())
        .split(".")
}

/// Maps a flat, lower-cased key (`rate_limit_default_per_hour`) to its dotted path
/// (`rate_limit.default_per_hour`).
fn section_key(key: &str) -> String {
    for section in SECTIONS {
        if let Some(rest) = key
            .strip_prefix(section)
            .and_then(|r| r.strip_prefix('_'))
            .filter(|r| !r.is_empty())
        {
            return format!("{section}.{rest}");
        }
    }
    key.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_keys_map_to_sections() {
        assert_eq!(section_key("database_url"), "database_url");
        assert_eq!(section_key("listen"), "listen");
        assert_eq!(
            section_key("search_memory_budget_mb"),
            "search.memory_budget_mb"
        );
        assert_eq!(
            section_key("rate_limit_default_per_hour"),
            "rate_limit.default_per_hour"
        );
        assert_eq!(
            section_key("request_log_flush_interval_ms"),
            "request_log.flush_interval_ms"
        );
        assert_eq!(section_key("log_level"), "log.level");
        assert_eq!(
            section_key("webhooks_retry_for_secs"),
            "webhooks.retry_for_secs"
        );
        assert_eq!(section_key("auth_jwt_secret"), "auth.jwt_secret");
        assert_eq!(
            section_key("widget_token_ttl_secs"),
            "widget.token_ttl_secs"
        );
        assert_eq!(
            section_key("sandbox_seed_on_create"),
            "sandbox.seed_on_create"
        );
    }
}
