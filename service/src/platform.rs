//! What every operation shares in one process: the database pools, settings, credentials,
//! limiters, the request-log writer, the job queue, search and reply generators.

use std::time::Duration;

use companin_config::Settings;
use companin_worker::Queue;
use sea_orm::DatabaseConnection;

use crate::auth::credentials::CredentialStore;
use crate::auth::jwt::JwtKeys;
use crate::auth::seal::SecretSeal;
use crate::db::Pools;
use crate::generation::Generators;
use crate::rate_limit::{Limits, RateLimiter, WidgetLimiter};
use crate::search::Searcher;
use crate::telemetry::TelemetryWriter;

/// Built once per process at start, and shared by every request and command.
pub struct Platform {
    /// Reads.
    pub db: DatabaseConnection,
    /// Writes and read-modify-write transactions (see [`Pools`]).
    pub db_write: DatabaseConnection,
    pub settings: Settings,
    pub jwt: JwtKeys,
    pub credentials: CredentialStore,
    /// Seals new client secrets and opens them for widget identity verification.
    pub seal: SecretSeal,
    pub limiter: RateLimiter,
    /// The limits of anonymous widget traffic (see [`crate::rate_limit::widget`]).
    pub widget_limiter: WidgetLimiter,
    pub telemetry: TelemetryWriter,
    /// Where jobs are queued (`None` only in tests of routes that queue nothing).
    pub queue: Option<Queue>,
    /// Knowledge search: the per-tenant indexes and the query embedder.
    pub search: Searcher,
    /// Reply generators for conversations.
    pub generators: Generators,
    /// Judges URLs submitted for crawling (the crawl settings' SSRF guard).
    pub url_guard: companin_worker::egress::Guard,
}

impl Platform {
    pub fn new(
        pools: Pools,
        settings: Settings,
        jwt: JwtKeys,
        telemetry: TelemetryWriter,
        queue: Option<Queue>,
    ) -> anyhow::Result<Self> {
        let Pools {
            read: db,
            write: db_write,
        } = pools;
        let cache_ttl = Duration::from_secs(settings.auth.credential_cache_ttl_secs);
        let credentials = CredentialStore::new(db.clone(), cache_ttl);
        let seal = SecretSeal::new(&settings.jwt_secret()?);
        let default_limits = Limits {
            per_hour: i64::from(settings.rate_limit.default_per_hour),
            per_day: i64::from(settings.rate_limit.default_per_day),
        };
        let limit_refresh = Duration::from_secs(settings.rate_limit.limit_refresh_secs);
        let limiter = RateLimiter::new(db_write.clone(), default_limits, limit_refresh);
        let widget_limiter = WidgetLimiter::new(
            db_write.clone(),
            settings.widget.clone(),
            default_limits,
            limit_refresh,
        );
        let search = Searcher::new(db.clone(), settings.clone());
        let generators = Generators::new(&settings)?;
        let url_guard = companin_worker::egress::Guard::from_settings(&settings.crawl);
        Ok(Self {
            url_guard,
            search,
            generators,
            db,
            db_write,
            settings,
            jwt,
            credentials,
            seal,
            limiter,
            widget_limiter,
            telemetry,
            queue,
        })
    }
}
