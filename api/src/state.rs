//! What every request handler shares.

use std::sync::Arc;
use std::time::Duration;

use companin_config::Settings;
use sea_orm::DatabaseConnection;

use crate::auth::credentials::CredentialStore;
use crate::auth::jwt::JwtKeys;
use crate::rate_limit::RateLimiter;
use crate::telemetry::TelemetryWriter;

/// Built once per process at start; handlers reach it through poem's request data.
pub struct AppState {
    pub db: DatabaseConnection,
    pub settings: Settings,
    pub jwt: JwtKeys,
    pub credentials: CredentialStore,
    pub limiter: RateLimiter,
    pub telemetry: TelemetryWriter,
}

impl AppState {
    pub fn new(
        db: DatabaseConnection,
        settings: Settings,
        jwt: JwtKeys,
        telemetry: TelemetryWriter,
    ) -> Arc<Self> {
        let credentials = CredentialStore::new(
            db.clone(),
            Duration::from_secs(settings.auth.credential_cache_ttl_secs),
        );
        let limiter = RateLimiter::new(
            db.clone(),
            telemetry.clone(),
            settings.rate_limit.default_per_hour,
            Duration::from_secs(settings.rate_limit.limit_refresh_secs),
        );
        Arc::new(Self {
            db,
            settings,
            jwt,
            credentials,
            limiter,
            telemetry,
        })
    }
}
