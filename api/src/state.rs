//! What every request handler shares: the service's [`Platform`] and what only HTTP needs.

use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use companin_service::Platform;
use companin_service::cache::ConfigCache;

use crate::http::cors::AllowedOrigins;
use crate::http::rendered::RenderedJson;
use crate::schemas::clients::{Client, ClientList};

/// Built once per process at start; handlers reach it through poem's request data.
pub struct AppState {
    /// The operations' shared state; [`AppState`] derefs to it.
    pub platform: Platform,
    /// The origins CORS admits: those some active client allows.
    pub origins: AllowedOrigins,
    /// Rendered pages of `GET /clients/`, by `(limit, offset)`.
    pub client_pages: ConfigCache<(u64, u64), RenderedJson<ClientList>>,
    /// Rendered clients by id (`None`: not found in the tenant).
    pub client_rows: ConfigCache<String, Option<RenderedJson<Client>>>,
}

impl AppState {
    pub fn new(platform: Platform) -> Arc<Self> {
        let cache_ttl = Duration::from_secs(platform.settings.auth.credential_cache_ttl_secs);
        let origins = AllowedOrigins::new(platform.db.clone(), cache_ttl);
        Arc::new(Self {
            platform,
            origins,
            client_pages: ConfigCache::new(10_000),
            client_rows: ConfigCache::new(100_000),
        })
    }
}

impl Deref for AppState {
    type Target = Platform;

    fn deref(&self) -> &Platform {
        &self.platform
    }
}
